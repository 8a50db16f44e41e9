//! `check`: everything wrong with a campaign at once. Loads and validates it, then renders every
//! letter it can produce (every language, target, copy and supporter country) and reports what fails.

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{Months, NaiveDate};

use crate::model::campaign::{Addressee, Campaign};
use crate::model::country::Country;
use crate::model::diag::{Diagnostic, Diagnostics};
use crate::model::directory::{Directory, Recipient};
use crate::model::lang::Lang;
use crate::model::project::Project;
use crate::model::supporter::{Supporter, SupporterInput};
use crate::render;
use crate::render::letter::{Planned, Renderer, plan};
use crate::render::templates::Templates;

/// Directory entries older than this, relative to the campaign's issue date, earn a warning.
const STALE_AFTER_MONTHS: u32 = 24;

/// The outcome of checking one campaign.
#[derive(Debug, Default)]
pub struct Checked {
    pub diags: Diagnostics,
    pub letters: usize,
}

/// Checks `path` as of `today` (for the deadline warning): parse (the campaign, its directory and
/// templates) -> resolve (the languages with a template) -> render every letter.
pub fn check_campaign(path: &Path, project: &Project, today: NaiveDate) -> Checked {
    let mut out = Checked::default();
    let Some((campaign, directory, templates)) = load(path, project, today, &mut out.diags) else {
        return out;
    };
    let languages = usable_languages(&campaign, &templates, &mut out.diags);
    let used = render_countries(
        &campaign, &directory, &templates, &languages, today, &mut out,
    );
    render_wordings(
        &campaign, &directory, &templates, &languages, today, &mut out,
    );
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
        for p in &planned {
            used.insert(p.recipient.id.clone());
            for lang in languages {
                for supporter in [None, Some(&sample)] {
                    match renderer.render(campaign, p, &targets, lang, supporter) {
                        Ok(_) => out.letters += 1,
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
    used
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
    let input = SupporterInput {
        name: "Maria Muster".into(),
        address: vec!["Example Street 1".into()],
        postcode: "12345".into(),
        city: "Example City".into(),
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
    fn sample_supporter_is_valid() {
        assert_eq!(sample_supporter(Country::parse("FR")).name, "Maria Muster");
    }
}
