//! Font subsets made once per batch, not once per letter.
//!
//! printpdf subsets every font of a document when it converts it (`to_lopdf_document`): it
//! collects the glyphs the pages use, cuts the font down to them (allsorts), parses the cut font
//! again for its widths, and writes the font program, its `/W` widths and its `/ToUnicode` map;
//! `draw::compress` then deflates the program and `meta::tag_subsets` names it from its bytes.
//! Most letters of a batch use the same glyphs of the same fonts, so that work, more than half of
//! a letter's time, gave the same objects again and again.
//!
//! Here the subset of a font for a set of glyphs (and the text each stands for) is made once, by
//! printpdf itself on a one-line document, compressed and tagged as a letter's would be, and kept
//! (`Subset`) with the code printpdf gave each glyph. A letter drawing the same glyphs is then
//! written by `write::document` with those objects and codes, in printpdf's own object order: the
//! bytes are the ones `to_lopdf_document` gives, whatever was kept before (the cache only decides
//! how fast, never what). A document the writer cannot write (a font printpdf does not subset,
//! an operation it does not know) is converted by printpdf, the ordinary way.
//!
//! One rule makes the two differ, on purpose: a letter that draws a digit is given the subset with
//! all ten digits of its script (`rounded`), so that letters differing only in a postcode or a
//! date share one subset; printpdf's own conversion embeds only the digits drawn.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use lopdf::{Dictionary, Object, ObjectId};
use printpdf::{
    Codepoint, FontId, Op, ParsedFont, PdfDocument, PdfFont, PdfFontHandle, PdfPage,
    PdfSaveOptions, PrintpdfFontMeta, Pt, TextItem,
};

use super::draw::compress;
use super::meta;

/// The glyphs a document draws in one font, each with the text it stands for: what printpdf
/// subsets the font to and writes its `/ToUnicode` map from.
type Usage = BTreeMap<u16, String>;

/// Subsets kept in each of the cache's two generations: a subset not used while this many new
/// ones were made is dropped, so the cache holds at most twice this many (about 250 KB each).
const GENERATION: usize = 160;

/// A font (its bytes' hash, face and glyph count), the name printpdf gives it in a document (part
/// of its `/ToUnicode` map) and the glyphs drawn.
struct Key {
    font: (u64, usize, u16),
    id: String,
    usage: Usage,
}

impl Key {
    fn is(&self, font: (u64, usize, u16), id: &str, usage: &Usage) -> bool {
        self.font == font && self.id == id && self.usage == *usage
    }
}

/// A font subset made once: what a document that draws the same glyphs needs to be written with
/// it.
pub(super) struct Subset {
    /// Each glyph's code in the document (its id in the subset), by its id in the font.
    remap: Remap,
    /// The font's objects as printpdf made them for a document of the subset alone, in the order
    /// printpdf numbered them, its streams compressed and its subset tagged; the number of its
    /// font dictionary there.
    pub(super) objects: BTreeMap<ObjectId, Object>,
    pub(super) font: ObjectId,
}

impl Subset {
    /// The code a glyph of the font is drawn with: 0 (the missing glyph) for one not in the
    /// subset, as printpdf writes it.
    pub(super) fn code(&self, gid: u16) -> u16 {
        match &self.remap {
            Remap::Table(codes) => codes.get(usize::from(gid)).copied().unwrap_or(0),
            Remap::Pairs(pairs) => match pairs.binary_search_by_key(&gid, |(id, _)| *id) {
                Ok(at) => pairs[at].1,
                Err(_) => 0,
            },
        }
    }
}

/// A subset's codes, looked up for every character a letter draws: in a table by glyph id
/// (0 for glyphs not in the subset), or, for glyph ids past `TABLE_GLYPHS`, as pairs of id and
/// code in order, searched. A table is a third faster in an Arabic letter than the search, and
/// would take 128 KB per subset of a font of 65,000 glyphs (a CJK face).
enum Remap {
    Table(Vec<u16>),
    Pairs(Vec<(u16, u16)>),
}

/// Glyph ids below this are remapped by a table (16 KB at most).
const TABLE_GLYPHS: usize = 8192;

impl Remap {
    /// `pairs` of glyph id and code, in the order of their ids.
    fn new(pairs: Vec<(u16, u16)>) -> Self {
        let len = pairs.last().map_or(0, |(gid, _)| usize::from(*gid) + 1);
        if len > TABLE_GLYPHS {
            return Remap::Pairs(pairs);
        }
        let mut codes = vec![0; len];
        for (gid, code) in pairs {
            codes[usize::from(gid)] = code;
        }
        Remap::Table(codes)
    }
}

/// A made subset, or `None` when the font cannot take the fast way.
type Kept = Option<Arc<Subset>>;

/// The subsets made so far, shared by the threads of a run: the ones made or used lately, and
/// the generation before them. One used again moves back to the new generation; the old one is
/// dropped when the new one is full. What is kept only decides how fast a letter is made, never
/// its bytes. Keys are found by their hash (`print`), so a letter's glyphs are not copied to look
/// them up; the few keys of one hash are compared whole.
#[derive(Default)]
struct Cache {
    new: rustc_hash::FxHashMap<u64, Vec<(Key, Kept)>>,
    old: rustc_hash::FxHashMap<u64, Vec<(Key, Kept)>>,
    /// How many subsets the new generation holds.
    made: usize,
}

impl Cache {
    fn get(
        &mut self,
        print: u64,
        font: (u64, usize, u16),
        id: &str,
        usage: &Usage,
    ) -> Option<Kept> {
        let found =
            |bucket: &Vec<(Key, Kept)>| bucket.iter().position(|(k, _)| k.is(font, id, usage));
        if let Some(bucket) = self.new.get(&print)
            && let Some(at) = found(bucket)
        {
            return Some(bucket[at].1.clone());
        }
        let bucket = self.old.get_mut(&print)?;
        let (key, kept) = bucket.swap_remove(found(bucket)?);
        self.insert(print, key, kept.clone());
        Some(kept)
    }

    fn insert(&mut self, print: u64, key: Key, kept: Kept) {
        if self.made >= GENERATION {
            self.old = std::mem::take(&mut self.new);
            self.made = 0;
        }
        let bucket = self.new.entry(print).or_default();
        if !bucket
            .iter()
            .any(|(k, _)| k.is(key.font, &key.id, &key.usage))
        {
            bucket.push((key, kept));
            self.made += 1;
        }
    }
}

fn cache() -> &'static Mutex<Cache> {
    static CACHE: std::sync::OnceLock<Mutex<Cache>> = std::sync::OnceLock::new();
    CACHE.get_or_init(Mutex::default)
}

/// The lopdf document of `doc`, with the same objects as `doc.to_lopdf_document` gives, its font
/// subsets already compressed and tagged when they come from the cache. Returns whether they do
/// (then neither `compress` nor `meta::tag_subsets` has anything left to do for fonts). Letters
/// are written from `to_lopdf_shared`; this copies the kept streams in, for the tests.
#[cfg(test)]
pub(super) fn to_lopdf(doc: &PdfDocument) -> (lopdf::Document, bool) {
    let (mut lo, shared) = to_lopdf_shared(doc);
    for (id, object) in shared.objects() {
        lo.objects.insert(id, object.clone());
    }
    (lo, shared.fonts_done)
}

/// `to_lopdf`, the kept subsets' streams (font programs and character maps, some 20 KB a letter)
/// left in the cache: `Object::Null` stands in the document for each, and the file is written
/// with them from `Shared`, not copied into every letter's document.
pub(super) fn to_lopdf_shared(doc: &PdfDocument) -> (lopdf::Document, Shared) {
    if let Some((lo, streams)) = with_kept_subsets(doc) {
        let shared = Shared {
            streams,
            fonts_done: true,
        };
        return (lo, shared);
    }
    let lo = doc.to_lopdf_document(&PdfSaveOptions::default(), &mut Vec::new());
    (lo, Shared::default())
}

/// The streams of kept subsets a document was written with (`write::Streams`).
#[derive(Default)]
pub(super) struct Shared {
    streams: super::write::Streams,
    /// Whether the document's fonts come from the cache (`to_lopdf`).
    pub(super) fonts_done: bool,
}

impl Shared {
    /// The stream numbered `id` in the document, if it is one of these.
    pub(super) fn object(&self, id: ObjectId) -> Option<&Object> {
        let (subset, own) = self.streams.get(&id)?;
        subset.objects.get(own)
    }

    #[cfg(test)]
    fn objects(&self) -> impl Iterator<Item = (ObjectId, &Object)> {
        self.streams
            .keys()
            .filter_map(|id| Some((*id, self.object(*id)?)))
    }
}

/// `doc` written with kept subsets (`write::document`), or `None` when one of its fonts cannot
/// be or its pages draw what that writer does not write.
fn with_kept_subsets(doc: &PdfDocument) -> Option<(lopdf::Document, super::write::Streams)> {
    let fonts = &doc.resources.fonts.map;
    let mut drawn = drawn(&doc.pages, fonts);
    let mut subsets: BTreeMap<&FontId, Arc<Subset>> = BTreeMap::new();
    for (id, usage) in &drawn.usage {
        let font = fonts.get(*id)?;
        if font.meta != PrintpdfFontMeta::default() {
            return None;
        }
        let chars = drawn.chars.get_mut(id)?;
        let usage = rounded(usage, &font.parsed_font, chars);
        subsets.insert(*id, subset(id, &font.parsed_font, &usage)?);
    }
    super::write::document(doc, &subsets, &drawn.chars)
}

/// What the pages of a document draw, font by font, as printpdf collects it for subsetting.
#[derive(Default)]
pub(super) struct Drawn<'d> {
    usage: BTreeMap<&'d FontId, Usage>,
    /// The glyph each character drawn as text (not as shaped glyphs) is in each font.
    pub(super) chars: BTreeMap<&'d FontId, Chars>,
}

/// The glyph of each character in a font, as its character map gives it: from a table the
/// process keeps for the font up to U+2FFF (every script of the letters but Han, kana and
/// Hangul), the rest looked up once per document.
pub(super) struct Chars {
    table: Arc<[Option<u16>]>,
    more: rustc_hash::FxHashMap<char, Option<u16>>,
}

/// Characters below this have their glyph in a font's kept table.
const TABLE: usize = 0x3000;

impl Chars {
    fn new(font: &ParsedFont) -> Self {
        type Tables = rustc_hash::FxHashMap<(u64, usize, u16), Arc<[Option<u16>]>>;
        static TABLES: std::sync::OnceLock<Mutex<Tables>> = std::sync::OnceLock::new();
        let key = (font.hash, font.original_index, font.num_glyphs);
        let tables = TABLES.get_or_init(Mutex::default);
        let kept = locked(tables).get(&key).cloned();
        let table = kept.unwrap_or_else(|| {
            // Made outside the lock: two threads may make the same table, the same way.
            let table: Arc<[Option<u16>]> = (0..TABLE as u32)
                .map(|c| font.lookup_glyph_index(c))
                .collect();
            locked(tables).insert(key, table.clone());
            table
        });
        Chars {
            table,
            more: Default::default(),
        }
    }

    /// The glyph of `c`, looked up now if it is past the table.
    fn glyph(&mut self, font: &ParsedFont, c: char) -> Option<u16> {
        match self.table.get(c as usize) {
            Some(gid) => *gid,
            None => *self
                .more
                .entry(c)
                .or_insert_with(|| font.lookup_glyph_index(u32::from(c))),
        }
    }

    /// The glyph of `c` (`None` inside when the font has none), or `None` for a character past
    /// the table that was not drawn.
    pub(super) fn known(&self, c: char) -> Option<Option<u16>> {
        self.table
            .get(c as usize)
            .or_else(|| self.more.get(&c))
            .copied()
    }
}

/// The glyphs of `fonts` that `pages` draw: printpdf's own rule (`collect_used_glyphs_from_pages`),
/// so that the kept subset is the one printpdf would make: each glyph stands for the text it was
/// last drawn with. The items are read from the last, so a glyph's text is the first one met and
/// the glyphs seen again cost a bit test.
fn drawn<'d>(pages: &[PdfPage], fonts: &'d BTreeMap<FontId, PdfFont>) -> Drawn<'d> {
    let mut shown: Vec<(&'d FontId, &PdfFont, &TextItem)> = Vec::new();
    for page in pages {
        let mut current: Option<(&FontId, &PdfFont)> = None;
        for op in &page.ops {
            match op {
                Op::SetFont {
                    font: PdfFontHandle::External(id),
                    ..
                } => current = fonts.get_key_value(id),
                Op::SetFont { .. } => current = None,
                Op::ShowText { items } => {
                    if let Some((id, font)) = current {
                        shown.extend(items.iter().map(|item| (id, font, item)));
                    }
                }
                _ => {}
            }
        }
    }
    let mut drawn = Drawn::default();
    let mut seen: BTreeMap<&FontId, Box<[u64; SEEN]>> = BTreeMap::new();
    for (id, font, item) in shown.into_iter().rev() {
        let font = &font.parsed_font;
        let usage = drawn.usage.entry(id).or_default();
        let chars = drawn.chars.entry(id).or_insert_with(|| Chars::new(font));
        let seen = seen.entry(id).or_insert_with(|| Box::new([0; SEEN]));
        collect(item, font, usage, chars, seen);
    }
    drawn
}

/// Words of a set of glyph ids, one bit each.
const SEEN: usize = 65536 / 64;

/// Notes the glyphs of `item` not `seen` yet, from its last, with the text each stands for.
fn collect(
    item: &TextItem,
    font: &ParsedFont,
    usage: &mut Usage,
    chars: &mut Chars,
    seen: &mut [u64; SEEN],
) {
    let mut first_sight = |gid: u16| {
        let (word, bit) = (usize::from(gid / 64), 1u64 << (gid % 64));
        let fresh = seen[word] & bit == 0;
        seen[word] |= bit;
        fresh
    };
    match item {
        TextItem::Text(text) => {
            for c in text.chars().rev() {
                if let Some(gid) = chars.glyph(font, c)
                    && first_sight(gid)
                {
                    usage.insert(gid, c.to_string());
                }
            }
        }
        TextItem::GlyphIds(glyphs) => {
            for glyph in glyphs.iter().rev() {
                if !first_sight(glyph.gid) {
                    continue;
                }
                let text = match &glyph.cid {
                    Some(text) => text.clone(),
                    None => font
                        .get_glyph_primary_char(glyph.gid)
                        .unwrap_or('\u{FFFD}')
                        .to_string(),
                };
                usage.insert(glyph.gid, text);
            }
        }
        TextItem::Offset(_) => {}
    }
}

/// `usage` with every digit of each run of decimal digits it draws one of (`0`-`9`, `٠`-`٩`, ...):
/// the subset of a letter holds all ten once it holds one, with the text each stands for.
///
/// Most letters of a batch draw the same glyphs but for the sender's block and the date, and
/// there mostly the digits differ (postcodes, house numbers, days): rounded up, those letters
/// share one subset, made once, where each would make its own (1,000 synthetic Russian supporters'
/// 3,000 letters: 58 subsets against 270, for 317 bytes more a letter on average). The rule looks
/// at the letter's own glyphs alone, so its bytes do not depend on what else the batch holds.
fn rounded<'u>(
    usage: &'u Usage,
    font: &ParsedFont,
    chars: &mut Chars,
) -> std::borrow::Cow<'u, Usage> {
    let mut zeros: Vec<u32> = Vec::new();
    for text in usage.values() {
        let mut chars = text.chars();
        if let (Some(c), None) = (chars.next(), chars.next())
            && let Some(zero) = zero_of(c)
            && !zeros.contains(&zero)
        {
            zeros.push(zero);
        }
    }
    let mut more: Vec<(u16, char)> = Vec::new();
    for zero in zeros {
        for digit in (zero..zero + 10).filter_map(char::from_u32) {
            // From the font's kept table, not its character map each time.
            if let Some(gid) = chars.glyph(font, digit)
                && gid != 0
                && !usage.contains_key(&gid)
                && !more.iter().any(|(g, _)| *g == gid)
            {
                more.push((gid, digit));
            }
        }
    }
    if more.is_empty() {
        return std::borrow::Cow::Borrowed(usage);
    }
    let mut usage = usage.clone();
    usage.extend(more.into_iter().map(|(gid, c)| (gid, c.to_string())));
    std::borrow::Cow::Owned(usage)
}

/// The zero of the run of decimal digits `c` is one of. Unicode encodes each script's digits as
/// ten code points in a row from zero, and a run of several (the mathematical digits) as whole
/// tens, so the zero is found from where the run of decimal digits before `c` starts.
fn zero_of(c: char) -> Option<u32> {
    use icu_properties::{CodePointMapData, props::GeneralCategory};
    if c.is_ascii_digit() {
        return Some(u32::from('0'));
    }
    if c.is_ascii() {
        return None;
    }
    let categories = CodePointMapData::<GeneralCategory>::new();
    let digit = |c: u32| categories.get32(c) == GeneralCategory::DecimalNumber;
    let c = u32::from(c);
    if !digit(c) {
        return None;
    }
    let mut start = c;
    while start > 0 && digit(start - 1) {
        start -= 1;
    }
    Some(start + (c - start) / 10 * 10)
}

/// The kept subset of `font` (named `id`) for `usage`, made now if it is not kept.
fn subset(id: &FontId, font: &ParsedFont, usage: &Usage) -> Kept {
    use std::hash::BuildHasher;
    let face = (font.hash, font.original_index, font.num_glyphs);
    let print = rustc_hash::FxBuildHasher.hash_one((face, &id.0, usage));
    if let Some(kept) = lock().get(print, face, &id.0, usage) {
        return kept;
    }
    // Made outside the lock: two threads may make the same subset, the same way.
    let made = make(id, font, usage).map(Arc::new);
    let key = Key {
        font: face,
        id: id.0.clone(),
        usage: usage.clone(),
    };
    lock().insert(print, key, made.clone());
    made
}

fn lock() -> std::sync::MutexGuard<'static, Cache> {
    locked(cache())
}

/// A process-wide table's lock: a thread that panicked while holding it left whole entries or
/// none.
fn locked<T>(table: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    table
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Makes the subset of `font` for `usage` as printpdf makes it in a letter: on a document that
/// draws those glyphs, in order, and nothing else, in a font named `id`. `None` when printpdf
/// does not subset the font (it embeds it whole, with glyph ids as codes).
fn make(id: &FontId, font: &ParsedFont, usage: &Usage) -> Option<Subset> {
    let glyphs = usage
        .iter()
        .map(|(gid, text)| Codepoint {
            gid: *gid,
            offset: 0.0,
            cid: Some(text.clone()),
        })
        .collect();
    let mut doc = PdfDocument::new("");
    doc.resources
        .fonts
        .map
        .insert(id.clone(), PdfFont::new(font.clone()));
    let ops = vec![
        Op::StartTextSection,
        Op::SetFont {
            font: PdfFontHandle::External(id.clone()),
            size: Pt(10.0),
        },
        Op::ShowText {
            items: vec![TextItem::GlyphIds(glyphs)],
        },
        Op::EndTextSection,
    ];
    doc.pages
        .push(PdfPage::new(printpdf::Mm(100.0), printpdf::Mm(100.0), ops));
    let mut objects = doc.to_lopdf_document(&PdfSaveOptions::default(), &mut Vec::new());
    let font = *font_dictionaries(&objects).get(id.0.as_bytes())?;
    let subset_tag = format!("{}+", id.0);
    let name = objects
        .get_dictionary(font)
        .and_then(|f| f.get(b"BaseFont"))
        .and_then(Object::as_name)
        .ok()?;
    if !name.starts_with(subset_tag.as_bytes()) {
        return None;
    }
    // The code of each glyph, as the page shows them: one string each, in `usage`'s order.
    let page = objects.page_iter().next()?;
    let content = objects.get_page_content(page);
    let shown = lopdf::content::Content::decode(&content).ok()?;
    let codes: Vec<u16> = shown
        .operations
        .iter()
        .filter(|op| op.operator == "TJ")
        .flat_map(|op| op.operands.iter().filter_map(|o| o.as_array().ok()))
        .flatten()
        .filter_map(|code| match code.as_str().ok()? {
            [high, low] => Some(u16::from_be_bytes([*high, *low])),
            _ => None,
        })
        .collect();
    if codes.len() != usage.len() {
        return None;
    }
    // `usage` is ordered by glyph id, so the pairs are too.
    let remap = Remap::new(usage.keys().copied().zip(codes).collect());
    compress(&mut objects);
    meta::tag_subsets(&mut objects);
    // Only the font's objects are kept, not the page drawing it.
    let mut kept = BTreeMap::new();
    let mut todo = vec![font];
    while let Some(id) = todo.pop() {
        if kept.contains_key(&id) {
            continue;
        }
        let object = objects.objects.remove(&id)?;
        references(&object, &mut todo);
        kept.insert(id, object);
    }
    Some(Subset {
        remap,
        objects: kept,
        font,
    })
}

/// Each font's dictionary in `lo`, by the name its pages' resources give it.
fn font_dictionaries(lo: &lopdf::Document) -> BTreeMap<Vec<u8>, ObjectId> {
    let mut found = BTreeMap::new();
    for page in lo.page_iter() {
        let fonts = lo
            .get_dictionary(page)
            .and_then(|p| p.get(b"Resources"))
            .and_then(|r| resolve(lo, r))
            .and_then(|r| r.get(b"Font"))
            .and_then(|f| resolve(lo, f));
        if let Ok(fonts) = fonts {
            for (name, font) in fonts.iter() {
                if let Ok(id) = font.as_reference() {
                    found.insert(name.clone(), id);
                }
            }
        }
    }
    found
}

fn resolve<'a>(lo: &'a lopdf::Document, object: &'a Object) -> lopdf::Result<&'a Dictionary> {
    match object {
        Object::Reference(id) => lo.get_dictionary(*id),
        other => other.as_dict(),
    }
}

/// Pushes the objects `object` refers to.
fn references(object: &Object, out: &mut Vec<ObjectId>) {
    match object {
        Object::Reference(id) => out.push(*id),
        Object::Array(items) => items.iter().for_each(|o| references(o, out)),
        Object::Dictionary(d) => d.iter().for_each(|(_, o)| references(o, out)),
        Object::Stream(s) => s.dict.iter().for_each(|(_, o)| references(o, out)),
        _ => {}
    }
}

pub(super) fn renumber_object(object: &mut Object, map: &HashMap<ObjectId, ObjectId>) {
    match object {
        Object::Reference(id) => {
            if let Some(new) = map.get(id) {
                *id = *new;
            }
        }
        Object::Array(items) => items.iter_mut().for_each(|o| renumber_object(o, map)),
        Object::Dictionary(d) => d.iter_mut().for_each(|(_, o)| renumber_object(o, map)),
        Object::Stream(s) => s.dict.iter_mut().for_each(|(_, o)| renumber_object(o, map)),
        _ => {}
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::pdf::draw::{FontIds, draw_page};
    use crate::pdf::set::{Setting, set_line};
    use crate::pdf::tags::Marks;
    use crate::pdf::text::{FontChain, Weight};

    /// A page of `lines` (text, right to left) in the embedded fonts: characters drawn as text
    /// and, right to left, shaped glyphs; the last line bold.
    pub(in crate::pdf) fn document(lines: &[(&str, bool)]) -> PdfDocument {
        let fonts = FontChain::default();
        let mut doc = PdfDocument::new("subsets");
        let placed: Vec<_> = lines
            .iter()
            .enumerate()
            .map(|(i, (text, rtl))| {
                let weight = if i + 1 == lines.len() {
                    Weight::Bold
                } else {
                    Weight::Regular
                };
                let setting = Setting {
                    size: 11.0,
                    weight,
                    margins: (20.0, 190.0),
                };
                set_line(&fonts, text, *rtl, *rtl, 20.0 + 6.0 * i as f32, setting)
            })
            .collect();
        let mut ids = FontIds {
            doc: &mut doc,
            ids: Vec::new(),
        };
        let mut marks = Marks::default();
        let page = draw_page(
            &placed,
            &fonts,
            &mut ids,
            (0, &mut marks),
            (210.0, 297.0),
            Vec::new(),
        );
        doc.with_pages(vec![page]);
        doc
    }

    /// The bytes of a converted document once compressed and its subsets tagged, as `save` does.
    fn bytes(mut lo: lopdf::Document, fonts_done: bool) -> Vec<u8> {
        compress(&mut lo);
        if !fonts_done {
            meta::tag_subsets(&mut lo);
        }
        // printpdf's file identifier is random and its information dictionary a placeholder:
        // `save` replaces both.
        lo.trailer.remove(b"ID");
        let info = lo
            .trailer
            .get(b"Info")
            .and_then(Object::as_reference)
            .unwrap();
        lo.objects
            .insert(info, Object::Dictionary(Dictionary::new()));
        let mut out = Vec::new();
        lo.save_to(&mut out).unwrap();
        out
    }

    /// The bytes of `doc` converted by printpdf alone, and written with kept subsets.
    fn both_ways(doc: &PdfDocument) -> (Vec<u8>, Vec<u8>) {
        let own = bytes(
            doc.to_lopdf_document(&PdfSaveOptions::default(), &mut Vec::new()),
            false,
        );
        let (kept, fonts_done) = to_lopdf(doc);
        assert!(fonts_done, "written with kept subsets");
        (own, bytes(kept, true))
    }

    #[test]
    fn a_kept_subset_gives_the_bytes_of_printpdfs_own() {
        let doc = document(&[
            ("Уважаемый господин Генеральный прокурор, fi ffl", false),
            ("السيد النائب العام المحترم", true),
            ("Freiheit für Nizomhon Dschurajew", false),
        ]);
        let (own, kept) = both_ways(&doc);
        assert!(kept == own, "the same bytes");
        let (again, fonts_done) = to_lopdf(&doc);
        assert!(fonts_done);
        assert!(bytes(again, true) == own, "the same bytes");
        // Written with the kept streams in place of their stand-ins: the file of the copies.
        let (mut lo, shared) = to_lopdf_shared(&doc);
        assert!(
            !shared.streams.is_empty(),
            "the font streams are left in the cache"
        );
        crate::pdf::draw::compress(&mut lo);
        let mut copied = to_lopdf(&doc).0;
        crate::pdf::draw::compress(&mut copied);
        assert!(
            crate::pdf::file::save_with(&lo, 3, |id| shared.object(id))
                == crate::pdf::file::save(&copied, 3),
            "the same file"
        );
    }

    #[test]
    fn a_code_is_found_by_table_and_by_search_alike() {
        let pairs = |top: u16| vec![(0, 0), (3, 1), (70, 2), (top, 3)];
        let code = |remap: Remap, gid| {
            Subset {
                remap,
                objects: BTreeMap::new(),
                font: (0, 0),
            }
            .code(gid)
        };
        for top in [200, 60_000] {
            let table = matches!(Remap::new(pairs(top)), Remap::Table(_));
            assert_eq!(table, top == 200, "a table only for a small font");
            for (gid, want) in [
                (0, 0),
                (3, 1),
                (70, 2),
                (top, 3),
                (4, 0),
                (top - 1, 0),
                (65_535, 0),
            ] {
                assert_eq!(
                    code(Remap::new(pairs(top)), gid),
                    want,
                    "glyph {gid} of {top}"
                );
            }
        }
    }

    #[test]
    fn a_glyph_stands_for_the_text_it_was_last_drawn_with() {
        let plain = document(&[("Anna Schmidt", false), ("Bold", false)]);
        let mut doc = document(&[("Anna Schmidt", false), ("Bold", false)]);
        // The regular font's `A`, drawn again further on as standing for other text.
        let (id, font) = doc.resources.fonts.map.iter().next().unwrap();
        let gid = font.parsed_font.lookup_glyph_index(u32::from('A')).unwrap();
        let again = |text: &str| Op::ShowText {
            items: vec![TextItem::GlyphIds(vec![Codepoint {
                gid,
                offset: 0.0,
                cid: Some(text.to_string()),
            }])],
        };
        let ops = vec![
            Op::StartTextSection,
            Op::SetFont {
                font: PdfFontHandle::External(id.clone()),
                size: Pt(11.0),
            },
            again("Å"),
            again("Ä"),
            Op::EndTextSection,
        ];
        doc.pages[0].ops.extend(ops);
        let (own, kept) = both_ways(&doc);
        assert!(kept == own, "printpdf's rule: the last text drawn");
        let (plain_own, _) = both_ways(&plain);
        assert!(own != plain_own);
    }

    #[test]
    fn different_glyphs_make_a_different_subset() {
        let first = document(&[("Anna Schmidt", false), ("Bold", false)]);
        let second = document(&[("Zoé Dubois", false), ("Bold", false)]);
        let (first_own, first_kept) = both_ways(&first);
        let (second_own, second_kept) = both_ways(&second);
        assert!(first_kept == first_own && second_kept == second_own);
        assert!(first_kept != second_kept);
    }

    /// The font programs of a written document (their streams have `/Length1`), decompressed.
    fn font_programs(file: &[u8]) -> Vec<Vec<u8>> {
        let lo = lopdf::Document::load_mem(file).unwrap();
        let mut programs: Vec<Vec<u8>> = lo
            .objects
            .values()
            .filter_map(|o| o.as_stream().ok())
            .filter(|s| s.dict.has(b"Length1"))
            .map(|s| s.decompressed_content().unwrap())
            .collect();
        programs.sort();
        programs
    }

    #[test]
    fn a_letter_drawing_a_digit_holds_all_ten_and_shares_its_subset_with_other_digits() {
        let first = document(&[("Postfach 10115 Berlin", false), ("Bold", false)]);
        let second = document(&[("Postfach 75009 Berlin", false), ("Bold", false)]);
        let none = document(&[("Postfach Berlin", false), ("Bold", false)]);
        let (_, first_file) = both_ways(&first);
        let (_, second_file) = both_ways(&second);
        let (none_own, none_file) = both_ways(&none);
        assert!(
            font_programs(&first_file) == font_programs(&second_file),
            "one subset for both"
        );
        assert!(font_programs(&first_file) != font_programs(&none_file));
        assert!(
            none_file == none_own,
            "no digit, nothing added: printpdf's own"
        );
        // Each letter still reads back with its own digits.
        for (file, want) in [(&first_file, "10115"), (&second_file, "75009")] {
            let lo = lopdf::Document::load_mem(file).unwrap();
            let text = lo.extract_text(&[1]).unwrap();
            assert!(text.contains(want), "{want} in {text:?}");
        }
        // The subset holds the ten digits, each as the text it stands for.
        let fonts = &first.resources.fonts.map;
        let mut drawn = drawn(&first.pages, fonts);
        let (id, usage) = drawn.usage.iter().next().unwrap();
        let font = &fonts[*id].parsed_font;
        let rounded = rounded(usage, font, drawn.chars.get_mut(id).unwrap());
        assert_eq!(rounded.len(), usage.len() + 7, "the 7 digits not drawn");
        for digit in '0'..='9' {
            let gid = font.lookup_glyph_index(u32::from(digit)).unwrap();
            assert_eq!(rounded[&gid], digit.to_string());
        }
    }

    #[test]
    fn the_zero_of_a_digit_is_found_in_any_script() {
        for (digits, zero) in [
            ("0123456789", '0'),
            ("٠١٢٣٤٥٦٧٨٩", '٠'),
            ("۰۱۲۳۴۵۶۷۸۹", '۰'),
            ("०१२३४५६७८९", '०'),
            ("０１２３４５６７８９", '０'),
            // Five runs of mathematical digits in a row (U+1D7CE-U+1D7FF): the third.
            ("𝟘𝟙𝟚𝟛𝟜𝟝𝟞𝟟𝟠𝟡", '𝟘'),
        ] {
            for c in digits.chars() {
                assert_eq!(zero_of(c), Some(u32::from(zero)), "{c}");
            }
        }
        for c in ['a', '/', ':', 'Ж', 'ا', '½', '²', 'Ⅻ', '一'] {
            assert_eq!(zero_of(c), None, "{c}");
        }
    }

    #[test]
    fn a_document_with_an_operation_the_writer_does_not_know_is_left_to_printpdf() {
        let mut doc = document(&[("Уважаемый господин Генеральный прокурор", false)]);
        assert!(with_kept_subsets(&doc).is_some());
        doc.pages[0].ops.push(Op::SaveGraphicsState);
        assert!(with_kept_subsets(&doc).is_none());
        let (lo, fonts_done) = to_lopdf(&doc);
        assert!(!fonts_done);
        let content = lo.get_page_content(lo.page_iter().next().unwrap());
        assert!(
            content.trim_ascii_end().ends_with(b"\nq"),
            "printpdf wrote it"
        );
    }
}
