//! Diagnostics: one problem in a user's file, with where it is, what is wrong and what to do.

use std::fmt;
use std::path::{Path, PathBuf};

/// How bad a problem is: errors stop a letter from being produced, warnings do not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// A line and column in a source file, both 1-based; 0 means "not known".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    pub line: u64,
    pub col: u64,
}

impl Pos {
    pub fn new(line: u64, col: u64) -> Self {
        Pos { line, col }
    }

    pub fn of<T>(spanned: &serde_saphyr::Spanned<T>) -> Self {
        let l = spanned.referenced;
        Pos::new(l.line(), l.column())
    }
}

/// One problem, printed as `file:line:col: field: what is wrong (hint: ...)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub file: PathBuf,
    pub pos: Pos,
    /// The field path inside the file (`targets[1].recipient`), or "" for the file as a whole.
    pub field: String,
    pub message: String,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn error(
        file: &Path,
        pos: Pos,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Error,
            file: file.to_path_buf(),
            pos,
            field: field.into(),
            message: message.into(),
            hint: None,
        }
    }

    pub fn warning(
        file: &Path,
        pos: Pos,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(file, pos, field, message)
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{label}: {}", self.unlabelled())
    }
}

/// A diagnostic without its `error: ` or `warning: ` (`Diagnostic::unlabelled`).
pub struct Unlabelled<'d>(&'d Diagnostic);

impl Diagnostic {
    /// The diagnostic from its file on, for a line that says `error: ` itself (a letter that
    /// failed, in a batch's list).
    pub fn unlabelled(&self) -> Unlabelled<'_> {
        Unlabelled(self)
    }
}

impl fmt::Display for Unlabelled<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        write!(f, "{}", d.file.display())?;
        if d.pos.line > 0 {
            write!(f, ":{}", d.pos.line)?;
            if d.pos.col > 0 {
                write!(f, ":{}", d.pos.col)?;
            }
        }
        if !d.field.is_empty() {
            write!(f, ": {}", echo(&d.field))?;
        }
        write!(f, ": {}", echo(&d.message))?;
        if let Some(hint) = &d.hint {
            write!(f, " (hint: {})", echo(hint))?;
        }
        Ok(())
    }
}

/// Text from a user's file as a message may quote it: control characters (a line break, an
/// escape that would recolour or clear the terminal) are shown as `\n`, `\u{1b}`, never sent
/// to the terminal as they are.
pub fn echo(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(
        text.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// Every problem found so far; loaders push into it and keep going.
#[derive(Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    pub fn extend(&mut self, ds: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(ds);
    }

    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.items.len() - self.error_count()
    }

    pub fn has_errors(&self) -> bool {
        self.error_count() > 0
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Sorted by file and position, duplicates removed, so a report reads top to bottom.
    pub fn into_sorted(mut self) -> Vec<Diagnostic> {
        self.items.sort_by(|a, b| {
            (&a.file, a.pos, &a.field, &a.message).cmp(&(&b.file, b.pos, &b.field, &b.message))
        });
        self.items.dedup();
        self.items
    }

    /// Turns a run's findings into a `Result`: `Err` when any of them is an error.
    pub fn into_result(self) -> Result<Vec<Diagnostic>, Invalid> {
        if self.has_errors() {
            Err(Invalid(self.into_sorted()))
        } else {
            Ok(self.into_sorted())
        }
    }
}

/// The error of a load or a check that found problems: all of them, in order.
#[derive(Debug, thiserror::Error)]
pub struct Invalid(pub Vec<Diagnostic>);

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let errors = self.0.iter().filter(|d| d.is_error()).count();
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        if self.0.len() > 1 {
            write!(f, "\n{errors} error(s)")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod echo_tests {
    use super::*;

    #[test]
    fn quotes_control_characters_instead_of_printing_them() {
        let d = Diagnostic::error(
            std::path::Path::new("c.yaml"),
            Pos::new(2, 5),
            "id",
            "`a\u{1b}[2Jb\nc` is not a valid id",
        );
        assert_eq!(
            d.to_string(),
            "error: c.yaml:2:5: id: `a\\u{1b}[2Jb\\nc` is not a valid id"
        );
        assert_eq!(echo("Граждани́н"), "Граждани́н");
    }
}
