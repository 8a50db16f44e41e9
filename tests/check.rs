//! `appeal check`: every problem at once, warnings for stale data and past deadlines, exit codes.

use crate::harness::{DEMO_CAMPAIGN, DEMO_DIRECTORY, Test};

#[test]
fn passes_a_clean_campaign_and_counts_its_letters() {
    // 2 languages x (target + embassy copy in NO) x (blank + sample supporter)
    Test::demo()
        .args(["check", "--date", "2026-02-01"])
        .run()
        .no_panic()
        .status(0)
        .stdout_has("checked 1 campaign(s), rendered 8 letter(s): 0 error(s), 0 warning(s)")
        .stderr_lacks("warning");
}

#[test]
fn warns_when_the_deadline_has_passed() {
    Test::demo()
        .args(["check", "--date", "2026-03-11"])
        .run()
        .status(0)
        .stderr_has("warning: campaigns/demo.yaml:4:11: deadline: the deadline 2026-03-01 passed 10 days ago")
        .stderr_has("check with your section office");
}

#[test]
fn strict_makes_warnings_fail() {
    Test::demo()
        .args(["check", "--strict", "--date", "2029-01-01"])
        .run()
        .status(1)
        .stderr_has("passed 2 years ago");
}

#[test]
fn warns_about_directory_entries_verified_long_before_the_campaign() {
    Test::demo()
        .file("recipients/demo.yaml", DEMO_DIRECTORY.replacen("date: 2026-01-01", "date: 2020-05-01", 1))
        .args(["check", "--date", "2026-02-01"])
        .run()
        .status(0)
        .stderr_has("recipients/demo.yaml:2:5: recipients[xx-prosecutor].verified: last verified 2020-05-01");
}

#[test]
fn reports_a_salutation_missing_for_a_declared_language() {
    Test::demo()
        .file("recipients/demo.yaml", DEMO_DIRECTORY.replace(", ru: \"Уважаемый господин Посол\"", ""))
        .args(["check", "--date", "2026-02-01"])
        .run()
        .status(1)
        .stderr_has("recipients[ru-embassy-no].salutation: no `ru` salutation, needed for the ru letters to `ru-embassy-no`");
}

#[test]
fn reports_a_declared_language_without_a_template() {
    // The demo with its Russian texts relabelled as Swahili: every text is there, no template is.
    let campaign = crate::harness::DEMO_CAMPAIGN
        .replace("ru:", "sw:")
        .replace("[en, ru]", "[en, sw]")
        .replace("[ru]", "[sw]");
    Test::demo()
        .file("campaigns/demo.yaml", campaign)
        .args(["check", "--date", "2026-02-01"])
        .run()
        .status(1)
        .stderr_has("campaigns/demo.yaml:5:12: languages: no `letter` template for `sw` (tried built-in/letter.sw.txt; templates exist for: ")
        // The list names the shipped languages, whichever they are by now.
        .stderr_has(", en, es, ")
        .stderr_has("hint: add the template to templates/, or remove the language from `languages`");
}

#[test]
fn exits_2_on_a_usage_error() {
    Test::demo()
        .args(["check", "--date", "tomorrow"])
        .run()
        .status(2);
}

#[test]
fn warns_when_a_template_lacks_the_blocks_pdf_layout_needs() {
    Test::demo()
        .file(
            "templates/letter.en.txt",
            "{{ recipient.salutation }},\n\n{{ letter }}\n",
        )
        .args(["check", "--date", "2026-02-01"])
        .run()
        .no_panic()
        .status(0)
        .stderr_has("warning: templates/letter.en.txt: template: no `{% block sender %}`")
        .stderr_has("PDF letters cannot be laid out");
}

#[test]
fn refuses_line_breaks_and_control_characters_in_one_line_fields() {
    // A name with a line break once reached the `To` header and panicked `queue`; a title with an
    // escape drew raw terminal codes. Every one-line field is checked with file, line and field.
    let directory = DEMO_DIRECTORY
        .replace(
            r#"title: {en: "Prosecutor General","#,
            r#"name: {Latn: "Yuri\nChaika"}
    title: {en: "Prosecutor\u001bGeneral","#,
        )
        .replace(r#""Street 1""#, r#""Street\r1""#)
        .replace(
            r#"salutation: {en: "Your Excellency""#,
            r#"salutation: {en: "Your\tExcellency""#,
        );
    let run = Test::demo()
        .file("recipients/demo.yaml", directory)
        .args(["check", "campaigns/demo.yaml"])
        .run()
        .no_panic()
        .status(1)
        .stderr_has("recipients/demo.yaml:6:18: recipients[xx-prosecutor].name.Latn: holds a line break (this field is one line)")
        .stderr_has("recipients[xx-prosecutor].title.en: holds an escape character (U+001B)")
        .stderr_has("recipients/demo.yaml:8:15: recipients[xx-prosecutor].address[0]: holds a carriage return (U+000D)")
        .stderr_has("recipients[ru-embassy-no].salutation.en: holds a tab (this field is one line)")
        .stderr_has("hint: write it on one line")
        // The refused entry is not reported a second time as missing from the directory.
        .stderr_lacks("unknown recipient")
        .stderr_lacks("no embassy of");
    assert!(!run.stderr.contains('\u{1b}'), "{}", run.stderr);
    // `queue` reads the same loaders: refused the same way, never a panic.
    Test::demo()
        .file(
            "recipients/demo.yaml",
            run.test.read("recipients/demo.yaml"),
        )
        .file(
            "appeal.yaml",
            "from: \"Section <appeals@amnesty.example>\"\n",
        )
        .args([
            "queue",
            "campaigns/demo.yaml",
            "--name",
            "Eva Muster",
            "--country",
            "NO",
        ])
        .run()
        .no_panic()
        .status(1)
        .stderr_has("recipients[xx-prosecutor].name.Latn: holds a line break");
}

#[test]
fn refuses_control_characters_in_campaign_texts_but_not_line_breaks() {
    // Escapes in double quotes are how a control character gets into YAML.
    let campaign = DEMO_CAMPAIGN
        .replace(r#"ua: "UA 1/26""#, r#"ua: "UA\n1/26""#)
        .replace("I am writing about", r#"I am writing\a\0 about"#)
        .replace("Anna Test is detained.", "Anna Test\nis detained.");
    Test::demo()
        .file("campaigns/demo.yaml", campaign)
        .args(["check", "campaigns/demo.yaml"])
        .run()
        .no_panic()
        .status(1)
        .stderr_has("ua: holds a line break (this field is one line)")
        .stderr_has("letter.en: holds a control character (U+0007)")
        .stderr_has(
            "hint: remove it: a letter's text holds only printable characters and line breaks",
        );
}

#[test]
fn warns_when_a_persons_name_is_in_none_of_a_languages_texts() {
    // The second native review's case: the person turned into Zarina, the Russian texts still
    // about «Анна» (declined forms such as «Анну» count as the name).
    Test::demo()
        .file(
            "campaigns/demo.yaml",
            DEMO_CAMPAIGN.replace("Cyrl: \"Анна Тест\"", "Cyrl: \"Зарина Тест\""),
        )
        .args(["check", "--date", "2026-02-01"])
        .run()
        .status(0)
        .stderr_has("warning: campaigns/demo.yaml:12:11: persons[0].name: the ru spelling of the name, `Зарина Тест`, is in none of the campaign's ru texts (no `Зарина`)")
        .stderr_has("hint: spell the person the same way in `name` and in the ru texts")
        .stderr_lacks("the en spelling");
}

#[test]
fn warns_when_a_language_spells_the_name_otherwise_than_its_texts() {
    // German texts with the English transliteration, under a German spelling of the name.
    let t = Test::shipped();
    let file = "campaigns/ablyazov-2015.yaml";
    let campaign = t
        .read(file)
        .replace("Muchtar Abljasow", "Mukhtar Ablyazov")
        .replacen("de: \"Mukhtar Ablyazov\"", "de: \"Muchtar Abljasow\"", 1);
    t.file(file, campaign)
        .args(["check", file, "--date", "2015-10-20"])
        .run()
        .status(0)
        .stderr_has("persons[0].name: the de spelling of the name, `Muchtar Abljasow`, is in none of the campaign's de texts (no `Muchtar`, `Abljasow`)")
        .stderr_lacks("the fr spelling")
        .stderr_lacks("the ru spelling");
}

#[test]
fn a_language_no_font_here_draws_is_an_error_as_the_pdf_letters_would_fail() {
    // An empty fontconfig configuration: only the embedded DejaVu Sans, which has no Han.
    let t = Test::shipped().file("fonts.conf", "<fontconfig></fontconfig>");
    let conf = t.path().join("fonts.conf").to_string_lossy().into_owned();
    t.env("FONTCONFIG_FILE", conf)
        .args([
            "check",
            "campaigns/juraev-2011.yaml",
            "--date",
            "2011-04-01",
        ])
        .run()
        .no_panic()
        .status(1)
        .stderr_has("juraev-2011.yaml:7:")
        .stderr_has("languages: `letters --format pdf` fails on this machine: the zh letters to `")
        .stderr_has("Debian's fonts-noto-cjk")
        .stderr_lacks("the ru letters to")
        .stdout_has(": 1 error(s)");
}

#[test]
fn two_campaign_files_with_one_id_are_an_error_at_the_second() {
    Test::demo()
        .file("campaigns/demo-copy.yaml", DEMO_CAMPAIGN)
        .args(["check", "--date", "2026-02-01"])
        .run()
        .no_panic()
        .status(1)
        .stderr_has(
            "campaigns/demo.yaml:1:5: id: `demo` is also the id of campaigns/demo-copy.yaml",
        );
}

#[test]
fn a_recipient_in_a_directory_file_that_did_not_load_points_at_that_file() {
    let broken = DEMO_DIRECTORY.replacen("kind: official", "knd: official", 1);
    Test::demo()
        .file("recipients/demo.yaml", broken)
        .args(["check", "--date", "2026-02-01"])
        .run()
        .no_panic()
        .status(1)
        .stderr_has("unknown field `knd`")
        .stderr_has(
            "(hint: recipients/demo.yaml did not load, and its own error says why: fix that first",
        );
}
