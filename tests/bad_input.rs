//! Bad input: each case gets a message naming file, line and field, a non-zero exit, and no panic.

use crate::harness::{DEMO_CAMPAIGN, Test};

fn check_demo_with(campaign: &str) -> crate::harness::Run {
    Test::demo()
        .file("campaigns/demo.yaml", campaign)
        .args(["check", "campaigns/demo.yaml", "--date", "2026-02-01"])
        .run()
        .no_panic()
}

#[test]
fn rejects_malformed_yaml_with_its_position() {
    check_demo_with(&DEMO_CAMPAIGN.replace("id: demo", "id: [demo"))
        .status(1)
        .stderr_has("campaigns/demo.yaml:1:");
}

#[test]
fn rejects_a_deadline_that_is_not_a_date() {
    check_demo_with(&DEMO_CAMPAIGN.replace("deadline: 2026-03-01", "deadline: next week"))
        .status(1)
        .stderr_has("campaigns/demo.yaml:4:11: deadline: expected a date as YYYY-MM-DD")
        .stderr_has("`next week`");
}

#[test]
fn rejects_an_unknown_field() {
    check_demo_with(&DEMO_CAMPAIGN.replace("deadline:", "dealine:"))
        .status(1)
        .stderr_has("campaigns/demo.yaml:4:1")
        .stderr_has("unknown field `dealine`")
        .stderr_has("hint:");
}

#[test]
fn rejects_a_missing_required_field() {
    let without_asks = DEMO_CAMPAIGN.split("asks:").next().unwrap().to_string()
        + "targets:\n  - recipient: xx-prosecutor\n";
    check_demo_with(&without_asks)
        .status(1)
        .stderr_has("error: campaigns/demo.yaml:1:1: missing field `asks`")
        .stderr_has("hint: add the field");
}

#[test]
fn rejects_an_empty_file() {
    check_demo_with("# nothing yet\n")
        .status(1)
        .stderr_has("campaigns/demo.yaml:1:1: file is empty");
}

#[test]
fn rejects_a_file_that_is_not_utf8() {
    let mut bytes = DEMO_CAMPAIGN.as_bytes().to_vec();
    let at = DEMO_CAMPAIGN.find("Anna Test is").unwrap();
    bytes[at] = 0xC4; // Latin-1 "Ä" followed by ASCII: invalid UTF-8
    Test::demo()
        .file("campaigns/demo.yaml", bytes)
        .args(["check", "campaigns/demo.yaml"])
        .run()
        .no_panic()
        .status(1)
        .stderr_has("campaigns/demo.yaml:18:8: file is not valid UTF-8")
        .stderr_has("save the file as UTF-8");
}

#[test]
fn rejects_an_unknown_recipient_and_suggests_known_ones() {
    check_demo_with(&DEMO_CAMPAIGN.replace("recipient: xx-prosecutor", "recipient: xx-prosecuter"))
        .status(1)
        .stderr_has(
            "campaigns/demo.yaml:27:16: targets[0].recipient: unknown recipient `xx-prosecuter`",
        )
        .stderr_has("known ids include: xx-prosecutor");
}

#[test]
fn reports_a_missing_translation_with_its_field() {
    check_demo_with(&DEMO_CAMPAIGN.replace("  ru: \"пытки в случае выдачи\"\n", ""))
        .status(1)
        .stderr_has("campaigns/demo.yaml:15:3: risk: missing the `ru` text");
}

#[test]
fn reports_every_problem_at_once() {
    let broken = DEMO_CAMPAIGN
        .replace("recipient: xx-prosecutor", "recipient: nobody")
        .replace("  ru: \"пытки в случае выдачи\"\n", "")
        .replace("embassy_of: RU", "embassy_of: TJ");
    let run = check_demo_with(&broken).status(1);
    assert!(
        run.stderr.contains("unknown recipient `nobody`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("missing the `ru` text"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("no embassy of Tajikistan"),
        "{}",
        run.stderr
    );
}

#[test]
fn reports_blanks_left_in_a_campaign_together() {
    // What `appeal new` leaves for the coordinator to fill: each blank reported at its line,
    // all at once (a blank gender used to stop the parse and hide the rest).
    let blanks = DEMO_CAMPAIGN
        .replace("gender: f", "gender: \"\"")
        .replace("recipient: xx-prosecutor", "recipient: \"\"")
        .replace("en: \"torture if returned\"", "en: \"\"");
    let run = check_demo_with(&blanks)
        .status(1)
        .stderr_has("campaigns/demo.yaml:13:13: persons[0].gender: no gender given (hint: write m, f or group")
        .stderr_has("campaigns/demo.yaml:15:7: risk.en: text is empty")
        .stderr_has("campaigns/demo.yaml:27:16: targets[0].recipient: no recipient id given (hint: write the id of an entry of the directory in recipients; known ids include: ")
        .stderr_lacks("missing the `en` text");
    assert_eq!(run.stderr.matches("error:").count(), 3, "{}", run.stderr);
}

#[test]
fn rejects_a_misspelt_gender() {
    check_demo_with(&DEMO_CAMPAIGN.replace("gender: f", "gender: w"))
        .status(1)
        .stderr_has("campaigns/demo.yaml:13:13: persons[0].gender: `w` is not a gender");
}

#[test]
fn names_the_template_and_letter_of_a_syntax_error() {
    Test::demo()
        .file(
            "templates/letter.en.txt",
            "{{ recipient.salutation }},\n{% if copy %}\n",
        )
        .args([
            "letters",
            "campaigns/demo.yaml",
            "--lang",
            "en",
            "--date",
            "2026-02-01",
        ])
        .run()
        .no_panic()
        .status(1)
        .stderr_has("templates/letter.en.txt:3:1: template: Unexpected end of input")
        .stderr_has("close every `{% if %}`");
}

#[test]
fn names_the_template_and_letter_of_an_undefined_variable() {
    Test::demo()
        .file(
            "templates/letter.en.txt",
            "{{ recipient.salutation }},\n\n{{ person.nmae }}\n",
        )
        .args([
            "letters",
            "campaigns/demo.yaml",
            "--lang",
            "en",
            "--date",
            "2026-02-01",
            "--name",
            "Eva Muster",
        ])
        .run()
        .no_panic()
        .status(1)
        .stderr_has("templates/letter.en.txt:3:11: template: Field `nmae` is not defined")
        .stderr_has("Available fields: gender, name")
        .stderr_has("the en letter to `xx-prosecutor` from `Eva Muster`");
}

#[test]
fn goes_on_past_a_csv_row_with_a_missing_column() {
    let csv = "name,address,postcode,city,country,email,lang\n\
               Eva Muster,Hauptstr. 1,0150,Oslo,NO,eva@example.org,en\n\
               Short Row,Somewhere,1234\n\
               Ola Nordmann,Storgata 2,0155,Oslo,NO,ola@example.org,ru\n";
    let run = Test::demo()
        .file("people.csv", csv)
        .args(["letters", "campaigns/demo.yaml", "--supporters", "people.csv", "--date", "2026-02-01"])
        .run()
        .no_panic()
        .status(1)
        .stderr_has("people.csv:3: row 2: has 3 fields but the header has 7 (name,address,postcode,city,country,email,lang)")
        .stdout_has("4 letter(s) written")
        .stdout_has("1 supporter row(s) failed");
    let files = run.test.files_under("letters");
    assert_eq!(
        files,
        [
            "letters/demo/eva-muster/ru-embassy-no.copy.en.txt",
            "letters/demo/eva-muster/xx-prosecutor.en.txt",
            "letters/demo/ola-nordmann/ru-embassy-no.copy.ru.txt",
            "letters/demo/ola-nordmann/xx-prosecutor.ru.txt",
            "letters/people.failed.csv",
        ]
    );
    // The failed row as read, plus its outcome and why, ready to fix and run again.
    assert_eq!(
        run.test.read("letters/people.failed.csv"),
        "name,address,postcode,city,country,email,lang,outcome,error\n\
         Short Row,Somewhere,1234,,,,,failed,\"has 3 fields but the header has 7 (name,address,postcode,city,country,email,lang); a column is missing or a separator is not quoted\"\n"
    );
}

#[test]
fn keeps_a_hostile_supporter_name_inside_the_output_folder() {
    let run = Test::demo()
        .args([
            "letters",
            "campaigns/demo.yaml",
            "--name",
            "../../etc/x",
            "--date",
            "2026-02-01",
            "--out",
            "out",
        ])
        .run()
        .no_panic()
        .status(0);
    assert_eq!(
        run.test.files_under("out"),
        ["out/demo/etc-x/xx-prosecutor.en.txt"]
    );
    assert!(run.test.files_under("etc").is_empty());
}

#[test]
fn rejects_control_characters_in_a_supporter_name() {
    let csv = "name,country\n\"Eve\rBcc: x\",NO\nOla Nordmann,NO\n";
    let run = Test::demo()
        .file("people.csv", csv)
        .args([
            "letters",
            "campaigns/demo.yaml",
            "--supporters",
            "people.csv",
            "--date",
            "2026-02-01",
        ])
        .run()
        .no_panic()
        .status(1)
        .stderr_has("people.csv:2: row 1: name: holds a carriage return (U+000D); remove it");
    assert_eq!(
        run.test.files_under("letters/demo").len(),
        2,
        "the other row still gets its letters"
    );
}

// The parser's own limits (recursion depth, alias expansion) are tested on `yaml::parse` in
// src/yaml.rs, where no schema error can reject a hostile file first.
#[test]
fn rejects_deeply_nested_yaml_quickly() {
    let deep = format!("id: {}\n", "[".repeat(200_000));
    check_demo_with(&deep)
        .status(1)
        .stderr_has("campaigns/demo.yaml:1:");
}

#[test]
fn refuses_an_unknown_country_flag_as_a_usage_error() {
    Test::demo()
        .args([
            "letters",
            "campaigns/demo.yaml",
            "--name",
            "Eva",
            "--country",
            "XX",
        ])
        .run()
        .no_panic()
        .status(2)
        .stderr_has("`XX` is not an ISO 3166-1 alpha-2 country code");
}

#[test]
fn refuses_a_language_the_campaign_lacks_naming_those_it_has() {
    Test::demo()
        .args([
            "letters",
            "campaigns/demo.yaml",
            "--lang",
            "de",
            "--date",
            "2026-02-01",
        ])
        .run()
        .no_panic()
        .status(1)
        .stderr_has("the campaign has no `de` texts; it has: en, ru");
}

#[test]
fn rejects_a_bad_email_fax_or_time_zone_in_the_directory_with_its_line() {
    let directory = crate::harness::DEMO_DIRECTORY.replacen(
        "    fax: \"+7 495 000 00 00\"\n",
        "    fax: \"495 000 00 00\"\n    email: \"prosecutor(at)genproc.example\"\n    timezone: Europe/Mosow\n",
        1,
    );
    Test::demo()
        .file("recipients/demo.yaml", directory)
        .args(["check", "campaigns/demo.yaml", "--date", "2026-02-01"])
        .run()
        .no_panic()
        .status(1)
        .stderr_has("recipients/demo.yaml:8:10: recipients[xx-prosecutor].fax: the fax number `495 000 00 00` is not international (it needs + and the country code) (hint: write it as dialled from abroad")
        .stderr_has("recipients/demo.yaml:9:12: recipients[xx-prosecutor].email: `prosecutor(at)genproc.example` is not an email address (no @)")
        .stderr_has("recipients/demo.yaml:10:15: recipients[xx-prosecutor].timezone: `Europe/Mosow` is not a time zone");
}

#[test]
fn check_reports_a_password_or_a_bad_sender_in_the_sending_settings() {
    Test::demo()
        .file(
            "appeal.yaml",
            "from: \"Amnesty <appeals(at)amnesty.example>\"\npassword: hunter2\n",
        )
        .args(["check", "campaigns/demo.yaml", "--date", "2026-02-01"])
        .run()
        .no_panic()
        .status(1)
        .stderr_has("error: appeal.yaml:2:11: password: a password does not belong in appeal.yaml")
        .stderr_lacks("hunter2");
}

#[cfg(unix)]
#[test]
fn never_writes_letters_through_a_linked_folder_inside_the_output_folder() {
    let t = Test::demo();
    std::fs::create_dir_all(t.path().join("letters")).unwrap();
    std::fs::create_dir_all(t.path().join("elsewhere")).unwrap();
    std::os::unix::fs::symlink(t.path().join("elsewhere"), t.path().join("letters/demo")).unwrap();
    let run = t
        .args(["letters", "campaigns/demo.yaml", "--date", "2026-02-01"])
        .run()
        .no_panic()
        .status(1)
        .stderr_has("letters/demo: a symbolic link inside the output folder; appeal never writes through one");
    assert!(run.test.files_under("elsewhere").is_empty());
}

#[test]
fn an_escape_in_a_file_is_quoted_in_errors_never_sent_to_the_terminal() {
    // An id holding "clear the screen": refused, and shown as \u{1b}, not acted on.
    let run = Test::demo()
        .file(
            "campaigns/demo.yaml",
            DEMO_CAMPAIGN.replace("id: demo", "id: \"de\\e[2Jmo\""),
        )
        .args(["check", "campaigns/demo.yaml"])
        .run()
        .no_panic()
        .status(1)
        .stderr_has("\\u{1b}[2J");
    assert!(!run.stderr.contains('\u{1b}'), "{}", run.stderr);
    // A supporter row quoting its bad value: the same.
    let run = Test::demo()
        .file("people.csv", "name,lang\nOla,\u{1b}[31mxx\n")
        .args([
            "letters",
            "campaigns/demo.yaml",
            "--supporters",
            "people.csv",
        ])
        .run()
        .no_panic()
        .status(1);
    assert!(!run.stderr.contains('\u{1b}'), "{}", run.stderr);
}

#[test]
fn a_reader_that_stops_reading_ends_the_command_quietly() {
    // `appeal deadlines | head`: the pipe is closed before the output is all printed.
    let t = Test::shipped();
    for args in [&["deadlines", "--date", "2011-04-01"][..], &["man"]] {
        let mut child = std::process::Command::new(crate::harness::BIN)
            .args(args)
            .current_dir(t.path())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run appeal");
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("run appeal");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.is_empty(),
            "{args:?}: no panic, no message: {stderr}"
        );
    }
}

/// `appeal letters` of the shipped Juraev campaign for the supporters file `csv`.
fn letters_for_supporters(csv: impl AsRef<[u8]>) -> crate::harness::Run {
    Test::shipped()
        .file("supporters.csv", csv)
        .args([
            "letters",
            "campaigns/juraev-2011.yaml",
            "--supporters",
            "supporters.csv",
        ])
        .run()
        .no_panic()
}

#[test]
fn a_column_named_twice_in_the_supporters_file_is_refused() {
    letters_for_supporters(
        "name,address,postcode,city,country,Country\nEva Muster,Hauptstr. 1,10115,Berlin,DE,\n",
    )
    .status(1)
    .stderr_has("supporters.csv:1: the header row names `country` twice, columns 5 and 6");
}

#[test]
fn a_line_of_megabytes_in_the_supporters_file_stops_reading_it_with_an_error() {
    let long = "x".repeat(3 << 20);
    let run = letters_for_supporters(format!(
        "name,country\nEva Muster,DE\n{long},DE\nOla Nordmann,NO\n"
    ))
    .status(1)
    .stderr_has("supporters.csv:3: row 2: cannot read the row: a line runs past 1 MB");
    // The row before it is done; nothing after it is read.
    assert!(
        run.test
            .path()
            .join("letters/juraev-2011/eva-muster")
            .is_dir()
    );
    assert!(
        !run.test
            .path()
            .join("letters/juraev-2011/ola-nordmann")
            .exists()
    );
    // A first line that long is refused before any row.
    letters_for_supporters(format!("name{long}\n"))
        .status(1)
        .stderr_has("a line runs past 1 MB");
}

#[cfg(unix)]
#[test]
fn a_pipe_where_a_letter_goes_is_refused_not_waited_on() {
    let letters = [
        "letters",
        "campaigns/juraev-2011.yaml",
        "--name",
        "Eva Muster",
        "--country",
        "DE",
        "--lang",
        "en",
    ];
    let run = Test::shipped().args(letters).run().status(0);
    let letter = run
        .test
        .path()
        .join("letters/juraev-2011/eva-muster/ru-prosecutor-general.en.txt");
    std::fs::remove_file(&letter).unwrap();
    let made = std::process::Command::new("mkfifo").arg(&letter).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    let run = run
        .test
        .args(letters)
        .run()
        .no_panic()
        .status(1)
        .stderr_has(
            "ru-prosecutor-general.en.txt: something that is not a file stands where the file goes",
        );
    let kind = std::fs::symlink_metadata(&letter).unwrap().file_type();
    assert!(!kind.is_file(), "left as it was");
    // The other letters are there.
    assert!(
        run.test
            .read("letters/juraev-2011/eva-muster/ru-moscow-city-court.copy.en.txt")
            .contains("Eva Muster")
    );
}

#[test]
fn a_supporters_file_with_a_header_and_no_rows_says_so() {
    letters_for_supporters("name,address,postcode,city,country\n")
        .status(1)
        .stderr_has("error: supporters.csv: no supporter rows under the header row")
        .stderr_lacks("--country");
}

#[test]
fn an_output_folder_that_is_a_file_is_one_error_before_any_letter() {
    let run = Test::shipped()
        .file("out", "not a folder")
        .args(["letters", "campaigns/juraev-2011.yaml", "--out", "out/letters"])
        .run()
        .no_panic()
        .status(1)
        .stderr_has("error: --out out/letters: out is a file, not a folder (hint: choose a folder you can write to with --out)");
    assert_eq!(run.stderr.matches("error:").count(), 1, "{}", run.stderr);
}

#[test]
fn a_language_the_campaigns_names_lack_is_reported_at_the_name_once_labelled() {
    Test::shipped()
        .args([
            "letters",
            "campaigns/juraev-2011.yaml",
            "--lang",
            "zh-Hant",
            "--name",
            "Eva Muster",
            "--country",
            "DE",
        ])
        .run()
        .no_panic()
        .status(1)
        .stderr_has("error: campaigns/juraev-2011.yaml:34:11: persons[0].name: no `zh-Hant` text, needed for the zh-Hant letters to `ru-prosecutor-general`")
        .stderr_lacks("error: error:");
}

#[test]
fn a_quote_never_closed_in_the_supporters_file_is_named_with_the_lines_it_took() {
    letters_for_supporters(
        "name,address,postcode,city,country\n\"Eva Muster,Hauptstraße 1,10115,Berlin,DE\nJo Doe,x,10115,Berlin,DE\nAl Roe,y,10115,Berlin,DE\n",
    )
    .status(1)
        .stderr_has("supporters.csv:2: row 1: a quoted field begins here and runs on to line 4, taking the rows between as its text: a quote is not closed");
}
