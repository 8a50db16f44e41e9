//! The PDF output: letters as PDF files beside the text ones, or all of a run in one print pack.
//! The layout and the drawing are `crate::pdf`'s; this adapter only decides where the bytes go.

use std::path::PathBuf;

use super::output::{Addressed, Folders, Output, Written, letter_path, write_file};
use crate::pdf::{FontChain, Pack, PdfOptions, Placed, admit_fonts, layout_letter, render};
use crate::render::letter::Letter;

/// PDF letters: `OUT/<campaign>/<supporter>/<recipient>.<lang>.pdf`. With `combined()`, one
/// `OUT/<campaign>/print-pack.pdf` holds every letter of the run instead, each from a new page,
/// the font embedded once.
pub struct PdfOutput {
    out: PathBuf,
    force: bool,
    options: PdfOptions,
    folders: Folders,
    combine: bool,
    /// The print pack and the campaign it is for (its folder).
    pack: Option<(Pack, String)>,
    fonts: FontChain,
}

impl PdfOutput {
    pub fn new(out: PathBuf, force: bool, options: PdfOptions, fonts: FontChain) -> Self {
        PdfOutput {
            folders: Folders::under(&out),
            out,
            force,
            options,
            combine: false,
            pack: None,
            fonts,
        }
    }

    /// Collects every letter into one print pack, written by `finish`.
    pub fn combined(mut self) -> Self {
        self.combine = true;
        self
    }
}

/// A letter ready to be stored: its file's bytes, or its placed lines for the print pack.
pub enum PdfPrepared {
    File(PathBuf, Vec<u8>),
    Pack(PathBuf, Box<Placed>, String),
}

impl Output for PdfOutput {
    type Prepared = PdfPrepared;

    fn name(&self) -> &'static str {
        "pdf"
    }

    fn needs_parts(&self) -> bool {
        true
    }

    fn collects(&self) -> bool {
        self.combine
    }

    fn admit(&mut self, letter: &Letter) {
        admit_fonts(&mut self.fonts, letter);
    }

    fn prepare(
        &self,
        letter: Letter,
        to: &Addressed,
    ) -> crate::batch::Result<(PdfPrepared, Vec<String>)> {
        let path = letter_path(&self.out, &letter, to.slug, "pdf");
        let what = format!(
            "the {} letter to `{}` ({})",
            letter.lang, letter.recipient_id, to.slug
        );
        let mut warnings = Vec::new();
        if self.combine {
            let placed = layout_letter(&self.fonts, &self.options, &letter, &what, &mut warnings)?;
            let prepared = PdfPrepared::Pack(path, Box::new(placed), letter.campaign_id);
            return Ok((prepared, warnings));
        }
        let bytes = render(&self.fonts, &self.options, &letter, &what, &mut warnings)?;
        Ok((PdfPrepared::File(path, bytes), warnings))
    }

    fn write(&mut self, prepared: PdfPrepared, _to: &Addressed) -> crate::batch::Result<Written> {
        match prepared {
            PdfPrepared::File(path, bytes) => {
                self.folders.ensure(&path)?;
                write_file(&path, &bytes, self.force)
            }
            PdfPrepared::Pack(path, placed, campaign_id) => {
                let (pack, _) = self
                    .pack
                    .get_or_insert_with(|| (Pack::new(&campaign_id), campaign_id));
                pack.add(&self.options.layout, &placed, &self.fonts);
                Ok(Written::New(path))
            }
        }
    }

    fn finish(&mut self) -> crate::batch::Result<Option<Written>> {
        let Some((pack, campaign_id)) = self.pack.take() else {
            return Ok(None);
        };
        let path = self.out.join(&campaign_id).join("print-pack.pdf");
        let bytes = pack.into_bytes();
        self.folders.ensure(&path)?;
        write_file(&path, &bytes, self.force).map(Some)
    }
}
