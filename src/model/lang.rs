//! Language tags: parsing, the fallback chain (`fr-CA` -> `fr`), the script a language is written
//! in, and long dates in each language's own grammar.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, OnceLock};

use icu_datetime::DateTimeFormatter;
use icu_datetime::fieldsets::YMD;
use icu_locale::{LanguageIdentifier, Locale, LocaleExpander};

/// A BCP 47 language tag, kept in its canonical spelling (`fr-CA`, `zh-Hant`). Its script is
/// found once, the first time it is asked for (every letter asks), not parsed again each time.
#[derive(Clone, Debug)]
pub struct Lang {
    tag: String,
    /// ISO 15924 codes are four ASCII letters: kept as bytes, so a tag stays small.
    script: OnceLock<Option<[u8; 4]>>,
}

// A tag is the language: the script is derived from it.
impl PartialEq for Lang {
    fn eq(&self, other: &Self) -> bool {
        self.tag == other.tag
    }
}

impl Eq for Lang {}

impl PartialOrd for Lang {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Lang {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.tag.cmp(&other.tag)
    }
}

impl std::hash::Hash for Lang {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.tag.hash(state);
    }
}

impl Lang {
    /// Parses and canonicalizes a tag; `None` when it is not a language tag at all.
    pub fn parse(tag: &str) -> Option<Lang> {
        let tag = tag.trim();
        if tag.is_empty() || tag.len() > 35 {
            return None;
        }
        let id: LanguageIdentifier = tag.replace('_', "-").parse().ok()?;
        if id.language.is_unknown() {
            return None;
        }
        Some(Lang::canonical(id.to_string()))
    }

    /// A tag already in canonical spelling.
    fn canonical(tag: String) -> Lang {
        Lang {
            tag,
            script: OnceLock::new(),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.tag
    }

    /// The tags to look for, most specific first: `zh-Hant-TW`, `zh-Hant`, `zh`.
    pub fn chain(&self) -> Vec<Lang> {
        let mut out = vec![self.clone()];
        let mut tag = self.tag.as_str();
        while let Some(i) = tag.rfind('-') {
            tag = &tag[..i];
            out.push(Lang::canonical(tag.to_string()));
        }
        out
    }

    /// The ISO 15924 script the language is usually written in (`ru` -> `Cyrl`, `sr-Latn` -> `Latn`).
    pub fn script(&self) -> Option<String> {
        let code = self.script.get_or_init(|| {
            let mut id: LanguageIdentifier = self.tag.parse().ok()?;
            LocaleExpander::new_common().maximize(&mut id);
            id.script
                .and_then(|s| s.as_str().as_bytes().try_into().ok())
        });
        code.map(|b| String::from_utf8_lossy(&b).into_owned())
    }

    /// Whether the language is written right to left (Arabic, Hebrew, Persian, Urdu ...).
    pub fn is_rtl(&self) -> bool {
        matches!(
            self.script().as_deref(),
            Some("Arab" | "Hebr" | "Syrc" | "Thaa" | "Nkoo" | "Adlm")
        )
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.tag)
    }
}

/// Whether `key` looks like an ISO 15924 script code (`Latn`, `Cyrl`): four letters, first upper.
pub fn is_script_code(key: &str) -> bool {
    key.len() == 4
        && key.chars().all(|c| c.is_ascii_alphabetic())
        && key.starts_with(|c: char| c.is_ascii_uppercase())
        && key[1..].chars().all(|c| c.is_ascii_lowercase())
}

/// Formats long dates ("3 мая 2011 г.", "3. Mai 2011") with CLDR data, one formatter per language,
/// built on first use and kept for the life of the process.
#[derive(Default)]
pub struct DateFormats {
    cache: Mutex<HashMap<Lang, DateTimeFormatter<YMD>>>,
}

impl DateFormats {
    pub fn long(&self, lang: &Lang, date: chrono::NaiveDate) -> String {
        use chrono::Datelike;
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        let formatter = cache
            .entry(lang.clone())
            .or_insert_with(|| formatter_for(lang));
        match icu_calendar::Date::try_new_iso(date.year(), date.month() as u8, date.day() as u8) {
            Ok(d) => french_first(lang, formatter.format(&d).to_string()),
            // chrono dates are always valid ISO dates; this arm only guards the conversion.
            Err(_) => date.format("%Y-%m-%d").to_string(),
        }
    }
}

/// French writes the first of the month as an ordinal ("1er mai 2011"); CLDR's long date does not.
fn french_first(lang: &Lang, date: String) -> String {
    match date.strip_prefix("1 ") {
        Some(rest) if lang.as_str() == "fr" || lang.as_str().starts_with("fr-") => {
            format!("1er {rest}")
        }
        _ => date,
    }
}

/// Letters are dated in the Gregorian calendar whatever the language's default calendar
/// (Persian defaults to the Solar Hijri calendar), because officials and courts date by it.
fn formatter_for(lang: &Lang) -> DateTimeFormatter<YMD> {
    let with_calendar = format!("{}-u-ca-gregory", lang.as_str());
    let locale: Locale = with_calendar
        .parse()
        .or_else(|_| lang.as_str().parse())
        .unwrap_or(Locale::UNKNOWN);
    DateTimeFormatter::try_new(locale.into(), YMD::long())
        .or_else(|_| DateTimeFormatter::try_new(Locale::UNKNOWN.into(), YMD::long()))
        .expect("the root locale always has compiled date data")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn long(tag: &str) -> String {
        let d = NaiveDate::from_ymd_opt(2011, 5, 3).unwrap();
        DateFormats::default().long(&Lang::parse(tag).unwrap(), d)
    }

    #[test]
    fn formats_long_dates_in_each_shipped_language() {
        assert_eq!(long("en"), "May 3, 2011");
        // CLDR keeps "г." on the line of the year with a narrow no-break space.
        assert_eq!(long("ru"), "3 мая 2011\u{202f}г.");
        assert_eq!(long("fr"), "3 mai 2011");
        assert_eq!(long("de"), "3. Mai 2011");
        assert_eq!(long("es"), "3 de mayo de 2011");
    }

    #[test]
    fn writes_the_first_of_the_month_as_french_does() {
        let d = NaiveDate::from_ymd_opt(2011, 5, 1).unwrap();
        let formats = DateFormats::default();
        assert_eq!(formats.long(&Lang::parse("fr").unwrap(), d), "1er mai 2011");
        assert_eq!(
            formats.long(&Lang::parse("fr-CA").unwrap(), d),
            "1er mai 2011"
        );
        assert_eq!(formats.long(&Lang::parse("en").unwrap(), d), "May 1, 2011");
    }

    #[test]
    fn dates_persian_letters_in_the_gregorian_calendar() {
        assert_eq!(long("fa"), "۳ مه ۲۰۱۱");
    }

    #[test]
    fn falls_back_from_region_to_language() {
        let chain: Vec<String> = Lang::parse("zh-Hant-TW")
            .unwrap()
            .chain()
            .iter()
            .map(|l| l.to_string())
            .collect();
        assert_eq!(chain, ["zh-Hant-TW", "zh-Hant", "zh"]);
    }

    #[test]
    fn knows_the_script_of_a_language() {
        assert_eq!(Lang::parse("ru").unwrap().script().as_deref(), Some("Cyrl"));
        assert_eq!(Lang::parse("fr").unwrap().script().as_deref(), Some("Latn"));
        assert_eq!(
            Lang::parse("sr-Latn").unwrap().script().as_deref(),
            Some("Latn")
        );
        assert!(Lang::parse("ar").unwrap().is_rtl());
    }

    #[test]
    fn rejects_what_is_not_a_tag() {
        assert!(Lang::parse("english please").is_none());
        assert!(Lang::parse("").is_none());
        assert_eq!(Lang::parse("fr_ca").unwrap().as_str(), "fr-CA");
    }
}
