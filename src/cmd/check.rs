//! `appeal check`: report everything wrong with campaigns at once, before anything is printed or sent.

use std::path::PathBuf;
use std::process::ExitCode;

use appeal::batch::check::check_campaign;
use appeal::model::diag::{Diagnostic, Diagnostics, Pos};
use appeal::model::project::find_files;
use appeal::model::project::{Project, same_dir, settings_file};

/// Load, validate and render every letter of the campaigns; report all problems.
#[derive(clap::Args)]
pub struct Args {
    /// Campaign files (default: every file in campaigns/).
    campaigns: Vec<PathBuf>,
    /// Treat warnings as errors.
    #[arg(long)]
    strict: bool,
    /// Check as of this date instead of today (for the deadline warning).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::parse_date)]
    date: Option<chrono::NaiveDate>,
    /// The recipient directory (default: recipients/ beside the campaign or its folder).
    #[arg(long, value_name = "DIR")]
    recipients: Option<PathBuf>,
    /// A template folder that overrides the built-in templates file by file.
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let today = args.date.unwrap_or_else(super::today);
    let mut all = Diagnostics::default();
    let files = find_files(&args.campaigns, &mut all);
    let mut letters = 0;
    // Each id and the file that has it: two campaigns with one id would write into one letters
    // folder and share their outbox ids.
    let mut ids: std::collections::BTreeMap<String, PathBuf> = Default::default();
    for file in &files {
        match Project::locate(file, args.recipients.as_deref(), args.templates.as_deref()) {
            Ok(project) => {
                let checked = check_campaign(file, &project, today);
                letters += checked.letters;
                all.extend(checked.diags.into_sorted());
                if let Some((id, pos)) = checked.id {
                    if let Some(first) = ids.get(&id) {
                        all.push(
                            Diagnostic::error(file, pos, "id", format!("`{id}` is also the id of {}", first.display()))
                                .hint("give each campaign its own id: letters, sheets and outbox messages are filed by it"),
                        );
                    } else {
                        ids.insert(id, file.clone());
                    }
                }
            }
            Err(e) => all.push(Diagnostic::error(file, Pos::default(), "", e.to_string())),
        }
    }
    // The sending settings the campaigns would be queued with, each file once.
    let mut settings_files: Vec<PathBuf> = files.iter().filter_map(|f| settings_file(f)).collect();
    settings_files.sort();
    settings_files.dedup_by(|a, b| same_dir(a, b));
    for file in settings_files {
        if let Err(d) = appeal::mail::settings::Settings::load(&file) {
            all.push(d);
        }
    }
    let errors = all.error_count();
    let warnings = all.warning_count();
    for d in all.into_sorted() {
        eprintln!("{d}");
    }
    let failed = errors > 0 || (args.strict && warnings > 0);
    println!(
        "checked {} campaign(s), rendered {letters} letter(s): {errors} error(s), {warnings} warning(s){}",
        files.len(),
        if args.strict && warnings > 0 {
            " (--strict: warnings count as errors)"
        } else {
            ""
        }
    );
    Ok(if failed {
        ExitCode::from(super::EXIT_FAILED)
    } else {
        ExitCode::SUCCESS
    })
}
