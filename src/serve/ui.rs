//! The pages' templates and words: built into the binary (`templates/web/`), each file
//! replaceable from a folder (`--web DIR`), HTML autoescaped by Tera. The words of the pages are
//! in `strings.yaml`, one map per language; the visitor's language is the one she chose
//! (`?lang=`), else the best of her browser's `Accept-Language`, else English.

use std::collections::BTreeMap;
use std::path::Path;

use crate::model::lang::Lang;

use super::Error;

/// The built-in files, by name.
const BUILT_IN: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/web/base.html")),
    ("index.html", include_str!("../../templates/web/index.html")),
    (
        "action.html",
        include_str!("../../templates/web/action.html"),
    ),
    (
        "preview.html",
        include_str!("../../templates/web/preview.html"),
    ),
    (
        "message.html",
        include_str!("../../templates/web/message.html"),
    ),
    (
        "confirm.html",
        include_str!("../../templates/web/confirm.html"),
    ),
    ("style.css", include_str!("../../templates/web/style.css")),
    (
        "strings.yaml",
        include_str!("../../templates/web/strings.yaml"),
    ),
];

/// The pages' templates and words.
pub struct Ui {
    tera: tera::Tera,
    pub css: String,
    /// Language tag -> key -> text; every language has every key of English.
    strings: BTreeMap<String, BTreeMap<String, String>>,
}

impl Ui {
    /// The built-in files, each replaced by a file of the same name in `folder` when there is one.
    pub fn load(folder: Option<&Path>) -> Result<Ui, Error> {
        let mut files = Vec::new();
        for (name, text) in BUILT_IN {
            let (path, text) = match folder.map(|f| f.join(name)).filter(|p| p.is_file()) {
                Some(path) => {
                    let text = std::fs::read_to_string(&path).map_err(|e| Error::Web {
                        path: path.clone(),
                        message: format!("cannot read it: {e}"),
                    })?;
                    (path, text)
                }
                None => (Path::new("templates/web").join(name), (*text).to_string()),
            };
            files.push((*name, path, text));
        }
        let mut tera = tera::Tera::new();
        let mut css = String::new();
        let mut strings = BTreeMap::new();
        for (name, path, text) in files {
            match name {
                "style.css" => css = text,
                "strings.yaml" => strings = parse_strings(&path, &text)?,
                _ => tera.add_raw_template(name, &text).map_err(|e| Error::Web {
                    path,
                    message: format!("{e}"),
                })?,
            }
        }
        Ok(Ui { tera, css, strings })
    }

    /// The languages the pages are written in, each with its own name for itself.
    pub fn languages(&self) -> Vec<(String, String)> {
        self.strings
            .iter()
            .map(|(tag, words)| (tag.clone(), words["language_name"].clone()))
            .collect()
    }

    /// The words of the pages in `lang`.
    pub fn words(&self, lang: &str) -> &BTreeMap<String, String> {
        self.strings.get(lang).unwrap_or(&self.strings["en"])
    }

    /// The visitor's language: `chosen` (`?lang=`) when the pages have it, else the first of
    /// `accept` (an `Accept-Language` header, by weight) that they have, else English.
    pub fn negotiate(&self, chosen: Option<&str>, accept: Option<&str>) -> String {
        let has = |tag: &str| -> Option<String> {
            Lang::parse(tag)?
                .chain()
                .into_iter()
                .map(|l| l.as_str().to_string())
                .find(|l| self.strings.contains_key(l))
        };
        if let Some(lang) = chosen.and_then(has) {
            return lang;
        }
        let mut offers: Vec<(f32, &str)> = accept
            .unwrap_or_default()
            .split(',')
            .filter_map(|part| {
                let mut bits = part.split(';');
                let tag = bits.next()?.trim();
                let q = bits
                    .find_map(|b| b.trim().strip_prefix("q="))
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .unwrap_or(1.0);
                (q > 0.0).then_some((q, tag))
            })
            .collect();
        // Stable: equal weights keep the browser's order.
        offers.sort_by(|a, b| b.0.total_cmp(&a.0));
        offers
            .into_iter()
            .find_map(|(_, tag)| has(tag))
            .unwrap_or_else(|| "en".to_string())
    }

    /// Renders page `name` with `context`.
    pub fn render(&self, name: &str, context: &tera::Context) -> Result<String, tera::Error> {
        self.tera.render(name, context)
    }
}

/// `strings.yaml`: every language must have every key English has, so no page shows a blank.
fn parse_strings(
    path: &Path,
    text: &str,
) -> Result<BTreeMap<String, BTreeMap<String, String>>, Error> {
    let strings: BTreeMap<String, BTreeMap<String, String>> = serde_saphyr::from_str(text)
        .map_err(|e| Error::Web {
            path: path.to_path_buf(),
            message: format!("{e} (hint: a map of language -> key -> text)"),
        })?;
    let Some(english) = strings.get("en") else {
        return Err(Error::Web {
            path: path.to_path_buf(),
            message: "has no `en` words: English is the pages' fallback".to_string(),
        });
    };
    for (lang, words) in &strings {
        let missing: Vec<&str> = english
            .keys()
            .filter(|k| !words.contains_key(*k))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            return Err(Error::Web {
                path: path.to_path_buf(),
                message: format!(
                    "`{lang}` lacks {} (hint: every language needs every key of `en`)",
                    missing.join(", ")
                ),
            });
        }
    }
    if !english.contains_key("language_name") {
        return Err(Error::Web {
            path: path.to_path_buf(),
            message: "`en` lacks language_name".to_string(),
        });
    }
    Ok(strings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_pages_load_and_every_language_has_every_word() {
        let ui = Ui::load(None).unwrap();
        // Every page in the folder is built in.
        for entry in std::fs::read_dir("templates/web").unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            assert!(
                BUILT_IN.iter().any(|(n, _)| *n == name),
                "{name} is built in"
            );
        }
        let langs: Vec<String> = ui.languages().into_iter().map(|(t, _)| t).collect();
        for lang in ["ar", "de", "en", "es", "fa", "fr", "ru", "zh"] {
            assert!(langs.contains(&lang.to_string()), "{lang}: {langs:?}");
        }
    }

    #[test]
    fn negotiates_the_visitors_language() {
        let ui = Ui::load(None).unwrap();
        assert_eq!(ui.negotiate(Some("ar"), Some("de")), "ar");
        assert_eq!(ui.negotiate(Some("xx"), Some("de-AT,de;q=0.9")), "de");
        assert_eq!(ui.negotiate(None, Some("pt;q=1, fa;q=0.8, ru;q=0.9")), "ru");
        assert_eq!(ui.negotiate(None, Some("zh-CN,zh;q=0.9")), "zh");
        assert_eq!(ui.negotiate(None, Some("ru;q=0")), "en");
        assert_eq!(ui.negotiate(None, None), "en");
    }
}
