//! The input of a flowing document (the action sheet): blocks of text, read from the small
//! Markdown subset the sheet templates write (headings, `- ` items, paragraphs, hard breaks), and
//! the plain-text form of those blocks.

/// A piece of a sheet, as the Markdown gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// `#` (level 1) or `##` (level 2).
    Heading(u8, String),
    Paragraph(String),
    /// A `- ` list item.
    Bullet(String),
    /// Lines broken where the Markdown breaks them with a trailing `\` (an address).
    Lines(Vec<String>),
}

/// Reads the Markdown of a sheet back into blocks (the subset the templates write: headings,
/// `- ` items, paragraphs, hard breaks), with escapes undone.
pub fn blocks(md: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut para: Vec<String> = Vec::new();
    let flush = |para: &mut Vec<String>, out: &mut Vec<Block>| {
        if para.is_empty() {
            return;
        }
        let hard = para.iter().any(|l| ends_with_hard_break(l));
        let lines: Vec<String> = para
            .drain(..)
            .map(|l| {
                let l = if ends_with_hard_break(&l) {
                    &l[..l.len() - 1]
                } else {
                    l.as_str()
                };
                unescape(l.trim())
            })
            .collect();
        out.push(if hard {
            Block::Lines(lines)
        } else {
            Block::Paragraph(lines.join(" "))
        });
    };
    let mut after_blank = true;
    for line in md.lines() {
        let trimmed = line.trim();
        let blank = trimmed.is_empty();
        if blank {
            flush(&mut para, &mut out);
        } else if let Some(h) = trimmed.strip_prefix("## ") {
            flush(&mut para, &mut out);
            out.push(Block::Heading(2, unescape(h.trim())));
        } else if let Some(h) = trimmed.strip_prefix("# ") {
            flush(&mut para, &mut out);
            out.push(Block::Heading(1, unescape(h.trim())));
        } else if let Some(item) = trimmed.strip_prefix("- ") {
            flush(&mut para, &mut out);
            out.push(Block::Bullet(unescape(item.trim())));
        } else if para.is_empty()
            && !after_blank
            && let Some(Block::Bullet(item)) = out.last_mut()
        {
            // A lazy continuation line of the item above.
            item.push(' ');
            item.push_str(&unescape(trimmed));
        } else {
            para.push(trimmed.to_string());
        }
        after_blank = blank;
    }
    flush(&mut para, &mut out);
    out
}

/// Whether a Markdown line ends in a hard break: an odd number of backslashes at its end (an
/// even number is escaped backslashes).
fn ends_with_hard_break(line: &str) -> bool {
    line.bytes().rev().take_while(|b| *b == b'\\').count() % 2 == 1
}

/// The sheet as plain text: the top headings (the kind of action, its title) in capitals where
/// the script has them, as urgent-action sheets print them; items with a bullet; addresses line
/// by line.
pub fn plain_text(blocks: &[Block]) -> String {
    let mut out = String::new();
    for (i, b) in blocks.iter().enumerate() {
        // Items of one list go line after line; everything else is set apart by a blank line.
        if i > 0 {
            let items = matches!((&blocks[i - 1], b), (Block::Bullet(_), Block::Bullet(_)));
            out.push_str(if items { "\n" } else { "\n\n" });
        }
        match b {
            Block::Heading(1, h) => out.push_str(&h.to_uppercase()),
            Block::Heading(_, h) => out.push_str(h),
            Block::Paragraph(p) => out.push_str(p),
            Block::Bullet(item) => {
                out.push_str("• ");
                out.push_str(item);
            }
            Block::Lines(lines) => out.push_str(&lines.join("\n")),
        }
    }
    out.push('\n');
    out
}

/// Removes the backslashes of Markdown escapes.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\'
            && let Some(next) = chars.peek()
            && next.is_ascii_punctuation()
        {
            out.push(*next);
            chars.next();
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_read_back_as_the_words_written() {
        // The Markdown of coord::sheet's `escape` for these texts (its test checks the same
        // strings), read back.
        for (md, text) in [
            (
                r"Smith \& Sons \*not\* bold, a\_b, \[link\](x), \<b\>, \#1, a\|b, \\n",
                r"Smith & Sons *not* bold, a_b, [link](x), <b>, #1, a|b, \n",
            ),
            (
                "\\- not a list\n1\\. not numbered\n\\+ nor this",
                "- not a list 1. not numbered + nor this",
            ),
            (r"\# not a heading", "# not a heading"),
            (
                "a \\&amp; b \\~\\~not struck\\~\\~\n\\===\nnot code",
                "a &amp; b ~~not struck~~ === not code",
            ),
        ] {
            let joined: Vec<String> = blocks(md)
                .iter()
                .map(|b| match b {
                    Block::Paragraph(p) => p.clone(),
                    other => panic!("{md:?} became {other:?}"),
                })
                .collect();
            assert_eq!(joined.join(" "), text);
        }
    }

    #[test]
    fn an_item_written_over_several_lines_stays_one_item() {
        assert_eq!(
            blocks("- Urge them not to\nextradite her.\n- 1\\. Second\n\nAfter."),
            [
                Block::Bullet("Urge them not to extradite her.".into()),
                Block::Bullet("1. Second".into()),
                Block::Paragraph("After.".into()),
            ]
        );
    }

    #[test]
    fn reads_headings_items_paragraphs_and_addresses() {
        let md = "# URGENT ACTION\n\nFirst line\nsame paragraph.\n\n- an ask\n- another\n\nStreet 1\\\nMoscow\\\nRussia\n\n## And copies to:\n";
        assert_eq!(
            blocks(md),
            [
                Block::Heading(1, "URGENT ACTION".into()),
                Block::Paragraph("First line same paragraph.".into()),
                Block::Bullet("an ask".into()),
                Block::Bullet("another".into()),
                Block::Lines(vec!["Street 1".into(), "Moscow".into(), "Russia".into()]),
                Block::Heading(2, "And copies to:".into()),
            ]
        );
        assert_eq!(
            plain_text(&blocks(md)),
            "URGENT ACTION\n\nFirst line same paragraph.\n\n• an ask\n• another\n\nStreet 1\nMoscow\nRussia\n\nAnd copies to:\n"
        );
    }
}
