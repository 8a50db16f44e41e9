//! "Send them by email for me": the confirmation message to the supporter, and on her
//! confirmation her letters queued in the outbox exactly as `appeal queue` queues them (the same
//! messages, ids and deduplication), for `appeal send` to deliver.

use std::path::Path;

use crate::batch::queue::QueueOutput;
use crate::batch::run;
use crate::mail::message::Sender;
use crate::mail::send::{SendOptions, Timeouts, send_now};
use crate::mail::settings::Settings;
use crate::model::lang::Lang;
use crate::model::project::Project;
use crate::model::supporter::Supporter;
use crate::pdf::{FontChain, Layout, Paper, PdfOptions};

use super::site::Action;

/// What sending needs, from `appeal.yaml`: without an SMTP server and a sender the pages offer
/// downloads only.
pub struct Mail {
    pub settings: Settings,
    pub sender: Sender,
    pub send: SendOptions,
}

impl Mail {
    /// The settings' mail part, when they have an SMTP server and a sender.
    pub fn of(settings: Settings) -> Option<Mail> {
        let smtp = settings.smtp.clone()?;
        let from = settings.from.clone()?;
        let password = smtp
            .user
            .as_ref()
            .and_then(|_| std::env::var("APPEAL_SMTP_PASSWORD").ok());
        let send = SendOptions {
            smtp,
            tls_ca: settings.tls_ca.clone(),
            password,
            rate: settings.rate,
            dry_run: false,
            allow_late: false,
            send_unreadable: false,
            redirect_to: None,
            // A confirmation is sent while she waits for the page.
            timeouts: Timeouts {
                command: std::time::Duration::from_secs(30),
                data: std::time::Duration::from_secs(60),
            },
            now: chrono::Utc::now(),
            today: chrono::Utc::now().date_naive(),
        };
        Some(Mail {
            sender: Sender {
                from,
                own_domains: settings.own_domains.clone(),
            },
            settings,
            send,
        })
    }

    /// The options of a run of `appeal send` now (`serve --send`): the settings' rate (none set:
    /// `appeal send`'s default, 20 a minute), the server's `today` for deadlines.
    pub fn run_options(&self, today: chrono::NaiveDate) -> SendOptions {
        let rate = self
            .settings
            .rate
            .or_else(|| crate::mail::settings::parse_rate("20/min").ok().flatten());
        SendOptions {
            smtp: self.send.smtp.clone(),
            tls_ca: self.send.tls_ca.clone(),
            password: self.send.password.clone(),
            rate,
            dry_run: false,
            allow_late: false,
            send_unreadable: false,
            redirect_to: None,
            timeouts: Timeouts::default(),
            now: chrono::Utc::now(),
            today,
        }
    }

    /// Sends her the message that asks her to confirm: `subject` and `body` in her page's
    /// language. `Err` says why it did not go.
    pub fn ask(&self, to: &str, subject: &str, body: &str) -> Result<(), String> {
        let to_mailbox: lettre::message::Mailbox = to
            .parse()
            .map_err(|e: lettre::address::AddressError| e.to_string())?;
        let message = lettre::Message::builder()
            .from(self.sender.from.clone())
            .to(to_mailbox.clone())
            .subject(subject)
            .header(lettre::message::header::ContentType::TEXT_PLAIN)
            .body(body.to_string())
            .map_err(|e| e.to_string())?;
        let eml = message.formatted();
        send_now(&self.send, &self.sender.from.email, &to_mailbox.email, &eml).map(|_| ())
    }

    /// Queues her letters to the action's addressees in `lang` in `outbox`, as `appeal queue`
    /// would; returns how many messages are in the outbox for her now (queued now or before).
    pub fn queue(
        &self,
        outbox: &Path,
        action: &Action,
        supporter: Supporter,
        lang: Lang,
        today: chrono::NaiveDate,
        fonts: &FontChain,
    ) -> Result<usize, Vec<String>> {
        let gateway = self.settings.fax_gateway.clone();
        // A fax carries the letter as a PDF page.
        let pdf = gateway.as_ref().map(|_| {
            let options = PdfOptions {
                layout: Layout::for_paper(Paper::A4),
                allow_overflow: false,
                allow_missing_glyphs: false,
                pdfa: false,
            };
            (options, fonts.clone())
        });
        let project = Project::locate(&action.file, None, None).map_err(|e| vec![e.to_string()])?;
        let mut output = QueueOutput::new(outbox, self.sender.clone(), gateway, false, pdf)
            .map_err(|e| vec![e.to_string()])?
            .with_campaign(&action.file, &project.recipients);
        let job = action.job(supporter, lang, today);
        let summary = run::letters_loaded(&job, &action.loaded, &mut output)
            .map_err(|e| vec![e.to_string()])?;
        if !summary.ok() {
            let mut why = summary.failed;
            why.extend(summary.failed_rows);
            return Err(why);
        }
        Ok(summary.written + summary.unchanged + summary.replaced)
    }
}
