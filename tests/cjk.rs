//! Chinese in PDF letters: the Simplified Chinese face of a Noto Sans CJK collection (not its
//! Japanese face 0), bold CJK in the subject, and a `--font` collection face chosen by language
//! or named by index. Needs Noto Sans CJK (Debian `fonts-noto-cjk`, installed by `.ci/run`):
//! skipped with a note without it.

use std::path::PathBuf;

use crate::harness::{EVA, Test};

/// The Noto Sans CJK collection of `style` ("Regular", "Bold") fontconfig knows, if installed.
fn noto_cjk(style: &str) -> Option<PathBuf> {
    let out = std::process::Command::new("fc-list")
        .args([
            "--format",
            "%{file}\\n",
            &format!(":family=Noto Sans CJK SC:style={style}"),
        ])
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(PathBuf::from)
        .find(|p| p.extension().is_some_and(|e| e == "ttc"))
}

/// The base names of the fonts a PDF embeds, subset tags cut off (`NotoSansCJKsc-Regular`).
fn embedded_fonts(pdf: &[u8]) -> Vec<String> {
    let doc = lopdf::Document::load_mem(pdf).expect("a valid PDF");
    let mut names: Vec<String> = doc
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .filter(|d| d.get(b"Type").and_then(|t| t.as_name()).ok() == Some(b"FontDescriptor"))
        .filter_map(|d| d.get(b"FontName").and_then(|n| n.as_name()).ok())
        .map(|n| {
            let name = String::from_utf8_lossy(n);
            name.split_once('+')
                .map_or(name.to_string(), |(_, base)| base.to_string())
        })
        .collect();
    names.sort();
    names
}

/// The PDF letter to the Prosecutor General in `lang`, with `extra` arguments.
fn letter(lang: &str, supporter: &[&str], extra: &[&str]) -> (crate::harness::Run, Vec<u8>) {
    let mut args = vec![
        "letters",
        "campaigns/juraev-2011.yaml",
        "--format",
        "pdf",
        "--date",
        "2026-01-15",
        "--lang",
        lang,
    ];
    args.extend_from_slice(supporter);
    args.extend_from_slice(extra);
    let run = Test::shipped().args(args).run().no_panic().status(0);
    // One supporter: one folder, whatever her name's slug.
    let dir = run.test.path().join("letters/juraev-2011");
    let path = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.is_dir())
        .unwrap_or_else(|| panic!("no supporter's folder in {}", dir.display()))
        .join(format!("ru-prosecutor-general.{lang}.pdf"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (run, bytes)
}

#[test]
fn a_chinese_letter_draws_with_the_simplified_chinese_faces_regular_and_bold() {
    if noto_cjk("Regular").is_none() || noto_cjk("Bold").is_none() {
        eprintln!("skipped: Noto Sans CJK regular and bold not installed (Debian: fonts-noto-cjk)");
        return;
    }
    let (run, pdf) = letter("zh", &EVA, &[]);
    let fonts = embedded_fonts(&pdf);
    assert!(
        fonts.iter().any(|f| f == "NotoSansCJKsc-Regular"),
        "{fonts:?}"
    );
    // Only the subject is bold, and fonts are embedded when a glyph of theirs is drawn.
    assert!(fonts.iter().any(|f| f == "NotoSansCJKsc-Bold"), "{fonts:?}");
    assert!(
        !fonts.iter().any(|f| f.contains("jp") || f.contains("JP")),
        "no Japanese face in a Chinese letter: {fonts:?}"
    );
    run.stderr_lacks("no bold face");
}

#[test]
fn a_chinese_name_under_an_english_letter_is_drawn_in_simplified_chinese() {
    if noto_cjk("Regular").is_none() {
        eprintln!("skipped: Noto Sans CJK not installed (Debian: fonts-noto-cjk)");
        return;
    }
    let (_, pdf) = letter("en", &["--name", "王小明", "--country", "DE"], &[]);
    let fonts = embedded_fonts(&pdf);
    assert!(
        fonts.iter().any(|f| f == "NotoSansCJKsc-Regular"),
        "{fonts:?}"
    );
    assert!(fonts.iter().any(|f| f == "DejaVuSans"), "{fonts:?}");
}

#[test]
fn a_font_collection_given_with_font_gives_the_face_of_the_letters_language() {
    let Some(ttc) = noto_cjk("Regular") else {
        eprintln!("skipped: Noto Sans CJK not installed (Debian: fonts-noto-cjk)");
        return;
    };
    let ttc = ttc.to_string_lossy().into_owned();
    // Without an index: the face is chosen by the letter's language.
    let (_, pdf) = letter("zh", &EVA, &["--font", &ttc]);
    let fonts = embedded_fonts(&pdf);
    assert!(
        fonts.iter().any(|f| f == "NotoSansCJKsc-Regular"),
        "{fonts:?}"
    );
    // `FILE#INDEX` names the face, whatever the language: face 0 is the Japanese one.
    let (_, pdf) = letter("zh", &EVA, &["--font", &format!("{ttc}#0")]);
    let fonts = embedded_fonts(&pdf);
    assert!(
        fonts.iter().any(|f| f == "NotoSansCJKjp-Regular"),
        "{fonts:?}"
    );
    assert!(!fonts.iter().any(|f| f.contains("sc-")), "{fonts:?}");
}

#[test]
fn names_a_face_a_collection_does_not_have() {
    let Some(ttc) = noto_cjk("Regular") else {
        eprintln!("skipped: Noto Sans CJK not installed (Debian: fonts-noto-cjk)");
        return;
    };
    let arg = format!("{}#99", ttc.display());
    let mut args = vec![
        "letters",
        "campaigns/juraev-2011.yaml",
        "--format",
        "pdf",
        "--lang",
        "zh",
        "--font",
        &arg,
    ];
    args.extend_from_slice(&EVA);
    Test::shipped()
        .args(args)
        .run()
        .no_panic()
        .status(1)
        .stderr_has(&format!(
            "--font {arg}: the collection has no face #99: its faces are #0 to #"
        ));
}
