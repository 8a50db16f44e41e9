//! The body of a letter flowed onto pages, and page numbers in the letter's language.

use super::FontChain;
use super::layout::Layout;
use super::set::{
    BODY_LEADING, BODY_SIZE, BOTTOM, MM_PER_PT, PlacedLine, Setter, Setting, set_line,
};
use super::text::{Weight, is_rtl_paragraph};
use crate::model::lang::Lang;
use crate::render::letter::LetterParts;

/// "page 2 of 3" in the letter's language; other languages get the language-neutral "2/3".
/// Arabic and Persian write the numbers in their own digits, as their long dates do.
pub(super) fn page_label(lang: &str, page: usize, pages: usize) -> String {
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

/// One wrapped line of the body: its text ("" for an empty line), its paragraph's direction and
/// its weight.
type BodyLine = (String, bool, Weight);

/// The body wrapped to `text_w` points. The subject line (the first paragraph that is the
/// template's subject block) is bold.
pub(super) fn wrap_body(fonts: &FontChain, parts: &LetterParts, text_w: f32) -> Vec<BodyLine> {
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
pub(super) fn flow_pages(
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
pub(super) fn number_pages(
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
pub(super) fn closing_start(lines: &[&str]) -> usize {
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
