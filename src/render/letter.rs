//! Letters: which letters a campaign produces for a supporter, the view a template sees, and
//! rendering. Outputs receive finished `Letter`s and never render again.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use serde::Serialize;

use crate::model::campaign::{AddresseeEntry, Campaign};
use crate::model::country::Country;
use crate::model::diag::Diagnostic;
use crate::model::directory::{Directory, Kind, Recipient, addressee_lines};
use crate::model::lang::{DateFormats, Lang};
use crate::model::supporter::{PostalAddresses, Supporter};
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
    /// only on international mail, never the email (her name and sender block's lines). `None` for
    /// a blank letter.
    pub return_address: Option<String>,
}

/// What a letter template sees, documented for template authors in docs/templates.md (`appeal
/// guide templates`): `lang`, `date`, `campaign` (`CampaignView`), `person` and `persons`
/// (`PersonView`), `form`, `names`, which come from the campaign alone (`Shared`); and `letter`,
/// `asks`, `recipient` (`RecipientView`), `copy`, `targets` (`TargetView`) and `supporter`
/// (`SupporterView`), which are each letter's.
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
    name: &'a str,
    signature: &'a str,
    address: &'a [String],
    email: &'a str,
    /// The supporter's own paragraph: data, never template code.
    note: &'a str,
    extra: std::collections::BTreeMap<&'a str, &'a str>,
}

impl SupporterView<'static> {
    /// A blank letter's: lines to fill in by hand.
    const BLANK: SupporterView<'static> = SupporterView {
        blank: true,
        name: "",
        signature: "",
        address: &[],
        email: "",
        note: "",
        extra: std::collections::BTreeMap::new(),
    };
}

/// A letter's template context, with what the letter takes from it besides the text.
struct View<'a> {
    context: tera::Context,
    /// The campaign's part, with its title.
    shared: Arc<Shared>,
    recipient: RecipientView<'a>,
    targets: Vec<TargetView<'a>>,
    /// The signer's part; `None` for a blank letter.
    posted: Option<Arc<Posted>>,
}

/// What a letter's template context takes from the campaign alone, in one language, with the
/// dates as written in one region: the same for every letter of a run in that language, so it
/// is built once per campaign version (`Campaign::fingerprint`), language, date style and date.
/// A text the language lacks is kept as missing, and reported by each letter that needs it
/// (`Renderer::context`), as when every letter looked it up itself.
struct Shared {
    /// `lang`, `date`, `campaign`, `person`, `persons`, `form` and `names`; empty when a text
    /// is missing.
    context: tera::Context,
    /// Whether every person has a name in the language.
    named: bool,
    /// The campaign's title in the language.
    title: Option<String>,
    /// Whether the subject, when the campaign has one, is in the language.
    subject: bool,
    /// The wordings of the letter's paragraph: the main one, then its variants (the order
    /// `campaign::wording` picks from).
    letter: Vec<Option<tera::Value>>,
    /// The same for each ask.
    asks: Vec<Vec<Option<tera::Value>>>,
}

/// `Shared` is kept by campaign fingerprint, the locale its dates are written in (the only thing
/// the supporter's country changes: `lang::date_locale`, British or US English) and letter date,
/// then language (looked up without a copy of the tag).
type SharedKey = (u64, Lang, chrono::NaiveDate);

/// The `Shared` of each language, by `SharedKey`.
type SharedKept = HashMap<SharedKey, Vec<(Lang, Arc<Shared>)>>;

/// The most `Shared` a renderer keeps for one key (a run has one per language).
const SHARED_KEPT: usize = 64;

/// Wording `pick` of a paragraph's `wordings` (main first), as `campaign::wording` picks it.
fn pick_wording(wordings: &[Option<tera::Value>], pick: usize) -> Option<tera::Value> {
    wordings.get(pick % wordings.len().max(1))?.clone()
}

/// A supporter as her letters print her. What every letter she signs repeats (her address
/// blocks, her part of the template context, the seed of her wordings) is worked out by the
/// first of them and shared by the others, on any thread.
pub struct Signer<'s> {
    pub supporter: &'s Supporter,
    seed: OnceLock<u64>,
    addresses: OnceLock<PostalAddresses>,
    /// Her part of the letters posted within her country, and from abroad: her address block
    /// differs only by its country line (`Supporter::postal_addresses`).
    home: OnceLock<Arc<Posted>>,
    abroad: OnceLock<Arc<Posted>>,
}

/// A signer's part of the letters posted to one country.
struct Posted {
    /// The name her letters print (`Supporter::printed_name`): her initials with --initials.
    name: String,
    /// Her address block (`Supporter::postal_addresses`).
    address: Vec<String>,
    /// `supporter` in the template context.
    view: tera::Value,
}

impl Posted {
    /// The return line above an envelope window: her name and address block on one line,
    /// the country only on international mail (as in the block). No email: every postal
    /// worker reads it.
    fn return_line(&self) -> String {
        std::iter::once(&self.name)
            .chain(&self.address)
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

impl<'s> Signer<'s> {
    pub fn new(supporter: &'s Supporter) -> Self {
        Signer {
            supporter,
            seed: OnceLock::new(),
            addresses: OnceLock::new(),
            home: OnceLock::new(),
            abroad: OnceLock::new(),
        }
    }

    /// What chooses her wordings: her name and address as given, so that the same person
    /// always gets the same letter.
    fn seed(&self) -> u64 {
        *self.seed.get_or_init(|| {
            let s = self.supporter;
            crate::model::hash::stable(
                s.name
                    .bytes()
                    .chain(s.address_lines().join("\n").into_bytes()),
            )
        })
    }

    /// Her part of the letters posted to `posted_in`, made by the first of them.
    fn posted(&self, posted_in: Country) -> Result<Arc<Posted>, tera::Error> {
        let s = self.supporter;
        let cell = if s.country == Some(posted_in) {
            &self.home
        } else {
            &self.abroad
        };
        if let Some(done) = cell.get() {
            return Ok(Arc::clone(done));
        }
        let addresses = self.addresses.get_or_init(|| s.postal_addresses());
        let address = addresses.posted_in(Some(posted_in)).to_vec();
        // With --initials the full name appears nowhere in the letter, not even in the sender block.
        let name = s.printed_name();
        let view = tera::Value::try_from_serializable(&SupporterView {
            blank: false,
            name: &name,
            signature: &name,
            address: &address,
            email: s.email.as_deref().unwrap_or_default(),
            note: &s.note,
            extra: s
                .extra
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect(),
        })?;
        let made = Arc::new(Posted {
            name,
            address,
            view,
        });
        Ok(Arc::clone(cell.get_or_init(|| made)))
    }
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
    /// The campaign's paragraphs as typography set them, shared by the run's letters.
    lines: Lines,
    /// The campaign's part of the letters' context (`Shared`), shared by the run's letters.
    shared: Mutex<SharedKept>,
    /// The letter template of each language (`Templates::resolve`), found by its first letter.
    template: Mutex<HashMap<Lang, &'t str>>,
}

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
            lines: Lines::default(),
            shared: Mutex::default(),
            template: Mutex::default(),
        }
    }

    /// Also renders each letter's `parts` (the template's blocks), as a page layout needs.
    pub fn with_parts(mut self) -> Self {
        self.parts = true;
        self
    }

    /// Renders the letter to `planned.recipient` in `lang`, signed by `supporter` (`None`: a
    /// blank letter). `targets` are the campaign's resolved targets (quoted in copies). Every
    /// missing piece is an error naming where to add it. A batch that writes several letters
    /// for one supporter signs them with one `Signer` (`render_signed`).
    pub fn render(
        &self,
        campaign: &Campaign,
        planned: &Planned,
        targets: &[&Recipient],
        lang: &Lang,
        supporter: Option<&Supporter>,
    ) -> Result<Letter, Error> {
        let signer = supporter.map(Signer::new);
        self.render_signed(campaign, planned, targets, lang, signer.as_ref())
    }

    /// `render`, signed by `signer`, who keeps what her letters share.
    /// Phases: the context (texts and wordings) -> the text -> the parts -> the letter.
    pub fn render_signed(
        &self,
        campaign: &Campaign,
        planned: &Planned,
        targets: &[&Recipient],
        lang: &Lang,
        signer: Option<&Signer>,
    ) -> Result<Letter, Error> {
        let r = planned.recipient;
        let supporter = signer.map(|s| s.supporter);
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
        let name = self.template(campaign, lang);
        let tera_error = |e: &tera::Error| -> Error {
            let file = name.as_deref().map_or(campaign.file.as_path(), Path::new);
            template_diagnostic(e, &describe(), file).into()
        };
        let view = self.context(campaign, planned, targets, lang, signer, &tera_error)?;
        let name = name?;
        let context = &view.context;
        let body = self
            .templates
            .render(name, context)
            .map_err(|e| template_diagnostic(&e, &describe(), name.as_ref()))?;
        // Typography once, on the text and the parts alike; address blocks stay as written.
        let (to, from) = (&view.recipient, &view.posted);
        let quoted = view.targets.iter().flat_map(|t| &t.addressee);
        let verbatim = to.addressee.iter().chain(to.address);
        let signed = from.iter().flat_map(|p| p.address.iter().chain([&p.name]));
        let typography =
            Typography::new(lang, verbatim.chain(signed).chain(quoted)).with_lines(&self.lines);
        let parts = if self.parts {
            let mut parts = self.parts(name, context, lang, &describe)?;
            parts.return_address = view.posted.as_deref().map(Posted::return_line);
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
            title: format!(
                "{} — {}",
                view.shared.title.as_deref().unwrap_or_default(),
                view.recipient.title
            ),
            signature: view
                .posted
                .as_ref()
                .map(|p| p.name.clone())
                .unwrap_or_default(),
            date: self.date,
            text: typography.tidy_text(&body, TIDY_BLANK),
            parts,
        })
    }

    /// The letter template for `lang`, looked up once per language.
    fn template(&self, campaign: &Campaign, lang: &Lang) -> Result<&'t str, Error> {
        if let Some(name) = self.template.lock().ok().and_then(|t| t.get(lang).copied()) {
            return Ok(name);
        }
        let name = self.templates.resolve("letter", lang).map_err(|e| {
            Diagnostic::error(
                &campaign.file,
                campaign.languages_pos,
                "languages",
                e.to_string(),
            )
            .hint("add the template to templates/ or --templates DIR, or drop the language")
        })?;
        if let Ok(mut t) = self.template.lock() {
            t.insert(lang.clone(), name);
        }
        Ok(name)
    }

    /// The campaign's part of the context of letters in `lang` with dates as written in
    /// `region`, built by the first of them.
    fn shared(
        &self,
        campaign: &Campaign,
        lang: &Lang,
        region: Option<Country>,
    ) -> Result<Arc<Shared>, tera::Error> {
        let key = (
            campaign.fingerprint,
            crate::model::lang::date_locale(lang, region),
            self.date,
        );
        let find = |kept: &SharedKept| {
            let langs = kept.get(&key)?;
            langs
                .iter()
                .find(|(l, _)| l == lang)
                .map(|(_, s)| Arc::clone(s))
        };
        if let Some(done) = self.shared.lock().ok().and_then(|kept| find(&kept)) {
            return Ok(done);
        }
        let shared = Arc::new(self.build_shared(campaign, lang, region)?);
        if let Ok(mut kept) = self.shared.lock() {
            let langs = kept.entry(key).or_default();
            if langs.len() < SHARED_KEPT {
                langs.push((lang.clone(), Arc::clone(&shared)));
            }
        }
        Ok(shared)
    }

    fn build_shared(
        &self,
        campaign: &Campaign,
        lang: &Lang,
        region: Option<Country>,
    ) -> Result<Shared, tera::Error> {
        use tera::Value;
        let text = |t: &crate::model::text::Localized| t.get(lang).map(Value::from);
        let wordings = |main, variants: &[_]| {
            std::iter::once(main)
                .chain(variants)
                .map(text)
                .collect::<Vec<_>>()
        };
        let persons: Vec<PersonView> = campaign
            .persons
            .iter()
            .map(|p| PersonView {
                name: p.name.get(lang).unwrap_or_default(),
                gender: p.gender.code(),
            })
            .collect();
        let title = campaign.title.get(lang);
        let subject = match &campaign.subject {
            Some(s) => s.get(lang),
            None => Some(""),
        };
        let named = !persons.iter().any(|p| p.name.is_empty());
        let mut context = tera::Context::new();
        if let (true, Some(title), Some(subject), Some(person)) =
            (named, title, subject, persons.first())
        {
            let deadline = self.dates.long(lang, region, campaign.deadline);
            let view = CampaignView {
                id: &campaign.id,
                title,
                subject,
                reference: campaign.reference(),
                deadline,
            };
            context.insert_value("lang", Value::from(lang.as_str()));
            context.insert_value(
                "date",
                Value::from(self.dates.long(lang, region, self.date)),
            );
            context.insert_value("campaign", Value::try_from_serializable(&view)?);
            context.insert_value("person", Value::try_from_serializable(person)?);
            context.insert_value("form", Value::from(campaign.form.code()));
            let names = join_names(lang, persons.iter().map(|p| p.name));
            context.insert_value("names", Value::from(names));
            context.insert_value("persons", Value::try_from_serializable(&persons)?);
        }
        Ok(Shared {
            context,
            named,
            title: title.map(str::to_string),
            subject: subject.is_some(),
            letter: wordings(&campaign.letter, &campaign.letter_variants),
            asks: campaign
                .asks
                .iter()
                .map(|a| wordings(&a.letter, &a.letter_variants))
                .collect(),
        })
    }

    /// What the template sees: the campaign's texts in `lang` (each paragraph in its wording for
    /// this supporter), the recipient, the targets a copy quotes, the supporter. A text missing
    /// in `lang` is reported in the order the template's view was always checked in: persons,
    /// asks, title, subject, letter, recipient, targets.
    fn context<'a>(
        &self,
        campaign: &'a Campaign,
        planned: &Planned<'a>,
        targets: &[&'a Recipient],
        lang: &Lang,
        signer: Option<&Signer>,
        tera_error: &dyn Fn(&tera::Error) -> Error,
    ) -> Result<View<'a>, Error> {
        use tera::Value;
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
        if campaign.persons.is_empty() {
            return Err(missing_campaign("persons").into());
        }
        // Dates as written where the supporter lives (or where blank letters are posted).
        let region = signer.map_or(self.blank_posted_in, |s| s.supporter.country);
        let shared = self
            .shared(campaign, lang, region)
            .map_err(|e| tera_error(&e))?;
        if !shared.named {
            // At the first name the language has no spelling for.
            let (i, person) = campaign
                .persons
                .iter()
                .enumerate()
                .find(|(_, p)| p.name.get(lang).is_none_or(str::is_empty))
                .unwrap_or((0, &campaign.persons[0]));
            let mut missing = missing_campaign(&format!("persons[{i}].name"));
            missing.pos = person.name_pos;
            return Err(missing.into());
        }
        let pick = self.wording_picker(signer);
        let asks = shared
            .asks
            .iter()
            .enumerate()
            .map(|(i, wordings)| {
                pick_wording(wordings, pick(i as u64 + 1))
                    .ok_or_else(|| missing_campaign(&format!("asks[{i}].letter")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if shared.title.is_none() {
            return Err(missing_campaign("title").into());
        }
        if !shared.subject {
            return Err(missing_campaign("subject").into());
        }
        let letter =
            pick_wording(&shared.letter, pick(0)).ok_or_else(|| missing_campaign("letter"))?;
        // Posted from the supporter's country: no country line within it.
        let recipient = recipient_view(r, lang, region, &letters_to)?;
        let targets = target_views(targets, lang, &letters_to)?;
        let posted = match signer {
            Some(s) => Some(s.posted(r.postal_country).map_err(|e| tera_error(&e))?),
            None => None,
        };
        let mut context = shared.context.clone();
        context.insert_value("letter", letter);
        context.insert_value("asks", Value::from(asks));
        context.insert_value(
            "recipient",
            Value::try_from_serializable(&recipient).map_err(|e| tera_error(&e))?,
        );
        context.insert_value("copy", Value::from(planned.copy));
        context.insert_value(
            "targets",
            Value::try_from_serializable(&targets).map_err(|e| tera_error(&e))?,
        );
        let supporter = match &posted {
            Some(p) => p.view.clone(),
            None => {
                Value::try_from_serializable(&SupporterView::BLANK).map_err(|e| tera_error(&e))?
            }
        };
        context.insert_value("supporter", supporter);
        Ok(View {
            context,
            shared,
            recipient,
            targets,
            posted,
        })
    }

    /// Which wording each paragraph gets (0 the letter, `n` the ask `n - 1`): chosen from the
    /// supporter (so the same person always gets the same letter), the main one for blank
    /// letters, or the one `check` asks for.
    fn wording_picker(&self, signer: Option<&Signer>) -> impl Fn(u64) -> usize {
        let seed = signer.map_or(0, Signer::seed);
        let (wording, signed) = (self.wording, signer.is_some());
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

    /// Eva Muster of Hauptstraße 1, 10115 Berlin, with what `more` adds.
    fn eva_in_berlin(
        more: crate::model::supporter::SupporterInput,
    ) -> crate::model::supporter::Supporter {
        crate::model::supporter::SupporterInput {
            name: "Eva Muster".into(),
            address: vec!["Hauptstraße 1".into()],
            postcode: "10115".into(),
            city: "Berlin".into(),
            country: "DE".into(),
            ..more
        }
        .check_complete()
        .unwrap()
    }

    #[test]
    fn a_signed_letter_carries_a_short_return_address_for_the_window() {
        let (templates, directory, campaign, _) = juraev();
        let eva = eva_in_berlin(crate::model::supporter::SupporterInput {
            email: "eva@example.org".into(),
            ..Default::default()
        });
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
    fn with_initials_her_full_name_is_nowhere_in_a_letter_or_its_parts() {
        let (templates, directory, campaign, _) = juraev();
        let eva = eva_in_berlin(crate::model::supporter::SupporterInput {
            initials: true,
            ..Default::default()
        });
        let (planned, _) = plan(&campaign, &directory, eva.country);
        let renderer = Renderer::new(&templates, chrono::NaiveDate::MIN).with_parts();
        let signer = Signer::new(&eva);
        for lang in ["de", "ru"] {
            let lang = Lang::parse(lang).unwrap();
            for p in &planned {
                let letter = renderer
                    .render_signed(&campaign, p, &[], &lang, Some(&signer))
                    .unwrap();
                let parts = letter.parts.unwrap();
                let return_line = parts.return_address.unwrap();
                assert!(
                    return_line.starts_with("E. M. · Hauptstraße 1"),
                    "{return_line}"
                );
                assert_eq!(letter.signature, "E. M.");
                assert_eq!(parts.sender[0], "E. M.", "{lang}");
                assert!(!letter.text.contains("Muster"), "{lang}: {}", letter.text);
            }
        }
    }

    #[test]
    fn tidies_template_output() {
        assert_eq!(
            tidy("\n\nDear X, \n\n\n\n\n\nText\n\n"),
            "Dear X,\n\n\n\nText\n"
        );
    }
}
