//! `appeal letters`: files, languages, supporters, re-runs.

use crate::harness::Test;

fn letters(t: Test, extra: &[&str]) -> crate::harness::Run {
    let mut args = vec!["letters", "campaigns/demo.yaml", "--date", "2026-02-01"];
    args.extend_from_slice(extra);
    t.args(args).run().no_panic()
}

#[test]
fn writes_one_file_per_recipient_and_language() {
    let run = letters(
        Test::demo(),
        &[
            "--name",
            "Eva Muster",
            "--country",
            "NO",
            "--lang",
            "en",
            "--lang",
            "ru",
        ],
    )
    .status(0)
    .stdout_has("4 letter(s) written to letters");
    assert_eq!(
        run.test.files_under("letters"),
        [
            "letters/demo/eva-muster/ru-embassy-no.copy.en.txt",
            "letters/demo/eva-muster/ru-embassy-no.copy.ru.txt",
            "letters/demo/eva-muster/xx-prosecutor.en.txt",
            "letters/demo/eva-muster/xx-prosecutor.ru.txt",
        ]
    );
    let ru = run
        .test
        .read("letters/demo/eva-muster/xx-prosecutor.ru.txt");
    assert!(
        ru.contains("Уважаемый господин Генеральный прокурор"),
        "{ru}"
    );
    assert!(ru.contains("1 февраля 2026"), "{ru}");
    assert!(ru.contains("Призываю Вас не выдавать её."), "{ru}");
}

#[test]
fn writes_in_the_first_campaign_language_by_default_and_the_supporters_own_otherwise() {
    let run = letters(Test::demo(), &[]).status(0);
    assert_eq!(
        run.test.files_under("letters"),
        ["letters/demo/blank/xx-prosecutor.en.txt"]
    );
    let csv = "name,country,lang\nOla Nordmann,NO,ru\n";
    let run = letters(Test::demo().file("s.csv", csv), &["--supporters", "s.csv"]).status(0);
    assert!(
        run.test
            .files_under("letters")
            .iter()
            .all(|f| f.ends_with(".ru.txt"))
    );
}

#[test]
fn leaves_blank_lines_to_sign_by_hand_without_a_supporter() {
    let run = letters(Test::demo(), &[])
        .status(0)
        .stderr_has("skipped copies[0]");
    let text = run.test.read("letters/demo/blank/xx-prosecutor.en.txt");
    assert!(text.contains("____"), "{text}");
}

#[test]
fn keeps_text_as_written_without_html_escaping() {
    let run = letters(Test::demo(), &["--name", "Eva & Co <x>"]).status(0);
    let text = run.test.read("letters/demo/eva-co-x/xx-prosecutor.en.txt");
    assert!(text.contains("Smith & Sons"), "{text}");
    assert!(text.contains("Eva & Co <x>"), "{text}");
}

#[test]
fn signs_with_initials_when_asked() {
    let run = letters(Test::demo(), &["--name", "Eva Maria Muster", "--initials"]).status(0);
    let text = run
        .test
        .read("letters/demo/eva-maria-muster/xx-prosecutor.en.txt");
    assert!(text.contains("E. M. M."), "{text}");
    assert!(!text.contains("Eva Maria Muster"), "{text}");
}

#[test]
fn rerunning_is_safe_and_never_overwrites_without_force() {
    let run = letters(Test::demo(), &["--name", "Eva"])
        .status(0)
        .stdout_has("1 letter(s) written");
    let run = letters(run.test, &["--name", "Eva"])
        .status(0)
        .stdout_has("0 letter(s) written to letters, 1 already there unchanged");
    let run = run
        .test
        .args([
            "letters",
            "campaigns/demo.yaml",
            "--date",
            "2026-02-02",
            "--name",
            "Eva",
        ])
        .run();
    let run = run
        .status(1)
        .stderr_has("already exists with different content; not overwritten");
    assert!(
        run.test
            .read("letters/demo/eva/xx-prosecutor.en.txt")
            .contains("1 February 2026")
    );
    let run = run
        .test
        .args([
            "letters",
            "campaigns/demo.yaml",
            "--date",
            "2026-02-02",
            "--name",
            "Eva",
            "--force",
        ])
        .run();
    let run = run.status(0).stdout_has("1 replaced");
    assert!(
        run.test
            .read("letters/demo/eva/xx-prosecutor.en.txt")
            .contains("2 February 2026")
    );
}

#[test]
fn project_templates_override_built_in_ones_file_by_file() {
    let run = letters(
        Test::demo().file(
            "templates/letter.en.txt",
            "CUSTOM {{ recipient.salutation }}\n",
        ),
        &["--lang", "en", "--lang", "ru"],
    )
    .status(0);
    assert_eq!(
        run.test.read("letters/demo/blank/xx-prosecutor.en.txt"),
        "CUSTOM Dear Prosecutor General\n"
    );
    assert!(
        run.test
            .read("letters/demo/blank/xx-prosecutor.ru.txt")
            .contains("Уважаемый")
    );
}

#[test]
fn works_from_another_folder_finding_the_directory_beside_the_campaign() {
    let t = Test::demo();
    let project = t.path().to_path_buf();
    let elsewhere = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(crate::harness::BIN)
        .arg("letters")
        .arg(project.join("campaigns/demo.yaml"))
        .args(["--date", "2026-02-01", "--out", "out"])
        .current_dir(elsewhere.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let letter =
        std::fs::read_to_string(elsewhere.path().join("out/demo/blank/xx-prosecutor.en.txt"))
            .unwrap();
    assert!(
        letter.contains("Dear Prosecutor General,"),
        "built-in template used:\n{letter}"
    );
}

#[test]
fn sends_copies_to_the_embassy_in_the_supporters_country() {
    let run = letters(Test::demo(), &["--name", "Ola", "--country", "NO"]).status(0);
    let text = run.test.read("letters/demo/ola/ru-embassy-no.copy.en.txt");
    assert!(text.contains("Drammensveien 74"), "{text}");
    assert!(text.contains("Your Excellency"), "{text}");
    assert!(
        text.contains("Dear Prosecutor General"),
        "the copy quotes the letter to the target:\n{text}"
    );
}

#[test]
fn warns_when_writing_letters_after_the_deadline() {
    let campaign = crate::harness::DEMO_CAMPAIGN
        .replace("issued: 2026-01-10", "issued: 2011-01-10")
        .replace("deadline: 2026-03-01", "deadline: 2011-05-03");
    letters(Test::demo().file("campaigns/demo.yaml", campaign), &[])
        .status(0)
        .stderr_has("warning: campaigns/demo.yaml:4:11: deadline: the deadline 2011-05-03 passed")
        .stderr_has("check with your section office");
}
