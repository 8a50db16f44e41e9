//! Setting lines: type sizes, a placed line, and one line shaped and set flush left or right in
//! its margins, in its own direction. Letters and the sheet share it.

use super::FontChain;
use super::text::{self, Weight, is_rtl_paragraph};

/// The body's type size. It is also its floor: a letter is fitted to its page by spacing, never
/// by smaller type, which officials read on paper and often on a fax.
pub(super) const BODY_SIZE: f32 = 11.0;
/// Baseline to baseline in the body, points: KOMA-Script's scrlttr2 sets 11 pt on 13.6 pt
/// (1.24 × the size), as tight as a sans serif with DejaVu's tall x-height reads well.
pub(super) const BODY_LEADING: f32 = 13.6;
/// The tightest leading a letter is fitted with: DejaVu Sans' ascender to descender is 12.8 pt
/// at 11 pt, so 13 pt still keeps accents and descenders of neighbouring lines apart.
pub(super) const BODY_LEADING_MIN: f32 = 13.0;
/// The leading of lines of CJK text, points: 1.5 em, as Chinese text is set (CLREQ: 1.5 to
/// 1.8 em), looser than Latin text since its characters fill their squares. Never under the
/// line box of the font (Noto Sans CJK: 15.9 pt at 11 pt).
pub(super) const CJK_LEADING: f32 = 16.5;
/// The tightest CJK leading a letter is fitted with: 1.4 em, or the font's line box if taller.
pub(super) const CJK_LEADING_MIN: f32 = 15.4;
/// The space between paragraphs, points, on top of the leading: half a line, as scrlttr2's
/// `parskip=half`, instead of the blank line of plain text.
pub(super) const PARA_SPACE: f32 = 7.0;
/// The least paragraph space a fitted letter keeps: still visibly more than a line break.
pub(super) const PARA_SPACE_MIN: f32 = 3.0;
/// Blank letters: the distance between the rules a supporter writes on by hand, mm (handwriting
/// needs 7-8 mm; text lines of 3.9 mm are too tight to write on).
pub(super) const RULE_PITCH: f32 = 8.0;
pub(super) const ADDRESS_SIZE: f32 = 9.5;
pub(super) const ADDRESS_LEADING: f32 = 10.5;
pub(super) const SMALL_SIZE: f32 = 7.0;
/// Bottom margin: the last body line stays above it, the page number sits in it.
pub(super) const BOTTOM: f32 = 25.0;

/// Where each line of a letter goes: computed before drawing, so tests can check positions.
#[derive(Debug, Default, PartialEq)]
pub struct Placed {
    pub pages: Vec<Vec<PlacedLine>>,
    /// Rules drawn to write on by hand (the sender's block of a blank letter).
    pub rules: Vec<Rule>,
}

/// A horizontal rule, 0.3 pt grey, on one page.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rule {
    /// The page, from 0.
    pub page: usize,
    /// Left and right ends, mm from the left edge of the page.
    pub x: (f32, f32),
    /// mm from the top of the page.
    pub y: f32,
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
    /// What to draw, left to right: shaped once (and kept for the next letter with this line),
    /// drawn as is.
    pub runs: std::sync::Arc<[text::Run]>,
    /// What the line is in the tagged PDF's structure.
    pub role: Role,
    /// The line goes on the element of the line before it (the next line of a paragraph or an
    /// address), rather than starting one of its own.
    pub continues: bool,
    /// The line belongs to a quotation: the letter a copy reproduces.
    pub quote: bool,
}

/// What a line is in a tagged PDF (PDF 32000 14.8.4, the standard structure types), or an
/// artifact: what the page repeats or decorates (page numbers, the running head) and a screen
/// reader skips.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Role {
    /// A paragraph, or a block of lines read as one (an address, the sender's block).
    #[default]
    P,
    /// A heading of level 1-6 (a letter's subject line, the sheet's headings).
    H(u8),
    /// A list item's label (the bullet) and its body; consecutive items form one list.
    Lbl,
    LBody,
    /// Page furniture: page numbers, the running head of continuation pages.
    Artifact,
}

impl PlacedLine {
    /// The line as `role`.
    pub(super) fn tagged(self, role: Role) -> Self {
        PlacedLine { role, ..self }
    }

    /// The line as the next line of the element before it when `continues`.
    pub(super) fn continuing(self, continues: bool) -> Self {
        PlacedLine { continues, ..self }
    }

    /// The line as part of a quotation when `quote`.
    pub(super) fn quoted(self, quote: bool) -> Self {
        PlacedLine { quote, ..self }
    }
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
        role: Role::P,
        continues: false,
        quote: false,
    }
}

/// Sets the lines of a letter. Each paragraph is ordered in its own direction (its first strong
/// character), so "10115 Berlin" stays in that order; it is set flush right when it reads right
/// to left, and in a right-to-left letter always (a Latin signature or address line included).
/// The lines of a block (the sender's, the signature) go to the side the letter reads from.
pub(super) struct Setter<'f> {
    pub(super) fonts: &'f FontChain,
    pub(super) letter_rtl: bool,
}

impl Setter<'_> {
    /// A line of a paragraph reading `rtl`.
    pub(super) fn para_line(&self, text: &str, rtl: bool, y: f32, setting: Setting) -> PlacedLine {
        set_line(self.fonts, text, rtl, rtl || self.letter_rtl, y, setting)
    }

    /// A line of a block (the sender's address, the date): ordered in its own direction, set
    /// flush to the side the letter reads from, with the block's other lines (an Arabic name
    /// in a German letter stays at the block's left edge, over its Berlin street).
    pub(super) fn block_line(&self, text: &str, y: f32, setting: Setting) -> PlacedLine {
        set_line(
            self.fonts,
            text,
            is_rtl_paragraph(text),
            self.letter_rtl,
            y,
            setting,
        )
    }
}
