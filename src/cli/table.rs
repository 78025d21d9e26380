//! `iconc table [PATHS...] [--format term|json|md]`: checks every `.icon` file
//! under the given paths (default `methods/`) and prints the I-Con periodic
//! table they fill (see `crate::table`).
//!
//! Exit codes: 0 when every file checked (methods that cannot be placed are
//! listed, not errors), 1 when some file has errors (the table still shows the
//! others), 2 when a path cannot be read.

use super::outcome::Outcome;
use crate::check::{self, FsLoader};
use crate::diag::Report;
use crate::ir::Method;
use crate::table::{render, Table};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Arguments of `iconc table`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// `.icon` files or directories searched recursively for them.
    #[arg(default_value = "methods")]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Term)]
    format: Format,
    /// Colour in the terminal grid (`auto`: when stdout is a terminal and
    /// `NO_COLOR` is unset).
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// A grid for the terminal (p families down, q families across).
    #[value(alias = "terminal")]
    Term,
    /// JSON: every cell with its paper status and methods.
    Json,
    /// A Markdown table in the paper's orientation.
    #[value(alias = "markdown")]
    Md,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Color {
    /// Colour when stdout is a terminal and `NO_COLOR` is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// Runs `iconc table`.
pub(crate) fn run(args: Args) -> Outcome {
    let files = find_icon_files(&args.paths)?;
    let mut table = Table::new();
    let mut errors = vec![];
    let mut failed = 0usize;
    for file in &files {
        match check_file(file) {
            Ok(method) => table.add(&file.display().to_string(), &method),
            Err(reports) => {
                failed += 1;
                // A file's warnings do not matter once it is left out.
                errors.extend(reports.into_iter().filter(|r| r.diagnostic.is_error()));
            }
        }
    }
    let text = match args.format {
        Format::Term => render::terminal(&table, use_color(args.color)),
        Format::Json => render::json(&table),
        Format::Md => render::markdown(&table),
    };
    out!("{text}");
    if args.format == Format::Json && !text.ends_with('\n') {
        outln!();
    }
    if failed > 0 {
        eprintln!(
            "error: {failed} of {} files have errors and are not in the table",
            files.len()
        );
        return Err(errors);
    }
    Ok(0)
}

/// Whether to colour the terminal grid.
fn use_color(choice: Color) -> bool {
    match choice {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    }
}

/// Every `.icon` file named by `paths` (the shared walker); a path that
/// does not exist is an error here, before the table is built.
fn find_icon_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Vec<Report>> {
    if let Some(missing) = paths.iter().find(|p| !p.exists()) {
        let message = format!("no such file or directory: {}", missing.display());
        return Err(vec![check::unreadable(missing, message)]);
    }
    crate::files::icon_files(paths)
        .map_err(|e| vec![check::unreadable(Path::new(""), e.to_string())])
}

/// Parses and checks one file (with its `use`s) into a method; on errors,
/// every report of the file.
fn check_file(path: &Path) -> Result<Method, Vec<Report>> {
    let checked = check::check_path(path, &FsLoader);
    match checked.method {
        Some(method) if !checked.has_errors() => Ok(method),
        _ => Err(checked.reports),
    }
}
