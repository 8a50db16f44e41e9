//! `appeal serve`: the supporters' web front end. A supporter opens an action, fills in a form
//! (her name and address, the letter's language, a note), sees each letter she will send, and
//! downloads them as PDF or text. The letters come from the same run as `appeal letters`
//! (`batch::run::letters` with one supporter), so the web never writes a letter differently.
//!
//! Phases of a request: `site` (which actions are open, as of today) -> `form` (what she typed,
//! checked into a `Supporter`) -> `letters` (rendered in memory: nothing of hers is stored for a
//! download) -> `pages` (HTML from Tera templates with autoescaping, in her language).
//!
//! Safety on the open internet: every form carries a CSRF token bound to a cookie (`csrf`);
//! request bodies and fields have limits (`form`); every response has a strict
//! Content-Security-Policy; no field reaches a header or a path (downloads are named after the
//! action, not after her).

mod confirm;
mod csrf;
mod email;
mod form;
mod letters;
mod limits;
mod pages;
mod sender;
mod site;
mod ui;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

pub use site::Site;

/// What `appeal serve` was asked to do.
#[derive(Clone, Debug)]
pub struct Config {
    pub listen: SocketAddr,
    /// The folder of campaign files (each `*.yaml` is an action).
    pub campaigns: PathBuf,
    /// The outbox (the server keeps its secret there, beside the queue it will feed).
    pub outbox: PathBuf,
    /// The address supporters reach the server at (links in emails; `https` makes cookies
    /// `Secure`).
    pub public_url: Option<String>,
    /// The day the server takes as today (default: the real one): which actions are open, and
    /// the letters' date. For rehearsals and tests.
    pub today: Option<chrono::NaiveDate>,
    /// A folder of web templates and strings that replace the built-in ones file by file.
    pub web: Option<PathBuf>,
    /// The sending settings (default: `appeal.yaml` beside the campaigns folder, or here).
    pub settings: Option<PathBuf>,
    /// Behind a reverse proxy: the client's address is the last one in `X-Forwarded-For`.
    pub trust_proxy: bool,
    /// How many forms a client address may post in an hour (each makes letters).
    pub posts_per_hour: u32,
    /// Deliver the outbox while serving (`serve --send`), at least this often.
    pub send_every: Option<std::time::Duration>,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "cannot listen on {addr}: {source} (hint: is another server using the port? pick one with --listen 127.0.0.1:8081)"
    )]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot start the server's threads: {0}")]
    Runtime(std::io::Error),
    #[error(
        "{path}: cannot keep the server's secret there: {source} (hint: --outbox names a folder the server may write)"
    )]
    Secret {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Web { path: PathBuf, message: String },
    #[error("{path}: not a folder of campaigns: {source} (hint: --campaigns DIR)")]
    Campaigns {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Settings(String),
    #[error("the server stopped: {0}")]
    Serve(std::io::Error),
}

/// Runs the server until Ctrl-C or SIGTERM; requests under way are finished first.
pub fn run(config: Config) -> Result<(), Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Error::Runtime)?;
    runtime.block_on(serve(config))
}

async fn serve(config: Config) -> Result<(), Error> {
    let site = Arc::new(Site::open(&config)?);
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| Error::Listen {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(Error::Serve)?;
    let _ = site.base_url.set(format!("http://{addr}"));
    if let Some(every) = config.send_every {
        sender::start(Arc::clone(&site), every);
    }
    // The one line a script (or a test) waits for: where to connect.
    println!("listening on http://{addr}");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let app = pages::router(site).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown())
        .await
        .map_err(Error::Serve)
}

/// Resolves on Ctrl-C or SIGTERM (what a service manager sends).
async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
