//! A flowing document on plain pages (the action sheet): headings, paragraphs, list items and
//! addresses, wrapped and set in their own direction, with page numbers. The fonts, shaping and
//! the checks for missing glyphs are the letters'.

use printpdf::{Mm, PdfDocument, PdfPage};

use super::blocks::Block;
use super::text::{Weight, is_rtl_paragraph};
use super::{
    Error, FontChain, FontIds, MM_PER_PT, PdfOptions, PlacedLine, admit_text, glyph_check,
    page_label, save, text_op,
};
use crate::model::lang::Lang;

const MARGIN: f32 = 20.0;
const TOP: f32 = 22.0;
const BOTTOM: f32 = 20.0;
/// A list item's text starts this far in from its bullet.
const INDENT: f32 = 6.0;

/// Size, leading (points), weight and the space before (mm) of each kind of block.
fn style(block: &Block) -> (f32, f32, Weight, f32) {
    match block {
        Block::Heading(1, _) => (15.0, 19.0, Weight::Bold, 5.0),
        Block::Heading(..) => (11.5, 15.0, Weight::Bold, 4.5),
        Block::Bullet(_) => (10.5, 13.5, Weight::Regular, 1.2),
        Block::Paragraph(_) | Block::Lines(_) => (10.5, 13.5, Weight::Regular, 3.0),
    }
}

/// Builds the PDF of `blocks` on the paper of `options`. Every character must have a glyph in the
/// fonts (fontconfig is asked for the ones the chain lacks), unless `allow_missing_glyphs`: then
/// the warning goes to `warnings`.
pub fn document(
    fonts: &mut FontChain,
    options: &PdfOptions,
    title: &str,
    subject: &str,
    lang: &Lang,
    blocks: &[Block],
    warnings: &mut Vec<String>,
) -> Result<Vec<u8>, Error> {
    let all: String = blocks
        .iter()
        .flat_map(|b| match b {
            Block::Heading(_, t) | Block::Paragraph(t) | Block::Bullet(t) => vec![t.as_str()],
            Block::Lines(lines) => lines.iter().map(String::as_str).collect(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    admit_text(fonts, &all);
    glyph_check(
        fonts,
        &all,
        &format!("the {lang} sheet"),
        options.allow_missing_glyphs,
        warnings,
    )?;
    let (page_w, page_h) = options.layout.paper.size();
    let sheet_rtl = lang.is_rtl();
    let (left, right) = (MARGIN, page_w - MARGIN);
    let mut pages: Vec<Vec<PlacedLine>> = vec![Vec::new()];
    let mut y = TOP;
    for (n, block) in blocks.iter().enumerate() {
        let (size, leading, weight, before) = style(block);
        let leading = leading * MM_PER_PT;
        if n > 0 {
            y += before;
        }
        let (bullet, paragraphs): (bool, Vec<&str>) = match block {
            Block::Heading(_, t) | Block::Paragraph(t) => (false, vec![t.as_str()]),
            Block::Bullet(t) => (true, vec![t.as_str()]),
            Block::Lines(lines) => (false, lines.iter().map(String::as_str).collect()),
        };
        let indent = if bullet { INDENT } else { 0.0 };
        let mut lines: Vec<(String, bool)> = Vec::new();
        for p in paragraphs {
            let rtl = is_rtl_paragraph(p) || sheet_rtl && !p.chars().any(char::is_alphabetic);
            let width = (right - left - indent) / MM_PER_PT;
            lines.extend(
                fonts
                    .wrap(p, size, width, weight)
                    .into_iter()
                    .map(|l| (l, rtl)),
            );
        }
        // A heading is not left alone at the foot of a page: it goes over with what follows.
        // An address is not split: it goes over whole (unless it is longer than a page).
        let keep = match block {
            Block::Heading(..) => match blocks.get(n + 1) {
                Some(Block::Lines(next)) if next.len() < 20 => {
                    leading * 2.0 + next.len() as f32 * style(&blocks[n + 1]).1 * MM_PER_PT
                }
                _ => leading * 3.0,
            },
            Block::Lines(_) if (lines.len() as f32 * leading) < page_h - TOP - BOTTOM => {
                leading * (lines.len() as f32 - 1.0)
            }
            _ => 0.0,
        };
        for (i, (text, rtl)) in lines.into_iter().enumerate() {
            if y + leading + if i == 0 { keep } else { 0.0 } > page_h - BOTTOM {
                pages.push(Vec::new());
                y = TOP;
            }
            y += leading;
            let runs = fonts.runs(&text, weight, rtl);
            let w: f32 = runs.iter().map(|r| r.width_em * size * MM_PER_PT).sum();
            let flush_right = rtl || sheet_rtl;
            let x = if flush_right {
                right - indent - w
            } else {
                left + indent
            };
            let page = pages.last_mut().expect("there is always a page");
            if bullet && i == 0 {
                let mark = fonts.runs("•", Weight::Regular, false);
                let mw: f32 = mark.iter().map(|r| r.width_em * size * MM_PER_PT).sum();
                page.push(PlacedLine {
                    x: if flush_right { right - mw } else { left },
                    y,
                    size,
                    text: "•".into(),
                    rtl: false,
                    weight: Weight::Regular,
                    runs: mark,
                });
            }
            page.push(PlacedLine {
                x,
                y,
                size,
                text,
                rtl,
                weight,
                runs,
            });
        }
    }
    let count = pages.len();
    let mut doc = PdfDocument::new(title);
    doc.metadata.info.subject = subject.to_string();
    doc.metadata.info.keywords = vec![lang.to_string()];
    let mut ids = FontIds {
        doc: &mut doc,
        ids: Vec::new(),
    };
    let mut pdf_pages = Vec::new();
    for (i, lines) in pages.iter().enumerate() {
        let mut ops = Vec::new();
        for line in lines {
            text_op(&mut ops, fonts, &mut ids, page_h, line);
        }
        if count > 1 {
            let label = page_label(lang.as_str(), i + 1, count);
            let rtl = is_rtl_paragraph(&label);
            let runs = fonts.runs(&label, Weight::Regular, rtl);
            let w: f32 = runs.iter().map(|r| r.width_em * 8.5 * MM_PER_PT).sum();
            let line = PlacedLine {
                x: right - w,
                y: page_h - 10.0,
                size: 8.5,
                text: label,
                rtl,
                weight: Weight::Regular,
                runs,
            };
            text_op(&mut ops, fonts, &mut ids, page_h, &line);
        }
        pdf_pages.push(PdfPage::new(Mm(page_w), Mm(page_h), ops));
    }
    doc.with_pages(pdf_pages);
    Ok(save(&doc, Some(lang.as_str())))
}
