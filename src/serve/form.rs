//! The supporter's form: what she typed, held to limits, then checked into a `Supporter` by the
//! same rules as a supporters file (`SupporterInput::check_complete`).

use crate::model::campaign::Campaign;
use crate::model::lang::Lang;
use crate::model::supporter::{Supporter, SupporterInput};

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
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
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
        let error = |field: &str, message: String| FieldError {
            field: field.to_string(),
            message,
        };
        for (name, limit) in LIMITS {
            let length = self.field(name).chars().count();
            if length > *limit {
                return Err(error(
                    name,
                    format!("is {length} characters long; at most {limit} fit"),
                ));
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
            return Err(error(
                "address",
                format!(
                    "has {} lines; at most {ADDRESS_LINES} fit in an envelope's window",
                    address.len()
                ),
            ));
        }
        let lang = Lang::parse(&self.lang)
            .and_then(|l| campaign.serve(&l).cloned())
            .ok_or_else(|| {
                error(
                    "lang",
                    format!(
                        "choose one of the languages of this action: {}",
                        campaign.languages_list()
                    ),
                )
            })?;
        if self.country.trim().is_empty() {
            return Err(error(
                "country",
                "choose your country: it decides which embassy and government your letters \
                 go to, and how your address is written"
                    .to_string(),
            ));
        }
        let input = SupporterInput {
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
        };
        let supporter = input
            .check_complete()
            .map_err(|e| error(&e.field, e.message))?;
        Ok((supporter, lang))
    }
}
