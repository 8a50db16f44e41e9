//! `appeal sheet`: the urgent-action sheet of a campaign, as Markdown, plain text or PDF.

use std::path::PathBuf;
use std::process::ExitCode;

use appeal::batch::output::{Written, write_file};
use appeal::coord::sheet;
use appeal::model::diag::{Diagnostics, Invalid};
use appeal::model::lang::Lang;
use appeal::model::project::Project;
use appeal::pdf;

/// Print the urgent-action sheet: the person and the risk, the asks, whom to write to before
/// the deadline, the follow-ups.
#[derive(clap::Args)]
pub struct Args {
    /// The campaign file (e.g. campaigns/juraev-2011.yaml).
    campaign: PathBuf,
    /// The sheet's language (default: the campaign's first).
    #[arg(long, value_name = "LANG", value_parser = super::parse_lang)]
    lang: Option<Lang>,
    /// The section's country (ISO 3166 alpha-2): embassies and governments the campaign writes to
    /// in the supporter's country are listed with their addresses for this one.
    #[arg(long, value_parser = super::parse_country)]
    country: Option<appeal::model::country::Country>,
    /// Markdown (the template's own form), plain text, or PDF.
    #[arg(long, value_enum, default_value = "md")]
    format: Format,
    /// Write to FILE instead of standard output (a PDF goes to `<campaign>.<lang>.pdf` by default).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Replace FILE if it exists with different content.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    pdf: super::PdfArgs,
    /// The recipient directory (default: recipients/ beside the campaign or its folder).
    #[arg(long, value_name = "DIR")]
    recipients: Option<PathBuf>,
    /// A template folder that overrides the built-in templates file by file.
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Md,
    Txt,
    Pdf,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let project = Project::locate(
        &args.campaign,
        args.recipients.as_deref(),
        args.templates.as_deref(),
    )
    .map_err(anyhow::Error::msg)?;
    let mut diags = Diagnostics::default();
    let Some((campaign, directory, templates)) =
        appeal::batch::run::load(&args.campaign, &project, Some(super::today()), &mut diags)
    else {
        return Err(Invalid(diags.into_sorted()).into());
    };
    let lang = match &args.lang {
        Some(asked) => campaign.serve(asked).cloned().ok_or_else(|| {
            anyhow::anyhow!(
                "{}: the campaign has no `{asked}` texts; it has: {} (hint: pick one of those with --lang)",
                campaign.file.display(),
                campaign.languages_list()
            )
        })?,
        None => campaign.languages[0].clone(),
    };
    if let Some(here) = args.country {
        for entry in campaign.targets.iter().chain(&campaign.copies) {
            // What cannot exist in the section's own country is not missing there.
            let impossible = campaign
                .cannot_exist_for(&entry.who, here, &directory)
                .is_some();
            if !impossible && matches!(entry.who.resolve(&directory, Some(here)), Some(None)) {
                eprintln!(
                    "warning: {}: the directory has no entry for {} in {} ({here}); the sheet describes it in general (hint: add it to {})",
                    entry.field,
                    entry.who.describe(),
                    here.english_name(),
                    directory.folder.display()
                );
            }
        }
    }
    let md = sheet::markdown(&campaign, &directory, &templates, &lang, args.country)
        .map_err(|d| Invalid(vec![d]))?;
    let bytes = match args.format {
        Format::Md => md.into_bytes(),
        Format::Txt => pdf::plain_text(&pdf::blocks(&md)).into_bytes(),
        Format::Pdf => {
            let Some((options, mut fonts)) = args.pdf.options()? else {
                return Ok(ExitCode::from(2));
            };
            let info = pdf::DocInfo {
                title: campaign
                    .title
                    .get(&lang)
                    .unwrap_or(&campaign.id)
                    .to_string(),
                subject: campaign.id.clone(),
                // The sheet is as of its last news: the issue date or the latest update's.
                date: campaign
                    .updates
                    .iter()
                    .map(|u| u.date)
                    .chain([campaign.issued])
                    .max(),
                ..pdf::DocInfo::default()
            };
            let mut warnings = Vec::new();
            let bytes = pdf::document(
                &mut fonts,
                &options,
                &info,
                &lang,
                &pdf::blocks(&md),
                &mut warnings,
            )?;
            for w in warnings {
                eprintln!("warning: {w}");
            }
            bytes
        }
    };
    // `--out -` is standard output, as `--supporters -` is standard input.
    let out = match args.out.clone() {
        Some(p) if p.as_os_str() == "-" => None,
        Some(p) => Some(p),
        None => (args.format == Format::Pdf)
            .then(|| PathBuf::from(format!("{}.{lang}.pdf", campaign.id))),
    };
    match out {
        None => {
            use std::io::Write;
            std::io::stdout().write_all(&bytes)?;
        }
        Some(path) => {
            let path = super::here_if_bare(&path);
            match write_file(&path, &bytes, args.force).map_err(anyhow::Error::msg)? {
                Written::Unchanged(p) => eprintln!("{}: already there, unchanged", p.display()),
                Written::New(p) | Written::Replaced(p) => eprintln!("wrote {}", p.display()),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
