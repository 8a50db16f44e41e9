//! `appeal queue`: one email message per (supporter, recipient reachable by email or fax gateway),
//! written into the outbox. Nothing touches the network.

use std::path::PathBuf;
use std::process::ExitCode;

use appeal::batch::queue::QueueOutput;
use appeal::batch::run::{self, Supporters};
use appeal::mail::message::{self, Sender};
use appeal::mail::settings::{FaxGateway, Settings};
use appeal::model::diag::Invalid;
use appeal::model::project::settings_file;

/// Queue a campaign's letters as email messages in the outbox (sent later by `appeal send`).
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    run: super::RunArgs,
    /// The outbox folder.
    #[arg(long, value_name = "DIR", default_value = "outbox")]
    outbox: PathBuf,
    /// Sending settings (default: appeal.yaml beside the campaign, beside its folder, or here).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The organisation's sender, `Name <appeals@example.org>` (overrides `from` in appeal.yaml).
    #[arg(long, value_name = "MAILBOX")]
    from: Option<String>,
    /// Email-to-fax gateway, e.g. `{number}@fax.example.net` (overrides `fax_gateway`).
    #[arg(long, value_name = "PATTERN")]
    fax_gateway: Option<String>,
    /// Attach the letter as PDF to every email (faxes always carry it).
    #[arg(long)]
    attach_pdf: bool,
    #[command(flatten)]
    pdf: super::PdfArgs,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let Some((job, bar)) = args.run.job(&args.outbox) else {
        return Ok(ExitCode::from(2));
    };
    if let Supporters::Blank { .. } = job.supporters {
        eprintln!(
            "error: an email is signed by a supporter (hint: pass --name, or --supporters FILE.csv)"
        );
        return Ok(ExitCode::from(2));
    }
    let settings = Settings::find(
        args.config.as_deref(),
        settings_file(&args.run.campaign).as_deref(),
    )
    .map_err(|d| Invalid(vec![d]))?;
    let from = match (&args.from, &settings.from) {
        (Some(f), _) => message::mailbox(f).map_err(|e| anyhow::anyhow!("--from: {e}"))?,
        (None, Some(f)) => f.clone(),
        (None, None) => anyhow::bail!(
            "no sender: set `from: \"Name <appeals@example.org>\"` in appeal.yaml or pass --from (hint: `appeal guide settings`)"
        ),
    };
    let fax_gateway = match &args.fax_gateway {
        Some(g) => Some(FaxGateway::parse(g).map_err(|e| {
            anyhow::anyhow!("--fax-gateway {e} (hint: e.g. \"{{number}}@fax.example.net\")")
        })?),
        None => settings.fax_gateway.clone(),
    };
    let Some(pdf) = args.pdf.options()? else {
        return Ok(ExitCode::from(2));
    };
    let sender = Sender {
        from,
        own_domains: settings.own_domains.clone(),
    };
    // Only faxes and `--attach-pdf` carry the letter as PDF: without them no font is looked at.
    let needs_pdf = args.attach_pdf || fax_gateway.is_some();
    // The directory the campaign is read with, recorded in every envelope: `send` re-reads the
    // campaign with the same one to see follow-ups (a stop) made since.
    let project = appeal::model::project::Project::locate(
        &args.run.campaign,
        args.run.recipients.as_deref(),
        args.run.templates.as_deref(),
    )
    .map_err(anyhow::Error::msg)?;
    let mut output = QueueOutput::new(
        &args.outbox,
        sender,
        fax_gateway,
        args.attach_pdf,
        needs_pdf.then_some(pdf),
    )
    .map_err(anyhow::Error::msg)?
    .with_campaign(&args.run.campaign, &project.recipients);
    let summary = run::letters(&job, &mut output)?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    super::print_notes(&summary, &job.supporters, args.run.report);
    let mut line = format!(
        "{} message(s) queued in {}",
        summary.written,
        args.outbox.display()
    );
    if summary.replaced > 0 {
        line.push_str(&format!(
            ", {} unsent message(s) queued before replaced by what they say now",
            summary.replaced
        ));
    }
    if summary.unchanged > 0 {
        line.push_str(&format!(
            ", {} already queued before (not queued again)",
            summary.unchanged
        ));
    }
    Ok(super::finish(
        &summary,
        &job.supporters,
        line,
        summary.written + summary.unchanged + summary.replaced,
        "no messages were queued (hint: see the notes above: no recipient of this campaign is reachable by email or fax gateway)",
        args.run.report,
    ))
}
