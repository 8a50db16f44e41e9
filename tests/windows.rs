//! Window layouts and what `check` promises about paper: the addresses of the shipped campaigns
//! in the US #10 window, each address line set by its own script, the return line inside the
//! window, and `check` refusing what `letters --format pdf` would refuse (but not for a letter
//! that goes in no envelope).

use appeal::model::supporter::{Supporter, SupporterInput};
use appeal::pdf::{FontChain, LAYOUTS, Layout, PdfOptions, PlacedLine, place};
use appeal::render::letter::Letter;

use crate::harness::{DEMO_CAMPAIGN, DEMO_DIRECTORY, Test, repo};

const MM_PER_PT: f32 = 25.4 / 72.0;
const LANGS: [&str; 8] = ["ru", "en", "fr", "de", "es", "ar", "fa", "zh"];

fn layout(name: &str) -> Layout {
    Layout::named(name).unwrap()
}

/// A line's width, mm, from the runs it was shaped into.
fn width(l: &PlacedLine) -> f32 {
    l.runs.iter().map(|r| r.width_em).sum::<f32>() * l.size * MM_PER_PT
}

fn supporter(country: &str, name: &str, street: &str, city: &str) -> Supporter {
    SupporterInput {
        name: name.into(),
        address: vec![street.into()],
        postcode: "10115".into(),
        city: city.into(),
        country: country.into(),
        ..SupporterInput::default()
    }
    .check()
    .unwrap()
}

fn shipped_letters(campaign: &str, who: &Supporter) -> Vec<Letter> {
    let path = repo().join("campaigns").join(campaign);
    let date = chrono::NaiveDate::from_ymd_opt(2011, 4, 1).unwrap();
    crate::harness::render_letters(&path, Some(who), date, &[])
}

fn shipped_campaigns() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(repo().join("campaigns"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    names.sort();
    names
}

fn placed_first_page(letter: &Letter, layout: &Layout) -> Vec<PlacedLine> {
    let parts = letter.parts.as_ref().unwrap();
    let what = format!("the {} letter to `{}`", letter.lang, letter.recipient_id);
    let mut placed = place(
        &FontChain::default(),
        layout,
        parts,
        &letter.lang,
        &what,
        false,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    placed.pages.swap_remove(0)
}

/// The address lines of a placed first page: those inside the layout's address area.
fn address_lines<'p>(page: &'p [PlacedLine], layout: &Layout) -> Vec<&'p PlacedLine> {
    // Below the return line, above the body, left of the sender's block beside the window.
    let (_, top, right, bottom) = layout.address;
    page.iter()
        .filter(|l| l.y > top && l.y < bottom + 10.0 && l.y < layout.body_top - 5.0)
        .filter(|l| l.x < right)
        .collect()
}

#[test]
fn the_us10_window_keeps_the_usps_clearance_with_the_insert_at_its_limits() {
    let us = layout("us10");
    let (wx, wy, ww, wh) = us.window;
    let (left, top, right, bottom) = us.address;
    // The address 1/8 in (3.175 mm) inside the part of the page the window always shows.
    for (gap, what) in [
        (left - wx, "left"),
        (wx + ww - right, "right"),
        (top - wy, "top"),
        (wy + wh - bottom, "bottom"),
    ] {
        assert!(gap >= 3.17, "{what} clearance {gap} mm");
    }
    // The window on a #10 envelope (1 1/8 in tall, 1/2 in from the bottom of a 4 1/8 in
    // envelope) seen on a letter folded at the first fold mark, resting on the fold or pushed up.
    let fold = us.fold_marks[0];
    let window_top = (4.125 - 0.5 - 1.125) * 25.4;
    let play = 4.125 * 25.4 - fold;
    assert!(play > 0.0, "the folded letter fits the envelope");
    assert!(
        (wy - window_top).abs() < 0.01
            && (wy + wh - (window_top + 1.125 * 25.4 - play)).abs() < 0.01
    );
    assert!(
        us.body_top - 11.0 * 0.76 * MM_PER_PT > window_top + 1.125 * 25.4,
        "no body text in the window"
    );
}

#[test]
fn every_us10_letter_of_the_shipped_campaigns_fits_its_window() {
    let us = layout("us10");
    let who = supporter("US", "John Doe", "1 Main St", "Springfield");
    let mut most = 0;
    for campaign in shipped_campaigns() {
        for letter in shipped_letters(&campaign, &who) {
            let page = placed_first_page(&letter, &us);
            let lines = address_lines(&page, &us);
            let (left, top, right, bottom) = us.address;
            for l in &lines {
                assert!(
                    l.x >= left - 0.01 && l.x + width(l) <= right + 0.01,
                    "{campaign} {}: {l:?}",
                    letter.lang
                );
                assert!(l.y - 0.76 * l.size * MM_PER_PT >= top - 0.01, "{l:?}");
                assert!(l.y + 0.24 * l.size * MM_PER_PT <= bottom + 0.01, "{l:?}");
                assert!(l.size >= 8.0, "USPS reads no less than 8 pt: {l:?}");
            }
            most = most.max(lines.len());
        }
    }
    assert!(
        most >= 6,
        "the shipped campaigns have a 6-line address: {most}"
    );
}

#[test]
fn holds_six_lines_in_the_us10_window_and_refuses_a_seventh_naming_the_wrapped_line() {
    let fonts = FontChain::default();
    let us = layout("us10");
    let six: Vec<String> = (1..=6).map(|i| format!("Line {i}")).collect();
    assert!(appeal::pdf::fit_address(&fonts, &us, &six).fits());
    let mut long = six.clone();
    long[2] = "Directorate of Extradition and Mutual Legal Assistance in Criminal Matters".into();
    let fit = appeal::pdf::fit_address(&fonts, &us, &long);
    assert!(!fit.fits());
    assert_eq!(fit.wrapped, [long[2].clone()]);
    // A short address is set larger: 10 pt, the size USPS recommends.
    let three = &six[..3];
    assert_eq!(appeal::pdf::fit_address(&fonts, &us, three).size, 10.0);
}

#[test]
fn sets_the_address_block_on_one_edge_flush_left_where_the_post_reads() {
    let who = supporter("DE", "Eva Muster", "Hauptstraße 1", "Berlin");
    let letters = shipped_letters("juraev-2011.yaml", &who);
    for name in ["din-b", "us10"] {
        let layout = layout(name);
        let (left, _, right, _) = layout.address;
        for lang in ["ar", "fa", "en"] {
            let letter = letters
                .iter()
                .find(|l| l.lang.as_str() == lang && l.recipient_id == "ru-prosecutor-general")
                .unwrap();
            let page = placed_first_page(letter, &layout);
            let lines = address_lines(&page, &layout);
            let address: Vec<&&PlacedLine> = lines.iter().filter(|l| l.size >= 8.0).collect();
            assert!(address.iter().any(|l| l.text == "125993"), "{lines:?}");
            if lang != "en" {
                assert!(
                    address.iter().any(|l| l.rtl),
                    "{lang}: an Arabic-script addressee"
                );
            }
            // An Arabic or Persian addressee above Latin postal lines shares their left edge.
            for l in address {
                assert!((l.x - left).abs() < 0.01, "{name} {lang}: {l:?}");
                assert!(l.x + width(l) <= right + 0.01, "{name} {lang}: {l:?}");
            }
        }
    }
}

#[test]
fn the_return_line_stays_inside_the_window_in_every_shipped_language() {
    let long = supporter(
        "DE",
        "Dr. Maria-Magdalena Schmidt-Leutheusser-Rosenbaum",
        "Karl-Liebknecht-Straße 123a, Hinterhaus, 3. Obergeschoss links",
        "Frankfurt am Main",
    );
    let arabic = supporter("DE", "ليلى أحمد عبد الرحمن", "شارع الجامعة ١٢", "Berlin");
    for who in [&long, &arabic] {
        for campaign in shipped_campaigns() {
            for letter in shipped_letters(&campaign, who) {
                for layout in LAYOUTS.iter().filter(|l| l.return_line > 0.0) {
                    let page = placed_first_page(&letter, layout);
                    let (wx, wy, ww, _) = layout.window;
                    let (left, top, right, _) = layout.address;
                    let ret: Vec<&PlacedLine> = page
                        .iter()
                        .filter(|l| l.y > wy && l.y < top && l.size <= 7.0)
                        .collect();
                    assert!(
                        !ret.is_empty(),
                        "{campaign} {}: no return line",
                        letter.lang
                    );
                    for l in ret {
                        assert!(l.size >= 6.0, "{l:?}");
                        assert!(
                            l.x >= left - 0.01 && l.x + width(l) <= right + 0.01,
                            "{l:?}"
                        );
                        assert!(l.x >= wx && l.x + width(l) <= wx + ww);
                        // By its own script: Latin flush left, Arabic flush right.
                        if l.rtl {
                            assert!((l.x + width(l) - right).abs() < 0.01, "{l:?}");
                        } else {
                            assert!((l.x - left).abs() < 0.01, "{l:?}");
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn a_page_for_no_envelope_is_not_held_to_the_window() {
    let fonts = FontChain::default();
    let eight: Vec<String> = (1..=8).map(|i| format!("Line {i}")).collect();
    let din = layout("din-b");
    assert!(!appeal::pdf::fit_address(&fonts, &din, &eight).fits());
    let options = PdfOptions {
        layout: din,
        allow_overflow: false,
        allow_missing_glyphs: false,
        pdfa: false,
    }
    .without_envelope();
    let fit = appeal::pdf::fit_address(&fonts, &options.layout, &eight);
    assert!(fit.fits(), "{fit:?}");
}

/// The demo with the prosecutor's address of 6 lines, two of them too long for any window: 9
/// lines in all.
fn long_address(extra: &str) -> Test {
    let address = r#"address: ["Directorate for International Legal Cooperation and Extradition", "Office of the Prosecutor General of the Russian Federation", "Bolshaia Dmitrovka 15 A", "GSP-3", "Moscow 125993", "Russian Federation"]"#;
    Test::new()
        .file(
            "campaigns/demo.yaml",
            DEMO_CAMPAIGN.replace("deadline: 2026-03-01", "deadline: 2099-03-01"),
        )
        .file(
            "recipients/demo.yaml",
            DEMO_DIRECTORY.replacen(
                r#"address: ["Street 1", "Moscow 125993", "Russian Federation"]"#,
                &format!("{address}\n{extra}"),
                1,
            ),
        )
}

const WRAPPED: &str = "these lines wrapped: `Directorate for International Legal Cooperation and Extradition`, `Office of the Prosecutor General of the Russian Federation`";

#[test]
fn check_refuses_an_address_that_overflows_a_window_naming_the_entry_and_the_wrapped_lines() {
    let run = long_address("")
        .args(["check", "--date", "2026-02-01"])
        .run()
        .no_panic()
        .status(1)
        .stderr_has("error: recipients/demo.yaml:2:5: recipients[xx-prosecutor].address: the en, ru letters to `xx-prosecutor`: the address takes 9 lines but the window of layouts `din-b` and `din-a` hold 7")
        // The supporters of the demo live in Norway: A4, so US #10 is only a warning.
        .stderr_has("warning: recipients/demo.yaml:2:5: recipients[xx-prosecutor].address: the en, ru letters to `xx-prosecutor`: the address takes 9 lines but the window of layout `us10` holds 6")
        .stderr_has(WRAPPED)
        .stderr_has("hint: `letters --format pdf` refuses these letters; shorten the wrapped lines or split each in two");
    // And `letters` says the same of the letter it refuses.
    run.test
        .args([
            "letters",
            "campaigns/demo.yaml",
            "--format",
            "pdf",
            "--lang",
            "en",
            "--date",
            "2026-02-01",
        ])
        .run()
        .no_panic()
        .status(1)
        .stderr_has("the address takes 9 lines but the window of layout `din-b` holds 7")
        .stderr_has(WRAPPED);
}

#[test]
fn check_accepts_an_overflow_for_an_entry_reached_only_by_fax_or_email() {
    for reach in ["", "    email: \"prosecutor@example.org\"\n"] {
        let run = no_postal_address(reach)
            .args(["check", "--date", "2026-02-01"])
            .run()
            .no_panic()
            .status(0)
            .stderr_has("warning: recipients/demo.yaml:2:5: recipients[xx-prosecutor].addressee")
            .stderr_has(
                "the entry has no postal address: its letters go by fax or email, in no envelope",
            );
        assert!(!run.stderr.contains("error:"), "{}", run.stderr);
    }
}

/// The demo with the prosecutor without a postal address, an addressee block of 8 lines in each
/// language, and `reach` (its email; else the fax alone).
fn no_postal_address(reach: &str) -> Test {
    let block = (1..=8)
        .map(|i| format!("        Line {i}\n"))
        .collect::<String>();
    let entry = DEMO_DIRECTORY.replacen(
        "    address: [\"Street 1\", \"Moscow 125993\", \"Russian Federation\"]\n",
        &format!("    unknown: [address]\n    addressee:\n      en: |\n{block}      ru: |\n{block}{reach}"),
        1,
    );
    Test::demo().file("recipients/demo.yaml", entry)
}

#[test]
fn queues_a_fax_whose_address_overflows_the_window() {
    // A fax goes in no envelope: its PDF is not refused for the window.
    long_address("    timezone: Europe/Moscow\n    office_hours: \"Mo-Su 00:00-24:00\"\n")
        .file(
            "appeal.yaml",
            "from: \"Amnesty Test Section <appeals@amnesty.example>\"\nown_domains: [amnesty.example]\n",
        )
        .args(["queue", "campaigns/demo.yaml"])
        .args(crate::harness::EVA)
        .args([
            "--email",
            "eva@example.org",
            "--fax-gateway",
            "{number}@fax.example.net",
        ])
        .run()
        .no_panic()
        .status(0)
        .stdout_has("1 message(s) queued");
}

#[test]
fn refuses_no_us10_letter_of_the_shipped_campaigns_through_the_binary() {
    for campaign in shipped_campaigns() {
        let mut args = vec![
            "letters".to_string(),
            format!("campaigns/{campaign}"),
            "--format".into(),
            "pdf".into(),
            "--paper".into(),
            "letter".into(),
            "--date".into(),
            "2011-04-01".into(),
        ];
        for a in [
            "--name",
            "John Doe",
            "--address",
            "1 Main St",
            "--postcode",
            "62701",
            "--city",
            "Springfield",
            "--region",
            "IL",
            "--country",
            "US",
        ] {
            args.push(a.into());
        }
        for lang in LANGS {
            if lang == "zh" && !crate::harness::fontconfig_has("zh-cn") {
                eprintln!("zh left out: fontconfig knows no Chinese font (Debian: fonts-noto-cjk)");
                continue;
            }
            args.extend(["--lang".to_string(), lang.to_string()]);
        }
        let run = Test::shipped().args(args).run().no_panic().status(0);
        assert!(!run.stdout.contains("failed"), "{campaign}: {}", run.stdout);
    }
}

#[test]
fn a_return_line_longer_than_the_remark_zone_is_cut_with_an_ellipsis_inside_the_window() {
    let huge = "Wolfgang-Amadeus-Maximilian ".repeat(10);
    let who = supporter("DE", huge.trim(), &huge, &huge);
    let din = layout("din-b");
    let letter = shipped_letters("juraev-2011.yaml", &who).swap_remove(0);
    let page = placed_first_page(&letter, &din);
    let (_, wy, _, _) = din.window;
    let (left, top, right, _) = din.address;
    let ret: Vec<&PlacedLine> = page
        .iter()
        .filter(|l| l.y > wy && l.y < top && l.size <= 7.0)
        .collect();
    assert!(ret.len() >= 2, "{ret:?}");
    assert!(ret.last().unwrap().text.ends_with('…'), "{ret:?}");
    for l in &ret {
        assert!(
            l.x >= left - 0.01 && l.x + width(l) <= right + 0.01,
            "{l:?}"
        );
        assert!(l.y - 0.76 * l.size * MM_PER_PT > wy, "{l:?}");
    }
}

#[test]
fn a_long_sender_line_wraps_inside_the_senders_block() {
    // A name and street longer than the block beside the window: in a German letter they ran
    // off the right edge of the page, in an Arabic one into the window.
    let who = supporter(
        "DE",
        "Prof. Dr. Maximiliane Alexandra von Hohenzollern-Sigmaringen",
        "Karl-Liebknecht-Straße 1234, Hinterhaus, Seitenflügel links",
        "Berlin",
    );
    let letters = shipped_letters("juraev-2011.yaml", &who);
    for name in ["din-b", "din-a"] {
        let layout = layout(name);
        let (page_w, _) = layout.paper.size();
        let (ix, _) = layout.info;
        for lang in ["de", "ar"] {
            let letter = letters
                .iter()
                .find(|l| l.lang.as_str() == lang && l.recipient_id == "ru-prosecutor-general")
                .unwrap();
            let page = placed_first_page(letter, &layout);
            let block: Vec<&PlacedLine> = page
                .iter()
                .filter(|l| l.size == 9.0 && l.y < layout.body_top - 5.0 && l.x + 0.01 >= ix - 60.0)
                .filter(|l| {
                    l.text.contains("Hohenzollern")
                        || l.text.contains("Seitenflügel")
                        || l.text.contains("Maximiliane")
                        || l.text.contains("Liebknecht")
                })
                .collect();
            assert!(!block.is_empty(), "{name} {lang}: {page:?}");
            for l in block {
                assert!(
                    l.x >= ix - 0.01 && l.x + width(l) <= page_w - layout.right + 0.01,
                    "{name} {lang}: `{}` from {} to {} mm, the block is {ix} to {}",
                    l.text,
                    l.x,
                    l.x + width(l),
                    page_w - layout.right
                );
            }
        }
    }
}
