//! Requests to send a supporter's letters by email, waiting for her confirmation (double opt-in:
//! nobody can send appeals in another person's name). A request is a file in
//! `OUTBOX/pending/`, named by the SHA-256 of its link's token (the folder never holds a working
//! link), readable by the server only; the link works once, within `VALID_HOURS`. Claiming is a
//! rename, so two clicks at once cannot both queue the letters; a used link leaves an empty
//! marker, so a second click is told the letters went already. Expired requests are removed
//! when the next one comes in: her data is kept no longer than needed.

use std::path::{Path, PathBuf};

use sha2::Digest;

use super::csrf::{hex, random_hex};
use super::form::LetterForm;

/// How long a confirmation link works.
pub const VALID_HOURS: i64 = 24;

/// How long the marker of a used link is kept (a second click within that time is told the
/// letters went already).
const USED_DAYS: i64 = 7;

/// A request as kept until she confirms it.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Pending {
    /// The action's id.
    pub action: String,
    /// The page's language when she asked (the confirmation page speaks it).
    pub page_lang: String,
    pub form: LetterForm,
    /// When she asked, in seconds since 1970.
    pub created: i64,
}

/// What a click on a link finds.
#[derive(Debug)]
pub enum Claim {
    /// The request, now hers to queue: `done` or `release` it.
    Claimed(Box<Pending>),
    /// Used before.
    Used,
    /// Older than `VALID_HOURS`.
    Expired,
    /// No such request (a mistyped link, or one removed).
    Unknown,
}

/// Whether `text` has the form of a link's token (64 hex digits).
pub fn is_token(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The requests folder.
pub struct Requests {
    dir: PathBuf,
}

/// Seconds since 1970, now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl Requests {
    pub fn new(outbox: &Path) -> Requests {
        Requests {
            dir: outbox.join("pending"),
        }
    }

    fn path(&self, token: &str, ext: &str) -> Option<PathBuf> {
        // Only a token this server could have made names a file.
        if !is_token(token) {
            return None;
        }
        let name = hex(&sha2::Sha256::digest(token.to_ascii_lowercase().as_bytes()));
        Some(self.dir.join(format!("{name}.{ext}")))
    }

    /// Keeps `pending`; returns the token of its link.
    pub fn add(&self, pending: &Pending) -> std::io::Result<String> {
        self.sweep(pending.created);
        let token = random_hex::<32>()?;
        let path = self
            .path(&token, "json")
            .ok_or_else(|| std::io::Error::other("a token of the wrong form"))?;
        let mut dirs = std::fs::DirBuilder::new();
        dirs.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut dirs, 0o700);
        dirs.create(&self.dir)?;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        use std::io::Write;
        let mut file = options.open(&path)?;
        file.write_all(&serde_json::to_vec(pending).map_err(std::io::Error::other)?)?;
        file.sync_all()?;
        Ok(token)
    }

    /// Takes the request of `token` for queueing, at most once.
    pub fn claim(&self, token: &str, now: i64) -> Claim {
        let (Some(waiting), Some(claimed), Some(used)) = (
            self.path(token, "json"),
            self.path(token, "claimed"),
            self.path(token, "used"),
        ) else {
            return Claim::Unknown;
        };
        if std::fs::rename(&waiting, &claimed).is_err() {
            return if used.exists() || claimed.exists() {
                Claim::Used
            } else {
                Claim::Unknown
            };
        }
        let pending: Option<Pending> = std::fs::read(&claimed)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok());
        let Some(pending) = pending else {
            let _ = std::fs::remove_file(&claimed);
            return Claim::Unknown;
        };
        if now - pending.created > VALID_HOURS * 3600 {
            let _ = std::fs::remove_file(&claimed);
            return Claim::Expired;
        }
        Claim::Claimed(Box::new(pending))
    }

    /// The letters of a claimed request are queued: her data goes, an empty marker stays.
    pub fn done(&self, token: &str) {
        if let (Some(claimed), Some(used)) = (self.path(token, "claimed"), self.path(token, "used"))
        {
            let _ = std::fs::write(&used, b"");
            let _ = std::fs::remove_file(&claimed);
        }
    }

    /// Forgets a waiting request (its confirmation message could not be sent: she has no link).
    pub fn remove(&self, token: &str) {
        if let Some(waiting) = self.path(token, "json") {
            let _ = std::fs::remove_file(waiting);
        }
    }

    /// A claimed request could not be queued: it waits again for another click.
    pub fn release(&self, token: &str) {
        if let (Some(claimed), Some(waiting)) =
            (self.path(token, "claimed"), self.path(token, "json"))
        {
            let _ = std::fs::rename(&claimed, &waiting);
        }
    }

    /// Removes expired requests and old markers.
    fn sweep(&self, now: i64) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let age = entry
                .metadata()
                .ok()
                .and_then(|m| m.modified().ok())
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| now - d.as_secs() as i64);
            let limit = match path.extension().and_then(|e| e.to_str()) {
                Some("json") => VALID_HOURS * 3600,
                Some("used") => USED_DAYS * 86_400,
                _ => continue,
            };
            if age > limit {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(created: i64) -> Pending {
        Pending {
            action: "juraev-2011".to_string(),
            page_lang: "en".to_string(),
            form: LetterForm {
                name: "Eva Muster".to_string(),
                ..LetterForm::default()
            },
            created,
        }
    }

    #[test]
    fn now_is_the_clock_not_a_constant() {
        // A request's age is `now() - created`: a clock stuck at any value would make links
        // never expire.
        let system = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        assert!((now() - system).abs() <= 2, "{} vs {system}", now());
        assert!(now() > 1_700_000_000);
    }

    #[test]
    fn a_link_works_for_a_whole_day_and_not_a_second_longer() {
        let dir = tempfile::tempdir().unwrap();
        let requests = Requests::new(dir.path());
        let now = now();
        let day = VALID_HOURS * 3600;
        for (age, works) in [
            (3600, true),
            (23 * 3600, true),
            (day, true),
            (day + 1, false),
        ] {
            let token = requests.add(&pending(now - age)).unwrap();
            let claim = requests.claim(&token, now);
            assert_eq!(
                matches!(claim, Claim::Claimed(_)),
                works,
                "{age} s: {claim:?}"
            );
        }
    }

    #[test]
    fn old_requests_and_markers_are_removed_when_the_next_request_comes_in() {
        let dir = tempfile::tempdir().unwrap();
        let requests = Requests::new(dir.path());
        let now = now();
        let days_ago = |file: &std::path::Path, days: u64| {
            let then = std::time::SystemTime::now() - std::time::Duration::from_secs(days * 86_400);
            let handle = std::fs::File::options().write(true).open(file).unwrap();
            handle.set_modified(then).unwrap();
        };
        let file_of = |token: &str, ext: &str| requests.path(token, ext).unwrap();
        // A request of two days ago, one of 23 hours ago; a link used 8 days ago, one 2 days ago.
        let (old, recent) = (
            requests.add(&pending(now)).unwrap(),
            requests.add(&pending(now)).unwrap(),
        );
        days_ago(&file_of(&old, "json"), 2);
        // Asked 23 hours ago: still within its day.
        let almost_a_day_ago =
            std::time::SystemTime::now() - std::time::Duration::from_secs(23 * 3600);
        std::fs::File::options()
            .write(true)
            .open(file_of(&recent, "json"))
            .unwrap()
            .set_modified(almost_a_day_ago)
            .unwrap();
        let (used_long_ago, used_lately) = (
            requests.add(&pending(now)).unwrap(),
            requests.add(&pending(now)).unwrap(),
        );
        for token in [&used_long_ago, &used_lately] {
            assert!(matches!(requests.claim(token, now), Claim::Claimed(_)));
            requests.done(token);
        }
        days_ago(&file_of(&used_long_ago, "used"), USED_DAYS as u64 + 1);
        days_ago(&file_of(&used_lately, "used"), 2);
        requests.add(&pending(now)).unwrap();
        assert!(
            !file_of(&old, "json").exists(),
            "her data is not kept past its day"
        );
        assert!(file_of(&recent, "json").exists());
        assert!(!file_of(&used_long_ago, "used").exists());
        assert!(file_of(&used_lately, "used").exists());
        assert!(matches!(requests.claim(&used_lately, now), Claim::Used));
        assert!(matches!(requests.claim(&recent, now), Claim::Claimed(_)));
    }

    #[test]
    fn a_link_works_once_and_not_after_it_expires() {
        let dir = tempfile::tempdir().unwrap();
        let requests = Requests::new(dir.path());
        let now = now();
        let token = requests.add(&pending(now)).unwrap();
        let files: Vec<String> = std::fs::read_dir(dir.path().join("pending"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(files.len(), 1);
        assert!(
            !files[0].contains(&token),
            "the folder holds no working link"
        );
        let Claim::Claimed(p) = requests.claim(&token, now) else {
            panic!("the first click claims it")
        };
        assert_eq!(p.form.name, "Eva Muster");
        assert!(matches!(requests.claim(&token, now), Claim::Used));
        requests.release(&token);
        assert!(matches!(requests.claim(&token, now), Claim::Claimed(_)));
        requests.done(&token);
        assert!(matches!(requests.claim(&token, now), Claim::Used));
        let old = requests
            .add(&pending(now - VALID_HOURS * 3600 - 1))
            .unwrap();
        assert!(matches!(requests.claim(&old, now), Claim::Expired));
        assert!(matches!(requests.claim(&old, now), Claim::Unknown));
        assert!(matches!(
            requests.claim(&"a".repeat(64), now),
            Claim::Unknown
        ));
        assert!(matches!(
            requests.claim("../../etc/passwd", now),
            Claim::Unknown
        ));
    }
}
