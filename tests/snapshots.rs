//! Snapshot tests of every shipped campaign's letters in every language. The snapshots under
//! `tests/snapshots/` are plain letters a translator can review; regenerate them with
//! `UPDATE_SNAPSHOTS=1 cargo test snapshots` and read the diff before committing.

use std::path::Path;

use crate::harness::{Test, repo};

fn shipped_campaigns() -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(repo().join("campaigns"))
        .unwrap()
        .filter_map(|e| {
            e.ok()?
                .file_name()
                .to_str()?
                .strip_suffix(".yaml")
                .map(str::to_string)
        })
        .collect();
    ids.sort();
    ids
}

fn declared_languages(campaign: &str) -> Vec<String> {
    let text =
        std::fs::read_to_string(repo().join("campaigns").join(format!("{campaign}.yaml"))).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("languages:"))
        .expect("languages line");
    line.trim_start_matches("languages:")
        .trim()
        .trim_matches(|c| c == '[' || c == ']')
        .split(',')
        .map(|s| s.trim().to_string())
        .collect()
}

#[test]
fn ships_the_three_campaigns_of_the_seeds() {
    assert_eq!(
        shipped_campaigns(),
        ["ablyazov-2015", "juraev-2011", "no-extradition-to-russia"]
    );
}

#[test]
fn shipped_campaigns_render_as_reviewed() {
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
    let mut problems = Vec::new();
    for campaign in shipped_campaigns() {
        let mut args: Vec<String> = vec![
            "letters".into(),
            format!("campaigns/{campaign}.yaml"),
            "--out".into(),
            "out".into(),
        ];
        for lang in declared_languages(&campaign) {
            args.extend(["--lang".to_string(), lang]);
        }
        // Signed letters from a supporter in Germany, and the blank letters a coordinator hands
        // out there, in every language.
        let mut signed = args.clone();
        signed.extend(crate::harness::EVA.iter().map(|s| s.to_string()));
        signed.extend(["--date", "2026-01-15"].map(String::from));
        let mut blank = args;
        blank.extend(["--country", "DE", "--date", "2026-01-15"].map(String::from));
        let run = Test::shipped().args(signed).run().no_panic().status(0);
        let run = run.test.args(blank).run().no_panic().status(0);
        let got = run.test.files_under("out");
        assert!(!got.is_empty(), "{campaign}: no letters");
        let snap_dir = repo().join("tests/snapshots").join(&campaign);
        if update {
            let _ = std::fs::remove_dir_all(&snap_dir);
        }
        for file in &got {
            let rel = file.strip_prefix(&format!("out/{campaign}/")).unwrap();
            let actual = run.test.read(file);
            let snap = snap_dir.join(rel);
            if update {
                std::fs::create_dir_all(snap.parent().unwrap()).unwrap();
                std::fs::write(&snap, &actual).unwrap();
            } else {
                match std::fs::read_to_string(&snap) {
                    Ok(expected) if expected == actual => {}
                    Ok(expected) => problems.push(format!(
                        "{}: differs\n{}",
                        snap.display(),
                        diff(&expected, &actual)
                    )),
                    Err(_) => problems.push(format!("{}: no snapshot", snap.display())),
                }
            }
        }
        let mut expected_files = Vec::new();
        collect(&snap_dir, &snap_dir, &mut expected_files);
        for rel in expected_files {
            if !got.contains(&format!("out/{campaign}/{rel}")) {
                problems.push(format!(
                    "{campaign}/{rel}: in the snapshots but no longer produced"
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{}\n(run UPDATE_SNAPSHOTS=1 cargo test snapshots, then review the diff)",
        problems.join("\n")
    );
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(root, &p, out);
        } else {
            out.push(
                p.strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/"),
            );
        }
    }
}

/// The first differing line, enough to see what changed.
fn diff(expected: &str, actual: &str) -> String {
    for (i, (e, a)) in expected.lines().zip(actual.lines()).enumerate() {
        if e != a {
            return format!("  line {}:\n  - {e}\n  + {a}", i + 1);
        }
    }
    format!(
        "  lengths differ: {} vs {} lines",
        expected.lines().count(),
        actual.lines().count()
    )
}

#[test]
fn shipped_campaigns_carry_every_shipped_template_language() {
    let mut templates: Vec<String> = std::fs::read_dir(repo().join("templates"))
        .unwrap()
        .filter_map(|e| {
            let name = e.ok()?.file_name().to_str()?.to_string();
            Some(
                name.strip_prefix("letter.")?
                    .strip_suffix(".txt")?
                    .to_string(),
            )
        })
        .collect();
    templates.sort();
    for campaign in shipped_campaigns() {
        let mut langs = declared_languages(&campaign);
        langs.sort();
        assert_eq!(
            langs, templates,
            "{campaign}: a supporter may write in any shipped language"
        );
    }
}

/// The action sheet of every shipped campaign in every language it declares, as Markdown: the
/// snapshots are `tests/snapshots/sheets/<campaign>.<lang>.md`, for a translator to review.
#[test]
fn shipped_sheets_render_as_reviewed() {
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
    let snap_dir = repo().join("tests/snapshots/sheets");
    let mut problems = Vec::new();
    for campaign in shipped_campaigns() {
        for lang in declared_languages(&campaign) {
            let run = Test::shipped()
                .args([
                    "sheet",
                    &format!("campaigns/{campaign}.yaml"),
                    "--lang",
                    &lang,
                ])
                .run()
                .no_panic()
                .status(0);
            let snap = snap_dir.join(format!("{campaign}.{lang}.md"));
            if update {
                std::fs::create_dir_all(&snap_dir).unwrap();
                std::fs::write(&snap, &run.stdout).unwrap();
                continue;
            }
            match std::fs::read_to_string(&snap) {
                Ok(expected) if expected == run.stdout => {}
                Ok(expected) => problems.push(format!(
                    "{}: differs\n{}",
                    snap.display(),
                    diff(&expected, &run.stdout)
                )),
                Err(_) => problems.push(format!("{}: no snapshot", snap.display())),
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{}\n(run UPDATE_SNAPSHOTS=1 cargo test snapshots, then review the diff)",
        problems.join("\n")
    );
}
