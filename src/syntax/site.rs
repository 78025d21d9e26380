//! The tokens around a syntax error (used by `errors` to word messages).

use super::lexer::{text_of, Tok, Token};
use crate::ast::Span;

/// Tokens around an error, within one statement.
pub(crate) struct Site<'a> {
    /// The whole file.
    pub(crate) text: &'a str,
    /// Its tokens.
    pub(crate) tokens: &'a [Token],
    /// First token of the statement.
    pub(crate) stmt: usize,
    /// The significant token at the error (== tokens.len() at end of file).
    pub(crate) cur: usize,
    /// The last significant token before `cur` inside the statement.
    pub(crate) prev: Option<usize>,
}

impl Site<'_> {
    /// Token `i`, if any.
    pub(crate) fn tok(&self, i: usize) -> Option<&Token> {
        self.tokens.get(i)
    }
    /// Kind of token `i`.
    pub(crate) fn kind(&self, i: usize) -> Option<Tok> {
        self.tok(i).map(|t| t.kind)
    }
    /// Text of token `i` (empty past the end).
    pub(crate) fn str(&self, i: usize) -> &str {
        self.tok(i).map(|t| text_of(self.text, t)).unwrap_or("")
    }
    /// The span of the current token, or an empty span at the end of file.
    pub(crate) fn cur_span(&self) -> Span {
        self.tok(self.cur)
            .map(|t| t.span)
            .unwrap_or(Span::new(self.text.len(), self.text.len()))
    }
    /// How the current token reads in a message: "`x`" or "end of file".
    pub(crate) fn cur_desc(&self) -> String {
        match self.kind(self.cur) {
            None => "end of file".to_string(),
            Some(Tok::Newline) => "end of line".to_string(),
            Some(Tok::Str { .. }) => "a string".to_string(),
            Some(_) => format!("`{}`", self.str(self.cur)),
        }
    }
    /// Kind of the token before the error.
    pub(crate) fn prev_kind(&self) -> Option<Tok> {
        self.prev.and_then(|p| self.kind(p))
    }
    /// True when the token before the error is the word `word`.
    pub(crate) fn prev_is_word(&self, word: &str) -> bool {
        self.prev
            .is_some_and(|p| self.kind(p) == Some(Tok::Ident) && self.str(p) == word)
    }
    /// True when the current token is on the same line as the previous one.
    pub(crate) fn cur_on_prev_line(&self) -> bool {
        let (Some(p), Some(c)) = (self.prev.and_then(|p| self.tok(p)), self.tok(self.cur)) else {
            return false;
        };
        !self
            .text
            .get(p.span.end..c.span.start)
            .unwrap_or_default()
            .contains('\n')
    }
    /// Label for "expected X": at the current token when it is on the line
    /// of token `anchor`, else at `anchor` ("… after this").
    pub(crate) fn here_or_after(&self, anchor: usize, what: &str) -> (Span, String) {
        let same_line = self
            .tok(anchor)
            .zip(self.tok(self.cur))
            .is_some_and(|(a, c)| {
                !self
                    .text
                    .get(a.span.end..c.span.start)
                    .unwrap_or_default()
                    .contains('\n')
            });
        match self.tok(anchor) {
            Some(a) if !same_line => (a.span, format!("{what} after this")),
            _ => (self.cur_span(), format!("{what} here")),
        }
    }
    /// Label span for "expected X here": the current token when it is on
    /// the line of the previous one, else the previous token.
    pub(crate) fn expected_at(&self) -> (Span, &'static str) {
        match self.prev.and_then(|p| self.tok(p)) {
            Some(p) if !self.cur_on_prev_line() || self.cur >= self.tokens.len() => {
                (p.span, "expected a value after this")
            }
            _ => (self.cur_span(), "expected a value here"),
        }
    }
}
