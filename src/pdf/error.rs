//! What can go wrong while laying out and drawing a PDF: one enum for the whole typesetter.
//!
//! Each message is complete on its own line (the letter it is about, what is wrong, a hint), as
//! the command line prints it. So no variant reports a `source()` as well: a cause chain printed
//! with `{:#}` would repeat the inner text.

use std::path::PathBuf;

use super::LAYOUTS;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A layout name that is not one of `LAYOUTS`.
    #[error("no layout `{0}`; the layouts are: {layouts}", layouts = layout_names())]
    NoLayout(String),
    /// The recipient's address needs more lines than the envelope window holds (or, on a page
    /// for no envelope, than there is room for above the body).
    #[error(
        "{what}: the address takes {lines} lines but {room} holds {max}{wrapped} (hint: shorten or split {which} in the directory entry, choose another --layout, or pass --allow-overflow)",
        room = room(*.envelope, layout),
        wrapped = wrapped_list(wrapped),
        which = if wrapped.is_empty() { "its lines" } else { "the wrapped lines" },
    )]
    AddressOverflow {
        what: String,
        lines: usize,
        layout: &'static str,
        max: usize,
        /// The address's own lines that were too wide for the window and took two or more.
        wrapped: Vec<String>,
        /// Whether the page goes in a window envelope (else the room is that above the body).
        envelope: bool,
    },
    /// A letter handed over without the parts (sender, recipient, date, body) a layout places.
    /// The sender's block (a supporter's long address) runs into the envelope window below it.
    #[error(
        "{what}: the sender's block takes {lines} lines and runs into the envelope window of layout `{layout}` (hint: shorten the supporter's address, joining or leaving out lines, or choose another --layout)"
    )]
    SenderOverflow {
        what: String,
        lines: usize,
        layout: &'static str,
    },
    #[error("{what}: the letter was rendered without its parts")]
    NoParts { what: String },
    #[error("{what}: the letter has no body (hint: check the template's `{{% block body %}}`)")]
    NoBody { what: String },
    /// `c` has no glyph in any font of the chain, nor do `others` more characters.
    #[error(
        "{what}: the character `{c}` (U+{code:04X}) has no glyph in the fonts available ({fonts}){nor} (hint: install a font that has it, e.g. Debian's {package}, so fontconfig finds it, or pass it with --font FILE)",
        code = u32::from(*.c),
        nor = nor_others(*.others),
        package = font_package(*.c)
    )]
    MissingGlyph {
        what: String,
        c: char,
        /// The names of the fonts in the chain.
        fonts: String,
        others: usize,
    },
    /// A `--font` file that cannot be used.
    #[error("--font {}: {problem}", .file.display())]
    Font { file: PathBuf, problem: FontError },
}

/// Why a `--font` file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum FontError {
    // The io::Error is part of the text, not a source, for the reason in the module comment.
    #[error("cannot read the file: {0}")]
    Read(std::io::Error),
    #[error(
        "not a font file printpdf can read (hint: pass a TrueType or OpenType font, .ttf/.otf/.ttc)"
    )]
    NotAFont,
    #[error(
        "the collection has no face #{index}: its faces are #0 to #{last} (hint: list them with `fc-query --format '%{{index}} %{{family}}\\n' FILE`, or drop `#{index}` to choose by the letter's language)", last = .faces - 1
    )]
    NoFace { index: u32, faces: u32 },
}

fn layout_names() -> String {
    LAYOUTS
        .iter()
        .map(|l| l.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The Debian package of Noto fonts that draws `c`: CJK apart, every other script's Noto Sans.
fn font_package(c: char) -> &'static str {
    if super::faces::is_cjk(c) {
        "fonts-noto-cjk"
    } else {
        "fonts-noto-core"
    }
}

fn nor_others(others: usize) -> String {
    if others > 0 {
        format!(", nor do {others} other(s)")
    } else {
        String::new()
    }
}

fn room(envelope: bool, layout: &str) -> String {
    if envelope {
        format!("the window of layout `{layout}`")
    } else {
        format!("the room above the body in layout `{layout}`")
    }
}

/// The lines that wrapped, for the overflow message: what to shorten.
pub fn wrapped_list(wrapped: &[String]) -> String {
    if wrapped.is_empty() {
        return "; no line wrapped".to_string();
    }
    let quoted: Vec<String> = wrapped.iter().map(|l| format!("`{l}`")).collect();
    format!(
        "; too wide for it, these lines wrapped: {}",
        quoted.join(", ")
    )
}

#[cfg(test)]
mod hint_tests {
    #[test]
    fn names_the_noto_package_of_the_missing_characters_script() {
        let missing = |c| {
            super::Error::MissingGlyph {
                what: "t".into(),
                c,
                fonts: "DejaVu Sans".into(),
                others: 0,
            }
            .to_string()
        };
        assert!(missing('王').contains("Debian's fonts-noto-cjk,"));
        assert!(missing('म').contains("Debian's fonts-noto-core,"));
    }
}
