//! `--format json`: one JSON document with a stable schema (version 1).
//!
//! ```json
//! { "version": 1, "errors": 1, "warnings": 0,
//!   "diagnostics": [ { "file": "a.icon", "code": "E0201", "name": "unknown_kernel",
//!     "severity": "error", "message": "…", "range": {"start": 4, "end": 11},
//!     "start": {"line": 1, "column": 5}, "end": {"line": 1, "column": 12},
//!     "labels": [ { "message": "…", "primary": true, "range": …, "start": …, "end": … } ],
//!     "help": "…" } ] }
//! ```
//! `range`/`start`/`end` of a diagnostic are those of its primary label
//! (null when it has none). Lines and columns are 1-based; columns count characters.

use super::line_index::LineIndex;
use crate::diag::Report;
use crate::diag::Severity;
use serde::Serialize;
use std::sync::Arc;

/// The whole document.
#[derive(Debug, Serialize)]
pub struct Document {
    /// Schema version.
    pub version: u32,
    /// Number of errors.
    pub errors: usize,
    /// Number of warnings.
    pub warnings: usize,
    /// Every diagnostic.
    pub diagnostics: Vec<JsonDiagnostic>,
}

/// A byte range.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Range {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

/// A 1-based position.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Position {
    /// Line.
    pub line: usize,
    /// Column (characters).
    pub column: usize,
}

/// One label.
#[derive(Debug, Serialize)]
pub struct JsonLabel {
    /// Text.
    pub message: String,
    /// Primary or secondary.
    pub primary: bool,
    /// Bytes.
    pub range: Range,
    /// Start position.
    pub start: Position,
    /// End position.
    pub end: Position,
}

/// One diagnostic.
#[derive(Debug, Serialize)]
pub struct JsonDiagnostic {
    /// File the spans point into.
    pub file: String,
    /// `E0201`.
    pub code: String,
    /// `unknown_kernel`.
    pub name: String,
    /// Error or warning.
    pub severity: Severity,
    /// Short message.
    pub message: String,
    /// Primary range.
    pub range: Option<Range>,
    /// Primary start.
    pub start: Option<Position>,
    /// Primary end.
    pub end: Option<Position>,
    /// All labels.
    pub labels: Vec<JsonLabel>,
    /// Help text.
    pub help: Option<String>,
}

fn label(
    text: &str,
    index: &LineIndex,
    message: &str,
    primary: bool,
    start: usize,
    end: usize,
) -> JsonLabel {
    let end = end.max(start);
    let (sl, sc) = index.line_col(text, start);
    let (el, ec) = index.line_col(text, end);
    JsonLabel {
        message: message.to_string(),
        primary,
        range: Range { start, end },
        start: Position {
            line: sl,
            column: sc,
        },
        end: Position {
            line: el,
            column: ec,
        },
    }
}

/// Builds the document.
pub fn document(reports: &[Report]) -> Document {
    // One line index per file, shared by all of its reports.
    let mut indexes: Vec<(&Arc<crate::diag::Source>, LineIndex)> = Vec::new();
    let diagnostics: Vec<JsonDiagnostic> = reports
        .iter()
        .map(|r| {
            let d = &r.diagnostic;
            let text = &r.source.text;
            let i = match indexes.iter().position(|(s, _)| Arc::ptr_eq(s, &r.source)) {
                Some(i) => i,
                None => {
                    indexes.push((&r.source, LineIndex::new(text)));
                    indexes.len() - 1
                }
            };
            let index = &indexes[i].1;
            let labels: Vec<JsonLabel> = d
                .labels
                .iter()
                .map(|l| label(text, index, &l.message, l.primary, l.span.start, l.span.end))
                .collect();
            let primary = labels.iter().find(|l| l.primary);
            JsonDiagnostic {
                file: r.source.name.clone(),
                code: d.code.to_string(),
                name: d.code.info().name.to_string(),
                severity: d.severity,
                message: d.message.clone(),
                range: primary.map(|l| l.range),
                start: primary.map(|l| l.start),
                end: primary.map(|l| l.end),
                labels,
                help: d.help.clone(),
            }
        })
        .collect();
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    Document {
        version: 1,
        errors,
        warnings: diagnostics.len() - errors,
        diagnostics,
    }
}

/// The document as pretty JSON.
pub fn render(reports: &[Report]) -> String {
    serde_json::to_string_pretty(&document(reports))
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
