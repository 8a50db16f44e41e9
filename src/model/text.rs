//! Multilingual text: maps from a language tag (or, for names, a script) to text, checked once.

use std::collections::BTreeMap;
use std::path::Path;

use serde_saphyr::Spanned;

use crate::model::diag::{Diagnostic, Diagnostics, Pos};
use crate::model::lang::{Lang, is_script_code};

/// The YAML form: `{en: "...", ru: "..."}` with the position of every entry.
pub type RawText = Spanned<BTreeMap<String, Spanned<String>>>;

/// The JSON Schema of a `RawText`: a map from a language tag (or, for a person's name, a script
/// such as `Latn`) to text.
pub struct TextSchema;

impl schemars::JsonSchema for TextSchema {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Text".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "Text in several languages: a map from a BCP 47 language tag (en, ru, fr-CA) to the text; every language of the campaign must be there. For a person's name, keys may also be scripts (Latn, Cyrl, Arab).",
            "type": "object",
            "minProperties": 1,
            "propertyNames": { "pattern": "^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$" },
            "additionalProperties": { "type": "string" }
        })
    }
}

/// Where validation reports: the file being checked and the list of findings.
pub struct Checker<'a> {
    pub file: &'a Path,
    pub diags: &'a mut Diagnostics,
}

impl Checker<'_> {
    pub fn error(
        &mut self,
        pos: Pos,
        field: &str,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        let d = Diagnostic::error(self.file, pos, field, message).hint(hint);
        self.diags.push(d);
    }

    pub fn warning(
        &mut self,
        pos: Pos,
        field: &str,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        let d = Diagnostic::warning(self.file, pos, field, message).hint(hint);
        self.diags.push(d);
    }
}

/// Whether a field may hold line breaks: a paragraph may; a name, title, salutation or address
/// line may not (it goes into one line of a letter, a file name or an email header).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lines {
    One,
    Many,
}

/// The longest one-line field, in characters: longer names and titles fold badly into email
/// headers (a server refuses a line over 998 octets) and overflow every address window.
pub const MAX_ONE_LINE: usize = 300;

/// What is wrong with the first character `text` must not hold, or `None`: control characters
/// (NUL, escape, bell, a lone carriage return) never belong in a letter; line breaks and tabs
/// only in a field of `Lines::Many`. Described, never echoed, so a terminal shows no raw escape.
pub fn forbidden(text: &str, lines: Lines) -> Option<String> {
    if lines == Lines::One {
        let n = text.chars().count();
        if n > MAX_ONE_LINE {
            return Some(format!(
                "{n} characters (a one-line field holds at most {MAX_ONE_LINE})"
            ));
        }
    }
    let bad = text.chars().find(|&ch| match ch {
        '\n' | '\t' => lines == Lines::One,
        // Unicode's own line and paragraph separators break a line as much as LF does.
        '\u{2028}' | '\u{2029}' => lines == Lines::One,
        ch => ch.is_control(),
    })?;
    Some(match bad {
        '\n' | '\u{2028}' | '\u{2029}' => "a line break (this field is one line)".to_string(),
        '\t' => "a tab (this field is one line)".to_string(),
        '\r' => "a carriage return (U+000D)".to_string(),
        '\0' => "a NUL character (U+0000)".to_string(),
        '\u{1b}' => "an escape character (U+001B)".to_string(),
        ch => format!("a control character (U+{:04X})", u32::from(ch)),
    })
}

/// The hint for a `forbidden` character.
fn forbidden_hint(lines: Lines) -> &'static str {
    match lines {
        Lines::One => {
            "write it on one line of at most 300 characters: no `|` or `>` block, no \\n, \\r, \\t or other escape in quotes"
        }
        Lines::Many => {
            "remove it: a letter's text holds only printable characters and line breaks (check for \\0, \\e, \\a, \\r escapes in quotes)"
        }
    }
}

impl Checker<'_> {
    /// Reports `text` at `pos` when it holds a character `forbidden` refuses; true if it did.
    pub fn refuse_forbidden(&mut self, pos: Pos, field: &str, text: &str, lines: Lines) -> bool {
        match forbidden(text, lines) {
            Some(what) => {
                self.error(pos, field, format!("holds {what}"), forbidden_hint(lines));
                true
            }
            None => false,
        }
    }

    /// A one-line field, trimmed: `None` when it is blank or holds a forbidden character (then
    /// reported).
    pub fn one_line(&mut self, raw: &Spanned<String>, field: &str) -> Option<String> {
        let text = normalize(&raw.value);
        if self.refuse_forbidden(Pos::of(raw), field, &text, Lines::One) {
            return None;
        }
        Some(text.trim().to_string()).filter(|t| !t.is_empty())
    }
}

/// Text in several languages, keyed by canonical language tag. Never empty for a language it has.
#[derive(Clone, Debug, Default)]
pub struct Localized {
    texts: BTreeMap<Lang, String>,
}

impl Localized {
    /// Checks a raw map: every key a language tag, no empty text, and every language in
    /// `required` present (or reachable through its fallback chain: `fr-CA` is served by `fr`).
    pub fn check(
        raw: &RawText,
        field: &str,
        required: &[Lang],
        lines: Lines,
        c: &mut Checker,
    ) -> Localized {
        let mut texts = BTreeMap::new();
        // Languages whose text is there but empty: reported as empty, not again as missing.
        let mut empty = Vec::new();
        for (key, value) in &raw.value {
            let path = format!("{field}.{key}");
            let Some(lang) = Lang::parse(key) else {
                c.error(
                    Pos::of(value),
                    &path,
                    format!("`{key}` is not a language tag"),
                    "use a BCP 47 tag such as en, ru, fr, fr-CA, zh-Hant",
                );
                continue;
            };
            if value.value.trim().is_empty() {
                c.error(
                    Pos::of(value),
                    &path,
                    "text is empty",
                    "write the text, or remove the language from `languages`",
                );
                empty.push(lang);
                continue;
            }
            let text = normalize(&value.value);
            if c.refuse_forbidden(Pos::of(value), &path, &text, lines) {
                continue;
            }
            texts.insert(lang, text);
        }
        let text = Localized { texts };
        for lang in required {
            if text.get(lang).is_none() && !lang.chain().iter().any(|l| empty.contains(l)) {
                c.error(
                    Pos::of(raw),
                    field,
                    format!("missing the `{lang}` text"),
                    format!(
                        "the campaign declares `{lang}` in `languages`; add `{lang}:` here (it has: {})",
                        text.languages_list()
                    ),
                );
            }
        }
        text
    }

    /// The text for `lang`, following its fallback chain (`fr-CA` -> `fr`), never another language.
    pub fn get(&self, lang: &Lang) -> Option<&str> {
        lang.chain()
            .iter()
            .find_map(|l| self.texts.get(l).map(String::as_str))
    }

    /// The same texts, each changed by `f` (campaign texts made to agree with the persons).
    pub fn map(&self, f: impl Fn(&str) -> String) -> Localized {
        Localized {
            texts: self
                .texts
                .iter()
                .map(|(lang, text)| (lang.clone(), f(text)))
                .collect(),
        }
    }

    pub fn languages(&self) -> impl Iterator<Item = &Lang> {
        self.texts.keys()
    }

    pub fn languages_list(&self) -> String {
        let list: Vec<&str> = self.texts.keys().map(Lang::as_str).collect();
        if list.is_empty() {
            "none".into()
        } else {
            list.join(", ")
        }
    }
}

/// A name written in several scripts: `{Latn: "Nizomhon Juraev", Cyrl: "Низомхон Джураев"}`, with
/// optional per-language spellings (`fr: "Moukhtar Abliazov"`) that win over the script's.
#[derive(Clone, Debug, Default)]
pub struct Names {
    by_script: BTreeMap<String, String>,
    by_lang: BTreeMap<Lang, String>,
}

impl Names {
    pub fn check(raw: &RawText, field: &str, c: &mut Checker) -> Names {
        let mut names = Names::default();
        for (key, value) in &raw.value {
            let path = format!("{field}.{key}");
            let text = normalize(&value.value);
            if text.is_empty() {
                c.error(
                    Pos::of(value),
                    &path,
                    "name is empty",
                    "write the name or remove the entry",
                );
            } else if c.refuse_forbidden(Pos::of(value), &path, &text, Lines::One) {
                // Reported; the spelling is left out.
            } else if is_script_code(key) {
                names.by_script.insert(key.clone(), text);
            } else if let Some(lang) = Lang::parse(key) {
                names.by_lang.insert(lang, text);
            } else {
                c.error(
                    Pos::of(value),
                    &path,
                    format!("`{key}` is neither a script code nor a language tag"),
                    "use a script such as Latn, Cyrl, Arab, Hans, or a language tag such as fr",
                );
            }
        }
        if raw.value.is_empty() {
            c.error(
                Pos::of(raw),
                field,
                "no name given",
                "give at least the Latin spelling: `Latn: ...`",
            );
        }
        names
    }

    /// The spelling for a letter in `lang`: its own, else its script's.
    pub fn get(&self, lang: &Lang) -> Option<&str> {
        lang.chain()
            .iter()
            .find_map(|l| self.by_lang.get(l))
            .or_else(|| lang.script().and_then(|s| self.by_script.get(&s)))
            .map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.by_script.is_empty() && self.by_lang.is_empty()
    }

    /// What it is spelled in, for messages: `Latn, Cyrl, fr`.
    pub fn keys_list(&self) -> String {
        let mut keys: Vec<&str> = self.by_script.keys().map(String::as_str).collect();
        keys.extend(self.by_lang.keys().map(Lang::as_str));
        keys.join(", ")
    }
}

/// Text as a letter wants it: Unicode NFC (so the same name is the same bytes), Windows line ends
/// gone, no trailing blanks on any line, no leading or trailing blank lines.
pub fn normalize(s: &str) -> String {
    use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};
    let s = s.replace("\r\n", "\n");
    // Most text is in NFC already, which the quick check tells without composing it again.
    let s: String = match is_nfc_quick(s.chars()) {
        IsNormalized::Yes => s,
        _ => s.nfc().collect(),
    };
    let lines: Vec<&str> = s.lines().map(str::trim_end).collect();
    lines.join("\n").trim_matches('\n').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_an_empty_text_once() {
        let raw: RawText = crate::model::yaml::parse(Path::new("t.yaml"), "{en: \"\", ru: \" \"}")
            .expect("parses");
        let mut diags = Diagnostics::default();
        let mut c = Checker {
            file: Path::new("t.yaml"),
            diags: &mut diags,
        };
        let langs = [Lang::parse("en"), Lang::parse("ru"), Lang::parse("fr")].map(Option::unwrap);
        Localized::check(&raw, "title", &langs, Lines::Many, &mut c);
        let messages: Vec<String> = diags.into_sorted().iter().map(|d| d.to_string()).collect();
        assert_eq!(messages.len(), 3, "{messages:#?}");
        assert!(
            messages[0].contains("title: missing the `fr` text"),
            "{messages:#?}"
        );
        assert!(
            messages[1].contains("title.en: text is empty"),
            "{messages:#?}"
        );
        assert!(
            messages[2].contains("title.ru: text is empty"),
            "{messages:#?}"
        );
    }

    #[test]
    fn normalizes_text() {
        assert_eq!(normalize("  a \r\nb  \n\n"), "  a\nb");
        // "é" as e + combining acute becomes one code point.
        assert_eq!(normalize("e\u{301}"), "\u{e9}");
    }
}
