//! PDF letters for a window envelope or a fax: page layouts from the standards as data, line
//! breaking (UAX #14) with widths from the font, pages that flow, and a check that every
//! character has a glyph (printpdf would draw a missing one as an empty box, silently).
//!
//! printpdf neither shapes nor reorders text, so lines with right-to-left characters go through
//! our own small pipeline: bidi visual runs (`unicode-bidi`), shaping per run (`rustybuzz`), and
//! glyph ids handed to printpdf with the shaped advances. Left-to-right lines without such
//! characters are drawn as text, measured from the font's advances.
//!
//! Scope today: the scripts the embedded DejaVu Sans covers (Latin, Cyrillic, Greek, Arabic).
//! Fallback fonts for other scripts (CJK) are not built yet.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::OnceLock;

use printpdf::{
    Color, Greyscale, Line, LinePoint, Mm, Op, ParsedFont, PdfDocument, PdfFontHandle, PdfPage,
    PdfSaveOptions, Point, Pt, TextItem,
};

use crate::letter::{Letter, LetterParts};
use crate::output::{Folders, Output, Written, letter_path, write_file};

/// A page layout: where things go, in millimetres from the top-left corner of the page.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Layout {
    pub name: &'static str,
    pub paper: Paper,
    /// The recipient's address field (the envelope window): left, top, width, height.
    pub window: (f32, f32, f32, f32),
    /// Where the address lines start inside the field: DIN 5008 keeps the first 17.7 mm for a
    /// remark zone whose last line carries the return address.
    pub address_top: f32,
    /// The baseline of the small return-address line just above the address lines (0: none).
    pub return_line: f32,
    /// Left and right margins of the body text.
    pub left: f32,
    pub right: f32,
    /// The sender's block and the date, to the right of the window (DIN 5008 "Informationsblock").
    pub info: (f32, f32),
    /// Where the body starts on the first page, and the top margin of further pages.
    pub body_top: f32,
    pub next_top: f32,
    /// Fold marks and the punch-hole mark, at the left edge.
    pub fold_marks: &'static [f32],
    pub hole_mark: Option<f32>,
}

/// Paper sizes, width and height in millimetres.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Paper {
    A4,
    Letter,
}

impl Paper {
    pub fn size(self) -> (f32, f32) {
        match self {
            Paper::A4 => (210.0, 297.0),
            Paper::Letter => (215.9, 279.4),
        }
    }
}

/// DIN 5008 form B (the German and common European default), form A, and US Letter for a #10
/// window envelope. Each is a table of positions, not code.
pub const LAYOUTS: [Layout; 3] = [
    Layout {
        name: "din-b",
        paper: Paper::A4,
        window: (20.0, 45.0, 85.0, 45.0),
        address_top: 62.7,
        return_line: 61.0,
        left: 25.0,
        right: 20.0,
        info: (125.0, 50.0),
        body_top: 103.4,
        next_top: 25.0,
        fold_marks: &[105.0, 210.0],
        hole_mark: Some(148.5),
    },
    Layout {
        name: "din-a",
        paper: Paper::A4,
        window: (20.0, 27.0, 85.0, 45.0),
        address_top: 44.7,
        return_line: 43.0,
        left: 25.0,
        right: 20.0,
        info: (125.0, 32.0),
        body_top: 85.0,
        next_top: 25.0,
        fold_marks: &[87.0, 192.0],
        hole_mark: Some(148.5),
    },
    Layout {
        name: "us10",
        paper: Paper::Letter,
        window: (22.0, 63.5, 89.0, 17.0),
        address_top: 63.5,
        return_line: 0.0,
        left: 25.4,
        right: 25.4,
        info: (25.4, 25.4),
        body_top: 95.0,
        next_top: 25.4,
        fold_marks: &[93.1, 186.2],
        hole_mark: None,
    },
];

impl Layout {
    pub fn named(name: &str) -> Result<Layout, String> {
        LAYOUTS
            .iter()
            .find(|l| l.name == name)
            .copied()
            .ok_or_else(|| {
                format!(
                    "no layout `{name}`; the layouts are: {}",
                    LAYOUTS
                        .iter()
                        .map(|l| l.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
    }

    /// The default layout for a paper size: DIN 5008 form B on A4, #10 envelope on Letter.
    pub fn for_paper(paper: Paper) -> Layout {
        match paper {
            Paper::A4 => LAYOUTS[0],
            Paper::Letter => LAYOUTS[2],
        }
    }
}

/// How a run lays letters out.
#[derive(Clone, Copy, Debug)]
pub struct PdfOptions {
    pub layout: Layout,
    /// Warn instead of failing when an address has more lines than the window holds.
    pub allow_overflow: bool,
    /// Warn instead of failing when no font has a glyph for a character (it prints as a box).
    pub allow_missing_glyphs: bool,
}

const BODY_SIZE: f32 = 11.0;
const BODY_LEADING: f32 = 14.0;
const ADDRESS_SIZE: f32 = 9.5;
const ADDRESS_LEADING: f32 = 10.5;
const SMALL_SIZE: f32 = 7.0;
/// Bottom margin: the last body line stays above it, the page number sits in it.
const BOTTOM: f32 = 25.0;

/// The embedded fonts, parsed once per process.
struct Fonts {
    regular: ParsedFont,
}

fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| Fonts {
        // The crate's bytes are a valid DejaVu Sans; a failure here is a broken build, not input.
        regular: ParsedFont::from_bytes(dejavu::sans::regular(), 0, &mut Vec::new())
            .expect("DejaVu Sans parses"),
    })
}

/// The fonts a run draws with, in order of preference: the embedded DejaVu Sans, then each
/// `--font` file, then fonts that fontconfig finds for characters the others lack. Fonts are
/// parsed once and live for the whole process.
pub struct FontChain {
    fonts: Vec<&'static ParsedFont>,
    names: Vec<String>,
    /// Characters fontconfig was already asked about and had nothing for.
    not_found: HashSet<char>,
}

impl Default for FontChain {
    fn default() -> Self {
        FontChain {
            fonts: vec![&fonts().regular],
            names: vec!["DejaVu Sans".into()],
            not_found: HashSet::new(),
        }
    }
}

impl FontChain {
    /// DejaVu Sans followed by `files` (`--font`, in order). A file that is not a font is an error.
    pub fn new(files: &[PathBuf]) -> Result<FontChain, String> {
        let mut chain = FontChain::default();
        for file in files {
            chain
                .add_file(file)
                .map_err(|e| format!("--font {}: {e}", file.display()))?;
        }
        Ok(chain)
    }

    fn add_file(&mut self, file: &std::path::Path) -> Result<(), String> {
        let bytes = std::fs::read(file).map_err(|e| format!("cannot read the file: {e}"))?;
        let font = ParsedFont::from_bytes(&bytes, 0, &mut Vec::new())
            .ok_or_else(|| "not a font file printpdf can read (hint: pass a TrueType or OpenType font, .ttf/.otf/.ttc)".to_string())?;
        self.fonts.push(Box::leak(Box::new(font)));
        self.names.push(file.display().to_string());
        Ok(())
    }

    /// The first font of the chain that has a glyph for `c`.
    fn index_of(&self, c: char) -> Option<usize> {
        self.fonts
            .iter()
            .position(|f| f.lookup_glyph_index(c as u32).is_some())
    }

    /// The advance of `c` in ems, in the font that draws it (0 for a character none has).
    fn advance_em(&self, c: char) -> f32 {
        let Some(i) = self.index_of(c) else {
            return 0.0;
        };
        let font = self.fonts[i];
        let gid = font.lookup_glyph_index(c as u32).unwrap_or(0);
        f32::from(font.get_horizontal_advance(gid))
            / f32::from(font.font_metrics.units_per_em.max(1))
    }

    /// `text` cut into runs that one font draws: (font index, run).
    fn runs<'t>(&self, text: &'t str) -> Vec<(usize, &'t str)> {
        let mut runs: Vec<(usize, &'t str)> = Vec::new();
        let mut start = 0;
        let mut current = None;
        for (i, c) in text.char_indices() {
            // Spaces and marks stay in the current run.
            let font = if c.is_whitespace() {
                current.unwrap_or(0)
            } else {
                self.index_of(c).unwrap_or(0)
            };
            if current.is_some_and(|f| f != font) {
                runs.push((current.unwrap_or(0), &text[start..i]));
                start = i;
            }
            current = Some(font);
        }
        if start < text.len() {
            runs.push((current.unwrap_or(0), &text[start..]));
        }
        runs
    }

    /// Asks fontconfig (`fc-list`) for a font with a glyph for `c` and adds the first that
    /// parses. Returns whether the chain now covers `c`.
    fn add_system_font_for(&mut self, c: char) -> bool {
        if self.index_of(c).is_some() {
            return true;
        }
        if !self.not_found.insert(c) {
            return false;
        }
        let query = format!(":charset={:x}", c as u32);
        let Ok(out) = std::process::Command::new("fc-list")
            .args(["--format", "%{file}\\n", &query])
            .output()
        else {
            return false;
        };
        let mut files: Vec<PathBuf> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(PathBuf::from)
            .filter(|p| p.is_file())
            .collect();
        // A stable choice whatever order fontconfig lists them in.
        files.sort();
        files
            .into_iter()
            .any(|f| self.add_file(&f).is_ok() && self.index_of(c).is_some())
    }

    pub fn names(&self) -> String {
        self.names.join(", ")
    }
}

/// The shaping view of the same font, made once per process.
fn face() -> &'static rustybuzz::Face<'static> {
    static FACE: OnceLock<rustybuzz::Face<'static>> = OnceLock::new();
    // Same bytes as `fonts()`, so glyph ids agree.
    FACE.get_or_init(|| {
        rustybuzz::Face::from_slice(dejavu::sans::regular(), 0).expect("DejaVu Sans parses")
    })
}

/// Whether `text` has right-to-left characters (Hebrew, Arabic and the scripts like them).
fn has_rtl(text: &str) -> bool {
    use unicode_bidi::BidiClass::{AL, R};
    // Nothing below Hebrew (U+0590) is right-to-left: Latin, Greek and Cyrillic text skips the
    // table lookup, which profiling showed on the hot path of line breaking.
    text.chars()
        .any(|c| c >= '\u{590}' && matches!(unicode_bidi::bidi_class(c), R | AL))
}

/// Whether a paragraph reads right to left: its first strong character is right-to-left.
fn is_rtl_paragraph(text: &str) -> bool {
    use unicode_bidi::BidiClass::{AL, L, R};
    text.chars()
        .map(unicode_bidi::bidi_class)
        .find(|c| matches!(c, L | R | AL))
        .is_some_and(|c| c != L)
}

/// A line shaped for drawing: glyphs in visual order, each with the text it stands for, the
/// adjustment from the font's own advance to the shaped one, and the line's width in font units.
struct Shaped {
    glyphs: Vec<printpdf::Codepoint>,
    width_units: f32,
}

/// Shapes one line: bidi visual runs, each shaped in its direction, so Latin runs inside Arabic
/// ("ICCPR", reference numbers) keep their order and lam-alef ligates.
fn shape_line(font: &ParsedFont, text: &str) -> Shaped {
    let face = face();
    let upem = face.units_per_em() as f32;
    let mut glyphs = Vec::new();
    let mut width_units = 0.0;
    let bidi = unicode_bidi::BidiInfo::new(text, None);
    for para in &bidi.paragraphs {
        let (levels, runs) = bidi.visual_runs(para, para.range.clone());
        for run in runs {
            let piece = &text[run.clone()];
            let mut buffer = rustybuzz::UnicodeBuffer::new();
            buffer.push_str(piece);
            buffer.set_direction(if levels[run.start].is_rtl() {
                rustybuzz::Direction::RightToLeft
            } else {
                rustybuzz::Direction::LeftToRight
            });
            buffer.guess_segment_properties();
            let out = rustybuzz::shape(face, &[], buffer);
            let mut starts: Vec<usize> = out
                .glyph_infos()
                .iter()
                .map(|g| g.cluster as usize)
                .collect();
            starts.sort_unstable();
            starts.dedup();
            for (info, pos) in out.glyph_infos().iter().zip(out.glyph_positions()) {
                let start = info.cluster as usize;
                let end = starts
                    .iter()
                    .find(|s| **s > start)
                    .copied()
                    .unwrap_or(piece.len());
                let gid = info.glyph_id as u16;
                let natural = f32::from(font.get_horizontal_advance(gid));
                let shaped = pos.x_advance as f32;
                glyphs.push(printpdf::Codepoint {
                    gid,
                    offset: (natural - shaped) * 1000.0 / upem,
                    cid: Some(piece[start..end].to_string()),
                });
                width_units += shaped;
            }
        }
    }
    Shaped {
        glyphs,
        width_units,
    }
}

/// Width of `text` at `size` points: shaped when it has right-to-left characters, else from the
/// font's advances.
fn width(fonts: &FontChain, text: &str, size: f32) -> f32 {
    if has_rtl(text) {
        let upem = face().units_per_em().max(1) as f32;
        return shape_line(fonts.fonts[0], text).width_units * size / upem;
    }
    text.chars().map(|c| fonts.advance_em(c) * size).sum()
}

/// The characters of `text` the font has no glyph for (controls and whitespace aside).
fn missing_glyphs(fonts: &FontChain, text: &str) -> Vec<char> {
    let mut seen = HashSet::new();
    text.chars()
        .filter(|c| !c.is_control() && !c.is_whitespace())
        .filter(|c| fonts.index_of(*c).is_none())
        .filter(|c| seen.insert(*c))
        .collect()
}

/// Breaks a paragraph into lines no wider than `max` points, at the break opportunities of
/// Unicode line breaking (UAX #14); a word longer than a line is cut, never drawn past the margin.
pub fn wrap(font: &FontChain, text: &str, size: f32, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut start = 0;
    for (end, opportunity) in unicode_linebreak::linebreaks(text) {
        let piece = &text[start..end];
        start = end;
        let candidate = format!("{line}{piece}");
        if width(font, candidate.trim_end(), size) <= max {
            line = candidate;
        } else {
            if !line.trim().is_empty() {
                lines.push(line.trim_end().to_string());
            }
            line = String::new();
            for c in piece.chars() {
                let next = format!("{line}{c}");
                if width(font, next.trim_end(), size) > max && !line.is_empty() {
                    lines.push(line.trim_end().to_string());
                    line = c.to_string();
                } else {
                    line = next;
                }
            }
        }
        if opportunity == unicode_linebreak::BreakOpportunity::Mandatory {
            lines.push(line.trim_end().to_string());
            line = String::new();
        }
    }
    if !line.trim().is_empty() {
        lines.push(line.trim_end().to_string());
    }
    lines
}

/// "page 2 of 3" in the letter's language; other languages get the language-neutral "2/3".
/// Arabic and Persian write the numbers in their own digits, as their long dates do.
fn page_label(lang: &str, page: usize, pages: usize) -> String {
    let base = lang.split('-').next().unwrap_or(lang);
    let digits = |n: usize, zero: char| -> String {
        n.to_string()
            .chars()
            .map(|d| char::from_u32(zero as u32 + (d as u32 - '0' as u32)).unwrap_or(d))
            .collect()
    };
    match base {
        "en" => format!("page {page} of {pages}"),
        "ru" => format!("страница {page} из {pages}"),
        "fr" => format!("page {page} sur {pages}"),
        "de" => format!("Seite {page} von {pages}"),
        "es" => format!("página {page} de {pages}"),
        "ar" => format!("الصفحة {} من {}", digits(page, '٠'), digits(pages, '٠')),
        "fa" => format!("صفحهٔ {} از {}", digits(page, '۰'), digits(pages, '۰')),
        "zh" => format!("第 {page} 页，共 {pages} 页"),
        _ => format!("{page}/{pages}"),
    }
}

/// Draws text with its baseline at (`x`, `y_top` mm from the top of the page): one run per font
/// of the chain; right-to-left lines shaped, in DejaVu Sans.
fn text_op(
    ops: &mut Vec<Op>,
    fonts: &FontChain,
    ids: &mut FontIds,
    page_h: f32,
    at: (f32, f32, f32),
    text: &str,
) {
    let (mut x, y_top, size) = at;
    let runs = if has_rtl(text) {
        vec![(0, text)]
    } else {
        fonts.runs(text)
    };
    for (index, run) in runs {
        let item = if has_rtl(run) {
            TextItem::GlyphIds(shape_line(fonts.fonts[0], run).glyphs)
        } else {
            TextItem::Text(run.to_string())
        };
        ops.push(Op::StartTextSection);
        ops.push(Op::SetFont {
            font: PdfFontHandle::External(ids.get(fonts, index)),
            size: Pt(size),
        });
        ops.push(Op::SetTextCursor {
            pos: Point {
                x: Mm(x).into(),
                y: Mm(page_h - y_top).into(),
            },
        });
        ops.push(Op::ShowText { items: vec![item] });
        ops.push(Op::EndTextSection);
        x += width(fonts, run, size) * 25.4 / 72.0;
    }
}

/// The fonts a document has registered, by chain index: each font is added to a document the
/// first time one of its glyphs is drawn, so unused fallback fonts are not embedded.
struct FontIds<'d> {
    doc: &'d mut PdfDocument,
    ids: Vec<Option<printpdf::FontId>>,
}

impl FontIds<'_> {
    fn get(&mut self, fonts: &FontChain, index: usize) -> printpdf::FontId {
        if self.ids.len() <= index {
            self.ids.resize(index + 1, None);
        }
        self.ids[index]
            .get_or_insert_with(|| self.doc.add_font(fonts.fonts[index]))
            .clone()
    }
}

fn mark(ops: &mut Vec<Op>, page_h: f32, y_top: f32, length: f32) {
    let y: Pt = Mm(page_h - y_top).into();
    ops.push(Op::DrawLine {
        line: Line {
            points: vec![
                LinePoint {
                    p: Point {
                        x: Mm(3.0).into(),
                        y,
                    },
                    bezier: false,
                },
                LinePoint {
                    p: Point {
                        x: Mm(3.0 + length).into(),
                        y,
                    },
                    bezier: false,
                },
            ],
            is_closed: false,
        },
    });
}

/// Where each line of a letter goes: computed before drawing, so tests can check positions.
#[derive(Debug, Default, PartialEq)]
pub struct Placed {
    /// Per page: (x mm, baseline mm from top, size pt, text).
    pub pages: Vec<Vec<(f32, f32, f32, String)>>,
}

/// Lays a letter out on pages. Errors name the letter and what is wrong.
pub fn place(
    fonts: &FontChain,
    layout: &Layout,
    parts: &LetterParts,
    lang: &str,
    what: &str,
    allow_overflow: bool,
) -> Result<Placed, String> {
    let font = fonts;
    let (page_w, page_h) = layout.paper.size();
    let mm_per_pt = 25.4 / 72.0;
    let mut first = Vec::new();
    // Return-address line, small, above the window (not for layouts without one).
    if layout.return_line > 0.0 {
        let sender: Vec<&str> = parts
            .sender
            .iter()
            .map(String::as_str)
            .filter(|l| !l.contains("___"))
            .collect();
        if !sender.is_empty() {
            first.push((
                layout.window.0 + 5.0,
                layout.return_line,
                SMALL_SIZE,
                sender.join(" · "),
            ));
        }
    }
    // The recipient in the window.
    let (wx, wy, ww, wh) = layout.window;
    let zone = wy + wh - layout.address_top;
    let max_lines = ((zone - 1.0) / (ADDRESS_LEADING * mm_per_pt)).floor() as usize;
    let address: Vec<String> = parts
        .recipient
        .iter()
        .flat_map(|line| wrap(font, line, ADDRESS_SIZE, (ww - 10.0) / mm_per_pt))
        .collect();
    if address.len() > max_lines && !allow_overflow {
        return Err(format!(
            "{what}: the address takes {} lines but the window of layout `{}` holds {max_lines} (hint: shorten the directory entry's address, choose another --layout, or pass --allow-overflow)",
            address.len(),
            layout.name
        ));
    }
    // Right-to-left lines are set flush right in their area.
    let start = |text: &str, size: f32, left: f32, right: f32, rtl: bool| {
        if rtl {
            right - width(font, text, size) * mm_per_pt
        } else {
            left
        }
    };
    let mut y = layout.address_top + ADDRESS_SIZE * mm_per_pt;
    for line in address {
        let x = start(
            &line,
            ADDRESS_SIZE,
            wx + 5.0,
            wx + ww - 5.0,
            is_rtl_paragraph(&line),
        );
        first.push((x, y, ADDRESS_SIZE, line));
        y += ADDRESS_LEADING * mm_per_pt;
    }
    // Sender block and date to the right (or above, for the US layout).
    let (ix, iy) = layout.info;
    let info_right = page_w - layout.right;
    let mut y = iy;
    for line in &parts.sender {
        first.push((
            start(line, 9.0, ix, info_right, is_rtl_paragraph(line)),
            y,
            9.0,
            line.clone(),
        ));
        y += 11.0 * mm_per_pt;
    }
    let date_x = start(
        &parts.date,
        9.0,
        ix,
        info_right,
        is_rtl_paragraph(&parts.date),
    );
    first.push((date_x, y + 4.0, 9.0, parts.date.clone()));
    // The body flows from body_top on the first page, next_top on the others.
    let text_w = (page_w - layout.left - layout.right) / mm_per_pt;
    let mut pages = vec![first];
    let mut y = layout.body_top;
    let bottom = page_h - BOTTOM;
    // Each line keeps its paragraph's direction: a wrapped line of an Arabic paragraph that starts
    // with a Latin word is still set flush right.
    let (lines, rtl): (Vec<String>, Vec<bool>) = parts
        .body
        .split('\n')
        .flat_map(|p| {
            let rtl = is_rtl_paragraph(p);
            if p.trim().is_empty() {
                vec![(String::new(), rtl)]
            } else {
                wrap(font, p, BODY_SIZE, text_w)
                    .into_iter()
                    .map(|l| (l, rtl))
                    .collect()
            }
        })
        .unzip();
    // The closing formula, the signature space and the printed name stay on one page.
    let keep_from = closing_start(&lines);
    let leading = BODY_LEADING * mm_per_pt;
    let keep_height = leading * lines.len().saturating_sub(keep_from) as f32;
    for (i, line) in lines.into_iter().enumerate() {
        let closing_would_split = i == keep_from && y + keep_height > bottom + leading;
        if y > bottom || closing_would_split {
            pages.push(Vec::new());
            y = layout.next_top + 12.0;
        }
        if !line.is_empty()
            && let Some(page) = pages.last_mut()
        {
            let x = start(&line, BODY_SIZE, layout.left, page_w - layout.right, rtl[i]);
            page.push((x, y, BODY_SIZE, line));
        }
        y += leading;
    }
    // Page numbers, and the sender's name on every page after the first.
    let count = pages.len();
    let name = parts.sender.first().filter(|l| !l.contains("___")).cloned();
    for (i, page) in pages.iter_mut().enumerate() {
        if count > 1 {
            let label = page_label(lang, i + 1, count);
            let x = page_w - layout.right - width(font, &label, 9.0) * mm_per_pt;
            page.push((x, page_h - 12.0, 9.0, label));
        }
        if i > 0
            && let Some(name) = &name
        {
            page.push((layout.left, layout.next_top, 9.0, name.clone()));
        }
    }
    Ok(Placed { pages })
}

/// The first line of the closing block: the last paragraph before the signature space (the run
/// of empty lines before the printed name).
fn closing_start(lines: &[String]) -> usize {
    let Some(last) = lines.iter().rposition(|l| !l.is_empty()) else {
        return 0;
    };
    let Some(gap_start) = lines[..last].iter().rposition(|l| !l.is_empty()) else {
        return 0;
    };
    lines[..gap_start]
        .iter()
        .rposition(String::is_empty)
        .map_or(0, |i| i + 1)
}

/// Checks a letter and lays it out: every character drawable, the address inside the window.
fn layout_letter(
    fonts: &mut FontChain,
    options: &PdfOptions,
    letter: &Letter,
    what: &str,
    warnings: &mut Vec<String>,
) -> Result<Placed, String> {
    let parts = letter
        .parts
        .as_ref()
        .ok_or_else(|| format!("{what}: the letter was rendered without its parts"))?;
    let all = format!(
        "{}\n{}\n{}\n{}",
        parts.sender.join("\n"),
        parts.recipient.join("\n"),
        parts.date,
        parts.body
    );
    for c in missing_glyphs(fonts, &all) {
        fonts.add_system_font_for(c);
    }
    let missing = missing_glyphs(fonts, &all);
    if let Some(c) = missing.first() {
        let message = format!(
            "{what}: the character `{c}` (U+{:04X}) has no glyph in the fonts available ({}){} (hint: install a font that has it, e.g. Debian's fonts-noto-cjk for Chinese, so fontconfig finds it, or pass it with --font FILE)",
            *c as u32,
            fonts.names(),
            if missing.len() > 1 {
                format!(", nor do {} other(s)", missing.len() - 1)
            } else {
                String::new()
            }
        );
        if !options.allow_missing_glyphs {
            return Err(message);
        }
        warnings.push(format!(
            "{message}; printed as an empty box (--allow-missing-glyphs)"
        ));
    }
    if parts.body.trim().is_empty() {
        return Err(format!(
            "{what}: the letter has no body (hint: check the template's `{{% block body %}}`)"
        ));
    }
    place(
        fonts,
        &options.layout,
        parts,
        letter.lang.as_str(),
        what,
        options.allow_overflow,
    )
}

/// The PDF pages of a placed letter, drawing text with the document's font `font`.
fn pages_of(
    layout: &Layout,
    placed: &Placed,
    fonts: &FontChain,
    ids: &mut FontIds,
) -> Vec<PdfPage> {
    let (page_w, page_h) = layout.paper.size();
    let mut pages = Vec::new();
    for (i, lines) in placed.pages.iter().enumerate() {
        let mut ops = Vec::new();
        if i == 0 {
            ops.push(Op::SetOutlineColor {
                col: Color::Greyscale(Greyscale {
                    percent: 0.5,
                    icc_profile: None,
                }),
            });
            ops.push(Op::SetOutlineThickness { pt: Pt(0.3) });
            for y in layout.fold_marks {
                mark(&mut ops, page_h, *y, 5.0);
            }
            if let Some(y) = layout.hole_mark {
                mark(&mut ops, page_h, y, 8.0);
            }
        }
        for (x, y, size, text) in lines {
            text_op(&mut ops, fonts, ids, page_h, (*x, *y, *size), text);
        }
        pages.push(PdfPage::new(Mm(page_w), Mm(page_h), ops));
    }
    pages
}

/// Serialises a document with the letter's language tag in the catalog (`/Lang`, read by screen
/// readers and PDF/UA checkers), which printpdf has no field for.
fn save(doc: &PdfDocument, lang: Option<&str>) -> Vec<u8> {
    let mut lo = doc.to_lopdf_document(&PdfSaveOptions::default(), &mut Vec::new());
    lo.compress();
    if let Some(lang) = lang
        && let Ok(catalog) = lo.catalog_mut()
    {
        catalog.set("Lang", lopdf::Object::string_literal(lang));
    }
    let mut bytes = Vec::new();
    // Writing into memory cannot fail.
    let _ = lo.save_to(&mut bytes);
    bytes
}

/// Builds the PDF of one letter: the same bytes for the same input. Warnings (a glyph printed as
/// a box under --allow-missing-glyphs) go to `warnings`.
pub fn render(
    fonts: &mut FontChain,
    options: &PdfOptions,
    letter: &Letter,
    what: &str,
    warnings: &mut Vec<String>,
) -> Result<Vec<u8>, String> {
    let placed = layout_letter(fonts, options, letter, what, warnings)?;
    let mut doc = PdfDocument::new(&letter.title);
    doc.metadata.info.author = letter.signature.clone();
    doc.metadata.info.subject = letter.campaign_id.clone();
    doc.metadata.info.keywords = vec![letter.lang.to_string()];
    let pages = pages_of(
        &options.layout,
        &placed,
        fonts,
        &mut FontIds {
            doc: &mut doc,
            ids: Vec::new(),
        },
    );
    doc.with_pages(pages);
    Ok(save(&doc, Some(letter.lang.as_str())))
}

/// A print pack being collected: every letter of a run, each from a new page, each font once.
struct Pack {
    campaign_id: String,
    doc: PdfDocument,
    ids: Vec<Option<printpdf::FontId>>,
    pages: Vec<PdfPage>,
}

/// PDF letters: `OUT/<campaign>/<supporter>/<recipient>.<lang>.pdf`. With `combined()`, one
/// `OUT/<campaign>/print-pack.pdf` holds every letter of the run instead, each from a new page,
/// the font embedded once.
pub struct PdfOutput {
    out: PathBuf,
    force: bool,
    options: PdfOptions,
    folders: Folders,
    combine: bool,
    pack: Option<Pack>,
    fonts: FontChain,
    warnings: Vec<String>,
}

impl PdfOutput {
    pub fn new(out: PathBuf, force: bool, options: PdfOptions, fonts: FontChain) -> Self {
        PdfOutput {
            out,
            force,
            options,
            folders: Folders::default(),
            combine: false,
            pack: None,
            fonts,
            warnings: Vec::new(),
        }
    }

    /// Collects every letter into one print pack, written by `finish`.
    pub fn combined(mut self) -> Self {
        self.combine = true;
        self
    }
}

impl Output for PdfOutput {
    fn name(&self) -> &'static str {
        "pdf"
    }

    fn needs_parts(&self) -> bool {
        true
    }

    fn write(&mut self, letter: &Letter, supporter_slug: &str) -> Result<Written, String> {
        let path = letter_path(&self.out, letter, supporter_slug, "pdf");
        let what = format!(
            "the {} letter to `{}` ({supporter_slug})",
            letter.lang, letter.recipient_id
        );
        if self.combine {
            let placed = layout_letter(
                &mut self.fonts,
                &self.options,
                letter,
                &what,
                &mut self.warnings,
            )?;
            let pack = self.pack.get_or_insert_with(|| Pack {
                campaign_id: letter.campaign_id.clone(),
                doc: PdfDocument::new(&letter.campaign_id),
                ids: Vec::new(),
                pages: Vec::new(),
            });
            let mut ids = FontIds {
                doc: &mut pack.doc,
                ids: std::mem::take(&mut pack.ids),
            };
            let pages = pages_of(&self.options.layout, &placed, &self.fonts, &mut ids);
            pack.ids = ids.ids;
            pack.pages.extend(pages);
            return Ok(Written::New(path));
        }
        let bytes = render(
            &mut self.fonts,
            &self.options,
            letter,
            &what,
            &mut self.warnings,
        )?;
        self.folders.ensure(&path)?;
        write_file(&path, &bytes, self.force)
    }

    fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }

    fn finish(&mut self) -> Result<Option<Written>, String> {
        let Some(pack) = self.pack.take() else {
            return Ok(None);
        };
        let path = self.out.join(&pack.campaign_id).join("print-pack.pdf");
        let mut doc = pack.doc;
        doc.metadata.info.subject = pack.campaign_id.clone();
        doc.with_pages(pack.pages);
        let bytes = save(&doc, None);
        self.folders.ensure(&path)?;
        write_file(&path, &bytes, self.force).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(recipient: &[&str], body: &str) -> LetterParts {
        LetterParts {
            sender: vec![
                "Eva Muster".into(),
                "Hauptstraße 1".into(),
                "10115 Berlin".into(),
            ],
            recipient: recipient.iter().map(|s| s.to_string()).collect(),
            date: "3 мая 2011 г.".into(),
            body: body.into(),
        }
    }

    #[test]
    fn puts_the_first_address_line_inside_the_window_of_every_layout() {
        for layout in LAYOUTS {
            let p = place(
                &FontChain::default(),
                &layout,
                &parts(
                    &[
                        "Генеральному прокурору",
                        "Moscow 125993",
                        "Russian Federation",
                    ],
                    "Текст.",
                ),
                "ru",
                "t",
                false,
            )
            .unwrap();
            let (wx, wy, ww, wh) = layout.window;
            let first = p.pages[0]
                .iter()
                .find(|l| l.3 == "Генеральному прокурору")
                .unwrap();
            assert!(
                first.0 >= wx && first.0 < wx + ww,
                "{}: x {}",
                layout.name,
                first.0
            );
            assert!(
                first.1 > wy && first.1 < wy + wh,
                "{}: baseline {}",
                layout.name,
                first.1
            );
        }
    }

    #[test]
    fn refuses_an_address_longer_than_the_window() {
        let long: Vec<&str> = vec!["line"; 12];
        let e = place(
            &FontChain::default(),
            &LAYOUTS[2],
            &parts(&long, "x"),
            "en",
            "the en letter to `x`",
            false,
        )
        .unwrap_err();
        assert!(e.contains("the window of layout `us10` holds"), "{e}");
        assert!(
            place(
                &FontChain::default(),
                &LAYOUTS[2],
                &parts(&long, "x"),
                "en",
                "t",
                true
            )
            .is_ok()
        );
    }

    #[test]
    fn flows_long_letters_onto_numbered_pages() {
        let body = "Lorem ipsum dolor sit amet, consectetur adipiscing elit.\n\n".repeat(60);
        let p = place(
            &FontChain::default(),
            &LAYOUTS[0],
            &parts(&["A"], &body),
            "de",
            "t",
            false,
        )
        .unwrap();
        assert!(p.pages.len() >= 2);
        assert!(
            p.pages[1]
                .iter()
                .any(|l| l.3 == format!("Seite 2 von {}", p.pages.len()))
        );
        assert!(
            p.pages[1].iter().any(|l| l.3 == "Eva Muster"),
            "sender repeated"
        );
    }

    #[test]
    fn keeps_the_closing_and_the_signature_together() {
        // Every length of letter around a page break: the closing never leaves its signature.
        for n in 10..40 {
            let body = format!(
                "{}Yours sincerely,\n\n\n\nEva Muster",
                "Lorem ipsum dolor sit amet.\n\n".repeat(n)
            );
            let p = place(
                &FontChain::default(),
                &LAYOUTS[0],
                &parts(&["A"], &body),
                "en",
                "t",
                false,
            )
            .unwrap();
            let page_of = |text: &str| {
                p.pages
                    .iter()
                    .position(|pg| pg.iter().any(|l| l.3 == text && l.2 == BODY_SIZE))
            };
            assert_eq!(
                page_of("Yours sincerely,"),
                page_of("Eva Muster"),
                "{n} paragraphs"
            );
        }
    }

    #[test]
    fn ligates_lam_alef_and_keeps_latin_runs_in_order_inside_arabic() {
        let font = &fonts().regular;
        let la = shape_line(font, "لا");
        assert_eq!(la.glyphs.len(), 1, "lam + alef become one ligature glyph");
        assert_eq!(la.glyphs[0].cid.as_deref(), Some("لا"));
        let line = shape_line(font, "المادة 7 من ICCPR تحظر التعذيب");
        let gid = |c: char| font.lookup_glyph_index(c as u32).unwrap();
        let ids: Vec<u16> = line.glyphs.iter().map(|g| g.gid).collect();
        let iccpr: Vec<u16> = "ICCPR".chars().map(gid).collect();
        assert!(
            ids.windows(5).any(|w| w == iccpr.as_slice()),
            "ICCPR left to right inside the Arabic line"
        );
        assert!(line.glyphs.iter().all(|g| g.gid != 0), "every glyph drawn");
    }

    #[test]
    fn keeps_persian_zwnj_from_joining() {
        // "می‌خواهم": the ZWNJ keeps mim-ye apart from khe; without it the letters join.
        let font = &fonts().regular;
        let with = shape_line(font, "می\u{200c}خواهم");
        let without = shape_line(font, "میخواهم");
        assert_ne!(
            with.glyphs
                .iter()
                .map(|g| g.gid)
                .filter(|g| *g != 0)
                .collect::<Vec<_>>(),
            without.glyphs.iter().map(|g| g.gid).collect::<Vec<_>>()
        );
    }

    #[test]
    fn sets_right_to_left_paragraphs_flush_right() {
        let body = "أحثكم على عدم تسليم نزام حون جوراييف إلى طاجيكستان.\n\nI urge you.";
        let p = place(
            &FontChain::default(),
            &LAYOUTS[0],
            &parts(&["A"], body),
            "ar",
            "t",
            false,
        )
        .unwrap();
        let font = &FontChain::default();
        let (page_w, _) = LAYOUTS[0].paper.size();
        let arabic = p.pages[0]
            .iter()
            .find(|l| l.3.starts_with("أحثكم"))
            .unwrap();
        let end = arabic.0 + width(font, &arabic.3, BODY_SIZE) * 25.4 / 72.0;
        assert!(
            (end - (page_w - LAYOUTS[0].right)).abs() < 0.01,
            "ends at the right margin: {end}"
        );
        let latin = p.pages[0].iter().find(|l| l.3 == "I urge you.").unwrap();
        assert_eq!(latin.0, LAYOUTS[0].left);
    }

    #[test]
    fn breaks_a_word_longer_than_a_line() {
        let font = &FontChain::default();
        let lines = wrap(font, &"x".repeat(400), 11.0, 200.0);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| width(font, l, 11.0) <= 200.0));
    }

    #[test]
    fn names_a_missing_layout_and_lists_the_others() {
        assert_eq!(
            Layout::named("din-c").unwrap_err(),
            "no layout `din-c`; the layouts are: din-b, din-a, us10"
        );
    }
}
