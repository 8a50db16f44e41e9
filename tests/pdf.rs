//! PDF letters, read back with lopdf (pure Rust, so `cargo test` needs no system tools).

use crate::harness::Test;

use crate::harness::EVA as SUPPORTER;

fn pdf_letters(extra: &[&str]) -> crate::harness::Run {
    let mut args = vec![
        "letters",
        "campaigns/juraev-2011.yaml",
        "--format",
        "pdf",
        "--date",
        "2011-04-01",
    ];
    args.extend_from_slice(&SUPPORTER);
    args.extend_from_slice(extra);
    Test::shipped().args(args).run().no_panic()
}

fn text_of(bytes: &[u8]) -> (lopdf::Document, String) {
    let doc = lopdf::Document::load_mem(bytes).expect("a valid PDF");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    let text = doc.extract_text(&pages).expect("text extracts");
    (doc, text)
}

#[test]
fn writes_pdf_letters_whose_cyrillic_text_reads_back_in_order() {
    let run = pdf_letters(&["--lang", "ru"])
        .status(0)
        .stdout_has("3 letter(s) written");
    let bytes = std::fs::read(
        run.test
            .path()
            .join("letters/juraev-2011/eva-muster/ru-prosecutor-general.ru.pdf"),
    )
    .unwrap();
    let (doc, text) = text_of(&bytes);
    let lang = doc
        .catalog()
        .unwrap()
        .get(b"Lang")
        .unwrap()
        .as_str()
        .unwrap();
    assert_eq!(lang, b"ru", "the catalog carries the letter's language");
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let order = [
        "Генеральному прокурору",
        "Bolshaia Dmitrovka 15 A",
        "1 апреля 2011",
        "Уважаемый Юрий Яковлевич!",
        "Настоятельно призываю Вас не выдавать",
        "С уважением,",
        "Eva Muster",
    ];
    let mut at = 0;
    for needle in order {
        let found = text[at..]
            .find(needle)
            .unwrap_or_else(|| panic!("{needle:?} missing or out of order in:\n{text}"));
        at += found;
    }
}

#[test]
fn embeds_the_font_as_a_subset() {
    let run = pdf_letters(&["--lang", "en"]).status(0);
    let bytes = std::fs::read(
        run.test
            .path()
            .join("letters/juraev-2011/eva-muster/ru-prosecutor-general.en.pdf"),
    )
    .unwrap();
    let (doc, _) = text_of(&bytes);
    let mut subset_names = Vec::new();
    let mut embedded = 0;
    for object in doc.objects.values() {
        if let Ok(dict) = object.as_dict() {
            if let Ok(name) = dict.get(b"BaseFont").and_then(|n| n.as_name()) {
                subset_names.push(String::from_utf8_lossy(name).into_owned());
            }
            if dict.has(b"FontFile2") {
                embedded += 1;
            }
        }
    }
    assert!(embedded >= 1, "font file embedded");
    assert!(
        subset_names.iter().any(|n| n.len() > 7
            && n.as_bytes()[6] == b'+'
            && n[..6].chars().all(|c| c.is_ascii_uppercase())),
        "a subset font name (ABCDEF+DejaVuSans): {subset_names:?}"
    );
    assert!(
        bytes.len() < 40_000,
        "a letter is small: {} bytes",
        bytes.len()
    );
}

#[test]
fn writes_the_same_bytes_for_the_same_input() {
    // A second run compares each new PDF with the file already there byte for byte.
    let run = pdf_letters(&["--lang", "de"]).status(0);
    let again = run
        .test
        .args([
            "letters",
            "campaigns/juraev-2011.yaml",
            "--format",
            "pdf",
            "--date",
            "2011-04-01",
            "--lang",
            "de",
        ])
        .args(SUPPORTER)
        .run();
    again
        .status(0)
        .stdout_has("0 letter(s) written to letters, 3 already there unchanged");
}

#[test]
fn refuses_a_character_no_font_can_draw() {
    let campaign =
        crate::harness::DEMO_CAMPAIGN.replace("of Smith & Sons.", "of Smith & Sons, \u{378}.");
    Test::demo()
        .file("campaigns/demo.yaml", campaign)
        .args([
            "letters",
            "campaigns/demo.yaml",
            "--format",
            "pdf",
            "--date",
            "2026-02-01",
        ])
        .run()
        .no_panic()
        .status(1)
        .stderr_has(
            "the en letter to `xx-prosecutor` (blank): the character `\u{378}` (U+0378) has no glyph in the fonts available (DejaVu Sans)",
        );
}

#[test]
fn prints_a_box_with_a_warning_when_missing_glyphs_are_allowed() {
    let campaign =
        crate::harness::DEMO_CAMPAIGN.replace("of Smith & Sons.", "of Smith & Sons, \u{378}.");
    let run = Test::demo()
        .file("campaigns/demo.yaml", campaign)
        .args([
            "letters",
            "campaigns/demo.yaml",
            "--format",
            "pdf",
            "--allow-missing-glyphs",
            "--date",
            "2026-02-01",
        ])
        .run()
        .no_panic()
        .status(0)
        .stderr_has("(U+0378) has no glyph")
        .stderr_has("printed as an empty box (--allow-missing-glyphs)");
    assert_eq!(
        run.test.files_under("letters"),
        ["letters/demo/blank/xx-prosecutor.en.pdf"]
    );
}

#[test]
fn refuses_a_font_file_that_is_not_a_font() {
    Test::demo()
        .file("not-a-font.ttf", "hello")
        .args([
            "letters",
            "campaigns/demo.yaml",
            "--format",
            "pdf",
            "--font",
            "not-a-font.ttf",
        ])
        .run()
        .no_panic()
        .status(1)
        .stderr_has("--font not-a-font.ttf: not a font file");
}

#[test]
fn lists_the_layouts_when_one_does_not_exist() {
    Test::demo()
        .args([
            "letters",
            "campaigns/demo.yaml",
            "--format",
            "pdf",
            "--layout",
            "din-c",
        ])
        .run()
        .status(2)
        .stderr_has("possible values: din-b, din-a, us10");
}

#[test]
fn refuses_an_address_longer_than_the_us_window_unless_allowed() {
    // The embassies' addresses with three more lines: 9 where the #10 window holds 6.
    let t = Test::shipped();
    let file = t.path().join("recipients/embassies.yaml");
    let directory = std::fs::read_to_string(&file).unwrap();
    let longer = directory.replace(
        "address:\n",
        "address:\n      - \"Consular Section\"\n      - \"Second Floor\"\n      - \"Room 201\"\n",
    );
    assert_ne!(directory, longer);
    std::fs::write(&file, longer).unwrap();
    let mut args = vec![
        "letters",
        "campaigns/juraev-2011.yaml",
        "--format",
        "pdf",
        "--date",
        "2011-04-01",
        "--lang",
        "en",
        "--paper",
        "letter",
    ];
    args.extend_from_slice(&SUPPORTER);
    let run = t.args(args.clone()).run().no_panic().status(1);
    assert!(
        run.stderr.contains("the window of layout `us10` holds 6"),
        "{}",
        run.stderr
    );
    args.push("--allow-overflow");
    // Written, and said: which letter, which lines, that it runs past the window.
    run.test
        .args(args)
        .run()
        .no_panic()
        .status(0)
        .stderr_has("the window of layout `us10` holds 6")
        .stderr_has("printed anyway, running past the window (--allow-overflow)");
}

#[test]
fn combines_every_letter_of_a_run_into_one_print_pack() {
    let csv = "name,country\nEva Muster,DE\nJean Dupont,FR\n";
    let args = |out: &str, combine: bool| {
        let mut a = vec![
            "letters",
            "campaigns/juraev-2011.yaml",
            "--format",
            "pdf",
            "--supporters",
            "s.csv",
            "--date",
            "2011-04-01",
            "--lang",
            "en",
            "--out",
            out,
        ];
        if combine {
            a.push("--combine");
        }
        a.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let run = Test::shipped()
        .file("s.csv", csv)
        .args(args("single", false))
        .run()
        .status(0);
    let singles = run.test.files_under("single");
    assert_eq!(singles.len(), 6, "{singles:?}");
    let single_pages: usize = singles
        .iter()
        .map(|f| {
            lopdf::Document::load_mem(&std::fs::read(run.test.path().join(f)).unwrap())
                .unwrap()
                .get_pages()
                .len()
        })
        .sum();
    let run = run
        .test
        .args(args("pack", true))
        .run()
        .status(0)
        .stdout_has("6 letter(s) in the print pack pack/juraev-2011/print-pack.pdf");
    assert_eq!(
        run.test.files_under("pack"),
        ["pack/juraev-2011/print-pack.pdf"]
    );
    let bytes = std::fs::read(run.test.path().join("pack/juraev-2011/print-pack.pdf")).unwrap();
    let (doc, text) = text_of(&bytes);
    assert_eq!(
        doc.get_pages().len(),
        single_pages,
        "each letter starts on a new page"
    );
    let fonts = doc
        .objects
        .values()
        .filter(|o| o.as_dict().is_ok_and(|d| d.has(b"FontFile2")))
        .count();
    // DejaVu Sans and its bold face (the subject lines), each once for all six letters.
    assert_eq!(fonts, 2, "each font is embedded once");
    assert!(
        text.contains("Eva Muster") && text.contains("Jean Dupont"),
        "both supporters' letters"
    );
}

/// Whether fontconfig knows a font that draws `c` (false when fc-list is not installed).
fn system_font_for(c: char) -> bool {
    std::process::Command::new("fc-list")
        .arg(format!(":charset={:x}", c as u32))
        .output()
        .is_ok_and(|out| out.status.success() && !out.stdout.is_empty())
}

#[test]
fn names_the_font_to_install_when_no_font_draws_chinese() {
    // An empty fontconfig configuration: the system fonts are out of reach.
    let t = Test::shipped().file("fonts.conf", "<fontconfig></fontconfig>");
    let conf = t.path().join("fonts.conf").to_string_lossy().into_owned();
    let mut args = vec![
        "letters",
        "campaigns/juraev-2011.yaml",
        "--format",
        "pdf",
        "--lang",
        "zh",
    ];
    args.extend_from_slice(&SUPPORTER);
    t.env("FONTCONFIG_FILE", conf)
        .args(args)
        .run()
        .no_panic()
        .status(1)
        .stderr_has("the zh letter to `ru-prosecutor-general` (eva-muster): the character `")
        .stderr_has("has no glyph in the fonts available (DejaVu Sans)")
        .stderr_has("hint: install a font that has it, e.g. Debian's fonts-noto-cjk,");
}

#[test]
fn draws_a_chinese_letter_with_a_font_found_through_fontconfig() {
    if !system_font_for('朱') {
        eprintln!("skipped: no CJK font found through fontconfig (Debian: fonts-wqy-microhei)");
        return;
    }
    let run = pdf_letters(&["--lang", "zh"]).status(0);
    let bytes = std::fs::read(
        run.test
            .path()
            .join("letters/juraev-2011/eva-muster/ru-prosecutor-general.zh.pdf"),
    )
    .unwrap();
    let (doc, text) = text_of(&bytes);
    let text: String = text.split_whitespace().collect();
    for needle in ["尼佐姆洪·朱拉耶夫", "EvaMuster"] {
        assert!(text.contains(needle), "{needle:?} missing in:\n{text}");
    }
    let fonts = doc
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .filter(|d| d.get(b"Type").and_then(|t| t.as_name()).ok() == Some(b"FontDescriptor"))
        .count();
    assert!(fonts >= 2, "DejaVu Sans and a CJK font are embedded");
}

#[test]
fn the_return_line_in_the_window_carries_no_email() {
    // Every postal worker reads the return line: the supporter's address, not her email.
    let run = pdf_letters(&["--lang", "en", "--email", "eva@example.org"]).status(0);
    let path = run
        .test
        .path()
        .join("letters/juraev-2011/eva-muster/ru-prosecutor-general.en.pdf");
    let (_, text) = text_of(&std::fs::read(path).unwrap());
    let line = text
        .lines()
        .find(|l| l.contains(" · "))
        .unwrap_or_else(|| panic!("no return line in:\n{text}"));
    assert!(
        line.contains("Eva Muster") && line.contains("Hauptstraße 1"),
        "{line}"
    );
    assert!(!line.contains('@'), "{line}");
}

/// The information dictionary of `doc`.
fn info(doc: &lopdf::Document) -> lopdf::Dictionary {
    let id = doc.trailer.get(b"Info").unwrap().as_reference().unwrap();
    doc.get_dictionary(id).unwrap().clone()
}

/// The catalog's XMP packet, which must be uncompressed (PDF/A 6.6.2.1).
fn xmp(doc: &lopdf::Document) -> String {
    let id = doc
        .catalog()
        .unwrap()
        .get(b"Metadata")
        .unwrap()
        .as_reference()
        .unwrap();
    let stream = doc.get_object(id).unwrap().as_stream().unwrap();
    assert!(stream.dict.get(b"Filter").is_err(), "XMP is not filtered");
    String::from_utf8(stream.content.clone()).unwrap()
}

#[test]
fn a_letter_says_truly_what_it_is_made_by_and_when_and_claims_no_pdfx() {
    let run = pdf_letters(&["--lang", "de"]).status(0);
    let path = run
        .test
        .path()
        .join("letters/juraev-2011/eva-muster/ru-prosecutor-general.de.pdf");
    let bytes = std::fs::read(path).unwrap();
    assert!(bytes.starts_with(b"%PDF-1.7"), "the header says 1.7");
    let doc = lopdf::Document::load_mem(&bytes).unwrap();
    let info = info(&doc);
    for placeholder in ["GTS_PDFXVersion", "Identifier", "Trapped"] {
        assert!(
            info.get(placeholder.as_bytes()).is_err(),
            "{placeholder} in {info:?}"
        );
    }
    let text = |key: &str| {
        String::from_utf8_lossy(info.get(key.as_bytes()).unwrap().as_str().unwrap()).into_owned()
    };
    assert_eq!(text("CreationDate"), "D:20110401", "the letter's date");
    assert_eq!(text("ModDate"), "D:20110401");
    assert_eq!(text("Producer"), appeal::pdf::PRODUCER);
    assert_eq!(text("Author"), "Eva Muster");
    assert!(doc.catalog().unwrap().get(b"OutputIntents").is_err());
    let xmp = xmp(&doc);
    assert!(
        xmp.contains("<xmp:CreateDate>2011-04-01</xmp:CreateDate>"),
        "{xmp}"
    );
    assert!(xmp.contains("<rdf:li>de</rdf:li>"), "{xmp}");
    assert!(
        !xmp.contains("pdfaid"),
        "no PDF/A claim without --pdfa: {xmp}"
    );
}

#[test]
fn pdfa_letters_and_packs_carry_the_identification_and_an_srgb_output_intent() {
    let run = pdf_letters(&["--lang", "ru", "--lang", "ar", "--pdfa"]).status(0);
    let path = run
        .test
        .path()
        .join("letters/juraev-2011/eva-muster/ru-prosecutor-general.ar.pdf");
    let single = lopdf::Document::load_mem(&std::fs::read(path).unwrap()).unwrap();
    let run = pdf_letters(&["--lang", "ru", "--lang", "ar", "--pdfa", "--combine"]).status(0);
    let path = run.test.path().join("letters/juraev-2011/print-pack.pdf");
    let pack = lopdf::Document::load_mem(&std::fs::read(path).unwrap()).unwrap();
    for doc in [single, pack] {
        let xmp = xmp(&doc);
        assert!(xmp.contains("<pdfaid:part>2</pdfaid:part>"), "{xmp}");
        assert!(
            xmp.contains("<pdfaid:conformance>B</pdfaid:conformance>"),
            "{xmp}"
        );
        let intents = doc.catalog().unwrap().get(b"OutputIntents").unwrap();
        let intent = intents.as_array().unwrap()[0].as_dict().unwrap();
        assert_eq!(intent.get(b"S").unwrap().as_name().unwrap(), b"GTS_PDFA1");
        let profile = intent
            .get(b"DestOutputProfile")
            .unwrap()
            .as_reference()
            .unwrap();
        let profile = doc.get_object(profile).unwrap().as_stream().unwrap();
        assert_eq!(profile.dict.get(b"N").unwrap().as_i64().unwrap(), 3);
        let icc = profile.decompressed_content().unwrap();
        assert_eq!(&icc[36..40], b"acsp", "an ICC profile");
        assert_eq!(&icc[16..20], b"RGB ");
        // Every font is embedded (PDF/A 6.2.11.4).
        for object in doc.objects.values() {
            let Ok(d) = object.as_dict() else { continue };
            if d.get(b"Type")
                .and_then(|t| t.as_name())
                .is_ok_and(|n| n == b"FontDescriptor")
            {
                assert!(d.get(b"FontFile2").is_ok(), "embedded: {d:?}");
            }
        }
    }
}

#[test]
fn subset_tags_follow_the_subset_so_different_subsets_never_share_a_name() {
    let run = pdf_letters(&["--lang", "ru", "--lang", "de"]).status(0);
    let dir = run.test.path().join("letters/juraev-2011/eva-muster");
    let fonts = |name: &str| -> Vec<String> {
        let doc = lopdf::Document::load_mem(&std::fs::read(dir.join(name)).unwrap()).unwrap();
        let mut names: Vec<String> = doc
            .objects
            .values()
            .filter_map(|o| o.as_dict().ok())
            .filter_map(|d| d.get(b"FontName").ok())
            .map(|n| String::from_utf8_lossy(n.as_name().unwrap()).into_owned())
            .collect();
        names.sort();
        // The fonts' own names (what pdffonts shows) are the descriptors' names.
        let mut fonts: Vec<String> = doc
            .objects
            .values()
            .filter_map(|o| o.as_dict().ok())
            .filter(|d| {
                d.has_type(b"Font")
                    && d.get(b"Subtype")
                        .is_ok_and(|s| s.as_name().is_ok_and(|n| n == b"Type0"))
            })
            .map(|d| {
                String::from_utf8_lossy(d.get(b"BaseFont").unwrap().as_name().unwrap()).into_owned()
            })
            .collect();
        fonts.sort();
        assert_eq!(fonts, names, "{name}: fonts named as their descriptors");
        names
    };
    let ru = fonts("ru-prosecutor-general.ru.pdf");
    let de = fonts("ru-prosecutor-general.de.pdf");
    assert!(
        ru.iter().all(|n| n.len() > 7
            && n.as_bytes()[6] == b'+'
            && n[..6].bytes().all(|b| b.is_ascii_uppercase())),
        "{ru:?}"
    );
    let regular = |names: &[String]| {
        names
            .iter()
            .find(|n| n.ends_with("+DejaVuSans"))
            .cloned()
            .unwrap()
    };
    assert_ne!(
        regular(&ru),
        regular(&de),
        "Cyrillic and German subsets differ, so do their tags"
    );
    assert!(
        !ru.iter().any(|n| n.starts_with("AAAAA")),
        "no counter tags: {ru:?}"
    );
    // The same letter made again gets the same tags.
    let again = pdf_letters(&["--lang", "ru"]).status(0);
    let doc = std::fs::read(
        again
            .test
            .path()
            .join("letters/juraev-2011/eva-muster/ru-prosecutor-general.ru.pdf"),
    )
    .unwrap();
    assert_eq!(
        doc,
        std::fs::read(dir.join("ru-prosecutor-general.ru.pdf")).unwrap()
    );
}

/// A structure element as the tests see it: its depth, its type, and its marked-content
/// references as (page number from 0, MCID).
type Element = (usize, String, Vec<(usize, i64)>);

/// The structure tree of `doc`, depth first.
fn structure(doc: &lopdf::Document) -> Vec<Element> {
    let catalog = doc.catalog().unwrap();
    let marked = catalog.get(b"MarkInfo").unwrap().as_dict().unwrap();
    assert!(marked.get(b"Marked").unwrap().as_bool().unwrap(), "marked");
    let prefs = catalog
        .get(b"ViewerPreferences")
        .unwrap()
        .as_dict()
        .unwrap();
    assert!(prefs.get(b"DisplayDocTitle").unwrap().as_bool().unwrap());
    let pages: Vec<lopdf::ObjectId> = doc.page_iter().collect();
    let root = catalog
        .get(b"StructTreeRoot")
        .unwrap()
        .as_reference()
        .unwrap();
    let root = doc.get_dictionary(root).unwrap();
    let mut out = Vec::new();
    fn walk(
        doc: &lopdf::Document,
        pages: &[lopdf::ObjectId],
        id: lopdf::ObjectId,
        depth: usize,
        out: &mut Vec<Element>,
    ) {
        let d = doc.get_dictionary(id).unwrap();
        let tag = String::from_utf8_lossy(d.get(b"S").unwrap().as_name().unwrap()).into_owned();
        let at = out.len();
        out.push((depth, tag, Vec::new()));
        for kid in d.get(b"K").unwrap().as_array().unwrap() {
            match kid {
                lopdf::Object::Reference(r) => walk(doc, pages, *r, depth + 1, out),
                lopdf::Object::Dictionary(mcr) => {
                    let pg = mcr.get(b"Pg").unwrap().as_reference().unwrap();
                    let page = pages
                        .iter()
                        .position(|p| *p == pg)
                        .expect("a page of the file");
                    out[at]
                        .2
                        .push((page, mcr.get(b"MCID").unwrap().as_i64().unwrap()));
                }
                // A marked-content id on the element's own page.
                lopdf::Object::Integer(mcid) => {
                    let pg = d.get(b"Pg").unwrap().as_reference().unwrap();
                    let page = pages
                        .iter()
                        .position(|p| *p == pg)
                        .expect("a page of the file");
                    out[at].2.push((page, *mcid));
                }
                other => panic!("unexpected kid {other:?}"),
            }
        }
    }
    walk(
        doc,
        &pages,
        root.get(b"K").unwrap().as_reference().unwrap(),
        0,
        &mut out,
    );
    out
}

/// The MCIDs of each page's content in drawing order, and how many artifacts it has.
fn marked_content(doc: &lopdf::Document) -> Vec<(Vec<i64>, usize)> {
    doc.page_iter()
        .map(|page| {
            let content = lopdf::content::Content::decode(&doc.get_page_content(page)).unwrap();
            let mut mcids = Vec::new();
            let mut artifacts = 0;
            for op in content.operations.iter().filter(|o| o.operator == "BDC") {
                match op.operands[0].as_name().unwrap() {
                    b"Artifact" => artifacts += 1,
                    _ => mcids.push(
                        op.operands[1]
                            .as_dict()
                            .unwrap()
                            .get(b"MCID")
                            .unwrap()
                            .as_i64()
                            .unwrap(),
                    ),
                }
            }
            (mcids, artifacts)
        })
        .collect()
}

/// Checks that the structure tree references every marked line once, in drawing order (reading
/// order), and that the parent tree points each back at its element.
fn assert_tree_matches_content(doc: &lopdf::Document) -> Vec<Element> {
    let tree = structure(doc);
    let in_tree: Vec<(usize, i64)> = tree.iter().flat_map(|(_, _, refs)| refs.clone()).collect();
    let drawn: Vec<(usize, i64)> = marked_content(doc)
        .into_iter()
        .enumerate()
        .flat_map(|(page, (mcids, _))| mcids.into_iter().map(move |m| (page, m)))
        .collect();
    assert_eq!(
        in_tree, drawn,
        "the tree reads the lines in the order they are drawn"
    );
    let root = doc
        .catalog()
        .unwrap()
        .get(b"StructTreeRoot")
        .unwrap()
        .as_reference()
        .unwrap();
    let root = doc.get_dictionary(root).unwrap();
    let mut parent_arrays = std::collections::HashMap::new();
    let mut collect = |nums: &Vec<lopdf::Object>| {
        for pair in nums.chunks(2) {
            parent_arrays.insert(
                pair[0].as_i64().unwrap(),
                pair[1].as_array().unwrap().clone(),
            );
        }
    };
    let tree_dict = root.get(b"ParentTree").unwrap().as_dict().unwrap();
    if let Ok(nums) = tree_dict.get(b"Nums") {
        collect(nums.as_array().unwrap());
    }
    if let Ok(kids) = tree_dict.get(b"Kids") {
        for kid in kids.as_array().unwrap() {
            let leaf = doc.get_dictionary(kid.as_reference().unwrap()).unwrap();
            collect(leaf.get(b"Nums").unwrap().as_array().unwrap());
        }
    }
    let pages: Vec<lopdf::ObjectId> = doc.page_iter().collect();
    for (page, mcid) in drawn {
        let key = doc
            .get_dictionary(pages[page])
            .unwrap()
            .get(b"StructParents")
            .unwrap()
            .as_i64()
            .unwrap();
        let element = parent_arrays[&key][mcid as usize].as_reference().unwrap();
        let element = doc.get_dictionary(element).unwrap();
        let own_page = element.get(b"Pg").ok().map(|p| p.as_reference().unwrap());
        let k = element.get(b"K").unwrap().as_array().unwrap();
        let refers = |kid: &lopdf::Object| match kid {
            lopdf::Object::Integer(m) => *m == mcid && own_page == Some(pages[page]),
            lopdf::Object::Dictionary(mcr) => {
                mcr.get(b"MCID").unwrap().as_i64().unwrap() == mcid
                    && mcr.get(b"Pg").unwrap().as_reference().unwrap() == pages[page]
            }
            _ => false,
        };
        assert!(
            k.iter().any(refers),
            "the parent tree points page {page} MCID {mcid} at its element"
        );
    }
    tree
}

#[test]
fn letters_are_tagged_paragraphs_and_a_heading_in_reading_order_with_page_furniture_as_artifacts() {
    let run = pdf_letters(&["--lang", "ru", "--lang", "ar"]).status(0);
    let dir = run.test.path().join("letters/juraev-2011/eva-muster");
    let mut two_pages = 0;
    for name in [
        "ru-prosecutor-general.ru.pdf",
        "ru-prosecutor-general.ar.pdf",
        "ru-embassy-de.copy.ar.pdf",
        // A copy letter quotes the main one: two pages.
        "ru-embassy-de.copy.ru.pdf",
    ] {
        let doc = lopdf::Document::load_mem(&std::fs::read(dir.join(name)).unwrap()).unwrap();
        let tree = assert_tree_matches_content(&doc);
        assert_eq!(tree[0].1, "Document");
        let tags: Vec<&str> = tree[1..].iter().map(|(_, t, _)| t.as_str()).collect();
        assert_eq!(
            tags.iter().filter(|t| **t == "H1").count(),
            1,
            "{name}: the subject is the one heading: {tags:?}"
        );
        assert!(
            tags.iter().all(|t| matches!(*t, "P" | "H1" | "BlockQuote")),
            "{name}: {tags:?}"
        );
        if name.contains(".copy.") {
            // The letter a copy reproduces is a quotation, after a drawn rule, not typed hyphens.
            let quote = tree.iter().position(|(_, t, _)| t == "BlockQuote");
            let quote = quote.unwrap_or_else(|| panic!("{name}: a block quote in {tags:?}"));
            assert!(
                tree[quote + 1..]
                    .iter()
                    .all(|(depth, t, _)| *depth == 2 && t == "P")
            );
            let (_, text) = text_of(&std::fs::read(dir.join(name)).unwrap());
            assert!(!text.contains("----------"), "{name}: {text}");
        }
        // The address is one element of several lines, not a paragraph per line.
        assert!(
            tree.iter().any(|(_, t, refs)| t == "P" && refs.len() >= 4),
            "{name}"
        );
        let content = marked_content(&doc);
        assert!(
            content.iter().all(|(_, artifacts)| *artifacts >= 1),
            "{name}: marks are artifacts"
        );
        if content.len() > 1 {
            // Page numbers and the running head are artifacts too.
            assert!(content[1].1 >= 2, "{name}: {content:?}");
            two_pages += 1;
        }
    }
    assert!(two_pages > 0, "a letter of two pages was checked");
}

#[test]
fn sheets_tag_headings_and_lists_and_packs_one_part_per_letter_in_its_language() {
    let run = Test::shipped()
        .args([
            "sheet",
            "campaigns/juraev-2011.yaml",
            "--lang",
            "en",
            "--format",
            "pdf",
            "--out",
            "sheet.pdf",
        ])
        .run()
        .no_panic()
        .status(0);
    let doc = lopdf::Document::load_mem(&std::fs::read(run.test.path().join("sheet.pdf")).unwrap())
        .unwrap();
    let tree = assert_tree_matches_content(&doc);
    let find = |tag: &str| {
        tree.iter()
            .position(|(_, t, _)| t == tag)
            .unwrap_or_else(|| panic!("{tag} in {tree:?}"))
    };
    assert!(find("H1") < find("L"));
    let list = find("L");
    let (depth, ..) = tree[list];
    assert_eq!(tree[list + 1].1, "LI");
    assert_eq!(
        (tree[list + 2].1.as_str(), tree[list + 3].1.as_str()),
        ("Lbl", "LBody")
    );
    assert_eq!(tree[list + 2].0, depth + 2);

    let run = pdf_letters(&["--lang", "ru", "--lang", "de", "--combine", "--duplex"]).status(0);
    let doc = lopdf::Document::load_mem(
        &std::fs::read(run.test.path().join("letters/juraev-2011/print-pack.pdf")).unwrap(),
    )
    .unwrap();
    let tree = assert_tree_matches_content(&doc);
    let parts: Vec<_> = tree
        .iter()
        .filter(|(d, t, _)| *d == 1 && t == "Part")
        .collect();
    assert_eq!(parts.len(), 6, "one part per letter");
    assert!(tree.iter().all(|(d, t, _)| *d != 1 || t == "Part"));
}

/// The `/ActualText` of each structure element that has one, in tree order.
fn actual_texts(doc: &lopdf::Document) -> Vec<String> {
    let mut texts = Vec::new();
    fn walk(doc: &lopdf::Document, id: lopdf::ObjectId, texts: &mut Vec<String>) {
        let d = doc.get_dictionary(id).unwrap();
        if let Ok(text) = d.get(b"ActualText") {
            texts.push(lopdf::decode_text_string(text).unwrap());
        }
        for kid in d.get(b"K").unwrap().as_array().unwrap() {
            if let lopdf::Object::Reference(r) = kid {
                walk(doc, *r, texts);
            }
        }
    }
    let root = doc.catalog().unwrap().get(b"StructTreeRoot").unwrap();
    let root = doc.get_dictionary(root.as_reference().unwrap()).unwrap();
    walk(
        doc,
        root.get(b"K").unwrap().as_reference().unwrap(),
        &mut texts,
    );
    texts
}

/// The words of `text` written in Arabic script.
fn arabic_words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .filter(|w| w.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)))
        .map(str::to_string)
        .collect()
}

#[test]
fn right_to_left_elements_carry_their_text_in_logical_order() {
    // Extractors read a right-to-left line's glyphs in visual order and guess the logical order
    // back, wrongly around digits and punctuation; the structure tree gives each element its text.
    let txt = Test::shipped()
        .args([
            "letters",
            "campaigns/juraev-2011.yaml",
            "--date",
            "2011-04-01",
        ])
        .args(SUPPORTER)
        .args(["--lang", "ar", "--lang", "fa", "--lang", "ru"])
        .run()
        .status(0);
    let pdf = pdf_letters(&["--lang", "ar", "--lang", "fa", "--lang", "ru"]).status(0);
    let dir = |run: &crate::harness::Run| run.test.path().join("letters/juraev-2011/eva-muster");
    for name in [
        "ru-prosecutor-general.ar",
        "ru-prosecutor-general.fa",
        "ru-embassy-de.copy.ar",
        "ru-prosecutor-general.ru",
    ] {
        let letter = std::fs::read_to_string(dir(&txt).join(format!("{name}.txt"))).unwrap();
        let bytes = std::fs::read(dir(&pdf).join(format!("{name}.pdf"))).unwrap();
        let doc = lopdf::Document::load_mem(&bytes).unwrap();
        let texts = actual_texts(&doc);
        if name.ends_with(".ru") {
            assert!(
                texts.is_empty(),
                "{name}: left-to-right text needs none: {texts:?}"
            );
            continue;
        }
        let expected = arabic_words(&letter);
        assert!(expected.len() > 100, "{name}: {letter}");
        assert_eq!(
            arabic_words(&texts.join("\n")),
            expected,
            "{name}: the elements' texts read as the letter, word for word"
        );
    }
}
