//! A flowing document on plain pages (the action sheet): headings, paragraphs, list items and
//! addresses, wrapped and set in their own direction, with page numbers. The fonts, shaping and
//! the checks for missing glyphs are the letters'.

use printpdf::{PdfDocument, PdfPage};

use super::blocks::Block;
use super::draw::{FontIds, draw_page, save};
use super::flow::number_pages;
use super::letter::bold_check;
use super::meta::DocInfo;
use super::set::{MM_PER_PT, PlacedLine, Role, Setting, set_line};
use super::tags::Marks;
use super::text::{Weight, is_rtl_paragraph};
use super::{Error, FontChain, PdfOptions, glyph_check};
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

/// Builds the PDF of `blocks` on the paper of `options`, saying it is `info` in `lang`. Every character must have a glyph in the
/// fonts (fontconfig is asked for the ones the chain lacks), unless `allow_missing_glyphs`: then
/// the warning goes to `warnings`.
pub fn document(
    fonts: &mut FontChain,
    options: &PdfOptions,
    info: &DocInfo,
    lang: &Lang,
    blocks: &[Block],
    warnings: &mut Vec<String>,
) -> Result<Vec<u8>, Error> {
    check_glyphs(fonts, options, lang, blocks, warnings)?;
    let fonts = &fonts.for_lang(lang);
    let (page_w, page_h) = options.layout.paper.size();
    let mut pages = flow(fonts, lang, blocks, (page_w, page_h));
    number_pages(
        fonts,
        lang,
        &mut pages,
        page_h - 10.0,
        Setting {
            size: 8.5,
            weight: Weight::Regular,
            margins: (MARGIN, page_w - MARGIN),
        },
    );
    let mut doc = PdfDocument::new(&info.title);
    let mut ids = FontIds {
        doc: &mut doc,
        ids: Vec::new(),
    };
    let mut marks = Marks::default();
    let pdf_pages: Vec<PdfPage> = pages
        .iter()
        .enumerate()
        .map(|(i, lines)| {
            draw_page(
                lines,
                fonts,
                &mut ids,
                (i, &mut marks),
                (page_w, page_h),
                Vec::new(),
            )
        })
        .collect();
    doc.with_pages(pdf_pages);
    let info = DocInfo {
        lang: Some(lang.to_string()),
        pdfa: options.pdfa,
        ..info.clone()
    };
    Ok(save(&doc, &info, &marks))
}

/// Admits fonts for every character of the sheet and checks that each has a glyph.
fn check_glyphs(
    fonts: &mut FontChain,
    options: &PdfOptions,
    lang: &Lang,
    blocks: &[Block],
    warnings: &mut Vec<String>,
) -> Result<(), Error> {
    let all: String = blocks
        .iter()
        .flat_map(|b| match b {
            Block::Heading(_, t) | Block::Paragraph(t) | Block::Bullet(t) => vec![t.as_str()],
            Block::Lines(lines) => lines.iter().map(String::as_str).collect(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let headings: String = blocks
        .iter()
        .filter_map(|b| match b {
            Block::Heading(_, t) => Some(t.as_str()),
            _ => None,
        })
        .collect();
    fonts.admit(Some(lang), &all, &headings);
    let what = format!("the {lang} sheet");
    glyph_check(fonts, &all, &what, options.allow_missing_glyphs, warnings)?;
    bold_check(&fonts.for_lang(lang), &headings, warnings);
    Ok(())
}

/// The lines of a block wrapped to `width` points, each with its direction.
fn wrap_block(
    fonts: &FontChain,
    block: &Block,
    sheet_rtl: bool,
    width: f32,
) -> Vec<(String, bool)> {
    let (size, _, weight, _) = style(block);
    let paragraphs: Vec<&str> = match block {
        Block::Heading(_, t) | Block::Paragraph(t) | Block::Bullet(t) => vec![t.as_str()],
        Block::Lines(lines) => lines.iter().map(String::as_str).collect(),
    };
    let mut lines: Vec<(String, bool)> = Vec::new();
    for p in paragraphs {
        let rtl = is_rtl_paragraph(p) || sheet_rtl && !p.chars().any(char::is_alphabetic);
        lines.extend(
            fonts
                .wrap(p, size, width, weight)
                .into_iter()
                .map(|l| (l, rtl)),
        );
    }
    lines
}

/// The room (mm) block `n`'s first line needs below it to stay on its page: a heading is not
/// left alone at the foot of a page, it goes over with what follows; an address is not split,
/// it goes over whole (unless it is longer than a page).
fn keep_with_next(blocks: &[Block], n: usize, lines: usize, leading: f32, page_h: f32) -> f32 {
    match &blocks[n] {
        Block::Heading(..) => match blocks.get(n + 1) {
            Some(Block::Lines(next)) if next.len() < 20 => {
                leading * 2.0 + next.len() as f32 * style(&blocks[n + 1]).1 * MM_PER_PT
            }
            _ => leading * 3.0,
        },
        Block::Lines(_) if (lines as f32 * leading) < page_h - TOP - BOTTOM => {
            leading * (lines as f32 - 1.0)
        }
        _ => 0.0,
    }
}

/// The blocks flowed onto pages: a new page when the next line (and what it keeps with) would
/// reach the bottom margin.
fn flow(
    fonts: &FontChain,
    lang: &Lang,
    blocks: &[Block],
    (page_w, page_h): (f32, f32),
) -> Vec<Vec<PlacedLine>> {
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
        // A list item's bullet sits at the margin, its text INDENT in.
        let bullet = matches!(block, Block::Bullet(_));
        let indent = if bullet { INDENT } else { 0.0 };
        let lines = wrap_block(fonts, block, sheet_rtl, (right - left - indent) / MM_PER_PT);
        let role = match block {
            Block::Heading(level, _) => Role::H(*level),
            Block::Bullet(_) => Role::LBody,
            Block::Paragraph(_) | Block::Lines(_) => Role::P,
        };
        let keep = keep_with_next(blocks, n, lines.len(), leading, page_h);
        for (i, (text, rtl)) in lines.into_iter().enumerate() {
            if y + leading + if i == 0 { keep } else { 0.0 } > page_h - BOTTOM {
                pages.push(Vec::new());
                y = TOP;
            }
            // CJK lines need more room than the sheet's Latin leading.
            y += leading.max(fonts.cjk_line_box(&text, size).unwrap_or(0.0) * MM_PER_PT);
            let flush_right = rtl || sheet_rtl;
            let page = pages.last_mut().expect("there is always a page");
            if bullet && i == 0 {
                let margins = (left, right);
                page.push(
                    set_line(
                        fonts,
                        "•",
                        false,
                        flush_right,
                        y,
                        Setting {
                            size,
                            weight: Weight::Regular,
                            margins,
                        },
                    )
                    .tagged(Role::Lbl),
                );
            }
            let margins = (left + indent, right - indent);
            page.push(
                set_line(
                    fonts,
                    &text,
                    rtl,
                    flush_right,
                    y,
                    Setting {
                        size,
                        weight,
                        margins,
                    },
                )
                .tagged(role)
                .continuing(i > 0),
            );
        }
    }
    pages
}
