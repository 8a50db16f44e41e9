//! The urgent-action sheet: what coordinators publish and supporters read before they write. A
//! Tera template per language (`templates/sheet.<lang>.md`) makes it as Markdown, the canonical
//! form; `pdf::blocks` reads that Markdown back into headings, paragraphs, bullets and hard-broken
//! lines, from which the plain-text and PDF sheets are made.

use serde::Serialize;

use crate::model::campaign::{Addressee, AddresseeEntry, Campaign, UpdateAction};
use crate::model::country::Country;
use crate::model::diag::Diagnostic;
use crate::model::directory::Directory;
use crate::model::lang::{DateFormats, Lang};
use crate::model::text::Localized;
use crate::render::letter::{RecipientView, recipient_view};
use crate::render::templates::{Templates, template_diagnostic};

/// What a sheet template sees. Every text is Markdown-escaped already (the `md` filter need not
/// be applied); documented for template authors in docs/templates.md (`appeal guide templates`).
#[derive(Serialize)]
struct SheetView<'a> {
    lang: &'a str,
    title: String,
    ua: String,
    index: String,
    reference: String,
    issued: String,
    deadline: String,
    /// Language tags the action asks letters in (`ru`), and whether "or your own language".
    write_in: Vec<&'a str>,
    or_own_language: bool,
    persons: Vec<PersonSheet>,
    risk: String,
    background: String,
    asks: Vec<String>,
    targets: Vec<AddresseeSheet>,
    copies: Vec<AddresseeSheet>,
    additional_information: String,
    late_note: String,
    /// Follow-ups, oldest first.
    updates: Vec<UpdateSheet>,
    /// `stop` or `close` when the action ended, else "".
    ended: &'static str,
}

#[derive(Serialize)]
struct PersonSheet {
    name: String,
    gender: &'static str,
    nationality: String,
    status: String,
    held: String,
}

/// A target or a copy as the sheet lists it. `kind` says which fields are set: `recipient` (a
/// directory entry: everything), `embassy` (the embassy of `country`, a code, accredited to the
/// supporter's country), `government` (the official with `role` in the supporter's own
/// country). `note` is the campaign's note on it, if any.
#[derive(Serialize, Default)]
struct AddresseeSheet {
    kind: &'static str,
    name: String,
    title: String,
    /// The addressee and address lines, joined with Markdown hard breaks (`\` at line ends).
    block: String,
    fax: String,
    email: String,
    salutation: String,
    note: String,
    country: String,
    role: String,
}

#[derive(Serialize)]
struct UpdateSheet {
    date: String,
    action: &'static str,
    index: String,
    text: String,
}

/// Escapes text that a template sets inside a line (after `Fax: `, `# `): on one line (a text
/// written over several lines in YAML is joined with spaces), with the characters Markdown reads
/// as formatting anywhere (`*`, `_`, `[` ...) escaped.
pub fn escape_inline(text: &str) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '&' | '~'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Escapes text a template sets after `- ` (an ask, a person): on one line, and not starting a
/// list of its own (`1. Urge ...` stays text).
pub fn escape_item(text: &str) -> String {
    escape(&text.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Escapes text for Markdown, so a campaign's words are printed as written (`*`, `_`, `#` at the
/// start of a line, `1.` ...), never read as formatting. `pdf::blocks` undoes it.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for (n, line) in text.split('\n').enumerate() {
        if n > 0 {
            out.push('\n');
        }
        // Leading blanks dropped: four of them would make a code block.
        let body = line.trim_start();
        // A line that would start a list item or a numbered list.
        let digits = body.bytes().take_while(u8::is_ascii_digit).count();
        // `=` at the start of a line would underline the line above into a heading.
        let starts_list = matches!(body.as_bytes().first(), Some(b'-' | b'+' | b'='))
            || (digits > 0 && matches!(body.as_bytes().get(digits), Some(b'.' | b')')));
        for (i, c) in body.char_indices() {
            let list_mark = starts_list && (i == digits && digits > 0 || i == 0 && digits == 0);
            if list_mark
                || matches!(
                    c,
                    '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '&' | '~'
                )
            {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

/// Renders the sheet of `campaign` in `lang` as Markdown.
/// With `country`, the addressees that depend on the supporter's country (an embassy accredited
/// there, its own government) are the directory's entries for that country, with their addresses;
/// without it, or when the directory has none, the sheet describes them in general.
pub fn markdown(
    campaign: &Campaign,
    directory: &Directory,
    templates: &Templates,
    lang: &Lang,
    country: Option<Country>,
) -> Result<String, Diagnostic> {
    let view = sheet_view(campaign, directory, lang, country)?;
    render_sheet(campaign, templates, lang, &view)
}

/// The campaign's texts in `lang`, Markdown-escaped; a missing one is an error naming the field.
struct Texts<'a> {
    campaign: &'a Campaign,
    lang: &'a Lang,
}

impl Texts<'_> {
    fn what(&self) -> String {
        format!("the {} action sheet", self.lang)
    }

    fn missing(&self, field: &str) -> Diagnostic {
        let lang = self.lang;
        Diagnostic::error(
            &self.campaign.file,
            self.campaign.languages_pos,
            field,
            format!("no `{lang}` text, needed for {}", self.what()),
        )
        .hint(format!("add `{lang}:` to `{field}`"))
    }

    fn text(&self, t: &Localized, field: &str) -> Result<String, Diagnostic> {
        t.get(self.lang)
            .map(escape)
            .ok_or_else(|| self.missing(field))
    }

    fn inline(&self, t: &Localized, field: &str) -> Result<String, Diagnostic> {
        t.get(self.lang)
            .map(escape_inline)
            .ok_or_else(|| self.missing(field))
    }

    fn item(&self, t: &Localized, field: &str) -> Result<String, Diagnostic> {
        t.get(self.lang)
            .map(escape_item)
            .ok_or_else(|| self.missing(field))
    }

    fn optional(&self, t: &Option<Localized>, field: &str) -> Result<String, Diagnostic> {
        t.as_ref()
            .map_or(Ok(String::new()), |t| self.text(t, field))
    }

    fn optional_inline(&self, t: &Option<Localized>, field: &str) -> Result<String, Diagnostic> {
        t.as_ref()
            .map_or(Ok(String::new()), |t| self.inline(t, field))
    }
}

/// What the sheet template sees.
fn sheet_view<'a>(
    campaign: &'a Campaign,
    directory: &Directory,
    lang: &'a Lang,
    country: Option<Country>,
) -> Result<SheetView<'a>, Diagnostic> {
    let dates = DateFormats::default();
    let texts = Texts { campaign, lang };
    // Built in this order, so the first missing text reported is the same as ever.
    let persons = persons_sheet(&texts)?;
    let asks = campaign
        .asks
        .iter()
        .enumerate()
        .map(|(i, a)| texts.item(&a.sheet, &format!("asks[{i}].sheet")))
        .collect::<Result<Vec<_>, _>>()?;
    let updates = updates_sheet(&texts, &dates, country)?;
    let what = || texts.what();
    let text = |t: &Localized, field: &str| texts.text(t, field);
    let addressees = |list: &[AddresseeEntry]| -> Result<Vec<AddresseeSheet>, Diagnostic> {
        list.iter()
            .map(|e| addressee_sheet(e, directory, lang, country, &what, &text))
            .collect()
    };
    Ok(SheetView {
        lang: lang.as_str(),
        title: texts.inline(&campaign.title, "title")?,
        ua: escape_inline(campaign.ua.as_deref().unwrap_or_default()),
        index: escape_inline(campaign.index.as_deref().unwrap_or_default()),
        reference: escape_inline(&campaign.reference()),
        issued: dates.long(lang, country, campaign.issued),
        deadline: dates.long(lang, country, campaign.deadline),
        write_in: campaign.write_in.iter().map(Lang::as_str).collect(),
        or_own_language: campaign.or_own_language,
        persons,
        risk: texts.inline(&campaign.risk, "risk")?,
        background: texts.text(&campaign.background, "background")?,
        asks,
        targets: addressees(&campaign.targets)?,
        copies: addressees(&campaign.copies)?,
        additional_information: texts
            .optional(&campaign.additional_information, "additional_information")?,
        late_note: texts.optional(&campaign.late_note, "late_note")?,
        updates,
        ended: match campaign.ended().map(|u| u.action) {
            Some(UpdateAction::Stop) => "stop",
            Some(_) => "close",
            None => "",
        },
    })
}

/// The persons the action is for.
fn persons_sheet(texts: &Texts) -> Result<Vec<PersonSheet>, Diagnostic> {
    texts
        .campaign
        .persons
        .iter()
        .enumerate()
        .map(|(i, p)| {
            Ok(PersonSheet {
                name: p
                    .name
                    .get(texts.lang)
                    .map(escape_item)
                    .ok_or_else(|| texts.missing(&format!("persons[{i}].name")))?,
                gender: p.gender.code(),
                nationality: texts
                    .optional_inline(&p.nationality, &format!("persons[{i}].nationality"))?,
                status: texts.optional_inline(&p.status, &format!("persons[{i}].status"))?,
                held: texts.optional_inline(&p.held, &format!("persons[{i}].held"))?,
            })
        })
        .collect()
}

/// The follow-ups, oldest first.
fn updates_sheet(
    texts: &Texts,
    dates: &DateFormats,
    country: Option<Country>,
) -> Result<Vec<UpdateSheet>, Diagnostic> {
    texts
        .campaign
        .updates
        .iter()
        .enumerate()
        .map(|(i, u)| {
            Ok(UpdateSheet {
                date: dates.long(texts.lang, country, u.date),
                action: u.action.name(),
                index: escape_inline(u.index.as_deref().unwrap_or_default()),
                text: texts.text(&u.text, &format!("updates[{i}].text"))?,
            })
        })
        .collect()
}

/// The sheet's template in `lang`, rendered with `view`.
fn render_sheet(
    campaign: &Campaign,
    templates: &Templates,
    lang: &Lang,
    view: &SheetView,
) -> Result<String, Diagnostic> {
    let what = format!("the {lang} action sheet");
    let name = templates.resolve_file("sheet", "md", lang).map_err(|e| {
        Diagnostic::error(
            &campaign.file,
            campaign.languages_pos,
            "languages",
            e.to_string(),
        )
        .hint("add `sheet.<lang>.md` to templates/ or --templates DIR, or ask for another --lang")
    })?;
    let context = tera::Context::from_serialize(view)
        .map_err(|e| template_diagnostic(&e, &what, name.as_ref()))?;
    let md = templates
        .render(name, &context)
        .map_err(|e| template_diagnostic(&e, &what, name.as_ref()))?;
    // One blank line between blocks: a Markdown paragraph break. Then the language's typography,
    // as in letters (French spaces, quotation marks, apostrophes): Markdown's own marks (`*`, `#`,
    // `-`, `\\` escapes) are none of the characters the pass touches, and URLs and email
    // addresses are left as they are.
    Ok(
        crate::render::typography::Typography::new(lang, std::iter::empty::<&String>())
            .tidy_text(&md, 1),
    )
}

/// One target or copy for the sheet.
fn addressee_sheet(
    entry: &AddresseeEntry,
    directory: &Directory,
    lang: &Lang,
    country: Option<Country>,
    what: &dyn Fn() -> String,
    text: &dyn Fn(&Localized, &str) -> Result<String, Diagnostic>,
) -> Result<AddresseeSheet, Diagnostic> {
    let note = match &entry.note {
        Some(n) => text(n, &format!("{}.note", entry.field))?,
        None => String::new(),
    };
    // A recipient by id is in the directory: the campaign was checked against it.
    let resolved = entry.who.resolve(directory, country).flatten();
    Ok(match (&entry.who, resolved) {
        (_, Some(r)) => {
            let v: RecipientView = recipient_view(r, lang, country, what)?;
            AddresseeSheet {
                kind: "recipient",
                name: escape_inline(v.name),
                title: escape_inline(v.title),
                block: v
                    .addressee
                    .iter()
                    .chain(v.address)
                    .map(|l| escape(l))
                    .collect::<Vec<_>>()
                    .join("\\\n"),
                fax: isolate(lang, escape_inline(v.fax)),
                email: isolate(lang, escape_inline(v.email)),
                salutation: escape_inline(v.salutation),
                note,
                ..AddresseeSheet::default()
            }
        }
        // Who these are depends on the supporter's country: the sheet says so in its own words
        // (or the entry's note), naming no particular office.
        (Addressee::EmbassyOf(of), None) => AddresseeSheet {
            kind: "embassy",
            country: of.code().to_string(),
            note,
            ..AddresseeSheet::default()
        },
        (_, None) => AddresseeSheet {
            kind: "government",
            role: match &entry.who {
                Addressee::GovernmentRole(role) => role.clone(),
                _ => String::new(),
            },
            note,
            ..AddresseeSheet::default()
        },
    })
}

/// A number or an address set left to right inside a right-to-left sheet: between a
/// left-to-right isolate and its end (U+2066, U+2069), so "+7 495 ..." does not come out as
/// "7+ 495 ..." (the bidi algorithm would put the `+` after the digits). Not drawn in the PDF.
fn isolate(lang: &Lang, text: String) -> String {
    if lang.is_rtl() && !text.is_empty() {
        format!("\u{2066}{text}\u{2069}")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_keeps_a_campaigns_words_as_written() {
        // pdf::blocks reads these same strings back into the words written (its test).
        for (text, md) in [
            (
                r"Smith & Sons *not* bold, a_b, [link](x), <b>, #1, a|b, \n",
                r"Smith \& Sons \*not\* bold, a\_b, \[link\](x), \<b\>, \#1, a\|b, \\n",
            ),
            (
                "- not a list\n1. not numbered\n  + nor this",
                "\\- not a list\n1\\. not numbered\n\\+ nor this",
            ),
            ("# not a heading", r"\# not a heading"),
            (
                "a &amp; b ~~not struck~~\n===\n    not code",
                "a \\&amp; b \\~\\~not struck\\~\\~\n\\===\nnot code",
            ),
        ] {
            assert_eq!(escape(text), md);
        }
    }

    #[test]
    fn an_item_is_escaped_onto_one_line() {
        assert_eq!(escape_item("1. Urge\n  them"), "1\\. Urge them");
    }
}
