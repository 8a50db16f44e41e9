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
    /// The recipient's address needs more lines than the envelope window holds.
    #[error(
        "{what}: the address takes {lines} lines but the window of layout `{layout}` holds {max} (hint: shorten the directory entry's address, choose another --layout, or pass --allow-overflow)"
    )]
    AddressOverflow {
        what: String,
        lines: usize,
        layout: &'static str,
        max: usize,
    },
    /// A letter handed over without the parts (sender, recipient, date, body) a layout places.
    #[error("{what}: the letter was rendered without its parts")]
    NoParts { what: String },
    #[error("{what}: the letter has no body (hint: check the template's `{{% block body %}}`)")]
    NoBody { what: String },
    /// `c` has no glyph in any font of the chain, nor do `others` more characters.
    #[error(
        "{what}: the character `{c}` (U+{code:04X}) has no glyph in the fonts available ({fonts}){nor} (hint: install a font that has it, e.g. Debian's fonts-noto-cjk for Chinese, so fontconfig finds it, or pass it with --font FILE)",
        code = u32::from(*.c),
        nor = nor_others(*.others)
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
}

fn layout_names() -> String {
    LAYOUTS
        .iter()
        .map(|l| l.name)
        .collect::<Vec<_>>()
        .join(", ")
}

fn nor_others(others: usize) -> String {
    if others > 0 {
        format!(", nor do {others} other(s)")
    } else {
        String::new()
    }
}
