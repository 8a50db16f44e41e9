//! Letters from templates: which letter each addressee gets, the view a template sees, and the
//! templates themselves (built in, overridden by the user's folders).

pub mod letter;
pub mod templates;
pub mod typography;

use std::path::Path;

use crate::model::diag::{Diagnostic, Pos};
use crate::model::lang::Lang;

/// What can go wrong rendering a letter or a sheet.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No template of `kind` through the language's whole fallback chain, in any source.
    #[error("no `{kind}` template for `{lang}` (tried {tried}; templates exist for: {available})")]
    NoTemplate {
        kind: String,
        lang: Lang,
        /// Every file looked for, `source/file`, comma-separated.
        tried: String,
        /// The languages that have a template of `kind`, comma-separated.
        available: String,
    },
    /// A letter template lacks a block that page layouts need. Text letters do without it, so
    /// `check` reports it as a warning.
    #[error("no `{{% block {block} %}}` (needed to lay out the {lang} letters)")]
    MissingBlock {
        /// The template's name inside Tera (its path, or `built-in:letter.en.txt`).
        template: String,
        block: &'static str,
        lang: Lang,
    },
    /// Anything else, already a diagnostic pointing into the campaign, the directory or the
    /// template.
    #[error("{0}")]
    Data(Diagnostic),
}

impl From<Diagnostic> for Error {
    fn from(d: Diagnostic) -> Error {
        Error::Data(d)
    }
}

impl From<Error> for Diagnostic {
    fn from(e: Error) -> Diagnostic {
        match e {
            Error::MissingBlock { ref template, .. } => Diagnostic::error(
                Path::new(template),
                Pos::default(),
                "template",
                e.to_string(),
            )
            .hint(format!(
                "letter templates mark their parts with the blocks {}; see `appeal guide templates`",
                letter::BLOCKS.join(", ")
            )),
            // `Renderer::render` reports a missing template against the campaign's `languages`;
            // this is for one that reaches a caller some other way.
            Error::NoTemplate { .. } => {
                Diagnostic::error(Path::new("templates"), Pos::default(), "", e.to_string())
                    .hint("add the template to templates/ or --templates DIR")
            }
            Error::Data(d) => d,
        }
    }
}
