//! `appeal completions` and `appeal man`: shell completions and man pages, generated from the
//! command line's own definition so they never drift from the flags `appeal` really takes.

use std::io::Write;
use std::process::ExitCode;

use clap_complete::aot::{Shell, generate};

/// Print the completion script for a shell, generated from appeal's own flags.
///
/// Save it where the shell looks for completions, e.g.
/// `appeal completions bash > ~/.local/share/bash-completion/completions/appeal`,
/// `appeal completions zsh > ~/.zfunc/_appeal` (with `~/.zfunc` in `fpath`), or
/// `appeal completions fish > ~/.config/fish/completions/appeal.fish`.
#[derive(clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    shell: Shell,
}

/// Prints the completion script of `cli` (the whole `appeal` command line) for the shell asked.
pub fn completions(args: CompletionsArgs, mut cli: clap::Command) -> anyhow::Result<ExitCode> {
    // Into memory first: the generators panic when a write fails (say `| head` closed the pipe).
    let mut script = Vec::new();
    let name = cli.get_name().to_string();
    generate(args.shell, &mut cli, name, &mut script);
    print_bytes(&script)?;
    Ok(ExitCode::SUCCESS)
}

/// Writes `bytes` to standard output, an error naming it if that fails.
fn print_bytes(bytes: &[u8]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| anyhow::anyhow!("cannot write to standard output: {e}"))
}
