//! Very long source lines, cut down before miette draws them.
//!
//! miette's graphical handler panics when a label lies past column 65,535
//! (`Formatting argument out of range`), and a 70,000-column snippet is
//! useless anyway. Each line longer than [`MAX_LINE`] bytes is replaced by a
//! window around its labels, `…` on the cut sides, and every label is moved
//! to the same text in the shortened source. Other lines, and so every line
//! number, stay as they are.

use crate::ast::Span;
use crate::diag::Diagnostic;

/// Lines up to this many bytes are shown whole.
pub const MAX_LINE: usize = 1_000;
/// Bytes kept on each side of the labels of a long line.
const CONTEXT: usize = 60;
/// The most bytes kept of one long line.
const MAX_WINDOW: usize = 400;
const ELLIPSIS: &str = "…";

/// A kept piece of the original text and where it starts in the new one.
struct Segment {
    orig: std::ops::Range<usize>,
    new_start: usize,
}

/// True when some line of `text` is longer than [`MAX_LINE`] bytes.
pub fn has_long_line(text: &str) -> bool {
    text.split('\n').any(|l| l.len() > MAX_LINE)
}

/// The source with its long lines windowed and the diagnostic with its
/// labels moved, or `None` when no line is long.
pub fn shorten(text: &str, diagnostic: &Diagnostic) -> Option<(String, Diagnostic)> {
    if !has_long_line(text) {
        return None;
    }
    let mut out = String::with_capacity(text.len().min(1 << 20));
    let mut segments = Vec::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let line_end = line_start + line.len();
        let body_end = line_start + line.trim_end_matches('\n').len();
        if body_end - line_start <= MAX_LINE {
            segments.push(Segment {
                orig: line_start..line_end,
                new_start: out.len(),
            });
            out.push_str(line);
        } else {
            let (lo, hi) = window(text, line_start, body_end, diagnostic);
            if lo > line_start {
                out.push_str(ELLIPSIS);
            }
            segments.push(Segment {
                orig: lo..hi,
                new_start: out.len(),
            });
            out.push_str(&text[lo..hi]);
            if hi < body_end {
                out.push_str(ELLIPSIS);
            }
            segments.push(Segment {
                orig: body_end..line_end,
                new_start: out.len(),
            });
            out.push_str(&text[body_end..line_end]);
        }
        line_start = line_end;
    }
    let mut moved = diagnostic.clone();
    // The snippet's column is the cut line's; say where the label really is.
    if let Some(primary) = diagnostic.labels.iter().find(|l| l.primary) {
        let (line, col) = super::line_col(text, primary.span.start);
        let note =
            format!("at line {line}, column {col} (the snippet shows a cut of a very long line)");
        moved.help = Some(match moved.help.take() {
            Some(h) => format!("{h}\n{note}"),
            None => note,
        });
    }
    for label in &mut moved.labels {
        let start = remap(&segments, label.span.start);
        let end = remap(&segments, label.span.end).max(start);
        label.span = Span { start, end };
    }
    Some((out, moved))
}

/// The byte range of the long line `start..end` to keep: the labels that
/// start on it with some context, at most [`MAX_WINDOW`] bytes.
fn window(text: &str, start: usize, end: usize, d: &Diagnostic) -> (usize, usize) {
    let on_line: Vec<&Span> = d
        .labels
        .iter()
        .map(|l| &l.span)
        .filter(|s| (start..=end).contains(&s.start))
        .collect();
    let first = on_line.iter().map(|s| s.start).min().unwrap_or(start);
    let last = on_line
        .iter()
        .map(|s| s.end.min(end))
        .max()
        .unwrap_or(start);
    let lo = first.saturating_sub(CONTEXT).max(start);
    let hi = (last.max(first + 1) + CONTEXT)
        .min(end)
        .min(lo + MAX_WINDOW);
    (floor_boundary(text, lo), ceil_boundary(text, hi.max(lo)))
}

/// Where byte `offset` of the original text is in the shortened one; an
/// offset that was cut goes to the start of the next kept piece.
fn remap(segments: &[Segment], offset: usize) -> usize {
    let mut end_of_kept = 0;
    for seg in segments {
        if offset < seg.orig.start {
            return seg.new_start;
        }
        if offset <= seg.orig.end {
            return seg.new_start + (offset - seg.orig.start);
        }
        end_of_kept = seg.new_start + seg.orig.len();
    }
    end_of_kept
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_boundary(text: &str, mut i: usize) -> usize {
    while i < text.len() && !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diag_at(start: usize, end: usize) -> Diagnostic {
        Diagnostic::error(
            crate::diag::Code::UnexpectedToken,
            "unexpected",
            Span { start, end },
            "here",
        )
    }

    #[test]
    fn short_sources_are_left_alone() {
        assert!(shorten("a = 1\nb = 2\n", &diag_at(0, 1)).is_none());
    }

    #[test]
    fn a_long_line_keeps_its_label_text_and_the_other_lines() {
        let text = format!("method \"m\"\n{}zz\nnext\n", " ".repeat(70_000));
        let at = text.find("zz").unwrap();
        let (short, d) = shorten(&text, &diag_at(at, at + 2)).unwrap();
        assert!(short.len() < 600, "{}", short.len());
        let s = d.labels[0].span;
        assert_eq!(&short[s.start..s.end], "zz");
        assert!(short.starts_with("method \"m\"\n…"));
        assert!(short.ends_with("zz\nnext\n"));
        assert!(d.help.unwrap().contains("line 2, column 70001"));
    }
}
