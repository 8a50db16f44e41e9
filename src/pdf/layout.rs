//! Page layouts as data: where the window, the sender's block and the body go on each paper
//! size, from the standards (DIN 5008 forms A and B, the US #10 window envelope).

use super::Error;
use super::set::{ADDRESS_LEADING, ADDRESS_SIZE, MM_PER_PT};

/// A page layout: where things go, in millimetres from the top-left corner of the page.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Layout {
    pub name: &'static str,
    pub paper: Paper,
    /// The part of the page the envelope window shows, in every position the folded letter can
    /// take in its envelope: left, top, width, height.
    pub window: (f32, f32, f32, f32),
    /// Where the address's type may go inside the window (left, top, right, bottom): the top of
    /// its first line's ascenders and the bottom of its last line's descenders, the clearance
    /// kept from the window's edges.
    pub address: (f32, f32, f32, f32),
    /// The address's type size and leading in points, largest first: an address is set at the
    /// first that fits it, and overflows only at the last (the smallest legible).
    pub address_steps: &'static [(f32, f32)],
    /// The baseline of the small return-address line just above the address lines (0: none).
    pub return_line: f32,
    /// Whether the page goes in a window envelope: a fax or an email attachment does not, and
    /// its address may run below the window (down to the body), never past it.
    pub envelope: bool,
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

/// Millimetres in an inch: the US figures below are the standards' own, in inches.
const IN: f32 = 25.4;

/// The #10 envelope, 4 1/8 x 9 1/2 in outside (the size US envelope makers and USPS list), and
/// its stock window: 1 1/8 x 4 1/2 in, 7/8 in from the left edge and 1/2 in from the bottom.
/// Envelope makers give a window as height x width, then from the left, then from the bottom,
/// the flap on top (response-envelope.com/windows.htm).
const US10_HEIGHT: f32 = 4.125 * IN;
const US10_WIDTH: f32 = 9.5 * IN;
const US10_WINDOW_H: f32 = 1.125 * IN;
const US10_WINDOW_W: f32 = 4.5 * IN;
const US10_WINDOW_LEFT: f32 = 0.875 * IN;
const US10_WINDOW_BOTTOM: f32 = 0.5 * IN;
/// The letter is folded so its top panel is 4 in tall (fold marks at 4 in and 8 in, the last
/// panel 3 in): the folded letter is 1/8 in shorter than the envelope, so it moves at most 1/8 in
/// up and down, where a fold in equal thirds (3 2/3 in) lets it slide 0.46 in and no 6-line
/// address could stay in the window. Sideways the 8 1/2 in page moves in a 9 1/2 in envelope.
const US10_PANEL: f32 = 4.0 * IN;
const US10_PLAY_V: f32 = US10_HEIGHT - US10_PANEL;
const US10_PLAY_H: f32 = US10_WIDTH - 8.5 * IN;
/// USPS DMM 601.6.3 (window envelopes): a clear space of at least 1/8 in between the address
/// and the top, bottom, left and right edges of the window, which must remain when the insert
/// is moved to its full limits in each direction.
const US10_CLEARANCE: f32 = 0.125 * IN;
/// The window's top edge on the envelope, from the envelope's top; the page's top edge lies
/// between the envelope's top (insert pushed up) and US10_PLAY_V below it (insert resting on
/// its fold): the page always shows, through the window, from the top edge of the window with
/// the insert pushed up to its bottom edge with the insert resting on the fold.
const US10_WINDOW_TOP: f32 = US10_HEIGHT - US10_WINDOW_BOTTOM - US10_WINDOW_H;
const US10_SEEN: (f32, f32, f32, f32) = (
    US10_WINDOW_LEFT,
    US10_WINDOW_TOP,
    US10_WINDOW_W - US10_PLAY_H,
    US10_WINDOW_H - US10_PLAY_V,
);
/// USPS addressing guidance: type of 8 to 18 pt, 10-12 pt recommended, no smaller than 8 pt;
/// characters and lines must not touch (DMM automation address standards; see docs/pdf.md).
/// With the clearances, the window keeps 3/4 in (54 pt) for the type: 10 on 12 pt holds 4
/// lines, 9 on 11 pt 5, and 8 on 9 pt 6 (the descenders and the next line's ascenders 1 pt
/// apart: they do not touch).
const US10_STEPS: &[(f32, f32)] = &[(10.0, 12.0), (9.0, 11.0), (8.0, 9.0)];

/// What a line's type takes above and below its baseline, in ems: DejaVu Sans's ascender and
/// descender (0.76 and 0.24), close to those of most sans-serif fonts. The clearances of a
/// window are kept from the type itself, not from its baseline.
pub(super) const ASCENT: f32 = 0.76;
pub(super) const DESCENT: f32 = 0.24;

/// DIN 5008's address zone starts 17.7 mm below the field's top; the first baseline has always
/// sat one type size below it, so the ascenders start a descender's depth lower.
const DIN_TYPE_TOP: f32 = DESCENT * ADDRESS_SIZE * MM_PER_PT;
const DIN_STEPS: &[(f32, f32)] = &[(ADDRESS_SIZE, ADDRESS_LEADING)];

/// DIN 5008 form B (the German and common European default), form A, and US Letter for a #10
/// window envelope. Each is a table of positions, not code.
pub const LAYOUTS: [Layout; 3] = [
    Layout {
        name: "din-b",
        paper: Paper::A4,
        // DIN 5008 form B: the address field 85 x 45 mm, 20 mm from the left, 45 mm from the
        // top; the first 17.7 mm are the remark zone, the address zone below it.
        window: (20.0, 45.0, 85.0, 45.0),
        // 5 mm from the field's sides, as DIN 5008 writes the address; down to its bottom.
        address: (25.0, 62.7 + DIN_TYPE_TOP, 100.0, 90.0),
        address_steps: DIN_STEPS,
        return_line: 61.0,
        envelope: true,
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
        // DIN 5008 form A: the same field 18 mm higher (27 mm from the top).
        window: (20.0, 27.0, 85.0, 45.0),
        address: (25.0, 44.7 + DIN_TYPE_TOP, 100.0, 72.0),
        address_steps: DIN_STEPS,
        return_line: 43.0,
        envelope: true,
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
        // 22.2 mm from the left, 63.5 mm from the top, 88.9 x 22.2 mm.
        window: US10_SEEN,
        // Text 25.4..108.0 mm across, its type 66.7..85.7 mm down: 82.6 x 19.1 mm.
        address: (
            US10_SEEN.0 + US10_CLEARANCE,
            US10_SEEN.1 + US10_CLEARANCE,
            US10_SEEN.0 + US10_SEEN.2 - US10_CLEARANCE,
            US10_SEEN.1 + US10_SEEN.3 - US10_CLEARANCE,
        ),
        address_steps: US10_STEPS,
        // A US return address goes in the envelope's upper left corner, not in its window.
        return_line: 0.0,
        envelope: true,
        left: 25.4,
        right: 25.4,
        info: (25.4, 25.4),
        // Below the window's lowest edge on the page (92.1 mm, the insert pushed up) with the
        // type's ascenders.
        body_top: 96.0,
        next_top: 25.4,
        fold_marks: &[US10_PANEL, 2.0 * US10_PANEL],
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
    /// Write PDF/A-2b (XMP identification, sRGB output intent) for archives.
    pub pdfa: bool,
}

impl PdfOptions {
    /// The same options for pages that go in no envelope (a fax, an email's attachment): the
    /// address is not held to the window, only kept above the body.
    pub fn without_envelope(mut self) -> Self {
        self.layout.envelope = false;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_layout_sets_its_address_inside_its_window_and_on_its_page() {
        for l in LAYOUTS {
            let (wx, wy, ww, wh) = l.window;
            let (left, top, right, bottom) = l.address;
            assert!(!l.address_steps.is_empty(), "{}", l.name);
            assert!(wx <= left && right <= wx + ww && left < right, "{}", l.name);
            assert!(wy <= top && bottom <= wy + wh && top < bottom, "{}", l.name);
            let (page_w, _) = l.paper.size();
            assert!(wx >= 0.0 && wx + ww <= page_w, "{}", l.name);
            assert!(
                l.address_steps.windows(2).all(|s| s[0].0 >= s[1].0),
                "{}: largest first",
                l.name
            );
            assert!(
                l.address_steps
                    .iter()
                    .all(|&(size, leading)| size >= 8.0 && leading > size)
            );
        }
    }

    #[test]
    fn the_us10_window_is_the_envelope_window_less_the_letters_play() {
        let us = Layout::named("us10").unwrap();
        // 7/8 in from the left; 2 1/2 in from the top of a 4 1/8 in envelope (1/2 in from its
        // bottom, 1 1/8 in tall); 1/8 in shorter and 1 in narrower than the window.
        let (x, y, w, h) = us.window;
        for (got, want) in [(x, 22.225), (y, 63.5), (w, 88.9), (h, 25.4)] {
            assert!((got - want).abs() < 0.001, "{got} != {want}");
        }
        assert!(
            (us.fold_marks[0] - 101.6).abs() < 0.001 && (us.fold_marks[1] - 203.2).abs() < 0.001
        );
    }
}
