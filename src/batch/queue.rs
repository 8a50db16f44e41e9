//! `appeal queue`: an output that turns each letter into an email message in the outbox. Nothing
//! touches the network. The letter of a recipient with neither email nor a fax reachable through
//! the gateway is not rendered; the run says who must get it by post or fax by hand.

use std::path::PathBuf;

use sha2::{Digest, Sha256};

use crate::batch::Error;
use crate::batch::output::{Addressed, Lost, Output, Written};
use crate::mail::message::{self, Draft, Outgoing, Route, Sender};
use crate::mail::outbox::{Lock, Outbox, Queued};
use crate::mail::settings::FaxGateway;
use crate::model::supporter::Supporter;
use crate::pdf::{self, FontChain, PdfOptions};
use crate::render::letter::{Letter, LetterParts};

pub struct QueueOutput {
    outbox: Outbox,
    _lock: Lock,
    sender: Sender,
    fax_gateway: Option<FaxGateway>,
    /// Attach the letter as PDF to emails too (faxes always carry it).
    attach_pdf: bool,
    pdf: Option<(PdfOptions, FontChain)>,
    now: chrono::DateTime<chrono::Utc>,
    /// Messages counted as queued (or replaced) that a failed commit left unqueued (or as
    /// they were).
    lost: Lost,
    /// The ids staged since the last commit.
    pending: Vec<String>,
    /// The ids of the replacements staged since the last commit, each with what its new text
    /// says (its digest).
    replacing: Vec<(String, Option<String>)>,
    /// Unsent messages that say something else now but were left as they were, because a
    /// `send` run (`kept_by`) holds the outbox.
    kept: Vec<String>,
    kept_by: Option<String>,
    /// The campaign file and the recipient directory it was read with, absolute, recorded in
    /// every envelope.
    campaign_file: Option<PathBuf>,
    recipients: Option<PathBuf>,
}

impl QueueOutput {
    /// Opens the outbox under its queue lock and puts right what an interrupted run left.
    pub fn new(
        outbox: &std::path::Path,
        sender: Sender,
        fax_gateway: Option<FaxGateway>,
        attach_pdf: bool,
        pdf: Option<(PdfOptions, FontChain)>,
    ) -> crate::batch::Result<QueueOutput> {
        let outbox = Outbox::open(outbox)?;
        // `send` holds this lock for a moment when it starts: wait that out rather than refuse.
        let lock = outbox.lock_within("queue", std::time::Duration::from_secs(10))?;
        outbox.recover_tmp()?;
        Ok(QueueOutput {
            outbox,
            _lock: lock,
            sender,
            fax_gateway,
            attach_pdf,
            pdf,
            now: chrono::Utc::now(),
            lost: Lost::default(),
            pending: Vec::new(),
            replacing: Vec::new(),
            kept: Vec::new(),
            kept_by: None,
            campaign_file: None,
            recipients: None,
        })
    }

    /// Records the campaign `file` and the `recipients` directory it is read with (both made
    /// absolute) in every envelope, for `send` to read follow-ups from.
    pub fn with_campaign(mut self, file: &std::path::Path, recipients: &std::path::Path) -> Self {
        let absolute =
            |p: &std::path::Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        self.campaign_file = Some(std::fs::canonicalize(file).unwrap_or_else(|_| absolute(file)));
        self.recipients =
            Some(std::fs::canonicalize(recipients).unwrap_or_else(|_| absolute(recipients)));
        self
    }

    /// Makes the staged messages ready. When that fails (a full disk), the ones counted as
    /// queued since the last commit may not be: `take_lost` says how many are not.
    fn commit(&mut self) -> crate::batch::Result<()> {
        let pending = std::mem::take(&mut self.pending);
        let replacing = std::mem::take(&mut self.replacing);
        self.outbox.commit().map(|_| ()).map_err(|source| {
            // A commit cut short may have moved some into ready/ already, or logged them and
            // left them in tmp/ for the next run to move: those are queued. An `ids.log` that
            // cannot be read counts them all as lost, which at worst makes a run say so.
            let logged = self.outbox.logged_ids().unwrap_or_default();
            let new = pending
                .iter()
                .filter(|id| !self.outbox.is_queued(id, &logged))
                .count();
            // A replacement took place when the message says the new text now.
            let replaced = replacing
                .iter()
                .filter(|(id, digest)| !self.outbox.says(id, digest.as_deref()))
                .count();
            self.lost.new += new;
            self.lost.replaced += replaced;
            Error::Uncommitted {
                lost: Lost { new, replaced },
                source,
            }
        })
    }

    /// Where message `id` is: `ready/` for one queued by this run, else wherever it went.
    fn path(&self, id: &str, new: bool) -> PathBuf {
        let state = if new {
            "ready"
        } else {
            self.outbox.locate(id).map_or("ready", |s| s.name())
        };
        self.outbox.root().join(state).join(id)
    }
}

impl Output for QueueOutput {
    type Prepared = Draft;

    fn name(&self) -> &'static str {
        "queue"
    }

    fn needs_parts(&self) -> bool {
        true
    }

    fn reaches(&self, recipient: &crate::model::directory::Recipient) -> crate::batch::Result<()> {
        message::route(recipient, self.fax_gateway.as_ref())
            .map(|_| ())
            .map_err(Error::from)
    }

    fn admit(&mut self, letter: &Letter) {
        if let Some((_, fonts)) = &mut self.pdf {
            pdf::admit_fonts(fonts, letter);
        }
    }

    fn prepare(
        &self,
        letter: Letter,
        to: &Addressed,
    ) -> crate::batch::Result<(Draft, Vec<String>)> {
        let what = || {
            format!(
                "the {} message to `{}` ({})",
                letter.lang, letter.recipient_id, to.slug
            )
        };
        let route =
            message::route(to.recipient, self.fax_gateway.as_ref()).map_err(|e| Error::Letter {
                what: what(),
                source: Box::new(e.into()),
            })?;
        let needs_pdf = self.attach_pdf || matches!(route, Route::Fax { .. });
        let mut warnings = Vec::new();
        let attachment = match (&self.pdf, needs_pdf) {
            (Some((options, fonts)), true) => Some(pdf::render(
                fonts,
                // A fax or an attachment goes in no envelope: no window to fit.
                &options.without_envelope(),
                &letter,
                &what(),
                &mut warnings,
            )?),
            _ => None,
        };
        let fax = matches!(route, Route::Fax { .. });
        let out = outgoing(&letter, to, attachment, fax).map_err(|e| Error::Letter {
            what: what(),
            source: Box::new(e),
        })?;
        let mut draft =
            message::build(&out, &self.sender, &route, self.now).map_err(|e| Error::Letter {
                what: what(),
                source: Box::new(e.into()),
            })?;
        draft.envelope.campaign_file = self.campaign_file.clone();
        draft.envelope.recipients = self.recipients.clone();
        Ok((draft, warnings))
    }

    fn write(&mut self, draft: Draft, _to: &Addressed) -> crate::batch::Result<Written> {
        let queued = self.outbox.stage(&draft)?;
        let path = self.path(&draft.id, queued == Queued::Staged);
        match queued {
            Queued::Already => Ok(Written::Unchanged(path)),
            Queued::Replacing => {
                self.replacing
                    .push((draft.id.clone(), draft.envelope.digest.clone()));
                Ok(Written::Replaced(path))
            }
            Queued::Kept { holder } => {
                self.kept.push(draft.id.clone());
                self.kept_by = Some(holder);
                Ok(Written::Unchanged(path))
            }
            Queued::Staged => {
                self.pending.push(draft.id.clone());
                Ok(Written::New(path))
            }
        }
    }

    fn finish(&mut self) -> crate::batch::Result<Option<Written>> {
        self.commit()?;
        Ok(None)
    }

    fn take_lost(&mut self) -> Lost {
        std::mem::take(&mut self.lost)
    }

    /// A chunk's messages are made ready together: one commit (two `syncfs`) per chunk.
    fn checkpoint(&mut self) -> crate::batch::Result<()> {
        self.commit()
    }

    fn take_notes(&mut self) -> Vec<String> {
        if self.kept.is_empty() {
            return Vec::new();
        }
        let kept = std::mem::take(&mut self.kept);
        vec![format!(
            "{} unsent message(s) say something else now (a corrected row, another date) but were left as they were, because `appeal send` holds the outbox ({}): they may be on their way this moment (hint: run the same `appeal queue` again after that run to replace the ones still unsent; first: {})",
            kept.len(),
            self.kept_by.take().unwrap_or_default(),
            kept[0]
        )]
    }
}

/// What the message of `letter` to `to` says, for `mail::message::build`; `pdf` is attached
/// when given (faxes always carry it). A fax's text is one line, the subject: the gateway may
/// print it as a cover page, and the letter itself is the PDF, not twice.
fn outgoing(
    letter: &Letter,
    to: &Addressed,
    pdf: Option<Vec<u8>>,
    fax: bool,
) -> crate::batch::Result<Outgoing> {
    let Some(supporter) = to.supporter else {
        return Err(Error::NoSupporter);
    };
    let Some(parts) = &letter.parts else {
        return Err(Error::NoParts);
    };
    let subject = parts
        .topic
        .clone()
        .or_else(|| parts.subject.clone())
        .unwrap_or_else(|| letter.title.clone());
    let to_name = to
        .recipient
        .name
        .get(&letter.lang)
        .or_else(|| to.recipient.title.get(&letter.lang))
        .map(str::to_string);
    let attachment = pdf.map(|bytes| {
        let name = format!(
            "{}{}.{}.pdf",
            letter.recipient_id,
            if letter.copy { ".copy" } else { "" },
            letter.lang
        );
        (name, bytes)
    });
    let text = if fax {
        format!(
            "{}\n",
            subject.split_whitespace().collect::<Vec<_>>().join(" ")
        )
    } else {
        text_of(parts)
    };
    Ok(Outgoing {
        id: message_id(letter, supporter),
        previous_id: Some(message_id_v1(letter, supporter)),
        campaign: letter.campaign_id.clone(),
        recipient: letter.recipient_id.clone(),
        lang: letter.lang.to_string(),
        copy: letter.copy,
        supporter: supporter.name.clone(),
        signature: supporter.printed_name(),
        supporter_email: supporter.email.clone(),
        to_name,
        subject,
        text,
        attachment,
        deadline: to.campaign.deadline,
    })
}

/// The stable id of the message of one letter: the same campaign, supporter (by
/// `Supporter::identity`: a row corrected since is the same person), recipient, language and
/// kind (letter or copy) give the same id, so queuing again is recognised and never sent twice.
pub fn message_id(letter: &Letter, supporter: &Supporter) -> String {
    digest_id(&[
        "appeal-message-2",
        &letter.campaign_id,
        &supporter.identity(),
        &letter.recipient_id,
        letter.lang.as_str(),
        if letter.copy { "copy" } else { "letter" },
    ])
}

/// The id the same message had before ids followed the supporter's identity (outboxes queued
/// until December 2026): it hashed her name, every address line (the country in English) and
/// her email. Queuing checks it too, so a message queued then is not queued again now. The
/// address lines are spelled out here as they were then, whatever the letters print today.
pub fn message_id_v1(letter: &Letter, supporter: &Supporter) -> String {
    let mut lines = supporter.address.clone();
    let town = [supporter.postcode.as_str(), supporter.city.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if !town.is_empty() {
        lines.push(town);
    }
    if let Some(c) = supporter.country {
        lines.push(c.english_name().to_string());
    }
    digest_id(&[
        "appeal-message-1",
        &letter.campaign_id,
        &supporter.name,
        &lines.join("\n"),
        &supporter
            .email
            .as_ref()
            .map_or(String::new(), |e| e.to_lowercase()),
        &letter.recipient_id,
        letter.lang.as_str(),
        if letter.copy { "copy" } else { "letter" },
    ])
}

/// 20 hex digits of the SHA-256 of `parts`, each ended by a NUL.
fn digest_id(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for part in parts {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::letter::LetterParts;

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
            return_address: None,
        };
        assert_eq!(
            text_of(&parts),
            "Dear Sir,\n\nText.\n\nYours sincerely,\n\nEva Muster\n\nHauptstraße 1\n10115 Berlin\n"
        );
    }
}
