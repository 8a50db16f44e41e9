//! The supporter's form: what she typed, held to limits, then checked into a `Supporter` by the
//! same rules as a supporters file (`SupporterInput::check_complete`). What she must correct is
//! said in the page's language: `Why` names the reason and its figures, `strings.yaml` has its
//! words (`appeal letters` keeps the model's English messages).

use crate::model::campaign::Campaign;
use crate::model::country::Country;
use crate::model::lang::Lang;
use crate::model::supporter::{Reason, Supporter, SupporterInput};

use super::ui::Ui;

/// The largest request body the server reads, in bytes: the form at its limits is far smaller.
pub const BODY_LIMIT: usize = 16 * 1024;

/// The longest each field may be, in characters.
const LIMITS: &[(&str, usize)] = &[
    ("name", 120),
    ("address", 400),
    ("postcode", 20),
    ("city", 100),
    ("region", 100),
    ("country", 2),
    ("email", 254),
    ("lang", 35),
    ("note", 1000),
];

/// The most lines an address may have (street, building, care of ...).
const ADDRESS_LINES: usize = 5;

/// The form as posted. Every field is optional in the request; `check` says what is missing.
#[derive(Clone, Debug, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct LetterForm {
    pub csrf: String,
    pub name: String,
    pub address: String,
    pub postcode: String,
    pub city: String,
    pub region: String,
    pub country: String,
    pub email: String,
    pub lang: String,
    /// A checkbox: present ("on") when ticked.
    pub initials: Option<String>,
    pub note: String,
    /// What a download is: `pdf` or `txt`.
    pub format: String,
}

/// A field she must correct, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub why: Why,
}

/// Why a field must be corrected. Each reason has its words in `strings.yaml` under its `key`,
/// in every language of the pages, with `{name}`s for its figures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Why {
    /// Longer than the field's limit, in characters.
    TooLong {
        length: usize,
        limit: usize,
    },
    /// More address lines than an envelope's window holds.
    TooManyLines {
        lines: usize,
        limit: usize,
    },
    /// Not one of the action's languages (these).
    Lang(Vec<Lang>),
    /// No country chosen.
    NoCountry,
    /// Not an ISO 3166-1 code (the select sends only good ones: a hand-made request).
    UnknownCountry,
    NoName,
    /// A line break in a one-line field, a tab or another control character.
    Forbidden,
    /// Not an email address.
    Email,
    /// "Send them by email for me" without an email address.
    EmailNeeded,
    /// Not one of the country's regions; the nearest, as they may be written.
    Region {
        country: Country,
        nearest: Vec<String>,
    },
    /// Empty, but the country's post requires it; an example where the post's data has one.
    Required {
        country: Country,
        example: Option<String>,
    },
    /// Refused for a reason the form itself cannot give (a language tag, a file's row): a
    /// hand-made request.
    Invalid,
}

impl Why {
    /// Its words' key in `strings.yaml`.
    pub fn key(&self) -> &'static str {
        match self {
            Why::TooLong { .. } => "error_too_long",
            Why::TooManyLines { .. } => "error_address_lines",
            Why::Lang(_) => "error_lang",
            Why::NoCountry => "error_no_country",
            Why::UnknownCountry => "error_unknown_country",
            Why::NoName => "error_no_name",
            Why::Forbidden => "error_forbidden",
            Why::Email => "error_email",
            Why::EmailNeeded => "email_needed",
            Why::Region { .. } => "error_region",
            Why::Required { example: None, .. } => "error_required",
            Why::Required {
                example: Some(_), ..
            } => "error_required_example",
            Why::Invalid => "error_invalid",
        }
    }

    /// What to correct, in `page` (a language of the pages): figures in its digits, country and
    /// language names in it, lists joined as it joins them.
    pub fn say(&self, ui: &Ui, page: &str) -> String {
        let figure = |n: usize| ui.figure(page, n);
        let values: Vec<(&str, String)> = match self {
            Why::TooLong { length, limit } => {
                vec![("length", figure(*length)), ("limit", figure(*limit))]
            }
            Why::TooManyLines { lines, limit } => {
                vec![("lines", figure(*lines)), ("limit", figure(*limit))]
            }
            Why::Lang(langs) => {
                let words = ui.words(page);
                let names = langs.iter().map(|l| {
                    words
                        .get(&format!("lang_{}", l.as_str()))
                        .map_or(l.as_str(), String::as_str)
                });
                vec![("languages", one_of(page, names))]
            }
            Why::Region { country, nearest } => vec![
                ("country", ui.country_name(page, *country).to_string()),
                ("nearest", one_of(page, nearest.iter().map(String::as_str))),
            ],
            Why::Required { country, example } => vec![
                ("country", ui.country_name(page, *country).to_string()),
                ("example", example.clone().unwrap_or_default()),
            ],
            _ => Vec::new(),
        };
        let values: Vec<(&str, &str)> = values.iter().map(|(n, v)| (*n, v.as_str())).collect();
        ui.say(page, self.key(), &values)
    }
}

/// Choices joined as `page` (a language of the pages) offers one of them ("English, French or
/// Russian", "英语、法语或俄语").
fn one_of<'a>(page: &str, choices: impl Iterator<Item = &'a str> + Clone) -> String {
    use crate::render::letter::{Conjunction, join_list};
    match Lang::parse(page) {
        Some(lang) => join_list(&lang, Conjunction::Or, choices),
        None => choices.collect::<Vec<_>>().join(", "),
    }
}

impl LetterForm {
    fn field(&self, name: &str) -> &str {
        match name {
            "name" => &self.name,
            "address" => &self.address,
            "postcode" => &self.postcode,
            "city" => &self.city,
            "region" => &self.region,
            "country" => &self.country,
            "email" => &self.email,
            "lang" => &self.lang,
            "note" => &self.note,
            _ => "",
        }
    }

    /// The supporter and the letters' language, or the first field to correct.
    pub fn check(&self, campaign: &Campaign) -> Result<(Supporter, Lang), FieldError> {
        let error = |field: &str, why: Why| FieldError {
            field: field.to_string(),
            why,
        };
        for (name, limit) in LIMITS {
            let length = self.field(name).chars().count();
            if length > *limit {
                let limit = *limit;
                return Err(error(name, Why::TooLong { length, limit }));
            }
        }
        let address: Vec<String> = self
            .address
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        if address.len() > ADDRESS_LINES {
            let (lines, limit) = (address.len(), ADDRESS_LINES);
            return Err(error("address", Why::TooManyLines { lines, limit }));
        }
        let lang = Lang::parse(&self.lang)
            .and_then(|l| campaign.serve(&l).cloned())
            .ok_or_else(|| error("lang", Why::Lang(campaign.languages.clone())))?;
        if self.country.trim().is_empty() {
            return Err(error("country", Why::NoCountry));
        }
        let supporter = self
            .input(address, &lang)
            .check_complete()
            .map_err(|e| error(&e.field, why(e.reason)))?;
        Ok((supporter, lang))
    }

    /// The fields as a supporters file's row would give them.
    fn input(&self, address: Vec<String>, lang: &Lang) -> SupporterInput {
        SupporterInput {
            name: self.name.clone(),
            address,
            postcode: self.postcode.clone(),
            city: self.city.clone(),
            region: self.region.clone(),
            country: self.country.clone(),
            email: self.email.clone(),
            lang: lang.to_string(),
            note: self.note.clone(),
            initials: self.initials.is_some(),
            extra: Default::default(),
        }
    }
}

/// What the page says for a reason the model refused her: the model's English `message` is the
/// one `appeal letters` prints, the page says it in her language.
fn why(refused: Reason) -> Why {
    match refused {
        Reason::Forbidden => Why::Forbidden,
        Reason::NoName => Why::NoName,
        Reason::UnknownCountry => Why::UnknownCountry,
        Reason::Email => Why::Email,
        Reason::UnknownRegion { country, nearest } => Why::Region { country, nearest },
        Reason::Required { country, example } => Why::Required { country, example },
        // The form sends a language of the action's (checked before) and is no file's row.
        Reason::UnknownLang | Reason::Unreadable => Why::Invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::address;

    fn eva() -> LetterForm {
        LetterForm {
            name: "Eva Muster".into(),
            address: "Hauptstraße 1".into(),
            postcode: "10115".into(),
            city: "Berlin".into(),
            country: "DE".into(),
            lang: "de".into(),
            ..LetterForm::default()
        }
    }

    /// Why the model refuses Eva's form changed by `change`.
    fn refused(change: impl Fn(&mut LetterForm)) -> Why {
        let mut form = eva();
        change(&mut form);
        let address = form.address.lines().map(str::to_string).collect();
        let refused = form
            .input(address, &Lang::parse("de").unwrap())
            .check_complete()
            .expect_err("the model refuses it");
        why(refused.reason)
    }

    #[test]
    fn each_refusal_of_the_model_is_named_for_the_page() {
        let de = Country::parse("DE").unwrap();
        let us = Country::parse("US").unwrap();
        assert_eq!(refused(|f| f.name = " ".into()), Why::NoName);
        assert_eq!(refused(|f| f.country = "XX".into()), Why::UnknownCountry);
        assert_eq!(refused(|f| f.email = "eva at example".into()), Why::Email);
        assert_eq!(refused(|f| f.city = "Ber\tlin".into()), Why::Forbidden);
        assert_eq!(refused(|f| f.note = "Bitte\u{7}".into()), Why::Forbidden);
        let example = address::rules(de).postcode_example().map(str::to_string);
        assert!(example.is_some());
        assert_eq!(
            refused(|f| f.postcode.clear()),
            Why::Required {
                country: de,
                example
            }
        );
        let in_cupertino = |f: &mut LetterForm| {
            f.country = "US".into();
            f.postcode = "95014".into();
            f.city = "Cupertino".into();
        };
        assert_eq!(
            refused(in_cupertino),
            Why::Required {
                country: us,
                example: address::rules(us).region_example()
            }
        );
        match refused(|f| {
            in_cupertino(f);
            f.region = "Kalifornia".into();
        }) {
            Why::Region { country, nearest } => {
                assert_eq!(country, us);
                assert!(
                    nearest.iter().any(|n| n.contains("California")),
                    "{nearest:?}"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_reason_is_said_in_every_language_with_its_figures() {
        let ui = Ui::load(None).unwrap();
        let us = Country::parse("US").unwrap();
        let langs = |tags: &[&str]| tags.iter().map(|t| Lang::parse(t).unwrap()).collect();
        let reasons = [
            Why::TooLong {
                length: 1001,
                limit: 1000,
            },
            Why::TooManyLines { lines: 6, limit: 5 },
            Why::Lang(langs(&["en", "fr", "ru"])),
            Why::NoCountry,
            Why::UnknownCountry,
            Why::NoName,
            Why::Forbidden,
            Why::Email,
            Why::EmailNeeded,
            Why::Region {
                country: us,
                nearest: vec!["CA (California)".into(), "CO (Colorado)".into()],
            },
            Why::Required {
                country: us,
                example: None,
            },
            Why::Required {
                country: us,
                example: Some("AL (Alabama)".into()),
            },
            Why::Invalid,
        ];
        for (lang, _) in ui.languages() {
            for why in &reasons {
                let said = why.say(&ui, &lang);
                assert!(
                    ui.words("en").contains_key(why.key()) && !said.contains(why.key()),
                    "{lang}: {why:?} has no words"
                );
                assert!(!said.contains('{'), "{lang}: {said}");
                if let Why::Required {
                    example: Some(e), ..
                } = why
                {
                    assert!(said.contains(e), "{lang}: {said}");
                }
            }
        }
        let say = |why: &Why, lang: &str| why.say(&ui, lang);
        assert!(say(&reasons[0], "de").contains("1.001 Zeichen"));
        assert!(say(&reasons[0], "fa").contains("۱٬۰۰۱"), "Persian digits");
        assert!(say(&reasons[2], "de").contains("Englisch, Französisch oder Russisch"));
        assert!(say(&reasons[2], "zh").contains("英语、法语或俄语"));
        assert!(say(&reasons[9], "ar").contains("الولايات المتحدة"));
        assert!(say(&reasons[9], "ru").contains("CA (California) или CO (Colorado)"));
    }
}
