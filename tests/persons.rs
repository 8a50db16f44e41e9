//! The persons at risk: campaign texts and the templates' closing agree with their gender and
//! number, names are joined with the language's "and", a campaign's subject wins over them, and
//! `check` names a choice that lacks a form.

use crate::harness::{DEMO_CAMPAIGN, EVA, Test};

const JURAEV: &str = "campaigns/juraev-2011.yaml";
const LANGS: [&str; 8] = ["ru", "en", "fr", "de", "es", "ar", "fa", "zh"];

/// Extra persons for the Juraev campaign, by gender, in every script its languages use.
fn person(name: usize, gender: &str) -> String {
    let names = [
        (
            "Zarina Karimova",
            "Зарина Каримова",
            "زارينا كريموفا",
            "زرینه کریموا",
            "扎丽娜·卡里莫娃",
        ),
        (
            "Malika Saidova",
            "Малика Саидова",
            "مليكة سعيدوفا",
            "ملیکه سعیدوا",
            "马利卡·赛义多娃",
        ),
    ];
    let (latn, cyrl, ar, fa, hans) = names[name];
    format!(
        "  - name: {{Latn: \"{latn}\", Cyrl: \"{cyrl}\", ar: \"{ar}\", fa: \"{fa}\", Hans: \"{hans}\"}}\n    gender: {gender}\n"
    )
}

/// The shipped project with Juraev's own gender set to `first` and `others` added after him.
fn juraev_as(first: &str, others: &[(usize, &str)]) -> Test {
    let t = Test::shipped();
    let text = t.read(JURAEV);
    let text = text.replacen("    gender: m\n", &format!("    gender: {first}\n"), 1);
    let added: String = others.iter().map(|(n, g)| person(*n, g)).collect();
    let text = text.replacen("\nrisk:", &format!("{added}\nrisk:"), 1);
    t.file(JURAEV, text)
}

/// The blank letter to the Prosecutor General in each language, by language.
fn letters_to_the_prosecutor(t: Test) -> Vec<(&'static str, String)> {
    let mut args = vec!["letters", JURAEV, "--date", "2026-12-01"];
    for lang in LANGS {
        args.extend(["--lang", lang]);
    }
    let run = t.args(args).run().no_panic().status(0);
    LANGS
        .iter()
        .map(|lang| {
            let file = format!("letters/juraev-2011/blank/ru-prosecutor-general.{lang}.txt");
            (*lang, run.test.read(&file))
        })
        .collect()
}

/// Asserts that each letter has every expected phrase of its language and none of the others.
fn agree(letters: &[(&str, String)], has: &[(&str, &str)], lacks: &[(&str, &str)]) {
    for (lang, text) in letters {
        for (l, phrase) in has.iter().filter(|(l, _)| l == lang) {
            assert!(text.contains(phrase), "{l}: lacks {phrase:?}\n{text}");
        }
        for (l, phrase) in lacks.iter().filter(|(l, _)| l == lang) {
            assert!(!text.contains(phrase), "{l}: has {phrase:?}\n{text}");
        }
    }
}

#[test]
fn a_campaign_changed_to_a_woman_agrees_in_all_eight_languages() {
    let letters = letters_to_the_prosecutor(juraev_as("f", &[]));
    agree(
        &letters,
        &[
            (
                "ru",
                "в Таджикистан гражданки этой страны Низомхона Джураева, которая",
            ),
            ("ru", "хотя она обратилась"),
            ("ru", "чтобы защитить её."),
            ("en", "decided that she could be extradited"),
            ("en", "If she is returned to Tajikistan, she faces"),
            ("en", "to protect her,"),
            ("fr", "citoyenne tadjike détenue à Moscou"),
            ("fr", "Si elle est renvoyée au Tadjikistan, elle court"),
            ("fr", "pour la protéger"),
            (
                "de",
                "einer tadschikischen Staatsbürgerin, die seit August 2010",
            ),
            ("de", "droht ihr ernsthaft die Gefahr"),
            ("de", "um sie zu schützen"),
            ("es", "ciudadana de Tayikistán detenida en Moscú"),
            ("es", "Si es devuelta a Tayikistán"),
            ("es", "para protegerla."),
            ("ar", "المواطنة الطاجيكستانية المحتجزة"),
            ("ar", "وإذا أُعيدت إلى طاجيكستان، فستواجه"),
            ("ar", "لحمايتها"),
            ("fa", "برای حمایت از او"),
            ("zh", "她自2010年8月起被羁押于莫斯科"),
            ("zh", "保护她，"),
        ],
        &[
            ("ru", "гражданина"),
            ("ru", "он обратился"),
            ("en", " he "),
            ("fr", "citoyen tadjik"),
            ("fr", "il court"),
            ("de", "Staatsbürgers"),
            ("de", "droht ihm"),
            ("es", "ciudadano"),
            ("ar", "لحمايته،"),
            ("zh", "他自2010"),
            ("zh", "保护他，"),
        ],
    );
    for (_, text) in &letters {
        assert!(!text.contains("{m:"), "a choice left unresolved:\n{text}");
    }
}

#[test]
fn the_sheet_of_a_campaign_changed_to_a_woman_agrees_too() {
    let run = juraev_as("f", &[])
        .args(["sheet", JURAEV, "--lang", "fr"])
        .run()
        .no_panic()
        .status(0);
    for phrase in [
        "Une demandeuse d’asile tadjike menacée d’extradition par la Russie",
        "Nizomhon Juraev, citoyenne tadjike, risque d’être extradée",
        "ancienne élue locale et femme d’affaires",
    ] {
        assert!(
            run.stdout.contains(phrase),
            "lacks {phrase:?}\n{}",
            run.stdout
        );
    }
}

#[test]
fn two_women_take_the_feminine_plural_and_the_arabic_dual() {
    let letters = letters_to_the_prosecutor(juraev_as("f", &[(0, "f")]));
    agree(
        &letters,
        &[
            ("ru", "в Таджикистан граждан этой страны"),
            ("ru", "которые с августа 2010 года содержатся"),
            ("ru", "чтобы защитить их."),
            ("fr", "citoyennes tadjikes détenues"),
            ("fr", "Si elles sont renvoyées"),
            ("fr", "pour les protéger"),
            ("de", "tadschikischer Staatsbürgerinnen, die"),
            ("de", "um sie zu schützen"),
            ("es", "ciudadanas de Tayikistán detenidas"),
            ("es", "para protegerlas."),
            ("ar", "المواطنتين الطاجيكستانيتين المحتجزتين"),
            ("ar", "وإذا أُعيدتا إلى طاجيكستان، فستواجهان"),
            ("ar", "لحمايتهما"),
            ("zh", "她们自2010年8月起"),
            ("zh", "保护她们，"),
        ],
        &[("zh", "他们自"), ("ar", "لحمايتهن"), ("es", "protegerlos")],
    );
}

#[test]
fn three_women_take_the_feminine_plural() {
    let letters = letters_to_the_prosecutor(juraev_as("f", &[(0, "f"), (1, "f")]));
    agree(
        &letters,
        &[
            ("ru", "чтобы защитить их."),
            ("fr", "citoyennes tadjikes détenues"),
            ("fr", "pour les protéger"),
            ("de", "tadschikischer Staatsbürgerinnen, die"),
            ("es", "ciudadanas de Tayikistán detenidas"),
            ("es", "para protegerlas."),
            ("ar", "المواطنات الطاجيكستانيات المحتجزات"),
            ("ar", "لحمايتهن"),
            ("zh", "她们自2010年8月起"),
            ("zh", "保护她们，"),
        ],
        &[("ar", "لحمايتهما"), ("ar", "لحمايتهم،"), ("zh", "他们自")],
    );
}

#[test]
fn a_man_and_a_woman_take_the_masculine_plural_and_the_arabic_dual() {
    let letters = letters_to_the_prosecutor(juraev_as("m", &[(0, "f")]));
    agree(
        &letters,
        &[
            ("ru", "которые с августа 2010 года содержатся"),
            ("ru", "чтобы защитить их."),
            ("fr", "citoyens tadjiks détenus"),
            ("fr", "pour les protéger"),
            ("de", "tadschikischer Staatsbürger, die"),
            ("de", "droht ihnen ernsthaft"),
            ("es", "ciudadanos de Tayikistán detenidos"),
            ("es", "para protegerlos."),
            ("ar", "المواطنَين الطاجيكستانيَّين المحتجزَين"),
            ("ar", "لحمايتهما"),
            ("zh", "他们自2010年8月起"),
            ("zh", "保护他们，"),
        ],
        &[("zh", "她们"), ("es", "protegerlas")],
    );
}

#[test]
fn names_are_joined_with_the_languages_and() {
    // Without the campaign's `subject`, the subject line names the persons.
    let t = juraev_as("m", &[(0, "f"), (1, "f")]);
    let text = t.read(JURAEV);
    let (head, rest) = text.split_once("\nsubject:\n").unwrap();
    let (_, persons) = rest.split_once("\npersons:\n").unwrap();
    let t = t.file(JURAEV, format!("{head}\npersons:\n{persons}"));
    let letters = letters_to_the_prosecutor(t);
    agree(
        &letters,
        &[
            (
                "ru",
                "Тема: Низомхон Джураев, Зарина Каримова и Малика Саидова\n",
            ),
            ("fr", "Nizomhon Juraev, Zarina Karimova et Malika Saidova\n"),
            (
                "de",
                "Nizomhon Juraev, Zarina Karimova und Malika Saidova\n",
            ),
            ("es", "Nizomhon Juraev, Zarina Karimova y Malika Saidova\n"),
            ("ar", "نظام خان جورايف وزارينا كريموفا ومليكة سعيدوفا\n"),
            (
                "zh",
                "尼佐姆洪·朱拉耶夫、扎丽娜·卡里莫娃和马利卡·赛义多娃\n",
            ),
        ],
        &[("ru", "Касательно")],
    );
    let (_, en) = &letters[1];
    assert!(
        en.contains("Re: Nizomhon Juraev, Zarina Karimova, and Malika Saidova\n"),
        "{en}"
    );
}

#[test]
fn spanish_and_becomes_e_before_an_i_sound() {
    let t = Test::demo().file(
        "campaigns/demo.yaml",
        DEMO_CAMPAIGN
            .replace("languages: [en, ru]", "languages: [en, ru, es]")
            .replace("write_in: [ru]", "write_in: [es]")
            .replace(
                "  - name: {Latn: \"Anna Test\", Cyrl: \"Анна Тест\"}\n    gender: f\n",
                "  - name: {Latn: \"Anna Test\", Cyrl: \"Анна Тест\"}\n    gender: f\n  - name: {Latn: \"Inés Ibarra\", Cyrl: \"Инес Ибарра\"}\n    gender: f\n",
            )
            .replace("  ru: \"Не выдавайте Анну Тест\"", "  ru: \"Не выдавайте Анну Тест\"\n  es: \"No extraditen a Anna Test\"")
            .replace("  ru: \"пытки в случае выдачи\"", "  ru: \"пытки\"\n  es: \"tortura\"")
            .replace("  ru: \"Анна Тест находится под стражей.\"", "  ru: \"Анна Тест под стражей.\"\n  es: \"Anna Test está detenida.\"")
            .replace("  ru: \"Я пишу Вам по поводу Анны Тест.\"", "  ru: \"Я пишу Вам.\"\n  es: \"Le escribo.\"")
            .replace("ru: \"Призовите не выдавать её\"}", "ru: \"Призовите\", es: \"Insten\"}")
            .replace("ru: \"Призываю Вас не выдавать её.\"}", "ru: \"Призываю.\", es: \"Le insto.\"}")
            .replace("ru: \"только копии\"}", "ru: \"только копии\", es: \"solo copias\"}"),
    );
    let t = t.file(
        "recipients/demo.yaml",
        crate::harness::DEMO_DIRECTORY
            .replace(
                "ru: \"Генеральный прокурор\"}",
                "ru: \"Генеральный прокурор\", es: \"Fiscal General\"}",
            )
            .replace(
                "ru: \"Уважаемый господин Генеральный прокурор\"}",
                "ru: \"Уважаемый господин Генеральный прокурор\", es: \"Señor Fiscal General\"}",
            ),
    );
    let run = t
        .args(["letters", "campaigns/demo.yaml", "--lang", "es"])
        .run()
        .no_panic()
        .status(0);
    let es = run.test.read("letters/demo/blank/xx-prosecutor.es.txt");
    assert!(es.contains("Anna Test e Inés Ibarra (UA 1/26)"), "{es}");
}

#[test]
fn the_campaigns_subject_wins_over_the_names() {
    let run = Test::shipped()
        .args([
            "letters",
            "campaigns/no-extradition-to-russia.yaml",
            "--date",
            "2011-12-01",
        ])
        .args(EVA)
        .args([
            "--lang", "ru", "--lang", "fr", "--lang", "es", "--lang", "en",
        ])
        .run()
        .no_panic()
        .status(0);
    let read = |lang: &str| {
        run.test.read(&format!(
            "letters/no-extradition-to-russia/eva-muster/de-justice-minister.{lang}.txt"
        ))
    };
    let ru = read("ru");
    assert!(
        ru.contains("\nО введении моратория на выдачу в Россию\n"),
        "{ru}"
    );
    assert!(
        !ru.contains("Тема:") && !ru.contains("граждане России, выдачи"),
        "{ru}"
    );
    assert!(
        read("fr")
            .contains("Objet\u{202F}: Demande de moratoire sur les extraditions vers la Russie\n")
    );
    assert!(read("es").contains("Asunto: Solicitud de moratoria de las extradiciones a Rusia\n"));
    assert!(read("en").contains("Re: Request for a moratorium on extraditions to Russia\n"));
}

/// The demo campaign with `letter.ru` as a block whose second line holds a choice.
const A_CHOICE_WITHOUT_GROUP: &str =
    "  ru: |\n    Я пишу Вам по поводу Анны Тест.\n    Прошу защитить {m: его | f: её}.\n";

#[test]
fn check_names_a_choice_that_lacks_a_form_at_its_line() {
    let campaign = DEMO_CAMPAIGN
        .replace(
            "  ru: \"Я пишу Вам по поводу Анны Тест.\"\n",
            A_CHOICE_WITHOUT_GROUP,
        )
        .replace(
            "letter: {en: \"I urge you not to extradite her.\"",
            "letter: {en: \"I urge you not to extradite {m: him | x: her | group: them}.\"",
        );
    let line = |needle: &str| {
        1 + campaign
            .lines()
            .position(|l| l.contains(needle))
            .expect("the line")
    };
    let run = Test::demo()
        .file("campaigns/demo.yaml", &campaign)
        .args(["check", "campaigns/demo.yaml", "--date", "2026-02-01"])
        .run()
        .no_panic()
        .status(1);
    run.stderr_has(&format!(
        "campaigns/demo.yaml:{}:5: letter.ru: the choice `{{m: его | f: её}}` has no `group` form",
        line("Прошу защитить")
    ))
    .stderr_has("(hint: add `| group: ...` (it has: m, f); every choice gives m, f and group)")
    .stderr_has(&format!(
        "campaigns/demo.yaml:{}:",
        line("extradite {m: him")
    ))
    .stderr_has("asks[0].letter.en: `x` is not a form of a choice");
}

#[test]
fn braces_that_open_no_choice_stay_as_written() {
    let campaign = DEMO_CAMPAIGN.replace(
        "I am writing about Anna Test, of Smith & Sons.",
        "I am writing about Anna Test ({{ not a template }}, {1}, {see: this}).",
    );
    let run = Test::demo()
        .file("campaigns/demo.yaml", campaign)
        .args(["letters", "campaigns/demo.yaml", "--lang", "en"])
        .run()
        .no_panic()
        .status(0);
    let en = run.test.read("letters/demo/blank/xx-prosecutor.en.txt");
    assert!(
        en.contains("Anna Test ({{ not a template }}, {1}, {see: this})."),
        "{en}"
    );
}

#[test]
fn check_renders_the_letters_for_persons_the_campaign_is_not_about() {
    // A template that breaks only for three or more women: the campaign is about one woman.
    let template = "{{ letter }}\n{% if form == \"group-f\" %}{{ nope }}{% endif %}\n";
    let run = Test::demo()
        .file("templates/letter.en.txt", template)
        .args(["check", "campaigns/demo.yaml", "--date", "2026-02-01"])
        .run()
        .no_panic()
        .status(1);
    run.stderr_has("nope")
        .stderr_has("(were the persons three or more women)");
}

#[test]
fn the_schema_knows_the_subject() {
    let run = Test::new()
        .args(["schema", "campaign"])
        .run()
        .no_panic()
        .status(0);
    assert!(run.stdout.contains("\"subject\""), "{}", run.stdout);
}
