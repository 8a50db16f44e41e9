//! `appeal sheet`: the urgent-action sheet as Markdown, plain text and PDF, with follow-ups, and
//! the campaign's words printed as written whatever Markdown would make of them.

use crate::harness::{DEMO_CAMPAIGN, Test};

fn sheet(t: Test, extra: &[&str]) -> crate::harness::Run {
    let mut args = vec!["sheet", "campaigns/demo.yaml"];
    args.extend_from_slice(extra);
    t.args(args).run().no_panic()
}

#[test]
fn the_sheet_says_what_to_ask_whom_and_by_when() {
    let run = sheet(Test::demo(), &["--lang", "en"]).status(0);
    let md = &run.stdout;
    for expected in [
        "# URGENT ACTION\n",
        "# Do not extradite Anna Test\n",
        "At risk of: torture if returned\n",
        "Anna Test is detained.\n",
        "## PLEASE WRITE IMMEDIATELY in Russian or your own language:\n",
        "- Urge them not to extradite her\n",
        "## PLEASE SEND APPEALS BEFORE 1 MARCH 2026 TO:\n",
        "Prosecutor General\\\nStreet 1\\\nMoscow 125993\\\nRUSSIAN FEDERATION\\\nFax: +7 495 000 00 00\\\nSalutation: Dear Prosecutor General\n",
        "## And copies to:\n\ncopies only\n",
        "UA: UA 1/26. Issue date: 10 January 2026.\n",
    ] {
        assert!(md.contains(expected), "missing {expected:?} in:\n{md}");
    }
}

#[test]
fn plain_text_has_no_markdown_left() {
    let run = sheet(Test::demo(), &["--lang", "ru", "--format", "txt"]).status(0);
    let txt = &run.stdout;
    assert!(
        txt.starts_with("СРОЧНАЯ АКЦИЯ\n\nНЕ ВЫДАВАЙТЕ АННУ ТЕСТ\n"),
        "{txt}"
    );
    assert!(txt.contains("• Призовите не выдавать её\n"), "{txt}");
    assert!(
        txt.contains("Street 1\nMoscow 125993\nRUSSIAN FEDERATION\nФакс: +7 495 000 00 00\n"),
        "{txt}"
    );
    assert!(!txt.contains('\\') && !txt.contains("# "), "{txt}");
}

#[test]
fn a_campaigns_words_are_printed_as_written() {
    let campaign = DEMO_CAMPAIGN.replace(
        "  en: \"Anna Test is detained.\"",
        "  en: |\n    Anna *Test* is held_in <custody> [sic].\n    1. Not a list\n    - nor this\n    # nor a heading",
    );
    let run = sheet(
        Test::demo().file("campaigns/demo.yaml", campaign.clone()),
        &["--lang", "en", "--format", "txt"],
    )
    .status(0);
    assert!(
        run.stdout.contains(
            "Anna *Test* is held_in <custody> [sic]. 1. Not a list - nor this # nor a heading\n"
        ),
        "{}",
        run.stdout
    );
    // The Markdown escapes them, so a Markdown viewer shows them as written too.
    let run = sheet(
        Test::demo().file("campaigns/demo.yaml", campaign),
        &["--lang", "en"],
    )
    .status(0);
    assert!(
        run.stdout
            .contains("Anna \\*Test\\* is held\\_in \\<custody\\> \\[sic\\].\n1\\. Not a list\n\\- nor this\n\\# nor a heading\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_stopped_action_shows_its_outcome_and_no_asks() {
    let campaign = format!(
        "{DEMO_CAMPAIGN}updates:\n  - date: 2026-02-20\n    action: stop\n    text: {{en: \"Anna Test was released.\", ru: \"Анна Тест освобождена.\"}}\n"
    );
    let run = sheet(
        Test::demo().file("campaigns/demo.yaml", campaign),
        &["--lang", "en"],
    )
    .status(0);
    let md = &run.stdout;
    assert!(md.contains("## FURTHER INFORMATION: STOP ACTION\n"), "{md}");
    assert!(
        md.contains("## Stop action, 20 February 2026\n\nAnna Test was released.\n"),
        "{md}"
    );
    assert!(md.contains("No further action is requested."), "{md}");
    assert!(
        !md.contains("PLEASE WRITE") && !md.contains("PLEASE SEND"),
        "{md}"
    );
}

#[test]
fn writes_a_pdf_whose_text_reads_back() {
    let run = sheet(Test::demo(), &["--lang", "ru", "--format", "pdf"])
        .status(0)
        .stderr_has("wrote ./demo.ru.pdf");
    let bytes = std::fs::read(run.test.path().join("demo.ru.pdf")).unwrap();
    let doc = lopdf::Document::load_mem(&bytes).expect("a valid PDF");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    let text = doc.extract_text(&pages).expect("text extracts");
    for expected in [
        "СРОЧНАЯ АКЦИЯ",
        "Призовите не выдавать её",
        "+7 495 000 00 00",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    let lang = doc
        .catalog()
        .and_then(|c| c.get(b"Lang"))
        .and_then(|l| l.as_str())
        .unwrap();
    assert_eq!(lang, b"ru");
    // The same sheet again is the same file; a changed one is not written over without --force.
    let run = sheet(run.test, &["--lang", "ru", "--format", "pdf"])
        .status(0)
        .stderr_has("already there, unchanged");
    let run = sheet(
        run.test,
        &["--lang", "en", "--format", "pdf", "--out", "demo.ru.pdf"],
    )
    .status(1)
    .stderr_has("demo.ru.pdf");
    sheet(
        run.test,
        &[
            "--lang",
            "en",
            "--format",
            "pdf",
            "--out",
            "demo.ru.pdf",
            "--force",
        ],
    )
    .status(0);
}

#[test]
fn a_language_the_campaign_lacks_is_refused_with_the_ones_it_has() {
    sheet(Test::demo(), &["--lang", "fr"])
        .status(1)
        .stderr_has("the campaign has no `fr` texts; it has: en, ru");
}

#[test]
fn several_languages_to_write_in_are_listed_once_with_or() {
    let both = DEMO_CAMPAIGN.replace("write_in: [ru]", "write_in: [ru, en]");
    sheet(
        Test::demo().file("campaigns/demo.yaml", both.clone()),
        &["--lang", "en"],
    )
    .status(0)
    .stdout_has("## PLEASE WRITE IMMEDIATELY in Russian, English or your own language:\n");
    let only = both.replace("or_own_language: true", "or_own_language: false");
    sheet(
        Test::demo().file("campaigns/demo.yaml", only),
        &["--lang", "en"],
    )
    .status(0)
    .stdout_has("## PLEASE WRITE IMMEDIATELY in Russian or English:\n");
}

#[test]
fn a_sections_country_lists_its_embassy_or_says_the_directory_lacks_it() {
    sheet(Test::demo(), &["--lang", "en", "--country", "NO"])
        .status(0)
        // A Norwegian section posts within Norway: no country line.
        .stdout_has("Drammensveien 74\\\n0244 Oslo\n")
        .stderr_lacks("warning");
    sheet(Test::demo(), &["--lang", "en", "--country", "JP"])
        .status(0)
        .stderr_has("warning: copies[0]: the directory has no entry for the embassy of")
        .stdout_has("copies only");
}

#[test]
fn a_fax_number_reads_left_to_right_in_a_right_to_left_sheet() {
    let run = Test::shipped()
        .args([
            "sheet",
            "campaigns/juraev-2011.yaml",
            "--lang",
            "ar",
            "--format",
            "pdf",
            "--out",
            "ar.pdf",
        ])
        .run()
        .no_panic()
        .status(0);
    let bytes = std::fs::read(run.test.path().join("ar.pdf")).unwrap();
    let doc = lopdf::Document::load_mem(&bytes).expect("a valid PDF");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    let text = doc.extract_text(&pages).expect("text extracts");
    // One left-to-right run, "+" first; the isolate marks around it are not drawn.
    assert!(text.contains("+7 495 987 58 41"), "{text}");
    assert!(
        !text.contains('\u{2066}') && !text.contains('\u{2069}'),
        "{text}"
    );
}

#[test]
fn out_dash_is_standard_output_not_a_file_named_dash() {
    let run = Test::shipped()
        .args([
            "sheet",
            "campaigns/juraev-2011.yaml",
            "--lang",
            "en",
            "--format",
            "txt",
            "--out",
            "-",
        ])
        .run()
        .no_panic()
        .status(0);
    assert!(run.stdout.contains("Juraev"), "{}", run.stdout);
    assert!(!run.test.path().join("-").exists());
}
