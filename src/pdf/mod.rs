//! The typesetter: PDF letters for a window envelope or a fax (page layouts from the standards as
//! data, pages that flow, the print pack) and a check that every character has a glyph (printpdf
//! would draw a missing one as an empty box, silently). Fonts, shaping, bidi and line breaking
//! live in `text`; the sheet's blocks and their document in `blocks` and `doc`. Where the bytes
//! go is the caller's (`batch::pdf`).

mod blocks;
mod doc;
mod error;
mod text;

pub use blocks::{Block, blocks, plain_text};
pub use doc::document;
pub use error::{Error, FontError};
pub use text::FontChain;
use text::{Weight, is_rtl_paragraph};

use printpdf::{
    Color, Greyscale, Line, LinePoint, Mm, Op, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions,
    Point, Pt,
};

use crate::model::lang::Lang;
use crate::render::letter::{Letter, LetterParts};

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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
    pub fn named(name: &str) -> Result<Layout, Error> {
        LAYOUTS
            .iter()
            .find(|l| l.name == name)
            .copied()
            .ok_or_else(|| Error::NoLayout(name.to_string()))
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

/// Draws a placed line: one text section per run, left to right.
fn text_op(
    ops: &mut Vec<Op>,
    fonts: &FontChain,
    ids: &mut FontIds,
    page_h: f32,
    line: &PlacedLine,
) {
    let mut x = line.x;
    for run in &line.runs {
        ops.push(Op::StartTextSection);
        ops.push(Op::SetFont {
            font: PdfFontHandle::External(ids.get(fonts, run.font)),
            size: Pt(line.size),
        });
        ops.push(Op::SetTextCursor {
            pos: Point {
                x: Mm(x).into(),
                y: Mm(page_h - line.y).into(),
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
    pub pages: Vec<Vec<PlacedLine>>,
}

/// One line on a page.
#[derive(Debug, Default, PartialEq)]
pub struct PlacedLine {
    /// Left end of the line, mm from the left edge of the page.
    pub x: f32,
    /// Baseline, mm from the top of the page.
    pub y: f32,
    /// Font size, points.
    pub size: f32,
    pub text: String,
    /// The direction of the paragraph the line belongs to.
    pub rtl: bool,
    pub weight: Weight,
    /// What to draw, left to right: shaped once here, drawn as is.
    pub runs: Vec<text::Run>,
}

const MM_PER_PT: f32 = 25.4 / 72.0;

/// Lays a letter out on pages. Errors name the letter and what is wrong.
pub fn place(
    fonts: &FontChain,
    layout: &Layout,
    parts: &LetterParts,
    lang: &Lang,
    what: &str,
    allow_overflow: bool,
) -> Result<Placed, Error> {
    let (page_w, page_h) = layout.paper.size();
    let setter = Setter {
        fonts,
        letter_rtl: lang.is_rtl(),
    };
    let mut first = Vec::new();
    first.extend(return_line(&setter, layout, parts));
    first.extend(window_address(
        &setter,
        layout,
        parts,
        what,
        allow_overflow,
    )?);
    first.extend(info_block(&setter, layout, parts, page_w));
    let margins = (layout.left, page_w - layout.right);
    let lines = wrap_body(
        fonts,
        parts,
        (page_w - layout.left - layout.right) / MM_PER_PT,
    );
    let mut pages = flow_pages(&setter, layout, first, lines, margins);
    number_pages(
        fonts,
        lang,
        &mut pages,
        page_h - 12.0,
        Setting {
            size: 9.0,
            weight: Weight::Regular,
            margins,
        },
    );
    // The sender's name on every page after the first.
    if let Some(name) = parts.sender.first().filter(|l| !l.contains("___")) {
        for page in pages.iter_mut().skip(1) {
            page.push(setter.line(
                name,
                layout.next_top,
                Setting {
                    size: 9.0,
                    weight: Weight::Regular,
                    margins,
                },
            ));
        }
    }
    Ok(Placed { pages })
}

/// How a line is set: its size (points), its weight, and the margins (mm from the left edge of
/// the page) it is set flush left or flush right between.
#[derive(Clone, Copy)]
struct Setting {
    size: f32,
    weight: Weight,
    margins: (f32, f32),
}

/// A line of a paragraph reading `rtl`, shaped once, set flush left or flush right in its
/// margins, with its baseline at `y`.
fn set_line(
    fonts: &FontChain,
    text: &str,
    rtl: bool,
    flush_right: bool,
    y: f32,
    setting: Setting,
) -> PlacedLine {
    let Setting {
        size,
        weight,
        margins: (left, right),
    } = setting;
    let runs = fonts.runs(text, weight, rtl);
    let width: f32 = runs.iter().map(|r| r.width_em * size * MM_PER_PT).sum();
    PlacedLine {
        x: if flush_right { right - width } else { left },
        y,
        size,
        text: text.to_string(),
        rtl,
        weight,
        runs,
    }
}

/// Sets the lines of a letter. Each paragraph is ordered in its own direction (its first strong
/// character), so "10115 Berlin" stays in that order; it is set flush right when it reads right
/// to left, and in a right-to-left letter always (a Latin signature or address line included).
struct Setter<'f> {
    fonts: &'f FontChain,
    letter_rtl: bool,
}

impl Setter<'_> {
    /// A line of a paragraph reading `rtl`.
    fn para_line(&self, text: &str, rtl: bool, y: f32, setting: Setting) -> PlacedLine {
        set_line(self.fonts, text, rtl, rtl || self.letter_rtl, y, setting)
    }

    /// A paragraph of one line.
    fn line(&self, text: &str, y: f32, setting: Setting) -> PlacedLine {
        self.para_line(text, is_rtl_paragraph(text), y, setting)
    }
}

/// The return-address line, small, above the window (not for layouts without one).
fn return_line(setter: &Setter, layout: &Layout, parts: &LetterParts) -> Option<PlacedLine> {
    if layout.return_line <= 0.0 {
        return None;
    }
    let sender: Vec<&str> = parts
        .sender
        .iter()
        .map(String::as_str)
        // Every postal worker reads this line: the supporter's email stays off it.
        .filter(|l| !l.contains("___") && !l.contains('@'))
        .collect();
    if sender.is_empty() {
        return None;
    }
    let (wx, _, ww, _) = layout.window;
    Some(setter.line(
        &sender.join(" · "),
        layout.return_line,
        Setting {
            size: SMALL_SIZE,
            weight: Weight::Regular,
            margins: (wx + 5.0, wx + ww - 5.0),
        },
    ))
}

/// The recipient in the window; an address longer than the window holds is an error unless
/// `allow_overflow`.
fn window_address(
    setter: &Setter,
    layout: &Layout,
    parts: &LetterParts,
    what: &str,
    allow_overflow: bool,
) -> Result<Vec<PlacedLine>, Error> {
    let (wx, wy, ww, wh) = layout.window;
    let zone = wy + wh - layout.address_top;
    let max_lines = ((zone - 1.0) / (ADDRESS_LEADING * MM_PER_PT)).floor() as usize;
    let address: Vec<String> = parts
        .recipient
        .iter()
        .flat_map(|l| {
            setter
                .fonts
                .wrap(l, ADDRESS_SIZE, (ww - 10.0) / MM_PER_PT, Weight::Regular)
        })
        .collect();
    if address.len() > max_lines && !allow_overflow {
        return Err(Error::AddressOverflow {
            what: what.to_string(),
            lines: address.len(),
            layout: layout.name,
            max: max_lines,
        });
    }
    let setting = Setting {
        size: ADDRESS_SIZE,
        weight: Weight::Regular,
        margins: (wx + 5.0, wx + ww - 5.0),
    };
    let mut y = layout.address_top + ADDRESS_SIZE * MM_PER_PT;
    let mut lines = Vec::new();
    for text in &address {
        lines.push(setter.line(text, y, setting));
        y += ADDRESS_LEADING * MM_PER_PT;
    }
    Ok(lines)
}

/// The sender's block and the date to the right of the window (or above it, for the US layout).
fn info_block(
    setter: &Setter,
    layout: &Layout,
    parts: &LetterParts,
    page_w: f32,
) -> Vec<PlacedLine> {
    let (ix, iy) = layout.info;
    let setting = Setting {
        size: 9.0,
        weight: Weight::Regular,
        margins: (ix, page_w - layout.right),
    };
    let mut lines = Vec::new();
    let mut y = iy;
    for text in &parts.sender {
        lines.push(setter.line(text, y, setting));
        y += 11.0 * MM_PER_PT;
    }
    lines.push(setter.line(&parts.date, y + 4.0, setting));
    lines
}

/// One wrapped line of the body: its text ("" for an empty line), its paragraph's direction and
/// its weight.
type BodyLine = (String, bool, Weight);

/// The body wrapped to `text_w` points. The subject line (the first paragraph that is the
/// template's subject block) is bold.
fn wrap_body(fonts: &FontChain, parts: &LetterParts, text_w: f32) -> Vec<BodyLine> {
    let mut subject = parts.subject.as_deref().map(str::trim);
    parts
        .body
        .split('\n')
        .flat_map(|p| {
            let weight = if subject.is_some_and(|s| s == p.trim()) {
                subject = None;
                Weight::Bold
            } else {
                Weight::Regular
            };
            // Each wrapped line keeps its paragraph's direction: a line of an Arabic paragraph
            // that starts with a Latin word is still set flush right, in right-to-left order.
            let rtl = is_rtl_paragraph(p);
            if p.trim().is_empty() {
                vec![(String::new(), rtl, weight)]
            } else {
                fonts
                    .wrap(p, BODY_SIZE, text_w, weight)
                    .into_iter()
                    .map(|l| (l, rtl, weight))
                    .collect()
            }
        })
        .collect()
}

/// The body flowed onto pages after `first`: from body_top on the first page, next_top on the
/// others. The closing formula, the signature space and the printed name stay on one page.
fn flow_pages(
    setter: &Setter,
    layout: &Layout,
    first: Vec<PlacedLine>,
    lines: Vec<BodyLine>,
    margins: (f32, f32),
) -> Vec<Vec<PlacedLine>> {
    let (_, page_h) = layout.paper.size();
    let mut pages = vec![first];
    let mut y = layout.body_top;
    let bottom = page_h - BOTTOM;
    let texts: Vec<&str> = lines.iter().map(|(l, _, _)| l.as_str()).collect();
    let keep_from = closing_start(&texts);
    let leading = BODY_LEADING * MM_PER_PT;
    let keep_height = leading * lines.len().saturating_sub(keep_from) as f32;
    for (i, (text, rtl, weight)) in lines.into_iter().enumerate() {
        let closing_would_split = i == keep_from && y + keep_height > bottom + leading;
        if y > bottom || closing_would_split {
            pages.push(Vec::new());
            y = layout.next_top + 12.0;
        }
        if !text.is_empty()
            && let Some(page) = pages.last_mut()
        {
            let setting = Setting {
                size: BODY_SIZE,
                weight,
                margins,
            };
            page.push(setter.para_line(&text, rtl, y, setting));
        }
        y += leading;
    }
    pages
}

/// Adds "page 2 of 3" in the language of the document, flush right whatever the language, at
/// `y` on every page, when there is more than one. Letters and the sheet share it.
fn number_pages(
    fonts: &FontChain,
    lang: &Lang,
    pages: &mut [Vec<PlacedLine>],
    y: f32,
    setting: Setting,
) {
    let count = pages.len();
    if count < 2 {
        return;
    }
    for (i, page) in pages.iter_mut().enumerate() {
        let label = page_label(lang.as_str(), i + 1, count);
        let rtl = is_rtl_paragraph(&label);
        page.push(set_line(fonts, &label, rtl, true, y, setting));
    }
}

/// The first line of the closing block: the last paragraph before the signature space (the run
/// of empty lines before the printed name).
fn closing_start(lines: &[&str]) -> usize {
    let Some(last) = lines.iter().rposition(|l| !l.is_empty()) else {
        return 0;
    };
    let Some(gap_start) = lines[..last].iter().rposition(|l| !l.is_empty()) else {
        return 0;
    };
    lines[..gap_start]
        .iter()
        .rposition(|l| l.is_empty())
        .map_or(0, |i| i + 1)
}

/// Checks a letter and lays it out: every character drawable, the address inside the window.
pub fn layout_letter(
    fonts: &FontChain,
    options: &PdfOptions,
    letter: &Letter,
    what: &str,
    warnings: &mut Vec<String>,
) -> Result<Placed, Error> {
    let parts = letter.parts.as_ref().ok_or_else(|| Error::NoParts {
        what: what.to_string(),
    })?;
    let all = all_text(letter).unwrap_or_default();
    glyph_check(fonts, &all, what, options.allow_missing_glyphs, warnings)?;
    if parts.body.trim().is_empty() {
        return Err(Error::NoBody {
            what: what.to_string(),
        });
    }
    place(
        fonts,
        &options.layout,
        parts,
        &letter.lang,
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
        pages.push(draw_page(lines, fonts, ids, (page_w, page_h), ops));
    }
    pages
}

/// One PDF page: `ops` (what is drawn before the text: fold marks), then the placed lines in
/// order. Letters and the sheet share it.
fn draw_page(
    lines: &[PlacedLine],
    fonts: &FontChain,
    ids: &mut FontIds,
    (page_w, page_h): (f32, f32),
    mut ops: Vec<Op>,
) -> PdfPage {
    for line in lines {
        text_op(&mut ops, fonts, ids, page_h, line);
    }
    PdfPage::new(Mm(page_w), Mm(page_h), ops)
}

/// Serialises a document with the letter's language tag in the catalog (`/Lang`, read by screen
/// readers and PDF/UA checkers), which printpdf has no field for.
fn save(doc: &PdfDocument, lang: Option<&str>) -> Vec<u8> {
    let mut lo = doc.to_lopdf_document(&PdfSaveOptions::default(), &mut Vec::new());
    compress(&mut lo);
    // The file identifier, which printpdf draws from a process-wide counter: from what the
    // document is instead, so the same letter gets the same bytes in any run, shard or thread.
    let info = &doc.metadata.info;
    let id = {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        for part in [
            info.document_title.as_str(),
            info.author.as_str(),
            info.subject.as_str(),
            lang.unwrap_or_default(),
        ] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        h.update(doc.pages.len().to_le_bytes());
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

/// Compresses every stream that is not yet compressed, as lopdf's `Document::compress` does but at
/// a fast level rather than the best: deflate took 28% of the time of an Arabic letter under
/// level 9 (perf); level 3 cuts the user time of 3,000 Arabic letters by 17% for 2% more bytes
/// (35.7 KB a letter). Deterministic, as the output must be.
fn compress(lo: &mut lopdf::Document) {
    use std::io::Write;
    for object in lo.objects.values_mut() {
        let lopdf::Object::Stream(stream) = object else {
            continue;
        };
        if !stream.allows_compression || stream.dict.get(b"Filter").is_ok() {
            continue;
        }
        let mut encoder =
            flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(COMPRESSION));
        // Writing into memory cannot fail.
        if encoder.write_all(&stream.content).is_err() {
            continue;
        }
        let Ok(compressed) = encoder.finish() else {
            continue;
        };
        if compressed.len() + 19 < stream.content.len() {
            stream.dict.set("Filter", "FlateDecode");
            stream.set_content(compressed);
        }
    }
}

/// The zlib level of `compress` (0-9): 1 grows letters by a quarter, 6 is as slow as 9.
const COMPRESSION: u32 = 3;

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

/// A print pack being collected: placed letters one after the other, each from a new page, each
/// font embedded once. The same letters added in the same order give the same bytes.
pub struct Pack {
    doc: PdfDocument,
    ids: Vec<Option<printpdf::FontId>>,
    pages: Vec<PdfPage>,
}

impl Pack {
    /// An empty pack whose document title and subject are `title` (a run's campaign id).
    pub fn new(title: &str) -> Pack {
        let mut doc = PdfDocument::new(title);
        doc.metadata.info.subject = title.to_string();
        Pack {
            doc,
            ids: Vec::new(),
            pages: Vec::new(),
        }
    }

    /// Draws the pages of a placed letter at the end of the pack.
    pub fn add(&mut self, layout: &Layout, placed: &Placed, fonts: &FontChain) {
        let mut ids = FontIds {
            doc: &mut self.doc,
            ids: std::mem::take(&mut self.ids),
        };
        let pages = pages_of(layout, placed, fonts, &mut ids);
        self.ids = ids.ids;
        self.pages.extend(pages);
    }

    /// The pack's PDF file. It has no `/Lang`: its letters may be in several languages.
    pub fn into_bytes(self) -> Vec<u8> {
        let mut doc = self.doc;
        doc.with_pages(self.pages);
        save(&doc, None)
    }
}

/// The text of a letter's parts, for the font check.
fn all_text(letter: &Letter) -> Option<String> {
    let parts = letter.parts.as_ref()?;
    Some(format!(
        "{}\n{}\n{}\n{}",
        parts.sender.join("\n"),
        parts.recipient.join("\n"),
        parts.date,
        parts.body
    ))
}

/// Finds, through fontconfig, a font for each character of `letter` the chain cannot draw yet.
/// Called in input order, so fonts join the chain in the same order whatever the number of
/// threads that then draw the letters.
pub fn admit_fonts(fonts: &mut FontChain, letter: &Letter) {
    if let Some(all) = all_text(letter) {
        admit_text(fonts, &all);
    }
}

/// Adds to the chain a fontconfig font for each character of `text` it cannot draw yet.
pub fn admit_text(fonts: &mut FontChain, text: &str) {
    for c in fonts.missing_glyphs(text) {
        fonts.add_system_font_for(c);
    }
}

/// Fails `what` when some character of `text` has no glyph in the chain (printpdf would draw an
/// empty box, silently); with `allow`, warns instead.
fn glyph_check(
    fonts: &FontChain,
    text: &str,
    what: &str,
    allow: bool,
    warnings: &mut Vec<String>,
) -> Result<(), Error> {
    let missing = fonts.missing_glyphs(text);
    let Some(c) = missing.first() else {
        return Ok(());
    };
    let error = Error::MissingGlyph {
        what: what.to_string(),
        c: *c,
        fonts: fonts.names(),
        others: missing.len() - 1,
    };
    if !allow {
        return Err(error);
    }
    warnings.push(format!(
        "{error}; printed as an empty box (--allow-missing-glyphs)"
    ));
    Ok(())
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
            subject: None,
            topic: None,
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
                &Lang::parse("ru").unwrap(),
                "t",
                false,
            )
            .unwrap();
            let (wx, wy, ww, wh) = layout.window;
            let first = p.pages[0]
                .iter()
                .find(|l| l.text == "Генеральному прокурору")
                .unwrap();
            assert!(
                first.x >= wx && first.x < wx + ww,
                "{}: x {}",
                layout.name,
                first.x
            );
            assert!(
                first.y > wy && first.y < wy + wh,
                "{}: baseline {}",
                layout.name,
                first.y
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
            &Lang::parse("en").unwrap(),
            "the en letter to `x`",
            false,
        )
        .unwrap_err();
        assert!(
            matches!(
                e,
                Error::AddressOverflow {
                    layout: "us10",
                    lines: 12,
                    ..
                }
            ),
            "{e}"
        );
        assert!(
            place(
                &FontChain::default(),
                &LAYOUTS[2],
                &parts(&long, "x"),
                &Lang::parse("en").unwrap(),
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
            &Lang::parse("de").unwrap(),
            "t",
            false,
        )
        .unwrap();
        assert!(p.pages.len() >= 2);
        assert!(
            p.pages[1]
                .iter()
                .any(|l| l.text == format!("Seite 2 von {}", p.pages.len()))
        );
        assert!(
            p.pages[1].iter().any(|l| l.text == "Eva Muster"),
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
                &Lang::parse("en").unwrap(),
                "t",
                false,
            )
            .unwrap();
            let page_of = |text: &str| {
                p.pages
                    .iter()
                    .position(|pg| pg.iter().any(|l| l.text == text && l.size == BODY_SIZE))
            };
            assert_eq!(
                page_of("Yours sincerely,"),
                page_of("Eva Muster"),
                "{n} paragraphs"
            );
        }
    }

    #[test]
    fn sets_right_to_left_paragraphs_flush_right() {
        let body = "أحثكم على عدم تسليم نزام حون جوراييف إلى طاجيكستان.\n\nI urge you.";
        let placed = |lang: &str| {
            place(
                &FontChain::default(),
                &LAYOUTS[0],
                &parts(&["A"], body),
                &Lang::parse(lang).unwrap(),
                "t",
                false,
            )
            .unwrap()
        };
        // In an Arabic letter the Latin paragraph (a supporter's signature) is flush right too.
        let ar = placed("ar");
        let latin = ar.pages[0]
            .iter()
            .find(|l| l.text == "I urge you.")
            .unwrap();
        assert!(!latin.rtl && latin.x > LAYOUTS[0].left + 100.0, "{latin:?}");
        // In an English letter only the Arabic paragraph is.
        let p = placed("en");
        let font = &FontChain::default();
        let (page_w, _) = LAYOUTS[0].paper.size();
        let arabic = p.pages[0]
            .iter()
            .find(|l| l.text.starts_with("أحثكم"))
            .unwrap();
        let end = arabic.x + font.width(&arabic.text, BODY_SIZE, Weight::Regular, true) * MM_PER_PT;
        assert!(
            (end - (page_w - LAYOUTS[0].right)).abs() < 0.01,
            "ends at the right margin: {end}"
        );
        let latin = p.pages[0].iter().find(|l| l.text == "I urge you.").unwrap();
        assert_eq!(latin.x, LAYOUTS[0].left);
    }

    #[test]
    fn sets_the_subject_line_in_bold_and_nothing_else() {
        let mut letter = parts(&["A"], "Re: Anna Test\n\nDear Sir,\n\nRe: Anna Test");
        letter.subject = Some("Re: Anna Test".into());
        let p = place(
            &FontChain::default(),
            &LAYOUTS[0],
            &letter,
            &Lang::parse("en").unwrap(),
            "t",
            false,
        )
        .unwrap();
        let weights: Vec<Weight> = p.pages[0]
            .iter()
            .filter(|l| l.text == "Re: Anna Test")
            .map(|l| l.weight)
            .collect();
        // Only the subject itself, not a later paragraph that happens to read the same.
        assert_eq!(weights, [Weight::Bold, Weight::Regular]);
        assert!(
            p.pages[0]
                .iter()
                .filter(|l| l.text != "Re: Anna Test")
                .all(|l| l.weight == Weight::Regular)
        );
    }

    #[test]
    fn numbers_pages_in_the_letters_language_and_digits() {
        assert_eq!(page_label("ru", 2, 3), "страница 2 из 3");
        assert_eq!(page_label("fr-CA", 2, 3), "page 2 sur 3");
        assert_eq!(page_label("ar", 2, 13), "الصفحة ٢ من ١٣");
        assert_eq!(page_label("fa", 2, 3), "صفحهٔ ۲ از ۳");
        assert_eq!(page_label("zh", 2, 3), "第 2 页，共 3 页");
        assert_eq!(page_label("sw", 2, 3), "2/3");
    }

    #[test]
    fn names_a_missing_layout_and_lists_the_others() {
        assert_eq!(
            Layout::named("din-c").unwrap_err().to_string(),
            "no layout `din-c`; the layouts are: din-b, din-a, us10"
        );
    }
}
