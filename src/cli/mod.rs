//! The command line: one file per subcommand. Exit codes: 0 clean,
//! 1 user errors (bad `.icon`, bad data, NaN in training), 2 usage/IO/internal.

use clap::{Parser, Subcommand};

/// `print!` to stdout without panicking (see [`stdout`]).
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::stdout::write(&format!($($arg)*)) };
}

/// `println!` to stdout without panicking (see [`stdout`]).
macro_rules! outln {
    () => { $crate::cli::stdout::write("\n") };
    ($($arg:tt)*) => { $crate::cli::stdout::write(&format!("{}\n", format_args!($($arg)*))) };
}

pub(crate) mod stdout;

mod bench;
mod check;
mod explain;
mod fmt;
mod inspect;
mod lsp;
mod outcome;
mod run;
mod show;
mod table;

/// iconc — state, check and train I-Con representation-learning methods.
#[derive(Debug, Parser)]
#[command(name = "iconc", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// The folder a method's files (`use`, data, graphs) must lie in
    /// (default: the nearest folder above the method with `.iconc-root` or
    /// `.git`, else the method's own folder).
    #[arg(long, global = true, value_name = "DIR")]
    root: Option<std::path::PathBuf>,
    /// No colour in diagnostics.
    #[arg(long, global = true)]
    no_color: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check `.icon` files (or directories of them) for errors.
    Check(check::Args),
    /// Format `.icon` files canonically.
    Fmt(fmt::Args),
    /// Explain a diagnostic code, e.g. `iconc explain E0201`.
    Explain(explain::Args),
    /// Show the resolved method as a method file with every default filled in.
    Show(show::Args),
    /// Train a method.
    Run(run::Args),
    /// Compute p, log q and the loss of a method on one given batch (.npz).
    Inspect(inspect::Args),
    /// Train a method for a few steps and report speed, memory and a per-phase time breakdown.
    Bench(bench::Args),
    /// Print the I-Con periodic table of the given methods.
    Table(table::Args),
    /// Run the language server on stdin/stdout (for editors).
    Lsp(lsp::Args),
}

/// Parses arguments, runs the subcommand and returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    if let Some(root) = &cli.root {
        crate::files::root::set_override(root);
    }
    outcome::set_no_color(cli.no_color);
    let outcome = match cli.command {
        Command::Check(a) => check::run(a),
        Command::Fmt(a) => fmt::run(a),
        Command::Explain(a) => explain::run(a),
        Command::Show(a) => show::run(a),
        Command::Run(a) => run::run(a),
        Command::Inspect(a) => inspect::run(a),
        Command::Bench(a) => bench::run(a),
        Command::Table(a) => table::run(a),
        Command::Lsp(a) => lsp::run(a),
    };
    stdout::exit_code(outcome::end(outcome))
}
