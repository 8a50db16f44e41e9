//! Outputs: where finished letters go. The text output writes one file per letter under the
//! output folder, never outside it, never over a user's file unless asked.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::letter::Letter;

/// What happened to one letter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Written {
    /// A new file.
    New(PathBuf),
    /// The file was already there with exactly these bytes (a re-run).
    Unchanged(PathBuf),
    /// The file was there with other content and `--force` replaced it.
    Replaced(PathBuf),
}

/// An output backend: a name and one method that takes a finished letter.
pub trait Output {
    fn name(&self) -> &'static str;
    /// Writes `letter` for the supporter whose file-name slug is `supporter_slug`.
    fn write(&mut self, letter: &Letter, supporter_slug: &str) -> Result<Written, String>;
}

/// Plain-text letters: `OUT/<campaign>/<supporter>/<recipient>.<lang>.txt`.
pub struct TextOutput {
    pub out: PathBuf,
    pub force: bool,
}

impl TextOutput {
    /// The file of a letter. Every component is a slug (`slug.rs`) or a checked language tag, so
    /// the path stays inside `out`.
    pub fn path(&self, letter: &Letter, supporter_slug: &str) -> PathBuf {
        let kind = if letter.copy { ".copy" } else { "" };
        self.out
            .join(&letter.campaign_id)
            .join(supporter_slug)
            .join(format!("{}{kind}.{}.txt", letter.recipient_id, letter.lang))
    }
}

impl Output for TextOutput {
    fn name(&self) -> &'static str {
        "txt"
    }

    fn write(&mut self, letter: &Letter, supporter_slug: &str) -> Result<Written, String> {
        let path = self.path(letter, supporter_slug);
        write_file(&path, letter.text.as_bytes(), self.force)
    }
}

/// Writes `bytes` to `path` atomically: into a temporary file beside it, then linked into place
/// only if nothing is there (or renamed over it with `force`). A crash leaves no half letter.
pub fn write_file(path: &Path, bytes: &[u8], force: bool) -> Result<Written, String> {
    let shown = path.display();
    let existing = match std::fs::read(path) {
        Ok(existing) => Some(existing),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(format!("{shown}: cannot read the existing file: {e}")),
    };
    if let Some(existing) = &existing {
        if existing == bytes {
            return Ok(Written::Unchanged(path.to_path_buf()));
        }
        if !force {
            return Err(format!(
                "{shown}: already exists with different content; not overwritten (hint: pass --force to replace it, or choose another --out)"
            ));
        }
    }
    let dir = path
        .parent()
        .ok_or_else(|| format!("{shown}: no parent folder"))?;
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("{}: cannot create the folder: {e}", dir.display()))?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("letter"),
        std::process::id()
    ));
    let result = (|| -> std::io::Result<Written> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        if existing.is_some() {
            std::fs::rename(&tmp, path)?;
            Ok(Written::Replaced(path.to_path_buf()))
        } else {
            // hard_link fails if the name exists, so a file created meanwhile is never clobbered.
            std::fs::hard_link(&tmp, path)?;
            std::fs::remove_file(&tmp)?;
            Ok(Written::New(path.to_path_buf()))
        }
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(|e| format!("{shown}: cannot write: {e}"))
}
