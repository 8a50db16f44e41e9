//! `appeal new`: a commented campaign skeleton that `check` refuses until its blanks are filled,
//! never written over a file that is there, and a bad id as a usage error.

use crate::harness::Test;

const FILE: &str = "campaigns/demo-ua.yaml";

/// The skeleton's blanks filled with values from the Juraev action, as a coordinator would.
fn fill(skeleton: &str) -> String {
    skeleton
        .replace("gender: \"\"", "gender: m")
        .replace("recipient: \"\"", "recipient: ru-prosecutor-general")
        .replace("Latn: \"\"", "Latn: \"Nizomhon Juraev\"")
        .replace(
            "en: \"\"",
            "en: \"Nizomhon Juraev is at risk of torture if returned to Tajikistan.\"",
        )
}

/// The numbers of the lines with a blank to fill (a `""` not behind a `#`).
fn blank_lines(text: &str) -> Vec<usize> {
    (1..)
        .zip(text.lines())
        .filter(|(_, l)| l.contains("\"\"") && !l.trim_start().starts_with('#'))
        .map(|(n, _)| n)
        .collect()
}

#[test]
fn writes_a_skeleton_that_check_refuses_naming_each_blank_by_line() {
    let run = Test::shipped()
        .args(["new", "demo-ua"])
        .run()
        .no_panic()
        .status(0)
        .stdout_has(&format!("wrote {FILE}"))
        .stdout_has(&format!("then: appeal check {FILE}"))
        .stderr_lacks("note:");
    let text = run.test.read(FILE);
    assert!(text.contains("\nid: demo-ua\n"), "{text}");
    assert!(text.contains("\n#updates:\n"), "{text}");
    let date = |key: &str| -> chrono::NaiveDate {
        let line = text
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .unwrap_or_else(|| panic!("no `{key}` line"));
        line.trim().parse().expect("a date")
    };
    assert_eq!((date("deadline:") - date("issued:")).num_days(), 42);
    let blanks = blank_lines(&text);
    assert_eq!(blanks.len(), 9, "{text}");

    let run = run.test.args(["check", FILE]).run().no_panic().status(1);
    for line in &blanks {
        assert!(
            run.stderr.contains(&format!("error: {FILE}:{line}:")),
            "no error at line {line}:\n{}",
            run.stderr
        );
    }
    let run = run
        .stdout_has(&format!("{} error(s)", blanks.len()))
        .stderr_has(": title.en: text is empty")
        .stderr_has(": persons[0].name.Latn: name is empty")
        .stderr_has(": persons[0].gender: no gender given")
        .stderr_has(": targets[0].recipient: no recipient id given");

    // Filled in, the campaign passes (a warning for the shipped directory's old entries is fine).
    let filled = fill(&run.test.read(FILE));
    assert_eq!(blank_lines(&filled), Vec::<usize>::new());
    run.test
        .file(FILE, filled)
        .args(["check", FILE])
        .run()
        .no_panic()
        .status(0)
        .stdout_has(": 0 error(s)")
        .stderr_lacks("error");
}

#[test]
fn refuses_to_write_over_a_file_that_is_there() {
    let mine = "id: demo-ua\n# half written, by hand\n";
    let run = Test::shipped()
        .file(FILE, mine)
        .args(["new", "demo-ua"])
        .run()
        .no_panic()
        .status(1)
        .stderr_has(&format!("error: {FILE}: already exists; not overwritten"))
        .stderr_has("--force");
    assert_eq!(run.test.read(FILE), mine);
    assert_eq!(run.test.files_under("campaigns").len(), 4, "no stray file");
}

#[test]
fn force_replaces_the_file() {
    let run = Test::shipped()
        .file(FILE, "id: demo-ua\n")
        .args(["new", "demo-ua", "--force"])
        .run()
        .no_panic()
        .status(0)
        .stdout_has(&format!("wrote {FILE}"));
    assert!(run.test.read(FILE).contains("\n#updates:\n"));
    assert_eq!(run.test.files_under("campaigns").len(), 4, "no stray file");
}

#[test]
fn refuses_a_bad_id_as_a_usage_error() {
    let run = Test::shipped()
        .args(["new", "Bad Slug"])
        .run()
        .no_panic()
        .status(2)
        .stderr_has("`Bad Slug` is not a campaign id")
        .stderr_has("e.g. bad-slug");
    assert_eq!(
        run.test.files_under("campaigns").len(),
        3,
        "nothing written"
    );
}

#[test]
fn creates_the_folder_it_is_given_and_says_when_no_directory_is_near() {
    let run = Test::new()
        .args(["new", "demo-ua", "--campaigns", "drafts/2026"])
        .run()
        .no_panic()
        .status(0)
        .stdout_has("wrote drafts/2026/demo-ua.yaml")
        .stdout_has("then: appeal check drafts/2026/demo-ua.yaml")
        .stderr_has("note: no recipients/ folder beside drafts/2026");
    assert!(
        run.test
            .read("drafts/2026/demo-ua.yaml")
            .contains("\nid: demo-ua\n")
    );
}
