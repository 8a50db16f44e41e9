//! Issue 15, dates and typography: English dates by the supporter's region, the typography pass
//! (quotation marks, apostrophes, French spacing, no-break spaces before dashes, apostrophes in
//! address blocks) in the text letter and on the PDF's placed lines, and the Chinese letter form
//! (the date under the signature, indented paragraphs).

use appeal::model::lang::Lang;
use appeal::model::supporter::Supporter;
use appeal::pdf::{FontChain, LAYOUTS, Placed, admit_fonts, place};
use appeal::render::letter::{Letter, LetterParts};
use appeal::render::typography::{NBSP, NNBSP, Typography};

use crate::harness::{EVA, Test, eva, repo};

const LANGS: [&str; 8] = ["ru", "en", "fr", "de", "es", "ar", "fa", "zh"];

fn date() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
}

/// Every letter of the shipped campaign `id` from `supporter` in `lang`, with its parts.
fn letters(id: &str, lang: &str, supporter: Option<&Supporter>) -> Vec<Letter> {
    let file = repo().join(format!("campaigns/{id}.yaml"));
    crate::harness::render_letters(&file, supporter, date(), &[lang])
}

fn shipped_campaigns() -> [&'static str; 3] {
    ["ablyazov-2015", "juraev-2011", "no-extradition-to-russia"]
}

fn placed_on_every_layout(fonts: &FontChain, letter: &Letter) -> Vec<Placed> {
    let parts = letter.parts.as_ref().unwrap();
    LAYOUTS
        .iter()
        .map(|layout| place(fonts, layout, parts, &letter.lang, "t", true).unwrap())
        .collect()
}

/// The signs French spaces from the word before them, and which no line may start with.
const SPACED: [char; 6] = [':', ';', '!', '?', '»', '%'];

fn french_line_faults(text: &str) -> Option<String> {
    let t = text.trim();
    (t.starts_with(SPACED) || t.ends_with('«')).then(|| format!("{t:?}"))
}

#[test]
fn dates_an_english_letter_from_germany_the_british_way() {
    let mut args = vec![
        "letters",
        "campaigns/juraev-2011.yaml",
        "--lang",
        "en",
        "--date",
        "2026-12-01",
    ];
    args.extend_from_slice(&EVA);
    let run = Test::shipped().args(args).run().no_panic().status(0);
    let text = run
        .test
        .read("letters/juraev-2011/eva-muster/ru-prosecutor-general.en.txt");
    assert!(text.contains("\n1 December 2026\n"), "{text}");
    assert!(!text.contains("December 1"), "{text}");
}

#[test]
fn dates_an_english_letter_from_the_us_the_american_way() {
    let run = Test::shipped()
        .args([
            "letters",
            "campaigns/juraev-2011.yaml",
            "--lang",
            "en",
            "--date",
            "2026-12-01",
            "--name",
            "Joe Doe",
            "--address",
            "1 Main Street",
            "--postcode",
            "62701",
            "--city",
            "Springfield",
            "--region",
            "IL",
            "--country",
            "US",
        ])
        .run()
        .no_panic();
    let text = run
        .test
        .read("letters/juraev-2011/joe-doe/ru-prosecutor-general.en.txt");
    assert!(text.contains("\nDecember 1, 2026\n"), "{text}");
}

#[test]
fn an_explicit_english_variant_wins_over_the_supporters_region() {
    let mut args = vec![
        "letters",
        "campaigns/juraev-2011.yaml",
        "--lang",
        "en-US",
        "--date",
        "2026-12-01",
    ];
    args.extend_from_slice(&EVA);
    let run = Test::shipped().args(args).run().no_panic().status(0);
    let text = run
        .test
        .read("letters/juraev-2011/eva-muster/ru-prosecutor-general.en-US.txt");
    assert!(text.contains("\nDecember 1, 2026\n"), "{text}");
}

#[test]
fn dates_an_english_sheet_by_the_sections_country_british_without_one() {
    let sheet = |extra: &[&str]| {
        let mut args = vec!["sheet", "campaigns/juraev-2011.yaml", "--lang", "en"];
        args.extend_from_slice(extra);
        Test::shipped().args(args).run().no_panic().status(0).stdout
    };
    let none = sheet(&[]);
    assert!(none.contains("BEFORE 3 MAY 2011 TO:"), "{none}");
    assert!(none.contains("Issue date: 22 March 2011."), "{none}");
    let de = sheet(&["--country", "DE"]);
    assert!(de.contains("BEFORE 3 MAY 2011 TO:"), "{de}");
    let us = sheet(&["--country", "US"]);
    assert!(us.contains("BEFORE MAY 3, 2011 TO:"), "{us}");
}

#[test]
fn spaces_french_letters_with_narrow_no_break_spaces_in_text_and_pdf() {
    let fonts = FontChain::default();
    let eva = eva();
    let mut seen = (false, false, false);
    for id in shipped_campaigns() {
        for letter in letters(id, "fr", Some(&eva)) {
            let text = &letter.text;
            seen.0 |= text.contains("«\u{202f}aveux\u{202f}»");
            seen.1 |= text.contains("99,7\u{202f}% des");
            seen.2 |= text.contains("Objet\u{202f}: ");
            let body = &letter.parts.as_ref().unwrap().body;
            for sign in [" :", " ;", " !", " ?", "« ", " »", " %", "\u{a0}:"] {
                assert!(!body.contains(sign), "{id}: {sign:?} in\n{body}");
            }
            for placed in placed_on_every_layout(&fonts, &letter) {
                let faults: Vec<String> = placed
                    .pages
                    .iter()
                    .flatten()
                    .filter_map(|l| french_line_faults(&l.text))
                    .collect();
                assert!(
                    faults.is_empty(),
                    "{id} {}: {faults:?}",
                    letter.recipient_id
                );
            }
        }
    }
    assert_eq!(seen, (true, true, true), "« aveux », 99,7 %, Objet :");
}

#[test]
fn never_breaks_a_pdf_line_at_a_narrow_no_break_space() {
    // The same French sentence shifted by one letter at a time, so that the line ends fall on
    // every one of its spaced signs in turn. With ordinary spaces, lines do start with a sign.
    let fr = Lang::parse("fr").unwrap();
    let typed =
        "Objet : il a dit « non » ; vraiment ? Oui ! Et 99,7 % des affaires : « aveux » forcés.";
    let set = Typography::new(&fr, []).line(typed);
    assert!(set.contains(NNBSP));
    let faults = |sentence: &str| -> usize {
        shifted_lines(&fr, sentence, 'm', 80)
            .iter()
            .filter_map(|l| french_line_faults(l))
            .count()
    };
    assert!(faults(typed) > 0, "the test shifts breaks onto the signs");
    assert_eq!(faults(&set), 0);
}

/// The lines of a PDF body of `sentence` six times, placed once for each of `shifts` shifts
/// (`filler` repeated before it), so that the line ends fall on every point of the sentence.
fn shifted_lines(lang: &Lang, sentence: &str, filler: char, shifts: usize) -> Vec<String> {
    let fonts = FontChain::default();
    (0..shifts)
        .flat_map(|shift| {
            let parts = LetterParts {
                sender: vec![],
                recipient: vec!["Someone".into()],
                date: String::new(),
                body: format!(
                    "{}{}",
                    filler.to_string().repeat(shift),
                    format!(" {sentence}").repeat(6)
                ),
                subject: None,
                topic: None,
                return_address: None,
            };
            let placed = place(&fonts, &LAYOUTS[0], &parts, lang, "t", true).unwrap();
            placed
                .pages
                .into_iter()
                .flatten()
                .map(|l| l.text)
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn the_embedded_fonts_draw_no_break_spaces_and_every_quotation_mark() {
    for bytes in [dejavu::sans::regular(), dejavu::sans::bold()] {
        let font = printpdf::ParsedFont::from_bytes(bytes, 0, &mut Vec::new()).unwrap();
        for c in "\u{202f}\u{a0}«»„“”‚‘’".chars() {
            let gid = font.lookup_glyph_index(c as u32);
            assert!(gid.is_some_and(|g| g != 0), "U+{:04X}", c as u32);
        }
    }
}

#[test]
fn quotes_german_russian_and_english_letters_their_own_way() {
    let eva = eva();
    let body = |lang: &str| {
        letters("juraev-2011", lang, Some(&eva))
            .into_iter()
            .find(|l| l.recipient_id == "ru-prosecutor-general")
            .unwrap()
            .parts
            .unwrap()
            .body
    };
    assert!(body("de").contains("ein „Geständnis“ gegen"));
    assert!(body("ru").contains("«признательные показания»"));
    let en = body("en");
    assert!(en.contains("a “confession” against"), "{en}");
    assert!(en.contains("Prosecutor General’s Office"), "{en}");
    // Nesting, on the public pass.
    let nested =
        |lang: &str, text: &str| Typography::new(&Lang::parse(lang).unwrap(), []).line(text);
    assert_eq!(nested("de", "\"Er sagte 'nein'\""), "„Er sagte ‚nein‘“");
    assert_eq!(nested("ru", "\"Он сказал \"нет\"\""), "«Он сказал „нет“»");
    assert_eq!(nested("en", "\"He said 'no'\""), "“He said ‘no’”");
    assert_eq!(nested("es", "\"Dijo \"no\"\""), "«Dijo “no”»");
}

#[test]
fn leaves_no_straight_quote_in_any_shipped_letter_and_is_idempotent() {
    let eva = eva();
    for id in shipped_campaigns() {
        for lang in LANGS {
            for supporter in [Some(&eva), None] {
                for letter in letters(id, lang, supporter) {
                    let parts = letter.parts.as_ref().unwrap();
                    let what = format!("{id} {} {lang}", letter.recipient_id);
                    // Address blocks too: the directory's straight apostrophes become ’.
                    assert!(
                        !letter.text.contains(['"', '\'']),
                        "{what}:\n{}",
                        letter.text
                    );
                    assert!(!parts.recipient.join("\n").contains(['"', '\'']), "{what}");
                    assert!(!parts.date.contains(['"', '\'']), "{what}");
                    let again = Typography::new(&letter.lang, &parts.recipient);
                    assert_eq!(again.text(&parts.body), parts.body, "{what}");
                    assert_eq!(again.text(&letter.text), letter.text, "{what}");
                    for line in &parts.recipient {
                        assert_eq!(&again.address(line), line, "{what}");
                    }
                    assert!(letter.text.contains(&parts.body), "{what}");
                }
            }
        }
    }
}

#[test]
fn sets_apostrophes_in_address_blocks_in_text_and_pdf_and_leaves_their_spacing() {
    // The second native review (fr, new #2): "Monsieur l'Ambassadeur" in the address block,
    // « Monsieur l’Ambassadeur, » in the salutation under it.
    let eva = eva();
    let letters = letters("ablyazov-2015", "fr", Some(&eva));
    let embassy = letters
        .iter()
        .find(|l| l.recipient_id == "fr-embassy-de")
        .unwrap();
    let parts = embassy.parts.as_ref().unwrap();
    let block = [
        "Monsieur l’Ambassadeur de France en Allemagne",
        "Französische Botschaft",
        "Pariser Platz 5",
        "10117 Berlin",
    ];
    assert_eq!(parts.recipient, block);
    assert!(embassy.text.contains(&block.join("\n")), "{}", embassy.text);
    // The PDF's window (and its return line) has the same marks, however it wraps the line.
    let fonts = FontChain::default();
    for placed in placed_on_every_layout(&fonts, embassy) {
        let lines: Vec<&str> = placed.pages[0].iter().map(|l| l.text.as_str()).collect();
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("Monsieur l’Ambassadeur")),
            "{lines:?}"
        );
        assert!(!lines.iter().any(|l| l.contains('\'')), "{lines:?}");
    }
    // Only marks: no narrow space before a colon, no change to postcodes, emails or URLs.
    let fr = Lang::parse("fr").unwrap();
    let address = [
        "Cedex 07 : bât. l'Aile B".to_string(),
        "contact@l'ambassade.example".to_string(),
    ];
    let t = Typography::new(&fr, &address);
    assert_eq!(
        t.text(&address.join("\n")),
        "Cedex 07 : bât. l’Aile B\ncontact@l'ambassade.example"
    );
}

#[test]
fn puts_a_no_break_space_before_spaced_dashes_in_text_and_pdf() {
    let eva = eva();
    let ru = letters("juraev-2011", "ru", Some(&eva));
    let prosecutor = ru
        .iter()
        .find(|l| l.recipient_id == "ru-prosecutor-general")
        .unwrap();
    assert!(
        prosecutor.text.contains(&format!("{NBSP}— ")),
        "{}",
        prosecutor.text
    );
    let de = letters("no-extradition-to-russia", "de", Some(&eva));
    assert!(
        de[0]
            .text
            .contains(&format!("Untersuchungshaft{NBSP}– wie")),
        "{}",
        de[0].text
    );
    for letter in ru.iter().chain(&de) {
        assert!(
            !letter.text.contains(" — ") && !letter.text.contains(" – "),
            "{}",
            letter.text
        );
    }
    // On a page, no line starts with a dash: the sentence shifted by one letter at a time puts
    // line ends on each of its dashes in turn, which with ordinary spaces start lines.
    let lang = Lang::parse("ru").unwrap();
    let typed = "Люди умирают в СИЗО — как директор школы — или без лечения — как Алексанян.";
    let set = Typography::new(&lang, []).line(typed);
    assert_eq!(Typography::new(&lang, []).line(&set), set, "idempotent");
    let dash_starts = |sentence: &str| -> usize {
        shifted_lines(&lang, sentence, 'м', 60)
            .iter()
            .filter(|l| l.trim_start().starts_with(['—', '–']))
            .count()
    };
    assert!(
        dash_starts(typed) > 0,
        "the test shifts breaks onto the dashes"
    );
    assert_eq!(dash_starts(&set), 0);
}

#[test]
fn dates_a_chinese_letter_under_its_signature_in_text_and_pdf() {
    let eva = eva();
    let mut fonts = FontChain::default();
    for supporter in [Some(&eva), None] {
        for letter in letters("juraev-2011", "zh", supporter) {
            admit_fonts(&mut fonts, &letter);
            let lines: Vec<&str> = letter.text.lines().collect();
            let n = lines.len();
            assert_eq!(lines[n - 1], "2026年12月1日", "{}", letter.text);
            assert!(
                lines[n - 2] == "Eva Muster" || lines[n - 2].starts_with("姓名（正楷）"),
                "{}",
                letter.text
            );
            // Once under the letter, and once under a copy's own cover note.
            let dates = if letter.copy { 2 } else { 1 };
            assert_eq!(letter.text.matches("2026年12月1日").count(), dates);
            // 首行缩进两字, «　　此致» indented, «敬礼！» flush left.
            assert!(
                letter.text.contains("\n　　此致\n敬礼！\n"),
                "{}",
                letter.text
            );
            assert!(letter.text.contains("\n　　我相信您会竭尽所能保护"));
            let salutation = lines.iter().position(|l| l.ends_with('：')).unwrap();
            assert!(lines[salutation + 2].starts_with("　　"), "{}", letter.text);
            let parts = letter.parts.as_ref().unwrap();
            assert_eq!(parts.date, "", "the date block is empty");
            assert!(parts.body.ends_with("\n2026年12月1日"));
            assert_pdf_dates_under_signature(&fonts, &letter);
        }
    }
}

/// On every layout, the date is the last line of the letter's last page, under the signature,
/// and nowhere in the head.
fn assert_pdf_dates_under_signature(fonts: &FontChain, letter: &Letter) {
    for placed in placed_on_every_layout(fonts, letter) {
        let last = placed.pages.last().unwrap();
        let lowest = last
            .iter()
            .filter(|l| l.size == 11.0)
            .max_by(|a, b| a.y.total_cmp(&b.y))
            .unwrap();
        assert_eq!(lowest.text, "2026年12月1日");
        let signature = last
            .iter()
            .filter(|l| l.size == 11.0 && l.y < lowest.y)
            .max_by(|a, b| a.y.total_cmp(&b.y))
            .unwrap();
        assert!(
            signature.text == "Eva Muster" || signature.text.starts_with("姓名"),
            "{signature:?}"
        );
        let dated = placed
            .pages
            .iter()
            .flatten()
            .filter(|l| l.text.contains("2026年12月1日"))
            .count();
        // Under the letter's signature, and under a copy's cover note; never in the head.
        let dates = if letter.copy { 2 } else { 1 };
        assert_eq!(
            dated, dates,
            "the date under each signature, and only there"
        );
    }
}

#[test]
fn the_french_sheet_is_set_as_the_letters_are() {
    // The second native review found the sheet still with ordinary spaces before colons and
    // straight apostrophes, while the letters had the French typography.
    let run = Test::shipped()
        .args([
            "sheet",
            "campaigns/juraev-2011.yaml",
            "--lang",
            "fr",
            "--out",
            "-",
        ])
        .run()
        .no_panic()
        .status(0);
    let sheet = &run.stdout;
    assert!(sheet.contains("Risque\u{202F}: "), "{sheet}");
    assert!(sheet.contains("Formule d’appel\u{202F}: "), "{sheet}");
    assert!(sheet.contains("«\u{202F}aveux\u{202F}»"), "{sheet}");
    assert!(
        !sheet.contains(" :"),
        "an ordinary space before a colon:\n{sheet}"
    );
    assert!(!sheet.contains('\''), "a straight apostrophe:\n{sheet}");
    // Markdown's hard line breaks after address lines are kept.
    assert!(sheet.contains("\\\n"), "{sheet}");
}

/// Lines of the kinds letters hold, in every shipped script: quotations straight and curly,
/// apostrophes, dashes, French signs, URLs and emails, no-break spaces, trailing blanks, empty
/// and blank lines, and address lines (the first few) that get their marks only.
const PIECES: [&str; 24] = [
    "Rue de l'Église 3",
    "\"Hauptstraße\" 1 : Hinterhaus",
    "Анна Иванова",
    "«Он сказал \"нет\"» — дважды; 'да'?",
    "ein \"Geständnis\" – wie 'so' …",
    "l'avocat : « aveux » à 99,7 % ! Vraiment?",
    "يجب الإفراج عن \"نظام الدين\" فوراً — دون قيد أو شرط؛ 'الآن'!",
    "«آزادی» برای \"او\" — همین حالا: ۱۲٪",
    "被逼作出\"供述\"——我们要求'立即'释放他：",
    "see https://example.org/it's?a=b:c and o'neil@example.org.",
    "   indented \"quote\"   ",
    "",
    "   ",
    "\u{a0}Street 1\u{202f}",
    "tab\tand 'single' quotes\t",
    "1990–2000, 14:30, 5%",
    "a - b — c – d",
    "'",
    "\"",
    "«",
    "»«",
    "’‘„“”‚",
    "x\r",
    "plain line without signs",
];

#[test]
fn tidies_and_sets_a_text_in_one_pass_as_in_two() {
    use appeal::render::letter::tidy_with;
    use appeal::render::typography::Lines;
    // A fixed linear congruential sequence: varied texts, the same in every run.
    let mut seed: u64 = 0x5eed;
    let mut next = |n: usize| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as usize % n
    };
    let lines = Lines::default();
    for round in 0..400 {
        let lang = Lang::parse(LANGS[round % LANGS.len()]).unwrap();
        let verbatim: Vec<String> = PIECES[..4].iter().map(|p| p.to_string()).collect();
        let text: String = (0..next(12))
            .map(|_| PIECES[next(PIECES.len())])
            .collect::<Vec<_>>()
            .join(["\n", "\n\n", "\n\n\n\n\n", " \n"][next(4)]);
        let max_blank = next(5);
        let alone = Typography::new(&lang, &verbatim);
        let two_passes = alone.text(&tidy_with(&text, max_blank));
        assert_eq!(
            alone.tidy_text(&text, max_blank),
            two_passes,
            "{lang}, {max_blank} blank lines at most: {text:?}"
        );
        let shared = Typography::new(&lang, &verbatim).with_lines(&lines);
        assert_eq!(
            shared.tidy_text(&text, max_blank),
            two_passes,
            "{lang} with the run's lines: {text:?}"
        );
    }
}
