//! The head of a letter's first page: the return-address line, the recipient in the window and
//! the sender's block with the date.

use super::Error;
use super::layout::Layout;
use super::set::{
    ADDRESS_LEADING, ADDRESS_SIZE, MM_PER_PT, PlacedLine, SMALL_SIZE, Setter, Setting,
};
use super::text::Weight;
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
    // Name, street, postcode and city, as the renderer made it (none on a blank letter).
    let sender = parts.return_address.as_deref().filter(|s| !s.is_empty())?;
    let (wx, _, ww, _) = layout.window;
    Some(setter.line(
        sender,
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
pub(super) fn info_block(
    setter: &Setter,
    layout: &Layout,
    parts: &LetterParts,
    page_w: f32,
) -> Vec<PlacedLine> {
    let (ix, iy) = layout.info;
    let setting = Setting {
        size: 9.0,
        weight: Weight::Regular,
        margins: (ix, page_w - layout.right),
    };
    let mut lines = Vec::new();
    let mut y = iy;
    for text in &parts.sender {
        lines.push(setter.line(text, y, setting));
        y += 11.0 * MM_PER_PT;
    }
    lines.push(setter.line(&parts.date, y + 4.0, setting));
    lines
}
