//! The `letters` job: load and check once, then render each (supporter, recipient, language) and
//! hand it to an output, going on past a bad row or a failed letter and counting both.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use crate::batch::Error;
use crate::batch::output::{Addressed, Output, Written};
use crate::model::campaign::Campaign;
use crate::model::country::Country;
use crate::model::diag::{Diagnostic, Diagnostics, Invalid};
use crate::model::directory::{Directory, Recipient};
use crate::model::lang::Lang;
use crate::model::project::Project;
use crate::model::slug::slugify;
use crate::model::supporter::{Supporter, SupportersFile};
use crate::render::letter::{Letter, Renderer, Signer, Unresolved, plan};
use crate::render::templates::Templates;

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
    pub fn parse(text: &str) -> Result<Shard, Error> {
        let bad = || Error::NotAShard(text.to_string());
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
        let h = crate::model::hash::stable(key.bytes());
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
    /// The columns of the input that this file adds itself (`outcome`, `error`: the input is
    /// a file of failed rows run again), left out so they are not doubled.
    ours: Vec<usize>,
    writer: Option<csv::Writer<std::fs::File>>,
    written: usize,
}

/// What became of a row of a supporters file, as the summary counts it and the file of failed
/// rows says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowOutcome {
    /// Every letter of the row was written (or was there already); skipped addressees with a
    /// note for the batch (an impossible one, a copy the directory lacks) do not count.
    Done,
    /// Some of its letters were written, others failed: the row goes to the file of failed
    /// rows, and running that file again writes exactly what is missing (the letters already
    /// written are recognised by the supporter's identity, even with a corrected row).
    Partly,
    /// None of its letters was written: the row could not be read, or every letter failed.
    Failed,
}

impl RowOutcome {
    fn name(self) -> &'static str {
        match self {
            RowOutcome::Done => "done",
            RowOutcome::Partly => "partly done",
            RowOutcome::Failed => "failed",
        }
    }
}

impl FailedRows {
    fn new(path: PathBuf, input: &csv::StringRecord) -> FailedRows {
        let ours: Vec<usize> = input
            .iter()
            .enumerate()
            .filter(|(_, h)| ["outcome", "error"].contains(&h.trim()))
            .map(|(i, _)| i)
            .collect();
        let headers = input
            .iter()
            .enumerate()
            .filter(|(i, _)| !ours.contains(i))
            .map(|(_, h)| h)
            .collect();
        FailedRows {
            path,
            headers,
            ours,
            writer: None,
            written: 0,
        }
    }
}

impl FailedRows {
    fn record(
        &mut self,
        record: Option<&csv::StringRecord>,
        outcome: RowOutcome,
        error: &str,
    ) -> Result<(), Error> {
        let path = &self.path;
        let fail = |reason: String| Error::FailedRows {
            path: path.clone(),
            reason,
        };
        let io = |e: csv::Error| fail(e.to_string());
        if self.writer.is_none() {
            if let Some(dir) = path.parent() {
                crate::model::fs::create_private_dir_all(dir).map_err(|source| {
                    Error::CreateFolder {
                        dir: dir.to_path_buf(),
                        source,
                    }
                })?;
            }
            // Flexible: a row with a separator too many is written back as read (its fields
            // and then the error), so quoting the field fixes it for the next run.
            let file = crate::model::fs::open_no_follow(
                std::fs::OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(true),
                path,
            )
            .map_err(|e| fail(e.to_string()))?;
            let mut w = csv::WriterBuilder::new().flexible(true).from_writer(file);
            let mut header = self.headers.clone();
            header.push_field("outcome");
            header.push_field("error");
            w.write_record(&header).map_err(io)?;
            self.writer = Some(w);
        }
        let Some(w) = self.writer.as_mut() else {
            return Ok(());
        };
        let mut row: csv::StringRecord = record
            .map(|r| {
                r.iter()
                    .enumerate()
                    .filter(|(i, _)| !self.ours.contains(i))
                    .map(|(_, f)| f)
                    .collect()
            })
            .unwrap_or_default();
        // A row cut short keeps its columns aligned under the header.
        while row.len() < self.headers.len() {
            row.push_field("");
        }
        row.push_field(outcome.name());
        row.push_field(error);
        w.write_record(&row).map_err(io)?;
        w.flush().map_err(|e| fail(e.to_string()))?;
        self.written += 1;
        Ok(())
    }
}

/// Moves the failed rows of an earlier run out of the way (`X.failed.csv` becomes
/// `X.failed.previous.csv`), so this run's are not mixed with them or mistaken for them; the
/// note that says so.
fn keep_previous(path: &std::path::Path) -> Option<String> {
    if !path.is_file() {
        return None;
    }
    let previous = path.with_extension("previous.csv");
    match std::fs::rename(path, &previous) {
        Ok(()) => Some(format!(
            "the failed rows of an earlier run are now in {} (this run writes its own to {})",
            previous.display(),
            path.display()
        )),
        Err(e) => Some(format!(
            "{}: cannot keep the failed rows of an earlier run aside: {e}; this run replaces them",
            path.display()
        )),
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
    /// Threads that render and prepare letters (the output is the same for any number); with
    /// more than one, the calling thread writes a chunk's letters while they render the next.
    /// 0: the process's shared pool (a server running many small jobs, which would otherwise
    /// start threads for each), and no writing beside rendering.
    pub jobs: usize,
    /// Called after each chunk of a supporters file with the bytes read so far and the letters
    /// written so far (a progress bar): a chunk's letters are written while the next is made,
    /// so the letters lag the bytes by a chunk until the last call.
    pub progress: Option<Box<dyn Fn(u64, usize) + Sync>>,
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
    /// Warnings from loading (old directory entries, past deadline) and from rendering, each
    /// text once (`warn`): a font without a bold face is said once, not once per letter.
    pub warnings: Vec<String>,
    /// The warnings' texts, for `warn`.
    warned: std::collections::HashSet<String>,
    /// The file the failed rows were written to, and how many.
    pub failed_csv: Option<(PathBuf, usize)>,
    /// The supporters' rows by outcome (none for blank letters).
    pub rows: RowCounts,
}

/// How many rows of a run were done, partly done and failed (`RowOutcome`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct RowCounts {
    pub done: usize,
    pub partly: usize,
    pub failed: usize,
}

impl RowCounts {
    fn count(&mut self, outcome: RowOutcome) {
        match outcome {
            RowOutcome::Done => self.done += 1,
            RowOutcome::Partly => self.partly += 1,
            RowOutcome::Failed => self.failed += 1,
        }
    }
}

impl Summary {
    /// Adds a warning unless the same text was given already.
    pub fn warn(&mut self, warning: String) {
        if self.warned.insert(warning.clone()) {
            self.warnings.push(warning);
        }
    }

    pub fn ok(&self) -> bool {
        self.failed.is_empty() && self.failed_rows.is_empty()
    }
}

/// Loads the campaign with its directory and templates; every problem at once when it fails.
pub fn load(
    campaign: &std::path::Path,
    project: &Project,
    as_of: Option<chrono::NaiveDate>,
    diags: &mut Diagnostics,
) -> Option<(Campaign, Directory, Templates)> {
    load_except(campaign, project, as_of, None, diags)
}

/// `load` without the templates of kind `except` (`Templates::load_except`): a run of letters
/// needs no sheet.
fn load_except(
    campaign: &std::path::Path,
    project: &Project,
    as_of: Option<chrono::NaiveDate>,
    except: Option<&str>,
    diags: &mut Diagnostics,
) -> Option<(Campaign, Directory, Templates)> {
    let templates = Templates::load_except(&project.template_folders, except, diags);
    let (campaign, directory) = project.load_campaign(campaign, as_of, diags)?;
    (!diags.has_errors()).then_some((campaign, directory, templates))
}

/// Runs the job, writing through `output`. `Err` only when nothing could start (the campaign or
/// its companions are invalid); per-letter and per-row failures are in the summary.
/// Phases: start (load and check) -> setup (renderer, threads) -> feed (the supporters, chunk by
/// chunk) -> finish (what the output collected).
pub fn letters<O: Output>(job: &LettersJob, output: &mut O) -> Result<Summary, Error> {
    letters_loaded(job, &load_job(job)?, output)
}

/// `letters` with the campaign, directory and templates loaded already (`load_job`, as of the
/// job's date): a server that writes many supporters' letters one request at a time loads them
/// once.
pub fn letters_loaded<O: Output>(
    job: &LettersJob,
    loaded: &Loaded,
    output: &mut O,
) -> Result<Summary, Error> {
    let mut summary = check_job(job, loaded)?;
    let Loaded {
        campaign,
        directory,
        templates,
        ..
    } = loaded;
    let mut renderer = Renderer::new(templates, job.date);
    if output.needs_parts() {
        renderer = renderer.with_parts();
    }
    if let Supporters::Blank { country } = &job.supporters {
        renderer.blank_posted_in = *country;
    }
    let pool = match job.jobs {
        0 => None,
        n => Some(
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .map_err(|source| Error::Threads { n, source })?,
        ),
    };
    let ctx = Ctx {
        job,
        campaign,
        directory,
        renderer: &renderer,
        langs: distinct(&job.langs),
        pool: pool.as_ref(),
    };
    ctx.feed(output, &mut summary)?;
    let finished = output.finish();
    summary.notes.extend(output.take_notes());
    match finished {
        Ok(Some(written)) => summary.collected = Some(written),
        Ok(None) => {}
        // Letters collected for one file (a print pack) are not on disk when it fails: the
        // summary must not count them as written.
        Err(e) if output.collects() => {
            summary.failed.push(format!(
                "{e} (none of the {} letter(s) collected for it is on disk)",
                summary.written
            ));
            summary.written = 0;
        }
        Err(e) => {
            // The queue commits at each chunk's checkpoint and has nothing left to lose here;
            // an output that stages letters until the end would.
            let lost = output.take_lost();
            summary.written -= lost.new.min(summary.written);
            summary.replaced -= lost.replaced.min(summary.replaced);
            summary.failed.push(e.to_string());
        }
    }
    Ok(summary)
}

/// A run's campaign with its directory and templates, loaded and checked.
pub struct Loaded {
    pub campaign: Campaign,
    pub directory: Directory,
    pub templates: Templates,
    /// What loading warned about (an old directory entry): every run's summary says it.
    pub warnings: Vec<crate::model::diag::Diagnostic>,
}

/// Locates and loads the campaign of `job` and its companions, as the action stood on the
/// letters' date (a follow-up dated later is not in them); every problem at once when it fails.
pub fn load_job(job: &LettersJob) -> Result<Loaded, Error> {
    let project = Project::locate(
        &job.campaign,
        job.recipients.as_deref(),
        job.templates.as_deref(),
    )?;
    let mut diags = Diagnostics::default();
    let Some((campaign, directory, templates)) = load_except(
        &job.campaign,
        &project,
        Some(job.date),
        Some("sheet"),
        &mut diags,
    ) else {
        return Err(Invalid(diags.into_sorted()).into());
    };
    Ok(Loaded {
        campaign,
        directory,
        templates,
        warnings: diags.into_sorted(),
    })
}

/// Refuses a run that cannot start (a language the campaign lacks, an ended action); its
/// summary so far holds the deadline's warning.
fn check_job(job: &LettersJob, loaded: &Loaded) -> Result<Summary, Error> {
    let campaign = &loaded.campaign;
    for lang in &job.langs {
        if campaign.serve(lang).is_none() {
            return Err(Error::NoLangTexts {
                file: campaign.file.clone(),
                lang: lang.to_string(),
                has: campaign.languages_list(),
            });
        }
    }
    if let Some(refusal) = campaign.refusal() {
        let mut diags = Diagnostics::default();
        diags.extend(loaded.warnings.iter().cloned());
        diags.push(refusal);
        return Err(Invalid(diags.into_sorted()).into());
    }
    let mut diags = Diagnostics::default();
    diags.extend(loaded.warnings.iter().cloned());
    diags.extend(campaign.deadline_warning(job.today));
    Ok(Summary {
        warnings: diags
            .into_sorted()
            .iter()
            .map(ToString::to_string)
            .collect(),
        ..Summary::default()
    })
}

/// Supporters handled together: rendered and prepared in parallel, written in order.
const CHUNK: usize = 256;

/// One row of a run: a supporter (none for blank letters), or a row that could not be read.
enum Entry {
    Good {
        row: usize,
        supporter: Option<Supporter>,
        record: Option<csv::StringRecord>,
    },
    Bad(crate::model::supporter::RowError),
}

/// One letter to produce: which entry, to whom, in what language.
struct Job<'a> {
    entry: usize,
    planned: crate::render::letter::Planned<'a>,
    lang: Lang,
}

/// What stays the same across a run's chunks.
struct Ctx<'a> {
    job: &'a LettersJob,
    campaign: &'a Campaign,
    directory: &'a Directory,
    renderer: &'a Renderer<'a>,
    /// The languages asked for, each once (`distinct`); none: each supporter's own.
    langs: Vec<Lang>,
    /// The run's own threads; `None`: the process's shared pool.
    pool: Option<&'a rayon::ThreadPool>,
}

/// A chunk's entries planned: per entry its folder name, the targets its copies quote and why
/// it failed; and the letters to produce, in input order.
struct ChunkPlan<'a> {
    slug_of: Vec<Option<String>>,
    targets_of: Vec<Vec<&'a Recipient>>,
    why: Vec<Vec<String>>,
    jobs: Vec<Job<'a>>,
}

impl<'a> ChunkPlan<'a> {
    /// Where job `j`'s letter goes.
    fn addressed<'b>(
        &'b self,
        j: &'b Job<'a>,
        entries: &'b [Entry],
        campaign: &'b Campaign,
    ) -> Addressed<'b> {
        Addressed {
            slug: self.slug_of[j.entry].as_deref().unwrap_or_default(),
            supporter: supporter_of(entries, j.entry),
            recipient: j.planned.recipient,
            campaign,
        }
    }
}

/// A letter prepared for an output, with its warnings; or why it failed.
type Prepared<O> = Result<(<O as Output>::Prepared, Vec<String>), Error>;

/// A chunk made and not yet written: its entries, their plan and the letters prepared.
struct Made<'a, O: Output> {
    entries: Vec<Entry>,
    plan: ChunkPlan<'a>,
    prepared: Vec<Prepared<O>>,
}

/// The supporter of entry `i`, `None` for blank letters and unreadable rows.
fn supporter_of(entries: &[Entry], i: usize) -> Option<&Supporter> {
    match &entries[i] {
        Entry::Good { supporter, .. } => supporter.as_ref(),
        Entry::Bad(_) => None,
    }
}

impl<'a> Ctx<'a> {
    /// Produces the letters of `entries` after those of `pending` (the chunk before, made but
    /// not yet written), and leaves them in `pending`: plans in order, renders on all threads
    /// while the main thread writes the chunk before (when the run has more than one thread),
    /// then prepares on all threads. Every letter is written in input order, so the output is
    /// the same whatever the number of threads.
    /// Phases: plan -> render (| write the chunk before) -> admit -> prepare; `store` then writes
    /// in order and reports.
    fn chunk<O: Output>(
        &self,
        output: &mut O,
        (slugs, pending): (&mut Slugs, &mut Option<Made<'a, O>>),
        entries: Vec<Entry>,
        summary: &mut Summary,
        failed: &mut Option<FailedRows>,
    ) -> Result<(), Error> {
        // Planning says what it says in `notes` and `skipped`, which writing never touches:
        // the summary is the same as when the chunk before was written first.
        let plan = self.plan_chunk(output, slugs, &entries, summary);
        let overlap = self.pool.is_some_and(|pool| pool.current_num_threads() > 1);
        let letters = match pending.take() {
            Some(before) if overlap => std::thread::scope(|scope| {
                let rendering = scope.spawn(|| self.render_all(&plan, &entries));
                let stored = self.store(output, before, summary, failed);
                let letters = rendering
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                stored.map(|()| letters)
            })?,
            before => {
                if let Some(before) = before {
                    self.store(output, before, summary, failed)?;
                }
                self.render_all(&plan, &entries)
            }
        };
        for letter in letters.iter().flatten() {
            output.admit(letter);
        }
        let prepared = self.prepare_all(output, &plan, &entries, letters);
        *pending = Some(Made {
            entries,
            plan,
            prepared,
        });
        Ok(())
    }

    /// `chunk` for the last entries of a run, then writes what it made.
    fn last_chunk<O: Output>(
        &self,
        output: &mut O,
        (slugs, pending): (&mut Slugs, &mut Option<Made<'a, O>>),
        entries: Vec<Entry>,
        summary: &mut Summary,
        failed: &mut Option<FailedRows>,
    ) -> Result<(), Error> {
        self.chunk(output, (slugs, &mut *pending), entries, summary, failed)?;
        match pending.take() {
            Some(made) => self.store(output, made, summary, failed),
            None => Ok(()),
        }
    }

    /// Writes a chunk's prepared letters in input order, and counts the chunk's rows by outcome.
    fn store<O: Output>(
        &self,
        output: &mut O,
        Made {
            entries,
            mut plan,
            prepared,
        }: Made<'a, O>,
        summary: &mut Summary,
        failed: &mut Option<FailedRows>,
    ) -> Result<(), Error> {
        let mut why = std::mem::take(&mut plan.why);
        // Letters written per entry, for its outcome.
        let mut done = vec![0usize; entries.len()];
        // The entry of each new letter, and of each replacing one, in the order written.
        let mut new = Vec::new();
        let mut replaced = Vec::new();
        for (j, result) in plan.jobs.iter().zip(prepared) {
            let to = plan.addressed(j, &entries, self.campaign);
            let result = result.and_then(|(p, warnings)| {
                for warning in warnings {
                    summary.warn(warning);
                }
                output.write(p, &to)
            });
            if result.is_ok() {
                done[j.entry] += 1;
            }
            match result {
                Ok(Written::New(_)) => {
                    summary.written += 1;
                    new.push(j.entry);
                }
                Ok(Written::Unchanged(_)) => summary.unchanged += 1,
                Ok(Written::Replaced(_)) => {
                    summary.replaced += 1;
                    replaced.push(j.entry);
                }
                Err(e) => why[j.entry].push(e.to_string()),
            }
        }
        if let Err(e) = output.checkpoint() {
            // The chunk's last `lost` new letters are not on disk after all, and its last
            // replacing ones did not take their place (an outbox commit cut short): their rows
            // are not done, and go to the file of failed rows.
            let lost = output.take_lost();
            let error = e.to_string();
            let lost_new = lost.new.min(new.len());
            let lost_replaced = lost.replaced.min(replaced.len());
            let undone = new[new.len() - lost_new..]
                .iter()
                .chain(&replaced[replaced.len() - lost_replaced..]);
            for &entry in undone {
                done[entry] -= 1;
                if why[entry].last() != Some(&error) {
                    why[entry].push(error.clone());
                }
            }
            summary.written -= lost_new;
            summary.replaced -= lost_replaced;
            if lost_new + lost_replaced == 0 {
                summary.failed.push(error);
            }
        }
        report_failures(&entries, &why, &done, summary, failed)
    }

    /// Hands the job's supporters to `chunk`, `CHUNK` rows at a time, reporting progress after
    /// each; the rows that failed go to the file of failed rows.
    fn feed<O: Output>(&self, output: &mut O, summary: &mut Summary) -> Result<(), Error> {
        let job = self.job;
        let mut slugs = Slugs::default();
        let mut failed = None;
        // The chunk made and not yet written.
        let mut pending = None;
        match &job.supporters {
            Supporters::Blank { .. } | Supporters::One(_) => {
                let (row, supporter) = match &job.supporters {
                    Supporters::One(s) => (1, Some(s.as_ref().clone())),
                    _ => (0, None),
                };
                let entries = vec![Entry::Good {
                    row,
                    supporter,
                    record: None,
                }];
                self.last_chunk(
                    output,
                    (&mut slugs, &mut pending),
                    entries,
                    summary,
                    &mut failed,
                )?;
            }
            Supporters::Csv {
                path,
                initials,
                shard,
            } => {
                let file = SupportersFile::open(path, *initials)?;
                if let Some(previous) = job.failed_csv.as_deref().and_then(keep_previous) {
                    summary.notes.push(previous);
                }
                failed = job
                    .failed_csv
                    .clone()
                    .map(|path| FailedRows::new(path, file.headers()));
                let mut entries = Vec::with_capacity(CHUNK);
                let mut file = file;
                let report = |file: &SupportersFile, summary: &Summary| {
                    if let Some(progress) = &job.progress {
                        progress(file.position(), summary.written + summary.unchanged);
                    }
                };
                while let Some(row) = file.next() {
                    let entry = match row {
                        Ok(row) if shard.is_some_and(|sh| !sh.takes(&row.supporter, row.n)) => {
                            continue;
                        }
                        Err(e) if shard.is_some_and(|sh| !sh.takes_row(e.row)) => continue,
                        Ok(row) => Entry::Good {
                            row: row.n,
                            supporter: Some(row.supporter),
                            record: Some(row.record),
                        },
                        Err(e) => Entry::Bad(e),
                    };
                    entries.push(entry);
                    if entries.len() == CHUNK {
                        let chunk = std::mem::replace(&mut entries, Vec::with_capacity(CHUNK));
                        self.chunk(
                            output,
                            (&mut slugs, &mut pending),
                            chunk,
                            summary,
                            &mut failed,
                        )?;
                        report(&file, summary);
                    }
                }
                self.last_chunk(
                    output,
                    (&mut slugs, &mut pending),
                    entries,
                    summary,
                    &mut failed,
                )?;
                report(&file, summary);
                summary.failed_csv = failed
                    .take()
                    .filter(|f| f.written > 0)
                    .map(|f| (f.path, f.written));
            }
        }
        Ok(())
    }

    /// Plans each entry in order: its slug (a duplicate supporter is a note), the addressees the
    /// directory resolves for its country (the others are skipped or fail the row), and one job
    /// per language and addressee the output reaches.
    fn plan_chunk<O: Output>(
        &self,
        output: &O,
        slugs: &mut Slugs,
        entries: &[Entry],
        summary: &mut Summary,
    ) -> ChunkPlan<'a> {
        let (job, campaign) = (self.job, self.campaign);
        let mut out = ChunkPlan {
            slug_of: Vec::with_capacity(entries.len()),
            targets_of: Vec::with_capacity(entries.len()),
            why: vec![Vec::new(); entries.len()],
            jobs: Vec::new(),
        };
        for (i, entry) in entries.iter().enumerate() {
            out.slug_of.push(None);
            out.targets_of.push(Vec::new());
            let Entry::Good { row, supporter, .. } = entry else {
                continue;
            };
            let (row, supporter) = (*row, supporter.as_ref());
            let slug = match supporter {
                None => BLANK.to_string(),
                Some(s) => match slugs.claim(s, row) {
                    Ok(slug) => slug,
                    Err(first) => {
                        summary.notes.push(format!("row {row}: `{}` is the supporter of row {first} again (the same name with the same email, postcode or address); one set of letters is enough", s.name));
                        continue;
                    }
                },
            };
            out.slug_of[i] = Some(slug);
            let country = match (&job.supporters, supporter) {
                (Supporters::Blank { country }, _) => *country,
                (_, s) => s.and_then(|s| s.country),
            };
            let (planned, unresolved) = plan(campaign, self.directory, country);
            self.unresolved(unresolved, entry, country, &mut out.why[i], summary);
            out.targets_of[i] = planned
                .iter()
                .filter(|p| !p.copy)
                .map(|p| p.recipient)
                .collect();
            let own;
            let langs: &[Lang] = if self.langs.is_empty() {
                own = [campaign.letter_language(supporter.and_then(|s| s.lang.as_ref()))];
                &own
            } else {
                &self.langs
            };
            for lang in langs {
                for p in &planned {
                    if let Err(reason) = output.reaches(p.recipient) {
                        *summary
                            .skipped
                            .entry(format!("`{}`: {reason}", p.recipient.id))
                            .or_default() += 1;
                        continue;
                    }
                    out.jobs.push(Job {
                        entry: i,
                        planned: p.clone(),
                        lang: lang.clone(),
                    });
                }
            }
        }
        out
    }

    /// The addressees the directory could not resolve for an entry: a row of a supporters file
    /// with a country fails (`why`), anything else is counted as skipped.
    fn unresolved(
        &self,
        unresolved: Vec<Unresolved>,
        entry: &Entry,
        country: Option<Country>,
        why: &mut Vec<String>,
        summary: &mut Summary,
    ) {
        let Entry::Good {
            row,
            supporter,
            record,
        } = entry
        else {
            return;
        };
        let (job, campaign) = (self.job, self.campaign);
        for u in unresolved {
            if u.copy && !u.impossible && country.is_some() {
                // A copy the directory lacks for her country: a warning that names the missing
                // entry; her letters to the targets are written and her row succeeds.
                *summary
                    .skipped
                    .entry(format!(
                        "{}: {}; the copy is not written (hint: add the entry to the directory in {})",
                        u.entry.field,
                        u.reason,
                        self.directory.folder.display()
                    ))
                    .or_default() += 1;
                continue;
            }
            if u.impossible {
                // Nothing to fix: one note for the batch, and her row succeeds.
                *summary
                    .skipped
                    .entry(format!("{}: {}", u.entry.field, u.reason))
                    .or_default() += 1;
                continue;
            }
            match (&job.supporters, supporter, country) {
                // A row whose country the directory cannot serve fails, so that it lands in
                // the file of failed rows to run again; its other letters are still written.
                (Supporters::Csv { path, .. }, Some(s), Some(_)) => why.push(format!(
                    "{}:{}: row {row} (`{}`): {}: {} (hint: add the entry to the directory in {}, as {} asks, or correct the row's country)",
                    path.display(),
                    record.as_ref().and_then(|r| r.position()).map_or(0, |p| p.line()),
                    s.name,
                    u.entry.field,
                    u.reason,
                    self.directory.folder.display(),
                    campaign.file.display(),
                )),
                _ => {
                    *summary
                        .skipped
                        .entry(format!("{}: {}", u.entry.field, u.reason))
                        .or_default() += 1
                }
            }
        }
    }

    /// Runs `work` on the run's threads.
    fn on_threads<R: Send>(&self, work: impl FnOnce() -> R + Send) -> R {
        match self.pool {
            Some(pool) => pool.install(work),
            None => work(),
        }
    }

    /// Renders every job's letter, on all threads.
    fn render_all(&self, plan: &ChunkPlan<'a>, entries: &[Entry]) -> Vec<Result<Letter, Error>> {
        use rayon::prelude::*;
        // One signer per entry: what her letters share is worked out by the first of them.
        let signers: Vec<Option<Signer>> = (0..entries.len())
            .map(|i| supporter_of(entries, i).map(Signer::new))
            .collect();
        self.on_threads(|| {
            plan.jobs
                .par_iter()
                .map(|j| {
                    self.renderer
                        .render_signed(
                            self.campaign,
                            &j.planned,
                            &plan.targets_of[j.entry],
                            &j.lang,
                            signers[j.entry].as_ref(),
                        )
                        .map_err(|e| Error::Render(Diagnostic::from(e)))
                })
                .collect()
        })
    }

    /// Prepares every rendered letter for `output`, on all threads.
    fn prepare_all<O: Output>(
        &self,
        output: &O,
        plan: &ChunkPlan<'a>,
        entries: &[Entry],
        letters: Vec<Result<Letter, Error>>,
    ) -> Vec<Prepared<O>> {
        use rayon::prelude::*;
        self.on_threads(|| {
            plan.jobs
                .par_iter()
                .zip(letters.into_par_iter())
                .map(|(j, letter)| {
                    letter
                        .and_then(|l| output.prepare(l, &plan.addressed(j, entries, self.campaign)))
                })
                .collect()
        })
    }
}

/// Counts the chunk's rows by outcome and its failed rows and letters into the summary, and
/// writes the rows not done to the file of failed rows.
fn report_failures(
    entries: &[Entry],
    why: &[Vec<String>],
    done: &[usize],
    summary: &mut Summary,
    failed: &mut Option<FailedRows>,
) -> Result<(), Error> {
    // A file of failed rows that cannot be written (a full disk) is reported once, and the
    // batch goes on: the rows are still counted and printed.
    let write =
        |f: &mut Option<FailedRows>, record, outcome, error: &str, summary: &mut Summary| {
            if let Some(rows) = f.as_mut()
                && let Err(e) = rows.record(record, outcome, error)
            {
                // What it holds is not every row to fix (a full disk), and would pass for it.
                let removed = std::fs::symlink_metadata(&rows.path).is_ok_and(|m| m.is_file())
                    && std::fs::remove_file(&rows.path).is_ok();
                summary.failed.push(if removed {
                format!(
                    "{e} (the part written is removed; the rows to fix are the ones listed here)"
                )
            } else {
                e.to_string()
            });
                *f = None;
            }
        };
    for ((entry, why), &done) in entries.iter().zip(why).zip(done) {
        match entry {
            Entry::Bad(e) => {
                summary.rows.count(RowOutcome::Failed);
                write(
                    failed,
                    e.record.as_ref(),
                    RowOutcome::Failed,
                    &e.error.to_string(),
                    summary,
                );
                summary.failed_rows.push(e.to_string());
            }
            Entry::Good {
                record, supporter, ..
            } if !why.is_empty() => {
                let outcome = if done > 0 {
                    RowOutcome::Partly
                } else {
                    RowOutcome::Failed
                };
                if supporter.is_some() {
                    summary.rows.count(outcome);
                }
                if record.is_some() {
                    let error = match outcome {
                        RowOutcome::Partly => {
                            format!("{done} letter(s) written; not written: {}", why.join("; "))
                        }
                        _ => why.join("; "),
                    };
                    write(failed, record.as_ref(), outcome, &error, summary);
                }
                summary.failed.extend(why.iter().cloned());
            }
            Entry::Good { supporter, .. } => {
                if supporter.is_some() {
                    summary.rows.count(RowOutcome::Done);
                }
            }
        }
    }
    Ok(())
}

/// Each language of `langs` once, in the order first given: `--lang fr --lang fr` is one set
/// of French letters, not the same letters written twice.
fn distinct(langs: &[Lang]) -> Vec<Lang> {
    let mut seen = HashSet::new();
    langs.iter().filter(|l| seen.insert(*l)).cloned().collect()
}

/// File-name slugs of the supporters of a run: the same person twice is recognised (one set of
/// letters), and every other supporter gets a folder of her own, whatever the order of rows.
#[derive(Default)]
struct Slugs {
    /// Slugs given out in this run.
    taken: HashSet<String>,
    /// Each person seen (`Supporter::identity`), with the row she was first seen in.
    seen: HashMap<String, usize>,
}

/// The folder of blank letters, never a supporter's.
const BLANK: &str = "blank";

impl Slugs {
    /// The folder slug for `s` in `row`, or `Err(first row)` when the same person (her
    /// identity: name with email, postcode or address) came before. A name whose slug is taken (by another person, or by blank letters) gets
    /// the row number, then a counter, until the slug is free.
    fn claim(&mut self, s: &Supporter, row: usize) -> Result<String, usize> {
        let who = s.identity();
        if let Some(&first) = self.seen.get(&who) {
            return Err(first);
        }
        self.seen.insert(who, row);
        let base = slugify(&s.name, &format!("supporter-{row}"));
        let mut slug = base.clone();
        let mut n = 0;
        while slug == BLANK || self.taken.contains(&slug) {
            n += 1;
            slug = if n == 1 {
                format!("{base}-{row}")
            } else {
                format!("{base}-{row}-{n}")
            };
        }
        self.taken.insert(slug.clone());
        Ok(slug)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_warning_given_by_many_letters_is_kept_once_in_order() {
        let mut summary = Summary::default();
        for w in [
            "no bold face found for A",
            "b",
            "no bold face found for A",
            "c",
            "b",
        ] {
            summary.warn(w.to_string());
        }
        assert_eq!(summary.warnings, ["no bold face found for A", "b", "c"]);
    }

    fn supporter(name: &str, street: &str) -> Supporter {
        Supporter {
            name: name.into(),
            address: vec![street.into()],
            ..Supporter::default()
        }
    }

    #[test]
    fn every_distinct_supporter_gets_her_own_folder_and_a_repeat_none() {
        let mut slugs = Slugs::default();
        let rows = [
            ("Anna", "A"),
            ("Anna 3", "B"),
            ("Anna", "C"),
            ("Anna", "C"),
            ("Anna", "D"),
            ("Anna", "C"),
            ("Blank", "E"),
        ];
        let got: Vec<Result<String, usize>> = rows
            .iter()
            .enumerate()
            .map(|(i, (n, a))| slugs.claim(&supporter(n, a), i + 1))
            .collect();
        assert_eq!(
            got,
            [
                Ok("anna".into()),
                Ok("anna-3".into()),
                // Row 3's own suffix is taken by "Anna 3": a counter makes it free.
                Ok("anna-3-2".into()),
                Err(3),
                Ok("anna-5".into()),
                Err(3),
                // Blank letters have that folder.
                Ok("blank-7".into()),
            ]
        );
    }

    #[test]
    fn plans_each_language_once_in_the_order_given() {
        let langs: Vec<Lang> = ["fr", "ru", "fr", "fr_FR", "fr-FR", "ru"]
            .into_iter()
            .filter_map(Lang::parse)
            .collect();
        let tags: Vec<String> = distinct(&langs).iter().map(Lang::to_string).collect();
        assert_eq!(tags, ["fr", "ru", "fr-FR"]);
    }

    #[test]
    fn reads_shards_and_refuses_nonsense() {
        assert_eq!(Shard::parse("2/4").unwrap(), Shard { k: 2, n: 4 });
        assert_eq!(Shard::parse(" 1 / 1 ").unwrap(), Shard { k: 1, n: 1 });
        for bad in ["0/4", "5/4", "2/0", "2", "a/b", "-1/4"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_key_belongs_to_exactly_one_shard() {
        for key in ["anna-schmidt", "олег-иванова", "", "x"] {
            let owners = (1..=5)
                .filter(|k| Shard { k: *k, n: 5 }.takes_key(key))
                .count();
            assert_eq!(owners, 1, "{key}");
        }
    }
}
