//! Batches of supporters: spreadsheet exports, standard input, failed rows written back for a
//! second run, shards that together give exactly the whole, a JSON summary.

use crate::harness::Test;

fn letters(t: Test, extra: &[&str]) -> crate::harness::Run {
    let mut args = vec!["letters", "campaigns/demo.yaml", "--date", "2026-02-01"];
    args.extend_from_slice(extra);
    t.args(args).run().no_panic()
}

/// The summary a run with `--json` printed.
fn json(run: &crate::harness::Run) -> serde_json::Value {
    serde_json::from_str(run.stdout.trim()).unwrap()
}

#[test]
fn reads_a_semicolon_export_with_a_bom_and_a_multi_line_address() {
    // As a spreadsheet in Germany or France saves it: BOM, `;`, CRLF, an address on two lines.
    let csv = "\u{feff}name;address;postcode;city;country;email;lang\r\n\
               Eva Muster;\"Hauptstraße 1\r\nHinterhaus\";10115;Berlin;NO;eva@example.org;en\r\n\
               Ola Nordmann;Storgata 2;0155;Oslo;NO;;ru\r\n";
    let run = letters(
        Test::demo().file("people.csv", csv),
        &["--supporters", "people.csv"],
    )
    .status(0)
    .stdout_has("4 letter(s) written");
    let letter = run
        .test
        .read("letters/demo/eva-muster/xx-prosecutor.en.txt");
    assert!(letter.contains("Hauptstraße 1\nHinterhaus\n"), "{letter}");
}

#[test]
fn reads_supporters_from_standard_input() {
    let csv = "name,country,lang\nOla Nordmann,NO,ru\n";
    let run = letters(Test::demo().stdin(csv), &["--supporters", "-"])
        .status(0)
        .stdout_has("2 letter(s) written");
    assert!(
        run.test
            .path()
            .join("letters/demo/ola-nordmann/xx-prosecutor.ru.txt")
            .is_file()
    );
}

#[test]
fn refuses_an_empty_supporters_file() {
    letters(Test::demo().file("people.csv", ""), &["--supporters", "people.csv"])
        .status(1)
        .stderr_has("people.csv:1: the supporters file is empty (hint: the first row names the columns: name,address");
}

#[test]
fn a_copy_the_directory_lacks_is_named_and_the_row_succeeds() {
    // No Russian embassy in Germany in the directory: Eva's letter to the prosecutor is the
    // point; the missing copy is named once for the batch, and her row is not a failure (once it
    // was, and running the failed rows again sent the prosecutor her letter twice).
    let csv = "name,country,lang\nOla Nordmann,NO,en\nEva Muster,DE,en\n";
    let run = letters(
        Test::demo().file("people.csv", csv),
        &["--supporters", "people.csv"],
    )
    .status(0)
    .stderr_has("note: skipped copies[0]: the directory has no entry for the embassy of Russian Federation (RU) accredited to the supporter's country in Germany (DE); the copy is not written (hint: add the entry to the directory in recipients) (for 1 supporter(s))")
    .stdout_has("3 letter(s) written to letters");
    assert!(!run.test.path().join("letters/people.failed.csv").exists());
    assert!(
        run.test
            .path()
            .join("letters/demo/eva-muster/xx-prosecutor.en.txt")
            .is_file()
    );
}

/// A supporters file of `n` rows (`Person 1` ... in Norway, English), with `bad` rows written
/// with a separator too many, as a spreadsheet export with an unquoted comma has them.
pub fn people_with_unquoted_commas(n: usize, bad: &[usize]) -> String {
    let mut csv = String::from("name,country,lang\n");
    for i in 1..=n {
        if bad.contains(&i) {
            csv.push_str(&format!("Person {i},Oslo,NO,en\n"));
        } else {
            csv.push_str(&format!("Person {i},NO,en\n"));
        }
    }
    csv
}

/// The rows of a failed-rows file, read back as CSV (each must parse).
pub fn failed_rows(text: &str) -> Vec<csv::StringRecord> {
    csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.expect("the failed-rows file is valid CSV"))
        .collect()
}

#[test]
fn an_unquoted_comma_fails_its_row_and_the_batch_goes_on() {
    // Rows past the first chunk (256 rows) and in the last one: every other row is processed.
    let csv = people_with_unquoted_commas(600, &[300, 599]);
    let run = letters(
        Test::demo().file("people.csv", csv),
        &["--supporters", "people.csv"],
    )
    .status(1)
    .stderr_has("people.csv:301: row 300: has 4 fields but the header has 3")
    .stdout_has("1196 letter(s) written to letters")
    .stdout_has("2 row(s) to fix and run again in letters/people.failed.csv");
    let rows = failed_rows(&run.test.read("letters/people.failed.csv"));
    assert_eq!(rows.len(), 2, "{rows:?}");
    let first: Vec<&str> = rows[0].iter().take(4).collect();
    assert_eq!(first, ["Person 300", "Oslo", "NO", "en"]);
    // The extra field is kept, so quoting it is the fix; then the outcome and why.
    assert_eq!(&rows[0][4], "failed", "{:?}", rows[0]);
    assert!(rows[0][5].contains("has 4 fields"), "{:?}", rows[0]);
    assert_eq!(&rows[1][0], "Person 599");
    for i in [1, 299, 301, 598, 600] {
        assert!(
            run.test
                .path()
                .join(format!("letters/demo/person-{i}/xx-prosecutor.en.txt"))
                .is_file(),
            "person {i}"
        );
    }
}

#[test]
fn shards_together_give_exactly_the_whole_batch() {
    let mut csv = String::from("name,country,lang\n");
    for i in 0..30 {
        csv.push_str(&format!(
            "Person {i},NO,{}\n",
            if i % 2 == 0 { "en" } else { "ru" }
        ));
    }
    // Two people whose names make the same folder name, and one row twice.
    csv.push_str("Åsa Berg,NO,en\nAsa Berg,NO,en\nPerson 3,NO,ru\n");
    let t = Test::demo().file("people.csv", csv);
    let whole = letters(t, &["--supporters", "people.csv", "--out", "whole"]).status(0);
    let mut t = whole.test;
    for k in 1..=3 {
        let shard = format!("{k}/3");
        let out = format!("part{k}");
        t = letters(
            t,
            &[
                "--supporters",
                "people.csv",
                "--shard",
                &shard,
                "--out",
                &out,
            ],
        )
        .status(0)
        .test;
    }
    let whole_files = t.files_under("whole");
    assert!(whole_files.len() >= 60, "{whole_files:?}");
    let mut parts: Vec<(String, String)> = Vec::new();
    for k in 1..=3 {
        let prefix = format!("part{k}/");
        let files = t.files_under(&format!("part{k}"));
        assert!(!files.is_empty(), "part {k} is empty");
        for f in files {
            let rel = f.strip_prefix(&prefix).unwrap().to_string();
            parts.push((rel, t.read(&f)));
        }
    }
    parts.sort();
    let whole: Vec<(String, String)> = whole_files
        .iter()
        .map(|f| (f.strip_prefix("whole/").unwrap().to_string(), t.read(f)))
        .collect();
    assert_eq!(
        parts, whole,
        "the shards' letters are exactly the whole batch's"
    );
}

#[test]
fn prints_a_json_summary_or_nothing() {
    let csv = "name,country,lang\nOla Nordmann,NO,ru\nBroken\"Row,NO\n";
    let run = letters(
        Test::demo().file("people.csv", csv),
        &["--supporters", "people.csv", "--json"],
    )
    .status(1);
    let v = json(&run);
    assert_eq!(v["written"], 2);
    assert_eq!(v["failed_rows"], 1);
    assert_eq!(v["ok"], false);
    assert_eq!(v["failed_csv"], "letters/people.failed.csv");
    // Each failure is listed, not only counted.
    let rows = v["row_failures"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert!(
        rows[0].as_str().unwrap().contains("people.csv:3: row 2"),
        "{v}"
    );
    let run = letters(run.test, &["--supporters", "people.csv", "--quiet"]).status(1);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
}

#[test]
fn sets_a_supporters_note_in_the_letter_as_written() {
    let csv = "name,country,lang,note\n\
               Ola Nordmann,NO,en,\"As a nurse I {{ care }} <b>deeply</b>;\nplease act.\"\n\
               Kari Nordmann,NO,en,\n";
    let run = letters(
        Test::demo().file("people.csv", csv),
        &["--supporters", "people.csv"],
    )
    .status(0);
    let with = run
        .test
        .read("letters/demo/ola-nordmann/xx-prosecutor.en.txt");
    assert!(
        with.contains("I urge you not to extradite her.\n\nAs a nurse I {{ care }} <b>deeply</b>;\nplease act.\n\nI trust that you"),
        "{with}"
    );
    let without = run
        .test
        .read("letters/demo/kari-nordmann/xx-prosecutor.en.txt");
    assert!(
        without.contains("I urge you not to extradite her.\n\nI trust that you"),
        "{without}"
    );
}

/// Every file under `dir`, relative to it, with its bytes.
fn contents(t: &Test, dir: &str) -> Vec<(String, Vec<u8>)> {
    t.files_under(dir)
        .into_iter()
        .map(|f| {
            let bytes = std::fs::read(t.path().join(&f)).unwrap();
            (
                f.strip_prefix(&format!("{dir}/")).unwrap().to_string(),
                bytes,
            )
        })
        .collect()
}

#[test]
fn the_same_pdf_bytes_whatever_the_threads_shards_or_company() {
    let mut csv = String::from("name,country,lang\n");
    for i in 0..12 {
        csv.push_str(&format!("Person {i},NO,{}\n", ["en", "ru"][i % 2]));
    }
    let t = Test::demo()
        .file("people.csv", csv)
        .file("one.csv", "name,country,lang\nPerson 5,NO,ru\n");
    let pdf = ["--format", "pdf", "--supporters", "people.csv"];
    let mut t = t;
    for (out, extra) in [
        ("one-thread", vec!["--jobs", "1"]),
        ("four-threads", vec!["--jobs", "4"]),
        ("shard-1", vec!["--shard", "1/2"]),
        ("shard-2", vec!["--shard", "2/2"]),
    ] {
        let mut args = pdf.to_vec();
        args.extend_from_slice(&["--out", out]);
        args.extend_from_slice(&extra);
        t = letters(t, &args).status(0).test;
    }
    t = letters(
        t,
        &[
            "--format",
            "pdf",
            "--supporters",
            "one.csv",
            "--out",
            "alone",
        ],
    )
    .status(0)
    .test;
    let one = contents(&t, "one-thread");
    assert_eq!(one.len(), 24);
    assert_eq!(contents(&t, "four-threads"), one, "--jobs changes nothing");
    let mut shards = contents(&t, "shard-1");
    shards.extend(contents(&t, "shard-2"));
    shards.sort();
    assert_eq!(shards, one, "the shards give the same files and bytes");
    // A letter made alone is the same as the one made among others.
    let alone = contents(&t, "alone");
    for (name, bytes) in &alone {
        let same = one.iter().find(|(n, _)| n == name).unwrap();
        assert!(&same.1 == bytes, "{name} differs when made alone");
    }
}

#[test]
fn varies_the_wording_per_supporter_and_checks_every_variant() {
    let campaign = crate::harness::DEMO_CAMPAIGN.replacen(
        "asks:",
        "letter_variants:\n  - en: \"I write to you about the case of Anna Test.\"\n    ru: \"Пишу Вам о деле Анны Тест.\"\n  - en: \"The case of Anna Test gravely concerns me.\"\n    ru: \"Дело Анны Тест глубоко меня тревожит.\"\nasks:",
        1,
    );
    let mut csv = String::from("name,country,lang\n");
    for i in 0..30 {
        csv.push_str(&format!("Person {i},NO,en\n"));
    }
    let run = letters(
        Test::demo()
            .file("campaigns/demo.yaml", &campaign)
            .file("people.csv", csv),
        &["--supporters", "people.csv"],
    )
    .status(0);
    let mut seen = [0; 3];
    for i in 0..30 {
        let text = run
            .test
            .read(&format!("letters/demo/person-{i}/xx-prosecutor.en.txt"));
        for (k, opening) in [
            "I am writing about Anna Test",
            "I write to you about the case of Anna Test.",
            "The case of Anna Test gravely concerns me.",
        ]
        .iter()
        .enumerate()
        {
            if text.contains(opening) {
                seen[k] += 1;
            }
        }
    }
    assert_eq!(seen.iter().sum::<i32>(), 30, "{seen:?}");
    assert!(
        seen.iter().all(|n| *n > 0),
        "every wording is used: {seen:?}"
    );
    // `check` renders each variant in each language; a variant lacking one is an error.
    let broken = campaign.replace("    ru: \"Пишу Вам о деле Анны Тест.\"\n", "");
    run.test
        .file("campaigns/demo.yaml", broken)
        .args(["check", "campaigns/demo.yaml", "--date", "2026-02-01"])
        .run()
        .no_panic()
        .status(1)
        .stderr_has("letter_variants[0]: ");
}

#[test]
fn every_supporter_keeps_her_own_letters_and_a_repeated_row_gets_none() {
    // Row 3's name with its row number is row 2's name: once, with --force, row 2's letters
    // were replaced by row 3's. A person repeated after such a clash got a second set.
    let csv = "name,address,postcode,city,country,lang\nAnna,A,0150,Oslo,NO,en\nAnna 3,B,0151,Oslo,NO,en\nAnna,C,0152,Oslo,NO,en\nAnna,C,0152,Oslo,NO,en\nAnna,C,0152,Oslo,NO,en\n";
    let run = letters(
        Test::demo().file("people.csv", csv),
        &["--supporters", "people.csv", "--force"],
    )
    .status(0)
    .stdout_has("6 letter(s) written")
    .stderr_has("row 4: `Anna` is the supporter of row 3 again (the same name with the same email, postcode or address); one set of letters is enough")
    .stderr_has("row 5: `Anna` is the supporter of row 3 again");
    for (folder, street) in [("anna", "A"), ("anna-3", "B"), ("anna-3-2", "C")] {
        let letter = run
            .test
            .read(&format!("letters/demo/{folder}/xx-prosecutor.en.txt"));
        assert!(
            letter.contains(&format!("\n{street}\n")),
            "{folder}: {letter}"
        );
    }
}

#[test]
fn a_latin1_row_is_named_at_its_own_line_and_kept_for_the_failed_rows() {
    let mut csv = b"name,country,lang\nOla Nordmann,NO,en\nRen".to_vec();
    csv.push(0xE9); // é in Latin-1
    csv.extend_from_slice(b" Dupont,NO,en\nKari Nordmann,NO,en\n");
    let run = letters(
        Test::demo().file("people.csv", csv),
        &["--supporters", "people.csv"],
    )
    .status(1)
    .stderr_has("people.csv:3: row 2: is not valid UTF-8 (hint: the file was saved as Latin-1 or Windows-1252; save it as \"CSV UTF-8\"")
    .stdout_has("4 letter(s) written");
    let rows = failed_rows(&run.test.read("letters/people.failed.csv"));
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][0], "Ren\u{fffd} Dupont");
}

#[test]
fn a_utf16_file_is_refused_with_how_to_save_it() {
    let text = "name,country\nOla,NO\n";
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    letters(
        Test::demo().file("people.csv", utf16),
        &["--supporters", "people.csv"],
    )
    .status(1)
    .stderr_has(
        "people.csv:1: the supporters file is UTF-16, not UTF-8 (hint: save it as \"CSV UTF-8\"",
    );
}

#[test]
fn the_failed_rows_of_an_earlier_run_are_kept_aside_not_overwritten() {
    let csv = "name,country,lang\nOla Nordmann,NO,en\nEva Muster,QQ,en\n";
    let t = Test::demo().file("people.csv", csv).file(
        "letters/people.failed.csv",
        "name,country,lang,error\nOld Row,DE,en,old\n",
    );
    let run = letters(t, &["--supporters", "people.csv"])
        .status(1)
        .stderr_has(
            "the failed rows of an earlier run are now in letters/people.failed.previous.csv",
        );
    assert!(
        run.test
            .read("letters/people.failed.previous.csv")
            .contains("Old Row")
    );
    let now = run.test.read("letters/people.failed.csv");
    assert!(
        now.contains("Eva Muster") && !now.contains("Old Row"),
        "{now}"
    );
}

#[test]
fn a_failed_rows_file_that_cannot_be_written_is_reported_and_the_batch_goes_on() {
    // As on a full disk: a folder stands where the file goes. Once the batch stopped there, with
    // no summary, and the rows after were never read.
    let csv = people_with_unquoted_commas(300, &[2]);
    let t = Test::demo().file("people.csv", csv);
    std::fs::create_dir_all(t.path().join("letters/people.failed.csv/x")).unwrap();
    letters(t, &["--supporters", "people.csv"])
        .status(1)
        .stderr_has("letters/people.failed.csv: cannot write the failed rows:")
        .stderr_has("people.csv:3: row 2: has 4 fields")
        .stdout_has("598 letter(s) written to letters");
}

#[test]
fn a_print_pack_that_cannot_be_written_counts_no_letter_as_written() {
    let t = Test::demo();
    std::fs::create_dir_all(t.path().join("letters/demo/print-pack.pdf/x")).unwrap();
    letters(
        t,
        &[
            "--format",
            "pdf",
            "--combine",
            "--name",
            "Eva Muster",
            "--country",
            "NO",
        ],
    )
    .status(1)
    .stderr_has(
        "letters/demo/print-pack.pdf: something that is not a file stands where the file goes",
    )
    .stderr_has("(none of the 2 letter(s) collected for it is on disk)")
    .stdout_has("0 letter(s) written to letters, 1 failed");
}

#[test]
fn a_supporter_in_the_target_country_writes_to_the_targets_and_her_row_succeeds() {
    // The demo asks for a copy to "the embassy of Russia accredited to your country": there is
    // none in Russia. A Russian supporter's letter to the prosecutor is the point.
    let csv = "name,country,lang\nOlga Ivanova,RU,ru\nOla Nordmann,NO,en\n";
    let run = letters(
        Test::demo().file("people.csv", csv),
        &["--supporters", "people.csv"],
    )
    .status(0)
    .stdout_has("3 letter(s) written")
    .stderr_has("there is no embassy of Russian Federation in Russian Federation: a supporter who lives there writes to the targets themselves (for 1 supporter(s))");
    assert!(
        run.test
            .path()
            .join("letters/demo/olga-ivanova/xx-prosecutor.ru.txt")
            .is_file()
    );
    assert!(!run.test.path().join("letters/people.failed.csv").exists());
    // `check` does not warn about it either.
    Test::demo()
        .args(["check", "campaigns/demo.yaml", "--date", "2026-02-01"])
        .run()
        .no_panic()
        .stderr_lacks("Russian Federation (RU)");
}

/// Supporters of every shipped language, in five countries (so that letters are posted at home
/// and abroad), with notes, a column of their own, and apostrophes in names and streets.
fn supporters_in_every_language(n: usize) -> String {
    let langs = ["ru", "ar", "fa", "zh", "fr", "de", "en", "es"];
    let places = [
        ("DE", "10115", "Berlin", ""),
        ("FR", "75001", "Paris", ""),
        ("GB", "SW1A 1AA", "London", ""),
        ("ES", "28001", "Madrid", "M"),
        ("US", "10001", "New York", "NY"),
    ];
    let names = [
        "Анна Иванова",
        "فاطمة حداد",
        "مریم رضایی",
        "王芳",
        "Zoé O'Brien",
    ];
    let mut csv = String::from("name,address,postcode,city,region,country,email,lang,group,note\n");
    for i in 0..n {
        let (country, postcode, city, region) = places[i % places.len()];
        let name = names[i % names.len()];
        let group = if i % 7 == 3 { "Amnesty group 12" } else { "" };
        let note = if i % 4 == 1 {
            "I write as a lawyer - and as my colleague's friend"
        } else {
            ""
        };
        csv.push_str(&format!(
            "{name} {i},\"Rue de l'Église {i}\",{postcode},{city},{region},{country},p{i}@example.org,{},{group},{note}\n",
            langs[i % langs.len()]
        ));
    }
    csv
}

#[test]
fn the_same_text_letters_whatever_the_threads_or_shards() {
    let mut t = Test::shipped().file("people.csv", supporters_in_every_language(40));
    for (out, extra) in [
        ("one-thread", vec!["--jobs", "1"]),
        ("four-threads", vec!["--jobs", "4"]),
        ("shard-1", vec!["--shard", "1/2"]),
        ("shard-2", vec!["--shard", "2/2"]),
    ] {
        let mut args = vec![
            "letters",
            "campaigns/juraev-2011.yaml",
            "--date",
            "2011-04-01",
            "--format",
            "txt",
            "--supporters",
            "people.csv",
            "--out",
            out,
        ];
        args.extend_from_slice(&extra);
        t = t.args(args).run().no_panic().status(0).test;
    }
    let one = contents(&t, "one-thread");
    assert!(one.len() >= 80, "{} letters", one.len());
    for lang in ["ru", "ar", "fa", "zh", "fr", "de", "en", "es"] {
        assert!(
            one.iter()
                .any(|(name, _)| name.ends_with(&format!(".{lang}.txt"))),
            "no {lang} letter"
        );
    }
    assert!(
        contents(&t, "four-threads") == one,
        "--jobs 4 writes other files or bytes than --jobs 1"
    );
    let mut shards = contents(&t, "shard-1");
    shards.extend(contents(&t, "shard-2"));
    shards.sort();
    assert!(shards == one, "the shards give other files or bytes");
}

#[test]
fn a_language_asked_for_twice_is_one_set_of_letters() {
    let csv = "name,country,lang\nOla Nordmann,NO,ru\nEva Muster,NO,en\n";
    let mut t = Test::demo().file("people.csv", csv);
    let mut summaries = Vec::new();
    for (out, langs) in [("once", vec!["en"]), ("twice", vec!["en", "en", "en"])] {
        let mut args = vec!["--supporters", "people.csv", "--out", out];
        for lang in &langs {
            args.extend_from_slice(&["--lang", lang]);
        }
        let run = letters(t, &args).status(0);
        summaries.push(run.stdout.replace(out, "OUT"));
        t = run.test;
    }
    assert!(
        summaries[0].contains("4 letter(s) written"),
        "{}",
        summaries[0]
    );
    assert_eq!(summaries[1], summaries[0], "the same letters, written once");
    assert_eq!(contents(&t, "twice"), contents(&t, "once"));
}

#[test]
fn a_letter_made_in_a_batch_is_the_letter_made_alone() {
    // What a run keeps (the campaign's context per language and date style, a supporter's
    // address) must not leak from one supporter's letters into the next: an English supporter
    // in Britain first, then one in the United States (other date style), then others.
    let rows = [
        "Jane Smith,1 High Street,SW1A 1AA,London,,GB,en",
        "John Doe,5 Main St,10001,New York,NY,US,en",
        "Eva Muster,Hauptstraße 1,10115,Berlin,,DE,de",
        "Zoé Dubois,2 rue de Rivoli,75001,Paris,,FR,fr",
        "Анна Иванова,ул. Тверская 1,125009,Москва,,RU,ru",
        "Jane Roe,2 Low Street,EH1 1AA,Edinburgh,,GB,en",
    ];
    let header = "name,address,postcode,city,region,country,lang\n";
    let mut t = Test::shipped().file("all.csv", format!("{header}{}\n", rows.join("\n")));
    for (i, row) in rows.iter().enumerate() {
        t = t.file(&format!("one-{i}.csv"), format!("{header}{row}\n"));
    }
    let run = |t: Test, csv: &str, out: &str| {
        t.args([
            "letters",
            "campaigns/juraev-2011.yaml",
            "--date",
            "2011-04-01",
            "--format",
            "txt",
            "--jobs",
            "1",
            "--supporters",
            csv,
            "--out",
            out,
        ])
        .run()
        .no_panic()
        .status(0)
        .test
    };
    t = run(t, "all.csv", "all");
    let mut alone = Vec::new();
    for i in 0..rows.len() {
        t = run(t, &format!("one-{i}.csv"), &format!("one-{i}"));
        alone.extend(contents(&t, &format!("one-{i}")));
    }
    alone.sort();
    let batch = contents(&t, "all");
    assert!(batch.len() >= rows.len() * 2, "{} letters", batch.len());
    assert!(
        batch == alone,
        "a letter of the batch differs from the same letter made alone"
    );
    let dates: Vec<&str> = ["john-doe", "jane-smith"]
        .iter()
        .map(|who| {
            let (_, text) = batch.iter().find(|(name, _)| name.contains(who)).unwrap();
            if std::str::from_utf8(text).unwrap().contains("April 1, 2011") {
                "us"
            } else {
                "other"
            }
        })
        .collect();
    assert_eq!(
        dates,
        ["us", "other"],
        "each in her own country's date style"
    );
}

/// A batch of three chunks (256 rows each are made together): the rows the reader refuses and
/// the supporters given twice are said in input order, every good row's letters are written
/// once, the last chunk's too, and the summary and files are the same for any number of threads
/// (with more than one, a chunk's letters are written while the next is rendered).
#[test]
fn a_batch_of_several_chunks_writes_every_row_once_and_reports_in_input_order() {
    let mut csv = String::from("name,country,lang\n");
    for i in 0..700 {
        match i {
            100 | 300 | 650 => csv.push_str(",NO,en\n"),
            400 => csv.push_str("Person 5,NO,en\n"),
            690 => csv.push_str("Person 260,NO,en\n"),
            _ => csv.push_str(&format!("Person {i},NO,en\n")),
        }
    }
    let mut t = Test::demo().file("people.csv", &csv);
    let mut summaries = Vec::new();
    for (out, jobs) in [("one", "1"), ("three", "3")] {
        let run = letters(
            t,
            &[
                "--supporters",
                "people.csv",
                "--out",
                out,
                "--jobs",
                jobs,
                "--json",
            ],
        )
        .status(1);
        let mut summary = json(&run);
        // The file of failed rows is in each run's own folder.
        summary["failed_csv"].take();
        summaries.push(summary);
        t = run.test;
    }
    let v = &summaries[0];
    assert_eq!(summaries[1], *v, "--jobs 3 reports otherwise than --jobs 1");
    // 697 rows with a name, 2 of them a supporter given again: 695 supporters, 2 letters each.
    assert_eq!(v["written"], 2 * 695, "{v}");
    let rows: Vec<&str> = v["row_failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert_eq!(rows.len(), 3, "{v}");
    for (failure, line) in rows.iter().zip([102, 302, 652]) {
        assert!(
            failure.contains(&format!("people.csv:{line}:")),
            "{failure}"
        );
    }
    let notes: Vec<&str> = v["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert_eq!(notes.len(), 2, "{v}");
    assert!(
        notes[0].contains("`Person 5`") && notes[1].contains("`Person 260`"),
        "{notes:?}"
    );
    for who in ["person-0", "person-699", "person-399"] {
        assert!(
            t.path()
                .join(format!("one/demo/{who}/xx-prosecutor.en.txt"))
                .exists(),
            "{who}"
        );
    }
    assert!(
        contents(&t, "three") == contents(&t, "one"),
        "--jobs 3 writes other files"
    );
    // PDF letters are written after the next chunk is rendered (text ones as they are made).
    for (out, jobs) in [("pdf-one", "1"), ("pdf-three", "3")] {
        let args = [
            "--supporters",
            "people.csv",
            "--format",
            "pdf",
            "--out",
            out,
            "--jobs",
            jobs,
        ];
        t = letters(t, &args).status(1).test;
    }
    let pdf = contents(&t, "pdf-one");
    assert_eq!(
        pdf.iter().filter(|(f, _)| f.ends_with(".pdf")).count(),
        2 * 695
    );
    assert!(
        contents(&t, "pdf-three") == pdf,
        "--jobs 3 writes other PDF files"
    );
}

/// A row with one letter that cannot be written (a folder stands where it goes) is partly done:
/// counted so, and written back with how many of its letters were written and why the other
/// was not. Her other letter is written.
#[test]
fn a_row_with_a_letter_that_cannot_be_written_is_partly_done() {
    let csv = "name,country,lang\nEva Muster,NO,en\nOla Nordmann,NO,en\n";
    let run = letters(
        Test::demo().file("people.csv", csv),
        &["--supporters", "people.csv", "--out", "first"],
    )
    .status(0);
    let written = contents(&run.test, "first");
    let (blocked, _) = written
        .iter()
        .find(|(f, _)| f.starts_with("demo/eva-muster/"))
        .unwrap();
    let t = run.test;
    std::fs::create_dir_all(t.path().join("second").join(blocked)).unwrap();
    let run = letters(
        t,
        &["--supporters", "people.csv", "--out", "second", "--json"],
    )
    .status(1);
    let v = json(&run);
    assert_eq!(v["rows"]["partly"], 1, "{v}");
    assert_eq!(v["rows"]["done"], 1, "{v}");
    assert_eq!(v["written"], 3, "{v}");
    let failed = run.test.read("second/people.failed.csv");
    assert!(
        failed.contains("Eva Muster") && failed.contains("1 letter(s) written; not written:"),
        "{failed}"
    );
}
