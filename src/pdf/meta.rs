//! What a PDF says about itself, and only what is true: the document information and its XMP
//! twin (title, author, subject, language, producer, the letter's date as the creation date), a
//! PDF/A-2b identification and sRGB output intent under `--pdfa`, and font subset tags drawn from
//! each subset's bytes.
//!
//! printpdf fills the information dictionary with placeholders (an empty `/GTS_PDFXVersion`, which
//! makes `pdfinfo` and print-shop preflight take every letter for a broken PDF/X, an empty
//! `/Identifier`, dates of 1970) and names every subset `AAAAAA+…`. Both are replaced here, on the
//! lopdf document, for single files (`draw::save`) and for the print pack's chunks.

use chrono::NaiveDate;
use std::collections::HashMap;

use lopdf::{Dictionary, Object, ObjectId, Stream};
use sha2::Digest;

/// A PDF text string (PDF 32000 7.9.2.2): ASCII as it is, anything else in UTF-16BE with its byte
/// order mark, which every viewer reads in any script (PDFDocEncoding has no Cyrillic). Both are
/// written as literal strings (the writer escapes `\\`, `\r` and unbalanced parentheses): half the
/// bytes of hexadecimal, which counts for the `/ActualText` of every right-to-left line.
pub(crate) fn text_string(text: &str) -> Object {
    if text.is_ascii() {
        return Object::String(text.as_bytes().to_vec(), lopdf::StringFormat::Literal);
    }
    let mut bytes = vec![0xFE, 0xFF];
    bytes.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    Object::String(bytes, lopdf::StringFormat::Literal)
}

/// The `Producer` and `CreatorTool` of every file.
pub const PRODUCER: &str = concat!("appeal ", env!("CARGO_PKG_VERSION"));

/// The sRGB profile of the PDF/A output intent (icc-profiles-free, zlib licence: see
/// `data/icc/README.md`).
const SRGB: &[u8] = include_bytes!("../../data/icc/sRGB.icc");

/// What a document is: its information dictionary and XMP metadata are made from this.
#[derive(Clone, Debug, Default)]
pub struct DocInfo {
    pub title: String,
    /// The signer ("" for a blank letter or a sheet: then no author is claimed).
    pub author: String,
    pub subject: String,
    /// Language tag of the text (`/Lang`, `dc:language`); `None` for a pack of several languages.
    pub lang: Option<String>,
    /// The letter's date, the creation and modification date of the file (a date, no time: the
    /// same letter gives the same bytes on any day it is made again). `None`: no date claimed.
    pub date: Option<NaiveDate>,
    /// PDF/A-2b: XMP identification and an sRGB output intent.
    pub pdfa: bool,
}

impl DocInfo {
    /// The document information dictionary: no empty keys, no PDF/X claim.
    pub fn dictionary(&self) -> Dictionary {
        let mut d = Dictionary::new();
        d.set("Title", text_string(&self.title));
        if !self.author.is_empty() {
            d.set("Author", text_string(&self.author));
        }
        if !self.subject.is_empty() {
            d.set("Subject", text_string(&self.subject));
        }
        d.set("Creator", text_string(PRODUCER));
        d.set("Producer", text_string(PRODUCER));
        if let Some(date) = self.date {
            let stamp = text_string(&date.format("D:%Y%m%d").to_string());
            d.set("CreationDate", stamp.clone());
            d.set("ModDate", stamp);
        }
        d
    }

    /// The XMP packet (ISO 16684-1) saying what the information dictionary says, with the PDF/A
    /// identification under `pdfa`. Written uncompressed, as PDF/A wants it.
    pub fn xmp(&self) -> Vec<u8> {
        let mut x = String::with_capacity(1536);
        x.push_str("<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n");
        x.push_str("<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n");
        x.push_str(" <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n");
        x.push_str("  <rdf:Description rdf:about=\"\"");
        x.push_str(" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"");
        x.push_str(" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"");
        x.push_str(" xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\"");
        if self.pdfa {
            x.push_str(" xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\"");
        }
        x.push_str(">\n");
        x.push_str("   <dc:format>application/pdf</dc:format>\n");
        let alt = |x: &mut String, key: &str, value: &str| {
            x.push_str(&format!(
                "   <dc:{key}><rdf:Alt><rdf:li xml:lang=\"x-default\">{}</rdf:li></rdf:Alt></dc:{key}>\n",
                escape(value)
            ));
        };
        alt(&mut x, "title", &self.title);
        if !self.author.is_empty() {
            x.push_str(&format!(
                "   <dc:creator><rdf:Seq><rdf:li>{}</rdf:li></rdf:Seq></dc:creator>\n",
                escape(&self.author)
            ));
        }
        if !self.subject.is_empty() {
            alt(&mut x, "description", &self.subject);
        }
        if let Some(lang) = &self.lang {
            x.push_str(&format!(
                "   <dc:language><rdf:Bag><rdf:li>{}</rdf:li></rdf:Bag></dc:language>\n",
                escape(lang)
            ));
        }
        x.push_str(&format!("   <pdf:Producer>{PRODUCER}</pdf:Producer>\n"));
        x.push_str(&format!(
            "   <xmp:CreatorTool>{PRODUCER}</xmp:CreatorTool>\n"
        ));
        if let Some(date) = self.date {
            let date = date.format("%Y-%m-%d");
            x.push_str(&format!("   <xmp:CreateDate>{date}</xmp:CreateDate>\n"));
            x.push_str(&format!("   <xmp:ModifyDate>{date}</xmp:ModifyDate>\n"));
            x.push_str(&format!("   <xmp:MetadataDate>{date}</xmp:MetadataDate>\n"));
        }
        if self.pdfa {
            x.push_str("   <pdfaid:part>2</pdfaid:part>\n");
            x.push_str("   <pdfaid:conformance>B</pdfaid:conformance>\n");
        }
        x.push_str("  </rdf:Description>\n </rdf:RDF>\n</x:xmpmeta>\n");
        x.push_str("<?xpacket end=\"r\"?>");
        x.into_bytes()
    }

    /// The metadata stream of the catalog's `/Metadata`.
    pub fn metadata_stream(&self) -> Stream {
        let mut dict = Dictionary::new();
        dict.set("Type", Object::Name(b"Metadata".to_vec()));
        dict.set("Subtype", Object::Name(b"XML".to_vec()));
        Stream::new(dict, self.xmp()).with_compression(false)
    }
}

/// The output intent of a PDF/A file, pointing at the sRGB profile stream `profile`.
pub fn output_intent(profile: lopdf::ObjectId) -> Dictionary {
    let mut d = Dictionary::new();
    d.set("Type", Object::Name(b"OutputIntent".to_vec()));
    d.set("S", Object::Name(b"GTS_PDFA1".to_vec()));
    d.set(
        "OutputConditionIdentifier",
        text_string("sRGB IEC61966-2.1"),
    );
    d.set("RegistryName", text_string("http://www.color.org"));
    d.set("Info", text_string("sRGB IEC61966-2.1"));
    d.set("DestOutputProfile", Object::Reference(profile));
    d
}

/// The sRGB profile as a stream, compressed once per process (every `--pdfa` letter embeds it).
pub fn srgb_profile() -> Stream {
    static PROFILE: std::sync::OnceLock<Stream> = std::sync::OnceLock::new();
    PROFILE
        .get_or_init(|| {
            let mut dict = Dictionary::new();
            dict.set("N", Object::Integer(3));
            // An uncompressed profile is valid too.
            match super::draw::deflated(super::draw::FONT_COMPRESSION, SRGB) {
                Some(compressed) => {
                    dict.set("Filter", "FlateDecode");
                    Stream::new(dict, compressed).with_compression(false)
                }
                None => Stream::new(dict, SRGB.to_vec()),
            }
        })
        .clone()
}

/// XML text with its five special characters escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// Renames every font subset of `lo` from printpdf's `AAAAAA+Name` to a tag drawn from the subset's
/// own bytes (PDF 32000 9.6.4: six capital letters): two different subsets in one print pack, or
/// in files a print shop merges, never share a name, and the same subset always gets the same one.
pub fn tag_subsets(lo: &mut lopdf::Document) {
    // Each descriptor's new name, from its font program.
    let mut renamed: HashMap<ObjectId, Vec<u8>> = HashMap::new();
    for (id, object) in &lo.objects {
        let Ok(descriptor) = object.as_dict() else {
            continue;
        };
        if !descriptor.has_type(b"FontDescriptor") {
            continue;
        }
        let Ok(name) = descriptor.get(b"FontName").and_then(Object::as_name) else {
            continue;
        };
        let Some(base) = name.get(7..).filter(|_| is_subset_name(name)) else {
            continue;
        };
        let program = [b"FontFile2".as_slice(), b"FontFile3", b"FontFile"]
            .iter()
            .find_map(|key| descriptor.get(key).ok())
            .and_then(|r| r.as_reference().ok())
            .and_then(|id| lo.get_object(id).ok())
            .and_then(|o| o.as_stream().ok());
        let Some(program) = program else {
            continue;
        };
        let digest = sha2::Sha256::new()
            .chain_update(base)
            .chain_update(&program.content)
            .finalize();
        let mut name: Vec<u8> = digest[..6].iter().map(|b| b'A' + b % 26).collect();
        name.push(b'+');
        name.extend_from_slice(base);
        renamed.insert(*id, name);
    }
    if renamed.is_empty() {
        return;
    }
    // The fonts that use them: a CID font through its descriptor, a Type 0 font through its
    // descendant, which printpdf writes inline (then renamed in place) or as an object.
    let descriptor_of =
        |d: &Dictionary| d.get(b"FontDescriptor").and_then(Object::as_reference).ok();
    let mut fonts: Vec<ObjectId> = Vec::new();
    for (id, object) in &lo.objects {
        if object.as_dict().is_ok_and(|d| d.has(b"BaseFont")) {
            fonts.push(*id);
        }
    }
    for id in fonts {
        let descendant_ref = lo.get_dictionary(id).ok().and_then(|d| {
            d.get(b"DescendantFonts")
                .ok()?
                .as_array()
                .ok()?
                .first()?
                .as_reference()
                .ok()
        });
        let descendant_descriptor = descendant_ref
            .and_then(|r| lo.get_dictionary(r).ok())
            .and_then(descriptor_of);
        let Ok(font) = lo.get_dictionary_mut(id) else {
            continue;
        };
        let inline = font
            .get(b"DescendantFonts")
            .ok()
            .and_then(|a| a.as_array().ok()?.first()?.as_dict().ok())
            .and_then(descriptor_of);
        let Some(name) = descriptor_of(font)
            .or(inline)
            .or(descendant_descriptor)
            .and_then(|d| renamed.get(&d))
            .cloned()
        else {
            continue;
        };
        font.set("BaseFont", Object::Name(name.clone()));
        if let Ok(Object::Array(kids)) = font.get_mut(b"DescendantFonts")
            && let Some(Object::Dictionary(kid)) = kids.first_mut()
        {
            kid.set("BaseFont", Object::Name(name));
        }
    }
    for (id, name) in renamed {
        if let Ok(d) = lo.get_dictionary_mut(id) {
            d.set("FontName", Object::Name(name));
        }
    }
}

/// Whether `name` is a subset font's name: six capital letters, a plus, the font's name.
fn is_subset_name(name: &[u8]) -> bool {
    name.len() > 7 && name[..6].iter().all(u8::is_ascii_uppercase) && name[6] == b'+'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> DocInfo {
        DocInfo {
            title: "Free <Nizomhon> & \"Juraev\"".into(),
            author: "Eva Muster".into(),
            subject: "juraev-2011".into(),
            lang: Some("ru".into()),
            date: NaiveDate::from_ymd_opt(2026, 12, 1),
            pdfa: true,
        }
    }

    #[test]
    fn the_information_dictionary_claims_no_pdfx_and_dates_the_file_by_its_letter() {
        let d = info().dictionary();
        assert!(d.get(b"GTS_PDFXVersion").is_err());
        assert!(d.get(b"Identifier").is_err());
        assert_eq!(
            d.get(b"CreationDate").unwrap().as_str().unwrap(),
            b"D:20261201"
        );
        assert_eq!(
            d.get(b"Producer").unwrap().as_str().unwrap(),
            PRODUCER.as_bytes()
        );
        let blank = DocInfo {
            author: String::new(),
            date: None,
            ..info()
        }
        .dictionary();
        assert!(blank.get(b"Author").is_err() && blank.get(b"CreationDate").is_err());
    }

    #[test]
    fn the_xmp_escapes_what_it_quotes_and_identifies_pdfa_only_when_asked() {
        let xmp = String::from_utf8(info().xmp()).unwrap();
        assert!(xmp.contains("Free &lt;Nizomhon&gt; &amp; &quot;Juraev&quot;"));
        assert!(xmp.contains("<pdfaid:part>2</pdfaid:part>"));
        assert!(xmp.contains("<xmp:CreateDate>2026-12-01</xmp:CreateDate>"));
        let plain = String::from_utf8(
            DocInfo {
                pdfa: false,
                ..info()
            }
            .xmp(),
        )
        .unwrap();
        assert!(!plain.contains("pdfaid"));
    }

    /// A document with two subsets of one font that printpdf named alike (two print-pack chunks).
    fn two_subsets(first: &[u8], second: &[u8]) -> lopdf::Document {
        let mut lo = lopdf::Document::with_version("1.7");
        for content in [first, second] {
            let program = lo.add_object(Stream::new(Dictionary::new(), content.to_vec()));
            let mut descriptor = Dictionary::new();
            descriptor.set("Type", Object::Name(b"FontDescriptor".to_vec()));
            descriptor.set("FontName", Object::Name(b"AAAAAA+DejaVuSans".to_vec()));
            descriptor.set("FontFile2", program);
            let descriptor = lo.add_object(descriptor);
            let mut font = Dictionary::new();
            font.set("BaseFont", Object::Name(b"AAAAAA+DejaVuSans".to_vec()));
            font.set("FontDescriptor", descriptor);
            lo.add_object(font);
        }
        lo
    }

    fn names(lo: &lopdf::Document, key: &[u8]) -> Vec<Vec<u8>> {
        lo.objects
            .values()
            .filter_map(|o| o.as_dict().ok()?.get(key).ok()?.as_name().ok())
            .map(<[u8]>::to_vec)
            .collect()
    }

    #[test]
    fn different_subsets_get_different_tags_and_each_font_its_descriptors_tag() {
        let mut lo = two_subsets(b"glyphs of a Russian letter", b"glyphs of a German letter");
        tag_subsets(&mut lo);
        let mut descriptors = names(&lo, b"FontName");
        let mut fonts = names(&lo, b"BaseFont");
        descriptors.sort();
        fonts.sort();
        assert_ne!(descriptors[0], descriptors[1]);
        assert_eq!(
            descriptors, fonts,
            "each font is renamed with its descriptor"
        );
        for name in &descriptors {
            assert!(is_subset_name(name) && name.ends_with(b"+DejaVuSans"));
        }
        let mut same = two_subsets(b"the same glyphs", b"the same glyphs");
        tag_subsets(&mut same);
        let same = names(&same, b"FontName");
        assert_eq!(same[0], same[1], "the same subset, the same name");
        assert_ne!(same[0], b"AAAAAA+DejaVuSans".to_vec());
    }

    #[test]
    fn subset_names_are_six_capitals_and_a_plus() {
        assert!(is_subset_name(b"AAAAAB+DejaVuSans"));
        assert!(!is_subset_name(b"DejaVuSans"));
        assert!(!is_subset_name(b"AAAAA+X"));
        assert!(!is_subset_name(b"AAAAAA+"));
    }
}
