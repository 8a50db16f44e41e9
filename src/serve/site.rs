//! The server's state: its configuration, pages, secret, and the actions it offers. Campaign
//! files are read when a page needs them, as of the server's today, so a stop or an update a
//! coordinator adds to a file shows on the next page load, with no restart.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::batch::run::Loaded;
use crate::model::campaign::Campaign;
use crate::model::diag::Diagnostics;
use crate::model::directory::Directory;
use crate::model::lang::{DateFormats, Lang};
use crate::model::project::Project;

use super::confirm::Requests;
use super::csrf::Secret;
use super::email::Mail;
use super::limits::Buckets;
use super::ui::Ui;
use super::{Config, Error};

/// What every request shares.
pub struct Site {
    pub config: Config,
    pub ui: Ui,
    pub secret: Secret,
    pub dates: &'static DateFormats,
    /// The fonts of the PDF letters, read once (each request adds what its letters need to a
    /// copy).
    pub fonts: crate::pdf::FontChain,
    /// Sending, when `appeal.yaml` names an SMTP server and a sender.
    pub mail: Option<Mail>,
    /// Requests waiting for a supporter's confirmation.
    pub requests: Requests,
    /// Where supporters reach the server: `--public-url`, else the address it listens on.
    pub base_url: std::sync::OnceLock<String>,
    /// Forms posted, by client address.
    pub posts: Buckets<std::net::IpAddr>,
    /// Confirmation messages sent, by email address.
    pub mailboxes: Buckets<String>,
    /// The campaign files as last read, by path.
    read: Mutex<HashMap<PathBuf, Read>>,
    /// Wakes the sending thread of `serve --send`.
    pub wake: super::sender::Wake,
    /// One permit per core for making letters: requests wait their turn in order, rather than
    /// all sharing the cores at once (which makes every one of them slow).
    pub cores: tokio::sync::Semaphore,
}

const HOUR: std::time::Duration = std::time::Duration::from_secs(3600);

/// How many confirmation messages one email address gets in an hour.
const CONFIRMATIONS_PER_HOUR: u32 = 3;

/// An action as the pages show it: a campaign file read as of today, with its directory and
/// templates (shared with the requests that read it at the same time).
#[derive(Clone)]
pub struct Action {
    pub loaded: Arc<Loaded>,
    pub file: PathBuf,
    pub days_left: i64,
}

/// A campaign file as last read: what its files looked like then (`stamp`) and the day it was
/// read as of.
struct Read {
    stamp: u64,
    today: NaiveDate,
    loaded: Arc<Loaded>,
    /// Where its directory and templates were found (found again when the campaign file
    /// changes: `file_stamp`).
    project: Arc<Project>,
    file_stamp: u64,
}

impl Action {
    /// The run that writes `supporter`'s letters to this action's addressees in `lang`, dated
    /// `today`, as `appeal letters` (or `queue`) with one supporter would.
    pub fn job(
        &self,
        supporter: crate::model::supporter::Supporter,
        lang: Lang,
        today: NaiveDate,
    ) -> crate::batch::run::LettersJob {
        crate::batch::run::LettersJob {
            campaign: self.file.clone(),
            recipients: None,
            templates: None,
            langs: vec![lang],
            date: today,
            today,
            supporters: crate::batch::run::Supporters::One(Box::new(supporter)),
            failed_csv: None,
            // The process's shared threads: a request starts none of its own.
            jobs: 0,
            progress: None,
        }
    }

    pub fn campaign(&self) -> &Campaign {
        &self.loaded.campaign
    }

    pub fn directory(&self) -> &Directory {
        &self.loaded.directory
    }

    /// Whether supporters may still write: not stopped, not past the deadline.
    pub fn open(&self) -> bool {
        self.campaign().ended().is_none() && self.days_left >= 0
    }

    /// The campaign's language for a page in `ui` (its own text when it has one, else its
    /// first language).
    pub fn lang_for(&self, ui: &str) -> Lang {
        Lang::parse(ui)
            .and_then(|l| self.campaign().serve(&l).cloned())
            .unwrap_or_else(|| self.campaign().languages[0].clone())
    }
}

impl Site {
    /// Checks what the server needs before it listens: the campaigns folder, the pages, the
    /// secret (made on first start).
    pub fn open(config: &Config) -> Result<Site, Error> {
        std::fs::read_dir(&config.campaigns).map_err(|source| Error::Campaigns {
            path: config.campaigns.clone(),
            source,
        })?;
        let ui = Ui::load(config.web.as_deref())?;
        let secret_path = config.outbox.join(".serve-secret");
        let secret = Secret::load_or_make(&secret_path).map_err(|source| Error::Secret {
            path: secret_path,
            source,
        })?;
        let found = crate::model::project::settings_file(&config.campaigns.join("."));
        let settings =
            crate::mail::settings::Settings::find(config.settings.as_deref(), found.as_deref())
                .map_err(|d| Error::Settings(d.to_string()))?;
        Ok(Site {
            mail: Mail::of(settings),
            requests: Requests::new(&config.outbox),
            base_url: std::sync::OnceLock::new(),
            posts: Buckets::new(config.posts_per_hour, HOUR),
            mailboxes: Buckets::new(CONFIRMATIONS_PER_HOUR, HOUR),
            read: Mutex::new(HashMap::new()),
            wake: super::sender::Wake::default(),
            cores: tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(1, |n| n.get()),
            ),
            config: config.clone(),
            ui,
            secret,
            dates: DateFormats::shared(),
            fonts: crate::pdf::FontChain::default(),
        })
    }

    /// The server's today.
    pub fn today(&self) -> NaiveDate {
        self.config
            .today
            .unwrap_or_else(|| chrono::Local::now().date_naive())
    }

    /// The campaign files of the folder, by name.
    fn files(&self) -> Vec<PathBuf> {
        let Ok(entries) = std::fs::read_dir(&self.config.campaigns) else {
            return Vec::new();
        };
        let mut files: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
            .collect();
        files.sort();
        files
    }

    /// Every action that reads without error, as of today, soonest deadline first. A file with
    /// errors is left out (its errors go to the log once per load: `appeal check` tells more).
    pub fn actions(&self) -> Vec<Action> {
        let mut actions: Vec<Action> = self
            .files()
            .iter()
            .filter_map(|file| self.load(file))
            .collect();
        actions.sort_by(|a, b| {
            (a.campaign().deadline, &a.campaign().id)
                .cmp(&(b.campaign().deadline, &b.campaign().id))
        });
        actions
    }

    /// The action with this id. The id is matched against the files' own ids, never used to
    /// build a path: first the file read last time with that id (if it is still one of the
    /// folder's, unchanged, it is the one), else every file.
    pub fn action(&self, id: &str) -> Option<Action> {
        let known = self.read.lock().ok().and_then(|read| {
            read.iter()
                .find(|(_, r)| r.loaded.campaign.id == id)
                .map(|(file, _)| file.clone())
        });
        if let Some(file) = known
            && file.is_file()
            && let Some(action) = self.load(&file).filter(|a| a.campaign().id == id)
        {
            return Some(action);
        }
        self.actions().into_iter().find(|a| a.campaign().id == id)
    }

    /// The address of the server's page `path` (`/confirm/...`), for links in emails.
    pub fn link(&self, path: &str) -> String {
        let base = self
            .config
            .public_url
            .clone()
            .or_else(|| self.base_url.get().cloned())
            .unwrap_or_default();
        format!("{}{path}", base.trim_end_matches('/'))
    }

    /// The style sheet.
    pub fn css_text(&self) -> String {
        self.ui.css.clone()
    }

    fn load(&self, file: &Path) -> Option<Action> {
        let today = self.today();
        let known = self.read.lock().ok().and_then(|read| {
            read.get(file).map(|r| {
                (
                    Arc::clone(&r.project),
                    r.file_stamp,
                    r.stamp,
                    r.today,
                    Arc::clone(&r.loaded),
                )
            })
        });
        // Where the directory and templates are is found again only when the file changed.
        let file_stamp = stamp(file, None);
        let project = match &known {
            Some((project, fs, ..)) if *fs == file_stamp => Arc::clone(project),
            _ => Arc::new(Project::locate(file, None, None).ok()?),
        };
        let stamp = stamp(file, Some(&project));
        let loaded = match known {
            Some((_, _, s, t, loaded)) if s == stamp && t == today => loaded,
            _ => {
                let mut diags = Diagnostics::default();
                let loaded = crate::batch::run::load(file, &project, Some(today), &mut diags);
                let Some((campaign, directory, templates)) = loaded else {
                    eprintln!(
                        "{}: left out of the pages: it has errors (hint: appeal check {})",
                        file.display(),
                        file.display()
                    );
                    return None;
                };
                let loaded = Arc::new(Loaded {
                    campaign,
                    directory,
                    templates,
                    warnings: diags.into_sorted(),
                });
                if let Ok(mut read) = self.read.lock() {
                    read.insert(
                        file.to_path_buf(),
                        Read {
                            stamp,
                            today,
                            loaded: Arc::clone(&loaded),
                            project: Arc::clone(&project),
                            file_stamp,
                        },
                    );
                }
                loaded
            }
        };
        Some(Action {
            days_left: (loaded.campaign.deadline - today).num_days(),
            loaded,
            file: file.to_path_buf(),
        })
    }
}

/// What the files a campaign is read with look like: the campaign file, and every file of its
/// recipient directory and template folders (name, size, modification time); the file alone
/// without a `project`. A coordinator's edit to any of them changes it, and the campaign is read
/// again.
fn stamp(file: &Path, project: Option<&Project>) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    let mut add = |path: &Path| {
        if let Ok(meta) = std::fs::metadata(path) {
            path.hash(&mut h);
            meta.len().hash(&mut h);
            meta.modified().ok().hash(&mut h);
        }
    };
    add(file);
    let folders = project
        .into_iter()
        .flat_map(|p| std::iter::once(&p.recipients).chain(&p.template_folders));
    for folder in folders {
        let Ok(entries) = std::fs::read_dir(folder) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for path in paths {
            add(&path);
        }
    }
    h.finish()
}
