//! Where to go on after a syntax error: the next place a statement starts,
//! outside the brackets of the broken statement.

use super::lexer::{text_of, Tok, Token};

/// Header keywords; they start statements without `=`.
pub(crate) const HEADER_KEYWORDS: [&str; 4] = ["method", "about", "cite", "use"];

/// True when token `i` looks like the start of a statement: the first token
/// on its line (or after `;`) and either `name =` or a header keyword.
pub(crate) fn is_statement_start(text: &str, tokens: &[Token], i: usize) -> bool {
    let Some(tok) = tokens.get(i) else {
        return false;
    };
    if tok.kind != Tok::Ident {
        return false;
    }
    let first_on_line = tokens
        .get(..i)
        .unwrap_or_default()
        .iter()
        .rev()
        .find(|t| t.kind != Tok::Comment)
        .is_none_or(|t| matches!(t.kind, Tok::Newline | Tok::Semi));
    if !first_on_line {
        return false;
    }
    let next = tokens.get(i + 1).map(|t| t.kind);
    next == Some(Tok::Eq) || HEADER_KEYWORDS.contains(&text_of(text, tok))
}

/// True when token `i` starts in column 1.
fn at_column_one(text: &str, tokens: &[Token], i: usize) -> bool {
    tokens
        .get(i)
        .is_some_and(|t| t.span.start == 0 || text.as_bytes().get(t.span.start - 1) == Some(&b'\n'))
}

/// True when token `i` is the first significant token on its line.
fn first_on_line(tokens: &[Token], i: usize) -> bool {
    tokens.get(i).is_some_and(|t| t.kind.is_significant())
        && tokens
            .get(..i)
            .unwrap_or_default()
            .iter()
            .rev()
            .find(|t| t.kind != Tok::Comment)
            .is_none_or(|t| t.kind == Tok::Newline)
}

/// True when the line starting at token `i` plausibly continues the
/// statement before it: it starts with an operator (or `on`, `,`, a closing
/// bracket) or the previous line ended with one.
fn continues(text: &str, tokens: &[Token], i: usize) -> bool {
    let binds = |t: &Token, leading: bool| match t.kind {
        Tok::Plus | Tok::Minus | Tok::Star | Tok::Arrow | Tok::Comma | Tok::Eq => true,
        Tok::LParen | Tok::LBracket => !leading,
        Tok::Ident => text_of(text, t) == "on",
        _ => false,
    };
    let starts = tokens.get(i).is_some_and(|t| binds(t, true));
    let prev = tokens
        .get(..i)
        .unwrap_or_default()
        .iter()
        .rev()
        .find(|t| t.kind.is_significant());
    starts || prev.is_some_and(|t| binds(t, false))
}

/// The token index to resume at after an error at token `err_idx` in the
/// statement starting at token `stmt_idx`. Always greater than `stmt_idx`.
///
/// Preferred: the first line at or after the error, outside the brackets
/// opened by the broken statement, that starts a statement or at least
/// does not continue the broken one (so stray lines get reported too), or
/// the token after a `;`. When those brackets never close: the first
/// statement start in column 1 after the error, else after the statement
/// start (an unclosed `(` may have swallowed the following statements).
pub(crate) fn resume_after_error(
    text: &str,
    tokens: &[Token],
    stmt_idx: usize,
    err_idx: usize,
) -> usize {
    let mut depth = 0usize;
    for i in stmt_idx..tokens.len() {
        let Some(tok) = tokens.get(i) else { break };
        if i > stmt_idx && i >= err_idx && depth == 0 {
            if tok.kind == Tok::Semi {
                return i + 1;
            }
            if is_statement_start(text, tokens, i)
                || (first_on_line(tokens, i) && !continues(text, tokens, i))
            {
                return i;
            }
        }
        match tok.kind {
            Tok::LParen | Tok::LBracket => depth += 1,
            Tok::RParen | Tok::RBracket => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    let col_one_start = |from: usize| {
        (from..tokens.len())
            .find(|&i| at_column_one(text, tokens, i) && is_statement_start(text, tokens, i))
    };
    col_one_start(err_idx.max(stmt_idx + 1))
        .or_else(|| col_one_start(stmt_idx + 1).filter(|&i| i < err_idx))
        .unwrap_or(tokens.len())
}
