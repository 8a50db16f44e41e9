//! Outputs: where finished letters go. The text output writes one file per letter under the
//! output folder, never outside it, never over a user's file unless asked.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::batch::Error;
use crate::model::campaign::Campaign;
use crate::model::directory::Recipient;
use crate::model::supporter::Supporter;
use crate::render::letter::Letter;

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

/// Letters counted as written that a failure undid after all (`Output::take_lost`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Lost {
    /// New letters (messages staged but never made ready).
    pub new: usize,
    /// Replacements (messages queued again with other content) that did not take the place of
    /// the message they replace: it still says what it said.
    pub replaced: usize,
}

/// Who a letter is from and to, beside the letter itself: what an output may need besides the
/// text (an email needs the recipient's address and the supporter's).
pub struct Addressed<'a> {
    /// The supporter's file-name slug (`blank` for a blank letter).
    pub slug: &'a str,
    pub supporter: Option<&'a Supporter>,
    pub recipient: &'a Recipient,
    pub campaign: &'a Campaign,
}

/// An output backend. A run hands it each finished letter in three steps, so that the slow part
/// can use every core while the result stays the same whatever their number: `admit` (in input
/// order, may change the output, e.g. find a font), `prepare` (the slow part: a PDF, a message;
/// on several threads at once; text letters are also written to disk there), `write` (in input
/// order: store it, or pass on what `prepare` stored).
pub trait Output: Sync {
    /// What `prepare` makes and `write` stores.
    type Prepared: Send;
    fn name(&self) -> &'static str;
    /// How many letters counted as written since the last call were undone by a failure since
    /// (messages staged but not committed when the commit failed), so the summary can say
    /// what is really on disk. After a failed `checkpoint`, they are the chunk's last new ones
    /// and its last replaced ones.
    fn take_lost(&mut self) -> Lost {
        Lost::default()
    }

    /// Called after each chunk's letters are written, before its rows are reported: an output
    /// that stages letters (the outbox) makes them durable here, so that a failure undoes
    /// letters of this chunk only, whose rows can still be reported as not done.
    fn checkpoint(&mut self) -> crate::batch::Result<()> {
        Ok(())
    }

    /// Notes about the run as a whole that the output gathered, taken once at its end.
    fn take_notes(&mut self) -> Vec<String> {
        Vec::new()
    }

    /// Whether `write` only collects letters that `finish` writes as one file (a print pack):
    /// then they are on disk only once `finish` succeeds.
    fn collects(&self) -> bool {
        false
    }
    /// Whether letters must come with their `parts` (page layouts need them; text does not).
    fn needs_parts(&self) -> bool {
        false
    }
    /// Whether this output can deliver to `recipient` at all; `Err` says why not (an email
    /// outbox and an official with neither email nor fax), and the letter is not rendered.
    fn reaches(&self, _recipient: &Recipient) -> crate::batch::Result<()> {
        Ok(())
    }
    /// Sees each letter, in input order, before it is prepared.
    fn admit(&mut self, _letter: &Letter) {}
    /// Makes what `write` stores; returns it with warnings about it. Must not depend on the
    /// order letters are prepared in.
    fn prepare(
        &self,
        letter: Letter,
        to: &Addressed,
    ) -> crate::batch::Result<(Self::Prepared, Vec<String>)>;
    /// Stores a prepared letter; called in input order.
    fn write(&mut self, prepared: Self::Prepared, to: &Addressed) -> crate::batch::Result<Written>;
    /// Called once after the last letter: outputs that collect letters (a print pack) write here.
    fn finish(&mut self) -> crate::batch::Result<Option<Written>> {
        Ok(None)
    }
}

/// The file of a letter: `OUT/<campaign>/<supporter>/<recipient>[.copy].<lang>.<ext>`. Every
/// component is a slug (`slug.rs`) or a checked language tag, so the path stays inside `out`.
pub fn letter_path(out: &Path, letter: &Letter, supporter_slug: &str, ext: &str) -> PathBuf {
    let kind = if letter.copy { ".copy" } else { "" };
    out.join(&letter.campaign_id)
        .join(supporter_slug)
        .join(format!(
            "{}{kind}.{}.{ext}",
            letter.recipient_id, letter.lang
        ))
}

/// The folders an output has created in this run, so each is made once, not once per letter
/// (by whichever thread writes into it first). A folder below the output folder that is a
/// symbolic link is refused: letters written through it would land outside the output folder.
pub struct Folders {
    root: PathBuf,
    /// The folders below `root` this run has checked and made (or found).
    made: Mutex<HashSet<PathBuf>>,
}

impl Folders {
    /// Folders below `root`, the output folder.
    pub fn under(root: &Path) -> Folders {
        Folders {
            root: root.to_path_buf(),
            made: Mutex::new(HashSet::new()),
        }
    }

    /// Creates the folder of `file` unless this run already did.
    pub fn ensure(&self, file: &Path) -> crate::batch::Result<()> {
        let Some(dir) = file.parent() else {
            return Ok(());
        };
        let made = |made: &Mutex<HashSet<PathBuf>>| made.lock().is_ok_and(|m| m.contains(dir));
        if made(&self.made) {
            return Ok(());
        }
        // Every folder from the output folder down is checked for each new folder (once per
        // supporter): a link swapped in during a run is found at the next supporter's folder.
        if let Some(link) = crate::model::fs::link_below(&self.root, dir) {
            return Err(Error::LinkedFolder(link));
        }
        // Two threads may both get here for one folder: creating it twice is harmless.
        crate::model::fs::create_private_dir_all(dir).map_err(|source| Error::CreateFolder {
            dir: dir.to_path_buf(),
            source,
        })?;
        if let Ok(mut m) = self.made.lock() {
            m.insert(dir.to_path_buf());
        }
        Ok(())
    }
}

impl Written {
    pub fn path(&self) -> &Path {
        match self {
            Written::New(p) | Written::Unchanged(p) | Written::Replaced(p) => p,
        }
    }
}

/// Plain-text letters. Each is written to its file as soon as it is rendered, on the thread
/// that rendered it (`prepare`): the files of a run are distinct, so what ends on disk and what
/// each letter reports do not depend on the order they are written in.
pub struct TextOutput {
    out: PathBuf,
    force: bool,
    folders: Folders,
}

impl TextOutput {
    pub fn new(out: PathBuf, force: bool) -> Self {
        TextOutput {
            folders: Folders::under(&out),
            out,
            force,
        }
    }
}

impl Output for TextOutput {
    type Prepared = Written;

    fn name(&self) -> &'static str {
        "txt"
    }

    fn prepare(
        &self,
        letter: Letter,
        to: &Addressed,
    ) -> crate::batch::Result<(Self::Prepared, Vec<String>)> {
        let path = letter_path(&self.out, &letter, to.slug, "txt");
        self.folders.ensure(&path)?;
        Ok((
            write_file(&path, letter.text.as_bytes(), self.force)?,
            Vec::new(),
        ))
    }

    fn write(&mut self, written: Written, _to: &Addressed) -> crate::batch::Result<Written> {
        Ok(written)
    }
}

/// The temporary name of a file called `name` written by this thread: unique among the threads
/// of the process, whatever pool they belong to (a name another thread held would be removed as
/// a leftover), and the same for every file the thread writes.
fn temporary(name: &str) -> String {
    static THREADS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    thread_local! {
        // The process and the thread, once per thread (not a `getpid` per letter).
        static THREAD: (u32, u64) = (
            std::process::id(),
            THREADS.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        );
    }
    let (process, thread) = THREAD.with(|t| *t);
    format!(".{name}.tmp-{process}-{thread}")
}

/// Writes `bytes` to `path` without ever clobbering a different file: the bytes go into a
/// temporary file beside it, which is then linked into place only if the name is free (so a file
/// created meanwhile survives too). A file already there with the same bytes is left alone (a
/// re-run); one with other bytes is replaced only with `force`; a symbolic link there is refused.
/// Files are not fsynced one by one (that would cost a disk flush per letter); a crash can at
/// worst leave an empty letter, which the next run replaces, since no letter is ever
/// legitimately empty. Threads of one run may write at once: each has its own temporary name.
pub fn write_file(path: &Path, bytes: &[u8], force: bool) -> crate::batch::Result<Written> {
    let dir = path
        .parent()
        .ok_or_else(|| Error::NoParent(path.to_path_buf()))?;
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("letter");
    let tmp = dir.join(temporary(name));
    let result = (|| -> std::io::Result<crate::batch::Result<Written>> {
        // A new file, never one that is there: not a link planted at the temporary name (it is
        // removed, not followed), not a file left by a crash.
        let create = || {
            crate::model::fs::open_no_follow(
                std::fs::OpenOptions::new().write(true).create_new(true),
                &tmp,
            )
        };
        let mut file = match create() {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                std::fs::remove_file(&tmp)?;
                create()?
            }
            other => other?,
        };
        file.write_all(bytes)?;
        drop(file);
        // The name was free: nothing was there, not even a link.
        if move_into_place(&tmp, path)? {
            return Ok(Ok(Written::New(path.to_path_buf())));
        }
        if let Some(refused) = not_a_file(path)? {
            std::fs::remove_file(&tmp)?;
            return Ok(Err(refused));
        }
        let existing = std::fs::read(path)?;
        if existing == bytes {
            std::fs::remove_file(&tmp)?;
            Ok(Ok(Written::Unchanged(path.to_path_buf())))
        } else if force || existing.is_empty() {
            std::fs::rename(&tmp, path)?;
            Ok(Ok(Written::Replaced(path.to_path_buf())))
        } else {
            std::fs::remove_file(&tmp)?;
            Ok(Err(Error::Exists(path.to_path_buf())))
        }
    })();
    match result {
        Ok(outcome) => outcome,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(Error::Write {
                path: path.to_path_buf(),
                source: e,
            })
        }
    }
}

/// Why what stands at `path` is not replaced or read as a file of ours: a symbolic link (never
/// written through), or something not a regular file (reading a pipe would wait forever).
pub fn not_a_file(path: &Path) -> std::io::Result<Option<Error>> {
    let kind = path.symlink_metadata()?.file_type();
    Ok(if kind.is_symlink() {
        Some(Error::LinkAtFile(path.to_path_buf()))
    } else if !kind.is_file() {
        Some(Error::NotAFile(path.to_path_buf()))
    } else {
        None
    })
}

/// Moves `tmp` to `path` only if no file is there: one rename on Linux (two file system
/// operations a letter instead of three), else a hard link and an unlink. `Ok(false)`: a file is
/// there, and `tmp` is left for the caller to compare with it.
pub fn move_into_place(tmp: &Path, path: &Path) -> std::io::Result<bool> {
    #[cfg(target_os = "linux")]
    match rustix::fs::renameat_with(
        rustix::fs::CWD,
        tmp,
        rustix::fs::CWD,
        path,
        rustix::fs::RenameFlags::NOREPLACE,
    ) {
        Ok(()) => return Ok(true),
        // EEXIST: there is one; EINVAL: the file system cannot; then link as elsewhere.
        Err(e) if e == rustix::io::Errno::EXIST => return Ok(false),
        Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => {}
        Err(e) => return Err(e.into()),
    }
    link_into_place(tmp, path)
}

/// `move_into_place` where the file system cannot rename without replacing: a hard link fails
/// when the name is taken, and the temporary name is then removed.
fn link_into_place(tmp: &Path, path: &Path) -> std::io::Result<bool> {
    match std::fs::hard_link(tmp, path) {
        Ok(()) => {
            std::fs::remove_file(tmp)?;
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linking_into_place_never_replaces_a_letter_and_keeps_the_new_one_to_compare() {
        let dir = tempfile::tempdir().unwrap();
        let (tmp, path) = (dir.path().join(".a.tmp"), dir.path().join("a.txt"));
        std::fs::write(&tmp, "new").unwrap();
        assert!(link_into_place(&tmp, &path).unwrap(), "the name was free");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert!(!tmp.exists(), "the temporary name is gone");
        std::fs::write(&tmp, "newer").unwrap();
        assert!(!link_into_place(&tmp, &path).unwrap(), "a letter is there");
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "new",
            "not replaced"
        );
        assert_eq!(
            std::fs::read_to_string(&tmp).unwrap(),
            "newer",
            "kept to compare"
        );
        // Any other failure is an error, not "a letter is there".
        assert!(link_into_place(&dir.path().join("missing"), &path).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn a_link_planted_at_the_temporary_name_is_removed_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside.txt");
        std::fs::write(&outside, "precious").unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        let path = out.join("letter.txt");
        let tmp = out.join(temporary("letter.txt"));
        std::os::unix::fs::symlink(&outside, &tmp).unwrap();
        assert_eq!(
            write_file(&path, b"letter", false).unwrap(),
            Written::New(path.clone())
        );
        assert_eq!(std::fs::read_to_string(&outside).unwrap(), "precious");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "letter");
        assert!(!path.symlink_metadata().unwrap().is_symlink());
        // A link where the letter itself goes is refused, even with force.
        let linked = out.join("linked.txt");
        std::os::unix::fs::symlink(&outside, &linked).unwrap();
        assert!(
            write_file(&linked, b"letter", true)
                .unwrap_err()
                .to_string()
                .contains("symbolic link")
        );
        assert_eq!(std::fs::read_to_string(&outside).unwrap(), "precious");
        // And its temporary file is gone.
        let mut left: Vec<_> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        left.sort();
        assert_eq!(left, ["letter.txt", "linked.txt"]);
    }

    #[test]
    fn never_clobbers_a_different_file_but_replaces_an_empty_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("letter.txt");
        assert_eq!(
            write_file(&path, b"one", false).unwrap(),
            Written::New(path.clone())
        );
        assert_eq!(
            write_file(&path, b"one", false).unwrap(),
            Written::Unchanged(path.clone())
        );
        assert!(
            write_file(&path, b"two", false)
                .unwrap_err()
                .to_string()
                .contains("not overwritten")
        );
        assert_eq!(std::fs::read(&path).unwrap(), b"one");
        std::fs::write(&path, b"").unwrap();
        assert_eq!(
            write_file(&path, b"two", false).unwrap(),
            Written::Replaced(path.clone())
        );
        assert_eq!(
            write_file(&path, b"three", true).unwrap(),
            Written::Replaced(path.clone())
        );
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "no temporary file left behind: {names:?}");
    }
}
