//! The pages' templates and words: built into the binary (`templates/web/`), each file
//! replaceable from a folder (`--web DIR`), HTML autoescaped by Tera. The words of the pages are
//! in `strings.yaml`, one map per language; the visitor's language is the one she chose
//! (`?lang=`), else the best of her browser's `Accept-Language`, else English. Country names
//! are CLDR's, in each language of the pages, never a table kept here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::model::country::Country;
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
    /// Language tag -> every country with its name in that language, in that language's order.
    countries: BTreeMap<String, Vec<(Country, String)>>,
    /// Language tag -> the country select's options (code, words): made once, not per page.
    options: BTreeMap<String, Vec<(String, String)>>,
    /// Language tag -> how it writes numbers: made once, not per figure.
    numbers: BTreeMap<String, icu_decimal::DecimalFormatter>,
}

impl Ui {
    /// The built-in files, each replaced by a file of the same name in `folder` when there is one.
    pub fn load(folder: Option<&Path>) -> Result<Ui, Error> {
        // A folder that is not one would replace nothing, silently.
        if let Some(folder) = folder.filter(|f| !f.is_dir()) {
            return Err(Error::Web {
                path: folder.to_path_buf(),
                message: if folder.exists() {
                    "is not a folder (hint: --web names a folder of web templates, style.css and strings.yaml; see docs/serve.md)".to_string()
                } else {
                    "no such folder (hint: --web names a folder of web templates, style.css and strings.yaml; see docs/serve.md)".to_string()
                },
            });
        }
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
        let countries: BTreeMap<String, Vec<(Country, String)>> = strings
            .keys()
            .map(|lang| (lang.clone(), countries_in(lang)))
            .collect();
        let numbers = strings
            .keys()
            .filter_map(|lang| {
                let formatter = crate::model::lang::number_formatter(&Lang::parse(lang)?)?;
                Some((lang.clone(), formatter))
            })
            .collect();
        let mut ui = Ui {
            tera,
            css,
            strings,
            countries,
            options: BTreeMap::new(),
            numbers,
        };
        ui.options = ui
            .countries
            .iter()
            .map(|(lang, countries)| (lang.clone(), ui.options_in(lang, countries)))
            .collect();
        Ok(ui)
    }

    /// The country select's options in `lang`: "Deutschland (DE)", "德国（DE）".
    fn options_in(&self, lang: &str, countries: &[(Country, String)]) -> Vec<(String, String)> {
        countries
            .iter()
            .map(|(c, name)| {
                let values = [("name", name.as_str()), ("code", c.code())];
                (
                    c.code().to_string(),
                    self.say(lang, "country_option", &values),
                )
            })
            .collect()
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

    /// Every country, named and ordered as `lang` names and sorts them (English for a language
    /// the pages are not written in).
    pub fn countries(&self, lang: &str) -> &[(Country, String)] {
        self.countries.get(lang).unwrap_or(&self.countries["en"])
    }

    /// The options of the country select in `lang` (English for a language the pages are not
    /// written in): each country's code and words, in `countries`' order.
    pub fn country_options(&self, lang: &str) -> &[(String, String)] {
        self.options.get(lang).unwrap_or(&self.options["en"])
    }

    /// `country`'s name in `lang`: CLDR's, or its English name where CLDR has none.
    pub fn country_name(&self, lang: &str, country: Country) -> &str {
        self.countries(lang)
            .iter()
            .find(|(c, _)| *c == country)
            .map_or(country.english_name(), |(_, name)| name.as_str())
    }

    /// The words of `key` in `lang`, each `{name}` in them replaced by its value in `values`.
    pub fn say(&self, lang: &str, key: &str, values: &[(&str, &str)]) -> String {
        let words = self.words(lang);
        fill(words.get(key).map_or(key, String::as_str), values)
    }

    /// How the pages name a government role (`government_role: interior-minister` in a
    /// campaign) in `lang`: its `role_<id>` string. The shipped strings name the roles of the
    /// shipped directory; for another, the role as the campaign spells it, in words
    /// ("interior minister"). Campaigns are read while the server runs (a coordinator adds one
    /// to the folder), so there is no start to refuse a missing string at, and a page that
    /// says "the interior minister of your country" is right, if not translated; the hyphened
    /// id ("interior-minister") is not a word to show anyone.
    pub fn role(&self, lang: &str, role: &str) -> String {
        match self.words(lang).get(&format!("role_{role}")) {
            Some(words) => words.clone(),
            None => role.replace(['-', '_'], " "),
        }
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

    /// `n` in the digits of the language of the pages `lang` (Persian ۳۲), as letters date in it.
    pub fn figure(&self, lang: &str, n: usize) -> String {
        crate::model::lang::number_with(self.numbers.get(lang), n)
    }

    /// Renders page `name` with `context`.
    pub fn render(&self, name: &str, context: &tera::Context) -> Result<String, tera::Error> {
        self.tera.render(name, context)
    }
}

/// Every country named in `lang` by CLDR (the English name where CLDR has none), sorted by
/// `lang`'s collation: "Österreich" among the O's in German, Chinese names by pinyin.
fn countries_in(lang: &str) -> Vec<(Country, String)> {
    use icu_locale::Locale;
    use icu_locale::names::RegionDisplayName;
    use icu_locale::subtags::Region;
    let locale: Locale = lang.parse().unwrap_or(Locale::UNKNOWN);
    let name = |country: Country| -> String {
        Region::try_from_str(country.code())
            .ok()
            .and_then(|region| RegionDisplayName::try_new_light(locale.clone().into(), region).ok())
            .map_or_else(|| country.english_name().to_string(), |n| n.to_string())
    };
    let mut named: Vec<(Country, String)> = Country::all().map(|c| (c, name(c))).collect();
    sort_names(&locale, &mut named);
    named
}

/// Sorts `named` by name in `locale`'s order (CLDR collation), the codes breaking ties.
fn sort_names(locale: &icu_locale::Locale, named: &mut [(Country, String)]) {
    use icu_collator::Collator;
    match Collator::try_new(locale.clone().into(), Default::default()) {
        Ok(collator) => named.sort_by(|a, b| collator.compare(&a.1, &b.1).then(a.0.cmp(&b.0))),
        // Compiled data has a root collation for every locale; this only guards the call.
        Err(_) => named.sort_by(|a, b| a.1.cmp(&b.1)),
    }
}

/// `text` with each `{name}` replaced by its value in `values`, in one pass: a value that holds
/// braces (a campaign's title) is never filled in again. Unknown names stay as they are.
pub fn fill(text: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let name = &after[..close];
            let value = values.iter().find(|(n, _)| *n == name)?.1;
            Some((value, close))
        });
        match value {
            Some((value, close)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The `{name}`s in `text`.
fn placeholders(text: &str) -> BTreeSet<&str> {
    text.split('{')
        .skip(1)
        .filter_map(|part| part.split_once('}'))
        .map(|(name, _)| name)
        .filter(|name| !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .collect()
}

/// `strings.yaml`: every language must have every key English has, so no page shows a blank,
/// and each text the same `{name}`s as English, so no figure is left out or shown raw.
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
    for (lang, words) in &strings {
        for (key, text) in words {
            let (has, want) = match english.get(key) {
                Some(english) => (placeholders(text), placeholders(english)),
                None => continue,
            };
            if has != want {
                let shown = |names: BTreeSet<&str>| match names.is_empty() {
                    true => "none".to_string(),
                    false => names
                        .iter()
                        .map(|n| format!("{{{n}}}"))
                        .collect::<Vec<_>>()
                        .join(" "),
                };
                return Err(Error::Web {
                    path: path.to_path_buf(),
                    message: format!(
                        "`{lang}.{key}` has {} where `en.{key}` has {} (hint: keep every {{name}} \
                         of English: the server fills it in)",
                        shown(has),
                        shown(want)
                    ),
                });
            }
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
    fn names_a_role_without_a_string_in_words_not_by_its_id() {
        let ui = Ui::load(None).unwrap();
        assert_eq!(ui.role("ru", "justice-minister"), "Министр юстиции");
        assert_eq!(ui.role("en", "interior-minister"), "interior minister");
        assert_eq!(ui.role("ru", "foreign_minister"), "foreign minister");
        let sentence = ui.say(
            "en",
            "government_role",
            &[("role", &ui.role("en", "interior-minister"))],
        );
        assert_eq!(sentence, "The interior minister of your country");
    }

    #[test]
    fn a_web_folder_that_is_a_file_or_missing_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("web.txt");
        std::fs::write(&file, "not a folder").unwrap();
        let err = Ui::load(Some(&file)).err().unwrap().to_string();
        assert!(
            err.contains("web.txt: is not a folder (hint: --web names a folder"),
            "{err}"
        );
        let err = Ui::load(Some(&dir.path().join("nowhere")))
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("nowhere: no such folder"), "{err}");
        assert!(
            Ui::load(Some(dir.path())).is_ok(),
            "an empty folder replaces nothing"
        );
    }

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

    /// The built-in `strings.yaml` with `edit` made to it.
    fn strings_with(edit: impl Fn(&str) -> String) -> Result<(), String> {
        let text = BUILT_IN
            .iter()
            .find(|(n, _)| *n == "strings.yaml")
            .unwrap()
            .1;
        parse_strings(Path::new("strings.yaml"), &edit(text))
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// `text` with the line `  key: ...` of language `lang` changed by `change` (None: removed).
    fn in_lang(
        text: &str,
        lang: &str,
        key: &str,
        change: impl Fn(&str) -> Option<String>,
    ) -> String {
        let mut current = "";
        let mut out = Vec::new();
        let mut found = false;
        for line in text.lines() {
            if !line.starts_with(' ') && line.ends_with(':') {
                current = line.trim_end_matches(':');
            }
            if current == lang && line.starts_with(&format!("  {key}: ")) {
                found = true;
                out.extend(change(line));
            } else {
                out.push(line.to_string());
            }
        }
        assert!(found, "{lang}.{key} is in the built-in strings");
        out.join("\n")
    }

    #[test]
    fn a_language_that_lacks_a_key_or_a_figure_is_refused() {
        assert_eq!(strings_with(str::to_string), Ok(()));
        // Each key the pages and the form's errors use, left out of one language in turn.
        for (lang, key) in [
            ("fa", "error_too_long"),
            ("zh", "colon"),
            ("de", "error_no_name"),
            ("ar", "embassy_of"),
        ] {
            let error = strings_with(|t| in_lang(t, lang, key, |_| None)).unwrap_err();
            assert!(
                error.contains(&format!("`{lang}` lacks {key}")),
                "{lang}.{key}: {error}"
            );
        }
        // A figure left out, or misspelt.
        let error = strings_with(|t| {
            in_lang(t, "ru", "error_too_long", |l| {
                Some(l.replace("{limit}", "{limt}"))
            })
        })
        .unwrap_err();
        assert!(error.contains("`ru.error_too_long`"), "{error}");
        let error = strings_with(|t| {
            in_lang(t, "es", "embassy_of", |l| {
                Some(l.replace("{country}", "Rusia"))
            })
        })
        .unwrap_err();
        assert!(error.contains("`es.embassy_of`"), "{error}");
    }

    #[test]
    fn every_word_a_template_uses_is_there() {
        let ui = Ui::load(None).unwrap();
        let english = ui.words("en");
        for (name, text) in BUILT_IN.iter().filter(|(n, _)| n.ends_with(".html")) {
            for (at, _) in text.match_indices("t.") {
                let before = text[..at].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
                    continue;
                }
                let key: String = text[at + 2..]
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                assert!(english.contains_key(&key), "{name}: t.{key}");
            }
        }
    }

    #[test]
    fn punctuation_is_each_languages_own() {
        let ui = Ui::load(None).unwrap();
        // French: a no-break space before : ; ! ? » and after «, never a breaking one.
        for (key, text) in ui.words("fr") {
            for bad in [" :", " ;", " !", " ?", " »", "« "] {
                assert!(!text.contains(bad), "fr.{key}: {bad:?} in {text:?}");
            }
        }
        // Chinese: full-width punctuation, no space after it.
        for (key, text) in ui.words("zh") {
            for bad in [':', ';', '(', ')', '?', '!', ','] {
                assert!(!text.contains(bad), "zh.{key}: {bad:?} in {text:?}");
            }
        }
        assert_eq!(ui.say("zh", "colon", &[]), "：");
        assert_eq!(ui.say("zh", "stop", &[]), "。");
    }

    #[test]
    fn countries_are_named_and_sorted_as_each_language_does() {
        let ui = Ui::load(None).unwrap();
        let country = |code: &str| Country::parse(code).unwrap();
        let ru = country("RU");
        assert_eq!(ui.country_name("en", ru), "Russia");
        assert_eq!(ui.country_name("de", ru), "Russland");
        assert_eq!(ui.country_name("ar", ru), "روسيا");
        assert_eq!(ui.country_name("fa", ru), "روسیه");
        assert_eq!(ui.country_name("zh", country("DE")), "德国");
        for (lang, _) in ui.languages() {
            assert_eq!(ui.countries(&lang).len(), Country::all().count(), "{lang}");
        }
        // Every country has its Arabic name: no Latin letter in the Arabic list.
        for (c, name) in ui.countries("ar") {
            assert!(
                !name.chars().any(|ch| ch.is_ascii_alphabetic()),
                "{c}: {name}"
            );
        }
        // A language CLDR has no names in gets the English ones.
        let unknown = countries_in("zxx");
        assert!(unknown.iter().all(|(c, name)| name == c.english_name()));
        // The language's order, not the code points': Österreich among the O's, Chinese by
        // pinyin (德国 dé before 中国 zhōng, where code points put 中 first).
        let at = |lang: &str, code: &str| {
            ui.countries(lang)
                .iter()
                .position(|(c, _)| c.code() == code)
                .unwrap()
        };
        assert!(at("de", "OM") < at("de", "AT") && at("de", "AT") < at("de", "PK"));
        assert!(at("zh", "DE") < at("zh", "CN"));
        assert!(
            at("fr", "AE") < at("fr", "FR"),
            "Émirats arabes unis before France"
        );
    }

    #[test]
    fn options_and_figures_made_once_are_those_of_each_language() {
        let ui = Ui::load(None).unwrap();
        for (lang, _) in ui.languages() {
            let options = ui.country_options(&lang);
            assert_eq!(options.len(), ui.countries(&lang).len(), "{lang}");
            for ((code, words), (country, name)) in options.iter().zip(ui.countries(&lang)) {
                assert_eq!(code, country.code());
                let values = [("name", name.as_str()), ("code", country.code())];
                assert_eq!(*words, ui.say(&lang, "country_option", &values), "{lang}");
            }
            let tag = Lang::parse(&lang).unwrap();
            for n in [0, 7, 1001, 1_234_567] {
                assert_eq!(ui.figure(&lang, n), crate::model::lang::number(&tag, n));
            }
        }
        let option = |lang: &str, code: &str| {
            let options = ui.country_options(lang);
            options.iter().find(|(c, _)| c == code).unwrap().1.clone()
        };
        assert_eq!(option("de", "DE"), "Deutschland (DE)");
        assert_eq!(option("zh", "DE"), "德国（DE）");
        assert_eq!(ui.figure("fa", 1001), "۱٬۰۰۱");
    }

    #[test]
    fn fills_each_figure_once() {
        assert_eq!(
            fill("{a} {b} {c}", &[("a", "{b}"), ("b", "x")]),
            "{b} x {c}"
        );
        assert_eq!(fill("{ {a", &[("a", "x")]), "{ {a");
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
