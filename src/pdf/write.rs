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

use lopdf::content::{Content, Operation};
use lopdf::{Dictionary, Object, ObjectId, Stream, StringFormat};
use printpdf::{Color, FontId, Op, PdfDocument, PdfFontHandle, PdfPage, Pt, TextItem};

use super::subsets::{Chars, Subset, renumber_object};

/// The lopdf document of `doc`, its fonts' objects those of `subsets` (every font it draws with),
/// or `None` when it holds what this writer does not write.
pub(super) fn document(
    doc: &PdfDocument,
    subsets: &BTreeMap<&FontId, Arc<Subset>>,
    chars: &BTreeMap<&FontId, Chars>,
) -> Option<lopdf::Document> {
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
    for (id, subset) in subsets {
        let font = add_font(&mut lo, subset);
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
    Some(lo)
}

/// Adds the objects of a kept subset under new numbers, in the order printpdf numbered them;
/// returns the number of its font dictionary.
fn add_font(lo: &mut lopdf::Document, subset: &Subset) -> ObjectId {
    let numbers: std::collections::HashMap<ObjectId, ObjectId> = subset
        .objects
        .keys()
        .map(|old| (*old, lo.new_object_id()))
        .collect();
    for (old, object) in &subset.objects {
        let mut object = object.clone();
        renumber_object(&mut object, &numbers);
        lo.objects.insert(numbers[old], object);
    }
    numbers[&subset.font]
}

/// The content stream of `page` as printpdf's `translate_operations` writes it, or `None` for
/// an operation this writer does not write.
fn content(
    page: &PdfPage,
    subsets: &BTreeMap<&FontId, Arc<Subset>>,
    chars: &BTreeMap<&FontId, Chars>,
) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(page.ops.len());
    let mut font: Option<(&Subset, Option<&Chars>)> = None;
    for op in &page.ops {
        match op {
            Op::StartTextSection => out.push(Operation::new("BT", vec![])),
            Op::EndTextSection => out.push(Operation::new("ET", vec![])),
            Op::SetFont {
                font: PdfFontHandle::External(id),
                size,
            } => {
                font = Some((subsets.get(id)?, chars.get(id)));
                out.push(Operation::new(
                    "Tf",
                    vec![Object::Name(id.0.as_bytes().to_vec()), size.0.into()],
                ));
            }
            Op::SetTextCursor { pos } => {
                out.push(Operation::new("Td", vec![pos.x.0.into(), pos.y.0.into()]));
            }
            // printpdf writes nothing for nothing shown.
            Op::ShowText { items } if items.is_empty() => {}
            Op::ShowText { items } => {
                let (subset, chars) = font?;
                out.push(show(items, subset, chars)?);
            }
            Op::BeginMarkedContentWithProperties { tag, properties } => out.push(Operation::new(
                "BDC",
                vec![Object::Name(tag.as_bytes().to_vec()), properties.to_lopdf()],
            )),
            Op::EndMarkedContent => out.push(Operation::new("EMC", vec![])),
            Op::SetOutlineColor {
                col: Color::Greyscale(grey),
            } => out.push(Operation::new("G", vec![Object::Real(grey.percent)])),
            Op::SetOutlineThickness { pt: Pt(pt) } => {
                out.push(Operation::new("w", vec![Object::Real(*pt)]));
            }
            Op::DrawLine { line } => {
                let (first, rest) = line.points.split_first()?;
                if line.points.iter().any(|p| p.bezier) {
                    return None;
                }
                out.push(Operation::new(
                    "m",
                    vec![first.p.x.into(), first.p.y.into()],
                ));
                for point in rest {
                    out.push(Operation::new(
                        "l",
                        vec![point.p.x.into(), point.p.y.into()],
                    ));
                }
                if line.is_closed {
                    out.push(Operation::new("h", vec![]));
                }
                out.push(Operation::new("S", vec![]));
            }
            _ => return None,
        }
    }
    Content { operations: out }.encode().ok()
}

/// A `ShowText` as printpdf encodes it for a subset font: every glyph as its two-byte code (a
/// character through the font's character map), `Tj` for one string of characters, else `TJ`.
fn show(items: &[TextItem], subset: &Subset, chars: Option<&Chars>) -> Option<Operation> {
    let code = |gid: u16| {
        let code = subset.remap.get(&gid).copied().unwrap_or(0);
        Object::String(code.to_be_bytes().to_vec(), StringFormat::Hexadecimal)
    };
    let mut shown = Vec::new();
    for item in items {
        match item {
            TextItem::Text(text) => {
                let chars = chars?;
                let mut bytes = Vec::with_capacity(text.len() * 2);
                for c in text.chars() {
                    let gid = chars.get(&c).copied()?.unwrap_or(0);
                    let code = subset.remap.get(&gid).copied().unwrap_or(0);
                    bytes.extend(code.to_be_bytes());
                }
                shown.push(Object::String(bytes, StringFormat::Hexadecimal));
            }
            TextItem::Offset(offset) => shown.push(Object::Real(*offset)),
            TextItem::GlyphIds(glyphs) => {
                for glyph in glyphs {
                    shown.push(code(glyph.gid));
                    if glyph.offset != 0.0 {
                        shown.push(Object::Real(glyph.offset));
                    }
                }
            }
        }
    }
    let plain = shown.len() == 1 && items.iter().all(|i| matches!(i, TextItem::Text(_)));
    Some(if plain {
        Operation::new("Tj", shown)
    } else {
        Operation::new("TJ", vec![Object::Array(shown)])
    })
}
