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
//! (`Subset`). A letter using the same glyphs is converted with that subset in place of the
//! font: its glyph ids renumbered as printpdf's subsetting renumbers them, the subset embedded
//! whole (nothing left to cut), and the font's objects then replaced with the kept ones. The
//! bytes are the ones printpdf's own subsetting gives, whatever was kept before (the cache only
//! decides how fast, never what): a letter whose text the kept subset would encode differently
//! from the original font (a character the subset's own character map does not lead to the same
//! glyph) is converted the ordinary way.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use lopdf::{Dictionary, Object, ObjectId};
use printpdf::{
    Codepoint, FontEmbeddingMode, FontId, Op, ParsedFont, PdfDocument, PdfFont, PdfFontHandle,
    PdfFontMap, PdfPage, PdfResources, PdfSaveOptions, PrintpdfFontMeta, Pt, TextItem,
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
#[derive(PartialEq, Eq, Hash)]
struct Key {
    font: (u64, usize, u16),
    id: String,
    usage: Usage,
}

/// A font subset made once: what a document that draws the same glyphs needs to be converted
/// with it.
struct Subset {
    /// The subset as a face of its own, which printpdf embeds whole.
    face: ParsedFont,
    /// Each glyph's id in the subset, by its id in the font.
    remap: BTreeMap<u16, u16>,
    /// The font's objects as printpdf made them for a document of the subset alone, its
    /// streams compressed and its subset tagged, and the number of its font dictionary there.
    objects: BTreeMap<ObjectId, Object>,
    font: ObjectId,
}

/// What the cache knows of a font and glyph set: seen once (a subset is made the second time:
/// a set that never comes again, such as a letter whose sender's name has letters no other
/// has, costs nothing more), or made (`None`: it cannot take the fast way).
#[derive(Clone)]
enum Kept {
    Seen,
    Made(Option<Arc<Subset>>),
}

/// The subsets seen and made so far, shared by the threads of a run: the ones seen or used
/// lately, and the generation before them. One used again moves back to the new generation;
/// the old one is dropped when the new one is full. What is kept only decides how fast a
/// letter is made, never its bytes.
#[derive(Default)]
struct Cache {
    new: HashMap<Key, Kept>,
    old: HashMap<Key, Kept>,
}

impl Cache {
    fn get(&mut self, key: &Key) -> Option<Kept> {
        if let Some(kept) = self.new.get(key) {
            return Some(kept.clone());
        }
        let (key, kept) = self.old.remove_entry(key)?;
        self.insert(key, kept.clone());
        Some(kept)
    }

    fn insert(&mut self, key: Key, kept: Kept) {
        if self.new.len() >= GENERATION {
            self.old = std::mem::take(&mut self.new);
        }
        self.new.insert(key, kept);
    }
}

fn cache() -> &'static Mutex<Cache> {
    static CACHE: std::sync::OnceLock<Mutex<Cache>> = std::sync::OnceLock::new();
    CACHE.get_or_init(Mutex::default)
}

/// The lopdf document of `doc`, with the same objects as `doc.to_lopdf_document` gives, its font
/// subsets already compressed and tagged when they come from the cache. Returns whether they do
/// (then neither `compress` nor `meta::tag_subsets` has anything left to do for fonts).
pub(super) fn to_lopdf(doc: &PdfDocument) -> (lopdf::Document, bool) {
    if let Some(lo) = with_kept_subsets(doc) {
        return (lo, true);
    }
    (
        doc.to_lopdf_document(&PdfSaveOptions::default(), &mut Vec::new()),
        false,
    )
}

/// `doc` converted with kept subsets, or `None` when one of its fonts cannot be.
fn with_kept_subsets(doc: &PdfDocument) -> Option<lopdf::Document> {
    let fonts = &doc.resources.fonts.map;
    let drawn = drawn(&doc.pages, fonts);
    let mut subsets: BTreeMap<&FontId, Arc<Subset>> = BTreeMap::new();
    for (id, usage) in drawn.usage {
        let font = fonts.get(id)?;
        if font.meta != PrintpdfFontMeta::default() {
            return None;
        }
        let subset = subset(id, &font.parsed_font, usage)?;
        // Text drawn as characters is encoded through the face's own character map.
        for (c, gid) in drawn.chars.get(id).into_iter().flatten() {
            let theirs = gid.map(|g| subset.remap.get(&g).copied().unwrap_or(0));
            if subset.face.lookup_glyph_index(u32::from(*c)) != theirs {
                return None;
            }
        }
        subsets.insert(id, subset);
    }
    let mut view = PdfDocument {
        metadata: doc.metadata.clone(),
        resources: PdfResources {
            fonts: PdfFontMap::default(),
            xobjects: doc.resources.xobjects.clone(),
            extgstates: doc.resources.extgstates.clone(),
            shadings: doc.resources.shadings.clone(),
            layers: doc.resources.layers.clone(),
        },
        bookmarks: doc.bookmarks.clone(),
        pages: doc
            .pages
            .iter()
            .map(|page| renumbered(page, &subsets))
            .collect(),
    };
    for (id, font) in fonts {
        let font = match subsets.get(id) {
            Some(subset) => PdfFont::with_meta(
                subset.face.clone(),
                PrintpdfFontMeta {
                    embedding_mode: FontEmbeddingMode::Full,
                    requires_subsetting: false,
                    ..PrintpdfFontMeta::default()
                },
            ),
            None => font.clone(),
        };
        view.resources.fonts.map.insert(id.clone(), font);
    }
    let mut lo = view.to_lopdf_document(&PdfSaveOptions::default(), &mut Vec::new());
    let dictionaries = font_dictionaries(&lo);
    for (id, subset) in &subsets {
        let at = *dictionaries.get(id.0.as_bytes())?;
        replace(&mut lo, at, &subset.objects, subset.font)?;
    }
    Some(lo)
}

/// What the pages of a document draw, font by font, as printpdf collects it for subsetting.
#[derive(Default)]
struct Drawn<'d> {
    usage: BTreeMap<&'d FontId, Usage>,
    /// The characters drawn as text (not as shaped glyphs), with the glyph the font maps each to.
    chars: BTreeMap<&'d FontId, BTreeMap<char, Option<u16>>>,
}

/// The glyphs of `fonts` that `pages` draw: printpdf's own rule (`collect_used_glyphs_from_pages`),
/// so that the kept subset is the one printpdf would make.
fn drawn<'d>(pages: &[PdfPage], fonts: &'d BTreeMap<FontId, PdfFont>) -> Drawn<'d> {
    let mut drawn = Drawn::default();
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
                        let usage = drawn.usage.entry(id).or_default();
                        let chars = drawn.chars.entry(id).or_default();
                        for item in items {
                            collect(item, &font.parsed_font, usage, chars);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    drawn
}

fn collect(
    item: &TextItem,
    font: &ParsedFont,
    usage: &mut Usage,
    chars: &mut BTreeMap<char, Option<u16>>,
) {
    match item {
        TextItem::Text(text) => {
            for c in text.chars() {
                let gid = *chars
                    .entry(c)
                    .or_insert_with(|| font.lookup_glyph_index(u32::from(c)));
                if let Some(gid) = gid {
                    usage.insert(gid, c.to_string());
                }
            }
        }
        TextItem::GlyphIds(glyphs) => {
            for glyph in glyphs {
                let text = match &glyph.cid {
                    Some(text) => text.clone(),
                    None => font
                        .get_glyph_primary_char(glyph.gid)
                        .map_or_else(|| "\u{FFFD}".to_string(), |c| c.to_string()),
                };
                usage.insert(glyph.gid, text);
            }
        }
        TextItem::Offset(_) => {}
    }
}

/// The kept subset of `font` (named `id`) for `usage`, made now if this is the second time it
/// is asked for; `None` the first time.
fn subset(id: &FontId, font: &ParsedFont, usage: Usage) -> Option<Arc<Subset>> {
    let key = Key {
        font: (font.hash, font.original_index, font.num_glyphs),
        id: id.0.clone(),
        usage,
    };
    let kept = lock().get(&key);
    match kept {
        Some(Kept::Made(subset)) => return subset,
        Some(Kept::Seen) => {}
        None => {
            lock().insert(key, Kept::Seen);
            return None;
        }
    }
    // Made outside the lock: two threads may make the same subset, the same way.
    let made = make(id, font, &key.usage).map(Arc::new);
    lock().insert(key, Kept::Made(made.clone()));
    made
}

fn lock() -> std::sync::MutexGuard<'static, Cache> {
    // A thread that panicked while holding the lock left whole entries or none.
    cache()
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Makes the subset of `font` for `usage` as printpdf makes it in a letter: on a document that
/// draws those glyphs, and nothing else, in a font named `id`.
fn make(id: &FontId, font: &ParsedFont, usage: &Usage) -> Option<Subset> {
    let cut = printpdf::subset_font(font, usage).ok()?;
    let face = ParsedFont::from_bytes(&cut.bytes, 0, &mut Vec::new())?;
    let remap: BTreeMap<u16, u16> = cut
        .glyph_mapping
        .iter()
        .map(|(old, (new, _))| (*old, *new))
        .collect();
    // printpdf spaces shaped glyphs by their advances: the subset's must be the font's.
    let advance =
        |face: &ParsedFont, gid: u16| face.get_or_decode_glyph(gid).map(|g| g.horz_advance);
    let same_advances = face.pdf_font_metrics.units_per_em == font.pdf_font_metrics.units_per_em
        && usage.keys().all(|old| {
            remap
                .get(old)
                .is_some_and(|new| advance(font, *old) == advance(&face, *new))
        });
    if !same_advances {
        return None;
    }
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
    compress(&mut objects);
    meta::tag_subsets(&mut objects);
    let font = *font_dictionaries(&objects).get(id.0.as_bytes())?;
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
        face,
        remap,
        objects: kept,
        font,
    })
}

/// A page whose shaped glyphs in kept subsets are numbered as in the subsets.
fn renumbered(page: &PdfPage, subsets: &BTreeMap<&FontId, Arc<Subset>>) -> PdfPage {
    let mut current: Option<&Subset> = None;
    let ops = page
        .ops
        .iter()
        .map(|op| match op {
            Op::SetFont {
                font: PdfFontHandle::External(id),
                ..
            } => {
                current = subsets.get(id).map(|s| &**s);
                op.clone()
            }
            Op::SetFont { .. } => {
                current = None;
                op.clone()
            }
            Op::ShowText { items } => match current {
                Some(subset) => Op::ShowText {
                    items: items.iter().map(|item| renumber(item, subset)).collect(),
                },
                None => op.clone(),
            },
            _ => op.clone(),
        })
        .collect();
    PdfPage {
        media_box: page.media_box.clone(),
        trim_box: page.trim_box.clone(),
        crop_box: page.crop_box.clone(),
        ops,
    }
}

fn renumber(item: &TextItem, subset: &Subset) -> TextItem {
    match item {
        TextItem::GlyphIds(glyphs) => TextItem::GlyphIds(
            glyphs
                .iter()
                .map(|g| Codepoint {
                    gid: subset.remap.get(&g.gid).copied().unwrap_or(0),
                    offset: g.offset,
                    cid: g.cid.clone(),
                })
                .collect(),
        ),
        other => other.clone(),
    }
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

/// Puts the objects of the font dictionary `from` in `kept` (and what it refers to) in place of
/// those of the font dictionary `at` in `lo`, which printpdf made alike (the same keys, the same
/// references), keeping `lo`'s object numbers. `None` if they are not alike.
fn replace(
    lo: &mut lopdf::Document,
    at: ObjectId,
    kept: &BTreeMap<ObjectId, Object>,
    from: ObjectId,
) -> Option<()> {
    let mut pairs: Vec<(ObjectId, ObjectId)> = vec![(from, at)];
    let mut map: HashMap<ObjectId, ObjectId> = HashMap::from([(from, at)]);
    let mut next = 0;
    while let Some(&(theirs, ours)) = pairs.get(next) {
        next += 1;
        let (theirs, ours) = (kept.get(&theirs)?, lo.get_object(ours).ok()?);
        let mut found = Vec::new();
        alike(theirs, ours, &mut found)?;
        for (t, o) in found {
            match map.get(&t) {
                Some(known) if *known != o => return None,
                Some(_) => {}
                None => {
                    map.insert(t, o);
                    pairs.push((t, o));
                }
            }
        }
    }
    for (theirs, ours) in pairs {
        let mut object = kept.get(&theirs)?.clone();
        renumber_object(&mut object, &map);
        lo.objects.insert(ours, object);
    }
    Some(())
}

/// Whether two objects have the same shape (keys, lengths, references where references are),
/// pushing the pairs of objects they refer to.
fn alike(theirs: &Object, ours: &Object, found: &mut Vec<(ObjectId, ObjectId)>) -> Option<()> {
    match (theirs, ours) {
        (Object::Reference(t), Object::Reference(o)) => found.push((*t, *o)),
        (Object::Reference(_), _) | (_, Object::Reference(_)) => return None,
        (Object::Array(t), Object::Array(o)) => {
            // `/W` arrays differ in length with the widths' runs; they hold no references.
            if t.len() == o.len() {
                for (t, o) in t.iter().zip(o) {
                    alike(t, o, found)?;
                }
            } else if has_reference(theirs) || has_reference(ours) {
                return None;
            }
        }
        (Object::Dictionary(t), Object::Dictionary(o)) => alike_dictionaries(t, o, found)?,
        (Object::Stream(t), Object::Stream(o)) => alike_dictionaries(&t.dict, &o.dict, found)?,
        _ => {}
    }
    Some(())
}

fn alike_dictionaries(
    t: &Dictionary,
    o: &Dictionary,
    found: &mut Vec<(ObjectId, ObjectId)>,
) -> Option<()> {
    for (key, value) in t.iter() {
        match o.get(key) {
            Ok(mine) => alike(value, mine, found)?,
            Err(_) if !has_reference(value) => {}
            Err(_) => return None,
        }
    }
    Some(())
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

fn has_reference(object: &Object) -> bool {
    match object {
        Object::Reference(_) => true,
        Object::Array(items) => items.iter().any(has_reference),
        Object::Dictionary(d) => d.iter().any(|(_, o)| has_reference(o)),
        Object::Stream(s) => s.dict.iter().any(|(_, o)| has_reference(o)),
        _ => false,
    }
}

fn renumber_object(object: &mut Object, map: &HashMap<ObjectId, ObjectId>) {
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
mod tests {
    use super::*;
    use crate::pdf::draw::{FontIds, draw_page};
    use crate::pdf::set::{Setting, set_line};
    use crate::pdf::tags::Marks;
    use crate::pdf::text::{FontChain, Weight};

    /// A page of `lines` (text, right to left) in the embedded fonts: characters drawn as text
    /// and, right to left, shaped glyphs; the last line bold.
    fn document(lines: &[(&str, bool)]) -> PdfDocument {
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
        // printpdf's file identifier is random; `save` replaces it.
        lo.trailer.remove(b"ID");
        let mut out = Vec::new();
        lo.save_to(&mut out).unwrap();
        out
    }

    /// The bytes of `doc` converted by printpdf alone, and through kept subsets (the first time
    /// a glyph set is only noted, the second its subset is made and used).
    fn both_ways(doc: &PdfDocument) -> (Vec<u8>, Vec<u8>) {
        let own = bytes(
            doc.to_lopdf_document(&PdfSaveOptions::default(), &mut Vec::new()),
            false,
        );
        let kept = (0..3).find_map(|_| with_kept_subsets(doc));
        let kept = kept.expect("the second time, the subsets are kept");
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

    #[test]
    fn a_font_dictionary_of_another_shape_is_not_replaced() {
        let mut lo = lopdf::Document::with_version("1.7");
        let ours = lo.add_object(Dictionary::from_iter(vec![(
            "ToUnicode",
            Object::Integer(1),
        )]));
        let mut kept = BTreeMap::new();
        kept.insert(
            (7, 0),
            Object::Dictionary(Dictionary::from_iter(vec![(
                "ToUnicode",
                Object::Reference((8, 0)),
            )])),
        );
        assert!(replace(&mut lo, ours, &kept, (7, 0)).is_none());
    }
}
