//! Email messages for the outbox, built with lettre's typed builder from an `Outgoing`: never
//! by pasting text into headers, so a CR/LF in a supporter's name cannot add a header, non-ASCII
//! names are RFC 2047 encoded and IDN domains go out in their ASCII form.

use std::time::SystemTime;

use lettre::message::header::{ContentType, MIME_VERSION_1_0};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{Address, Message};
use serde::{Deserialize, Serialize};

use crate::mail::settings::FaxGateway;
use crate::mail::{Error, Unreachable};
use crate::model::contact::{ContactError, EmailAddress};
use crate::model::directory::Recipient;
use crate::model::hours::OfficeHours;
use crate::model::text::{Lines, forbidden};

/// An email address as users write it, as lettre sends it (see `EmailAddress`).
pub fn address(text: &str) -> Result<Address, ContactError> {
    EmailAddress::parse(text).map(|e| e.address().clone())
}

/// A mailbox as users write it: `Name <user@example.org>` or `user@example.org`.
pub fn mailbox(text: &str) -> Result<Mailbox, ContactError> {
    let text = text.trim();
    match text.strip_suffix('>').and_then(|t| t.rsplit_once('<')) {
        Some((name, addr)) => {
            let name = name.trim().trim_matches('"').trim();
            let name = (!name.is_empty()).then(|| name.to_string());
            Ok(Mailbox::new(name, address(addr)?))
        }
        None => Ok(Mailbox::new(None, address(text)?)),
    }
}

/// How a message reaches a recipient.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "by")]
pub enum Route {
    /// To the official's email address.
    Email { to: String },
    /// Through an email-to-fax gateway, the letter as a PDF attachment, only while the office
    /// is open.
    Fax {
        number: String,
        to: String,
        hours: OfficeHours,
    },
}

impl Route {
    /// The envelope recipient.
    pub fn to(&self) -> &str {
        match self {
            Route::Email { to } | Route::Fax { to, .. } => to,
        }
    }
}

/// How `recipient` is reached by email: its address, else its fax through `fax_gateway` (a
/// pattern with `{number}`). `Err` says why it cannot be, and what to do.
pub fn route(
    recipient: &Recipient,
    fax_gateway: Option<&FaxGateway>,
) -> Result<Route, Unreachable> {
    if let Some(email) = &recipient.email {
        return Ok(Route::Email {
            to: email.address().to_string(),
        });
    }
    match (&recipient.fax, fax_gateway) {
        (Some(fax), Some(gateway)) => {
            let number = fax.digits().to_string();
            let hours = recipient
                .hours
                .clone()
                .ok_or_else(|| Unreachable::FaxWithoutTimeZone {
                    id: recipient.id.clone(),
                    file: recipient.file.clone(),
                })?;
            let to = gateway.to(&number).map_err(|source| Unreachable::Gateway {
                fax: fax.to_string(),
                source,
            })?;
            Ok(Route::Fax {
                number,
                to: to.to_string(),
                hours,
            })
        }
        (Some(_), None) => Err(Unreachable::NoGateway),
        (None, _) => Err(Unreachable::NoAddress),
    }
}

/// Who messages are from: the organisation's mailbox (the envelope sender, and `From` unless the
/// supporter's own address may be), and the domains whose supporters' addresses may be `From`
/// (they pass DMARC through the organisation's server; others go in `Reply-To`).
#[derive(Clone, Debug)]
pub struct Sender {
    pub from: Mailbox,
    pub own_domains: Vec<String>,
}

/// What the outbox keeps beside a message's bytes: who it is for and from, and what decides when
/// it may go.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    pub id: String,
    pub campaign: String,
    pub recipient: String,
    pub lang: String,
    pub copy: bool,
    pub supporter: String,
    /// The envelope sender (MAIL FROM).
    pub from: String,
    pub route: Route,
    pub subject: String,
    /// The campaign's deadline: nothing is sent after it without --allow-late.
    pub deadline: chrono::NaiveDate,
    pub queued_at: chrono::DateTime<chrono::Utc>,
    /// The campaign file it was queued from (absolute), so `send` can see follow-ups made
    /// since: a stopped action, a new deadline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign_file: Option<std::path::PathBuf>,
    /// The recipient directory the campaign was read with (absolute), so `send` re-reads the
    /// campaign exactly as `queue` did, even when `--recipients` pointed elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipients: Option<std::path::PathBuf>,
    /// What the message says, as a hash (`content_digest`): queuing the same message again
    /// with other content (a corrected row, another letter date) replaces it while it is
    /// unsent. Messages queued before it existed have none and are never replaced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

/// A message ready for the outbox: its id, its exact bytes and its envelope.
pub struct Draft {
    pub id: String,
    /// The id the same message had under the earlier scheme, if it differs: an outbox that
    /// knows it has this message already.
    pub previous_id: Option<String>,
    pub eml: Vec<u8>,
    pub envelope: Envelope,
}

/// A message to build: everything it says, already taken from the letter and the supporter
/// (`batch::queue` does that), so building knows no letter or campaign.
pub struct Outgoing {
    /// The stable id (`<id.campaign@org-domain>` becomes its Message-ID).
    pub id: String,
    /// Its id under the earlier scheme (see `Draft::previous_id`).
    pub previous_id: Option<String>,
    pub campaign: String,
    pub recipient: String,
    pub lang: String,
    pub copy: bool,
    /// The supporter's name, as the envelope records it.
    pub supporter: String,
    /// The name the letter is signed with: initials when the supporter asked for them.
    pub signature: String,
    pub supporter_email: Option<EmailAddress>,
    /// The recipient's name (or title) for the `To` header.
    pub to_name: Option<String>,
    pub subject: String,
    pub text: String,
    /// A PDF attachment: its file name and bytes.
    pub attachment: Option<(String, Vec<u8>)>,
    /// The campaign's deadline: nothing is sent after it without --allow-late.
    pub deadline: chrono::NaiveDate,
}

/// Builds the message `out` to go by `route`, dated `now`.
pub fn build(
    out: &Outgoing,
    sender: &Sender,
    route: &Route,
    now: chrono::DateTime<chrono::Utc>,
) -> crate::mail::Result<Draft> {
    let subject = out.subject.split_whitespace().collect::<Vec<_>>().join(" ");
    let org = sender.from.email.clone();
    let name = &out.signature;
    let (from, reply_to) = match &out.supporter_email {
        None => (Mailbox::new(Some(name.clone()), org.clone()), None),
        Some(email) => {
            let own = email.address().clone();
            let domain = own.domain().to_ascii_lowercase();
            if sender.own_domains.contains(&domain) {
                (Mailbox::new(Some(name.clone()), own), None)
            } else {
                (
                    Mailbox::new(Some(name.clone()), org.clone()),
                    Some(Mailbox::new(Some(name.clone()), own)),
                )
            }
        }
    };
    let to_address = address(route.to())?;
    // Loaders refuse these already; a header builder must still never see one (lettre panics
    // on a line break in a display name).
    for (what, text) in [
        ("supporter's name", Some(name.as_str())),
        ("recipient's name", out.to_name.as_deref()),
        ("subject", Some(subject.as_str())),
    ] {
        if let Some(why) = text.and_then(|t| forbidden(t, Lines::One)) {
            return Err(Error::HeaderText { what, why });
        }
    }
    let mut builder = Message::builder()
        .from(from)
        .to(Mailbox::new(out.to_name.clone(), to_address))
        .subject(subject.clone())
        .date(SystemTime::from(now))
        .message_id(Some(format!(
            "<{}.{}@{}>",
            out.id,
            out.campaign,
            org.domain()
        )));
    if let Some(reply_to) = reply_to {
        builder = builder.reply_to(reply_to);
    }
    let text = out.text.clone();
    let message = match &out.attachment {
        // `body` leaves out the MIME-Version that `multipart` sets; RFC 2045 4 wants it on
        // every message with a Content-Type (a strict reader shows base64 raw without it).
        None => builder
            .header(MIME_VERSION_1_0)
            .header(ContentType::TEXT_PLAIN)
            .body(text),
        Some((name, pdf)) => {
            let pdf_type =
                ContentType::parse("application/pdf").map_err(|e| Error::Build(e.to_string()))?;
            builder.multipart(
                MultiPart::mixed()
                    .singlepart(SinglePart::plain(text))
                    .singlepart(Attachment::new(name.clone()).body(pdf.clone(), pdf_type)),
            )
        }
    }
    .map_err(|e| Error::Build(e.to_string()))?;
    Ok(Draft {
        envelope: Envelope {
            id: out.id.clone(),
            campaign: out.campaign.clone(),
            recipient: out.recipient.clone(),
            lang: out.lang.clone(),
            copy: out.copy,
            supporter: out.supporter.clone(),
            from: org.to_string(),
            route: route.clone(),
            subject,
            deadline: out.deadline,
            queued_at: now,
            campaign_file: None,
            recipients: None,
            digest: Some(content_digest(out, &message, route)),
        },
        id: out.id.clone(),
        previous_id: out.previous_id.clone().filter(|p| *p != out.id),
        eml: message.formatted(),
    })
}

/// A hash of what a message says and where it goes: its headers but the date and the MIME
/// boundaries (which lettre draws at random), its text and its attachment. Two builds of the
/// same letter on the same day have the same digest; a corrected address, note or date does not.
fn content_digest(out: &Outgoing, message: &Message, route: &Route) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    let headers = message.headers();
    let route = serde_json::to_string(route).unwrap_or_default();
    let deadline = out.deadline.to_string();
    let mut parts: Vec<&str> = vec![
        "appeal-content-1",
        &route,
        &deadline,
        &out.subject,
        &out.text,
    ];
    let named = ["From", "Reply-To", "To", "Subject"].map(|name| headers.get_raw(name));
    parts.extend(named.iter().map(|v| v.unwrap_or_default()));
    for part in parts {
        h.update(part.as_bytes());
        h.update([0]);
    }
    if let Some((name, bytes)) = &out.attachment {
        h.update(name.as_bytes());
        h.update([0]);
        h.update(bytes);
    }
    h.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_follows_what_a_message_says_not_its_random_boundaries() {
        let out = |text: &str| Outgoing {
            id: "aa01".into(),
            previous_id: None,
            campaign: "c".into(),
            recipient: "r".into(),
            lang: "en".into(),
            copy: false,
            supporter: "Eva Muster".into(),
            signature: "Eva Muster".into(),
            supporter_email: None,
            to_name: None,
            subject: "Anna Test".into(),
            text: text.into(),
            attachment: Some(("r.en.pdf".into(), b"%PDF-1.7 letter".to_vec())),
            deadline: chrono::NaiveDate::from_ymd_opt(2099, 1, 1).unwrap(),
        };
        let sender = Sender {
            from: mailbox("appeals@amnesty.example").unwrap(),
            own_domains: vec![],
        };
        let route = Route::Email {
            to: "p@example.org".into(),
        };
        let build = |text: &str, minute: u32| {
            let now = chrono::DateTime::from_timestamp(1_800_000_000 + i64::from(minute) * 60, 0)
                .unwrap();
            build(&out(text), &sender, &route, now).unwrap()
        };
        let (a, b) = (build("Dear Sir", 0), build("Dear Sir", 1));
        assert_ne!(a.eml, b.eml, "another date and MIME boundary");
        assert_eq!(a.envelope.digest, b.envelope.digest);
        assert_ne!(a.envelope.digest, build("Dear Madam", 0).envelope.digest);
    }

    #[test]
    fn reads_a_mailbox_with_or_without_a_name() {
        let m = mailbox("\"Amnesty, Section DE\" <appeals@amnesty.example>").unwrap();
        assert_eq!(m.name.as_deref(), Some("Amnesty, Section DE"));
        assert_eq!(m.email.to_string(), "appeals@amnesty.example");
        assert_eq!(mailbox("a@b.example").unwrap().name, None);
    }
}
