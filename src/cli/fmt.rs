//! `iconc fmt [--check] FILE|DIR...`: format `.icon` files in place.
//!
//! Exit codes: 0 all formatted (or, with `--check`, nothing to change);
//! 1 a file has syntax errors or (`--check`) would change; 2 I/O errors.

use std::path::{Path, PathBuf};

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
enum Outcome {
    Unchanged,
    Changed,
    SyntaxErrors,
    IoError,
}

/// Runs `iconc fmt`; returns the exit code.
pub(crate) fn run(args: Args) -> i32 {
    // A missing file is reported when it is read, below.
    let (files, mut io_error) = match crate::files::icon_files(&args.paths) {
        Ok(files) => (files, false),
        Err(e) => {
            eprintln!("error: {e}");
            (Vec::new(), true)
        }
    };
    let mut user_error = false;
    for file in &files {
        match format_file(file, args.check) {
            Outcome::Unchanged => {}
            Outcome::Changed if args.check => {
                outln!("would reformat {}", file.display());
                user_error = true;
            }
            Outcome::Changed => outln!("reformatted {}", file.display()),
            Outcome::SyntaxErrors => user_error = true,
            Outcome::IoError => io_error = true,
        }
    }
    if io_error {
        2
    } else if user_error {
        1
    } else {
        0
    }
}

fn format_file(path: &Path, check: bool) -> Outcome {
    let text = match crate::files::read_text(path, crate::files::MAX_SOURCE_BYTES) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", path.display());
            return Outcome::IoError;
        }
    };
    let name = path.display().to_string();
    let formatted = match crate::fmt::format(&crate::Source::new(name.clone(), text.clone())) {
        Ok(f) => f,
        Err(diags) => {
            let source = std::sync::Arc::new(crate::Source::new(name.clone(), text.clone()));
            let reports: Vec<crate::diag::Report> = diags
                .into_iter()
                .map(|diagnostic| crate::diag::Report {
                    source: source.clone(),
                    diagnostic,
                })
                .collect();
            eprint!(
                "{}",
                crate::diag::render::human::render(&reports, super::check::human_options(false))
            );
            eprintln!("{name}: not formatted (syntax errors)");
            return Outcome::SyntaxErrors;
        }
    };
    if formatted == text {
        return Outcome::Unchanged;
    }
    if check {
        return Outcome::Changed;
    }
    match write_atomically(path, &formatted) {
        Ok(()) => Outcome::Changed,
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", path.display());
            Outcome::IoError
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
