//! The outbox: one file per message, moved between state folders with `rename`, the design of
//! Maildir. A message is in exactly one state folder at any time, because a rename within one
//! file system is atomic. Its file holds the envelope (one line of JSON) and, after it, the exact
//! bytes sent; what happened to it (attempts, replies) is kept apart in `records/`, so moving a
//! message is always a single rename.
//!
//! ```text
//! OUTBOX/tmp/ID        being written by `queue` (never read by `send`)
//!        ready/ID      waiting to be sent
//!        sending/ID    claimed by a `send` run
//!        sent/ failed/ deferred/ uncertain/ expired/
//!        records/ID.json     the attempts, once tried
//!        records/ID.started  the body began to go out (written by `send` just before)
//!        ids.log       one line per message ever queued: queuing again is a no-op
//!        events.log    append-only, one JSON line per transition
//!        queue.lock, send.lock
//! ```
//!
//! A message costs one file at queue time: creating files is what a file system does slowest
//! (and on some, far slower than anything else here), so nothing else is created per message.
//!
//! Durability: `queue` writes a batch of messages into `tmp/`, flushes them to disk (`syncfs` on
//! Linux, one `fsync` per file elsewhere), then appends their ids to `ids.log`, renames them into
//! `ready/`, and flushes again. After a crash, `tmp/` entries whose id was logged are finished and
//! the others removed (they were never reported queued); a message in `ready/` whose id did not
//! reach the log is logged. `send` fsyncs each transition.

use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::mail::message::{Draft, Envelope};
use crate::mail::{Error, Result, io};
use crate::model::fs::open_no_follow;

/// The state folders of a message, in the order of its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Ready,
    Sending,
    Deferred,
    Uncertain,
    Sent,
    Failed,
    Expired,
}

impl State {
    pub const ALL: [State; 7] = [
        State::Ready,
        State::Sending,
        State::Deferred,
        State::Uncertain,
        State::Sent,
        State::Failed,
        State::Expired,
    ];

    pub fn name(self) -> &'static str {
        match self {
            State::Ready => "ready",
            State::Sending => "sending",
            State::Deferred => "deferred",
            State::Uncertain => "uncertain",
            State::Sent => "sent",
            State::Failed => "failed",
            State::Expired => "expired",
        }
    }
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One try to hand a message to the server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    pub at: DateTime<Utc>,
    /// Where it ended: `connect`, `MAIL`, `RCPT`, `DATA`, `body` (the reply after the message).
    pub stage: String,
    /// The server's reply, or what went wrong on our side.
    pub reply: String,
    /// The state it led to.
    pub outcome: State,
}

/// What happened to a message so far; rewritten atomically at each transition.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    #[serde(default)]
    pub attempts: Vec<Attempt>,
    /// For a deferred message: not before this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt: Option<DateTime<Utc>>,
    /// Why it is where it is (failed, uncertain, expired), for `appeal outbox`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A message as the outbox holds it.
#[derive(Clone, Debug)]
pub struct Message {
    pub state: State,
    pub envelope: Envelope,
    pub record: Record,
}

/// What `queue` did with a draft.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Queued {
    /// Staged: it becomes ready at the next `commit`.
    Staged,
    /// The same message was queued before (by this run or an earlier one) and is left as it
    /// is: it says the same, or it is sent or on its way (never sent twice), or it was queued
    /// before messages carried a digest of what they say.
    Already,
    /// The same message waits unsent (ready or deferred) and says something else now (a row
    /// corrected since): the new text is staged and replaces it at the next `commit`, under the
    /// same id, so it is still sent once.
    Replacing,
    /// As `Replacing`, but a `send` run holds the outbox (`holder`): the message is left as it
    /// is, since it may be on the wire this moment. Queuing again after that run replaces it.
    Kept { holder: String },
}

/// An exclusive lock on the outbox for one kind of work, released when dropped (or when the
/// process dies: the operating system drops it).
#[derive(Debug)]
pub struct Lock {
    _file: File,
}

pub struct Outbox {
    root: PathBuf,
    /// Ids staged in `tmp/` and not yet committed.
    staged: Vec<String>,
    /// The ids in `ids.log`, read when first needed (by `queue`).
    queued: Option<HashSet<String>>,
    /// Unsent messages staged in `tmp/` to replace the one of the same id in the state folder
    /// named beside it, at `commit`.
    replacing: Vec<(String, State)>,
    /// The send lock, taken by `queue` at its first replacement and held to its end, so that no
    /// `send` run claims a message while its file is being replaced.
    send_lock: Option<Lock>,
}

const RECORDS: &str = "records";
const IDS_LOG: &str = "ids.log";

/// Flushes a directory's entries (names created, renamed or removed) to disk.
fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io("cannot flush the folder to disk", dir, e))
}

/// Writes `bytes` to `path` (a new file) and flushes it when `sync`.
fn write_new(path: &Path, bytes: &[&[u8]], sync: bool) -> Result<()> {
    let mut f = open_no_follow(OpenOptions::new().write(true).create_new(true), path)
        .map_err(|e| io("cannot create", path, e))?;
    for b in bytes {
        f.write_all(b).map_err(|e| io("cannot write", path, e))?;
    }
    if sync {
        f.sync_all()
            .map_err(|e| io("cannot flush to disk", path, e))?;
    }
    Ok(())
}

/// Removes a file if it is there.
fn remove_if_there(path: &Path) -> Result<bool> {
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(io("cannot remove", path, e)),
    }
}

impl Outbox {
    /// Opens the outbox at `root`, creating its folders when missing.
    pub fn open(root: &Path) -> Result<Outbox> {
        if root.join("ids").is_dir() {
            return Err(Error::OldLayout(root.to_path_buf()));
        }
        for sub in ["tmp", RECORDS]
            .into_iter()
            .chain(State::ALL.iter().map(|s| s.name()))
        {
            let dir = root.join(sub);
            // A linked state folder would move messages out of the outbox.
            if dir.symlink_metadata().is_ok_and(|m| m.is_symlink()) {
                return Err(Error::Symlink(dir));
            }
            crate::model::fs::create_private_dir_all(&dir)
                .map_err(|e| io("cannot create the folder", &dir, e))?;
        }
        Ok(Outbox {
            root: root.to_path_buf(),
            staged: Vec::new(),
            queued: None,
            replacing: Vec::new(),
            send_lock: None,
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn dir(&self, state: State) -> PathBuf {
        self.root.join(state.name())
    }

    /// The file of message `id` in the folder of `state`.
    fn path(&self, state: State, id: &str) -> PathBuf {
        self.dir(state).join(id)
    }

    /// The file of message `id` staged in `tmp/`.
    fn staged_path(&self, id: &str) -> PathBuf {
        self.root.join("tmp").join(id)
    }

    fn record_path(&self, id: &str, ext: &str) -> PathBuf {
        self.root.join(RECORDS).join(format!("{id}.{ext}"))
    }

    /// Takes the lock `name` (`queue` or `send`), waiting up to `patience` for a holder that is
    /// only passing through (`send` holds the queue lock for a moment while it puts right what
    /// a crashed `queue` left); `Err` says who holds it.
    pub fn lock_within(&self, name: &str, patience: std::time::Duration) -> Result<Lock> {
        let until = std::time::Instant::now() + patience;
        loop {
            match self.lock(name) {
                Err(Error::Locked { .. }) if std::time::Instant::now() < until => {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                other => return other,
            }
        }
    }

    /// Takes the lock `name` (`queue` or `send`) without waiting; `Err` says who holds it.
    pub fn lock(&self, name: &str) -> Result<Lock> {
        let path = self.root.join(format!("{name}.lock"));
        let mut file = open_no_follow(
            OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false),
            &path,
        )
        .map_err(|e| io("cannot open the lock file", &path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                let holder = fs::read_to_string(&path).unwrap_or_default();
                return Err(Error::Locked {
                    name: name.to_string(),
                    root: self.root.clone(),
                    holder: if holder.trim().is_empty() {
                        "holder unknown".to_string()
                    } else {
                        holder.trim().to_string()
                    },
                });
            }
            Err(fs::TryLockError::Error(e)) => return Err(io("cannot lock", &path, e)),
        }
        // Who holds it, for the message above; the lock itself is the flock, not this text.
        let _ = file.set_len(0);
        let _ = write!(
            file,
            "process {} since {}",
            std::process::id(),
            Utc::now().format("%Y-%m-%d %H:%M:%S UTC")
        );
        Ok(Lock { _file: file })
    }

    /// The ids in `ids.log` (for `is_queued`). A line cut short by a crash is not an id and is
    /// passed over (its message was never reported queued).
    pub fn logged_ids(&self) -> Result<HashSet<String>> {
        let path = self.root.join(IDS_LOG);
        match fs::read_to_string(&path) {
            Ok(text) => Ok(text
                .lines()
                .filter(|l| is_id(l))
                .map(str::to_string)
                .collect()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(HashSet::new()),
            Err(e) => Err(io("cannot read", &path, e)),
        }
    }

    /// Appends ids to `ids.log`, starting on a fresh line if a crash cut the last one short.
    fn log_ids(&self, ids: &[String]) -> Result<()> {
        let path = self.root.join(IDS_LOG);
        let mut f = open_no_follow(
            OpenOptions::new().create(true).append(true).read(true),
            &path,
        )
        .map_err(|e| io("cannot open", &path, e))?;
        let mut lines = String::with_capacity(ids.len() * 21 + 1);
        let len = f.metadata().map(|m| m.len()).unwrap_or(0);
        if len > 0 {
            let mut last = [0u8];
            use std::io::{Read, Seek, SeekFrom};
            f.seek(SeekFrom::Start(len - 1))
                .and_then(|_| f.read_exact(&mut last))
                .map_err(|e| io("cannot read", &path, e))?;
            if last[0] != b'\n' {
                lines.push('\n');
            }
        }
        for id in ids {
            lines.push_str(id);
            lines.push('\n');
        }
        f.write_all(lines.as_bytes())
            .and_then(|()| f.sync_data())
            .map_err(|e| io("cannot append to", &path, e))
    }

    /// Whether the message `id` was ever queued here (or was staged by this run).
    fn knows(&mut self, id: &str) -> Result<bool> {
        if self.queued.is_none() {
            self.queued = Some(self.known_ids()?);
        }
        Ok(self.queued.as_ref().is_some_and(|q| q.contains(id)))
    }

    /// Every id ever queued here: the state folders are the truth, and `ids.log` an index that
    /// also remembers messages whose files were removed. A message in a folder but missing from
    /// the log (the log was deleted, or cut short) is logged again, so the log is rebuilt from
    /// the folders and nothing already sent can be queued a second time.
    fn known_ids(&self) -> Result<HashSet<String>> {
        let mut known = self.logged_ids()?;
        let mut missing = Vec::new();
        for state in State::ALL {
            for id in self.ids(state)? {
                if !known.contains(&id) {
                    missing.push(id.clone());
                    known.insert(id);
                }
            }
        }
        if !missing.is_empty() {
            self.log_ids(&missing)?;
        }
        Ok(known)
    }

    /// Whether message `id` is queued: in a state folder, or in `logged` (`logged_ids`) with its
    /// file still in `tmp/`, where a commit cut short after logging it left it: `recover_tmp`
    /// moves it into ready/ when the next `queue` or `send` starts.
    pub fn is_queued(&self, id: &str, logged: &HashSet<String>) -> bool {
        self.locate(id).is_some() || (logged.contains(id) && self.staged_path(id).is_file())
    }

    /// Whether message `id` is in a state folder and says what `digest` says (`Envelope::digest`).
    pub fn says(&self, id: &str, digest: Option<&str>) -> bool {
        self.locate(id)
            .and_then(|state| self.envelope(state, id).ok()?.ok())
            .is_some_and(|envelope| envelope.digest.as_deref() == digest)
    }

    /// The state folder `id` is in, if any.
    pub fn locate(&self, id: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| self.path(*s, id).is_file())
    }

    /// Writes `draft` into `tmp/`; it becomes ready at `commit`. Call with the queue lock held.
    pub fn stage(&mut self, draft: &Draft) -> Result<Queued> {
        if self.knows(&draft.id)? {
            return self.restage(draft);
        }
        // Queued under the earlier id scheme: the same message, left as it is.
        if let Some(previous) = &draft.previous_id
            && self.knows(previous)?
        {
            return Ok(Queued::Already);
        }
        self.write_tmp(draft)?;
        self.staged.push(draft.id.clone());
        if let Some(q) = &mut self.queued {
            q.insert(draft.id.clone());
        }
        Ok(Queued::Staged)
    }

    /// A message queued before, queued again: replaced (at `commit`) when it still waits to be
    /// sent and says something else now; else left as it is (see `Queued`).
    fn restage(&mut self, draft: &Draft) -> Result<Queued> {
        let Some(state) = self
            .locate(&draft.id)
            .filter(|s| matches!(s, State::Ready | State::Deferred))
        else {
            return Ok(Queued::Already);
        };
        if self.replacing.iter().any(|(id, _)| *id == draft.id) {
            return Ok(Queued::Already);
        }
        let Ok(old) = self.envelope(state, &draft.id)? else {
            // A damaged envelope is `send`'s to file as failed, not ours to overwrite.
            return Ok(Queued::Already);
        };
        match (&old.digest, &draft.envelope.digest) {
            (Some(old), Some(new)) if old != new => {}
            _ => return Ok(Queued::Already),
        }
        if self.send_lock.is_none() {
            match self.lock("send") {
                Ok(lock) => self.send_lock = Some(lock),
                Err(Error::Locked { holder, .. }) => return Ok(Queued::Kept { holder }),
                Err(e) => return Err(e),
            }
        }
        self.write_tmp(draft)?;
        self.replacing.push((draft.id.clone(), state));
        Ok(Queued::Replacing)
    }

    /// Writes `draft` as `tmp/ID` (flushed by `commit`, or here where there is no `syncfs`).
    fn write_tmp(&self, draft: &Draft) -> Result<()> {
        let path = self.staged_path(&draft.id);
        remove_if_there(&path)?;
        let envelope = serde_json::to_vec(&draft.envelope)?;
        write_new(
            &path,
            &[&envelope, b"\n", &draft.eml],
            !cfg!(target_os = "linux"),
        )
    }

    /// Makes every staged message ready, durably, and puts the staged replacements in place of
    /// the messages they replace. Returns how many new messages.
    pub fn commit(&mut self) -> Result<usize> {
        if self.staged.is_empty() && self.replacing.is_empty() {
            return Ok(0);
        }
        // Taken before the first flush: when it fails, these are not retried by a later commit
        // (a failed flush is reported once, a second one may pass with the data lost). Not
        // logged, their files in tmp/ are removed when the next run starts; so are those of the
        // replacements not made, whose messages stay as they were (the caller tells which by
        // what they say, `says`).
        let staged = std::mem::take(&mut self.staged);
        let replacing = std::mem::take(&mut self.replacing);
        self.flush_all()?;
        if !staged.is_empty() {
            self.log_ids(&staged)?;
        }
        let mut events = String::new();
        let now = Utc::now();
        for id in &staged {
            let from = self.staged_path(id);
            let to = self.path(State::Ready, id);
            fs::rename(&from, &to).map_err(|e| io("cannot move into ready/", &from, e))?;
            events.push_str(&event_line(now, id, "queued", None, State::Ready, ""));
        }
        // Under the send lock (taken by `restage`) nothing moves a message but us: a rename
        // over it swaps the file in one step, and the message stays where it waited.
        for (id, state) in replacing {
            let from = self.staged_path(&id);
            if self.locate(&id) == Some(state) {
                let to = self.path(state, &id);
                fs::rename(&from, &to).map_err(|e| io("cannot replace", &to, e))?;
                events.push_str(&event_line(
                    now,
                    &id,
                    "replaced",
                    Some(state),
                    state,
                    "queued again with other content",
                ));
            } else {
                remove_if_there(&from)?;
            }
        }
        self.flush_all()?;
        self.append_events(&events)?;
        Ok(staged.len())
    }

    /// Flushes everything written so far to disk: one `syncfs` on Linux, else the folders
    /// messages are created and renamed in (the files were flushed as they were written).
    fn flush_all(&self) -> Result<()> {
        #[cfg(target_os = "linux")]
        {
            let root =
                File::open(&self.root).map_err(|e| io("cannot open the outbox", &self.root, e))?;
            rustix::fs::syncfs(&root).map_err(|e| io("cannot flush to disk", &self.root, e.into()))
        }
        #[cfg(not(target_os = "linux"))]
        {
            sync_dir(&self.root.join("tmp"))?;
            sync_dir(&self.root.join("ready"))
        }
    }

    /// Puts right what a crash of `queue` left in `tmp/`: entries whose id was logged move on
    /// into `ready/`; the others were never reported queued and are removed. Also logs the ids
    /// of messages that reached `ready/` before their line reached the log. Call with the queue
    /// lock held.
    pub fn recover_tmp(&self) -> Result<usize> {
        let logged = self.logged_ids()?;
        let mut fixed = 0;
        for id in list(&self.root.join("tmp"))? {
            let from = self.staged_path(&id);
            if logged.contains(&id) && self.locate(&id).is_none() {
                let to = self.path(State::Ready, &id);
                fs::rename(&from, &to).map_err(|e| io("cannot move into ready/", &from, e))?;
                self.event(
                    &id,
                    "recovered",
                    None,
                    State::Ready,
                    "queued before a crash",
                )?;
            } else {
                remove_if_there(&from)?;
            }
            fixed += 1;
        }
        // `commit` renames only into ready/, and `send` runs this before it moves anything out
        // of ready/, so a message whose id a crash kept out of the log is still there: ready/ is
        // the only folder to look in, however many messages the others hold.
        let unlogged: Vec<String> = self
            .ids(State::Ready)?
            .into_iter()
            .filter(|id| !logged.contains(id))
            .collect();
        if !unlogged.is_empty() {
            self.log_ids(&unlogged)?;
            fixed += unlogged.len();
        }
        if fixed > 0 {
            sync_dir(&self.root.join("tmp"))?;
            sync_dir(&self.root.join("ready"))?;
        }
        Ok(fixed)
    }

    /// The ids in a state folder, sorted.
    pub fn ids(&self, state: State) -> Result<Vec<String>> {
        list(&self.dir(state))
    }

    /// A message's envelope and its record.
    pub fn load(&self, state: State, id: &str) -> Result<Message> {
        let envelope = self
            .envelope(state, id)?
            .map_err(|source| Error::BadEnvelope {
                path: self.message_path(state, id),
                source,
            })?;
        Ok(Message {
            state,
            envelope,
            record: self.record(id)?,
        })
    }

    /// A message for listing: as `load`, but one whose envelope does not parse (`send` files
    /// those as failed) is shown with `?` for what it could not tell and the problem as its
    /// reason, so one damaged file does not hide the rest of the outbox.
    pub fn inspect(&self, state: State, id: &str) -> Result<Message> {
        let mut record = self.record(id)?;
        let envelope = match self.envelope(state, id)? {
            Ok(envelope) => envelope,
            Err(problem) => {
                let unknown = || "?".to_string();
                if record.reason.is_none() {
                    let e = Error::BadEnvelope {
                        path: self.message_path(state, id),
                        source: problem,
                    };
                    record.reason = Some(e.to_string());
                }
                Envelope {
                    id: id.to_string(),
                    campaign: unknown(),
                    recipient: unknown(),
                    lang: unknown(),
                    copy: false,
                    supporter: unknown(),
                    from: unknown(),
                    route: crate::mail::message::Route::Email { to: unknown() },
                    subject: unknown(),
                    deadline: chrono::NaiveDate::MIN,
                    queued_at: DateTime::<Utc>::MIN_UTC,
                    campaign_file: None,
                    recipients: None,
                    digest: None,
                }
            }
        };
        Ok(Message {
            state,
            envelope,
            record,
        })
    }

    /// A message's envelope: its file's first line, read alone. The outer error is a file that
    /// cannot be read, the inner one an envelope that does not parse (edited or damaged).
    pub fn envelope(
        &self,
        state: State,
        id: &str,
    ) -> Result<std::result::Result<Envelope, serde_json::Error>> {
        let path = self.path(state, id);
        let mut line = Vec::new();
        File::open(&path)
            .and_then(|f| std::io::BufReader::new(f).read_until(b'\n', &mut line))
            .map_err(|e| io("cannot read", &path, e))?;
        Ok(serde_json::from_slice(&line))
    }

    /// What happened to a message so far (empty for one never tried).
    pub fn record(&self, id: &str) -> Result<Record> {
        let path = self.record_path(id, "json");
        match fs::read(&path) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes).map_err(|source| Error::BadRecord { path, source })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Record::default()),
            Err(e) => Err(io("cannot read", &path, e)),
        }
    }

    /// The file of a message (its envelope is the first line), for messages about it.
    pub fn message_path(&self, state: State, id: &str) -> PathBuf {
        self.path(state, id)
    }

    /// The exact bytes of a message, as queued: its file after the envelope line.
    pub fn eml(&self, state: State, id: &str) -> Result<Vec<u8>> {
        let p = self.path(state, id);
        let mut bytes = fs::read(&p).map_err(|e| io("cannot read", &p, e))?;
        let Some(end) = bytes.iter().position(|b| *b == b'\n') else {
            return Err(Error::CutShort(p));
        };
        bytes.drain(..=end);
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(Error::CutShort(p));
        }
        Ok(bytes)
    }

    /// Replaces a message's record atomically (write beside, flush, rename).
    pub fn save_record(&self, id: &str, record: &Record) -> Result<()> {
        let tmp = self.record_path(id, "json.new");
        remove_if_there(&tmp)?;
        let bytes = serde_json::to_vec_pretty(record)?;
        write_new(&tmp, &[&bytes], true)?;
        let path = self.record_path(id, "json");
        fs::rename(&tmp, &path).map_err(|e| io("cannot replace", &path, e))?;
        sync_dir(&self.root.join(RECORDS))
    }

    /// Moves `id` from `from` to `to`, durably, and logs it.
    pub fn transition(&self, id: &str, from: State, to: State, detail: &str) -> Result<()> {
        let src = self.path(from, id);
        let dst = self.path(to, id);
        fs::rename(&src, &dst).map_err(|e| io(format!("cannot move into {to}/"), &src, e))?;
        sync_dir(&self.dir(to))?;
        sync_dir(&self.dir(from))?;
        self.event(id, "moved", Some(from), to, detail)
    }

    /// Marks, durably, that the body of `id` is about to go out: from here on, a crash leaves it
    /// uncertain rather than ready. The marker holds `attempts`, the number of attempts recorded
    /// before this one, so recovery can tell whether this one's was.
    pub fn mark_data_started(&self, id: &str, attempts: usize) -> Result<()> {
        let path = self.record_path(id, "started");
        remove_if_there(&path)?;
        write_new(&path, &[attempts.to_string().as_bytes()], true)?;
        sync_dir(&self.root.join(RECORDS))
    }

    /// Whether the body of `id` began to go out: `Some(attempts recorded before it)`. A marker
    /// that cannot be read counts as started with no attempt recorded, the cautious reading.
    pub fn data_started(&self, id: &str) -> Option<usize> {
        let p = self.record_path(id, "started");
        p.exists().then(|| {
            fs::read_to_string(&p)
                .ok()
                .and_then(|t| t.trim().parse().ok())
                .unwrap_or(usize::MAX)
        })
    }

    /// Removes the marker before a message goes back to be sent again.
    pub fn clear_data_started(&self, id: &str) -> Result<()> {
        if remove_if_there(&self.record_path(id, "started"))? {
            sync_dir(&self.root.join(RECORDS))?;
        }
        Ok(())
    }

    /// A person's decision on an uncertain message: it was received (`sent` true: to `sent/`)
    /// or it was not (back to `ready/`, to be sent again); a failed or expired message may also
    /// be sent again (after the address was fixed at the recipient's end, or the section office
    /// agreed to a late letter: `send --allow-late`). Takes the send lock, so it cannot
    /// race a running `send`. Returns the new state.
    pub fn resolve(&self, id: &str, sent: bool) -> Result<State> {
        // An id names a file in the outbox: anything else (`../../etc/passwd`) is refused
        // before it reaches a path.
        if !is_id(id) {
            return Err(Error::NotAnId(id.to_string()));
        }
        let _lock = self.lock("send")?;
        let Some(state) = self.locate(id) else {
            return Err(Error::NoSuchMessage {
                id: id.to_string(),
                root: self.root.clone(),
            });
        };
        let allowed: &[State] = if sent {
            &[State::Uncertain]
        } else {
            // A person may also send again what the server refused or the deadline stopped.
            &[State::Uncertain, State::Failed, State::Expired]
        };
        if !allowed.contains(&state) {
            return Err(Error::CannotResolve {
                id: id.to_string(),
                state,
                sent,
            });
        }
        let mut msg = self.load(state, id)?;
        let (to, why) = if sent {
            (State::Sent, "resolved by hand: the recipient has it")
        } else {
            (State::Ready, "resolved by hand: send it again")
        };
        msg.record.reason = Some(format!(
            "{why} ({})",
            Utc::now().format("%Y-%m-%d %H:%M UTC")
        ));
        msg.record.next_attempt = None;
        self.save_record(id, &msg.record)?;
        self.clear_data_started(id)?;
        self.transition(id, state, to, why)?;
        Ok(to)
    }

    /// Removes the messages of `states` last touched before `before` (the last attempt, else when
    /// queued), with their records: supporters' data kept no longer than needed. Their ids stay
    /// in `ids.log`, so none of them can be queued again. Takes the send lock. Returns what it
    /// removed, sorted.
    pub fn purge(&self, states: &[State], before: DateTime<Utc>) -> Result<Vec<(String, State)>> {
        let _lock = self.lock("send")?;
        // Every id is in the log before its message goes: the log is the memory of what was sent.
        self.known_ids()?;
        let mut removed = Vec::new();
        for &state in states.iter().filter(|s| **s != State::Sending) {
            for id in self.ids(state)? {
                let record = self.record(&id)?;
                let touched = match record.attempts.last() {
                    Some(a) => Some(a.at),
                    None => self.envelope(state, &id)?.ok().map(|e| e.queued_at),
                };
                // A message whose age cannot be told is kept: purging is for what is known old.
                if touched.is_none_or(|t| t >= before) {
                    continue;
                }
                let path = self.path(state, &id);
                fs::remove_file(&path).map_err(|e| io("cannot remove", &path, e))?;
                for ext in ["json", "started"] {
                    remove_if_there(&self.record_path(&id, ext))?;
                }
                self.event(&id, "purged", Some(state), state, "")?;
                removed.push((id, state));
            }
            sync_dir(&self.dir(state))?;
        }
        sync_dir(&self.root.join(RECORDS))?;
        removed.sort();
        Ok(removed)
    }

    /// Appends one line to the event log.
    pub fn event(
        &self,
        id: &str,
        what: &str,
        from: Option<State>,
        to: State,
        detail: &str,
    ) -> Result<()> {
        self.append_events(&event_line(Utc::now(), id, what, from, to, detail))
    }

    fn append_events(&self, lines: &str) -> Result<()> {
        let path = self.root.join("events.log");
        let mut f = open_no_follow(OpenOptions::new().create(true).append(true), &path)
            .map_err(|e| io("cannot open", &path, e))?;
        f.write_all(lines.as_bytes())
            .and_then(|()| f.sync_data())
            .map_err(|e| io("cannot append to", &path, e))
    }
}

fn event_line(
    at: DateTime<Utc>,
    id: &str,
    what: &str,
    from: Option<State>,
    to: State,
    detail: &str,
) -> String {
    let mut line = serde_json::json!({
        "at": at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "id": id,
        "event": what,
        "to": to,
    });
    if let Some(from) = from {
        line["from"] = serde_json::json!(from);
    }
    if !detail.is_empty() {
        line["detail"] = serde_json::json!(detail);
    }
    format!("{line}\n")
}

/// Whether a name is a message id (hexadecimal digits).
fn is_id(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The entries of a folder whose names are message ids, sorted.
fn list(dir: &Path) -> Result<Vec<String>> {
    let mut ids: Vec<String> = fs::read_dir(dir)
        .map_err(|e| io("cannot list", dir, e))?
        .filter_map(|e| e.ok())
        // A folder is no message, whatever its name (as `locate` sees it too).
        .filter(|e| e.file_type().is_ok_and(|t| !t.is_dir()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| is_id(n))
        .collect();
    ids.sort();
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::message::Route;

    #[test]
    fn waits_out_a_lock_held_for_a_moment_but_refuses_a_busy_one() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::open(dir.path()).unwrap();
        let held = outbox.lock("queue").unwrap();
        assert!(matches!(outbox.lock("queue"), Err(Error::Locked { .. })));
        let releaser = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(200));
            drop(held);
        });
        assert!(
            outbox
                .lock_within("queue", std::time::Duration::from_secs(5))
                .is_ok()
        );
        releaser.join().unwrap();
        // A holder that stays: refused once the patience runs out, not waited on for ever.
        let _held = outbox.lock("send").unwrap();
        assert!(matches!(
            outbox.lock_within("send", std::time::Duration::from_millis(100)),
            Err(Error::Locked { .. })
        ));
    }

    #[test]
    fn the_state_folders_are_the_truth_when_the_id_log_is_lost() {
        let dir = tempfile::tempdir().unwrap();
        let mut outbox = Outbox::open(dir.path()).unwrap();
        assert_eq!(outbox.stage(&draft("aa01")).unwrap(), Queued::Staged);
        outbox.commit().unwrap();
        outbox
            .transition("aa01", State::Ready, State::Sent, "test")
            .unwrap();
        fs::remove_file(dir.path().join(IDS_LOG)).unwrap();
        let mut again = Outbox::open(dir.path()).unwrap();
        assert_eq!(again.stage(&draft("aa01")).unwrap(), Queued::Already);
        // And the log is whole again.
        assert!(again.logged_ids().unwrap().contains("aa01"));
    }

    #[test]
    fn an_id_log_that_cannot_be_read_stops_queuing_rather_than_forgetting() {
        // Read as empty, every message already sent would look new.
        let dir = tempfile::tempdir().unwrap();
        let mut outbox = Outbox::open(dir.path()).unwrap();
        fs::create_dir(dir.path().join(IDS_LOG)).unwrap();
        assert!(matches!(
            outbox.stage(&draft("aa01")),
            Err(Error::Io { .. })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn never_writes_through_a_planted_link() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside.txt");
        fs::write(&outside, "precious").unwrap();
        let root = dir.path().join("outbox");
        let outbox = Outbox::open(&root).unwrap();
        for name in ["queue.lock", "events.log", IDS_LOG] {
            std::os::unix::fs::symlink(&outside, root.join(name)).unwrap();
        }
        assert!(matches!(outbox.lock("queue"), Err(Error::Io { .. })));
        assert!(outbox.event("aa01", "x", None, State::Ready, "").is_err());
        assert!(outbox.log_ids(&["aa01".to_string()]).is_err());
        assert_eq!(fs::read_to_string(&outside).unwrap(), "precious");
        // A linked state folder is refused when the outbox is opened.
        fs::remove_dir(root.join("sent")).unwrap();
        std::os::unix::fs::symlink(dir.path(), root.join("sent")).unwrap();
        assert!(matches!(Outbox::open(&root), Err(Error::Symlink(_))));
    }

    fn draft(id: &str) -> Draft {
        Draft {
            id: id.to_string(),
            previous_id: None,
            eml: format!("Subject: {id}\r\n\r\nBody of {id}\r\n").into_bytes(),
            envelope: Envelope {
                id: id.to_string(),
                campaign: "c".into(),
                recipient: "r".into(),
                lang: "en".into(),
                copy: false,
                supporter: "S".into(),
                from: "a@example.org".into(),
                route: Route::Email {
                    to: "b@example.org".into(),
                },
                subject: id.to_string(),
                deadline: chrono::NaiveDate::from_ymd_opt(2099, 1, 1).unwrap(),
                queued_at: Utc::now(),
                campaign_file: None,
                recipients: None,
                digest: Some(format!("digest of {id}")),
            },
        }
    }

    #[test]
    fn a_message_is_one_file_and_queuing_it_again_does_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut outbox = Outbox::open(dir.path()).unwrap();
        assert_eq!(outbox.stage(&draft("aa01")).unwrap(), Queued::Staged);
        assert_eq!(outbox.stage(&draft("aa01")).unwrap(), Queued::Already);
        assert_eq!(outbox.commit().unwrap(), 1);
        assert_eq!(outbox.ids(State::Ready).unwrap(), ["aa01"]);
        assert_eq!(outbox.eml(State::Ready, "aa01").unwrap(), draft("aa01").eml);
        let msg = outbox.load(State::Ready, "aa01").unwrap();
        assert_eq!(msg.envelope.subject, "aa01");
        assert_eq!(msg.record, Record::default());
        // Another run knows it from ids.log, wherever the message went since.
        outbox
            .transition("aa01", State::Ready, State::Sent, "")
            .unwrap();
        let mut again = Outbox::open(dir.path()).unwrap();
        assert_eq!(again.stage(&draft("aa01")).unwrap(), Queued::Already);
        assert_eq!(again.commit().unwrap(), 0);
        assert!(list(&dir.path().join("tmp")).unwrap().is_empty());
    }

    /// `draft(id)` saying something else.
    fn corrected(id: &str) -> Draft {
        let mut d = draft(id);
        d.eml = format!("Subject: {id}\r\n\r\nCorrected body of {id}\r\n").into_bytes();
        d.envelope.digest = Some(format!("corrected digest of {id}"));
        d
    }

    #[test]
    fn an_unsent_message_queued_again_with_other_content_is_replaced_a_sent_one_never() {
        let dir = tempfile::tempdir().unwrap();
        let mut outbox = Outbox::open(dir.path()).unwrap();
        for id in ["aa01", "aa02", "aa03"] {
            outbox.stage(&draft(id)).unwrap();
        }
        outbox.commit().unwrap();
        outbox
            .transition("aa02", State::Ready, State::Deferred, "")
            .unwrap();
        outbox
            .transition("aa03", State::Ready, State::Sent, "")
            .unwrap();
        // The same content again: left alone.
        assert_eq!(outbox.stage(&draft("aa01")).unwrap(), Queued::Already);
        for (id, state) in [("aa01", State::Ready), ("aa02", State::Deferred)] {
            assert_eq!(outbox.stage(&corrected(id)).unwrap(), Queued::Replacing);
            // Staged once per run, however often it comes.
            assert_eq!(outbox.stage(&corrected(id)).unwrap(), Queued::Already);
            assert_eq!(
                outbox.eml(state, id).unwrap(),
                draft(id).eml,
                "not before commit"
            );
        }
        assert_eq!(outbox.stage(&corrected("aa03")).unwrap(), Queued::Already);
        assert_eq!(outbox.commit().unwrap(), 0, "nothing new");
        for (id, state) in [("aa01", State::Ready), ("aa02", State::Deferred)] {
            assert_eq!(outbox.locate(id), Some(state), "it waits where it waited");
            assert_eq!(outbox.eml(state, id).unwrap(), corrected(id).eml);
        }
        assert_eq!(outbox.eml(State::Sent, "aa03").unwrap(), draft("aa03").eml);
        assert!(list(&dir.path().join("tmp")).unwrap().is_empty());
        let events = fs::read_to_string(dir.path().join("events.log")).unwrap();
        assert_eq!(events.matches("\"replaced\"").count(), 2, "{events}");
    }

    #[test]
    fn a_message_without_a_digest_or_known_by_its_earlier_id_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let mut outbox = Outbox::open(dir.path()).unwrap();
        let mut old = draft("bb01");
        old.envelope.digest = None;
        outbox.stage(&old).unwrap();
        outbox.commit().unwrap();
        assert_eq!(outbox.stage(&corrected("bb01")).unwrap(), Queued::Already);
        let mut renamed = corrected("bb02");
        renamed.previous_id = Some("bb01".into());
        assert_eq!(outbox.stage(&renamed).unwrap(), Queued::Already);
        outbox.commit().unwrap();
        assert_eq!(outbox.ids(State::Ready).unwrap(), ["bb01"]);
    }

    #[test]
    fn after_a_crash_of_queue_logged_messages_go_on_and_the_others_go() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let mut outbox = Outbox::open(root).unwrap();
        for id in ["bb01", "bb02"] {
            outbox.stage(&draft(id)).unwrap();
        }
        // The crash: bb01's id reached the log, bb02's only half; a third message reached
        // ready/ before its id reached the log.
        fs::write(root.join(IDS_LOG), "bb01\nbb0").unwrap();
        fs::write(root.join("ready/bb03"), b"{}\nx").unwrap();
        drop(outbox);
        let outbox = Outbox::open(root).unwrap();
        assert_eq!(outbox.recover_tmp().unwrap(), 3);
        assert_eq!(outbox.ids(State::Ready).unwrap(), ["bb01", "bb03"]);
        assert!(list(&root.join("tmp")).unwrap().is_empty());
        // The torn line is left behind on a line of its own, never read as an id.
        assert_eq!(
            fs::read_to_string(root.join(IDS_LOG)).unwrap(),
            "bb01\nbb0\nbb03\n"
        );
        let logged = outbox.logged_ids().unwrap();
        assert!(logged.contains("bb03") && !logged.contains("bb02"));
    }

    #[test]
    fn records_and_the_data_started_marker_stay_with_the_id_across_moves() {
        let dir = tempfile::tempdir().unwrap();
        let mut outbox = Outbox::open(dir.path()).unwrap();
        outbox.stage(&draft("cc01")).unwrap();
        outbox.commit().unwrap();
        outbox
            .transition("cc01", State::Ready, State::Sending, "")
            .unwrap();
        outbox.mark_data_started("cc01", 2).unwrap();
        assert_eq!(outbox.data_started("cc01"), Some(2));
        let record = Record {
            reason: Some("why".into()),
            ..Record::default()
        };
        outbox.save_record("cc01", &record).unwrap();
        outbox
            .transition("cc01", State::Sending, State::Uncertain, "")
            .unwrap();
        assert_eq!(outbox.locate("cc01"), Some(State::Uncertain));
        assert_eq!(
            outbox.load(State::Uncertain, "cc01").unwrap().record,
            record
        );
        outbox.clear_data_started("cc01").unwrap();
        assert_eq!(outbox.data_started("cc01"), None);
    }

    #[test]
    fn an_outbox_of_the_old_layout_is_refused_with_a_hint() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("ids")).unwrap();
        let err = Outbox::open(dir.path()).err().unwrap();
        assert!(matches!(err, Error::OldLayout(_)));
        let text = err.to_string();
        assert!(
            text.contains("earlier version") && text.contains("hint"),
            "{text}"
        );
    }
}
