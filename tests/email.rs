//! Email: `queue` into the outbox, `send` to a real SMTP server on 127.0.0.1, `outbox`. Each
//! fault the issue lists is answered by the server (mailin-embedded) as a real one would.

use std::time::Duration;

use crate::harness::{BIN, DEMO_CAMPAIGN, DEMO_DIRECTORY, EVA, Test};
use crate::smtp_server::{Reply, SmtpServer, Stage, closed_port, header, strict_headers};

const OFFICIAL: &str = "prosecutor@genproc.example";

/// A project whose prosecutor has an email address, a deadline far ahead and sending settings.
pub(crate) fn project() -> Test {
    project_with(&format!("    email: \"{OFFICIAL}\"\n"))
}

/// The demo project (deadline far ahead, sending settings), with `extra` lines in the
/// prosecutor's directory entry.
fn project_with(extra: &str) -> Test {
    Test::new()
        .file(
            "campaigns/demo.yaml",
            DEMO_CAMPAIGN.replace("deadline: 2026-03-01", "deadline: 2099-03-01"),
        )
        .file(
            "recipients/demo.yaml",
            DEMO_DIRECTORY.replacen(
                "    fax: \"+7 495 000 00 00\"\n",
                &format!("    fax: \"+7 495 000 00 00\"\n{extra}"),
                1,
            ),
        )
        .file(
            "appeal.yaml",
            "from: \"Amnesty Test Section <appeals@amnesty.example>\"\nown_domains: [amnesty.example]\n",
        )
}

/// `queue` for Eva Muster (with her email) and `extra` flags.
pub(crate) fn queue(t: Test, extra: &[&str]) -> crate::harness::Run {
    let mut args = vec!["queue", "campaigns/demo.yaml"];
    args.extend_from_slice(&EVA);
    args.extend_from_slice(&["--email", "eva@example.org"]);
    args.extend_from_slice(extra);
    t.args(args).run().no_panic()
}

/// `queue` for the supporters of a CSV file.
fn queue_csv(csv: &str) -> crate::harness::Run {
    project()
        .file("supporters.csv", csv)
        .args([
            "queue",
            "campaigns/demo.yaml",
            "--supporters",
            "supporters.csv",
        ])
        .run()
        .no_panic()
}

fn send(t: Test, server: &str, extra: &[&str]) -> crate::harness::Run {
    let mut args = vec!["send", "--smtp", server, "--rate", "off"];
    args.extend_from_slice(extra);
    t.args(args).run().no_panic()
}

/// The ids in a state folder of the outbox.
pub(crate) fn ids(t: &Test, state: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(t.path().join("outbox").join(state))
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Moves the deadline a queued message carries into the past, as if the campaign's had passed.
fn backdate_envelope(t: &Test, id: &str) {
    let path = t.path().join(format!("outbox/ready/{id}"));
    let env = std::fs::read_to_string(&path)
        .unwrap()
        .replace("\"2099-03-01\"", "\"2020-03-01\"");
    std::fs::write(&path, env).unwrap();
}

/// The campaign's deadline passed since the message was queued: in the campaign file (which
/// `send` reads) and in the envelope.
fn backdate_deadline(t: &Test, id: &str) {
    backdate_envelope(t, id);
    let path = t.path().join("campaigns/demo.yaml");
    let campaign = std::fs::read_to_string(&path)
        .unwrap()
        .replace("issued: 2026-01-10", "issued: 2019-01-10")
        .replace("deadline: 2099-03-01", "deadline: 2020-03-01");
    std::fs::write(&path, campaign).unwrap();
}

fn record(t: &Test, state: &str, id: &str) -> serde_json::Value {
    assert!(
        t.path().join(format!("outbox/{state}/{id}")).is_file(),
        "{id} is {state}"
    );
    let text = t.read(&format!("outbox/records/{id}.json"));
    serde_json::from_str(&text).unwrap()
}

#[test]
fn queues_once_sends_once_and_keeps_the_servers_reply() {
    let server = SmtpServer::start();
    let run = queue(project(), &[])
        .status(0)
        .stdout_has("1 message(s) queued in outbox")
        .stderr_has("skipped copies[0]");
    let queued = ids(&run.test, "ready");
    assert_eq!(queued.len(), 1);
    // Queuing the same thing again is a no-op that says so.
    let run = queue(run.test, &[])
        .status(0)
        .stdout_has("0 message(s) queued in outbox, 1 already queued before (not queued again)");
    let run = send(run.test, &server.url(), &[])
        .status(0)
        .stdout_has(&format!("sent {} to {OFFICIAL}: 250", queued[0]))
        .stdout_has("1 sent");
    assert_eq!(ids(&run.test, "sent"), queued);
    assert!(ids(&run.test, "ready").is_empty());
    let rec = record(&run.test, "sent", &queued[0]);
    assert_eq!(rec["attempts"][0]["outcome"], "sent");
    assert!(
        rec["attempts"][0]["reply"]
            .as_str()
            .unwrap()
            .starts_with("250")
    );
    // Again: nothing to send, nothing received twice; queuing again does not revive it.
    let run = send(run.test, &server.url(), &[])
        .status(0)
        .stdout_has("nothing to send");
    let run = queue(run.test, &[])
        .status(0)
        .stdout_has("1 already queued");
    let run = send(run.test, &server.url(), &[]).status(0);
    let got = server.accepted();
    assert_eq!(got.len(), 1, "received exactly once");
    assert_eq!(got[0].from, "appeals@amnesty.example");
    assert_eq!(got[0].to, [OFFICIAL]);
    // The server got exactly the bytes queued (dot-stuffing undone), so a retry sends the same:
    // the message file is the envelope line, then those bytes.
    let file = std::fs::read(run.test.path().join(format!("outbox/sent/{}", queued[0]))).unwrap();
    let newline = file.iter().position(|b| *b == b'\n').unwrap();
    assert!(serde_json::from_slice::<serde_json::Value>(&file[..newline]).is_ok());
    assert_eq!(got[0].data, file[newline + 1..]);
}

#[test]
fn builds_strict_rfc5322_messages_with_the_supporter_in_reply_to() {
    let server = SmtpServer::start();
    let run = queue(project(), &["--lang", "ru", "--lang", "en"]).status(0);
    send(run.test, &server.url(), &[]).status(0);
    let got = server.accepted();
    assert_eq!(got.len(), 2);
    let mut subjects = Vec::new();
    for m in &got {
        let fields = strict_headers(&m.data);
        let from = header(&fields, "from").unwrap();
        assert!(from.ends_with("<appeals@amnesty.example>"), "{from}");
        assert!(from.contains("Eva Muster"), "{from}");
        // eva@example.org is not the organisation's domain: DMARC would fail, so Reply-To.
        assert_eq!(
            header(&fields, "reply-to"),
            Some("\"Eva Muster\" <eva@example.org>")
        );
        assert!(header(&fields, "to").unwrap().contains(OFFICIAL));
        let id = header(&fields, "message-id").unwrap();
        assert!(id.ends_with(".demo@amnesty.example>"), "{id}");
        // A Content-Type needs a MIME-Version beside it (RFC 2045 4), single part or not.
        assert_eq!(header(&fields, "mime-version"), Some("1.0"));
        assert!(
            header(&fields, "content-type").is_some_and(|t| t.starts_with("text/plain")),
            "{fields:?}"
        );
        subjects.push(header(&fields, "subject").unwrap().to_string());
    }
    // The Russian subject is RFC 2047 encoded; the English one is the topic, without "Re:".
    assert!(
        subjects.iter().any(|s| s.starts_with("=?utf-8?")),
        "{subjects:?}"
    );
    assert!(
        subjects.iter().any(|s| s == "Anna Test (UA 1/26)"),
        "{subjects:?}"
    );
}

#[test]
fn a_supporter_in_the_organisations_domain_sends_as_herself() {
    let server = SmtpServer::start();
    let mut args = vec!["queue", "campaigns/demo.yaml"];
    args.extend_from_slice(&EVA);
    args.extend_from_slice(&["--email", "eva@amnesty.example"]);
    let run = project().args(args).run().no_panic().status(0);
    send(run.test, &server.url(), &[]).status(0);
    let fields = strict_headers(&server.accepted()[0].data);
    assert_eq!(
        header(&fields, "from"),
        Some("\"Eva Muster\" <eva@amnesty.example>")
    );
    assert_eq!(header(&fields, "reply-to"), None);
}

#[test]
fn a_line_break_in_a_name_cannot_add_a_header() {
    // The CSV quotes a name with CR/LF and a header after it; the row is refused, the rest go.
    let csv = "name,address,postcode,city,country,email,lang\n\
               \"Eva Muster\r\nBcc: spy@evil.example\",Hauptstraße 1,10115,Berlin,DE,eva@example.org,en\n\
               Olaf Nordmann,Storgata 1,0155,Oslo,NO,olaf@example.org,en\n\
               Bad Address,Storgata 2,0155,Oslo,NO,not-an-address,en\n";
    let server = SmtpServer::start();
    let run = queue_csv(csv)
        .status(1)
        .stderr_has("supporters.csv:2: row 1: name: holds a line break")
        .stderr_has("supporters.csv:5: row 3: email:")
        .stderr_has("`not-an-address` is not an email address")
        .stdout_has("2 supporter row(s) failed");
    // Olaf's letter to the prosecutor; his embassy copy has no email and is skipped.
    assert_eq!(ids(&run.test, "ready").len(), 1);
    send(run.test, &server.url(), &[]).status(0);
    for m in server.accepted() {
        let fields = strict_headers(&m.data);
        assert!(fields.iter().all(|(n, _)| n != "bcc"), "{fields:?}");
        assert_eq!(m.to, [OFFICIAL]);
    }
}

/// A server that refuses the first RCPT for now (451), and answers every body with `body`
/// (as a server that accepts it, when `None`).
fn refusing_the_first_rcpt(body: Option<Reply>) -> SmtpServer {
    let first = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    SmtpServer::with_rule(move |stage, _| {
        use std::sync::atomic::Ordering;
        match stage {
            Stage::Rcpt if first.fetch_add(1, Ordering::SeqCst) == 0 => {
                Some(Reply::Code(451, "4.3.0 Mailbox temporarily unavailable"))
            }
            Stage::DataEnd => body.clone(),
            _ => None,
        }
    })
}

#[test]
fn defers_a_temporary_refusal_and_fails_a_permanent_one() {
    // The first message is refused for now at RCPT; every body is refused for good.
    let server = refusing_the_first_rcpt(Some(Reply::Code(554, "5.7.1 Message refused")));
    let run = queue(project(), &["--lang", "en", "--lang", "ru"]).status(0);
    let run = send(run.test, &server.url(), &[])
        .status(1)
        .stdout_has("deferred ")
        .stdout_has("(at RCPT: transient error (451)")
        .stdout_has("failed ")
        .stdout_has("(at body): permanent error (554): 5.7.1 Message refused")
        .stdout_has("1 deferred, 1 failed");
    let deferred = ids(&run.test, "deferred");
    assert_eq!(deferred.len(), 1);
    assert_eq!(ids(&run.test, "failed").len(), 1);
    let rec = record(&run.test, "deferred", &deferred[0]);
    assert!(rec["next_attempt"].is_string(), "{rec}");
    // Not due yet: a second run leaves it alone.
    let run = send(run.test, &server.url(), &[])
        .status(1)
        .stdout_has("1 waiting for their next try");
    assert_eq!(ids(&run.test, "deferred"), deferred);
    // `--json` says what the exit status says: a message still waits.
    let run = send(run.test, &server.url(), &["--json"]).status(1);
    let v: serde_json::Value = serde_json::from_str(run.stdout.trim()).expect("one JSON object");
    assert_eq!(
        (v["waiting_for_next_try"].as_u64(), &v["ok"]),
        (Some(1), &serde_json::json!(false))
    );
    // The failed one is listed with the server's reply.
    let run = project_outbox(run.test)
        .status(0)
        .stdout_has("failed:")
        .stdout_has("refused at body: permanent error (554): 5.7.1 Message refused")
        .stdout_has("deferred:");
    // A person may send a failed one again, but not mark it sent.
    let failed = ids(&run.test, "failed")[0].clone();
    let run = run
        .test
        .args(["outbox", "resolve", &failed, "--sent"])
        .run()
        .status(1)
        .stderr_has("only an uncertain message can be marked sent");
    let run = run
        .test
        .args(["outbox", "resolve", &failed, "--resend"])
        .run()
        .status(0)
        .stdout_has(&format!("{failed}: now ready"));
    assert_eq!(ids(&run.test, "ready"), [failed]);
}

fn project_outbox(t: Test) -> crate::harness::Run {
    t.args(["outbox"]).run().no_panic()
}

#[test]
fn a_message_without_a_reply_after_its_body_is_uncertain_and_never_resent_by_itself() {
    let server =
        SmtpServer::with_rule(|stage, _| (stage == Stage::DataEnd).then_some(Reply::Silence));
    let run = queue(project(), &[]).status(0);
    let id = ids(&run.test, "ready")[0].clone();
    let run = send(run.test, &server.url(), &["--data-timeout", "1"])
        .status(1)
        .stdout_has(&format!("uncertain {id}"))
        // In words, not only the socket's "Resource temporarily unavailable".
        .stdout_has(
            ": the server did not answer in time (--timeout, --data-timeout) (network error:",
        )
        .stdout_has("1 uncertain");
    assert_eq!(ids(&run.test, "uncertain"), std::slice::from_ref(&id));
    let good = SmtpServer::start();
    let run = send(run.test, &good.url(), &[])
        .status(0)
        .stdout_has("nothing to send");
    assert!(
        good.received().is_empty(),
        "an uncertain message is not resent"
    );
    let run = project_outbox(run.test)
        .status(0)
        .stdout_has("uncertain:")
        .stdout_has("outbox resolve ID --sent");
    // A person finds it did not arrive: send it again.
    let run = run
        .test
        .args(["outbox", "resolve", &id, "--resend"])
        .run()
        .status(0)
        .stdout_has(&format!("{id}: now ready"));
    send(run.test, &good.url(), &[])
        .status(0)
        .stdout_has("1 sent");
    assert_eq!(good.accepted().len(), 1);
}

#[test]
fn a_throttling_server_pauses_the_run() {
    let server = SmtpServer::with_rule(|stage, _| {
        (stage == Stage::Mail).then_some(Reply::Code(421, "4.7.0 Too many messages, slow down"))
    });
    let run = queue(project(), &["--lang", "en", "--lang", "ru"]).status(0);
    let run = send(run.test, &server.url(), &[])
        .status(1)
        .stderr_has("the run stopped: the server asked to slow down")
        .stderr_has("(1 message(s) not tried; they wait in the outbox)");
    assert_eq!(ids(&run.test, "deferred").len(), 1);
    assert_eq!(ids(&run.test, "ready").len(), 1);
}

#[test]
fn a_server_that_throttles_the_last_message_leaves_none_untried() {
    let mails = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let server = SmtpServer::with_rule(move |stage, _| {
        use std::sync::atomic::Ordering;
        (stage == Stage::Mail && mails.fetch_add(1, Ordering::SeqCst) == 1)
            .then_some(Reply::Code(421, "4.7.0 Too many messages, slow down"))
    });
    let run = queue(project(), &["--lang", "en", "--lang", "ru"]).status(0);
    let run = send(run.test, &server.url(), &[])
        .status(1)
        .stderr_has("the server asked to slow down")
        .stderr_has("(0 message(s) not tried; they wait in the outbox)");
    assert_eq!(ids(&run.test, "sent").len(), 1);
    assert_eq!(ids(&run.test, "deferred").len(), 1);
}

#[test]
fn a_server_that_is_down_moves_nothing() {
    let run = queue(project(), &[]).status(0);
    let url = format!("smtp://127.0.0.1:{}", closed_port());
    let run = send(run.test, &url, &[])
        .status(1)
        .stderr_has("cannot connect to the SMTP server 127.0.0.1:")
        // Not "nothing to send" on standard output, where a cron job's log may look alone.
        .stdout_has("1 not tried (the run stopped; they wait in the outbox)");
    assert!(!run.stdout.contains("nothing to send"), "{}", run.stdout);
    assert_eq!(ids(&run.test, "ready").len(), 1);
    assert!(ids(&run.test, "sending").is_empty());
}

#[test]
fn refuses_plain_smtp_over_a_network_and_passwords_in_urls() {
    let run = queue(project(), &[]).status(0);
    let run = send(run.test, "smtp://u:secret@mail.example.org", &[])
        .status(1)
        .stderr_has("the SMTP URL holds a password");
    assert!(!run.stderr.contains("secret"), "{}", run.stderr);
}

#[test]
fn after_the_deadline_messages_expire_unless_allowed() {
    let server = SmtpServer::start();
    let run = queue(project(), &[]).status(0);
    // The campaign's deadline moves into the past after queuing: rewrite the envelope's copy.
    let id = ids(&run.test, "ready")[0].clone();
    backdate_deadline(&run.test, &id);
    let run = send(run.test, &server.url(), &["--dry-run"])
        .status(1)
        .stdout_has("would expire");
    assert_eq!(
        ids(&run.test, "ready"),
        std::slice::from_ref(&id),
        "a dry run moves nothing"
    );
    let run = send(run.test, &server.url(), &[])
        .status(1)
        .stdout_has("expired ")
        .stdout_has("the campaign's deadline 2020-03-01 passed");
    assert_eq!(ids(&run.test, "expired"), [id]);
    assert!(server.received().is_empty());
}

#[test]
fn a_follow_up_reaches_messages_already_queued() {
    let server = SmtpServer::start();
    let run = queue(project(), &["--lang", "en", "--lang", "ru"]).status(0);
    let ready = ids(&run.test, "ready");
    // Queued with a deadline that has passed; a follow-up since gave a new one, far ahead.
    backdate_envelope(&run.test, &ready[0]);
    let run = send(run.test, &server.url(), &[])
        .status(0)
        .stdout_has("2 sent");
    assert_eq!(ids(&run.test, "sent").len(), 2);
}

#[test]
fn a_stopped_action_sends_nothing_more_even_late() {
    let server = SmtpServer::start();
    let run = queue(project(), &[]).status(0);
    let id = ids(&run.test, "ready")[0].clone();
    stop_the_action(&run.test);
    let run = send(run.test, &server.url(), &["--allow-late"])
        .status(1)
        .stdout_has(&format!("expired {id}"))
        .stdout_has("the action was stopped on 2026-02-20: Anna Test was released.");
    assert_eq!(ids(&run.test, "expired"), std::slice::from_ref(&id));
    assert!(server.received().is_empty());
    // --allow-late reconsiders late messages, never those of an action that ended: they stay
    // as they are, not expired again.
    let run = send(run.test, &server.url(), &["--allow-late"]).stdout_has("nothing to send");
    assert!(!run.stdout.contains("expired"), "{}", run.stdout);
    assert_eq!(ids(&run.test, "expired"), std::slice::from_ref(&id));
    assert!(server.received().is_empty());
    // Nor one whose envelope was damaged since: it stays expired, it is not failed.
    let path = run.test.path().join(format!("outbox/expired/{id}"));
    let bytes = std::fs::read(&path).unwrap();
    let body = &bytes[bytes.iter().position(|b| *b == b'\n').unwrap()..];
    std::fs::write(&path, [b"not json".as_slice(), body].concat()).unwrap();
    let run = send(run.test, &server.url(), &["--allow-late"]).stdout_has("nothing to send");
    assert_eq!(ids(&run.test, "expired"), [id]);
    assert!(ids(&run.test, "failed").is_empty());
    // And nothing more is queued for it.
    queue(run.test, &[])
        .status(1)
        .stderr_has("updates: the action was stopped on 2026-02-20");
}

#[test]
fn an_unquoted_comma_fails_its_row_and_the_queue_goes_on() {
    let csv = crate::batch::people_with_unquoted_commas(300, &[280]);
    let run = queue_csv(&csv)
        .status(1)
        .stderr_has("supporters.csv:281: row 280: has 4 fields but the header has 3")
        .stdout_has("299 message(s) queued");
    let rows = crate::batch::failed_rows(&run.test.read("outbox/supporters.failed.csv"));
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(&rows[0][0], "Person 280");
    assert_eq!(ids(&run.test, "ready").len(), 299);
}

#[test]
fn queue_and_send_read_the_same_settings_from_anywhere() {
    // A section's project in a folder of its own, run from its parent; the parent has settings
    // of its own (another server). `queue` reads the project's, so `send` must too.
    let server = SmtpServer::start();
    let t = project();
    let section = t.path().join("section");
    std::fs::create_dir(&section).unwrap();
    for part in ["campaigns", "recipients", "appeal.yaml"] {
        std::fs::rename(t.path().join(part), section.join(part)).unwrap();
    }
    let mut settings = std::fs::read_to_string(section.join("appeal.yaml")).unwrap();
    settings.push_str(&format!("smtp: \"{}\"\nrate: off\n", server.url()));
    std::fs::write(section.join("appeal.yaml"), settings).unwrap();
    let t = t.file(
        "appeal.yaml",
        format!(
            "from: \"Other <other@other.example>\"\nsmtp: \"smtp://127.0.0.1:{}\"\n",
            closed_port()
        ),
    );
    let mut args = vec![
        "queue",
        "section/campaigns/demo.yaml",
        "--outbox",
        "section/outbox",
    ];
    args.extend_from_slice(&EVA);
    let run = t.args(args).run().no_panic().status(0);
    let run = run
        .test
        .args(["send", "--outbox", "section/outbox"])
        .run()
        .no_panic()
        .status(0)
        .stdout_has("1 sent");
    let sent = server.accepted();
    assert_eq!(sent.len(), 1);
    let fields = strict_headers(&sent[0].data);
    let from = header(&fields, "from").unwrap_or_default();
    assert!(
        from.contains("appeals@amnesty.example"),
        "queued with the section's settings: {from}"
    );
    assert!(run.test.path().join("section/outbox/sent").is_dir());
}

#[test]
fn an_absurd_rate_is_a_usage_error_naming_the_range() {
    // Once a panic converting the pause to a Duration.
    Test::new()
        .file("outbox/ready/.keep", "")
        .args(["send", "--rate", "1e-18/min", "--dry-run"])
        .run()
        .no_panic()
        .status(2)
        .stderr_has("is out of range: a rate is between 1/day and 1000/s (or `off` for no limit)");
    // The same in appeal.yaml: `check` reports it with file, line and field.
    Test::demo()
        .file("appeal.yaml", "rate: 1e-18/min\n")
        .args(["check", "campaigns/demo.yaml"])
        .run()
        .no_panic()
        .status(1)
        .stderr_has("appeal.yaml:1:7: rate: `1e-18/min` is out of range");
}

#[test]
fn a_send_that_cannot_write_the_outbox_stops_and_still_reports_what_it_sent() {
    let server = SmtpServer::start();
    let run = queue(project(), &["--lang", "en", "--lang", "ru"]).status(0);
    let ready = ids(&run.test, "ready");
    assert_eq!(ready.len(), 2);
    // The second message cannot be filed once sent (as on a full disk): a folder stands where
    // its file goes.
    let trap = run.test.path().join(format!("outbox/sent/{}", ready[1]));
    std::fs::create_dir_all(&trap).unwrap();
    let run = send(run.test, &server.url(), &[])
        .status(1)
        .stdout_has(&format!("sent {} to", ready[0]))
        .stdout_has("1 sent")
        .stderr_has("the run stopped: the outbox cannot be written:")
        .stderr_has("hint: free disk space and run send again")
        .stderr_has("(1 message(s) not tried; they wait in the outbox)");
    assert_eq!(ids(&run.test, "sent"), [ready[0].clone(), ready[1].clone()]);
    // The second went out and its outcome was recorded, but it could not be moved: left in
    // sending/, the next run files it as sent, never sends it again.
    assert_eq!(ids(&run.test, "sending"), [ready[1].clone()]);
    std::fs::remove_dir(&trap).unwrap();
    let run = send(run.test, &server.url(), &[])
        .stdout_has(&format!("recovered {}: sent", ready[1]))
        .status(0);
    assert_eq!(ids(&run.test, "sent"), ready);
    assert_eq!(server.received().len(), 2);
}

#[test]
fn resolve_takes_an_id_never_a_path() {
    let run = queue(project(), &[]).status(0);
    // Once found as a path through `uncertain/../../..`.
    let run = run
        .test
        .args(["outbox", "resolve", "../../../../etc/passwd", "--resend"])
        .run()
        .no_panic()
        .status(1)
        .stderr_has("`../../../../etc/passwd` is not a message id (hint: an id is the 20 hexadecimal digits `appeal outbox` lists)");
    assert_eq!(ids(&run.test, "ready").len(), 1);
}

#[test]
fn a_name_too_long_for_a_header_is_refused_when_queued() {
    // Once queued, then refused by every server at send ("500 Line too long").
    let long = "Anna ".repeat(400);
    let csv = format!(
        "name,country,email\n{long},NO,anna@example.org\nOla Nordmann,NO,ola@example.org\n"
    );
    let run = queue_csv(&csv).status(1).stderr_has(
        "supporters.csv:2: row 1: name: holds 1999 characters (a one-line field holds at most 300)",
    );
    assert_eq!(ids(&run.test, "ready").len(), 1);
}

#[test]
fn send_json_lists_each_message_and_each_failure_not_only_counts() {
    let server = refusing_the_first_rcpt(None);
    let run = queue(project(), &["--lang", "en", "--lang", "ru"]).status(0);
    let run = send(run.test, &server.url(), &["--json"]).status(1);
    let v: serde_json::Value = serde_json::from_str(run.stdout.trim()).expect("one JSON object");
    let events = v["events"].as_array().unwrap();
    assert_eq!(events.len(), 2, "{v}");
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["deferred", "sent"], "{v}");
    assert_eq!(events[0]["stage"], "RCPT");
    assert!(events[0]["reply"].as_str().unwrap().contains("451"), "{v}");
    assert!(events[0]["next_attempt"].is_string(), "{v}");
    assert_eq!(events[1]["to"], OFFICIAL);
    assert_eq!(
        (v["sent"].as_u64(), v["deferred"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(v["ok"], false);
}

#[test]
fn purge_removes_what_was_sent_before_a_day_and_it_is_never_queued_again() {
    let server = SmtpServer::start();
    let run = queue(project(), &["--lang", "en", "--lang", "ru"]).status(0);
    let run = send(run.test, &server.url(), &[]).status(0);
    let sent = ids(&run.test, "sent");
    assert_eq!(sent.len(), 2);
    let purge = |t: Test, day: &str| {
        t.args(["outbox", "purge", "--sent-before", day])
            .run()
            .no_panic()
            .status(0)
    };
    // Sent today: not before yesterday.
    let yesterday = (chrono::Utc::now() - chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let run = purge(run.test, &yesterday).stdout_has("0 message(s) last touched before");
    assert_eq!(ids(&run.test, "sent").len(), 2);
    let run = purge(run.test, &tomorrow).stdout_has(&format!("removed {} (sent)", sent[0]));
    assert!(ids(&run.test, "sent").is_empty());
    assert!(
        !run.test
            .path()
            .join(format!("outbox/records/{}.json", sent[0]))
            .exists()
    );
    // The ids are remembered: queuing the same letters again queues nothing.
    let run =
        queue(run.test, &["--lang", "en", "--lang", "ru"]).stdout_has("2 already queued before");
    assert!(ids(&run.test, "ready").is_empty());
    assert_eq!(server.received().len(), 2);
}

#[test]
fn a_bad_setting_is_said_once_with_its_place() {
    // Once "error: error: appeal.yaml:...".
    let run = project()
        .file("appeal.yaml", "from: \"not an address\"\n")
        .file("outbox/ready/.keep", "")
        .args(["send", "--dry-run"])
        .run()
        .no_panic()
        .status(1)
        .stderr_has("error: appeal.yaml:1:7: from:");
    assert!(!run.stderr.contains("error: error"), "{}", run.stderr);
}

/// Adds a stop follow-up to the demo campaign of `t`.
fn stop_the_action(t: &Test) {
    let path = t.path().join("campaigns/demo.yaml");
    let mut campaign = std::fs::read_to_string(&path).unwrap();
    campaign.push_str("updates:\n  - date: 2026-02-20\n    action: stop\n    text: {en: \"Anna Test was released.\", ru: \"Анна Тест освобождена.\"}\n");
    std::fs::write(&path, campaign).unwrap();
}

#[test]
fn a_stop_reaches_messages_queued_with_a_directory_named_by_flag() {
    let server = SmtpServer::start();
    // The directory is in a folder of its own, not `recipients/` beside the campaign: `send`
    // must read the campaign with the directory `queue` used, or it cannot see the stop.
    let t = project();
    std::fs::rename(t.path().join("recipients"), t.path().join("officials")).unwrap();
    let run = queue(t, &["--recipients", "officials"]).status(0);
    let id = ids(&run.test, "ready")[0].clone();
    stop_the_action(&run.test);
    let run = send(run.test, &server.url(), &[])
        .status(1)
        .stdout_has(&format!("expired {id}"))
        .stdout_has("the action was stopped on 2026-02-20: Anna Test was released.");
    assert_eq!(ids(&run.test, "expired"), [id]);
    assert!(ids(&run.test, "ready").is_empty());
    assert!(server.received().is_empty());
}

#[test]
fn messages_whose_campaign_cannot_be_read_are_held_not_sent() {
    let server = SmtpServer::start();
    let run = queue(project(), &[]).status(0);
    let id = ids(&run.test, "ready")[0].clone();
    // A coordinator is editing the campaign and left it broken: a stop may be in it or not.
    let path = run.test.path().join("campaigns/demo.yaml");
    let good = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, good.replace("deadline: 2099-03-01", "deadline: [")).unwrap();
    let run = send(run.test, &server.url(), &[])
        .status(1)
        .stdout_has("held: the messages queued from")
        .stdout_has("campaigns/demo.yaml")
        .stdout_has("--send-unreadable")
        .stdout_has("1 held");
    assert_eq!(ids(&run.test, "ready"), std::slice::from_ref(&id));
    assert!(server.received().is_empty());
    // The directory it was queued with is gone: held too, saying so.
    std::fs::write(&path, &good).unwrap();
    std::fs::rename(
        run.test.path().join("recipients"),
        run.test.path().join("moved"),
    )
    .unwrap();
    let run = send(run.test, &server.url(), &[])
        .status(1)
        .stdout_has("the recipient directory it was queued with")
        .stdout_has("is not there now");
    assert!(server.received().is_empty());
    // The user says otherwise: sent by the deadline it was queued with, with a note.
    let run = send(run.test, &server.url(), &["--send-unreadable"])
        .status(0)
        .stdout_has("as --send-unreadable asks")
        .stdout_has("1 sent");
    assert_eq!(ids(&run.test, "sent"), [id]);
    assert_eq!(server.received().len(), 1);
}

#[test]
fn sends_after_the_deadline_with_allow_late() {
    let server = SmtpServer::start();
    let run = queue(project(), &[]).status(0);
    let id = ids(&run.test, "ready")[0].clone();
    backdate_deadline(&run.test, &id);
    send(run.test, &server.url(), &["--allow-late"])
        .status(0)
        .stdout_has("1 sent");
    assert_eq!(server.accepted().len(), 1);
}

#[test]
fn a_message_still_goes_on_its_deadline_day() {
    // "Send appeals before 3 May": on 3 May a letter still goes; the day after it expires.
    let server = SmtpServer::start();
    let today = chrono::Local::now().date_naive().to_string();
    let t = project();
    let path = t.path().join("campaigns/demo.yaml");
    let campaign = std::fs::read_to_string(&path)
        .unwrap()
        .replace("deadline: 2099-03-01", &format!("deadline: {today}"));
    std::fs::write(&path, campaign).unwrap();
    let run = queue(t, &[]).status(0);
    send(run.test, &server.url(), &[])
        .status(0)
        .stdout_has("1 sent");
}

#[test]
fn the_expiry_hint_works_allow_late_sends_what_expired() {
    // `send` expires a late message and says "send anyway with --allow-late": that must work,
    // for every expired message at once.
    let server = SmtpServer::start();
    let run = queue(project(), &["--lang", "en", "--lang", "ru"]).status(0);
    for id in ids(&run.test, "ready") {
        backdate_deadline(&run.test, &id);
    }
    let run = send(run.test, &server.url(), &[])
        .status(1)
        .stdout_has("send anyway with --allow-late")
        .stdout_has("2 expired");
    assert!(server.received().is_empty());
    let run = send(run.test, &server.url(), &["--allow-late"])
        .status(0)
        .stdout_has("2 sent");
    assert_eq!(ids(&run.test, "sent").len(), 2);
    assert!(ids(&run.test, "expired").is_empty());
}

#[test]
fn a_dry_run_and_a_rehearsal_mark_nothing_sent() {
    let server = SmtpServer::start();
    let run = queue(project(), &[]).status(0);
    let id = ids(&run.test, "ready")[0].clone();
    let run = send(run.test, &server.url(), &["--dry-run"])
        .status(0)
        .stdout_has(&format!("would send {id} to {OFFICIAL}"))
        // Who signs it, so a supporter queued twice (a corrected email) shows in the list.
        .stdout_has(") from Eva Muster: ")
        .stdout_has("dry run: 1 message(s) would be sent");
    assert!(server.received().is_empty());
    let run = send(
        run.test,
        &server.url(),
        &["--redirect-to", "me@example.org"],
    )
    .status(0)
    .stdout_has(&format!("rehearsed {id} to me@example.org"))
    .stdout_has("1 rehearsed (sent to the --redirect-to address, not marked sent)");
    let got = server.accepted();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].to, ["me@example.org"]);
    assert_eq!(ids(&run.test, "ready"), std::slice::from_ref(&id));
    assert!(ids(&run.test, "sent").is_empty());
}

#[test]
fn a_rehearsal_the_server_refuses_is_counted_as_failed_and_moves_nothing() {
    let server = SmtpServer::with_rule(|stage, _| {
        (stage == Stage::Rcpt).then_some(Reply::Code(550, "5.1.1 No such mailbox"))
    });
    let run = queue(project(), &[]).status(0);
    let id = ids(&run.test, "ready")[0].clone();
    let run = send(
        run.test,
        &server.url(),
        &["--redirect-to", "me@example.org"],
    )
    .status(1)
    .stdout_has(&format!("rehearsal of {id} to me@example.org failed:"))
    .stdout_has("1 failed");
    assert_eq!(ids(&run.test, "ready"), [id]);
    assert!(ids(&run.test, "failed").is_empty());
}

#[test]
fn recovers_a_crashed_run_by_the_data_started_marker() {
    // A crash leaves two messages in sending/: one before its body went out, one after.
    let server = SmtpServer::start();
    let run = queue(project(), &["--lang", "en", "--lang", "ru"]).status(0);
    let ready = ids(&run.test, "ready");
    let outbox = run.test.path().join("outbox");
    for id in &ready {
        std::fs::rename(
            outbox.join("ready").join(id),
            outbox.join("sending").join(id),
        )
        .unwrap();
    }
    std::fs::write(
        outbox.join("records").join(format!("{}.started", ready[1])),
        "0",
    )
    .unwrap();
    let run = send(run.test, &server.url(), &[])
        .status(1)
        .stdout_has(&format!("recovered {}: ready", ready[0]))
        .stdout_has(&format!("recovered {}: uncertain", ready[1]))
        .stdout_has(&format!("sent {}", ready[0]));
    assert_eq!(ids(&run.test, "sent"), [ready[0].clone()]);
    assert_eq!(ids(&run.test, "uncertain"), [ready[1].clone()]);
    assert_eq!(server.accepted().len(), 1);
}

#[test]
fn a_killed_send_loses_nothing_and_sends_nothing_twice() {
    // Each reply after a body takes 300 ms; the first run is killed mid-way with SIGKILL.
    let server = SmtpServer::with_rule(|stage, _| {
        (stage == Stage::DataEnd).then_some(Reply::Delay(Duration::from_millis(300)))
    });
    let csv: String = std::iter::once("name,address,postcode,city,country,email,lang".to_string())
        .chain(
            (0..12).map(|i| format!("Supporter {i},Street {i},0155,Oslo,NO,s{i}@example.org,en")),
        )
        .collect::<Vec<_>>()
        .join("\n");
    let run = queue_csv(&csv).status(0).stdout_has("12 message(s) queued");
    let t = run.test;
    let mut child = std::process::Command::new(BIN)
        .args(["send", "--smtp", &server.url(), "--rate", "off"])
        .current_dir(t.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1000));
    // A second send meanwhile is refused: two at once could send a letter twice.
    let url = server.url();
    let t = t
        .args(["send", "--smtp", &url, "--rate", "off"])
        .run()
        .status(1)
        .stderr_has("another `appeal send` is working on the outbox")
        .test;
    child.kill().unwrap();
    child.wait().unwrap();
    let before = server.received().len();
    assert!(
        before > 0 && before < 12,
        "killed mid-run ({before} received)"
    );
    // Run again until nothing is left to send.
    let t = send(t, &server.url(), &[]).test;
    let mut states = std::collections::BTreeMap::new();
    let mut all = Vec::new();
    for state in [
        "ready",
        "sending",
        "deferred",
        "uncertain",
        "sent",
        "failed",
        "expired",
    ] {
        for id in ids(&t, state) {
            *states.entry(state).or_insert(0) += 1;
            all.push(id);
        }
    }
    all.sort();
    let total = all.len();
    all.dedup();
    assert_eq!(
        total, 12,
        "every message is in exactly one state: {states:?}"
    );
    assert_eq!(all.len(), 12);
    assert!(
        ids(&t, "ready").is_empty() && ids(&t, "sending").is_empty(),
        "{states:?}"
    );
    // No message reached the server twice; everything it took in is filed sent or uncertain;
    // nothing it did not accept is filed sent.
    let sent = ids(&t, "sent");
    let uncertain = ids(&t, "uncertain");
    let mut seen = std::collections::HashSet::new();
    for m in server.received() {
        let fields = strict_headers(&m.data);
        let mid = header(&fields, "message-id").unwrap();
        let id = mid
            .trim_start_matches('<')
            .split('.')
            .next()
            .unwrap()
            .to_string();
        assert!(seen.insert(id.clone()), "{id} received twice");
        assert!(
            sent.contains(&id) || uncertain.contains(&id),
            "{id} reached the server but is filed neither sent nor uncertain: {states:?}"
        );
        if !m.accepted {
            assert!(!sent.contains(&id), "{id} filed sent without a 250");
        }
    }
    for id in &sent {
        assert!(seen.contains(id), "{id} filed sent but never received");
    }
}

#[test]
fn lists_the_outbox_as_json_and_exports_the_record_as_csv() {
    let server = SmtpServer::start();
    let run = queue(project(), &[]).status(0);
    let run = send(run.test, &server.url(), &[]).status(0);
    let run = run.test.args(["outbox", "--json"]).run().status(0);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["counts"]["sent"], 1);
    assert_eq!(v["counts"]["ready"], 0);
    let run = run
        .test
        .args(["outbox", "--csv", "record.csv"])
        .run()
        .status(0);
    let csv = run.test.read("record.csv");
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("id,state,campaign,recipient,lang")
    );
    let row = lines.next().unwrap();
    assert!(
        row.contains(",sent,demo,xx-prosecutor,en,no,Eva Muster,prosecutor@genproc.example,email,"),
        "{row}"
    );
}

#[test]
fn the_csv_record_never_holds_a_formula_a_spreadsheet_would_run() {
    let run =
        queue_csv("name,country,email\n=HYPERLINK(\"http://x\"),NO,a@example.org\n").status(0);
    let run = run.test.args(["outbox", "--csv", "-"]).run().status(0);
    assert!(
        run.stdout.contains(",\"'=HYPERLINK(\"\"http://x\"\")\","),
        "{}",
        run.stdout
    );
}

/// The demo project, its prosecutor reachable by fax only, in an office open `office` hours.
fn fax_project(office: Option<&str>) -> Test {
    project_with(&office.map_or(String::new(), |h| {
        format!("    timezone: Europe/Moscow\n    office_hours: \"{h}\"\n")
    }))
}

#[test]
fn reaches_a_fax_through_the_gateway_with_the_letter_as_pdf() {
    let server = SmtpServer::start();
    // Without a gateway the prosecutor (fax only here) needs a fax by hand.
    let run = queue(fax_project(Some("Mo-Su 00:00-24:00")), &[])
        .status(1)
        .stderr_has("`xx-prosecutor`: it has a fax number but no email address, and no `fax_gateway` is set");
    let run = queue(run.test, &["--fax-gateway", "{number}@fax.example.net"])
        .status(0)
        .stdout_has("1 message(s) queued");
    send(run.test, &server.url(), &[]).status(0);
    let got = server.accepted();
    assert_eq!(got[0].to, ["74950000000@fax.example.net"]);
    let text = String::from_utf8(got[0].data.clone()).unwrap();
    assert!(text.contains("Content-Type: application/pdf"), "{text}");
    assert!(text.contains("filename=\"xx-prosecutor.en.pdf\""), "{text}");
    // The letter goes once, as the PDF: the text part is one line (the subject), not the
    // letter a second time.
    assert!(!text.contains("I urge you not to extradite her"), "{text}");
}

#[test]
fn a_fax_waits_for_the_offices_hours_and_needs_its_time_zone() {
    let gateway = ["--fax-gateway", "{number}@fax.example.net"];
    queue(fax_project(None), &gateway)
        .status(1)
        .stderr_has("it is reached by fax, which goes out only in office hours, and its directory entry has no `timezone`");
    // Open only on a day that is not today in Moscow: the fax waits.
    let moscow_today = (chrono::Utc::now() + chrono::Duration::hours(3))
        .format("%a")
        .to_string();
    let other = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]
        .into_iter()
        .find(|d| !moscow_today.starts_with(d))
        .unwrap();
    let server = SmtpServer::start();
    let run = queue(fax_project(Some(&format!("{other} 09:00-18:00"))), &gateway).status(0);
    let run = send(run.test, &server.url(), &[])
        .status(0)
        .stdout_has("the fax to xx-prosecutor goes out in office hours")
        .stdout_has("1 faxes waiting for office hours");
    assert!(server.received().is_empty());
    // `outbox` says when it goes.
    let run = run
        .test
        .args(["outbox"])
        .run()
        .no_panic()
        .status(0)
        .stdout_has("ready, faxes waiting for office hours:")
        .stdout_has("goes out with the first send from ");
    // A rehearsal goes to the rehearser at once, whatever the hour in Moscow.
    send(
        run.test,
        &server.url(),
        &["--redirect-to", "me@example.org"],
    )
    .status(0)
    .stdout_has("rehearsed ");
    assert_eq!(server.received().len(), 1);
}

#[cfg(unix)]
#[test]
fn the_outbox_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let run = queue(project(), &[]).status(0);
    let mode = |rel: &str| {
        std::fs::metadata(run.test.path().join(rel))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode("outbox"), 0o700);
    assert_eq!(mode("outbox/ready"), 0o700);
    let id = ids(&run.test, "ready")[0].clone();
    assert_eq!(mode(&format!("outbox/ready/{id}")), 0o600);
    assert_eq!(mode("outbox/ids.log"), 0o600);
}

#[test]
fn a_supporter_signing_with_initials_is_named_by_them_in_the_headers() {
    let server = SmtpServer::start();
    let run = queue(project(), &["--initials"]).status(0);
    send(run.test, &server.url(), &[]).status(0);
    let data = &server.accepted()[0].data;
    let fields = strict_headers(data);
    assert_eq!(
        header(&fields, "from"),
        Some("\"E. M.\" <appeals@amnesty.example>")
    );
    assert!(
        !String::from_utf8_lossy(data).contains("Muster"),
        "the full name stays out"
    );
}

#[test]
fn an_envelope_that_is_not_json_fails_its_message_and_the_run_goes_on() {
    let server = SmtpServer::start();
    let run = queue(project(), &["--lang", "en", "--lang", "ru"]).status(0);
    let ready = ids(&run.test, "ready");
    let path = run.test.path().join(format!("outbox/ready/{}", ready[0]));
    let file = std::fs::read(&path).unwrap();
    let mut cut = b"{\"id\": \"cut short".to_vec();
    cut.extend_from_slice(&file[file.iter().position(|b| *b == b'\n').unwrap()..]);
    std::fs::write(&path, cut).unwrap();
    let run = send(run.test, &server.url(), &[])
        .status(1)
        .stdout_has(&format!(
            "failed {}: outbox/ready/{}: line 1: not a message envelope: ",
            ready[0], ready[0]
        ))
        .stdout_has(&format!("sent {}", ready[1]));
    assert_eq!(ids(&run.test, "failed"), [ready[0].clone()]);
    assert_eq!(server.accepted().len(), 1);
    // The outbox still lists, with the damaged message and what to do about it.
    run.test
        .args(["outbox"])
        .run()
        .no_panic()
        .status(0)
        .stdout_has(&format!("  {}  to ? (?, ?, from ?): ", ready[0]))
        .stdout_has("fix the envelope");
}

#[test]
fn a_message_file_cut_short_fails_that_message_and_the_run_goes_on() {
    let server = SmtpServer::start();
    let run = queue(project(), &["--lang", "en", "--lang", "ru"]).status(0);
    let ready = ids(&run.test, "ready");
    let path = run.test.path().join(format!("outbox/ready/{}", ready[0]));
    let file = std::fs::read(&path).unwrap();
    let newline = file.iter().position(|b| *b == b'\n').unwrap();
    std::fs::write(&path, &file[..=newline]).unwrap();
    let run = send(run.test, &server.url(), &[])
        .status(1)
        .stdout_has(&format!(
            "failed {}: outbox/ready/{}: no message after the envelope line",
            ready[0], ready[0]
        ))
        .stdout_has(&format!("sent {}", ready[1]));
    assert_eq!(ids(&run.test, "failed"), [ready[0].clone()]);
    assert_eq!(server.accepted().len(), 1);
}

#[test]
fn a_damaged_envelope_fails_its_message_with_the_file_and_what_to_do() {
    let server = SmtpServer::start();
    let run = queue(project(), &[]).status(0);
    let id = ids(&run.test, "ready")[0].clone();
    let path = run.test.path().join(format!("outbox/ready/{id}"));
    let env = std::fs::read_to_string(&path)
        .unwrap()
        .replace(OFFICIAL, "not an address");
    std::fs::write(&path, env).unwrap();
    let run = send(run.test, &server.url(), &[])
        .status(1)
        .stdout_has(&format!("failed {id}: outbox/ready/{id}: line 1: "))
        .stdout_has(&format!(
            "(hint: fix the envelope on the file's first line and `appeal outbox resolve {id} --resend`"
        ));
    assert_eq!(ids(&run.test, "failed"), [id]);
    assert!(server.received().is_empty());
}

const MINISTER: &str = "minister@justice.example";

/// The demo project with a second target, the justice minister of the supporter's own
/// country, whom the directory has for Norway only.
fn project_with_own_government() -> Test {
    let t = project();
    let campaign = t
        .read("campaigns/demo.yaml")
        .replace(
            "targets:\n  - recipient: xx-prosecutor\n",
            "targets:\n  - recipient: xx-prosecutor\n  - government_role: justice-minister\n",
        )
        .replace(
            "copies:\n  - embassy_of: RU\n    note: {en: \"copies only\", ru: \"только копии\"}\n",
            "",
        );
    let directory = format!(
        "{}  - id: no-justice-minister\n    kind: government\n    country: NO\n    role: justice-minister\n    title: {{en: \"Minister of Justice\", ru: \"Министр юстиции\"}}\n    address: [\"Postboks 8005 Dep\", \"0030 Oslo\", \"Norway\"]\n    email: \"{MINISTER}\"\n    salutation: {{en: \"Dear Minister\", ru: \"Уважаемый господин министр\"}}\n    verified: {{date: 2026-01-01, source: \"test\"}}\n",
        t.read("recipients/demo.yaml")
    );
    t.file("campaigns/demo.yaml", campaign)
        .file("recipients/demo.yaml", directory)
}

/// Ola's row with the wrong country: the directory has no Swedish justice minister.
const OLA_IN_SWEDEN: &str = "name,address,postcode,city,country,email,lang\nOla Nordmann,Storgata 1,0150,Oslo,SE,ola@example.org,en\n";

/// Queues the supporters of `file`.
fn queue_file(t: Test, file: &str) -> crate::harness::Run {
    t.args(["queue", "campaigns/demo.yaml", "--supporters", file])
        .run()
        .no_panic()
}

/// The failed rows of the first run with the country corrected, as the hint says.
fn corrected(t: Test) -> Test {
    let failed = t.read("outbox/ola.failed.csv");
    assert!(
        failed.contains(",partly done,\"1 letter(s) written; not written: "),
        "{failed}"
    );
    let fixed = failed.replace(",SE,", ",NO,");
    t.file("ola-fixed.csv", fixed)
}

#[test]
fn a_corrected_row_run_again_sends_exactly_what_was_missing() {
    let server = SmtpServer::start();
    let t = project_with_own_government().file("ola.csv", OLA_IN_SWEDEN);
    // His letter to the prosecutor goes; the one to the minister cannot: partly done.
    let run = queue_file(t, "ola.csv")
        .status(1)
        .stdout_has("1 message(s) queued")
        .stdout_has("supporters' rows: 0 done, 1 partly done, 0 failed")
        .stderr_has("justice-minister");
    let run = send(run.test, &server.url(), &[]).status(0);
    assert_eq!(server.accepted().len(), 1);
    // The row corrected and run again: the letter sent is recognised (same person: name and
    // email), only the missing one is queued.
    let run = queue_file(corrected(run.test), "ola-fixed.csv")
        .status(0)
        .stdout_has("1 message(s) queued")
        .stdout_has("1 already queued before (not queued again)");
    send(run.test, &server.url(), &[]).status(0);
    let mut to: Vec<String> = server
        .accepted()
        .iter()
        .flat_map(|r| r.to.clone())
        .collect();
    to.sort();
    assert_eq!(to, [MINISTER, OFFICIAL], "one letter per addressee");
}

#[test]
fn a_corrected_row_replaces_its_unsent_message_and_it_goes_once() {
    let server = SmtpServer::start();
    let t = project_with_own_government().file("ola.csv", OLA_IN_SWEDEN);
    let run = queue_file(t, "ola.csv").status(1);
    let first = ids(&run.test, "ready");
    assert_eq!(first.len(), 1);
    let run = queue_file(corrected(run.test), "ola-fixed.csv")
        .status(0)
        .stdout_has("1 message(s) queued")
        .stdout_has("1 unsent message(s) queued before replaced by what they say now");
    // Same id, new text: his corrected country, not the old one.
    let ready = ids(&run.test, "ready");
    assert_eq!(ready.len(), 2);
    assert!(ready.contains(&first[0]));
    let message = run.test.read(&format!("outbox/ready/{}", first[0]));
    assert!(
        !message.contains("SWEDEN") && message.contains("NORWAY"),
        "{message}"
    );
    assert!(
        run.test
            .read("outbox/events.log")
            .contains("\"event\":\"replaced\"")
    );
    // Queued again unchanged: nothing replaced, nothing new.
    let run = queue_file(run.test, "ola-fixed.csv")
        .status(0)
        .stdout_has("0 message(s) queued in outbox, 2 already queued before");
    send(run.test, &server.url(), &[]).status(0);
    let accepted = server.accepted();
    assert_eq!(accepted.len(), 2, "one message per addressee");
    let to_prosecutor = accepted.iter().find(|r| r.to == [OFFICIAL]).unwrap();
    let sent = String::from_utf8_lossy(&to_prosecutor.data);
    assert!(
        !sent.contains("SWEDEN") && sent.contains("NORWAY"),
        "{sent}"
    );
}

#[test]
fn an_unsent_message_is_not_replaced_while_a_send_run_holds_the_outbox() {
    use std::io::Write;
    let t = project_with_own_government().file("ola.csv", OLA_IN_SWEDEN);
    let run = queue_file(t, "ola.csv").status(1);
    let first = ids(&run.test, "ready");
    let before = run.test.read(&format!("outbox/ready/{}", first[0]));
    // A send run holds its lock (flock on outbox/send.lock) for as long as this handle lives.
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(run.test.path().join("outbox/send.lock"))
        .unwrap();
    lock.try_lock().unwrap();
    (&lock).write_all(b"process 1 since today").unwrap();
    let run = queue_file(corrected(run.test), "ola-fixed.csv")
        .status(0)
        .stdout_has("1 message(s) queued")
        .stderr_has("1 unsent message(s) say something else now")
        .stderr_has("because `appeal send` holds the outbox");
    assert_eq!(run.test.read(&format!("outbox/ready/{}", first[0])), before);
    drop(lock);
    // After that run, the same queue replaces it.
    queue_file(run.test, "ola-fixed.csv")
        .status(0)
        .stdout_has("1 unsent message(s) queued before replaced");
}

#[test]
fn a_message_queued_under_the_earlier_id_scheme_is_not_queued_again() {
    let run = queue(project(), &[]).status(0);
    let id = ids(&run.test, "ready")[0].clone();
    // The id this message had before ids followed the supporter's identity: SHA-256 over
    // "appeal-message-1", the campaign, her name, her address lines, her email (lowercased),
    // the recipient, the language and "letter", each ended by NUL; the first 10 bytes in hex.
    // Computed independently of the code (Python's hashlib) for Eva Muster's demo letter in
    // English, and the id the binary of that time gave it.
    let v1 = V1_ID_OF_EVAS_DEMO_LETTER;
    let outbox = run.test.path().join("outbox");
    std::fs::rename(outbox.join("ready").join(&id), outbox.join("sent").join(v1)).unwrap();
    std::fs::write(outbox.join("ids.log"), format!("{v1}\n")).unwrap();
    let run = queue(run.test, &[])
        .status(0)
        .stdout_has("0 message(s) queued in outbox, 1 already queued before");
    assert!(ids(&run.test, "ready").is_empty());
}

/// See `a_message_queued_under_the_earlier_id_scheme_is_not_queued_again`.
const V1_ID_OF_EVAS_DEMO_LETTER: &str = "76e3d84a11040faafca5";

#[test]
fn a_commit_cut_short_after_its_log_counts_its_messages_queued_and_the_next_run_moves_them() {
    let csv = "name,address,postcode,city,country,lang\nAnna Eins,Weg 1,10115,Berlin,DE,en\nBert Zwei,Weg 2,10115,Berlin,DE,en\nCarla Drei,Weg 3,10115,Berlin,DE,en\n";
    // The ids the three messages get, from a first outbox.
    let run = queue_csv(csv).status(0).stdout_has("3 message(s) queued");
    let ids_of = |t: &Test| -> Vec<(String, String)> {
        ids(t, "ready")
            .into_iter()
            .map(|id| {
                let head = t.read(&format!("outbox/ready/{id}"));
                let supporter = head.split("\"supporter\":\"").nth(1).unwrap();
                (supporter.split('"').next().unwrap().to_string(), id)
            })
            .collect()
    };
    let mut by_name = ids_of(&run.test);
    by_name.sort();
    let second = &by_name[1].1;
    // A fresh outbox where the second message cannot be moved into ready/ (as on a full disk:
    // a folder stands where its file goes). The three ids are logged before the moves, so the
    // two left in tmp/ are queued: the next run moves them.
    let t = run.test;
    std::fs::remove_dir_all(t.path().join("outbox")).unwrap();
    let obstacle = t.path().join(format!("outbox/ready/{second}"));
    std::fs::create_dir_all(&obstacle).unwrap();
    std::fs::write(obstacle.join("x"), "").unwrap();
    let args = [
        "queue",
        "campaigns/demo.yaml",
        "--supporters",
        "supporters.csv",
    ];
    let run = t
        .args(args)
        .run()
        .no_panic()
        .status(1)
        .stdout_has("3 message(s) queued")
        .stderr_has("every message staged with it is logged in the outbox and is moved into ready/ when the next queue or send starts");
    let moved = std::fs::read_dir(run.test.path().join("outbox/ready"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().is_file())
        .count();
    assert_eq!(moved, 1, "one moved before the fault");
    assert!(
        !run.test.path().join("supporters.failed.csv").exists(),
        "no row failed"
    );
    // The disk mended, the next run finishes the moves and queues nothing twice.
    std::fs::remove_dir_all(&obstacle).unwrap();
    let run = run
        .test
        .args(args)
        .run()
        .no_panic()
        .status(0)
        .stdout_has("0 message(s) queued in outbox, 3 already queued before");
    assert_eq!(ids(&run.test, "ready").len(), 3);
}

/// `QueueOutput` with a fault: from write number `at` until the commit after it, the outbox file
/// `broken` cannot be written (a folder stands in its place). `ids.log` makes that commit fail
/// before it moves anything, `events.log` after it moved every message.
struct CannotWrite {
    inner: appeal::batch::queue::QueueOutput,
    outbox: std::path::PathBuf,
    broken: &'static str,
    writes: usize,
    at: usize,
}

impl appeal::batch::output::Output for CannotWrite {
    type Prepared = <appeal::batch::queue::QueueOutput as appeal::batch::output::Output>::Prepared;

    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn needs_parts(&self) -> bool {
        self.inner.needs_parts()
    }
    fn reaches(
        &self,
        recipient: &appeal::model::directory::Recipient,
    ) -> appeal::batch::Result<()> {
        self.inner.reaches(recipient)
    }
    fn admit(&mut self, letter: &appeal::render::letter::Letter) {
        self.inner.admit(letter);
    }
    fn prepare(
        &self,
        letter: appeal::render::letter::Letter,
        to: &appeal::batch::output::Addressed,
    ) -> appeal::batch::Result<(Self::Prepared, Vec<String>)> {
        self.inner.prepare(letter, to)
    }
    fn write(
        &mut self,
        prepared: Self::Prepared,
        to: &appeal::batch::output::Addressed,
    ) -> appeal::batch::Result<appeal::batch::output::Written> {
        self.writes += 1;
        if self.writes == self.at {
            let log = self.outbox.join(self.broken);
            if log.exists() {
                std::fs::rename(&log, self.outbox.join("aside")).unwrap();
            }
            std::fs::create_dir(&log).unwrap();
        }
        self.inner.write(prepared, to)
    }
    fn finish(&mut self) -> appeal::batch::Result<Option<appeal::batch::output::Written>> {
        self.inner.finish()
    }
    fn take_lost(&mut self) -> appeal::batch::output::Lost {
        self.inner.take_lost()
    }
    fn checkpoint(&mut self) -> appeal::batch::Result<()> {
        let done = self.inner.checkpoint();
        let log = self.outbox.join(self.broken);
        if log.is_dir() {
            std::fs::remove_dir(&log).unwrap();
            let aside = self.outbox.join("aside");
            if aside.exists() {
                std::fs::rename(aside, &log).unwrap();
            }
        }
        done
    }
    fn take_notes(&mut self) -> Vec<String> {
        self.inner.take_notes()
    }
}

/// `queue` of the supporters file `supporters` in `t` into `t`'s outbox, in Russian, with
/// `broken` unwritable from write number `at` to the commit after it (0: never).
fn queue_with_a_fault(
    t: &Test,
    supporters: &str,
    broken: &'static str,
    at: usize,
) -> appeal::batch::run::Summary {
    use appeal::batch::run::{LettersJob, Supporters, letters};
    let outbox = t.path().join("outbox");
    let path = t.path().join(supporters);
    let job = LettersJob {
        campaign: t.path().join("campaigns/demo.yaml"),
        recipients: None,
        templates: None,
        langs: vec![appeal::model::lang::Lang::parse("ru").unwrap()],
        date: chrono::NaiveDate::from_ymd_opt(2026, 1, 20).unwrap(),
        today: chrono::NaiveDate::from_ymd_opt(2026, 1, 20).unwrap(),
        supporters: Supporters::Csv {
            path,
            initials: false,
            shard: None,
        },
        failed_csv: Some(t.path().join(format!("again-{supporters}"))),
        jobs: 2,
        progress: None,
    };
    let sender = appeal::mail::message::Sender {
        from: appeal::mail::message::mailbox("Amnesty Test Section <appeals@amnesty.example>")
            .unwrap(),
        own_domains: vec!["amnesty.example".into()],
    };
    let inner = appeal::batch::queue::QueueOutput::new(&outbox, sender, None, false, None)
        .unwrap()
        .with_campaign(&job.campaign, &t.path().join("recipients"));
    let mut output = CannotWrite {
        inner,
        outbox: outbox.clone(),
        broken,
        writes: 0,
        at,
    };
    letters(&job, &mut output).unwrap()
}

/// A supporters file of `n` supporters in Berlin, each with her own email: one message each.
fn evas(n: usize) -> String {
    let mut csv = String::from("name,address,postcode,city,country,email\n");
    for i in 0..n {
        csv.push_str(&format!(
            "Eva Muster {i},Hauptstraße {i},10115,Berlin,DE,eva{i}@example.org\n"
        ));
    }
    csv
}

#[test]
fn a_commit_that_fails_partway_leaves_its_rows_to_the_failed_file_which_queues_the_rest() {
    let t = project();
    // Three chunks of supporters (256 rows each), one message each.
    let t = t.file("supporters.csv", evas(700));
    let queued = |t: &Test| ids(t, "ready").len();

    // The second chunk's commit fails: none of its messages is queued, and its rows are not
    // done. The first and third chunks are queued.
    let first = queue_with_a_fault(&t, "supporters.csv", "ids.log", 300);
    let on_disk = queued(&t);
    assert_eq!(on_disk, 700 - 256, "the second chunk is not queued");
    assert_eq!(
        first.written, on_disk,
        "the summary counts what is in ready/, not what was staged"
    );
    let unqueued = 700 - on_disk;
    assert_eq!(first.rows.failed, unqueued, "{first:#?}");
    assert_eq!(first.rows.done, on_disk);
    assert_eq!(first.failed.len(), unqueued, "one line per row not done");
    assert!(first.failed.iter().all(|f| f.contains("not queued")));
    let again = t.read("again-supporters.csv");
    assert_eq!(
        again.lines().count(),
        1 + unqueued,
        "a header and the rows not done"
    );

    // The file of failed rows queues exactly what is missing: every supporter has one message.
    let second = queue_with_a_fault(&t, "again-supporters.csv", "ids.log", 0);
    assert!(second.failed.is_empty(), "{:?}", second.failed);
    assert_eq!((second.written, second.unchanged), (unqueued, 0));
    assert_eq!(queued(&t), 700, "one message per supporter, none twice");
}

#[test]
fn a_commit_that_fails_leaves_its_replacements_undone_and_their_rows_to_the_failed_file() {
    let t = project();
    let t = t.file("supporters.csv", evas(100));
    let first = queue_with_a_fault(&t, "supporters.csv", "ids.log", 0);
    assert_eq!(first.written, 100);
    // 40 supporters corrected their street and 40 more came: one chunk, whose commit fails.
    let corrected: String = evas(140)
        .lines()
        .enumerate()
        .map(|(i, line)| match i {
            1..=40 => format!("{}\n", line.replace("Hauptstraße", "Korrigierte Straße")),
            _ => format!("{line}\n"),
        })
        .collect();
    let t = t.file("supporters.csv", &corrected);
    // What each message said after the first run.
    let read = |t: &Test, id: &String| t.read(&format!("outbox/ready/{id}"));
    let before: Vec<(String, String)> = ids(&t, "ready")
        .into_iter()
        .map(|id| {
            let text = read(&t, &id);
            (id, text)
        })
        .collect();
    let says_corrected = |t: &Test| {
        before
            .iter()
            .filter(|(id, text)| read(t, id) != *text)
            .count()
    };
    // From the second message on: the first read the log, as each run does before it stages.
    let second = queue_with_a_fault(&t, "supporters.csv", "ids.log", 2);
    assert_eq!(
        ids(&t, "ready").len(),
        100,
        "none of the new ones is queued"
    );
    assert_eq!(
        says_corrected(&t),
        0,
        "the corrected ones say what they said"
    );
    assert_eq!(
        (second.written, second.replaced, second.unchanged),
        (0, 0, 60),
        "nothing counted as done that is not: {second:#?}"
    );
    assert_eq!((second.rows.done, second.rows.failed), (60, 80));
    assert_eq!(second.failed.len(), 80, "one line per row not done");
    let again = t.read("again-supporters.csv");
    assert_eq!(
        again.lines().count(),
        1 + 80,
        "a header and the rows not done"
    );
    assert_eq!(again.matches("Korrigierte").count(), 40);
    assert!(
        second
            .failed
            .iter()
            .any(|f| f.contains("still say what they said")),
        "{:?}",
        second.failed
    );

    // The file of failed rows does the rest: the new ones queued, the corrected ones replaced.
    let third = queue_with_a_fault(&t, "again-supporters.csv", "ids.log", 0);
    assert!(third.failed.is_empty(), "{:?}", third.failed);
    assert_eq!((third.written, third.replaced), (40, 40), "{third:#?}");
    assert_eq!(ids(&t, "ready").len(), 140, "one message per supporter");
    assert_eq!(says_corrected(&t), 40);

    // A commit that fails once every replacement is in place (its events cannot be logged)
    // counts them replaced: they are.
    let t = t.file(
        "supporters.csv",
        corrected.replace("Korrigierte Straße", "Neue Straße"),
    );
    let fourth = queue_with_a_fault(&t, "supporters.csv", "events.log", 2);
    assert_eq!(
        (fourth.written, fourth.replaced, fourth.unchanged),
        (0, 40, 100),
        "{fourth:#?}"
    );
    assert_eq!((fourth.rows.done, fourth.rows.failed), (140, 0));
    assert_eq!(fourth.failed.len(), 1, "said once: {:?}", fourth.failed);
    assert_eq!(says_corrected(&t), 40);
}

#[test]
fn a_commit_that_fails_after_moving_every_message_says_so_once_and_loses_none() {
    let t = project();
    let t = t.file("supporters.csv", evas(300));
    let summary = queue_with_a_fault(&t, "supporters.csv", "events.log", 280);
    assert_eq!(ids(&t, "ready").len(), 300, "every message is queued");
    assert_eq!((summary.written, summary.rows.done), (300, 300));
    assert_eq!(summary.failed.len(), 1, "{:?}", summary.failed);
    assert!(
        summary.failed[0].contains("events.log"),
        "{:?}",
        summary.failed
    );
}
