//! `check`: everything wrong with a campaign at once. Loads and validates it, then renders every
//! letter it can produce (every language, target, copy and supporter country) and reports what fails,
//! the address blocks that would not fit an envelope window among them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{Months, NaiveDate};

use crate::model::campaign::{Addressee, Campaign};
use crate::model::country::Country;
use crate::model::diag::{Diagnostic, Diagnostics};
use crate::model::directory::{Directory, Gender, Recipient};
use crate::model::lang::Lang;
use crate::model::project::Project;
use crate::model::supporter::{Supporter, SupporterInput};
use crate::pdf::{self, AddressFit, FontChain, LAYOUTS, Layout, Paper, fit_address};
use crate::render;
use crate::render::letter::{Letter, Planned, Renderer, Signer, plan};
use crate::render::templates::Templates;

/// Directory entries older than this, relative to the campaign's issue date, earn a warning.
const STALE_AFTER_MONTHS: u32 = 24;

/// The outcome of checking one campaign.
#[derive(Debug, Default)]
pub struct Checked {
    pub diags: Diagnostics,
    pub letters: usize,
    /// The campaign's id and where its file says it, when it loaded.
    pub id: Option<(String, crate::model::diag::Pos)>,
}

/// Checks `path` as of `today` (for the deadline warning): parse (the campaign, its directory and
/// templates) -> resolve (the languages with a template) -> render every letter.
pub fn check_campaign(path: &Path, project: &Project, today: NaiveDate) -> Checked {
    let mut out = Checked::default();
    let Some((campaign, directory, templates)) = load(path, project, today, &mut out.diags) else {
        return out;
    };
    out.id = Some((campaign.id.clone(), campaign.id_pos));
    let languages = usable_languages(&campaign, &templates, &mut out.diags);
    let used = render_countries(
        &campaign, &directory, &templates, &languages, today, &mut out,
    );
    render_wordings(
        &campaign, &directory, &templates, &languages, today, &mut out,
    );
    render_persons(
        path, &campaign, &directory, &templates, &languages, today, &mut out,
    );
    copy_phrases(&campaign, &directory, &languages, &mut out.diags);
    names_in_texts(&campaign, &mut out.diags);
    for id in &used {
        if let Some(r) = directory.get(id) {
            freshness(r, &campaign, &mut out.diags);
        }
    }
    out
}

/// The campaign, its directory and templates, with a warning when the action ended or its
/// deadline is near or past.
fn load(
    path: &Path,
    project: &Project,
    today: NaiveDate,
    diags: &mut Diagnostics,
) -> Option<(Campaign, Directory, Templates)> {
    let (campaign, directory, templates) =
        crate::batch::run::load(path, project, Some(today), diags)?;
    match campaign.ended_message() {
        Some((pos, message)) => diags.push(
            Diagnostic::warning(
                &campaign.file,
                pos,
                "updates",
                format!("{message}; `letters` and `queue` refuse it"),
            )
            .hint("its letters are still rendered here, to check the file"),
        ),
        None => diags.extend(campaign.deadline_warning(today)),
    }
    Some((campaign, directory, templates))
}

/// The campaign's languages that have a letter template. A language without one is reported
/// once here, not once per letter.
fn usable_languages(
    campaign: &Campaign,
    templates: &Templates,
    diags: &mut Diagnostics,
) -> Vec<Lang> {
    let mut languages = Vec::new();
    for lang in &campaign.languages {
        // The action sheet is made by `appeal sheet`, not with the letters: a warning.
        if let Err(e) = templates.resolve_file("sheet", "md", lang) {
            diags.push(
                Diagnostic::warning(&campaign.file, campaign.languages_pos, "languages", e.to_string())
                    .hint(format!("`appeal sheet --lang {lang}` cannot make the action sheet; add the sheet template to templates/")),
            );
        }
        match templates.resolve("letter", lang) {
            Ok(_) => languages.push(lang.clone()),
            Err(e) => diags.push(
                Diagnostic::error(
                    &campaign.file,
                    campaign.languages_pos,
                    "languages",
                    e.to_string(),
                )
                .hint("add the template to templates/, or remove the language from `languages`"),
            ),
        }
    }
    languages
}

/// Renders every letter for every supporter country, blank and signed, in every language; the
/// ids of the directory entries the letters went to.
fn render_countries(
    campaign: &Campaign,
    directory: &Directory,
    templates: &Templates,
    languages: &[Lang],
    today: NaiveDate,
    out: &mut Checked,
) -> BTreeSet<String> {
    // With parts, so a template that lacks the blocks page layouts need is reported too.
    let renderer = Renderer::new(templates, today).with_parts();
    let mut used: BTreeSet<String> = BTreeSet::new();
    let mut blocks = Blocks::default();
    // The fonts a PDF letter would be drawn with here, and the languages whose letters were
    // found to have a character none of them draws (said once per language).
    let mut fonts = FontChain::default();
    let mut undrawable: BTreeSet<Lang> = BTreeSet::new();
    for country in countries(campaign, directory) {
        let (planned, unresolved) = plan(campaign, directory, country);
        if let Some(c) = country {
            for u in unresolved.into_iter().filter(|u| !u.impossible) {
                out.diags.push(
                    Diagnostic::warning(&campaign.file, u.entry.pos, &u.entry.field, u.reason)
                        .hint(format!(
                            "supporters in {} get no letter to it; add the entry to {}",
                            c.english_name(),
                            directory.folder.display()
                        )),
                );
            }
        }
        let targets = targets_of(&planned);
        let sample = sample_supporter(country);
        let sample = Signer::new(&sample);
        for p in &planned {
            used.insert(p.recipient.id.clone());
            for lang in languages {
                for supporter in [None, Some(&sample)] {
                    match renderer.render_signed(campaign, p, &targets, lang, supporter) {
                        Ok(letter) => {
                            out.letters += 1;
                            blocks.add(p.recipient, &letter, country);
                            if !undrawable.contains(lang) {
                                pdf::admit_fonts(&mut fonts, &letter);
                                let what = format!("the {lang} letters to `{}`", p.recipient.id);
                                if let Some(e) = pdf::missing_glyph(&fonts, &letter, &what) {
                                    undrawable.insert(lang.clone());
                                    out.diags.push(Diagnostic::error(
                                        &campaign.file,
                                        campaign.languages_pos,
                                        "languages",
                                        format!(
                                            "`letters --format pdf` fails on this machine: {e}"
                                        ),
                                    ));
                                }
                            }
                        }
                        // Text letters do not need the blocks: for them it is only a warning.
                        Err(e @ render::Error::MissingBlock { .. }) => {
                            // The text letter itself rendered; only page layouts lack the parts.
                            out.letters += 1;
                            let d = Diagnostic::from(e);
                            out.diags.push(Diagnostic {
                                severity: crate::model::diag::Severity::Warning,
                                message: format!("{}; PDF letters cannot be laid out", d.message),
                                ..d
                            });
                        }
                        Err(e) => out.diags.push(e.into()),
                    }
                }
            }
        }
    }
    out.diags.extend(blocks.on_paper());
    used
}

/// The address blocks of the letters rendered, each with the entry it goes to, the languages of
/// its letters and the supporters' countries (none: any): the same block in many letters (blank
/// and signed, several supporter countries) is laid out once.
#[derive(Default)]
struct Blocks<'d> {
    blocks: BTreeMap<(String, Vec<String>), Block<'d>>,
}

struct Block<'d> {
    recipient: &'d Recipient,
    langs: BTreeSet<String>,
    countries: BTreeSet<Option<Country>>,
}

impl<'d> Blocks<'d> {
    fn add(&mut self, recipient: &'d Recipient, letter: &Letter, country: Option<Country>) {
        let Some(parts) = &letter.parts else {
            return;
        };
        let key = (recipient.id.clone(), parts.recipient.clone());
        let block = self.blocks.entry(key).or_insert_with(|| Block {
            recipient,
            langs: BTreeSet::new(),
            countries: BTreeSet::new(),
        });
        block.langs.insert(letter.lang.to_string());
        block.countries.insert(country);
    }

    /// Every block laid out in every window a user may choose (`--layout`), as `letters --format
    /// pdf` would: one diagnostic per entry and overflow, with the languages it happens in.
    fn on_paper(&self) -> Vec<Diagnostic> {
        // Measured with the embedded fonts, and the fonts fontconfig gives for other scripts,
        // found in the blocks' order (sorted) so the outcome does not depend on the run.
        let mut fonts = FontChain::default();
        let mut found: BTreeMap<Overflow, (&Recipient, BTreeSet<String>)> = BTreeMap::new();
        for ((_, lines), block) in &self.blocks {
            pdf::admit_text(&mut fonts, &lines.join("\n"));
            let fits: Vec<Fit> = LAYOUTS
                .iter()
                .map(|layout| Fit {
                    layout: layout.name,
                    // A layout is one the letter's writers use when some of them write on its
                    // paper (no country: anyone may).
                    used: block
                        .countries
                        .iter()
                        .any(|c| c.is_none_or(|c| paper_of(c) == layout.paper)),
                    fit: fit_address(&fonts, layout, lines),
                    bare: fit_address(&fonts, &no_envelope(layout), lines).fits(),
                })
                .collect();
            for overflow in overflows(&block.recipient.id, &fits) {
                let seen = found
                    .entry(overflow)
                    .or_insert_with(|| (block.recipient, BTreeSet::new()));
                seen.1.extend(block.langs.iter().cloned());
            }
        }
        found
            .into_iter()
            .map(|(o, (r, langs))| o.diagnostic(r, &langs))
            .collect()
    }
}

/// The paper a supporter in `country` prints on: US Letter in the countries CLDR lists for it
/// (supplemental data, `measurementData/paperSize type="US-Letter"`), A4 elsewhere.
fn paper_of(country: Country) -> Paper {
    const LETTER: [&str; 14] = [
        "BZ", "CA", "CL", "CO", "CR", "GT", "MX", "NI", "PA", "PH", "PR", "SV", "US", "VE",
    ];
    if LETTER.contains(&country.code()) {
        Paper::Letter
    } else {
        Paper::A4
    }
}

/// `layout` for pages that go in no envelope.
fn no_envelope(layout: &Layout) -> Layout {
    Layout {
        envelope: false,
        ..*layout
    }
}

/// An address block laid out in one layout, and whether the letter's writers use that layout's
/// paper.
struct Fit {
    layout: &'static str,
    used: bool,
    fit: AddressFit,
    bare: bool,
}

/// An address block that does not fit the windows of some layouts, alike in each: the entry,
/// whether the writers use these layouts' paper, the layouts, the lines it takes and those they
/// hold, the lines that wrapped, and the layouts that hold it.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Overflow {
    id: String,
    used: bool,
    /// Whether it fits a page for no envelope (a fax, an email attachment): above the body.
    bare: bool,
    layouts: Vec<&'static str>,
    lines: usize,
    holds: usize,
    wrapped: Vec<String>,
    holding: Vec<&'static str>,
}

/// The overflows of one block: layouts that overflow alike are one.
fn overflows(id: &str, fits: &[Fit]) -> Vec<Overflow> {
    let holding: Vec<&'static str> = fits
        .iter()
        .filter(|f| f.fit.fits())
        .map(|f| f.layout)
        .collect();
    let mut found: Vec<Overflow> = Vec::new();
    for Fit {
        layout,
        used,
        fit,
        bare,
    } in fits.iter().filter(|f| !f.fit.fits())
    {
        let alike = |o: &&mut Overflow| {
            (o.used, o.bare, o.lines, o.holds, &o.wrapped)
                == (*used, *bare, fit.lines.len(), fit.holds, &fit.wrapped)
        };
        match found.iter_mut().find(alike) {
            Some(o) => o.layouts.push(layout),
            None => found.push(Overflow {
                id: id.to_string(),
                used: *used,
                bare: *bare,
                layouts: vec![layout],
                lines: fit.lines.len(),
                holds: fit.holds,
                wrapped: fit.wrapped.clone(),
                holding: holding.clone(),
            }),
        }
    }
    found
}

impl Overflow {
    /// For layouts on the paper the letters' writers print on (a supporter in Spain does not print
    /// on US Letter): an error when the entry has a postal address (its letters may be posted in
    /// a window envelope) or when the address does not fit even a page for no envelope; a
    /// warning when the entry is reached only by fax or email, in no envelope. Else a warning.
    fn diagnostic(&self, r: &Recipient, langs: &BTreeSet<String>) -> Diagnostic {
        let quoted = |names: &[&str], and: &str| {
            let q: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
            q.join(and)
        };
        let (layouts, hold) = match self.layouts.len() {
            1 => ("layout", "holds"),
            _ => ("layouts", "hold"),
        };
        let langs: Vec<&str> = langs.iter().map(String::as_str).collect();
        let message = format!(
            "the {} letters to `{}`: the address takes {} lines but the window of {layouts} {} {hold} {}{}",
            langs.join(", "),
            self.id,
            self.lines,
            quoted(&self.layouts, " and "),
            self.holds,
            pdf::wrapped_list(&self.wrapped),
        );
        let mut fix = if self.wrapped.is_empty() {
            "join or shorten its lines".to_string()
        } else {
            "shorten the wrapped lines or split each in two".to_string()
        };
        if !self.holding.is_empty() {
            fix += &format!(
                ", or use layout {}, which holds it",
                quoted(&self.holding, " or ")
            );
        }
        // The wrapped lines are the entry's `address`, or the lines above it (`addressee`, or
        // the name and title that stand for it).
        let field = match self.wrapped.is_empty() {
            true if r.address.is_empty() => "addressee",
            true => "address",
            false if self.wrapped.iter().all(|l| r.address.contains(l)) => "address",
            false => "addressee",
        };
        let at = format!("{}.{field}", r.field());
        if !self.used {
            Diagnostic::warning(&r.file, r.pos, at, message).hint(format!(
                "no supporter who writes these letters lives where the paper of {} is the usual one; to use it all the same, {fix}",
                quoted(&self.layouts, " and ")
            ))
        } else if !self.bare {
            Diagnostic::error(&r.file, r.pos, at, message).hint(format!(
                "there is no room for it above the body even on a page for no envelope (a fax, an email attachment); {fix}"
            ))
        } else if r.address.is_empty() {
            Diagnostic::warning(&r.file, r.pos, at, message).hint(format!(
                "the entry has no postal address: its letters go by fax or email, in no envelope; to post them, {fix}"
            ))
        } else {
            Diagnostic::error(&r.file, r.pos, at, message).hint(format!(
                "`letters --format pdf` refuses these letters; {fix}"
            ))
        }
    }
}

/// Every other wording of the paragraphs, in every language, once.
fn render_wordings(
    campaign: &Campaign,
    directory: &Directory,
    templates: &Templates,
    languages: &[Lang],
    today: NaiveDate,
    out: &mut Checked,
) {
    let (planned, _) = plan(
        campaign,
        directory,
        countries(campaign, directory).into_iter().flatten().next(),
    );
    let Some(p) = planned.first() else {
        return;
    };
    let targets = targets_of(&planned);
    for n in 1..campaign.wordings() {
        let mut renderer = Renderer::new(templates, today);
        renderer.wording = Some(n);
        for lang in languages {
            match renderer.render(campaign, p, &targets, lang, None) {
                Ok(_) => out.letters += 1,
                Err(e) => out.diags.push(e.into()),
            }
        }
    }
}

/// Warns about each target a copy letter names whose directory entry cannot say, in a language
/// of the campaign, how the copy names it ("au Procureur général ..."): the cover then names no
/// one. Once per entry and language, at the entry.
fn copy_phrases(
    campaign: &Campaign,
    directory: &Directory,
    languages: &[Lang],
    diags: &mut Diagnostics,
) {
    let mut seen: BTreeSet<(String, Lang)> = BTreeSet::new();
    for country in countries(campaign, directory) {
        let (planned, _) = plan(campaign, directory, country);
        // A copy letter quotes the first target (`targets[0]` in the templates).
        let Some(target) = planned.iter().find(|p| !p.copy).map(|p| p.recipient) else {
            continue;
        };
        if !planned.iter().any(|p| p.copy) {
            continue;
        }
        for lang in languages {
            if target.copy_phrase(lang).is_some() || !seen.insert((target.id.clone(), lang.clone()))
            {
                continue;
            }
            diags.push(
                Diagnostic::warning(
                    &target.file,
                    target.pos,
                    format!("{}.to.{lang}", target.field()),
                    format!(
                        "the {lang} copy letters of `{}` cannot name `{}`: the entry has no `{lang}` phrase for it",
                        campaign.id, target.id
                    ),
                )
                .hint(format!(
                    "add `to: {{{lang}: \"...\"}}` with the words the copy names it with, preposition and article included (fr: \"au Procureur général de la Fédération de Russie\")"
                )),
            );
        }
    }
}

/// Warns about each person whose name, as a language spells it, occurs in none of the
/// campaign's texts in that language: a translator left it out or spelt it otherwise
/// ("Mukhtar Ablyazov" in texts whose `de` name is "Muchtar Abljasow"), and the letters then
/// pair a subject line or closing about one name with paragraphs about another. Each word of
/// the name is looked for without its last letter, so that declined forms count («Джураева»,
/// "Abljasows"). An entry with `gender: group` is a description of people, not a name, and is
/// not looked for.
fn names_in_texts(campaign: &Campaign, diags: &mut Diagnostics) {
    for (i, person) in campaign.persons.iter().enumerate() {
        if person.gender == Gender::Group {
            continue;
        }
        for lang in &campaign.languages {
            let Some(name) = person.name.get(lang) else {
                continue;
            };
            let texts = texts_in(campaign, lang).to_lowercase();
            let missing: Vec<&str> = name
                .split(|c: char| c.is_whitespace() || c == '·')
                .filter(|word| !word.is_empty() && !texts.contains(&stem(word).to_lowercase()))
                .collect();
            if missing.is_empty() {
                continue;
            }
            diags.push(
                Diagnostic::warning(
                    &campaign.file,
                    person.name_pos,
                    format!("persons[{i}].name"),
                    format!(
                        "the {lang} spelling of the name, `{name}`, is in none of the campaign's {lang} texts (no `{}`)",
                        missing.join("`, `")
                    ),
                )
                .hint(format!(
                    "spell the person the same way in `name` and in the {lang} texts (title, background, letter, asks): give `name` a `{lang}` spelling, or correct the texts"
                )),
            );
        }
    }
}

/// A word of a name without its last letter, when it has more than four: the part its declined
/// forms share (Джураев -> Джурае: Джураева, Джураеву).
fn stem(word: &str) -> &str {
    match word.char_indices().nth(4).and(word.char_indices().last()) {
        Some((last, _)) => &word[..last],
        None => word,
    }
}

/// Every text of the campaign in `lang`, with every wording, one after the other.
fn texts_in(campaign: &Campaign, lang: &Lang) -> String {
    let c = campaign;
    let mut texts: Vec<&crate::model::text::Localized> =
        vec![&c.title, &c.risk, &c.background, &c.letter];
    texts.extend(
        c.subject
            .iter()
            .chain(&c.additional_information)
            .chain(&c.late_note),
    );
    texts.extend(&c.letter_variants);
    for ask in &c.asks {
        texts.extend([&ask.sheet, &ask.letter]);
        texts.extend(&ask.letter_variants);
    }
    texts.extend(c.updates.iter().map(|u| &u.text));
    texts.extend(
        c.targets
            .iter()
            .chain(&c.copies)
            .filter_map(|a| a.note.as_ref()),
    );
    texts
        .iter()
        .filter_map(|t| t.get(lang))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The persons a campaign could be about, beside its own: one man, one woman, a group, two
/// people, two women, three women, and a man with two women.
const AS_PERSONS: [&[Gender]; 7] = {
    use Gender::{Female as F, Group as G, Male as M};
    [&[M], &[F], &[G], &[M, F], &[F, F], &[F, F, F], &[M, F, F]]
};

/// Renders a target's letter and a copy in every language as if the campaign were about each of
/// `AS_PERSONS`, so that a template closing that breaks for two women is found before a
/// coordinator changes a gender. (Every choice of the campaign's texts was checked for its
/// forms when the file was loaded.) A problem is reported once, with who it happens for.
fn render_persons(
    path: &Path,
    campaign: &Campaign,
    directory: &Directory,
    templates: &Templates,
    languages: &[Lang],
    today: NaiveDate,
    out: &mut Checked,
) {
    let country = countries(campaign, directory).into_iter().flatten().next();
    let renderer = Renderer::new(templates, today);
    let mut seen: BTreeSet<String> = out.diags.iter().map(|d| d.message.clone()).collect();
    for genders in AS_PERSONS {
        let Some(as_them) = Campaign::load_as_persons(path, directory, Some(today), genders) else {
            return;
        };
        let (planned, _) = plan(&as_them, directory, country);
        let targets = targets_of(&planned);
        let first_copy = planned.iter().find(|p| p.copy);
        for p in planned.iter().take(1).chain(first_copy) {
            for lang in languages {
                // Not counted: these letters are trials, not letters the campaign produces.
                let Err(e) = renderer.render(&as_them, p, &targets, lang, None) else {
                    continue;
                };
                let d = Diagnostic::from(e);
                if seen.insert(d.message.clone()) {
                    let who = crate::model::agree::Form::of(genders).describe();
                    out.diags.push(Diagnostic {
                        message: format!("{} (were the persons {who})", d.message),
                        ..d
                    });
                }
            }
        }
    }
}

/// The targets among the planned letters (a copy quotes them).
fn targets_of<'a>(planned: &[Planned<'a>]) -> Vec<&'a Recipient> {
    planned
        .iter()
        .filter(|p| !p.copy)
        .map(|p| p.recipient)
        .collect()
}

/// The supporter countries to check: none when no addressee depends on one, else every country
/// for which the directory can resolve some addressee of the campaign.
fn countries(campaign: &Campaign, directory: &Directory) -> Vec<Option<Country>> {
    let mut set = BTreeSet::new();
    for entry in campaign.targets.iter().chain(&campaign.copies) {
        match &entry.who {
            Addressee::Recipient(_) => {}
            Addressee::EmbassyOf(c) => set.extend(directory.embassy_hosts(*c)),
            Addressee::GovernmentRole(role) => set.extend(directory.role_countries(role)),
        }
    }
    if set.is_empty() {
        vec![None]
    } else {
        set.into_iter().map(Some).collect()
    }
}

fn sample_supporter(country: Option<Country>) -> Supporter {
    // A complete address where she lives: the region and the postcode her country's post asks
    // for (a US supporter has a state), so the sample letters look as real ones do.
    let rules = country.map(crate::model::address::rules);
    let input = SupporterInput {
        name: "Maria Muster".into(),
        address: vec!["Example Street 1".into()],
        postcode: rules
            .and_then(|r| r.postcode_example())
            .unwrap_or("12345")
            .to_string(),
        city: "Example City".into(),
        region: rules
            .and_then(|r| r.region_code_example())
            .unwrap_or_default()
            .to_string(),
        country: country.map(|c| c.code().to_string()).unwrap_or_default(),
        email: "maria@example.org".into(),
        ..SupporterInput::default()
    };
    // The sample is fixed and valid; a failure here is a bug in this function, caught by the tests.
    input.check().unwrap_or_default()
}

fn freshness(r: &Recipient, campaign: &Campaign, diags: &mut Diagnostics) {
    let field = r.field();
    match &r.verified {
        None => diags.push(
            Diagnostic::warning(&r.file, r.pos, format!("{field}.verified"), "never verified")
                .hint("confirm the address and names from an official source and add `verified: {date: YYYY-MM-DD, source: ...}`"),
        ),
        Some(v) => {
            let limit = campaign.issued.checked_sub_months(Months::new(STALE_AFTER_MONTHS)).unwrap_or(campaign.issued);
            if v.date < limit {
                diags.push(
                    Diagnostic::warning(
                        &r.file,
                        r.pos,
                        format!("{field}.verified"),
                        format!("last verified {}, more than two years before the campaign `{}` was issued ({})", v.date, campaign.id, campaign.issued),
                    )
                    .hint("check that the office holder and address are still right, then update `verified`"),
                );
            }
        }
    }
    for what in &r.unknown {
        diags.push(
            Diagnostic::warning(
                &r.file,
                r.pos,
                format!("{field}.{what}"),
                format!("`{what}` is marked unknown"),
            )
            .hint("find it from an official source, add it and remove it from `unknown`"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_language_without_a_sheet_template_is_a_warning_and_still_gets_letters() {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut diags = Diagnostics::default();
        let directory = Directory::load(&repo.join("recipients"), &mut diags);
        let mut campaign = Campaign::load(
            &repo.join("campaigns/juraev-2011.yaml"),
            &directory,
            &mut diags,
        )
        .unwrap();
        // A letter template for Turkish, and no sheet template for it.
        let dir = tempfile::tempdir().unwrap();
        let en = std::fs::read_to_string(repo.join("templates/letter.en.txt")).unwrap();
        std::fs::write(dir.path().join("letter.tr.txt"), en).unwrap();
        let templates = Templates::load(&[dir.path().to_path_buf()], &mut diags);
        let tr = Lang::parse("tr").unwrap();
        campaign.languages.push(tr.clone());
        let mut found = Diagnostics::default();
        let usable = usable_languages(&campaign, &templates, &mut found);
        assert!(usable.contains(&tr), "its letters are made");
        let said: Vec<String> = found
            .into_sorted()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(said.len(), 1, "{said:?}");
        assert!(said[0].starts_with("warning: "), "{said:?}");
        assert!(said[0].contains("no `sheet` template for `tr`"), "{said:?}");
        assert!(said[0].contains("`appeal sheet --lang tr` cannot make the action sheet"));
    }

    #[test]
    fn sample_supporter_is_valid() {
        assert_eq!(sample_supporter(Country::parse("FR")).name, "Maria Muster");
        // A US sample has a state, as USPS asks.
        let us = sample_supporter(Country::parse("US"));
        assert_eq!(us.name, "Maria Muster", "valid");
        assert!(!us.region.is_empty());
    }
}
