//! Letters: which letters a campaign produces for a supporter, the view a template sees, and
//! rendering. Outputs receive finished `Letter`s and never render again.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::Serialize;

use crate::model::campaign::{AddresseeEntry, Campaign};
use crate::model::country::Country;
use crate::model::diag::Diagnostic;
use crate::model::directory::{Directory, Kind, Recipient, addressee_lines};
use crate::model::lang::{DateFormats, Lang};
use crate::model::supporter::Supporter;
use crate::render::Error;
use crate::render::templates::{Templates, template_diagnostic};
use crate::render::typography::{Lines, Typography};

/// One addressee of a campaign resolved to a directory entry for a supporter's country.
#[derive(Clone, Debug)]
pub struct Planned<'a> {
    pub recipient: &'a Recipient,
    pub copy: bool,
    pub entry: &'a AddresseeEntry,
}

/// An addressee that could not be resolved (it depends on a country the supporter did not give,
/// or the directory lacks it for that country).
#[derive(Clone, Debug)]
pub struct Unresolved<'a> {
    pub entry: &'a AddresseeEntry,
    pub reason: String,
    /// The addressee cannot exist for this supporter (the embassy of her own country, her own
    /// government when it is the target): nothing is missing, she simply does not write to it.
    pub impossible: bool,
    /// A copy, not a target: her letters to the targets are the point, a missing copy is not
    /// her row's failure.
    pub copy: bool,
}

/// The targets and copies of `campaign` for a supporter in `country`, each directory entry once.
pub fn plan<'a>(
    campaign: &'a Campaign,
    directory: &'a Directory,
    country: Option<Country>,
) -> (Vec<Planned<'a>>, Vec<Unresolved<'a>>) {
    let mut planned: Vec<Planned> = Vec::new();
    let mut unresolved = Vec::new();
    let entries = campaign
        .targets
        .iter()
        .map(|e| (e, false))
        .chain(campaign.copies.iter().map(|e| (e, true)));
    for (entry, copy) in entries {
        let impossible =
            country.and_then(|here| campaign.cannot_exist_for(&entry.who, here, directory));
        if let Some(reason) = impossible {
            unresolved.push(Unresolved {
                entry,
                reason,
                impossible: true,
                copy,
            });
            continue;
        }
        let found = match entry.who.resolve(directory, country) {
            Some(found) => found,
            None => {
                unresolved.push(Unresolved {
                    entry,
                    reason: format!(
                        "{} depends on the supporter's country, and none was given (pass --country XX, or fill the `country` column)",
                        entry.who.describe()
                    ),
                    impossible: false,
                    copy,
                });
                continue;
            }
        };
        match found {
            Some(r) if planned.iter().any(|p| p.recipient.id == r.id) => {}
            Some(recipient) => planned.push(Planned {
                recipient,
                copy,
                entry,
            }),
            None => unresolved.push(Unresolved {
                entry,
                reason: match country {
                    Some(c) => format!(
                        "the directory has no entry for {} in {} ({c})",
                        entry.who.describe(),
                        c.english_name()
                    ),
                    None => format!("the directory has no {}", entry.who.describe()),
                },
                impossible: false,
                copy,
            }),
        }
    }
    (planned, unresolved)
}

/// A rendered letter, ready for an output.
#[derive(Clone, Debug)]
pub struct Letter {
    pub campaign_id: String,
    pub recipient_id: String,
    pub lang: Lang,
    pub copy: bool,
    /// The supporter's name, or "" for a blank letter.
    pub supporter: String,
    /// "Campaign title — recipient title" in the letter's language (a PDF's title).
    pub title: String,
    /// The printed name under the signature ("" for a blank letter).
    pub signature: String,
    /// The letter's date (a PDF's creation date).
    pub date: chrono::NaiveDate,
    /// The whole letter as plain text.
    pub text: String,
    /// The letter's parts, when the renderer was asked for them (`Renderer::with_parts`).
    pub parts: Option<LetterParts>,
}

/// What a page layout places separately: the sender's block, the address in the envelope
/// window, the date; and the body that flows below them (reference line to signature). Rendered
/// from the template's blocks of the same names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LetterParts {
    pub sender: Vec<String>,
    pub recipient: Vec<String>,
    pub date: String,
    pub body: String,
    /// The subject line at the top of the body (`{% block subject %}` inside the body block),
    /// which a page sets in bold; `None` when the template has no such block.
    pub subject: Option<String>,
    /// What the letter is about, without the subject line's label ("Nizomhon Juraev (EUR
    /// 60/001/2011)" inside "Re: ..."): `{% block topic %}` inside the subject block, an email's
    /// Subject header. `None` when the template has no such block.
    pub topic: Option<String>,
    /// The return line above an envelope window: "name · street · postcode city", the country
    /// only on international mail, never the email (`Supporter::return_address`). `None` for
    /// a blank letter.
    pub return_address: Option<String>,
}

/// What a letter template sees. Documented for template authors in docs/templates.md (`appeal guide templates`).
#[derive(Serialize)]
struct LetterView<'a> {
    lang: &'a str,
    date: String,
    campaign: CampaignView<'a>,
    person: PersonView<'a>,
    persons: Vec<PersonView<'a>>,
    /// The persons' gender and number, as a campaign text's choices name it: m, f, two,
    /// two-f, group, group-f.
    form: &'static str,
    /// The persons' names joined as the language joins a list ("A, B и C", "A, B et C").
    names: String,
    letter: &'a str,
    asks: Vec<&'a str>,
    recipient: RecipientView<'a>,
    copy: bool,
    targets: Vec<TargetView<'a>>,
    supporter: SupporterView<'a>,
}

#[derive(Serialize)]
struct CampaignView<'a> {
    id: &'a str,
    title: &'a str,
    /// The campaign's subject line, or "" when it has none (then letters name the persons).
    subject: &'a str,
    reference: String,
    deadline: String,
}

#[derive(Serialize, Clone)]
struct PersonView<'a> {
    name: &'a str,
    gender: &'static str,
}

#[derive(Serialize)]
pub(crate) struct RecipientView<'a> {
    pub name: &'a str,
    pub title: &'a str,
    pub addressee: Vec<String>,
    pub address: &'a [String],
    pub salutation: &'a str,
    pub fax: &'a str,
    pub email: &'a str,
    /// The closing formula's words where the entry varies them (`closing`), else "".
    pub closing: &'a str,
    /// `official`, `court`, `ministry`, `embassy` or `government`.
    pub kind: &'static str,
    /// An institution, not a person (no `gender`): a court is "贵院", not "您".
    pub institution: bool,
}

#[derive(Serialize)]
struct TargetView<'a> {
    title: &'a str,
    salutation: &'a str,
    addressee: Vec<String>,
    /// How a copy letter names the target ("au Procureur général ..."), or "" when the
    /// directory does not say for this language (`check` reports it).
    to: &'a str,
    closing: &'a str,
}

#[derive(Serialize)]
struct SupporterView<'a> {
    blank: bool,
    name: String,
    signature: String,
    address: Vec<String>,
    email: &'a str,
    /// The supporter's own paragraph: data, never template code.
    note: &'a str,
    extra: std::collections::BTreeMap<&'a str, &'a str>,
}

/// Renders letters with one set of templates and one letter date.
pub struct Renderer<'t> {
    pub templates: &'t Templates,
    pub date: chrono::NaiveDate,
    /// Whether letters also carry their `parts`, for outputs that lay a page out.
    pub parts: bool,
    /// Every paragraph in wording number `n` (for `check`), instead of one chosen per supporter.
    pub wording: Option<usize>,
    /// Where blank letters are posted (`letters --country` without a name), so that a letter
    /// posted within a recipient's country carries no country line.
    pub blank_posted_in: Option<Country>,
    dates: &'static DateFormats,
    /// Long dates written before, by language, region and date: a batch's letters repeat a
    /// handful, and formatting one costs more than the rest of a letter's view.
    long_dates: Mutex<HashMap<DateKey, String>>,
    /// The campaign's paragraphs as typography set them, shared by the run's letters.
    lines: Lines,
}

/// A long date as `Renderer::long_date` keeps it: language, region and date.
type DateKey = (Lang, Option<Country>, chrono::NaiveDate);

/// The most long dates a `Renderer` keeps (a run has a few per language and country).
const LONG_DATES_KEPT: usize = 4096;

/// The blocks every letter template defines, in the order they appear in the letter.
pub const BLOCKS: [&str; 4] = ["sender", "recipient", "date", "body"];

impl<'t> Renderer<'t> {
    pub fn new(templates: &'t Templates, date: chrono::NaiveDate) -> Self {
        Renderer {
            templates,
            date,
            parts: false,
            wording: None,
            blank_posted_in: None,
            dates: DateFormats::shared(),
            long_dates: Mutex::default(),
            lines: Lines::default(),
        }
    }

    /// Also renders each letter's `parts` (the template's blocks), as a page layout needs.
    pub fn with_parts(mut self) -> Self {
        self.parts = true;
        self
    }

    /// Renders the letter to `planned.recipient` in `lang`. `targets` are the campaign's resolved
    /// targets (quoted in copies). Every missing piece is an error naming where to add it.
    /// Phases: the view (texts and wordings) -> the text -> the parts -> the letter.
    pub fn render(
        &self,
        campaign: &Campaign,
        planned: &Planned,
        targets: &[&Recipient],
        lang: &Lang,
        supporter: Option<&Supporter>,
    ) -> Result<Letter, Error> {
        let r = planned.recipient;
        let describe = || {
            format!(
                "the {} letter to `{}` from {}",
                lang,
                r.id,
                supporter.map_or_else(
                    || "a blank supporter".to_string(),
                    |s| format!("`{}`", s.name)
                )
            )
        };
        let view = self.view(campaign, planned, targets, lang, supporter)?;
        let name = self.templates.resolve("letter", lang).map_err(|e| {
            Diagnostic::error(
                &campaign.file,
                campaign.languages_pos,
                "languages",
                e.to_string(),
            )
            .hint("add the template to templates/ or --templates DIR, or drop the language")
        })?;
        let context = tera::Context::from_serialize(&view)
            .map_err(|e| template_diagnostic(&e, &describe(), name.as_ref()))?;
        let body = self
            .templates
            .render(name, &context)
            .map_err(|e| template_diagnostic(&e, &describe(), name.as_ref()))?;
        // Typography once, on the text and the parts alike; address blocks stay as written.
        let (to, from) = (&view.recipient, &view.supporter);
        let quoted = view.targets.iter().flat_map(|t| &t.addressee);
        let verbatim = to.addressee.iter().chain(to.address).chain(&from.address);
        let typography = Typography::new(lang, verbatim.chain([&from.name]).chain(quoted))
            .with_lines(&self.lines);
        let parts = if self.parts {
            let mut parts = self.parts(name, &context, lang, &describe)?;
            parts.return_address = supporter.map(|s| s.return_address(Some(r.postal_country)));
            Some(typography.parts(parts))
        } else {
            None
        };
        Ok(Letter {
            campaign_id: campaign.id.clone(),
            recipient_id: r.id.clone(),
            lang: lang.clone(),
            copy: planned.copy,
            supporter: supporter.map(|s| s.name.clone()).unwrap_or_default(),
            title: format!("{} — {}", view.campaign.title, view.recipient.title),
            signature: supporter.map(Supporter::signature).unwrap_or_default(),
            date: self.date,
            text: typography.tidy_text(&body, TIDY_BLANK),
            parts,
        })
    }

    /// `date` as `DateFormats::long` writes it, each once per run.
    fn long_date(&self, lang: &Lang, region: Option<Country>, date: chrono::NaiveDate) -> String {
        let key = (lang.clone(), region, date);
        if let Some(done) = self
            .long_dates
            .lock()
            .ok()
            .and_then(|d| d.get(&key).cloned())
        {
            return done;
        }
        let text = self.dates.long(lang, region, date);
        if let Ok(mut dates) = self.long_dates.lock()
            && dates.len() < LONG_DATES_KEPT
        {
            dates.insert(key, text.clone());
        }
        text
    }

    /// What the template sees: the campaign's texts in `lang` (each paragraph in its wording for
    /// this supporter), the recipient, the targets a copy quotes, the supporter.
    fn view<'a>(
        &self,
        campaign: &'a Campaign,
        planned: &Planned<'a>,
        targets: &[&'a Recipient],
        lang: &'a Lang,
        supporter: Option<&'a Supporter>,
    ) -> Result<LetterView<'a>, Error> {
        let r = planned.recipient;
        // Missing data does not depend on the supporter, so its message does not name one: the
        // same gap found for many supporters is then reported once.
        let letters_to = || format!("the {lang} letters to `{}`", r.id);
        let missing_campaign = |field: &str| {
            Diagnostic::error(
                &campaign.file,
                campaign.languages_pos,
                field,
                format!("no `{lang}` text, needed for {}", letters_to()),
            )
            .hint(format!("add `{lang}:` to `{field}`"))
        };
        let person = &campaign.persons[0];
        let persons: Vec<PersonView> = campaign
            .persons
            .iter()
            .map(|p| PersonView {
                name: p.name.get(lang).unwrap_or_default(),
                gender: p.gender.code(),
            })
            .collect();
        if persons.iter().any(|p| p.name.is_empty()) {
            return Err(missing_campaign("persons[].name").into());
        }
        let pick = self.wording_picker(supporter);
        let asks = campaign
            .asks
            .iter()
            .enumerate()
            .map(|(i, a)| {
                crate::model::campaign::wording(&a.letter, &a.letter_variants, pick(i as u64 + 1))
                    .get(lang)
                    .ok_or_else(|| missing_campaign(&format!("asks[{i}].letter")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        // Dates as written where the supporter lives (or where blank letters are posted).
        let region = supporter.map_or(self.blank_posted_in, |s| s.country);
        Ok(LetterView {
            lang: lang.as_str(),
            date: self.long_date(lang, region, self.date),
            campaign: CampaignView {
                id: &campaign.id,
                title: campaign
                    .title
                    .get(lang)
                    .ok_or_else(|| missing_campaign("title"))?,
                subject: match &campaign.subject {
                    Some(s) => s.get(lang).ok_or_else(|| missing_campaign("subject"))?,
                    None => "",
                },
                reference: campaign.reference(),
                deadline: self.long_date(lang, region, campaign.deadline),
            },
            person: PersonView {
                name: person.name.get(lang).unwrap_or_default(),
                gender: person.gender.code(),
            },
            form: campaign.form.code(),
            names: join_names(lang, persons.iter().map(|p| p.name)),
            persons,
            letter: crate::model::campaign::wording(
                &campaign.letter,
                &campaign.letter_variants,
                pick(0),
            )
            .get(lang)
            .ok_or_else(|| missing_campaign("letter"))?,
            asks,
            // Posted from the supporter's country: no country line within it.
            recipient: recipient_view(
                r,
                lang,
                supporter.map_or(self.blank_posted_in, |s| s.country),
                &letters_to,
            )?,
            copy: planned.copy,
            targets: target_views(targets, lang, &letters_to)?,
            supporter: supporter_view(supporter, r.postal_country),
        })
    }

    /// Which wording each paragraph gets (0 the letter, `n` the ask `n - 1`): chosen from the
    /// supporter (so the same person always gets the same letter), the main one for blank
    /// letters, or the one `check` asks for.
    fn wording_picker(&self, supporter: Option<&Supporter>) -> impl Fn(u64) -> usize {
        let seed = supporter.map_or(0, |s| {
            crate::model::hash::stable(
                s.name
                    .bytes()
                    .chain(s.address_lines().join("\n").into_bytes()),
            )
        });
        let (wording, signed) = (self.wording, supporter.is_some());
        move |paragraph: u64| -> usize {
            match (wording, signed) {
                (Some(n), _) => n,
                (None, false) => 0,
                (None, true) => {
                    let mixed = (seed ^ paragraph.wrapping_mul(0x9e37_79b9_7f4a_7c15))
                        .wrapping_mul(0x100_0000_01b3);
                    (mixed >> 16) as usize
                }
            }
        }
    }

    /// The template's blocks, for outputs that lay a page out. `subject` and `topic` are
    /// optional; a missing one of `BLOCKS` is `Error::MissingBlock`.
    fn parts(
        &self,
        name: &str,
        context: &tera::Context,
        lang: &Lang,
        describe: &dyn Fn() -> String,
    ) -> Result<LetterParts, Error> {
        let optional_block = |block: &str| -> Result<Option<String>, Error> {
            if !self.templates.has_block(name, block) {
                return Ok(None);
            }
            let text = self
                .templates
                .render_block(name, block, context)
                .map_err(|e| template_diagnostic(&e, &describe(), name.as_ref()))?;
            Ok(Some(tidy(&text).trim_end().to_string()))
        };
        let block = |block: &'static str| -> Result<String, Error> {
            optional_block(block)?.ok_or_else(|| Error::MissingBlock {
                template: name.to_string(),
                block,
                lang: lang.clone(),
            })
        };
        let lines = |text: String| text.lines().map(str::to_string).collect::<Vec<_>>();
        Ok(LetterParts {
            sender: lines(block("sender")?),
            recipient: lines(block("recipient")?),
            date: block("date")?,
            body: block("body")?,
            subject: optional_block("subject")?.filter(|s| !s.trim().is_empty()),
            topic: optional_block("topic")?.filter(|s| !s.trim().is_empty()),
            return_address: None,
        })
    }
}

/// Names joined as `lang` joins a list of people, from CLDR's list patterns ("A, B и C", "A y
/// B", "A、B和C"): the maintained data knows each language's conjunction, comma and spacing
/// (Spanish "y" becomes "e" before an i sound), which a table here would not.
pub fn join_names<'n>(lang: &Lang, names: impl Iterator<Item = &'n str> + Clone) -> String {
    join_list(lang, Conjunction::And, names)
}

/// What joins the last item of a list: all of them ("A, B and C") or one of them ("A, B or C").
#[derive(Clone, Copy, Debug)]
pub enum Conjunction {
    And,
    Or,
}

/// `items` joined as `lang` joins a list by `conjunction`, from CLDR's list patterns.
pub fn join_list<'n>(
    lang: &Lang,
    conjunction: Conjunction,
    items: impl Iterator<Item = &'n str> + Clone,
) -> String {
    use icu_list::ListFormatter;
    use icu_list::options::{ListFormatterOptions, ListLength};
    let locale: icu_locale::Locale = lang.as_str().parse().unwrap_or(icu_locale::Locale::UNKNOWN);
    let options = ListFormatterOptions::default().with_length(ListLength::Wide);
    let formatter = match conjunction {
        Conjunction::And => ListFormatter::try_new_and(locale.into(), options),
        Conjunction::Or => ListFormatter::try_new_or(locale.into(), options),
    };
    match formatter {
        Ok(formatter) => formatter.format_to_string(items),
        // Compiled data has a root pattern for every locale; this only guards the call.
        Err(_) => items.collect::<Vec<_>>().join(", "),
    }
}

/// The targets a copy quotes, each with its title, salutation and addressee lines in `lang`.
fn target_views<'r>(
    targets: &[&'r Recipient],
    lang: &Lang,
    letters_to: &dyn Fn() -> String,
) -> Result<Vec<TargetView<'r>>, Diagnostic> {
    targets
        .iter()
        .map(|t| {
            let v = recipient_view(t, lang, None, letters_to)?;
            Ok(TargetView {
                title: v.title,
                salutation: v.salutation,
                addressee: v.addressee,
                to: t.copy_phrase(lang).unwrap_or_default(),
                closing: v.closing,
            })
        })
        .collect()
}

/// The recipient as templates see her, her address as posted from `posted_from`.
pub(crate) fn recipient_view<'r>(
    r: &'r Recipient,
    lang: &Lang,
    posted_from: Option<Country>,
    describe: &dyn Fn() -> String,
) -> Result<RecipientView<'r>, Diagnostic> {
    let missing = |field: &str| {
        Diagnostic::error(
            &r.file,
            r.pos,
            format!("{}.{field}", r.field()),
            format!("no `{lang}` {field}, needed for {}", describe()),
        )
        .hint(match field {
            // A salutation is also made from the entry's gender and kind, where the forms of
            // the language have one.
            "salutation" if r.gender.is_none() && r.kind == Kind::Embassy => format!(
                "add `{lang}: ...` to the salutation of `{}`, or its ambassador's `gender: m` or `f`",
                r.id
            ),
            _ => format!("add `{lang}: ...` to the {field} of `{}`", r.id),
        })
    };
    Ok(RecipientView {
        name: r.name.get(lang).unwrap_or_default(),
        title: r.title.get(lang).ok_or_else(|| missing("title"))?,
        addressee: addressee_lines(r, lang).ok_or_else(|| missing("title"))?,
        address: r.address_from(posted_from),
        salutation: r.salutation_in(lang).ok_or_else(|| missing("salutation"))?,
        fax: r.fax.as_deref().unwrap_or_default(),
        email: r.email.as_deref().unwrap_or_default(),
        closing: r.closing.get(lang).unwrap_or_default(),
        kind: match r.kind {
            Kind::Official => "official",
            Kind::Court => "court",
            Kind::Ministry => "ministry",
            Kind::Embassy => "embassy",
            Kind::Government => "government",
        },
        institution: r.gender.is_none(),
    })
}

/// The supporter as templates see her, her address as posted to `posted_in`.
fn supporter_view(s: Option<&Supporter>, posted_in: Country) -> SupporterView<'_> {
    match s {
        None => SupporterView {
            blank: true,
            name: String::new(),
            signature: String::new(),
            address: Vec::new(),
            email: "",
            note: "",
            extra: Default::default(),
        },
        // With --initials the full name appears nowhere in the letter, not even in the sender block.
        Some(s) => SupporterView {
            blank: false,
            name: if s.initials {
                s.signature()
            } else {
                s.name.clone()
            },
            signature: s.signature(),
            address: s.postal_address(Some(posted_in)),
            email: s.email.as_deref().unwrap_or_default(),
            note: &s.note,
            extra: s
                .extra
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect(),
        },
    }
}

/// Template output as a letter file: no trailing blanks, no blank lines at the start or end, runs
/// of empty lines cut to three (the space left for a handwritten signature), one final newline.
/// Templates can then be written for readability without counting blank lines.
pub fn tidy(text: &str) -> String {
    tidy_with(text, TIDY_BLANK)
}

/// The most empty lines in a row a letter keeps: the space for a handwritten signature.
const TIDY_BLANK: usize = 3;

/// Template output with no trailing blanks on a line, no blank lines at the start or end, runs
/// of empty lines cut to `max_blank`, one final newline.
pub fn tidy_with(text: &str, max_blank: usize) -> String {
    let mut out = String::with_capacity(text.len());
    tidy_into(text, max_blank, &mut out, |line, out| out.push_str(line));
    out
}

/// Tidies `text` into `out` as `tidy_with` does, each kept line written by `push`.
pub fn tidy_into(
    text: &str,
    max_blank: usize,
    out: &mut String,
    mut push: impl FnMut(&str, &mut String),
) {
    let mut blank_run = 0;
    for line in text.lines().map(str::trim_end) {
        if line.is_empty() {
            blank_run += 1;
            continue;
        }
        if !out.is_empty() {
            out.extend(std::iter::repeat_n('\n', blank_run.min(max_blank)));
        }
        blank_run = 0;
        push(line, out);
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shipped templates, directory and Juraev campaign, and what loading them reported.
    fn juraev() -> (
        Templates,
        Directory,
        Campaign,
        crate::model::diag::Diagnostics,
    ) {
        let mut diags = crate::model::diag::Diagnostics::default();
        let templates = Templates::load(&[], &mut diags);
        let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let directory = Directory::load(&repo.join("recipients"), &mut diags);
        let campaign = Campaign::load(
            &repo.join("campaigns/juraev-2011.yaml"),
            &directory,
            &mut diags,
        )
        .unwrap();
        (templates, directory, campaign, diags)
    }

    #[test]
    fn splits_a_letter_into_the_parts_a_page_lays_out() {
        let (templates, directory, campaign, diags) = juraev();
        let (planned, _) = plan(&campaign, &directory, None);
        let date = chrono::NaiveDate::from_ymd_opt(2011, 5, 3).unwrap();
        let renderer = Renderer::new(&templates, date).with_parts();
        for lang in ["en", "ru", "fr", "de", "es"] {
            let lang = Lang::parse(lang).unwrap();
            let letter = renderer
                .render(&campaign, &planned[0], &[planned[0].recipient], &lang, None)
                .unwrap();
            let parts = letter.parts.unwrap();
            assert_eq!(
                parts.recipient.last().map(String::as_str),
                Some("RUSSIAN FEDERATION"),
                "{lang}"
            );
            assert!(parts.date.contains("2011"), "{lang}: {}", parts.date);
            assert!(
                parts.sender.len() >= 2 && parts.sender[0].contains("____"),
                "{lang}: {:?}",
                parts.sender
            );
            assert!(
                letter.text.contains(&parts.body),
                "{lang}: the body is the end of the letter"
            );
            assert!(
                !parts.body.contains("Bolshaia Dmitrovka")
                    && parts
                        .recipient
                        .iter()
                        .any(|l| l == "Bolshaia Dmitrovka 15 A"),
                "{lang}: the address in its block, not in the body"
            );
            assert_eq!(parts.return_address, None, "{lang}: a blank letter");
        }
        assert!(!diags.has_errors(), "{diags:?}");
    }

    #[test]
    fn a_signed_letter_carries_a_short_return_address_for_the_window() {
        let (templates, directory, campaign, _) = juraev();
        let eva = crate::model::supporter::SupporterInput {
            name: "Eva Muster".into(),
            address: vec!["Hauptstraße 1".into()],
            postcode: "10115".into(),
            city: "Berlin".into(),
            country: "DE".into(),
            email: "eva@example.org".into(),
            ..Default::default()
        }
        .check_complete()
        .unwrap();
        let (planned, _) = plan(&campaign, &directory, eva.country);
        let renderer = Renderer::new(&templates, chrono::NaiveDate::MIN).with_parts();
        let de = Lang::parse("de").unwrap();
        let return_address = |id: &str| {
            let p = planned.iter().find(|p| p.recipient.id == id).unwrap();
            let letter = renderer.render(&campaign, p, &[], &de, Some(&eva)).unwrap();
            letter.parts.unwrap().return_address
        };
        // No email; the country only on international mail.
        assert_eq!(
            return_address("ru-embassy-de").as_deref(),
            Some("Eva Muster · Hauptstraße 1 · 10115 Berlin")
        );
        assert_eq!(
            return_address("ru-prosecutor-general").as_deref(),
            Some("Eva Muster · Hauptstraße 1 · 10115 Berlin · GERMANY")
        );
    }

    #[test]
    fn tidies_template_output() {
        assert_eq!(
            tidy("\n\nDear X, \n\n\n\n\n\nText\n\n"),
            "Dear X,\n\n\n\nText\n"
        );
    }
}
