//! Subcommands, and what they share: exit codes, value parsers for flags, error printing.

pub mod check;
pub mod deadlines;
pub mod docs;
pub mod guide;
pub mod letters;
pub mod new;
pub mod outbox;
pub mod queue;
pub mod schema;
pub mod send;
pub mod serve;
pub mod sheet;

use std::path::PathBuf;
use std::process::ExitCode;

use appeal::batch::run::{Shard, Summary, Supporters};
use appeal::model::country::Country;
use appeal::model::diag::{Invalid, echo};
use appeal::model::lang::Lang;
use appeal::model::supporter::SupporterInput;
use appeal::pdf::{FontChain, Layout, Paper, PdfOptions};

/// Exit status: something failed (invalid campaign, a letter or a row that could not be produced).
pub const EXIT_FAILED: u8 = 1;
// 2 (usage error) is clap's own status for a bad command line, and ours for a bad flag value.

/// `--date YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("`{s}` is not a date as YYYY-MM-DD, e.g. 2011-05-03"))
}

/// `--lang ru`.
pub fn parse_lang(s: &str) -> Result<Lang, String> {
    Lang::parse(s).ok_or_else(|| format!("`{s}` is not a language tag; use e.g. en, ru, fr-CA"))
}

/// `--country DE`.
pub fn parse_country(s: &str) -> Result<Country, String> {
    Country::parse(s).ok_or_else(|| {
        format!("`{s}` is not an ISO 3166-1 alpha-2 country code; use e.g. DE, FR, NO")
    })
}

/// The text of an error for the terminal: each problem of an invalid file on its own line,
/// otherwise the whole cause chain once.
pub fn error_text(e: &anyhow::Error) -> String {
    let invalid = e
        .downcast_ref::<Invalid>()
        .or_else(|| match e.downcast_ref() {
            Some(appeal::batch::Error::Invalid(invalid)) => Some(invalid),
            _ => None,
        });
    match invalid {
        Some(invalid) => invalid.to_string(),
        // One line: whatever the error quotes from a file is shown escaped.
        None => format!("error: {}", appeal::model::diag::echo(&format!("{e:#}"))),
    }
}

/// What every run over a campaign's letters takes: the campaign, languages, who signs, how it
/// reports, the date, and where the directory and templates are.
#[derive(clap::Args)]
pub struct RunArgs {
    /// The campaign file (e.g. campaigns/juraev-2011.yaml).
    pub campaign: PathBuf,
    /// Letter language; repeat for several. Default: the supporter's, else the campaign's first.
    #[arg(long, value_name = "LANG", value_parser = parse_lang)]
    pub lang: Vec<Lang>,
    /// The letters' date (default: today), so output can be reproduced byte for byte.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub date: Option<chrono::NaiveDate>,
    #[command(flatten)]
    pub supporter: SupporterArgs,
    #[command(flatten)]
    pub report: ReportArgs,
    /// The recipient directory (default: recipients/ beside the campaign or its folder).
    #[arg(long, value_name = "DIR")]
    pub recipients: Option<PathBuf>,
    /// A template folder that overrides the built-in templates file by file.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
}

impl RunArgs {
    /// The job, its failed rows going into `folder`, and the progress bar to clear when it
    /// ends; `None` after printing the error of a bad flag value (exit 2).
    pub fn job(
        &self,
        folder: &std::path::Path,
    ) -> Option<(
        appeal::batch::run::LettersJob,
        Option<indicatif::ProgressBar>,
    )> {
        let supporters = self.supporter.supporters(&self.lang)?;
        let (bar, progress) = self.report.progress(&supporters);
        let job = appeal::batch::run::LettersJob {
            campaign: self.campaign.clone(),
            recipients: self.recipients.clone(),
            templates: self.templates.clone(),
            langs: self.lang.clone(),
            date: self.date.unwrap_or_else(today),
            today: today(),
            supporters,
            failed_csv: self.supporter.failed_csv(folder),
            jobs: self.report.threads(),
            progress,
        };
        Some((job, bar))
    }
}

/// How a batch reports: the summary line, JSON, or nothing but errors.
#[derive(clap::Args, Clone, Copy)]
pub struct ReportArgs {
    /// Print nothing but errors.
    #[arg(long)]
    pub quiet: bool,
    /// Print the summary as one JSON object on standard output (errors stay on standard error).
    #[arg(long, conflicts_with = "quiet")]
    pub json: bool,
    /// Threads that render letters (default: one per core). The output is the same for any number.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
}

impl ReportArgs {
    /// A progress bar on standard error while a supporters file is read, when that is a
    /// terminal and neither --quiet nor --json was asked for; `None` otherwise. The bar is
    /// returned to be cleared when the run ends.
    #[allow(clippy::type_complexity)]
    pub fn progress(
        &self,
        supporters: &Supporters,
    ) -> (
        Option<indicatif::ProgressBar>,
        Option<Box<dyn Fn(u64, usize) + Sync>>,
    ) {
        use std::io::IsTerminal;
        let Supporters::Csv { path, .. } = supporters else {
            return (None, None);
        };
        if self.quiet || self.json || !std::io::stderr().is_terminal() {
            return (None, None);
        }
        let Ok(len) = std::fs::metadata(path).map(|m| m.len()) else {
            return (None, None);
        };
        let style = indicatif::ProgressStyle::with_template(
            "{bar:30} {percent:>3}% {msg} letters, {elapsed} gone, {eta} left",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
        let bar = indicatif::ProgressBar::new(len).with_style(style);
        let shown = bar.clone();
        let update = move |bytes: u64, letters: usize| {
            shown.set_position(bytes);
            shown.set_message(letters.to_string());
        };
        (Some(bar), Some(Box::new(update)))
    }

    /// The number of threads to render with.
    pub fn threads(&self) -> usize {
        self.jobs.map_or_else(
            || std::thread::available_parallelism().map_or(1, |n| n.get()),
            usize::from,
        )
    }
}

/// Prints a run's warnings, notes, skipped addressees and failures to standard error (only the
/// failures under --quiet).
pub fn print_notes(summary: &Summary, supporters: &Supporters, report: ReportArgs) {
    for w in summary.warnings.iter().filter(|_| !report.quiet) {
        eprintln!("{w}");
    }
    for n in summary.notes.iter().filter(|_| !report.quiet) {
        eprintln!("note: {}", echo(n));
    }
    for (what, count) in summary.skipped.iter().filter(|_| !report.quiet) {
        let whom = match supporters {
            Supporters::Blank { .. } => "the blank letters".to_string(),
            _ => format!("{count} supporter(s)"),
        };
        eprintln!("note: skipped {what} (for {whom})");
    }
    // A row's values are quoted in its errors: escaped, so a name cannot drive the terminal.
    for f in &summary.failed {
        eprintln!("error: {}", echo(f));
    }
    for r in &summary.failed_rows {
        eprintln!("error: {}", echo(r));
    }
}

/// Ends a run's summary line with its failures, prints it, and gives the exit status: 1 when a
/// letter or row failed, or when nothing at all was produced (`nothing`: the error saying why).
pub fn finish(
    summary: &Summary,
    supporters: &appeal::batch::run::Supporters,
    mut line: String,
    produced: usize,
    nothing: &str,
    report: ReportArgs,
) -> ExitCode {
    if !summary.failed.is_empty() {
        line.push_str(&format!(", {} failed", summary.failed.len()));
    }
    if !summary.failed_rows.is_empty() {
        line.push_str(&format!(
            ", {} supporter row(s) failed",
            summary.failed_rows.len()
        ));
    }
    let rows = summary.rows;
    if rows.partly + rows.failed > 0 {
        line.push_str(&format!(
            "; supporters' rows: {} done, {} partly done, {} failed",
            rows.done, rows.partly, rows.failed
        ));
    }
    if let Some((path, n)) = &summary.failed_csv {
        line.push_str(&format!(
            "; {n} row(s) to fix and run again in {}",
            path.display()
        ));
    }
    if report.json {
        println!(
            "{}",
            serde_json::json!({
                "written": summary.written,
                "unchanged": summary.unchanged,
                "replaced": summary.replaced,
                "failed": summary.failed.len(),
                "failed_rows": summary.failed_rows.len(),
                "failed_csv": summary.failed_csv.as_ref().map(|(p, _)| p),
                "rows": summary.rows,
                "skipped": summary.skipped,
                "ok": summary.ok(),
                // Each failure, as the terminal shows it: which letter or row, and why.
                "failures": summary.failed,
                "row_failures": summary.failed_rows,
                "notes": summary.notes,
                "warnings": summary.warnings,
            })
        );
    } else if !report.quiet {
        println!("{line}");
    }
    if produced == 0 && summary.ok() {
        match supporters {
            // Nothing was read: the notes above (if any) are not why.
            appeal::batch::run::Supporters::Csv {
                path, shard: None, ..
            } if summary.rows == Default::default() && summary.failed_rows.is_empty() => {
                eprintln!(
                    "error: {}: no supporter rows under the header row (hint: one row per supporter, under the row that names the columns)",
                    path.display()
                );
            }
            _ => eprintln!("error: {nothing}"),
        }
        return ExitCode::from(EXIT_FAILED);
    }
    if summary.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILED)
    }
}

/// Refuses an output folder no letter could be written to, once, before any letter is made
/// (rather than one error per letter): a file where the folder goes, or a folder (or, when it is
/// still to be made, the nearest folder above it) this user cannot write in. Nothing is created.
pub fn check_output_folder(out: &std::path::Path) -> anyhow::Result<()> {
    let hint = "hint: choose a folder you can write to with --out";
    let mut at = out;
    loop {
        match at.metadata() {
            Ok(meta) if !meta.is_dir() => anyhow::bail!(
                "--out {}: {} is a file, not a folder ({hint})",
                out.display(),
                at.display()
            ),
            Ok(_) => break,
            Err(_) => match at.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => at = parent,
                _ => return Ok(()),
            },
        }
    }
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{Access, access};
        if let Err(e) = access(at, Access::WRITE_OK | Access::EXEC_OK) {
            anyhow::bail!(
                "--out {}: cannot write in {}: {} ({hint})",
                out.display(),
                at.display(),
                std::io::Error::from(e)
            );
        }
    }
    Ok(())
}

/// A file the user named without a folder (`--out sheet.pdf`) as `./sheet.pdf`: written in the
/// current folder, and said so in messages.
pub fn here_if_bare(path: &std::path::Path) -> PathBuf {
    if path.parent().is_some_and(|p| p.as_os_str().is_empty()) {
        PathBuf::from(".").join(path)
    } else {
        path.to_path_buf()
    }
}

pub fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

/// Who signs: one supporter from flags, a CSV of supporters, or nobody (blank letters).
#[derive(clap::Args)]
pub struct SupporterArgs {
    /// Supporters from a CSV file with a header row: name,address,postcode,city,region,country,email,lang,note
    /// (extra columns are available to templates). `-` reads standard input. Separated by `,`,
    /// `;` or tab. Rows that fail are written with an `error` column to OUT/<file>.failed.csv.
    #[arg(long, value_name = "FILE.csv", conflicts_with_all = ["name", "address", "postcode", "city", "region", "country", "email", "note"])]
    pub supporters: Option<PathBuf>,
    /// Only part K of N of the supporters (e.g. 2/4), to spread a batch over processes or
    /// machines; the parts together give exactly the whole.
    #[arg(long, value_name = "K/N", requires = "supporters", value_parser = Shard::parse)]
    pub shard: Option<Shard>,
    /// The supporter's name (without it, letters carry blank lines to sign by hand).
    #[arg(long)]
    pub name: Option<String>,
    /// A line of the supporter's street address; repeat for several lines.
    #[arg(long, value_name = "LINE", requires = "name")]
    pub address: Vec<String>,
    #[arg(long, requires = "name")]
    pub postcode: Option<String>,
    #[arg(long, requires = "name")]
    pub city: Option<String>,
    /// The supporter's state, province or oblast (IL or Illinois), where her country's post
    /// asks for one (US, CA, AU, IT, ES, RU ...).
    #[arg(long, requires = "name")]
    pub region: Option<String>,
    /// The supporter's country, ISO 3166 alpha-2 (DE, FR, NO): chooses the embassy and government letters go to.
    #[arg(long, value_parser = parse_country)]
    pub country: Option<Country>,
    #[arg(long, requires = "name")]
    pub email: Option<String>,
    /// A paragraph in the supporter's own words, set in the letter as written (the `note`
    /// column of a supporters file).
    #[arg(long, requires = "name", value_name = "TEXT")]
    pub note: Option<String>,
    /// Sign with initials only (advised for supporters with ties to the target country).
    #[arg(long)]
    pub initials: bool,
}

impl SupporterArgs {
    /// Where the failed rows of the supporters file go: `folder/<file stem>.failed.csv`.
    pub fn failed_csv(&self, folder: &std::path::Path) -> Option<PathBuf> {
        let path = self.supporters.as_ref()?;
        let stem = match path.file_stem().and_then(|s| s.to_str()) {
            Some(s) if path.as_os_str() != "-" => appeal::model::slug::slugify(s, "supporters"),
            _ => "stdin".to_string(),
        };
        Some(folder.join(format!("{stem}.failed.csv")))
    }

    /// The supporters of a run; `None` after printing the error of a bad flag value (exit 2).
    /// The first of `langs` is the supporter's language.
    pub fn supporters(&self, langs: &[Lang]) -> Option<Supporters> {
        if let Some(path) = self.supporters.clone() {
            return Some(Supporters::Csv {
                path,
                initials: self.initials,
                shard: self.shard,
            });
        }
        let Some(name) = self.name.clone() else {
            return Some(Supporters::Blank {
                country: self.country,
            });
        };
        let input = SupporterInput {
            name,
            address: self.address.clone(),
            postcode: self.postcode.clone().unwrap_or_default(),
            city: self.city.clone().unwrap_or_default(),
            region: self.region.clone().unwrap_or_default(),
            country: self
                .country
                .map(|c| c.code().to_string())
                .unwrap_or_default(),
            email: self.email.clone().unwrap_or_default(),
            lang: langs.first().map(|l| l.to_string()).unwrap_or_default(),
            note: self.note.clone().unwrap_or_default(),
            initials: self.initials,
            extra: Default::default(),
        };
        match input.check_complete() {
            Ok(s) => Some(Supporters::One(Box::new(s))),
            Err(e) => {
                eprintln!(
                    "error: --{}: {} (hint: fix the flag's value)",
                    e.field, e.message
                );
                None
            }
        }
    }
}

/// How PDF letters are laid out and drawn.
#[derive(clap::Args)]
pub struct PdfArgs {
    /// PDF paper size.
    #[arg(long, value_enum, default_value = "a4")]
    pub paper: PaperArg,
    /// PDF page layout (default: din-b on A4, us10 on Letter).
    #[arg(long, value_enum)]
    pub layout: Option<LayoutName>,
    /// PDF: warn instead of failing when an address has more lines than the window holds.
    #[arg(long)]
    pub allow_overflow: bool,
    /// PDF: warn instead of failing when no font can draw a character (it prints as a box).
    #[arg(long)]
    pub allow_missing_glyphs: bool,
    /// PDF: a font to draw characters DejaVu Sans lacks (CJK, Devanagari ...); repeat for several,
    /// in order of preference. Fonts found through fontconfig come after these. For a collection
    /// (.ttc), FILE#INDEX names its face; without an index each letter draws with the face of its
    /// language (SC, TC, JP or KR).
    #[arg(long, value_name = "FILE[#INDEX]")]
    pub font: Vec<PathBuf>,
    /// PDF: write PDF/A-2b for archives (XMP identification, sRGB output intent).
    #[arg(long)]
    pub pdfa: bool,
}

impl PdfArgs {
    /// The layout options and the font chain; `None` after printing the error of flags that do
    /// not go together (exit 2).
    pub fn options(&self) -> anyhow::Result<Option<(PdfOptions, FontChain)>> {
        let paper = Paper::from(self.paper);
        let layout = match self.layout {
            Some(name) => Layout::named(name.name())?,
            None => Layout::for_paper(paper),
        };
        if layout.paper != paper {
            eprintln!(
                "error: layout `{}` is for {:?} paper, not {paper:?} (hint: drop --paper or --layout)",
                layout.name, layout.paper
            );
            return Ok(None);
        }
        let fonts = FontChain::new(&self.font)?;
        let options = PdfOptions {
            layout,
            allow_overflow: self.allow_overflow,
            allow_missing_glyphs: self.allow_missing_glyphs,
            pdfa: self.pdfa,
        };
        Ok(Some((options, fonts)))
    }
}

/// The layouts of `appeal::pdf::LAYOUTS`, by name.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum LayoutName {
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

/// The paper sizes of `appeal::pdf::Paper`, as `--paper` spells them.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum PaperArg {
    A4,
    Letter,
}

impl From<PaperArg> for Paper {
    fn from(paper: PaperArg) -> Paper {
        match paper {
            PaperArg::A4 => Paper::A4,
            PaperArg::Letter => Paper::Letter,
        }
    }
}
