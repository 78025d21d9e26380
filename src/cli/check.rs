//! `iconc check FILE|DIR... [--format human|json]`: exit 0 when clean
//! (warnings allowed), 1 on errors, 2 when a file cannot be read.

use crate::check::{self, FsLoader};
use crate::diag::Report;
use crate::diag::render::{human, json};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// miette's graphical report.
    Human,
    /// One JSON document (stable schema).
    Json,
}

/// Arguments of `iconc check`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// `.icon` files, or directories (every `*.icon` in them, sorted).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// No colour in human output.
    #[arg(long)]
    no_color: bool,
}

/// Human options for stderr (colour only on a terminal, honouring NO_COLOR).
pub(crate) fn human_options(no_color: bool) -> human::HumanOptions {
    let color =
        !no_color && std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal();
    human::HumanOptions { color, width: 100 }
}

/// Checks every file; returns all reports and whether any file was unreadable.
pub(crate) fn check_all(paths: &[PathBuf]) -> (Vec<Report>, bool, usize) {
    let mut reports = vec![];
    let files = match crate::files::icon_files(paths) {
        Ok(files) => files,
        Err(e) => {
            // A folder that cannot be listed: one E0218, like an unreadable file.
            return (
                vec![check::unreadable(Path::new(""), e.to_string())],
                true,
                0,
            );
        }
    };
    let mut io_error = false;
    for file in &files {
        let checked = check::check_path(Path::new(file), &FsLoader);
        io_error |= checked.reports.iter().any(check::is_io_error);
        reports.extend(checked.reports);
    }
    (reports, io_error, files.len())
}

/// Runs `iconc check`; returns the exit code.
pub(crate) fn run(args: Args) -> i32 {
    let (reports, io_error, count) = check_all(&args.paths);
    match args.format {
        Format::Json => outln!("{}", json::render(&reports)),
        Format::Human => {
            eprint!("{}", human::render(&reports, human_options(args.no_color)));
            if reports.is_empty() {
                eprintln!("ok: {count} file(s) checked");
            }
        }
    }
    if io_error {
        2
    } else if reports.iter().any(|r| r.diagnostic.is_error()) {
        1
    } else {
        0
    }
}
