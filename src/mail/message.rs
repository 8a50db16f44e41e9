//! Email messages for the outbox, built with lettre's typed builder from a rendered letter: never
//! by pasting text into headers, so a CR/LF in a supporter's name cannot add a header, non-ASCII
//! names are RFC 2047 encoded and IDN domains go out in their ASCII form.

use std::time::SystemTime;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{Address, Message};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::batch::output::Addressed;
use crate::mail::settings::FaxGateway;
use crate::model::contact::EmailAddress;
use crate::model::directory::Recipient;
use crate::model::hours::OfficeHours;
use crate::model::supporter::Supporter;
use crate::render::letter::{Letter, LetterParts};

/// An email address as users write it, as lettre sends it (see `EmailAddress`).
pub fn address(text: &str) -> Result<Address, String> {
    EmailAddress::parse(text)
        .map(|e| e.address().clone())
        .map_err(|e| e.to_string())
}

/// A mailbox as users write it: `Name <user@example.org>` or `user@example.org`.
pub fn mailbox(text: &str) -> Result<Mailbox, String> {
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
pub fn route(recipient: &Recipient, fax_gateway: Option<&FaxGateway>) -> Result<Route, String> {
    if let Some(email) = &recipient.email {
        return Ok(Route::Email {
            to: email.address().to_string(),
        });
    }
    match (&recipient.fax, fax_gateway) {
        (Some(fax), Some(gateway)) => {
            let number = fax.digits().to_string();
            let hours = recipient.hours.clone().ok_or_else(|| {
                format!(
                    "it is reached by fax, which goes out only in office hours, and its directory entry has no `timezone` (hint: add e.g. `timezone: Europe/Moscow` to `{}` in {})",
                    recipient.id,
                    recipient.file.display()
                )
            })?;
            let to = gateway
                .to(&number)
                .map_err(|e| format!("the fax gateway address for {}: {e}", &**fax))?;
            Ok(Route::Fax {
                number,
                to: to.to_string(),
                hours,
            })
        }
        (Some(_), None) => Err(
            "it has a fax number but no email address, and no `fax_gateway` is set in appeal.yaml: fax or post this letter by hand, or set a gateway".to_string(),
        ),
        (None, _) => {
            Err("it has no email address and no fax number: send this letter by post".to_string())
        }
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
}

/// A message ready for the outbox: its id, its exact bytes and its envelope.
pub struct Draft {
    pub id: String,
    pub eml: Vec<u8>,
    pub envelope: Envelope,
}

/// The stable id of the message of one letter: the same campaign, supporter, recipient, language
/// and kind (letter or copy) give the same id, so queuing again is recognised.
pub fn message_id(letter: &Letter, supporter: &Supporter) -> String {
    let mut h = Sha256::new();
    for part in [
        "appeal-message-1",
        &letter.campaign_id,
        &supporter.name,
        &supporter.address_lines().join("\n"),
        &supporter
            .email
            .as_ref()
            .map_or(String::new(), |e| e.to_lowercase()),
        &letter.recipient_id,
        letter.lang.as_str(),
        if letter.copy { "copy" } else { "letter" },
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    let digest = h.finalize();
    digest[..10].iter().map(|b| format!("{b:02x}")).collect()
}

/// The email text of a letter: its body without the subject line at its top (the subject goes in
/// the header), then the sender's block (address, email) under the signature.
pub fn text_of(parts: &LetterParts) -> String {
    let mut body = parts.body.as_str();
    if let Some(subject) = &parts.subject
        && let Some(rest) = body.strip_prefix(subject.as_str())
    {
        body = rest.trim_start_matches(['\n', ' ']);
    }
    let body = body.trim_end();
    let last = body.lines().last().unwrap_or_default().trim();
    let sender: Vec<&str> = parts
        .sender
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty() && *l != last)
        .collect();
    // The blank lines a paper letter leaves for a handwritten signature become one.
    let mut text = String::with_capacity(body.len() + 200);
    let mut blank = 0;
    for line in body.lines() {
        blank = if line.trim().is_empty() { blank + 1 } else { 0 };
        if blank < 2 {
            text.push_str(line);
            text.push('\n');
        }
    }
    let mut text = text.trim_end().to_string();
    if !sender.is_empty() {
        text.push_str("\n\n");
        text.push_str(&sender.join("\n"));
    }
    text.push('\n');
    text
}

/// Builds the message of `letter` to `to.recipient` by `route`, dated `now`; `pdf` is attached
/// when given (faxes always carry it).
pub fn build(
    letter: &Letter,
    to: &Addressed,
    sender: &Sender,
    route: &Route,
    now: chrono::DateTime<chrono::Utc>,
    pdf: Option<Vec<u8>>,
) -> Result<Draft, String> {
    let Some(supporter) = to.supporter else {
        return Err("an email needs a supporter to sign it (pass --name or --supporters)".into());
    };
    let Some(parts) = &letter.parts else {
        return Err("the letter was rendered without its parts".into());
    };
    let id = message_id(letter, supporter);
    let subject = parts
        .topic
        .clone()
        .or_else(|| parts.subject.clone())
        .unwrap_or_else(|| letter.title.clone());
    let subject = subject.split_whitespace().collect::<Vec<_>>().join(" ");
    let org = sender.from.email.clone();
    // The name the letter is signed with: initials when the supporter asked for them.
    let name = supporter.signature();
    let (from, reply_to) = match &supporter.email {
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
    let to_name = to
        .recipient
        .name
        .get(&letter.lang)
        .map(str::to_string)
        .or_else(|| to.recipient.title.get(&letter.lang).map(str::to_string));
    // Loaders refuse these already; a header builder must still never see one (lettre panics
    // on a line break in a display name).
    for (what, text) in [
        ("supporter's name", Some(name.as_str())),
        ("recipient's name", to_name.as_deref()),
        ("subject", Some(subject.as_str())),
    ] {
        if let Some(why) =
            text.and_then(|t| crate::model::text::forbidden(t, crate::model::text::Lines::One))
        {
            return Err(format!(
                "the {what} holds {why}, which an email header cannot carry"
            ));
        }
    }
    let mut builder = Message::builder()
        .from(from)
        .to(Mailbox::new(to_name, to_address))
        .subject(subject.clone())
        .date(SystemTime::from(now))
        .message_id(Some(format!(
            "<{id}.{}@{}>",
            letter.campaign_id,
            org.domain()
        )));
    if let Some(reply_to) = reply_to {
        builder = builder.reply_to(reply_to);
    }
    let text = text_of(parts);
    let message = match pdf {
        None => builder.header(ContentType::TEXT_PLAIN).body(text),
        Some(pdf) => {
            let name = format!(
                "{}{}.{}.pdf",
                letter.recipient_id,
                if letter.copy { ".copy" } else { "" },
                letter.lang
            );
            let pdf_type = ContentType::parse("application/pdf").map_err(|e| e.to_string())?;
            builder.multipart(
                MultiPart::mixed()
                    .singlepart(SinglePart::plain(text))
                    .singlepart(Attachment::new(name).body(pdf, pdf_type)),
            )
        }
    }
    .map_err(|e| format!("cannot build the message: {e}"))?;
    Ok(Draft {
        envelope: Envelope {
            id: id.clone(),
            campaign: letter.campaign_id.clone(),
            recipient: letter.recipient_id.clone(),
            lang: letter.lang.to_string(),
            copy: letter.copy,
            supporter: supporter.name.clone(),
            from: org.to_string(),
            route: route.clone(),
            subject,
            deadline: to.campaign.deadline,
            queued_at: now,
            campaign_file: None,
            recipients: None,
        },
        id,
        eml: message.formatted(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_mailbox_with_or_without_a_name() {
        let m = mailbox("\"Amnesty, Section DE\" <appeals@amnesty.example>").unwrap();
        assert_eq!(m.name.as_deref(), Some("Amnesty, Section DE"));
        assert_eq!(m.email.to_string(), "appeals@amnesty.example");
        assert_eq!(mailbox("a@b.example").unwrap().name, None);
    }

    #[test]
    fn an_email_text_drops_the_subject_line_and_the_signature_space() {
        let parts = LetterParts {
            sender: vec![
                "Eva Muster".into(),
                "Hauptstraße 1".into(),
                "10115 Berlin".into(),
            ],
            recipient: vec![],
            date: String::new(),
            body: "Re: Anna Test\n\nDear Sir,\n\nText.\n\nYours sincerely,\n\n\n\nEva Muster"
                .into(),
            subject: Some("Re: Anna Test".into()),
            topic: Some("Anna Test".into()),
        };
        assert_eq!(
            text_of(&parts),
            "Dear Sir,\n\nText.\n\nYours sincerely,\n\nEva Muster\n\nHauptstraße 1\n10115 Berlin\n"
        );
    }
}
