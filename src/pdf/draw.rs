//! Placed lines drawn as PDF pages, and the document saved: fonts registered in a deterministic
//! order, streams compressed at a fast level, a file identifier from what the document is.

use printpdf::{
    Color, Greyscale, Line, LinePoint, Mm, Op, PdfDocument, PdfFontHandle, PdfPage, Point, Pt,
};

use super::layout::{Layout, PdfOptions};
use super::letter::layout_letter;
use super::meta::{self, DocInfo, text_string};
use super::set::{MM_PER_PT, Placed, PlacedLine};
use super::subsets;
use super::tags::{self, Marks};
use super::{Error, FontChain};
use crate::render::letter::Letter;

/// Draws a placed line: one text section per run, left to right.
pub(super) fn text_op(
    ops: &mut Vec<Op>,
    fonts: &FontChain,
    ids: &mut FontIds,
    page_h: f32,
    line: &PlacedLine,
) {
    let mut x = line.x;
    for run in line.runs.iter() {
        ops.push(Op::StartTextSection);
        ops.push(Op::SetFont {
            font: PdfFontHandle::External(ids.get(fonts, run.font)),
            size: Pt(line.size),
        });
        let em = line.size * MM_PER_PT;
        ops.push(Op::SetTextCursor {
            pos: Point {
                x: Mm(x + run.shift_em * em).into(),
                y: Mm(page_h - line.y + run.rise_em * em).into(),
            },
        });
        ops.push(Op::ShowText {
            items: vec![run.item.clone()],
        });
        ops.push(Op::EndTextSection);
        x += run.width_em * line.size * MM_PER_PT;
    }
}

/// The fonts a document has registered, by chain index: each font is added to a document the
/// first time one of its glyphs is drawn, so unused fallback fonts are not embedded.
pub(super) struct FontIds<'d> {
    pub(super) doc: &'d mut PdfDocument,
    pub(super) ids: Vec<Option<printpdf::FontId>>,
}

impl FontIds<'_> {
    fn get(&mut self, fonts: &FontChain, index: usize) -> printpdf::FontId {
        if self.ids.len() <= index {
            self.ids.resize(index + 1, None);
        }
        self.ids[index]
            .get_or_insert_with(|| {
                // printpdf's own `add_font` names fonts from a process-wide counter, so a
                // letter's bytes would depend on the letters drawn before it (and on threads).
                // printpdf also makes the subset tag of the font's name from the id, which must
                // be six capital letters (PDF 32000 9.6.4): AAAAAA, AAAAAB, ... by chain index.
                let tag: String = (0..6)
                    .rev()
                    .map(|place| char::from(b'A' + (index / 26usize.pow(place) % 26) as u8))
                    .collect();
                let id = printpdf::FontId(tag);
                let font = printpdf::PdfFont::new(fonts.font(index).parsed.clone());
                self.doc.resources.fonts.map.insert(id.clone(), font);
                id
            })
            .clone()
    }
}

pub(super) fn mark(ops: &mut Vec<Op>, page_h: f32, y_top: f32, length: f32) {
    rule(ops, page_h, y_top, (3.0, 3.0 + length));
}

/// A horizontal line from `x.0` to `x.1` at `y_top`, mm from the page's top-left corner, in the
/// outline colour and thickness set before.
pub(super) fn rule(ops: &mut Vec<Op>, page_h: f32, y_top: f32, x: (f32, f32)) {
    let y: Pt = Mm(page_h - y_top).into();
    ops.push(Op::DrawLine {
        line: Line {
            points: vec![
                LinePoint {
                    p: Point {
                        x: Mm(x.0).into(),
                        y,
                    },
                    bezier: false,
                },
                LinePoint {
                    p: Point {
                        x: Mm(x.1).into(),
                        y,
                    },
                    bezier: false,
                },
            ],
            is_closed: false,
        },
    });
}

/// The PDF pages of a placed letter, drawing text with the document's font `font`.
pub(super) fn pages_of(
    layout: &Layout,
    placed: &Placed,
    fonts: &FontChain,
    ids: &mut FontIds,
    marks: &mut Marks,
) -> Vec<PdfPage> {
    let (page_w, page_h) = layout.paper.size();
    let mut pages = Vec::new();
    for (i, lines) in placed.pages.iter().enumerate() {
        let mut ops = Vec::new();
        // Marks and rules are page furniture, not text a screen reader reads; grey and thin.
        ops.push(tags::artifact("Layout"));
        ops.push(Op::SetOutlineColor {
            col: Color::Greyscale(Greyscale {
                percent: 0.5,
                icc_profile: None,
            }),
        });
        ops.push(Op::SetOutlineThickness { pt: Pt(0.3) });
        if i == 0 {
            for y in layout.fold_marks {
                mark(&mut ops, page_h, *y, 5.0);
            }
            if let Some(y) = layout.hole_mark {
                mark(&mut ops, page_h, y, 8.0);
            }
        }
        // Rules to write on and the separator of a copy, in the grey of the marks.
        for r in placed.rules.iter().filter(|r| r.page == i) {
            rule(&mut ops, page_h, r.y, r.x);
        }
        ops.push(Op::EndMarkedContent);
        pages.push(draw_page(
            lines,
            fonts,
            ids,
            (i, marks),
            (page_w, page_h),
            ops,
        ));
    }
    pages
}

/// Page `page` of a document: `ops` (what is drawn before the text: fold marks), then the
/// placed lines in order, each in its marked content (`marks`). Letters and the sheet share it.
pub(super) fn draw_page(
    lines: &[PlacedLine],
    fonts: &FontChain,
    ids: &mut FontIds,
    (page, marks): (usize, &mut Marks),
    (page_w, page_h): (f32, f32),
    mut ops: Vec<Op>,
) -> PdfPage {
    for line in lines {
        marks.begin(&mut ops, page, line);
        text_op(&mut ops, fonts, ids, page_h, line);
        ops.push(Op::EndMarkedContent);
    }
    PdfPage::new(Mm(page_w), Mm(page_h), ops)
}

/// Serialises a document with what `info` says it is: the information dictionary and XMP
/// metadata of `meta` in place of printpdf's placeholders, the language tag in the catalog
/// (`/Lang`, read by screen readers and PDF/UA checkers, which printpdf has no field for), subset
/// tags from the subsets' bytes, and under `--pdfa` the output intent.
pub(super) fn save(doc: &PdfDocument, info: &DocInfo, marks: &Marks) -> Vec<u8> {
    let (mut lo, shared) = subsets::to_lopdf_shared(doc);
    let fonts_done = shared.fonts_done;
    compress(&mut lo);
    tags::tag_document(&mut lo, marks);
    if !fonts_done {
        meta::tag_subsets(&mut lo);
    }
    // The version of what the file uses (`/Lang`, XMP, output intents), not printpdf's 1.3.
    lo.version = "1.7".to_string();
    // The file identifier, which printpdf draws from a process-wide counter: from what the
    // document is instead, so the same letter gets the same bytes in any run, shard or thread.
    let id = {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        for part in [
            info.title.as_str(),
            info.author.as_str(),
            info.subject.as_str(),
            info.lang.as_deref().unwrap_or_default(),
        ] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        h.update(doc.pages.len().to_le_bytes());
        h.update(format!("{:?} {}", info.date, info.pdfa).as_bytes());
        h.finalize()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    lo.trailer.set(
        "ID",
        lopdf::Object::Array(vec![
            lopdf::Object::string_literal(id.clone()),
            lopdf::Object::string_literal(id),
        ]),
    );
    let dictionary = info.dictionary();
    match lo
        .trailer
        .get(b"Info")
        .and_then(lopdf::Object::as_reference)
    {
        Ok(old) => {
            lo.objects
                .insert(old, lopdf::Object::Dictionary(dictionary));
        }
        Err(_) => {
            let new = lo.add_object(dictionary);
            lo.trailer.set("Info", new);
        }
    }
    let metadata = lo.add_object(info.metadata_stream());
    let intent = info.pdfa.then(|| {
        let profile = lo.add_object(meta::srgb_profile());
        meta::output_intent(profile)
    });
    if let Ok(catalog) = lo.catalog_mut() {
        if let Some(lang) = &info.lang {
            catalog.set("Lang", text_string(lang));
        }
        catalog.set("Metadata", metadata);
        if let Some(intent) = intent {
            catalog.set(
                "OutputIntents",
                lopdf::Object::Array(vec![lopdf::Object::Dictionary(intent)]),
            );
        }
    }
    super::file::save_with(&lo, COMPRESSION, |id| shared.object(id))
}

/// Compresses every stream that is not yet compressed, as lopdf's `Document::compress` does but
/// at a level per kind: a font program (made once per subset and kept) at
/// `FONT_COMPRESSION`, the rest (page content, character maps, metadata: made for each letter) at
/// the faster `COMPRESSION`. Deterministic, as the output must be: libdeflate keeps nothing from
/// one stream to the next. A stream libdeflate could not compress is left as it is.
pub(super) fn compress(lo: &mut lopdf::Document) {
    for object in lo.objects.values_mut() {
        let lopdf::Object::Stream(stream) = object else {
            continue;
        };
        if !stream.allows_compression || stream.dict.get(b"Filter").is_ok() {
            continue;
        }
        let level = if font_program(&stream.dict) {
            FONT_COMPRESSION
        } else {
            COMPRESSION
        };
        let Some(compressed) = deflated(level, &stream.content) else {
            continue;
        };
        if compressed.len() + 19 < stream.content.len() {
            stream.dict.set("Filter", "FlateDecode");
            stream.set_content(compressed);
        }
    }
}

/// Whether a stream is a font program: TrueType and Type 1 (`/FontFile`, `/FontFile2`) say their
/// length before compression (`/Length1`); compact and OpenType ones (`/FontFile3`) their kind.
fn font_program(dict: &lopdf::Dictionary) -> bool {
    dict.has(b"Length1")
        || matches!(
            dict.get(b"Subtype").and_then(lopdf::Object::as_name),
            Ok(b"Type1C" | b"CIDFontType0C" | b"OpenType")
        )
}

/// `content` in a zlib stream at `level` (libdeflate's 0-12), by the thread's compressor for that
/// level: libdeflate compresses a whole buffer at once and keeps no state from one call to the
/// next, so the bytes depend on `content` and `level` alone. Against zlib-rs at the levels used
/// before (3 and 9), libdeflate took a fifth fewer instructions for a Russian letter and made
/// it 4% smaller (docs/benchmarks.md, session 8).
pub(super) fn deflated(level: u32, content: &[u8]) -> Option<Vec<u8>> {
    thread_local! {
        static KEPT: std::cell::RefCell<Vec<(u32, libdeflater::Compressor)>> =
            const { std::cell::RefCell::new(Vec::new()) };
    }
    let level = level.min(12);
    KEPT.with_borrow_mut(|kept| {
        let at = match kept.iter().position(|(l, _)| *l == level) {
            Some(at) => at,
            None => {
                let lvl = libdeflater::CompressionLvl::new(i32::try_from(level).ok()?).ok()?;
                kept.push((level, libdeflater::Compressor::new(lvl)));
                kept.len() - 1
            }
        };
        let deflate = &mut kept[at].1;
        let mut out = vec![0; deflate.zlib_compress_bound(content.len())];
        // The bound is libdeflate's own for any input, so the space always suffices.
        let written = deflate.zlib_compress(content, &mut out).ok()?;
        out.truncate(written);
        Some(out)
    })
}

/// The level of the streams made for each letter (page content, the object stream): libdeflate's
/// 1, its fastest. Against its 4, 5-7% fewer instructions for a letter and 1% more bytes (about
/// 350 of 34,000); its 2 was no faster than 4 (docs/benchmarks.md, session 8).
pub(super) const COMPRESSION: u32 = 1;

/// The level of font programs, the most of a letter's bytes, compressed once per subset and
/// kept: libdeflate's 9. Its 10-12 (near-optimal parsing) take 2-10 times as long for 1% fewer
/// bytes.
pub(super) const FONT_COMPRESSION: u32 = 9;

/// Builds the PDF of one letter: the same bytes for the same input. Warnings (a glyph printed as
/// a box under --allow-missing-glyphs) go to `warnings`.
pub fn render(
    fonts: &FontChain,
    options: &PdfOptions,
    letter: &Letter,
    what: &str,
    warnings: &mut Vec<String>,
) -> Result<Vec<u8>, Error> {
    let placed = layout_letter(fonts, options, letter, what, warnings)?;
    let mut doc = PdfDocument::new(&letter.title);
    let mut marks = Marks::default();
    let pages = pages_of(
        &options.layout,
        &placed,
        fonts,
        &mut FontIds {
            doc: &mut doc,
            ids: Vec::new(),
        },
        &mut marks,
    );
    doc.with_pages(pages);
    let info = DocInfo {
        title: letter.title.clone(),
        author: letter.signature.clone(),
        subject: letter.campaign_id.clone(),
        lang: Some(letter.lang.to_string()),
        date: Some(letter.date),
        pdfa: options.pdfa,
    };
    Ok(save(&doc, &info, &marks))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compresses_font_programs_at_the_font_level_and_the_rest_at_the_letters() {
        use lopdf::{Dictionary, Object, Stream};
        // Text that compresses otherwise at the two levels.
        let content: Vec<u8> = (0..4000u32)
            .flat_map(|i| format!("{} {} Td ", i % 97, (i * 7) % 89).into_bytes())
            .collect();
        assert!(deflated(COMPRESSION, &content) != deflated(FONT_COMPRESSION, &content));
        let mut lo = lopdf::Document::with_version("1.7");
        let kinds: [(&str, Option<Object>); 4] = [
            ("Length1", Some(Object::Integer(content.len() as i64))),
            ("Subtype", Some(Object::Name(b"CIDFontType0C".to_vec()))),
            ("Subtype", Some(Object::Name(b"OpenType".to_vec()))),
            ("Subtype", Some(Object::Name(b"XML".to_vec()))),
        ];
        let ids: Vec<_> = kinds
            .iter()
            .map(|(key, value)| {
                let mut dict = Dictionary::new();
                if let Some(value) = value {
                    dict.set(*key, value.clone());
                }
                lo.add_object(Stream::new(dict, content.clone()))
            })
            .collect();
        let page = lo.add_object(Stream::new(Dictionary::new(), content.clone()));
        compress(&mut lo);
        let bytes = |id| {
            lo.get_object(id)
                .unwrap()
                .as_stream()
                .unwrap()
                .content
                .clone()
        };
        for id in &ids[..3] {
            assert!(Some(bytes(*id)) == deflated(FONT_COMPRESSION, &content));
        }
        for id in [ids[3], page] {
            assert!(Some(bytes(id)) == deflated(COMPRESSION, &content));
        }
    }
}
