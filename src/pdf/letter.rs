//! A letter laid out on pages: the head of the first page, the body flowed after it, the page
//! number at the foot of the first page and a running head on the pages after it.

use super::flow::{Signing, flow_pages, page_label, wrap_body};
use super::head::{info_block, return_line, window_address};
use super::layout::{Layout, PdfOptions};
use super::set::{MM_PER_PT, Placed, PlacedLine, Role, Setter, Setting, set_line};
use super::text::{Weight, is_rtl_paragraph};
use super::{Error, FontChain, all_text, glyph_check};
use crate::model::lang::Lang;
use crate::render::letter::{Letter, LetterParts};

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
    let fonts = &fonts.for_lang(lang);
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
    let (info, mut rules) = info_block(&setter, layout, parts, page_w);
    let layout = &below_the_sender(layout, &info, what)?;
    first.extend(info);
    let margins = (layout.left, page_w - layout.right);
    let lines = wrap_body(
        fonts,
        parts,
        (page_w - layout.left - layout.right) / MM_PER_PT,
    );
    let (mut pages, separators) = flow_pages(&setter, layout, first, lines, margins, signing(lang));
    rules.extend(separators);
    let count = pages.len();
    let small = Setting {
        size: 9.0,
        weight: Weight::Regular,
        margins,
    };
    if let [first, rest @ ..] = pages.as_mut_slice()
        && !rest.is_empty()
    {
        // "page 1 of 2" at the foot says that more follows; the pages after it say which letter
        // they belong to at the head, where a clerk sorting loose pages looks.
        let label = page_label(lang.as_str(), 1, count);
        let rtl = is_rtl_paragraph(&label);
        first.push(set_line(fonts, &label, rtl, true, page_h - 12.0, small).tagged(Role::Artifact));
        for (i, page) in rest.iter_mut().enumerate() {
            let head = running_head(
                &setter,
                parts,
                &page_label(lang.as_str(), i + 2, count),
                small,
            );
            page.push(
                setter
                    .para_line(&head, setter.letter_rtl, layout.next_top, small)
                    .tagged(Role::Artifact),
            );
        }
    }
    Ok(Placed { pages, rules })
}

/// The room the sender's block needs below its date: two lines of body text.
const BELOW_THE_DATE: f32 = 8.5;

/// `layout` with the body starting below the sender's block (`info`) when a supporter's long
/// address makes the block taller than the layout's room beside the window. A block above the
/// window (the US layout) cannot move the window: running into it is an error.
fn below_the_sender(layout: &Layout, info: &[PlacedLine], what: &str) -> Result<Layout, Error> {
    let Some(date) = info.iter().map(|l| l.y).reduce(f32::max) else {
        return Ok(*layout);
    };
    let (wx, wy, ww, _) = layout.window;
    let above_the_window = layout.info.1 < wy && layout.info.0 < wx + ww;
    if above_the_window {
        // The date's descenders and a line's gap above the window's top edge.
        if date + 2.0 > wy {
            return Err(Error::SenderOverflow {
                what: what.to_string(),
                lines: info.len(),
                layout: layout.name,
            });
        }
        return Ok(*layout);
    }
    Ok(Layout {
        body_top: layout.body_top.max(date + BELOW_THE_DATE),
        ..*layout
    })
}

/// Where letters in `lang` are signed: Chinese at the bottom right (落款), Persian at the lower
/// left, others where the body stands.
fn signing(lang: &Lang) -> Signing {
    match lang.as_str().split('-').next() {
        Some("zh") => Signing::NameRight,
        Some("fa") => Signing::ClosingLeft,
        _ => Signing::AsBody,
    }
}

/// The running head of a continuation page: sender, addressee, date and "page N of M", so a
/// page that comes loose can be matched to its letter. The addressee's first line is shortened
/// (" …") to keep the head on one line; a blank letter's head has no sender.
fn running_head(setter: &Setter, parts: &LetterParts, label: &str, setting: Setting) -> String {
    let sender = parts.sender.first().filter(|l| !l.contains("___"));
    let addressee = parts.recipient.first().map_or("", |l| l.trim());
    let head = |addressee: &str| {
        sender
            .map(String::as_str)
            .into_iter()
            .chain([addressee, parts.date.as_str(), label])
            .filter(|part| !part.trim().is_empty())
            .collect::<Vec<_>>()
            .join(" · ")
    };
    let (left, right) = setting.margins;
    let fits = |text: &str| {
        setter
            .fonts
            .width(text, setting.size, setting.weight, setter.letter_rtl)
            * MM_PER_PT
            <= right - left
    };
    let words: Vec<&str> = addressee.split_whitespace().collect();
    (1..=words.len())
        .rev()
        .map(|n| {
            if n == words.len() {
                head(addressee)
            } else {
                head(&format!("{} …", words[..n].join(" ")))
            }
        })
        .find(|text| fits(text))
        .unwrap_or_else(|| head(""))
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
    if let Some(subject) = &parts.subject {
        bold_check(&fonts.for_lang(&letter.lang), subject, warnings);
    }
    if parts.body.trim().is_empty() {
        return Err(Error::NoBody {
            what: what.to_string(),
        });
    }
    // Under --allow-overflow an address too long for the window is printed on below it: said,
    // with the lines that wrapped, so nobody is surprised at the envelope.
    let layout = &options.layout;
    if options.allow_overflow {
        let fit = super::fit_address(fonts, layout, &parts.recipient);
        if !fit.fits() {
            let overflow = Error::AddressOverflow {
                what: what.to_string(),
                lines: fit.lines.len(),
                layout: layout.name,
                max: fit.holds,
                wrapped: fit.wrapped,
                envelope: layout.envelope,
            };
            warnings.push(format!(
                "{overflow}; printed anyway, running past the window (--allow-overflow)"
            ));
        }
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

/// Warns when bold text (the subject) has characters no bold face draws: they are set in the
/// regular weight, which reads as a mistake in a heading. The warning names the fonts, not the
/// letter, so a run says it once (`Summary::warn`), however many letters the font draws.
pub(super) fn bold_check(fonts: &FontChain, bold: &str, warnings: &mut Vec<String>) {
    let fonts = fonts.without_bold(bold);
    if !fonts.is_empty() {
        warnings.push(format!(
            "no bold face found for {}: the bold text it draws (subjects, headings) is set in \
             the regular weight (hint: install the font's bold, e.g. Debian's fonts-noto-cjk for \
             Noto Sans CJK)",
            fonts.join(", ")
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdf::LAYOUTS;
    use crate::pdf::flow::page_label;
    use crate::pdf::set::{BODY_SIZE, PlacedLine};

    /// `body` placed in a letter in `lang` to recipient "A" on the first layout.
    fn place_body(body: &str, lang: &str) -> Placed {
        let lang = Lang::parse(lang).unwrap();
        place(
            &FontChain::default(),
            &LAYOUTS[0],
            &parts(&["A"], body),
            &lang,
            "t",
            true,
        )
        .unwrap()
    }

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
            return_address: Some("Eva Muster · Hauptstraße 1 · 10115 Berlin".into()),
        }
    }

    #[test]
    fn a_tall_sender_block_pushes_the_body_down_beside_the_window_and_is_refused_above_it() {
        let mut tall = parts(&["A"], "Sehr geehrte Damen und Herren,\n\nText.");
        tall.sender = (0..12).map(|i| format!("Zeile {i}")).collect();
        let lang = Lang::parse("de").unwrap();
        for layout in LAYOUTS {
            let placed = place(&FontChain::default(), &layout, &tall, &lang, "t", true);
            let (_, wy, _, _) = layout.window;
            if layout.info.1 < wy {
                // US #10: the block is above the window, which it would run into.
                let err = placed.unwrap_err().to_string();
                assert!(err.contains("the sender's block takes 13 lines"), "{err}");
                continue;
            }
            let placed = placed.unwrap();
            let first = &placed.pages[0];
            let date = first.iter().find(|l| l.text == tall.date).unwrap();
            let body = first.iter().find(|l| l.text.starts_with("Sehr")).unwrap();
            assert!(
                body.y >= date.y + BELOW_THE_DATE,
                "{}: body at {}, date at {}",
                layout.name,
                body.y,
                date.y
            );
            // Lower than the layout puts it (a usual block leaves it there: the other tests).
            assert!(body.y > layout.body_top + 1.0, "{}", layout.name);
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
            p.pages[0]
                .iter()
                .any(|l| l.text == format!("Seite 1 von {}", p.pages.len()))
        );
        // A loose page says whose letter it is, to whom, of when, and which page.
        let head = format!(
            "Eva Muster · A · 3 мая 2011 г. · Seite 2 von {}",
            p.pages.len()
        );
        assert!(
            p.pages[1].iter().any(|l| l.text == head),
            "{:?}",
            p.pages[1].last()
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
        let placed = |lang: &str| place_body(body, lang);
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
    fn signs_and_dates_a_chinese_letter_at_the_bottom_right() {
        let body =
            "　　我相信您会竭尽所能保护他。\n\n　　此致\n敬礼！\n\n\n\nEva Muster\n2026年1月15日";
        let placed = |lang: &str| place_body(body, lang);
        let (page_w, _) = LAYOUTS[0].paper.size();
        let right = page_w - LAYOUTS[0].right;
        let zh = placed("zh");
        let end = |l: &PlacedLine| {
            l.x + l.runs.iter().map(|r| r.width_em).sum::<f32>() * l.size * MM_PER_PT
        };
        // The body's line, not the sender's block of the head.
        fn body_line<'p>(p: &'p Placed, text: &str) -> &'p PlacedLine {
            p.pages[0]
                .iter()
                .find(|l| l.text == text && l.size == BODY_SIZE)
                .unwrap()
        }
        for text in ["Eva Muster", "2026年1月15日"] {
            let line = body_line(&zh, text);
            assert!(
                (end(line) - right).abs() < 0.01,
                "{text} ends at {}",
                end(line)
            );
        }
        // The closing stays where the template puts it: 此致 indented, 敬礼！ flush left.
        for text in ["　　此致", "敬礼！"] {
            assert_eq!(body_line(&zh, text).x, LAYOUTS[0].left, "{text}");
        }
        // Other languages sign flush left.
        let en = placed("en");
        assert_eq!(body_line(&en, "Eva Muster").x, LAYOUTS[0].left);
    }

    #[test]
    fn signs_a_persian_letter_at_the_lower_left_and_an_arabic_one_at_the_right() {
        let body = "از شما سپاسگزارم.\n\nبا تقدیم احترام\n\n\n\nEva Muster";
        let placed = |lang: &str| place_body(body, lang);
        let line = |p: &Placed, text: &str| -> f32 {
            p.pages[0]
                .iter()
                .find(|l| l.text == text && l.size == BODY_SIZE)
                .unwrap()
                .x
        };
        let fa = placed("fa");
        let left = LAYOUTS[0].left;
        // The closing formula and the name at the left; the body's paragraph flush right.
        assert_eq!(line(&fa, "با تقدیم احترام"), left);
        assert_eq!(line(&fa, "Eva Muster"), left);
        assert!(line(&fa, "از شما سپاسگزارم.") > left + 50.0);
        let ar = placed("ar");
        assert!(
            line(&ar, "Eva Muster") > left + 50.0,
            "an Arabic letter signs at the right"
        );
    }

    #[test]
    fn sets_chinese_lines_at_one_and_a_half_ems_and_latin_lines_as_before() {
        let mut fonts = FontChain::default();
        if !fonts.add_system_font_for('我') {
            eprintln!("skipped: no CJK font found through fontconfig");
            return;
        }
        let steps = |body: &str, lang: &str| {
            let p = place(
                &fonts,
                &LAYOUTS[0],
                &parts(&["A"], body),
                &Lang::parse(lang).unwrap(),
                "t",
                false,
            )
            .unwrap();
            let ys: Vec<f32> = p.pages[0]
                .iter()
                .filter(|l| l.size == BODY_SIZE)
                .map(|l| l.y / MM_PER_PT)
                .collect();
            ys.windows(2).map(|w| w[1] - w[0]).collect::<Vec<f32>>()
        };
        let zh = steps(&"我谨就此案致函，对此我深感关切。".repeat(12), "zh");
        assert!(zh.len() >= 3, "{zh:?}");
        assert!(zh.iter().all(|s| *s >= 16.5 - 0.01), "{zh:?}");
        let en = steps(
            &"I write to you about this case with deep concern. ".repeat(12),
            "en",
        );
        assert!(en.len() >= 3, "{en:?}");
        assert!(en.iter().all(|s| (s - 13.6).abs() < 0.01), "{en:?}");
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
        assert_eq!(page_label("ar", 2, 13), "الصفحة 2 من 13");
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
