//! The recipient directory: officials, courts and embassies, loaded from every YAML file in a folder.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::model::address::{self, Field, Parts};
use crate::model::contact::{EmailAddress, FaxNumber};
use crate::model::country::Country;
use crate::model::diag::{Diagnostic, Diagnostics, Pos};
use crate::model::lang::Lang;
use crate::model::text::{Checker, Lines, Localized, Names, RawText, normalize};
use crate::model::yaml::{self, Date};

mod forms;
pub use forms::{LangForms, Made};

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[schemars(with = "Vec<RawRecipient>")]
    #[serde(default)]
    recipients: Vec<Spanned<RawRecipient>>,
    /// How letters name addressees in a language (block, salutation, copy phrase), where an
    /// entry gives none of its own: replaces the built-in forms of each language it lists.
    #[schemars(with = "Option<std::collections::BTreeMap<String, LangForms>>")]
    forms: Option<Spanned<std::collections::BTreeMap<String, Spanned<LangForms>>>>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Recipient")]
struct RawRecipient {
    #[schemars(with = "String")]
    id: Spanned<String>,
    kind: Kind,
    country: Country,
    #[schemars(with = "Option<String>")]
    role: Option<Spanned<String>>,
    #[schemars(with = "Option<crate::model::text::TextSchema>")]
    name: Option<RawText>,
    gender: Option<Gender>,
    #[schemars(with = "crate::model::text::TextSchema")]
    title: RawText,
    #[schemars(with = "Option<crate::model::text::TextSchema>")]
    addressee: Option<RawText>,
    /// The short title a salutation uses ("Bundesministerin", "Procureur général").
    #[schemars(with = "Option<crate::model::text::TextSchema>")]
    office: Option<RawText>,
    /// The entry as a copy letter names it, with its preposition and article where the
    /// language needs them: "au Procureur général de la Fédération de Russie".
    #[schemars(with = "Option<crate::model::text::TextSchema>")]
    to: Option<RawText>,
    /// The closing formula's words for this entry, where the language varies them by rank
    /// (fr: "l'expression de ma très haute considération").
    #[schemars(with = "Option<crate::model::text::TextSchema>")]
    closing: Option<RawText>,
    #[schemars(with = "Option<Vec<String>>")]
    address: Option<Spanned<Vec<Spanned<String>>>>,
    #[schemars(with = "Option<String>")]
    fax: Option<Spanned<String>>,
    #[schemars(with = "Option<String>")]
    email: Option<Spanned<String>>,
    #[schemars(with = "Option<String>")]
    timezone: Option<Spanned<String>>,
    #[schemars(with = "Option<String>")]
    office_hours: Option<Spanned<String>>,
    #[schemars(with = "Option<crate::model::text::TextSchema>")]
    salutation: Option<RawText>,
    #[schemars(with = "Option<RawVerified>")]
    verified: Option<Spanned<RawVerified>>,
    #[serde(default)]
    unknown: Vec<String>,
    represents: Option<Country>,
    host: Option<Country>,
    /// The country the address is in, where it is not the embassy's `host` or the `country`.
    postal_country: Option<Country>,
    /// With `city`, the address is given in parts and laid out by its country's rules;
    /// `address` then holds the lines above the city (organisation, street).
    #[schemars(with = "Option<String>")]
    city: Option<Spanned<String>>,
    #[schemars(with = "Option<String>")]
    postcode: Option<Spanned<String>>,
    /// State, province ...: `DC`, `IL`.
    #[schemars(with = "Option<String>")]
    region: Option<Spanned<String>>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Verified")]
struct RawVerified {
    date: Date,
    source: String,
}

/// The JSON Schema of a recipient directory file (`appeal schema recipients`), generated from
/// the types the loader reads it with.
pub fn schema() -> schemars::Schema {
    yaml::schema_of::<RawFile>(
        "appeal recipient directory",
        "Officials, courts and embassies letters go to (recipients/*.yaml). `appeal guide recipients` documents every field.",
    )
}

/// What sort of body a recipient is; embassies are looked up by (represents, host).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Official,
    Court,
    Ministry,
    Embassy,
    Government,
}

/// Grammatical gender and number, for agreement in letters: `m`, `f`, or `group` for an action
/// on behalf of several people (plural agreement: "them", "их", "les").
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize, schemars::JsonSchema,
)]
pub enum Gender {
    #[serde(rename = "m")]
    Male,
    #[serde(rename = "f")]
    Female,
    #[serde(rename = "group")]
    Group,
}

impl Gender {
    /// The gender written as in the formats: `m`, `f` or `group`.
    pub fn parse(code: &str) -> Option<Gender> {
        match code {
            "m" => Some(Gender::Male),
            "f" => Some(Gender::Female),
            "group" => Some(Gender::Group),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Gender::Male => "m",
            Gender::Female => "f",
            Gender::Group => "group",
        }
    }
}

/// When and from what an entry was last checked.
#[derive(Clone, Debug)]
pub struct Verified {
    pub date: chrono::NaiveDate,
    pub source: String,
}

/// One entry of the directory, checked.
#[derive(Clone, Debug)]
pub struct Recipient {
    pub id: String,
    pub kind: Kind,
    pub country: Country,
    pub role: Option<String>,
    pub name: Names,
    pub gender: Option<Gender>,
    pub title: Localized,
    pub addressee: Localized,
    /// The postal address as posted from abroad: its lines by the postal country's rules,
    /// the country line in capitals last (`Recipient::address_from`).
    pub address: Vec<String>,
    /// The same address posted within its country: no country line.
    pub address_domestic: Vec<String>,
    /// The country the address is in: `postal_country`, else an embassy's host, else `country`.
    pub postal_country: Country,
    pub fax: Option<FaxNumber>,
    pub email: Option<EmailAddress>,
    /// When faxes may go out (`timezone` and `office_hours` in the file).
    pub hours: Option<crate::model::hours::OfficeHours>,
    /// The salutations the entry gives; `Recipient::salutation_in` adds those the forms make.
    pub salutation: Localized,
    /// The short title salutations use (`office` in the file).
    pub office: Localized,
    /// How a copy letter names the entry (`to` in the file); see `Recipient::copy_phrase`.
    pub to: Localized,
    /// The closing formula's words, where a language varies them by rank (`closing`).
    pub closing: Localized,
    /// What the directory's forms make for the entry, by language (`forms::make`), for what
    /// the entry does not give itself.
    pub made: std::collections::BTreeMap<Lang, Made>,
    pub verified: Option<Verified>,
    /// Facts the directory's authors could not confirm (`address`, `fax` ...), listed so `check` warns.
    pub unknown: Vec<String>,
    pub represents: Option<Country>,
    pub host: Option<Country>,
    pub file: PathBuf,
    pub pos: Pos,
}

impl Recipient {
    /// The field path of this entry in its file, for messages: `recipients[ru-prosecutor-general]`.
    pub fn field(&self) -> String {
        format!("recipients[{}]", self.id)
    }

    /// The address block of a letter posted in `posted_from` (the supporter's country): no
    /// country line when that is the address's own country.
    pub fn address_from(&self, posted_from: Option<Country>) -> &[String] {
        if posted_from == Some(self.postal_country) {
            &self.address_domestic
        } else {
            &self.address
        }
    }

    /// What the forms made for `lang`, following its fallback chain.
    fn made_in(&self, lang: &Lang) -> Option<&Made> {
        lang.chain().iter().find_map(|l| self.made.get(l))
    }

    /// The salutation in `lang`: the entry's own, else the one its forms make from its gender
    /// and kind ("Sehr geehrte Frau Bundesministerin", "Madame, Monsieur" for a court).
    pub fn salutation_in(&self, lang: &Lang) -> Option<&str> {
        self.salutation
            .get(lang)
            .or_else(|| self.made_in(lang)?.salutation.as_deref())
    }

    /// How a copy letter names this entry in `lang` ("an den Generalstaatsanwalt der Russischen
    /// Föderation"): the entry's `to`, else what the forms make (a Russian dative block, an
    /// English title); `None` when the language's grammar needs the entry to say.
    pub fn copy_phrase(&self, lang: &Lang) -> Option<&str> {
        self.to
            .get(lang)
            .or_else(|| self.made_in(lang)?.to.as_deref())
    }

    /// The lines above the address in `lang`: the entry's own `addressee`, else the forms' block
    /// (honorific, name, title), else the holder's name and the title.
    pub fn block(&self, lang: &Lang) -> Option<Vec<String>> {
        if let Some(block) = self.addressee.get(lang) {
            return Some(block.lines().map(str::to_string).collect());
        }
        if let Some(lines) = self.made_in(lang).and_then(|m| m.block.clone()) {
            return Some(lines);
        }
        let title = self.title.get(lang)?;
        let mut lines = Vec::new();
        if let Some(name) = self.name.get(lang) {
            lines.push(name.to_string());
        }
        lines.extend(title.lines().map(str::to_string));
        Some(lines)
    }
}

/// All recipients of a folder, by id.
#[derive(Debug, Default)]
pub struct Directory {
    pub folder: PathBuf,
    entries: Vec<Recipient>,
    by_id: HashMap<String, usize>,
    /// The forms by language: the built-in ones, replaced per language by a file's `forms:`.
    forms: std::collections::BTreeMap<Lang, LangForms>,
    /// Entries refused with errors (already reported): a campaign naming one is not told again
    /// that the directory lacks it.
    refused: Vec<Refused>,
    /// Files that did not load at all (their error is reported): what they hold is unknown.
    broken: Vec<PathBuf>,
}

/// What is known of an entry that was refused: enough to recognise what a campaign asks for.
#[derive(Debug, Default)]
struct Refused {
    id: String,
    represents: Option<Country>,
    role: Option<String>,
}

impl Directory {
    /// Loads every `*.yaml`/`*.yml` file of `folder`, in name order, reporting every problem.
    pub fn load(folder: &Path, diags: &mut Diagnostics) -> Directory {
        let mut dir = Directory {
            folder: folder.to_path_buf(),
            forms: forms::built_in().clone(),
            ..Directory::default()
        };
        let files = match yaml::files_in(folder) {
            Ok(files) => files,
            Err(e) => {
                diags.push(
                    Diagnostic::error(
                        folder,
                        Pos::default(),
                        "",
                        format!("cannot read the recipient directory: {e}"),
                    )
                    .hint("pass the folder of recipient files with --recipients DIR"),
                );
                return dir;
            }
        };
        for file in files {
            let raw: RawFile = match yaml::read_text(&file).and_then(|t| yaml::parse(&file, &t)) {
                Ok(raw) => raw,
                Err(d) => {
                    diags.push(d);
                    dir.broken.push(file.clone());
                    continue;
                }
            };
            let mut c = Checker { file: &file, diags };
            if let Some(f) = &raw.forms {
                check_forms(f, &mut dir.forms, &mut c);
            }
            let mut checked = Vec::new();
            for (i, entry) in raw.recipients.iter().enumerate() {
                match check_entry(entry, i, &mut c) {
                    Some(r) => checked.push(r),
                    None => dir.refused.push(Refused {
                        id: entry.value.id.value.trim().to_string(),
                        represents: entry.value.represents,
                        role: entry
                            .value
                            .role
                            .as_ref()
                            .map(|r| r.value.trim().to_string()),
                    }),
                }
            }
            for r in checked {
                dir.insert(r, diags);
            }
        }
        // After every file: a file's forms serve the entries of all of them.
        for r in &mut dir.entries {
            r.made = dir
                .forms
                .iter()
                .map(|(lang, f)| (lang.clone(), forms::make(r, lang, f)))
                .collect();
        }
        dir
    }

    fn insert(&mut self, r: Recipient, diags: &mut Diagnostics) {
        if let Some(&i) = self.by_id.get(&r.id) {
            let first = &self.entries[i];
            diags.push(
                Diagnostic::error(
                    &r.file,
                    r.pos,
                    r.field(),
                    format!("duplicate recipient id `{}`", r.id),
                )
                .hint(format!(
                    "already defined at {}:{}; ids must be unique across the directory",
                    first.file.display(),
                    first.pos.line
                )),
            );
            return;
        }
        self.by_id.insert(r.id.clone(), self.entries.len());
        self.entries.push(r);
    }

    /// An entry `id` is in the directory but was refused for errors reported already.
    pub fn refused(&self, id: &str) -> bool {
        self.refused.iter().any(|r| r.id == id)
    }

    /// The directory files that did not load (each reported with its error).
    pub fn broken(&self) -> &[PathBuf] {
        &self.broken
    }

    /// A refused entry is an embassy of `country`.
    pub fn refused_embassy_of(&self, country: Country) -> bool {
        self.refused.iter().any(|r| r.represents == Some(country))
    }

    /// A refused entry has the role `role`.
    pub fn refused_role(&self, role: &str) -> bool {
        self.refused.iter().any(|r| r.role.as_deref() == Some(role))
    }

    pub fn get(&self, id: &str) -> Option<&Recipient> {
        self.by_id.get(id).map(|&i| &self.entries[i])
    }

    pub fn iter(&self) -> impl Iterator<Item = &Recipient> {
        self.entries.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The embassy of `represents` accredited to `host` (the supporter's country).
    pub fn embassy(&self, represents: Country, host: Country) -> Option<&Recipient> {
        self.entries.iter().find(|r| {
            r.kind == Kind::Embassy && r.represents == Some(represents) && r.host == Some(host)
        })
    }

    /// The official holding `role` in `country` (`justice-minister` of DE).
    pub fn by_role(&self, role: &str, country: Country) -> Option<&Recipient> {
        self.entries.iter().find(|r| {
            r.kind != Kind::Embassy && r.role.as_deref() == Some(role) && r.country == country
        })
    }

    /// Every country with an embassy of `represents`, for checking every letter a campaign can produce.
    pub fn embassy_hosts(&self, represents: Country) -> Vec<Country> {
        let mut hosts: Vec<Country> = self
            .entries
            .iter()
            .filter(|r| r.kind == Kind::Embassy && r.represents == Some(represents))
            .filter_map(|r| r.host)
            .collect();
        hosts.sort();
        hosts.dedup();
        hosts
    }

    /// Every country with an official holding `role`.
    pub fn role_countries(&self, role: &str) -> Vec<Country> {
        let mut countries: Vec<Country> = self
            .entries
            .iter()
            .filter(|r| r.kind != Kind::Embassy && r.role.as_deref() == Some(role))
            .map(|r| r.country)
            .collect();
        countries.sort();
        countries.dedup();
        countries
    }

    /// A short list of known ids near `wanted`, for "did you mean" hints.
    pub fn suggest(&self, wanted: &str) -> String {
        let mut ids: Vec<&str> = self.entries.iter().map(|r| r.id.as_str()).collect();
        ids.sort_by_key(|id| strsim::levenshtein(id, wanted));
        let shown: Vec<&str> = ids.into_iter().take(5).collect();
        if shown.is_empty() {
            "the directory is empty".into()
        } else {
            format!("known ids include: {}", shown.join(", "))
        }
    }
}

/// Checks one entry of a directory file in phases, each reporting into `c`; `None` when any of
/// them found an error (all of them are reported).
fn check_entry(entry: &Spanned<RawRecipient>, index: usize, c: &mut Checker) -> Option<Recipient> {
    let raw = &entry.value;
    let errors_before = c.diags.error_count();
    let (id, field) = check_id(&raw.id, index, c);
    let texts = check_texts(raw, &field, c);
    let postal = check_postal(entry, &field, check_address(entry, &field, c), c);
    check_embassy(entry, &field, c);
    let role = check_role(raw.role.as_ref(), &field, c);
    let (email, fax) = check_contact(raw, &field, c);
    let hours = check_hours(raw, &field, c);
    if let Some(v) = &raw.verified {
        let at = format!("{field}.verified.source");
        c.refuse_forbidden(Pos::of(v), &at, &v.value.source, Lines::One);
    }
    if c.diags.error_count() > errors_before {
        return None;
    }
    Some(Recipient {
        id,
        kind: raw.kind,
        country: raw.country,
        role,
        name: texts.name,
        gender: raw.gender,
        title: texts.title,
        addressee: texts.addressee,
        address: postal.abroad,
        address_domestic: postal.domestic,
        postal_country: postal.country,
        fax,
        email,
        hours,
        salutation: texts.salutation,
        office: texts.office,
        to: texts.to,
        closing: texts.closing,
        made: Default::default(),
        verified: raw.verified.as_ref().map(|v| Verified {
            date: v.value.date.0,
            source: v.value.source.trim().to_string(),
        }),
        unknown: raw.unknown.clone(),
        represents: raw.represents,
        host: raw.host,
        file: c.file.to_path_buf(),
        pos: Pos::of(entry),
    })
}

/// Checks the entry's id (a valid id); returns it and the entry's field path for messages,
/// by id, or by place when the id is blank.
fn check_id(raw: &Spanned<String>, index: usize, c: &mut Checker) -> (String, String) {
    let id = raw.value.trim().to_string();
    let field = if id.is_empty() {
        format!("recipients[{index}]")
    } else {
        format!("recipients[{id}]")
    };
    if !crate::model::slug::is_slug(&id) {
        c.error(
            Pos::of(raw),
            &format!("{field}.id"),
            format!("`{id}` is not a valid id"),
            "use lowercase letters, digits and '-', e.g. ru-prosecutor-general",
        );
    }
    (id, field)
}

/// An entry's texts, checked.
struct EntryTexts {
    name: Names,
    title: Localized,
    salutation: Localized,
    addressee: Localized,
    office: Localized,
    to: Localized,
    closing: Localized,
}

/// Checks the entry's texts: name, title and salutation on one line, the addressee block.
fn check_texts(raw: &RawRecipient, field: &str, c: &mut Checker) -> EntryTexts {
    let name = match &raw.name {
        Some(n) => Names::check(n, &format!("{field}.name"), c),
        None => Names::default(),
    };
    let title = Localized::check(&raw.title, &format!("{field}.title"), &[], Lines::One, c);
    // Optional one-line texts; a salutation the entry lacks is made from its gender and kind.
    let mut one_line = |raw: &Option<RawText>, name: &str| match raw {
        Some(t) => Localized::check(t, &format!("{field}.{name}"), &[], Lines::One, c),
        None => Localized::default(),
    };
    let salutation = one_line(&raw.salutation, "salutation");
    let office = one_line(&raw.office, "office");
    let to = one_line(&raw.to, "to");
    let closing = one_line(&raw.closing, "closing");
    // The block above the address: one or more lines ("Генеральному прокурору\nРоссийской ...").
    let addressee = match &raw.addressee {
        Some(a) => Localized::check(a, &format!("{field}.addressee"), &[], Lines::Many, c),
        None => Localized::default(),
    };
    EntryTexts {
        name,
        title,
        salutation,
        addressee,
        office,
        to,
        closing,
    }
}

/// Checks the postal address: one-line lines, at least one, unless marked unknown.
fn check_address(entry: &Spanned<RawRecipient>, field: &str, c: &mut Checker) -> Vec<String> {
    let raw = &entry.value;
    let mut address: Vec<String> = Vec::new();
    if let Some(a) = &raw.address {
        for (i, spanned) in a.value.iter().enumerate() {
            let line = normalize(&spanned.value);
            let at = format!("{field}.address[{i}]");
            if !c.refuse_forbidden(Pos::of(spanned), &at, &line, Lines::One) && !line.is_empty() {
                address.push(line);
            }
        }
    }
    match (&raw.address, raw.unknown.iter().any(|u| u == "address")) {
        (Some(a), _) if address.is_empty() => c.error(
            Pos::of(a),
            &format!("{field}.address"),
            "address has no lines",
            "give the postal address lines, or remove `address` and add `unknown: [address]`",
        ),
        (None, false) => c.error(
            Pos::of(entry),
            field,
            "no postal address",
            "add `address:` lines, or `unknown: [address]` if it is not known (check will warn)",
        ),
        _ => {}
    }
    address
}

/// An entry's postal address in the two forms letters use, and its country.
struct Postal {
    abroad: Vec<String>,
    domestic: Vec<String>,
    country: Country,
}

/// Lays the address out by its postal country's rules. With `city` the address is in parts
/// (`lines` are those above the city) and the country's rules place the city, region and
/// postcode. Without, the lines are printed as written (directories from before parts), and a
/// last line naming the postal country ("France", "USA") is the country line, left out of
/// domestic letters and written in capitals on the others.
fn check_postal(
    entry: &Spanned<RawRecipient>,
    field: &str,
    lines: Vec<String>,
    c: &mut Checker,
) -> Postal {
    let raw = &entry.value;
    let embassy_host = raw.host.filter(|_| raw.kind == Kind::Embassy);
    let country = raw.postal_country.or(embassy_host).unwrap_or(raw.country);
    let rules = address::rules(country);
    let mut one = |v: &Option<Spanned<String>>, name: &str| {
        v.as_ref()
            .and_then(|s| c.one_line(s, &format!("{field}.{name}")))
            .unwrap_or_default()
    };
    let (city, postcode, given_region) = (
        one(&raw.city, "city"),
        one(&raw.postcode, "postcode"),
        one(&raw.region, "region"),
    );
    if city.is_empty() {
        if let Some(s) = raw.postcode.as_ref().or(raw.region.as_ref()) {
            c.error(
                Pos::of(s),
                field,
                "`postcode` and `region` are parts of an address given with `city`",
                "add `city:`, and leave the town line out of `address`",
            );
        }
        let postal = legacy_postal(lines, country);
        if postal.abroad == postal.domestic {
            // No city to place, and no line that names the country: a letter posted from
            // abroad would go out without the town, the postcode or the country.
            c.warning(
                Pos::of(entry),
                field,
                format!(
                    "the address has no `city:` and no line naming {}: a letter from another country would carry no town, postcode or country line",
                    country.english_name()
                ),
                "add `city:` and `postcode:` from the office's published address; appeal then lays it out by the country's rules",
            );
        }
        return postal;
    }
    let region = match (rules.region(&given_region), &raw.region) {
        (Err(unknown), Some(at)) if !given_region.is_empty() => {
            c.error(
                Pos::of(at),
                &format!("{field}.region"),
                format!(
                    "`{given_region}` is not a {} of {}",
                    unknown.kind,
                    country.english_name()
                ),
                format!(
                    "write its code or name (nearest: {})",
                    unknown.suggestions.join(", ")
                ),
            );
            given_region
        }
        (Ok(Some(r)), _) => r.key.clone(),
        _ => given_region,
    };
    let parts = Parts {
        street: &lines,
        city: &city,
        region: &region,
        postcode: &postcode,
    };
    // The region is not asked of the directory: offices' own published addresses leave it out
    // in their capitals ("Moscow 125993"), which the posts deliver.
    for missing in rules
        .missing(&parts)
        .into_iter()
        .filter(|f| *f != Field::Region)
    {
        c.warning(
            Pos::of(entry),
            field,
            format!(
                "the address has no {}, which the post of {} asks for",
                missing.column(),
                country.english_name()
            ),
            format!(
                "add `{}:` from the office's published address",
                missing.column()
            ),
        );
    }
    let domestic = rules.lines(&parts);
    let mut abroad = domestic.clone();
    abroad.push(rules.country_line(country));
    Postal {
        abroad,
        domestic,
        country,
    }
}

/// An address written as lines: a last line naming `country` is its country line.
fn legacy_postal(lines: Vec<String>, country: Country) -> Postal {
    match lines.split_last() {
        Some((last, above)) if address::names_country(last, country) => {
            let domestic = above.to_vec();
            let mut abroad = domestic.clone();
            abroad.push(address::rules(country).country_line(country));
            Postal {
                abroad,
                domestic,
                country,
            }
        }
        _ => Postal {
            abroad: lines.clone(),
            domestic: lines,
            country,
        },
    }
}

/// Checks that an embassy has `represents` and `host`, and that nothing else has them.
fn check_embassy(entry: &Spanned<RawRecipient>, field: &str, c: &mut Checker) {
    let raw = &entry.value;
    if raw.kind == Kind::Embassy {
        if raw.represents.is_none() || raw.host.is_none() {
            c.error(
                Pos::of(entry),
                field,
                "an embassy needs `represents` and `host`",
                "e.g. `represents: RU` and `host: FR` for the Russian embassy in France",
            );
        }
    } else if raw.represents.is_some() || raw.host.is_some() {
        c.error(
            Pos::of(entry),
            field,
            "`represents` and `host` are for embassies only",
            "set `kind: embassy`, or remove them",
        );
    }
}

/// Checks the role, if any: a valid role name (justice-minister).
fn check_role(raw: Option<&Spanned<String>>, field: &str, c: &mut Checker) -> Option<String> {
    let role = raw.map(|r| r.value.trim().to_string());
    if let (Some(r), Some(role)) = (raw, &role)
        && !crate::model::slug::is_slug(role)
    {
        c.error(
            Pos::of(r),
            &format!("{field}.role"),
            format!("`{role}` is not a valid role"),
            "use e.g. justice-minister, head-of-government",
        );
    }
    role
}

/// Checks the email address and the fax number, parsing each once; a blank one is none.
fn check_contact(
    raw: &RawRecipient,
    field: &str,
    c: &mut Checker,
) -> (Option<EmailAddress>, Option<FaxNumber>) {
    let email = raw.email.as_ref().and_then(|spanned| {
        let text = spanned.value.trim();
        if text.is_empty() {
            return None;
        }
        EmailAddress::parse(text)
            .map_err(|why| {
                c.error(
                    Pos::of(spanned),
                    &format!("{field}.email"),
                    why.to_string(),
                    "write the office's address as user@domain, or remove `email`",
                )
            })
            .ok()
    });
    let fax = raw.fax.as_ref().and_then(|spanned| {
        if spanned.value.trim().is_empty() {
            return None;
        }
        FaxNumber::parse(&spanned.value)
            .map_err(|why| {
                c.error(
                    Pos::of(spanned),
                    &format!("{field}.fax"),
                    why.to_string(),
                    "write it as dialled from abroad, e.g. +7 495 987-56-56",
                )
            })
            .ok()
    });
    (email, fax)
}

/// Checks the time zone and office hours: both valid, and no hours without a time zone.
fn check_hours(
    raw: &RawRecipient,
    field: &str,
    c: &mut Checker,
) -> Option<crate::model::hours::OfficeHours> {
    match (&raw.timezone, &raw.office_hours) {
        (Some(tz), hours) => {
            let written = hours
                .as_ref()
                .map_or(crate::model::hours::DEFAULT_HOURS, |h| h.value.as_str());
            match crate::model::hours::OfficeHours::new(tz.value.trim(), written.trim()) {
                Ok(h) => Some(h),
                Err(why) => {
                    let (pos, at) = match hours {
                        Some(h) if !why.is_time_zone() => (Pos::of(h), "office_hours"),
                        _ => (Pos::of(tz), "timezone"),
                    };
                    c.error(
                        pos,
                        &format!("{field}.{at}"),
                        why.to_string(),
                        "e.g. `timezone: Europe/Moscow` and `office_hours: Mo-Fr 09:00-18:00`",
                    );
                    None
                }
            }
        }
        (None, Some(h)) => {
            c.error(
                Pos::of(h),
                &format!("{field}.office_hours"),
                "office hours without a time zone",
                "add `timezone:` with the office's IANA time zone, e.g. Europe/Moscow",
            );
            None
        }
        (None, None) => None,
    }
}

/// The address-block lines of `r` in `lang` (`Recipient::block`).
pub fn addressee_lines(r: &Recipient, lang: &Lang) -> Option<Vec<String>> {
    r.block(lang)
}

/// Checks a file's `forms:` (language tags, known placeholders) and puts each language's forms
/// in place of those it had.
fn check_forms(
    raw: &Spanned<std::collections::BTreeMap<String, Spanned<LangForms>>>,
    into: &mut std::collections::BTreeMap<Lang, LangForms>,
    c: &mut Checker,
) {
    for (key, f) in &raw.value {
        let at = format!("forms.{key}");
        let Some(lang) = Lang::parse(key) else {
            c.error(
                Pos::of(f),
                &at,
                format!("`{key}` is not a language tag"),
                "use a BCP 47 tag such as it, pt-BR",
            );
            continue;
        };
        let unknown: Vec<String> = f
            .value
            .texts()
            .flat_map(forms::unknown_placeholders)
            .collect();
        if let Some(p) = unknown.first() {
            c.error(
                Pos::of(f),
                &at,
                format!("unknown placeholder `{{{p}}}`"),
                format!(
                    "use {}",
                    forms::PLACEHOLDERS.map(|p| format!("{{{p}}}")).join(", ")
                ),
            );
            continue;
        }
        into.insert(lang, f.value.clone());
    }
}
