//! The typesetter: PDF letters for a window envelope or a fax (page layouts from the standards as
//! data, pages that flow, the print pack) and a check that every character has a glyph (printpdf
//! would draw a missing one as an empty box, silently). Fonts, shaping, bidi and line breaking
//! live in `text`; the sheet's blocks and their document in `blocks` and `doc`. Where the bytes
//! go is the caller's (`batch::pdf`).

mod blocks;
mod doc;
mod draw;
mod error;
mod faces;
mod file;
mod flow;
mod head;
mod layout;
mod letter;
mod meta;
mod pack;
mod set;
mod subsets;
mod tags;
mod text;
mod write;

pub use blocks::{Block, blocks, plain_text};
pub use doc::document;
pub use draw::render;
pub use error::{Error, FontError, wrapped_list};
pub use head::{AddressFit, fit_address};
pub use layout::{LAYOUTS, Layout, Paper, PdfOptions};
pub use letter::{layout_letter, place};
pub use meta::{DocInfo, PRODUCER};
pub use pack::Pack;
pub use set::{Placed, PlacedLine};
pub use text::FontChain;

use crate::render::letter::Letter;

/// The text of a letter's parts, for the font check.
fn all_text(letter: &Letter) -> Option<String> {
    let parts = letter.parts.as_ref()?;
    let lines = parts.sender.iter().chain(&parts.recipient);
    let mut all = String::with_capacity(
        lines.clone().map(|l| l.len() + 1).sum::<usize>() + parts.date.len() + parts.body.len() + 1,
    );
    // Each sender and recipient line, the date and the body, each on its own line.
    for line in lines.chain([&parts.date]) {
        all.push_str(line);
        all.push('\n');
    }
    all.push_str(&parts.body);
    Some(all)
}

/// Finds, through fontconfig, a font for each character of `letter` the chain cannot draw yet in
/// the forms of the letter's language (a Chinese letter's Han characters in a Simplified Chinese
/// face), and the bold faces of the fonts that draw its subject. Called in input order, so fonts
/// join the chain in the same order whatever the number of threads that then draw the letters.
pub fn admit_fonts(fonts: &mut FontChain, letter: &Letter) {
    if let Some(all) = all_text(letter) {
        let subject = letter.parts.as_ref().and_then(|p| p.subject.as_deref());
        fonts.admit(Some(&letter.lang), &all, subject.unwrap_or_default());
    }
}

/// Adds to the chain a fontconfig font for each character of `text` it cannot draw yet, in the
/// forms of each character's own script.
pub fn admit_text(fonts: &mut FontChain, text: &str) {
    fonts.admit(None, text, "");
}

/// What `letters --format pdf` would say of `letter` when some character of it has no glyph in
/// `fonts` (after `admit_fonts`): the first such character, and how many more.
pub fn missing_glyph(fonts: &FontChain, letter: &Letter, what: &str) -> Option<Error> {
    let all = all_text(letter)?;
    glyph_check(fonts, &all, what, false, &mut Vec::new()).err()
}

/// Fails `what` when some character of `text` has no glyph in the chain (printpdf would draw an
/// empty box, silently); with `allow`, warns instead.
fn glyph_check(
    fonts: &FontChain,
    text: &str,
    what: &str,
    allow: bool,
    warnings: &mut Vec<String>,
) -> Result<(), Error> {
    let missing = fonts.missing_glyphs(text);
    let Some(c) = missing.first() else {
        return Ok(());
    };
    let error = Error::MissingGlyph {
        what: what.to_string(),
        c: *c,
        fonts: fonts.names(),
        others: missing.len() - 1,
    };
    if !allow {
        return Err(error);
    }
    warnings.push(format!(
        "{error}; printed as an empty box (--allow-missing-glyphs)"
    ));
    Ok(())
}
