//! The outbox: one directory per message, moved between state folders with `rename`, the design
//! of Maildir and Postfix's queue. A message is in exactly one state folder at any time, because
//! a rename within one file system is atomic; its directory keeps the exact bytes sent
//! (`message.eml`), its envelope (`envelope.json`) and, once tried, the record of attempts
//! (`record.json`).
//!
//! ```text
//! OUTBOX/tmp/ID        being written by `queue` (never read by `send`)
//!        ready/ID      waiting to be sent
//!        sending/ID    claimed by a `send` run; `data-started` once the body began to go out
//!        sent/ failed/ deferred/ uncertain/ expired/
//!        ids/ID        one empty file per message ever queued: queuing again is a no-op
//!        events.log    append-only, one JSON line per transition
//!        queue.lock, send.lock
//! ```
//!
//! Durability: `queue` writes a batch of messages into `tmp/`, flushes them to disk (`syncfs` on
//! Linux, one `fsync` per file elsewhere), then marks each id in `ids/` and renames it into
//! `ready/`, and flushes again. After a crash, `tmp/` entries with their id marked are finished
//! and the others removed (they were never reported queued). `send` fsyncs each transition.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::email::{Draft, Envelope};

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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Queued {
    /// Staged: it becomes ready at the next `commit`.
    Staged,
    /// The same message was queued before (by this run or an earlier one).
    Already,
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
}

const EML: &str = "message.eml";
const ENVELOPE: &str = "envelope.json";
const RECORD: &str = "record.json";
const DATA_STARTED: &str = "data-started";

fn io_err(what: &str, path: &Path, e: std::io::Error) -> String {
    format!("{}: {what}: {e}", path.display())
}

/// Flushes a directory's entries (names created, renamed or removed) to disk.
fn sync_dir(dir: &Path) -> Result<(), String> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_err("cannot flush the folder to disk", dir, e))
}

/// Writes `bytes` to `path` (a new file) and flushes it when `sync`.
fn write_new(path: &Path, bytes: &[u8], sync: bool) -> Result<(), String> {
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| io_err("cannot create", path, e))?;
    f.write_all(bytes)
        .map_err(|e| io_err("cannot write", path, e))?;
    if sync {
        f.sync_all()
            .map_err(|e| io_err("cannot flush to disk", path, e))?;
    }
    Ok(())
}

impl Outbox {
    /// Opens the outbox at `root`, creating its folders when missing.
    pub fn open(root: &Path) -> Result<Outbox, String> {
        for sub in ["tmp", "ids"]
            .into_iter()
            .chain(State::ALL.iter().map(|s| s.name()))
        {
            let dir = root.join(sub);
            fs::create_dir_all(&dir).map_err(|e| io_err("cannot create the folder", &dir, e))?;
        }
        Ok(Outbox {
            root: root.to_path_buf(),
            staged: Vec::new(),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn dir(&self, state: State) -> PathBuf {
        self.root.join(state.name())
    }

    fn path(&self, state: State, id: &str) -> PathBuf {
        self.dir(state).join(id)
    }

    /// Takes the lock `name` (`queue` or `send`) without waiting; `Err` says who holds it.
    pub fn lock(&self, name: &str) -> Result<Lock, String> {
        let path = self.root.join(format!("{name}.lock"));
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| io_err("cannot open the lock file", &path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                let holder = fs::read_to_string(&path).unwrap_or_default();
                return Err(format!(
                    "another `appeal {name}` is working on the outbox {} ({}) (hint: wait for it to finish; two at once could send a letter twice)",
                    self.root.display(),
                    if holder.trim().is_empty() {
                        "holder unknown".to_string()
                    } else {
                        holder.trim().to_string()
                    }
                ));
            }
            Err(fs::TryLockError::Error(e)) => return Err(io_err("cannot lock", &path, e)),
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

    /// Whether the message `id` was ever queued here.
    pub fn knows(&self, id: &str) -> bool {
        self.root.join("ids").join(id).exists()
    }

    /// The state folder `id` is in, if any.
    pub fn locate(&self, id: &str) -> Option<State> {
        State::ALL
            .into_iter()
            .find(|s| self.path(*s, id).join(ENVELOPE).exists())
    }

    /// Writes `draft` into `tmp/`; it becomes ready at `commit`. Call with the queue lock held.
    pub fn stage(&mut self, draft: &Draft) -> Result<Queued, String> {
        if self.knows(&draft.id) || self.staged.contains(&draft.id) {
            return Ok(Queued::Already);
        }
        let dir = self.root.join("tmp").join(&draft.id);
        if dir.exists() {
            fs::remove_dir_all(&dir).map_err(|e| io_err("cannot clear", &dir, e))?;
        }
        fs::create_dir(&dir).map_err(|e| io_err("cannot create", &dir, e))?;
        let sync = !cfg!(target_os = "linux");
        write_new(&dir.join(EML), &draft.eml, sync)?;
        let envelope = serde_json::to_vec_pretty(&draft.envelope).map_err(|e| e.to_string())?;
        write_new(&dir.join(ENVELOPE), &envelope, sync)?;
        // No record yet: a message never tried has none (`load` reads it as empty), which saves
        // creating a file per message when thousands are queued.
        self.staged.push(draft.id.clone());
        Ok(Queued::Staged)
    }

    /// Makes every staged message ready, durably. Returns how many.
    pub fn commit(&mut self) -> Result<usize, String> {
        if self.staged.is_empty() {
            return Ok(0);
        }
        self.flush_all()?;
        let staged = std::mem::take(&mut self.staged);
        let mut events = String::new();
        let now = Utc::now();
        for id in &staged {
            write_new(&self.root.join("ids").join(id), b"", false)?;
            let from = self.root.join("tmp").join(id);
            let to = self.path(State::Ready, id);
            fs::rename(&from, &to).map_err(|e| io_err("cannot move into ready/", &from, e))?;
            events.push_str(&event_line(now, id, "queued", None, State::Ready, ""));
        }
        self.flush_all()?;
        self.append_events(&events)?;
        Ok(staged.len())
    }

    /// Flushes everything written so far to disk: one `syncfs` on Linux, else each folder of
    /// the outbox (files staged elsewhere were flushed as they were written).
    fn flush_all(&self) -> Result<(), String> {
        #[cfg(target_os = "linux")]
        {
            let root = File::open(&self.root)
                .map_err(|e| io_err("cannot open the outbox", &self.root, e))?;
            rustix::fs::syncfs(&root)
                .map_err(|e| io_err("cannot flush to disk", &self.root, e.into()))
        }
        #[cfg(not(target_os = "linux"))]
        {
            for sub in ["tmp", "ids", "ready"] {
                sync_dir(&self.root.join(sub))?;
            }
            for id in &self.staged {
                sync_dir(&self.root.join("tmp").join(id))?;
            }
            Ok(())
        }
    }

    /// Puts right what a crash of `queue` left in `tmp/`: entries whose id was marked move on
    /// into `ready/`; the others were never reported queued and are removed. Also marks ids
    /// whose message reached `ready/` before its mark did. Call with the queue lock held.
    pub fn recover_tmp(&self) -> Result<usize, String> {
        let mut fixed = 0;
        for id in list(&self.root.join("tmp"))? {
            let from = self.root.join("tmp").join(&id);
            if self.knows(&id) && self.locate(&id).is_none() {
                let to = self.path(State::Ready, &id);
                fs::rename(&from, &to).map_err(|e| io_err("cannot move into ready/", &from, e))?;
                self.event(
                    &id,
                    "recovered",
                    None,
                    State::Ready,
                    "queued before a crash",
                )?;
            } else {
                fs::remove_dir_all(&from).map_err(|e| io_err("cannot remove", &from, e))?;
            }
            fixed += 1;
        }
        // `commit` renames only into ready/, and `send` runs this before it moves anything out
        // of ready/, so a message that lost its mark in a crash is still there: ready/ is the
        // only folder to look in, however many messages the others hold.
        for id in self.ids(State::Ready)? {
            if !self.knows(&id) {
                write_new(&self.root.join("ids").join(&id), b"", true)?;
                fixed += 1;
            }
        }
        if fixed > 0 {
            sync_dir(&self.root.join("tmp"))?;
            sync_dir(&self.root.join("ready"))?;
            sync_dir(&self.root.join("ids"))?;
        }
        Ok(fixed)
    }

    /// The ids in a state folder, sorted.
    pub fn ids(&self, state: State) -> Result<Vec<String>, String> {
        list(&self.dir(state))
    }

    pub fn load(&self, state: State, id: &str) -> Result<Message, String> {
        let dir = self.path(state, id);
        let read = |name: &str| {
            let p = dir.join(name);
            fs::read(&p).map_err(|e| io_err("cannot read", &p, e))
        };
        let envelope: Envelope = serde_json::from_slice(&read(ENVELOPE)?).map_err(|e| {
            format!(
                "{}: not a message envelope: {e}",
                dir.join(ENVELOPE).display()
            )
        })?;
        let record: Record = if dir.join(RECORD).exists() {
            serde_json::from_slice(&read(RECORD)?)
                .map_err(|e| format!("{}: not a message record: {e}", dir.join(RECORD).display()))?
        } else {
            Record::default()
        };
        Ok(Message {
            state,
            envelope,
            record,
        })
    }

    /// The envelope file of a message, for messages about it.
    pub fn envelope_path(&self, state: State, id: &str) -> PathBuf {
        self.path(state, id).join(ENVELOPE)
    }

    /// The exact bytes of a message, as queued.
    pub fn eml(&self, state: State, id: &str) -> Result<Vec<u8>, String> {
        let p = self.path(state, id).join(EML);
        fs::read(&p).map_err(|e| io_err("cannot read", &p, e))
    }

    /// Replaces a message's record atomically (write beside, flush, rename).
    pub fn save_record(&self, state: State, id: &str, record: &Record) -> Result<(), String> {
        let dir = self.path(state, id);
        let tmp = dir.join("record.json.new");
        let _ = fs::remove_file(&tmp);
        let bytes = serde_json::to_vec_pretty(record).map_err(|e| e.to_string())?;
        write_new(&tmp, &bytes, true)?;
        let path = dir.join(RECORD);
        fs::rename(&tmp, &path).map_err(|e| io_err("cannot replace", &path, e))?;
        sync_dir(&dir)
    }

    /// Moves `id` from `from` to `to`, durably, and logs it.
    pub fn transition(&self, id: &str, from: State, to: State, detail: &str) -> Result<(), String> {
        let src = self.path(from, id);
        let dst = self.path(to, id);
        fs::rename(&src, &dst).map_err(|e| io_err(&format!("cannot move into {to}/"), &src, e))?;
        sync_dir(&self.dir(to))?;
        sync_dir(&self.dir(from))?;
        self.event(id, "moved", Some(from), to, detail)
    }

    /// Marks, durably, that the body of `id` (in `sending/`) is about to go out: from here on, a
    /// crash leaves it uncertain rather than ready. The marker holds `attempts`, the number of
    /// attempts recorded before this one, so recovery can tell whether this one's was.
    pub fn mark_data_started(&self, id: &str, attempts: usize) -> Result<(), String> {
        let dir = self.path(State::Sending, id);
        write_new(
            &dir.join(DATA_STARTED),
            attempts.to_string().as_bytes(),
            true,
        )?;
        sync_dir(&dir)
    }

    /// Whether the body of `id` began to go out: `Some(attempts recorded before it)`. A marker
    /// that cannot be read counts as started with no attempt recorded, the cautious reading.
    pub fn data_started(&self, state: State, id: &str) -> Option<usize> {
        let p = self.path(state, id).join(DATA_STARTED);
        p.exists().then(|| {
            fs::read_to_string(&p)
                .ok()
                .and_then(|t| t.trim().parse().ok())
                .unwrap_or(usize::MAX)
        })
    }

    /// Removes the marker before a message goes back to be sent again.
    pub fn clear_data_started(&self, state: State, id: &str) -> Result<(), String> {
        let p = self.path(state, id).join(DATA_STARTED);
        match fs::remove_file(&p) {
            Ok(()) => sync_dir(&self.path(state, id)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_err("cannot remove", &p, e)),
        }
    }

    /// A person's decision on an uncertain message: it was received (`sent` true: to `sent/`)
    /// or it was not (back to `ready/`, to be sent again); a failed or expired message may also
    /// be sent again (after the address was fixed at the recipient's end, or the section office
    /// agreed to a late letter: `send --allow-late`). Takes the send lock, so it cannot
    /// race a running `send`. Returns the new state.
    pub fn resolve(&self, id: &str, sent: bool) -> Result<State, String> {
        let _lock = self.lock("send")?;
        let Some(state) = self.locate(id) else {
            return Err(format!(
                "no message `{id}` in the outbox {} (hint: `appeal outbox` lists the uncertain ones)",
                self.root.display()
            ));
        };
        let allowed: &[State] = if sent {
            &[State::Uncertain]
        } else {
            // A person may also send again what the server refused or the deadline stopped.
            &[State::Uncertain, State::Failed, State::Expired]
        };
        if !allowed.contains(&state) {
            return Err(format!(
                "message `{id}` is {state}; {} (hint: `appeal outbox` lists the messages that need a decision)",
                if sent {
                    "only an uncertain message can be marked sent"
                } else {
                    "only an uncertain, failed or expired message can be sent again"
                }
            ));
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
        self.save_record(state, id, &msg.record)?;
        self.clear_data_started(state, id)?;
        self.transition(id, state, to, why)?;
        Ok(to)
    }

    /// Appends one line to the event log.
    pub fn event(
        &self,
        id: &str,
        what: &str,
        from: Option<State>,
        to: State,
        detail: &str,
    ) -> Result<(), String> {
        self.append_events(&event_line(Utc::now(), id, what, from, to, detail))
    }

    fn append_events(&self, lines: &str) -> Result<(), String> {
        let path = self.root.join("events.log");
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| io_err("cannot open", &path, e))?;
        f.write_all(lines.as_bytes())
            .and_then(|()| f.sync_data())
            .map_err(|e| io_err("cannot append to", &path, e))
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

/// The entries of a folder whose names are message ids, sorted.
fn list(dir: &Path) -> Result<Vec<String>, String> {
    let mut ids: Vec<String> = fs::read_dir(dir)
        .map_err(|e| io_err("cannot list", dir, e))?
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_hexdigit()))
        .collect();
    ids.sort();
    Ok(ids)
}
