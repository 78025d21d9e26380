//! pest pairs → AST. Also checks what the grammar accepts loosely on purpose
//! (numbers, string escapes) and reports problems in our own words.

use crate::diag::Code;

use super::grammar::Rule;
use super::lexer::Token;
use crate::ast::{Arg, BinOp, Call, Expr, ExprKind, Ident, Item, ItemKind, Span, StrLit};
use crate::diag::Diagnostic;
use pest::iterators::Pair;

/// Deepest expression tree we build. Deeper input is reported (E0111)
/// instead of risking a stack overflow in every later recursive pass.
pub(crate) const MAX_DEPTH: usize = 96;

/// The expression is nested deeper than [`MAX_DEPTH`].
#[derive(Debug)]
pub(crate) struct TooDeep;

/// Builds AST nodes from pairs of one statement parsed at byte `offset`.
pub(crate) struct Builder<'d> {
    /// Byte offset of the parsed slice in the whole file.
    pub(crate) offset: usize,
    /// Problems found while building (invalid numbers, escapes).
    pub(crate) diags: &'d mut Vec<Diagnostic>,
    /// The file's tokens, to trim spans.
    pub(crate) tokens: &'d [Token],
}

type Built<T> = Result<T, TooDeep>;

impl Builder<'_> {
    /// The pair's span in the file. pest lets a rule that ends in `*` or `?`
    /// keep the whitespace and comments it skipped before giving up, so the
    /// end is pulled back to the last real token.
    pub(crate) fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = pair.as_span();
        let (start, end) = (s.start() + self.offset, s.end() + self.offset);
        let mut i = self.tokens.partition_point(|t| t.span.end <= end);
        while let Some(t) = i.checked_sub(1).and_then(|j| self.tokens.get(j)) {
            if t.kind.is_significant() {
                break;
            }
            i -= 1;
        }
        let real_end = i
            .checked_sub(1)
            .and_then(|j| self.tokens.get(j))
            .map_or(start, |t| t.span.end.clamp(start, end));
        Span::new(start, real_end)
    }

    fn ident(&self, pair: &Pair<'_, Rule>) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: self.span(pair),
        }
    }

    /// `meta`, `use_stmt` or `assign`.
    pub(crate) fn item(&mut self, pair: Pair<'_, Rule>) -> Built<Option<Item>> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut inner = pair.into_inner().filter(is_node);
        let (Some(first), Some(second)) = (inner.next(), inner.next()) else {
            return Ok(None);
        };
        let kind = match rule {
            Rule::meta => ItemKind::Meta {
                key: self.ident(&first),
                value: self.string(&second),
            },
            Rule::use_stmt => ItemKind::Use {
                path: self.string(&second),
            },
            Rule::assign => ItemKind::Assign {
                target: self.ident(&first),
                value: self.expr(second, 0)?,
            },
            _ => return Ok(None),
        };
        Ok(Some(Item { kind, span }))
    }

    /// Any expression-level pair.
    fn expr(&mut self, pair: Pair<'_, Rule>, depth: usize) -> Built<Expr> {
        let pair = skip_wrappers(pair);
        let span = self.span(&pair);
        if depth > MAX_DEPTH {
            return Err(TooDeep);
        }
        match pair.as_rule() {
            Rule::expr | Rule::term => self.binary_chain(pair, depth),
            Rule::factor => self.factor(pair, depth),
            Rule::postfix => self.postfix(pair, depth),
            Rule::number => Ok(self.number(&pair, false)),
            Rule::string => {
                let lit = self.string(&pair);
                Ok(Expr {
                    kind: ExprKind::Str(lit.value),
                    span,
                })
            }
            Rule::boolean => Ok(Expr {
                kind: ExprKind::Bool(pair.as_str() == "true"),
                span,
            }),
            Rule::list => {
                let items = pair
                    .into_inner()
                    .filter(is_node)
                    .map(|p| self.expr(p, depth + 1))
                    .collect::<Built<Vec<_>>>()?;
                Ok(Expr {
                    kind: ExprKind::List(items),
                    span,
                })
            }
            Rule::call => self.call(pair, depth),
            Rule::name => {
                let ident = pair
                    .into_inner()
                    .find(is_node)
                    .map(|p| self.ident(&p))
                    .unwrap_or_else(|| Ident {
                        name: String::new(),
                        span,
                    });
                Ok(Expr {
                    kind: ExprKind::Name(ident),
                    span,
                })
            }
            Rule::paren => {
                let inner = self.only_child(pair, depth + 1)?;
                Ok(Expr {
                    kind: ExprKind::Paren(Box::new(inner)),
                    span,
                })
            }
            _ => Ok(error_expr(span)),
        }
    }

    /// The single child of a wrapper pair.
    fn only_child(&mut self, pair: Pair<'_, Rule>, depth: usize) -> Built<Expr> {
        let span = self.span(&pair);
        match pair.into_inner().find(is_node) {
            Some(child) => self.expr(child, depth),
            None => Ok(error_expr(span)),
        }
    }

    /// `a + b - c` or `a * b`: operands separated by operator pairs, folded
    /// to the left. Each operator adds one level of depth.
    fn binary_chain(&mut self, pair: Pair<'_, Rule>, depth: usize) -> Built<Expr> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner().filter(is_node);
        let Some(first) = inner.next() else {
            return Ok(error_expr(span));
        };
        let Some(mut op) = inner.next() else {
            // No operator: a wrapper, not a tree level.
            return self.expr(first, depth);
        };
        let mut lhs = self.expr(first, depth + 1)?;
        let mut level = depth;
        while let Some(rhs) = inner.next() {
            level += 1;
            if level > MAX_DEPTH {
                return Err(TooDeep);
            }
            let bin = match op.as_str() {
                "+" => BinOp::Add,
                "-" => BinOp::Sub,
                _ => BinOp::Mul,
            };
            let rhs = self.expr(rhs, depth + 1)?;
            let span = lhs.span.join(rhs.span);
            lhs = Expr {
                kind: ExprKind::Binary {
                    op: bin,
                    lhs: Box::new(lhs),
                    rhs: Box::new(rhs),
                },
                span,
            };
            match inner.next() {
                Some(next) => op = next,
                None => break,
            }
        }
        Ok(lhs)
    }

    /// `-x`. A minus directly before a number literal is part of the
    /// literal (`-2` is `Number(-2)`), so the checker sees plain numbers.
    fn factor(&mut self, pair: Pair<'_, Rule>, depth: usize) -> Built<Expr> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner().filter(is_node);
        let Some(first) = inner.next() else {
            return Ok(error_expr(span));
        };
        if first.as_rule() != Rule::neg {
            return self.expr(first, depth);
        }
        let Some(operand) = inner.next() else {
            return Ok(error_expr(span));
        };
        // Decision: fold `-` + number literal (no pipeline stages) into the literal.
        let mut parts = operand.clone().into_inner().filter(is_node);
        if let (Some(atom), None) = (parts.next(), parts.next()) {
            if atom.as_rule() == Rule::number {
                let mut lit = self.number(&atom, true);
                lit.span = span;
                return Ok(lit);
            }
        }
        let operand = self.expr(operand, depth + 1)?;
        Ok(Expr {
            kind: ExprKind::Neg(Box::new(operand)),
            span,
        })
    }

    /// `atom -> stage -> stage`.
    fn postfix(&mut self, pair: Pair<'_, Rule>, depth: usize) -> Built<Expr> {
        let span = self.span(&pair);
        let mut parts = pair.into_inner().filter(is_node).peekable();
        let Some(head) = parts.next() else {
            return Ok(error_expr(span));
        };
        if parts.peek().is_none() {
            return self.expr(head, depth);
        }
        let mut stages = vec![self.expr(head, depth + 1)?];
        for stage in parts {
            // Each stage wraps the expression before it in the IR, so a long
            // pipeline is as deep as that many brackets for later passes.
            if depth + stages.len() > MAX_DEPTH {
                return Err(TooDeep);
            }
            stages.push(self.expr(stage, depth + 1)?);
        }
        Ok(Expr {
            kind: ExprKind::Pipeline(stages),
            span,
        })
    }

    /// `Name(args) [on k, k]`.
    fn call(&mut self, pair: Pair<'_, Rule>, depth: usize) -> Built<Expr> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner().filter(is_node);
        let (Some(name), Some(args)) = (inner.next(), inner.next()) else {
            return Ok(error_expr(span));
        };
        let name = self.ident(&name);
        let args_span = self.span(&args);
        let mut built_args = Vec::new();
        for arg in args.into_inner().filter(is_node) {
            built_args.push(self.arg(arg, depth + 1)?);
        }
        let on = inner
            .next()
            .map(|clause| {
                clause
                    .into_inner()
                    .filter(is_node)
                    .filter(|p| p.as_rule() == Rule::ident)
                    .map(|p| self.ident(&p))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Expr {
            kind: ExprKind::Call(Call {
                name,
                args: built_args,
                on,
                args_span,
            }),
            span,
        })
    }

    /// `name = value` or `value`.
    fn arg(&mut self, pair: Pair<'_, Rule>, depth: usize) -> Built<Arg> {
        let span = self.span(&pair);
        let mut name = None;
        let mut value = None;
        for child in pair.into_inner().filter(is_node) {
            if child.as_rule() == Rule::ident {
                name = Some(self.ident(&child));
            } else {
                value = Some(self.expr(child, depth)?);
            }
        }
        Ok(Arg {
            name,
            value: value.unwrap_or_else(|| error_expr(span)),
            span,
        })
    }

    /// A number literal; `negate` for a folded leading `-`.
    fn number(&mut self, pair: &Pair<'_, Rule>, negate: bool) -> Expr {
        let span = self.span(pair);
        let text = pair.as_str();
        let (value, is_int) = match parse_number(text) {
            Ok(v) => v,
            Err(help) => {
                self.diags.push(
                    Diagnostic::error(
                        Code::InvalidNumber,
                        format!("invalid number `{text}`"),
                        span,
                        "not a number",
                    )
                    .with_help(help),
                );
                (0.0, false)
            }
        };
        Expr {
            kind: ExprKind::Number {
                value: if negate { -value } else { value },
                is_int,
            },
            span,
        }
    }

    /// A string literal, unescaped; unknown escapes are reported.
    fn string(&mut self, pair: &Pair<'_, Rule>) -> StrLit {
        let span = self.span(pair);
        let raw = pair.as_str();
        let body = raw
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .unwrap_or(raw);
        let mut value = String::with_capacity(body.len());
        let mut chars = body.char_indices();
        while let Some((i, c)) = chars.next() {
            if c != '\\' {
                value.push(c);
                continue;
            }
            match chars.next() {
                Some((_, '"')) => value.push('"'),
                Some((_, '\\')) => value.push('\\'),
                Some((_, 'n')) => value.push('\n'),
                Some((_, other)) => {
                    // +1 for the opening quote.
                    let start = span.start + 1 + i;
                    let esc = Span::new(start, start + 1 + other.len_utf8());
                    self.diags.push(
                        Diagnostic::error(
                            Code::InvalidEscape,
                            format!("unknown escape `\\{other}` in string"),
                            esc,
                            "unknown escape",
                        )
                        .with_help(
                            "the escapes are `\\\"`, `\\\\` and `\\n`; write `\\\\` for a backslash",
                        ),
                    );
                    value.push(other);
                }
                None => value.push('\\'),
            }
        }
        StrLit { value, span }
    }
}

/// False for punctuation pairs (`=`, `,`, brackets, `->`): the grammar
/// makes them rules only for error positions.
fn is_node(pair: &Pair<'_, Rule>) -> bool {
    !matches!(
        pair.as_rule(),
        Rule::eq
            | Rule::comma
            | Rule::lparen
            | Rule::rparen
            | Rule::lbrack
            | Rule::rbrack
            | Rule::arrow
    )
}

/// Descends through `expr`/`term`/`factor`/`postfix` pairs that wrap a
/// single child, without recursion (keeps the builder's stack shallow: one
/// frame per real tree level).
fn skip_wrappers(mut pair: Pair<'_, Rule>) -> Pair<'_, Rule> {
    while matches!(
        pair.as_rule(),
        Rule::expr | Rule::term | Rule::factor | Rule::postfix
    ) {
        let mut inner = pair.clone().into_inner().filter(is_node);
        match (inner.next(), inner.next()) {
            (Some(only), None) => pair = only,
            _ => break,
        }
    }
    pair
}

/// A placeholder for a node the grammar guarantees but pest did not give
/// (never expected; keeps the builder total instead of panicking).
fn error_expr(span: Span) -> Expr {
    Expr {
        kind: ExprKind::Name(Ident {
            name: String::new(),
            span,
        }),
        span,
    }
}

/// Parses `digits [. digits] [(e|E) [+|-] digits]`; returns the value and
/// whether it was written as an integer, or a help text for the error.
pub(crate) fn parse_number(text: &str) -> Result<(f64, bool), &'static str> {
    let b = text.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let s = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - s
    };
    if digits(&mut i) == 0 {
        return Err("write a digit before the point, e.g. `0.5`");
    }
    let mut is_int = true;
    if b.get(i) == Some(&b'.') {
        i += 1;
        is_int = false;
        if digits(&mut i) == 0 {
            return Err("write a digit after the point, e.g. `1.0`");
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        is_int = false;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return Err("an exponent needs digits, e.g. `1e-3`");
        }
    }
    if i != b.len() {
        return Err("numbers look like `3`, `0.5`, `1e-3` or `2.5E+4`");
    }
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok((v, is_int)),
        _ => Err("this number is too large"),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_number;

    #[test]
    fn numbers_follow_the_documented_shape() {
        assert_eq!(parse_number("3"), Ok((3.0, true)));
        assert_eq!(parse_number("0.5"), Ok((0.5, false)));
        assert_eq!(parse_number("1e-3"), Ok((0.001, false)));
        assert_eq!(parse_number("2.5E+4"), Ok((25000.0, false)));
        for bad in [
            "1e", "1.", ".5", "1.2.3", "1_000", "0x10", "2epochs", "1e+", "1e400",
        ] {
            assert!(parse_number(bad).is_err(), "{bad}");
        }
    }
}
