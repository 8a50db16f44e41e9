//! The `letters` job: load and check once, then render each (supporter, recipient, language) and
//! hand it to an output, going on past a bad row or a failed letter and counting both.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::campaign::Campaign;
use crate::country::Country;
use crate::diag::{Diagnostics, Invalid};
use crate::directory::{Directory, Recipient};
use crate::lang::Lang;
use crate::letter::{Renderer, plan};
use crate::output::{Addressed, Output, Written};
use crate::project::Project;
use crate::slug::slugify;
use crate::supporter::{Supporter, SupportersFile};
use crate::templates::Templates;

/// Who signs the letters of a run.
pub enum Supporters {
    /// Nobody: letters with blank lines to fill in by hand; the country, when given, chooses the
    /// embassy and government they go to.
    Blank {
        country: Option<Country>,
    },
    One(Box<Supporter>),
    Csv {
        path: PathBuf,
        initials: bool,
    },
}

/// Everything a `letters` run needs, already parsed from the command line.
pub struct LettersJob {
    pub campaign: PathBuf,
    pub recipients: Option<PathBuf>,
    pub templates: Option<PathBuf>,
    pub langs: Vec<Lang>,
    pub date: chrono::NaiveDate,
    /// Today, for the deadline warning (letters may be dated otherwise with --date).
    pub today: chrono::NaiveDate,
    pub supporters: Supporters,
}

/// What a run did, for the summary and the exit status.
#[derive(Debug, Default)]
pub struct Summary {
    pub written: usize,
    pub unchanged: usize,
    pub replaced: usize,
    /// One line per letter that could not be produced.
    pub failed: Vec<String>,
    /// One line per supporters-file row that could not be used.
    pub failed_rows: Vec<String>,
    /// Notes that need no action to be correct but should be seen (duplicate supporters).
    pub notes: Vec<String>,
    /// Addressees that could not be resolved ("copies[1]: the embassy ... depends on the
    /// supporter's country ..."), with how many supporters it concerned: one line for a whole
    /// batch, not one per row.
    pub skipped: std::collections::BTreeMap<String, usize>,
    /// The file an output that collects letters wrote at the end (a print pack).
    pub collected: Option<Written>,
    /// Warnings from loading (old directory entries, past deadline).
    pub warnings: Vec<String>,
}

impl Summary {
    pub fn ok(&self) -> bool {
        self.failed.is_empty() && self.failed_rows.is_empty()
    }
}

/// Loads the campaign with its directory and templates; every problem at once when it fails.
pub fn load(
    campaign: &std::path::Path,
    project: &Project,
    diags: &mut Diagnostics,
) -> Option<(Campaign, Directory, Templates)> {
    let directory = Directory::load(&project.recipients, diags);
    let templates = Templates::load(&project.template_folders, diags);
    let campaign = Campaign::load(campaign, &directory, diags)?;
    (!diags.has_errors()).then_some((campaign, directory, templates))
}

/// Runs the job, writing through `output`. `Err` only when nothing could start (the campaign or
/// its companions are invalid); per-letter and per-row failures are in the summary.
pub fn letters(job: &LettersJob, output: &mut dyn Output) -> Result<Summary, anyhow::Error> {
    let project = Project::locate(
        &job.campaign,
        job.recipients.as_deref(),
        job.templates.as_deref(),
    )
    .map_err(anyhow::Error::msg)?;
    let mut diags = Diagnostics::default();
    let Some((campaign, directory, templates)) = load(&job.campaign, &project, &mut diags) else {
        return Err(Invalid(diags.into_sorted()).into());
    };
    for lang in &job.langs {
        if campaign.serve(lang).is_none() {
            anyhow::bail!(
                "{}: the campaign has no `{lang}` texts; it has: {} (hint: pick one of those with --lang, or add `{lang}` to the campaign)",
                campaign.file.display(),
                campaign.languages_list()
            );
        }
    }
    diags.extend(campaign.deadline_warning(job.today));
    let mut summary = Summary {
        warnings: diags
            .into_sorted()
            .iter()
            .map(ToString::to_string)
            .collect(),
        ..Summary::default()
    };
    let mut renderer = Renderer::new(&templates, job.date);
    if output.needs_parts() {
        renderer = renderer.with_parts();
    }
    let mut slugs = Slugs::default();
    let mut each = |row: usize, supporter: Option<&Supporter>, summary: &mut Summary| {
        let slug = match supporter {
            None => "blank".to_string(),
            Some(s) => match slugs.claim(s, row) {
                Some(slug) => slug,
                None => {
                    summary.notes.push(format!("row {row}: `{}` at the same address is already in this run; one set of letters is enough", s.name));
                    return;
                }
            },
        };
        let country = match (&job.supporters, supporter) {
            (Supporters::Blank { country }, _) => *country,
            (_, s) => s.and_then(|s| s.country),
        };
        let (planned, unresolved) = plan(&campaign, &directory, country);
        for u in unresolved {
            *summary
                .skipped
                .entry(format!("{}: {}", u.entry.field, u.reason))
                .or_default() += 1;
        }
        let targets: Vec<&Recipient> = planned
            .iter()
            .filter(|p| !p.copy)
            .map(|p| p.recipient)
            .collect();
        let langs: Vec<Lang> = if job.langs.is_empty() {
            // `letter_language` never fails without an explicit request.
            campaign
                .letter_language(None, supporter.and_then(|s| s.lang.as_ref()))
                .into_iter()
                .collect()
        } else {
            job.langs.clone()
        };
        for lang in &langs {
            for p in &planned {
                if let Err(reason) = output.reaches(p.recipient) {
                    *summary
                        .skipped
                        .entry(format!("`{}`: {reason}", p.recipient.id))
                        .or_default() += 1;
                    continue;
                }
                let to = Addressed {
                    slug: &slug,
                    supporter,
                    recipient: p.recipient,
                    campaign: &campaign,
                };
                let result = renderer
                    .render(&campaign, p, &targets, lang, supporter)
                    .map_err(|d| d.to_string())
                    .and_then(|letter| output.write(&letter, &to));
                summary.warnings.extend(output.take_warnings());
                match result {
                    Ok(Written::New(_)) => summary.written += 1,
                    Ok(Written::Unchanged(_)) => summary.unchanged += 1,
                    Ok(Written::Replaced(_)) => summary.replaced += 1,
                    Err(e) => summary.failed.push(e),
                }
            }
        }
    };
    match &job.supporters {
        Supporters::Blank { .. } => each(0, None, &mut summary),
        Supporters::One(s) => each(1, Some(s), &mut summary),
        Supporters::Csv { path, initials } => {
            let file = SupportersFile::open(path, *initials).map_err(anyhow::Error::msg)?;
            for row in file {
                match row {
                    Ok((n, s)) => each(n, Some(&s), &mut summary),
                    Err(e) => summary.failed_rows.push(e.to_string()),
                }
            }
        }
    }
    match output.finish() {
        Ok(Some(written)) => summary.collected = Some(written),
        Ok(None) => {}
        Err(e) => summary.failed.push(e),
    }
    Ok(summary)
}

/// File-name slugs of the supporters of a run: the same person twice is recognised, two people
/// whose names slug alike get distinct folders.
#[derive(Default)]
struct Slugs {
    taken: HashMap<String, (String, Vec<String>)>,
}

impl Slugs {
    /// The slug for `s`, or `None` when the same name and address were seen already.
    fn claim(&mut self, s: &Supporter, row: usize) -> Option<String> {
        let base = slugify(&s.name, &format!("supporter-{row}"));
        let who = (s.name.clone(), s.address_lines());
        match self.taken.get(&base) {
            None => {
                self.taken.insert(base.clone(), who);
                Some(base)
            }
            Some(existing) if *existing == who => None,
            Some(_) => {
                let slug = format!("{base}-{row}");
                self.taken.insert(slug.clone(), who);
                Some(slug)
            }
        }
    }
}
