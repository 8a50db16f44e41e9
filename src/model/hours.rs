//! Office hours in an office's own time zone: faxes go out only while someone is there (fax
//! lines are busy by day, and a fax arriving at night is often thrown away with the night's
//! paper). Written as `Mo-Fr 09:00-18:00`; days `Mo Tu We Th Fr Sa Su`, ranges and lists
//! (`Mo-Th,Sa`). Parsed once, when the directory is read; envelopes keep the written form.

use chrono::{DateTime, Datelike, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// What is wrong with a time zone or office hours as written.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HoursError {
    #[error("`{0}` is not a time zone; use an IANA name such as Europe/Moscow")]
    NotATimeZone(String),
    #[error("`{0}` is not a day; use Mo Tu We Th Fr Sa Su")]
    NotADay(String),
    #[error("`{0}` has no days and hours; {HINT}")]
    NoDaysAndHours(String),
    #[error("`{0}`: the range runs backwards; {HINT}")]
    Backwards(String),
    #[error("`{0}` is not a time range; {HINT}")]
    NotATimeRange(String),
    #[error("`{0}` is not a time as HH:MM; {HINT}")]
    NotATime(String),
    #[error("`{0}`: the office closes before it opens; {HINT}")]
    ClosesBeforeOpens(String),
}

const HINT: &str = "write e.g. `Mo-Fr 09:00-18:00`";

impl HoursError {
    /// Whether the time zone is what is wrong (else the hours are).
    pub fn is_time_zone(&self) -> bool {
        matches!(self, HoursError::NotATimeZone(_))
    }
}

/// When an office reads its faxes: the time zone and hours as written (kept in envelopes), and
/// their parsed form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Written", into = "Written")]
pub struct OfficeHours {
    /// An IANA time zone, e.g. `Europe/Moscow`.
    pub timezone: String,
    /// As written: `Mo-Fr 09:00-18:00`.
    pub hours: String,
    tz: Tz,
    window: Window,
}

/// The serialized form: the two texts as written.
#[derive(Serialize, Deserialize)]
struct Written {
    timezone: String,
    hours: String,
}

impl TryFrom<Written> for OfficeHours {
    type Error = HoursError;

    fn try_from(w: Written) -> Result<Self, HoursError> {
        OfficeHours::new(&w.timezone, &w.hours)
    }
}

impl From<OfficeHours> for Written {
    fn from(h: OfficeHours) -> Written {
        Written {
            timezone: h.timezone,
            hours: h.hours,
        }
    }
}

/// The hours assumed when the directory gives a time zone but no hours.
pub const DEFAULT_HOURS: &str = "Mo-Fr 09:00-17:00";

const DAYS: [(&str, Weekday); 7] = [
    ("Mo", Weekday::Mon),
    ("Tu", Weekday::Tue),
    ("We", Weekday::Wed),
    ("Th", Weekday::Thu),
    ("Fr", Weekday::Fri),
    ("Sa", Weekday::Sat),
    ("Su", Weekday::Sun),
];

/// The parsed form: the days open (at least one) and the hours of each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Window {
    days: [bool; 7],
    open: NaiveTime,
    close: NaiveTime,
}

fn day(s: &str) -> Result<usize, HoursError> {
    DAYS.iter()
        .position(|(name, _)| name.eq_ignore_ascii_case(s.trim()))
        .ok_or_else(|| HoursError::NotADay(s.to_string()))
}

fn window(text: &str) -> Result<Window, HoursError> {
    let (days_text, times) = text
        .trim()
        .split_once(' ')
        .ok_or_else(|| HoursError::NoDaysAndHours(text.to_string()))?;
    let mut days = [false; 7];
    for part in days_text.split(',') {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (day(a)?, day(b)?);
                if a > b {
                    return Err(HoursError::Backwards(part.to_string()));
                }
                days[a..=b].iter_mut().for_each(|d| *d = true);
            }
            None => days[day(part)?] = true,
        }
    }
    let (open, close) = times
        .trim()
        .split_once('-')
        .ok_or_else(|| HoursError::NotATimeRange(times.to_string()))?;
    let time = |t: &str| match t.trim() {
        // The end of the day, for offices that read faxes around the clock.
        "24:00" => {
            Ok(NaiveTime::from_hms_nano_opt(23, 59, 59, 999_999_999).unwrap_or(NaiveTime::MIN))
        }
        t => NaiveTime::parse_from_str(t, "%H:%M").map_err(|_| HoursError::NotATime(t.to_string())),
    };
    let (open, close) = (time(open)?, time(close)?);
    if open >= close {
        return Err(HoursError::ClosesBeforeOpens(times.to_string()));
    }
    Ok(Window { days, open, close })
}

impl OfficeHours {
    /// Checks both parts; `Err` says what is wrong.
    pub fn new(timezone: &str, hours: &str) -> Result<OfficeHours, HoursError> {
        let tz = timezone
            .parse::<Tz>()
            .map_err(|_| HoursError::NotATimeZone(timezone.to_string()))?;
        let window = window(hours)?;
        Ok(OfficeHours {
            timezone: timezone.to_string(),
            hours: hours.to_string(),
            tz,
            window,
        })
    }

    /// Whether the office is open at `now`: `None` if so, else the next opening.
    pub fn next_open(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let (tz, w) = (self.tz, &self.window);
        let local = now.with_timezone(&tz);
        let today = local.weekday().num_days_from_monday() as usize;
        let t = local.time();
        if w.days[today] && t >= w.open && t < w.close {
            return None;
        }
        for ahead in 0..8 {
            let date = local.date_naive() + chrono::Duration::days(ahead);
            let d = date.weekday().num_days_from_monday() as usize;
            if !w.days[d] || (ahead == 0 && t >= w.open) {
                continue;
            }
            // The earliest valid local instant at opening time (a DST gap moves it later).
            if let Some(at) = tz.from_local_datetime(&date.and_time(w.open)).earliest() {
                return Some(at.with_timezone(&Utc));
            }
        }
        // A window always has a day open, so this is not reached; waiting a day is safe.
        Some(now + chrono::Duration::days(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn is_open_in_the_offices_own_time_zone() {
        let h = OfficeHours::new("Europe/Moscow", "Mo-Fr 09:00-18:00").unwrap();
        // Monday 2026-11-23 07:00 UTC is 10:00 in Moscow: open.
        assert_eq!(h.next_open(utc("2026-11-23T07:00:00Z")), None);
        // 16:00 UTC is 19:00 in Moscow: closed until Tuesday 09:00 Moscow = 06:00 UTC.
        assert_eq!(
            h.next_open(utc("2026-11-23T16:00:00Z")),
            Some(utc("2026-11-24T06:00:00Z"))
        );
        // Saturday: closed until Monday.
        assert_eq!(
            h.next_open(utc("2026-11-28T10:00:00Z")),
            Some(utc("2026-11-30T06:00:00Z"))
        );
        // Early on a weekday: opens later that day.
        assert_eq!(
            h.next_open(utc("2026-11-23T03:00:00Z")),
            Some(utc("2026-11-23T06:00:00Z"))
        );
    }

    #[test]
    fn keeps_the_written_form_in_envelopes_and_checks_it_when_read_back() {
        let h = OfficeHours::new("Europe/Moscow", "Mo-Fr 09:00-18:00").unwrap();
        let json = serde_json::to_string(&h).unwrap();
        assert_eq!(
            json,
            r#"{"timezone":"Europe/Moscow","hours":"Mo-Fr 09:00-18:00"}"#
        );
        assert_eq!(serde_json::from_str::<OfficeHours>(&json).unwrap(), h);
        let bad = r#"{"timezone":"Mars/Olympus","hours":"Mo-Fr 09:00-18:00"}"#;
        assert!(
            serde_json::from_str::<OfficeHours>(bad)
                .unwrap_err()
                .to_string()
                .contains("not a time zone")
        );
    }

    #[test]
    fn reads_lists_of_days_and_refuses_nonsense() {
        let h = OfficeHours::new("Asia/Tokyo", "Mo-We,Fr 10:00-16:00").unwrap();
        // Thursday 2026-11-26 03:00 UTC is 12:00 in Tokyo, but Thursday is closed.
        assert_eq!(
            h.next_open(utc("2026-11-26T03:00:00Z")),
            Some(utc("2026-11-27T01:00:00Z"))
        );
        let always = OfficeHours::new("UTC", "Mo-Su 00:00-24:00").unwrap();
        assert_eq!(always.next_open(utc("2026-11-29T23:59:59Z")), None);
        assert!(
            OfficeHours::new("Mars/Olympus", DEFAULT_HOURS)
                .unwrap_err()
                .is_time_zone()
        );
        assert!(matches!(
            OfficeHours::new("UTC", "Mo-Fr 18:00-09:00"),
            Err(HoursError::ClosesBeforeOpens(_))
        ));
        assert_eq!(
            OfficeHours::new("UTC", "Xx 09:00-10:00"),
            Err(HoursError::NotADay("Xx".into()))
        );
        assert!(matches!(
            OfficeHours::new("UTC", "09:00-10:00"),
            Err(HoursError::NoDaysAndHours(_))
        ));
        assert_eq!(
            HoursError::NotADay("Xx".into()).to_string(),
            "`Xx` is not a day; use Mo Tu We Th Fr Sa Su"
        );
    }
}
