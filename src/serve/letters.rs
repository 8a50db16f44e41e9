//! A supporter's letters, made in memory by the same run as `appeal letters` with one supporter:
//! the same planning (who gets a letter, copies, her country's embassy), the same templates, the
//! same typesetter. Nothing of hers is written to disk.

use std::path::PathBuf;

use crate::batch::output::{Addressed, Output, Written};
use crate::batch::run;
use crate::model::lang::Lang;
use crate::model::supporter::Supporter;
use crate::pdf::{DocInfo, FontChain, Layout, Pack, Paper, PdfOptions, layout_letter};
use crate::render::letter::Letter;

use super::site::{Action, Site};

/// One of her letters, as the preview shows it.
pub struct Made {
    pub letter: Letter,
    /// The official's title in the letter's language (or the directory id).
    pub to: String,
    /// The entry has a postal address (else the page goes by fax or email: no envelope window).
    pub posted: bool,
    /// The entry has an email address, a fax number.
    pub email: bool,
    pub fax: bool,
}

/// Collects a run's letters in memory.
struct Collect {
    parts: bool,
    made: Vec<Made>,
}

impl Output for Collect {
    type Prepared = Letter;

    fn name(&self) -> &'static str {
        "web"
    }

    fn needs_parts(&self) -> bool {
        self.parts
    }

    fn prepare(
        &self,
        letter: Letter,
        _to: &Addressed,
    ) -> crate::batch::Result<(Letter, Vec<String>)> {
        Ok((letter, Vec::new()))
    }

    fn write(&mut self, letter: Letter, to: &Addressed) -> crate::batch::Result<Written> {
        let title = to
            .recipient
            .title
            .get(&letter.lang)
            .unwrap_or(&letter.recipient_id)
            .to_string();
        let name = format!("{}.{}", letter.recipient_id, letter.lang);
        self.made.push(Made {
            letter,
            to: title,
            posted: !to.recipient.address.is_empty(),
            email: to.recipient.email.is_some(),
            fax: to.recipient.fax.is_some(),
        });
        Ok(Written::New(PathBuf::from(name)))
    }
}

/// Why her letters could not be made: what the run said, for the page.
#[derive(Debug)]
pub struct Failed(pub Vec<String>);

/// Her letters to the action's addressees in `lang`, dated today; with `parts` for a page layout.
pub fn make(
    site: &Site,
    action: &Action,
    supporter: Supporter,
    lang: Lang,
    parts: bool,
) -> Result<Vec<Made>, Failed> {
    let job = action.job(supporter, lang, site.today());
    let mut output = Collect {
        parts,
        made: Vec::new(),
    };
    let summary = run::letters_loaded(&job, &action.loaded, &mut output)
        .map_err(|e| Failed(vec![e.to_string()]))?;
    if !summary.failed.is_empty() || !summary.failed_rows.is_empty() {
        let mut why = summary.failed;
        why.extend(summary.failed_rows);
        return Err(Failed(why));
    }
    if output.made.is_empty() {
        return Err(Failed(summary.skipped.into_keys().collect()));
    }
    Ok(output.made)
}

/// Her letters as one PDF: each letter from a new page, with a bookmark each (one letter: as
/// `appeal letters` writes it), on the paper of her country (US Letter in the Americas that use
/// it, else A4).
pub fn pdf(made: &[Made], fonts: &FontChain, country: Option<&str>) -> Result<Vec<u8>, Failed> {
    let paper = match country {
        Some("US" | "CA" | "MX" | "PH" | "CL" | "CO" | "VE" | "GT" | "CR" | "PA" | "DO" | "PR") => {
            Paper::Letter
        }
        _ => Paper::A4,
    };
    let options = PdfOptions {
        layout: Layout::for_paper(paper),
        allow_overflow: false,
        allow_missing_glyphs: false,
        pdfa: false,
    };
    let mut fonts = fonts.clone();
    for m in made {
        crate::pdf::admit_fonts(&mut fonts, &m.letter);
    }
    let Some(first) = made.first() else {
        return Err(Failed(vec!["no letter to write".to_string()]));
    };
    if let [only] = made {
        // One letter: the very file `appeal letters --format pdf` writes (its font subsets
        // kept for the next request that draws the same glyphs).
        let options = if only.posted {
            options
        } else {
            options.without_envelope()
        };
        let what = format!("the {} letter to {}", only.letter.lang, only.to);
        return crate::pdf::render(&fonts, &options, &only.letter, &what, &mut Vec::new())
            .map_err(|e| Failed(vec![e.to_string()]));
    }
    let info = DocInfo {
        title: first.letter.title.clone(),
        author: first.letter.signature.clone(),
        subject: first.letter.campaign_id.clone(),
        lang: Some(first.letter.lang.to_string()),
        date: Some(first.letter.date),
        pdfa: false,
    };
    let io = |e: std::io::Error| Failed(vec![e.to_string()]);
    let mut pack = Pack::new(Vec::new(), info, false).map_err(io)?;
    for m in made {
        let options = if m.posted {
            options
        } else {
            options.without_envelope()
        };
        let what = format!("the {} letter to {}", m.letter.lang, m.to);
        let mut warnings = Vec::new();
        let placed = layout_letter(&fonts, &options, &m.letter, &what, &mut warnings)
            .map_err(|e| Failed(vec![e.to_string()]))?;
        let copy = if m.letter.copy { ", copy" } else { "" };
        let bookmark = format!("{} ({}{copy})", m.to, m.letter.lang);
        pack.add(
            &options.layout,
            &placed,
            &fonts,
            &bookmark,
            m.letter.lang.as_str(),
        )
        .map_err(io)?;
    }
    pack.finish().map_err(io)
}
