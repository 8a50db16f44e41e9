//! Setting lines: type sizes, a placed line, and one line shaped and set flush left or right in
//! its margins, in its own direction. Letters and the sheet share it.

use super::FontChain;
use super::text::{self, Weight, is_rtl_paragraph};

pub(super) const BODY_SIZE: f32 = 11.0;
pub(super) const BODY_LEADING: f32 = 14.0;
pub(super) const ADDRESS_SIZE: f32 = 9.5;
pub(super) const ADDRESS_LEADING: f32 = 10.5;
pub(super) const SMALL_SIZE: f32 = 7.0;
/// Bottom margin: the last body line stays above it, the page number sits in it.
pub(super) const BOTTOM: f32 = 25.0;

/// Where each line of a letter goes: computed before drawing, so tests can check positions.
#[derive(Debug, Default, PartialEq)]
pub struct Placed {
    pub pages: Vec<Vec<PlacedLine>>,
}

/// One line on a page.
#[derive(Debug, Default, PartialEq)]
pub struct PlacedLine {
    /// Left end of the line, mm from the left edge of the page.
    pub x: f32,
    /// Baseline, mm from the top of the page.
    pub y: f32,
    /// Font size, points.
    pub size: f32,
    pub text: String,
    /// The direction of the paragraph the line belongs to.
    pub rtl: bool,
    pub weight: Weight,
    /// What to draw, left to right: shaped once here, drawn as is.
    pub runs: Vec<text::Run>,
}

pub(super) const MM_PER_PT: f32 = 25.4 / 72.0;

/// How a line is set: its size (points), its weight, and the margins (mm from the left edge of
/// the page) it is set flush left or flush right between.
#[derive(Clone, Copy)]
pub(super) struct Setting {
    pub(super) size: f32,
    pub(super) weight: Weight,
    pub(super) margins: (f32, f32),
}

/// A line of a paragraph reading `rtl`, shaped once, set flush left or flush right in its
/// margins, with its baseline at `y`.
pub(super) fn set_line(
    fonts: &FontChain,
    text: &str,
    rtl: bool,
    flush_right: bool,
    y: f32,
    setting: Setting,
) -> PlacedLine {
    let Setting {
        size,
        weight,
        margins: (left, right),
    } = setting;
    let runs = fonts.runs(text, weight, rtl);
    let width: f32 = runs.iter().map(|r| r.width_em * size * MM_PER_PT).sum();
    PlacedLine {
        x: if flush_right { right - width } else { left },
        y,
        size,
        text: text.to_string(),
        rtl,
        weight,
        runs,
    }
}

/// Sets the lines of a letter. Each paragraph is ordered in its own direction (its first strong
/// character), so "10115 Berlin" stays in that order; it is set flush right when it reads right
/// to left, and in a right-to-left letter always (a Latin signature or address line included).
pub(super) struct Setter<'f> {
    pub(super) fonts: &'f FontChain,
    pub(super) letter_rtl: bool,
}

impl Setter<'_> {
    /// A line of a paragraph reading `rtl`.
    pub(super) fn para_line(&self, text: &str, rtl: bool, y: f32, setting: Setting) -> PlacedLine {
        set_line(self.fonts, text, rtl, rtl || self.letter_rtl, y, setting)
    }

    /// A paragraph of one line.
    pub(super) fn line(&self, text: &str, y: f32, setting: Setting) -> PlacedLine {
        self.para_line(text, is_rtl_paragraph(text), y, setting)
    }
}
