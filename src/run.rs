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
        /// Only this part of the rows: see `Shard`.
        shard: Option<Shard>,
    },
}

/// Part `k` of `n` (1-based) of a batch, so that it can be spread over processes or machines: a
/// row belongs to the part given by its supporter's file-name slug (the same person, or two whose
/// names slug alike, always land in the same part, so the parts together give exactly the output
/// of the whole); an unreadable row by its number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub k: u32,
    pub n: u32,
}

impl Shard {
    /// `K/N`, e.g. `2/4`.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad = || format!("`{text}` is not a shard; write K/N with 1 <= K <= N, e.g. 2/4");
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let (k, n): (u32, u32) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if k == 0 || n == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }

    fn takes_key(&self, key: &str) -> bool {
        // FNV-1a: stable across versions and platforms, unlike std's hasher.
        let h = key.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
        h % u64::from(self.n) == u64::from(self.k - 1)
    }

    fn takes(&self, s: &Supporter, row: usize) -> bool {
        self.takes_key(&slugify(&s.name, &format!("supporter-{row}")))
    }

    fn takes_row(&self, row: usize) -> bool {
        row % self.n as usize == (self.k - 1) as usize
    }
}

/// The rows of a batch that failed, as read plus an `error` column: fix them and run the file
/// again. Created at the first failure.
struct FailedRows {
    path: PathBuf,
    headers: csv::StringRecord,
    writer: Option<csv::Writer<std::fs::File>>,
    written: usize,
}

impl FailedRows {
    fn record(&mut self, record: Option<&csv::StringRecord>, error: &str) -> Result<(), String> {
        let path = &self.path;
        let io = |e: csv::Error| format!("{}: cannot write the failed rows: {e}", path.display());
        if self.writer.is_none() {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("{}: cannot create: {e}", dir.display()))?;
            }
            let mut w = csv::Writer::from_path(path).map_err(io)?;
            let mut header = self.headers.clone();
            header.push_field("error");
            w.write_record(&header).map_err(io)?;
            self.writer = Some(w);
        }
        let Some(w) = self.writer.as_mut() else {
            return Ok(());
        };
        let mut row = record.cloned().unwrap_or_default();
        // A row cut short keeps its columns aligned under the header.
        while row.len() < self.headers.len() {
            row.push_field("");
        }
        row.push_field(error);
        w.write_record(&row).map_err(io)?;
        w.flush().map_err(|e| format!("{}: {e}", path.display()))?;
        self.written += 1;
        Ok(())
    }
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
    /// Where the rows of a supporters file that failed go (inside the output folder).
    pub failed_csv: Option<PathBuf>,
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
    /// The file the failed rows were written to, and how many.
    pub failed_csv: Option<(PathBuf, usize)>,
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
            match (&job.supporters, supporter, country) {
                // A row whose country the directory cannot serve fails, so that it lands in the
                // file of failed rows to run again; its other letters are still written.
                (Supporters::Csv { .. }, Some(s), Some(_)) => summary.failed.push(format!(
                    "row {row} (`{}`): {}: {}",
                    s.name, u.entry.field, u.reason
                )),
                _ => {
                    *summary
                        .skipped
                        .entry(format!("{}: {}", u.entry.field, u.reason))
                        .or_default() += 1
                }
            }
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
        Supporters::Csv {
            path,
            initials,
            shard,
        } => {
            let file = SupportersFile::open(path, *initials).map_err(anyhow::Error::msg)?;
            let mut failed = job.failed_csv.clone().map(|path| FailedRows {
                path,
                headers: file.headers().clone(),
                writer: None,
                written: 0,
            });
            for row in file {
                match row {
                    Ok(row) => {
                        if shard.is_some_and(|sh| !sh.takes(&row.supporter, row.n)) {
                            continue;
                        }
                        let before = summary.failed.len();
                        each(row.n, Some(&row.supporter), &mut summary);
                        if summary.failed.len() > before
                            && let Some(f) = failed.as_mut()
                        {
                            let why = summary.failed[before..].join("; ");
                            f.record(Some(&row.record), &why)
                                .map_err(anyhow::Error::msg)?;
                        }
                    }
                    Err(e) => {
                        if shard.is_some_and(|sh| !sh.takes_row(e.row)) {
                            continue;
                        }
                        if let Some(f) = failed.as_mut() {
                            f.record(e.record.as_ref(), &e.error.to_string())
                                .map_err(anyhow::Error::msg)?;
                        }
                        summary.failed_rows.push(e.to_string());
                    }
                }
            }
            summary.failed_csv = failed
                .filter(|f| f.written > 0)
                .map(|f| (f.path, f.written));
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
