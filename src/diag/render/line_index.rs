//! Line starts of a source, computed once, so that placing each of many
//! diagnostics costs O(log lines + line length) instead of a scan from the
//! file's start: checking a 40,000-line file with a warning per line was
//! quadratic in both renderers.

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};
use std::sync::Arc;

/// Byte offsets where lines start.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Lines end at `\n` (our JSON and LSP positions).
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// Lines end at `\n`, `\r\n` or a lone `\r`, as miette counts them.
    fn miette(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        for (i, &b) in bytes.iter().enumerate() {
            let lone_cr = b == b'\r' && bytes.get(i + 1) != Some(&b'\n');
            if b == b'\n' || lone_cr {
                starts.push(i + 1);
            }
        }
        LineIndex { starts }
    }

    /// 0-based line of byte `offset`.
    fn line_of(&self, offset: usize) -> usize {
        self.starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1)
    }

    /// 1-based line and column (in characters) of byte `offset`, clamped
    /// like [`super::line_col`], which it equals.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_of(offset);
        let start = self.starts[line];
        let column = text.get(start..offset).map_or(0, |s| s.chars().count()) + 1;
        (line + 1, column)
    }
}

/// A source for miette that reads only the lines around a span: it hands
/// miette's own reader a slice a few lines wider than the context, then
/// moves the result back to absolute lines and offsets.
#[derive(Debug, Clone)]
pub struct IndexedSource {
    text: Arc<str>,
    index: Arc<LineIndex>,
}

impl IndexedSource {
    /// Indexes `text` (once per file; clones share the index).
    pub fn new(text: &str) -> Self {
        IndexedSource {
            text: Arc::from(text),
            index: Arc::new(LineIndex::miette(text)),
        }
    }

    /// Bytes of the text.
    pub fn len(&self) -> usize {
        self.text.len()
    }

    /// True for an empty text.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }
}

/// Lines of margin beyond miette's context on each side of the slice.
const MARGIN: usize = 2;

impl SourceCode for IndexedSource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let (start, end) = (span.offset(), span.offset() + span.len());
        if end > self.text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let starts = &self.index.starts;
        let first = self.index.line_of(start).saturating_sub(before + MARGIN);
        let last = self.index.line_of(end) + after + MARGIN;
        let lo = starts[first];
        let hi = starts.get(last + 1).copied().unwrap_or(self.text.len());
        let slice = &self.text[lo..hi];
        let local = SourceSpan::new((start - lo).into(), span.len());
        let c = slice.read_span(&local, before, after)?;
        let data: &'a [u8] = &self.text.as_bytes()[lo + c.span().offset()..][..c.data().len()];
        Ok(Box::new(MietteSpanContents::new(
            data,
            SourceSpan::new((lo + c.span().offset()).into(), c.span().len()),
            first + c.line(),
            c.column(),
            first + c.line_count(),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_scanning_line_col() {
        let text = "ab\ncd\r\n\néf\ng";
        let idx = LineIndex::new(text);
        for off in 0..=text.len() + 2 {
            assert_eq!(
                idx.line_col(text, off),
                super::super::line_col(text, off),
                "{off}"
            );
        }
    }

    #[test]
    fn reads_the_same_span_contents_as_the_whole_text() {
        let text: String = (0..50).map(|i| format!("line {i} = x\n")).collect();
        let src = IndexedSource::new(&text);
        for (off, len) in [(0, 4), (130, 7), (300, 40), (text.len() - 3, 2)] {
            for ctx in [0, 1, 3] {
                let span = SourceSpan::new(off.into(), len);
                let a = src.read_span(&span, ctx, ctx).unwrap();
                let b = text.as_str().read_span(&span, ctx, ctx).unwrap();
                assert_eq!(a.data(), b.data(), "{off} {ctx}");
                assert_eq!(a.span(), b.span());
                assert_eq!((a.line(), a.column()), (b.line(), b.column()));
                assert_eq!(a.line_count(), b.line_count(), "{off} {ctx}");
            }
        }
    }
}
