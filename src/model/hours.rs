//! Office hours in an office's own time zone: faxes go out only while someone is there (fax
//! lines are busy by day, and a fax arriving at night is often thrown away with the night's
//! paper). Written as `Mo-Fr 09:00-18:00`; days `Mo Tu We Th Fr Sa Su`, ranges and lists
//! (`Mo-Th,Sa`).

use chrono::{DateTime, Datelike, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// When an office reads its faxes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeHours {
    /// An IANA time zone, e.g. `Europe/Moscow`.
    pub timezone: String,
    /// As written: `Mo-Fr 09:00-18:00`.
    pub hours: String,
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

/// The parsed form: the days open and the hours of each.
struct Window {
    days: [bool; 7],
    open: NaiveTime,
    close: NaiveTime,
}

fn day(s: &str) -> Result<usize, String> {
    DAYS.iter()
        .position(|(name, _)| name.eq_ignore_ascii_case(s.trim()))
        .ok_or_else(|| format!("`{s}` is not a day; use Mo Tu We Th Fr Sa Su"))
}

fn window(text: &str) -> Result<Window, String> {
    let hint = "write e.g. `Mo-Fr 09:00-18:00`";
    let (days_text, times) = text
        .trim()
        .split_once(' ')
        .ok_or_else(|| format!("`{text}` has no days and hours; {hint}"))?;
    let mut days = [false; 7];
    for part in days_text.split(',') {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (day(a)?, day(b)?);
                if a > b {
                    return Err(format!("`{part}`: the range runs backwards; {hint}"));
                }
                days[a..=b].iter_mut().for_each(|d| *d = true);
            }
            None => days[day(part)?] = true,
        }
    }
    let (open, close) = times
        .trim()
        .split_once('-')
        .ok_or_else(|| format!("`{times}` is not a time range; {hint}"))?;
    let time = |t: &str| match t.trim() {
        // The end of the day, for offices that read faxes around the clock.
        "24:00" => {
            Ok(NaiveTime::from_hms_nano_opt(23, 59, 59, 999_999_999).unwrap_or(NaiveTime::MIN))
        }
        t => NaiveTime::parse_from_str(t, "%H:%M")
            .map_err(|_| format!("`{t}` is not a time as HH:MM; {hint}")),
    };
    let (open, close) = (time(open)?, time(close)?);
    if open >= close {
        return Err(format!(
            "`{times}`: the office closes before it opens; {hint}"
        ));
    }
    Ok(Window { days, open, close })
}

impl OfficeHours {
    /// Checks both parts; `Err` says what is wrong.
    pub fn new(timezone: &str, hours: &str) -> Result<OfficeHours, String> {
        timezone.parse::<Tz>().map_err(|_| {
            format!("`{timezone}` is not a time zone; use an IANA name such as Europe/Moscow")
        })?;
        window(hours)?;
        Ok(OfficeHours {
            timezone: timezone.to_string(),
            hours: hours.to_string(),
        })
    }

    /// Whether the office is open at `now`; `Ok(None)` if so, else `Ok(Some(next opening))`.
    pub fn next_open(&self, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, String> {
        let tz: Tz = self
            .timezone
            .parse()
            .map_err(|_| format!("`{}` is not a time zone", self.timezone))?;
        let w = window(&self.hours)?;
        let local = now.with_timezone(&tz);
        let today = local.weekday().num_days_from_monday() as usize;
        let t = local.time();
        if w.days[today] && t >= w.open && t < w.close {
            return Ok(None);
        }
        for ahead in 0..8 {
            let date = local.date_naive() + chrono::Duration::days(ahead);
            let d = date.weekday().num_days_from_monday() as usize;
            if !w.days[d] || (ahead == 0 && t >= w.open) {
                continue;
            }
            // The earliest valid local instant at opening time (a DST gap moves it later).
            if let Some(at) = tz.from_local_datetime(&date.and_time(w.open)).earliest() {
                return Ok(Some(at.with_timezone(&Utc)));
            }
        }
        Err(format!("`{}` opens on no day", self.hours))
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
        assert_eq!(h.next_open(utc("2026-11-23T07:00:00Z")).unwrap(), None);
        // 16:00 UTC is 19:00 in Moscow: closed until Tuesday 09:00 Moscow = 06:00 UTC.
        assert_eq!(
            h.next_open(utc("2026-11-23T16:00:00Z")).unwrap(),
            Some(utc("2026-11-24T06:00:00Z"))
        );
        // Saturday: closed until Monday.
        assert_eq!(
            h.next_open(utc("2026-11-28T10:00:00Z")).unwrap(),
            Some(utc("2026-11-30T06:00:00Z"))
        );
        // Early on a weekday: opens later that day.
        assert_eq!(
            h.next_open(utc("2026-11-23T03:00:00Z")).unwrap(),
            Some(utc("2026-11-23T06:00:00Z"))
        );
    }

    #[test]
    fn reads_lists_of_days_and_refuses_nonsense() {
        let h = OfficeHours::new("Asia/Tokyo", "Mo-We,Fr 10:00-16:00").unwrap();
        // Thursday 2026-11-26 03:00 UTC is 12:00 in Tokyo, but Thursday is closed.
        assert_eq!(
            h.next_open(utc("2026-11-26T03:00:00Z")).unwrap(),
            Some(utc("2026-11-27T01:00:00Z"))
        );
        let always = OfficeHours::new("UTC", "Mo-Su 00:00-24:00").unwrap();
        assert_eq!(always.next_open(utc("2026-11-29T23:59:59Z")).unwrap(), None);
        assert!(
            OfficeHours::new("Mars/Olympus", DEFAULT_HOURS)
                .unwrap_err()
                .contains("time zone")
        );
        assert!(
            OfficeHours::new("UTC", "Mo-Fr 18:00-09:00")
                .unwrap_err()
                .contains("closes before")
        );
        assert!(
            OfficeHours::new("UTC", "Xx 09:00-10:00")
                .unwrap_err()
                .contains("not a day")
        );
        assert!(
            OfficeHours::new("UTC", "09:00-10:00")
                .unwrap_err()
                .contains("no days")
        );
    }
}
