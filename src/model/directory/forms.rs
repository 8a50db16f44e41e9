//! How a letter names an addressee in each language, as data (`data/addressees.yaml`, or a
//! directory file's `forms:`): the block above the address, the salutation and the phrase a copy
//! letter names a target with, made from the entry's kind, gender, name and title where the entry
//! gives none of its own.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Deserialize;

use super::{Gender, Kind, Recipient};
use crate::model::lang::Lang;

/// The built-in forms, which a directory file's `forms:` extends or replaces per language.
const BUILT_IN: &str = include_str!("../../../data/addressees.yaml");

/// The placeholders a form may use.
pub const PLACEHOLDERS: [&str; 5] = ["name", "title", "title_lc", "office", "addressee"];

/// One language's forms, by class of addressee.
#[derive(Deserialize, Clone, Debug, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "LanguageForms")]
pub struct LangForms {
    /// An office holder with a `gender`: a minister, a prosecutor, a president.
    #[serde(default)]
    official: ByGender,
    /// `kind: embassy`: its ambassador.
    #[serde(default)]
    ambassador: ByGender,
    /// An entry without `gender`: a court, an office (`none`).
    #[serde(default)]
    institution: ByGender,
}

#[derive(Deserialize, Clone, Debug, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct ByGender {
    m: Option<Form>,
    f: Option<Form>,
    none: Option<Form>,
}

/// Alternatives, best first: the first whose placeholders all have a value is used.
#[derive(Deserialize, Clone, Debug, Default, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "AddresseeForm")]
struct Form {
    /// The lines above the postal address; each alternative a list of lines.
    #[serde(default)]
    block: Vec<Vec<String>>,
    #[serde(default)]
    salutation: Vec<String>,
    /// The target as a copy letter names it: "a copy of my letter <to>".
    #[serde(default)]
    to: Vec<String>,
}

impl LangForms {
    /// Every text of the forms, for checking their placeholders.
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        [&self.official, &self.ambassador, &self.institution]
            .into_iter()
            .flat_map(|g| [&g.m, &g.f, &g.none])
            .flatten()
            .flat_map(|f| {
                f.block
                    .iter()
                    .flatten()
                    .chain(&f.salutation)
                    .chain(&f.to)
                    .map(String::as_str)
            })
    }

    /// The form for `r`: by its kind (an embassy is written to its ambassador) and gender (an
    /// entry without one is an institution; an ambassador without one gets `none`, if any).
    fn for_recipient(&self, r: &Recipient) -> Option<&Form> {
        let class = match (r.kind, r.gender) {
            (Kind::Embassy, _) => &self.ambassador,
            (_, Some(Gender::Male | Gender::Female)) => &self.official,
            _ => &self.institution,
        };
        match r.gender {
            Some(Gender::Male) => class.m.as_ref(),
            Some(Gender::Female) => class.f.as_ref(),
            _ => class.none.as_ref(),
        }
    }
}

/// The placeholders of `text` that are not known, for the loader's error.
pub fn unknown_placeholders(text: &str) -> Vec<String> {
    placeholders(text)
        .filter(|p| !PLACEHOLDERS.contains(p))
        .map(str::to_string)
        .collect()
}

fn placeholders(text: &str) -> impl Iterator<Item = &str> {
    text.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(key, _)| key))
}

/// The built-in forms by language. Parsed once; the file is part of the program, so a failure
/// is a bug that the tests catch, and leaves no forms rather than stopping a run.
pub fn built_in() -> &'static BTreeMap<Lang, LangForms> {
    static FORMS: LazyLock<BTreeMap<Lang, LangForms>> = LazyLock::new(|| {
        crate::model::yaml::parse::<BTreeMap<String, LangForms>>(
            std::path::Path::new("data/addressees.yaml"),
            BUILT_IN,
        )
        .map(|m| {
            m.into_iter()
                .filter_map(|(k, v)| Some((Lang::parse(&k)?, v)))
                .collect()
        })
        .unwrap_or_default()
    });
    &FORMS
}

/// What the forms make for one entry in one language.
#[derive(Clone, Debug, Default)]
pub struct Made {
    pub block: Option<Vec<String>>,
    pub salutation: Option<String>,
    pub to: Option<String>,
}

/// What `forms` make for `r` in `lang`, from its name, title, office and own addressee block.
pub fn make(r: &Recipient, lang: &Lang, forms: &LangForms) -> Made {
    let Some(form) = forms.for_recipient(r) else {
        return Made::default();
    };
    let title = r.title.get(lang).map(str::to_string);
    let values = Values {
        name: r.name.get(lang).map(str::to_string),
        title_lc: title.as_deref().map(lowercase_first),
        title,
        office: r.office.get(lang).map(str::to_string),
        addressee: r
            .addressee
            .get(lang)
            .map(|a| a.split_whitespace().collect::<Vec<_>>().join(" ")),
    };
    Made {
        block: form.block.iter().find_map(|lines| {
            lines
                .iter()
                .map(|l| values.fill(l))
                .collect::<Option<Vec<_>>>()
        }),
        salutation: form.salutation.iter().find_map(|s| values.fill(s)),
        to: form.to.iter().find_map(|s| values.fill(s)),
    }
}

struct Values {
    name: Option<String>,
    title: Option<String>,
    title_lc: Option<String>,
    office: Option<String>,
    addressee: Option<String>,
}

impl Values {
    /// `text` with its placeholders filled, or `None` when one has no value.
    fn fill(&self, text: &str) -> Option<String> {
        let mut out = String::with_capacity(text.len() + 32);
        let mut rest = text;
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let (key, after) = rest[start + 1..].split_once('}')?;
            let value = match key {
                "name" => &self.name,
                "title" => &self.title,
                "title_lc" => &self.title_lc,
                "office" => &self.office,
                "addressee" => &self.addressee,
                _ => &None,
            };
            out.push_str(value.as_deref()?);
            rest = after;
        }
        out.push_str(rest);
        Some(out)
    }
}

/// "Генеральный прокурор" -> "генеральный прокурор", for a Russian salutation's title.
fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_forms_parse_and_use_known_placeholders_only() {
        let raw: BTreeMap<String, LangForms> =
            crate::model::yaml::parse(std::path::Path::new("data/addressees.yaml"), BUILT_IN)
                .unwrap();
        assert_eq!(raw.len(), 8, "ru, en, fr, de, es, ar, fa, zh");
        assert_eq!(built_in().len(), 8);
        for (lang, forms) in &raw {
            for text in forms.texts() {
                assert!(unknown_placeholders(text).is_empty(), "{lang}: {text}");
            }
        }
    }

    #[test]
    fn a_form_with_a_placeholder_lacking_a_value_gives_way_to_the_next() {
        let v = Values {
            name: None,
            title: Some("Ministra de Justicia".into()),
            title_lc: None,
            office: None,
            addressee: None,
        };
        assert_eq!(v.fill("Excma. Sra. {name}"), None);
        assert_eq!(
            v.fill("Excma. Sra. {title}").as_deref(),
            Some("Excma. Sra. Ministra de Justicia")
        );
        assert_eq!(
            lowercase_first("Федеральный министр"),
            "федеральный министр"
        );
    }
}
