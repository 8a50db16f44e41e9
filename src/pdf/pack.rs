//! The print pack: the letters of a run in one PDF file.

use printpdf::{PdfDocument, PdfPage};

use super::FontChain;
use super::draw::{FontIds, pages_of, save};
use super::layout::Layout;
use super::set::Placed;

/// A print pack being collected: placed letters one after the other, each from a new page, each
/// font embedded once. The same letters added in the same order give the same bytes.
pub struct Pack {
    doc: PdfDocument,
    ids: Vec<Option<printpdf::FontId>>,
    pages: Vec<PdfPage>,
}

impl Pack {
    /// An empty pack whose document title and subject are `title` (a run's campaign id).
    pub fn new(title: &str) -> Pack {
        let mut doc = PdfDocument::new(title);
        doc.metadata.info.subject = title.to_string();
        Pack {
            doc,
            ids: Vec::new(),
            pages: Vec::new(),
        }
    }

    /// Draws the pages of a placed letter at the end of the pack.
    pub fn add(&mut self, layout: &Layout, placed: &Placed, fonts: &FontChain) {
        let mut ids = FontIds {
            doc: &mut self.doc,
            ids: std::mem::take(&mut self.ids),
        };
        let pages = pages_of(layout, placed, fonts, &mut ids);
        self.ids = ids.ids;
        self.pages.extend(pages);
    }

    /// The pack's PDF file. It has no `/Lang`: its letters may be in several languages.
    pub fn into_bytes(self) -> Vec<u8> {
        let mut doc = self.doc;
        doc.with_pages(self.pages);
        save(&doc, None)
    }
}
