//! `appeal completions` and `appeal man`: shell completions and man pages, generated from the
//! command line's own definition so they never drift from the flags `appeal` really takes.

use std::io::Write;
use std::path::{Path, PathBuf};
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

/// Print the man page (roff), or write a page per command into a folder.
///
/// Without --out, prints the page of `appeal` itself: `appeal man | man -l -`. With --out DIR,
/// writes appeal.1 and a page per subcommand (appeal-letters.1, appeal-outbox-resolve.1, ...)
/// into DIR, e.g. `appeal man --out ~/.local/share/man/man1`, and prints each path.
#[derive(clap::Args)]
pub struct ManArgs {
    /// Write every page into this folder (created if missing); pages already there are replaced.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

/// Prints the man page of `cli` (the whole `appeal` command line), or writes one per command.
pub fn man(args: ManArgs, cli: clap::Command) -> anyhow::Result<ExitCode> {
    // `appeal help` has no page of its own: without this, the pages would list it.
    let mut cli = cli.disable_help_subcommand(true);
    // Gives each subcommand its full name (`appeal-outbox-resolve`), which names its page.
    cli.build();
    // Every page's footer names appeal and its version (a subcommand's would name only itself).
    let source = format!("appeal {}", cli.get_version().unwrap_or_default());
    let page = |command| clap_mangen::Man::new(command).source(source.clone());
    let Some(dir) = args.out else {
        print_bytes(&render(&page(cli))?)?;
        return Ok(ExitCode::SUCCESS);
    };
    if dir.exists() && !dir.is_dir() {
        anyhow::bail!(
            "{}: is a file, not a folder (hint: pass --out a folder, e.g. ~/.local/share/man/man1)",
            dir.display()
        );
    }
    std::fs::create_dir_all(&dir).map_err(|e| {
        anyhow::anyhow!(
            "{}: cannot create the folder: {e} (hint: pass --out a folder you can write to, e.g. ~/.local/share/man/man1)",
            dir.display()
        )
    })?;
    let mut commands = Vec::new();
    with_subcommands(cli, &mut commands);
    let mut stdout = std::io::stdout().lock();
    let mut listing = true;
    for command in commands {
        let page = page(command);
        let path = dir.join(page.get_filename());
        let note = write_page(&path, &render(&page)?)?;
        // A reader that stops reading (`| head`) ends the list, not the pages: every page is
        // still written.
        listing = listing && writeln!(stdout, "{}{note}", path.display()).is_ok();
    }
    Ok(ExitCode::SUCCESS)
}

/// `command` and every subcommand under it, parents first.
fn with_subcommands(command: clap::Command, all: &mut Vec<clap::Command>) {
    let subcommands: Vec<clap::Command> = command.get_subcommands().cloned().collect();
    all.push(command);
    for sub in subcommands {
        with_subcommands(sub, all);
    }
}

/// A man page as roff.
fn render(page: &clap_mangen::Man) -> anyhow::Result<Vec<u8>> {
    let mut roff = Vec::new();
    page.render(&mut roff)?;
    Ok(roff)
}

/// Writes a page, replacing one already there, and returns what to print after its path:
/// ` (replaced)` or ` (unchanged)` for a page that was there, so no file changes without a word.
fn write_page(path: &Path, page: &[u8]) -> anyhow::Result<&'static str> {
    let note = match std::fs::read(path) {
        Ok(old) if old == page => return Ok(" (unchanged)"),
        Ok(_) => " (replaced)",
        Err(_) => "",
    };
    std::fs::write(path, page).map_err(|e| {
        anyhow::anyhow!(
            "{}: cannot write: {e} (hint: check that it is a file you may replace, or pass another --out)",
            path.display()
        )
    })?;
    Ok(note)
}

/// Writes `bytes` to standard output, an error naming it if that fails.
fn print_bytes(bytes: &[u8]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        // The reader stopped reading (`appeal man | head`): quietly, as for every command.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            std::process::exit(i32::from(super::EXIT_FAILED))
        }
        other => other.map_err(|e| anyhow::anyhow!("cannot write to standard output: {e}")),
    }
}
