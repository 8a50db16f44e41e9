//! Text on a PDF page, in our own small pipeline because printpdf neither wraps, reorders nor
//! shapes: the font chain (embedded DejaVu Sans, `--font` files, fonts fontconfig finds), a line
//! cut into runs that one font draws, in visual order (`unicode-bidi`), shaped where the script
//! needs it (`rustybuzz`: Arabic joining, lam-alef, the Persian ZWNJ, Indic clusters), widths from
//! the shaped advances, and line breaking at the opportunities of UAX #14 (`unicode-linebreak`).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use printpdf::{Codepoint, ParsedFont, TextItem};
use rustybuzz::ttf_parser;

use super::error::{Error, FontError};
use super::faces::{self, Candidate, Forms, Han, is_cjk};
use crate::model::lang::Lang;

/// One font of the chain: printpdf's parsed font (glyph ids, advances, embedding) and the
/// shaping view of the same bytes, so glyph ids agree.
pub struct Font {
    pub parsed: ParsedFont,
    face: rustybuzz::Face<'static>,
    name: String,
    /// The regional CJK forms the face is made for (none for a Latin font).
    forms: Forms,
    /// The file and face it was read from (none for the embedded DejaVu Sans).
    origin: Option<Candidate>,
    /// Ascender to descender, in ems: what a line set in this font needs not to touch the next.
    line_box_em: f32,
    /// Shaping plans by direction (right to left?) and script: compiling a plan reads the font's
    /// layout tables and cost as much as the shaping itself, so each is made once per process.
    plans: Mutex<HashMap<(bool, rustybuzz::Script), Arc<rustybuzz::ShapePlan>>>,
    /// The glyph and advance of every character below `TABLE`, read once (`glyph`).
    table: OnceLock<Box<[Glyph]>>,
}

/// Characters whose glyphs a font keeps in a table: the alphabets, Arabic, Indic scripts and
/// punctuation (U+0000 to U+2FFF). Finding a font and measuring a line ask for each character
/// again and again (a character map lookup was a twentieth of a letter's time); a table of
/// 12,288 entries is read once per font and process, the rest (Han, Hangul) is looked up.
const TABLE: u32 = 0x3000;

/// Whether a font has a character, and the advance of its glyph (of glyph 0 when it has not),
/// in font units.
#[derive(Clone, Copy, Default)]
struct Glyph {
    advance: u16,
    has: bool,
}

impl Font {
    /// Face `index` of a font file (0 for a single font, the face of a collection otherwise).
    fn from_bytes(bytes: &'static [u8], index: u32, name: String) -> Option<Font> {
        let face = rustybuzz::Face::from_slice(bytes, index)?;
        let upem = face.units_per_em().max(1) as f32;
        Some(Font {
            parsed: ParsedFont::from_bytes(bytes, index as usize, &mut Vec::new())?,
            forms: Forms::of_face(&face),
            line_box_em: (f32::from(face.ascender()) - f32::from(face.descender())) / upem,
            face,
            name,
            origin: None,
            plans: Mutex::default(),
            table: OnceLock::new(),
        })
    }

    /// Face `index` of the font file `file` whose bytes are `bytes`.
    fn from_file(bytes: &'static [u8], file: &Path, index: u32) -> Option<Font> {
        let faces = ttf_parser::fonts_in_collection(bytes).unwrap_or(1);
        let font = Font::from_bytes(bytes, index, face_name(file, index, faces))?;
        Some(Font {
            origin: Some(Candidate {
                file: file.to_path_buf(),
                index,
            }),
            ..font
        })
    }

    /// The shaping plan for a buffer whose segment properties are set.
    fn plan(&self, buffer: &rustybuzz::UnicodeBuffer) -> Arc<rustybuzz::ShapePlan> {
        let rtl = buffer.direction() == rustybuzz::Direction::RightToLeft;
        let script = buffer.script();
        // A poisoned lock only means another thread panicked mid-insert; the map is still sound.
        let mut plans = self.plans.lock().unwrap_or_else(|e| e.into_inner());
        plans
            .entry((rtl, script))
            .or_insert_with(|| {
                Arc::new(rustybuzz::ShapePlan::new(
                    &self.face,
                    buffer.direction(),
                    Some(script),
                    None,
                    &[],
                ))
            })
            .clone()
    }

    fn has(&self, c: char) -> bool {
        self.glyph(c).has
    }

    /// What the font has of `c`, from the table or the font's character map.
    fn glyph(&self, c: char) -> Glyph {
        let read = |c: u32| match self.parsed.lookup_glyph_index(c) {
            Some(gid) => Glyph {
                advance: self.parsed.get_horizontal_advance(gid),
                has: true,
            },
            None => Glyph {
                advance: self.parsed.get_horizontal_advance(0),
                has: false,
            },
        };
        match self
            .table
            .get_or_init(|| (0..TABLE).map(read).collect())
            .get(c as usize)
        {
            Some(glyph) => *glyph,
            None => read(u32::from(c)),
        }
    }

    fn units_per_em(&self) -> f32 {
        f32::from(self.parsed.font_metrics.units_per_em.max(1))
    }

    /// The advance of `c` in ems (0 when the font lacks it).
    fn advance_em(&self, c: char) -> f32 {
        f32::from(self.glyph(c).advance) / self.units_per_em()
    }
}

/// The embedded DejaVu Sans, regular and bold, parsed once per process.
fn embedded() -> &'static [Font; 2] {
    static FONTS: OnceLock<[Font; 2]> = OnceLock::new();
    FONTS.get_or_init(|| {
        // The crate's bytes are a valid DejaVu Sans; a failure here is a broken build, not input.
        let font = |bytes, name: &str| {
            Font::from_bytes(bytes, 0, name.to_string()).expect("the embedded DejaVu Sans parses")
        };
        [
            font(dejavu::sans::regular(), "DejaVu Sans"),
            font(dejavu::sans::bold(), "DejaVu Sans Bold"),
        ]
    })
}

/// Regular text, or bold (the subject line).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Weight {
    #[default]
    Regular,
    Bold,
}

/// Chain index of the embedded bold face; fallback fonts start after it.
const BOLD: usize = 1;

/// What the chain knows of a font beside the font itself.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
struct Slot {
    /// The CJK forms the font is chosen for: its own, or the language fontconfig matched it for.
    forms: Forms,
    /// A bold face of another font: never chosen for regular text.
    bold_face: bool,
    /// The chain index of this font's bold face, when there is one.
    bold: Option<usize>,
}

/// What fontconfig was already asked, so each question is put once per run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Asked {
    /// A font with a glyph for the character.
    Char(char),
    /// A face made for these forms.
    Forms(Han),
    /// The bold face of the font at this chain index.
    Bold(usize),
}

/// The fonts a run draws with, in order of preference: the embedded DejaVu Sans, then each
/// `--font` file, then fonts that fontconfig finds for characters the others lack. Index 1 is
/// DejaVu Sans Bold, used only for bold text DejaVu Sans draws; other bold faces join the chain
/// beside their regular face. CJK characters are drawn in the forms of the letter's language
/// (`for_lang`): a font made for other forms (a Japanese face in a Chinese letter) is passed
/// over while one made for these forms, or for none, has the character. Fonts are parsed once and
/// live for the whole process.
#[derive(Clone)]
pub struct FontChain {
    fonts: Vec<&'static Font>,
    slots: Vec<Slot>,
    /// The CJK forms of the letter being set; without a language, each character's own.
    han: Option<Han>,
    /// Font files read, by path: the faces of a collection share one copy.
    files: HashMap<PathBuf, &'static [u8]>,
    asked: HashSet<Asked>,
}

impl Default for FontChain {
    fn default() -> Self {
        let [regular, bold] = embedded();
        FontChain {
            fonts: vec![regular, bold],
            slots: vec![
                Slot {
                    bold: Some(BOLD),
                    ..Slot::default()
                },
                Slot {
                    bold_face: true,
                    ..Slot::default()
                },
            ],
            han: None,
            files: HashMap::new(),
            asked: HashSet::new(),
        }
    }
}

impl FontChain {
    /// DejaVu Sans followed by `files` (`--font`, in order). `FILE#INDEX` names a face of a
    /// collection; a collection named without an index gives one face for each CJK forms it holds
    /// (Noto Sans CJK: JP, KR, SC, TC), and each letter draws with the face of its language. A
    /// file that is not a font, or a face the collection does not have, is an error.
    pub fn new(files: &[PathBuf]) -> Result<FontChain, Error> {
        let mut chain = FontChain::default();
        for arg in files {
            let (file, index) = faces::split_face(arg);
            chain
                .add_user_font(&file, index)
                .map_err(|problem| Error::Font {
                    file: arg.clone(),
                    problem,
                })?;
        }
        Ok(chain)
    }

    /// The chain as a letter in `lang` draws with it: CJK characters in the forms of the
    /// language (SC for `zh`, TC for `zh-Hant`, JP for `ja`, KR for `ko`). The fonts and their
    /// chain indices are the same, so one document may draw letters of several languages. A
    /// view is for drawing, made once per letter: it leaves out what admitting fonts keeps (the
    /// files read, the questions asked of fontconfig), which the chain it came from holds.
    pub fn for_lang(&self, lang: &Lang) -> FontChain {
        FontChain {
            fonts: self.fonts.clone(),
            slots: self.slots.clone(),
            han: Han::of_lang(lang),
            files: HashMap::new(),
            asked: HashSet::new(),
        }
    }

    /// The bytes of a font file, read once and kept for the whole process (a handful of files
    /// per run at most).
    fn read(&mut self, file: &Path) -> std::io::Result<&'static [u8]> {
        if let Some(bytes) = self.files.get(file) {
            return Ok(bytes);
        }
        let bytes: &'static [u8] = Box::leak(std::fs::read(file)?.into_boxed_slice());
        self.files.insert(file.to_path_buf(), bytes);
        Ok(bytes)
    }

    fn push(&mut self, font: Font, slot: Slot) -> usize {
        self.fonts.push(Box::leak(Box::new(font)));
        self.slots.push(slot);
        self.fonts.len() - 1
    }

    /// A `--font` file: face `index`, or one face per CJK forms of a collection. A face the user
    /// named is drawn whatever the letter's language: it is chosen for every forms.
    fn add_user_font(&mut self, file: &Path, index: Option<u32>) -> Result<(), FontError> {
        let bytes = self.read(file).map_err(FontError::Read)?;
        let count = ttf_parser::fonts_in_collection(bytes).unwrap_or(1);
        let faces = match index {
            Some(index) if index >= count => {
                return Err(FontError::NoFace {
                    index,
                    faces: count,
                });
            }
            Some(index) => vec![index],
            None => faces_by_forms(bytes, count),
        };
        let named = index.is_some();
        for index in faces {
            let font = Font::from_file(bytes, file, index).ok_or(FontError::NotAFont)?;
            let forms = if named { Forms::default() } else { font.forms };
            self.push(
                font,
                Slot {
                    forms,
                    ..Slot::default()
                },
            );
        }
        Ok(())
    }

    /// The font at a chain index (as `Run::font` gives it).
    pub fn font(&self, index: usize) -> &'static Font {
        self.fonts[index]
    }

    /// The forms `c` is drawn in: the letter's, else the character's own.
    fn han_for(&self, c: char) -> Han {
        self.han.unwrap_or_else(|| Han::of_char(c))
    }

    /// The fonts for regular text that have a glyph for `c`, in chain order.
    fn having(&self, c: char) -> impl Iterator<Item = usize> + '_ {
        (0..self.fonts.len()).filter(move |&i| !self.slots[i].bold_face && self.fonts[i].has(c))
    }

    /// The first font of the chain that draws `c` in the forms it needs: one made for those forms
    /// or for none. Never a bold face.
    fn proper_index(&self, c: char) -> Option<usize> {
        let han = self.han_for(c);
        self.having(c).find(|&i| {
            let forms = self.slots[i].forms;
            forms.is_none() || forms.has(han)
        })
    }

    /// The font that draws `c`: the first in the forms it needs, else the first that has it at
    /// all (other regional forms rather than an empty box).
    fn index_of(&self, c: char) -> Option<usize> {
        self.proper_index(c).or_else(|| self.having(c).next())
    }

    /// The font that draws `c` in a run now drawn by `current`: spaces stay in the run they
    /// follow when its font has them (an ideographic space, U+3000, starting a Chinese
    /// paragraph goes to a font that has it, not a box); bold text uses the font's bold face
    /// when the chain has one with the character.
    fn font_for(&self, c: char, current: Option<usize>, weight: Weight) -> usize {
        let font = if c.is_whitespace() {
            current
                .filter(|&f| self.fonts[f].has(c))
                .or_else(|| self.index_of(c))
                .or(current)
                .unwrap_or(0)
        } else {
            self.index_of(c).unwrap_or(0)
        };
        match self.slots[font].bold {
            Some(bold) if weight == Weight::Bold && self.fonts[bold].has(c) => bold,
            _ => font,
        }
    }

    /// `text` cut into logical runs that one font draws: (font index, run).
    fn font_runs<'t>(&self, text: &'t str, weight: Weight) -> Vec<(usize, &'t str)> {
        let mut runs: Vec<(usize, &'t str)> = Vec::new();
        let mut start = 0;
        let mut current: Option<usize> = None;
        for (i, c) in text.char_indices() {
            let font = self.font_for(c, current, weight);
            if let Some(f) = current.filter(|f| *f != font) {
                runs.push((f, &text[start..i]));
                start = i;
            }
            current = Some(font);
        }
        if start < text.len() {
            runs.push((current.unwrap_or(0), &text[start..]));
        }
        runs
    }

    /// Makes the chain draw `c`, asking fontconfig when no font of the chain can: for a CJK
    /// character, first for a face made for its forms (`fc-match 'sans-serif:lang=zh-cn'`,
    /// honouring the face index of a collection); else for any font with the glyph. Returns
    /// whether the chain now covers `c`.
    pub fn add_system_font_for(&mut self, c: char) -> bool {
        if self.proper_index(c).is_some() {
            return true;
        }
        let han = self.han_for(c);
        if is_cjk(c) && self.asked.insert(Asked::Forms(han)) {
            self.add_face_for_forms(han, c);
            if self.proper_index(c).is_some() {
                return true;
            }
        }
        if self.index_of(c).is_some() {
            return true;
        }
        if !self.asked.insert(Asked::Char(c)) {
            return false;
        }
        faces::with_char(c).iter().any(|candidate| {
            self.add_candidate(candidate, Slot::default(), |font| font.has(c))
                .is_some()
        })
    }

    /// Adds the face fontconfig prefers for `han` among those that name themselves for these
    /// forms (Noto Sans CJK SC for `zh-cn`); when none does, its best face for the language,
    /// chosen for these forms from then on.
    fn add_face_for_forms(&mut self, han: Han, c: char) {
        let candidates = faces::for_forms(han, false);
        // fontconfig sorts the fonts for the language first; the rest add other coverage.
        let first = &candidates[..candidates.len().min(8)];
        let regular = |face: &ttf_parser::Face| face.weight().to_number() < 600;
        let slot = Slot {
            forms: Forms::of(han),
            ..Slot::default()
        };
        let by_name = first.iter().find(|candidate| {
            self.probe(candidate, |face| {
                regular(face) && Forms::of_face(face).has(han) && face.glyph_index(c).is_some()
            })
        });
        let chosen = by_name.or_else(|| {
            first.first().filter(|candidate| {
                self.probe(candidate, |face| {
                    regular(face) && face.glyph_index(c).is_some()
                })
            })
        });
        if let Some(candidate) = chosen.cloned() {
            match self.index_of_face(&candidate) {
                Some(i) => self.slots[i].forms = self.slots[i].forms.with(han),
                None => {
                    self.add_candidate(&candidate, slot, |_| true);
                }
            }
        }
    }

    /// Whether the face of `candidate` passes `test`, read with ttf-parser alone (cheap: no
    /// glyph is parsed).
    fn probe(&mut self, candidate: &Candidate, test: impl Fn(&ttf_parser::Face) -> bool) -> bool {
        self.read(&candidate.file)
            .ok()
            .and_then(|bytes| ttf_parser::Face::parse(bytes, candidate.index).ok())
            .is_some_and(|face| test(&face))
    }

    /// The chain index of a face fontconfig offered, when it is in the chain already.
    fn index_of_face(&self, candidate: &Candidate) -> Option<usize> {
        self.fonts
            .iter()
            .position(|f| f.origin.as_ref() == Some(candidate))
    }

    /// Adds the face of `candidate` when it parses and passes `test`; its chain index.
    fn add_candidate(
        &mut self,
        candidate: &Candidate,
        slot: Slot,
        test: impl Fn(&Font) -> bool,
    ) -> Option<usize> {
        if let Some(i) = self.index_of_face(candidate) {
            return test(self.fonts[i]).then_some(i);
        }
        let bytes = self.read(&candidate.file).ok()?;
        let font = Font::from_file(bytes, &candidate.file, candidate.index)?;
        test(&font).then(|| self.push(font, slot))
    }

    /// Finds the bold face of the font that draws `c` (fontconfig's best bold face of the same
    /// family and forms: NotoSansCJK-Bold.ttc's SC face for Noto Sans CJK SC). Returns whether
    /// bold `c` is drawn in a bold face.
    pub fn add_bold_for(&mut self, c: char) -> bool {
        let Some(regular) = self.index_of(c) else {
            return false;
        };
        if self.asked.insert(Asked::Bold(regular)) && self.slots[regular].bold.is_none() {
            let font = self.fonts[regular];
            let family = faces::family(&font.face);
            let forms = font.forms;
            let found = family
                .as_deref()
                .map(faces::bold_of)
                .and_then(|candidates| {
                    candidates.iter().take(8).find_map(|candidate| {
                        let fits = |face: &ttf_parser::Face| {
                            face.weight().to_number() >= 600
                                && faces::family(face) == family
                                && Forms::of_face(face) == forms
                                && face.glyph_index(c).is_some()
                        };
                        if !self.probe(candidate, fits) {
                            return None;
                        }
                        let slot = Slot {
                            bold_face: true,
                            ..Slot::default()
                        };
                        self.add_candidate(candidate, slot, |_| true)
                    })
                });
            self.slots[regular].bold = found;
        }
        self.slots[regular]
            .bold
            .is_some_and(|bold| self.fonts[bold].has(c))
    }

    /// The fonts that draw `text` in bold with no bold face for it, by name, each once: such text
    /// is set in the regular weight.
    pub fn without_bold(&self, text: &str) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for c in text.chars().filter(|c| !c.is_whitespace()) {
            let Some(regular) = self.index_of(c) else {
                continue;
            };
            let bold = self.slots[regular].bold;
            if !bold.is_some_and(|b| self.fonts[b].has(c)) {
                let name = self.fonts[regular].name.as_str();
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        names
    }

    /// The line box of the CJK text of a line at `size` points: the tallest ascender to
    /// descender of the fonts drawing it, which the leading must not go under (Noto Sans CJK:
    /// 15.9 pt at 11 pt). `None` for a line with no CJK character: Latin, Cyrillic and Arabic
    /// lines keep the body's leading.
    pub fn cjk_line_box(&self, text: &str, size: f32) -> Option<f32> {
        if !text.chars().any(is_cjk) {
            return None;
        }
        let line_box = text
            .chars()
            .filter_map(|c| self.index_of(c))
            .map(|i| self.fonts[i].line_box_em)
            .fold(0.0, f32::max);
        Some(line_box * size)
    }

    /// The fonts of the chain, for messages: `DejaVu Sans, /usr/share/fonts/...`.
    pub fn names(&self) -> String {
        self.fonts
            .iter()
            .zip(&self.slots)
            .filter(|(_, slot)| !slot.bold_face)
            .map(|(f, _)| f.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The characters of `text` no font of the chain has a glyph for (controls and whitespace
    /// aside), each once.
    pub fn missing_glyphs(&self, text: &str) -> Vec<char> {
        // Each distinct character is looked up once: a letter has thousands of characters but
        // seldom more than a hundred distinct ones, and the lookup walks the fonts' cmaps.
        distinct_drawn(text)
            .filter(|c| self.index_of(*c).is_none())
            .collect()
    }

    /// The characters of `text` the chain draws, but not in the forms they need (a Chinese
    /// letter's Han characters in a Japanese face), each once: they need a font admitted.
    fn improper_glyphs(&self, text: &str) -> Vec<char> {
        distinct_drawn(text)
            .filter(|c| self.proper_index(*c).is_none())
            .collect()
    }

    /// Admits fonts for `text` set in `lang` (each character in the forms of the language, or
    /// its own without one) and bold faces for the characters of `bold`, in the order given, so
    /// fonts join the chain in the same order whatever the number of threads.
    pub fn admit(&mut self, lang: Option<&Lang>, text: &str, bold: &str) {
        let han = std::mem::replace(&mut self.han, lang.and_then(Han::of_lang));
        for c in self.improper_glyphs(text) {
            self.add_system_font_for(c);
        }
        let mut seen = Seen::default();
        for c in bold
            .chars()
            .filter(|c| !c.is_whitespace() && seen.first(*c))
        {
            self.add_bold_for(c);
        }
        self.han = han;
    }
}

/// The faces of a collection to draw with when none is named: the first for each CJK forms (a
/// Noto Sans CJK collection: JP, KR, SC and TC; its HK and Mono faces repeat forms), or the first
/// face when none names its forms.
fn faces_by_forms(bytes: &[u8], count: u32) -> Vec<u32> {
    let mut firsts: Vec<(Forms, u32)> = Vec::new();
    for index in 0..count {
        if let Ok(face) = ttf_parser::Face::parse(bytes, index) {
            let forms = Forms::of_face(&face);
            if !firsts.iter().any(|(seen, _)| *seen == forms) {
                firsts.push((forms, index));
            }
        }
    }
    // Beside faces made for their forms, a face made for none is not needed.
    if firsts.iter().any(|(forms, _)| !forms.is_none()) {
        firsts.retain(|(forms, _)| !forms.is_none());
    }
    let faces: Vec<u32> = firsts.into_iter().map(|(_, index)| index).collect();
    if faces.is_empty() { vec![0] } else { faces }
}

/// How a face is named in messages: the file, and `#index` in a collection.
fn face_name(file: &Path, index: u32, faces: u32) -> String {
    if faces > 1 {
        format!("{}#{index}", file.display())
    } else {
        file.display().to_string()
    }
}

/// A piece of a line that one font draws from one point, in visual order: how far the pen moves
/// over it (its width), and where its first glyph sits from the pen, moved along the line
/// (`shift_em`) and raised above the baseline (`rise_em`), all in ems. Shaping moves marks so:
/// a Thai tone mark over its consonant, an Arabic vowel sign over a shadda.
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    pub font: usize,
    pub item: TextItem,
    pub width_em: f32,
    pub shift_em: f32,
    pub rise_em: f32,
}

/// Whether the text of a run needs shaping before drawing: right-to-left scripts and the scripts
/// whose letters change form or order (Indic, South-East Asian ...). Latin, Greek, Cyrillic and
/// CJK text is drawn character by character from the font's own advances.
pub(super) fn needs_shaping(c: char) -> bool {
    matches!(c as u32, 0x0590..=0x1CFF | 0xA800..=0xABFF | 0xFB1D..=0xFEFF | 0x10800..=0x11FFF)
}

/// The characters of `text` a font draws (controls, whitespace and bidi marks aside), each once,
/// in the order of their first appearance.
fn distinct_drawn(text: &str) -> impl Iterator<Item = char> + '_ {
    let mut seen = Seen::default();
    text.chars()
        .filter(|c| !c.is_control() && !c.is_whitespace() && !is_bidi_control(*c))
        .filter(move |c| seen.first(*c))
}

/// The characters met so far: a bit each for the Basic Multilingual Plane (a letter's thousands
/// of characters cost a bit test each, not a hash), a set for the rest.
struct Seen {
    plane: Box<[u64; 1024]>,
    beyond: rustc_hash::FxHashSet<char>,
}

impl Default for Seen {
    fn default() -> Self {
        Seen {
            plane: Box::new([0; 1024]),
            beyond: Default::default(),
        }
    }
}

impl Seen {
    /// Notes `c`; whether it is met for the first time.
    fn first(&mut self, c: char) -> bool {
        let code = c as usize;
        let Some(word) = self.plane.get_mut(code / 64) else {
            return self.beyond.insert(c);
        };
        let bit = 1u64 << (code % 64);
        let fresh = *word & bit == 0;
        *word |= bit;
        fresh
    }
}

/// Whether `c` is a bidi formatting character (marks, embeddings, isolates): it steers the order
/// of the text around it and is not drawn.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Whether `c` is a strong right-to-left character (bidi class R or AL: Hebrew, Arabic ...).
pub fn is_strong_rtl(c: char) -> bool {
    use unicode_bidi::BidiClass::{AL, R};
    // Hebrew, the first right-to-left script, starts at U+0590: below it, no table search.
    u32::from(c) >= 0x0590 && matches!(unicode_bidi::bidi_class(c), R | AL)
}

/// Whether a paragraph reads right to left: its first strong character is right-to-left.
pub fn is_rtl_paragraph(text: &str) -> bool {
    use unicode_bidi::BidiClass::{AL, L, R};
    text.chars()
        .map(|c| match c {
            // Latin and basic Cyrillic letters without a table search.
            'A'..='Z' | 'a'..='z' | '\u{0410}'..='\u{044F}' => L,
            _ => unicode_bidi::bidi_class(c),
        })
        .find(|c| matches!(c, L | R | AL))
        .is_some_and(|c| c != L)
}

/// Shaped text drawn from one point (see `Run`): its glyphs with the adjustments between them.
#[derive(Clone, Debug, PartialEq)]
struct Piece {
    glyphs: Vec<Codepoint>,
    width_em: f32,
    shift_em: f32,
    rise_em: f32,
}

/// Shapes `text` in one font and direction: glyphs in visual order, each with the text it alone
/// stands for (`glyph_texts`: the PDF's character map has one entry per glyph, so that is what
/// copying, search and screen readers get back) and the adjustment to the next one, from the
/// font's own advance to the shaped one and the marks' offsets along the line; in pieces, a new
/// one where a glyph is raised or lowered (a `TJ` array moves glyphs along the line only). Most
/// text is one piece.
fn shape(font: &'static Font, text: &str, rtl: bool) -> Arc<[Piece]> {
    shaped::get(font, text, rtl, || shape_now(font, text, rtl).into())
}

/// Text shaped before in this process, by font, direction and text: a batch sets the same words
/// and paragraphs in every letter, and line breaking measures each piece of a paragraph again
/// for every line it tries. Shaping is a function of those three alone, so what is kept never
/// changes a letter; the cache is emptied when it holds `KEPT` texts of a font.
mod shaped {
    use std::collections::HashMap;
    use std::sync::{Arc, LazyLock, Mutex};

    use super::{Font, Piece};

    type Shaped = Arc<[Piece]>;

    /// Texts kept per font and direction.
    const KEPT: usize = 20_000;

    /// Per (font, right to left): text -> its shape.
    type Texts = HashMap<(usize, bool), HashMap<String, Shaped>>;

    static CACHE: LazyLock<Mutex<Texts>> = LazyLock::new(Mutex::default);

    pub(super) fn get(
        font: &'static Font,
        text: &str,
        rtl: bool,
        shape: impl FnOnce() -> Shaped,
    ) -> Shaped {
        // A font is read once and lives as long as the process: its address names it.
        let key = (std::ptr::from_ref(font) as usize, rtl);
        let kept = CACHE
            .lock()
            .ok()
            .and_then(|cache| cache.get(&key)?.get(text).cloned());
        if let Some(kept) = kept {
            return kept;
        }
        let made = shape();
        if let Ok(mut cache) = CACHE.lock() {
            let texts = cache.entry(key).or_default();
            if texts.len() >= KEPT {
                texts.clear();
            }
            texts.insert(text.to_string(), made.clone());
        }
        made
    }
}

/// Work on a text kept per process, by the chain's fonts and forms, the text and a setting: every
/// letter of a batch to one official has the same body.
/// - `WRAPPED`: paragraphs broken into lines, by size, measure and weight. Breaking an Arabic
///   paragraph (bidi, shaping, measuring each piece) was a fifth of its letter's time.
/// - `RUNS`: lines cut into runs of one font each, by weight and direction (a tenth of a Russian
///   letter's time: the font of each character, its advance, then bidi and shaping in Arabic).
///
/// Both are functions of those alone, so what is kept never changes a letter. A table is emptied
/// when it holds `KEPT` texts: a supporter's own lines are used by her letters alone (20,000
/// paragraphs kept took 10 MB more at 20,000 supporters), and the body is made again once per
/// emptying. Keys are found by their hash, so a text is not copied to look it up; the few keys of
/// one hash are compared whole.
mod kept {
    use std::hash::{BuildHasher, Hash};
    use std::sync::{Arc, LazyLock, Mutex};

    use super::{Font, FontChain, Run, Slot, Weight};
    use crate::pdf::faces::Han;

    /// Texts kept per table.
    const KEPT: usize = 2_000;

    /// A paragraph's lines, by its size, measure (as bits) and weight.
    pub(super) static WRAPPED: Table<(u32, u32, Weight), Arc<[String]>> = Table::new();
    /// A line's runs, by its weight and direction.
    pub(super) static RUNS: Table<(Weight, bool), Arc<[Run]>> = Table::new();

    /// What work on a text depends on.
    struct Key<S> {
        fonts: Vec<usize>,
        slots: Vec<Slot>,
        han: Option<Han>,
        text: String,
        setting: S,
    }

    struct Entries<S, V> {
        by_hash: rustc_hash::FxHashMap<u64, Vec<(Key<S>, V)>>,
        count: usize,
    }

    impl<S, V> Default for Entries<S, V> {
        fn default() -> Self {
            Entries {
                by_hash: Default::default(),
                count: 0,
            }
        }
    }

    pub(super) struct Table<S, V>(LazyLock<Mutex<Entries<S, V>>>);

    /// A font is read once and lives as long as the process: its address names it.
    fn address(font: &&'static Font) -> usize {
        std::ptr::from_ref(*font) as usize
    }

    impl<S: Copy + Eq + Hash, V: Clone> Table<S, V> {
        const fn new() -> Self {
            Table(LazyLock::new(Mutex::default))
        }

        /// The kept result for `text` and `setting` set with `chain`, made by `make` when none is.
        pub(super) fn get(
            &self,
            chain: &FontChain,
            text: &str,
            setting: S,
            make: impl FnOnce() -> V,
        ) -> V {
            let is = |key: &Key<S>| {
                key.text == text
                    && key.setting == setting
                    && key.han == chain.han
                    && key.slots == chain.slots
                    && key
                        .fonts
                        .iter()
                        .copied()
                        .eq(chain.fonts.iter().map(address))
            };
            let hash = {
                let mut h = rustc_hash::FxBuildHasher.build_hasher();
                text.hash(&mut h);
                setting.hash(&mut h);
                chain.han.hash(&mut h);
                chain.slots.hash(&mut h);
                for font in &chain.fonts {
                    address(font).hash(&mut h);
                }
                std::hash::Hasher::finish(&h)
            };
            let kept = self.0.lock().ok().and_then(|entries| {
                let bucket = entries.by_hash.get(&hash)?;
                bucket
                    .iter()
                    .find(|(key, _)| is(key))
                    .map(|(_, value)| value.clone())
            });
            if let Some(value) = kept {
                return value;
            }
            let made = make();
            if let Ok(mut entries) = self.0.lock() {
                if entries.count >= KEPT {
                    *entries = Entries::default();
                }
                let bucket = entries.by_hash.entry(hash).or_default();
                if !bucket.iter().any(|(k, _)| is(k)) {
                    let key = Key {
                        fonts: chain.fonts.iter().map(address).collect(),
                        slots: chain.slots.clone(),
                        han: chain.han,
                        text: text.to_string(),
                        setting,
                    };
                    bucket.push((key, made.clone()));
                    entries.count += 1;
                }
            }
            made
        }
    }
}

/// Shapes `text` (see `shape`), without looking at what was shaped before.
fn shape_now(font: &Font, text: &str, rtl: bool) -> Vec<Piece> {
    let mut buffer = rustybuzz::UnicodeBuffer::new();
    buffer.push_str(text);
    buffer.set_direction(if rtl {
        rustybuzz::Direction::RightToLeft
    } else {
        rustybuzz::Direction::LeftToRight
    });
    buffer.guess_segment_properties();
    let plan = font.plan(&buffer);
    let out = rustybuzz::shape_with_plan(&font.face, &plan, buffer);
    let upem = font.face.units_per_em().max(1) as f32;
    let infos = out.glyph_infos();
    let texts = glyph_texts(font, text, infos, rtl);
    let mut pieces = Vec::new();
    let mut piece = Piece {
        glyphs: Vec::with_capacity(out.len()),
        width_em: 0.0,
        shift_em: 0.0,
        rise_em: 0.0,
    };
    // The offset along the line of the glyph last pushed, in font units.
    let mut last_dx = 0;
    for ((info, pos), mut own) in infos.iter().zip(out.glyph_positions()).zip(texts) {
        let gid = hidden_glyph(font, &own, pos.x_advance).unwrap_or(info.glyph_id as u16);
        let rise = pos.y_offset as f32 / upem;
        if rise != piece.rise_em && !piece.glyphs.is_empty() {
            // Raised or lowered from the glyphs before: a piece of its own, from the pen.
            pieces.push(std::mem::replace(
                &mut piece,
                Piece {
                    glyphs: Vec::new(),
                    width_em: 0.0,
                    shift_em: 0.0,
                    rise_em: 0.0,
                },
            ));
        }
        if piece.glyphs.is_empty() {
            piece.rise_em = rise;
            piece.shift_em = pos.x_offset as f32 / upem;
            last_dx = pos.x_offset;
        }
        // The glyph before moves the pen on to where this one sits (`TJ` subtracts).
        let push = |piece: &mut Piece, last_dx: &mut i32, codepoint: Codepoint, dx: i32| {
            if let Some(before) = piece.glyphs.last_mut() {
                before.offset += (*last_dx - dx) as f32 * 1000.0 / upem;
            }
            *last_dx = dx;
            piece.glyphs.push(codepoint);
        };
        if rtl {
            // A ligature's letters after its first, each on an empty glyph of its own drawn
            // just before it (to its left): right to left, the first letter comes first.
            let (first, carried) = carry_letters(font, &own);
            for (c, carrier) in carried.into_iter().rev() {
                let carrier = Codepoint {
                    gid: carrier,
                    offset: 0.0,
                    cid: Some(c.to_string()),
                };
                let dx = last_dx;
                push(&mut piece, &mut last_dx, carrier, dx);
            }
            own = first;
        }
        let natural = f32::from(font.parsed.get_horizontal_advance(gid));
        let shaped = pos.x_advance as f32;
        let codepoint = Codepoint {
            gid,
            offset: (natural - shaped) * 1000.0 / upem,
            cid: Some(own),
        };
        push(&mut piece, &mut last_dx, codepoint, pos.x_offset);
        piece.width_em += shaped / upem;
    }
    pieces.push(piece);
    pieces
}

/// The letters a ligature glyph of right-to-left text (lam-alef, «لا») stands for after its
/// first, each with an empty glyph to carry it, and the text left to the ligature glyph itself.
///
/// A character map has one entry per glyph, and text extractors disagree about an entry of two
/// right-to-left letters: poppler's `pdftotext` reverses them («ال»), pypdf keeps them. One glyph
/// per letter reads the same in both. The carriers are the font's glyphs for the bidi
/// formatting characters (LRM, RLM, LRE …: empty and of no width in DejaVu Sans), which are never
/// drawn for themselves (`is_bidi_control`), one per letter that can end a ligature: the same
/// letter always gets the same carrier, so the map stays one entry per glyph. A letter with no
/// carrier left stays on the ligature glyph.
fn carry_letters(font: &Font, own: &str) -> (String, Vec<(char, u16)>) {
    /// The letters that end Arabic ligatures, each with the control character whose glyph
    /// carries it.
    const CARRIERS: [(char, char); 7] = [
        ('\u{0627}', '\u{200E}'), // ا
        ('\u{0623}', '\u{200F}'), // أ
        ('\u{0625}', '\u{202A}'), // إ
        ('\u{0622}', '\u{202B}'), // آ
        ('\u{0671}', '\u{202C}'), // ٱ
        ('\u{0644}', '\u{202D}'), // ل
        ('\u{0647}', '\u{202E}'), // ه
    ];
    let mut chars = own.chars();
    let Some(first) = chars.next() else {
        return (String::new(), Vec::new());
    };
    let mut kept = first.to_string();
    let mut carried = Vec::new();
    for c in chars {
        let carrier = CARRIERS
            .iter()
            .find(|(letter, _)| *letter == c)
            .and_then(|(_, control)| font.parsed.lookup_glyph_index(*control as u32))
            .filter(|gid| font.parsed.get_horizontal_advance(*gid) == 0);
        match carrier {
            // Only letters: a mark stays with its letter's glyph.
            Some(gid) if carried.len() == kept.chars().count() - 1 => carried.push((c, gid)),
            _ => kept.push(c),
        }
    }
    (kept, carried)
}

/// The font's own empty glyph for a zero-width character that shaping hid behind the space
/// glyph (ZWNJ, ZWJ, ZWSP, word joiner), where the font has one: the space glyph's character
/// map entry is a space, so the Persian «می‌خواهم» would come back without its ZWNJ.
fn hidden_glyph(font: &Font, own: &str, advance: i32) -> Option<u16> {
    let mut chars = own.chars();
    let c = chars
        .next()
        .filter(|_| chars.next().is_none() && advance == 0)?;
    if !matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}') {
        return None;
    }
    let gid = font.parsed.lookup_glyph_index(c as u32)?;
    (font.parsed.get_horizontal_advance(gid) == 0).then_some(gid)
}

/// The text each shaped glyph stands for on its own, so that a character map with one entry per
/// glyph gives the text back whatever the glyph's neighbours. Within a cluster (the glyphs
/// shaped from the same characters, `infos` in visual order), a glyph that the font's character
/// map gives for one of the cluster's characters stands for that character (a mark, a ZWNJ, a
/// letter in its isolated form); the characters left go, in logical order, marks to the first
/// mark glyph left (a ligature of two marks) and the others to the first other glyph left (a
/// contextual form, lam-alef); a glyph left over stands for nothing.
fn glyph_texts(font: &Font, text: &str, infos: &[rustybuzz::GlyphInfo], rtl: bool) -> Vec<String> {
    let mut starts: Vec<usize> = infos.iter().map(|g| g.cluster as usize).collect();
    starts.sort_unstable();
    starts.dedup();
    let gdef = font.face.tables().gdef;
    let is_mark = |gid: u16| {
        gdef.and_then(|t| t.glyph_class(rustybuzz::ttf_parser::GlyphId(gid)))
            == Some(rustybuzz::ttf_parser::gdef::GlyphClass::Mark)
    };
    let mut texts = vec![String::new(); infos.len()];
    let mut at = 0;
    while at < infos.len() {
        let cluster = infos[at].cluster;
        let len = infos[at..]
            .iter()
            .take_while(|g| g.cluster == cluster)
            .count();
        let start = cluster as usize;
        let end = starts
            .iter()
            .find(|s| **s > start)
            .copied()
            .unwrap_or(text.len());
        let mut glyphs: Vec<usize> = (at..at + len).collect();
        if rtl {
            glyphs.reverse();
        }
        let gid = |g: usize| infos[g].glyph_id as u16;
        let mut left: Vec<Option<char>> = text[start..end].chars().map(Some).collect();
        let mut open: Vec<usize> = Vec::new();
        for &g in &glyphs {
            let own = left.iter_mut().find(|c| {
                c.is_some_and(|c| font.parsed.lookup_glyph_index(c as u32) == Some(gid(g)))
            });
            match own.and_then(Option::take) {
                Some(c) => texts[g].push(c),
                None => open.push(g),
            }
        }
        let base = open.iter().copied().find(|g| !is_mark(gid(*g)));
        let mark = open.iter().copied().find(|g| is_mark(gid(*g)));
        let fallback = base.or(mark).unwrap_or(glyphs[0]);
        for c in left.into_iter().flatten() {
            let to = if unicode_normalization::char::is_combining_mark(c) {
                mark.unwrap_or(fallback)
            } else {
                base.unwrap_or(fallback)
            };
            texts[to].push(c);
        }
        at += len;
    }
    texts
}

impl FontChain {
    /// One line cut into the runs to draw, left to right on the page. `rtl` is the direction of
    /// the paragraph the line comes from, so a wrapped line of an Arabic paragraph that starts
    /// with a Latin word is still ordered right to left.
    pub fn runs(&self, text: &str, weight: Weight, rtl: bool) -> Arc<[Run]> {
        kept::RUNS.get(self, text, (weight, rtl), || {
            self.runs_now(text, weight, rtl).into()
        })
    }

    /// Cuts a line into runs (see `runs`), without looking at what was cut before.
    fn runs_now(&self, text: &str, weight: Weight, rtl: bool) -> Vec<Run> {
        let plain = |font: usize, piece: &str| Run {
            font,
            width_em: piece.chars().map(|c| self.fonts[font].advance_em(c)).sum(),
            item: TextItem::Text(piece.to_string()),
            shift_em: 0.0,
            rise_em: 0.0,
        };
        let shaped = |font: usize, piece: &str, rtl: bool| {
            shape(self.fonts[font], piece, rtl)
                .iter()
                .map(|p| Run {
                    font,
                    item: TextItem::GlyphIds(p.glyphs.clone()),
                    width_em: p.width_em,
                    shift_em: p.shift_em,
                    rise_em: p.rise_em,
                })
                .collect::<Vec<_>>()
        };
        if !rtl && !text.chars().any(|c| needs_shaping(c) || is_bidi_control(c)) {
            return self
                .font_runs(text, weight)
                .into_iter()
                .map(|(font, piece)| plain(font, piece))
                .collect();
        }
        let level = if rtl {
            unicode_bidi::Level::rtl()
        } else {
            unicode_bidi::Level::ltr()
        };
        let bidi = unicode_bidi::BidiInfo::new(text, Some(level));
        let mut out = Vec::new();
        for para in &bidi.paragraphs {
            let (levels, level_runs) = bidi.visual_runs(para, para.range.clone());
            for range in level_runs {
                // Bidi controls have done their work in the levels; they are not drawn.
                let piece: String = text[range.clone()]
                    .chars()
                    .filter(|c| !is_bidi_control(*c))
                    .collect();
                if piece.is_empty() {
                    continue;
                }
                let piece = piece.as_str();
                let run_rtl = levels[range.start].is_rtl();
                let mut pieces: Vec<Vec<Run>> = self
                    .font_runs(piece, weight)
                    .into_iter()
                    .map(|(font, part)| {
                        if run_rtl || part.chars().any(needs_shaping) {
                            shaped(font, part, run_rtl)
                        } else {
                            vec![plain(font, part)]
                        }
                    })
                    .collect();
                // A right-to-left run's font runs follow each other right to left (the pieces
                // of each are in visual order already).
                if run_rtl {
                    pieces.reverse();
                }
                out.extend(pieces.into_iter().flatten());
            }
        }
        out
    }

    /// The width of `text` at `size` points.
    pub fn width(&self, text: &str, size: f32, weight: Weight, rtl: bool) -> f32 {
        if !text.chars().any(|c| needs_shaping(c) || is_bidi_control(c)) {
            // Drawn character by character, in whatever order: the sum of the advances.
            let mut current = None;
            let ems: f32 = text
                .chars()
                .map(|c| {
                    let font = self.font_for(c, current, weight);
                    current = Some(font);
                    self.fonts[font].advance_em(c)
                })
                .sum();
            return ems * size;
        }
        self.runs(text, weight, rtl)
            .iter()
            .map(|r| r.width_em * size)
            .sum()
    }

    /// Breaks a paragraph into lines no wider than `max` points, at the break opportunities of
    /// Unicode line breaking (UAX #14, tailored for CJK: `breaks`); a word longer than a line is
    /// cut, never drawn past the margin. Each piece between two opportunities is measured once: words do not join across a
    /// break opportunity, so a line is as wide as its pieces.
    pub fn wrap(&self, text: &str, size: f32, max: f32, weight: Weight) -> Vec<String> {
        let setting = (size.to_bits(), max.to_bits(), weight);
        kept::WRAPPED
            .get(self, text, setting, || {
                self.wrap_now(text, size, max, weight).into()
            })
            .to_vec()
    }

    /// Breaks a paragraph into lines (see `wrap`), without looking at what was wrapped before.
    fn wrap_now(&self, text: &str, size: f32, max: f32, weight: Weight) -> Vec<String> {
        let rtl = is_rtl_paragraph(text);
        let measure = |s: &str| self.width(s, size, weight, rtl);
        let mut lines = Vec::new();
        let mut line = String::new();
        // The width of `line` with its trailing spaces, and without them.
        let mut line_w = 0.0;
        let mut start = 0;
        for (end, opportunity) in breaks(text) {
            let piece = &text[start..end];
            start = end;
            let trimmed = piece.trim_end();
            let piece_w = measure(trimmed);
            if line_w + piece_w <= max {
                line.push_str(piece);
                line_w += piece_w + measure(&piece[trimmed.len()..]);
            } else {
                if !line.trim().is_empty() {
                    lines.push(line.trim_end().to_string());
                }
                line.clear();
                line_w = 0.0;
                if piece_w <= max {
                    line.push_str(piece);
                    line_w = measure(piece);
                } else {
                    // Longer than a line: cut it, character by character.
                    for c in piece.chars() {
                        let c_w = measure(c.encode_utf8(&mut [0; 4]));
                        if line_w + c_w > max && !line.is_empty() && !c.is_whitespace() {
                            lines.push(line.trim_end().to_string());
                            line.clear();
                            line_w = 0.0;
                        }
                        line.push(c);
                        line_w += c_w;
                    }
                }
            }
            if opportunity == unicode_linebreak::BreakOpportunity::Mandatory {
                lines.push(line.trim_end().to_string());
                line.clear();
                line_w = 0.0;
            }
        }
        if !line.trim().is_empty() {
            lines.push(line.trim_end().to_string());
        }
        lines
    }
}

/// The line break opportunities of `text`: UAX #14's, which already keep closing punctuation
/// (，。、：；！？）」』》) off the start of a line and opening punctuation (（「『《) off its end,
/// tailored as Chinese typesetting (CLREQ) asks: a number stays with the counter after it
/// (2011年, 2月, 1日), where UAX #14 lets an ideograph go from a digit.
fn breaks(text: &str) -> impl Iterator<Item = (usize, unicode_linebreak::BreakOpportunity)> + '_ {
    use unicode_linebreak::{BreakClass, BreakOpportunity, break_property};
    let class = |c: Option<char>| c.map(|c| break_property(c as u32));
    unicode_linebreak::linebreaks(text).filter(move |&(at, opportunity)| {
        opportunity == BreakOpportunity::Mandatory
            || !(class(text[..at].chars().next_back()) == Some(BreakClass::Numeric)
                && class(text[at..].chars().next()) == Some(BreakClass::Ideographic))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glyph_ids(runs: &[Run]) -> Vec<u16> {
        runs.iter()
            .flat_map(|r| match &r.item {
                TextItem::GlyphIds(g) => g.iter().map(|c| c.gid).collect::<Vec<_>>(),
                _ => Vec::new(),
            })
            .collect()
    }

    #[test]
    fn ligates_lam_alef_and_keeps_latin_runs_in_order_inside_arabic() {
        let chain = FontChain::default();
        let la = chain.runs("لا", Weight::Regular, true);
        let font = &chain.fonts[0].parsed;
        let lam = font.lookup_glyph_index(0x0644).unwrap();
        let alef = font.lookup_glyph_index(0x0627).unwrap();
        let carrier = font.lookup_glyph_index(0x200E).unwrap();
        let ids = glyph_ids(&la);
        // lam + alef become one ligature glyph, drawn after the empty glyph that carries the
        // alef's text.
        assert_eq!(ids.len(), 2, "{ids:?}");
        assert_eq!(ids[0], carrier);
        assert!(![lam, alef, carrier].contains(&ids[1]), "{ids:?}");
        let line = chain.runs("المادة 7 من ICCPR تحظر التعذيب", Weight::Regular, true);
        // Latin inside Arabic is a left-to-right run of its own, in reading order, placed
        // between the Arabic runs (visual order: the end of the sentence comes first).
        let texts: Vec<String> = line
            .iter()
            .map(|r| match &r.item {
                TextItem::Text(t) => t.clone(),
                // Shaped right to left: glyphs in visual order, so read them backwards.
                TextItem::GlyphIds(g) => g.iter().rev().filter_map(|c| c.cid.clone()).collect(),
                _ => String::new(),
            })
            .collect();
        let iccpr = texts.iter().position(|t| t.contains("ICCPR")).unwrap();
        assert!(iccpr > 0 && iccpr < texts.len() - 1, "{texts:?}");
        // The leftmost run ends the sentence; the rightmost one begins it.
        assert!(texts[0].contains("التعذيب"), "{texts:?}");
        assert!(texts[texts.len() - 1].contains("المادة"), "{texts:?}");
        assert!(
            glyph_ids(&line).iter().all(|g| *g != 0),
            "every glyph drawn"
        );
    }

    /// Where each glyph of `runs` lands when drawn as `draw::text_op` and a `TJ` array place
    /// it, in ems from the start of the line: along it and above the baseline.
    fn drawn_at(chain: &FontChain, runs: &[Run]) -> Vec<(u16, f32, f32)> {
        let mut pen = 0.0;
        let mut at = Vec::new();
        for run in runs {
            let font = &chain.fonts[run.font];
            let upem = font.face.units_per_em() as f32;
            let mut x = pen + run.shift_em;
            if let TextItem::GlyphIds(glyphs) = &run.item {
                for g in glyphs {
                    at.push((g.gid, x, run.rise_em));
                    let natural = f32::from(font.parsed.get_horizontal_advance(g.gid));
                    x += natural / upem - g.offset / 1000.0;
                }
            }
            pen += run.width_em;
        }
        at
    }

    #[test]
    fn draws_each_mark_where_shaping_puts_it() {
        // Arabic vowel signs over a shadda and over their letters: DejaVu Sans places them
        // with offsets along and across the line, which drawing once lost.
        let chain = FontChain::default();
        let font = chain.fonts[0];
        let upem = font.face.units_per_em() as f32;
        for text in ["وتُستخدم", "مُدَّة الاحتجاز", "شدَّة"] {
            let runs = chain.runs(text, Weight::Regular, true);
            let mut buffer = rustybuzz::UnicodeBuffer::new();
            buffer.push_str(text);
            buffer.set_direction(rustybuzz::Direction::RightToLeft);
            buffer.guess_segment_properties();
            let out = rustybuzz::shape(&font.face, &[], buffer);
            let mut pen = 0i32;
            let mut expected = Vec::new();
            for (info, pos) in out.glyph_infos().iter().zip(out.glyph_positions()) {
                let x = (pen + pos.x_offset) as f32 / upem;
                expected.push((info.glyph_id as u16, x, pos.y_offset as f32 / upem));
                pen += pos.x_advance;
            }
            assert!(
                expected.iter().any(|(_, _, y)| *y != 0.0),
                "{text}: some mark is raised or lowered"
            );
            // The ligature carriers are empty and drawn where the pen is: left out.
            let carriers: Vec<u16> = [
                '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}',
            ]
            .iter()
            .filter_map(|c| font.parsed.lookup_glyph_index(*c as u32))
            .collect();
            let drawn: Vec<_> = drawn_at(&chain, &runs)
                .into_iter()
                .filter(|(gid, _, _)| !carriers.contains(gid))
                .collect();
            assert_eq!(drawn.len(), expected.len(), "{text}");
            for (d, e) in drawn.iter().zip(&expected) {
                assert_eq!(d.0, e.0, "{text}");
                assert!(
                    (d.1 - e.1).abs() < 1e-4 && (d.2 - e.2).abs() < 1e-4,
                    "{text}: glyph {} drawn at {:?}, shaped at {:?}",
                    d.0,
                    (d.1, d.2),
                    (e.1, e.2)
                );
            }
            let width: f32 = runs.iter().map(|r| r.width_em).sum();
            assert!((width - pen as f32 / upem).abs() < 1e-4, "{text}");
        }
    }

    #[test]
    fn draws_a_fallback_character_inside_arabic_with_the_fallback_font() {
        // DejaVu Sans has no CJK; the test needs a system font that has (CI installs one).
        let mut chain = FontChain::default();
        if !chain.add_system_font_for('中') {
            eprintln!("skipped: no font with U+4E2D found through fontconfig");
            return;
        }
        let runs = chain.runs("قال مندوب الصين 中国 في الجلسة", Weight::Regular, true);
        let cjk: Vec<&Run> = runs.iter().filter(|r| r.font > BOLD).collect();
        assert_eq!(cjk.len(), 1, "{runs:?}");
        // Han is strongly left to right: a run of its own, drawn from the fallback font's cmap.
        let TextItem::Text(drawn) = &cjk[0].item else {
            panic!("a left-to-right CJK run is drawn as text: {runs:?}");
        };
        assert_eq!(drawn, "中国");
        assert!(drawn.chars().all(|c| chain.font(cjk[0].font).has(c)));
        assert!(
            runs.iter()
                .filter(|r| r.font == 0)
                .all(|r| glyph_ids(std::slice::from_ref(r)).iter().all(|g| *g != 0)),
            "the Arabic around it is drawn by DejaVu Sans: {runs:?}"
        );
        // The CJK run lies between the Arabic runs, not at either end.
        let at = runs.iter().position(|r| r.font == cjk[0].font).unwrap();
        assert!(at > 0 && at < runs.len() - 1, "{runs:?}");
    }

    /// The glyphs of a right-to-left line, each with the text it stands for, in logical order.
    fn glyph_texts_of(chain: &FontChain, text: &str) -> Vec<(u16, String)> {
        let runs = chain.runs(text, Weight::Regular, true);
        let mut glyphs: Vec<(u16, String)> = runs
            .iter()
            .flat_map(|r| match &r.item {
                TextItem::GlyphIds(g) => g
                    .iter()
                    .map(|c| (c.gid, c.cid.clone().unwrap_or_default()))
                    .collect::<Vec<_>>(),
                _ => Vec::new(),
            })
            .collect();
        glyphs.reverse();
        glyphs
    }

    #[test]
    fn gives_each_glyph_only_the_text_it_stands_for() {
        let chain = FontChain::default();
        // Marks (damma, shadda, kasra), lam-alef, fathatan, ZWNJ, the Persian hamza above.
        for word in ["هُدِّد", "للاتحاد", "رجلاً", "أُعيد", "می\u{200c}خواهم", "فوریهٔ"]
        {
            let glyphs = glyph_texts_of(&chain, word);
            let text: String = glyphs.iter().map(|(_, t)| t.as_str()).collect();
            assert_eq!(text, word, "{glyphs:?}");
            // One text per glyph id: the character map can hold them all.
            for (gid, t) in &glyphs {
                assert!(
                    glyphs.iter().all(|(g, u)| g != gid || u == t),
                    "glyph {gid} stands for two texts in {word}: {glyphs:?}"
                );
            }
        }
        // The lam-alef ligature stands for the lam, an empty glyph of no width for the alef, so
        // that no glyph stands for two letters (extractors disagree on their order).
        let la = glyph_texts_of(&chain, "لا");
        let texts: Vec<&str> = la.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(texts, ["ل", "ا"], "{la:?}");
        let carrier = chain.fonts[0].parsed.lookup_glyph_index(0x200E);
        assert_eq!(Some(la[1].0), carrier);
        assert_eq!(chain.fonts[0].parsed.get_horizontal_advance(la[1].0), 0);
        let zwnj = glyph_texts_of(&chain, "می\u{200c}خواهم");
        assert!(
            zwnj.iter().any(|(g, t)| t == "\u{200c}"
                && chain.fonts[0].has('\u{200c}')
                && Some(*g) == chain.fonts[0].parsed.lookup_glyph_index(0x200c)),
            "the ZWNJ is drawn with its own (empty) glyph, not the space: {zwnj:?}"
        );
    }

    #[test]
    fn keeps_persian_zwnj_from_joining() {
        // "می‌خواهم": the ZWNJ keeps mim-ye apart from khe; without it the letters join.
        let chain = FontChain::default();
        let with = glyph_ids(&chain.runs("می\u{200c}خواهم", Weight::Regular, true));
        let without = glyph_ids(&chain.runs("میخواهم", Weight::Regular, true));
        let with: Vec<u16> = with.into_iter().filter(|g| *g != 0).collect();
        assert_ne!(with, without);
    }

    #[test]
    fn orders_a_wrapped_line_by_its_paragraph_direction() {
        // A line of an Arabic paragraph that starts with a Latin word: the Latin word goes to the
        // right end, where the line begins.
        let chain = FontChain::default();
        let runs = chain.runs("ICCPR تحظر", Weight::Regular, true);
        assert!(matches!(&runs.last().unwrap().item, TextItem::Text(t) if t.contains("ICCPR")));
        let runs = chain.runs("ICCPR تحظر", Weight::Regular, false);
        assert!(matches!(&runs[0].item, TextItem::Text(t) if t.contains("ICCPR")));
    }

    #[test]
    fn draws_bold_with_the_bold_face_and_measures_it_wider() {
        let chain = FontChain::default();
        let bold = chain.runs("Re: Nizomhon Juraev", Weight::Bold, false);
        assert!(bold.iter().all(|r| r.font == BOLD));
        assert!(
            chain.width("Re: Nizomhon Juraev", 11.0, Weight::Bold, false)
                > chain.width("Re: Nizomhon Juraev", 11.0, Weight::Regular, false)
        );
    }

    /// Noto Sans CJK's regular collection, when fontconfig knows it.
    fn noto_cjk() -> Option<PathBuf> {
        let out = std::process::Command::new("fc-list")
            .args([
                "--format",
                "%{file}\\n",
                ":family=Noto Sans CJK SC:style=Regular",
            ])
            .output()
            .ok()?;
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(PathBuf::from)
            .find(|p| p.extension().is_some_and(|e| e == "ttc"))
    }

    #[test]
    fn draws_han_in_the_face_of_the_letters_language() {
        let Some(ttc) = noto_cjk() else {
            eprintln!("skipped: Noto Sans CJK not installed (Debian: fonts-noto-cjk)");
            return;
        };
        let chain = FontChain::new(std::slice::from_ref(&ttc)).unwrap();
        let face = |tag: &str| {
            let view = chain.for_lang(&Lang::parse(tag).unwrap());
            let font = view.font(view.index_of('骨').unwrap());
            faces::family(&font.face).unwrap_or_default()
        };
        assert_eq!(face("zh"), "Noto Sans CJK SC");
        assert_eq!(face("zh-Hans"), "Noto Sans CJK SC");
        assert_eq!(face("zh-Hant"), "Noto Sans CJK TC");
        assert_eq!(face("zh-HK"), "Noto Sans CJK TC");
        assert_eq!(face("ja"), "Noto Sans CJK JP");
        assert_eq!(face("ko"), "Noto Sans CJK KR");
        // A letter of no CJK language: Han in Simplified Chinese, kana in Japanese.
        assert_eq!(face("en"), "Noto Sans CJK SC");
        let en = chain.for_lang(&Lang::parse("en").unwrap());
        let kana = en.font(en.index_of('か').unwrap());
        assert_eq!(faces::family(&kana.face).unwrap(), "Noto Sans CJK JP");
        // Latin stays with DejaVu Sans, ahead in the chain.
        assert_eq!(en.index_of('a'), Some(0));
    }

    #[test]
    fn keeps_a_number_with_its_counter_and_closing_punctuation_off_the_start_of_a_line() {
        let text = "她自2011年2月1日起被拘留，（见附件）「引渡」不可。";
        let at: Vec<usize> = breaks(text).map(|(at, _)| at).collect();
        let before = |at: usize| text[..at].chars().next_back();
        let after = |at: usize| text[at..].chars().next();
        for &at in &at {
            let (b, a) = (before(at), after(at));
            assert!(
                !(b.is_some_and(|c| c.is_ascii_digit()) && matches!(a, Some('年' | '月' | '日'))),
                "a break between {b:?} and {a:?}"
            );
            assert!(
                !matches!(
                    a,
                    Some('，' | '。' | '）' | '」' | '、' | '：' | '；' | '！' | '？')
                ),
                "a line would start with {a:?}"
            );
            assert!(
                !matches!(b, Some('（' | '「' | '《')),
                "a line would end with {b:?}"
            );
        }
        // Between ideographs a line may still break anywhere.
        assert!(at.contains(&text.find("被").unwrap()));
        assert!(
            at.contains(&text.find("2011").unwrap()),
            "before the number"
        );
    }

    #[test]
    fn wraps_chinese_without_parting_a_number_from_its_counter() {
        let mut chain = FontChain::default();
        if !chain.add_system_font_for('年') {
            eprintln!("skipped: no CJK font found through fontconfig");
            return;
        }
        let text = "我谨就尼佐姆洪·朱拉耶夫一事致函。他自2011年2月起被拘留，我深感关切。";
        // Every measure from 4 to 30 characters wide: wherever the lines end.
        for width in (4..30).map(|n| n as f32 * 11.0) {
            let lines = chain.wrap(text, 11.0, width, Weight::Regular);
            assert_eq!(lines.concat(), text, "every character kept at {width}");
            for pair in lines.windows(2) {
                let end = pair[0].chars().last();
                let start = pair[1].chars().next();
                assert!(
                    !(end.is_some_and(|c| c.is_ascii_digit())
                        && matches!(start, Some('年' | '月'))),
                    "{pair:?} at {width}"
                );
                assert!(!matches!(start, Some('，' | '。')), "{pair:?} at {width}");
            }
        }
    }

    #[test]
    fn gives_cjk_lines_their_line_box_and_latin_lines_none() {
        let mut chain = FontChain::default();
        assert_eq!(chain.cjk_line_box("Yours sincerely,", 11.0), None);
        assert_eq!(chain.cjk_line_box("С уважением,", 11.0), None);
        if !chain.add_system_font_for('致') {
            eprintln!("skipped: no CJK font found through fontconfig");
            return;
        }
        let line_box = chain.cjk_line_box("Eva Muster 此致", 11.0).unwrap();
        let font = chain.font(chain.index_of('致').unwrap());
        assert_eq!(line_box, font.line_box_em * 11.0);
        assert!(line_box > 11.0, "ascender to descender: {line_box}");
    }

    #[test]
    fn breaks_a_word_longer_than_a_line() {
        let chain = FontChain::default();
        let lines = chain.wrap(&"x".repeat(400), 11.0, 200.0, Weight::Regular);
        assert!(lines.len() > 1);
        assert!(
            lines
                .iter()
                .all(|l| chain.width(l, 11.0, Weight::Regular, false) <= 200.0)
        );
    }

    #[test]
    fn wraps_arabic_within_the_measure_and_keeps_every_word() {
        let chain = FontChain::default();
        let text = "أحثكم على عدم تسليم نظام خان جورايف إلى طاجيكستان، وأذكركم بالتزامات روسيا بموجب القانون الدولي. ".repeat(6);
        let lines = chain.wrap(&text, 11.0, 300.0, Weight::Regular);
        assert!(lines.len() > 3);
        for l in &lines {
            assert!(
                chain.width(l, 11.0, Weight::Regular, true) <= 300.0 + 0.01,
                "{l}"
            );
        }
        assert_eq!(
            lines.join(" ").split_whitespace().count(),
            text.split_whitespace().count()
        );
    }

    #[test]
    fn a_paragraph_wrapped_before_gets_the_lines_of_its_own_measure_weight_and_fonts() {
        let chain = FontChain::default();
        let text = "Уважаемый господин Генеральный прокурор, прошу вас освободить его. ".repeat(4);
        let cases = [
            (11.0, 300.0, Weight::Regular),
            (11.0, 200.0, Weight::Regular),
            (11.0, 300.0, Weight::Bold),
            (9.0, 300.0, Weight::Regular),
        ];
        let fresh: Vec<_> = cases
            .iter()
            .map(|&(size, max, weight)| chain.wrap_now(&text, size, max, weight))
            .collect();
        assert!(fresh.windows(2).all(|w| w[0] != w[1]), "the cases differ");
        for _ in 0..2 {
            for (&(size, max, weight), lines) in cases.iter().zip(&fresh) {
                assert_eq!(&chain.wrap(&text, size, max, weight), lines);
            }
        }
        // A chain with the bold face taken out measures otherwise: its lines are its own.
        let mut other = chain.clone();
        other.slots[0].bold = None;
        let own = other.wrap_now(&text, 11.0, 300.0, Weight::Bold);
        assert_ne!(own, fresh[2]);
        assert_eq!(other.wrap(&text, 11.0, 300.0, Weight::Bold), own);
    }

    #[test]
    fn a_line_cut_before_gets_the_runs_of_its_own_weight_direction_and_fonts() {
        let chain = FontChain::default();
        let text = "Прокурор \u{645}\u{62D}\u{645}\u{62F} 12";
        let cases = [
            (Weight::Regular, false),
            (Weight::Bold, false),
            (Weight::Regular, true),
        ];
        let fresh: Vec<_> = cases
            .iter()
            .map(|&(weight, rtl)| chain.runs_now(text, weight, rtl))
            .collect();
        assert!(fresh.windows(2).all(|w| w[0] != w[1]), "the cases differ");
        for _ in 0..2 {
            for (&(weight, rtl), runs) in cases.iter().zip(&fresh) {
                assert_eq!(*chain.runs(text, weight, rtl), runs[..]);
            }
        }
        // A chain with the bold face taken out draws bold otherwise: its runs are its own.
        let mut other = chain.clone();
        other.slots[0].bold = None;
        let own = other.runs_now(text, Weight::Bold, false);
        assert_ne!(own, fresh[1]);
        assert_eq!(*other.runs(text, Weight::Bold, false), own[..]);
    }
}
