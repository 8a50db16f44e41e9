//! Which face of which font file draws a script: the regional forms of CJK text chosen by the
//! letter's language, faces of font collections (`.ttc`) named by index, and the questions put to
//! fontconfig (`fc-match`, `fc-list`) for a language, a character or a bold face.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::model::lang::Lang;

/// The regional glyph forms of Han characters and CJK punctuation. One character is drawn
/// differently in a Simplified Chinese, Traditional Chinese, Japanese or Korean font (骨, 直,
/// 说; where ，and 。 sit in their square), so a Chinese letter set in a Japanese face reads as
/// foreign. Hong Kong and Macao use the Traditional forms here: the fonts' own names and code
/// pages do not tell Hong Kong faces from Taiwanese ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Han {
    Sc,
    Tc,
    Jp,
    Kr,
}

impl Han {
    /// The forms of a language written with Han characters (`zh`, `zh-Hans` → SC; `zh-Hant`,
    /// `zh-TW`, `zh-HK` → TC; `ja` → JP; `ko` → KR), from the script CLDR gives the language.
    pub fn of_lang(lang: &Lang) -> Option<Han> {
        match lang.script().as_deref() {
            Some("Hans") => Some(Han::Sc),
            Some("Hant") => Some(Han::Tc),
            Some("Jpan") => Some(Han::Jp),
            Some("Kore") => Some(Han::Kr),
            _ => None,
        }
    }

    /// The forms for `c` in a letter of no CJK language (a name signed 王小明 under an English
    /// letter): kana are Japanese, Hangul Korean, and Han Simplified Chinese.
    pub fn of_char(c: char) -> Han {
        match c as u32 {
            0x3040..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F => Han::Jp,
            0x1100..=0x11FF | 0x3130..=0x318F | 0xA960..=0xA97F | 0xAC00..=0xD7FF => Han::Kr,
            _ => Han::Sc,
        }
    }

    /// The language fontconfig is asked about for these forms.
    pub fn fc_lang(self) -> &'static str {
        match self {
            Han::Sc => "zh-cn",
            Han::Tc => "zh-tw",
            Han::Jp => "ja",
            Han::Kr => "ko",
        }
    }

    /// The forms a Windows language id of a font's name table stands for.
    fn of_name_language(id: u16) -> Option<Han> {
        match id {
            0x0804 | 0x1004 => Some(Han::Sc),
            0x0404 | 0x0C04 | 0x1404 => Some(Han::Tc),
            0x0411 => Some(Han::Jp),
            0x0412 => Some(Han::Kr),
            _ => None,
        }
    }

    fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// A set of `Han` forms: those a face is made for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Forms(u8);

impl Forms {
    pub fn of(han: Han) -> Forms {
        Forms(han.bit())
    }

    /// A face made for no region in particular (a Latin font, or a CJK font that does not say).
    pub fn is_none(self) -> bool {
        self.0 == 0
    }

    pub fn has(self, han: Han) -> bool {
        self.0 & han.bit() != 0
    }

    pub fn with(self, han: Han) -> Forms {
        Forms(self.0 | han.bit())
    }

    /// The forms a face is made for, from the languages of its localized family names: Noto
    /// Sans CJK SC names itself in Chinese (PRC), its JP face in Japanese; WenQuanYi names
    /// itself in Simplified and Traditional Chinese. (The OS/2 code pages do not tell SC from JP
    /// or KR: Noto's faces all declare the same ones.)
    pub fn of_face(face: &rustybuzz::ttf_parser::Face) -> Forms {
        use rustybuzz::ttf_parser::{PlatformId, name_id};
        face.names()
            .into_iter()
            .filter(|n| n.platform_id == PlatformId::Windows)
            .filter(|n| matches!(n.name_id, name_id::FAMILY | name_id::TYPOGRAPHIC_FAMILY))
            .filter_map(|n| Han::of_name_language(n.language_id))
            .fold(Forms::default(), Forms::with)
    }
}

/// Whether `c` belongs to the CJK scripts, whose glyph forms and line height differ from Latin
/// text: Han, kana, Hangul, bopomofo, CJK symbols and punctuation, full-width forms.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x11FF
        | 0x2E80..=0x2FDF
        | 0x3000..=0x9FFF
        | 0xA960..=0xA97F
        | 0xAC00..=0xD7FF
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFFEF
        | 0x20000..=0x3FFFF)
}

/// The face's English family name (typographic family first), to ask fontconfig for its bold.
pub fn family(face: &rustybuzz::ttf_parser::Face) -> Option<String> {
    use rustybuzz::ttf_parser::{PlatformId, name_id};
    [name_id::TYPOGRAPHIC_FAMILY, name_id::FAMILY]
        .into_iter()
        .find_map(|id| {
            face.names().into_iter().find(|n| {
                n.name_id == id && n.platform_id == PlatformId::Windows && n.language_id == 0x0409
            })
        })
        .and_then(|n| n.to_string())
}

/// A `--font` argument: a file, and the face of a collection after `#` (`NotoSansCJK.ttc#2`)
/// when the file by the whole name does not exist.
pub fn split_face(arg: &Path) -> (PathBuf, Option<u32>) {
    let text = arg.to_string_lossy();
    if !arg.exists()
        && let Some((file, index)) = text.rsplit_once('#')
        && let Ok(index) = index.parse::<u32>()
    {
        return (PathBuf::from(file), Some(index));
    }
    (arg.to_path_buf(), None)
}

/// A face fontconfig offers: its file and its index in the file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Candidate {
    pub file: PathBuf,
    pub index: u32,
}

/// Runs a fontconfig tool with `%{file}\t%{index}` output; nothing when fontconfig is absent.
fn candidates(tool: &str, args: &[&str]) -> Vec<Candidate> {
    described(tool, "", args)
        .into_iter()
        .map(|(candidate, _)| candidate)
        .collect()
}

/// As `candidates`, each face with the fields of `more` (`\t%{weight}…`), as fontconfig prints
/// them, after its file and index.
fn described(tool: &str, more: &str, args: &[&str]) -> Vec<(Candidate, Vec<String>)> {
    let Ok(out) = Command::new(tool)
        .args(["--format", &format!("%{{file}}\\t%{{index}}{more}\\n")])
        .args(args)
        .output()
    else {
        return Vec::new();
    };
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| {
            let mut fields = line.split('\t');
            let candidate = Candidate {
                file: PathBuf::from(fields.next()?),
                index: fields.next()?.trim().parse().ok()?,
            };
            Some((candidate, fields.map(str::to_string).collect()))
        })
        .filter(|(c, _)| c.file.is_file())
        .collect()
}

/// The faces fontconfig prefers for sans-serif text in the language of `han`, best first, as
/// the system is configured (`fc-match -s 'sans-serif:lang=zh-cn'`); `bold` asks for a bold
/// weight. The caller checks each face's own names and weight: fontconfig lists every font,
/// the best match first.
pub fn for_forms(han: Han, bold: bool) -> Vec<Candidate> {
    let weight = if bold { ":weight=bold" } else { "" };
    let pattern = format!("sans-serif:lang={}{weight}", han.fc_lang());
    candidates("fc-match", &["-s", &pattern])
}

/// The faces of `family` fontconfig offers for a bold weight, best first.
pub fn bold_of(family: &str) -> Vec<Candidate> {
    // In a fontconfig pattern `-`, `:` and `,` separate fields; `\` escapes them.
    let escaped: String = family
        .chars()
        .flat_map(|c| {
            let escape = matches!(c, '\\' | '-' | ':' | ',').then_some('\\');
            escape.into_iter().chain([c])
        })
        .collect();
    candidates("fc-match", &["-s", &format!("{escaped}:weight=bold")])
}

/// Every face that has a glyph for `c`, the regular ones first (`by_preference`), in a stable
/// order whatever order fontconfig lists them in (`fc-list :charset=…`).
pub fn with_char(c: char) -> Vec<Candidate> {
    let charset = format!(":charset={:x}", c as u32);
    let mut all: Vec<(Preference, Candidate)> = described(
        "fc-list",
        "\\t%{weight}\\t%{slant}\\t%{width}\\t%{family[0]}",
        &[&charset],
    )
    .into_iter()
    .map(|(candidate, fields)| {
        let field = |i: usize| fields.get(i).map_or("", String::as_str);
        (
            by_preference(field(0), field(1), field(2), field(3)),
            candidate,
        )
    })
    .collect();
    all.sort();
    all.into_iter().map(|(_, candidate)| candidate).collect()
}

/// How far a face is from the one body text wants, as fontconfig describes it: its weight from
/// regular (fontconfig's 80; a variable font's range holding 80 is regular), upright, of normal
/// width, then a sans-serif family before one of no kind and a serif one (the letters are set in
/// DejaVu Sans). Fonts for other scripts come in families of weights, and without this the bold
/// face drew whole letters (its file name sorts first).
type Preference = (u32, bool, u32, u8);

fn by_preference(weight: &str, slant: &str, width: &str, family: &str) -> Preference {
    /// The distance of a fontconfig value (`80`, or a range `[0 210]`) from `want`.
    fn distance(value: &str, want: f64) -> u32 {
        let numbers: Vec<f64> = value
            .trim_matches(|c| c == '[' || c == ']')
            .split_whitespace()
            .filter_map(|n| n.parse().ok())
            .collect();
        match numbers[..] {
            [one] => (one - want).abs() as u32,
            [low, high] if low <= want && want <= high => 0,
            [low, high] => (low - want).abs().min((high - want).abs()) as u32,
            _ => u32::MAX,
        }
    }
    let kind = if family.contains("Serif") {
        2
    } else if family.contains("Sans") {
        0
    } else {
        1
    };
    (
        distance(weight, 80.0),
        distance(slant, 0.0) != 0,
        distance(width, 100.0),
        kind,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_the_forms_from_the_letters_language() {
        let han = |tag: &str| Han::of_lang(&Lang::parse(tag).unwrap());
        assert_eq!(han("zh"), Some(Han::Sc));
        assert_eq!(han("zh-Hans"), Some(Han::Sc));
        assert_eq!(han("zh-Hant"), Some(Han::Tc));
        assert_eq!(han("zh-TW"), Some(Han::Tc));
        assert_eq!(han("zh-HK"), Some(Han::Tc));
        assert_eq!(han("ja"), Some(Han::Jp));
        assert_eq!(han("ko"), Some(Han::Kr));
        assert_eq!(han("en"), None);
        assert_eq!(han("ru"), None);
        assert_eq!(Han::of_char('王'), Han::Sc);
        assert_eq!(Han::of_char('か'), Han::Jp);
        assert_eq!(Han::of_char('한'), Han::Kr);
    }

    #[test]
    fn prefers_the_regular_upright_sans_face_for_a_character() {
        let regular = by_preference("80", "0", "100", "Noto Sans Devanagari");
        let bold = by_preference("200", "0", "100", "Noto Sans Devanagari");
        let book = by_preference("75", "0", "100", "Some Sans");
        let italic = by_preference("80", "100", "100", "Noto Sans Devanagari");
        let condensed = by_preference("80", "0", "75", "Noto Sans Devanagari");
        let serif = by_preference("80", "0", "100", "Noto Serif Devanagari");
        let looped = by_preference("80", "0", "100", "Noto Looped Thai");
        let variable = by_preference("[0 210]", "0", "100", "Noto Sans Ethiopic");
        assert!(regular < bold && book < bold && regular < book);
        assert!(regular < italic && regular < condensed);
        assert!(regular < looped && looped < serif);
        assert_eq!(variable, regular);
        assert!(
            by_preference("", "", "", "") > bold,
            "unreadable values come last"
        );
    }

    #[test]
    fn splits_a_face_index_off_a_font_argument() {
        assert_eq!(
            split_face(Path::new("/no/such/NotoSansCJK-Regular.ttc#2")),
            (PathBuf::from("/no/such/NotoSansCJK-Regular.ttc"), Some(2))
        );
        assert_eq!(
            split_face(Path::new("/no/such/font#x.ttf")),
            (PathBuf::from("/no/such/font#x.ttf"), None)
        );
        assert_eq!(
            split_face(Path::new("font.ttf")),
            (PathBuf::from("font.ttf"), None)
        );
    }

    #[test]
    fn counts_cjk_punctuation_and_full_width_forms_as_cjk() {
        for c in ['王', '，', '。', '　', '「', 'か', '한', '！'] {
            assert!(is_cjk(c), "{c}");
        }
        for c in ['a', 'я', 'ب', '·', '“', '1'] {
            assert!(!is_cjk(c), "{c}");
        }
    }
}
