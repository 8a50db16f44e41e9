//! Typography per language, applied once to a rendered letter (its text and its parts): the
//! language's quotation marks, apostrophes, French spacing with narrow no-break spaces, and a
//! no-break space before a spaced dash.
//!
//! Templates and campaign texts can then be typed with straight quotes on any keyboard, and no
//! letter carries a straight quote. The pass works line by line (a letter's paragraph is one
//! line), so the text and the parts a page lays out come out the same, and it is idempotent:
//! what it writes it reads back as the same marks. It leaves alone URLs and email addresses. The
//! lines of address blocks (`Typography::new`) get their quotation marks and apostrophes only
//! ("Monsieur l’Ambassadeur"): their spacing is the post's, as the directory spells it.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::model::lang::Lang;
use crate::render::letter::LetterParts;

/// U+202F NARROW NO-BREAK SPACE: French puts it before ; : ! ? and inside « ». Unicode line
/// breaking treats it as glue (class GL), so no line starts with the sign it holds.
pub const NNBSP: char = '\u{202f}';

/// U+00A0 NO-BREAK SPACE: before a spaced dash (Russian «слово — слово», German „Wort – Wort“),
/// so that no line of a page starts with the dash.
pub const NBSP: char = '\u{a0}';

/// A pair of quotation marks: opening, closing.
type Pair = (char, char);

/// How a language quotes.
#[derive(Clone, Copy, Debug)]
struct Style {
    outer: Pair,
    inner: Pair,
    /// Whether the marks follow the nesting depth (Russian «…„…“…»: the author's straight
    /// double or single quote does not matter), or the kind the author typed (English “…” for
    /// double quotes, ‘…’ for single, which British English uses outside).
    by_depth: bool,
    /// Whether « and » are the language's own marks, read as quotes (and nested) rather than
    /// left as typed.
    guillemets: bool,
    /// French spacing: U+202F before ; : ! ? and % and inside « ».
    french: bool,
}

fn style(lang: &Lang) -> Style {
    let base = lang.as_str().split('-').next().unwrap_or_default();
    let english = Style {
        outer: ('“', '”'),
        inner: ('‘', '’'),
        by_depth: false,
        guillemets: false,
        french: false,
    };
    // Languages quoting with « » outside take their inner marks by depth.
    let guillemets = |inner: Pair, french: bool| Style {
        outer: ('«', '»'),
        inner,
        by_depth: true,
        guillemets: true,
        french,
    };
    match base {
        "de" => Style {
            outer: ('„', '“'),
            inner: ('‚', '‘'),
            ..english
        },
        "ru" | "uk" | "be" => guillemets(('„', '“'), false),
        "fr" => guillemets(('“', '”'), true),
        "es" | "ar" | "fa" => guillemets(('“', '”'), false),
        // English, Chinese (Simplified: “…” and ‘…’) and any language not known here: curly
        // marks rather than straight ones.
        _ => english,
    }
}

/// Lines already set, by language and text. A batch sets the same campaign paragraphs in every
/// supporter's letter: with this each is set once per run. A line's result depends only on its
/// language and text, so the cache never changes a letter; it stops growing at `LINES_KEPT`.
#[derive(Default)]
pub struct Lines {
    set: std::sync::Mutex<HashMap<Lang, HashMap<String, String, Fast>, Fast>>,
}

/// The hash of the `Lines` cache: every line of every letter is looked up, and SipHash, which
/// guards a table against keys chosen to collide, cost more than setting the line. A run's lines
/// come from its own templates, campaign and supporters, and the table is capped.
type Fast = rustc_hash::FxBuildHasher;

/// The most lines `Lines` keeps (a few megabytes at most).
const LINES_KEPT: usize = 20_000;

impl Lines {
    /// Appends the line as set before to `out`; `false` when it was not.
    fn push(&self, lang: &Lang, line: &str, out: &mut String) -> bool {
        let Ok(set) = self.set.lock() else {
            return false;
        };
        match set.get(lang).and_then(|lines| lines.get(line)) {
            Some(done) => {
                out.push_str(done);
                true
            }
            None => false,
        }
    }

    fn keep(&self, lang: &Lang, line: &str, result: &str) {
        if let Ok(mut set) = self.set.lock() {
            let lines = set.entry(lang.clone()).or_default();
            if lines.len() < LINES_KEPT {
                lines.insert(line.to_string(), result.to_string());
            }
        }
    }
}

/// The bytes that start the UTF-8 of a char `Typography::touches`: ASCII quotes and French
/// signs; 0xC2 for « » (U+00AB, U+00BB); 0xE2 for the curly quotes, „ ‚ and the dashes
/// (U+2013 to U+201E).
const LEADS: [bool; 256] = leads(b"\"';!?:%\xc2\xe2");

/// The bytes of `LEADS` without the signs French spacing looks at: what
/// `Typography::touched` looks for in the other languages.
const QUOTE_SIGNS: [u8; 4] = *b"\"'\xc2\xe2";

/// `QUOTE_SIGNS` as a table.
const QUOTE_LEADS: [bool; 256] = leads(&QUOTE_SIGNS);

/// Whether one of the eight bytes of `word` is `byte`: a byte equal to it is zero after the
/// xor, and only a zero byte borrows from its high bit when one is taken from each byte.
fn has_byte(word: u64, byte: u8) -> bool {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let v = word ^ (ONES * u64::from(byte));
    v.wrapping_sub(ONES) & !v & HIGHS != 0
}

/// The table of `signs`.
const fn leads(signs: &[u8]) -> [bool; 256] {
    let mut leads = [false; 256];
    let mut i = 0;
    while i < signs.len() {
        leads[signs[i] as usize] = true;
        i += 1;
    }
    leads
}

/// Whether `text` has a byte of `LEADS`: without one, nothing in it is for this pass.
fn has_lead(text: &str) -> bool {
    text.bytes().any(|b| LEADS[usize::from(b)])
}

/// The typography of one letter: its language's rules and the address lines it only gives
/// quotation marks and apostrophes.
pub struct Typography<'c> {
    lang: Lang,
    /// Lines set before in this run, when there is a run.
    lines: Option<&'c Lines>,
    style: Style,
    /// The address lines, as written and as this pass sets them, so that a second pass over
    /// the letter knows them too. A letter has a dozen or two: comparing is cheaper than hashing.
    verbatim: Vec<Cow<'c, str>>,
}

impl<'c> Typography<'c> {
    /// The rules of `lang`; a line of the letter equal to one of `verbatim` (the lines of the
    /// address blocks, the supporter's name) gets its quotation marks and apostrophes only.
    pub fn new(lang: &Lang, verbatim: impl IntoIterator<Item = &'c String>) -> Self {
        let mut typography = Typography {
            lang: lang.clone(),
            lines: None,
            style: style(lang),
            verbatim: Vec::new(),
        };
        for line in verbatim.into_iter().map(|l| l.trim()) {
            // A line without a lead byte is never compared (`push_line`), and would come out
            // as it is either way.
            if !has_lead(line) {
                continue;
            }
            let set = typography.address(line);
            if set != line {
                typography.verbatim.push(Cow::Owned(set));
            }
            typography.verbatim.push(Cow::Borrowed(line));
        }
        typography
    }

    /// Takes lines set before from `lines`, and keeps the ones it sets there.
    pub fn with_lines(mut self, lines: &'c Lines) -> Self {
        self.lines = Some(lines);
        self
    }

    /// Every line of `text`.
    pub fn text(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() + text.len() / 16);
        for (i, line) in text.split('\n').enumerate() {
            if i > 0 {
                out.push('\n');
            }
            self.push_line(line, &mut out);
        }
        out
    }

    /// `text(&letter::tidy_with(text, max_blank))` in one pass, without the tidied copy: tidying
    /// works on whole lines and so does this pass, line by line.
    pub fn tidy_text(&self, text: &str, max_blank: usize) -> String {
        let mut out = String::with_capacity(text.len() + text.len() / 16);
        super::letter::tidy_into(text, max_blank, &mut out, |line, out| {
            self.push_line(line, out);
        });
        out
    }

    /// The parts as the text has them: the sender's block (its fill-in labels; the address
    /// lines are verbatim), the date and the body with its subject and topic. The address in the
    /// window and the return line are address lines.
    pub fn parts(&self, mut parts: LetterParts) -> LetterParts {
        for line in &mut parts.sender {
            *line = self.line(line);
        }
        for line in &mut parts.recipient {
            *line = self.address(line);
        }
        parts.return_address = parts.return_address.map(|l| self.address(&l));
        parts.date = self.text(&parts.date);
        parts.body = self.text(&parts.body);
        parts.subject = parts.subject.map(|s| self.text(&s));
        parts.topic = parts.topic.map(|s| self.text(&s));
        parts
    }

    /// Whether `c` is a character some rule of this pass looks at: a quotation mark or
    /// apostrophe, a dash, and in French the signs spaced before or after. The definition
    /// `touched` is tested against.
    #[cfg(test)]
    fn touches(&self, c: char) -> bool {
        token(c, self.style).is_some()
            || matches!(c, '—' | '–')
            || (self.style.french && matches!(c, ';' | '!' | '?' | ':' | '%' | '«' | '»'))
    }

    /// Whether `line` has a char `touches`, read from its bytes: every such char starts with a
    /// byte of `LEADS`, and the few that are not ASCII are « » (C2 AB, C2 BB) and the dashes
    /// and curly marks from U+2013 to U+201E (E2 80 93 to E2 80 9E). A Russian paragraph's
    /// "!" or a "№" (E2 84 96) is then passed over without decoding the line.
    fn touched(&self, line: &str) -> bool {
        // French spaces ; ! ? : %, which are in `LEADS` and not in `QUOTE_LEADS`.
        let leads = if self.style.french {
            &LEADS
        } else {
            &QUOTE_LEADS
        };
        let bytes = line.as_bytes();
        let mut at = 0;
        while let Some(i) = self.next_lead(bytes, at, leads) {
            let next = |n: usize| bytes.get(i + n).copied();
            let hit = match bytes[i] {
                0xc2 => {
                    matches!(next(1), Some(0xab | 0xbb))
                        && (self.style.guillemets || self.style.french)
                }
                0xe2 => {
                    next(1) == Some(0x80)
                        && matches!(
                            next(2),
                            Some(0x93 | 0x94 | 0x98 | 0x99 | 0x9a | 0x9c | 0x9d | 0x9e)
                        )
                }
                _ => true,
            };
            if hit {
                return true;
            }
            at = i + 1;
        }
        false
    }

    /// Where the next byte of `leads` is in `bytes` from `at`. Outside French, whose signs
    /// are many, eight bytes at a time are passed over while none of them is one of
    /// `QUOTE_SIGNS` (a paragraph is mostly letters and spaces).
    fn next_lead(&self, bytes: &[u8], mut at: usize, leads: &[bool; 256]) -> Option<usize> {
        if !self.style.french {
            while let Some(Ok(word)) = bytes.get(at..at + 8).map(<[u8; 8]>::try_from) {
                let word = u64::from_le_bytes(word);
                if QUOTE_SIGNS
                    .iter()
                    .fold(false, |any, &b| any | has_byte(word, b))
                {
                    break;
                }
                at += 8;
            }
        }
        let i = bytes
            .get(at..)?
            .iter()
            .position(|&b| leads[usize::from(b)])?;
        Some(at + i)
    }

    /// One line (a paragraph); a verbatim one as an address line.
    pub fn line(&self, line: &str) -> String {
        let mut out = String::with_capacity(line.len());
        self.push_line(line, &mut out);
        out
    }

    /// Appends `line` as `line` sets it to `out`.
    fn push_line(&self, line: &str, out: &mut String) {
        // Most lines of a letter hold nothing this pass changes: found so from their bytes,
        // without decoding a char or comparing them with the address lines, they come out as
        // they are, address lines or not (an address line gets a subset of the rules).
        if !self.touched(line) {
            out.push_str(line);
            return;
        }
        let trimmed = line.trim();
        if self.verbatim.iter().any(|v| v.as_ref() == trimmed) {
            self.push_address(line, out);
            return;
        }
        if self
            .lines
            .is_some_and(|lines| lines.push(&self.lang, line, out))
        {
            return;
        }
        let set = self.set(line);
        if let Some(lines) = self.lines {
            lines.keep(&self.lang, line, &set);
        }
        out.push_str(&set);
    }

    /// A line set by every rule of the language.
    fn set(&self, line: &str) -> String {
        let mut chars: Vec<char> = line.chars().collect();
        let mut keep = protected(&chars);
        quotes(self.style, &mut chars, &keep);
        if self.style.french {
            french_spacing(&mut chars, &mut keep);
        }
        dash_spacing(&mut chars, &keep);
        chars.into_iter().collect()
    }

    /// A line of an address: the language's quotation marks and apostrophes, nothing that
    /// moves or adds a space (postcodes, street numbers and the post's own spelling stay).
    pub fn address(&self, line: &str) -> String {
        let mut out = String::with_capacity(line.len());
        self.push_address(line, &mut out);
        out
    }

    /// Appends `line` as `address` sets it to `out`.
    fn push_address(&self, line: &str, out: &mut String) {
        if !line.chars().any(|c| token(c, self.style).is_some()) {
            out.push_str(line);
            return;
        }
        let mut chars: Vec<char> = line.chars().collect();
        let keep = protected(&chars);
        quotes(self.style, &mut chars, &keep);
        out.extend(chars);
    }
}

/// Which characters belong to a URL or an email address, which keep their straight quotes and
/// their colons without a space.
fn protected(chars: &[char]) -> Vec<bool> {
    let mut keep = vec![false; chars.len()];
    // Word boundaries as char indices.
    let mut start = 0;
    while start < chars.len() {
        if chars[start].is_whitespace() {
            start += 1;
            continue;
        }
        let end = (start..chars.len())
            .find(|&i| chars[i].is_whitespace())
            .unwrap_or(chars.len());
        // A URL has a colon or starts with www., an email address an @: other words are
        // passed over without being copied.
        if !chars[start..end]
            .iter()
            .any(|c| matches!(c, '@' | ':' | '.'))
        {
            start = end;
            continue;
        }
        let word: String = chars[start..end].iter().collect();
        if let Some((from, to)) = address_in(&word) {
            keep[start + from..start + to].fill(true);
        }
        start = end;
    }
    keep
}

/// The span (char indices) of a URL or an email address in a word, without the punctuation
/// and quotation marks around it.
fn address_in(word: &str) -> Option<(usize, usize)> {
    // ASCII lowercase keeps byte offsets, which `word[..byte]` needs.
    let lower = word.to_ascii_lowercase();
    let at = ["https://", "http://", "mailto:", "www."]
        .iter()
        .filter_map(|p| lower.find(p))
        .min()
        .map(|byte| word[..byte].chars().count());
    let at = at.or_else(|| {
        // An email address: something@something.tld
        let (user, domain) = word.split_once('@')?;
        let user_ok = user.chars().any(char::is_alphanumeric);
        let domain_ok = domain.contains('.') && domain.chars().any(char::is_alphanumeric);
        (user_ok && domain_ok).then(|| {
            word.chars()
                .position(|c| c.is_alphanumeric())
                .unwrap_or_default()
        })
    })?;
    let chars: Vec<char> = word.chars().collect();
    let trailing = |c: char| ".,;:!?)]}\"'»”’“‘«".contains(c);
    let mut end = chars.len();
    while end > at && trailing(chars[end - 1]) {
        end -= 1;
    }
    (end > at).then_some((at, end))
}

/// The kind of mark the author typed: double (" “ ” „ « ») or single (' ‘ ’ ‚).
#[derive(Clone, Copy, PartialEq, Debug)]
enum Kind {
    Double,
    Single,
}

/// A quotation mark as typed: its kind, and its direction when the mark itself says it
/// („ ‚ « open, » closes); straight and curly marks get it from their neighbours.
fn token(c: char, style: Style) -> Option<(Kind, Option<bool>)> {
    match c {
        '"' | '“' | '”' => Some((Kind::Double, None)),
        '„' => Some((Kind::Double, Some(true))),
        '«' if style.guillemets => Some((Kind::Double, Some(true))),
        '»' if style.guillemets => Some((Kind::Double, Some(false))),
        '\'' | '‘' | '’' => Some((Kind::Single, None)),
        '‚' => Some((Kind::Single, Some(true))),
        _ => None,
    }
}

/// Whether a quotation mark after `prev` opens a quotation: at the start, after a space, an
/// opening bracket, a dash or a slash, or right after another opening mark.
fn opens_after(prev: Option<char>, prev_opened: bool) -> bool {
    match prev {
        None => true,
        Some(c) => prev_opened || c.is_whitespace() || "([{<—–-/".contains(c),
    }
}

/// Replaces every quotation mark and apostrophe by the language's own, in place (one char for
/// one), nesting with a stack. A single quote between letters, or after one with no single
/// quotation open, is an apostrophe (’); a single quotation never closed was one too.
fn quotes(style: Style, chars: &mut [char], keep: &[bool]) {
    // Open quotations: their kind and where their opening mark is.
    let mut stack: Vec<(Kind, usize)> = Vec::new();
    let mut prev_opened = false;
    for i in 0..chars.len() {
        let Some((kind, fixed)) = token(chars[i], style).filter(|_| !keep[i]) else {
            prev_opened = false;
            continue;
        };
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1).copied();
        let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        let single_open = stack.iter().any(|&(k, _)| k == Kind::Single);
        if kind == Kind::Single && fixed.is_none() && word(prev) && (word(next) || !single_open) {
            chars[i] = '’';
            prev_opened = false;
            continue;
        }
        let open = fixed.unwrap_or_else(|| {
            if opens_after(prev, prev_opened) {
                true
            } else if !word(next) {
                false
            } else {
                // Between two letters with no space (Chinese writes none): it opens unless a
                // quotation of its kind is open.
                !stack.iter().any(|&(k, _)| k == kind)
            }
        });
        if open {
            chars[i] = mark(style, kind, stack.len(), true);
            stack.push((kind, i));
        } else {
            // Closes the innermost quotation of its kind, and any left open inside it.
            let depth = stack
                .iter()
                .rposition(|&(k, _)| k == kind)
                .unwrap_or(stack.len());
            for &(k, at) in &stack[depth.min(stack.len())..] {
                if k == Kind::Single && k != kind {
                    chars[at] = '’';
                }
            }
            stack.truncate(depth);
            chars[i] = mark(style, kind, depth, false);
        }
        prev_opened = open;
    }
    for (kind, at) in stack {
        if kind == Kind::Single {
            chars[at] = '’';
        }
    }
}

/// The mark for a quotation of `kind` at `depth` (0: outermost).
fn mark(style: Style, kind: Kind, depth: usize, open: bool) -> char {
    let inner = if style.by_depth {
        depth % 2 == 1
    } else {
        kind == Kind::Single
    };
    let (o, c) = if inner { style.inner } else { style.outer };
    if open { o } else { c }
}

/// French spacing: a narrow no-break space (U+202F) before ; : ! ? and %, after « and before »,
/// replacing an ordinary or no-break space there or added where there was none. A colon is
/// spaced only before a space or the end of the line, so times (14:30) and references keep theirs.
fn french_spacing(chars: &mut Vec<char>, keep: &mut Vec<bool>) {
    let space = |c: char| c == ' ' || c == '\u{a0}' || c == NNBSP;
    let mut i = 0;
    while i < chars.len() {
        if keep[i] {
            i += 1;
            continue;
        }
        let c = chars[i];
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1).copied();
        let before = match c {
            '»' => true,
            ';' | '!' | '?' => next.is_none_or(|n| n.is_whitespace() || "»)”.,;:!?".contains(n)),
            ':' => next.is_none_or(char::is_whitespace),
            '%' => prev.is_some_and(|p| p.is_ascii_digit() || space(p)),
            _ => false,
        };
        if before {
            match prev {
                Some(p) if space(p) => chars[i - 1] = NNBSP,
                // After a word, a number or a closing mark; not after another sign (« ?! »),
                // an opening bracket or at the start of the line.
                Some(p) if p.is_alphanumeric() || "»”’)]".contains(p) => {
                    chars.insert(i, NNBSP);
                    keep.insert(i, false);
                    i += 1;
                }
                _ => {}
            }
        }
        if c == '«' {
            match next {
                Some(n) if space(n) => chars[i + 1] = NNBSP,
                Some(_) => {
                    chars.insert(i + 1, NNBSP);
                    keep.insert(i + 1, false);
                }
                None => {}
            }
        }
        i += 1;
    }
}

/// A no-break space (U+00A0) before a spaced em or en dash ("слово — слово", "Wort – Wort"),
/// in place of the ordinary space there, so that no line starts with the dash. A dash at the
/// start of a line (after nothing or only spaces) and an unspaced one ("1990–2000") are left.
fn dash_spacing(chars: &mut [char], keep: &[bool]) {
    for i in 2..chars.len() {
        let spaced = chars.get(i + 1).is_none_or(|n| n.is_whitespace());
        if matches!(chars[i], '—' | '–')
            && !keep[i]
            && spaced
            && chars[i - 1] == ' '
            && !chars[i - 2].is_whitespace()
        {
            chars[i - 1] = NBSP;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typo(lang: &str, text: &str) -> String {
        let t = Typography::new(&Lang::parse(lang).unwrap(), []);
        let once = t.text(text);
        assert_eq!(t.text(&once), once, "idempotent for {text:?}");
        once
    }

    #[test]
    fn spaces_french_punctuation_with_narrow_no_break_spaces() {
        assert_eq!(
            typo("fr", "Objet : l'affaire \"aveux\" à 99,7 % ! Vraiment?"),
            "Objet\u{202f}: l’affaire «\u{202f}aveux\u{202f}» à 99,7\u{202f}%\u{202f}! Vraiment\u{202f}?"
        );
        assert_eq!(typo("fr", "« aveux »"), "«\u{202f}aveux\u{202f}»");
        assert_eq!(
            typo("fr", "à 14:30, voir https://example.org/a?b=c:d"),
            "à 14:30, voir https://example.org/a?b=c:d"
        );
        assert_eq!(typo("fr", "Nom : ____"), "Nom\u{202f}: ____");
    }

    #[test]
    fn nests_each_languages_quotation_marks() {
        assert_eq!(
            typo("de", "ein \"Geständnis\" und 'so'"),
            "ein „Geständnis“ und ‚so‘"
        );
        assert_eq!(typo("de", "„Er sagte \"nein\"“"), "„Er sagte „nein““");
        assert_eq!(typo("ru", "\"Он сказал \"нет\"\""), "«Он сказал „нет“»");
        assert_eq!(typo("ru", "«Он сказал «нет»»"), "«Он сказал „нет“»");
        assert_eq!(
            typo("en", "a \"confession\" isn't 'real'"),
            "a “confession” isn’t ‘real’"
        );
        assert_eq!(typo("es", "una \"confesión\""), "una «confesión»");
        assert_eq!(
            typo("fr", "« il a dit \"non\" »"),
            "«\u{202f}il a dit “non”\u{202f}»"
        );
        assert_eq!(typo("zh", "被逼作出\"供述\""), "被逼作出“供述”");
    }

    #[test]
    fn tells_apostrophes_from_single_quotes() {
        assert_eq!(typo("en", "the Juraevs' case"), "the Juraevs’ case");
        assert_eq!(typo("en", "in the '90s"), "in the ’90s");
        assert_eq!(typo("fr", "aujourd'hui l'avocat"), "aujourd’hui l’avocat");
        assert_eq!(typo("de", "geht's"), "geht’s");
    }

    #[test]
    fn gives_address_lines_apostrophes_only_and_leaves_urls_and_emails_alone() {
        let address = vec![
            "12 rue de l'Église : bât. B".to_string(),
            "o'neil@example.org".to_string(),
        ];
        let t = Typography::new(&Lang::parse("fr").unwrap(), &address);
        let text =
            "12 rue de l'Église : bât. B\no'neil@example.org\nÉcrire à o'neil@example.org : merci";
        let once = t.text(text);
        assert_eq!(
            once,
            "12 rue de l’Église : bât. B\no'neil@example.org\nÉcrire à o'neil@example.org\u{202f}: merci"
        );
        assert_eq!(t.text(&once), once, "idempotent");
        assert_eq!(t.address("75007 Paris"), "75007 Paris");
        assert_eq!(
            typo("en", "see \"https://x.org/it's\"."),
            "see “https://x.org/it's”."
        );
    }

    #[test]
    fn puts_a_no_break_space_before_a_spaced_dash() {
        assert_eq!(
            typo("ru", "Магнитского — российского юриста"),
            "Магнитского\u{a0}— российского юриста"
        );
        assert_eq!(
            typo("de", "sterben – wie Andrej Kudojarow –"),
            "sterben\u{a0}– wie Andrej Kudojarow\u{a0}–"
        );
        // Unspaced, at the start of a line, after an indent: as written.
        assert_eq!(typo("en", "1990–2000"), "1990–2000");
        assert_eq!(typo("ru", "— Нет, — сказал он"), "— Нет,\u{a0}— сказал он");
        assert_eq!(typo("ru", "  — пункт"), "  — пункт");
    }

    #[test]
    fn a_line_set_before_comes_back_the_same_and_per_language() {
        let lines = Lines::default();
        let line = "He said \"no\" - twice: 'yes' – no";
        for lang in ["ru", "de", "fr", "ru", "de", "fr"] {
            let lang = Lang::parse(lang).unwrap();
            let alone = Typography::new(&lang, []).line(line);
            let cached = Typography::new(&lang, []).with_lines(&lines).line(line);
            assert_eq!(cached, alone, "{lang}");
        }
        // An address line of one letter is not set as a paragraph in the next.
        let address = vec!["Rue de l'Église 3".to_string()];
        let fr = Lang::parse("fr").unwrap();
        let first = Typography::new(&fr, &address)
            .with_lines(&lines)
            .line(&address[0]);
        let next = Typography::new(&fr, [])
            .with_lines(&lines)
            .line(&address[0]);
        assert_eq!(first, "Rue de l’Église 3");
        assert_eq!(next, Typography::new(&fr, []).line(&address[0]));
    }

    #[test]
    fn every_sign_the_pass_touches_starts_with_a_lead_byte() {
        for lang in ["ru", "en", "fr", "de", "es", "ar", "fa", "zh"] {
            let t = Typography::new(&Lang::parse(lang).unwrap(), []);
            for c in (0..=0x10ffff)
                .filter_map(char::from_u32)
                .filter(|&c| t.touches(c))
            {
                let mut utf8 = [0; 4];
                let first = c.encode_utf8(&mut utf8).as_bytes()[0];
                assert!(LEADS[usize::from(first)], "{lang}: {c:?}");
            }
        }
    }

    #[test]
    fn a_line_is_touched_exactly_when_it_has_a_char_the_pass_touches() {
        for lang in ["ru", "en", "fr", "de", "es", "ar", "fa", "zh"] {
            let t = Typography::new(&Lang::parse(lang).unwrap(), []);
            for c in (0..=0x10ffff).filter_map(char::from_u32) {
                let line = format!("ab{c}");
                assert_eq!(t.touched(&line), t.touches(c), "{lang}: {c:?}");
                let long = format!("абвгдежзийклмно{c}пр");
                assert_eq!(
                    t.touched(&long),
                    t.touches(c),
                    "{lang}: {c:?} in a long line"
                );
                let cut = format!("{c}\u{2116}«\u{a0}");
                assert_eq!(
                    t.touched(&cut),
                    cut.chars().any(|c| t.touches(c)),
                    "{lang}: {cut:?}"
                );
            }
        }
    }

    #[test]
    fn finds_a_byte_in_a_word_wherever_it_is() {
        for byte in [0u8, 0x22, 0x80, 0xc2, 0xe2, 0xff] {
            for at in 0..8 {
                let mut word = [0xd0u8; 8];
                assert!(!has_byte(u64::from_le_bytes(word), byte) || byte == 0xd0);
                word[at] = byte;
                assert!(has_byte(u64::from_le_bytes(word), byte), "{byte:x} at {at}");
                // A byte one above or below, or with the high bit flipped, is not it.
                for other in [byte.wrapping_add(1), byte.wrapping_sub(1), byte ^ 0x80] {
                    let mut near = [0x41u8; 8];
                    near[at] = other;
                    assert_eq!(
                        has_byte(u64::from_le_bytes(near), byte),
                        byte == 0x41,
                        "{other:x} for {byte:x}"
                    );
                }
            }
        }
    }

    #[test]
    fn leaves_no_straight_quote() {
        for lang in ["ru", "en", "fr", "de", "es", "ar", "fa", "zh"] {
            let out = typo(lang, "\"a 'b' c\" d'e 'f \"g");
            assert!(!out.contains(['"', '\'']), "{lang}: {out}");
        }
    }
}
