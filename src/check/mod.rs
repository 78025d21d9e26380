//! The check stage: AST → typed IR ([`crate::ir::Method`]) plus diagnostics.
//!
//! It resolves `use`, looks every name up in the one signature table
//! ([`signatures`]), binds and range-checks arguments, follows keys from the
//! data through the mapper pipelines into p and q, and applies the rules
//! that need both kernels (layout, self-pair support, normalization).
//! It reports every independent problem and never panics on user input.

use crate::diag::Code;
mod args;
mod data;
mod kernels;
mod keys;
mod mappers;
mod method;
mod resolve;
pub mod signatures;
mod sink;
pub mod suggest;
mod train;

pub(crate) use mappers::DATA_KEYS;

use crate::ast::Program;
use crate::diag::{Diagnostic, Report, Source};
use crate::ir;
use std::io;
use std::path::Path;
use std::sync::Arc;

/// The result of checking one file.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The method, when there were no errors (warnings allowed).
    pub method: Option<ir::Method>,
    /// Everything found, in the order found.
    pub reports: Vec<Report>,
}

impl Checked {
    /// True when any report is an error.
    pub fn has_errors(&self) -> bool {
        self.reports.iter().any(|r| r.diagnostic.is_error())
    }
}

/// Reads the files named by `use` (and, for [`check_path`], the root file).
pub trait Loader {
    /// The text of the file at `path`.
    fn load(&self, path: &Path) -> io::Result<String>;
}

/// A [`Loader`] over the real file system.
#[derive(Debug, Clone, Copy, Default)]
pub struct FsLoader;

impl Loader for FsLoader {
    fn load(&self, path: &Path) -> io::Result<String> {
        crate::files::read_text(path, crate::files::MAX_SOURCE_BYTES)
    }
}

/// Parses `source` with the syntax stage.
fn parse(source: &Source) -> (Program, Vec<Diagnostic>) {
    let parsed = crate::syntax::parse(source);
    (parsed.program, parsed.diagnostics)
}

/// Checks a source whose name is its path (`use` is resolved relative to it).
pub fn check_source(source: Source, loader: &dyn Loader) -> Checked {
    let mut sink = sink::Sink::default();
    let mut programs = resolve::Programs::default();
    let root = resolve::load_root(&mut sink, &mut programs, source, loader);
    sink.quiet_missing = sink.has_errors();
    let stmts = programs.statements(&mut sink, root);
    let method = method::check_method(&mut sink, &stmts);
    let method = if sink.has_errors() { None } else { method };
    let mut reports = sink.reports;
    // Report in reading order: by file (root first), then by primary span.
    let files = sink.files;
    reports.sort_by_key(|r| {
        let file = files
            .iter()
            .position(|f| Arc::ptr_eq(f, &r.source))
            .unwrap_or(usize::MAX);
        let start = r
            .diagnostic
            .labels
            .iter()
            .find(|l| l.primary)
            .map_or(0, |l| l.span.start);
        (file, start)
    });
    Checked { method, reports }
}

/// Loads and checks the file at `path`. A file that cannot be read gives a
/// single `file_not_found` report (the CLI exits 2 on it).
pub fn check_path(path: &Path, loader: &dyn Loader) -> Checked {
    match loader.load(path) {
        Ok(text) => check_source(Source::new(path.display().to_string(), text), loader),
        Err(e) => Checked {
            method: None,
            reports: vec![unreadable(
                path,
                format!("cannot read {}: {e}", path.display()),
            )],
        },
    }
}

/// The `file_not_found` report of a file or folder that cannot be read.
pub fn unreadable(path: &Path, message: String) -> Report {
    Report {
        source: Arc::new(Source::new(path.display().to_string(), "")),
        diagnostic: Diagnostic::bare(Code::FileNotFound, message).with_help("check the path"),
    }
}

/// Loads a method for `run`/`inspect`: the IR and its warnings, or every report when there are errors.
pub fn load_method(path: &Path) -> Result<(ir::Method, Vec<Report>), Vec<Report>> {
    let checked = check_path(path, &FsLoader);
    match checked.method {
        Some(m) => Ok((m, checked.reports)),
        None => Err(checked.reports),
    }
}

/// The `.icon` files under the directory `dir`, recursively and sorted (the
/// walker every subcommand shares, [`crate::files::icon_files`]).
pub fn icon_files(dir: &Path) -> io::Result<Vec<std::path::PathBuf>> {
    if !dir.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("{} is not a directory", dir.display()),
        ));
    }
    crate::files::icon_files(&[dir.to_path_buf()])
}
