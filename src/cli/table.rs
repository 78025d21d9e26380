//! `iconc table [PATHS...] [--format term|json|md]`: checks every `.icon` file
//! under the given paths (default `methods/`) and prints the I-Con periodic
//! table they fill (see `crate::table`).
//!
//! Exit codes: 0 when every file checked (methods that cannot be placed are
//! listed, not errors), 1 when some file has errors (the table still shows the
//! others), 2 when a path cannot be read.

use crate::check::{self, FsLoader, Report};
use crate::diag::render::human;
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

/// Runs `iconc table`; returns the exit code.
pub(crate) fn run(args: Args) -> i32 {
    let files = match find_icon_files(&args.paths) {
        Ok(files) => files,
        Err(msg) => {
            eprintln!("error: {msg}");
            return 2;
        }
    };
    let mut table = Table::new();
    let mut failed = 0usize;
    for file in &files {
        let shown = file.display().to_string();
        match check_file(file) {
            Ok(method) => table.add(&shown, &method),
            Err(reports) => {
                failed += 1;
                report(&reports);
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
        1
    } else {
        0
    }
}

/// Whether to colour the terminal grid.
fn use_color(choice: Color) -> bool {
    match choice {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    }
}

/// Every `.icon` file named by `paths`: files as given, directories searched
/// recursively, each directory's files in sorted order. A file named twice
/// (e.g. `methods methods/simclr.icon`) is kept once, where first found.
fn find_icon_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, &mut out)?;
        } else if path.is_file() {
            out.push(path.clone());
        } else {
            return Err(format!("no such file or directory: {}", path.display()));
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|p| seen.insert(std::fs::canonicalize(p).unwrap_or_else(|_| p.clone())));
    Ok(out)
}

/// Appends the `.icon` files under `dir` (sorted, recursive).
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "icon") {
            out.push(path);
        }
    }
    Ok(())
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

/// Prints a file's error reports on stderr with the human renderer.
fn report(reports: &[Report]) {
    let errors: Vec<Report> = reports
        .iter()
        .filter(|r| r.diagnostic.is_error())
        .cloned()
        .collect();
    eprint!(
        "{}",
        human::render(&errors, super::check::human_options(false))
    );
}
