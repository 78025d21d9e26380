//! Where the checker's diagnostics go: one list of [`Report`]s, each tied to
//! the file its spans point into (the root file or a `use`d one).

use super::Report;
use crate::ast::Span;
use crate::diag::{Diagnostic, Source};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// Index of a file in [`Sink::files`]; 0 is the file being checked.
pub(crate) type FileId = usize;

/// A span in a given file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct At {
    /// The file.
    pub file: FileId,
    /// The span in it.
    pub span: Span,
}

/// Collects reports; the checker never stops at the first error.
#[derive(Debug, Default)]
pub(crate) struct Sink {
    /// Every file loaded (root first).
    pub files: Vec<Arc<Source>>,
    /// What was found.
    pub reports: Vec<Report>,
    /// Set when parsing or `use` failed: a "missing statement" is then most
    /// likely the broken one, so it is not reported again.
    pub quiet_missing: bool,
}

impl Sink {
    /// Registers a file and returns its id.
    pub fn add_file(&mut self, source: Source) -> FileId {
        self.files.push(Arc::new(source));
        self.files.len() - 1
    }

    /// Records a diagnostic whose spans point into `file`.
    pub fn emit(&mut self, file: FileId, mut diagnostic: Diagnostic) {
        let Some(source) = self.files.get(file).cloned() else {
            return;
        };
        if file != 0 {
            diagnostic.file = Some(source.name.clone());
        }
        self.reports.push(Report { source, diagnostic });
    }

    /// True when any error (not warning) was recorded.
    pub fn has_errors(&self) -> bool {
        self.reports.iter().any(|r| r.diagnostic.is_error())
    }

    /// A path written in `file` (relative to that file), re-expressed
    /// relative to the root file, because the IR's paths are relative to the
    /// method file the runtime was given. Absolute paths stay as they are.
    pub fn rebase(&self, file: FileId, path: &str) -> String {
        let written = Path::new(path);
        if file == 0 || written.is_absolute() {
            return path.to_string();
        }
        let dir = |id: FileId| {
            self.files
                .get(id)
                .map(|f| {
                    Path::new(&f.name)
                        .parent()
                        .map(Path::to_path_buf)
                        .unwrap_or_default()
                })
                .unwrap_or_default()
        };
        let (root, used) = (dir(0), dir(file));
        if root.is_absolute() != used.is_absolute() {
            return used.join(written).display().to_string();
        }
        let (rc, uc): (Vec<Component<'_>>, Vec<Component<'_>>) =
            (root.components().collect(), used.components().collect());
        let common = rc.iter().zip(&uc).take_while(|(a, b)| a == b).count();
        let mut out = PathBuf::new();
        for _ in common..rc.len() {
            out.push("..");
        }
        for c in uc.iter().skip(common) {
            out.push(c);
        }
        out.join(written).display().to_string()
    }

    /// Number of errors so far (to tell whether a step added any).
    pub fn error_count(&self) -> usize {
        self.reports
            .iter()
            .filter(|r| r.diagnostic.is_error())
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::Sink;
    use crate::diag::Source;

    #[test]
    fn rebase_expresses_paths_relative_to_the_root_file() {
        let mut sink = Sink::default();
        sink.add_file(Source::new("a/b/m.icon", ""));
        sink.add_file(Source::new("a/c/base.icon", ""));
        sink.add_file(Source::new("a/b/lib/base.icon", ""));
        sink.add_file(Source::new("/abs/base.icon", ""));
        assert_eq!(sink.rebase(0, "e.txt"), "e.txt");
        assert_eq!(sink.rebase(1, "e.txt"), "../c/e.txt");
        assert_eq!(sink.rebase(2, "d/e.txt"), "lib/d/e.txt");
        assert_eq!(sink.rebase(3, "e.txt"), "/abs/e.txt");
        assert_eq!(sink.rebase(1, "/x/e.txt"), "/x/e.txt");
    }
}
