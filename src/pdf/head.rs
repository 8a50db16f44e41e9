//! The head of a letter's first page: the return-address line, the recipient in the window and
//! the sender's block with the date.

use super::Error;
use super::layout::Layout;
use super::set::{
    ADDRESS_LEADING, ADDRESS_SIZE, MM_PER_PT, PlacedLine, RULE_PITCH, Rule, SMALL_SIZE, Setter,
    Setting,
};
use super::text::{Weight, is_rtl_paragraph};
use crate::render::letter::LetterParts;

/// The return-address line, small, above the window (not for layouts without one).
pub(super) fn return_line(
    setter: &Setter,
    layout: &Layout,
    parts: &LetterParts,
) -> Option<PlacedLine> {
    if layout.return_line <= 0.0 {
        return None;
    }
    let sender: Vec<&str> = parts
        .sender
        .iter()
        .map(String::as_str)
        // Every postal worker reads this line: the supporter's email stays off it.
        .filter(|l| !l.contains("___") && !l.contains('@'))
        .collect();
    if sender.is_empty() {
        return None;
    }
    let (wx, _, ww, _) = layout.window;
    Some(setter.line(
        &sender.join(" · "),
        layout.return_line,
        Setting {
            size: SMALL_SIZE,
            weight: Weight::Regular,
            margins: (wx + 5.0, wx + ww - 5.0),
        },
    ))
}

/// The recipient in the window; an address longer than the window holds is an error unless
/// `allow_overflow`.
pub(super) fn window_address(
    setter: &Setter,
    layout: &Layout,
    parts: &LetterParts,
    what: &str,
    allow_overflow: bool,
) -> Result<Vec<PlacedLine>, Error> {
    let (wx, wy, ww, wh) = layout.window;
    let zone = wy + wh - layout.address_top;
    let max_lines = ((zone - 1.0) / (ADDRESS_LEADING * MM_PER_PT)).floor() as usize;
    let address: Vec<String> = parts
        .recipient
        .iter()
        .flat_map(|l| {
            setter
                .fonts
                .wrap(l, ADDRESS_SIZE, (ww - 10.0) / MM_PER_PT, Weight::Regular)
        })
        .collect();
    if address.len() > max_lines && !allow_overflow {
        return Err(Error::AddressOverflow {
            what: what.to_string(),
            lines: address.len(),
            layout: layout.name,
            max: max_lines,
        });
    }
    let setting = Setting {
        size: ADDRESS_SIZE,
        weight: Weight::Regular,
        margins: (wx + 5.0, wx + ww - 5.0),
    };
    let mut y = layout.address_top + ADDRESS_SIZE * MM_PER_PT;
    let mut lines = Vec::new();
    for text in &address {
        lines.push(setter.line(text, y, setting));
        y += ADDRESS_LEADING * MM_PER_PT;
    }
    Ok(lines)
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
            lines.push(setter.line(text, y, setting));
            y += 11.0 * MM_PER_PT;
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
            let line = setter.line(label, y, ruled);
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
    lines.push(setter.line(&parts.date, y + 4.0, setting));
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
