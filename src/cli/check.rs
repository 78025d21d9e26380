//! `iconc check FILE|DIR... [--format human|json]`: exit 0 when clean
//! (warnings allowed), 1 on errors, 2 when a file cannot be read.

use super::outcome::{self, Outcome};
use crate::check::{self, FsLoader};
use crate::diag::render::json;
use crate::diag::Report;
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
    /// `.icon` files, or directories (every `*.icon` under them, sorted).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
}

/// Checks every file; returns all reports and the number of files.
pub(crate) fn check_all(paths: &[PathBuf]) -> (Vec<Report>, usize) {
    let files = match crate::files::icon_files(paths) {
        Ok(files) => files,
        // A folder that cannot be listed: one E0218, like an unreadable file.
        Err(e) => return (vec![check::unreadable(Path::new(""), e.to_string())], 0),
    };
    let reports = files
        .iter()
        .flat_map(|file| check::check_path(file, &FsLoader).reports)
        .collect();
    (reports, files.len())
}

/// Runs `iconc check`.
pub(crate) fn run(args: Args) -> Outcome {
    let (reports, count) = check_all(&args.paths);
    match args.format {
        // JSON goes to stdout whatever it holds; the exit policy is the same.
        Format::Json => {
            outln!("{}", json::render(&reports));
            Ok(crate::diag::finish(&reports))
        }
        Format::Human => {
            let clean = reports.is_empty();
            outcome::stop_on_errors(reports)?;
            if clean {
                eprintln!("ok: {count} file(s) checked");
            }
            Ok(0)
        }
    }
}
