//! `appeal send`: send what the outbox holds, by SMTP, and file each message by the reply.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use appeal::mail::message;
use appeal::mail::outbox::Outbox;
use appeal::mail::send::{self, SendOptions, Timeouts};
use appeal::mail::settings::{Rate, Settings, SmtpUrl, TlsCa, ValueError, parse_rate};
use appeal::model::diag::Invalid;

/// Send the queued messages by SMTP, before the deadline, never twice.
#[derive(clap::Args)]
pub struct Args {
    /// The outbox folder.
    #[arg(long, value_name = "DIR", default_value = "outbox")]
    outbox: PathBuf,
    /// The SMTP server: smtp://[user@]host[:587] (STARTTLS) or smtps://[user@]host[:465]; plain
    /// SMTP only to 127.0.0.1/localhost, and there without a login. Default: `smtp` in
    /// appeal.yaml.
    #[arg(long, value_name = "URL")]
    smtp: Option<String>,
    /// Trust the CA certificates in this PEM file for the server, besides the system's (a
    /// section's own CA). Default: `tls_ca` in appeal.yaml.
    #[arg(long, value_name = "FILE")]
    tls_ca: Option<PathBuf>,
    /// Sending settings (default: appeal.yaml beside the outbox, beside its folder, or here).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// At most this many messages: 20/min (default, or `rate` in appeal.yaml), 2/s, 600/h,
    /// 1/day ... 1000/s, or off.
    #[arg(long, value_name = "N/min", value_parser = rate_arg)]
    rate: Option<RateArg>,
    /// Print what would go to whom; send and move nothing.
    #[arg(long)]
    dry_run: bool,
    /// Send even after the campaign's deadline (ask the section office first).
    #[arg(long)]
    allow_late: bool,
    /// Send the messages of a campaign file that cannot be read now (moved, broken) by the
    /// deadline they were queued with. Without it they are held: a stop follow-up cannot be seen.
    #[arg(long)]
    send_unreadable: bool,
    /// Print what happened as one JSON object: every message's event, the counts, why the run
    /// stopped.
    #[arg(long)]
    json: bool,
    /// A rehearsal: send every message to this address instead, and mark none as sent.
    #[arg(long, value_name = "ADDRESS")]
    redirect_to: Option<String>,
    /// A command that prints the SMTP password (e.g. `pass show smtp`), instead of
    /// APPEAL_SMTP_PASSWORD. The password is never taken from the command line itself.
    #[arg(long, value_name = "COMMAND")]
    password_command: Option<String>,
    /// Seconds to wait for each server reply (RFC 5321: 5 minutes).
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    timeout: u64,
    /// Seconds to wait for the reply after a message's body (RFC 5321: 10 minutes; a shorter wait
    /// risks sending a letter twice).
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    data_timeout: u64,
}

/// `--rate` as given: a rate, or `off` (no limit). Checked by clap, so a bad one is a usage error.
#[derive(Clone, Copy, Debug)]
struct RateArg(Option<Rate>);

fn rate_arg(text: &str) -> Result<RateArg, ValueError> {
    parse_rate(text).map(RateArg)
}

/// The rate when neither flag nor settings give one.
const DEFAULT_RATE: &str = "20/min";

fn password(command: Option<&str>) -> anyhow::Result<Option<String>> {
    if let Some(cmd) = command {
        let out = std::process::Command::new("sh")
            .args(["-c", cmd])
            .stderr(std::process::Stdio::inherit())
            .output()
            .map_err(|e| anyhow::anyhow!("--password-command: cannot run it: {e}"))?;
        if !out.status.success() {
            anyhow::bail!(
                "--password-command failed ({}) (hint: run it by hand to see why)",
                out.status
            );
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let first = text.lines().next().unwrap_or_default().to_string();
        if first.is_empty() {
            anyhow::bail!("--password-command printed no password");
        }
        return Ok(Some(first));
    }
    Ok(std::env::var("APPEAL_SMTP_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty()))
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if !args.outbox.join("ready").is_dir() {
        anyhow::bail!(
            "{}: no outbox here (hint: queue messages first with `appeal queue CAMPAIGN`, or pass --outbox DIR)",
            args.outbox.display()
        );
    }
    let opts = options(&args)?;
    let outbox = Outbox::open(&args.outbox)?;
    let terminal = std::io::stderr().is_terminal();
    let mut progress = |done: usize, total: usize, id: &str| {
        if terminal && total > 0 {
            let mut err = std::io::stderr();
            let _ = write!(err, "\r\x1b[2Ksending {done}/{total} {id}");
            if done == total {
                let _ = writeln!(err, "\r\x1b[2K");
            }
            let _ = err.flush();
        }
    };
    let report = send::send(&outbox, &opts, &mut progress)?;
    if args.json {
        print_json(&report);
    } else {
        print_report(&report, args.dry_run);
    }
    Ok(if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(super::EXIT_FAILED)
    })
}

/// The run's options from the flags, then `appeal.yaml` (found as `queue` finds it, with the
/// outbox standing for the project), then the defaults.
fn options(args: &Args) -> anyhow::Result<SendOptions> {
    let settings = Settings::find(
        args.config.as_deref(),
        appeal::model::project::settings_file(&args.outbox).as_deref(),
    )
    .map_err(|d| Invalid(vec![d]))?;
    let smtp = match (&args.smtp, &settings.smtp) {
        (Some(u), _) => SmtpUrl::parse(u).map_err(|e| anyhow::anyhow!("--smtp: {e}"))?,
        (None, Some(url)) => url.clone(),
        // A dry run talks to no server.
        (None, None) if args.dry_run => SmtpUrl {
            implicit_tls: false,
            host: "127.0.0.1".into(),
            port: 25,
            user: None,
        },
        (None, None) => anyhow::bail!(
            "no SMTP server: pass --smtp smtp://host:587 or set `smtp` in appeal.yaml"
        ),
    };
    let rate = match &args.rate {
        Some(RateArg(r)) => *r,
        None => match settings.rate {
            Some(r) => Some(r),
            None => parse_rate(DEFAULT_RATE)?,
        },
    };
    let redirect_to = match &args.redirect_to {
        Some(a) => Some(message::address(a).map_err(|e| anyhow::anyhow!("--redirect-to: {e}"))?),
        None => None,
    };
    let tls_ca = match &args.tls_ca {
        Some(file) => Some(TlsCa::read(file).map_err(|e| anyhow::anyhow!("--tls-ca: {e}"))?),
        None => settings.tls_ca.clone(),
    };
    let password = if smtp.user.is_some() && !args.dry_run {
        password(args.password_command.as_deref())?
    } else {
        None
    };
    Ok(SendOptions {
        smtp,
        tls_ca,
        password,
        rate,
        dry_run: args.dry_run,
        allow_late: args.allow_late,
        send_unreadable: args.send_unreadable,
        redirect_to,
        timeouts: Timeouts {
            command: Duration::from_secs(args.timeout.max(1)),
            data: Duration::from_secs(args.data_timeout.max(1)),
        },
        now: chrono::Utc::now(),
        today: super::today(),
    })
}

/// One line per message handled, then the counts, then why the run stopped early (if it did).
fn print_report(report: &send::Report, dry_run: bool) {
    for event in &report.events {
        println!("{event}");
    }
    let mut summary = Vec::new();
    for (n, what) in [
        (report.sent, "sent"),
        (
            report.rehearsed,
            "rehearsed (sent to the --redirect-to address, not marked sent)",
        ),
        (report.deferred, "deferred"),
        (report.failed, "failed"),
        (report.uncertain, "uncertain"),
        (
            report.expired,
            if dry_run { "would expire" } else { "expired" },
        ),
        (
            report.held,
            "held (their campaign cannot be read now; see above)",
        ),
        (report.not_due, "waiting for their next try"),
        (report.closed, "faxes waiting for office hours"),
        (report.recovered, "recovered from an interrupted run"),
    ] {
        if n > 0 {
            summary.push(format!("{n} {what}"));
        }
    }
    if dry_run {
        summary.insert(
            0,
            format!("dry run: {} message(s) would be sent", report.would_send),
        );
    }
    if report.stopped.is_some() {
        // Said on standard output too, which a cron job's log may be alone to keep.
        summary.push(format!(
            "{} not tried (the run stopped; they wait in the outbox)",
            report.left
        ));
    } else if summary.is_empty() {
        summary.push("nothing to send".to_string());
    }
    println!("{}", summary.join(", "));
    if let Some(why) = &report.stopped {
        eprintln!(
            "error: the run stopped: {why} ({} message(s) not tried; they wait in the outbox)",
            report.left
        );
    }
}

/// `--json`: every event with its fields, the counts, and why the run stopped early.
fn print_json(report: &send::Report) {
    println!(
        "{}",
        serde_json::json!({
            "events": report.events,
            "sent": report.sent,
            "rehearsed": report.rehearsed,
            "deferred": report.deferred,
            "failed": report.failed,
            "uncertain": report.uncertain,
            "expired": report.expired,
            "held": report.held,
            "waiting_for_next_try": report.not_due,
            "waiting_for_office_hours": report.closed,
            "recovered": report.recovered,
            "would_send": report.would_send,
            "stopped": report.stopped.as_ref().map(ToString::to_string),
            "not_tried": report.left,
            "ok": report.ok(),
        })
    );
}
