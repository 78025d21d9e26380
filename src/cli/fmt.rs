//! `iconc fmt [--check] FILE|DIR...`: format `.icon` files in place.
//!
//! Exit codes: 0 all formatted (or, with `--check`, nothing to change);
//! 1 a file has syntax errors or (`--check`) would change; 2 I/O errors.

use super::outcome::Outcome;
use crate::check;
use crate::diag::{Code, Diagnostic, Report, Source};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Arguments of `iconc fmt`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Do not write; list files whose formatting would change (exit 1 if any).
    #[arg(long)]
    check: bool,
    /// `.icon` files, or directories searched recursively for them.
    #[arg(required = true, value_name = "FILE|DIR")]
    paths: Vec<PathBuf>,
}

/// What happened to one file.
enum FileResult {
    Unchanged,
    Changed,
    /// Syntax errors, or the file could not be read or written.
    Failed(Vec<Report>),
}

/// Runs `iconc fmt`.
pub(crate) fn run(args: Args) -> Outcome {
    // A missing file is reported when it is read, below.
    let (files, mut reports) = match crate::files::icon_files(&args.paths) {
        Ok(files) => (files, vec![]),
        Err(e) => (
            vec![],
            vec![check::unreadable(Path::new(""), e.to_string())],
        ),
    };
    let mut would_change = false;
    for file in &files {
        match format_file(file, args.check) {
            FileResult::Unchanged => {}
            FileResult::Changed if args.check => {
                outln!("would reformat {}", file.display());
                would_change = true;
            }
            FileResult::Changed => outln!("reformatted {}", file.display()),
            FileResult::Failed(r) => reports.extend(r),
        }
    }
    if !reports.is_empty() {
        return Err(reports);
    }
    Ok(i32::from(would_change))
}

fn format_file(path: &Path, check: bool) -> FileResult {
    let name = path.display().to_string();
    let text = match crate::files::read_text(path, crate::files::MAX_SOURCE_BYTES) {
        Ok(t) => t,
        Err(e) => {
            return FileResult::Failed(vec![check::unreadable(
                path,
                format!("cannot read {name}: {e}"),
            )])
        }
    };
    let source = Source::new(name.clone(), text.clone());
    let formatted = match crate::fmt::format(&source) {
        Ok(f) => f,
        Err(diags) => {
            eprintln!("{name}: not formatted (syntax errors)");
            let source = Arc::new(source);
            let reports = diags
                .into_iter()
                .map(|d| Report::new(source.clone(), d))
                .collect();
            return FileResult::Failed(reports);
        }
    };
    if formatted == text {
        return FileResult::Unchanged;
    }
    if check {
        return FileResult::Changed;
    }
    match write_atomically(path, &formatted) {
        Ok(()) => FileResult::Changed,
        Err(e) => {
            let d = Diagnostic::bare(Code::OutputNotWritable, format!("cannot write {name}: {e}"));
            FileResult::Failed(vec![Report::bare(name, d)])
        }
    }
}

/// Writes a temporary file next to `path` and renames it over `path`, so a
/// crash never leaves a half-written file. A symlink is followed: the file
/// it points to is rewritten and the link stays a link.
fn write_atomically(path: &Path, contents: &str) -> std::io::Result<()> {
    let real = std::fs::canonicalize(path)?;
    let path = real.as_path();
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{file_name}.fmt-{}.tmp", std::process::id()));
    let result = (|| {
        std::fs::write(&tmp, contents)?;
        if let Ok(meta) = std::fs::metadata(path) {
            std::fs::set_permissions(&tmp, meta.permissions())?;
        }
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
