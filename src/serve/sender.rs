//! `serve --send`: the outbox delivered while the server runs, as `appeal send` delivers it (the
//! same selection, pacing, retries and records), in a thread of its own: a run at start, after
//! each confirmation that queued letters, and every `every` besides (for retries and faxes that
//! wait for office hours). The log says what each run did in counts, never who.
//!
//! Stopping the server does not wait for a run to end: the outbox is made to survive a process
//! that stops at any point (a message being sent is recovered, never sent twice), so a
//! confirmed letter is on disk before its page says so, and is delivered by the next run.

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use crate::mail::outbox::Outbox;

use super::site::Site;

/// Wakes the sending thread.
#[derive(Default)]
pub struct Wake {
    asked: Mutex<bool>,
    ring: Condvar,
}

impl Wake {
    /// Asks for a run now (messages were just queued).
    pub fn now(&self) {
        if let Ok(mut asked) = self.asked.lock() {
            *asked = true;
            self.ring.notify_one();
        }
    }

    /// Waits until asked, or `every` has passed.
    fn wait(&self, every: Duration) {
        let Ok(asked) = self.asked.lock() else {
            std::thread::sleep(every);
            return;
        };
        let Ok((mut asked, _)) = self.ring.wait_timeout_while(asked, every, |asked| !*asked) else {
            return;
        };
        *asked = false;
    }
}

/// Starts the sending thread (only when the settings name an SMTP server and a sender).
pub fn start(site: Arc<Site>, every: Duration) {
    if site.mail.is_none() {
        return;
    }
    std::thread::spawn(move || {
        loop {
            run_once(&site);
            site.wake.wait(every);
        }
    });
}

/// One run of `appeal send` over the outbox, logged in counts.
fn run_once(site: &Site) {
    let Some(mail) = &site.mail else {
        return;
    };
    if !site.config.outbox.join("ready").is_dir() {
        return;
    }
    let outbox = match Outbox::open(&site.config.outbox) {
        Ok(outbox) => outbox,
        Err(e) => {
            eprintln!("send: cannot open the outbox: {e}");
            return;
        }
    };
    let opts = mail.run_options(site.today());
    match crate::mail::send::send(&outbox, &opts, &mut |_, _, _| {}) {
        Ok(report) => {
            let handled = report.sent + report.deferred + report.failed + report.uncertain;
            let waiting = report.closed + report.not_due;
            if handled + report.expired + report.held + waiting > 0 || report.stopped.is_some() {
                eprintln!(
                    "send: {} sent, {} deferred, {} failed, {} uncertain, {} expired, {} held, \
                     {} waiting (office hours, next try){}",
                    report.sent,
                    report.deferred,
                    report.failed,
                    report.uncertain,
                    report.expired,
                    report.held,
                    waiting,
                    report
                        .stopped
                        .as_ref()
                        .map(|why| format!("; stopped: {why}"))
                        .unwrap_or_default()
                );
            }
        }
        Err(e) => eprintln!("send: {e}"),
    }
}
