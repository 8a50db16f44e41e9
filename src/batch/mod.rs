//! A run over supporters: chunks rendered on all cores and handed in order to an output (text,
//! PDF, the outbox), and `check`, which renders everything a campaign would produce.

pub mod check;
pub mod output;
pub mod pdf;
pub mod queue;
pub mod run;

use std::path::PathBuf;

use crate::model::diag::Invalid;

/// What went wrong in a run: the file or letter involved, and a hint where a person can act.
/// A run that cannot start is one of these; a letter or row that fails is counted and reported
/// (its error as text in the summary) and the run goes on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The campaign or its companions have problems: each one, with file, line and field.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Locate(#[from] crate::model::project::LocateError),
    #[error(transparent)]
    Supporters(#[from] crate::model::supporter::OpenError),
    #[error(
        "{}: the campaign has no `{lang}` texts; it has: {has} (hint: pick one of those with --lang, or add `{lang}` to the campaign)",
        file.display()
    )]
    NoLangTexts {
        file: PathBuf,
        lang: String,
        has: String,
    },
    #[error("cannot start {n} threads: {source}")]
    Threads {
        n: usize,
        #[source]
        source: rayon::ThreadPoolBuildError,
    },
    #[error("`{0}` is not a shard; write K/N with 1 <= K <= N, e.g. 2/4")]
    NotAShard(String),
    #[error("{}: no parent folder", .0.display())]
    NoParent(PathBuf),
    #[error(
        "{}: a symbolic link stands where the file goes; appeal never writes through one (hint: remove it)",
        .0.display()
    )]
    LinkAtFile(PathBuf),
    #[error(
        "{}: something that is not a file stands where the file goes (a folder, a pipe, a device); appeal writes only files (hint: remove it, or choose another --out)",
        .0.display()
    )]
    NotAFile(PathBuf),
    #[error(
        "{}: a symbolic link inside the output folder; appeal never writes through one (hint: remove the link, or choose another --out)",
        .0.display()
    )]
    LinkedFolder(PathBuf),
    #[error("{}: cannot create the folder: {source}", dir.display())]
    CreateFolder {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{}: already exists with different content; not overwritten (hint: pass --force to replace it, or choose another --out)",
        .0.display()
    )]
    Exists(PathBuf),
    #[error("{}: cannot write: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: cannot write the failed rows: {reason}", path.display())]
    FailedRows { path: PathBuf, reason: String },
    #[error("{source} ({})", uncommitted(*lost))]
    Uncommitted {
        lost: output::Lost,
        #[source]
        source: crate::mail::Error,
    },
    #[error("an email needs a supporter to sign it (pass --name or --supporters)")]
    NoSupporter,
    #[error("the letter was rendered without its parts")]
    NoParts,
    /// A letter that failed, named (`the ru message to ... (eva-muster)`).
    #[error("{what}: {source}")]
    Letter {
        what: String,
        #[source]
        source: Box<Error>,
    },
    /// A letter that failed to render, as its diagnostic says (listed after `error: `).
    #[error("{}", .0.unlabelled())]
    Render(crate::model::diag::Diagnostic),
    #[error(transparent)]
    Pdf(#[from] crate::pdf::Error),
    #[error(transparent)]
    Mail(#[from] crate::mail::Error),
    #[error(transparent)]
    Unreachable(#[from] crate::mail::Unreachable),
}

pub type Result<T> = std::result::Result<T, Error>;

/// What a failed outbox commit left: messages not queued, or none.
fn uncommitted(lost: output::Lost) -> String {
    let not = match (lost.new, lost.replaced) {
        (0, 0) => return "every message staged with it is logged in the outbox and is moved into ready/ when the next queue or send starts".into(),
        (n, 0) => format!("the {n} message(s) staged with it are not queued"),
        (0, r) => format!("the {r} message(s) queued again with other content still say what they said"),
        (n, r) => format!("the {n} message(s) staged with it are not queued, and the {r} queued again with other content still say what they said"),
    };
    format!("{not}; run queue again once the outbox can be written")
}
