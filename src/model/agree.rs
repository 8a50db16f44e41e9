//! Campaign texts that agree with the persons at risk: inline choices such as
//! `{m: гражданин | f: гражданка | group: граждане}`, resolved for the persons' gender and number.
//!
//! A choice is data, never template code: it picks one of the words written in it and can do
//! nothing else, so a campaign text cannot read a file, loop or reach the supporter's data. A
//! brace that does not open a choice (`{{`, `{1}`, a brace without `|`) is plain text.

use std::borrow::Cow;

use crate::model::directory::Gender;

/// What a text agrees with: the persons' gender and number. The names are the keys of a choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Form {
    /// One man.
    M,
    /// One woman.
    F,
    /// Two people, not both women (Arabic has a dual).
    Two,
    /// Two women.
    TwoF,
    /// Several people, or one entry of `gender: group`.
    Group,
    /// Three or more people, every one a woman.
    GroupF,
}

impl Form {
    /// Every form, in the order `check` renders them.
    pub const ALL: [Form; 6] = [
        Form::M,
        Form::F,
        Form::Two,
        Form::TwoF,
        Form::Group,
        Form::GroupF,
    ];

    /// The forms every choice must give: the others fall back to them.
    pub const REQUIRED: [Form; 3] = [Form::M, Form::F, Form::Group];

    /// The form of a list of persons: a `group` entry makes a group whatever else is listed,
    /// because its size and genders are unknown.
    pub fn of(genders: &[Gender]) -> Form {
        let all_women = genders.iter().all(|g| *g == Gender::Female);
        if genders.contains(&Gender::Group) {
            return Form::Group;
        }
        match (genders.len(), all_women) {
            (0 | 1, _) if genders.first() == Some(&Gender::Female) => Form::F,
            (0 | 1, _) => Form::M,
            (2, true) => Form::TwoF,
            (2, false) => Form::Two,
            (_, true) => Form::GroupF,
            (_, false) => Form::Group,
        }
    }

    /// The form of one person's own texts (her nationality, status, where she is held).
    pub fn of_one(gender: Gender) -> Form {
        Form::of(&[gender])
    }

    pub fn code(self) -> &'static str {
        match self {
            Form::M => "m",
            Form::F => "f",
            Form::Two => "two",
            Form::TwoF => "two-f",
            Form::Group => "group",
            Form::GroupF => "group-f",
        }
    }

    pub fn parse(code: &str) -> Option<Form> {
        Form::ALL.into_iter().find(|f| f.code() == code)
    }

    /// Who this form is, for messages: "two women".
    pub fn describe(self) -> &'static str {
        match self {
            Form::M => "one man",
            Form::F => "one woman",
            Form::Two => "two people, not both women",
            Form::TwoF => "two women",
            Form::Group => "a group (several people, or `gender: group`)",
            Form::GroupF => "three or more women",
        }
    }

    /// The keys a choice is looked up by, most specific first. Two women take the dual where a
    /// language has one (Arabic «لحمايتهما»), else the feminine plural (French « elles »).
    fn chain(self) -> &'static [Form] {
        match self {
            Form::M => &[Form::M],
            Form::F => &[Form::F],
            Form::Two => &[Form::Two, Form::Group],
            Form::TwoF => &[Form::TwoF, Form::Two, Form::GroupF, Form::Group],
            Form::Group => &[Form::Group],
            Form::GroupF => &[Form::GroupF, Form::Group],
        }
    }
}

/// A problem with a choice in a text, at byte `at` of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub at: usize,
    pub message: String,
    pub hint: String,
}

/// One choice found in a text: where it is and its forms, as written.
struct Choice<'a> {
    start: usize,
    end: usize,
    forms: Vec<(Form, &'a str)>,
}

impl Choice<'_> {
    fn pick(&self, form: Form) -> &str {
        form.chain()
            .iter()
            .find_map(|f| self.forms.iter().find(|(k, _)| k == f))
            // Unreachable in a checked text (it has every required form); a choice left
            // unchecked still never breaks a letter.
            .or_else(|| self.forms.first())
            .map_or("", |(_, text)| text)
    }
}

/// The body of the choice opened by the brace at `start`, if that brace opens one: a `}` closes
/// it before any other brace, and it holds a `|` and starts with one word and a colon.
fn choice_body(text: &str, start: usize) -> Option<(&str, usize)> {
    let rest = &text[start + 1..];
    let close = rest.find('}')?;
    let body = &rest[..close];
    if body.contains('{') || !body.contains('|') {
        return None;
    }
    let (name, _) = body.split('|').next()?.split_once(':')?;
    let name = name.trim();
    if name.is_empty() || name.contains(char::is_whitespace) {
        return None;
    }
    Some((body, start + 1 + close + 1))
}

/// Every choice of `text`, or the first problem of a malformed one.
fn choices(text: &str) -> Result<Vec<Choice<'_>>, Problem> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(offset) = text[from..].find('{') {
        let start = from + offset;
        let Some((body, end)) = choice_body(text, start) else {
            from = start + 1;
            continue;
        };
        out.push(parse_choice(body, start, end)?);
        from = end;
    }
    Ok(out)
}

/// Reads `name: text | name: text ...`, refusing an unknown or repeated name.
fn parse_choice(body: &str, start: usize, end: usize) -> Result<Choice<'_>, Problem> {
    let problem = |message: String, hint: &str| Problem {
        at: start,
        message,
        hint: hint.to_string(),
    };
    let names = "m, f, group (required), two, two-f, group-f";
    let mut forms: Vec<(Form, &str)> = Vec::new();
    for part in body.split('|') {
        let Some((name, said)) = part.split_once(':') else {
            return Err(problem(
                format!("`{}` in a choice has no form name", part.trim()),
                "write each form as `name: text`, e.g. `{m: he | f: she | group: they}`",
            ));
        };
        let name = name.trim();
        let Some(form) = Form::parse(name) else {
            return Err(problem(
                format!("`{name}` is not a form of a choice"),
                &format!("the forms are {names}"),
            ));
        };
        if forms.iter().any(|(f, _)| *f == form) {
            return Err(problem(
                format!("the form `{name}` is given twice in one choice"),
                "give each form once",
            ));
        }
        forms.push((form, said.trim()));
    }
    Ok(Choice { start, end, forms })
}

/// Every problem of the choices in `text`: malformed ones, and a required form missing, so that
/// a text that reads well for one man cannot break when the campaign is about a woman or two.
pub fn problems(text: &str) -> Vec<Problem> {
    let found = match choices(text) {
        Ok(found) => found,
        Err(p) => return vec![p],
    };
    let mut out = Vec::new();
    for choice in &found {
        for form in Form::REQUIRED {
            if !choice.forms.iter().any(|(f, _)| *f == form) {
                let given: Vec<&str> = choice.forms.iter().map(|(f, _)| f.code()).collect();
                out.push(Problem {
                    at: choice.start,
                    message: format!(
                        "the choice `{}` has no `{}` form ({})",
                        &text[choice.start..choice.end],
                        form.code(),
                        form.describe()
                    ),
                    hint: format!(
                        "add `| {}: ...` (it has: {}); every choice gives m, f and group",
                        form.code(),
                        given.join(", ")
                    ),
                });
            }
        }
    }
    out
}

/// `text` with each choice replaced by its words for `form`.
pub fn agree(text: &str, form: Form) -> Cow<'_, str> {
    let Ok(found) = choices(text) else {
        return Cow::Borrowed(text);
    };
    if found.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    for choice in &found {
        out.push_str(&text[from..choice.start]);
        out.push_str(choice.pick(form));
        from = choice.end;
    }
    out.push_str(&text[from..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RU: &str = "{m: гражданин | f: гражданка | group: граждане} Таджикистана";

    #[test]
    fn picks_the_form_of_the_persons() {
        assert_eq!(agree(RU, Form::M), "гражданин Таджикистана");
        assert_eq!(agree(RU, Form::F), "гражданка Таджикистана");
        assert_eq!(agree(RU, Form::TwoF), "граждане Таджикистана");
        let ar =
            "{m: لحمايته | f: لحمايتها | two: لحمايتهما | group: لحمايتهم | group-f: لحمايتهن}";
        assert_eq!(agree(ar, Form::TwoF), "لحمايتهما");
        assert_eq!(agree(ar, Form::GroupF), "لحمايتهن");
        assert_eq!(agree(ar, Form::Group), "لحمايتهم");
        let fr = "{m: il | f: elle | group: ils | group-f: elles}";
        assert_eq!(agree(fr, Form::TwoF), "elles");
        assert_eq!(agree(fr, Form::Two), "ils");
    }

    #[test]
    fn an_empty_form_is_allowed() {
        let ru = "выдан{m: | f: а | group: ы}";
        assert!(problems(ru).is_empty());
        assert_eq!(agree(ru, Form::M), "выдан");
        assert_eq!(agree(ru, Form::Group), "выданы");
    }

    #[test]
    fn other_braces_are_plain_text() {
        for text in [
            "{{ person.name }}",
            "{1}",
            "a {b} c",
            "{see: this}",
            "{ x | y }",
            "}{",
        ] {
            assert!(problems(text).is_empty(), "{text}");
            assert_eq!(agree(text, Form::F), text);
        }
    }

    #[test]
    fn reports_a_missing_form_and_an_unknown_one() {
        let p = problems("Он {m: гражданин | f: гражданка}.");
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].at, "Он ".len());
        assert!(p[0].message.contains("no `group` form"), "{p:?}");
        let p = problems("{m: он | ж: она | group: они}");
        assert!(p[0].message.contains("`ж` is not a form"), "{p:?}");
        let p = problems("{m: он | она | group: они}");
        assert!(p[0].message.contains("no form name"), "{p:?}");
    }

    #[test]
    fn the_form_of_persons() {
        use Gender::*;
        assert_eq!(Form::of(&[Male]), Form::M);
        assert_eq!(Form::of(&[Female]), Form::F);
        assert_eq!(Form::of(&[Group]), Form::Group);
        assert_eq!(Form::of(&[Female, Female]), Form::TwoF);
        assert_eq!(Form::of(&[Male, Female]), Form::Two);
        assert_eq!(Form::of(&[Female, Female, Female]), Form::GroupF);
        assert_eq!(Form::of(&[Female, Female, Male]), Form::Group);
        assert_eq!(Form::of(&[Female, Group]), Form::Group);
    }
}
