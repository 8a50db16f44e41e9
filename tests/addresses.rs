//! Address blocks as each country's post writes them: the supporter's (sender) and the
//! directory entry's (recipient), read in text letters of the shipped Juraev campaign as a postal
//! worker of the destination country would read them.
//!
//! The conventions, and where they are written down:
//! - GB: Royal Mail, "How to address your mail": post town in capitals on its own line, the
//!   postcode on the last line.
//! - US: USPS Publication 28, §2 and §21: "CITY, ST 12345" on the last line, the state as its
//!   two-letter abbreviation.
//! - FR: La Poste / AFNOR NF Z10-011: "75002 PARIS", postcode before the city in capitals.
//! - DE: Deutsche Post / DIN 5008: "10115 Berlin"; no country line on domestic mail.
//! - RU: Russian Post (Приказ № 114-п, 2014): street, city, region, postcode, each on a line.
//! - EG: Egypt Post: city, governorate, postcode, each on a line.
//! - International mail: UPU Convention, Regulations RL 112: the country of destination last,
//!   in capitals, in English or French (or the language of the country of origin).
//!
//! Each of these is the format in Google's address metadata (libaddressinput), which `appeal`
//! vendors in data/address/: the tests check that the data reaches the letters unaltered.

use crate::harness::{Run, Test};

const HEADER: &str = "name,address,postcode,city,region,country,lang";

/// The letters of the shipped Juraev campaign for the supporters of `rows` (CSV after the header).
fn letters(rows: &str) -> Run {
    Test::shipped()
        .file("people.csv", format!("{HEADER}\n{rows}\n"))
        .args([
            "letters",
            "campaigns/juraev-2011.yaml",
            "--supporters",
            "people.csv",
            "--date",
            "2011-04-01",
        ])
        .run()
        .no_panic()
}

/// The head of `run`'s letter to `recipient` (`ru-prosecutor-general.en`, `ru-embassy-de.copy.de`)
/// from the supporter whose folder is `who`: everything up to the date.
fn head(run: &Run, who: &str, recipient: &str) -> String {
    let text = run
        .test
        .read(&format!("letters/juraev-2011/{who}/{recipient}.txt"));
    text.split("\n\n").take(2).collect::<Vec<_>>().join("\n\n") + "\n"
}

#[test]
fn a_british_address_has_the_post_town_then_the_postcode_on_lines_of_their_own() {
    let run = letters("Sam Smith,1 High Street,SW1A 1AA,London,,GB,en").status(0);
    assert_eq!(
        head(&run, "sam-smith", "ru-prosecutor-general.en"),
        "Sam Smith\n1 High Street\nLONDON\nSW1A 1AA\nUNITED KINGDOM\n\n\
         Yuri Chaika\nProsecutor General of the Russian Federation\n\
         Bolshaia Dmitrovka 15 A\nMOSCOW\n125993\nRUSSIAN FEDERATION\n"
    );
    // Posted within the UK to the embassy in London: no country line on either block.
    assert_eq!(
        head(&run, "sam-smith", "ru-embassy-gb.copy.en"),
        "Sam Smith\n1 High Street\nLONDON\nSW1A 1AA\n\n\
         H.E. the Ambassador of the Russian Federation to the United Kingdom\n\
         Embassy of the Russian Federation\n6/7 Kensington Palace Gardens\nLONDON\nW8 4QP\n"
    );
}

#[test]
fn an_american_address_has_city_state_and_zip_on_one_line() {
    // The state as written by the supporter (a name) becomes the USPS abbreviation.
    let run = letters("Jane Doe,1 Main Street,62701,Springfield,Illinois,US,en").status(0);
    assert!(
        head(&run, "jane-doe", "ru-prosecutor-general.en")
            .starts_with("Jane Doe\n1 Main Street\nSPRINGFIELD, IL 62701\nUNITED STATES\n\n"),
        "{}",
        head(&run, "jane-doe", "ru-prosecutor-general.en")
    );
    assert!(
        head(&run, "jane-doe", "ru-embassy-us.copy.en").ends_with(
            "Embassy of the Russian Federation\n2650 Wisconsin Avenue NW\nWASHINGTON, DC 20007\n"
        ),
        "{}",
        head(&run, "jane-doe", "ru-embassy-us.copy.en")
    );
}

#[test]
fn a_state_column_is_read_as_the_region() {
    let csv = "name,address,postcode,city,state,country,lang\n\
               Jane Doe,1 Main Street,62701,Springfield,il,US,en\n";
    let run = Test::shipped()
        .file("people.csv", csv)
        .args([
            "letters",
            "campaigns/juraev-2011.yaml",
            "--supporters",
            "people.csv",
            "--date",
            "2011-04-01",
        ])
        .run()
        .no_panic()
        .status(0);
    assert!(head(&run, "jane-doe", "ru-prosecutor-general.en").contains("SPRINGFIELD, IL 62701\n"));
}

#[test]
fn a_french_address_has_the_postcode_before_the_city_in_capitals() {
    let run = letters("Jean Dupont,12 rue de la Paix,75002,Paris,,FR,fr").status(0);
    assert!(
        head(&run, "jean-dupont", "ru-prosecutor-general.fr")
            .starts_with("Jean Dupont\n12 rue de la Paix\n75002 PARIS\nFRANCE\n\n"),
        "{}",
        head(&run, "jean-dupont", "ru-prosecutor-general.fr")
    );
    assert!(
        head(&run, "jean-dupont", "ru-embassy-fr.copy.fr")
            .ends_with("40-50 boulevard Lannes\n75116 PARIS\n"),
        "{}",
        head(&run, "jean-dupont", "ru-embassy-fr.copy.fr")
    );
}

#[test]
fn a_letter_posted_within_germany_has_no_country_line() {
    let run = letters("Eva Muster,Hauptstraße 1,10115,Berlin,,DE,de").status(0);
    assert_eq!(
        head(&run, "eva-muster", "ru-embassy-de.copy.de"),
        "Eva Muster\nHauptstraße 1\n10115 Berlin\n\n\
         S. E. Herrn Botschafter der Russischen Föderation in Deutschland\n\
         Botschaft der Russischen Föderation\nUnter den Linden 63-65\n10117 Berlin\n"
    );
}

#[test]
fn a_letter_from_germany_abroad_names_both_countries_in_capitals() {
    let run = letters("Eva Muster,Hauptstraße 1,10115,Berlin,,DE,de").status(0);
    assert_eq!(
        head(&run, "eva-muster", "ru-prosecutor-general.de"),
        "Eva Muster\nHauptstraße 1\n10115 Berlin\nGERMANY\n\n\
         Herrn Juri Tschaika\nGeneralstaatsanwalt der Russischen Föderation\n\
         Bolshaia Dmitrovka 15 A\nMOSCOW\n125993\nRUSSIAN FEDERATION\n"
    );
}

#[test]
fn a_russian_address_at_home_has_city_and_postcode_on_lines_of_their_own() {
    // Moscow is a region by itself: it is not written twice.
    let run = letters("Анна Иванова,\"ул. Тверская, д. 1\",125009,Москва,,RU,ru").status(0);
    let head = head(&run, "анна-иванова", "ru-prosecutor-general.ru");
    assert!(
        head.starts_with("Анна Иванова\nул. Тверская, д. 1\nМОСКВА\n125009\n\n"),
        "{head}"
    );
    assert!(
        head.ends_with("Bolshaia Dmitrovka 15 A\nMOSCOW\n125993\n"),
        "posted within Russia: {head}"
    );
}

#[test]
fn a_russian_address_outside_moscow_has_its_region_before_the_postcode() {
    let run =
        letters("Иван Петров,\"ул. Ленина, д. 5\",644000,Омск,Омская область,RU,ru").status(0);
    assert!(
        head(&run, "иван-петров", "ru-prosecutor-general.ru")
            .starts_with("Иван Петров\nул. Ленина, д. 5\nОМСК\nОмская область\n644000\n\n"),
        "{}",
        head(&run, "иван-петров", "ru-prosecutor-general.ru")
    );
}

#[test]
fn an_egyptian_address_has_city_governorate_and_postcode_on_lines_of_their_own() {
    // Written in Latin script: the governorate by its Latin name.
    let run = letters("Ahmed Hassan,12 Tahrir Street,12311,Dokki,Giza,EG,en").status(0);
    assert!(
        head(&run, "ahmed-hassan", "ru-prosecutor-general.en").starts_with(
            "Ahmed Hassan\n12 Tahrir Street\nDokki\nGiza Governorate\n12311\nEGYPT\n\n"
        ),
        "{}",
        head(&run, "ahmed-hassan", "ru-prosecutor-general.en")
    );
}

#[test]
fn an_american_address_without_its_state_is_refused_with_the_row_and_the_field() {
    letters("Jane Doe,1 Main Street,62701,Springfield,,US,en")
        .stderr_has("people.csv:2: row 1")
        .stderr_has("region: is empty, but an address in USA needs the state: fill it in, e.g. AL (Alabama)");
}

#[test]
fn an_unknown_region_is_refused_with_the_nearest_ones() {
    Test::shipped()
        .args([
            "letters",
            "campaigns/juraev-2011.yaml",
            "--date",
            "2011-04-01",
            "--name",
            "Jane Doe",
            "--address",
            "1 Main Street",
            "--postcode",
            "62701",
            "--city",
            "Springfield",
            "--region",
            "Ilinois",
            "--country",
            "US",
        ])
        .run()
        .no_panic()
        .status(2)
        .stderr_has("--region: `Ilinois` is not a state of USA; write its code or name (nearest: IL (Illinois)");
}

#[test]
fn a_directory_written_as_lines_still_loads_and_its_country_line_follows_the_posting() {
    // The demo directory writes its addresses as lines ending in the country's English name.
    let run = Test::demo()
        .file(
            "people.csv",
            format!("{HEADER}\nOla Nordmann,Karl Johans gate 1,0154,Oslo,,NO,en\n"),
        )
        .args([
            "letters",
            "campaigns/demo.yaml",
            "--supporters",
            "people.csv",
            "--date",
            "2026-02-01",
        ])
        .run()
        .no_panic()
        .status(0);
    let letter = run
        .test
        .read("letters/demo/ola-nordmann/xx-prosecutor.en.txt");
    assert!(
        letter.starts_with("Ola Nordmann\nKarl Johans gate 1\n0154 Oslo\nNORWAY\n\n"),
        "{letter}"
    );
    assert!(
        letter.contains("Moscow 125993\nRUSSIAN FEDERATION\n\n"),
        "{letter}"
    );
}

/// A directory entry of the United States, its address a street line alone.
const US_ENTRY: &str = "recipients:
  - id: us-somewhere
    kind: official
    country: US
    title: {en: Governor}
    salutation: {en: Dear Governor}
    address: [\"State House\"]
";

#[test]
fn a_directory_address_without_a_city_or_a_country_line_is_a_warning_at_its_entry() {
    let entry = US_ENTRY;
    Test::demo()
        .file("recipients/us.yaml", entry)
        .args(["check", "campaigns/demo.yaml", "--date", "2026-02-01"])
        .run()
        .no_panic()
        .status(0)
        .stderr_has("us.yaml:2:5: recipients[us-somewhere]: the address has no `city:` and no line naming USA")
        .stderr_has("hint: add `city:` and `postcode:`");
    // The demo's own entries, written as lines ending in their country, are not warned about.
    Test::demo()
        .args(["check", "campaigns/demo.yaml", "--date", "2026-02-01"])
        .run()
        .status(0)
        .stderr_lacks("no `city:`");
}

#[test]
fn a_directory_region_that_does_not_exist_is_an_error_at_its_line() {
    let entry = &format!(
        "{US_ENTRY}    city: Springfield
    region: Ilinois
    postcode: \"62701\"
"
    );
    Test::demo()
        .file("recipients/us.yaml", entry)
        .args(["check", "campaigns/demo.yaml", "--date", "2026-02-01"])
        .run()
        .no_panic()
        .status(1)
        .stderr_has("us.yaml:9:")
        .stderr_has("recipients[us-somewhere].region: `Ilinois` is not a state of USA");
}

#[test]
fn blank_letters_posted_within_the_recipients_country_have_no_country_line() {
    let blank = |country: &str| {
        let run = Test::shipped()
            .args([
                "letters",
                "campaigns/juraev-2011.yaml",
                "--country",
                country,
                "--lang",
                "en",
                "--date",
                "2011-04-01",
            ])
            .run()
            .no_panic()
            .status(0);
        run.test
            .read("letters/juraev-2011/blank/ru-prosecutor-general.en.txt")
    };
    assert!(!blank("RU").contains("RUSSIAN FEDERATION"));
    assert!(blank("DE").contains("\n125993\nRUSSIAN FEDERATION\n"));
}
