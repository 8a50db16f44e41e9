//! `appeal letters`: render a campaign's letters for one supporter, a CSV of supporters, or none.

use std::path::PathBuf;
use std::process::ExitCode;

use appeal::country::Country;
use appeal::lang::Lang;
use appeal::output::{Output, TextOutput};
use appeal::pdf::{FontChain, Layout, Paper, PdfOptions, PdfOutput};
use appeal::run::{self, LettersJob, Supporters};
use appeal::supporter::SupporterInput;

/// Write the letters of a campaign, one file per (supporter, recipient, language).
#[derive(clap::Args)]
pub struct Args {
    /// The campaign file (e.g. campaigns/juraev-2011.yaml).
    campaign: PathBuf,
    /// Letter language; repeat for several. Default: the supporter's, else the campaign's first.
    #[arg(long, value_name = "LANG", value_parser = super::parse_lang)]
    lang: Vec<Lang>,
    /// Output format: plain text, or PDF for a window envelope or a fax.
    #[arg(long, value_enum, default_value = "txt")]
    format: Format,
    /// PDF paper size.
    #[arg(long, value_enum, default_value = "a4")]
    paper: Paper,
    /// PDF page layout (default: din-b on A4, us10 on Letter).
    #[arg(long, value_enum)]
    layout: Option<LayoutName>,
    /// PDF: warn instead of failing when an address has more lines than the window holds.
    #[arg(long)]
    allow_overflow: bool,
    /// PDF: one print pack (OUT/<campaign>/print-pack.pdf) with every letter of the run, each
    /// from a new page, instead of a file per letter.
    #[arg(long)]
    combine: bool,
    /// PDF: warn instead of failing when no font can draw a character (it prints as a box).
    #[arg(long)]
    allow_missing_glyphs: bool,
    /// PDF: a font to draw characters DejaVu Sans lacks (CJK, Devanagari ...); repeat for several,
    /// in order of preference. Fonts found through fontconfig come after these.
    #[arg(long, value_name = "FILE")]
    font: Vec<PathBuf>,
    /// Output folder.
    #[arg(long, value_name = "DIR", default_value = "letters")]
    out: PathBuf,
    /// Replace letters that already exist with different content.
    #[arg(long)]
    force: bool,
    /// The letters' date (default: today), so output can be reproduced byte for byte.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::parse_date)]
    date: Option<chrono::NaiveDate>,
    /// Supporters from a CSV file with a header row: name,address,postcode,city,country,email,lang
    /// (extra columns are available to templates).
    #[arg(long, value_name = "FILE.csv", conflicts_with_all = ["name", "address", "postcode", "city", "country", "email"])]
    supporters: Option<PathBuf>,
    /// The supporter's name (without it, letters carry blank lines to sign by hand).
    #[arg(long)]
    name: Option<String>,
    /// A line of the supporter's street address; repeat for several lines.
    #[arg(long, value_name = "LINE", requires = "name")]
    address: Vec<String>,
    #[arg(long, requires = "name")]
    postcode: Option<String>,
    #[arg(long, requires = "name")]
    city: Option<String>,
    /// The supporter's country, ISO 3166 alpha-2 (DE, FR, NO): chooses the embassy and government letters go to.
    #[arg(long, value_parser = super::parse_country)]
    country: Option<Country>,
    #[arg(long, requires = "name")]
    email: Option<String>,
    /// Sign with initials only (advised for supporters with ties to the target country).
    #[arg(long)]
    initials: bool,
    /// The recipient directory (default: recipients/ beside the campaign or its folder).
    #[arg(long, value_name = "DIR")]
    recipients: Option<PathBuf>,
    /// A template folder that overrides the built-in templates file by file.
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Txt,
    Pdf,
}

/// The layouts of `appeal::pdf::LAYOUTS`, by name.
#[derive(Clone, Copy, clap::ValueEnum)]
enum LayoutName {
    DinB,
    DinA,
    Us10,
}

impl LayoutName {
    fn name(self) -> &'static str {
        match self {
            LayoutName::DinB => "din-b",
            LayoutName::DinA => "din-a",
            LayoutName::Us10 => "us10",
        }
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.combine && args.format != Format::Pdf {
        eprintln!("error: --combine makes a PDF print pack (hint: add --format pdf)");
        return Ok(ExitCode::from(2));
    }
    let layout = match args.layout {
        Some(name) => Layout::named(name.name()).map_err(anyhow::Error::msg)?,
        None => Layout::for_paper(args.paper),
    };
    if layout.paper != args.paper {
        eprintln!(
            "error: layout `{}` is for {:?} paper, not {:?} (hint: drop --paper or --layout)",
            layout.name, layout.paper, args.paper
        );
        return Ok(ExitCode::from(2));
    }
    let supporters = if let Some(path) = args.supporters.clone() {
        Supporters::Csv {
            path,
            initials: args.initials,
        }
    } else if let Some(name) = args.name.clone() {
        let input = SupporterInput {
            name,
            address: args.address.clone(),
            postcode: args.postcode.clone().unwrap_or_default(),
            city: args.city.clone().unwrap_or_default(),
            country: args
                .country
                .map(|c| c.code().to_string())
                .unwrap_or_default(),
            email: args.email.clone().unwrap_or_default(),
            lang: args.lang.first().map(|l| l.to_string()).unwrap_or_default(),
            initials: args.initials,
            extra: Default::default(),
        };
        match input.check() {
            Ok(s) => Supporters::One(Box::new(s)),
            Err(e) => {
                eprintln!(
                    "error: --{}: {} (hint: fix the flag's value)",
                    e.field, e.message
                );
                return Ok(ExitCode::from(2));
            }
        }
    } else {
        Supporters::Blank {
            country: args.country,
        }
    };
    let job = LettersJob {
        campaign: args.campaign.clone(),
        recipients: args.recipients.clone(),
        templates: args.templates.clone(),
        langs: args.lang.clone(),
        date: args.date.unwrap_or_else(super::today),
        today: super::today(),
        supporters,
    };
    let mut output: Box<dyn Output> = match args.format {
        Format::Txt => Box::new(TextOutput::new(args.out.clone(), args.force)),
        Format::Pdf => {
            let fonts = FontChain::new(&args.font).map_err(anyhow::Error::msg)?;
            let options = PdfOptions {
                layout,
                allow_overflow: args.allow_overflow,
                allow_missing_glyphs: args.allow_missing_glyphs,
            };
            let pdf = PdfOutput::new(args.out.clone(), args.force, options, fonts);
            Box::new(if args.combine { pdf.combined() } else { pdf })
        }
    };
    let summary = run::letters(&job, output.as_mut())?;
    for w in &summary.warnings {
        eprintln!("{w}");
    }
    for n in &summary.notes {
        eprintln!("note: {n}");
    }
    for (what, count) in &summary.skipped {
        let whom = match &job.supporters {
            Supporters::Blank { .. } => "the blank letters".to_string(),
            _ => format!("{count} supporter(s)"),
        };
        eprintln!("note: skipped {what} (for {whom})");
    }
    for f in &summary.failed {
        eprintln!("error: {f}");
    }
    for r in &summary.failed_rows {
        eprintln!("error: {r}");
    }
    let mut line = match &summary.collected {
        Some(pack) => format!(
            "{} letter(s) in the print pack {}",
            summary.written,
            pack.path().display()
        ),
        None => format!(
            "{} letter(s) written to {}",
            summary.written,
            args.out.display()
        ),
    };
    if summary.unchanged > 0 {
        line.push_str(&format!(", {} already there unchanged", summary.unchanged));
    }
    if summary.replaced > 0 {
        line.push_str(&format!(", {} replaced", summary.replaced));
    }
    if !summary.failed.is_empty() {
        line.push_str(&format!(", {} failed", summary.failed.len()));
    }
    if !summary.failed_rows.is_empty() {
        line.push_str(&format!(
            ", {} supporter row(s) failed",
            summary.failed_rows.len()
        ));
    }
    println!("{line}");
    if summary.written + summary.unchanged + summary.replaced == 0 && summary.ok() {
        eprintln!(
            "error: no letters were produced (hint: see the notes above; an addressee may depend on --country)"
        );
        return Ok(ExitCode::from(super::EXIT_FAILED));
    }
    Ok(if summary.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(super::EXIT_FAILED)
    })
}
