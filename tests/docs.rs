//! `appeal completions` and `appeal man`: generated from the command line itself, so they name
//! every subcommand and flag there is.

use crate::harness::Test;

/// Every subcommand a person can type.
const SUBCOMMANDS: [&str; 6] = ["letters", "check", "queue", "send", "outbox", "completions"];

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
