//! Language tags: parsing, the fallback chain (`fr-CA` -> `fr`), the script a language is written
//! in, and long dates in each language's own grammar.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, OnceLock};

use icu_datetime::DateTimeFormatter;
use icu_datetime::fieldsets::{M, YMD};
use icu_locale::{LanguageIdentifier, Locale, LocaleExpander};

use crate::model::country::Country;

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

/// Formats long dates ("3 мая 2011 г.", "3. Mai 2011") with CLDR data, one formatter per locale,
/// built on first use and kept for the life of the process.
#[derive(Default)]
pub struct DateFormats {
    cache: Mutex<HashMap<Lang, DateTimeFormatter<YMD>>>,
    /// Month names alone, for the two Arabic month names (`arabic_months`).
    months: Mutex<HashMap<Lang, DateTimeFormatter<M>>>,
}

impl DateFormats {
    /// The process's formatters, shared by every renderer: building one costs more than the
    /// letter it dates.
    pub fn shared() -> &'static DateFormats {
        static SHARED: std::sync::LazyLock<DateFormats> =
            std::sync::LazyLock::new(DateFormats::default);
        &SHARED
    }

    /// `date` as a long date in `lang`, as written in `region` (the supporter's country, the
    /// section's `--country`): see `date_locale`. A batch formats each of its dates once, with
    /// the rest of the campaign's part of its letters (`render::letter::Shared`).
    pub fn long(&self, lang: &Lang, region: Option<Country>, date: chrono::NaiveDate) -> String {
        use chrono::Datelike;
        let locale = date_locale(lang, region);
        let Ok(day) =
            icu_calendar::Date::try_new_iso(date.year(), date.month() as u8, date.day() as u8)
        else {
            // chrono dates are always valid ISO dates; this arm only guards the conversion.
            return date.format("%Y-%m-%d").to_string();
        };
        let text = {
            let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            let formatter = cache
                .entry(locale.clone())
                .or_insert_with(|| formatter_for(&locale));
            formatter.format(&day).to_string()
        };
        let text = french_first(&locale, text);
        self.arabic_months(&locale, &day, text)
    }

    /// The month of `day` alone, in `tag`'s names.
    fn month(&self, tag: &str, day: &icu_calendar::Date<icu_calendar::Iso>) -> String {
        let Some(lang) = Lang::parse(tag) else {
            return String::new();
        };
        let mut months = self.months.lock().unwrap_or_else(|e| e.into_inner());
        let formatter = months.entry(lang.clone()).or_insert_with(|| {
            DateTimeFormatter::try_new(gregorian(&lang).into(), M::long())
                .or_else(|_| DateTimeFormatter::try_new(Locale::UNKNOWN.into(), M::long()))
                .expect("the root locale always has compiled month names")
        });
        formatter.format(day).to_string()
    }

    /// Arabic names the Gregorian months in two ways: after the Latin months (ديسمبر) in Egypt,
    /// the Gulf and the Maghreb, and with the Syriac names (كانون الأول) in the Levant and Iraq.
    /// Texts for all Arab readers, Amnesty's among them and the shipped campaigns («أغسطس/آب
    /// 2010»), give both, the common name first; the date does the same, so that a letter keeps
    /// one convention. Only for plain `ar`: a regional tag (`ar-EG`, `ar-SY`) has its own names.
    fn arabic_months(
        &self,
        locale: &Lang,
        day: &icu_calendar::Date<icu_calendar::Iso>,
        text: String,
    ) -> String {
        if locale.as_str() != "ar" {
            return text;
        }
        let (common, levantine) = (self.month("ar", day), self.month("ar-SY", day));
        if common.is_empty() || levantine.is_empty() || common == levantine {
            return text;
        }
        text.replacen(&common, &format!("{common}/{levantine}"), 1)
    }
}

/// The locale a date is written in, for a letter in `lang` written in `region`. English is the
/// one shipped language whose regions write long dates differently: "December 1, 2026" in the
/// United States (and the territories where CLDR's English is US English), "1 December 2026"
/// everywhere else, as in Britain, so plain `en` becomes `en-US` or `en-GB`; with no region
/// known, `en-GB`, the form of the English the campaign texts are written in. A region in the
/// tag itself (`--lang en-US`) wins.
pub fn date_locale(lang: &Lang, region: Option<Country>) -> Lang {
    let Ok(mut id) = lang.as_str().parse::<LanguageIdentifier>() else {
        return lang.clone();
    };
    if id.region.is_some() || id.language.as_str() != "en" {
        return lang.clone();
    }
    let us = region.is_some_and(|c| US_DATES.contains(&c.code()));
    id.region = Some(if us {
        icu_locale::subtags::region!("US")
    } else {
        icu_locale::subtags::region!("GB")
    });
    Lang::canonical(id.to_string())
}

/// The United States and its territories: their CLDR English is `en` itself (US dates), not
/// `en-001`, the parent of the English of the rest of the world.
const US_DATES: [&str; 7] = ["US", "AS", "GU", "MP", "PR", "UM", "VI"];

/// `n` written in the digits `lang` dates letters in: Persian digits in Persian (۱۲), and in
/// Arabic what CLDR's `ar` writes (12), so that a letter's page numbers agree with its date.
pub fn number(lang: &Lang, n: usize) -> String {
    number_with(number_formatter(lang).as_ref(), n)
}

/// `n` written by `formatter` (from `number_formatter`), in ASCII digits without one.
pub fn number_with(formatter: Option<&icu_decimal::DecimalFormatter>, n: usize) -> String {
    match formatter {
        Some(formatter) => formatter.format(&(n as u64).into()).to_string(),
        None => n.to_string(),
    }
}

/// The formatter `number` writes with, for those who write many numbers in one language.
pub fn number_formatter(lang: &Lang) -> Option<icu_decimal::DecimalFormatter> {
    let locale = gregorian(&date_locale(lang, None));
    icu_decimal::DecimalFormatter::try_new(locale.into(), Default::default()).ok()
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

/// `lang` as a locale in the Gregorian calendar. Letters are dated in it whatever the
/// language's default calendar (Persian defaults to the Solar Hijri calendar), because
/// officials and courts date by it.
fn gregorian(lang: &Lang) -> Locale {
    format!("{}-u-ca-gregory", lang.as_str())
        .parse()
        .or_else(|_| lang.as_str().parse())
        .unwrap_or(Locale::UNKNOWN)
}

fn formatter_for(lang: &Lang) -> DateTimeFormatter<YMD> {
    DateTimeFormatter::try_new(gregorian(lang).into(), YMD::long())
        .or_else(|_| DateTimeFormatter::try_new(Locale::UNKNOWN.into(), YMD::long()))
        .expect("the root locale always has compiled date data")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn long(tag: &str) -> String {
        let d = NaiveDate::from_ymd_opt(2011, 5, 3).unwrap();
        DateFormats::default().long(&Lang::parse(tag).unwrap(), None, d)
    }

    fn dated_in(tag: &str, region: &str) -> String {
        let d = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        DateFormats::default().long(&Lang::parse(tag).unwrap(), Country::parse(region), d)
    }

    #[test]
    fn formats_long_dates_in_each_shipped_language() {
        assert_eq!(long("en"), "3 May 2011");
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
        let long = |tag: &str| formats.long(&Lang::parse(tag).unwrap(), None, d);
        assert_eq!(long("fr"), "1er mai 2011");
        assert_eq!(long("fr-CA"), "1er mai 2011");
        assert_eq!(long("en"), "1 May 2011");
    }

    #[test]
    fn dates_english_by_the_writers_region_unless_the_tag_names_one() {
        assert_eq!(dated_in("en", "DE"), "1 December 2026");
        assert_eq!(dated_in("en", "US"), "December 1, 2026");
        assert_eq!(dated_in("en", "PR"), "December 1, 2026");
        assert_eq!(dated_in("en-GB", "US"), "1 December 2026");
        assert_eq!(dated_in("en-US", "DE"), "December 1, 2026");
        // Other languages write the same long date everywhere.
        assert_eq!(dated_in("de", "US"), "1. Dezember 2026");
    }

    #[test]
    fn gives_arabic_dates_both_month_names_as_the_campaign_texts_do() {
        assert_eq!(dated_in("ar", "DE"), "1 ديسمبر/كانون الأول 2026");
        let may = NaiveDate::from_ymd_opt(2011, 5, 3).unwrap();
        let ar = Lang::parse("ar").unwrap();
        assert_eq!(
            DateFormats::default().long(&ar, None, may),
            "3 مايو/أيار 2011"
        );
    }

    #[test]
    fn numbers_pages_in_the_digits_of_the_date() {
        let lang = |tag: &str| Lang::parse(tag).unwrap();
        assert_eq!(number(&lang("fa"), 12), "۱۲");
        assert_eq!(number(&lang("ar"), 12), "12");
        assert_eq!(number(&lang("en"), 3), "3");
        // The date of an Arabic letter has the same digits.
        assert!(dated_in("ar", "DE").contains("2026"));
        assert!(dated_in("fa", "DE").contains("۲۰۲۶"));
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
