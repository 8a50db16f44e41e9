//! The `appeal` command line: parse, call the library, report. One file per subcommand in `cmd/`.

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

mod cmd;

/// jemalloc rather than the system's malloc: Cargo.toml says why.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Turn an urgent action into appeal letters to the officials deciding a person's fate.
#[derive(Parser)]
#[command(name = "appeal", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    New(cmd::new::Args),
    Letters(Box<cmd::letters::Args>),
    Check(cmd::check::Args),
    Queue(Box<cmd::queue::Args>),
    Send(cmd::send::Args),
    Outbox(cmd::outbox::Args),
    Sheet(Box<cmd::sheet::Args>),
    Deadlines(cmd::deadlines::Args),
    Serve(cmd::serve::Args),
    Schema(cmd::schema::Args),
    Guide(cmd::guide::Args),
    Completions(cmd::docs::CompletionsArgs),
    Man(cmd::docs::ManArgs),
}

fn main() -> ExitCode {
    quiet_on_a_closed_pipe();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::New(args) => cmd::new::run(args),
        Command::Letters(args) => cmd::letters::run(*args),
        Command::Check(args) => cmd::check::run(args),
        Command::Queue(args) => cmd::queue::run(*args),
        Command::Send(args) => cmd::send::run(args),
        Command::Outbox(args) => cmd::outbox::run(args),
        Command::Sheet(args) => cmd::sheet::run(*args),
        Command::Deadlines(args) => cmd::deadlines::run(args),
        Command::Serve(args) => cmd::serve::run(args),
        Command::Schema(args) => cmd::schema::run(args),
        Command::Guide(args) => cmd::guide::run(args),
        // Generated from the definition above, so they are handed the whole command line.
        Command::Completions(args) => cmd::docs::completions(args, Cli::command()),
        Command::Man(args) => cmd::docs::man(args, Cli::command()),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            // Invalid input prints one line per problem; other errors their whole cause chain.
            eprintln!("{}", cmd::error_text(&e));
            ExitCode::from(cmd::EXIT_FAILED)
        }
    }
}

/// A reader that stops reading (`appeal outbox | head`) closes the pipe, and the next line
/// printed fails: Rust's `println!` panics there. That is no fault to report with a backtrace:
/// the command stops at once with status 1 (its output was not all taken) and no message, as a
/// program killed by SIGPIPE would (the outbox and the output folder are safe to stop anywhere).
fn quiet_on_a_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let text = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if text.starts_with("failed printing to std") && text.contains("Broken pipe") {
            std::process::exit(i32::from(cmd::EXIT_FAILED));
        }
        default(info);
    }));
}
