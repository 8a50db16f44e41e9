//! Supporters: the people who sign letters, from command-line flags or a CSV file, row by row.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::model::address::{self, Field, Parts};
use crate::model::contact::EmailAddress;
use crate::model::country::Country;
use crate::model::lang::Lang;
use crate::model::text::{Lines, normalize};

/// One person signing letters. With no supporter at all, letters carry blank lines instead.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Supporter {
    pub name: String,
    /// Street lines, as given.
    pub address: Vec<String>,
    pub postcode: String,
    pub city: String,
    /// State, province, oblast ...: the key the post expects (`IL`) where the country has a
    /// list of regions, else as given.
    pub region: String,
    pub country: Option<Country>,
    pub email: Option<EmailAddress>,
    pub lang: Option<Lang>,
    /// The supporter's own paragraph (the `note` column), plain text set in the letter as it is.
    pub note: String,
    /// Sign with initials only (advised for supporters with ties to the target country).
    pub initials: bool,
    /// Other CSV columns, available to templates as `supporter.extra.<column>`.
    pub extra: BTreeMap<String, String>,
}

/// A supporter's address block as posted within her country and from abroad
/// (`Supporter::postal_addresses`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostalAddresses {
    home: Vec<String>,
    abroad: Vec<String>,
    country: Option<Country>,
}

impl PostalAddresses {
    /// The block of a letter posted in `posted_in` (the recipient's postal country).
    pub fn posted_in(&self, posted_in: Option<Country>) -> &[String] {
        if self.country.is_some() && posted_in == self.country {
            &self.home
        } else {
            &self.abroad
        }
    }
}

impl Supporter {
    /// The name a letter prints wherever it names her (under the signature, in the sender
    /// block, on the return line above the window): the full name, or "A. I." when initials
    /// are asked for, and then the full name appears nowhere in her letters.
    pub fn printed_name(&self) -> String {
        if !self.initials {
            return self.name.clone();
        }
        self.name
            .split(|c: char| c.is_whitespace() || c == '-')
            .filter_map(|part| part.chars().find(|c| c.is_alphabetic()))
            .flat_map(char::to_uppercase)
            .map(|c| format!("{c}."))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn parts(&self) -> Parts<'_> {
        Parts {
            street: &self.address,
            city: &self.city,
            region: &self.region,
            postcode: &self.postcode,
        }
    }

    /// Her address block, the sender's, for every posting country, laid out once by her
    /// country's rules: a supporter's letters go to several countries, and laying an address
    /// out looks its region up. The blocks differ only by the country line, in capitals on
    /// international mail and left out on domestic mail (`address::block`).
    pub fn postal_addresses(&self) -> PostalAddresses {
        let Some(country) = self.country else {
            // Without a country there is no country line to leave out.
            let block = address::block(&self.parts(), None, None);
            return PostalAddresses {
                home: block.clone(),
                abroad: block,
                country: None,
            };
        };
        let home = address::block(&self.parts(), Some(country), Some(country));
        let mut abroad = home.clone();
        abroad.extend(address::country_line(country, None));
        PostalAddresses {
            home,
            abroad,
            country: Some(country),
        }
    }

    /// The address as given, in one fixed form: street lines, "postcode city region", the
    /// country's English name. What is derived from it (the wordings a supporter gets, ids)
    /// must not move when printing changes, so letters print `postal_addresses` instead.
    pub fn address_lines(&self) -> Vec<String> {
        let mut lines = self.address.clone();
        let town = [
            self.postcode.as_str(),
            self.city.as_str(),
            self.region.as_str(),
        ]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
        if !town.is_empty() {
            lines.push(town);
        }
        if let Some(c) = self.country {
            lines.push(c.english_name().to_string());
        }
        lines
    }

    /// Who this supporter is, whatever was corrected in her row since (her country, her street,
    /// her language): her name with her email when she gave one, else with her postcode, else
    /// with her street lines. The same person writing to the same addressee in the same campaign
    /// and language is one message (`batch::queue::message_id`), and one set of letters in a run.
    /// The name stays in it even with an email: people who share one address (a couple, an
    /// office) are two supporters, and each signs her own letters.
    pub fn identity(&self) -> String {
        use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};
        let fold = |s: &str| -> String {
            // Most names are in NFKC already, which the quick check tells without composing.
            let s = match is_nfkc_quick(s.chars()) {
                IsNormalized::Yes => s.to_lowercase(),
                _ => s.nfkc().collect::<String>().to_lowercase(),
            };
            s.split_whitespace().collect::<Vec<_>>().join(" ")
        };
        let name = fold(&self.name);
        if let Some(email) = &self.email {
            return format!("{name}\u{0}email\u{0}{}", email.to_string().to_lowercase());
        }
        let postcode: String = fold(&self.postcode)
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect();
        if !postcode.is_empty() {
            return format!("{name}\u{0}postcode\u{0}{postcode}");
        }
        let street: Vec<String> = self.address.iter().map(|l| fold(l)).collect();
        format!(
            "{name}\u{0}address\u{0}{}\u{0}{}",
            street.join("\n"),
            fold(&self.city)
        )
    }
}

/// Why a supporter cannot be used, with the field it is about: `message` in English for the
/// command line, `reason` for those who say it otherwise (the web form, in the page's language).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", if field.is_empty() { String::new() } else { format!("{field}: ") })]
pub struct SupporterError {
    pub field: String,
    pub message: String,
    pub reason: Reason,
}

/// Each reason the checks refuse a supporter for, with what its message names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    /// A control character, or a line break in a one-line field.
    Forbidden,
    /// No name to sign with.
    NoName,
    /// Not an ISO 3166-1 alpha-2 code.
    UnknownCountry,
    /// Not a language tag.
    UnknownLang,
    /// Not an email address.
    Email,
    /// Not one of `country`'s regions; the nearest, as they may be written.
    UnknownRegion {
        country: Country,
        nearest: Vec<String>,
    },
    /// Empty, but `country`'s post requires it; an example where the post's data has one.
    Required {
        country: Country,
        example: Option<String>,
    },
    /// A row of a supporters file that cannot be read as one (CSV syntax, encoding, columns).
    Unreadable,
}

fn err(field: &str, reason: Reason, message: impl Into<String>) -> SupporterError {
    SupporterError {
        field: field.to_string(),
        message: message.into(),
        reason,
    }
}

/// Checks one field of free text: no control characters (they would break a letter's layout, a
/// file name or an email header), NFC, trimmed.
fn clean(field: &str, value: &str, multiline: bool) -> Result<String, SupporterError> {
    let value = normalize(value.trim());
    let lines = if multiline { Lines::Many } else { Lines::One };
    if let Some(what) = crate::model::text::forbidden(&value, lines) {
        return Err(err(
            field,
            Reason::Forbidden,
            format!("holds {what}; remove it"),
        ));
    }
    Ok(value)
}

/// The fields of one supporter as given (flags or a CSV row), before checking.
#[derive(Clone, Debug, Default)]
pub struct SupporterInput {
    pub name: String,
    pub address: Vec<String>,
    pub postcode: String,
    pub city: String,
    pub region: String,
    pub country: String,
    pub email: String,
    pub lang: String,
    pub note: String,
    pub initials: bool,
    pub extra: BTreeMap<String, String>,
}

impl SupporterInput {
    pub fn check(self) -> Result<Supporter, SupporterError> {
        let name = clean("name", &self.name, false)?;
        if name.is_empty() {
            return Err(err(
                "name",
                Reason::NoName,
                "is empty; every letter needs the signer's name",
            ));
        }
        let mut address = Vec::new();
        for line in &self.address {
            let line = clean("address", line, true)?;
            address.extend(
                line.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_string),
            );
        }
        let country = match self.country.trim() {
            "" => None,
            code => Some(Country::parse(code).ok_or_else(|| {
                err(
                    "country",
                    Reason::UnknownCountry,
                    format!("`{code}` is not an ISO 3166-1 alpha-2 code (e.g. DE, FR, NO)"),
                )
            })?),
        };
        let lang = match self.lang.trim() {
            "" => None,
            tag => Some(Lang::parse(tag).ok_or_else(|| {
                err(
                    "lang",
                    Reason::UnknownLang,
                    format!("`{tag}` is not a language tag (e.g. de, fr-CA)"),
                )
            })?),
        };
        let email = match clean("email", &self.email, false)?.as_str() {
            "" => None,
            text => Some(
                EmailAddress::parse(text)
                    .map_err(|why| err("email", Reason::Email, why.to_string()))?,
            ),
        };
        let mut extra = BTreeMap::new();
        for (k, v) in self.extra {
            let v = clean(&k, &v, true)?;
            extra.insert(k, v);
        }
        let region = check_region(&clean("region", &self.region, false)?, country)?;
        Ok(Supporter {
            name,
            address,
            postcode: clean("postcode", &self.postcode, false)?,
            city: clean("city", &self.city, false)?,
            region,
            country,
            email,
            lang,
            note: clean("note", &self.note, true)?.trim().to_string(),
            initials: self.initials,
            extra,
        })
    }

    /// `check`, and then that the address has every part its country's post requires (a US
    /// address its state). For supporters as the user gives them: a letter to a prosecutor
    /// must not carry a return address the post cannot use. A supporter who gives no address
    /// at all signs with her name alone, as before.
    pub fn check_complete(self) -> Result<Supporter, SupporterError> {
        let supporter = self.check()?;
        let Some(country) = supporter.country else {
            return Ok(supporter);
        };
        let rules = address::rules(country);
        let Some(&field) = rules.missing(&supporter.parts()).first() else {
            return Ok(supporter);
        };
        let needs = match field {
            Field::Street => "the street and number".to_string(),
            Field::City => "the town or city".to_string(),
            Field::Postcode => "the postcode".to_string(),
            Field::Region => format!("the {}", rules.region_kind()),
        };
        let example = match field {
            Field::Region => rules.region_example(),
            Field::Postcode => rules.postcode_example().map(str::to_string),
            _ => None,
        };
        let e_g = example
            .as_deref()
            .map_or(String::new(), |e| format!(", e.g. {e}"));
        Err(err(
            field.column(),
            Reason::Required { country, example },
            format!(
                "is empty, but an address in {} needs {needs}: fill it in{e_g}",
                country.english_name(),
            ),
        ))
    }
}

/// A region checked against the country's list, as the key the post expects (`Illinois` ->
/// `IL`); as given where the country has no list or is not known.
fn check_region(given: &str, country: Option<Country>) -> Result<String, SupporterError> {
    let Some(country) = country.filter(|_| !given.is_empty()) else {
        return Ok(given.to_string());
    };
    match address::rules(country).region(given) {
        Ok(Some(region)) => Ok(region.key.clone()),
        Ok(None) => Ok(given.to_string()),
        Err(unknown) => Err(err(
            "region",
            Reason::UnknownRegion {
                country,
                nearest: unknown.suggestions.clone(),
            },
            format!(
                "`{given}` is not a {} of {}; write its code or name (nearest: {})",
                unknown.kind,
                country.english_name(),
                unknown.suggestions.join(", ")
            ),
        )),
    }
}

/// The columns a supporters file may have; others go to `extra`. `state` is read as `region`.
const KNOWN: [&str; 9] = [
    "name", "address", "postcode", "city", "region", "country", "email", "lang", "note",
];

/// A row of a supporters file that could not be used.
#[derive(Clone, Debug)]
pub struct RowError {
    pub file: PathBuf,
    /// 1-based line of the file where the row starts (the header is line 1).
    pub line: u64,
    pub row: usize,
    pub error: SupporterError,
    /// The row's fields as read, for the file of failed rows (`None` if unreadable).
    pub record: Option<csv::StringRecord>,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: row {}: {}",
            self.file.display(),
            self.line,
            self.row,
            self.error
        )
    }
}

/// Why a supporters file cannot be read at all (a bad row is a `RowError` instead).
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("{}: cannot open the supporters file: {source}", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{}:1: the supporters file is empty (hint: the first row names the columns: {})",
        .0.display(),
        KNOWN.join(",")
    )]
    Empty(PathBuf),
    #[error(
        "{}:1: the supporters file is UTF-16, not UTF-8 (hint: save it as \"CSV UTF-8\" in the spreadsheet, or convert it: iconv -f UTF-16 -t UTF-8)",
        .0.display()
    )]
    Utf16(PathBuf),
    #[error("{}:1: cannot read the header row: {source}", path.display())]
    Header {
        path: PathBuf,
        #[source]
        source: csv::Error,
    },
    #[error(
        "{}:1: the header row has no `name` column (it has: {has}) (hint: the first row names the columns: {})",
        path.display(),
        KNOWN.join(",")
    )]
    NoName { path: PathBuf, has: String },
    #[error(
        "{}:1: the header row names `{column}` twice, columns {first} and {second} (hint: rename or remove one of them: only one can be read)",
        path.display()
    )]
    TwoColumns {
        path: PathBuf,
        column: String,
        first: usize,
        second: usize,
    },
}

/// The longest line a supporters file may have: a row of a spreadsheet is a few hundred bytes,
/// and reading a file that is not one (`/dev/zero`, a binary export) must not take all memory.
const LONGEST_LINE: usize = 1 << 20;

/// A reader that fails once a line runs past `LONGEST_LINE` bytes, and then ends: the row being
/// read is reported (`cannot read the row: …`) and the file is not read further.
struct LineCap<R> {
    inner: R,
    since_newline: usize,
    over: bool,
}

impl<R: std::io::Read> std::io::Read for LineCap<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.over {
            return Ok(0);
        }
        let n = self.inner.read(buf)?;
        let read = &buf[..n];
        self.since_newline = match read.iter().rposition(|b| *b == b'\n') {
            Some(at) => n - at - 1,
            None => self.since_newline + n,
        };
        if self.since_newline > LONGEST_LINE {
            self.over = true;
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "a line runs past {} MB, which no supporter's row needs; the rest of the file is not read (hint: is this the CSV file of the supporters?)",
                    LONGEST_LINE >> 20
                ),
            ));
        }
        Ok(n)
    }
}

/// Reads a supporters CSV with a header row, one supporter at a time, so memory does not grow
/// with the file. A bad row is an `Err` item and reading goes on. The separator is found from the
/// header row: `,`, or `;` and tab as spreadsheets in many countries export.
pub struct SupportersFile {
    file: PathBuf,
    reader: csv::Reader<Box<dyn std::io::Read>>,
    headers: csv::StringRecord,
    names: Vec<String>,
    row: usize,
    initials: bool,
}

/// A usable row: its number (1 = the first after the header), the supporter, and the fields as
/// read.
pub struct Row {
    pub n: usize,
    pub supporter: Supporter,
    pub record: csv::StringRecord,
}

/// The separator the header row uses: the most frequent of `,`, `;` and tab outside quotes.
fn sniff_delimiter(header: &[u8]) -> u8 {
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for &b in header {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted && let Some(c) = counts.iter_mut().find(|(d, _)| *d == b) {
            c.1 += 1;
        }
    }
    counts
        .iter()
        .max_by_key(|(d, n)| (*n, *d == b','))
        .map_or(b',', |(d, _)| *d)
}

impl SupportersFile {
    /// Opens `path`, or standard input for `-`.
    pub fn open(path: &Path, initials: bool) -> Result<SupportersFile, OpenError> {
        use std::io::{BufRead, Read};
        let name = if path.as_os_str() == "-" {
            PathBuf::from("<stdin>")
        } else {
            path.to_path_buf()
        };
        let input: Box<dyn std::io::Read> = if path.as_os_str() == "-" {
            Box::new(std::io::stdin())
        } else {
            Box::new(std::fs::File::open(path).map_err(|source| OpenError::Open {
                path: path.to_path_buf(),
                source,
            })?)
        };
        let input = LineCap {
            inner: input,
            since_newline: 0,
            over: false,
        };
        let mut input = std::io::BufReader::with_capacity(1 << 16, input);
        let mut first = Vec::new();
        input
            .read_until(b'\n', &mut first)
            .map_err(|source| OpenError::Read {
                path: name.clone(),
                source,
            })?;
        if first.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(OpenError::Empty(name));
        }
        // UTF-16 (what some spreadsheets call "Unicode text") shows as a byte-order mark or a
        // NUL after every ASCII letter: no column name could be read.
        if first.starts_with(&[0xFF, 0xFE])
            || first.starts_with(&[0xFE, 0xFF])
            || first.contains(&0)
        {
            return Err(OpenError::Utf16(name));
        }
        let delimiter = sniff_delimiter(&first);
        let chained: Box<dyn std::io::Read> = Box::new(std::io::Cursor::new(first).chain(input));
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .delimiter(delimiter)
            .trim(csv::Trim::Headers)
            .from_reader(chained);
        let headers = reader
            .headers()
            .map_err(|source| OpenError::Header {
                path: name.clone(),
                source,
            })?
            .clone();
        let names: Vec<String> = headers
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').trim().to_lowercase())
            .collect();
        if !names.iter().any(|h| h == "name") {
            return Err(OpenError::NoName {
                path: name,
                has: names.join(", "),
            });
        }
        // A column named twice would be read from one of them only, silently.
        for (second, column) in names.iter().enumerate() {
            let first = names.iter().position(|n| n == column).unwrap_or(second);
            if first != second && KNOWN.contains(&column.as_str()) {
                return Err(OpenError::TwoColumns {
                    path: name,
                    column: column.clone(),
                    first: first + 1,
                    second: second + 1,
                });
            }
        }
        Ok(SupportersFile {
            file: name,
            reader,
            headers,
            names,
            row: 0,
            initials,
        })
    }

    /// The header row as read, for the file of failed rows.
    pub fn headers(&self) -> &csv::StringRecord {
        &self.headers
    }

    /// How far reading has come, in bytes: for a progress bar.
    pub fn position(&self) -> u64 {
        self.reader.position().byte()
    }

    fn row_error(
        &self,
        line: u64,
        field: &str,
        message: impl Into<String>,
        record: Option<csv::StringRecord>,
    ) -> RowError {
        RowError {
            file: self.file.clone(),
            line,
            row: self.row,
            error: err(field, Reason::Unreadable, message),
            record,
        }
    }
}

impl Iterator for SupportersFile {
    type Item = Result<Row, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        // Read as bytes: a row that is not UTF-8 is then reported at its own line, and kept
        // (its bad bytes as U+FFFD) for the failed-rows file rather than lost.
        let mut bytes = csv::ByteRecord::new();
        let read = self.reader.read_byte_record(&mut bytes);
        self.row += 1;
        let line = bytes
            .position()
            .map_or_else(|| self.reader.position().line(), csv::Position::line);
        match read {
            Ok(false) => return None,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(line, csv::Position::line);
                return Some(Err(self.row_error(
                    line,
                    "",
                    format!("cannot read the row: {e}"),
                    None,
                )));
            }
        }
        let record = match csv::StringRecord::from_byte_record(bytes) {
            Ok(record) => record,
            Err(e) => {
                let bytes = e.into_byte_record();
                let lossy: csv::StringRecord = bytes
                    .iter()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect();
                return Some(Err(self.row_error(
                    line,
                    "",
                    "is not valid UTF-8 (hint: the file was saved as Latin-1 or Windows-1252; save it as \"CSV UTF-8\" in the spreadsheet)",
                    Some(lossy),
                )));
            }
        };
        // A quote never closed runs on through the lines after it, rows included, to the end
        // of the file or the next quote: the row's fields then hold line breaks.
        let end = self.reader.position().line();
        if record.len() != self.names.len()
            && end > line + 1
            && record.iter().any(|f| f.contains('\n'))
        {
            return Some(Err(self.row_error(
                line,
                "",
                format!(
                    "a quoted field begins here and runs on to line {}, taking the rows between as its text: a quote is not closed, or a quote inside a field is not written twice (\"\"); mend it and run the row again",
                    end.saturating_sub(1).max(line + 1)
                ),
                Some(record),
            )));
        }
        if record.len() != self.names.len() {
            return Some(Err(self.row_error(
                line,
                "",
                format!(
                    "has {} fields but the header has {} ({}); a column is missing or a separator is not quoted",
                    record.len(),
                    self.names.len(),
                    self.names.join(",")
                ),
                Some(record),
            )));
        }
        let mut input = SupporterInput {
            initials: self.initials,
            ..SupporterInput::default()
        };
        for (header, value) in self.names.iter().zip(record.iter()) {
            let value = value.to_string();
            match header.as_str() {
                "name" => input.name = value,
                "address" => input.address = vec![value],
                "postcode" => input.postcode = value,
                "city" => input.city = value,
                "region" | "state" => input.region = value,
                "country" => input.country = value,
                "email" => input.email = value,
                "lang" => input.lang = value,
                "note" => input.note = value,
                other => {
                    input.extra.insert(other.to_string(), value);
                }
            }
        }
        Some(match input.check_complete() {
            Ok(supporter) => Ok(Row {
                n: self.row,
                supporter,
                record,
            }),
            Err(e) => Err(RowError {
                file: self.file.clone(),
                line,
                row: self.row,
                error: e,
                record: Some(record),
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lays_the_address_out_once_for_every_posting_country() {
        let country = |c: &str| Country::parse(c);
        for home in ["DE", "US", "GB", "JP", ""] {
            let s = Supporter {
                name: "Eva Muster".into(),
                address: vec!["Hauptstraße 1".into()],
                postcode: "10115".into(),
                city: "Berlin".into(),
                region: "BE".into(),
                country: country(home),
                ..Supporter::default()
            };
            let blocks = s.postal_addresses();
            for posted_in in ["DE", "US", "RU", "JP", ""].map(country) {
                assert_eq!(
                    blocks.posted_in(posted_in),
                    address::block(&s.parts(), s.country, posted_in),
                    "{home} posted in {posted_in:?}"
                );
            }
        }
    }

    #[test]
    fn a_corrected_row_is_the_same_person_and_a_shared_email_two() {
        let ola = Supporter {
            name: "Ola  Nordmann".into(),
            address: vec!["Storgata 1".into()],
            postcode: "0150".into(),
            city: "Oslo".into(),
            country: Some(Country::parse("SE").unwrap()),
            email: Some(EmailAddress::parse("Ola@Example.org").unwrap()),
            ..Supporter::default()
        };
        let corrected = Supporter {
            name: "ola nordmann".into(),
            address: vec!["Storgata 10".into()],
            country: Some(Country::parse("NO").unwrap()),
            email: Some(EmailAddress::parse("ola@example.org").unwrap()),
            ..ola.clone()
        };
        assert_eq!(ola.identity(), corrected.identity());
        let kari = Supporter {
            name: "Kari Nordmann".into(),
            ..ola.clone()
        };
        assert_ne!(ola.identity(), kari.identity(), "one email, two people");
        // Without an email: name and postcode, however the postcode is spaced.
        let no_email = |postcode: &str, street: &str| Supporter {
            email: None,
            postcode: postcode.into(),
            address: vec![street.into()],
            ..ola.clone()
        };
        assert_eq!(
            no_email("SW1A 1AA", "1 Road").identity(),
            no_email("sw1a1aa", "2 Road").identity()
        );
        assert_ne!(
            no_email("0150", "1 Road").identity(),
            no_email("0151", "1 Road").identity()
        );
        // Without a postcode either: the street tells two people of one name apart.
        assert_ne!(
            no_email("", "1 Road").identity(),
            no_email("", "2 Road").identity()
        );
    }

    fn supporter(name: &str) -> Supporter {
        SupporterInput {
            name: name.into(),
            initials: true,
            ..Default::default()
        }
        .check()
        .unwrap()
    }

    #[test]
    fn signs_with_initials_in_any_script() {
        assert_eq!(supporter("Anna Maria Schmidt").printed_name(), "A. M. S.");
        assert_eq!(supporter("Анна Иванова").printed_name(), "А. И.");
        assert_eq!(supporter("Jean-Luc Picard").printed_name(), "J. L. P.");
    }

    #[test]
    fn rejects_control_characters_in_a_name() {
        let e = SupporterInput {
            name: "Eve\r\nBcc: x".into(),
            ..Default::default()
        }
        .check()
        .unwrap_err();
        assert_eq!(e.field, "name");
    }

    fn american(region: &str) -> SupporterInput {
        SupporterInput {
            name: "Jane Doe".into(),
            address: vec!["1 Main Street".into()],
            postcode: "62701".into(),
            city: "Springfield".into(),
            region: region.into(),
            country: "US".into(),
            ..Default::default()
        }
    }

    #[test]
    fn keeps_a_state_as_the_code_the_post_expects() {
        assert_eq!(american("Illinois").check().unwrap().region, "IL");
        assert_eq!(american("il").check().unwrap().region, "IL");
        assert_eq!(american("Ilinois").check().unwrap_err().field, "region");
    }

    #[test]
    fn refuses_an_address_without_a_required_part_but_not_a_name_alone() {
        let e = american("").check_complete().unwrap_err();
        assert_eq!(e.field, "region");
        assert!(e.message.contains("e.g. AL (Alabama)"), "{}", e.message);
        let name_only = SupporterInput {
            name: "Jane Doe".into(),
            country: "US".into(),
            ..Default::default()
        };
        assert!(name_only.check_complete().is_ok());
    }

    #[test]
    fn keeps_the_identity_of_a_supporter_without_a_region_as_before() {
        // Message ids and repeated rows hang on this form: it must not move with the printing.
        let eva = SupporterInput {
            name: "Eva".into(),
            address: vec!["Hauptstraße 1".into()],
            postcode: "10115".into(),
            city: "Berlin".into(),
            country: "DE".into(),
            ..Default::default()
        }
        .check()
        .unwrap();
        assert_eq!(
            eva.address_lines(),
            ["Hauptstraße 1", "10115 Berlin", "Germany"]
        );
    }

    #[test]
    fn rejects_unknown_countries() {
        let e = SupporterInput {
            name: "A".into(),
            country: "XX".into(),
            ..Default::default()
        }
        .check()
        .unwrap_err();
        assert_eq!(e.field, "country");
    }
}
