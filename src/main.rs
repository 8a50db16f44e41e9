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
