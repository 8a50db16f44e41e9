//! Reading YAML files strictly: one parser configuration, errors as diagnostics with file, line and field.

use std::path::Path;

use serde::de::DeserializeOwned;

use crate::model::diag::{Diagnostic, Pos};

/// The parser settings every file goes through. YAML 1.1 surprises are off: `country: NO` stays
/// the string "NO", `012` stays "012". Nesting depth and alias expansion are bounded by
/// serde-saphyr's budget, so a hostile file is rejected in milliseconds.
fn options() -> serde_saphyr::Options {
    let mut o = serde_saphyr::Options::default();
    o.strict_booleans = true;
    o.leading_zero_numbers_as_strings = true;
    o.underscored_numbers_as_strings = true;
    o.with_snippet = false;
    // Tags beyond the core schema are refused, never silently acted on or ignored; `!!binary`
    // is refused by `binary_tag` before parsing (a hidden base64 sentence in a letter).
    o.reject_unsupported_tags = true;
    o.reject_tagged_field_names = true;
    o.ignore_binary_tag_for_string = true;
    o
}

/// Line ends as an editor shows them: CRLF (Windows) and a lone CR (old Macs) become LF, so a
/// file saved with CR line ends is not one long line, and positions are the lines people see.
fn unify_line_ends(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('\r') {
        std::borrow::Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// The line of the first `!!binary` tag (YAML's base64 bytes), if any: a text decoded from
/// base64 would put words in a letter that nobody reading the file can see.
fn binary_tag(text: &str) -> Option<u64> {
    text.lines().enumerate().find_map(|(i, line)| {
        let code = line.split(" #").next().unwrap_or(line);
        let tagged = code.match_indices("!!binary").any(|(at, _)| {
            at == 0
                || matches!(
                    code.as_bytes()[at - 1],
                    b' ' | b'\t' | b':' | b'-' | b'[' | b','
                )
        }) || code.contains("tag:yaml.org,2002:binary");
        tagged.then_some(i as u64 + 1)
    })
}

/// The `*.yaml` and `*.yml` files of `folder`, in name order (campaigns, the recipient
/// directory).
pub fn files_in(folder: &Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(folder)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.is_file() && matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Reads a text file, rejecting bytes that are not UTF-8 with the line and column where they start.
pub fn read_text(path: &Path) -> Result<String, Diagnostic> {
    let bytes = std::fs::read(path).map_err(|e| {
        Diagnostic::error(path, Pos::default(), "", format!("cannot read file: {e}"))
            .hint("check the path and that the file is readable")
    })?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text
            .strip_prefix('\u{feff}')
            .map(str::to_owned)
            .unwrap_or(text)),
        Err(e) => {
            let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            // `good` is valid UTF-8 by construction.
            let prefix = std::str::from_utf8(good).unwrap_or_default();
            let line = prefix.matches('\n').count() as u64 + 1;
            let col = prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
            Err(
                Diagnostic::error(path, Pos::new(line, col), "", "file is not valid UTF-8")
                    .hint("save the file as UTF-8 (most editors offer this in \"Save as\")"),
            )
        }
    }
}

/// Parses `text` (the contents of `path`) into `T`, naming the field path of any error.
pub fn parse<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T, Diagnostic> {
    let text = &*unify_line_ends(text);
    if let Some(line) = binary_tag(text) {
        return Err(Diagnostic::error(
            path,
            Pos::new(line, 1),
            "",
            "the `!!binary` tag is not allowed: it hides base64-encoded text",
        )
        .hint("write the text itself, without a tag"));
    }
    if text
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    {
        return Err(Diagnostic::error(path, Pos::new(1, 1), "", "file is empty")
            .hint("a campaign or directory file needs its fields: `appeal guide campaign` or `appeal guide recipients`"));
    }
    let mut field = String::new();
    let result = serde_saphyr::with_deserializer_from_str_with_options(text, options(), |de| {
        serde_path_to_error::deserialize(de).map_err(|e| {
            field = clean_path(&e.path().to_string());
            e.into_inner()
        })
    });
    result.map_err(|e| {
        let pos = e
            .location()
            .map_or(Pos::default(), |l| Pos::new(l.line(), l.column()));
        let mistake = Mistake::of(&e);
        let (message, hint) = explain(&e.without_snippet().to_string(), &mistake);
        // The parser notices a missing top-level field at the end of the file; the top of the
        // file is where a reader looks for it.
        let pos = if field.is_empty() && mistake == Mistake::MissingField {
            Pos::new(1, 1)
        } else {
            pos
        };
        let d = Diagnostic::error(path, pos, field, message);
        match hint {
            Some(h) => d.hint(h),
            None => d,
        }
    })
}

/// `deadline.value` -> `deadline`: `Spanned` adds a `value` segment users never wrote; `.` is
/// serde_path_to_error's name for the root.
fn clean_path(path: &str) -> String {
    let cleaned = path
        .split('.')
        .filter(|seg| *seg != "value")
        .collect::<Vec<_>>()
        .join(".");
    let cleaned = cleaned.trim_matches('.').replace(".?", "").replace('?', "");
    cleaned.trim_matches('.').to_string()
}

/// The mistakes people make most, told apart by serde-saphyr's error variant (never its text).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Mistake {
    UnknownField,
    MissingField,
    /// A key written twice in one mapping.
    Duplicate(Option<String>),
    /// More than one document (a `---` line).
    MultipleDocuments,
    /// A field with no value (`en:` and nothing after it).
    Null,
    /// A tag the format does not use (`!secret`, `!include`).
    Tag(String),
    /// Too deep a nesting, too many aliases expanded, or an alias to no anchor.
    TooDeep,
    Other,
}

impl Mistake {
    fn of(e: &serde_saphyr::Error) -> Mistake {
        use serde_saphyr::Error as E;
        use serde_saphyr::granit_parser::ErrorKind;
        match e {
            // Wrappers that add a snippet or the alias's locations to the error that happened.
            E::WithSnippet { error, .. } | E::AliasError { error, .. } => Mistake::of(error),
            E::SerdeUnknownField { .. } => Mistake::UnknownField,
            E::SerdeMissingField { .. } => Mistake::MissingField,
            E::DuplicateMappingKey { key, .. } => Mistake::Duplicate(key.clone()),
            E::MultipleDocuments { .. } => Mistake::MultipleDocuments,
            E::NullIntoString { .. } | E::InvalidCharNull { .. } => Mistake::Null,
            E::UnsupportedTag { tag, .. } => Mistake::Tag(tag.to_string()),
            E::TaggedStructFieldName { tag, .. } => Mistake::Tag(tag.to_string()),
            E::Budget { .. }
            | E::AliasReplayCounterOverflow { .. }
            | E::AliasReplayLimitExceeded { .. }
            | E::AliasExpansionLimitExceeded { .. }
            | E::AliasReplayStackDepthExceeded { .. }
            | E::UnknownAnchor { .. } => Mistake::TooDeep,
            // The parser's own nesting limit.
            E::ExternalMessage { source, .. }
                if matches!(
                    source.as_ref(),
                    serde_saphyr::ExternalMessageSource::Parser(scan)
                        if matches!(scan.kind(), ErrorKind::RecursionLimitExceeded)
                ) =>
            {
                Mistake::TooDeep
            }
            _ => Mistake::Other,
        }
    }
}

/// Strips serde-saphyr's " at line N, column M" (we print the position ourselves) and adds a hint
/// for the mistakes people make most.
fn explain(raw: &str, mistake: &Mistake) -> (String, Option<String>) {
    let mut msg = raw.trim().trim_start_matches("error: ").to_string();
    if let Some(i) = msg.rfind(" at line ") {
        msg.truncate(i);
    }
    if let Some(rest) = msg.strip_prefix("line ") {
        // "line 2 column 11: message"
        if let Some((_, m)) = rest.split_once(": ") {
            msg = m.to_string();
        }
    }
    // For the last four the parser's own words speak of its options and of Rust types: they
    // are said in YAML's terms instead.
    let (msg, hint): (String, Option<&str>) = match mistake {
        Mistake::UnknownField => (
            msg,
            Some("check the spelling; the expected fields are listed above"),
        ),
        Mistake::MissingField => (
            msg,
            Some("add the field; `appeal guide campaign` (or `recipients`) lists them"),
        ),
        Mistake::TooDeep => (
            msg,
            Some(
                "the file nests too deeply or expands too many aliases; appeal files need neither",
            ),
        ),
        Mistake::Other => (msg, None),
        Mistake::Duplicate(key) => (
            match key {
                Some(k) => format!("`{k}` is given twice"),
                None => "a key is given twice".to_string(),
            },
            Some("keep one of them"),
        ),
        Mistake::MultipleDocuments => (
            "the file holds more than one YAML document (a `---` line between them)".into(),
            Some(
                "one campaign or directory per file: remove the `---` line and what follows, or move it to a file of its own",
            ),
        ),
        Mistake::Null => (
            "no value given".into(),
            Some(
                "write the value after the colon (quoted if it starts with a special character), or remove the line",
            ),
        ),
        Mistake::Tag(tag) => (
            format!("the tag `{tag}` is not allowed here"),
            Some("appeal files use plain YAML values: remove the tag"),
        ),
    };
    (msg, hint.map(str::to_string))
}

/// The JSON Schema of the file format read into `T`, with a title and a description for editors.
pub fn schema_of<T: schemars::JsonSchema>(title: &str, description: &str) -> schemars::Schema {
    let mut schema = schemars::schema_for!(T);
    schema.insert("title".into(), title.into());
    schema.insert("description".into(), description.into());
    schema
}

/// A date field: `YYYY-MM-DD`, with a message that says so when it is anything else.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub chrono::NaiveDate);

impl schemars::JsonSchema for Date {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Date".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A date, YYYY-MM-DD",
            "type": "string",
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
        })
    }
}

impl<'de> serde::Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map(Date)
            .map_err(|_| {
                serde::de::Error::custom(format!(
                    "expected a date as YYYY-MM-DD (e.g. 2011-05-03), found `{s}`"
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_spanned_paths() {
        assert_eq!(clean_path("deadline.value"), "deadline");
        assert_eq!(
            clean_path("targets[1].recipient.value"),
            "targets[1].recipient"
        );
        assert_eq!(clean_path("."), "");
    }

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    struct Sample {
        country: String,
        code: String,
        when: Date,
    }

    /// The message and hint of parsing `text` as a `Sample`.
    fn refusal(text: &str) -> (Pos, String, String) {
        let d = parse::<Sample>(Path::new("t.yaml"), text).unwrap_err();
        (d.pos, d.message.clone(), d.hint.clone().unwrap_or_default())
    }

    #[test]
    fn says_what_is_wrong_in_yaml_terms_never_the_parsers() {
        let (_, m, h) = refusal("country: NO\ncountry: FR\ncode: x\nwhen: 2011-05-03\n");
        assert_eq!(
            (m.as_str(), h.as_str()),
            ("`country` is given twice", "keep one of them")
        );
        let (_, m, _) = refusal("country: NO\ncode: x\nwhen: 2011-05-03\n---\ncountry: FR\n");
        assert!(m.contains("more than one YAML document"), "{m}");
        let (pos, m, h) = refusal("country:\ncode: x\nwhen: 2011-05-03\n");
        assert_eq!((pos.line, m.as_str()), (1, "no value given"));
        assert!(h.contains("after the colon"), "{h}");
        let (_, m, _) = refusal("country: !secret NO\ncode: x\nwhen: 2011-05-03\n");
        assert!(m.contains("tag `!secret` is not allowed"), "{m}");
        for (_, m, h) in [
            refusal("country: NO\ncountry: FR\ncode: x\nwhen: 2011-05-03\n"),
            refusal("country:\ncode: x\nwhen: 2011-05-03\n"),
        ] {
            for leak in ["Options", "Option<", "from_str", "Policy"] {
                assert!(!m.contains(leak) && !h.contains(leak), "{m} / {h}");
            }
        }
    }

    #[test]
    fn refuses_base64_hidden_behind_a_binary_tag() {
        // "Release him." hidden as base64: once it reached every letter unseen.
        let (pos, m, _) =
            refusal("country: NO\ncode: !!binary UmVsZWFzZSBoaW0u\nwhen: 2011-05-03\n");
        assert_eq!(pos.line, 2);
        assert!(m.contains("`!!binary` tag is not allowed"), "{m}");
    }

    #[test]
    fn reads_old_mac_line_ends_as_lines() {
        let s: Sample = parse(
            Path::new("t.yaml"),
            "# a comment\rcountry: NO\rcode: x\rwhen: 2011-05-03\r",
        )
        .unwrap();
        assert_eq!(s.country, "NO");
        let (pos, _, _) = refusal("# c\rcountry: NO\rcode: x\rwhen: 2011-13-03\r");
        assert_eq!(pos.line, 4);
    }

    #[test]
    fn keeps_yaml_1_1_lookalikes_as_strings() {
        let s: Sample = parse(
            Path::new("t.yaml"),
            "country: NO\ncode: 012\nwhen: 2011-05-03\n",
        )
        .unwrap();
        assert_eq!((s.country.as_str(), s.code.as_str()), ("NO", "012"));
        assert_eq!(s.when.0.to_string(), "2011-05-03");
    }

    #[test]
    fn names_the_field_of_a_bad_value() {
        let e =
            parse::<Sample>(Path::new("t.yaml"), "country: NO\ncode: x\nwhen: soon\n").unwrap_err();
        assert_eq!((e.pos.line, e.pos.col, e.field.as_str()), (3, 7, "when"));
        assert!(
            e.message.contains("expected a date as YYYY-MM-DD"),
            "{}",
            e.message
        );
    }

    #[test]
    fn strips_positions_from_messages() {
        let (m, h) = explain(
            "unknown field `dealine`, expected one of id, deadline at line 2, column 1",
            &Mistake::UnknownField,
        );
        assert_eq!(m, "unknown field `dealine`, expected one of id, deadline");
        assert!(h.is_some());
    }
}

#[cfg(test)]
mod hostile {
    use super::*;

    /// The "billion laughs": nine levels of nine aliases, 9^9 strings if expanded.
    fn alias_bomb() -> String {
        let mut bomb = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
        for w in names.windows(2) {
            bomb.push_str(&format!(
                "{}: &{} [{}]\n",
                w[1],
                w[1],
                vec![format!("*{}", w[0]); 9].join(",")
            ));
        }
        bomb
    }

    #[test]
    fn rejects_an_alias_bomb_without_expanding_it() {
        let e = parse::<serde::de::IgnoredAny>(Path::new("bomb.yaml"), &alias_bomb()).unwrap_err();
        assert!(
            e.message.contains("budget") || e.message.contains("alias"),
            "{}",
            e.message
        );
        assert!(
            e.hint.as_deref().is_some_and(|h| h.contains("aliases")),
            "{e}"
        );
    }

    #[test]
    fn rejects_deep_nesting() {
        let deep = format!("a: {}\n", "[".repeat(100_000));
        let e = parse::<serde::de::IgnoredAny>(Path::new("deep.yaml"), &deep).unwrap_err();
        assert!(e.message.contains("recursion limit"), "{e}");
        assert!(
            e.hint
                .as_deref()
                .is_some_and(|h| h.contains("nests too deeply")),
            "{e}"
        );
    }
}
