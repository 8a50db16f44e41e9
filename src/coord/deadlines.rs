//! The deadlines of every open action, soonest first, with what urgent-action sections advise
//! for the time left; and the same as an iCalendar file (RFC 5545) to import into a calendar.

use chrono::NaiveDate;

use crate::coord::Error;
use crate::model::campaign::{Addressee, Campaign, UpdateAction};
use crate::model::country::Country;
use crate::model::directory::Directory;
use crate::model::lang::Lang;
use crate::model::region::{PostTime, post_time};

/// How far along a campaign is, as of a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum State {
    /// Letters may go: the deadline is today or later.
    Open,
    /// The deadline passed: letters only after asking the section office.
    Passed,
    /// A follow-up stopped or closed the action: no letters.
    Ended,
}

impl State {
    pub fn name(self) -> &'static str {
        match self {
            State::Open => "open",
            State::Passed => "passed",
            State::Ended => "ended",
        }
    }
}

/// One campaign's line.
#[derive(Clone, Debug)]
pub struct Deadline {
    pub id: String,
    pub title: String,
    pub reference: String,
    pub deadline: NaiveDate,
    /// Days from today to the deadline; negative once it passed.
    pub days_left: i64,
    pub state: State,
    /// The follow-up that ended the action: `stop` or `close`, with its date.
    pub ended: Option<(UpdateAction, NaiveDate)>,
    pub targets: usize,
    /// How long a posted letter takes to the farthest target (by the rule of thumb of
    /// `region::post_time`) and where that target is; `None` when every target is in the
    /// supporter's own country (her embassy of the target state, her government).
    pub post: Option<(PostTime, Country)>,
    pub file: std::path::PathBuf,
    /// How many follow-ups the campaign has: the calendar event's SEQUENCE, so an import after
    /// a follow-up replaces the event it made before.
    pub revision: usize,
}

impl Deadline {
    /// The line of a campaign as of `today`; its title in `lang` (default English) when it has
    /// one, else in its first language. Letters are posted in `from`, when known; the targets'
    /// countries come from `directory`.
    pub fn of(
        campaign: &Campaign,
        directory: &Directory,
        today: NaiveDate,
        lang: Option<&Lang>,
        from: Option<Country>,
    ) -> Deadline {
        let days_left = (campaign.deadline - today).num_days();
        let ended = campaign.ended().map(|u| (u.action, u.date));
        let state = match (ended, days_left) {
            (Some(_), _) => State::Ended,
            (None, d) if d < 0 => State::Passed,
            _ => State::Open,
        };
        let english = Lang::parse("en");
        let title = lang
            .or(english.as_ref())
            .and_then(|l| campaign.serve(l))
            .and_then(|l| campaign.title.get(l))
            .or_else(|| campaign.title.get(&campaign.languages[0]))
            .unwrap_or(&campaign.id)
            .to_string();
        Deadline {
            id: campaign.id.clone(),
            title,
            reference: campaign.reference(),
            deadline: campaign.deadline,
            days_left,
            state,
            ended,
            targets: campaign.targets.len(),
            post: slowest_post(campaign, directory, from),
            file: campaign.file.clone(),
            revision: campaign.updates.len(),
        }
    }

    /// What to do with the time left, as urgent-action sections advise: post while there is
    /// time for a letter to reach the farthest target (`post`), fax or email after that, nothing
    /// after the deadline without asking.
    pub fn advice(&self) -> String {
        match (self.state, self.days_left) {
            (State::Ended, _) => match self.ended {
                Some((UpdateAction::Stop, date)) => format!("stop action since {date}: no letters"),
                Some((_, date)) => format!("closed since {date}: no letters"),
                None => "no letters".into(),
            },
            (State::Passed, _) => {
                "deadline passed: ask your section office before sending anything".into()
            }
            (State::Open, 0) => "last day: fax or email today".into(),
            (State::Open, d) => match self.post {
                None if d >= 3 => {
                    "post, fax or email: the targets are in the supporter's own country".into()
                }
                None => "fax or email now: a posted letter may arrive too late".into(),
                Some((post, to)) if d >= post.days => format!(
                    "post, fax or email: there is time for a letter to {} ({})",
                    to.english_name(),
                    post.rule
                ),
                Some((post, to)) => format!(
                    "fax or email now: a posted letter to {} may arrive too late ({})",
                    to.english_name(),
                    post.rule
                ),
            },
        }
    }

    /// "in 12 days", "today", "3 days ago".
    pub fn when(&self) -> String {
        match self.days_left {
            0 => "today".into(),
            1 => "tomorrow".into(),
            -1 => "yesterday".into(),
            d if d > 0 => format!("in {d} days"),
            d => format!("{} days ago", -d),
        }
    }
}

/// The slowest post to a target of `campaign` that sits in a fixed country (a directory entry:
/// for an embassy, the country it is in); targets chosen by the supporter's country (her
/// government, the embassy in her country) are posted within it and never the slowest.
fn slowest_post(
    campaign: &Campaign,
    directory: &Directory,
    from: Option<Country>,
) -> Option<(PostTime, Country)> {
    campaign
        .targets
        .iter()
        .filter_map(|t| match &t.who {
            Addressee::Recipient(id) => directory.get(id),
            Addressee::EmbassyOf(_) | Addressee::GovernmentRole(_) => None,
        })
        .map(|r| {
            let to = r.host.unwrap_or(r.country);
            (post_time(from, to), to)
        })
        .max_by_key(|(post, to)| (post.days, std::cmp::Reverse(*to)))
}

/// Orders the lines: open actions soonest first, then passed ones (most recent first), then
/// ended ones.
pub fn sort(lines: &mut [Deadline]) {
    lines.sort_by(|a, b| {
        a.state
            .cmp(&b.state)
            .then_with(|| match a.state {
                State::Open => a.deadline.cmp(&b.deadline),
                _ => b.deadline.cmp(&a.deadline),
            })
            .then_with(|| a.id.cmp(&b.id))
    });
}

/// Parses a `--within` duration: `14d`, `2w`, or a number of days.
pub fn parse_within(s: &str) -> Result<i64, Error> {
    let t = s.trim();
    let (digits, unit) = match t.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => (&t[..i], &t[i..]),
        None => (t, "d"),
    };
    let n: i64 = digits
        .parse()
        .map_err(|_| Error::NotADuration(s.to_string()))?;
    let days = match unit {
        "d" => Some(n),
        "w" => n.checked_mul(7),
        _ => {
            return Err(Error::UnknownUnit {
                text: s.to_string(),
                unit: unit.to_string(),
            });
        }
    };
    days.filter(|d| *d <= 36_500)
        .ok_or_else(|| Error::TooLong(s.to_string()))
}

/// The deadlines as an iCalendar file: one all-day event on each open action's deadline, with a
/// reminder `remind_days` before it; an ended action's event is there as cancelled (no
/// reminder), so a calendar that imported it before drops it. `stamp` is the DTSTAMP of every
/// event. Passed actions are left out.
pub fn ics(lines: &[Deadline], stamp: chrono::DateTime<chrono::Utc>, remind_days: u32) -> String {
    let mut out = String::new();
    let mut prop = |line: String| {
        out.push_str(&fold(&line));
        out.push_str("\r\n");
    };
    prop("BEGIN:VCALENDAR".into());
    prop("VERSION:2.0".into());
    prop(format!(
        "PRODID:-//appeal//urgent-action deadlines {}//EN",
        env!("CARGO_PKG_VERSION")
    ));
    prop("CALSCALE:GREGORIAN".into());
    prop("METHOD:PUBLISH".into());
    for d in lines.iter().filter(|d| d.state != State::Passed) {
        let open = d.state == State::Open;
        let reference = if d.reference.is_empty() {
            String::new()
        } else {
            format!(" ({})", d.reference)
        };
        prop("BEGIN:VEVENT".into());
        prop(format!("UID:{}-deadline@appeal", d.id));
        prop(format!("SEQUENCE:{}", d.revision));
        if !open {
            prop("STATUS:CANCELLED".into());
        }
        prop(format!("DTSTAMP:{}", stamp.format("%Y%m%dT%H%M%SZ")));
        prop(format!(
            "DTSTART;VALUE=DATE:{}",
            d.deadline.format("%Y%m%d")
        ));
        if let Some(next) = d.deadline.succ_opt() {
            prop(format!("DTEND;VALUE=DATE:{}", next.format("%Y%m%d")));
        }
        prop(format!(
            "SUMMARY:{}",
            text(&format!("Urgent action deadline: {}{reference}", d.title))
        ));
        prop(format!(
            "DESCRIPTION:{}",
            text(&format!(
                "Last day for appeals in {} ({} target(s)). After it, ask your section office before sending anything. File: {}",
                d.id,
                d.targets,
                d.file.display()
            ))
        ));
        prop("TRANSP:TRANSPARENT".into());
        if !open {
            prop("END:VEVENT".into());
            continue;
        }
        prop("BEGIN:VALARM".into());
        prop("ACTION:DISPLAY".into());
        prop(format!("TRIGGER;RELATED=START:-P{remind_days}D"));
        prop(format!(
            "DESCRIPTION:{}",
            text(&format!(
                "{remind_days} days left for appeals in {}: fax or email now, a posted letter may arrive too late",
                d.id
            ))
        ));
        prop("END:VALARM".into());
        prop("END:VEVENT".into());
    }
    prop("END:VCALENDAR".into());
    out
}

/// A TEXT value escaped (RFC 5545 3.3.11): backslash, semicolon, comma and line breaks.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets (RFC 5545 3.1), never inside a UTF-8 character.
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 70 * 3);
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_long_lines_at_75_octets_without_splitting_a_character() {
        let line = format!("SUMMARY:{}", "Срочная акция ".repeat(10));
        let folded = fold(&line);
        for part in folded.split("\r\n") {
            assert!(part.len() <= 75, "{} octets: {part}", part.len());
        }
        assert_eq!(folded.replace("\r\n ", ""), line);
    }

    #[test]
    fn escapes_text_values() {
        assert_eq!(text("a, b; c\\d\ne"), "a\\, b\\; c\\\\d\\ne");
    }

    #[test]
    fn reads_durations_in_days_or_weeks() {
        assert_eq!(parse_within("14d"), Ok(14));
        assert_eq!(parse_within("2w"), Ok(14));
        assert_eq!(parse_within("10"), Ok(10));
        assert!(matches!(
            parse_within("2 weeks"),
            Err(Error::UnknownUnit { unit, .. }) if unit == " weeks"
        ));
        assert_eq!(
            parse_within("soon"),
            Err(Error::NotADuration("soon".into()))
        );
        assert_eq!(
            parse_within("2000000000000000000w"),
            Err(Error::TooLong("2000000000000000000w".into()))
        );
        assert_eq!(
            parse_within("36501").unwrap_err().to_string(),
            "`36501` is more than a hundred years (hint: e.g. 14d or 2w)"
        );
    }
}
