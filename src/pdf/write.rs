//! A letter's document written straight to lopdf objects with kept font subsets: what printpdf's
//! `to_lopdf_document` makes, object for object and byte for byte, without its per-document work
//! (collecting glyphs, subsetting and measuring every font again, translating each operation
//! through its general model). It writes the operations the letters, sheets and their pages draw
//! (text sections, fonts, text, marked content, greyscale rules); for anything else it returns
//! `None` and printpdf converts the document, so the two never give different bytes.
//!
//! printpdf's order, which the bytes depend on: the page tree's number; each font's objects (its
//! program, character map, descriptor, then its dictionary), fonts by name; the font, XObject,
//! ExtGState and Shading dictionaries; the pages' numbers; each page's resources and content;
//! the catalog and the information dictionary.

use std::collections::BTreeMap;
use std::sync::Arc;

use lopdf::{Dictionary, Object, ObjectId, Stream};
use printpdf::{Color, FontId, Op, PdfDocument, PdfFontHandle, PdfPage, Pt, TextItem};

// Operands as lopdf's `Content::encode` writes them.
use super::file::write_object as object;
use super::subsets::{Chars, Subset, renumber_object};

/// The lopdf document of `doc`, its fonts' objects those of `subsets` (every font it draws with),
/// or `None` when it holds what this writer does not write.
/// The subsets' streams are left out of the document (see `Shared`): each is `Object::Null`
/// there, and returned by its number with its subset and its own number in the subset.
pub(super) fn document(
    doc: &PdfDocument,
    subsets: &BTreeMap<&FontId, Arc<Subset>>,
    chars: &BTreeMap<&FontId, Chars>,
) -> Option<(lopdf::Document, Streams)> {
    let conformance = &doc.metadata.info.conformance;
    let resources = &doc.resources;
    if conformance.must_have_icc_profile()
        || conformance.must_have_xmp_metadata()
        || !doc.bookmarks.map.is_empty()
        || !resources.xobjects.map.is_empty()
        || !resources.extgstates.map.is_empty()
        || !resources.shadings.map.is_empty()
        || !resources.layers.map.is_empty()
    {
        return None;
    }
    // The content first: it tells whether the document can be written here at all.
    let contents: Vec<Vec<u8>> = doc
        .pages
        .iter()
        .map(|page| content(page, subsets, chars))
        .collect::<Option<_>>()?;

    let mut lo = lopdf::Document::with_version("1.3");
    lo.reference_table.cross_reference_type = lopdf::xref::XrefType::CrossReferenceTable;
    let pages_id = lo.new_object_id();
    let mut fonts = Dictionary::new();
    let mut streams = Streams::new();
    for (id, subset) in subsets {
        let font = add_font(&mut lo, subset, &mut streams);
        fonts.set(id.0.clone(), Object::Reference(font));
    }
    let fonts = lo.add_object(fonts);
    let xobjects = lo.add_object(Dictionary::new());
    let extgstates = lo.add_object(Dictionary::new());
    let shadings = lo.add_object(Dictionary::new());
    let page_ids: Vec<ObjectId> = doc.pages.iter().map(|_| lo.new_object_id()).collect();
    for ((page, content), id) in doc.pages.iter().zip(contents).zip(&page_ids) {
        let resources = Dictionary::from_iter(vec![
            ("Font", Object::Reference(fonts)),
            ("XObject", Object::Reference(xobjects)),
            ("ExtGState", Object::Reference(extgstates)),
            ("Shading", Object::Reference(shadings)),
        ]);
        let resources = lo.add_object(resources);
        let content = lo.add_object(Stream::new(Dictionary::new(), content));
        let boxes = |rect: &printpdf::Rect| {
            Object::Array(vec![
                rect.x.0.into(),
                rect.y.0.into(),
                rect.width.0.into(),
                rect.height.0.into(),
            ])
        };
        let object = Dictionary::from_iter(vec![
            ("Type", "Page".into()),
            ("MediaBox", boxes(&page.media_box)),
            ("TrimBox", boxes(&page.trim_box)),
            ("CropBox", boxes(&page.crop_box)),
            ("Parent", Object::Reference(pages_id)),
            ("Resources", Object::Reference(resources)),
            ("Contents", Object::Reference(content)),
            ("Annots", Object::Array(Vec::new())),
        ]);
        lo.set_object(*id, object);
    }
    lo.set_object(
        pages_id,
        Dictionary::from_iter(vec![
            ("Type", "Pages".into()),
            ("Count", Object::Integer(page_ids.len() as i64)),
            (
                "Kids",
                Object::Array(page_ids.iter().map(|p| Object::Reference(*p)).collect()),
            ),
        ]),
    );
    let catalog = lo.add_object(Dictionary::from_iter(vec![
        ("Type", "Catalog".into()),
        ("PageLayout", "OneColumn".into()),
        ("PageMode", "UseNone".into()),
        ("Pages", Object::Reference(pages_id)),
    ]));
    // What printpdf writes here is replaced by `draw::save`, as are the file identifiers.
    let info = lo.add_object(Dictionary::new());
    lo.trailer.set("Root", Object::Reference(catalog));
    lo.trailer.set("Info", Object::Reference(info));
    lo.trailer.set("ID", Object::Array(Vec::new()));
    Some((lo, streams))
}

/// Streams of kept subsets left out of a document, by their number in it: each its subset and
/// its number there.
pub(super) type Streams = BTreeMap<ObjectId, (Arc<Subset>, ObjectId)>;

/// Adds the objects of a kept subset under new numbers, in the order printpdf numbered them;
/// returns the number of its font dictionary. Its streams refer to nothing (renumbering leaves
/// them as they are): they go to `streams`, not copied.
fn add_font(lo: &mut lopdf::Document, subset: &Arc<Subset>, streams: &mut Streams) -> ObjectId {
    let numbers: std::collections::HashMap<ObjectId, ObjectId> = subset
        .objects
        .keys()
        .map(|old| (*old, lo.new_object_id()))
        .collect();
    for (old, object) in &subset.objects {
        if let Object::Stream(stream) = object
            && !stream.dict.iter().any(|(_, value)| refers(value))
        {
            streams.insert(numbers[old], (subset.clone(), *old));
            lo.objects.insert(numbers[old], Object::Null);
            continue;
        }
        let mut object = object.clone();
        renumber_object(&mut object, &numbers);
        lo.objects.insert(numbers[old], object);
    }
    numbers[&subset.font]
}

/// Whether `object` holds a reference (which renumbering would change).
fn refers(object: &Object) -> bool {
    match object {
        Object::Reference(_) => true,
        Object::Array(items) => items.iter().any(refers),
        Object::Dictionary(d) => d.iter().any(|(_, o)| refers(o)),
        Object::Stream(s) => s.dict.iter().any(|(_, o)| refers(o)),
        _ => false,
    }
}

/// The content stream of `page` as printpdf's `translate_operations` writes it (through lopdf's
/// `Content::encode`), or `None` for an operation this writer does not write.
fn content(
    page: &PdfPage,
    subsets: &BTreeMap<&FontId, Arc<Subset>>,
    chars: &BTreeMap<&FontId, Chars>,
) -> Option<Vec<u8>> {
    let mut out = Ops::default();
    let mut font: Option<(&Subset, Option<&Chars>)> = None;
    for op in &page.ops {
        match op {
            Op::StartTextSection => out.op(&[], "BT"),
            Op::EndTextSection => out.op(&[], "ET"),
            Op::SetFont {
                font: PdfFontHandle::External(id),
                size,
            } => {
                font = Some((subsets.get(id)?, chars.get(id)));
                let name = Object::Name(id.0.as_bytes().to_vec());
                out.op(&[name, Object::Real(size.0)], "Tf");
            }
            Op::SetTextCursor { pos } => out.op(&[pos.x.into(), pos.y.into()], "Td"),
            // printpdf writes nothing for nothing shown.
            Op::ShowText { items } if items.is_empty() => {}
            Op::ShowText { items } => {
                let (subset, chars) = font?;
                out.show(items, subset, chars)?;
            }
            Op::BeginMarkedContentWithProperties { tag, properties } => {
                let tag = Object::Name(tag.as_bytes().to_vec());
                out.op(&[tag, properties.to_lopdf()], "BDC");
            }
            Op::EndMarkedContent => out.op(&[], "EMC"),
            Op::SetOutlineColor {
                col: Color::Greyscale(grey),
            } => out.op(&[Object::Real(grey.percent)], "G"),
            Op::SetOutlineThickness { pt: Pt(pt) } => out.op(&[Object::Real(*pt)], "w"),
            Op::DrawLine { line } => {
                let (first, rest) = line.points.split_first()?;
                if line.points.iter().any(|p| p.bezier) {
                    return None;
                }
                out.op(&[first.p.x.into(), first.p.y.into()], "m");
                for point in rest {
                    out.op(&[point.p.x.into(), point.p.y.into()], "l");
                }
                if line.is_closed {
                    out.op(&[], "h");
                }
                out.op(&[], "S");
            }
            _ => return None,
        }
    }
    Some(out.bytes)
}

/// A content stream being written, in lopdf's notation: each operand followed by a space, the
/// operator, a line break between operations.
#[derive(Default)]
struct Ops {
    bytes: Vec<u8>,
}

impl Ops {
    fn op(&mut self, operands: &[Object], operator: &str) {
        self.start();
        for operand in operands {
            object(&mut self.bytes, operand);
            self.bytes.push(b' ');
        }
        self.bytes.extend_from_slice(operator.as_bytes());
    }

    fn start(&mut self) {
        if !self.bytes.is_empty() {
            self.bytes.push(b'\n');
        }
    }

    /// A `ShowText` as printpdf encodes it for a subset font: every glyph as its two-byte code
    /// (a character through the font's character map), `Tj` for one string of characters, else
    /// a `TJ` array of a string per glyph and the offsets between them.
    fn show(&mut self, items: &[TextItem], subset: &Subset, chars: Option<&Chars>) -> Option<()> {
        self.start();
        if let [TextItem::Text(text)] = items {
            self.characters(text, subset, chars?)?;
            self.bytes.extend_from_slice(b" Tj");
            return Some(());
        }
        self.bytes.push(b'[');
        for item in items {
            match item {
                TextItem::Text(text) => self.characters(text, subset, chars?)?,
                TextItem::Offset(offset) => self.offset(*offset),
                TextItem::GlyphIds(glyphs) => {
                    for glyph in glyphs {
                        self.bytes.push(b'<');
                        hex(&mut self.bytes, subset.code(glyph.gid));
                        self.bytes.push(b'>');
                        if glyph.offset != 0.0 {
                            self.offset(glyph.offset);
                        }
                    }
                }
            }
        }
        self.bytes.extend_from_slice(b"] TJ");
        Some(())
    }

    /// An offset in a `TJ` array: lopdf puts a space before a number that is not its first item.
    fn offset(&mut self, offset: f32) {
        if self.bytes.last() != Some(&b'[') {
            self.bytes.push(b' ');
        }
        object(&mut self.bytes, &Object::Real(offset));
    }

    /// A string of characters: each as its glyph's code, the glyph found through the font's
    /// character map (glyph 0 for a character it lacks, as printpdf writes it).
    fn characters(&mut self, text: &str, subset: &Subset, chars: &Chars) -> Option<()> {
        self.bytes.push(b'<');
        for c in text.chars() {
            let gid = chars.known(c)?.unwrap_or(0);
            hex(&mut self.bytes, subset.code(gid));
        }
        self.bytes.push(b'>');
        Some(())
    }
}

/// A code as lopdf writes a two-byte hexadecimal string's content: capital digits.
fn hex(bytes: &mut Vec<u8>, code: u16) {
    for byte in code.to_be_bytes() {
        bytes.extend_from_slice(&super::file::hex(byte));
    }
}
