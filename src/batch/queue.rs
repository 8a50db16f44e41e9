//! `appeal queue`: an output that turns each letter into an email message in the outbox. Nothing
//! touches the network. The letter of a recipient with neither email nor a fax reachable through
//! the gateway is not rendered; the run says who must get it by post or fax by hand.

use std::path::PathBuf;

use crate::batch::output::{Addressed, Output, Written};
use crate::mail::message::{self, Draft, Route, Sender};
use crate::mail::outbox::{Lock, Outbox, Queued};
use crate::pdf::{self, FontChain, PdfOptions};
use crate::render::letter::Letter;

/// Messages staged before they are committed to `ready/` together (one flush to disk each).
const BATCH: usize = 512;

pub struct QueueOutput {
    outbox: Outbox,
    _lock: Lock,
    sender: Sender,
    fax_gateway: Option<String>,
    /// Attach the letter as PDF to emails too (faxes always carry it).
    attach_pdf: bool,
    pdf: Option<(PdfOptions, FontChain)>,
    now: chrono::DateTime<chrono::Utc>,
    staged: usize,
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
        fax_gateway: Option<String>,
        attach_pdf: bool,
        pdf: Option<(PdfOptions, FontChain)>,
    ) -> Result<QueueOutput, String> {
        let outbox = Outbox::open(outbox)?;
        let lock = outbox.lock("queue")?;
        outbox.recover_tmp()?;
        Ok(QueueOutput {
            outbox,
            _lock: lock,
            sender,
            fax_gateway,
            attach_pdf,
            pdf,
            now: chrono::Utc::now(),
            staged: 0,
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

    fn reaches(&self, recipient: &crate::model::directory::Recipient) -> Result<(), String> {
        message::route(recipient, self.fax_gateway.as_deref()).map(|_| ())
    }

    fn admit(&mut self, letter: &Letter) {
        if let Some((_, fonts)) = &mut self.pdf {
            pdf::admit_fonts(fonts, letter);
        }
    }

    fn prepare(&self, letter: Letter, to: &Addressed) -> Result<(Draft, Vec<String>), String> {
        let what = || {
            format!(
                "the {} message to `{}` ({})",
                letter.lang, letter.recipient_id, to.slug
            )
        };
        let route = message::route(to.recipient, self.fax_gateway.as_deref())
            .map_err(|e| format!("{}: {e}", what()))?;
        let needs_pdf = self.attach_pdf || matches!(route, Route::Fax { .. });
        let mut warnings = Vec::new();
        let attachment = match (&self.pdf, needs_pdf) {
            (Some((options, fonts)), true) => Some(
                pdf::render(fonts, options, &letter, &what(), &mut warnings)
                    .map_err(|e| e.to_string())?,
            ),
            _ => None,
        };
        let mut draft = message::build(&letter, to, &self.sender, &route, self.now, attachment)
            .map_err(|e| format!("{}: {e}", what()))?;
        draft.envelope.campaign_file = self.campaign_file.clone();
        draft.envelope.recipients = self.recipients.clone();
        Ok((draft, warnings))
    }

    fn write(&mut self, draft: Draft, _to: &Addressed) -> Result<Written, String> {
        let queued = self.outbox.stage(&draft)?;
        let path = self.path(&draft.id, queued == Queued::Staged);
        match queued {
            Queued::Already => Ok(Written::Unchanged(path)),
            Queued::Staged => {
                self.staged += 1;
                if self.staged >= BATCH {
                    self.outbox.commit()?;
                    self.staged = 0;
                }
                Ok(Written::New(path))
            }
        }
    }

    fn finish(&mut self) -> Result<Option<Written>, String> {
        self.outbox.commit()?;
        Ok(None)
    }
}
