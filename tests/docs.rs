//! `appeal completions` and `appeal man`: generated from the command line itself, so they name
//! every subcommand and flag there is.

use crate::harness::Test;

/// Every subcommand a person can type.
const SUBCOMMANDS: [&str; 12] = [
    "new",
    "letters",
    "check",
    "queue",
    "send",
    "outbox",
    "sheet",
    "deadlines",
    "schema",
    "guide",
    "completions",
    "man",
];

#[test]
fn bash_completions_name_every_subcommand_and_their_flags() {
    let run = Test::new()
        .args(["completions", "bash"])
        .run()
        .no_panic()
        .status(0)
        .stdout_has("_appeal()")
        .stdout_has("--supporters")
        .stdout_has("--outbox");
    for name in SUBCOMMANDS {
        assert!(
            run.stdout.contains(&format!("appeal,{name})")),
            "no `{name}` in the bash completions:\n{}",
            run.stdout
        );
    }
}

#[cfg(unix)]
#[test]
fn bash_completes_a_subcommand_and_a_flag() {
    let run = Test::new().args(["completions", "bash"]).run().status(0);
    let script = run.test.path().join("appeal.bash");
    std::fs::write(&script, &run.stdout).unwrap();
    // What bash does on Tab: set COMP_WORDS and COMP_CWORD, call the function with the command,
    // the word being completed and the word before it; the candidates land in COMPREPLY.
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(
            r#"source "$1"
               COMP_WORDS=(appeal qu); COMP_CWORD=1; _appeal appeal qu appeal; echo "${COMPREPLY[*]}"
               COMP_WORDS=(appeal letters --supp); COMP_CWORD=2; _appeal appeal --supp letters; echo "${COMPREPLY[*]}""#,
        )
        .arg("bash")
        .arg(&script)
        .output()
        .expect("run bash");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "queue\n--supporters\n"
    );
}

#[test]
fn zsh_and_fish_completions_know_the_subcommands() {
    for (shell, start) in [("zsh", "#compdef appeal"), ("fish", "complete -c appeal")] {
        Test::new()
            .args(["completions", shell])
            .run()
            .no_panic()
            .status(0)
            .stdout_has(start)
            .stdout_has("queue")
            .stdout_has("supporters");
    }
}

#[test]
fn elvish_and_powershell_completions_are_printed() {
    for shell in ["elvish", "powershell"] {
        let run = Test::new().args(["completions", shell]).run().status(0);
        assert!(run.stdout.contains("queue"), "{shell}:\n{}", run.stdout);
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    Test::new()
        .args(["completions", "tcsh"])
        .run()
        .no_panic()
        .status(2)
        .stderr_has("invalid value 'tcsh' for '<SHELL>'")
        .stderr_has("[possible values: bash, elvish, fish, powershell, zsh]");
}

#[test]
fn man_prints_the_main_page_as_roff_listing_every_subcommand() {
    let run = Test::new()
        .args(["man"])
        .run()
        .no_panic()
        .status(0)
        .stdout_has(".SH NAME\nappeal \\- Turn an urgent action into appeal letters")
        .stdout_has(".SH SUBCOMMANDS");
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with(r#".TH appeal 1  "appeal "#)),
        "no `.TH appeal 1` title line:\n{}",
        run.stdout
    );
    for name in SUBCOMMANDS {
        assert!(
            run.stdout.contains(&format!("appeal\\-{name}(1)")),
            "no `{name}` in the man page:\n{}",
            run.stdout
        );
    }
    // `help` is a clap builtin with no page of its own.
    assert!(!run.stdout.contains("appeal\\-help"), "{}", run.stdout);
}

/// Every page `appeal man --out` writes, sorted.
const PAGES: [&str; 16] = [
    "appeal-check.1",
    "appeal-completions.1",
    "appeal-deadlines.1",
    "appeal-guide.1",
    "appeal-letters.1",
    "appeal-man.1",
    "appeal-new.1",
    "appeal-outbox-purge.1",
    "appeal-outbox-resolve.1",
    "appeal-outbox.1",
    "appeal-queue.1",
    "appeal-schema.1",
    "appeal-send.1",
    "appeal-serve.1",
    "appeal-sheet.1",
    "appeal.1",
];

#[test]
fn man_out_writes_a_page_per_command_and_names_each() {
    let run = Test::new()
        .args(["man", "--out", "share/man/man1"])
        .run()
        .no_panic()
        .status(0);
    let written: Vec<String> = PAGES
        .iter()
        .map(|p| format!("share/man/man1/{p}"))
        .collect();
    assert_eq!(run.test.files_under("share/man/man1"), written);
    for path in &written {
        assert!(
            run.stdout.lines().any(|l| l == path),
            "{path} not printed:\n{}",
            run.stdout
        );
    }
    let queue = run.test.read("share/man/man1/appeal-queue.1");
    assert!(queue.contains(".TH appeal-queue 1"), "{queue}");
    assert!(queue.contains(r"\fB\-\-supporters\fR"), "{queue}");
    // The nested subcommand's page, and the version in every footer.
    let resolve = run.test.read("share/man/man1/appeal-outbox-resolve.1");
    assert!(resolve.contains(r"\fB\-\-resend\fR"), "{resolve}");
    let footer = format!("\"appeal {}\"", env!("CARGO_PKG_VERSION"));
    assert!(resolve.contains(&footer), "{resolve}");
    // The page printed without --out is the appeal.1 written with it.
    let printed = Test::new().args(["man"]).run().status(0).stdout;
    assert_eq!(run.test.read("share/man/man1/appeal.1"), printed);
}

#[test]
fn man_out_says_which_pages_it_replaced() {
    let run = Test::new().args(["man", "--out", "man1"]).run().status(0);
    let test = run.test.file("man1/appeal-send.1", "an older page");
    let run = test
        .args(["man", "--out", "man1"])
        .run()
        .status(0)
        .stdout_has("man1/appeal-send.1 (replaced)\n")
        .stdout_has("man1/appeal.1 (unchanged)\n");
    assert!(
        run.test
            .read("man1/appeal-send.1")
            .contains(".TH appeal-send 1")
    );
}

#[test]
fn man_out_refuses_a_file_with_a_hint() {
    Test::new()
        .file("man1", "not a folder")
        .args(["man", "--out", "man1"])
        .run()
        .no_panic()
        .status(1)
        .stderr_has("man1: is a file, not a folder (hint: pass --out a folder");
}

#[test]
fn the_guide_prints_the_format_pages_the_hints_name() {
    let run = Test::new()
        .args(["guide", "campaign"])
        .run()
        .no_panic()
        .status(0);
    assert!(run.stdout.starts_with("# "), "{}", run.stdout);
    assert!(run.stdout.contains("deadline"), "{}", run.stdout);
    Test::new()
        .args(["guide"])
        .run()
        .status(0)
        .stdout_has("recipients")
        .stdout_has("settings");
}

#[test]
fn man_out_writes_every_page_when_its_reader_stops_reading() {
    let dir = tempfile::tempdir().unwrap();
    // `| head -0`: the pipe's reading end is closed before the command starts, so its first
    // path already meets a closed pipe.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = std::process::Command::new(crate::harness::BIN)
        .args(["man", "--out"])
        .arg(dir.path())
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let pages = std::fs::read_dir(dir.path()).unwrap().count();
    let expected = crate::harness::Test::shipped()
        .args(["man", "--out", "pages"])
        .run()
        .status(0)
        .stdout
        .lines()
        .count();
    assert_eq!(pages, expected, "every page is written");
}
