//! Follow-ups (`updates:`): letters take the latest state, an ended action makes none, and the
//! history is checked with the file, line and field of each problem.

use crate::harness::{DEMO_CAMPAIGN, EVA, Test};

/// The demo campaign with its ask named and `updates` appended.
fn with_updates(updates: &str) -> String {
    let named = DEMO_CAMPAIGN.replace(
        "  - sheet: {en: \"Urge them not to extradite her\"",
        "  - id: no-extradition\n    sheet: {en: \"Urge them not to extradite her\"",
    );
    format!("{named}updates:\n{updates}")
}

/// `check` on the demo campaign with `updates` appended.
fn check_with_updates(updates: &str) -> crate::harness::Run {
    Test::demo()
        .file("campaigns/demo.yaml", with_updates(updates))
        .args(["check", "--date", "2026-02-01"])
        .run()
        .no_panic()
}

const FOLLOW_UP: &str = r#"  - date: 2026-02-10
    index: "EUR 1/2/2026"
    text:
      en: "Anna Test's extradition was approved; her appeal is pending."
      ru: "Выдача Анны Тест одобрена; её жалоба рассматривается."
    deadline: 2026-04-15
    add_asks:
      - id: fair-appeal
        sheet: {en: "Ask for a fair hearing of her appeal", ru: "Призовите к справедливому рассмотрению жалобы"}
        letter: {en: "I ask you to ensure her appeal is heard fairly.", ru: "Прошу Вас обеспечить справедливое рассмотрение её жалобы."}
    withdraw_asks: [no-extradition]
"#;

fn letters(t: Test) -> crate::harness::Run {
    let mut args = vec![
        "letters",
        "campaigns/demo.yaml",
        "--lang",
        "en",
        "--date",
        "2026-03-20",
        "--out",
        "out",
    ];
    args.extend_from_slice(&EVA);
    t.args(args).run().no_panic()
}

#[test]
fn letters_follow_the_latest_update() {
    let run = letters(Test::demo().file("campaigns/demo.yaml", with_updates(FOLLOW_UP)))
        .status(0)
        // The deadline the run goes by is the follow-up's.
        .stderr_has("demo.yaml:38:15: deadline: the deadline 2026-04-15 passed");
    let files = run.test.files_under("out");
    let letter = files
        .iter()
        .find(|f| f.contains("xx-prosecutor"))
        .map(|f| run.test.read(f))
        .expect("a letter to the prosecutor");
    assert!(
        letter.contains("I ask you to ensure her appeal is heard fairly."),
        "{letter}"
    );
    assert!(
        !letter.contains("I urge you not to extradite her."),
        "{letter}"
    );
    // The follow-up's index is the reference now.
    assert!(letter.contains("UA 1/26, EUR 1/2/2026"), "{letter}");
}

#[test]
fn the_new_deadline_is_the_one_check_warns_about() {
    Test::demo()
        .file("campaigns/demo.yaml", with_updates(FOLLOW_UP))
        .args(["check", "--date", "2026-05-01"])
        .run()
        .no_panic()
        .status(0)
        .stderr_has("campaigns/demo.yaml:38:15: deadline: the deadline 2026-04-15 passed");
}

#[test]
fn a_stopped_action_makes_no_letters_and_says_why() {
    let stop = r#"  - date: 2026-02-20
    action: stop
    text:
      en: "Anna Test was released on 18 February. No further action is requested."
      ru: "Анна Тест освобождена 18 февраля. Дальнейших действий не требуется."
"#;
    let run = letters(Test::demo().file("campaigns/demo.yaml", with_updates(stop)))
        .status(1)
        .stderr_has("error: campaigns/demo.yaml:33:5: updates: the action was stopped on 2026-02-20: Anna Test was released on 18 February.")
        .stderr_has("hint: no letters are made for an action that ended");
    assert!(run.test.files_under("out").is_empty());
    Test::demo()
        .file("campaigns/demo.yaml", with_updates(stop))
        .args(["check", "--date", "2026-02-21"])
        .run()
        .no_panic()
        .status(0)
        .stderr_has(
            "warning: campaigns/demo.yaml:33:5: updates: the action was stopped on 2026-02-20",
        )
        .stderr_has("`letters` and `queue` refuse it");
}

#[test]
fn a_bad_history_is_reported_with_line_and_field() {
    let bad = r#"  - date: 2026-02-10
    text: {en: "First.", ru: "Первое."}
    withdraw_asks: [no-such-ask]
  - date: 2026-02-01
    text: {en: "Out of order.", ru: "Не по порядку."}
    deadline: 2026-01-20
  - date: 2026-02-12
    action: info
    text: {en: "For information.", ru: "К сведению."}
    deadline: 2026-05-01
  - date: 2026-02-13
    action: stop
    text: {en: "Released.", ru: "Освобождена."}
  - date: 2026-02-14
    text: {en: "Goes on?", ru: "Продолжается?"}
"#;
    check_with_updates(bad)
        .status(1)
        .stderr_has("campaigns/demo.yaml:35:21: updates[0].withdraw_asks[0]: no ask `no-such-ask` to withdraw (hint: asks in force at this update: no-extradition)")
        .stderr_has("campaigns/demo.yaml:36:11: updates[1].date: 2026-02-01 is before the update above it (2026-02-10)")
        .stderr_has("campaigns/demo.yaml:38:15: updates[1].deadline: the new deadline 2026-01-20 is not after the update's date 2026-02-01")
        .stderr_has("updates[2]: an update for information only changes the deadline, asks or targets")
        .stderr_has("updates[4].action: the action ended on 2026-02-13; only `action: info` may follow");
}

#[test]
fn an_unknown_action_names_the_values() {
    let bad = r#"  - date: 2026-02-10
    action: pause
    text: {en: "x", ru: "x"}
"#;
    check_with_updates(bad)
        .status(1)
        .stderr_has("campaigns/demo.yaml:34:13: updates[0].action: unknown variant `pause`, expected one of continue, info, stop, close")
        .stderr_has("pause");
}

#[test]
fn a_target_named_twice_is_refused() {
    let twice = r#"  - date: 2026-02-10
    text: {en: "x", ru: "x"}
    add_targets:
      - recipient: xx-prosecutor
"#;
    check_with_updates(twice)
        .status(1)
        .stderr_has("updates[0].add_targets[0]: recipient `xx-prosecutor` is already named in `targets[0]` (hint: name each addressee once)");
}

#[test]
fn a_letter_dated_before_a_follow_up_is_written_as_the_action_stood() {
    // The follow-up is dated 2026-02-10: a letter dated 2026-02-01 has the first ask, not the
    // one it adds, and goes by the first deadline.
    let mut args = vec![
        "letters",
        "campaigns/demo.yaml",
        "--lang",
        "en",
        "--date",
        "2026-02-01",
        "--out",
        "out",
    ];
    args.extend_from_slice(&EVA);
    let run = Test::demo()
        .file("campaigns/demo.yaml", with_updates(FOLLOW_UP))
        .args(args)
        .run()
        .no_panic()
        .status(0);
    let letter = run.test.read("out/demo/eva-muster/xx-prosecutor.en.txt");
    assert!(
        letter.contains("I urge you not to extradite her."),
        "{letter}"
    );
    assert!(!letter.contains("heard fairly"), "{letter}");
    assert!(!letter.contains("EUR 1/2/2026"), "{letter}");
    // A stop dated after the letters' date has not stopped them yet.
    let stop = "  - date: 2026-02-20\n    action: stop\n    text: {en: \"Released.\", ru: \"Освобождена.\"}\n";
    let mut args = vec![
        "letters",
        "campaigns/demo.yaml",
        "--lang",
        "en",
        "--date",
        "2026-02-15",
        "--out",
        "later",
    ];
    args.extend_from_slice(&EVA);
    Test::demo()
        .file("campaigns/demo.yaml", with_updates(stop))
        .args(args)
        .run()
        .no_panic()
        .status(0);
    // And `check` as of a day before the stop does not call the action ended.
    Test::demo()
        .file("campaigns/demo.yaml", with_updates(stop))
        .args(["check", "--date", "2026-02-15"])
        .run()
        .no_panic()
        .stderr_lacks("the action was stopped");
}
