//! Cross-site request forgery: a form is accepted only with a token that this server made for the
//! browser that posts it. The browser holds a random nonce in a cookie (`HttpOnly`,
//! `SameSite=Strict`); each form carries HMAC-SHA256(secret, nonce, action), which a page of
//! another site can neither read nor make. No session is stored on the server.

use std::path::Path;

use hmac::{KeyInit, Mac};

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// The cookie that holds the browser's nonce.
pub const COOKIE: &str = "appeal_csrf";

/// The server's secret: 32 random bytes kept in the outbox folder (mode 0600), so that forms a
/// supporter has open stay valid across a restart.
pub struct Secret([u8; 32]);

impl Secret {
    /// Reads the secret at `path`, or makes one there.
    pub fn load_or_make(path: &Path) -> std::io::Result<Secret> {
        if let Ok(bytes) = std::fs::read(path)
            && let Ok(key) = <[u8; 32]>::try_from(bytes.as_slice())
        {
            return Ok(Secret(key));
        }
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|e| std::io::Error::other(e.to_string()))?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        use std::io::Write;
        options.open(path)?.write_all(&key)?;
        Ok(Secret(key))
    }

    fn mac(&self, parts: &[&[u8]]) -> HmacSha256 {
        // HMAC takes a key of any length: this cannot fail.
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC takes any key length");
        for part in parts {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        mac
    }

    /// The token of the forms of `action` for the browser holding `nonce`.
    pub fn token(&self, nonce: &str, action: &str) -> String {
        hex(&self
            .mac(&[b"csrf", nonce.as_bytes(), action.as_bytes()])
            .finalize()
            .into_bytes())
    }

    /// Whether `token` is this server's token for `nonce` and `action` (in constant time).
    pub fn verify(&self, nonce: &str, action: &str, token: &str) -> bool {
        let Some(bytes) = unhex(token) else {
            return false;
        };
        self.mac(&[b"csrf", nonce.as_bytes(), action.as_bytes()])
            .verify_slice(&bytes)
            .is_ok()
    }
}

/// A new random nonce for a browser's cookie. The operating system's generator does not fail
/// on the systems we run on; an all-zero nonce would still be bound to this server's secret.
pub fn nonce() -> String {
    random_hex::<16>().unwrap_or_else(|_| hex(&[0; 16]))
}

/// `N` random bytes from the operating system, in lowercase hex.
pub fn random_hex<const N: usize>() -> std::io::Result<String> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(hex(&bytes))
}

/// Whether `value` can be a nonce this server made (32 lowercase hex digits).
pub fn is_nonce(value: &str) -> bool {
    value.len() == 32
        && value
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_holds_only_for_its_nonce_and_action() {
        let secret = Secret([7; 32]);
        let (a, b) = (nonce(), nonce());
        assert!(is_nonce(&a) && a != b);
        let token = secret.token(&a, "juraev-2011");
        assert!(secret.verify(&a, "juraev-2011", &token));
        assert!(!secret.verify(&b, "juraev-2011", &token));
        assert!(!secret.verify(&a, "ablyazov-2015", &token));
        assert!(!Secret([8; 32]).verify(&a, "juraev-2011", &token));
        assert!(!secret.verify(&a, "juraev-2011", "zz"));
        assert!(!secret.verify(&a, "juraev-2011", ""));
    }

    #[test]
    fn the_secret_is_kept_and_read_back() {
        let dir = std::env::temp_dir().join(format!("appeal-secret-{}", std::process::id()));
        let path = dir.join("serve.secret");
        let first = Secret::load_or_make(&path).unwrap();
        let again = Secret::load_or_make(&path).unwrap();
        assert_eq!(first.0, again.0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let _ = std::fs::remove_dir_all(dir);
    }
}
