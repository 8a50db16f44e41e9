//! A document written as a PDF file: its dictionaries in object streams, its cross-reference
//! table a stream, the bytes lopdf's `save_with_options` gives with object and cross-reference
//! streams, written in one pass.
//!
//! lopdf writes every dictionary three times to put it in an object stream (twice to measure
//! the offsets, once to keep), clones it first, and starts a new compressor (some 300 KB of
//! tables) for each stream: a quarter of a letter's time went there (perf, 1,000 Russian
//! letters). Here each object is written once into the stream and compressed by libdeflate
//! (`draw::deflated`). Uncompressed, the output is lopdf's own, byte for byte (the tests compare
//! them): the rules of what goes into a stream, the order, the numbering and the notation are
//! lopdf 0.44's.

use std::collections::BTreeMap;

use lopdf::{Dictionary, Document, Object, ObjectId, Stream, StringFormat};

/// Objects per object stream, lopdf's default.
const PER_STREAM: usize = 100;

/// Where an object is, for the cross-reference stream.
#[derive(Clone, Copy)]
enum Entry {
    /// At this offset in the file, with this generation.
    Normal(u32, u16),
    /// The `index`th object in the object stream numbered `container`.
    Compressed(u32, u16),
}

/// The file of `doc`: lopdf's `save_with_options` with object streams and a cross-reference
/// stream, the object streams compressed at libdeflate's `level` (0: not compressed).
#[cfg(test)]
pub(super) fn save(doc: &Document, level: u32) -> Vec<u8> {
    save_with(doc, level, |_| None)
}

/// `save`, each object for which `stands_in` gives one written in place of the document's own
/// (streams kept elsewhere, `subsets::Shared`).
pub(super) fn save_with<'d>(
    doc: &'d Document,
    level: u32,
    stands_in: impl Fn(ObjectId) -> Option<&'d Object>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 * 1024);
    let version = if doc.version.as_str() < "1.5" {
        "1.5"
    } else {
        doc.version.as_str()
    };
    out.extend_from_slice(b"%PDF-");
    out.extend_from_slice(version.as_bytes());
    out.push(b'\n');
    // lopdf refuses to write a mark with a byte under 128 (and stops there); documents made
    // here have lopdf's default mark.
    if doc.binary_mark.iter().all(|&byte| byte >= 128) {
        out.push(b'%');
        out.extend_from_slice(&doc.binary_mark);
        out.push(b'\n');
    }

    let mut xref: BTreeMap<u32, Entry> = BTreeMap::new();
    let mut packed: Vec<(u32, &Object)> = Vec::new();
    let mut linearized = None;
    for (&(id, generation), own) in &doc.objects {
        let object = stands_in((id, generation)).unwrap_or(own);
        if let Object::Stream(stream) = object
            && stream.dict.get(b"Type").and_then(Object::as_name).ok() == Some(b"ObjStm")
        {
            continue;
        }
        if generation == 0 && packable((id, generation), object, doc, &mut linearized) {
            packed.push((id, object));
        } else {
            indirect(&mut out, (id, generation), object, &mut xref);
        }
    }

    let mut next = doc.max_id + 1;
    for chunk in packed.chunks(PER_STREAM) {
        write_object_stream(&mut out, next, chunk, level, &mut xref);
        next += 1;
    }
    let start = out.len();
    write_xref_stream(&mut out, &doc.trailer, next, &mut xref);
    out.extend_from_slice(b"\nstartxref\n");
    out.extend_from_slice(start.to_string().as_bytes());
    out.extend_from_slice(b"\n%%EOF");
    // A batch holds its letters until they are written in order: not with room to spare.
    out.shrink_to_fit();
    out
}

/// Writes `objects` as object stream number `container`, compressed at `level`, noting where
/// each is.
fn write_object_stream(
    out: &mut Vec<u8>,
    container: u32,
    objects: &[(u32, &Object)],
    level: u32,
    xref: &mut BTreeMap<u32, Entry>,
) {
    for (index, (id, _)) in objects.iter().enumerate() {
        // A stream holds at most PER_STREAM objects.
        let index = u16::try_from(index).unwrap_or(u16::MAX);
        xref.insert(*id, Entry::Compressed(container, index));
    }
    let mut content = Vec::new();
    let table_len = object_stream(objects, &mut content);
    let dict = Dictionary::from_iter(vec![
        ("Type", Object::Name(b"ObjStm".to_vec())),
        ("N", Object::Integer(objects.len() as i64)),
        ("First", Object::Integer(table_len as i64)),
    ]);
    let mut stream = Stream::new(dict, content);
    if level > 0
        && let Some(compressed) = super::draw::deflated(level, &stream.content)
    {
        stream.dict.set("Filter", "FlateDecode");
        stream.set_content(compressed);
    }
    indirect(out, (container, 0), &Object::Stream(stream), xref);
}

/// Writes the cross-reference stream as object `own`, its dictionary the document's trailer with
/// what lopdf adds to it.
fn write_xref_stream(
    out: &mut Vec<u8>,
    trailer: &Dictionary,
    own: u32,
    xref: &mut BTreeMap<u32, Entry>,
) {
    xref.insert(own, Entry::Normal(offset(out.len()), 0));
    let mut trailer = trailer.clone();
    trailer.set("Type", Object::Name(b"XRef".to_vec()));
    trailer.set("Size", i64::from(own + 1));
    trailer.set(
        "W",
        Object::Array(vec![
            Object::Integer(1),
            Object::Integer(4),
            Object::Integer(2),
        ]),
    );
    let (table, index) = xref_stream(xref, own + 1);
    trailer.set("Index", index);
    trailer.remove(b"Filter");
    trailer.set("Length", table.len() as i64);
    let table = Stream {
        dict: trailer,
        allows_compression: true,
        content: table,
        start_position: None,
    };
    indirect(out, (own, 0), &Object::Stream(table), xref);
}

/// lopdf's rule for what may go into an object stream (`ObjectStream::can_be_compressed`): not
/// a stream, not the encryption dictionary, not a cross-reference or object stream, and the
/// catalog only when the file is not linearized.
fn packable(id: ObjectId, object: &Object, doc: &Document, linearized: &mut Option<bool>) -> bool {
    if matches!(object, Object::Stream(_)) {
        return false;
    }
    if let Ok(Object::Reference(encrypt)) = doc.trailer.get(b"Encrypt")
        && id == *encrypt
    {
        return false;
    }
    let Object::Dictionary(dict) = object else {
        return true;
    };
    match dict.get(b"Type").and_then(Object::as_name) {
        Ok(b"XRef" | b"ObjStm") => false,
        Ok(b"Catalog") => !*linearized.get_or_insert_with(|| {
            doc.objects
                .values()
                .any(|object| matches!(object, Object::Dictionary(dict) if dict.has(b"Linearized")))
        }),
        _ => true,
    }
}

/// The offset as the cross-reference stream holds it (lopdf's 4 bytes).
fn offset(at: usize) -> u32 {
    u32::try_from(at).unwrap_or(u32::MAX)
}

/// An object stream's content for `objects`: the table of numbers and offsets, then each
/// object, each followed by a space. Returns the table's length, where the first object starts.
fn object_stream(objects: &[(u32, &Object)], out: &mut Vec<u8>) -> usize {
    let mut body = Vec::new();
    for (i, (id, object)) in objects.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        write_numbers(out, &[u64::from(*id), body.len() as u64]);
        write_object(&mut body, object);
        body.push(b' ');
    }
    out.push(b' ');
    let table_len = out.len();
    out.extend_from_slice(&body);
    table_len
}

/// The cross-reference stream's rows for objects 1 to `size - 1`, one section per run of
/// numbers in use, and its `/Index`.
fn xref_stream(xref: &BTreeMap<u32, Entry>, size: u32) -> (Vec<u8>, Object) {
    let mut rows = Vec::with_capacity(xref.len() * 7);
    let mut index = Vec::new();
    let mut section: Option<(u32, i64)> = None;
    for id in 1..size {
        match xref.get(&id) {
            Some(entry) => {
                let (kind, a, b) = match *entry {
                    Entry::Normal(offset, generation) => (1, offset, generation),
                    Entry::Compressed(container, at) => (2, container, at),
                };
                rows.push(kind);
                rows.extend(a.to_be_bytes());
                rows.extend(b.to_be_bytes());
                section.get_or_insert((id, 0)).1 += 1;
            }
            None => {
                if let Some((start, count)) = section.take() {
                    index.extend([Object::Integer(i64::from(start)), Object::Integer(count)]);
                }
            }
        }
    }
    if let Some((start, count)) = section {
        index.extend([Object::Integer(i64::from(start)), Object::Integer(count)]);
    }
    (rows, Object::Array(index))
}

/// Writes `object` as object `id`, noting where.
fn indirect(out: &mut Vec<u8>, id: ObjectId, object: &Object, xref: &mut BTreeMap<u32, Entry>) {
    xref.insert(id.0, Entry::Normal(offset(out.len()), id.1));
    write_numbers(out, &[u64::from(id.0), u64::from(id.1)]);
    out.extend_from_slice(b" obj\n");
    if separated(object) {
        out.push(b' ');
    }
    write_object(out, object);
    if separated(object) || matches!(object, Object::Name(_) | Object::Stream(_)) {
        out.push(b' ');
    }
    out.extend_from_slice(b"\nendobj\n");
}

/// Objects lopdf puts a space before (in an array, after a key, after `obj`).
fn separated(object: &Object) -> bool {
    matches!(
        object,
        Object::Null
            | Object::Boolean(_)
            | Object::Integer(_)
            | Object::Real(_)
            | Object::Reference(_)
    )
}

/// `object` in lopdf's notation.
pub(super) fn write_object(out: &mut Vec<u8>, object: &Object) {
    match object {
        Object::Null => out.extend_from_slice(b"null"),
        Object::Boolean(true) => out.extend_from_slice(b"true"),
        Object::Boolean(false) => out.extend_from_slice(b"false"),
        Object::Integer(value) => {
            out.extend_from_slice(itoa::Buffer::new().format(*value).as_bytes())
        }
        Object::Real(value) => write_real(out, *value),
        Object::Name(name) => write_name(out, name),
        Object::String(text, format) => write_string(out, text, *format),
        Object::Array(array) => {
            out.push(b'[');
            for (i, item) in array.iter().enumerate() {
                if i > 0 && separated(item) {
                    out.push(b' ');
                }
                write_object(out, item);
            }
            out.push(b']');
        }
        Object::Dictionary(dict) => write_dictionary(out, dict),
        Object::Stream(stream) => {
            write_dictionary(out, &stream.dict);
            out.extend_from_slice(b"stream\n");
            out.extend_from_slice(&stream.content);
            out.extend_from_slice(b"\nendstream");
        }
        Object::Reference((id, generation)) => {
            write_numbers(out, &[u64::from(*id), u64::from(*generation)]);
            out.extend_from_slice(b" R");
        }
    }
}

/// A real as lopdf writes it, Rust's `Display` of an `f32` (the shortest digits that read back
/// as the same number, never an exponent), by ryu: the same digits without `Display`'s general
/// machinery, which was a twentieth of a letter's time (a page has a few hundred positions).
/// Where the two differ, `Display` writes it:
/// - ryu writes `1.0` where `Display` writes `1` (the `.0` is cut);
/// - ryu writes exponents (`1e-7`), `Display` never does;
/// - when the number lies exactly halfway between the two closest shortest decimals (175.078125
///   between 175.07812 and 175.07813), ryu takes the even last digit, `Display` the upper.
fn write_real(out: &mut Vec<u8>, value: f32) {
    let mut buffer = ryu::Buffer::new();
    let text = buffer.format(value);
    let text = text.strip_suffix(".0").unwrap_or(text);
    let decimals = text.find('.').map_or(0, |dot| text.len() - dot - 1);
    // An f32 times 10^k for k up to 12 has at most 24 + 28 significant bits: exact in an f64.
    let plain = !text.contains(['e', 'N', 'i'])
        && decimals <= 12
        && (f64::from(value).abs() * 10f64.powi(decimals as i32)).fract() != 0.5;
    if plain {
        out.extend_from_slice(text.as_bytes());
    } else {
        use std::io::Write;
        let _ = write!(out, "{value}");
    }
}

fn write_dictionary(out: &mut Vec<u8>, dict: &Dictionary) {
    out.extend_from_slice(b"<<");
    for (key, value) in dict {
        write_name(out, key);
        if separated(value) {
            out.push(b' ');
        }
        write_object(out, value);
    }
    out.extend_from_slice(b">>");
}

/// Numbers with a space between them.
fn write_numbers(out: &mut Vec<u8>, numbers: &[u64]) {
    let mut buffer = itoa::Buffer::new();
    for (i, number) in numbers.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        out.extend_from_slice(buffer.format(*number).as_bytes());
    }
}

/// The bytes a name writes as `#` and two hex digits: white space, delimiters and bytes outside
/// `!`-`~`.
const ESCAPED_IN_NAMES: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = byte < 33 || byte > 126;
        byte += 1;
    }
    let delimiters = b" \t\n\r\x0C()<>[]{}/%#";
    let mut i = 0;
    while i < delimiters.len() {
        table[delimiters[i] as usize] = true;
        i += 1;
    }
    table
};

/// A name, with the bytes of `ESCAPED_IN_NAMES` as `#` and two hex digits.
fn write_name(out: &mut Vec<u8>, name: &[u8]) {
    out.push(b'/');
    for &byte in name {
        if ESCAPED_IN_NAMES[usize::from(byte)] {
            out.push(b'#');
            out.extend_from_slice(hex(byte).as_slice());
        } else {
            out.push(byte);
        }
    }
}

/// A byte in two upper-case hex digits, as lopdf writes it.
pub(super) fn hex(byte: u8) -> [u8; 2] {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    [
        DIGITS[usize::from(byte >> 4)],
        DIGITS[usize::from(byte & 15)],
    ]
}

/// A string: hexadecimal, or literal with backslashes, carriage returns and unbalanced
/// parentheses escaped (lopdf's rule: a `)` without an open `(` before it, and each `(` left
/// open at the end).
fn write_string(out: &mut Vec<u8>, text: &[u8], format: StringFormat) {
    match format {
        StringFormat::Literal => {
            let mut escaped = Vec::new();
            let mut open = Vec::new();
            for (at, &byte) in text.iter().enumerate() {
                match byte {
                    b'(' => open.push(at),
                    b')' if open.pop().is_none() => escaped.push(at),
                    b'\\' | b'\r' => escaped.push(at),
                    _ => {}
                }
            }
            escaped.append(&mut open);
            out.push(b'(');
            if escaped.is_empty() {
                out.extend_from_slice(text);
            } else {
                escaped.sort_unstable();
                let mut next = escaped.iter().peekable();
                for (at, &byte) in text.iter().enumerate() {
                    if next.next_if(|&&e| e == at).is_some() {
                        out.push(b'\\');
                        out.push(if byte == b'\r' { b'r' } else { byte });
                    } else {
                        out.push(byte);
                    }
                }
            }
            out.push(b')');
        }
        StringFormat::Hexadecimal => {
            out.push(b'<');
            for &byte in text {
                out.extend_from_slice(&hex(byte));
            }
            out.push(b'>');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reals are written as `Display` writes them: over the whole range of `f32` (every 7,919th
    /// bit pattern: subnormals, huge numbers, NaN and infinities among them), and over what
    /// letters write, positions in points with up to three decimals.
    #[test]
    fn writes_reals_as_display_does() {
        let sweep = (0..=u32::MAX).step_by(7919).map(f32::from_bits);
        let positions = (-200_000..1_000_000).map(|i| i as f32 / 1000.0);
        let ends = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.1,
            1e-7,
            1e7,
            1e15,
            f32::MAX,
            f32::MIN_POSITIVE,
        ];
        for value in sweep.chain(positions).chain(ends) {
            let mut written = Vec::new();
            write_real(&mut written, value);
            assert_eq!(
                String::from_utf8_lossy(&written),
                value.to_string(),
                "{value:?}"
            );
        }
    }

    /// lopdf's own file of `doc`, as `save` writes it.
    fn lopdfs(doc: &Document, level: u32) -> Vec<u8> {
        let mut doc = doc.clone();
        let mut out = Vec::new();
        doc.save_with_options(
            &mut out,
            lopdf::SaveOptions::builder()
                .use_object_streams(true)
                .use_xref_streams(true)
                .compression_level(level)
                .build(),
        )
        .unwrap();
        out
    }

    /// A document with every kind of object lopdf writes, names and strings that need escaping,
    /// more objects than one stream holds, numbers left unused and an object of another
    /// generation.
    fn sampler() -> Document {
        let mut doc = Document::with_version("1.4");
        let pages = doc.new_object_id();
        let mut kids = Vec::new();
        for i in 0..130 {
            let page = doc.add_object(Dictionary::from_iter(vec![
                ("Type", Object::Name(b"Page".to_vec())),
                ("Parent", Object::Reference(pages)),
                (
                    "MediaBox",
                    Object::Array(vec![
                        0.into(),
                        0.into(),
                        595.276.into(),
                        (841.89 + i as f32).into(),
                    ]),
                ),
                ("Odd", Object::Boolean(i % 2 == 1)),
                ("Nothing", Object::Null),
            ]));
            kids.push(Object::Reference(page));
        }
        doc.objects.insert(
            pages,
            Object::Dictionary(Dictionary::from_iter(vec![
                ("Type", Object::Name(b"Pages".to_vec())),
                ("Count", Object::Integer(kids.len() as i64)),
                ("Kids", Object::Array(kids)),
            ])),
        );
        doc.add_object(Stream::new(
            Dictionary::new(),
            b"BT /F1 12 Tf (Hi) Tj ET".to_vec(),
        ));
        doc.add_object(Object::String(
            b"(open ) close) back\\slash \r return ((".to_vec(),
            StringFormat::Literal,
        ));
        doc.add_object(Object::String(
            vec![0xfe, 0xff, 0x04, 0x10],
            StringFormat::Hexadecimal,
        ));
        doc.add_object(Object::Name(b"A name#with (delims)/\xc3\xa9".to_vec()));
        doc.add_object(Object::Array(vec![
            Object::Integer(-3),
            Object::Real(-0.5),
            Object::Name(b"N".to_vec()),
            Object::Reference((1, 0)),
            Object::Array(vec![]),
        ]));
        doc.max_id += 3;
        doc.objects.insert((doc.max_id + 1, 2), Object::Integer(7));
        doc.max_id += 1;
        let catalog = doc.add_object(Dictionary::from_iter(vec![
            ("Type", Object::Name(b"Catalog".to_vec())),
            ("Pages", Object::Reference(pages)),
        ]));
        doc.trailer.set("Root", Object::Reference(catalog));
        doc.trailer.set(
            "ID",
            Object::Array(vec![
                Object::string_literal("a(b"),
                Object::string_literal("c"),
            ]),
        );
        doc
    }

    /// What a reader finds in a file: its objects, every stream decompressed, without the object
    /// and cross-reference streams that carried them, and the trailer's entries that are not
    /// about those streams.
    fn read(file: &[u8]) -> (BTreeMap<ObjectId, Object>, Vec<Option<Object>>) {
        let mut doc = Document::load_mem(file).expect("lopdf reads it back");
        doc.decompress();
        doc.objects.retain(|_, object| {
            !object
                .as_stream()
                .is_ok_and(|s| s.dict.has_type(b"ObjStm") || s.dict.has_type(b"XRef"))
        });
        let trailer = [&b"Root"[..], b"Info", b"ID", b"Size"]
            .iter()
            .map(|key| doc.trailer.get(key).ok().cloned())
            .collect();
        (doc.objects, trailer)
    }

    /// `save` writes lopdf's bytes where nothing is compressed. Compressed, the streams are
    /// libdeflate's and lopdf's are flate2's, so the two files hold the same objects.
    fn assert_written_as_lopdf_writes(doc: &Document, levels: &[u32]) {
        assert!(save(doc, 0) == lopdfs(doc, 0), "uncompressed");
        for &level in levels {
            let ours = save(doc, level);
            assert!(ours.len() < save(doc, 0).len(), "level {level} compresses");
            assert!(read(&ours) == read(&lopdfs(doc, level)), "level {level}");
        }
    }

    #[test]
    fn writes_lopdfs_bytes() {
        assert_written_as_lopdf_writes(&sampler(), &[1, 3, 5, 9]);
    }

    #[test]
    fn a_linearized_file_keeps_its_catalog_out_of_the_streams() {
        let mut doc = sampler();
        doc.add_object(Dictionary::from_iter(vec![(
            "Linearized",
            Object::Integer(1),
        )]));
        assert_written_as_lopdf_writes(&doc, &[3]);
    }

    #[test]
    fn a_letter_is_written_as_lopdf_writes_it() {
        let placed = crate::pdf::subsets::tests::document(&[
            ("Уважаемый господин Генеральный прокурор, fi ffl", false),
            ("السيد النائب العام المحترم", true),
            ("Freiheit für Nizomhon Dschurajew (ФИО)", false),
        ]);
        let (lo, _) = crate::pdf::subsets::to_lopdf(&placed);
        assert_written_as_lopdf_writes(&lo, &[crate::pdf::draw::COMPRESSION]);
    }
}
