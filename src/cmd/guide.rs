//! `appeal guide TOPIC`: the documentation pages a user needs while fixing a file, built into the
//! binary, so error hints can point at them from any folder (an installed binary has no
//! `docs/` beside it).

use std::process::ExitCode;

/// Print a page of the documentation: a file format, templates, PDF layouts, exit codes.
#[derive(clap::Args)]
pub struct Args {
    /// The page; without it, the list of pages.
    #[arg(value_enum)]
    topic: Option<Topic>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Topic {
    /// The campaign file (campaigns/<id>.yaml).
    Campaign,
    /// The recipient directory (recipients/*.yaml).
    Recipients,
    /// The supporters CSV file.
    Supporters,
    /// The sending settings (appeal.yaml).
    Settings,
    /// The outbox's folders and files.
    Outbox,
    /// Rules every YAML file follows.
    Yaml,
    /// Letter and sheet templates.
    Templates,
    /// PDF letters: paper, window layouts, fonts.
    Pdf,
    /// Every command and flag.
    Commands,
    /// Exit codes.
    ExitCodes,
}

/// Each page's text, from `docs/` at build time.
macro_rules! page {
    ($path:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/", $path))
    };
}

fn text(topic: Topic) -> &'static str {
    match topic {
        Topic::Campaign => page!("formats/campaign.md"),
        Topic::Recipients => page!("formats/recipients.md"),
        Topic::Supporters => page!("formats/supporters.md"),
        Topic::Settings => page!("formats/settings.md"),
        Topic::Outbox => page!("formats/outbox.md"),
        Topic::Yaml => page!("formats/yaml.md"),
        Topic::Templates => page!("templates.md"),
        Topic::Pdf => page!("pdf.md"),
        Topic::Commands => page!("commands.md"),
        Topic::ExitCodes => page!("exit-codes.md"),
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    use clap::ValueEnum;
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match args.topic {
        Some(topic) => out.write_all(text(topic).as_bytes())?,
        None => {
            writeln!(out, "appeal guide TOPIC prints a page; the topics:")?;
            for t in Topic::value_variants() {
                if let Some(v) = t.to_possible_value() {
                    writeln!(
                        out,
                        "  {:<12} {}",
                        v.get_name(),
                        v.get_help().map(ToString::to_string).unwrap_or_default()
                    )?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
