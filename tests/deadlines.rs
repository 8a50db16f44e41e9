//! `appeal deadlines`: soonest first with the advice for the time left, `--within`, and an
//! iCalendar file read back by an independent parser (the `icalendar` crate).

use icalendar::parser::{read_calendar, unfold};

use crate::harness::{DEMO_CAMPAIGN, Test};

/// The value of a property of a parsed calendar component ("" when it has none).
fn prop(c: &icalendar::parser::Component, name: &str) -> String {
    c.properties
        .iter()
        .find(|p| p.name == name)
        .map(|p| p.val.to_string())
        .unwrap_or_default()
}

#[test]
fn lists_open_actions_soonest_first_with_advice() {
    let run = Test::shipped()
        .args(["deadlines", "--date", "2011-04-25", "--from", "DE"])
        .run()
        .no_panic()
        .status(0);
    let out = &run.stdout;
    let order: Vec<usize> = ["juraev-2011", "no-extradition-to-russia", "ablyazov-2015"]
        .iter()
        .map(|id| {
            out.find(id)
                .unwrap_or_else(|| panic!("{id} missing:\n{out}"))
        })
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{out}");
    let words = out.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("2011-05-03 in 8 days open 1 target(s) juraev-2011 Tajikistani asylum seeker faces extradition from Russia"),
        "{out}"
    );
    // 8 days: enough for a letter from Germany to Moscow.
    assert!(
        out.contains("post, fax or email: there is time for a letter to Russian Federation (airmail within Europe: about a week)"),
        "{out}"
    );
}

#[test]
fn advises_by_how_far_the_letter_goes() {
    // The demo's prosecutor moved to Cairo; 10 days are left.
    let t = Test::demo();
    let directory = t.read("recipients/demo.yaml").replace(
        "country: RU
    role: prosecutor-general",
        "country: EG
    role: prosecutor-general",
    );
    let t = t.file("recipients/demo.yaml", directory);
    let advice = |t: Test, from: &[&str]| {
        let mut args = vec!["deadlines", "--date", "2026-02-19"];
        args.extend_from_slice(from);
        let run = t.args(args).run().no_panic().status(0);
        (run.stdout.clone(), run.test)
    };
    let (out, t) = advice(t, &["--from", "DE"]);
    assert!(
        out.contains("fax or email now: a posted letter to Egypt may arrive too late (airmail between continents: two weeks or more)"),
        "{out}"
    );
    let (out, t) = advice(t, &["--from", "EG"]);
    assert!(out.contains("post, fax or email: there is time for a letter to Egypt (post within the country: 2-3 days)"), "{out}");
    // Not knowing where letters are posted from, the slower case, said as such.
    let (out, t) = advice(t, &[]);
    assert!(
        out.contains("(say where you post from with --from)"),
        "{out}"
    );
    let run = t
        .args([
            "deadlines",
            "--date",
            "2026-02-19",
            "--from",
            "DE",
            "--json",
        ])
        .run()
        .no_panic()
        .status(0);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["campaigns"][0]["post_days"], 14);
    assert_eq!(json["campaigns"][0]["post_to"], "EG");
}

#[test]
fn within_keeps_the_close_ones_and_advises_fax_or_email() {
    let run = Test::shipped()
        .args(["deadlines", "--date", "2011-05-01", "--within", "2w"])
        .run()
        .no_panic()
        .status(0);
    assert!(run.stdout.contains("juraev-2011"), "{}", run.stdout);
    assert!(!run.stdout.contains("ablyazov-2015"), "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "fax or email now: a posted letter to Russian Federation may arrive too late"
        ),
        "{}",
        run.stdout
    );
    Test::shipped()
        .args(["deadlines", "--within", "2 weeks"])
        .run()
        .no_panic()
        .status(2)
        .stderr_has("unknown unit ` weeks` (hint: d for days, w for weeks, e.g. 14d or 2w)");
}

#[test]
fn the_calendar_parses_back_with_one_event_and_reminder_per_open_deadline() {
    let run = Test::shipped()
        .args([
            "deadlines",
            "--date",
            "2012-01-01",
            "--ics",
            "deadlines.ics",
            "--remind",
            "5",
        ])
        .run()
        .no_panic()
        .status(0)
        .stderr_has("warning: juraev-2011: left out of deadlines.ics: deadline passed")
        .stderr_has("wrote ./deadlines.ics (2 deadline(s))");
    let ics = run.test.read("deadlines.ics");
    assert!(
        ics.contains("\r\n") && ics.lines().all(|l| l.len() <= 76),
        "{ics}"
    );
    let unfolded = unfold(&ics);
    let calendar = read_calendar(&unfolded).expect("the calendar parses");
    assert!(
        calendar
            .properties
            .iter()
            .any(|p| p.name == "VERSION" && p.val == "2.0")
    );
    let events: Vec<_> = calendar
        .components
        .iter()
        .filter(|c| c.name == "VEVENT")
        .collect();
    assert_eq!(events.len(), 2);
    let starts: Vec<String> = events.iter().map(|e| prop(e, "DTSTART")).collect();
    assert_eq!(starts, ["20120131", "20151112"]);
    assert_eq!(
        prop(events[0], "UID"),
        "no-extradition-to-russia-deadline@appeal"
    );
    let alarm = events[0]
        .components
        .iter()
        .find(|c| c.name == "VALARM")
        .expect("a reminder");
    assert_eq!(prop(alarm, "TRIGGER"), "-P5D");
    // The same day gives the same file.
    let run = run
        .test
        .args([
            "deadlines",
            "--date",
            "2012-01-01",
            "--ics",
            "deadlines.ics",
            "--remind",
            "5",
        ])
        .run()
        .status(0);
    assert_eq!(run.test.read("deadlines.ics"), ics);
}

#[test]
fn a_stopped_action_is_listed_as_ended_and_cancelled_in_the_calendar() {
    let campaign = format!(
        "{DEMO_CAMPAIGN}updates:\n  - date: 2026-02-01\n    action: stop\n    text: {{en: \"Released.\", ru: \"Освобождена.\"}}\n"
    );
    let run = Test::demo()
        .file("campaigns/demo.yaml", campaign)
        .args(["deadlines", "--date", "2026-02-02", "--ics", "d.ics"])
        .run()
        .no_panic()
        .status(0)
        .stdout_has("ended")
        .stdout_has("stop action since 2026-02-01: no letters")
        .stderr_has("note: demo: in d.ics as a cancelled event: stop action since 2026-02-01")
        .stderr_has("(0 deadline(s))");
    // Imported before the stop, the event is replaced by a cancelled one with no reminder.
    let ics = run.test.read("d.ics");
    let unfolded = unfold(&ics);
    let calendar = read_calendar(&unfolded).expect("the calendar parses");
    let event = &calendar.components[0];
    assert_eq!(prop(event, "UID"), "demo-deadline@appeal");
    assert_eq!(prop(event, "STATUS"), "CANCELLED");
    assert_eq!(prop(event, "SEQUENCE"), "1");
    assert!(event.components.is_empty(), "no reminder");
}

#[test]
fn an_unreadable_campaign_is_reported_and_the_others_listed() {
    Test::demo()
        .file("campaigns/broken.yaml", "id: broken\n")
        .args(["deadlines", "--date", "2026-02-01"])
        .run()
        .no_panic()
        .status(1)
        .stderr_has("campaigns/broken.yaml")
        .stdout_has("demo");
}

#[test]
fn json_lists_the_same() {
    let run = Test::shipped()
        .args(["deadlines", "--date", "2011-04-25", "--json"])
        .run()
        .no_panic()
        .status(0);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["campaigns"][0]["id"], "juraev-2011");
    assert_eq!(v["campaigns"][0]["days_left"], 8);
    assert_eq!(v["campaigns"][0]["state"], "open");
}
