//! The body of a letter flowed onto pages, and page numbers in the letter's language.

use super::FontChain;
use super::layout::Layout;
use super::set::{
    BODY_LEADING, BODY_LEADING_MIN, BODY_SIZE, BOTTOM, CJK_LEADING, CJK_LEADING_MIN, MM_PER_PT,
    PARA_SPACE, PARA_SPACE_MIN, PlacedLine, Role, Rule, Setter, Setting, set_line,
};
use super::text::{Weight, is_rtl_paragraph};
use crate::model::lang::{Lang, number};
use crate::render::letter::LetterParts;

/// "page 2 of 3" in the letter's language; other languages get the language-neutral "2/3".
/// The numbers are in the digits of the letter's date (`lang::number`, from the same CLDR data):
/// Persian digits in Persian; in Arabic the digits CLDR's `ar` dates in, so that a page label
/// never writes ٢ under a date that writes 2.
pub(super) fn page_label(lang: &str, page: usize, pages: usize) -> String {
    let base = lang.split('-').next().unwrap_or(lang);
    let (page, pages) = match Lang::parse(lang) {
        Some(tag) => (number(&tag, page), number(&tag, pages)),
        None => (page.to_string(), pages.to_string()),
    };
    match base {
        "en" => format!("page {page} of {pages}"),
        "ru" => format!("страница {page} из {pages}"),
        "fr" => format!("page {page} sur {pages}"),
        "de" => format!("Seite {page} von {pages}"),
        "es" => format!("página {page} de {pages}"),
        "ar" => format!("الصفحة {page} من {pages}"),
        "fa" => format!("صفحهٔ {page} از {pages}"),
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

/// What separates a line of the body from the line above it.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Gap {
    /// The next line of the same paragraph.
    Line,
    /// A new paragraph: the leading and the paragraph space.
    Paragraph,
    /// The space to sign in, as many lines as the template left empty: never tightened, a
    /// signature needs it.
    Signature(usize),
}

/// A line of the body as it is composed: no empty lines any more, each line knows what
/// separates it from the one above and whether a page may end before it.
#[derive(Debug)]
struct Composed {
    line: BodyLine,
    gap: Gap,
    /// A page may break before this line without leaving a widow or an orphan (fewer than two
    /// lines of a paragraph at the foot or the head of a page) and without parting what is kept
    /// together (the subject from what follows, the end of the letter from its signature).
    breakable: bool,
    /// A line of a signature block: the printed name and what stands under it (a Chinese
    /// letter's date), after the space to sign in.
    signature: bool,
    /// A line of a closing formula: the paragraph above a signature space.
    closing: bool,
    /// The line box of its CJK text, points (`cjk_line_box`); `None` for other lines.
    cjk: Option<f32>,
}

/// Where a letter's closing and signature stand, by the custom of its language.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Signing {
    /// Where the body's lines stand.
    AsBody,
    /// The printed name and the lines under it flush right: a Chinese letter's name and date
    /// (落款) at the bottom right; 此致 and 敬礼 stay where the template puts them.
    NameRight,
    /// The closing formula and the name flush left, in a right-to-left letter: a Persian
    /// letter's «با تقدیم احترام» and signature at the lower left.
    ClosingLeft,
}

/// The body's lines with their gaps and break points. Runs of empty lines become paragraph
/// space, except the run before the printed name (see `closing_start`), the signature space.
/// The lines of a signature block are marked: the printed name and the lines under it, and any
/// block after three empty lines or more (the signature of a copy's cover note).
fn compose(lines: Vec<BodyLine>) -> Vec<Composed> {
    let texts: Vec<&str> = lines.iter().map(|(l, _, _)| l.as_str()).collect();
    let closing = closing_start(&texts);
    let name = texts[closing..]
        .iter()
        .position(|l| l.is_empty())
        .map(|gap| closing + gap)
        .and_then(|gap| {
            texts[gap..]
                .iter()
                .position(|l| !l.is_empty())
                .map(|n| gap + n)
        });
    // Paragraphs as ranges of `out`, to apply the break rules once every line is known.
    let mut out: Vec<Composed> = Vec::new();
    let mut paragraphs: Vec<(usize, usize, bool)> = Vec::new();
    let mut empty_run = 0;
    let mut keep_from = None;
    let mut signature = false;
    for (i, line) in lines.into_iter().enumerate() {
        if line.0.is_empty() {
            empty_run += 1;
            continue;
        }
        if empty_run > 0 {
            signature = name.is_some_and(|name| i >= name) || empty_run >= SIGNATURE_SPACE;
        }
        let gap = match (out.is_empty(), empty_run) {
            (true, _) => Gap::Line,
            (false, 0) => Gap::Line,
            (false, n) if Some(i) == name && n >= 2 => Gap::Signature(n),
            // The signature of a copy's cover note: as much room to sign as the letter's.
            (false, n) if n >= SIGNATURE_SPACE => Gap::Signature(n),
            (false, _) => Gap::Paragraph,
        };
        if i == closing && closing > 0 {
            keep_from = Some(out.len());
        }
        // The paragraph above a signature space is a closing formula.
        if let (Gap::Signature(_), Some(&(start, end, _))) = (gap, paragraphs.last()) {
            out[start..end].iter_mut().for_each(|c| c.closing = true);
        }
        if gap != Gap::Line || out.is_empty() {
            paragraphs.push((out.len(), out.len(), line.2 == Weight::Bold));
        }
        empty_run = 0;
        out.push(Composed {
            line,
            gap,
            breakable: false,
            signature,
            closing: false,
            cjk: None,
        });
        if let Some(p) = paragraphs.last_mut() {
            p.1 = out.len();
        }
    }
    mark_breaks(&mut out, &paragraphs, keep_from);
    out
}

/// Marks where a page may break: inside a paragraph only with two lines on either side, before
/// a paragraph unless the one above is the bold subject, and nowhere from the last two lines of
/// the last paragraph (`keep_from` is the closing's first line) to the printed name.
fn mark_breaks(
    out: &mut [Composed],
    paragraphs: &[(usize, usize, bool)],
    keep_from: Option<usize>,
) {
    let mut after_subject = false;
    for &(start, end, bold) in paragraphs {
        let n = end - start;
        for (k, line) in out[start..end].iter_mut().enumerate() {
            line.breakable = if k == 0 {
                start > 0 && !after_subject
            } else {
                k >= 2 && n - k >= 2
            };
        }
        after_subject = bold;
    }
    let Some(closing) = keep_from else {
        return;
    };
    // The last paragraph before the closing keeps its last two lines (or its only one) with it.
    let last = paragraphs
        .iter()
        .rev()
        .find(|&&(start, _, _)| start < closing)
        .map_or(closing, |&(start, end, _)| end.saturating_sub(2).max(start));
    for line in out.iter_mut().skip(last + 1) {
        line.breakable = false;
    }
}

/// The empty lines a template leaves to sign in.
const SIGNATURE_SPACE: usize = 3;

/// How tightly a body is set, all in points: its leading, the leading of CJK lines and the space
/// between paragraphs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Spacing {
    pub(super) leading: f32,
    pub(super) cjk: f32,
    pub(super) paragraph: f32,
}

impl Spacing {
    /// The spacing `step` steps of `FIT_STEPS` from the loosest (0) to the tightest allowed.
    /// The space between paragraphs gives first, as TeX's stretchable paragraph skip does, so
    /// that lines keep their rhythm; in the second half the leading gives too, and the last
    /// point of paragraph space.
    fn at(step: usize) -> Spacing {
        let half = FIT_STEPS / 2;
        let lerp = |from: f32, to: f32, done: usize| from - (from - to) * done as f32 / half as f32;
        if step <= half {
            Spacing {
                leading: BODY_LEADING,
                cjk: CJK_LEADING,
                paragraph: lerp(PARA_SPACE, PARA_SPACE_MIN + 1.0, step),
            }
        } else {
            Spacing {
                leading: lerp(BODY_LEADING, BODY_LEADING_MIN, step - half),
                cjk: lerp(CJK_LEADING, CJK_LEADING_MIN, step - half),
                paragraph: lerp(PARA_SPACE_MIN + 1.0, PARA_SPACE_MIN, step - half),
            }
        }
    }

    /// The distance in mm from the baseline above to a line after `gap`. When either line holds
    /// CJK text whose line box is `cjk` points, the CJK leading, never under the line box.
    fn advance(self, gap: Gap, cjk: Option<f32>) -> f32 {
        let leading = cjk.map_or(self.leading, |line_box| self.cjk.max(line_box));
        let pt = match gap {
            Gap::Line => leading,
            Gap::Paragraph => leading + self.paragraph,
            Gap::Signature(n) => BODY_LEADING * (n + 1) as f32,
        };
        pt * MM_PER_PT
    }
}

/// How many tighter spacings are tried between the loosest and the tightest.
const FIT_STEPS: usize = 8;

/// Where the body may go: the first baseline on the first page and on the others, and the
/// lowest baseline, all mm from the top of the page.
#[derive(Clone, Copy)]
struct Frame {
    first_top: f32,
    next_top: f32,
    bottom: f32,
}

/// The body flowed at `spacing`: for each page, the lines on it (index, baseline). A page
/// breaks before the last line allowed to start one, when the next line would pass the bottom.
fn flow(lines: &[Composed], spacing: Spacing, frame: Frame) -> Vec<Vec<(usize, f32)>> {
    let mut pages: Vec<Vec<(usize, f32)>> = vec![Vec::new()];
    let mut page_start = 0;
    let mut top = frame.first_top;
    let mut y = top;
    let mut i = 0;
    while i < lines.len() {
        let here = if i == page_start {
            top
        } else {
            let cjk = match (lines[i].cjk, lines[i - 1].cjk) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
            y + spacing.advance(lines[i].gap, cjk)
        };
        if here > frame.bottom && i > page_start {
            // The latest line a page may start with; when a kept block is taller than a page,
            // the page breaks where it is full rather than never.
            let at = (page_start + 1..=i)
                .rev()
                .find(|&j| lines[j].breakable)
                .unwrap_or(i);
            if let Some(page) = pages.last_mut() {
                page.truncate(at - page_start);
            }
            pages.push(Vec::new());
            page_start = at;
            top = frame.next_top;
            i = at;
            continue;
        }
        if let Some(page) = pages.last_mut() {
            page.push((i, here));
        }
        y = here;
        i += 1;
    }
    pages
}

/// The body flowed onto pages after `first`: from body_top on the first page, from the top of
/// the others after their running head. A letter that runs over by a few lines is set tighter,
/// step by step down to the least leading and paragraph space, when that saves a page; lines of
/// CJK text keep the leading they need. The closing and signature stand as `signing` says.
pub(super) fn flow_pages(
    setter: &Setter,
    layout: &Layout,
    first: Vec<PlacedLine>,
    lines: Vec<BodyLine>,
    margins: (f32, f32),
    signing: Signing,
) -> (Vec<Vec<PlacedLine>>, Vec<Rule>) {
    let (_, page_h) = layout.paper.size();
    let frame = Frame {
        first_top: layout.body_top,
        next_top: layout.next_top + 12.0,
        bottom: page_h - BOTTOM,
    };
    let mut composed = compose(lines);
    for line in &mut composed {
        line.cjk = setter.fonts.cjk_line_box(&line.line.0, BODY_SIZE);
    }
    let loose = flow(&composed, Spacing::at(0), frame);
    let fitted = (1..=FIT_STEPS)
        .map(|step| flow(&composed, Spacing::at(step), frame))
        .find(|pages| pages.len() < loose.len())
        .unwrap_or(loose);
    let mut pages = vec![first];
    pages.resize_with(fitted.len(), Vec::new);
    let mut rules = Vec::new();
    // After the separator of a copy, the letter it reproduces: a quotation.
    let mut quote = false;
    for (n, (page, placed)) in pages.iter_mut().zip(fitted).enumerate() {
        for (i, y) in placed {
            let (text, rtl, weight) = &composed[i].line;
            if is_separator(text) {
                // A typed row of hyphens is a rule on paper, at the middle of the line's
                // x-height, across the measure.
                rules.push(Rule {
                    page: n,
                    x: margins,
                    y: y - BODY_SIZE * 0.3 * MM_PER_PT,
                });
                quote = true;
                continue;
            }
            let setting = Setting {
                size: BODY_SIZE,
                weight: *weight,
                margins,
            };
            // The subject line is the letter's heading; each paragraph one element.
            let role = if *weight == Weight::Bold {
                Role::H(1)
            } else {
                Role::P
            };
            let c = &composed[i];
            let line = match signing {
                Signing::NameRight if c.signature => {
                    set_line(setter.fonts, text, *rtl, true, y, setting)
                }
                Signing::ClosingLeft if c.signature || c.closing => {
                    set_line(setter.fonts, text, *rtl, false, y, setting)
                }
                // The supporter's name under the closing, at the closing's side, whatever
                // its script.
                _ if c.signature => {
                    set_line(setter.fonts, text, *rtl, setter.letter_rtl, y, setting)
                }
                _ => setter.para_line(text, *rtl, y, setting),
            };
            page.push(
                line.tagged(role)
                    .continuing(composed[i].gap == Gap::Line)
                    .quoted(quote),
            );
        }
    }
    (pages, rules)
}

/// Whether a body line is a separator typed as a row of hyphens (or box-drawing lines): the
/// templates put one between a copy's cover note and the letter it reproduces.
fn is_separator(text: &str) -> bool {
    let text = text.trim();
    text.chars().count() >= 10 && text.chars().all(|c| matches!(c, '-' | '─' | '—' | '_'))
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
        page.push(set_line(fonts, &label, rtl, true, y, setting).tagged(Role::Artifact));
    }
}

/// The first line of the closing block: the last paragraph before the signature space (the run
/// of empty lines before the printed name). The printed name may have lines right under it (a
/// Chinese letter's date): the signature block is the last run of lines.
pub(super) fn closing_start(lines: &[&str]) -> usize {
    let Some(end) = lines.iter().rposition(|l| !l.is_empty()) else {
        return 0;
    };
    let last = lines[..end]
        .iter()
        .rposition(|l| l.is_empty())
        .map_or(0, |i| i + 1);
    let Some(gap_start) = lines[..last].iter().rposition(|l| !l.is_empty()) else {
        return 0;
    };
    lines[..gap_start]
        .iter()
        .rposition(|l| l.is_empty())
        .map_or(0, |i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A body of paragraphs of `sizes` lines, a closing and a name after three empty lines, as
    /// the templates write it.
    fn body(sizes: &[usize]) -> Vec<BodyLine> {
        let line = |t: String| (t, false, Weight::Regular);
        let mut lines = Vec::new();
        for (p, &n) in sizes.iter().enumerate() {
            lines.extend((0..n).map(|l| line(format!("p{p} l{l}"))));
            lines.push(line(String::new()));
        }
        lines.push(line("Yours sincerely,".into()));
        lines.extend((0..3).map(|_| line(String::new())));
        lines.push(line("Eva Muster".into()));
        lines
    }

    const FRAME: Frame = Frame {
        first_top: 100.0,
        next_top: 37.0,
        bottom: 272.0,
    };

    /// The page of each line, by its text.
    fn pages_by_text(lines: &[Composed], pages: &[Vec<(usize, f32)>]) -> Vec<(String, usize)> {
        pages
            .iter()
            .enumerate()
            .flat_map(|(page, on)| {
                on.iter()
                    .map(move |&(i, _)| (lines[i].line.0.clone(), page))
            })
            .collect()
    }

    #[test]
    fn separates_paragraphs_by_half_a_line_not_a_blank_line() {
        let lines = compose(body(&[2, 1]));
        let pages = flow(&lines, Spacing::at(0), FRAME);
        let ys: Vec<f32> = pages[0].iter().map(|&(_, y)| y / MM_PER_PT).collect();
        let steps: Vec<f32> = ys.windows(2).map(|w| w[1] - w[0]).collect();
        let expect = [13.6, 20.6, 20.6, 4.0 * 13.6];
        for (got, want) in steps.iter().zip(expect) {
            assert!((got - want).abs() < 0.01, "{steps:?}");
        }
    }

    #[test]
    fn never_leaves_a_widow_an_orphan_or_a_lone_closing() {
        // Every paragraph length against every position of a page break.
        for n in 1..8 {
            for before in 0..40 {
                let mut sizes = vec![1; before];
                sizes.extend([n, 2, n]);
                let lines = compose(body(&sizes));
                let pages = flow(&lines, Spacing::at(0), FRAME);
                let placed = pages_by_text(&lines, &pages);
                for p in 0..sizes.len() {
                    let of: Vec<usize> = placed
                        .iter()
                        .filter(|(t, _)| t.starts_with(&format!("p{p} ")))
                        .map(|&(_, page)| page)
                        .collect();
                    for page in of.iter() {
                        let here = of.iter().filter(|q| *q == page).count();
                        assert!(here >= 2 || of.len() == 1, "{sizes:?}: p{p} {of:?}");
                    }
                }
                let page_of = |t: &str| placed.iter().find(|(l, _)| l == t).map(|&(_, p)| p);
                let closing = page_of("Yours sincerely,");
                assert_eq!(closing, page_of("Eva Muster"));
                let last = sizes.len() - 1;
                assert_eq!(
                    closing,
                    page_of(&format!("p{last} l{}", n - 1)),
                    "{sizes:?}"
                );
                if n >= 2 {
                    assert_eq!(
                        closing,
                        page_of(&format!("p{last} l{}", n - 2)),
                        "{sizes:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn keeps_the_subject_with_what_follows() {
        let mut lines = body(&[1, 3, 3]);
        lines[0].2 = Weight::Bold;
        let composed = compose(lines);
        assert!(!composed[1].breakable, "after the subject");
        assert!(composed[4].breakable, "before the next paragraph");
    }

    #[test]
    fn fits_a_letter_a_few_lines_over_by_spacing_within_its_bounds() {
        // Paragraphs of 3 lines until the letter runs over one page by a little.
        let over = (1..30)
            .map(|n| compose(body(&vec![3; n])))
            .find(|l| flow(l, Spacing::at(0), FRAME).len() == 2)
            .unwrap();
        let tight = flow(&over, Spacing::at(FIT_STEPS), FRAME);
        assert_eq!(tight.len(), 1, "fits at the tightest spacing");
        // And a letter a page too long stays at its natural spacing on two pages.
        let long = compose(body(&[3; 20]));
        let pages = flow(&long, Spacing::at(0), FRAME);
        assert!(pages.len() >= 2);
    }

    #[test]
    fn tightens_paragraph_space_before_leading_and_never_past_the_bounds() {
        let steps: Vec<Spacing> = (0..=FIT_STEPS).map(Spacing::at).collect();
        assert_eq!(steps[0].leading, BODY_LEADING);
        assert_eq!(steps[0].paragraph, PARA_SPACE);
        assert_eq!(steps[FIT_STEPS / 2].leading, BODY_LEADING);
        assert!((steps[FIT_STEPS].leading - BODY_LEADING_MIN).abs() < 1e-4);
        assert!((steps[FIT_STEPS].paragraph - PARA_SPACE_MIN).abs() < 1e-4);
        for w in steps.windows(2) {
            assert!(w[1].leading <= w[0].leading && w[1].paragraph <= w[0].paragraph);
            assert!(w[1].paragraph < w[0].paragraph || w[1].leading < w[0].leading);
        }
    }

    #[test]
    fn breaks_a_block_taller_than_a_page_where_the_page_is_full() {
        // One paragraph of 80 lines kept with its closing: it still ends, on several pages.
        let lines = compose(body(&[80]));
        let pages = flow(&lines, Spacing::at(0), FRAME);
        assert!(pages.len() >= 2);
        assert_eq!(pages.iter().map(Vec::len).sum::<usize>(), lines.len());
        for (_, y) in pages.iter().flatten() {
            assert!(*y <= FRAME.bottom + 0.01);
        }
    }

    #[test]
    fn a_body_without_a_closing_flows_as_paragraphs() {
        let line = |t: &str| (t.to_string(), false, Weight::Regular);
        for body in [
            vec![line("only")],
            vec![line("a"), line(""), line("b")],
            vec![],
        ] {
            let lines = compose(body);
            let pages = flow(&lines, Spacing::at(0), FRAME);
            assert_eq!(pages.len(), 1);
        }
    }

    #[test]
    fn a_copys_cover_note_keeps_its_room_to_sign() {
        let line = |t: &str| (t.to_string(), false, Weight::Regular);
        let body: Vec<BodyLine> = [
            "Please find my letter below.",
            "",
            "Yours sincerely,",
            "",
            "",
            "",
            "Eva Muster",
            "",
            "",
            "Copy of my letter:",
            "----------",
            "Dear Sir,",
            "",
            "I urge you.",
            "",
            "Yours sincerely,",
            "",
            "",
            "",
            "Eva Muster",
        ]
        .into_iter()
        .map(line)
        .collect();
        let gaps: Vec<(String, Gap)> = compose(body)
            .into_iter()
            .map(|c| (c.line.0, c.gap))
            .filter(|(t, _)| t == "Eva Muster")
            .collect();
        assert_eq!(
            gaps,
            [
                ("Eva Muster".to_string(), Gap::Signature(3)),
                ("Eva Muster".to_string(), Gap::Signature(3)),
            ]
        );
    }
}
