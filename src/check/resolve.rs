//! `use` resolution: loads the root file and every file it `use`s (paths
//! relative to the using file), parses them, and flattens their statements
//! into one table where later statements override imported ones. Missing
//! files, cyclic `use` and duplicate targets within one file are reported.

use super::sink::{FileId, Sink};
use super::Loader;
use crate::ast::{Item, ItemKind, Program, Span};
use crate::diag::Code;
use crate::diag::{Diagnostic, Source};
use std::collections::HashMap;
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
    /// Files already loaded, by normalized path: a file reached twice (a
    /// `use` diamond) is parsed once, so loading stays linear in the files.
    loaded: HashMap<PathBuf, FileId>,
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
    let root = crate::files::root::for_dir(path.parent().unwrap_or(Path::new("")));
    let ctx = Ctx {
        loader,
        root: &root,
    };
    let id = load_file(sink, programs, source, &path, &ctx, &mut stack);
    programs.loaded.insert(normalize(&path), id);
    id
}

/// What loading needs besides the tables: the file reader and the root
/// folder every `use`d file must lie in.
struct Ctx<'a> {
    loader: &'a dyn Loader,
    root: &'a Path,
}

fn load_file(
    sink: &mut Sink,
    programs: &mut Programs,
    source: Source,
    path: &Path,
    ctx: &Ctx<'_>,
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
                Code::UseNotFirst,
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
                Code::CyclicUse,
                format!("cyclic `use` of \"{}\"", lit.value),
                lit.span,
                "this file is already being imported",
            )
            .with_help(format!("the chain is: {}", chain(stack, &target)));
            sink.emit(file, d);
            continue;
        }
        if let Some(&id) = programs.loaded.get(&target) {
            used.push(id);
            continue;
        }
        if !crate::files::root::contains(ctx.root, &target) {
            // Never opened, so nothing of the file can be quoted.
            let d = Diagnostic::error(
                Code::PathOutsideRoot,
                format!("`use` of \"{}\" leaves the method's root", lit.value),
                lit.span,
                "outside the root folder",
            )
            .with_help(format!(
                "the root is `{}`; move the file inside it, put a `.iconc-root` marker in a folder above both, or pass `--root DIR`",
                crate::files::root::shown(ctx.root)
            ));
            sink.emit(file, d);
            continue;
        }
        match ctx.loader.load(&target) {
            Ok(text) => {
                stack.push(target.clone());
                let source = Source::new(target.display().to_string(), text);
                let id = load_file(sink, programs, source, &target, ctx, stack);
                stack.pop();
                programs.loaded.insert(target, id);
                used.push(id);
            }
            Err(e) => {
                let d = Diagnostic::error(
                    Code::FileNotFound,
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
        let mut memo = vec![None; self.programs.len()];
        self.statements_memo(sink, file, &mut memo)
    }

    /// [`Self::statements`], each file's computed once (a file `use`d along
    /// several paths is merged, and its duplicates reported, one time).
    fn statements_memo<'a>(
        &'a self,
        sink: &mut Sink,
        file: FileId,
        memo: &mut Vec<Option<Vec<Stmt<'a>>>>,
    ) -> Vec<Stmt<'a>> {
        if let Some(Some(done)) = memo.get(file) {
            return done.clone();
        }
        let mut out = Table::default();
        for &used in self.uses.get(file).map(Vec::as_slice).unwrap_or(&[]) {
            for stmt in self.statements_memo(sink, used, memo) {
                out.put(stmt);
            }
        }
        if let Some(Some(program)) = self.programs.get(file) {
            let mut own = Table::default();
            for item in &program.items {
                let (target, target_span) = match &item.kind {
                    ItemKind::Meta { key, .. } => (key.name.as_str(), key.span),
                    ItemKind::Assign { target, .. } => (target.name.as_str(), target.span),
                    ItemKind::Use { .. } => continue,
                };
                if let Some(first) = own.get(target) {
                    let d = Diagnostic::error(
                        Code::DuplicateDefinition,
                        format!("`{target}` is defined twice"),
                        target_span,
                        "defined again here",
                    )
                    .with_label(first.target_span, "first defined here")
                    .with_help(format!("remove one of the two `{target}` statements"));
                    sink.emit(file, d);
                    continue;
                }
                own.put(Stmt {
                    target,
                    target_span,
                    file,
                    item,
                });
            }
            for stmt in own.stmts {
                out.put(stmt);
            }
        }
        if let Some(slot) = memo.get_mut(file) {
            *slot = Some(out.stmts.clone());
        }
        out.stmts
    }
}

/// Statements in first-definition order with an index by target, so each
/// override is O(1) and checking stays linear in the statements.
#[derive(Default)]
struct Table<'a> {
    stmts: Vec<Stmt<'a>>,
    index: HashMap<&'a str, usize>,
}

impl<'a> Table<'a> {
    fn get(&self, target: &str) -> Option<&Stmt<'a>> {
        self.index.get(target).map(|&i| &self.stmts[i])
    }

    fn put(&mut self, stmt: Stmt<'a>) {
        match self.index.get(stmt.target) {
            Some(&i) => self.stmts[i] = stmt,
            None => {
                self.index.insert(stmt.target, self.stmts.len());
                self.stmts.push(stmt);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::collections::HashMap;

    /// Files in memory; counts how often each is read.
    struct Counting {
        files: HashMap<PathBuf, String>,
        reads: RefCell<HashMap<PathBuf, usize>>,
    }

    impl Loader for Counting {
        fn load(&self, path: &Path) -> std::io::Result<String> {
            *self
                .reads
                .borrow_mut()
                .entry(path.to_path_buf())
                .or_default() += 1;
            self.files
                .get(path)
                .cloned()
                .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))
        }
    }

    #[test]
    fn a_use_diamond_reads_each_file_once() {
        // f0 uses a0 and b0, both use f1, …, down to f30: 2^30 paths.
        let depth = 30;
        let mut files = HashMap::new();
        for k in 0..depth {
            let f = format!("use \"a{k}.icon\"\nuse \"b{k}.icon\"\n");
            files.insert(PathBuf::from(format!("f{k}.icon")), f);
            for side in ["a", "b"] {
                let u = format!(
                    "use \"f{}.icon\"\nx{k}{side} = Linear(out = 2) on x\n",
                    k + 1
                );
                files.insert(PathBuf::from(format!("{side}{k}.icon")), u);
            }
        }
        files.insert(
            PathBuf::from(format!("f{depth}.icon")),
            "method \"m\"\n".into(),
        );
        let loader = Counting {
            files,
            reads: RefCell::default(),
        };
        let mut sink = Sink::default();
        let mut programs = Programs::default();
        let root = Source::new("top.icon", "use \"f0.icon\"\n");
        let id = load_root(&mut sink, &mut programs, root, &loader);
        let stmts = programs.statements(&mut sink, id);
        assert!(loader.reads.borrow().values().all(|&n| n == 1));
        assert_eq!(loader.reads.borrow().len(), 3 * depth + 1);
        // Every key of both sides of every level, and `method`, once each.
        assert_eq!(stmts.len(), 2 * depth + 1);
        assert!(!sink.has_errors());
    }
}
