//! Human output: miette's graphical report, one per diagnostic, with the
//! code shown as `icon::name [E0201]`, the primary label on the exact span,
//! secondary labels and help.

use super::line_index::IndexedSource;
use super::long_lines;
use crate::diag::Report;
use crate::diag::{Code, Diagnostic, Severity};

use crate::diag::Source;
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode};
use std::fmt;
use std::sync::Arc;

/// How human output looks.
#[derive(Debug, Clone, Copy)]
pub struct HumanOptions {
    /// ANSI colours.
    pub color: bool,
    /// Wrap width in columns.
    pub width: usize,
}

impl HumanOptions {
    /// Unicode without colour at a fixed width (snapshots, pipes).
    pub fn plain() -> Self {
        HumanOptions {
            color: false,
            width: 100,
        }
    }
}

/// The code as shown: `icon::unknown_kernel [E0201]`.
pub fn code_label(code: Code) -> String {
    let info = code.info();
    format!("icon::{} [{}]", info.name, info.code)
}

/// Adapter from our model to miette's trait.
struct View<'a> {
    diagnostic: &'a Diagnostic,
    source: NamedSource<IndexedSource>,
    code: String,
}

impl fmt::Debug for View<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl fmt::Display for View<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for View<'_> {}

impl miette::Diagnostic for View<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.code))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diagnostic
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        (!self.diagnostic.labels.is_empty()).then_some(&self.source as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let len = self.source.inner().len();
        let labels = self.diagnostic.labels.iter().map(move |l| {
            // Clamp so a bad span can never make miette fail.
            let start = l.span.start.min(len);
            let end = l.span.end.clamp(start, len);
            let span = (start, end - start);
            let text = (!l.message.is_empty()).then(|| l.message.clone());
            if l.primary {
                LabeledSpan::new_primary_with_span(text, span)
            } else {
                LabeledSpan::new_with_span(text, span)
            }
        });
        Some(Box::new(labels))
    }
}

/// Renders one report.
pub fn render_one(report: &Report, options: HumanOptions) -> String {
    render_indexed(report, options, &Indexed::new(&report.source.text))
}

/// A file's text prepared once for all of its reports.
struct Indexed {
    source: IndexedSource,
    long_lines: bool,
}

impl Indexed {
    fn new(text: &str) -> Self {
        Indexed {
            source: IndexedSource::new(text),
            long_lines: long_lines::has_long_line(text),
        }
    }
}

fn render_indexed(report: &Report, options: HumanOptions, indexed: &Indexed) -> String {
    let theme = if options.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(options.width)
        .with_links(false);
    let shortened = indexed
        .long_lines
        .then(|| long_lines::shorten(&report.source.text, &report.diagnostic))
        .flatten();
    let (source, diagnostic) = match &shortened {
        Some((text, d)) => (IndexedSource::new(text), d),
        None => (indexed.source.clone(), &report.diagnostic),
    };
    let view = View {
        diagnostic,
        source: NamedSource::new(report.source.name.clone(), source),
        code: code_label(report.diagnostic.code),
    };
    let mut out = String::new();
    if handler.render_report(&mut out, &view).is_err() {
        // Fall back to a one-line form rather than lose the diagnostic.
        out = format!(
            "{}: {} ({})\n",
            view.code, report.diagnostic.message, report.source.name
        );
    }
    if report.diagnostic.labels.is_empty() && !report.source.name.is_empty() {
        // No snippet shows the file, so name it.
        let trimmed = out.trim_end().len();
        out.truncate(trimmed);
        out.push_str(&format!("\n  in {}\n", report.source.name));
    }
    out
}

/// Renders every report, then a summary line ("2 errors, 1 warning").
pub fn render(reports: &[Report], options: HumanOptions) -> String {
    let mut out = String::new();
    let mut indexed: Vec<(Arc<Source>, Indexed)> = Vec::new();
    for r in reports {
        let i = match indexed.iter().position(|(s, _)| Arc::ptr_eq(s, &r.source)) {
            Some(i) => i,
            None => {
                indexed.push((r.source.clone(), Indexed::new(&r.source.text)));
                indexed.len() - 1
            }
        };
        out.push_str(&render_indexed(r, options, &indexed[i].1));
        out.push('\n');
    }
    let errors = reports.iter().filter(|r| r.diagnostic.is_error()).count();
    let warnings = reports.len() - errors;
    if !reports.is_empty() {
        out.push_str(&format!(
            "{}, {}\n",
            plural(errors, "error"),
            plural(warnings, "warning")
        ));
    }
    out
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
