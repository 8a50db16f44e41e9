//! The print pack (`letters --format pdf --combine`), read back with lopdf: its pages, blank
//! backs, bookmarks, language, bytes, and how it takes its place on disk.

use crate::harness::{Run, Test};

const PACK: &str = "out/ablyazov-2015/print-pack.pdf";

/// Supporters whose French letters to the Ablyazov campaign's addressees have one page and
/// more: Jean's and Ivan's notes of their own make their letters longer.
fn supporters() -> String {
    let note = "Je suis ce dossier depuis des années avec une grande inquiétude. ";
    format!(
        "name,country,note\nEva Muster,DE,\nJean Dupont,FR,\"{}\"\nИван Петров,RU,\"{}\"\n",
        note.repeat(25),
        note.repeat(70)
    )
}

fn letters(t: Test, extra: &[&str]) -> Run {
    let mut args = vec![
        "letters",
        "campaigns/ablyazov-2015.yaml",
        "--format",
        "pdf",
        "--supporters",
        "s.csv",
        "--date",
        "2015-11-01",
        "--out",
        "out",
    ];
    args.extend_from_slice(extra);
    t.args(args).run().no_panic()
}

fn shipped(csv: &str) -> Test {
    Test::shipped().file("s.csv", csv)
}

/// Each letter written as a file of its own, with its page count, sorted by path.
fn single_pages(run: &Run) -> Vec<(String, usize)> {
    run.test
        .files_under("out")
        .into_iter()
        .filter(|f| f.ends_with(".pdf"))
        .map(|f| {
            let doc = lopdf::Document::load(run.test.path().join(&f)).unwrap();
            (f, doc.get_pages().len())
        })
        .collect()
}

/// The outline's items in order: title and the 1-based number of the page it opens.
fn bookmarks(doc: &lopdf::Document) -> Vec<(String, u32)> {
    let page_no: std::collections::HashMap<lopdf::ObjectId, u32> =
        doc.get_pages().into_iter().map(|(n, id)| (id, n)).collect();
    let outlines = doc
        .catalog()
        .unwrap()
        .get(b"Outlines")
        .and_then(lopdf::Object::as_reference)
        .unwrap();
    let mut at = doc
        .get_dictionary(outlines)
        .unwrap()
        .get(b"First")
        .and_then(lopdf::Object::as_reference)
        .ok();
    let mut out = Vec::new();
    while let Some(id) = at {
        let item = doc.get_dictionary(id).unwrap();
        let title = item.get(b"Title").unwrap();
        assert!(
            title.as_str().unwrap().starts_with(b"\xFE\xFF"),
            "titles in UTF-16BE with a byte order mark"
        );
        let dest = item.get(b"Dest").unwrap().as_array().unwrap();
        let page = page_no[&dest[0].as_reference().unwrap()];
        out.push((lopdf::decode_text_string(title).unwrap(), page));
        at = item.get(b"Next").and_then(lopdf::Object::as_reference).ok();
    }
    out
}

fn pack(run: &Run) -> (Vec<u8>, lopdf::Document) {
    let bytes = std::fs::read(run.test.path().join(PACK)).unwrap();
    let doc = lopdf::Document::load_mem(&bytes).expect("the pack parses");
    (bytes, doc)
}

/// Whether page `id` draws nothing.
fn is_blank(doc: &lopdf::Document, id: lopdf::ObjectId) -> bool {
    doc.get_page_content(id).is_empty()
}

#[test]
fn a_duplex_pack_starts_every_letter_on_a_front_side_after_a_blank_back() {
    let singles = letters(shipped(&supporters()), &[]).status(0);
    let singles = single_pages(&singles);
    let run = letters(shipped(&supporters()), &["--combine", "--duplex"])
        .status(0)
        .stdout_has(&format!("{} letter(s) in the print pack", singles.len()));
    let (_, doc) = pack(&run);
    let marks = bookmarks(&doc);
    assert_eq!(marks.len(), singles.len(), "one bookmark per letter");
    let pages = doc.get_pages();
    let by_page: Vec<usize> = singles.iter().map(|(_, n)| *n).collect();
    assert!(
        by_page.iter().any(|n| n % 2 == 1) && by_page.iter().any(|n| n % 2 == 0),
        "letters of an odd and of an even number of pages: {singles:?}"
    );
    let total: usize = by_page.iter().map(|n| n + n % 2).sum();
    assert_eq!(
        pages.len(),
        total,
        "each letter's pages, with a blank back when odd"
    );
    for (i, (title, first)) in marks.iter().enumerate() {
        assert_eq!(
            first % 2,
            1,
            "{title} starts on a front side (page {first})"
        );
        let next = marks.get(i + 1).map_or(total as u32 + 1, |m| m.1);
        let drawn = (*first..next).filter(|n| !is_blank(&doc, pages[n])).count();
        let blank = (*first..next).filter(|n| is_blank(&doc, pages[n])).count();
        assert!(
            blank <= 1 && (drawn + blank) % 2 == 0,
            "{title}: {drawn} + {blank}"
        );
    }
}

#[test]
fn a_pack_has_exactly_the_letters_pages_and_one_bookmark_per_letter_in_input_order() {
    let singles = single_pages(&letters(shipped(&supporters()), &[]).status(0));
    let run = letters(shipped(&supporters()), &["--combine"]).status(0);
    let (_, doc) = pack(&run);
    let total: usize = singles.iter().map(|(_, n)| n).sum();
    assert_eq!(
        doc.get_pages().len(),
        total,
        "no blank page without --duplex"
    );
    let marks = bookmarks(&doc);
    let titles: Vec<&str> = marks.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(titles.len(), singles.len());
    assert_eq!(titles[0], "Eva Muster → Premier ministre (fr)");
    assert!(
        titles.contains(&"Иван Петров → Ambassadeur de France en Russie (fr, copy)"),
        "{titles:?}"
    );
    // Input order: all of Eva's letters, then Jean's, then Ivan's.
    let who: Vec<&str> = titles
        .iter()
        .map(|t| t.split(" →").next().unwrap())
        .collect();
    let mut sorted = who.clone();
    sorted.dedup();
    assert_eq!(sorted, ["Eva Muster", "Jean Dupont", "Иван Петров"]);
    // Each bookmark opens its letter: the pages up to the next bookmark are the letter's, as
    // many as its own file has (compared per supporter: her files are sorted by name).
    for (name, slug) in [("Eva Muster", "eva-muster"), ("Иван Петров", "иван-петров")]
    {
        let mut packed: Vec<u32> = marks
            .iter()
            .enumerate()
            .filter(|(_, (t, _))| t.starts_with(name))
            .map(|(i, (_, first))| marks.get(i + 1).map_or(total as u32 + 1, |m| m.1) - first)
            .collect();
        let mut own: Vec<u32> = singles
            .iter()
            .filter(|(f, _)| f.contains(&format!("/{slug}/")))
            .map(|(_, n)| *n as u32)
            .collect();
        packed.sort();
        own.sort();
        assert_eq!(packed, own, "{name}");
    }
    let lang = doc
        .catalog()
        .unwrap()
        .get(b"Lang")
        .unwrap()
        .as_str()
        .unwrap();
    assert_eq!(lang, b"fr", "every letter is in French");
}

#[test]
fn a_pack_of_several_languages_sets_no_document_language() {
    let csv = "name,country,lang\nEva Muster,DE,en\nJean Dupont,FR,fr\n";
    let run = letters(shipped(csv), &["--combine"]).status(0);
    let (_, doc) = pack(&run);
    assert!(doc.catalog().unwrap().get(b"Lang").is_err());
}

/// Enough supporters for more than one chunk of the pack (256 letters).
fn many() -> String {
    let mut csv = String::from("name,country\n");
    for i in 0..100 {
        csv.push_str(&format!("Person {i},{}\n", ["DE", "FR", "NO", "GB"][i % 4]));
    }
    csv
}

#[test]
fn a_pack_is_the_same_bytes_for_one_thread_or_two_and_for_a_shard() {
    let one = letters(shipped(&many()), &["--combine", "--jobs", "1"]).status(0);
    let (one, doc) = pack(&one);
    assert!(bookmarks(&doc).len() > 256, "more than one chunk");
    let two = letters(shipped(&many()), &["--combine", "--jobs", "2"]).status(0);
    assert!(one == pack(&two).0, "the same bytes for --jobs 1 and 2");

    // A shard's pack is the pack of the same supporters given alone.
    let shard = letters(shipped(&many()), &["--combine", "--shard", "1/2"]).status(0);
    let (shard, doc) = pack(&shard);
    let mut names: Vec<String> = bookmarks(&doc)
        .into_iter()
        .map(|(t, _)| t.split(" →").next().unwrap().to_string())
        .collect();
    names.dedup();
    let csv: String = many()
        .lines()
        .filter(|l| l.starts_with("name") || names.iter().any(|n| l.starts_with(&format!("{n},"))))
        .map(|l| format!("{l}\n"))
        .collect();
    let alone = letters(shipped(&csv), &["--combine", "--jobs", "1"]).status(0);
    assert!(
        shard == pack(&alone).0,
        "the same bytes for a shard and its supporters"
    );
}

#[test]
fn duplex_without_combine_is_a_usage_error() {
    letters(shipped(&supporters()), &["--duplex"])
        .status(2)
        .stderr_has("--duplex")
        .stderr_has("hint: add --combine");
}

#[test]
fn a_pack_with_other_content_is_refused_without_force_and_kept() {
    let run = letters(shipped(&supporters()), &["--combine"]).status(0);
    let (before, _) = pack(&run);
    // The same run again: the pack is there unchanged.
    let run = letters(run.test, &["--combine"])
        .status(0)
        .stdout_has("print-pack.pdf (already there, unchanged)");
    assert!(pack(&run).0 == before);
    // Other letters: refused, the pack kept, no temporary file left.
    let t = run.test.file("s.csv", "name,country\nEva Muster,DE\n");
    let run = letters(t, &["--combine"])
        .status(1)
        .stderr_has("not overwritten")
        .stderr_has("none of the 4 letter(s) collected for it is on disk");
    assert!(pack(&run).0 == before);
    assert_eq!(run.test.files_under("out"), [PACK]);
    let run = letters(run.test, &["--combine", "--force"])
        .status(0)
        .stdout_has("print-pack.pdf (replaced)");
    assert!(pack(&run).0 != before);
    assert_eq!(bookmarks(&pack(&run).1).len(), 4);
}

#[cfg(unix)]
#[test]
fn never_writes_a_pack_through_a_symbolic_link() {
    let t = shipped(&supporters()).file("precious.pdf", "precious");
    std::fs::create_dir_all(t.path().join("out/ablyazov-2015")).unwrap();
    std::os::unix::fs::symlink(t.path().join("precious.pdf"), t.path().join(PACK)).unwrap();
    let run = letters(t, &["--combine", "--force"])
        .status(1)
        .stderr_has("a symbolic link stands where the file goes");
    assert_eq!(run.test.read("precious.pdf"), "precious");
    assert_eq!(run.test.files_under("out"), [PACK]);
}
