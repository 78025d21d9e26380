//! Where the checker's diagnostics go: one list of [`Report`]s, each tied to
//! the file its spans point into (the root file or a `use`d one).

use super::Report;
use crate::ast::Span;
use crate::diag::{Diagnostic, Source};
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

    /// Number of errors so far (to tell whether a step added any).
    pub fn error_count(&self) -> usize {
        self.reports.iter().filter(|r| r.diagnostic.is_error()).count()
    }
}
