//! Letter templates: the shipped ones built into the binary, overridden file by file by folders the
//! user names, and found for a language through its fallback chain (`letter.fr-CA.txt`, then `letter.fr.txt`).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use crate::model::diag::{Diagnostic, Diagnostics, Pos};
use crate::model::lang::Lang;
use crate::render::Error;

/// The name and text of each shipped template, read from `templates/` at build time.
macro_rules! shipped {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/templates/", $name)))),*]
    };
}

/// The templates shipped in `templates/`, compiled in so `appeal` works from any folder.
/// A unit test keeps this list and the folder in step.
const BUILT_IN: &[(&str, &str)] = shipped![
    "letter.ar.txt",
    "letter.de.txt",
    "letter.en.txt",
    "letter.es.txt",
    "letter.fa.txt",
    "letter.fr.txt",
    "letter.ru.txt",
    "letter.zh.txt",
    "sheet.ar.md",
    "sheet.de.md",
    "sheet.en.md",
    "sheet.es.md",
    "sheet.fa.md",
    "sheet.fr.md",
    "sheet.ru.md",
    "sheet.zh.md",
];

/// Where a template came from, in lookup order: a folder the user named, or the binary.
#[derive(Clone, Debug)]
struct Source {
    /// Shown in messages: the folder, or `built-in`.
    label: String,
    /// File name -> the name the template has inside Tera (its path, so errors point at the file).
    files: BTreeMap<String, String>,
}

/// Every template available to a run, parsed once.
pub struct Templates {
    tera: tera::Tera,
    sources: Vec<Source>,
    /// Tera name -> the names of its `{% block %}`s, read at load: Tera keeps its own list private,
    /// and a letter's optional blocks (`subject`, `topic`) are looked up before they are rendered.
    blocks: HashMap<String, BTreeSet<String>>,
}

impl Templates {
    /// Loads `folders` (most specific first; missing ones are skipped) in front of the built-in
    /// templates. A template that does not parse is reported and left out.
    pub fn load(folders: &[PathBuf], diags: &mut Diagnostics) -> Templates {
        Templates::load_except(folders, None, diags)
    }

    /// `load` without the templates of `kind` (`sheet`): a run of letters parses no sheet,
    /// which takes longer than its first letters. Other files (one a letter includes) load.
    pub fn load_except(
        folders: &[PathBuf],
        kind: Option<&str>,
        diags: &mut Diagnostics,
    ) -> Templates {
        let skipped = |file_name: &str| {
            kind.is_some_and(|kind| {
                file_name
                    .strip_prefix(kind)
                    .is_some_and(|rest| rest.starts_with('.'))
            })
        };
        let mut sources = Vec::new();
        // (source, file name, name inside Tera, text), read first and handed to Tera together.
        let mut read: Vec<(usize, String, String, std::borrow::Cow<'static, str>)> = Vec::new();
        for folder in folders {
            let Ok(entries) = std::fs::read_dir(folder) else {
                continue;
            };
            let mut names: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "txt" || e == "md"))
                .collect();
            names.sort();
            for path in names {
                let Some(file_name) = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .map(str::to_string)
                else {
                    continue;
                };
                if skipped(&file_name) {
                    continue;
                }
                match crate::model::yaml::read_text(&path) {
                    Ok(text) => {
                        let name = path.display().to_string();
                        read.push((sources.len(), file_name, name, text.into()));
                    }
                    Err(d) => diags.push(d),
                }
            }
            sources.push(Source {
                label: folder.display().to_string(),
                files: BTreeMap::new(),
            });
        }
        for (file_name, text) in BUILT_IN.iter().filter(|(f, _)| !skipped(f)) {
            let name = format!("built-in:{file_name}");
            read.push((sources.len(), file_name.to_string(), name, (*text).into()));
        }
        sources.push(Source {
            label: "built-in".into(),
            files: BTreeMap::new(),
        });
        let (tera, added) = compile(&read, diags);
        let mut blocks = HashMap::new();
        for (source, file_name, name, text) in
            read.into_iter()
                .zip(added)
                .filter_map(|((source, file_name, name, text), ok)| {
                    ok.then_some((source, file_name, name, text))
                })
        {
            blocks.insert(name.clone(), block_names(&text));
            sources[source].files.insert(file_name, name);
        }
        Templates {
            tera,
            sources,
            blocks,
        }
    }

    /// The template of `kind` (`letter`) for `lang`: each file name of the language's fallback
    /// chain, in each source in order. The error lists everything tried.
    pub fn resolve(&self, kind: &str, lang: &Lang) -> Result<&str, Error> {
        self.resolve_file(kind, "txt", lang)
    }

    /// As `resolve`, for templates whose files end in `.ext` (`sheet.en.md`).
    pub fn resolve_file(&self, kind: &str, ext: &str, lang: &Lang) -> Result<&str, Error> {
        let mut tried = Vec::new();
        for l in lang.chain() {
            let file = format!("{kind}.{l}.{ext}");
            for source in &self.sources {
                if let Some(name) = source.files.get(&file) {
                    return Ok(name);
                }
                tried.push(format!("{}/{file}", source.label));
            }
        }
        Err(Error::NoTemplate {
            kind: kind.to_string(),
            lang: lang.clone(),
            tried: tried.join(", "),
            available: self
                .languages_of(kind, ext)
                .iter()
                .map(Lang::as_str)
                .collect::<Vec<_>>()
                .join(", "),
        })
    }

    /// Every language with a template of `kind`, from any source.
    pub fn languages(&self, kind: &str) -> Vec<Lang> {
        self.languages_of(kind, "txt")
    }

    /// Every language with a template `kind.<lang>.ext`, from any source.
    pub fn languages_of(&self, kind: &str, ext: &str) -> Vec<Lang> {
        let suffix = format!(".{ext}");
        let mut langs: Vec<Lang> = self
            .sources
            .iter()
            .flat_map(|s| s.files.keys())
            .filter_map(|f| {
                f.strip_prefix(kind)?
                    .strip_prefix('.')?
                    .strip_suffix(suffix.as_str())
            })
            .filter_map(Lang::parse)
            .collect();
        langs.sort();
        langs.dedup();
        langs
    }

    pub fn render(&self, name: &str, context: &tera::Context) -> Result<String, tera::Error> {
        self.tera.render(name, context)
    }

    /// Whether the template `name` defines `{% block BLOCK %}`.
    pub fn has_block(&self, name: &str, block: &str) -> bool {
        self.blocks.get(name).is_some_and(|b| b.contains(block))
    }

    /// Renders one `{% block %}` of a template.
    pub fn render_block(
        &self,
        name: &str,
        block: &str,
        context: &tera::Context,
    ) -> Result<String, tera::Error> {
        self.tera.render_block(name, block, context)
    }
}

/// A Tera holding every template of `read` that parses, and which did. Tera checks the whole set
/// again after each template added to it (`finalize_templates`, which copies every block), so
/// they are added in one call; only when that fails are they added one by one, to report each
/// template that does not parse against its own file and keep the others, as before.
fn compile(
    read: &[(usize, String, String, std::borrow::Cow<'static, str>)],
    diags: &mut Diagnostics,
) -> (tera::Tera, Vec<bool>) {
    let mut tera = tera::Tera::new();
    // Letters are plain text: "Smith & Sons" must stay as written.
    tera.autoescape_on(Vec::<&str>::new());
    let all = read.iter().map(|(_, _, name, text)| (name, text));
    if tera.add_raw_templates(all).is_ok() {
        return (tera, vec![true; read.len()]);
    }
    let added = read
        .iter()
        .map(
            |(_, _, name, text)| match tera.add_raw_template(name, text) {
                Ok(()) => true,
                Err(e) => {
                    diags.push(diagnostic(&e, "", Path::new(name), Some(text)));
                    false
                }
            },
        )
        .collect();
    (tera, added)
}

/// The names of the `{% block NAME %}` tags in a template's text. Text inside `{# comments #}`
/// and `{% raw %}` is not read. The shipped templates use no `extends`, so a template's own blocks
/// are all it has.
fn block_names(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut raw = false;
    let mut rest = text;
    while let Some(i) = rest.find('{') {
        rest = &rest[i + 1..];
        if !raw && let Some(comment) = rest.strip_prefix('#') {
            rest = comment.find("#}").map_or("", |j| &comment[j + 2..]);
            continue;
        }
        let Some(tag) = rest.strip_prefix('%') else {
            continue;
        };
        let Some(end) = tag.find("%}") else {
            break;
        };
        let mut words = tag[..end].trim_matches('-').split_whitespace();
        match (raw, words.next()) {
            (true, Some("endraw")) => raw = false,
            (false, Some("raw")) => raw = true,
            (false, Some("block")) => names.extend(words.next().map(str::to_string)),
            _ => {}
        }
        rest = &tag[end + 2..];
    }
    names
}

/// A Tera error as a diagnostic pointing into the template, naming the letter being rendered.
pub fn template_diagnostic(e: &tera::Error, letter: &str, fallback_file: &Path) -> Diagnostic {
    diagnostic(e, letter, fallback_file, None)
}

/// As `template_diagnostic`, with the template's text when it is at hand (at load, where syntax
/// errors are found), to tell a template that ends inside a tag.
fn diagnostic(
    e: &tera::Error,
    letter: &str,
    fallback_file: &Path,
    source: Option<&str>,
) -> Diagnostic {
    let while_rendering = if letter.is_empty() {
        String::new()
    } else {
        format!(" (while rendering {letter})")
    };
    match e.kind() {
        tera::ErrorKind::SyntaxError(r) | tera::ErrorKind::RenderingError(r) => {
            let file = r.filename().strip_prefix("built-in:").map_or_else(
                || PathBuf::from(r.filename()),
                |f| PathBuf::from(format!("<built-in>/templates/{f}")),
            );
            let span = r.span();
            let message = r.message().trim_end_matches('.');
            let hint = if matches!(e.kind(), tera::ErrorKind::SyntaxError(_))
                && source.is_some_and(|text| ends_inside_a_tag(span, text))
            {
                "the template ends inside a tag: close every `{% if %}` with `{% endif %}` and every `{% for %}` with `{% endfor %}`"
            } else {
                "fix the template, or override it with a file of the same name in templates/ or --templates DIR"
            };
            Diagnostic::error(
                &file,
                Pos::new(span.start_line as u64, span.start_col as u64 + 1),
                "template",
                format!("{message}{while_rendering}"),
            )
            .hint(hint)
        }
        _ => {
            let text = e.to_string();
            // Tera's checks made when templates load (an unknown filter, test or function) come
            // as one message of reports: "error: WHAT\n  --> FILE:LINE:COL\n   | the line…".
            if let Some((message, file, pos, more)) = first_report(&text) {
                let more = if more > 0 {
                    format!(" (and {more} more in the templates)")
                } else {
                    String::new()
                };
                return Diagnostic::error(
                    Path::new(file),
                    pos,
                    "template",
                    format!("{message}{more}{while_rendering}"),
                )
                .hint(
                    "fix the template: Tera 2 does not know this name (misspelt, or not in Tera 2)",
                );
            }
            Diagnostic::error(
                fallback_file,
                Pos::default(),
                "template",
                format!("{}{while_rendering}", text.trim_end()),
            )
            .hint("fix the template")
        }
    }
}

/// The first report of a message of Tera reports (`error: WHAT` then `  --> FILE:LINE:COL`): what,
/// the file and position, and how many reports follow it.
fn first_report(text: &str) -> Option<(&str, &str, Pos, usize)> {
    let mut lines = text.lines();
    let message = lines.next()?.strip_prefix("error: ")?;
    let at = lines.next()?.trim_start().strip_prefix("--> ")?;
    let mut parts = at.rsplitn(3, ':');
    let col = parts.next()?.parse().ok()?;
    let line = parts.next()?.parse().ok()?;
    let file = parts.next()?;
    let more = lines.filter(|l| l.starts_with("error: ")).count();
    Some((
        message.trim_end_matches('.'),
        file,
        Pos::new(line, col),
        more,
    ))
}

/// Whether a syntax error is the parser running out of text: Tera reports that as an empty span
/// after the last token, and nothing but blanks follows the last token.
fn ends_inside_a_tag(span: &tera::Span, text: &str) -> bool {
    span.start_line == span.end_line
        && span.start_col == span.end_col
        && span.range.end >= text.trim_end().len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_file_and_line_in_teras_reports() {
        let text = "error: Unknown filter `nosuchfilter`\n  --> tpl/letter.en.txt:17:27\n   |\n17 | {{ date | nosuchfilter }}\n   |           ^^^^\n\nerror: Unknown test `odd2`\n  --> tpl/letter.en.txt:20:5\n";
        let (message, file, pos, more) = first_report(text).unwrap();
        assert_eq!(message, "Unknown filter `nosuchfilter`");
        assert_eq!(
            (file, pos, more),
            ("tpl/letter.en.txt", Pos::new(17, 27), 1)
        );
        assert!(first_report("Template 'x' not found").is_none());
    }

    #[test]
    fn builds_in_every_shipped_template() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut shipped: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".txt") || n.ends_with(".md"))
            .collect();
        shipped.sort();
        let built_in: Vec<String> = BUILT_IN.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(
            shipped, built_in,
            "add the new template to BUILT_IN in src/templates.rs"
        );
    }

    #[test]
    fn reads_block_names_outside_comments_and_raw() {
        let names = block_names(
            "{% block sender %}x{% endblock %}{# {% block no %} #}\
             {% raw %}{% block raw %}{% endraw %}{%- block body -%}y{% endblock %}",
        );
        assert_eq!(names.into_iter().collect::<Vec<_>>(), ["body", "sender"]);
    }

    #[test]
    fn knows_the_blocks_of_each_template() {
        let mut diags = Diagnostics::default();
        let t = Templates::load(&[], &mut diags);
        let name = t.resolve("letter", &Lang::parse("en").unwrap()).unwrap();
        assert!(t.has_block(name, "body"));
        assert!(!t.has_block(name, "no-such-block"));
    }

    #[test]
    fn leaves_out_the_templates_of_a_kind_it_is_told_to() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("sheet.en.md"), "{% if %}").unwrap();
        std::fs::write(dir.path().join("letter.xx.txt"), "{{ x }}").unwrap();
        let folders = [dir.path().to_path_buf()];
        let mut diags = Diagnostics::default();
        let t = Templates::load_except(&folders, Some("sheet"), &mut diags);
        assert!(!diags.has_errors(), "{diags:?}");
        assert!(t.languages_of("sheet", "md").is_empty());
        assert!(t.resolve("letter", &Lang::parse("xx").unwrap()).is_ok());
        assert!(t.resolve("letter", &Lang::parse("ru").unwrap()).is_ok());
        // Everything, the broken sheet with the rest.
        let t = Templates::load(&folders, &mut diags);
        assert!(diags.has_errors());
        assert!(!t.languages_of("sheet", "md").is_empty());
    }

    #[test]
    fn does_not_escape_html() {
        let mut diags = Diagnostics::default();
        let t = Templates::load(&[], &mut diags);
        let mut ctx = tera::Context::new();
        ctx.insert("x", "Smith & Sons <ltd>");
        let mut tera = t.tera;
        tera.add_raw_template("t.txt", "{{ x }}").unwrap();
        assert_eq!(tera.render("t.txt", &ctx).unwrap(), "Smith & Sons <ltd>");
    }
}
