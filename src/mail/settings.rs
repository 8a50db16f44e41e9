//! Sending settings: `appeal.yaml` beside the campaigns (or `--config FILE`). The sender identity,
//! the SMTP server, the fax gateway and the rate. Secrets never live here: the password comes from
//! `APPEAL_SMTP_PASSWORD` or `--password-command`.

use std::path::{Path, PathBuf};

use lettre::message::Mailbox;
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::mail::message;
use crate::model::contact::{ContactError, EmailAddress};
use crate::model::diag::{Diagnostic, Pos};
use crate::model::yaml;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    from: Option<Spanned<String>>,
    #[serde(default)]
    own_domains: Vec<Spanned<String>>,
    smtp: Option<Spanned<String>>,
    fax_gateway: Option<Spanned<String>>,
    rate: Option<Spanned<String>>,
    tls_ca: Option<Spanned<String>>,
    /// Only to say clearly that it does not belong here.
    password: Option<Spanned<serde::de::IgnoredAny>>,
}

/// The settings, checked. Every field is optional here; each command says which it needs.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// The file they came from, if any.
    pub file: Option<PathBuf>,
    pub from: Option<Mailbox>,
    pub own_domains: Vec<String>,
    pub smtp: Option<SmtpUrl>,
    pub fax_gateway: Option<FaxGateway>,
    /// Messages per minute; `None`: no limit.
    pub rate: Option<Rate>,
    /// CA certificates trusted for the SMTP server besides the system's.
    pub tls_ca: Option<TlsCa>,
}

/// CA certificates to trust for the SMTP server's certificate besides the system's (a section
/// that runs its own CA): a PEM file, `tls_ca:` in appeal.yaml or `send --tls-ca`. Read and
/// checked once, when the settings are read.
#[derive(Clone, Debug)]
pub struct TlsCa {
    pub file: PathBuf,
    pem: Vec<u8>,
}

impl TlsCa {
    pub fn read(file: &Path) -> Result<TlsCa, ValueError> {
        use lettre::transport::smtp::client::{CertificateStore, TlsParameters};
        let shown = file.display().to_string();
        let pem = std::fs::read(file).map_err(|e| ValueError::CaUnreadable {
            file: shown.clone(),
            reason: e.to_string(),
        })?;
        let count = String::from_utf8_lossy(&pem)
            .matches("-----BEGIN CERTIFICATE-----")
            .count();
        if count == 0 {
            return Err(ValueError::CaNoCertificate(shown));
        }
        let ca = TlsCa {
            file: file.to_path_buf(),
            pem,
        };
        // Each certificate must be one a TLS client can trust: checked now against no other
        // roots, not at the first connection.
        TlsParameters::builder("localhost".into())
            .certificate_store(CertificateStore::None)
            .add_root_certificate(ca.certificate()?)
            .build()
            .map_err(|e| ValueError::CaNotUsable {
                file: shown,
                reason: e.to_string(),
            })?;
        Ok(ca)
    }

    /// The certificates, for `TlsParametersBuilder::add_root_certificate`.
    pub fn certificate(&self) -> Result<lettre::transport::smtp::client::Certificate, ValueError> {
        lettre::transport::smtp::client::Certificate::from_pem(&self.pem).map_err(|e| {
            ValueError::CaNotUsable {
                file: self.file.display().to_string(),
                reason: e.to_string(),
            }
        })
    }
}

/// A sending rate: at most `per_minute` messages a minute (`0` or `off`: no limit).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rate {
    pub per_minute: f64,
}

/// What is wrong with a value of the sending settings (or the flag that gives it).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("`{0}` is not a rate; write e.g. 20/min, 2/s or off")]
    NotARate(String),
    #[error("`{unit}` in `{text}` is not a unit; use /s, /min, /h or /day")]
    NotAUnit { unit: String, text: String },
    #[error("`{0}` is out of range: a rate is between 1/day and 1000/s (or `off` for no limit)")]
    RateOutOfRange(String),
    #[error("`{0}` has no `{{number}}`")]
    GatewayNoNumber(String),
    #[error("`{pattern}` does not give an email address: {source}")]
    GatewayNoAddress {
        pattern: String,
        #[source]
        source: ContactError,
    },
    #[error("`{0}` is not an SMTP URL (it must start with smtp:// or smtps://)")]
    NotAnSmtpUrl(String),
    #[error(
        "the SMTP URL holds a password; give it through APPEAL_SMTP_PASSWORD or --password-command instead"
    )]
    PasswordInUrl,
    #[error("`{0}`: the `[` of an IPv6 host is not closed")]
    UnclosedIpv6(String),
    #[error("`{port}` in `{text}` is not a port number")]
    NotAPort { port: String, text: String },
    #[error("`{0}` has no valid host name")]
    NoHost(String),
    #[error("cannot read the CA certificates {file}: {reason}")]
    CaUnreadable { file: String, reason: String },
    #[error("{0} holds no certificate in PEM (-----BEGIN CERTIFICATE-----)")]
    CaNoCertificate(String),
    #[error("{file}: not a CA certificate a TLS client can trust: {reason}")]
    CaNotUsable { file: String, reason: String },
}

/// `20`, `20/min`, `2/s`, `600/h`, `off`. `Ok(None)` is no limit.
pub fn parse_rate(text: &str) -> Result<Option<Rate>, ValueError> {
    let t = text.trim();
    if t == "off" || t == "0" {
        return Ok(None);
    }
    let (n, unit) = t.split_once('/').unwrap_or((t, "min"));
    let n: f64 = n
        .trim()
        .parse()
        .ok()
        .filter(|n: &f64| n.is_finite() && *n > 0.0)
        .ok_or_else(|| ValueError::NotARate(text.to_string()))?;
    let per_minute = match unit.trim() {
        "s" | "sec" => n * 60.0,
        "min" | "m" => n,
        "h" | "hour" => n / 60.0,
        "d" | "day" => n / 1440.0,
        u => {
            return Err(ValueError::NotAUnit {
                unit: u.to_string(),
                text: text.to_string(),
            });
        }
    };
    // Outside this range the pause between messages is a day or more (a deadline passes while
    // it waits) or too short to mean anything; `off` is the way to send without a limit.
    if !(MIN_PER_MINUTE..=MAX_PER_MINUTE).contains(&per_minute) {
        return Err(ValueError::RateOutOfRange(text.to_string()));
    }
    Ok(Some(Rate { per_minute }))
}

/// One message a day, in messages a minute: the slowest rate.
const MIN_PER_MINUTE: f64 = 1.0 / 1440.0;
/// A thousand messages a second, in messages a minute: the fastest rate short of `off`.
const MAX_PER_MINUTE: f64 = 60_000.0;

/// An email-to-fax gateway: an address pattern with `{number}` where the E.164 digits of the
/// fax number go (`{number}@fax.example.net`). Checked once when read: the pattern must give an
/// email address for any number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaxGateway {
    pattern: String,
}

impl FaxGateway {
    pub fn parse(pattern: &str) -> Result<FaxGateway, ValueError> {
        let pattern = pattern.trim();
        if !pattern.contains("{number}") {
            return Err(ValueError::GatewayNoNumber(pattern.to_string()));
        }
        let gateway = FaxGateway {
            pattern: pattern.to_string(),
        };
        gateway
            .to("4930123456")
            .map_err(|source| ValueError::GatewayNoAddress {
                pattern: pattern.to_string(),
                source,
            })?;
        Ok(gateway)
    }

    /// The gateway's address for a fax number of E.164 `digits`.
    pub fn to(&self, digits: &str) -> Result<lettre::Address, ContactError> {
        EmailAddress::parse(&self.pattern.replace("{number}", digits)).map(|e| e.address().clone())
    }

    pub fn as_str(&self) -> &str {
        &self.pattern
    }
}

impl Settings {
    /// Loads `explicit` (`--config`), else `found` (the project's `appeal.yaml`, from
    /// `model::project::settings_file`); no file at all gives empty settings.
    pub fn find(explicit: Option<&Path>, found: Option<&Path>) -> Result<Settings, Diagnostic> {
        match explicit.or(found) {
            Some(file) => Settings::load(file),
            None => Ok(Settings::default()),
        }
    }

    pub fn load(file: &Path) -> Result<Settings, Diagnostic> {
        let text = yaml::read_text(file)?;
        let raw: RawSettings = yaml::parse(file, &text)?;
        let err = |pos: Pos, field: &str, msg: String| Diagnostic::error(file, pos, field, msg);
        if let Some(p) = &raw.password {
            return Err(err(
                Pos::of(p),
                "password",
                "a password does not belong in appeal.yaml, which is shared and kept in version control".into(),
            )
            .hint("remove it; set APPEAL_SMTP_PASSWORD or pass --password-command 'pass show smtp'"));
        }
        let from = match &raw.from {
            None => None,
            Some(f) => Some(message::mailbox(&f.value).map_err(|e| {
                err(Pos::of(f), "from", e.to_string())
                    .hint("write the organisation's sender as `Name <appeals@example.org>`")
            })?),
        };
        let mut own_domains = Vec::new();
        for (i, d) in raw.own_domains.iter().enumerate() {
            let domain = idna::domain_to_ascii(d.value.trim())
                .ok()
                .filter(|d| d.contains('.'))
                .ok_or_else(|| {
                    err(
                        Pos::of(d),
                        &format!("own_domains[{i}]"),
                        format!("`{}` is not a domain name", d.value),
                    )
                    .hint("list domains such as amnesty.example, without @")
                })?;
            own_domains.push(domain);
        }
        let smtp = match &raw.smtp {
            None => None,
            Some(s) => Some(SmtpUrl::parse(&s.value).map_err(|e| {
                err(Pos::of(s), "smtp", e.to_string())
                    .hint("write smtp://host:587 (STARTTLS) or smtps://host:465 (TLS)")
            })?),
        };
        let fax_gateway = match &raw.fax_gateway {
            None => None,
            Some(g) => Some(FaxGateway::parse(&g.value).map_err(|e| {
                err(Pos::of(g), "fax_gateway", e.to_string())
                    .hint("write the gateway's address pattern, e.g. \"{number}@fax.example.net\"")
            })?),
        };
        let rate = match &raw.rate {
            None => None,
            Some(r) => parse_rate(&r.value)
                .map_err(|e| err(Pos::of(r), "rate", e.to_string()).hint("e.g. rate: 20/min"))?,
        };
        // Relative to appeal.yaml's folder, wherever appeal runs.
        let tls_ca = match &raw.tls_ca {
            None => None,
            Some(c) => {
                let base = file.parent().unwrap_or(Path::new(""));
                Some(TlsCa::read(&base.join(c.value.trim())).map_err(|e| {
                    err(Pos::of(c), "tls_ca", e.to_string()).hint(
                        "name a PEM file of your CA's certificate(s), relative to appeal.yaml's folder",
                    )
                })?)
            }
        };
        Ok(Settings {
            file: Some(file.to_path_buf()),
            from,
            own_domains,
            smtp,
            fax_gateway,
            rate,
            tls_ca,
        })
    }
}

/// How to reach the SMTP server: `smtp://[user@]host[:port]` (STARTTLS whenever the server offers
/// it; required over a network, and on the loopback interface for a login; port 587) or `smtps://[user@]host[:port]` (TLS from the start; port 465).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmtpUrl {
    pub implicit_tls: bool,
    pub host: String,
    pub port: u16,
    pub user: Option<String>,
}

impl SmtpUrl {
    pub fn parse(text: &str) -> Result<SmtpUrl, ValueError> {
        let t = text.trim();
        let (implicit_tls, rest) = if let Some(r) = t.strip_prefix("smtps://") {
            (true, r)
        } else if let Some(r) = t.strip_prefix("smtp://") {
            (false, r)
        } else {
            return Err(ValueError::NotAnSmtpUrl(text.to_string()));
        };
        let rest = rest.trim_end_matches('/');
        let (user, hostport) = match rest.rsplit_once('@') {
            Some((user, _)) if user.contains(':') => {
                return Err(ValueError::PasswordInUrl);
            }
            Some((user, hp)) => (Some(user.to_string()), hp),
            None => (None, rest),
        };
        let default_port = if implicit_tls { 465 } else { 587 };
        // An IPv6 host is written in brackets: smtp://[::1]:2525.
        let (host, port) = match hostport.strip_prefix('[') {
            Some(v6) => {
                let (h, after) = v6
                    .split_once(']')
                    .ok_or_else(|| ValueError::UnclosedIpv6(text.to_string()))?;
                (h, after.strip_prefix(':'))
            }
            None => match hostport.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (hostport, None),
            },
        };
        let port =
            match port {
                None => default_port,
                Some(p) => p.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| {
                    ValueError::NotAPort {
                        port: p.to_string(),
                        text: text.to_string(),
                    }
                })?,
            };
        if host.is_empty() || host.contains(['/', ' ', '?', '#']) {
            return Err(ValueError::NoHost(text.to_string()));
        }
        Ok(SmtpUrl {
            implicit_tls,
            host: host.to_string(),
            port,
            user,
        })
    }

    /// Whether the server is on this machine (127.0.0.0/8, ::1, localhost), where plain SMTP
    /// without a login is allowed when the server offers no STARTTLS: nothing crosses a network.
    pub fn is_loopback(&self) -> bool {
        self.host == "localhost"
            || self
                .host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_smtp_urls() {
        let u = SmtpUrl::parse("smtp://appeals@mail.example.org").unwrap();
        assert_eq!(
            (u.implicit_tls, u.host.as_str(), u.port, u.user.as_deref()),
            (false, "mail.example.org", 587, Some("appeals"))
        );
        let u = SmtpUrl::parse("smtps://mail.example.org:2465").unwrap();
        assert_eq!((u.implicit_tls, u.port), (true, 2465));
        assert!(
            SmtpUrl::parse("smtp://127.0.0.1:2525")
                .unwrap()
                .is_loopback()
        );
        assert!(SmtpUrl::parse("smtp://[::1]:25").unwrap().is_loopback());
        assert!(
            !SmtpUrl::parse("smtp://mail.example.org")
                .unwrap()
                .is_loopback()
        );
        assert_eq!(
            SmtpUrl::parse("smtp://u:secret@host"),
            Err(ValueError::PasswordInUrl)
        );
        assert!(matches!(
            SmtpUrl::parse("http://host"),
            Err(ValueError::NotAnSmtpUrl(_))
        ));
        assert!(matches!(
            SmtpUrl::parse("smtp://host:x"),
            Err(ValueError::NotAPort { .. })
        ));
    }

    #[test]
    fn reads_rates() {
        assert_eq!(parse_rate("20").unwrap().unwrap().per_minute, 20.0);
        assert_eq!(parse_rate("2/s").unwrap().unwrap().per_minute, 120.0);
        assert_eq!(parse_rate("600/h").unwrap().unwrap().per_minute, 10.0);
        assert_eq!(parse_rate("off").unwrap(), None);
        assert!(parse_rate("fast").is_err());
        assert!(parse_rate("5/week").is_err());
        // A pause so long it cannot be a Duration, or so short it means nothing: refused.
        assert_eq!(
            parse_rate("1e-18/min"),
            Err(ValueError::RateOutOfRange("1e-18/min".into()))
        );
        assert!(parse_rate("1e300/s").is_err());
        assert_eq!(
            parse_rate("1/day").unwrap().unwrap().per_minute,
            1.0 / 1440.0
        );
    }
}
