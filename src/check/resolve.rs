//! `use` resolution: loads the root file and every file it `use`s (paths
//! relative to the using file), parses them, and flattens their statements
//! into one table where later statements override imported ones. Missing
//! files, cyclic `use` and duplicate targets within one file are reported.

use super::codes as c;
use super::sink::{FileId, Sink};
use super::Loader;
use crate::ast::{Item, ItemKind, Program, Span};
use crate::diag::{Diagnostic, Source};
use std::path::{Component, Path, PathBuf};

/// One effective statement: its target name, where it lives, what it says.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stmt<'a> {
    /// `data`, `p`, `embedding`, `method`, …
    pub target: &'a str,
    /// Span of the target name.
    pub target_span: Span,
    /// The file.
    pub file: FileId,
    /// The statement.
    pub item: &'a Item,
}

/// Every parsed file, indexed like [`Sink::files`].
#[derive(Debug, Default)]
pub(crate) struct Programs {
    programs: Vec<Option<Program>>,
    /// The `use`d files of each file: (path span, file id).
    uses: Vec<Vec<FileId>>,
}

/// Parses `source` (and, recursively, what it `use`s) into `sink`/`programs`.
pub(crate) fn load_root(
    sink: &mut Sink,
    programs: &mut Programs,
    source: Source,
    loader: &dyn Loader,
) -> FileId {
    let path = PathBuf::from(&source.name);
    let mut stack = vec![normalize(&path)];
    load_file(sink, programs, source, &path, loader, &mut stack)
}

fn load_file(
    sink: &mut Sink,
    programs: &mut Programs,
    source: Source,
    path: &Path,
    loader: &dyn Loader,
    stack: &mut Vec<PathBuf>,
) -> FileId {
    let (program, diagnostics) = super::parse(&source);
    let file = sink.add_file(source);
    for d in diagnostics {
        sink.emit(file, d);
    }
    programs.programs.push(None);
    programs.uses.push(vec![]);
    let mut used = vec![];
    let mut seen_other = false;
    for item in &program.items {
        let ItemKind::Use { path: lit } = &item.kind else {
            seen_other = true;
            continue;
        };
        if seen_other {
            let d = Diagnostic::error(
                c::USE_NOT_FIRST,
                "`use` after other statements",
                item.span,
                "move this to the top",
            )
            .with_help(
                "`use` statements come first, so that later statements override what they import",
            );
            sink.emit(file, d);
        }
        let target = normalize(&path.parent().unwrap_or(Path::new("")).join(&lit.value));
        if stack.contains(&target) {
            let d = Diagnostic::error(
                c::CYCLIC_USE,
                format!("cyclic `use` of \"{}\"", lit.value),
                lit.span,
                "this file is already being imported",
            )
            .with_help(format!("the chain is: {}", chain(stack, &target)));
            sink.emit(file, d);
            continue;
        }
        match loader.load(&target) {
            Ok(text) => {
                stack.push(target.clone());
                let source = Source::new(target.display().to_string(), text);
                let id = load_file(sink, programs, source, &target, loader, stack);
                stack.pop();
                used.push(id);
            }
            Err(e) => {
                let d = Diagnostic::error(
                    c::FILE_NOT_FOUND,
                    format!("cannot read \"{}\"", lit.value),
                    lit.span,
                    e.to_string(),
                )
                .with_help(format!(
                    "the path is relative to this file; looked for {}",
                    target.display()
                ));
                sink.emit(file, d);
            }
        }
    }
    if let Some(slot) = programs.programs.get_mut(file) {
        *slot = Some(program);
    }
    if let Some(slot) = programs.uses.get_mut(file) {
        *slot = used;
    }
    file
}

fn chain(stack: &[PathBuf], target: &Path) -> String {
    let start = stack.iter().position(|p| p == target).unwrap_or(0);
    let mut names: Vec<String> = stack
        .iter()
        .skip(start)
        .map(|p| p.display().to_string())
        .collect();
    names.push(target.display().to_string());
    names.join(" → ")
}

/// Lexical normalization (no file system access): drops `.`, folds `..`.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for comp in path.components() {
        match comp {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

impl Programs {
    /// The effective statements of `file`: imported ones first, overridden
    /// in place by later ones. Reports duplicates within one file.
    pub(crate) fn statements(&self, sink: &mut Sink, file: FileId) -> Vec<Stmt<'_>> {
        let mut out: Vec<Stmt<'_>> = vec![];
        for &used in self.uses.get(file).map(Vec::as_slice).unwrap_or(&[]) {
            for stmt in self.statements(sink, used) {
                put(&mut out, stmt);
            }
        }
        let Some(Some(program)) = self.programs.get(file) else {
            return out;
        };
        let mut own: Vec<Stmt<'_>> = vec![];
        for item in &program.items {
            let (target, target_span) = match &item.kind {
                ItemKind::Meta { key, .. } => (key.name.as_str(), key.span),
                ItemKind::Assign { target, .. } => (target.name.as_str(), target.span),
                ItemKind::Use { .. } => continue,
            };
            if let Some(first) = own.iter().find(|s| s.target == target) {
                let d = Diagnostic::error(
                    c::DUPLICATE_DEFINITION,
                    format!("`{target}` is defined twice"),
                    target_span,
                    "defined again here",
                )
                .with_label(first.target_span, "first defined here")
                .with_help(format!("remove one of the two `{target}` statements"));
                sink.emit(file, d);
                continue;
            }
            own.push(Stmt {
                target,
                target_span,
                file,
                item,
            });
        }
        for stmt in own {
            put(&mut out, stmt);
        }
        out
    }
}

fn put<'a>(out: &mut Vec<Stmt<'a>>, stmt: Stmt<'a>) {
    match out.iter_mut().find(|s| s.target == stmt.target) {
        Some(slot) => *slot = stmt,
        None => out.push(stmt),
    }
}
