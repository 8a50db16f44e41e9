//! `appeal deadlines`: every campaign's deadline, soonest first, with the time left and what to
//! do with it; `--ics` for a calendar.

use std::path::PathBuf;
use std::process::ExitCode;

use appeal::batch::output::{Written, write_file};
use appeal::coord::deadlines::{self, Deadline, State};
use appeal::model::diag::{Diagnostic, Diagnostics, Pos};
use appeal::model::lang::Lang;
use appeal::model::project::Project;
use appeal::model::project::find_files;

/// List the campaigns' deadlines, soonest first, with days left, state, targets and advice.
#[derive(clap::Args)]
pub struct Args {
    /// Campaign files (default: every file in campaigns/).
    campaigns: Vec<PathBuf>,
    /// Only open actions whose deadline is this close: days (`14d`, `14`) or weeks (`2w`).
    #[arg(long, value_name = "DURATION", value_parser = deadlines::parse_within)]
    within: Option<i64>,
    /// Also write the open actions' deadlines as an iCalendar file (RFC 5545), each with a
    /// reminder before it.
    #[arg(long, value_name = "FILE")]
    ics: Option<PathBuf>,
    /// Days before a deadline that the calendar reminds you.
    #[arg(long, value_name = "DAYS", default_value_t = 3)]
    remind: u32,
    /// Titles in this language when a campaign has it (default: English, else the campaign's
    /// first language).
    #[arg(long, value_name = "LANG", value_parser = super::parse_lang)]
    lang: Option<Lang>,
    /// As of this date instead of today.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::parse_date)]
    date: Option<chrono::NaiveDate>,
    /// The country the letters are posted in (ISO 3166 alpha-2: DE, FR): the advice then knows
    /// how long a posted letter takes to each target (a week within Europe, two weeks or more
    /// between continents). Without it, the slower case is assumed.
    #[arg(long, value_name = "CC", value_parser = super::parse_country)]
    from: Option<appeal::model::country::Country>,
    /// Print the list as JSON.
    #[arg(long)]
    json: bool,
    /// The recipient directory (default: recipients/ beside the campaign or its folder).
    #[arg(long, value_name = "DIR")]
    recipients: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let today = args.date.unwrap_or_else(super::today);
    let mut problems = Diagnostics::default();
    let (mut lines, unreadable) = load_lines(&args, today, &mut problems);
    deadlines::sort(&mut lines);
    if let Some(days) = args.within {
        lines.retain(|d| d.state == State::Open && d.days_left <= days);
    }
    for d in problems.into_sorted() {
        eprintln!("{d}");
    }
    if args.json {
        print_json(&lines, today);
    } else {
        print_table(&lines, today, args.within);
    }
    if let Some(path) = &args.ics {
        write_calendar(&lines, path, today, args.remind)?;
    }
    // A campaign that cannot be read is missing from the list: say so in the status.
    Ok(if unreadable > 0 {
        ExitCode::from(super::EXIT_FAILED)
    } else {
        ExitCode::SUCCESS
    })
}

/// Each campaign's deadline as of `today`, and how many campaigns could not be read (their
/// problems go to `problems`).
fn load_lines(
    args: &Args,
    today: chrono::NaiveDate,
    problems: &mut Diagnostics,
) -> (Vec<Deadline>, usize) {
    let files = find_files(&args.campaigns, problems);
    let mut lines = Vec::new();
    let mut unreadable = 0;
    for file in &files {
        let project = match Project::locate(file, args.recipients.as_deref(), None) {
            Ok(p) => p,
            Err(e) => {
                problems.push(Diagnostic::error(file, Pos::default(), "", e.to_string()));
                unreadable += 1;
                continue;
            }
        };
        let mut diags = Diagnostics::default();
        match project.load_campaign(file, Some(today), &mut diags) {
            Some((campaign, directory)) => lines.push(Deadline::of(
                &campaign,
                &directory,
                today,
                args.lang.as_ref(),
                args.from,
            )),
            None => {
                unreadable += 1;
                problems.extend(diags.into_sorted().into_iter().filter(Diagnostic::is_error));
            }
        }
    }
    (lines, unreadable)
}

/// `--json`: the list as one object.
fn print_json(lines: &[Deadline], today: chrono::NaiveDate) {
    let list: Vec<serde_json::Value> = lines
        .iter()
        .map(|d| {
            serde_json::json!({
                "id": d.id,
                "title": d.title,
                "reference": d.reference,
                "deadline": d.deadline.to_string(),
                "days_left": d.days_left,
                "state": d.state.name(),
                "targets": d.targets,
                "advice": d.advice(),
                // The days a posted letter takes to the farthest target, and where it is.
                "post_days": d.post.map(|(p, _)| p.days),
                "post_to": d.post.map(|(_, to)| to.code().to_string()),
                "file": d.file,
            })
        })
        .collect();
    println!(
        "{}",
        serde_json::json!({ "today": today.to_string(), "campaigns": list })
    );
}

/// The list for a person: a line per campaign and its advice under it.
fn print_table(lines: &[Deadline], today: chrono::NaiveDate, within: Option<i64>) {
    if lines.is_empty() {
        println!(
            "no campaigns{}",
            match within {
                Some(days) => format!(" with an open deadline within {days} days of {today}"),
                None => String::new(),
            }
        );
        return;
    }
    println!("as of {today}:");
    for d in lines {
        println!(
            "{}  {:<15} {:<7} {} target(s)  {}  {}{}",
            d.deadline,
            d.when(),
            d.state.name(),
            d.targets,
            d.id,
            d.title,
            if d.reference.is_empty() {
                String::new()
            } else {
                format!(" ({})", d.reference)
            }
        );
        println!("            {}", d.advice());
    }
}

/// `--ics FILE`: the calendar of the open deadlines (ended ones as cancelled events).
fn write_calendar(
    lines: &[Deadline],
    path: &std::path::Path,
    today: chrono::NaiveDate,
    remind: u32,
) -> anyhow::Result<()> {
    for d in lines {
        match d.state {
            State::Passed => eprintln!(
                "warning: {}: left out of {}: {} (no deadline to keep)",
                d.id,
                path.display(),
                d.advice()
            ),
            State::Ended => eprintln!(
                "note: {}: in {} as a cancelled event: {}",
                d.id,
                path.display(),
                d.advice()
            ),
            State::Open => {}
        }
    }
    // Stamped with the day it is made as of, so the same day gives the same file.
    let stamp = today.and_time(chrono::NaiveTime::MIN).and_utc();
    let ics = deadlines::ics(lines, stamp, remind);
    let path = super::here_if_bare(path);
    let events = lines.iter().filter(|d| d.state == State::Open).count();
    // An export the user named: replaced whole (atomically) each time, as `outbox --csv` is.
    match write_file(&path, ics.as_bytes(), true).map_err(anyhow::Error::msg)? {
        Written::New(p) | Written::Replaced(p) | Written::Unchanged(p) => {
            eprintln!("wrote {} ({events} deadline(s))", p.display());
        }
    }
    Ok(())
}
