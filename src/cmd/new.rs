//! `appeal new SLUG`: writes the skeleton of a new campaign, every field explained in place, for
//! a coordinator to fill in. As written, `check` refuses it: each blank is an error naming its
//! line, so no letter can go out with a hole in it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use appeal::batch::output::write_file;
use appeal::model::project::{LocateError, Project};
use appeal::model::slug::{is_slug, slugify};

/// The skeleton, built into the binary so that `appeal new` works from any folder. It is a file
/// of its own, not a string literal here, so that it can be read and edited as the YAML a
/// coordinator gets; it sits beside this command, not in `templates/`, because that folder holds
/// letter templates that users override file by file, and the skeleton is not one of them.
/// Placeholders: `{slug}`, `{issued}`, `{deadline}`.
const SKELETON: &str = include_str!("new.yaml");

/// The skeleton's deadline, counted from the issue date: six weeks, a starting point that the
/// file marks to be set from the sheet.
const DEADLINE_AFTER_DAYS: u64 = 42;

/// Write a commented skeleton of a new campaign, to fill in and then check.
#[derive(clap::Args)]
pub struct Args {
    /// The campaign's id: lowercase letters, digits and '-' (e.g. juraev-2011). The file is
    /// DIR/SLUG.yaml.
    #[arg(value_name = "SLUG", value_parser = parse_slug)]
    slug: String,
    /// Replace the file if it exists (what it holds is lost).
    #[arg(long)]
    force: bool,
    /// The folder to write the campaign in (created if missing).
    #[arg(long, value_name = "DIR", default_value = "campaigns")]
    campaigns: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let path = args.campaigns.join(format!("{}.yaml", args.slug));
    let failed = |message: String| {
        eprintln!("error: {message}");
        Ok(ExitCode::from(super::EXIT_FAILED))
    };
    // A coordinator's half-filled campaign is never replaced by a blank one without being asked.
    if !args.force && std::fs::symlink_metadata(&path).is_ok() {
        return failed(format!(
            "{}: already exists; not overwritten (hint: edit it, choose another id, or pass --force to replace it with a new skeleton)",
            path.display()
        ));
    }
    if let Err(e) = std::fs::create_dir_all(&args.campaigns) {
        return failed(format!(
            "{}: cannot create the folder: {e} (hint: check the path, or pass --campaigns DIR)",
            args.campaigns.display()
        ));
    }
    let text = skeleton(&args.slug, super::today());
    // Written beside under a temporary name and moved into place: never half a file, and a
    // file that appears meanwhile is not clobbered without --force.
    if let Err(e) = write_file(&path, text.as_bytes(), args.force) {
        return failed(e.to_string());
    }
    let shown = path.display();
    println!("wrote {shown}");
    println!("next: fill the blanks (each \"\" not behind a #), then: appeal check {shown}");
    // `check` reads the recipient directory beside the campaign: say so now if there is none.
    if matches!(
        Project::locate(&path, None, None),
        Err(LocateError::NoRecipients { .. })
    ) {
        eprintln!(
            "note: no recipients/ folder beside {} or in the current folder; `appeal check` needs one for the targets (hint: see `appeal guide recipients`, or pass --recipients DIR to check)",
            args.campaigns.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The skeleton for campaign `slug`, issued on `issued`, with the starting-point deadline.
pub fn skeleton(slug: &str, issued: chrono::NaiveDate) -> String {
    let deadline = issued
        .checked_add_days(chrono::Days::new(DEADLINE_AFTER_DAYS))
        .unwrap_or(issued);
    SKELETON
        .replace("{slug}", slug)
        .replace("{issued}", &issued.to_string())
        .replace("{deadline}", &deadline.to_string())
}

/// `SLUG`: a campaign id as `check` accepts it, which is also the file's name. A bad one is a
/// usage error (exit 2) with a corrected suggestion when one can be made.
fn parse_slug(s: &str) -> Result<String, String> {
    if is_slug(s) {
        return Ok(s.to_string());
    }
    let stem = Path::new(s)
        .file_stem()
        .filter(|_| s.ends_with(".yaml") || s.ends_with(".yml"))
        .and_then(|f| f.to_str())
        .unwrap_or(s);
    let suggestion = slugify(stem, "");
    let example = if is_slug(&suggestion) {
        suggestion
    } else {
        "juraev-2011".to_string()
    };
    Err(format!(
        "`{s}` is not a campaign id (hint: use lowercase letters, digits and '-', e.g. {example}; the file is named after it)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use appeal::model::campaign::Campaign;
    use appeal::model::diag::Diagnostics;
    use appeal::model::directory::Directory;

    fn date(s: &str) -> chrono::NaiveDate {
        s.parse().expect("a date")
    }

    /// Switches on every optional field: deletes the `#` written right before a key or a list
    /// item (`#ua:`, `#- {en: ""}`), leaving comments (`# ...`) alone.
    fn switch_on_everything(text: &str) -> String {
        text.lines()
            .map(|line| {
                let indent = line.len() - line.trim_start().len();
                let rest = &line[indent..];
                match rest.strip_prefix('#') {
                    Some(yaml) if yaml.starts_with(|c: char| c != ' ' && c != '#') => {
                        format!("{}{yaml}\n", &line[..indent])
                    }
                    _ => format!("{line}\n"),
                }
            })
            .collect()
    }

    /// Fills every blank with a value from the Juraev action.
    fn fill(text: &str) -> String {
        text.replace("gender: \"\"", "gender: m")
            .replacen("recipient: \"\"", "recipient: ru-prosecutor-general", 1)
            .replace("recipient: \"\"", "recipient: ru-moscow-city-court")
            .replace("Latn: \"\"", "Latn: \"Nizomhon Juraev\"")
            .replace("ua: \"\"", "ua: \"UA 73/16\"")
            .replace("index: \"\"", "index: \"ASA 17/3726/2016\"")
            .replace("id: \"\"", "id: no-extradition")
            .replace("en: \"\"", "en: \"Nizomhon Juraev is at risk of torture.\"")
    }

    /// Loads `text` as `campaigns/demo-ua.yaml` against the shipped directory.
    fn load(text: &str) -> (Option<Campaign>, Vec<appeal::model::diag::Diagnostic>) {
        let dir = tempfile::tempdir().expect("temporary folder");
        let path = dir.path().join("demo-ua.yaml");
        std::fs::write(&path, text).expect("write the campaign");
        let mut diags = Diagnostics::default();
        let recipients = Path::new(env!("CARGO_MANIFEST_DIR")).join("recipients");
        let directory = Directory::load(&recipients, &mut diags);
        let campaign = Campaign::load(&path, &directory, &mut diags);
        (campaign, diags.into_sorted())
    }

    #[test]
    fn fills_in_the_id_and_the_dates() {
        let text = skeleton("demo-ua", date("2026-01-10"));
        assert!(text.contains("\nid: demo-ua\n"));
        assert!(text.contains("\nissued: 2026-01-10\n"));
        assert!(text.contains("\ndeadline: 2026-02-21\n"));
        assert!(!text.contains("{slug}") && !text.contains("{issued}"));
        assert!(text.contains("\n#updates:\n  #- date: 2026-01-10\n"));
    }

    #[test]
    fn is_refused_as_written_with_an_error_at_each_blank() {
        let text = skeleton("demo-ua", date("2026-01-10"));
        let (campaign, diags) = load(&text);
        assert!(campaign.is_none());
        let blank_lines: Vec<u64> = (1..)
            .zip(text.lines())
            .filter(|(_, l)| l.contains("\"\"") && !l.trim_start().starts_with('#'))
            .map(|(n, _)| n)
            .collect();
        let error_lines: Vec<u64> = diags
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.pos.line)
            .collect();
        assert_eq!(error_lines, blank_lines, "{diags:#?}");
    }

    #[test]
    fn every_field_parses_once_filled_in() {
        let text = fill(&switch_on_everything(&skeleton(
            "demo-ua",
            date("2026-01-10"),
        )));
        let blank = |l: &&str| l.contains("\"\"") && !l.trim_start().starts_with('#');
        assert_eq!(text.lines().find(blank), None, "a blank is left");
        let (campaign, diags) = load(&text);
        let errors: Vec<_> = diags.iter().filter(|d| d.is_error()).collect();
        assert!(errors.is_empty(), "{errors:#?}\n{text}");
        let c = campaign.expect("the filled skeleton loads");
        // The optional fields were switched on and read, not skipped.
        assert_eq!(c.reference(), "UA 73/16, ASA 17/3726/2016");
        assert_eq!(c.write_in.len(), 1);
        assert!(c.or_own_language);
        let p = &c.persons[0];
        assert!(p.nationality.is_some() && p.status.is_some() && p.held.is_some());
        assert!(c.additional_information.is_some() && c.late_note.is_some());
        assert_eq!(c.letter_variants.len(), 1);
        assert_eq!(c.asks[0].letter_variants.len(), 1);
        assert_eq!(c.targets.len(), 3);
        assert_eq!(c.copies.len(), 2);
        assert!(c.copies[0].note.is_some());
        assert_eq!(c.asks[0].id.as_deref(), Some("no-extradition"));
        assert_eq!(c.updates.len(), 1);
    }

    /// Every key the format has appears in the skeleton, so a field added to the format without
    /// its explanation here fails this test. The format's keys are the ones the strict parser
    /// lists when it meets an unknown one.
    #[test]
    fn explains_every_field_of_the_format() {
        let text = switch_on_everything(&skeleton("demo-ua", date("2026-01-10")));
        let places = [
            ("\nid: ", "\nzz_unknown: 1\nid: "),
            ("  - name:", "  - zz_unknown: 1\n    name:"),
            ("  - sheet:", "  - zz_unknown: 1\n    sheet:"),
            (
                "  - recipient: \"\"\n",
                "  - recipient: \"\"\n    zz_unknown: 1\n",
            ),
        ];
        for (at, with) in places {
            assert!(text.contains(at), "{at:?} is not in the skeleton");
            let (_, diags) = load(&text.replacen(at, with, 1));
            let message = diags
                .iter()
                .find_map(|d| d.message.split_once("expected one of "))
                .map(|(_, fields)| fields.to_string())
                .unwrap_or_else(|| panic!("no list of fields for {at:?}: {diags:#?}"));
            let fields: Vec<&str> = message
                .split(',')
                .map(|f| f.trim().trim_matches('`'))
                .collect();
            assert!(fields.len() > 2, "{message}");
            for field in fields {
                let key = format!("{field}:");
                assert!(
                    text.lines()
                        .any(|l| l.trim_start().trim_start_matches("- ").starts_with(&key)),
                    "the skeleton lacks `{field}` (the format's fields: {message})"
                );
            }
        }
    }

    #[test]
    fn suggests_an_id_for_a_bad_one() {
        assert_eq!(parse_slug("juraev-2011"), Ok("juraev-2011".to_string()));
        let e = parse_slug("Bad Slug").unwrap_err();
        assert!(e.contains("`Bad Slug` is not a campaign id"), "{e}");
        assert!(e.contains("e.g. bad-slug"), "{e}");
        assert!(
            parse_slug("juraev-2011.yaml")
                .unwrap_err()
                .contains("e.g. juraev-2011;")
        );
        assert!(
            parse_slug("Джураев")
                .unwrap_err()
                .contains("e.g. juraev-2011;")
        );
    }
}
