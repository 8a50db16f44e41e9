//! `appeal serve`: the supporters' web pages (see `appeal::serve` and docs/serve.md).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

/// Serve web pages where supporters write their own letters: the open actions, a form, a preview
/// of each letter, and the letters to download as PDF or text.
#[derive(clap::Args)]
pub struct Args {
    /// The address and port to listen on (behind a reverse proxy for the open internet).
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The folder of campaign files: each `*.yaml` in it is an action.
    #[arg(long, value_name = "DIR", default_value = "campaigns")]
    campaigns: PathBuf,
    /// The outbox folder (the server keeps its secret there).
    #[arg(long, value_name = "DIR", default_value = "outbox")]
    outbox: PathBuf,
    /// The address supporters reach the server at, e.g. https://appeals.example.org (an https
    /// address makes the form cookie Secure).
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
    /// A folder of web templates, style sheet and strings.yaml that replace the built-in ones
    /// file by file (see docs/serve.md).
    #[arg(long, value_name = "DIR")]
    web: Option<PathBuf>,
    /// Sending settings for "send them by email for me" (default: appeal.yaml beside the
    /// campaigns folder, or here). Without an SMTP server and a sender, the pages offer
    /// downloads only.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Behind a reverse proxy: take the client's address from the last X-Forwarded-For entry
    /// (only when the proxy sets it; otherwise a client could claim any address).
    #[arg(long)]
    trust_proxy: bool,
    /// How many forms one client address may post in an hour (each makes letters).
    #[arg(long, value_name = "N", default_value_t = 120)]
    posts_per_hour: u32,
    /// Deliver the outbox while serving, as `appeal send` does (its SMTP server, rate and
    /// retries from appeal.yaml): at start, after each confirmation, and every 5 minutes.
    #[arg(long)]
    send: bool,
    /// Take this day as today (which actions are open, the letters' date): for rehearsals.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::parse_date)]
    today: Option<chrono::NaiveDate>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if let Some(url) = &args.public_url
        && !(url.starts_with("https://") || url.starts_with("http://"))
    {
        eprintln!(
            "error: --public-url `{url}` is not an http(s) address (hint: e.g. https://appeals.example.org)"
        );
        return Ok(ExitCode::from(2));
    }
    appeal::serve::run(appeal::serve::Config {
        listen: args.listen,
        campaigns: args.campaigns,
        outbox: args.outbox,
        public_url: args.public_url,
        today: args.today,
        web: args.web,
        settings: args.config,
        trust_proxy: args.trust_proxy,
        posts_per_hour: args.posts_per_hour,
        send_every: args.send.then_some(std::time::Duration::from_secs(300)),
    })?;
    Ok(ExitCode::SUCCESS)
}
