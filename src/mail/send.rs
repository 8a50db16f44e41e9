//! `appeal send`: hands the outbox's messages to an SMTP server, one reused connection, one
//! envelope recipient per message, and files each message by the server's reply:
//!
//! - 250 after the body: `sent/`, with the reply kept;
//! - 4xx, or a failure before the body went out: `deferred/`, retried later with backoff;
//! - 5xx: `failed/`, with the reply;
//! - no reply after the body (connection lost, timeout): `uncertain/`, never resent by itself,
//!   since the server may have taken it; `appeal outbox resolve` lets a person decide.
//!
//! Just before the body goes out, a `records/ID.started` marker is written and flushed, so that after a
//! crash a message left in `sending/` is put back in `ready/` only when its body never started.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use lettre::Address;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{SmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt, Rset};
use lettre::transport::smtp::extension::{ClientId, MailBodyParameter, MailParameter};

use crate::mail::message::Route;
use crate::mail::outbox::{Attempt, Message, Outbox, State};
use crate::mail::settings::{Rate, SmtpUrl, TlsCa};
use crate::mail::{Error, Result};

/// How long to wait for the server. RFC 5321 (4.5.3.2) asks clients for 5 minutes per command
/// and 10 for the reply after the body: a client that gives up sooner may resend a message the
/// server was still taking, a duplicate.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    pub command: Duration,
    pub data: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            command: Duration::from_secs(300),
            data: Duration::from_secs(600),
        }
    }
}

pub struct SendOptions {
    pub smtp: SmtpUrl,
    /// CA certificates trusted for the server besides the system's (`tls_ca`, `--tls-ca`).
    pub tls_ca: Option<TlsCa>,
    pub password: Option<String>,
    pub rate: Option<Rate>,
    pub dry_run: bool,
    pub allow_late: bool,
    /// Send the messages of a campaign that cannot be read now by the deadline they were queued
    /// with, instead of holding them (whether the action was stopped is then not known).
    pub send_unreadable: bool,
    /// A rehearsal: every message goes to this address instead, and none is marked sent.
    pub redirect_to: Option<Address>,
    pub timeouts: Timeouts,
    pub now: DateTime<Utc>,
    pub today: chrono::NaiveDate,
}

/// What happened to one message (or one campaign file) in a run: shown as one line, and listed
/// by `send --json`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A message a crashed run left in `sending/`, filed where it belongs.
    Recovered {
        id: String,
        state: State,
        why: String,
    },
    /// A message that cannot be sent as it is (a damaged envelope, a file cut short): failed.
    Broken { id: String, why: String },
    /// The messages of a campaign file that cannot be read now: held in the outbox.
    Held { campaign_file: String, why: String },
    /// The same, sent anyway by the deadline they were queued with (`--send-unreadable`).
    Unreadable { campaign_file: String, why: String },
    /// Past the deadline, or the action ended: expired (`dry_run`: would be).
    Expired {
        id: String,
        to: String,
        why: String,
        dry_run: bool,
    },
    /// A fax waiting for the office to open.
    Waiting {
        id: String,
        recipient: String,
        hours: String,
        timezone: String,
        opens: DateTime<Utc>,
    },
    WouldSend {
        id: String,
        to: String,
        recipient: String,
        lang: String,
        /// Who signs it: the office reads the list for a supporter queued twice (a corrected
        /// email address is a new identity).
        supporter: String,
        subject: String,
    },
    Rehearsed {
        id: String,
        to: String,
        reply: String,
    },
    RehearsalFailed {
        id: String,
        to: String,
        reply: String,
    },
    Sent {
        id: String,
        to: String,
        reply: String,
    },
    Deferred {
        id: String,
        to: String,
        stage: String,
        reply: String,
        next_attempt: Option<DateTime<Utc>>,
    },
    Failed {
        id: String,
        to: String,
        stage: String,
        reply: String,
    },
    Uncertain {
        id: String,
        to: String,
        reply: String,
    },
}

impl std::fmt::Display for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let utc = |t: &DateTime<Utc>| t.format("%Y-%m-%d %H:%M UTC").to_string();
        match self {
            Event::Recovered { id, state, why } => write!(f, "recovered {id}: {state} ({why})"),
            Event::Broken { id, why } => write!(f, "failed {id}: {why}"),
            Event::Held { campaign_file, why } => write!(
                f,
                "held: the messages queued from {campaign_file} wait in the outbox, because the campaign cannot be read now to see whether the action was stopped: {why} (hint: `appeal check {campaign_file}` and fix it; or send them by the deadline they were queued with: --send-unreadable)"
            ),
            Event::Unreadable { campaign_file, why } => write!(
                f,
                "note: {campaign_file} cannot be read now; its messages go by the deadline they were queued with, as --send-unreadable asks: {why}"
            ),
            Event::Expired {
                id,
                to,
                why,
                dry_run,
            } => write!(
                f,
                "{} {id} to {to}: {why}",
                if *dry_run { "would expire" } else { "expired" }
            ),
            Event::Waiting {
                id,
                recipient,
                hours,
                timezone,
                opens,
            } => write!(
                f,
                "waiting {id}: the fax to {recipient} goes out in office hours ({hours} {timezone}), next from {}",
                utc(opens)
            ),
            Event::WouldSend {
                id,
                to,
                recipient,
                lang,
                supporter,
                subject,
            } => write!(
                f,
                "would send {id} to {to} ({recipient}, {lang}) from {supporter}: {subject}"
            ),
            Event::Rehearsed { id, to, reply } => write!(f, "rehearsed {id} to {to}: {reply}"),
            Event::RehearsalFailed { id, to, reply } => {
                write!(f, "rehearsal of {id} to {to} failed: {reply}")
            }
            Event::Sent { id, to, reply } => write!(f, "sent {id} to {to}: {reply}"),
            Event::Deferred {
                id,
                to,
                stage,
                reply,
                next_attempt,
            } => write!(
                f,
                "deferred {id} to {to} (at {stage}: {reply}); next try after {}",
                next_attempt.as_ref().map(utc).unwrap_or_default()
            ),
            Event::Failed {
                id,
                to,
                stage,
                reply,
            } => write!(f, "failed {id} to {to} (at {stage}): {reply}"),
            Event::Uncertain { id, to, reply } => write!(
                f,
                "uncertain {id} to {to}: {reply} (hint: ask the server's admin or the recipient, then `appeal outbox resolve {id} --sent` or `--resend`)"
            ),
        }
    }
}

/// What a run did, message by message and in total.
#[derive(Debug, Default)]
pub struct Report {
    /// What happened, message by message, in order.
    pub events: Vec<Event>,
    pub sent: usize,
    pub deferred: usize,
    pub failed: usize,
    pub uncertain: usize,
    pub expired: usize,
    pub rehearsed: usize,
    /// Deferred messages not yet due, left for a later run.
    pub not_due: usize,
    /// Faxes waiting for the office to open.
    pub closed: usize,
    /// Messages a crashed run left in `sending/`: back to ready, or to uncertain.
    pub recovered: usize,
    /// Why the run stopped before the end (login refused, server down, asked to slow down).
    pub stopped: Option<Error>,
    /// Messages still due when the run stopped.
    pub left: usize,
    /// Messages kept in the outbox because their campaign file cannot be read now.
    pub held: usize,
    /// In a dry run: the messages that would be sent.
    pub would_send: usize,
}

impl Report {
    /// Everything due was sent (or rehearsed), and nothing deferred waits for its next try:
    /// what exit status 0 says (`docs/exit-codes.md`), and `--json`'s `ok`.
    pub fn ok(&self) -> bool {
        self.deferred + self.failed + self.uncertain + self.expired + self.held + self.not_due == 0
            && self.stopped.is_none()
    }
}

/// The delay before retry `n` (1-based) of a deferred message: 1, 5, 15, 30 minutes, then
/// hourly, each stretched by up to 10% (from the id, so it is the same on every run) so that
/// messages deferred together do not all come back at once.
pub fn backoff(id: &str, n: usize) -> Duration {
    const MINUTES: [u64; 4] = [1, 5, 15, 30];
    let base = MINUTES.get(n.saturating_sub(1)).copied().unwrap_or(60) * 60;
    let spread = crate::model::hash::stable(id.bytes().chain(n.to_le_bytes()));
    Duration::from_secs(base + (spread % 1000) * base / 10_000)
}

/// How a transaction ended.
enum Outcome {
    /// 250 after the body.
    Sent(String),
    /// Refused for now (4xx), or cut off before the body went out. `pause`: the server asked the
    /// client to slow down (421, or a throttling reply): stop the run.
    Deferred {
        stage: &'static str,
        reply: String,
        pause: bool,
    },
    /// Refused for good (5xx).
    Failed { stage: &'static str, reply: String },
    /// The body went out and no reply came.
    Uncertain(String),
}

/// TLS for the server in `url`: the system's trusted CAs (rustls-platform-verifier), and those of
/// `tls_ca` besides.
fn tls_parameters(url: &SmtpUrl, tls_ca: Option<&TlsCa>) -> Result<TlsParameters> {
    let setup = |reason: String| Error::TlsSetup {
        host: url.host.clone(),
        reason,
    };
    let mut builder = TlsParameters::builder(url.host.clone());
    if let Some(ca) = tls_ca {
        builder = builder.add_root_certificate(ca.certificate().map_err(|e| setup(e.to_string()))?);
    }
    builder.build().map_err(|e| setup(describe(&e)))
}

/// The reason the server's certificate was refused, when that is why a connection failed.
fn certificate_problem(e: &lettre::transport::smtp::Error) -> Option<String> {
    let text = describe(e);
    let at = text.find("invalid peer certificate: ")?;
    let reason = &text[at + "invalid peer certificate: ".len()..];
    Some(match reason {
        "UnknownIssuer" => {
            "it is issued by a certificate authority that is not trusted here (UnknownIssuer)"
                .to_string()
        }
        other => other.to_string(),
    })
}

/// A server reply or client error as one line; a lost connection or a timeout says so in words
/// first (the office reads it in `outbox`), the library's own text after it.
fn describe(e: &lettre::transport::smtp::Error) -> String {
    let text = e.to_string().replace(['\r', '\n'], " ");
    match plainly(e) {
        Some(plain) => format!("{plain} ({text})"),
        None => text,
    }
}

/// What a network failure means, in the words an office uses, from the kind of the I/O error
/// under it (rustls reports a connection closed without its `close_notify` as `UnexpectedEof`):
/// none for a server's reply.
fn plainly(e: &lettre::transport::smtp::Error) -> Option<&'static str> {
    use std::io::ErrorKind;
    if e.status().is_some() {
        return None;
    }
    let mut source = std::error::Error::source(e);
    while let Some(err) = source {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            // A socket read that waited its whole timeout fails with EAGAIN on Linux.
            match io.kind() {
                ErrorKind::WouldBlock | ErrorKind::TimedOut => {
                    return Some("the server did not answer in time (--timeout, --data-timeout)");
                }
                ErrorKind::UnexpectedEof
                | ErrorKind::ConnectionReset
                | ErrorKind::ConnectionAborted
                | ErrorKind::BrokenPipe => {
                    return Some("the server closed the connection without a reply");
                }
                _ => {}
            }
        }
        source = err.source();
    }
    None
}

/// Whether a temporary refusal asks the client to slow down rather than refusing one message.
fn is_throttle(code: u16, text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    code == 421
        || [
            "rate",
            "throttl",
            "too many",
            "try again later",
            "slow down",
        ]
        .iter()
        .any(|w| t.contains(w))
}

fn classify(stage: &'static str, e: &lettre::transport::smtp::Error) -> Outcome {
    let reply = describe(e);
    match e.status() {
        Some(_) if e.is_permanent() => Outcome::Failed { stage, reply },
        Some(code) => {
            let n = code.to_string().parse::<u16>().unwrap_or(0);
            Outcome::Deferred {
                stage,
                pause: is_throttle(n, &reply),
                reply,
            }
        }
        // No reply at all: the connection failed before the body, nothing was sent.
        None => Outcome::Deferred {
            stage,
            reply,
            pause: false,
        },
    }
}

struct Session<'a> {
    opts: &'a SendOptions,
    conn: Option<SmtpConnection>,
    hello: ClientId,
    /// The server offered STARTTLS on a connection of this run: a later one without it is a
    /// downgrade, refused even on loopback.
    tls_seen: bool,
}

impl Session<'_> {
    /// Opens (or reuses) the connection, with TLS and login as the URL asks. `Err` stops the run.
    fn connection(&mut self) -> Result<&mut SmtpConnection> {
        if self.conn.as_ref().is_some_and(SmtpConnection::has_broken) {
            self.conn = None;
        }
        let conn = match self.conn.take() {
            Some(conn) => conn,
            None => self.connect()?,
        };
        Ok(self.conn.insert(conn))
    }

    /// Connects, then: TLS from the start (smtps://), or STARTTLS whenever the server offers it,
    /// on loopback too. Without STARTTLS: refused over a network, refused on loopback when a
    /// login would be sent (never a password in clear text) or when the server offered it
    /// earlier in the run; plain SMTP without a login to a server on this machine is allowed.
    /// Then the login, if the URL names a user.
    fn connect(&mut self) -> Result<SmtpConnection> {
        let url = &self.opts.smtp;
        let at = format!("{}:{}", url.host, url.port);
        let implicit = if url.implicit_tls {
            Some(tls_parameters(url, self.opts.tls_ca.as_ref())?)
        } else {
            None
        };
        let mut conn = SmtpConnection::connect(
            (url.host.as_str(), url.port),
            Some(self.opts.timeouts.command),
            &self.hello,
            implicit.as_ref(),
            None,
        )
        .map_err(|e| match certificate_problem(&e) {
            Some(reason) => Error::Certificate {
                at: at.clone(),
                reason,
            },
            None => Error::Connect {
                at: at.clone(),
                reason: describe(&e),
            },
        })?;
        if !url.implicit_tls {
            if conn.can_starttls() {
                self.tls_seen = true;
                let tls = match tls_parameters(url, self.opts.tls_ca.as_ref()) {
                    Ok(tls) => tls,
                    Err(e) => {
                        hang_up(&mut conn);
                        return Err(e);
                    }
                };
                if let Err(e) = conn.starttls(&tls, &self.hello) {
                    hang_up(&mut conn);
                    return Err(match certificate_problem(&e) {
                        Some(reason) => Error::Certificate { at, reason },
                        None => Error::StartTls {
                            at,
                            reason: describe(&e),
                        },
                    });
                }
            } else {
                let refused = if !url.is_loopback() {
                    Some(Error::NoStartTls { at: at.clone() })
                } else if let Some(user) = &url.user {
                    Some(Error::LoginWithoutTls {
                        at: at.clone(),
                        user: user.clone(),
                    })
                } else if self.tls_seen {
                    Some(Error::StartTlsDropped { at: at.clone() })
                } else {
                    None
                };
                if let Some(e) = refused {
                    hang_up(&mut conn);
                    return Err(e);
                }
            }
        }
        if let Some(user) = &url.user {
            let Some(password) = &self.opts.password else {
                hang_up(&mut conn);
                return Err(Error::NoPassword { user: user.clone() });
            };
            let mechanisms = [Mechanism::Plain, Mechanism::Login];
            if conn.server_info().get_auth_mechanism(&mechanisms).is_none() {
                let offered = if conn
                    .server_info()
                    .supports_auth_mechanism(Mechanism::Xoauth2)
                {
                    "it offers only XOAUTH2"
                } else {
                    "it offers none that appeal knows"
                };
                hang_up(&mut conn);
                return Err(Error::NoLoginMechanism {
                    at,
                    user: user.clone(),
                    offered: offered.to_string(),
                });
            }
            let credentials = Credentials::new(user.clone(), password.clone());
            if let Err(e) = conn.auth(&mechanisms, &credentials) {
                hang_up(&mut conn);
                return Err(Error::LoginRefused {
                    at,
                    user: user.clone(),
                    reason: describe(&e),
                });
            }
        }
        Ok(conn)
    }

    /// One transaction: MAIL, RCPT, DATA, the marker, the body. `Err` is a connection failure
    /// that stops the run (the message is untouched in `sending/`, without marker).
    fn transact(
        &mut self,
        marker: Option<(&Outbox, &str, usize)>,
        from: &Address,
        to: &Address,
        eml: &[u8],
    ) -> Result<Outcome> {
        let data_timeout = self.opts.timeouts.data;
        let command_timeout = self.opts.timeouts.command;
        let mut params = Vec::new();
        if !eml.is_ascii() {
            params.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        let before_body = |conn: &mut SmtpConnection, stage: &'static str, e| {
            let outcome = classify(stage, &e);
            // A refused command leaves the connection usable once reset; a broken one is dropped.
            if e.status().is_none() || conn.command(Rset).is_err() {
                hang_up(conn);
            }
            outcome
        };
        // A reused connection may have been closed by the server meanwhile (idle timeout): when
        // MAIL gets no reply at all on it, try once more on a fresh one.
        let reused = self.conn.is_some();
        let mail = Mail::new(Some(from.clone()), params);
        let conn = self.connection()?;
        if let Err(e) = conn.command(&mail) {
            if !(reused && e.status().is_none()) {
                return Ok(before_body(conn, "MAIL", e));
            }
            hang_up(conn);
            let conn = self.connection()?;
            if let Err(e) = conn.command(&mail) {
                return Ok(before_body(conn, "MAIL", e));
            }
        }
        let conn = self.connection()?;
        if let Err(e) = conn.command(Rcpt::new(to.clone(), Vec::new())) {
            return Ok(before_body(conn, "RCPT", e));
        }
        if let Err(e) = conn.command(Data) {
            return Ok(before_body(conn, "DATA", e));
        }
        if let Some((outbox, id, n)) = marker
            && let Err(e) = outbox.mark_data_started(id, n)
        {
            // Without the marker, sending the body could leave an unrecoverable duplicate risk.
            hang_up(conn);
            return Err(e);
        }
        let _ = conn.set_timeout(Some(data_timeout));
        // In one write with its terminator: lettre's `message` writes the terminating dot
        // separately, and that small second write waits for the server's delayed ACK (Nagle),
        // 40 ms per message.
        let result = match DataBlock::new(eml) {
            Some(block) => conn.command(block),
            None => conn.message(eml),
        };
        let _ = conn.set_timeout(Some(command_timeout));
        Ok(match result {
            Ok(reply) => Outcome::Sent(
                std::iter::once(reply.code().to_string())
                    .chain(reply.message().map(str::to_string))
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            Err(e) if e.status().is_some() => classify("body", &e),
            Err(e) => {
                hang_up(conn);
                Outcome::Uncertain(describe(&e))
            }
        })
    }
}

/// A message body as it goes on the wire after DATA: lines starting with a dot get another
/// (RFC 5321 4.5.2), CRLF line ends, then the terminating `.` line.
struct DataBlock(String);

impl DataBlock {
    /// `None` when the message is not text (the caller sends it through lettre instead).
    fn new(eml: &[u8]) -> Option<DataBlock> {
        let text = std::str::from_utf8(eml).ok()?;
        let mut out = String::with_capacity(text.len() + 64);
        for line in text.strip_suffix("\r\n").unwrap_or(text).split("\r\n") {
            if line.contains(['\r', '\n']) {
                return None;
            }
            if line.starts_with('.') {
                out.push('.');
            }
            out.push_str(line);
            out.push_str("\r\n");
        }
        out.push_str(".\r\n");
        Some(DataBlock(out))
    }
}

impl std::fmt::Display for DataBlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Drops a connection without waiting long for the server's goodbye (`abort` sends QUIT and
/// would wait the full command timeout for its reply).
fn hang_up(conn: &mut SmtpConnection) {
    let _ = conn.set_timeout(Some(Duration::from_secs(5)));
    conn.abort();
}

/// A token bucket of one token: messages go out no faster than the rate, evenly spaced.
struct Pace {
    interval: Option<Duration>,
    next: Instant,
}

impl Pace {
    fn new(rate: Option<Rate>) -> Pace {
        Pace {
            interval: rate.map(|r| Duration::from_secs_f64(60.0 / r.per_minute)),
            next: Instant::now(),
        }
    }

    fn wait(&mut self) {
        let Some(interval) = self.interval else {
            return;
        };
        let now = Instant::now();
        if self.next > now {
            std::thread::sleep(self.next - now);
        }
        self.next = Instant::now().max(self.next) + interval;
    }
}

/// Puts right what a run that died left in `sending/`: a message whose body never started goes
/// back to `ready/`; one whose outcome was recorded goes where it says; one whose body started
/// with no outcome recorded goes to `uncertain/`.
fn recover(outbox: &Outbox, report: &mut Report) -> Result<()> {
    for id in outbox.ids(State::Sending)? {
        let msg = outbox.load(State::Sending, &id)?;
        let started = outbox.data_started(&id);
        // The marker holds how many attempts were recorded when the body began: one more means
        // this attempt's outcome was saved before the crash.
        let recorded = started
            .filter(|n| msg.record.attempts.len() > *n)
            .and_then(|_| msg.record.attempts.last());
        let started = started.is_some();
        let (to, why) = match recorded {
            Some(a) => (
                a.outcome,
                "its outcome was recorded before the crash".to_string(),
            ),
            None if started => (
                State::Uncertain,
                "a send run stopped after the body began to go out: the server may have it"
                    .to_string(),
            ),
            None => (
                State::Ready,
                "a send run stopped before the body went out".to_string(),
            ),
        };
        if to == State::Uncertain {
            report.uncertain += 1;
            let mut record = msg.record.clone();
            record.reason = Some(why.clone());
            outbox.save_record(&id, &record)?;
        }
        if to == State::Ready || to == State::Deferred {
            outbox.clear_data_started(&id)?;
        }
        outbox.transition(&id, State::Sending, to, &why)?;
        report.recovered += 1;
        report.events.push(Event::Recovered {
            id: id.clone(),
            state: to,
            why,
        });
    }
    Ok(())
}

/// Files a message whose envelope cannot be used (an edited or damaged first line of its file) as
/// failed, naming the file and what to do; nothing is moved in a dry run. Returns the line to
/// report.
fn broken(
    outbox: &Outbox,
    state: State,
    id: &str,
    what: &dyn std::fmt::Display,
    dry_run: bool,
) -> Result<Event> {
    let file = outbox.message_path(state, id);
    let why = format!(
        "{}: line 1: {what} (hint: fix the envelope on the file's first line and `appeal outbox resolve {id} --resend`, or queue the letter again)",
        file.display()
    );
    file_as_failed(outbox, state, id, why, dry_run)
}

/// Files a message that cannot be sent as it is as failed, with `why`; nothing is moved in a
/// dry run. Returns the line to report.
fn file_as_failed(
    outbox: &Outbox,
    state: State,
    id: &str,
    why: String,
    dry_run: bool,
) -> Result<Event> {
    if !dry_run {
        let mut record = outbox.record(id)?;
        record.reason = Some(why.clone());
        outbox.save_record(id, &record)?;
        outbox.transition(id, state, State::Failed, &why)?;
    }
    Ok(Event::Broken {
        id: id.to_string(),
        why,
    })
}

/// An envelope line that does not parse, as `broken` reports it.
struct NotAnEnvelope(serde_json::Error);

impl std::fmt::Display for NotAnEnvelope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "not a message envelope: {}", self.0)
    }
}

/// Why a campaign file cannot be read now: its first error, as `check` prints it.
#[derive(Clone, Debug)]
struct Unreadable(String);

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a campaign file says now, for the messages queued from it.
#[derive(Clone, Debug)]
struct CampaignNow {
    deadline: chrono::NaiveDate,
    /// Why nothing more may go out: the follow-up that stopped or closed the action.
    ended: Option<String>,
}

/// Reads the campaign a message was queued from, once per (file, directory): follow-ups made
/// since (a stop, a new deadline) apply to messages still waiting. The campaign is read with the
/// recipient directory recorded in the envelope, as `queue` read it. `Ok(None)` when the envelope
/// names no campaign file (queued by an older version: its own deadline holds); `Err` with the
/// reason when the file cannot be read now, and then its messages are held, not sent.
fn campaign_now(
    envelope: &crate::mail::message::Envelope,
    today: chrono::NaiveDate,
    cache: &mut CampaignCache,
) -> std::result::Result<Option<CampaignNow>, Unreadable> {
    let Some(file) = envelope.campaign_file.as_deref() else {
        return Ok(None);
    };
    let key = (file.to_path_buf(), envelope.recipients.clone());
    cache
        .entry(key)
        .or_insert_with(|| read_campaign_now(file, envelope.recipients.as_deref(), today))
        .clone()
        .map(Some)
}

type CampaignCache = std::collections::HashMap<
    (std::path::PathBuf, Option<std::path::PathBuf>),
    std::result::Result<CampaignNow, Unreadable>,
>;

fn read_campaign_now(
    file: &std::path::Path,
    recipients: Option<&std::path::Path>,
    today: chrono::NaiveDate,
) -> std::result::Result<CampaignNow, Unreadable> {
    let project = match recipients {
        Some(dir) if dir.is_dir() => crate::model::project::Project {
            recipients: dir.to_path_buf(),
            template_folders: Vec::new(),
        },
        Some(dir) => {
            return Err(Unreadable(format!(
                "the recipient directory it was queued with, {}, is not there now",
                dir.display()
            )));
        }
        // Queued before envelopes recorded the directory: found as `queue` finds it.
        None => crate::model::project::Project::locate(file, None, None)
            .map_err(|e| Unreadable(e.to_string()))?,
    };
    let mut diags = crate::model::diag::Diagnostics::default();
    // As it stands on the sending day: a stop dated later has not stopped it yet.
    match project.load_campaign(file, Some(today), &mut diags) {
        Some((c, _)) => Ok(CampaignNow {
            deadline: c.deadline,
            ended: c.ended_message().map(|(_, m)| m),
        }),
        None => {
            let errors: Vec<String> = diags
                .into_sorted()
                .iter()
                .filter(|d| d.is_error())
                .map(ToString::to_string)
                .collect();
            Err(Unreadable(match errors.as_slice() {
                [] => format!("{} cannot be read", file.display()),
                [one] => one.clone(),
                [first, rest @ ..] => format!("{first} (and {} more error(s))", rest.len()),
            }))
        }
    }
}

fn display_opt(p: Option<&std::path::Path>) -> String {
    p.map_or_else(|| "?".to_string(), |p| p.display().to_string())
}

/// A message due now, with where it waits.
struct Due {
    id: String,
    msg: Message,
    /// The deadline in force: the campaign's now, which a follow-up may have moved.
    deadline: chrono::NaiveDate,
}

/// Runs `send` on `outbox` in three phases: put right what a crashed run left, select what is
/// due (expiring, holding and failing what may not go), then deliver it in order and file each
/// message by the reply. `Err` only when the run cannot start (the outbox is locked or
/// unreadable); everything else is in the report, including a failure to file a message
/// (a full disk): the run stops there and the report still says what was sent before.
pub fn send(
    outbox: &Outbox,
    opts: &SendOptions,
    progress: &mut dyn FnMut(usize, usize, &str),
) -> Result<Report> {
    let mut report = Report::default();
    let _lock = if opts.dry_run {
        None
    } else {
        Some(outbox.lock("send")?)
    };
    if !opts.dry_run {
        if let Ok(_queue) = outbox.lock("queue") {
            outbox.recover_tmp()?;
        }
        recover(outbox, &mut report)?;
    }
    let due = match select(outbox, opts, &mut report) {
        Ok(due) => due,
        Err(e) => {
            report.stopped = Some(e);
            return Ok(report);
        }
    };
    if opts.dry_run {
        list_dry_run(&due, opts, &mut report);
        return Ok(report);
    }
    deliver(outbox, opts, &due, &mut report, progress);
    Ok(report)
}

/// What becomes of a waiting message in this run.
enum Verdict {
    /// It goes now, by the deadline in force.
    Due(chrono::NaiveDate),
    /// It stays where it is (not due yet, office closed, campaign unreadable): counted already.
    Wait,
    /// It may not go: the deadline passed, or the action ended.
    Expire(String),
}

/// The messages of `ready/` and `deferred/` that go now, soonest deadline first, then in the
/// order they were queued. Messages that may not go are expired or failed here (not in a dry
/// run), and the others left waiting, each counted in `report`.
fn select(outbox: &Outbox, opts: &SendOptions, report: &mut Report) -> Result<Vec<Due>> {
    let mut due: Vec<Due> = Vec::new();
    let mut campaigns = CampaignCache::new();
    // Campaign files already reported as unreadable in this run: one line each.
    let mut held_files = std::collections::HashSet::new();
    // `--allow-late` reconsiders what expired for its deadline, so the hint that names it works.
    let states: &[State] = if opts.allow_late {
        &[State::Ready, State::Deferred, State::Expired]
    } else {
        &[State::Ready, State::Deferred]
    };
    for &state in states {
        for id in outbox.ids(state)? {
            let envelope = match outbox.envelope(state, &id)? {
                Ok(envelope) => envelope,
                // An expired message stays as it is; only waiting ones are failed for it.
                Err(_) if state == State::Expired => continue,
                Err(problem) => {
                    report.failed += 1;
                    report.events.push(broken(
                        outbox,
                        state,
                        &id,
                        &NotAnEnvelope(problem),
                        opts.dry_run,
                    )?);
                    continue;
                }
            };
            let msg = Message {
                state,
                envelope,
                record: outbox.record(&id)?,
            };
            match verdict(&id, &msg, opts, &mut campaigns, &mut held_files, report) {
                Verdict::Due(deadline) => due.push(Due { id, msg, deadline }),
                Verdict::Wait => {}
                // Expired already (an ended action stays ended, even with --allow-late).
                Verdict::Expire(_) if state == State::Expired => {}
                Verdict::Expire(why) => {
                    report.expired += 1;
                    report.events.push(Event::Expired {
                        id: id.clone(),
                        to: msg.envelope.route.to().to_string(),
                        why: why.clone(),
                        dry_run: opts.dry_run,
                    });
                    if !opts.dry_run {
                        let mut record = msg.record.clone();
                        record.reason = Some(why.clone());
                        outbox.save_record(&id, &record)?;
                        outbox.transition(&id, state, State::Expired, &why)?;
                    }
                }
            }
        }
    }
    due.sort_by(|a, b| {
        (a.deadline, a.msg.envelope.queued_at, &a.id).cmp(&(
            b.deadline,
            b.msg.envelope.queued_at,
            &b.id,
        ))
    });
    Ok(due)
}

/// Whether message `id` goes now, by its campaign as it reads now (a follow-up may have stopped
/// the action or moved the deadline), its next try and the office's hours.
fn verdict(
    id: &str,
    msg: &Message,
    opts: &SendOptions,
    campaigns: &mut CampaignCache,
    held_files: &mut std::collections::HashSet<Option<std::path::PathBuf>>,
    report: &mut Report,
) -> Verdict {
    let file = msg.envelope.campaign_file.as_deref();
    let now = match campaign_now(&msg.envelope, opts.today, campaigns) {
        Ok(now) => now,
        Err(why) if !opts.send_unreadable => {
            // Whether the action was stopped cannot be known: nothing goes out.
            report.held += 1;
            if held_files.insert(file.map(std::path::Path::to_path_buf)) {
                report.events.push(Event::Held {
                    campaign_file: display_opt(file),
                    why: why.to_string(),
                });
            }
            return Verdict::Wait;
        }
        Err(why) => {
            if held_files.insert(file.map(std::path::Path::to_path_buf)) {
                report.events.push(Event::Unreadable {
                    campaign_file: display_opt(file),
                    why: why.to_string(),
                });
            }
            None
        }
    };
    let deadline = now.as_ref().map_or(msg.envelope.deadline, |c| c.deadline);
    // Not even --allow-late sends for an action that ended.
    if let Some(message) = now.and_then(|c| c.ended) {
        return Verdict::Expire(format!(
            "{message} (hint: nothing more goes out for an action that ended)"
        ));
    }
    if opts.today > deadline && !opts.allow_late {
        return Verdict::Expire(format!(
            "the campaign's deadline {deadline} passed before it was sent (hint: ask the section office; send anyway with --allow-late)"
        ));
    }
    if msg.record.next_attempt.is_some_and(|t| t > opts.now) {
        report.not_due += 1;
        return Verdict::Wait;
    }
    // A rehearsal goes to the rehearser's own address at once, not in the office's hours.
    if let Route::Fax { hours, .. } = &msg.envelope.route
        && opts.redirect_to.is_none()
        && let Some(opens) = hours.next_open(opts.now)
    {
        report.closed += 1;
        report.events.push(Event::Waiting {
            id: id.to_string(),
            recipient: msg.envelope.recipient.clone(),
            hours: hours.hours.clone(),
            timezone: hours.timezone.clone(),
            opens,
        });
        return Verdict::Wait;
    }
    Verdict::Due(deadline)
}

/// A dry run's list: what would go to whom.
fn list_dry_run(due: &[Due], opts: &SendOptions, report: &mut Report) {
    for d in due {
        let to = opts.redirect_to.as_ref().map_or_else(
            || d.msg.envelope.route.to().to_string(),
            ToString::to_string,
        );
        report.events.push(Event::WouldSend {
            id: d.id.clone(),
            to,
            recipient: d.msg.envelope.recipient.clone(),
            lang: d.msg.envelope.lang.clone(),
            supporter: d.msg.envelope.supporter.clone(),
            subject: d.msg.envelope.subject.clone(),
        });
        report.would_send += 1;
    }
}

/// Why the delivery loop stops early.
enum Stop {
    /// The server or the connection: the message is back where it waited.
    Server(Error),
    /// The server asked to slow down after filing this message.
    Pause(String),
    /// The outbox could not be written (a full disk): the message stays where it is.
    Outbox(Error),
}

/// Sends each due message in order, at the rate asked, and files it by the reply. Stops at the
/// first failure of the server, a request to slow down, or a failure to write the outbox; the
/// rest wait for the next run.
/// Sends one message now, outside the outbox, on a connection of its own (TLS and login as for
/// `send`): what `appeal serve` sends a supporter to confirm her request. It is not retried: the
/// caller tells her when it did not go. `Ok` holds the server's reply; `Err` says why it did not
/// go (a refusal, or no connection).
pub fn send_now(
    opts: &SendOptions,
    from: &Address,
    to: &Address,
    eml: &[u8],
) -> std::result::Result<String, String> {
    let mut session = Session {
        opts,
        conn: None,
        hello: ClientId::default(),
        tls_seen: false,
    };
    let outcome = session.transact(None, from, to, eml);
    if let Some(conn) = session.conn.as_mut() {
        let _ = conn.set_timeout(Some(Duration::from_secs(10)));
        let _ = conn.quit();
    }
    match outcome {
        Ok(Outcome::Sent(reply)) => Ok(reply),
        Ok(Outcome::Failed { stage, reply } | Outcome::Deferred { stage, reply, .. }) => {
            Err(format!("{stage}: {reply}"))
        }
        Ok(Outcome::Uncertain(reply)) => Err(reply),
        Err(e) => Err(e.to_string()),
    }
}

fn deliver(
    outbox: &Outbox,
    opts: &SendOptions,
    due: &[Due],
    report: &mut Report,
    progress: &mut dyn FnMut(usize, usize, &str),
) {
    let mut session = Session {
        opts,
        conn: None,
        hello: ClientId::default(),
        tls_seen: false,
    };
    let mut pace = Pace::new(opts.rate);
    let total = due.len();
    for (n, d) in due.iter().enumerate() {
        let step = match wire(outbox, opts, d, report) {
            Ok(Some(w)) => {
                pace.wait();
                progress(n, total, &d.id);
                if opts.redirect_to.is_some() {
                    rehearse(&mut session, outbox, d, &w, report)
                } else {
                    deliver_one(&mut session, outbox, d, &w, report)
                }
            }
            Ok(None) => Ok(()),
            Err(e) => Err(Stop::Outbox(e)),
        };
        let (why, left) = match step {
            Ok(()) => continue,
            Err(Stop::Server(why)) => (why, total - n),
            Err(Stop::Outbox(why)) => (Error::CannotFile(Box::new(why)), total - n),
            Err(Stop::Pause(reply)) => (Error::Throttled { reply }, total - n - 1),
        };
        report.stopped = Some(why);
        report.left = left;
        break;
    }
    if let Some(conn) = session.conn.as_mut() {
        // Everything is filed already: do not wait long for the goodbye.
        let _ = conn.set_timeout(Some(Duration::from_secs(10)));
        let _ = conn.quit();
    }
    progress(total, total, "");
}

/// The envelope sender, the recipient (the rehearsal's address, if any) and the bytes of `d`;
/// `None` when they cannot be had (a damaged envelope, a file cut short): the message is failed
/// with the reason and the run goes on.
fn wire(outbox: &Outbox, opts: &SendOptions, d: &Due, report: &mut Report) -> Result<Option<Wire>> {
    let env = &d.msg.envelope;
    let (from, to) = match (
        env.from.parse::<Address>(),
        opts.redirect_to
            .clone()
            .map_or_else(|| env.route.to().parse::<Address>(), Ok),
    ) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(e), _) | (_, Err(e)) => {
            let why = broken(outbox, d.msg.state, &d.id, &e, false)?;
            report.failed += 1;
            report.events.push(why);
            return Ok(None);
        }
    };
    match outbox.eml(d.msg.state, &d.id) {
        Ok(eml) => Ok(Some(Wire { from, to, eml })),
        Err(why) => {
            let line = file_as_failed(outbox, d.msg.state, &d.id, why.to_string(), false)?;
            report.failed += 1;
            report.events.push(line);
            Ok(None)
        }
    }
}

/// What goes on the wire for one message: the envelope's sender and recipient, and the bytes.
struct Wire {
    from: Address,
    to: Address,
    eml: Vec<u8>,
}

/// A rehearsal: the message goes to the `--redirect-to` address; nothing moves, and only an
/// event is recorded.
fn rehearse(
    session: &mut Session,
    outbox: &Outbox,
    d: &Due,
    w: &Wire,
    report: &mut Report,
) -> std::result::Result<(), Stop> {
    let to = &w.to;
    match session.transact(None, &w.from, to, &w.eml) {
        Ok(Outcome::Sent(reply)) => {
            report.rehearsed += 1;
            outbox
                .event(
                    &d.id,
                    "rehearsed",
                    None,
                    d.msg.state,
                    &format!("to {to}: {reply}"),
                )
                .map_err(Stop::Outbox)?;
            report.events.push(Event::Rehearsed {
                id: d.id.clone(),
                to: to.to_string(),
                reply,
            });
        }
        Ok(
            Outcome::Deferred { reply, .. }
            | Outcome::Failed { reply, .. }
            | Outcome::Uncertain(reply),
        ) => {
            report.failed += 1;
            report.events.push(Event::RehearsalFailed {
                id: d.id.clone(),
                to: to.to_string(),
                reply,
            });
        }
        Err(e) => return Err(Stop::Server(e)),
    }
    Ok(())
}

/// Claims `d` (`sending/`), sends it, and files it by the outcome.
fn deliver_one(
    session: &mut Session,
    outbox: &Outbox,
    d: &Due,
    w: &Wire,
    report: &mut Report,
) -> std::result::Result<(), Stop> {
    outbox
        .transition(&d.id, d.msg.state, State::Sending, "claimed by send")
        .map_err(Stop::Outbox)?;
    outbox.clear_data_started(&d.id).map_err(Stop::Outbox)?;
    let marker = Some((outbox, d.id.as_str(), d.msg.record.attempts.len()));
    match session.transact(marker, &w.from, &w.to, &w.eml) {
        Ok(outcome) => file(outbox, d, &w.to, outcome, report),
        Err(e) => {
            // Nothing went out: the message goes back to where it waited.
            outbox.clear_data_started(&d.id).map_err(Stop::Outbox)?;
            outbox
                .transition(&d.id, State::Sending, d.msg.state, "the run stopped")
                .map_err(Stop::Outbox)?;
            Err(Stop::Server(e))
        }
    }
}

/// Records the attempt and moves `d` from `sending/` to the state its outcome says; the line
/// for the report. `Err(Stop::Pause)` when the server asked to slow down.
fn file(
    outbox: &Outbox,
    d: &Due,
    to: &Address,
    outcome: Outcome,
    report: &mut Report,
) -> std::result::Result<(), Stop> {
    let mut record = d.msg.record.clone();
    let now = Utc::now();
    let (state, stage, reply, pause) = match outcome {
        Outcome::Sent(reply) => (State::Sent, "body", reply, false),
        Outcome::Deferred {
            stage,
            reply,
            pause,
        } => (State::Deferred, stage, reply, pause),
        Outcome::Failed { stage, reply } => (State::Failed, stage, reply, false),
        Outcome::Uncertain(reply) => (State::Uncertain, "body", reply, false),
    };
    record.attempts.push(Attempt {
        at: now,
        stage: stage.to_string(),
        reply: reply.clone(),
        outcome: state,
    });
    record.next_attempt = None;
    record.reason = None;
    match state {
        State::Deferred => {
            let wait = backoff(&d.id, record.attempts.len());
            record.next_attempt = Some(now + chrono::Duration::from_std(wait).unwrap_or_default());
        }
        State::Failed => record.reason = Some(format!("refused at {stage}: {reply}")),
        State::Uncertain => {
            record.reason = Some(format!(
                "no reply after the body ({reply}): the server may have it"
            ))
        }
        _ => {}
    }
    outbox.save_record(&d.id, &record).map_err(Stop::Outbox)?;
    if state == State::Deferred {
        outbox.clear_data_started(&d.id).map_err(Stop::Outbox)?;
    }
    outbox
        .transition(&d.id, State::Sending, state, &reply)
        .map_err(Stop::Outbox)?;
    let (id, to) = (d.id.clone(), to.to_string());
    let line = match state {
        State::Sent => {
            report.sent += 1;
            Event::Sent {
                id,
                to,
                reply: reply.clone(),
            }
        }
        State::Deferred => {
            report.deferred += 1;
            Event::Deferred {
                id,
                to,
                stage: stage.to_string(),
                reply: reply.clone(),
                next_attempt: record.next_attempt,
            }
        }
        State::Failed => {
            report.failed += 1;
            Event::Failed {
                id,
                to,
                stage: stage.to_string(),
                reply: reply.clone(),
            }
        }
        _ => {
            report.uncertain += 1;
            Event::Uncertain {
                id,
                to,
                reply: reply.clone(),
            }
        }
    };
    report.events.push(line);
    if pause {
        return Err(Stop::Pause(reply));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stuffs_dots_and_ends_the_data_once() {
        let block = DataBlock::new(b"Subject: x\r\n\r\n.hidden\r\nend.\r\n..two\r\n").unwrap();
        assert_eq!(
            block.0,
            "Subject: x\r\n\r\n..hidden\r\nend.\r\n...two\r\n.\r\n"
        );
        // A bare LF is not sent as a line of its own: lettre's codec handles such bytes.
        assert!(DataBlock::new(b"a\nb\r\n").is_none());
    }

    #[test]
    fn backs_off_1_5_15_30_minutes_then_hourly_with_a_little_spread() {
        for (n, minutes) in [(1, 1), (2, 5), (3, 15), (4, 30), (5, 60), (9, 60)] {
            let d = backoff("4e785cadff3483cdc338", n).as_secs();
            assert!(d >= minutes * 60 && d <= minutes * 66, "retry {n}: {d} s");
        }
        assert_eq!(backoff("a", 1), backoff("a", 1));
        assert_ne!(backoff("a", 2), backoff("b", 2));
    }
}
