//! The one diagnostic model every stage reports into (STYLE §2).
//!
//! Stages build [`Diagnostic`] values (data, not formatted strings); the
//! renderers in `render` turn them into miette's graphical output or JSON,
//! and the LSP converts the same values.

use crate::ast::Span;
use serde::Serialize;
use std::sync::Arc;

pub mod codes;
pub mod render;

pub use codes::{Code, Exit};

/// A source file handed to the front end.
#[derive(Debug, Clone)]
pub struct Source {
    /// Display name (usually the path as given).
    pub name: String,
    /// Full text.
    pub text: String,
}

impl Source {
    /// A source from a name and its text.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        Source {
            name: name.into(),
            text: text.into(),
        }
    }
}

/// Error or warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Stops the pipeline; exit 1.
    Error,
    /// Reported; does not stop.
    Warning,
}

/// A labelled span.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What is there ("unknown kernel", "first defined here").
    pub message: String,
    /// The primary label (exactly one per diagnostic that has a span).
    pub primary: bool,
}

/// One diagnostic: stable code, severity, short lowercase message, labels, help.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    /// Stable code, e.g. `E0201` (see [`codes`]).
    pub code: Code,
    /// Error or warning.
    pub severity: Severity,
    /// Short, lowercase, no final period.
    pub message: String,
    /// Labelled spans in the file of the diagnostic.
    pub labels: Vec<Label>,
    /// What to do about it.
    pub help: Option<String>,
    /// The file the spans point into, when not the file being checked
    /// (e.g. an error inside a `use`d file).
    pub file: Option<String>,
}

impl Diagnostic {
    /// An error with a primary label.
    pub fn error(
        code: Code,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            labels: vec![Label {
                span,
                message: label.into(),
                primary: true,
            }],
            help: None,
            file: None,
        }
    }
    /// A warning with a primary label.
    pub fn warning(
        code: Code,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message, span, label)
        }
    }
    /// An error with no span (I/O, runtime).
    pub fn bare(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            labels: vec![],
            help: None,
            file: None,
        }
    }
    /// Adds help text.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    /// Adds a secondary label.
    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
            primary: false,
        });
        self
    }
    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
    /// How this diagnostic ends the process when it is an error. A
    /// diagnostic that points into a method file blames the method (a `use`
    /// of a missing file is the method's fault, an unreadable root file is
    /// not), so only span-less ones take their code's I/O class.
    pub fn exit(&self) -> Exit {
        match self.code.info().exit {
            Exit::Io if !self.labels.is_empty() => Exit::Method,
            class => class,
        }
    }
}

/// One diagnostic and the file its spans point into.
#[derive(Debug, Clone)]
pub struct Report {
    /// The file (root or a `use`d one).
    pub source: Arc<Source>,
    /// The diagnostic.
    pub diagnostic: Diagnostic,
}

impl Report {
    /// A diagnostic about `source`.
    pub fn new(source: Arc<Source>, diagnostic: Diagnostic) -> Self {
        Report { source, diagnostic }
    }
    /// A span-less diagnostic attributed to the file named `name`.
    pub fn bare(name: impl Into<String>, diagnostic: Diagnostic) -> Self {
        Report::new(Arc::new(Source::new(name, "")), diagnostic)
    }
}

/// The one exit policy of every subcommand: 0 when no report is an error,
/// else the most severe exit class among the errors (2 for the environment
/// or an iconc bug, 1 for the method).
pub fn finish(reports: &[Report]) -> i32 {
    reports
        .iter()
        .filter(|r| r.diagnostic.is_error())
        .map(|r| r.diagnostic.exit())
        .max()
        .map_or(0, Exit::status)
}
