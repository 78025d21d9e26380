//! The syntax stage: `.icon` text → [`ast::Program`] + diagnostics.
//!
//! pest (`grammar/icon.pest`) parses one statement at a time. After each
//! statement the driver checks that the line ends (or a `;` follows); after a
//! failed statement it reports one diagnostic in our own words
//! ([`errors`]) and skips to the next place where a statement starts
//! ([`recover`]). So one run reports every independent syntax error and the
//! program always contains the statements that did parse.

use crate::ast::{self, Comment, Span};
use crate::diag::{Diagnostic, Source};
use pest::Parser as _;

mod build;
mod errors;
mod grammar;
mod lexer;
mod recover;
mod site;
mod validate;

pub use validate::{erase_spans, validate_spans};

use grammar::{IconParser, Rule};
use lexer::{Tok, Token};

/// The result of [`parse`]: always a program, plus every syntax error found.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The statements that parsed, in source order, and all comments.
    pub program: ast::Program,
    /// Syntax errors (E01xx), in source order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Parsed {
    /// True when there are no error diagnostics.
    pub fn is_ok(&self) -> bool {
        !self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Most pest rule calls one statement may take (guards pathological input).
const CALL_LIMIT: usize = 20_000_000;

/// Parses a whole file. Never panics; see the module docs for recovery.
pub fn parse(source: &Source) -> Parsed {
    let text = source.text.as_str();
    pest::set_call_limit(std::num::NonZeroUsize::new(CALL_LIMIT));
    let tokens = lexer::lex(text);
    let comments = tokens
        .iter()
        .filter(|t| t.kind == Tok::Comment)
        .map(|t| Comment {
            text: lexer::text_of(text, t)
                .strip_prefix('#')
                .unwrap_or_default()
                .to_string(),
            span: t.span,
        })
        .collect();
    let mut cx = Driver {
        text,
        tokens: &tokens,
        items: Vec::new(),
        diags: Vec::new(),
    };
    cx.run();
    let mut diagnostics = cx.diags;
    diagnostics.sort_by_key(|d| d.labels.first().map(|l| l.span.start).unwrap_or(0));
    Parsed {
        program: ast::Program {
            items: cx.items,
            comments,
            span: Span::new(0, text.len()),
        },
        diagnostics,
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = text.get(..offset).unwrap_or_default();
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let col = before.get(line_start..).unwrap_or_default().chars().count() + 1;
    (line, col)
}

/// State of one [`parse`] run.
struct Driver<'a> {
    text: &'a str,
    tokens: &'a [Token],
    items: Vec<ast::Item>,
    diags: Vec<Diagnostic>,
}

/// Why one statement did not parse.
#[derive(Debug)]
enum Failure {
    /// pest stopped at this byte offset; `expected` are the rules it tried.
    Syntax { pos: usize, expected: Vec<Rule> },
    /// pest's call or stack limit.
    Limit { pos: usize },
    /// The AST would nest deeper than `build::MAX_DEPTH`.
    TooDeep(Span),
}

impl Driver<'_> {
    fn run(&mut self) {
        let mut ti = 0;
        loop {
            ti = self.skip_trivia(ti);
            let Some(tok) = self.tokens.get(ti) else {
                break;
            };
            let start = tok.span.start;
            match self.statement(ti, start) {
                Ok((item, end)) => {
                    if let Some(item) = item {
                        self.items.push(item);
                    }
                    ti = self.after_statement(ti, end);
                }
                Err(failure) => {
                    let (diag, stopped) = errors::diagnose(self.text, self.tokens, ti, &failure);
                    let err_idx = self.token_at(failure_pos(&failure)).min(stopped);
                    self.diags.push(diag);
                    ti = recover::resume_after_error(self.text, self.tokens, ti, err_idx);
                }
            }
        }
    }

    /// Skips newlines, comments and `;` between statements.
    fn skip_trivia(&self, mut ti: usize) -> usize {
        while self
            .tokens
            .get(ti)
            .is_some_and(|t| matches!(t.kind, Tok::Newline | Tok::Comment | Tok::Semi))
        {
            ti += 1;
        }
        ti
    }

    /// Index of the first significant token that ends after `pos` (or the
    /// token count at the end of the file).
    fn token_at(&self, pos: usize) -> usize {
        let first = self.tokens.partition_point(|t| t.span.end <= pos);
        (first..self.tokens.len())
            .find(|&i| self.tokens.get(i).is_some_and(|t| t.kind.is_significant()))
            .unwrap_or(self.tokens.len())
    }

    /// The byte where the statement starting at token `ti` must end at the
    /// latest: the next `;` or statement start outside brackets. pest sees
    /// only that slice (it indexes the lines of its whole input, so handing
    /// it the rest of the file would make parsing quadratic).
    fn statement_limit(&self, ti: usize) -> usize {
        let mut depth = 0usize;
        for i in ti..self.tokens.len() {
            let Some(tok) = self.tokens.get(i) else { break };
            match tok.kind {
                Tok::Semi if depth == 0 => return tok.span.start,
                Tok::LParen | Tok::LBracket => depth += 1,
                Tok::RParen | Tok::RBracket => depth = depth.saturating_sub(1),
                Tok::Ident
                    if i > ti
                        && depth == 0
                        && recover::is_statement_start(self.text, self.tokens, i) =>
                {
                    return tok.span.start;
                }
                _ => {}
            }
        }
        self.text.len()
    }

    /// Parses one statement starting at token `ti` (byte `start`); returns
    /// the item (if the builder could make one) and the statement's end byte.
    fn statement(
        &mut self,
        ti: usize,
        start: usize,
    ) -> Result<(Option<ast::Item>, usize), Failure> {
        let limit = self.statement_limit(ti).max(start);
        let rest = self.text.get(start..limit).unwrap_or_default();
        let pairs = IconParser::parse(Rule::stmt_entry, rest).map_err(|e| {
            let rule_pos = match e.location {
                pest::error::InputLocation::Pos(p) => p,
                pest::error::InputLocation::Span((s, _)) => s,
            };
            let pos = start + rule_pos;
            match e.variant {
                pest::error::ErrorVariant::ParsingError { positives, .. } => Failure::Syntax {
                    pos,
                    expected: positives,
                },
                pest::error::ErrorVariant::CustomError { .. } => Failure::Limit { pos },
            }
        })?;
        let Some(stmt) = pairs.into_iter().next().and_then(|p| p.into_inner().next()) else {
            return Err(Failure::Syntax {
                pos: start,
                expected: vec![],
            });
        };
        let mut builder = build::Builder {
            offset: start,
            diags: &mut self.diags,
            tokens: self.tokens,
        };
        let end = builder.span(&stmt).end;
        match builder.item(stmt) {
            Ok(item) => Ok((item, end)),
            // Report the whole statement: the deepest point is not useful.
            Err(build::TooDeep) => Err(Failure::TooDeep(Span::new(start, end))),
        }
    }

    /// After a statement that ends at byte `end`: the rest of the line must
    /// be empty (or a comment), or a `;` must follow. Returns where to go on.
    fn after_statement(&mut self, stmt_idx: usize, end: usize) -> usize {
        let next = self.tokens.partition_point(|t| t.span.start < end);
        let mut i = next;
        while self.tokens.get(i).is_some_and(|t| t.kind == Tok::Comment) {
            i += 1;
        }
        match self.tokens.get(i) {
            None => i,
            Some(t) if matches!(t.kind, Tok::Newline | Tok::Semi) => i,
            Some(t) => {
                if matches!(t.kind, Tok::Arrow | Tok::Plus | Tok::Minus | Tok::Star) {
                    if let Some(resume) = self.broken_continuation(stmt_idx, i) {
                        return resume;
                    }
                }
                self.diags
                    .push(errors::after_statement(self.text, self.tokens, stmt_idx, i));
                recover::resume_after_error(self.text, self.tokens, i, i)
            }
        }
    }

    /// The statement stopped before `op` (`->`, `+`, `-`, `*`) because what
    /// follows `op` did not parse (e.g. `-> leak(0.3` or `+ F(a = )`). Parses
    /// that continuation alone to find the real error and reports it in the
    /// context of the whole statement. `None` when the continuation parses
    /// (or is missing) and the caller's wording applies.
    fn broken_continuation(&mut self, stmt_idx: usize, op: usize) -> Option<usize> {
        let next = (op + 1..self.tokens.len())
            .find(|&j| self.tokens.get(j).is_some_and(|t| t.kind.is_significant()))?;
        let tok = self.tokens.get(next)?;
        let is_on = lexer::text_of(self.text, tok) == "on";
        if !tok.kind.starts_value()
            || is_on
            || recover::is_statement_start(self.text, self.tokens, next)
        {
            return None;
        }
        let start = tok.span.start;
        let limit = self.statement_limit(next).max(start);
        let rest = self.text.get(start..limit).unwrap_or_default();
        let err = IconParser::parse(Rule::expr_entry, rest).err()?;
        let (pos, expected) = match err.variant {
            pest::error::ErrorVariant::ParsingError { positives, .. } => {
                let p = match err.location {
                    pest::error::InputLocation::Pos(p) => p,
                    pest::error::InputLocation::Span((p, _)) => p,
                };
                (start + p, positives)
            }
            pest::error::ErrorVariant::CustomError { .. } => return None,
        };
        let failure = Failure::Syntax { pos, expected };
        let (diag, stopped) = errors::diagnose(self.text, self.tokens, stmt_idx, &failure);
        self.diags.push(diag);
        let err_idx = self.token_at(pos).min(stopped).max(op);
        Some(recover::resume_after_error(
            self.text,
            self.tokens,
            stmt_idx,
            err_idx,
        ))
    }
}

/// Byte offset where a failure happened.
fn failure_pos(f: &Failure) -> usize {
    match f {
        Failure::Syntax { pos, .. } | Failure::Limit { pos } => *pos,
        Failure::TooDeep(span) => span.start,
    }
}
