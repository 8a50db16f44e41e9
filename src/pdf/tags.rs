//! The tagged PDF: the logical structure of PDF/UA-1 (ISO 14289-1) over the drawn lines. Each line
//! is drawn inside marked content (`/P << /MCID n >> BDC … EMC`), or as an artifact when it is page
//! furniture (page numbers, the running head, fold and hole marks, rules to write on); the
//! structure tree then groups the marked lines into elements in reading order: a document of
//! paragraphs and headings (a print pack: one part per letter, each with its language), lists of
//! items with a label and a body in sheets, the letter a copy reproduces as a block quote. Reading order is the order of the lines, which is
//! the logical order in every script: a right-to-left line's text is stored in logical order.

use lopdf::{Dictionary, Object, ObjectId};
use printpdf::{DictItem, Op};

use super::meta::text_string;
use super::set::{PlacedLine, Role};

/// One line drawn as marked content: its page (from 0, within its document or letter), its
/// marked-content id on that page, what it is, and whether it goes on the element before it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Mark {
    pub(super) page: usize,
    pub(super) mcid: i64,
    role: Role,
    continues: bool,
    quote: bool,
    /// The line's text, in logical order (an index into `Marks::texts`).
    text: usize,
    /// The line's glyphs are not drawn in the order of its text (`reordered`): its element
    /// carries the text as `/ActualText`.
    rtl: bool,
}

/// The marks of a document or letter being drawn, page by page.
#[derive(Debug, Default)]
pub(super) struct Marks {
    pub(super) marks: Vec<Mark>,
    /// The text of each marked line (`Mark::text`).
    pub(super) texts: Vec<String>,
    /// The next marked-content id of each page.
    next: Vec<i64>,
}

impl Marks {
    /// Opens the marked content of `line` on `page`: an element's part, or an artifact.
    pub(super) fn begin(&mut self, ops: &mut Vec<Op>, page: usize, line: &PlacedLine) {
        let Some(tag) = tag(line.role) else {
            ops.push(artifact("Pagination"));
            return;
        };
        if self.next.len() <= page {
            self.next.resize(page + 1, 0);
        }
        let mcid = self.next[page];
        self.next[page] += 1;
        self.texts.push(line.text.clone());
        self.marks.push(Mark {
            page,
            mcid,
            role: line.role,
            continues: line.continues,
            quote: line.quote,
            text: self.texts.len() - 1,
            rtl: reordered(line),
        });
        let mut map = std::collections::BTreeMap::new();
        map.insert("MCID".to_string(), DictItem::Int(mcid));
        ops.push(Op::BeginMarkedContentWithProperties {
            tag,
            properties: DictItem::Dict { map },
        });
    }
}

/// Whether a line's drawn glyphs may not be in the order of its text: a line of a right-to-left
/// paragraph, one with a right-to-left run, or one with shaped text (an Indic vowel sign drawn
/// before its consonant, a Thai mark lowered onto its own piece). Extractors read the glyphs in
/// visual order and guess the logical order back, which goes wrong around digits and
/// punctuation (see `docs/pdf.md`, "Text layer"); the structure element carries the text itself.
fn reordered(line: &PlacedLine) -> bool {
    line.rtl
        || line
            .text
            .chars()
            .any(|c| super::text::is_strong_rtl(c) || super::text::needs_shaping(c))
}

/// Opens an artifact of `kind` (Pagination, Layout): closed by `Op::EndMarkedContent`.
pub(super) fn artifact(kind: &str) -> Op {
    let mut map = std::collections::BTreeMap::new();
    map.insert("Type".to_string(), DictItem::Name(kind.as_bytes().to_vec()));
    Op::BeginMarkedContentWithProperties {
        tag: "Artifact".to_string(),
        properties: DictItem::Dict { map },
    }
}

/// The structure type of a role (PDF 32000 14.8.4); `None` for an artifact.
fn tag(role: Role) -> Option<String> {
    Some(match role {
        Role::P => "P".to_string(),
        Role::H(level) => format!("H{}", level.clamp(1, 6)),
        Role::Lbl => "Lbl".to_string(),
        Role::LBody => "LBody".to_string(),
        Role::Artifact => return None,
    })
}

/// Structure elements being made: each object's number comes from `alloc`, each finished object
/// goes to `objects`, and `parents` collects, page by page, the element of each marked-content id
/// (the parent tree's arrays).
pub(super) struct Builder<'a> {
    pub(super) alloc: &'a mut dyn FnMut() -> ObjectId,
    pub(super) objects: Vec<(ObjectId, Dictionary)>,
    pub(super) parents: Vec<Vec<Object>>,
}

/// An element of the tree before it is written: its type, its marked content (page, id) or its
/// kids, and the texts of its lines (indices into `Marks::texts`) with whether any of them reads
/// right to left.
struct Node {
    id: ObjectId,
    tag: String,
    content: Vec<(usize, i64)>,
    kids: Vec<Node>,
    lines: Vec<usize>,
    rtl: bool,
}

impl Node {
    /// Adds a marked line to the element.
    fn add(&mut self, mark: &Mark) {
        self.content.push((mark.page, mark.mcid));
        self.lines.push(mark.text);
        self.rtl |= mark.rtl;
    }
}

impl Builder<'_> {
    /// The elements of `marks` (lines of `texts`), children of `parent`, drawn on `pages` (the
    /// page objects, by the marks' page numbers). Returns the children's numbers in reading
    /// order.
    pub(super) fn elements(
        &mut self,
        Marks { marks, texts, .. }: &Marks,
        parent: ObjectId,
        pages: &[ObjectId],
    ) -> Vec<ObjectId> {
        // A quotation (the letter a copy reproduces) is a block quote of its own elements.
        let mut nodes = Vec::new();
        for run in marks.chunk_by(|a, b| a.quote == b.quote) {
            if run[0].quote {
                let mut quote = self.node("BlockQuote".to_string());
                quote.kids = self.nodes(run);
                nodes.push(quote);
            } else {
                nodes.extend(self.nodes(run));
            }
        }
        nodes
            .into_iter()
            .map(|node| self.write(node, parent, pages, texts))
            .collect()
    }

    /// Groups the marks into elements: a line that continues the one before joins its element;
    /// consecutive list items (a label, or a body without one, opens an item) form one list.
    fn nodes(&mut self, marks: &[Mark]) -> Vec<Node> {
        let mut top: Vec<Node> = Vec::new();
        let mut last_role = None;
        for mark in marks {
            let Some(tag) = tag(mark.role) else {
                continue;
            };
            let joins = mark.continues && last_role == Some(mark.role);
            last_role = Some(mark.role);
            let list_part = matches!(mark.role, Role::Lbl | Role::LBody);
            if !list_part {
                match top.last_mut() {
                    Some(node) if joins && node.tag == tag => node.add(mark),
                    _ => top.push(self.leaf(tag, mark)),
                }
                continue;
            }
            // A list: the last top node when it is one, else a new one.
            if top.last().is_none_or(|n| n.tag != "L") {
                top.push(self.node("L".to_string()));
            }
            let list = top.last_mut().expect("a list was just pushed");
            let opens_item = mark.role == Role::Lbl
                || list
                    .kids
                    .last()
                    .is_none_or(|item| item.kids.iter().any(|k| k.tag == "LBody"));
            if opens_item && !joins {
                let item = self.node("LI".to_string());
                list.kids.push(item);
            }
            let item = list.kids.last_mut().expect("an item is open");
            match item.kids.last_mut() {
                Some(part) if joins && part.tag == tag => part.add(mark),
                _ => {
                    let part = self.leaf(tag, mark);
                    item.kids.push(part);
                }
            }
        }
        top
    }

    fn node(&mut self, tag: String) -> Node {
        Node {
            id: (self.alloc)(),
            tag,
            content: Vec::new(),
            kids: Vec::new(),
            lines: Vec::new(),
            rtl: false,
        }
    }

    /// An element of one line so far.
    fn leaf(&mut self, tag: String, mark: &Mark) -> Node {
        let mut node = self.node(tag);
        node.add(mark);
        node
    }

    /// Writes `node` and its kids under `parent`; returns its number.
    fn write(
        &mut self,
        node: Node,
        parent: ObjectId,
        pages: &[ObjectId],
        texts: &[String],
    ) -> ObjectId {
        let mut kids = Vec::new();
        // Content on one page is referred to by its ids alone, the page named once on the
        // element (`/Pg`); content across pages by a reference naming its page each.
        let one_page = node
            .content
            .first()
            .filter(|(first, _)| node.content.iter().all(|(p, _)| p == first))
            .and_then(|(page, _)| pages.get(*page).copied());
        for (page, mcid) in &node.content {
            let Some(page_id) = pages.get(*page) else {
                continue;
            };
            if one_page.is_some() {
                kids.push(Object::Integer(*mcid));
            } else {
                let mut mcr = Dictionary::new();
                mcr.set("Type", Object::Name(b"MCR".to_vec()));
                mcr.set("Pg", Object::Reference(*page_id));
                mcr.set("MCID", Object::Integer(*mcid));
                kids.push(Object::Dictionary(mcr));
            }
            if self.parents.len() <= *page {
                self.parents.resize(*page + 1, Vec::new());
            }
            let slots = &mut self.parents[*page];
            let slot = *mcid as usize;
            if slots.len() <= slot {
                slots.resize(slot + 1, Object::Null);
            }
            slots[slot] = Object::Reference(node.id);
        }
        for kid in node.kids {
            kids.push(Object::Reference(self.write(kid, node.id, pages, texts)));
        }
        let mut element = element(&node.tag, parent, kids);
        if let Some(page) = one_page {
            element.set("Pg", Object::Reference(page));
        }
        if node.rtl {
            // The element's text in logical order, its lines joined as they were wrapped.
            let lines: Vec<&str> = node
                .lines
                .iter()
                .filter_map(|i| texts.get(*i).map(String::as_str))
                .collect();
            element.set("ActualText", text_string(&lines.join(" ")));
        }
        self.objects.push((node.id, element));
        node.id
    }
}

/// A structure element of type `tag` under `parent`, with `kids`.
pub(super) fn element(tag: &str, parent: ObjectId, kids: Vec<Object>) -> Dictionary {
    let mut d = Dictionary::new();
    d.set("Type", Object::Name(b"StructElem".to_vec()));
    d.set("S", Object::Name(tag.as_bytes().to_vec()));
    d.set("P", Object::Reference(parent));
    d.set("K", Object::Array(kids));
    d
}

/// The structure tree root over `document`, with the parent tree `nums` (`[key array …]`).
pub(super) fn tree_root(document: ObjectId, parent_tree: Object, next_key: usize) -> Dictionary {
    let mut d = Dictionary::new();
    d.set("Type", Object::Name(b"StructTreeRoot".to_vec()));
    d.set("K", Object::Reference(document));
    d.set("ParentTree", parent_tree);
    d.set("ParentTreeNextKey", Object::Integer(next_key as i64));
    d
}

/// What a tagged file's catalog says: it is marked, where its structure is, and that a viewer
/// shows its title rather than its file name (PDF/UA 7.1).
pub(super) fn mark_catalog(catalog: &mut Dictionary, root: ObjectId) {
    let mut info = Dictionary::new();
    info.set("Marked", Object::Boolean(true));
    catalog.set("MarkInfo", Object::Dictionary(info));
    catalog.set("StructTreeRoot", Object::Reference(root));
    let mut prefs = match catalog.get(b"ViewerPreferences").and_then(Object::as_dict) {
        Ok(d) => d.clone(),
        Err(_) => Dictionary::new(),
    };
    prefs.set("DisplayDocTitle", Object::Boolean(true));
    catalog.set("ViewerPreferences", Object::Dictionary(prefs));
}

/// Tags a single document (a letter, a sheet) whose lines were drawn with `marks`: the structure
/// tree with one `Document` element, each page's `/StructParents`, the catalog marked.
pub(super) fn tag_document(lo: &mut lopdf::Document, marks: &Marks) {
    let pages: Vec<ObjectId> = lo.page_iter().collect();
    let root = lo.new_object_id();
    let document = lo.new_object_id();
    let mut max_id = lo.max_id;
    let mut alloc = || {
        max_id += 1;
        (max_id, 0)
    };
    let mut builder = Builder {
        alloc: &mut alloc,
        objects: Vec::new(),
        parents: Vec::new(),
    };
    let kids = builder.elements(marks, document, &pages);
    let Builder {
        objects, parents, ..
    } = builder;
    lo.max_id = max_id;
    for (id, object) in objects {
        lo.objects.insert(id, Object::Dictionary(object));
    }
    let kids = kids.into_iter().map(Object::Reference).collect();
    lo.objects.insert(
        document,
        Object::Dictionary(element("Document", root, kids)),
    );
    let mut nums = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        if let Ok(d) = lo.get_dictionary_mut(*page) {
            d.set("StructParents", Object::Integer(i as i64));
        }
        nums.push(Object::Integer(i as i64));
        nums.push(Object::Array(parents.get(i).cloned().unwrap_or_default()));
    }
    let mut parent_tree = Dictionary::new();
    parent_tree.set("Nums", Object::Array(nums));
    lo.objects.insert(
        root,
        Object::Dictionary(tree_root(
            document,
            Object::Dictionary(parent_tree),
            pages.len(),
        )),
    );
    if let Ok(catalog) = lo.catalog_mut() {
        mark_catalog(catalog, root);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(mcid: i64, role: Role, continues: bool) -> Mark {
        Mark {
            page: 0,
            mcid,
            role,
            continues,
            quote: false,
            text: 0,
            rtl: false,
        }
    }

    /// Each node as "depth tag [mcids]".
    fn shape(nodes: &[Node], depth: usize, out: &mut Vec<String>) {
        for n in nodes {
            let mcids: Vec<i64> = n.content.iter().map(|(_, m)| *m).collect();
            out.push(format!("{depth} {} {mcids:?}", n.tag));
            shape(&n.kids, depth + 1, out);
        }
    }

    #[test]
    fn groups_lines_into_paragraphs_and_items_into_one_list() {
        let mut next = 0;
        let mut alloc = || {
            next += 1;
            (next, 0)
        };
        let mut builder = Builder {
            alloc: &mut alloc,
            objects: Vec::new(),
            parents: Vec::new(),
        };
        let nodes = builder.nodes(&[
            mark(0, Role::H(1), false),
            mark(1, Role::Lbl, false),
            mark(2, Role::LBody, false),
            mark(3, Role::LBody, true),
            mark(4, Role::Lbl, false),
            mark(5, Role::LBody, false),
            mark(6, Role::P, false),
            mark(7, Role::P, true),
            mark(8, Role::P, false),
        ]);
        let mut out = Vec::new();
        shape(&nodes, 0, &mut out);
        assert_eq!(
            out,
            [
                "0 H1 [0]",
                "0 L []",
                "1 LI []",
                "2 Lbl [1]",
                "2 LBody [2, 3]",
                "1 LI []",
                "2 Lbl [4]",
                "2 LBody [5]",
                "0 P [6, 7]",
                "0 P [8]",
            ]
        );
    }
}
