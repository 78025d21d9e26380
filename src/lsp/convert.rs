//! Checker reports → LSP diagnostics, grouped by the file they point into.

use super::documents::path_to_uri;
use super::position::range;
use crate::diag::render::human::code_label;
use crate::diag::Report;
use crate::diag::Severity;
use lsp_types::{
    Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Uri,
};
use std::collections::BTreeMap;
use std::str::FromStr;

/// The diagnostics of every file the reports point into, keyed by URI.
/// `root_uri` is used for the root file so the client sees the URI it sent.
pub fn group(
    reports: &[Report],
    root_name: &str,
    root_uri: &str,
) -> BTreeMap<String, Vec<Diagnostic>> {
    let mut out: BTreeMap<String, Vec<Diagnostic>> = BTreeMap::new();
    for report in reports {
        let uri = if report.source.name == root_name {
            root_uri.to_string()
        } else {
            path_to_uri(&report.source.name)
        };
        let diagnostic = convert(report, &uri);
        out.entry(uri).or_default().push(diagnostic);
    }
    out
}

/// One report as an LSP diagnostic: primary span → range, code, severity,
/// message + help, secondary labels → related information.
pub fn convert(report: &Report, uri: &str) -> Diagnostic {
    let d = &report.diagnostic;
    let text = &report.source.text;
    let primary = d.labels.iter().find(|l| l.primary).or(d.labels.first());
    let span_range = primary.map_or_else(
        || range(text, 0, 0),
        |l| range(text, l.span.start, l.span.end),
    );
    let mut message = d.message.clone();
    if let Some(label) = primary.filter(|l| !l.message.is_empty()) {
        message.push_str(&format!(": {}", label.message));
    }
    if let Some(help) = &d.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    let related: Vec<DiagnosticRelatedInformation> = match Uri::from_str(uri) {
        Ok(uri) => d
            .labels
            .iter()
            .filter(|l| !l.primary)
            .map(|l| DiagnosticRelatedInformation {
                location: Location::new(uri.clone(), range(text, l.span.start, l.span.end)),
                message: l.message.clone(),
            })
            .collect(),
        Err(_) => vec![],
    };
    Diagnostic {
        range: span_range,
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.to_string())),
        code_description: None,
        source: Some(format!("iconc {}", code_label(d.code))),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}
