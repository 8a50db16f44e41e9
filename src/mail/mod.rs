//! Email: message building, the durable outbox, sending by SMTP, and the sending settings.
//! Takes an envelope and the exact bytes; knows no campaign file format.

pub mod message;
pub mod outbox;
pub mod send;
pub mod settings;

use std::path::PathBuf;

use crate::mail::outbox::State;
use crate::model::contact::ContactError;

/// What went wrong in `mail`: with the file, the server or the value involved, and a hint where
/// a person can act on it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or folder of the outbox could not be read or written.
    #[error("{}: {what}: {source}", path.display())]
    Io {
        what: String,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{}: this outbox was made by an earlier version of appeal (one folder per message, an `ids/` folder), which this one cannot read (hint: send it with the version that queued it, or queue the campaign again into a new outbox: `--outbox DIR`)",
        .0.display()
    )]
    OldLayout(PathBuf),
    #[error(
        "another `appeal {name}` is working on the outbox {} ({holder}) (hint: wait for it to finish; two at once could send a letter twice)",
        root.display()
    )]
    Locked {
        name: String,
        root: PathBuf,
        holder: String,
    },
    #[error(
        "{}: refusing to write through a symbolic link (hint: the outbox's files and folders must be its own; remove the link)",
        .0.display()
    )]
    Symlink(PathBuf),
    #[error(
        "`{0}` is not a message id (hint: an id is the 20 hexadecimal digits `appeal outbox` lists)"
    )]
    NotAnId(String),
    #[error(
        "no message `{id}` in the outbox {} (hint: `appeal outbox` lists the uncertain ones)",
        root.display()
    )]
    NoSuchMessage { id: String, root: PathBuf },
    #[error(
        "message `{id}` is {state}; {} (hint: `appeal outbox` lists the messages that need a decision)",
        if *sent { "only an uncertain message can be marked sent" } else { "only an uncertain, failed or expired message can be sent again" }
    )]
    CannotResolve {
        id: String,
        state: State,
        sent: bool,
    },
    /// The first line of a message's file is not its envelope (edited or damaged).
    #[error("{}: line 1: not a message envelope: {source}", path.display())]
    BadEnvelope {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("{}: not a message record: {source}", path.display())]
    BadRecord {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error(
        "{}: no message after the envelope line (hint: the file was cut short; queue the letter again)",
        .0.display()
    )]
    CutShort(PathBuf),
    #[error("cannot write the record as JSON: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("cannot set up TLS for {host}: {reason}")]
    TlsSetup { host: String, reason: String },
    #[error("cannot connect to the SMTP server {at}: {reason}")]
    Connect { at: String, reason: String },
    #[error(
        "the SMTP server {at} does not offer STARTTLS, and appeal does not send letters in clear text over a network (hint: use smtps://{at} if it speaks TLS from the start)"
    )]
    NoStartTls { at: String },
    #[error("STARTTLS with {at} failed: {reason}")]
    StartTls { at: String, reason: String },
    /// The server's certificate was refused: nothing was sent, no password either.
    #[error(
        "the SMTP server {at} presented a certificate that appeal does not accept: {reason} (hint: {})",
        certificate_hint(reason)
    )]
    Certificate { at: String, reason: String },
    #[error(
        "the SMTP server {at} does not offer STARTTLS, and appeal does not send the password of `{user}` in clear text, not even to this machine (hint: turn STARTTLS on in the server (Postfix offers it with smtpd_tls_security_level = may), or use smtps://{at} if it speaks TLS from the start; a server that needs no login: drop `{user}@` from the URL)"
    )]
    LoginWithoutTls { at: String, user: String },
    #[error(
        "the SMTP server {at} offered STARTTLS earlier in this run and no longer does; appeal does not go on in clear text (hint: something between appeal and the server may be removing it; check the server, then run send again)"
    )]
    StartTlsDropped { at: String },
    #[error(
        "the SMTP server {at} offers no login method appeal can use for `{user}` ({offered}; appeal logs in with PLAIN or LOGIN) (hint: this is not about the password: allow AUTH PLAIN or LOGIN over TLS on the server, or drop `{user}@` from the URL if the server needs no login)"
    )]
    NoLoginMechanism {
        at: String,
        user: String,
        offered: String,
    },
    #[error(
        "the SMTP URL names the user `{user}` but no password was given (hint: set APPEAL_SMTP_PASSWORD or pass --password-command)"
    )]
    NoPassword { user: String },
    #[error(
        "the SMTP server {at} refused the login of `{user}`: {reason} (hint: check the user name and APPEAL_SMTP_PASSWORD)"
    )]
    LoginRefused {
        at: String,
        user: String,
        reason: String,
    },
    #[error(transparent)]
    Contact(#[from] ContactError),
    /// Why a recipient cannot be reached by email (then the letter goes by post or fax by hand).
    #[error("{0}")]
    Unreachable(Unreachable),
    #[error("the {what} holds {why}, which an email header cannot carry")]
    HeaderText { what: &'static str, why: String },
    #[error("cannot build the message: {0}")]
    Build(String),
    #[error("the server asked to slow down ({reply}); the rest waits for the next run")]
    Throttled { reply: String },
    #[error("the outbox cannot be written: {0} (hint: free disk space and run send again)")]
    CannotFile(Box<Error>),
}

/// Why a recipient cannot be reached by email.
#[derive(Debug, thiserror::Error)]
pub enum Unreachable {
    #[error(
        "it is reached by fax, which goes out only in office hours, and its directory entry has no `timezone` (hint: add e.g. `timezone: Europe/Moscow` to `{id}` in {})",
        file.display()
    )]
    FaxWithoutTimeZone { id: String, file: PathBuf },
    #[error("the fax gateway address for {fax}: {source}")]
    Gateway {
        fax: String,
        #[source]
        source: ContactError,
    },
    #[error(
        "it has a fax number but no email address, and no `fax_gateway` is set in appeal.yaml: fax or post this letter by hand, or set a gateway"
    )]
    NoGateway,
    #[error("it has no email address and no fax number: send this letter by post")]
    NoAddress,
}

pub type Result<T> = std::result::Result<T, Error>;

/// What a person can do about a refused server certificate, by the reason rustls gives.
fn certificate_hint(reason: &str) -> &'static str {
    if reason.contains("expired") || reason.contains("not valid yet") {
        "the certificate is out of its dates: the server's administrator must renew it (or this machine's clock is wrong); nothing was sent"
    } else if reason.contains("not valid for name") || reason.contains("NotValidForName") {
        "the certificate is for another name: write the server's name as its certificate gives it in the SMTP URL (`smtp:` in appeal.yaml or `send --smtp`); nothing was sent"
    } else {
        "if the server's certificate comes from your section's own certificate authority, trust that CA: its certificate in a PEM file, named by `tls_ca: FILE` in appeal.yaml or `appeal send --tls-ca FILE` (on Linux SSL_CERT_FILE=FILE works too, but then replaces the system's list of trusted CAs); nothing was sent"
    }
}

/// An `Io` error for `path`.
pub(crate) fn io(what: impl Into<String>, path: &std::path::Path, source: std::io::Error) -> Error {
    Error::Io {
        what: what.into(),
        path: path.to_path_buf(),
        source,
    }
}
