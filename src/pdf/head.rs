//! The head of a letter's first page: the return-address line, the recipient in the window and
//! the sender's block with the date.

use super::layout::{ASCENT, DESCENT, Layout};
use super::set::{MM_PER_PT, PlacedLine, RULE_PITCH, Rule, SMALL_SIZE, Setter, Setting, set_line};
use super::text::{Weight, is_rtl_paragraph};
use super::{Error, FontChain};
use crate::render::letter::LetterParts;

/// The return line shrinks from `SMALL_SIZE` to no less than this to fit the window's width:
/// 6 pt is the smallest a postal worker reads without a loupe; below it, it takes more lines.
const RETURN_FLOOR: f32 = 6.0;
/// Without an envelope the address may run down to this far above the body's first baseline:
/// the body's ascenders (2.95 mm at 11 pt) and 2 mm of space.
const ABOVE_BODY: f32 = 5.0;

/// The return-address line, small, above the window (not for layouts without one).
pub(super) fn return_line(
    setter: &Setter,
    layout: &Layout,
    parts: &LetterParts,
) -> Vec<PlacedLine> {
    if layout.return_line <= 0.0 {
        return Vec::new();
    }
    // Name, street, postcode and city, as the renderer made it (none on a blank letter), parts
    // joined by `SEPARATOR` so that a line too wide for the window breaks between them.
    let Some(sender) = parts.return_address.as_deref().filter(|s| !s.is_empty()) else {
        return Vec::new();
    };
    set_return_line(setter.fonts, layout, sender)
}

/// The return line set inside the window's address margins, flush by its own script (a Latin
/// address flush left in an Arabic letter too): at `SMALL_SIZE`, shrunk down to `RETURN_FLOOR`
/// when wider than the window, then broken onto lines going up into the remark zone; only when
/// the remark zone is full is the last line cut, with an ellipsis. Nothing runs off the window.
fn set_return_line(fonts: &FontChain, layout: &Layout, text: &str) -> Vec<PlacedLine> {
    let (left, _, right, _) = layout.address;
    let room = (right - left) / MM_PER_PT;
    // The address decides the line's direction, not the name before it: an Arabic name on a
    // Berlin address still comes first, at the left, and the parts follow in the post's order.
    let address = text.split_once(SEPARATOR).map_or(text, |(_, rest)| rest);
    let rtl = is_rtl_paragraph(address);
    let natural = fonts.width(text, SMALL_SIZE, Weight::Regular, rtl);
    let size = if natural <= room {
        SMALL_SIZE
    } else {
        (SMALL_SIZE * room / natural).max(RETURN_FLOOR)
    };
    let mut lines = break_at_separators(fonts, text, size, room);
    let leading = size * 1.2 * MM_PER_PT;
    // The lines go up from the baseline above the address; the top one stays below the window's
    // top edge by its own ascent.
    let zone = layout.return_line - layout.window.1 - ASCENT * size * MM_PER_PT;
    let most = 1 + (zone.max(0.0) / leading).floor() as usize;
    if lines.len() > most {
        lines.truncate(most);
        if let Some(last) = lines.last_mut() {
            *last = shorten(fonts, last, size, room);
        }
    }
    let top = layout.return_line - leading * (lines.len().saturating_sub(1)) as f32;
    let setting = Setting {
        size,
        weight: Weight::Regular,
        margins: (left, right),
    };
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            set_line(fonts, l, rtl, rtl, top + leading * i as f32, setting).continuing(i > 0)
        })
        .collect()
}

/// The return line broken between its parts ("name · street · city") where it can be, so a
/// street stays whole; a part wider than the window alone is broken as a paragraph.
fn break_at_separators(fonts: &FontChain, text: &str, size: f32, room: f32) -> Vec<String> {
    let rtl = is_rtl_paragraph(text);
    let fits = |s: &str| fonts.width(s, size, Weight::Regular, rtl) <= room;
    let mut lines: Vec<String> = Vec::new();
    for part in text.split(SEPARATOR) {
        match lines.last_mut() {
            Some(last) if fits(&format!("{last}{SEPARATOR}{part}")) => {
                last.push_str(SEPARATOR);
                last.push_str(part);
            }
            _ if fits(part) => lines.push(part.to_string()),
            _ => lines.extend(fonts.wrap(part, size, room, Weight::Regular)),
        }
    }
    lines
}

/// What the return line's parts are joined with.
const SEPARATOR: &str = " · ";

/// `line` with an ellipsis at its end, cut to fit `room` points.
fn shorten(fonts: &FontChain, line: &str, size: f32, room: f32) -> String {
    let rtl = is_rtl_paragraph(line);
    let mut kept: Vec<char> = line.chars().collect();
    loop {
        let candidate: String = kept.iter().collect::<String>().trim_end().to_string() + "…";
        if kept.is_empty() || fonts.width(&candidate, size, Weight::Regular, rtl) <= room {
            return candidate;
        }
        kept.pop();
    }
}

/// An address set for a layout: its lines as broken (each with the direction of the address line
/// it came from), the size and leading it is set in, how many lines the room holds at that size,
/// and the address's own lines that were too wide and had to be broken.
#[derive(Clone, Debug, PartialEq)]
pub struct AddressFit {
    pub lines: Vec<(String, bool)>,
    pub size: f32,
    pub leading: f32,
    pub holds: usize,
    pub wrapped: Vec<String>,
}

impl AddressFit {
    pub fn fits(&self) -> bool {
        self.lines.len() <= self.holds
    }
}

/// Fits `recipient` into the layout's window (or, when the page goes in no envelope, above its
/// body): at the largest of the layout's address sizes at which it fits, else at the smallest,
/// where it overflows. `check` asks the same question `letters` does, through this function.
pub fn fit_address(fonts: &FontChain, layout: &Layout, recipient: &[String]) -> AddressFit {
    let bottom = if layout.envelope {
        layout.address.3
    } else {
        layout.body_top - ABOVE_BODY
    };
    for &step in layout.address_steps {
        let at = fit_at(fonts, layout, recipient, step, bottom);
        if at.fits() {
            return at;
        }
    }
    // Overflowing at the smallest size: every layout has one (a test holds LAYOUTS to it).
    let floor = layout.address_steps.last().copied().unwrap_or((8.0, 9.0));
    fit_at(fonts, layout, recipient, floor, bottom)
}

/// The address broken to the width of the window at `size`, and the lines the room down to
/// `bottom` holds: the first baseline sits an ascent below the address's top, and the last
/// line's descenders stay above `bottom`.
fn fit_at(
    fonts: &FontChain,
    layout: &Layout,
    recipient: &[String],
    (size, leading): (f32, f32),
    bottom: f32,
) -> AddressFit {
    let (left, top, right, _) = layout.address;
    let room = (right - left) / MM_PER_PT;
    let mut lines = Vec::new();
    let mut wrapped = Vec::new();
    for line in recipient {
        let rtl = is_rtl_paragraph(line);
        let pieces = fonts.wrap(line, size, room, Weight::Regular);
        if pieces.len() > 1 {
            wrapped.push(line.clone());
        }
        lines.extend(pieces.into_iter().map(|p| (p, rtl)));
    }
    let span = bottom - top - (ASCENT + DESCENT) * size * MM_PER_PT;
    let holds = if span < 0.0 {
        0
    } else {
        1 + (span / (leading * MM_PER_PT)).floor() as usize
    };
    AddressFit {
        lines,
        size,
        leading,
        holds,
        wrapped,
    }
}

/// The recipient in the window, on one edge (flush left, or flush right when every line reads
/// right to left); an address longer than the window holds is an error naming the
/// lines that wrapped, unless `allow_overflow` (then it runs on below the window: no line is
/// ever dropped).
pub(super) fn window_address(
    setter: &Setter,
    layout: &Layout,
    parts: &LetterParts,
    what: &str,
    allow_overflow: bool,
) -> Result<Vec<PlacedLine>, Error> {
    let fit = fit_address(setter.fonts, layout, &parts.recipient);
    if !fit.fits() && !allow_overflow {
        return Err(Error::AddressOverflow {
            what: what.to_string(),
            lines: fit.lines.len(),
            layout: layout.name,
            max: fit.holds,
            wrapped: fit.wrapped,
            envelope: layout.envelope,
        });
    }
    let (left, top, right, _) = layout.address;
    let setting = Setting {
        size: fit.size,
        weight: Weight::Regular,
        margins: (left, right),
    };
    let first = top + ASCENT * fit.size * MM_PER_PT;
    let leading = fit.leading * MM_PER_PT;
    // One edge for the block: flush right only when every line reads right to left; an Arabic
    // addressee above Latin postal lines is set flush left with them, where the post reads.
    let flush_right = fit.lines.iter().all(|(_, rtl)| *rtl);
    Ok(fit
        .lines
        .iter()
        .enumerate()
        .map(|(i, (text, rtl))| {
            set_line(
                setter.fonts,
                text,
                *rtl,
                flush_right,
                first + leading * i as f32,
                setting,
            )
            .continuing(i > 0)
        })
        .collect())
}

/// The sender's block and the date to the right of the window (or above it, for the US layout).
/// In a blank letter, a line with `___` becomes its label and a rule to write on, `RULE_PITCH`
/// below the one above, inside the block: from the label to the block's far side (from the near
/// side to the label in a right-to-left letter), and a line with no label continues the rule
/// above it. Returns the lines and the rules, all on the first page.
pub(super) fn info_block(
    setter: &Setter,
    layout: &Layout,
    parts: &LetterParts,
    page_w: f32,
) -> (Vec<PlacedLine>, Vec<Rule>) {
    let (ix, iy) = layout.info;
    let right = page_w - layout.right;
    let setting = Setting {
        size: 9.0,
        weight: Weight::Regular,
        margins: (ix, right),
    };
    // Rules are as long as a line of the address written by hand needs, not the page's width
    // (the US layout's block runs across the page), from the side the letter reads from.
    let ruled = Setting {
        margins: if setter.letter_rtl {
            (ix.max(right - RULE_BLOCK), right)
        } else {
            (ix, right.min(ix + RULE_BLOCK))
        },
        ..setting
    };
    let mut lines = Vec::new();
    let mut rules = Vec::new();
    let mut y = iy;
    // Where the rule of the line above begins (left to right) or ends (right to left).
    let mut rule_from = None;
    for text in &parts.sender {
        let Some(label) = fill_in_label(text) else {
            // A line wider than the block (a long name or street) wraps inside it, rather than
            // running off the page or, in a right-to-left letter, into the window.
            let width = (right - ix) / MM_PER_PT;
            for part in setter.fonts.wrap(text, 9.0, width, Weight::Regular) {
                // The sender's block is one element, read as one address.
                let continues = !lines.is_empty();
                lines.push(setter.block_line(&part, y, setting).continuing(continues));
                y += 11.0 * MM_PER_PT;
            }
            rule_from = None;
            continue;
        };
        if rules.is_empty() && !lines.is_empty() {
            // Room to write above the first rule.
            y += RULE_PITCH - 11.0 * MM_PER_PT;
        }
        let (left, right) = ruled.margins;
        let rtl = setter.letter_rtl || is_rtl_paragraph(label);
        let mut x = if label.is_empty() {
            rule_from.unwrap_or(if rtl { right } else { left })
        } else {
            let line = setter.block_line(label, y, ruled);
            let w = setter.fonts.width(label, 9.0, Weight::Regular, rtl) * MM_PER_PT;
            lines.push(line);
            if rtl { right - w - 1.5 } else { left + w + 1.5 }
        };
        // A label too long for the block still leaves a rule of a third of it.
        let third = (right - left) / 3.0;
        x = if rtl {
            x.max(left + third)
        } else {
            x.min(right - third)
        };
        rule_from = Some(x);
        rules.push(Rule {
            page: 0,
            x: if rtl { (left, x) } else { (x, right) },
            y: y + 0.6,
        });
        y += RULE_PITCH;
    }
    if !rules.is_empty() {
        y += 11.0 * MM_PER_PT - RULE_PITCH;
    }
    lines.push(setter.block_line(&parts.date, y + 4.0, setting));
    (lines, rules)
}

/// The widest a block of rules runs, mm: a handwritten address line.
const RULE_BLOCK: f32 = 80.0;

/// The label of a fill-in line ("Name: ______" gives "Name:", a line of only underscores ""),
/// or `None` for a line of text. A line with text after its underscores stays text, as written.
fn fill_in_label(line: &str) -> Option<&str> {
    let first = line.find("___")?;
    let last = line.rfind('_')?;
    if !line[last + 1..].trim().is_empty() {
        return None;
    }
    Some(line[..first].trim_end_matches('_').trim())
}
