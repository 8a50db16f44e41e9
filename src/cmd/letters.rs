//! `appeal letters`: render a campaign's letters for one supporter, a CSV of supporters, or none.

use std::path::PathBuf;
use std::process::ExitCode;

use appeal::batch::output::{TextOutput, Written};
use appeal::batch::pdf::PdfOutput;
use appeal::batch::run;

/// Write the letters of a campaign, one file per (supporter, recipient, language).
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    run: super::RunArgs,
    /// Output format: plain text, or PDF for a window envelope or a fax.
    #[arg(long, value_enum, default_value = "txt")]
    format: Format,
    #[command(flatten)]
    pdf: super::PdfArgs,
    /// PDF: one print pack (OUT/<campaign>/print-pack.pdf) with every letter of the run, each
    /// from a new page, instead of a file per letter.
    #[arg(long)]
    combine: bool,
    /// With --combine, for a printer that prints on both sides: a blank page after each letter
    /// of an odd number of pages, so every letter starts on a front side.
    #[arg(long)]
    duplex: bool,
    /// Output folder.
    #[arg(long, value_name = "DIR", default_value = "letters")]
    out: PathBuf,
    /// Replace letters that already exist with different content.
    #[arg(long)]
    force: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Txt,
    Pdf,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.combine && args.format != Format::Pdf {
        eprintln!("error: --combine makes a PDF print pack (hint: add --format pdf)");
        return Ok(ExitCode::from(2));
    }
    if args.duplex && !args.combine {
        eprintln!(
            "error: --duplex adds blank backs between the letters of a print pack (hint: add --combine)"
        );
        return Ok(ExitCode::from(2));
    }
    let Some((job, bar)) = args.run.job(&args.out) else {
        return Ok(ExitCode::from(2));
    };
    super::check_output_folder(&args.out)?;
    let summary = match args.format {
        Format::Txt => run::letters(&job, &mut TextOutput::new(args.out.clone(), args.force))?,
        Format::Pdf => {
            let Some((options, fonts)) = args.pdf.options()? else {
                return Ok(ExitCode::from(2));
            };
            let mut pdf = PdfOutput::new(args.out.clone(), args.force, options, fonts);
            if args.combine {
                pdf = pdf.combined();
            }
            if args.duplex {
                pdf = pdf.duplex();
            }
            run::letters(&job, &mut pdf)?
        }
    };
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    super::print_notes(&summary, &job.supporters, args.run.report);
    let mut line = match &summary.collected {
        Some(pack) => format!(
            "{} letter(s) in the print pack {}{}",
            summary.written,
            pack.path().display(),
            match pack {
                Written::New(_) => "",
                Written::Unchanged(_) => " (already there, unchanged)",
                Written::Replaced(_) => " (replaced)",
            }
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
    Ok(super::finish(
        &summary,
        &job.supporters,
        line,
        summary.written + summary.unchanged + summary.replaced,
        "no letters were produced (hint: see the notes above; an addressee may depend on --country)",
        args.run.report,
    ))
}
