//! Addressees as each language names them: the lines above the address and the salutation made
//! from an entry's `gender` and `kind` (data/addressees.yaml) where the entry gives none, and the
//! copy letter's cover naming its target ("копию моего письма Министру юстиции ...").

use crate::harness::{EVA, Run, Test};

const LANGS: [&str; 8] = ["ru", "en", "fr", "de", "es", "ar", "fa", "zh"];

/// A campaign in every language, to a female minister, a male prosecutor and a court, with a
/// copy to the embassy of RU in the supporter's country (a woman ambassador).
fn campaign() -> String {
    let text = |what: &str| {
        let entries: Vec<String> = LANGS
            .iter()
            .map(|l| format!("{l}: \"{what} {l}\""))
            .collect();
        format!("{{{}}}", entries.join(", "))
    };
    format!(
        r#"id: forms
issued: 2026-01-10
deadline: 2026-03-01
languages: [{langs}]
title: {title}
persons:
  - name: {{Latn: "Anna Test", Cyrl: "Анна Тест", Arab: "آنا تست", Hans: "安娜·泰斯特"}}
    gender: f
risk: {risk}
background: {background}
letter: {letter}
asks:
  - sheet: {ask}
    letter: {ask}
targets:
  - recipient: xx-minister
  - recipient: xx-prosecutor
  - recipient: xx-court
copies:
  - embassy_of: RU
"#,
        langs = LANGS.join(", "),
        title = text("Title"),
        risk = text("Risk"),
        background = text("Background"),
        letter = text("Letter"),
        ask = text("Ask"),
    )
}

/// No entry gives a salutation or (but for the Russian dative) a block: the forms make them.
const DIRECTORY: &str = r#"recipients:
  - id: xx-minister
    kind: ministry
    country: RU
    name: {Latn: "Maria Ivanova", Cyrl: "Мария Иванова", Arab: "ماريا إيفانوفا", Hans: "玛丽亚·伊万诺娃"}
    gender: f
    title: {en: "Minister of Justice", ru: "Министр юстиции", fr: "Ministre de la Justice", de: "Justizministerin", es: "Ministra de Justicia", ar: "وزيرة العدل", fa: "وزیر دادگستری", zh: "司法部长"}
    office: {en: "Minister", ru: "министр", fr: "Ministre", de: "Ministerin", es: "Ministra", ar: "الوزيرة", fa: "وزیر", zh: "部长"}
    addressee:
      ru: |
        Министру юстиции
        М. Ивановой
    to: {fr: "à Madame la Ministre de la Justice"}
    address: ["Street 1"]
    postcode: "125993"
    city: Moscow
    verified: {date: 2026-01-01, source: "test"}
  - id: xx-prosecutor
    kind: official
    country: RU
    name: {Latn: "Ivan Petrov", Cyrl: "Иван Петров", Arab: "إيفان بيتروف", Hans: "伊万·彼得罗夫"}
    gender: m
    title: {en: "Prosecutor General", ru: "Генеральный прокурор", fr: "Procureur général", de: "Generalstaatsanwalt", es: "Fiscal General", ar: "النائب العام", fa: "دادستان کل", zh: "总检察长"}
    address: ["Street 2"]
    postcode: "125993"
    city: Moscow
    verified: {date: 2026-01-01, source: "test"}
  - id: xx-court
    kind: court
    country: RU
    title: {en: "Moscow City Court", ru: "Московский городской суд", fr: "Tribunal de la ville de Moscou", de: "Moskauer Stadtgericht", es: "Tribunal de la Ciudad de Moscú", ar: "محكمة مدينة موسكو", fa: "دادگاه شهر مسکو", zh: "莫斯科市法院"}
    address: ["Street 3"]
    postcode: "107076"
    city: Moscow
    verified: {date: 2026-01-01, source: "test"}
  - id: xx-embassy
    kind: embassy
    country: RU
    represents: RU
    host: DE
    gender: f
    title: {en: "Ambassador of Russia", ru: "Посол России", fr: "Ambassadrice de Russie", de: "Botschafterin Russlands", es: "Embajadora de Rusia", ar: "سفيرة روسيا", fa: "سفیر روسیه", zh: "俄罗斯大使"}
    address: ["Botschaft der Russischen Föderation", "Unter den Linden 63-65"]
    postcode: "10117"
    city: Berlin
    verified: {date: 2026-01-01, source: "test"}
"#;

/// Eva's letters of the campaign in every language.
fn letters(directory: &str) -> Run {
    let mut args = vec!["letters", "campaigns/forms.yaml", "--date", "2026-02-01"];
    for l in LANGS {
        args.extend(["--lang", l]);
    }
    args.extend(EVA);
    Test::new()
        .file("campaigns/forms.yaml", campaign())
        .file("recipients/test.yaml", directory)
        .args(args)
        .run()
        .no_panic()
        .status(0)
}

/// Her letter to `file` (`xx-court.fr`, `xx-embassy.copy.de`).
fn letter(run: &Run, file: &str) -> String {
    run.test
        .read(&format!("letters/forms/eva-muster/{file}.txt"))
}

/// Claims that `run`'s letter to `id` in each language has the `block` above its address
/// (lines joined with " / ") and the `salutation`, as the language punctuates it.
fn claim(run: &Run, id: &str, expected: &[(&str, &str, &str)]) {
    for (lang, block, salutation) in expected {
        let text = letter(run, &format!("{id}.{lang}"));
        let lines: Vec<&str> = text.lines().collect();
        let start = lines.iter().position(|l| l.is_empty()).unwrap() + 1;
        let got: Vec<&str> = lines[start..]
            .iter()
            .take(block.split(" / ").count())
            .copied()
            .collect();
        assert_eq!(
            got.join(" / "),
            block.replace('\'', "’"),
            "{id}.{lang}:\n{text}"
        );
        let punct = match *lang {
            "ru" => "!",
            "es" => ":",
            "ar" | "fa" => "،",
            "zh" => "：",
            _ => ",",
        };
        // The letter is set with the language's typography (an apostrophe is ’, French puts a
        // narrow no-break space before a colon); the address block gets the apostrophe too.
        let salutation = salutation.replace('\'', "’");
        assert!(
            text.contains(&format!("\n{salutation}{punct}\n")),
            "{id}.{lang}: no `{salutation}{punct}` in\n{text}"
        );
    }
}

#[test]
fn a_female_minister_gets_her_honorific_and_title_in_every_language() {
    let run = letters(DIRECTORY);
    claim(
        &run,
        "xx-minister",
        &[
            // The entry's own Russian block (a dative) wins over the forms.
            (
                "ru",
                "Министру юстиции / М. Ивановой",
                "Уважаемая госпожа министр",
            ),
            ("en", "Maria Ivanova / Minister of Justice", "Dear Minister"),
            (
                "fr",
                "Madame Maria Ivanova / Ministre de la Justice",
                "Madame la Ministre",
            ),
            (
                "de",
                "Frau Maria Ivanova / Justizministerin",
                "Sehr geehrte Frau Ministerin",
            ),
            (
                "es",
                "Excma. Sra. Maria Ivanova / Ministra de Justicia",
                "Señora Ministra",
            ),
            (
                "ar",
                "السيدة ماريا إيفانوفا المحترمة / وزيرة العدل",
                "السيدة الوزيرة المحترمة",
            ),
            (
                "fa",
                "سرکار خانم ماريا إيفانوفا / وزیر دادگستری",
                "سرکار خانم وزیر",
            ),
            ("zh", "司法部长 / 玛丽亚·伊万诺娃女士", "尊敬的部长女士"),
        ],
    );
}

#[test]
fn a_male_prosecutor_without_a_short_title_is_greeted_by_his_title_or_as_sir() {
    let run = letters(DIRECTORY);
    claim(
        &run,
        "xx-prosecutor",
        &[
            (
                "ru",
                "Генеральный прокурор / Иван Петров",
                "Уважаемый господин генеральный прокурор",
            ),
            ("en", "Ivan Petrov / Prosecutor General", "Dear Sir"),
            ("fr", "Monsieur Ivan Petrov / Procureur général", "Monsieur"),
            (
                "de",
                "Herrn Ivan Petrov / Generalstaatsanwalt",
                "Sehr geehrter Herr Generalstaatsanwalt",
            ),
            (
                "es",
                "Excmo. Sr. Ivan Petrov / Fiscal General",
                "Señor Fiscal General",
            ),
            (
                "ar",
                "السيد إيفان بيتروف المحترم / النائب العام",
                "السيد النائب العام المحترم",
            ),
            (
                "fa",
                "جناب آقای إيفان بيتروف / دادستان کل",
                "جناب آقای دادستان کل",
            ),
            (
                "zh",
                "总检察长 / 伊万·彼得罗夫先生",
                "尊敬的伊万·彼得罗夫先生",
            ),
        ],
    );
}

#[test]
fn a_female_ambassador_is_her_excellency_with_her_title() {
    let run = letters(DIRECTORY);
    claim(
        &run,
        "xx-embassy.copy",
        &[
            (
                "ru",
                "Посол России / Botschaft der Russischen Föderation",
                "Ваше Превосходительство",
            ),
            (
                "en",
                "H.E. the Ambassador of Russia / Botschaft der Russischen Föderation",
                "Your Excellency",
            ),
            (
                "fr",
                "Madame l'Ambassadrice de Russie / Botschaft der Russischen Föderation",
                "Madame l'Ambassadrice",
            ),
            (
                "de",
                "I. E. Frau Botschafterin Russlands / Botschaft der Russischen Föderation",
                "Sehr geehrte Frau Botschafterin",
            ),
            (
                "es",
                "Excma. Sra. Embajadora de Rusia / Botschaft der Russischen Föderation",
                "Señora Embajadora",
            ),
            (
                "ar",
                "سعادة سفيرة روسيا المحترمة / Botschaft der Russischen Föderation",
                "سعادة السفيرة",
            ),
            (
                "fa",
                "سرکار خانم سفیر روسیه / Botschaft der Russischen Föderation",
                "سرکار خانم سفیر",
            ),
            (
                "zh",
                "俄罗斯大使阁下 / Botschaft der Russischen Föderation",
                "尊敬的大使阁下",
            ),
        ],
    );
}

#[test]
fn a_court_without_gender_gets_the_institutions_forms() {
    let run = letters(DIRECTORY);
    claim(
        &run,
        "xx-court",
        &[
            (
                "ru",
                "Московский городской суд / Street 3",
                "Уважаемые господа",
            ),
            ("en", "Moscow City Court / Street 3", "Dear Sir or Madam"),
            (
                "fr",
                "Tribunal de la ville de Moscou / Street 3",
                "Madame, Monsieur",
            ),
            (
                "de",
                "Moskauer Stadtgericht / Street 3",
                "Sehr geehrte Damen und Herren",
            ),
            (
                "es",
                "Tribunal de la Ciudad de Moscú / Street 3",
                "Señoras y señores",
            ),
            ("ar", "محكمة مدينة موسكو / Street 3", "السادة المحترمون"),
            (
                "fa",
                "دادگاه شهر مسکو / Street 3",
                "ریاست محترم دادگاه شهر مسکو",
            ),
            // «尊敬的» addresses a person: an institution is named bare.
            ("zh", "莫斯科市法院 / Street 3", "莫斯科市法院"),
        ],
    );
}

#[test]
fn an_entrys_own_block_and_salutation_win_over_the_forms() {
    let directory = DIRECTORY.replacen(
        "    to: {fr:",
        "    salutation: {de: \"Sehr geehrte Frau Dr. Ivanova\"}\n    to: {fr:",
        1,
    );
    let run = letters(&directory);
    let de = letter(&run, "xx-minister.de");
    assert!(de.contains("\nSehr geehrte Frau Dr. Ivanova,\n"), "{de}");
    let ru = letter(&run, "xx-minister.ru");
    assert!(ru.contains("\nМинистру юстиции\nМ. Ивановой\n"), "{ru}");
}

#[test]
fn a_copy_letter_names_its_target_as_the_language_needs_and_quotes_the_letter() {
    let run = letters(DIRECTORY);
    for (lang, cover, quoted, closing) in [
        (
            "ru",
            "Направляю для сведения копию моего письма Министру юстиции М. Ивановой.",
            "Копия моего письма:",
            "С уважением,",
        ),
        (
            "fr",
            "copie de la lettre que j’adresse à Madame la Ministre de la Justice.",
            "Copie de ma lettre\u{202F}:",
            "Je vous prie d’agréer, Madame l’Ambassadrice, l’expression de ma haute considération.",
        ),
        (
            "de",
            "die Kopie meines Schreibens an die Justizministerin.",
            "Kopie meines Schreibens:",
            "Mit freundlichen Grüßen",
        ),
        (
            "es",
            "reproduzco a continuación la carta que he dirigido a la Ministra de Justicia.",
            "Copia de mi carta:",
            "Atentamente,",
        ),
    ] {
        let text = letter(&run, &format!("xx-embassy.copy.{lang}"));
        let at = |needle: &str| {
            text.find(needle)
                .unwrap_or_else(|| panic!("{lang}: no `{needle}` in\n{text}"))
        };
        // The cover, its own closing and signature, then the quoted letter under its heading.
        assert!(at(cover) < at(closing), "{lang}");
        assert!(at(closing) < at("Eva Muster\n\n"), "{lang}");
        assert!(at("Eva Muster\n\n") < at(quoted), "{lang}");
        assert!(at(quoted) < at("Letter "), "{lang}");
        assert_eq!(
            text.matches("Eva Muster").count(),
            3,
            "{lang}: sender and two signatures"
        );
        for label in [
            "адресат",
            "destinataire suivant",
            "folgende Stelle",
            "siguiente destinatario",
        ] {
            assert!(!text.contains(label), "{lang}: {label}");
        }
    }
}

#[test]
fn check_reports_a_copy_letter_whose_target_has_no_phrase_in_its_language() {
    let directory = DIRECTORY.replace("    to: {fr: \"à Madame la Ministre de la Justice\"}\n", "");
    Test::new()
        .file("campaigns/forms.yaml", campaign())
        .file("recipients/test.yaml", directory)
        .args(["check", "--date", "2026-02-01"])
        .run()
        .no_panic()
        .stderr_has(
            "warning: recipients/test.yaml:2:5: recipients[xx-minister].to.fr: the fr copy letters of `forms` cannot name `xx-minister`",
        )
        .stderr_has("add `to: {fr: \"...\"}`")
        // German and Spanish make it from her gender: "an die Justizministerin".
        .stderr_lacks("recipients[xx-minister].to.de");
}

#[test]
fn a_directory_file_may_replace_a_languages_forms() {
    // A language's forms are replaced whole: every class its letters need is there.
    let forms = r#"forms:
  de:
    official:
      m: {salutation: ["Sehr geehrter Herr {title}"]}
      f: {block: [["Frau Ministerin {name}"]], salutation: ["Sehr geehrte Frau {office}"]}
    ambassador:
      f: {salutation: ["Exzellenz"]}
    institution:
      none: {salutation: ["Sehr geehrte Damen und Herren"]}
"#;
    let run = Test::new()
        .file("campaigns/forms.yaml", campaign())
        .file("recipients/test.yaml", DIRECTORY)
        .file("recipients/forms.yaml", forms)
        .args([
            "letters",
            "campaigns/forms.yaml",
            "--lang",
            "de",
            "--date",
            "2026-02-01",
        ])
        .args(EVA)
        .run()
        .no_panic()
        .status(0);
    let de = letter(&run, "xx-minister.de");
    assert!(
        de.contains("\nFrau Ministerin Maria Ivanova\nStreet 1\n"),
        "{de}"
    );
}

#[test]
fn a_form_with_an_unknown_placeholder_is_an_error_at_its_language() {
    let forms =
        "forms:\n  de:\n    official:\n      f: {salutation: [\"Sehr geehrte Frau {nmae}\"]}\n";
    Test::new()
        .file("campaigns/forms.yaml", campaign())
        .file("recipients/test.yaml", DIRECTORY)
        .file("recipients/forms.yaml", forms)
        .args(["check", "--date", "2026-02-01"])
        .run()
        .no_panic()
        .status(1)
        .stderr_has("recipients/forms.yaml:3:5: forms.de: unknown placeholder `{nmae}`")
        .stderr_has("{name}, {title}");
}
