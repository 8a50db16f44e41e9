//! `appeal schema`: the JSON Schema of a campaign or a recipient directory file, for editors.

use std::process::ExitCode;

/// Print the JSON Schema of a campaign file or a recipient directory file (for editor completion
/// and inline errors).
#[derive(clap::Args)]
pub struct Args {
    /// Which file format.
    #[arg(value_enum)]
    kind: Kind,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Kind {
    Campaign,
    Recipients,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let schema = match args.kind {
        Kind::Campaign => appeal::model::campaign::schema(),
        Kind::Recipients => appeal::model::directory::schema(),
    };
    let text = serde_json::to_string_pretty(&schema)?;
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")?;
    Ok(ExitCode::SUCCESS)
}
