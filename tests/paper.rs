//! The letter on paper (issue 14): every signed letter of the shipped campaigns, in every
//! language they have and both A4 layouts, laid out with `pdf::place` and read as a clerk would
//! read the pages: no page holding only the closing, no widow or orphan, the end of the letter
//! with its signature, loose pages that say whose letter they belong to, and blank letters with
//! room to write by hand. `.ci/paper.sh` checks the same on the PDF files with poppler.

use std::path::{Path, PathBuf};

use appeal::model::supporter::Supporter;
use appeal::pdf::{FontChain, LAYOUTS, Layout, Placed, PlacedLine, admit_fonts, place};
use appeal::render::letter::Letter;

use crate::harness::{eva, repo};

/// The body's type size: the lines of the body are told from the head and the page numbers by it.
const BODY: f32 = 11.0;
/// The date of the shipped campaigns' letters in the CI jobs and the measurements.
const DATE: (i32, u32, u32) = (2026, 1, 15);

fn date() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(DATE.0, DATE.1, DATE.2).unwrap()
}

fn campaigns() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo().join("campaigns"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    files
}

/// Every letter of `campaign` from `supporter` (blank: `None`), in every language it has.
fn letters_of(campaign: &Path, supporter: Option<&Supporter>) -> Vec<Letter> {
    crate::harness::render_letters(campaign, supporter, date(), &[])
}

fn placed(fonts: &FontChain, layout: &Layout, letter: &Letter) -> Placed {
    let parts = letter.parts.as_ref().unwrap();
    place(fonts, layout, parts, &letter.lang, "t", true).unwrap()
}

/// The body's paragraphs, as the template wrote them (lines separated by empty lines).
fn paragraphs(body: &str) -> Vec<String> {
    body.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// For each paragraph of the body, the page of each of its lines: the placed body lines, in
/// order, matched to the paragraphs by their text.
fn pages_of_paragraphs(placed: &Placed, paras: &[String]) -> Vec<Vec<usize>> {
    let mut lines = placed.pages.iter().enumerate().flat_map(|(page, lines)| {
        lines
            .iter()
            .filter(|l| l.size == BODY)
            .map(move |l| (page, l))
    });
    paras
        .iter()
        .map(|p| {
            // A copy's separator is drawn as a rule, not set as a line.
            let want: String = p
                .lines()
                .filter(|l| l.trim().len() < 10 || l.trim().chars().any(|c| c != '-'))
                .map(squeeze)
                .collect();
            let mut got = String::new();
            let mut pages = Vec::new();
            while got.len() < want.len() {
                let (page, line) = lines.next().expect("every paragraph is placed");
                got.push_str(&squeeze(&line.text));
                pages.push(page);
            }
            assert_eq!(got, want, "the lines of a paragraph, in order");
            pages
        })
        .collect()
}

/// What is wrong with a placed letter on paper, if anything.
fn faults(placed: &Placed, body: &str) -> Vec<String> {
    let paras = paragraphs(body);
    let pages = pages_of_paragraphs(placed, &paras);
    let mut faults = Vec::new();
    for (p, on) in pages.iter().enumerate() {
        for page in on.first().copied().unwrap_or(0)..=on.last().copied().unwrap_or(0) {
            let here = on.iter().filter(|&&q| q == page).count();
            if here < 2 && on.len() > 1 {
                faults.push(format!(
                    "paragraph {p} leaves {here} line on page {}",
                    page + 1
                ));
            }
        }
    }
    // The printed name is the last paragraph, the closing the one before it.
    let n = paras.len();
    if n >= 3 {
        let closing = pages[n - 2][0];
        if pages[n - 1].iter().any(|&q| q != closing) {
            faults.push("the closing is parted from the signature".into());
        }
        let last = &pages[n - 3];
        if last[last.len().saturating_sub(2)..]
            .iter()
            .any(|&q| q != closing)
        {
            faults.push("the last two lines of the letter are parted from the closing".into());
        }
        let others = pages[..n - 2].iter().flatten().any(|&q| q == closing);
        if !others {
            faults.push(format!("page {} holds only the closing", closing + 1));
        }
    }
    faults
}

fn body_bottom(placed: &Placed) -> Option<&PlacedLine> {
    placed
        .pages
        .iter()
        .flatten()
        .filter(|l| l.size == BODY)
        .max_by(|a, b| a.y.total_cmp(&b.y))
}

#[test]
fn leaves_no_widow_orphan_or_lone_closing_in_any_shipped_letter() {
    let mut fonts = FontChain::default();
    let supporter = eva();
    let mut summary = Vec::new();
    let mut faulty = Vec::new();
    for campaign in campaigns() {
        for letter in letters_of(&campaign, Some(&supporter)) {
            admit_fonts(&mut fonts, &letter);
        }
        for letter in letters_of(&campaign, Some(&supporter)) {
            for layout in LAYOUTS.iter().filter(|l| l.name.starts_with("din-")) {
                let p = placed(&fonts, layout, &letter);
                let (_, page_h) = layout.paper.size();
                let name = format!(
                    "{} {} {} {}",
                    letter.campaign_id, letter.recipient_id, letter.lang, layout.name
                );
                for fault in faults(&p, &letter.parts.as_ref().unwrap().body) {
                    faulty.push(format!("{name}: {fault}"));
                }
                if let Some(low) = body_bottom(&p) {
                    assert!(low.y <= page_h - 25.0 + 0.01, "{name}: {low:?}");
                }
                summary.push(p.pages.len());
            }
        }
    }
    let one = summary.iter().filter(|&&n| n == 1).count();
    eprintln!("{one} of {} signed letters on one page", summary.len());
    assert!(faulty.is_empty(), "{faulty:#?}");
    assert!(summary.len() >= 100, "{} letters", summary.len());
}

#[test]
fn fits_the_russian_letter_to_the_prosecutor_general_on_one_page() {
    // Issue 14: it missed one page by 9 mm, and page 2 held only "С уважением, / Eva Muster".
    let letters = letters_of(&repo().join("campaigns/juraev-2011.yaml"), Some(&eva()));
    let letter = letters
        .iter()
        .find(|l| l.recipient_id == "ru-prosecutor-general" && l.lang.as_str() == "ru")
        .unwrap();
    for layout in &LAYOUTS[..2] {
        let p = placed(&FontChain::default(), layout, letter);
        assert_eq!(p.pages.len(), 1, "{}", layout.name);
        // Paragraphs are apart by less than a blank line, lines by the body's leading.
        let ys: Vec<f32> = p.pages[0]
            .iter()
            .filter(|l| l.size == BODY)
            .map(|l| l.y)
            .collect();
        let steps: Vec<f32> = ys.windows(2).map(|w| (w[1] - w[0]) / 25.4 * 72.0).collect();
        assert!(steps.iter().all(|&s| s >= 13.0 - 0.01), "{steps:?}");
        assert!(
            steps.iter().any(|&s| s > 16.0 && s < 22.0),
            "paragraph space {steps:?}"
        );
    }
}

#[test]
fn heads_a_continuation_page_with_sender_addressee_date_and_page() {
    let letters = letters_of(&repo().join("campaigns/juraev-2011.yaml"), Some(&eva()));
    let mut letter = letters
        .into_iter()
        .find(|l| l.recipient_id == "ru-prosecutor-general" && l.lang.as_str() == "ru")
        .unwrap();
    // The same letter with its plea twice: two pages.
    let parts = letter.parts.as_mut().unwrap();
    let paras = paragraphs(&parts.body);
    let plea = paras[2..paras.len() - 2].join("\n\n");
    parts.body = parts.body.replace(&plea, &format!("{plea}\n\n{plea}"));
    let p = placed(&FontChain::default(), &LAYOUTS[0], &letter);
    assert_eq!(p.pages.len(), 2);
    let head = p.pages[1]
        .iter()
        .min_by(|a, b| a.y.total_cmp(&b.y))
        .unwrap();
    // The addressee is shortened to keep the head on one line.
    assert_eq!(
        head.text,
        "Eva Muster · Генеральному прокурору Российской … · 15 января 2026\u{202f}г. · страница 2 из 2"
    );
    assert_eq!(head.size, 9.0);
    let foot = p.pages[0]
        .iter()
        .max_by(|a, b| a.y.total_cmp(&b.y))
        .unwrap();
    assert_eq!(foot.text, "страница 1 из 2");
}

#[test]
fn rules_the_sender_block_of_a_blank_letter_8_mm_apart_in_every_script() {
    let letters = letters_of(&repo().join("campaigns/juraev-2011.yaml"), None);
    let fonts = FontChain::default();
    for letter in &letters {
        for layout in &LAYOUTS {
            let mut p = placed(&fonts, layout, letter);
            let (page_w, _) = layout.paper.size();
            let (ix, iy) = layout.info;
            let what = format!("{} {} {}", letter.recipient_id, letter.lang, layout.name);
            // The sender block's rules; a copy also has the rule above the letter it quotes.
            let separators = p.rules.iter().filter(|r| r.y > iy + 40.0).count();
            assert_eq!(
                separators,
                usize::from(letter.copy),
                "{what}: {:?}",
                p.rules
            );
            p.rules.retain(|r| r.y <= iy + 40.0);
            assert_eq!(p.rules.len(), 3, "{what}: {:?}", p.rules);
            for pair in p.rules.windows(2) {
                assert!(((pair[1].y - pair[0].y) - 8.0).abs() < 0.01, "{what}");
            }
            for rule in &p.rules {
                assert_eq!(rule.page, 0);
                assert!(rule.x.0 >= ix - 0.01, "{what}: starts left of the block");
                assert!(
                    rule.x.1 <= page_w - layout.right + 0.01,
                    "{what}: past the margin"
                );
                assert!(rule.x.1 - rule.x.0 > 20.0, "{what}: room to write");
            }
            // No underscores are printed in the sender's block.
            assert!(
                !p.pages[0]
                    .iter()
                    .any(|l| l.size < BODY && l.text.contains("___")),
                "{what}"
            );
            // Right to left: each rule ends where its label begins, on the right.
            if letter.lang.is_rtl() {
                let label = p.pages[0]
                    .iter()
                    .find(|l| l.size < BODY && (l.y - (p.rules[0].y - 0.6)).abs() < 0.01)
                    .expect("the first label on its rule");
                assert!(
                    p.rules[0].x.1 < label.x,
                    "{what}: {:?} {label:?}",
                    p.rules[0]
                );
                // The label is flush right at the margin, as the rest of the letter.
                let width: f32 =
                    label.runs.iter().map(|r| r.width_em).sum::<f32>() * label.size / 72.0 * 25.4;
                let margin = page_w - layout.right;
                assert!((label.x + width - margin).abs() < 0.01, "{what}: {label:?}");
            }
        }
    }
}
