//! Subcommands, and what they share: exit codes, value parsers for flags, error printing.

pub mod check;
pub mod letters;

use appeal::country::Country;
use appeal::diag::Invalid;
use appeal::lang::Lang;

/// Exit status: something failed (invalid campaign, a letter or a row that could not be produced).
pub const EXIT_FAILED: u8 = 1;
// 2 (usage error) is clap's own status for a bad command line, and ours for a bad flag value.

/// `--date YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("`{s}` is not a date as YYYY-MM-DD, e.g. 2011-05-03"))
}

/// `--lang ru`.
pub fn parse_lang(s: &str) -> Result<Lang, String> {
    Lang::parse(s).ok_or_else(|| format!("`{s}` is not a language tag; use e.g. en, ru, fr-CA"))
}

/// `--country DE`.
pub fn parse_country(s: &str) -> Result<Country, String> {
    Country::parse(s).ok_or_else(|| {
        format!("`{s}` is not an ISO 3166-1 alpha-2 country code; use e.g. DE, FR, NO")
    })
}

/// The text of an error for the terminal: each problem of an invalid file on its own line,
/// otherwise the whole cause chain once.
pub fn error_text(e: &anyhow::Error) -> String {
    match e.downcast_ref::<Invalid>() {
        Some(invalid) => invalid.to_string(),
        None => format!("error: {e:#}"),
    }
}

pub fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}
