//! The one diagnostic model every stage reports into (STYLE §2).
//!
//! Stages build [`Diagnostic`] values (data, not formatted strings); the
//! renderers in `render` turn them into miette's graphical output or JSON,
//! and the LSP converts the same values.

use crate::ast::Span;
use serde::Serialize;

pub mod codes;
pub mod render;

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
    pub code: &'static str,
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
        code: &'static str,
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
        code: &'static str,
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
    pub fn bare(code: &'static str, message: impl Into<String>) -> Self {
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
}
