//! The print pack: the letters of a run in one PDF file, streamed to disk chunk by chunk so that
//! its memory stays bounded whatever the number of letters.
//!
//! printpdf can only serialise a whole document it holds in memory (2.17 GB for 30,000 letters).
//! So letters are drawn into a printpdf document of at most `CHUNK` letters, which is converted
//! with `to_lopdf_document`, renumbered into the pack's object numbers and written out at once.
//! Only what the end of the file needs stays in memory: each object's offset (for the
//! cross-reference table) and the page-tree node being filled. The page tree, outline, catalog,
//! info and trailer are written last. Every number in the file follows from the letters and their
//! order, never from the chunk a run's threads or shard cut: the same letters in the same order
//! give the same bytes.

use std::collections::HashMap;
use std::io::{self, Write};

use lopdf::{Dictionary, Object, ObjectId};
use printpdf::{PdfDocument, PdfPage, PdfSaveOptions};

use super::FontChain;
use super::draw::{FontIds, compress, pages_of};
use super::layout::Layout;
use super::meta::{self, DocInfo, text_string};
use super::set::Placed;
use super::tags::{self, Marks};

/// Letters per printpdf document. Each chunk embeds its own subset of each font (~35 KB for
/// DejaVu Sans and Bold in five languages, against ~3.3 KB a letter), so a bigger chunk makes a
/// smaller file but holds more pages in memory until they are written. With 256, a run of 30,000
/// letters peaked at 62 MB and its pack was 13% bigger than with each font embedded once.
const CHUNK: usize = 256;

/// Pages per node of the page tree under its root: a flat list of 400,000 pages would make a
/// viewer read one huge array to find page 1; a node is written as soon as it is full.
const NODE: usize = 128;

/// Object numbers fixed in advance, written at the end: the page tree's root, the catalog, the
/// document information and the outline's root.
const ROOT: u32 = 1;
const CATALOG: u32 = 2;
const INFO: u32 = 3;
const OUTLINES: u32 = 4;
/// The structure tree's root and its `Document` element, whose kids are the letters' parts.
const STRUCT_ROOT: u32 = 5;
const DOCUMENT: u32 = 6;

/// A letter drawn but not yet written: its bookmark's title, its page count, its language and
/// its marked content (for its part of the structure tree).
struct Drawn {
    bookmark: String,
    pages: usize,
    lang: String,
    marks: Marks,
}

/// A print pack being written to `W`: letters one after the other, each from a new page (with
/// `duplex`, each from a front side), one bookmark per letter. The same letters added in the same
/// order give the same bytes.
pub struct Pack<W: Write> {
    out: Sink<W>,
    /// What the pack says it is; its language is set at the end, from the letters'.
    info: DocInfo,
    duplex: bool,
    /// The file offset of each object by number (0: not written yet; number 0 is never used).
    offsets: Vec<u64>,
    /// The chunk being drawn.
    doc: PdfDocument,
    ids: Vec<Option<printpdf::FontId>>,
    pages: Vec<PdfPage>,
    drawn: Vec<Drawn>,
    tree: Tree,
    outline: Outline,
    lang: Langs,
    /// The structure tree: the letters' parts, the parent tree's leaves (one per chunk: number,
    /// first and last key) and the next key (a page's `/StructParents`).
    parts: Vec<u32>,
    parent_leaves: Vec<(u32, i64, i64)>,
    next_key: i64,
    /// One object serialised, before it goes out in one write.
    buf: Vec<u8>,
    /// `CHUNK` and `NODE`, smaller in tests.
    chunk: usize,
    node: usize,
}

/// The page tree: the node being filled and the nodes written.
#[derive(Default)]
struct Tree {
    node: Option<u32>,
    kids: Vec<u32>,
    nodes: Vec<u32>,
    pages: u64,
}

/// The outline's items: one waits to be written until the next one's number is known (its
/// `/Next`), so no title stays in memory longer than that.
#[derive(Default)]
struct Outline {
    first: Option<u32>,
    waiting: Option<Item>,
    count: u64,
}

struct Item {
    id: u32,
    prev: Option<u32>,
    title: String,
    page: u32,
}

/// The languages of the letters so far: the catalog's `/Lang` is set only when there is one.
enum Langs {
    None,
    One(String),
    Several,
}

impl<W: Write> Pack<W> {
    /// A pack writing to `out` that says it is `info` (title and subject: a run's campaign id).
    /// Writes the file's header.
    pub fn new(out: W, info: DocInfo, duplex: bool) -> io::Result<Pack<W>> {
        let mut out = Sink::new(out);
        // The second line marks the file as binary (PDF 32000 7.5.2).
        out.write_all(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n")?;
        Ok(Pack {
            out,
            doc: chunk_doc(&info.title),
            info,
            duplex,
            offsets: vec![0; DOCUMENT as usize + 1],
            ids: Vec::new(),
            pages: Vec::new(),
            drawn: Vec::new(),
            tree: Tree::default(),
            outline: Outline::default(),
            lang: Langs::None,
            parts: Vec::new(),
            parent_leaves: Vec::new(),
            next_key: 0,
            buf: Vec::new(),
            chunk: CHUNK,
            node: NODE,
        })
    }

    /// A pack with small chunks and page-tree nodes, so tests cross their boundaries.
    #[cfg(test)]
    fn sized(mut self, chunk: usize, node: usize) -> Self {
        self.chunk = chunk;
        self.node = node;
        self
    }

    /// Draws the pages of a placed letter at the end of the pack, with `bookmark` as its entry in
    /// the outline; `lang` is the letter's language tag.
    pub fn add(
        &mut self,
        layout: &Layout,
        placed: &Placed,
        fonts: &FontChain,
        bookmark: &str,
        lang: &str,
    ) -> io::Result<()> {
        let mut ids = FontIds {
            doc: &mut self.doc,
            ids: std::mem::take(&mut self.ids),
        };
        let mut marks = Marks::default();
        let pages = pages_of(layout, placed, fonts, &mut ids, &mut marks);
        self.ids = ids.ids;
        self.drawn.push(Drawn {
            bookmark: bookmark.to_string(),
            pages: pages.len(),
            lang: lang.to_string(),
            marks,
        });
        self.pages.extend(pages);
        self.lang = match std::mem::replace(&mut self.lang, Langs::Several) {
            Langs::None => Langs::One(lang.to_string()),
            Langs::One(one) if one == lang => Langs::One(one),
            _ => Langs::Several,
        };
        if self.drawn.len() >= self.chunk {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes the letters still in memory, then the page tree, outline, catalog, information,
    /// cross-reference table and trailer. Returns the writer, not flushed.
    pub fn finish(mut self) -> io::Result<W> {
        self.flush()?;
        if let Some(node) = self.tree.node.take() {
            self.write_node(node)?;
        }
        let root = dict([
            ("Type", Object::Name(b"Pages".to_vec())),
            ("Kids", refs(&self.tree.nodes)),
            ("Count", count(self.tree.pages)),
        ]);
        self.write(ROOT, &Object::Dictionary(root))?;
        self.finish_outline()?;
        let mut catalog = dict([
            ("Type", Object::Name(b"Catalog".to_vec())),
            ("Pages", Object::Reference((ROOT, 0))),
        ]);
        if self.outline.count > 0 {
            catalog.set("Outlines", Object::Reference((OUTLINES, 0)));
            // Open the bookmarks beside the pages: they are how one finds a letter in the pack.
            catalog.set("PageMode", Object::Name(b"UseOutlines".to_vec()));
        }
        // One language for all: say it. Per-letter languages (a structure tree with /Lang per
        // letter) are issue 16's.
        self.info.lang = match &self.lang {
            Langs::One(lang) => Some(lang.clone()),
            _ => None,
        };
        if let Some(lang) = &self.info.lang {
            catalog.set("Lang", text_string(lang));
        }
        let metadata = self.alloc();
        self.write(metadata, &Object::Stream(self.info.metadata_stream()))?;
        catalog.set("Metadata", Object::Reference((metadata, 0)));
        if self.info.pdfa {
            let profile = self.alloc();
            self.write(profile, &Object::Stream(meta::srgb_profile()))?;
            let intent = meta::output_intent((profile, 0));
            catalog.set(
                "OutputIntents",
                Object::Array(vec![Object::Dictionary(intent)]),
            );
        }
        self.finish_structure(&mut catalog)?;
        self.write(CATALOG, &Object::Dictionary(catalog))?;
        self.write(INFO, &Object::Dictionary(self.info.dictionary()))?;
        self.write_trailer()?;
        Ok(self.out.inner)
    }

    /// Writes the chunk drawn so far: printpdf's document converted, its objects renumbered into
    /// the pack's, its pages hung in the page tree with a blank back where duplex wants one, and
    /// its letters' bookmarks.
    fn flush(&mut self) -> io::Result<()> {
        if self.drawn.is_empty() {
            return Ok(());
        }
        let mut doc = std::mem::replace(&mut self.doc, chunk_doc(&self.info.title));
        self.ids.clear();
        doc.with_pages(std::mem::take(&mut self.pages));
        // Subset by printpdf, not through `pdf::subsets`: once per 256 letters, fonts are a
        // small part of a chunk, and a chunk's glyph set seldom comes again.
        let mut lo = doc.to_lopdf_document(&PdfSaveOptions::default(), &mut Vec::new());
        drop(doc);
        compress(&mut lo);
        // Each chunk embeds its own subsets: their names must differ within the pack.
        meta::tag_subsets(&mut lo);
        let pages: Vec<ObjectId> = lo.page_iter().collect();
        share_resources(&mut lo, &pages);
        // The chunk's catalog, page tree and information are the pack's to write: only what
        // its pages use is kept, numbered in printpdf's (deterministic) order.
        let order = reachable(&lo, &pages);
        let map: HashMap<ObjectId, u32> = order.iter().map(|old| (*old, self.alloc())).collect();
        let drawn = std::mem::take(&mut self.drawn);
        let hung = self.hang(&drawn, &pages, &map, &lo)?;
        let keys = self.structure(&drawn, &pages, &map)?;
        for old in &order {
            let Some(mut object) = lo.objects.remove(old) else {
                continue;
            };
            renumber(&mut object, &map);
            if let (Some(parent), Object::Dictionary(page)) = (hung.parents.get(old), &mut object) {
                page.set("Parent", Object::Reference((*parent, 0)));
                if let Some(key) = keys.get(old) {
                    page.set("StructParents", Object::Integer(*key));
                }
            }
            self.write(map[old], &object)?;
        }
        for (id, parent, media_box) in hung.blanks {
            let blank = dict([
                ("Type", Object::Name(b"Page".to_vec())),
                ("Parent", Object::Reference((parent, 0))),
                ("MediaBox", media_box),
                ("Resources", Object::Dictionary(Dictionary::new())),
            ]);
            self.write(id, &Object::Dictionary(blank))?;
        }
        for (letter, first) in drawn.into_iter().zip(hung.firsts) {
            if let Some(page) = first {
                self.bookmark(letter.bookmark, page)?;
            }
        }
        Ok(())
    }

    /// Writes the chunk's part of the structure tree: one `Part` per letter (its language, its
    /// bookmark as title) with its paragraphs, and one leaf of the parent tree. Returns each
    /// page's parent-tree key.
    fn structure(
        &mut self,
        drawn: &[Drawn],
        pages: &[ObjectId],
        map: &HashMap<ObjectId, u32>,
    ) -> io::Result<HashMap<ObjectId, i64>> {
        let mut keys = HashMap::new();
        let mut nums = Vec::new();
        let mut objects = Vec::new();
        let mut at = 0;
        for letter in drawn {
            let mine = pages.get(at..at + letter.pages).unwrap_or_default();
            at += letter.pages;
            let new: Vec<ObjectId> = mine.iter().map(|p| (map[p], 0)).collect();
            let part = self.alloc();
            let offsets = &mut self.offsets;
            let mut alloc = || {
                offsets.push(0);
                ((offsets.len() - 1) as u32, 0)
            };
            let mut builder = tags::Builder {
                alloc: &mut alloc,
                objects: Vec::new(),
                parents: Vec::new(),
            };
            let kids = builder.elements(&letter.marks, (part, 0), &new);
            let mut element = tags::element(
                "Part",
                (DOCUMENT, 0),
                kids.into_iter().map(Object::Reference).collect(),
            );
            element.set("Lang", text_string(&letter.lang));
            element.set("T", text_string(&letter.bookmark));
            objects.extend(builder.objects);
            objects.push(((part, 0), element));
            for (i, old) in mine.iter().enumerate() {
                let key = self.next_key;
                self.next_key += 1;
                keys.insert(*old, key);
                nums.push(Object::Integer(key));
                nums.push(Object::Array(
                    builder.parents.get(i).cloned().unwrap_or_default(),
                ));
            }
            self.parts.push(part);
        }
        for ((id, _), object) in objects {
            self.write(id, &Object::Dictionary(object))?;
        }
        if let (Some(Object::Integer(first)), Some(last)) = (nums.first(), keys.values().max()) {
            let leaf = self.alloc();
            let first = *first;
            let object = dict([
                (
                    "Limits",
                    Object::Array(vec![Object::Integer(first), Object::Integer(*last)]),
                ),
                ("Nums", Object::Array(nums)),
            ]);
            self.write(leaf, &Object::Dictionary(object))?;
            self.parent_leaves.push((leaf, first, *last));
        }
        Ok(keys)
    }

    /// Writes the structure tree's root and `Document` element, and marks the catalog.
    fn finish_structure(&mut self, catalog: &mut Dictionary) -> io::Result<()> {
        let parts = std::mem::take(&mut self.parts);
        let document = tags::element(
            "Document",
            (STRUCT_ROOT, 0),
            refs(&parts).as_array().cloned().unwrap_or_default(),
        );
        self.write(DOCUMENT, &Object::Dictionary(document))?;
        let leaves: Vec<u32> = self.parent_leaves.iter().map(|(id, ..)| *id).collect();
        let parent_tree = dict([("Kids", refs(&leaves))]);
        let root = tags::tree_root(
            (DOCUMENT, 0),
            Object::Dictionary(parent_tree),
            self.next_key as usize,
        );
        self.write(STRUCT_ROOT, &Object::Dictionary(root))?;
        tags::mark_catalog(catalog, (STRUCT_ROOT, 0));
        Ok(())
    }

    /// Puts the chunk's pages, letter by letter, in the page tree, with a blank page after each
    /// letter of an odd number of pages when printing on both sides.
    fn hang(
        &mut self,
        drawn: &[Drawn],
        pages: &[ObjectId],
        map: &HashMap<ObjectId, u32>,
        lo: &lopdf::Document,
    ) -> io::Result<Hung> {
        let mut hung = Hung::default();
        let mut at = 0;
        for letter in drawn {
            let mine = pages.get(at..at + letter.pages).unwrap_or_default();
            at += letter.pages;
            hung.firsts
                .push(mine.first().and_then(|p| map.get(p).copied()));
            for old in mine {
                let Some(&id) = map.get(old) else { continue };
                let parent = self.place(id)?;
                hung.parents.insert(*old, parent);
            }
            if let Some(last) = mine.last()
                && self.duplex
                && mine.len() % 2 == 1
            {
                let media_box = lo
                    .get_dictionary(*last)
                    .and_then(|page| page.get(b"MediaBox"))
                    .cloned()
                    .unwrap_or_else(|_| a4());
                let id = self.alloc();
                let parent = self.place(id)?;
                hung.blanks.push((id, parent, media_box));
            }
        }
        Ok(hung)
    }

    /// Hangs page `page` in the page tree; returns its parent node. A full node is written.
    fn place(&mut self, page: u32) -> io::Result<u32> {
        if self.tree.kids.len() >= self.node
            && let Some(node) = self.tree.node.take()
        {
            self.write_node(node)?;
        }
        let node = match self.tree.node {
            Some(node) => node,
            None => {
                let node = self.alloc();
                self.tree.node = Some(node);
                self.tree.nodes.push(node);
                node
            }
        };
        self.tree.kids.push(page);
        self.tree.pages += 1;
        Ok(node)
    }

    /// Writes the page-tree node `node` with the pages hung in it.
    fn write_node(&mut self, node: u32) -> io::Result<()> {
        let kids = std::mem::take(&mut self.tree.kids);
        let object = dict([
            ("Type", Object::Name(b"Pages".to_vec())),
            ("Parent", Object::Reference((ROOT, 0))),
            ("Kids", refs(&kids)),
            ("Count", count(kids.len() as u64)),
        ]);
        self.write(node, &Object::Dictionary(object))
    }

    /// Adds the outline item of a letter whose first page is `page`; the item before it, now
    /// that its `/Next` is known, is written.
    fn bookmark(&mut self, title: String, page: u32) -> io::Result<()> {
        let id = self.alloc();
        let prev = match self.outline.waiting.take() {
            Some(item) => {
                let prev = item.id;
                self.write_item(item, Some(id))?;
                Some(prev)
            }
            None => {
                self.outline.first = Some(id);
                None
            }
        };
        self.outline.waiting = Some(Item {
            id,
            prev,
            title,
            page,
        });
        self.outline.count += 1;
        Ok(())
    }

    fn write_item(&mut self, item: Item, next: Option<u32>) -> io::Result<()> {
        let mut object = Dictionary::new();
        object.set("Title", text_string(&item.title));
        object.set("Parent", Object::Reference((OUTLINES, 0)));
        // The whole first page of the letter.
        object.set(
            "Dest",
            Object::Array(vec![
                Object::Reference((item.page, 0)),
                Object::Name(b"Fit".to_vec()),
            ]),
        );
        if let Some(prev) = item.prev {
            object.set("Prev", Object::Reference((prev, 0)));
        }
        if let Some(next) = next {
            object.set("Next", Object::Reference((next, 0)));
        }
        self.write(item.id, &Object::Dictionary(object))
    }

    /// Writes the last outline item and the outline's root (always: its number is reserved).
    fn finish_outline(&mut self) -> io::Result<()> {
        let mut root = Dictionary::new();
        root.set("Type", Object::Name(b"Outlines".to_vec()));
        if let Some(item) = self.outline.waiting.take()
            && let Some(first) = self.outline.first
        {
            let last = item.id;
            self.write_item(item, None)?;
            root.set("First", Object::Reference((first, 0)));
            root.set("Last", Object::Reference((last, 0)));
            root.set("Count", count(self.outline.count));
        }
        self.write(OUTLINES, &Object::Dictionary(root))
    }

    /// The cross-reference table and the trailer, whose file identifier is the hash of every
    /// byte before it: the same pack, the same identifier.
    fn write_trailer(&mut self) -> io::Result<()> {
        use sha2::Digest;
        let id: String = self.out.hash.clone().finalize()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let start = self.out.pos;
        let mut table = format!("xref\n0 {}\n0000000000 65535 f \n", self.offsets.len());
        for &offset in &self.offsets[1..] {
            // The table has ten digits for an offset.
            if offset > 9_999_999_999 {
                return Err(io::Error::other(
                    "a print pack cannot exceed 10 GB (hint: split the run with --shard)",
                ));
            }
            if offset == 0 {
                table.push_str("0000000000 00000 f \n");
            } else {
                table.push_str(&format!("{offset:010} 00000 n \n"));
            }
            if table.len() > 1 << 16 {
                self.out.write_all(table.as_bytes())?;
                table.clear();
            }
        }
        table.push_str(&format!(
            "trailer\n<< /Size {} /Root {CATALOG} 0 R /Info {INFO} 0 R /ID [<{id}> <{id}>] >>\nstartxref\n{start}\n%%EOF\n",
            self.offsets.len()
        ));
        self.out.write_all(table.as_bytes())
    }

    /// A new object number.
    fn alloc(&mut self) -> u32 {
        self.offsets.push(0);
        (self.offsets.len() - 1) as u32
    }

    /// Writes object `id`.
    fn write(&mut self, id: u32, object: &Object) -> io::Result<()> {
        self.offsets[id as usize] = self.out.pos;
        self.buf.clear();
        self.buf
            .extend_from_slice(format!("{id} 0 obj\n").as_bytes());
        serialise(object, &mut self.buf);
        self.buf.extend_from_slice(b"\nendobj\n");
        self.out.write_all(&self.buf)
    }
}

/// Where a chunk's pages went: each page's parent node, the blank backs to write (number,
/// parent, size) and each letter's first page.
#[derive(Default)]
struct Hung {
    parents: HashMap<ObjectId, u32>,
    blanks: Vec<(u32, u32, Object)>,
    firsts: Vec<Option<u32>>,
}

/// Points every page of a chunk whose resources equal the first page's at the first page's:
/// printpdf gives each page its own copy of the same dictionary, one object a page for nothing.
fn share_resources(lo: &mut lopdf::Document, pages: &[ObjectId]) {
    let resources = |lo: &lopdf::Document, page: ObjectId| {
        let id = lo.get_dictionary(page).ok()?.get(b"Resources").ok()?;
        id.as_reference().ok()
    };
    let Some(shared) = pages.first().and_then(|p| resources(lo, *p)) else {
        return;
    };
    let Ok(first) = lo.get_object(shared).cloned() else {
        return;
    };
    for page in &pages[1..] {
        if let Some(own) = resources(lo, *page)
            && lo.get_object(own).is_ok_and(|o| *o == first)
            && let Ok(dict) = lo.get_dictionary_mut(*page)
        {
            dict.set("Resources", Object::Reference(shared));
        }
    }
}

/// The objects `pages` use, directly or not, in number order; a page's `/Parent` (the chunk's
/// page tree) is not followed.
fn reachable(lo: &lopdf::Document, pages: &[ObjectId]) -> Vec<ObjectId> {
    let mut seen = std::collections::BTreeSet::new();
    let mut stack: Vec<ObjectId> = pages.to_vec();
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        if let Ok(object) = lo.get_object(id) {
            references(object, &mut stack);
        }
    }
    seen.into_iter().collect()
}

/// Pushes the objects `object` refers to, except through `/Parent`.
fn references(object: &Object, out: &mut Vec<ObjectId>) {
    match object {
        Object::Reference(id) => out.push(*id),
        Object::Array(items) => items.iter().for_each(|o| references(o, out)),
        Object::Dictionary(d) => dictionary_references(d, out),
        Object::Stream(s) => dictionary_references(&s.dict, out),
        _ => {}
    }
}

fn dictionary_references(d: &Dictionary, out: &mut Vec<ObjectId>) {
    d.iter()
        .filter(|(k, _)| k.as_slice() != b"Parent")
        .for_each(|(_, o)| references(o, out));
}

/// Rewrites the references of `object` to the pack's numbers; one to an object the pack does not
/// keep (only a page's `/Parent`, replaced after) becomes null.
fn renumber(object: &mut Object, map: &HashMap<ObjectId, u32>) {
    match object {
        Object::Reference(id) => {
            *object = match map.get(id) {
                Some(new) => Object::Reference((*new, 0)),
                None => Object::Null,
            }
        }
        Object::Array(items) => items.iter_mut().for_each(|o| renumber(o, map)),
        Object::Dictionary(d) => d.iter_mut().for_each(|(_, o)| renumber(o, map)),
        Object::Stream(s) => s.dict.iter_mut().for_each(|(_, o)| renumber(o, map)),
        _ => {}
    }
}

/// A dictionary object from its entries, in order.
fn dict<const N: usize>(entries: [(&str, Object); N]) -> Dictionary {
    let mut d = Dictionary::new();
    for (key, value) in entries {
        d.set(key, value);
    }
    d
}

fn refs(ids: &[u32]) -> Object {
    Object::Array(ids.iter().map(|id| Object::Reference((*id, 0))).collect())
}

fn count(n: u64) -> Object {
    Object::Integer(i64::try_from(n).unwrap_or(i64::MAX))
}

/// An A4 page's box, for a blank back whose letter's page has none (printpdf always sets one).
fn a4() -> Object {
    Object::Array(vec![
        Object::Integer(0),
        Object::Integer(0),
        Object::Real(595.276),
        Object::Real(841.89),
    ])
}

/// Appends the PDF syntax of `object` to `out` (lopdf's writer is private to it).
fn serialise(object: &Object, out: &mut Vec<u8>) {
    match object {
        Object::Null => out.extend_from_slice(b"null"),
        Object::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Object::Integer(i) => out.extend_from_slice(i.to_string().as_bytes()),
        // Rust prints floats without an exponent, as PDF wants them.
        Object::Real(r) if r.is_finite() => out.extend_from_slice(r.to_string().as_bytes()),
        Object::Real(_) => out.push(b'0'),
        Object::Name(name) => name_syntax(name, out),
        Object::String(text, lopdf::StringFormat::Literal) => {
            out.push(b'(');
            for &b in text {
                match b {
                    b'(' | b')' | b'\\' => out.extend_from_slice(&[b'\\', b]),
                    b'\r' => out.extend_from_slice(b"\\r"),
                    _ => out.push(b),
                }
            }
            out.push(b')');
        }
        Object::String(text, lopdf::StringFormat::Hexadecimal) => {
            out.push(b'<');
            for b in text {
                out.extend_from_slice(format!("{b:02X}").as_bytes());
            }
            out.push(b'>');
        }
        Object::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                serialise(item, out);
            }
            out.push(b']');
        }
        Object::Dictionary(d) => dictionary_syntax(d, None, out),
        Object::Stream(s) => {
            // The length from the content itself, whatever the dictionary said.
            dictionary_syntax(&s.dict, Some(s.content.len()), out);
            out.extend_from_slice(b"\nstream\n");
            out.extend_from_slice(&s.content);
            out.extend_from_slice(b"\nendstream");
        }
        Object::Reference((id, generation)) => {
            out.extend_from_slice(format!("{id} {generation} R").as_bytes())
        }
    }
}

/// A dictionary; a stream's `/Length` set to `length`.
fn dictionary_syntax(d: &Dictionary, length: Option<usize>, out: &mut Vec<u8>) {
    out.extend_from_slice(b"<<");
    for (key, value) in d.iter() {
        if length.is_some() && key.as_slice() == b"Length" {
            continue;
        }
        name_syntax(key, out);
        out.push(b' ');
        serialise(value, out);
        out.push(b' ');
    }
    if let Some(length) = length {
        out.extend_from_slice(format!("/Length {length} ").as_bytes());
    }
    out.extend_from_slice(b">>");
}

/// A name, with white space, delimiters and bytes outside `!`..`~` written as `#XX`.
fn name_syntax(name: &[u8], out: &mut Vec<u8>) {
    out.push(b'/');
    for &b in name {
        if b"\t\n\r\x0C ()<>[]{}/%#".contains(&b) || !(33..=126).contains(&b) {
            out.extend_from_slice(format!("#{b:02X}").as_bytes());
        } else {
            out.push(b);
        }
    }
}

/// A printpdf document for one chunk of letters.
fn chunk_doc(title: &str) -> PdfDocument {
    PdfDocument::new(title)
}

/// Counts and hashes what goes through it: the offsets of the cross-reference table, and a file
/// identifier from the file's own bytes (printpdf's is random).
struct Sink<W: Write> {
    inner: W,
    pos: u64,
    hash: sha2::Sha256,
}

impl<W: Write> Sink<W> {
    fn new(inner: W) -> Sink<W> {
        use sha2::Digest;
        Sink {
            inner,
            pos: 0,
            hash: sha2::Sha256::new(),
        }
    }
}

impl<W: Write> Write for Sink<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        use sha2::Digest;
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.pos += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdf::LAYOUTS;

    /// A pack of letters of `pages` pages each (empty pages: the structure is what is tested),
    /// in `langs` in turn, cut in chunks of 2 letters and nodes of 3 pages.
    fn pack(pages: &[usize], langs: &[&str], duplex: bool) -> Vec<u8> {
        let fonts = FontChain::default();
        let info = DocInfo {
            title: "campaign".into(),
            subject: "campaign".into(),
            ..DocInfo::default()
        };
        let mut pack = Pack::new(Vec::new(), info, duplex).unwrap().sized(2, 3);
        for (i, n) in pages.iter().enumerate() {
            // Through `Default`: a placed letter may carry more than pages (rules to write on).
            let mut placed = Placed::default();
            placed.pages.extend((0..*n).map(|_| Vec::new()));
            let title = format!("Ива́н {i} → Прокурор");
            let lang = langs[i % langs.len()];
            pack.add(&LAYOUTS[0], &placed, &fonts, &title, lang)
                .unwrap();
        }
        pack.finish().unwrap()
    }

    /// The outline's titles and the 1-based page each opens, following /First and /Next, with
    /// /Prev and /Last checked on the way.
    fn outline(doc: &lopdf::Document) -> Vec<(String, u32)> {
        let number: HashMap<ObjectId, u32> =
            doc.get_pages().into_iter().map(|(n, id)| (id, n)).collect();
        let root_id = doc.catalog().unwrap().get(b"Outlines").unwrap();
        let root = doc.get_dictionary(root_id.as_reference().unwrap()).unwrap();
        let mut at = root.get(b"First").and_then(Object::as_reference).ok();
        let (mut out, mut prev) = (Vec::new(), None);
        while let Some(id) = at {
            let item = doc.get_dictionary(id).unwrap();
            assert_eq!(item.get(b"Prev").and_then(Object::as_reference).ok(), prev);
            let dest = item.get(b"Dest").unwrap().as_array().unwrap();
            let title = lopdf::decode_text_string(item.get(b"Title").unwrap()).unwrap();
            out.push((title, number[&dest[0].as_reference().unwrap()]));
            prev = Some(id);
            at = item.get(b"Next").and_then(Object::as_reference).ok();
        }
        assert_eq!(root.get(b"Last").and_then(Object::as_reference).ok(), prev);
        assert_eq!(
            root.get(b"Count").unwrap().as_i64().unwrap(),
            out.len() as i64
        );
        out
    }

    #[test]
    fn blank_backs_and_bookmarks_survive_chunk_and_node_boundaries() {
        let doc = lopdf::Document::load_mem(&pack(&[1, 2, 3, 1, 2], &["ru"], true)).unwrap();
        // 1+1, 2, 3+1, 1+1, 2.
        assert_eq!(doc.get_pages().len(), 12);
        let firsts: Vec<u32> = outline(&doc).iter().map(|(_, p)| *p).collect();
        assert_eq!(firsts, [1, 3, 5, 9, 11]);
        assert_eq!(outline(&doc)[3].0, "Ива́н 3 → Прокурор");
        let lang = doc.catalog().unwrap().get(b"Lang").unwrap();
        assert_eq!(lang.as_str().unwrap(), b"ru");
        // Every page of the tree under a node that counts its pages.
        let root = doc.catalog().unwrap().get(b"Pages").unwrap();
        let root = doc.get_dictionary(root.as_reference().unwrap()).unwrap();
        assert_eq!(root.get(b"Count").unwrap().as_i64().unwrap(), 12);
        assert_eq!(root.get(b"Kids").unwrap().as_array().unwrap().len(), 4);
    }

    #[test]
    fn without_duplex_letters_follow_each_other_and_several_languages_set_none() {
        let doc = lopdf::Document::load_mem(&pack(&[1, 2, 3], &["ru", "en"], false)).unwrap();
        assert_eq!(doc.get_pages().len(), 6);
        let firsts: Vec<u32> = outline(&doc).iter().map(|(_, p)| *p).collect();
        assert_eq!(firsts, [1, 2, 4]);
        assert!(doc.catalog().unwrap().get(b"Lang").is_err());
    }

    #[test]
    fn the_same_letters_give_the_same_bytes() {
        let a = pack(&[1, 2, 3, 1], &["de"], true);
        assert_eq!(a, pack(&[1, 2, 3, 1], &["de"], true));
        assert_ne!(a, pack(&[1, 2, 3, 2], &["de"], true));
    }

    #[test]
    fn text_strings_beyond_ascii_are_utf16be_with_a_byte_order_mark() {
        assert_eq!(text_string("ru"), Object::string_literal("ru"));
        let Object::String(bytes, _) = text_string("Ё → ش") else {
            panic!("a string")
        };
        assert_eq!(
            bytes,
            [
                0xFE, 0xFF, 0x04, 0x01, 0, 0x20, 0x21, 0x92, 0, 0x20, 0x06, 0x34
            ]
        );
    }

    #[test]
    fn strings_and_names_are_escaped() {
        let mut out = Vec::new();
        serialise(&Object::string_literal("a(b\\c))\r"), &mut out);
        serialise(&Object::Name(b"A B#".to_vec()), &mut out);
        assert_eq!(out, b"(a\\(b\\\\c\\)\\)\\r)/A#20B#23");
    }
}
