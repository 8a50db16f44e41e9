//! A small fluent harness: a temporary project folder, files in it, a command, and claims about
//! what it printed and wrote.

use std::path::{Path, PathBuf};
use std::process::Command;

pub const BIN: &str = env!("CARGO_BIN_EXE_appeal");

/// The repository root, for the shipped campaigns, directory and templates.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub struct Test {
    dir: tempfile::TempDir,
    args: Vec<String>,
    env: Vec<(String, String)>,
    stdin: Option<Vec<u8>>,
}

impl Test {
    /// An empty project folder.
    pub fn new() -> Test {
        Test {
            dir: tempfile::tempdir().expect("temporary folder"),
            args: Vec::new(),
            env: Vec::new(),
            stdin: None,
        }
    }

    /// A project folder with a small valid campaign `campaigns/demo.yaml` and its directory.
    pub fn demo() -> Test {
        Test::new()
            .file("campaigns/demo.yaml", DEMO_CAMPAIGN)
            .file("recipients/demo.yaml", DEMO_DIRECTORY)
    }

    /// A project folder with copies of the shipped campaigns and directory.
    pub fn shipped() -> Test {
        let t = Test::new();
        for sub in ["campaigns", "recipients"] {
            copy_dir(&repo().join(sub), &t.path().join(sub));
        }
        t
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn file(self, rel: &str, contents: impl AsRef<[u8]>) -> Test {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, contents).unwrap();
        self
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path().join(rel))
            .unwrap_or_else(|e| panic!("reading {rel}: {e}"))
    }

    /// Every file under `rel`, relative to the project, sorted.
    pub fn files_under(&self, rel: &str) -> Vec<String> {
        let mut out = Vec::new();
        walk(&self.path().join(rel), &mut |p| {
            out.push(
                p.strip_prefix(self.path())
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/"),
            );
        });
        out.sort();
        out
    }

    pub fn args<I, S>(mut self, args: I) -> Test
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Feeds `bytes` to the run's standard input.
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Test {
        self.stdin = Some(bytes.into());
        self
    }

    /// Sets an environment variable for the run.
    pub fn env(mut self, key: &str, value: impl Into<String>) -> Test {
        self.env.push((key.to_string(), value.into()));
        self
    }

    /// Runs the binary in the project folder; keeps the folder for further claims.
    pub fn run(self) -> Run {
        use std::io::Write;
        let mut child = Command::new(BIN)
            .args(&self.args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .current_dir(self.path())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run appeal");
        let input = self.stdin.clone().unwrap_or_default();
        let mut stdin = child.stdin.take().expect("stdin");
        let feeder = std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
        let out = child.wait_with_output().expect("run appeal");
        let _ = feeder.join();
        Run {
            status: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            test: Test {
                dir: self.dir,
                args: Vec::new(),
                env: Vec::new(),
                stdin: None,
            },
        }
    }
}

pub struct Run {
    pub status: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub test: Test,
}

impl Run {
    pub fn status(self, code: i32) -> Run {
        assert_eq!(
            self.status,
            Some(code),
            "exit status\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    pub fn stdout_has(self, s: &str) -> Run {
        assert!(
            self.stdout.contains(s),
            "stdout lacks {s:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    pub fn stderr_has(self, s: &str) -> Run {
        assert!(
            self.stderr.contains(s),
            "stderr lacks {s:?}\n--- stderr\n{}",
            self.stderr
        );
        self
    }

    pub fn stderr_lacks(self, s: &str) -> Run {
        assert!(
            !self.stderr.contains(s),
            "stderr has {s:?}\n--- stderr\n{}",
            self.stderr
        );
        self
    }

    /// No panic message, whatever the outcome.
    pub fn no_panic(self) -> Run {
        assert!(!self.stderr.contains("panicked"), "panic:\n{}", self.stderr);
        assert_ne!(
            self.status,
            Some(101),
            "panic exit status:\n{}",
            self.stderr
        );
        self
    }
}

fn walk(dir: &Path, f: &mut dyn FnMut(&Path)) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, f);
        } else {
            f(&p);
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

/// A supporter in Germany, as flags: the embassy and government letters resolve to German entries.
pub const EVA: [&str; 10] = [
    "--name",
    "Eva Muster",
    "--address",
    "Hauptstraße 1",
    "--postcode",
    "10115",
    "--city",
    "Berlin",
    "--country",
    "DE",
];

pub const DEMO_CAMPAIGN: &str = r#"id: demo
ua: "UA 1/26"
issued: 2026-01-10
deadline: 2026-03-01
languages: [en, ru]
write_in: [ru]
or_own_language: true
title:
  en: "Do not extradite Anna Test"
  ru: "Не выдавайте Анну Тест"
persons:
  - name: {Latn: "Anna Test", Cyrl: "Анна Тест"}
    gender: f
risk:
  en: "torture if returned"
  ru: "пытки в случае выдачи"
background:
  en: "Anna Test is detained."
  ru: "Анна Тест находится под стражей."
letter:
  en: "I am writing about Anna Test, of Smith & Sons."
  ru: "Я пишу Вам по поводу Анны Тест."
asks:
  - sheet: {en: "Urge them not to extradite her", ru: "Призовите не выдавать её"}
    letter: {en: "I urge you not to extradite her.", ru: "Призываю Вас не выдавать её."}
targets:
  - recipient: xx-prosecutor
copies:
  - embassy_of: RU
    note: {en: "copies only", ru: "только копии"}
"#;

pub const DEMO_DIRECTORY: &str = r#"recipients:
  - id: xx-prosecutor
    kind: official
    country: RU
    role: prosecutor-general
    title: {en: "Prosecutor General", ru: "Генеральный прокурор"}
    address: ["Street 1", "Moscow 125993", "Russian Federation"]
    fax: "+7 495 000 00 00"
    salutation: {en: "Dear Prosecutor General", ru: "Уважаемый господин Генеральный прокурор"}
    to: {ru: "Генеральному прокурору"}
    verified: {date: 2026-01-01, source: "test"}
  - id: ru-embassy-no
    kind: embassy
    country: RU
    represents: RU
    host: NO
    title: {en: "Ambassador of the Russian Federation", ru: "Посол Российской Федерации"}
    address: ["Drammensveien 74", "0244 Oslo", "Norway"]
    salutation: {en: "Your Excellency", ru: "Уважаемый господин Посол"}
    verified: {date: 2026-01-01, source: "test"}
"#;

/// Eva Muster of Berlin, the supporter the shipped letters are measured and reviewed with.
pub fn eva() -> appeal::model::supporter::Supporter {
    appeal::model::supporter::SupporterInput {
        name: "Eva Muster".into(),
        address: vec!["Hauptstraße 1".into()],
        postcode: "10115".into(),
        city: "Berlin".into(),
        country: "DE".into(),
        ..Default::default()
    }
    .check()
    .unwrap()
}

/// Every letter of the campaign file `campaign` from `supporter` (blank letters: `None`), dated
/// `date`, in `langs` (empty: every language the campaign has), with their parts: rendered in
/// process as `letters` renders them, for tests that look at the layout or the text itself.
pub fn render_letters(
    campaign: &Path,
    supporter: Option<&appeal::model::supporter::Supporter>,
    date: chrono::NaiveDate,
    langs: &[&str],
) -> Vec<appeal::render::letter::Letter> {
    use appeal::render::letter::{Renderer, plan};
    let project = appeal::model::project::Project::locate(campaign, None, None).unwrap();
    let mut diags = appeal::model::diag::Diagnostics::default();
    let Some((campaign_, directory, templates)) =
        appeal::batch::run::load(campaign, &project, Some(date), &mut diags)
    else {
        panic!("{} does not load: {diags:?}", campaign.display());
    };
    let renderer = Renderer::new(&templates, date).with_parts();
    let (planned, _) = plan(&campaign_, &directory, supporter.and_then(|s| s.country));
    let targets: Vec<_> = planned
        .iter()
        .filter(|p| !p.copy)
        .map(|p| p.recipient)
        .collect();
    let langs: Vec<appeal::model::lang::Lang> = if langs.is_empty() {
        campaign_.languages.clone()
    } else {
        langs
            .iter()
            .map(|l| appeal::model::lang::Lang::parse(l).unwrap())
            .collect()
    };
    let mut letters = Vec::new();
    for p in &planned {
        for lang in &langs {
            letters.push(
                renderer
                    .render(&campaign_, p, &targets, lang, supporter)
                    .unwrap(),
            );
        }
    }
    letters
}

/// Whether fontconfig knows a font for the language `lang` (`fc-list :lang=zh-cn`): a PDF letter
/// in a script DejaVu Sans lacks needs one. `cargo test` runs with nothing but the Rust
/// toolchain, so tests drawing such letters leave them out, with a note, where there is none.
pub fn fontconfig_has(lang: &str) -> bool {
    std::process::Command::new("fc-list")
        .args(["--format", "%{file}\\n", &format!(":lang={lang}")])
        .output()
        .is_ok_and(|out| out.status.success() && !out.stdout.is_empty())
}
