//! Where a campaign's companions are: the recipient directory and template folders, found beside
//! the campaign file unless the user names them.

use std::path::{Path, PathBuf};

use crate::model::campaign::Campaign;
use crate::model::diag::{Diagnostic, Diagnostics, Pos};
use crate::model::directory::Directory;

/// Why a campaign's companions cannot be found.
#[derive(Debug, thiserror::Error)]
pub enum LocateError {
    #[error("{flag} {}: no such folder", path.display())]
    NoSuchFolder { flag: &'static str, path: PathBuf },
    #[error(
        "cannot find the recipient directory (tried {}) (hint: pass --recipients DIR)",
        tried.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    )]
    NoRecipients { tried: Vec<PathBuf> },
}

/// The folders a run reads besides the campaign file.
#[derive(Clone, Debug)]
pub struct Project {
    pub recipients: PathBuf,
    /// Template folders, most specific first; the built-in templates come after them all.
    pub template_folders: Vec<PathBuf>,
}

impl Project {
    /// Finds the directory (`--recipients`, else `recipients/` beside the campaign or beside its
    /// folder, else in the current folder) and the template folders (`--templates`, then
    /// `templates/` beside the campaign, then beside its folder).
    pub fn locate(
        campaign: &Path,
        recipients: Option<&Path>,
        templates: Option<&Path>,
    ) -> Result<Project, LocateError> {
        let candidates = |name: &str| candidates(campaign, name);
        let recipients = match recipients {
            Some(dir) if dir.is_dir() => dir.to_path_buf(),
            Some(dir) => {
                return Err(LocateError::NoSuchFolder {
                    flag: "--recipients",
                    path: dir.to_path_buf(),
                });
            }
            None => {
                let tried = candidates("recipients");
                match tried.iter().find(|p| p.is_dir()) {
                    Some(p) => p.clone(),
                    None => {
                        return Err(LocateError::NoRecipients { tried });
                    }
                }
            }
        };
        let mut template_folders = Vec::new();
        if let Some(dir) = templates {
            if !dir.is_dir() {
                return Err(LocateError::NoSuchFolder {
                    flag: "--templates",
                    path: dir.to_path_buf(),
                });
            }
            template_folders.push(dir.to_path_buf());
        }
        for p in candidates("templates").into_iter().take(2) {
            if p.is_dir() && !template_folders.iter().any(|t| same_dir(t, &p)) {
                template_folders.push(p);
            }
        }
        Ok(Project {
            recipients,
            template_folders,
        })
    }
    /// Loads `campaign` checked against this project's directory, as it stood on `as_of`
    /// (`Campaign::load_as_of`), without parsing any template: for what reads a campaign's
    /// state but renders nothing (`deadlines`, `send` reading follow-ups, and the first step of
    /// every run).
    pub fn load_campaign(
        &self,
        campaign: &Path,
        as_of: Option<chrono::NaiveDate>,
        diags: &mut Diagnostics,
    ) -> Option<(Campaign, Directory)> {
        let directory = Directory::load(&self.recipients, diags);
        let campaign = Campaign::load_as_of(campaign, &directory, as_of, diags)?;
        (!diags.has_errors()).then_some((campaign, directory))
    }
}

/// Where a companion named `name` (`recipients`, `templates`, `appeal.yaml`) of `anchor` (a
/// campaign file, or the outbox folder) is looked for, most specific first: beside it, beside
/// its folder, then in the current folder. The one lookup for every companion, so `queue`,
/// `check` and `send` agree on which `appeal.yaml` holds for a project.
pub fn candidates(anchor: &Path, name: &str) -> Vec<PathBuf> {
    let here = anchor
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut v: Vec<PathBuf> = Vec::new();
    for p in [
        here.join(name),
        here.join("..").join(name),
        PathBuf::from(name),
    ] {
        let p = tidy_path(&p);
        if !v.iter().any(|q| same_dir(q, &p)) {
            v.push(p);
        }
    }
    v
}

/// The sending settings (`appeal.yaml`) that hold for `anchor` (a campaign file or the outbox
/// folder): the first of its `candidates` that is a file.
pub fn settings_file(anchor: &Path) -> Option<PathBuf> {
    candidates(anchor, "appeal.yaml")
        .into_iter()
        .find(|p| p.is_file())
}

/// Whether two paths name the same file or folder (`campaigns/../recipients` and `recipients`).
pub fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// `campaigns/../recipients` -> `recipients` when that is the same folder, for shorter messages.
pub fn tidy_path(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir
                if matches!(
                    out.components().next_back(),
                    Some(std::path::Component::Normal(_))
                ) =>
            {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    }
}

/// Finds campaign files: the paths given, or every `*.yaml` in `campaigns/`.
pub fn find_files(given: &[PathBuf], diags: &mut Diagnostics) -> Vec<PathBuf> {
    if !given.is_empty() {
        return given.to_vec();
    }
    let folder = Path::new("campaigns");
    match crate::model::yaml::files_in(folder) {
        Ok(files) => files,
        Err(e) => {
            diags.push(
                Diagnostic::error(
                    folder,
                    Pos::default(),
                    "",
                    format!("cannot list campaigns: {e}"),
                )
                .hint("run from the folder that holds campaigns/, or name the campaign files"),
            );
            Vec::new()
        }
    }
}
