//! Page layouts as data: where the window, the sender's block and the body go on each paper
//! size, from the standards (DIN 5008 forms A and B, the US #10 window envelope).

use super::Error;

/// A page layout: where things go, in millimetres from the top-left corner of the page.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Layout {
    pub name: &'static str,
    pub paper: Paper,
    /// The recipient's address field (the envelope window): left, top, width, height.
    pub window: (f32, f32, f32, f32),
    /// Where the address lines start inside the field: DIN 5008 keeps the first 17.7 mm for a
    /// remark zone whose last line carries the return address.
    pub address_top: f32,
    /// The baseline of the small return-address line just above the address lines (0: none).
    pub return_line: f32,
    /// Left and right margins of the body text.
    pub left: f32,
    pub right: f32,
    /// The sender's block and the date, to the right of the window (DIN 5008 "Informationsblock").
    pub info: (f32, f32),
    /// Where the body starts on the first page, and the top margin of further pages.
    pub body_top: f32,
    pub next_top: f32,
    /// Fold marks and the punch-hole mark, at the left edge.
    pub fold_marks: &'static [f32],
    pub hole_mark: Option<f32>,
}

/// Paper sizes, width and height in millimetres.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paper {
    A4,
    Letter,
}

impl Paper {
    pub fn size(self) -> (f32, f32) {
        match self {
            Paper::A4 => (210.0, 297.0),
            Paper::Letter => (215.9, 279.4),
        }
    }
}

/// DIN 5008 form B (the German and common European default), form A, and US Letter for a #10
/// window envelope. Each is a table of positions, not code.
pub const LAYOUTS: [Layout; 3] = [
    Layout {
        name: "din-b",
        paper: Paper::A4,
        window: (20.0, 45.0, 85.0, 45.0),
        address_top: 62.7,
        return_line: 61.0,
        left: 25.0,
        right: 20.0,
        info: (125.0, 50.0),
        body_top: 103.4,
        next_top: 25.0,
        fold_marks: &[105.0, 210.0],
        hole_mark: Some(148.5),
    },
    Layout {
        name: "din-a",
        paper: Paper::A4,
        window: (20.0, 27.0, 85.0, 45.0),
        address_top: 44.7,
        return_line: 43.0,
        left: 25.0,
        right: 20.0,
        info: (125.0, 32.0),
        body_top: 85.0,
        next_top: 25.0,
        fold_marks: &[87.0, 192.0],
        hole_mark: Some(148.5),
    },
    Layout {
        name: "us10",
        paper: Paper::Letter,
        window: (22.0, 63.5, 89.0, 17.0),
        address_top: 63.5,
        return_line: 0.0,
        left: 25.4,
        right: 25.4,
        info: (25.4, 25.4),
        body_top: 95.0,
        next_top: 25.4,
        fold_marks: &[93.1, 186.2],
        hole_mark: None,
    },
];

impl Layout {
    pub fn named(name: &str) -> Result<Layout, Error> {
        LAYOUTS
            .iter()
            .find(|l| l.name == name)
            .copied()
            .ok_or_else(|| Error::NoLayout(name.to_string()))
    }

    /// The default layout for a paper size: DIN 5008 form B on A4, #10 envelope on Letter.
    pub fn for_paper(paper: Paper) -> Layout {
        match paper {
            Paper::A4 => LAYOUTS[0],
            Paper::Letter => LAYOUTS[2],
        }
    }
}

/// How a run lays letters out.
#[derive(Clone, Copy, Debug)]
pub struct PdfOptions {
    pub layout: Layout,
    /// Warn instead of failing when an address has more lines than the window holds.
    pub allow_overflow: bool,
    /// Warn instead of failing when no font has a glyph for a character (it prints as a box).
    pub allow_missing_glyphs: bool,
}
