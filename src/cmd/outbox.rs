//! `appeal outbox`: what the outbox holds, the messages that need a look, the record of what was
//! sent to whom; and `appeal outbox resolve` for a person's decision on an uncertain message.

use std::path::PathBuf;
use std::process::ExitCode;

use appeal::mail::message::Route;
use appeal::mail::outbox::{Message, Outbox, State};

/// Show the outbox: counts per state, messages failed, deferred or uncertain with the reason.
#[derive(clap::Args)]
pub struct Args {
    /// The outbox folder.
    #[arg(long, value_name = "DIR", default_value = "outbox", global = true)]
    outbox: PathBuf,
    /// Print the counts and the messages that need a look as JSON.
    #[arg(long)]
    json: bool,
    /// Write the record of every message (who, to whom, state, when, the server's reply) as CSV
    /// to FILE (`-`: standard output).
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
    #[command(subcommand)]
    action: Option<Action>,
}

#[derive(clap::Subcommand)]
enum Action {
    /// Decide what an uncertain message becomes: it arrived (--sent), or send it again
    /// (--resend, also for a failed or expired one).
    Resolve {
        /// The message id (as `appeal outbox` lists it).
        id: String,
        /// The recipient has it: file it as sent.
        #[arg(long, conflicts_with = "resend", required_unless_present = "resend")]
        sent: bool,
        /// It did not arrive (or, failed or expired, should go after all): put it back to be
        /// sent by the next `appeal send`.
        #[arg(long)]
        resend: bool,
    },
    /// Remove sent messages (or, with --all-states, every message that is not being sent) last
    /// touched before a date, with their records: supporters' data kept no longer than needed.
    /// Their ids are remembered, so none is ever queued again.
    Purge {
        /// Remove what was last touched before this day (YYYY-MM-DD).
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::parse_date)]
        sent_before: chrono::NaiveDate,
        /// Every state, not only sent/: failed, expired, uncertain, deferred and ready too.
        #[arg(long)]
        all_states: bool,
    },
}

/// The states whose messages need a person's look.
const NEEDS_A_LOOK: [State; 4] = [
    State::Failed,
    State::Uncertain,
    State::Deferred,
    State::Expired,
];

fn last_reply(m: &Message) -> String {
    m.record
        .attempts
        .last()
        .map(|a| a.reply.clone())
        .unwrap_or_default()
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if !args.outbox.join("ready").is_dir() {
        anyhow::bail!(
            "{}: no outbox here (hint: pass --outbox DIR)",
            args.outbox.display()
        );
    }
    let outbox = Outbox::open(&args.outbox)?;
    match &args.action {
        Some(Action::Resolve { id, sent, .. }) => {
            let state = outbox.resolve(id, *sent)?;
            println!("{id}: now {state}");
            return Ok(ExitCode::SUCCESS);
        }
        Some(Action::Purge {
            sent_before,
            all_states,
        }) => {
            let states: &[State] = if *all_states {
                &State::ALL
            } else {
                &[State::Sent]
            };
            let before = sent_before.and_time(chrono::NaiveTime::MIN).and_utc();
            let removed = outbox.purge(states, before)?;
            for (id, state) in &removed {
                println!("removed {id} ({state})");
            }
            println!(
                "{} message(s) last touched before {sent_before} removed from {}",
                removed.len(),
                args.outbox.display()
            );
            return Ok(ExitCode::SUCCESS);
        }
        None => {}
    }
    let (counts, look) = collect(&outbox)?;
    if let Some(path) = &args.csv {
        write_csv(&outbox, path)?;
        if path.as_os_str() == "-" {
            return Ok(ExitCode::SUCCESS);
        }
    }
    if args.json {
        print_json(&args.outbox, &counts, &look);
    } else {
        print_text(&args.outbox, &counts, &look);
    }
    Ok(ExitCode::SUCCESS)
}

/// How many messages each state holds, and the messages that need a person's look.
type Counts = Vec<(State, usize)>;
type Look = Vec<(String, appeal::mail::outbox::Message)>;

fn collect(outbox: &Outbox) -> anyhow::Result<(Counts, Look)> {
    let mut counts = Vec::new();
    let mut look = Vec::new();
    for state in State::ALL {
        let ids = outbox.ids(state)?;
        counts.push((state, ids.len()));
        if NEEDS_A_LOOK.contains(&state) {
            for id in ids {
                look.push((id.clone(), outbox.inspect(state, &id)?));
            }
        } else if state == State::Ready {
            // Faxes wait in ready/ while the office is closed: say when each goes.
            let now = chrono::Utc::now();
            for id in ids {
                let mut m = outbox.inspect(state, &id)?;
                if let Route::Fax { hours, .. } = &m.envelope.route
                    && let Some(opens) = hours.next_open(now)
                {
                    m.record.next_attempt = Some(opens);
                    m.record.reason = Some(format!(
                        "a fax, waiting for office hours ({} {}): goes out with the first send from {}",
                        hours.hours,
                        hours.timezone,
                        opens.format("%Y-%m-%d %H:%M UTC")
                    ));
                    look.push((id, m));
                }
            }
        }
    }
    Ok((counts, look))
}

/// `--json`: the counts and the messages that need a look, as one object.
fn print_json(root: &std::path::Path, counts: &Counts, look: &Look) {
    let messages: Vec<serde_json::Value> = look
        .iter()
        .map(|(id, m)| {
            serde_json::json!({
                "id": id,
                "state": m.state,
                "to": m.envelope.route.to(),
                "recipient": m.envelope.recipient,
                "lang": m.envelope.lang,
                "supporter": m.envelope.supporter,
                "reason": m.record.reason,
                "next_attempt": m.record.next_attempt,
                "last_reply": last_reply(m),
                "attempts": m.record.attempts.len(),
            })
        })
        .collect();
    let counts: serde_json::Map<String, serde_json::Value> = counts
        .iter()
        .map(|(s, n)| (s.name().to_string(), serde_json::json!(n)))
        .collect();
    println!(
        "{}",
        serde_json::json!({ "outbox": root, "counts": counts, "messages": messages })
    );
}

/// The counts, then each message that needs a look with the reason or the last reply.
fn print_text(root: &std::path::Path, counts: &Counts, look: &Look) {
    let total: usize = counts.iter().map(|(_, n)| n).sum();
    println!("{}: {total} message(s)", root.display());
    for (state, n) in counts {
        println!("  {:<10} {n}", state.name());
    }
    for state in NEEDS_A_LOOK.into_iter().chain([State::Ready]) {
        let here: Vec<_> = look.iter().filter(|(_, m)| m.state == state).collect();
        if here.is_empty() {
            continue;
        }
        if state == State::Ready {
            println!("\nready, faxes waiting for office hours:");
        } else {
            println!("\n{state}:");
        }
        for (id, m) in here {
            let why = match state {
                State::Deferred => format!(
                    "next try after {}; last reply: {}",
                    m.record
                        .next_attempt
                        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                        .unwrap_or_else(|| "the next run".into()),
                    last_reply(m)
                ),
                _ => m.record.reason.clone().unwrap_or_else(|| last_reply(m)),
            };
            println!(
                "  {id}  to {} ({}, {}, from {}): {why}",
                m.envelope.route.to(),
                m.envelope.recipient,
                m.envelope.lang,
                m.envelope.supporter
            );
        }
    }
    if look.iter().any(|(_, m)| m.state == State::Uncertain) {
        println!(
            "\nhint: an uncertain message may have arrived; find out, then `appeal outbox resolve ID --sent` or `--resend`"
        );
    }
}

/// `text` as a spreadsheet cell that is never a formula: a supporter's name comes from a form
/// anyone may fill in (`appeal serve`), and `=HYPERLINK(…)` or `=cmd|…` would run when the office
/// opens the file. A leading `'` makes the cell text (OWASP's advice for CSV injection).
fn inert(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

/// Every message with its state and last attempt, one CSV row each.
fn write_csv(outbox: &Outbox, path: &std::path::Path) -> anyhow::Result<()> {
    let out: Box<dyn std::io::Write> = if path.as_os_str() == "-" {
        Box::new(std::io::stdout())
    } else {
        Box::new(
            std::fs::File::create(path)
                .map_err(|e| anyhow::anyhow!("{}: cannot create: {e}", path.display()))?,
        )
    };
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "id",
        "state",
        "campaign",
        "recipient",
        "lang",
        "copy",
        "supporter",
        "to",
        "by",
        "subject",
        "queued_at",
        "last_attempt_at",
        "attempts",
        "last_reply",
        "reason",
    ])?;
    for state in State::ALL {
        for id in outbox.ids(state).map_err(anyhow::Error::msg)? {
            let m = outbox.inspect(state, &id).map_err(anyhow::Error::msg)?;
            let e = &m.envelope;
            let by = match e.route {
                appeal::mail::message::Route::Email { .. } => "email",
                appeal::mail::message::Route::Fax { .. } => "fax",
            };
            w.write_record([
                id.as_str(),
                state.name(),
                &e.campaign,
                &e.recipient,
                &e.lang,
                if e.copy { "yes" } else { "no" },
                &inert(&e.supporter),
                &inert(e.route.to()),
                by,
                &inert(&e.subject),
                &e.queued_at.to_rfc3339(),
                &m.record
                    .attempts
                    .last()
                    .map(|a| a.at.to_rfc3339())
                    .unwrap_or_default(),
                &m.record.attempts.len().to_string(),
                &inert(&last_reply(&m)),
                &inert(m.record.reason.as_deref().unwrap_or_default()),
            ])?;
        }
    }
    w.flush()?;
    Ok(())
}
