//! Safe file names: every path component `appeal` writes is a slug made here, so no input can
//! reach outside the output folder or produce a broken name.

use unicode_normalization::UnicodeNormalization;

/// Longest slug in characters; keeps paths well under file-system limits (255 bytes a component).
const MAX_CHARS: usize = 60;

/// Whether `s` is an id as the formats require: lowercase ASCII letters, digits and single '-'.
pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 100
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
}

/// A file-name component from free text (a supporter's name): letters and digits of any script,
/// lowercased, everything else folded into single '-'. Never empty, never `.` or `..`, never a
/// separator or control character. `fallback` is used when nothing usable is left.
pub fn slugify(text: &str, fallback: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in text.nfc().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c);
        } else {
            dash = true;
        }
        if out.chars().count() >= MAX_CHARS {
            break;
        }
    }
    if out.is_empty() {
        fallback.to_string()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_leaves_the_folder() {
        assert_eq!(slugify("../../etc/x", "s"), "etc-x");
        assert_eq!(slugify("..", "supporter-3"), "supporter-3");
        assert_eq!(slugify("a\nb\u{0}c/d\\e", "s"), "a-b-c-d-e");
    }

    #[test]
    fn keeps_names_in_any_script() {
        assert_eq!(slugify("Анна Иванова", "s"), "анна-иванова");
        assert_eq!(slugify("José  Ramírez-Núñez", "s"), "josé-ramírez-núñez");
        assert_eq!(slugify("王小明", "s"), "王小明");
    }

    #[test]
    fn bounds_the_length() {
        assert_eq!(slugify(&"a".repeat(500), "s").chars().count(), MAX_CHARS);
    }

    #[test]
    fn checks_ids() {
        assert!(is_slug("ru-prosecutor-general"));
        assert!(!is_slug("Ru"));
        assert!(!is_slug("a--b"));
        assert!(!is_slug("../x"));
    }
}
