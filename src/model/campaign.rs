//! Campaign files: an urgent action as YAML (the serde mirror), and the checked `Campaign` that
//! can only be built by validating every field against the directory.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::model::agree::{self, Form};
use crate::model::country::Country;
use crate::model::diag::{Diagnostic, Diagnostics, Pos};
use crate::model::directory::{Directory, Gender};
use crate::model::lang::Lang;
use crate::model::text::{Checker, Lines, Localized, Names, RawText};
use crate::model::yaml::{self, Date};

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawCampaign {
    /// The campaign's id: lowercase letters, digits and '-', the file's name (juraev-2011).
    #[schemars(with = "String")]
    id: Spanned<String>,
    /// The UA number from the sheet's header (UA 73/16), if it gives one.
    #[schemars(with = "Option<String>")]
    ua: Option<Spanned<String>>,
    /// The document index (ASA 17/3726/2016), if the sheet gives one.
    #[schemars(with = "Option<String>")]
    index: Option<Spanned<String>>,
    /// The sheet's date.
    #[schemars(with = "Date")]
    issued: Spanned<Date>,
    /// "Please send appeals before" this date.
    #[schemars(with = "Date")]
    deadline: Spanned<Date>,
    /// Every language this file has texts in; letters default to the first.
    #[schemars(with = "Vec<String>")]
    languages: Spanned<Vec<Spanned<String>>>,
    /// The language(s) the action asks supporters to write in.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    write_in: Vec<Spanned<String>>,
    /// Whether the sheet adds "or your own language".
    #[serde(default)]
    or_own_language: bool,
    /// The action's headline.
    #[schemars(with = "crate::model::text::TextSchema")]
    title: RawText,
    /// The letters' subject line ("Request for a moratorium on extraditions to Russia"), one line
    /// per language; without it, the subject is the persons' names.
    #[schemars(with = "Option<crate::model::text::TextSchema>")]
    subject: Option<RawText>,
    /// The person(s) at risk.
    #[schemars(with = "Vec<RawPerson>")]
    persons: Spanned<Vec<Spanned<RawPerson>>>,
    /// What the person risks, in a few words (for the sheet).
    #[schemars(with = "crate::model::text::TextSchema")]
    risk: RawText,
    /// The case: the sheet's main text.
    #[schemars(with = "crate::model::text::TextSchema")]
    background: RawText,
    /// The sheet's "Additional information".
    #[schemars(with = "Option<crate::model::text::TextSchema>")]
    additional_information: Option<RawText>,
    /// The case paragraph(s) of every letter, in the first person.
    #[schemars(with = "crate::model::text::TextSchema")]
    letter: RawText,
    /// Other wordings of `letter`, one chosen per supporter.
    #[serde(default)]
    #[schemars(with = "Vec<crate::model::text::TextSchema>")]
    letter_variants: Vec<RawText>,
    /// What the action asks for.
    #[schemars(with = "Vec<RawAsk>")]
    asks: Spanned<Vec<Spanned<RawAsk>>>,
    /// Who the letters are addressed to.
    #[schemars(with = "Vec<RawAddressee>")]
    targets: Spanned<Vec<Spanned<RawAddressee>>>,
    /// Who gets a copy.
    #[serde(default)]
    #[schemars(with = "Vec<RawAddressee>")]
    copies: Vec<Spanned<RawAddressee>>,
    /// The note for letters sent after the deadline.
    #[schemars(with = "Option<crate::model::text::TextSchema>")]
    late_note: Option<RawText>,
    /// Follow-ups, oldest first.
    #[serde(default)]
    #[schemars(with = "Vec<RawUpdate>")]
    updates: Vec<Spanned<RawUpdate>>,
}

/// A follow-up to the action, as urgent actions issue them ("Further information on UA ...").
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Update")]
struct RawUpdate {
    /// The follow-up's date.
    #[schemars(with = "Date")]
    date: Spanned<Date>,
    /// continue (default), info (for information only), stop or close (no more letters).
    #[serde(default)]
    action: UpdateAction,
    /// The follow-up document's own index, which becomes the campaign's reference.
    #[schemars(with = "Option<String>")]
    index: Option<Spanned<String>>,
    /// What happened, in every language of the campaign.
    #[schemars(with = "crate::model::text::TextSchema")]
    text: RawText,
    /// A new deadline, after the update's date.
    #[schemars(with = "Option<Date>")]
    deadline: Option<Spanned<Date>>,
    /// Asks added by this follow-up.
    #[serde(default)]
    #[schemars(with = "Vec<RawAsk>")]
    add_asks: Vec<Spanned<RawAsk>>,
    /// Ids of asks no longer made.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    withdraw_asks: Vec<Spanned<String>>,
    /// Targets added by this follow-up.
    #[serde(default)]
    #[schemars(with = "Vec<RawAddressee>")]
    add_targets: Vec<Spanned<RawAddressee>>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Person")]
struct RawPerson {
    /// The name in each script the letters use (Latn, Cyrl, Arab, Hans) or per language.
    #[schemars(with = "crate::model::text::TextSchema")]
    name: RawText,
    /// Read as text and checked with the rest, so a blank or misspelt gender is reported
    /// together with every other problem of the file instead of stopping the parse.
    #[schemars(with = "crate::model::directory::Gender")]
    gender: Spanned<String>,
    #[schemars(with = "Option<crate::model::text::TextSchema>")]
    nationality: Option<RawText>,
    #[schemars(with = "Option<crate::model::text::TextSchema>")]
    status: Option<RawText>,
    #[schemars(with = "Option<crate::model::text::TextSchema>")]
    held: Option<RawText>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Ask")]
struct RawAsk {
    /// A name for the ask, so that a follow-up can withdraw it.
    #[schemars(with = "Option<String>")]
    id: Option<Spanned<String>>,
    /// The instruction to supporters, on the sheet.
    #[schemars(with = "crate::model::text::TextSchema")]
    sheet: RawText,
    /// The sentence it becomes in each letter.
    #[schemars(with = "crate::model::text::TextSchema")]
    letter: RawText,
    /// Other wordings of `letter`.
    #[serde(default)]
    #[schemars(with = "Vec<crate::model::text::TextSchema>")]
    letter_variants: Vec<RawText>,
}

/// One of three ways to name an addressee; validation requires exactly one.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Addressee")]
struct RawAddressee {
    /// An entry of the recipient directory, by id.
    #[schemars(with = "Option<String>")]
    recipient: Option<Spanned<String>>,
    /// The embassy of this country accredited to the supporter's country.
    #[schemars(with = "Option<Country>")]
    embassy_of: Option<Spanned<Country>>,
    /// The official with this role in the supporter's own country (justice-minister).
    #[schemars(with = "Option<String>")]
    government_role: Option<Spanned<String>>,
    /// A word to supporters about this addressee, for the sheet.
    #[schemars(with = "Option<crate::model::text::TextSchema>")]
    note: Option<RawText>,
}

/// A person at risk.
#[derive(Clone, Debug)]
pub struct Person {
    pub name: Names,
    /// Where the name is, for messages about it.
    pub name_pos: Pos,
    pub gender: Gender,
    pub nationality: Option<Localized>,
    pub status: Option<Localized>,
    pub held: Option<Localized>,
}

/// What a follow-up does to the action.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum UpdateAction {
    /// The action goes on, as changed by the update (a new deadline, asks, targets).
    #[default]
    Continue,
    /// For information only: nothing changes in what supporters are asked to do.
    Info,
    /// Stop action: the person was released, the extradition stopped, or carried out. No more
    /// letters.
    Stop,
    /// The action is closed. No more letters.
    Close,
}

impl UpdateAction {
    /// Whether letters are refused from this update on.
    pub fn ends_action(self) -> bool {
        matches!(self, UpdateAction::Stop | UpdateAction::Close)
    }

    pub fn name(self) -> &'static str {
        match self {
            UpdateAction::Continue => "continue",
            UpdateAction::Info => "info",
            UpdateAction::Stop => "stop",
            UpdateAction::Close => "close",
        }
    }
}

/// A follow-up, checked.
#[derive(Clone, Debug)]
pub struct Update {
    pub date: chrono::NaiveDate,
    pub action: UpdateAction,
    pub index: Option<String>,
    pub text: Localized,
    /// The new deadline it set, if any.
    pub deadline: Option<chrono::NaiveDate>,
    pub pos: Pos,
}

/// One ask: the instruction on the action sheet, and the sentence it becomes in a letter.
#[derive(Clone, Debug)]
pub struct Ask {
    /// Its name, for follow-ups that withdraw it.
    pub id: Option<String>,
    pub sheet: Localized,
    pub letter: Localized,
    /// Other wordings of `letter`, so that a thousand letters are not a thousand copies.
    pub letter_variants: Vec<Localized>,
}

/// The wording number `pick` of a paragraph: 0 is the main one, then each variant, round.
pub fn wording<'a>(main: &'a Localized, variants: &'a [Localized], pick: usize) -> &'a Localized {
    match pick % (variants.len() + 1) {
        0 => main,
        n => &variants[n - 1],
    }
}

/// Who a letter goes to, as the campaign names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Addressee {
    /// A directory entry by id.
    Recipient(String),
    /// The embassy of this country accredited to the supporter's country.
    EmbassyOf(Country),
    /// The official with this role in the supporter's country.
    GovernmentRole(String),
}

impl Addressee {
    /// Whether who this is depends on the supporter's country.
    pub fn needs_country(&self) -> bool {
        !matches!(self, Addressee::Recipient(_))
    }

    /// The directory entry this addressee is for a supporter in `country`: `None` when it
    /// depends on the country and none is given, `Some(None)` when the directory has no entry.
    pub fn resolve<'d>(
        &self,
        directory: &'d Directory,
        country: Option<Country>,
    ) -> Option<Option<&'d crate::model::directory::Recipient>> {
        match (self, country) {
            (Addressee::Recipient(id), _) => Some(directory.get(id)),
            (Addressee::EmbassyOf(of), Some(host)) => Some(directory.embassy(*of, host)),
            (Addressee::GovernmentRole(role), Some(c)) => Some(directory.by_role(role, c)),
            (_, None) => None,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Addressee::Recipient(id) => format!("recipient `{id}`"),
            Addressee::EmbassyOf(c) => format!(
                "the embassy of {} ({c}) accredited to the supporter's country",
                c.english_name()
            ),
            Addressee::GovernmentRole(role) => format!("the {role} of the supporter's country"),
        }
    }
}

/// A target or a copy, with its note for supporters and where it is written.
#[derive(Clone, Debug)]
pub struct AddresseeEntry {
    pub who: Addressee,
    pub note: Option<Localized>,
    pub field: String,
    pub pos: Pos,
}

/// An urgent action, checked: every language declared is present in every text, every
/// addressee exists in the directory.
#[derive(Clone, Debug)]
pub struct Campaign {
    pub file: PathBuf,
    pub id: String,
    /// Where the id is, for messages about it (another campaign with the same id).
    pub id_pos: Pos,
    pub ua: Option<String>,
    pub index: Option<String>,
    pub issued: chrono::NaiveDate,
    pub deadline: chrono::NaiveDate,
    pub deadline_pos: Pos,
    pub languages: Vec<Lang>,
    pub languages_pos: Pos,
    pub write_in: Vec<Lang>,
    pub or_own_language: bool,
    pub title: Localized,
    /// The letters' subject, which wins over the persons' names.
    pub subject: Option<Localized>,
    pub persons: Vec<Person>,
    /// The persons' gender and number, which every text below already agrees with.
    pub form: Form,
    pub risk: Localized,
    pub background: Localized,
    pub additional_information: Option<Localized>,
    pub letter: Localized,
    /// Other wordings of `letter`, one chosen per supporter.
    pub letter_variants: Vec<Localized>,
    pub asks: Vec<Ask>,
    pub targets: Vec<AddresseeEntry>,
    pub copies: Vec<AddresseeEntry>,
    pub late_note: Option<Localized>,
    /// The follow-ups, in date order. `deadline`, `asks`, `targets` and `index` above are
    /// already as the latest of them left them.
    pub updates: Vec<Update>,
    /// A hash of everything above, set when the campaign is loaded: what is derived from a
    /// campaign's texts once per run (a renderer's `Shared` context) is kept under it, and
    /// `check` renders several versions of one file (as of a date, as if about other persons).
    pub fingerprint: u64,
}

/// The JSON Schema of a campaign file, generated from the types the loader reads it with, so
/// the two cannot disagree on the fields (`appeal schema campaign`).
pub fn schema() -> schemars::Schema {
    yaml::schema_of::<RawCampaign>(
        "appeal campaign",
        "An urgent action for appeal (campaigns/<id>.yaml). `appeal guide campaign` documents every field.",
    )
}

impl Campaign {
    /// The follow-up that stopped or closed the action, if one did: letters are refused.
    pub fn ended(&self) -> Option<&Update> {
        self.updates.iter().find(|u| u.action.ends_action())
    }

    /// How the action ended, for messages: where the follow-up is and what it says.
    pub fn ended_message(&self) -> Option<(Pos, String)> {
        let u = self.ended()?;
        let what = match u.action {
            UpdateAction::Stop => "stopped",
            _ => "closed",
        };
        let first = self
            .languages
            .iter()
            .find_map(|l| u.text.get(l))
            .map(|t| t.lines().next().unwrap_or("").trim().to_string())
            .unwrap_or_default();
        Some((
            u.pos,
            format!("the action was {what} on {}: {first}", u.date),
        ))
    }

    /// Why no letters may be made: the follow-up that ended the action, with file and line.
    pub fn refusal(&self) -> Option<Diagnostic> {
        let (pos, message) = self.ended_message()?;
        Some(
            Diagnostic::error(&self.file, pos, "updates", message).hint(
                "no letters are made for an action that ended; `appeal sheet` still shows it and its follow-ups",
            ),
        )
    }

    /// Loads and checks `path` against `directory`, pushing every problem into `diags`.
    /// Returns the campaign only when nothing was an error.
    pub fn load(path: &Path, directory: &Directory, diags: &mut Diagnostics) -> Option<Campaign> {
        let raw: RawCampaign = match yaml::read_text(path).and_then(|t| yaml::parse(path, &t)) {
            Ok(raw) => raw,
            Err(d) => {
                diags.push(d);
                return None;
            }
        };
        let errors_before = diags.error_count();
        let mut c = Checker { file: path, diags };
        let campaign = check(path, raw, directory, None, &mut c);
        (diags.error_count() == errors_before).then_some(campaign)
    }

    /// The action as it stood on `as_of`: the follow-ups dated after that day are checked (as
    /// `load` checks them) but not applied, so a letter dated before a follow-up does not carry
    /// its asks or deadline, and a stop dated later has not stopped it yet. `None`: every one.
    pub fn load_as_of(
        path: &Path,
        directory: &Directory,
        as_of: Option<chrono::NaiveDate>,
        diags: &mut Diagnostics,
    ) -> Option<Campaign> {
        let campaign = Campaign::load(path, directory, diags)?;
        let Some(day) = as_of else {
            return Some(campaign);
        };
        if campaign.updates.iter().all(|u| u.date <= day) {
            return Some(campaign);
        }
        // Read again without the later follow-ups; every problem was reported above.
        let text = yaml::read_text(path).ok()?;
        let mut raw: RawCampaign = yaml::parse(path, &text).ok()?;
        raw.updates.retain(|u| u.value.date.value.0 <= day);
        let mut scratch = Diagnostics::default();
        let mut c = Checker {
            file: path,
            diags: &mut scratch,
        };
        Some(check(path, raw, directory, None, &mut c))
    }

    /// The campaign as if its persons had `genders` (names and texts of its own persons reused
    /// in turn), its texts agreeing with them: `check` renders every letter for one man, one
    /// woman, two women, a group... so a text or template that breaks for one of them is found
    /// before a coordinator changes a gender. Problems of the file were reported by `load`.
    pub fn load_as_persons(
        path: &Path,
        directory: &Directory,
        as_of: Option<chrono::NaiveDate>,
        genders: &[Gender],
    ) -> Option<Campaign> {
        let text = yaml::read_text(path).ok()?;
        let mut raw: RawCampaign = yaml::parse(path, &text).ok()?;
        if let Some(day) = as_of {
            raw.updates.retain(|u| u.value.date.value.0 <= day);
        }
        let mut scratch = Diagnostics::default();
        let mut c = Checker {
            file: path,
            diags: &mut scratch,
        };
        Some(check(path, raw, directory, Some(genders), &mut c))
    }

    /// Why `who` cannot exist for a supporter living in `here`, if it cannot: the embassy of her
    /// own country, or her own government's `role` when the action targets that country's
    /// officials already. Nothing is missing then: the addressee is simply not hers to write to.
    pub fn cannot_exist_for(
        &self,
        who: &Addressee,
        here: Country,
        directory: &Directory,
    ) -> Option<String> {
        match who {
            Addressee::EmbassyOf(of) if *of == here => Some(format!(
                "there is no embassy of {} in {}: a supporter who lives there writes to the targets themselves",
                here.english_name(),
                here.english_name()
            )),
            Addressee::GovernmentRole(role)
                if self.targets.iter().any(|e| match &e.who {
                    Addressee::Recipient(id) => {
                        directory.get(id).is_some_and(|r| r.country == here)
                    }
                    _ => false,
                }) =>
            {
                Some(format!(
                    "the {role} of {} is among the targets this action writes to: a supporter who lives there writes to them directly",
                    here.english_name()
                ))
            }
            _ => None,
        }
    }

    /// The most wordings any paragraph has (1 without variants).
    pub fn wordings(&self) -> usize {
        self.asks
            .iter()
            .map(|a| a.letter_variants.len())
            .chain(std::iter::once(self.letter_variants.len()))
            .max()
            .unwrap_or(0)
            + 1
    }

    /// The campaign's reference as printed on letters: "UA 73/16, ASA 17/3726/2016", or "" when it has none.
    pub fn reference(&self) -> String {
        [self.ua.as_deref(), self.index.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The language a letter is written in: the supporter's, when the campaign has it, else
    /// the campaign's first. (A language asked for on the command line is checked against
    /// `serve` before a run starts.)
    pub fn letter_language(&self, supporter: Option<&Lang>) -> Lang {
        supporter
            .filter(|lang| self.serve(lang).is_some())
            .cloned()
            .unwrap_or_else(|| self.languages[0].clone())
    }

    /// The declared language that serves `lang` (`fr` serves `fr-CA`).
    pub fn serve(&self, lang: &Lang) -> Option<&Lang> {
        lang.chain()
            .into_iter()
            .find_map(|l| self.languages.iter().find(|d| **d == l))
    }

    /// The warning for letters written after the deadline, or `None` while there is time.
    pub fn deadline_warning(&self, today: chrono::NaiveDate) -> Option<Diagnostic> {
        if self.deadline >= today {
            return None;
        }
        let days = (today - self.deadline).num_days();
        let ago = if days >= 730 {
            format!("{} years ago", days / 365)
        } else if days >= 60 {
            format!("{} months ago", days / 30)
        } else {
            format!("{days} day{} ago", if days == 1 { "" } else { "s" })
        };
        Some(
            Diagnostic::warning(
                &self.file,
                self.deadline_pos,
                "deadline",
                format!("the deadline {} passed {ago}", self.deadline),
            )
            .hint("check with your section office before sending appeals after the deadline"),
        )
    }

    pub fn languages_list(&self) -> String {
        self.languages
            .iter()
            .map(Lang::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Checks a parsed campaign file in phases, each reporting into `c` and handing on what it
/// checked, then applies the follow-ups: one run reports every problem of the file.
fn check(
    path: &Path,
    raw: RawCampaign,
    directory: &Directory,
    as_persons: Option<&[Gender]>,
    c: &mut Checker,
) -> Campaign {
    let id = check_id(path, &raw.id, c);
    let languages = check_languages(&raw.languages, c);
    let write_in = check_write_in(&raw.write_in, &languages, c);
    let (issued, deadline) = check_dates(&raw, c);
    let texts = check_texts(&raw, &languages, c);
    let mut persons = check_persons(&raw.persons, &languages, c);
    if let Some(genders) = as_persons.filter(|_| !persons.is_empty()) {
        persons = (0..genders.len())
            .map(|i| Person {
                gender: genders[i],
                ..persons[i % persons.len()].clone()
            })
            .collect();
    }
    let (asks, ask_ids) = check_asks(&raw.asks, &languages, c);
    let (targets, copies) = check_targets_and_copies(&raw, &languages, directory, c);
    let mut campaign = Campaign {
        file: path.to_path_buf(),
        id,
        id_pos: Pos::of(&raw.id),
        ua: raw.ua.as_ref().and_then(|s| c.one_line(s, "ua")),
        index: raw.index.as_ref().and_then(|s| c.one_line(s, "index")),
        issued,
        deadline,
        deadline_pos: Pos::of(&raw.deadline),
        languages,
        languages_pos: Pos::of(&raw.languages),
        write_in,
        or_own_language: raw.or_own_language,
        title: texts.title,
        subject: texts.subject,
        form: Form::of(&persons.iter().map(|p| p.gender).collect::<Vec<_>>()),
        persons,
        risk: texts.risk,
        background: texts.background,
        additional_information: texts.additional_information,
        letter: texts.letter,
        letter_variants: texts.letter_variants,
        asks,
        targets,
        copies,
        late_note: texts.late_note,
        updates: Vec::new(),
        fingerprint: 0,
    };
    apply_updates(&mut campaign, &raw.updates, ask_ids, directory, c);
    no_twice(&campaign.targets, c);
    no_twice(&campaign.copies, c);
    agree_texts(&mut campaign);
    campaign.fingerprint = crate::model::hash::stable(format!("{campaign:?}").into_bytes());
    campaign
}

/// Resolves every choice of the campaign's texts for its persons, once, so that letters, sheets
/// and emails all read the same agreed text. A person's own texts agree with that person.
fn agree_texts(campaign: &mut Campaign) {
    let form = campaign.form;
    let all = |t: &mut Localized| *t = t.map(|s| agree::agree(s, form).into_owned());
    let some = |t: &mut Option<Localized>| {
        if let Some(t) = t {
            *t = t.map(|s| agree::agree(s, form).into_owned());
        }
    };
    all(&mut campaign.title);
    some(&mut campaign.subject);
    all(&mut campaign.risk);
    all(&mut campaign.background);
    some(&mut campaign.additional_information);
    all(&mut campaign.letter);
    campaign.letter_variants.iter_mut().for_each(all);
    some(&mut campaign.late_note);
    for ask in &mut campaign.asks {
        all(&mut ask.sheet);
        all(&mut ask.letter);
        ask.letter_variants.iter_mut().for_each(all);
    }
    for entry in campaign.targets.iter_mut().chain(&mut campaign.copies) {
        some(&mut entry.note);
    }
    campaign.updates.iter_mut().for_each(|u| all(&mut u.text));
    for p in &mut campaign.persons {
        let own = Form::of_one(p.gender);
        for t in [&mut p.nationality, &mut p.status, &mut p.held]
            .into_iter()
            .flatten()
        {
            *t = t.map(|s| agree::agree(s, own).into_owned());
        }
    }
}

/// Reports the malformed choices of a text and those that lack a required form, each at the line
/// it is on: a block (`|`) keeps its line breaks, and its position is its first line's.
fn check_choices(raw: &RawText, field: &str, c: &mut Checker) {
    for (key, value) in &raw.value {
        let text = &value.value;
        for p in agree::problems(text) {
            let pos = Pos::of(value);
            let below = text[..p.at].matches('\n').count() as u64;
            let at = Pos::new(pos.line + below, pos.col);
            c.error(at, &format!("{field}.{key}"), p.message, p.hint);
        }
    }
}

/// Checks the campaign's id: a valid id, and (a warning) the same as the file's name.
fn check_id(path: &Path, raw: &Spanned<String>, c: &mut Checker) -> String {
    let id = raw.value.trim().to_string();
    if !crate::model::slug::is_slug(&id) {
        c.error(
            Pos::of(raw),
            "id",
            format!("`{id}` is not a valid id"),
            "use lowercase letters, digits and '-', e.g. juraev-2011",
        );
    } else if path.file_stem().and_then(|s| s.to_str()) != Some(id.as_str()) {
        c.warning(
            Pos::of(raw),
            "id",
            format!("id `{id}` differs from the file name `{}`", path.display()),
            format!("name the file {id}.yaml so campaigns are easy to find"),
        );
    }
    id
}

/// Checks `languages`: language tags, each listed once, at least one.
fn check_languages(raw: &Spanned<Vec<Spanned<String>>>, c: &mut Checker) -> Vec<Lang> {
    let mut languages = Vec::new();
    for (i, tag) in raw.value.iter().enumerate() {
        match Lang::parse(&tag.value) {
            Some(l) if languages.contains(&l) => c.error(
                Pos::of(tag),
                &format!("languages[{i}]"),
                format!("`{l}` is listed twice"),
                "list each language once",
            ),
            Some(l) => languages.push(l),
            None => c.error(
                Pos::of(tag),
                &format!("languages[{i}]"),
                format!("`{}` is not a language tag", tag.value),
                "use BCP 47 tags such as en, ru, fr, fr-CA",
            ),
        }
    }
    if raw.value.is_empty() {
        c.error(
            Pos::of(raw),
            "languages",
            "no language declared",
            "list the languages this file has texts in, e.g. [ru, en]",
        );
    }
    languages
}

/// Checks `write_in`: language tags the campaign has texts for.
fn check_write_in(raw: &[Spanned<String>], languages: &[Lang], c: &mut Checker) -> Vec<Lang> {
    // Every tag is parsed (and a bad one reported) before any is held against `languages`, so
    // that all the "not a language tag" errors come first.
    let mut parsed = Vec::new();
    for (i, tag) in raw.iter().enumerate() {
        match Lang::parse(&tag.value) {
            Some(l) => parsed.push((i, tag, l)),
            None => c.error(
                Pos::of(tag),
                &format!("write_in[{i}]"),
                format!("`{}` is not a language tag", tag.value),
                "use BCP 47 tags such as ru",
            ),
        }
    }
    for (i, tag, lang) in &parsed {
        if !languages.is_empty() && !languages.iter().any(|l| lang.chain().contains(l)) {
            c.error(
                Pos::of(*tag),
                &format!("write_in[{i}]"),
                format!(
                    "the action asks for `{lang}` letters but the campaign has no `{lang}` texts"
                ),
                format!(
                    "add `{lang}` to `languages` and its texts (it has: {})",
                    languages
                        .iter()
                        .map(Lang::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
    }
    parsed.into_iter().map(|(_, _, lang)| lang).collect()
}

/// Checks that the deadline is not before the issue date; returns (issued, deadline).
fn check_dates(raw: &RawCampaign, c: &mut Checker) -> (chrono::NaiveDate, chrono::NaiveDate) {
    let issued = raw.issued.value.0;
    let deadline = raw.deadline.value.0;
    if deadline < issued {
        c.error(
            Pos::of(&raw.deadline),
            "deadline",
            format!("deadline {deadline} is before the issue date {issued}"),
            "check both dates",
        );
    }
    (issued, deadline)
}

/// The campaign's own texts, checked.
struct Texts {
    title: Localized,
    subject: Option<Localized>,
    risk: Localized,
    background: Localized,
    additional_information: Option<Localized>,
    letter: Localized,
    letter_variants: Vec<Localized>,
    late_note: Option<Localized>,
}

/// A text that may run over several lines, checked in every language of `langs`.
fn paragraph(raw: &RawText, field: &str, langs: &[Lang], c: &mut Checker) -> Localized {
    check_choices(raw, field, c);
    Localized::check(raw, field, langs, Lines::Many, c)
}

/// A one-line text (the title, the subject), its choices checked.
fn one_line_text(raw: &RawText, field: &str, langs: &[Lang], c: &mut Checker) -> Localized {
    check_choices(raw, field, c);
    Localized::check(raw, field, langs, Lines::One, c)
}

/// Checks the campaign's texts: each in every declared language, the title on one line.
fn check_texts(raw: &RawCampaign, langs: &[Lang], c: &mut Checker) -> Texts {
    // The title heads the sheet and names the campaign in lists: one line.
    let title = one_line_text(&raw.title, "title", langs, c);
    let subject = raw
        .subject
        .as_ref()
        .map(|t| one_line_text(t, "subject", langs, c));
    let risk = paragraph(&raw.risk, "risk", langs, c);
    let background = paragraph(&raw.background, "background", langs, c);
    let additional_information = raw
        .additional_information
        .as_ref()
        .map(|t| paragraph(t, "additional_information", langs, c));
    let letter = paragraph(&raw.letter, "letter", langs, c);
    let letter_variants = raw
        .letter_variants
        .iter()
        .enumerate()
        .map(|(v, t)| paragraph(t, &format!("letter_variants[{v}]"), langs, c))
        .collect();
    let late_note = raw
        .late_note
        .as_ref()
        .map(|t| paragraph(t, "late_note", langs, c));
    Texts {
        title,
        subject,
        risk,
        background,
        additional_information,
        letter,
        letter_variants,
        late_note,
    }
}

/// Checks the persons at risk: at least one, each checked by `check_person`.
fn check_persons(
    raw: &Spanned<Vec<Spanned<RawPerson>>>,
    langs: &[Lang],
    c: &mut Checker,
) -> Vec<Person> {
    let mut persons = Vec::new();
    for (i, p) in raw.value.iter().enumerate() {
        persons.push(check_person(&p.value, &format!("persons[{i}]"), langs, c));
    }
    if persons.is_empty() {
        c.error(
            Pos::of(raw),
            "persons",
            "no person at risk",
            "add the person the action is about",
        );
    }
    persons
}

/// Checks one person: a spelling of the name for every language, a gender, and the texts.
fn check_person(p: &RawPerson, f: &str, langs: &[Lang], c: &mut Checker) -> Person {
    let name = Names::check(&p.name, &format!("{f}.name"), c);
    for lang in langs {
        if !name.is_empty() && name.get(lang).is_none() {
            c.error(
                Pos::of(&p.name),
                &format!("{f}.name"),
                format!(
                    "no spelling of the name for `{lang}` letters (script {})",
                    lang.script().unwrap_or_default()
                ),
                format!(
                    "add `{}: ...` (it has: {})",
                    lang.script().unwrap_or_else(|| lang.to_string()),
                    name.keys_list()
                ),
            );
        }
    }
    let gender = check_gender(&p.gender, f, c);
    let text = |raw: &Option<RawText>, field: &str, c: &mut Checker| {
        raw.as_ref()
            .map(|t| paragraph(t, &format!("{f}.{field}"), langs, c))
    };
    Person {
        name,
        name_pos: Pos::of(&p.name),
        gender,
        nationality: text(&p.nationality, "nationality", c),
        status: text(&p.status, "status", c),
        held: text(&p.held, "held", c),
    }
}

/// Checks a person's gender: m, f or group; a bad one is reported and read as a group.
fn check_gender(raw: &Spanned<String>, f: &str, c: &mut Checker) -> Gender {
    let gender_text = raw.value.trim();
    Gender::parse(gender_text).unwrap_or_else(|| {
        c.error(
            Pos::of(raw),
            &format!("{f}.gender"),
            if gender_text.is_empty() {
                "no gender given".to_string()
            } else {
                format!("`{gender_text}` is not a gender")
            },
            "write m, f or group (several people): letters agree with it (\"protect him\", \"her\", \"them\")",
        );
        Gender::Group
    })
}

/// Checks the asks: at least one, each in every language, no id twice. Returns the asks and
/// the ids taken, which asks added by follow-ups may not reuse.
fn check_asks(
    raw: &Spanned<Vec<Spanned<RawAsk>>>,
    langs: &[Lang],
    c: &mut Checker,
) -> (Vec<Ask>, HashSet<String>) {
    let mut asks = Vec::new();
    for (i, a) in raw.value.iter().enumerate() {
        asks.push(check_ask(&a.value, &format!("asks[{i}]"), langs, c));
    }
    let mut ask_ids = HashSet::new();
    for (i, a) in raw.value.iter().enumerate() {
        unique_ask_id(a, &format!("asks[{i}]"), &mut ask_ids, c);
    }
    if asks.is_empty() {
        c.error(
            Pos::of(raw),
            "asks",
            "no asks",
            "a letter needs at least one ask",
        );
    }
    (asks, ask_ids)
}

/// Checks the targets (at least one) and the copies against the directory.
fn check_targets_and_copies(
    raw: &RawCampaign,
    langs: &[Lang],
    directory: &Directory,
    c: &mut Checker,
) -> (Vec<AddresseeEntry>, Vec<AddresseeEntry>) {
    let targets = addressees(&raw.targets.value, "targets", langs, directory, c);
    if raw.targets.value.is_empty() {
        c.error(
            Pos::of(&raw.targets),
            "targets",
            "no targets",
            "name at least one recipient the letter is addressed to",
        );
    }
    let copies = addressees(&raw.copies, "copies", langs, directory, c);
    (targets, copies)
}

/// Refuses an addressee named twice in one list (also by a follow-up): one letter would be
/// written, yet the sheet and the counts would show two.
fn no_twice(list: &[AddresseeEntry], c: &mut Checker) {
    for (i, entry) in list.iter().enumerate() {
        if let Some(first) = list[..i].iter().find(|e| e.who == entry.who) {
            c.error(
                entry.pos,
                &entry.field,
                format!(
                    "{} is already named in `{}`",
                    entry.who.describe(),
                    first.field
                ),
                "name each addressee once",
            );
        }
    }
}

fn check_ask(a: &RawAsk, field: &str, langs: &[Lang], c: &mut Checker) -> Ask {
    Ask {
        id: a.id.as_ref().map(|i| i.value.trim().to_string()),
        sheet: paragraph(&a.sheet, &format!("{field}.sheet"), langs, c),
        letter: paragraph(&a.letter, &format!("{field}.letter"), langs, c),
        letter_variants: a
            .letter_variants
            .iter()
            .enumerate()
            .map(|(v, t)| paragraph(t, &format!("{field}.letter_variants[{v}]"), langs, c))
            .collect(),
    }
}

/// Records an ask's id, refusing one used twice in the campaign.
fn unique_ask_id(a: &Spanned<RawAsk>, field: &str, ids: &mut HashSet<String>, c: &mut Checker) {
    if let Some(id) = &a.value.id {
        let text = id.value.trim();
        if text.is_empty() || !ids.insert(text.to_string()) {
            c.error(
                Pos::of(id),
                &format!("{field}.id"),
                if text.is_empty() {
                    "an empty ask id".to_string()
                } else {
                    format!("the ask id `{text}` is used twice")
                },
                "give each ask its own short name, e.g. `id: no-extradition`",
            );
        }
    }
}

/// What the follow-ups checked so far left: the latest date, and when the action ended.
struct History {
    previous: chrono::NaiveDate,
    ended: Option<chrono::NaiveDate>,
}

/// Applies the follow-ups in order to the campaign's asks, targets, deadline and reference,
/// checking their history: dates in order and not before the issue date, a new deadline after
/// its update, withdrawn asks that exist, nothing but information after the action ended.
fn apply_updates(
    campaign: &mut Campaign,
    raw: &[Spanned<RawUpdate>],
    mut ask_ids: HashSet<String>,
    directory: &Directory,
    c: &mut Checker,
) {
    let mut history = History {
        previous: campaign.issued,
        ended: None,
    };
    for (i, entry) in raw.iter().enumerate() {
        let f = format!("updates[{i}]");
        let u = &entry.value;
        let date = check_history(entry, &f, campaign.issued, &mut history, c);
        let text = paragraph(&u.text, &format!("{f}.text"), &campaign.languages, c);
        let deadline = apply_deadline(campaign, u, &f, date, c);
        apply_asks(campaign, entry, &f, &mut ask_ids, c);
        let index = apply_targets_and_index(campaign, u, &f, directory, c);
        campaign.updates.push(Update {
            date,
            action: u.action,
            index,
            text,
            deadline,
            pos: Pos::of(entry),
        });
    }
}

/// Checks an update against those above it: its date in order and not before the issue date,
/// nothing but information after the action ended, and an information-only update changing
/// nothing. Returns the update's date.
fn check_history(
    entry: &Spanned<RawUpdate>,
    f: &str,
    issued: chrono::NaiveDate,
    history: &mut History,
    c: &mut Checker,
) -> chrono::NaiveDate {
    let u = &entry.value;
    let date = u.date.value.0;
    let previous = history.previous;
    if date < issued {
        c.error(
            Pos::of(&u.date),
            &format!("{f}.date"),
            format!("{date} is before the action was issued ({issued})"),
            "check the date of the follow-up",
        );
    } else if date < previous {
        c.error(
            Pos::of(&u.date),
            &format!("{f}.date"),
            format!("{date} is before the update above it ({previous})"),
            "list the updates oldest first, each with its own date",
        );
    }
    history.previous = previous.max(date);
    if let Some(end) = history.ended
        && u.action != UpdateAction::Info
    {
        c.error(
            Pos::of(entry),
            &format!("{f}.action"),
            format!("the action ended on {end}; only `action: info` may follow"),
            "to take the action up again, issue a new campaign file",
        );
    }
    if u.action.ends_action() {
        history.ended = Some(date);
    }
    let info_only = u.action == UpdateAction::Info;
    if info_only
        && (u.deadline.is_some()
            || !u.add_asks.is_empty()
            || !u.withdraw_asks.is_empty()
            || !u.add_targets.is_empty())
    {
        c.error(
            Pos::of(entry),
            f,
            "an update for information only changes the deadline, asks or targets",
            "use `action: continue` for a follow-up that changes what supporters do",
        );
    }
    date
}

/// Checks an update's new deadline (after the update's date) and moves the campaign's to it.
fn apply_deadline(
    campaign: &mut Campaign,
    u: &RawUpdate,
    f: &str,
    date: chrono::NaiveDate,
    c: &mut Checker,
) -> Option<chrono::NaiveDate> {
    u.deadline.as_ref().map(|d| {
        let new = d.value.0;
        if new <= date || new < campaign.issued {
            c.error(
                Pos::of(d),
                &format!("{f}.deadline"),
                format!("the new deadline {new} is not after the update's date {date}"),
                "a new deadline gives supporters time to write: set a later date",
            );
        }
        campaign.deadline = new;
        campaign.deadline_pos = Pos::of(d);
        new
    })
}

/// Checks and adds an update's new asks, withdraws the asks it names, and refuses an action
/// that goes on with no ask left.
fn apply_asks(
    campaign: &mut Campaign,
    entry: &Spanned<RawUpdate>,
    f: &str,
    ask_ids: &mut HashSet<String>,
    c: &mut Checker,
) {
    let u = &entry.value;
    for (k, a) in u.add_asks.iter().enumerate() {
        let field = format!("{f}.add_asks[{k}]");
        unique_ask_id(a, &field, ask_ids, c);
        let ask = check_ask(&a.value, &field, &campaign.languages, c);
        campaign.asks.push(ask);
    }
    for (k, w) in u.withdraw_asks.iter().enumerate() {
        withdraw_ask(&mut campaign.asks, w, &format!("{f}.withdraw_asks[{k}]"), c);
    }
    if !u.withdraw_asks.is_empty() && campaign.asks.is_empty() && !u.action.ends_action() {
        c.error(
            Pos::of(entry),
            &format!("{f}.withdraw_asks"),
            "every ask is withdrawn, yet the action goes on",
            "add the new asks in `add_asks`, or end the action with `action: stop`",
        );
    }
}

/// Removes the ask with the id `w` names, reporting one that is not in force.
fn withdraw_ask(asks: &mut Vec<Ask>, w: &Spanned<String>, field: &str, c: &mut Checker) {
    let id = w.value.trim();
    match asks.iter().position(|a| a.id.as_deref() == Some(id)) {
        Some(at) => {
            asks.remove(at);
        }
        None => {
            let known: Vec<&str> = asks.iter().filter_map(|a| a.id.as_deref()).collect();
            c.error(
                Pos::of(w),
                field,
                format!("no ask `{id}` to withdraw"),
                if known.is_empty() {
                    "give the ask an `id:` in `asks` (or in the update that added it), then name it here".to_string()
                } else {
                    format!("asks in force at this update: {}", known.join(", "))
                },
            );
        }
    }
}

/// Checks and adds an update's new targets, and makes its index (if any) the campaign's
/// reference. Returns the index.
fn apply_targets_and_index(
    campaign: &mut Campaign,
    u: &RawUpdate,
    f: &str,
    directory: &Directory,
    c: &mut Checker,
) -> Option<String> {
    let added = addressees(
        &u.add_targets,
        &format!("{f}.add_targets"),
        &campaign.languages,
        directory,
        c,
    );
    campaign.targets.extend(added);
    let index = u
        .index
        .as_ref()
        .and_then(|s| c.one_line(s, &format!("{f}.index")));
    if let Some(index) = &index {
        campaign.index = Some(index.clone());
    }
    index
}

/// Checks a list of targets or copies: each entry names exactly one addressee, which the
/// directory has; entries that name none or several are reported and left out.
fn addressees(
    raw: &[Spanned<RawAddressee>],
    list: &str,
    languages: &[Lang],
    directory: &Directory,
    c: &mut Checker,
) -> Vec<AddresseeEntry> {
    let mut out = Vec::new();
    for (i, entry) in raw.iter().enumerate() {
        let field = format!("{list}[{i}]");
        if !one_of(entry, &field, c) {
            continue;
        }
        let r = &entry.value;
        let note = r
            .note
            .as_ref()
            .map(|n| paragraph(n, &format!("{field}.note"), languages, c));
        let (who, pos) = if let Some(id) = &r.recipient {
            resolve_recipient(id, &field, directory, c)
        } else if let Some(country) = &r.embassy_of {
            resolve_embassy(country, &field, directory, c)
        } else if let Some(role) = &r.government_role {
            resolve_role(role, &field, directory, c)
        } else {
            continue;
        };
        out.push(AddresseeEntry {
            who,
            note,
            field,
            pos,
        });
    }
    out
}

/// Checks that an entry gives exactly one of `recipient`, `embassy_of`, `government_role`.
fn one_of(entry: &Spanned<RawAddressee>, field: &str, c: &mut Checker) -> bool {
    let r = &entry.value;
    let given = usize::from(r.recipient.is_some())
        + usize::from(r.embassy_of.is_some())
        + usize::from(r.government_role.is_some());
    if given != 1 {
        c.error(
            Pos::of(entry),
            field,
            if given == 0 {
                "no addressee given"
            } else {
                "more than one addressee given"
            },
            "give exactly one of `recipient: ID`, `embassy_of: CC`, `government_role: ROLE`",
        );
    }
    given == 1
}

/// Checks a `recipient:` id: given, and an entry of the directory (or one refused already).
fn resolve_recipient(
    id: &Spanned<String>,
    field: &str,
    directory: &Directory,
    c: &mut Checker,
) -> (Addressee, Pos) {
    let id_text = id.value.trim();
    if id_text.is_empty() {
        c.error(
            Pos::of(id),
            &format!("{field}.recipient"),
            "no recipient id given",
            format!(
                "write the id of an entry of the directory in {}; {}",
                directory.folder.display(),
                directory.suggest(id_text)
            ),
        );
    } else if directory.get(id_text).is_none() && !directory.refused(id_text) {
        let broken = directory.broken();
        let hint = if broken.is_empty() {
            format!(
                "add it to the directory in {}; {}",
                directory.folder.display(),
                directory.suggest(id_text)
            )
        } else {
            // The entry may well be in a file that did not load: that error is the one to fix.
            let files: Vec<String> = broken.iter().map(|f| f.display().to_string()).collect();
            format!(
                "{} did not load, and its own error says why: fix that first, the entry may be there; else add it to the directory in {}",
                files.join(", "),
                directory.folder.display()
            )
        };
        c.error(
            Pos::of(id),
            &format!("{field}.recipient"),
            format!("unknown recipient `{id_text}`"),
            hint,
        );
    }
    (Addressee::Recipient(id_text.to_string()), Pos::of(id))
}

/// Checks an `embassy_of:` country: the directory has an embassy of it somewhere.
fn resolve_embassy(
    country: &Spanned<Country>,
    field: &str,
    directory: &Directory,
    c: &mut Checker,
) -> (Addressee, Pos) {
    if directory.embassy_hosts(country.value).is_empty()
        && !directory.refused_embassy_of(country.value)
    {
        c.error(
            Pos::of(country),
            &format!("{field}.embassy_of"),
            format!(
                "the directory has no embassy of {} ({}) in any country",
                country.value.english_name(),
                country.value
            ),
            format!(
                "add entries with `kind: embassy` and `represents: {}` to {}",
                country.value,
                directory.folder.display()
            ),
        );
    }
    (Addressee::EmbassyOf(country.value), Pos::of(country))
}

/// Checks a `government_role:`: some directory entry holds it.
fn resolve_role(
    role: &Spanned<String>,
    field: &str,
    directory: &Directory,
    c: &mut Checker,
) -> (Addressee, Pos) {
    let role_text = role.value.trim();
    if directory.role_countries(role_text).is_empty() && !directory.refused_role(role_text) {
        c.error(
            Pos::of(role),
            &format!("{field}.government_role"),
            format!("no directory entry has the role `{role_text}`"),
            format!(
                "add `role: {role_text}` to the officials of each country in {}",
                directory.folder.display()
            ),
        );
    }
    (
        Addressee::GovernmentRole(role_text.to_string()),
        Pos::of(role),
    )
}
