//! Turns a pest failure into one diagnostic in our own words.
//!
//! pest tells us *where* a statement stopped parsing and which rules it
//! tried there. The wording comes from looking at the tokens around that
//! position: the token before it, the token at it, the brackets still open,
//! and how the statement began. Rules are checked from the most specific
//! problem to the generic "unexpected `x`".

use super::grammar::Rule;
use super::lexer::{Tok, Token};
use super::recover::{is_statement_start, HEADER_KEYWORDS};
use super::site::Site;
use super::Failure;
use crate::ast::Span;
use crate::diag::Code;
use crate::diag::Diagnostic;

/// One diagnostic for a statement (starting at token `stmt`) that failed,
/// and the index of the token where the statement really stopped (recovery
/// resumes after it).
pub(crate) fn diagnose(
    text: &str,
    tokens: &[Token],
    stmt: usize,
    failure: &Failure,
) -> (Diagnostic, usize) {
    let (pos, expected) = match failure {
        Failure::TooDeep(span) => return (too_complex(*span), stmt + 1),
        Failure::Limit { pos } => return (too_complex(Span::new(*pos, *pos)), stmt + 1),
        Failure::Syntax { pos, expected } => (*pos, expected.as_slice()),
    };
    let first = tokens.partition_point(|t| t.span.end <= pos);
    let mut cur = (first..tokens.len())
        .find(|&i| tokens.get(i).is_some_and(|t| t.kind.is_significant()))
        .unwrap_or(tokens.len());
    // pest may stop inside a later line that starts a statement (`p =` then
    // `q = …`): the statement really ended before that line.
    if let Some(line_head) = line_head(tokens, cur) {
        if line_head > stmt && line_head < cur && is_statement_start(text, tokens, line_head) {
            cur = line_head;
        }
    }
    let prev = (stmt..cur)
        .rev()
        .find(|&i| tokens.get(i).is_some_and(|t| t.kind.is_significant()));
    let site = Site {
        text,
        tokens,
        stmt,
        cur,
        prev,
    };
    let diag = invalid_char(&site)
        .or_else(|| unterminated_string(&site))
        .or_else(|| delimiters(&site))
        .or_else(|| statement_head(&site))
        .or_else(|| stray_on(&site))
        .or_else(|| after_prev(&site))
        .or_else(|| missing_comma(&site))
        .unwrap_or_else(|| unexpected(&site, expected));
    (diag, cur)
}

/// The first token of the line that token `i` is on.
fn line_head(tokens: &[Token], i: usize) -> Option<usize> {
    let mut h = i.min(tokens.len());
    while h > 0
        && tokens
            .get(h - 1)
            .is_some_and(|t| !matches!(t.kind, Tok::Newline | Tok::Semi))
    {
        h -= 1;
    }
    (h < tokens.len()).then_some(h)
}

/// Something follows a complete statement on its line (token `at`).
pub(crate) fn after_statement(text: &str, tokens: &[Token], stmt: usize, at: usize) -> Diagnostic {
    let site = Site {
        text,
        tokens,
        stmt,
        cur: at,
        prev: at.checked_sub(1),
    };
    if let Some(d) = invalid_char(&site).or_else(|| unterminated_string(&site)) {
        return d;
    }
    match site.kind(at) {
        Some(Tok::RParen | Tok::RBracket) => return unmatched(&site),
        Some(Tok::Ident) if site.str(at) == "on" => {
            if let Some(d) = stray_on(&site) {
                return d;
            }
        }
        // The pipeline, operator or key list stopped because nothing valid
        // followed: word it as the missing thing after `at`.
        Some(Tok::Arrow | Tok::Plus | Tok::Minus | Tok::Star | Tok::Comma) => {
            let next = (at + 1..tokens.len())
                .find(|&i| tokens.get(i).is_some_and(|t| t.kind.is_significant()))
                .unwrap_or(tokens.len());
            let after = Site {
                cur: next,
                prev: Some(at),
                ..site
            };
            if let Some(d) = after_prev(&after) {
                return d;
            }
        }
        _ => {}
    }
    Diagnostic::error(
        Code::MissingSeparator,
        format!(
            "unexpected {} after the end of the statement",
            site.cur_desc()
        ),
        site.cur_span(),
        "the statement already ended before this",
    )
    .with_help(
        "put each statement on its own line or separate them with `;`; \
         to combine kernels use `+` or `*`",
    )
}

fn too_complex(span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::TooComplex,
        "expression is nested too deeply",
        span,
        "too deep to parse",
    )
    .with_help(format!(
        "the parser accepts about {} levels of brackets, operators and `->` stages; simplify the expression",
        super::build::MAX_DEPTH
    ))
}

fn invalid_char(s: &Site<'_>) -> Option<Diagnostic> {
    (s.kind(s.cur)? == Tok::Invalid).then(|| {
        let c = s.str(s.cur);
        let help = if c == "/" {
            "comments start with `#`"
        } else if c == "'" {
            "strings use double quotes: `\"text\"`"
        } else {
            "names use only ASCII letters, digits and `_`; other text goes in strings or comments"
        };
        Diagnostic::error(
            Code::InvalidCharacter,
            format!("unexpected character `{c}`"),
            s.cur_span(),
            "not part of the language",
        )
        .with_help(help)
    })
}

fn unterminated_string(s: &Site<'_>) -> Option<Diagnostic> {
    let upto = (s.cur + 1).min(s.tokens.len());
    let i = (s.stmt..upto).find(|&i| s.kind(i) == Some(Tok::Str { terminated: false }))?;
    let span = s.tok(i)?.span;
    Some(
        Diagnostic::error(
            Code::UnterminatedString,
            "unterminated string",
            span,
            "this string is never closed",
        )
        .with_help("add the closing `\"` on the same line"),
    )
}

/// Brackets opened in the statement before the error and not yet closed.
fn open_brackets(s: &Site<'_>) -> Vec<usize> {
    let mut stack = Vec::new();
    for i in s.stmt..s.cur {
        match s.kind(i) {
            Some(Tok::LParen | Tok::LBracket) => stack.push(i),
            Some(Tok::RParen | Tok::RBracket) => {
                stack.pop();
            }
            _ => {}
        }
    }
    stack
}

fn closer_of(open: Option<Tok>) -> &'static str {
    if open == Some(Tok::LBracket) {
        "]"
    } else {
        ")"
    }
}

/// True when the brackets open at `cur` get closed later, before the next
/// statement that starts in column one (so the statement is complete and
/// the error is something else, e.g. a missing comma).
fn closes_later(s: &Site<'_>, open: usize) -> bool {
    let mut depth = open;
    for i in s.cur..s.tokens.len() {
        if i > s.cur
            && s.tok(i).is_some_and(|t| {
                t.span.start == 0 || s.text.as_bytes().get(t.span.start - 1) == Some(&b'\n')
            })
            && is_statement_start(s.text, s.tokens, i)
        {
            return false;
        }
        match s.kind(i) {
            Some(Tok::LParen | Tok::LBracket) => depth += 1,
            Some(Tok::RParen | Tok::RBracket) => {
                if depth <= open {
                    return true;
                }
                depth -= 1;
            }
            _ => {}
        }
    }
    false
}

fn unmatched(s: &Site<'_>) -> Diagnostic {
    let c = s.str(s.cur);
    let open = if c == "]" { "[" } else { "(" };
    Diagnostic::error(
        Code::UnmatchedDelimiter,
        format!("unmatched `{c}`"),
        s.cur_span(),
        format!("no `{open}` before this to close"),
    )
    .with_help(format!("remove this `{c}` or add the missing `{open}`"))
}

fn unclosed(s: &Site<'_>, open: usize) -> Option<Diagnostic> {
    let o = s.str(open).to_string();
    let close = closer_of(s.kind(open));
    let d = Diagnostic::error(
        Code::UnclosedDelimiter,
        format!("unclosed `{o}`"),
        s.tok(open)?.span,
        format!("this `{o}` is never closed"),
    );
    Some(match s.kind(s.cur) {
        Some(Tok::RParen | Tok::RBracket) => d
            .with_label(s.cur_span(), format!("`{}` found here", s.str(s.cur)))
            .with_help(format!("add `{close}` before `{}`", s.str(s.cur))),
        _ => d.with_help(format!("add `{close}` where the list ends")),
    })
}

fn delimiters(s: &Site<'_>) -> Option<Diagnostic> {
    let stack = open_brackets(s);
    let top = stack.last().copied();
    match (s.kind(s.cur), top) {
        (Some(Tok::RParen | Tok::RBracket), None) => Some(unmatched(s)),
        (Some(k @ (Tok::RParen | Tok::RBracket)), Some(open)) => {
            let matches = closer_of(s.kind(open)) == if k == Tok::RParen { ")" } else { "]" };
            if matches {
                None
            } else {
                unclosed(s, open)
            }
        }
        (_, Some(open)) => {
            // Brackets that never close (before EOF or the next statement in
            // column one) are the problem, whatever else pest tripped on.
            if !closes_later(s, stack.len()) {
                unclosed(s, open)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Problems right at the start of the statement.
fn statement_head(s: &Site<'_>) -> Option<Diagnostic> {
    let head = s.str(s.stmt).to_string();
    let head_kind = s.kind(s.stmt)?;
    if head_kind == Tok::Ident && head == "on" {
        return stray_on(&Site { cur: s.stmt, ..*s });
    }
    if matches!(head_kind, Tok::RParen | Tok::RBracket) {
        return Some(unmatched(&Site { cur: s.stmt, ..*s }));
    }
    if head_kind != Tok::Ident || head == "true" || head == "false" {
        let site = Site { cur: s.stmt, ..*s };
        return Some(
            Diagnostic::error(
                Code::ExpectedStatement,
                format!("expected a statement, found {}", site.cur_desc()),
                site.cur_span(),
                "a statement cannot start here",
            )
            .with_help("statements are `target = value` or a header such as `method \"name\"`"),
        );
    }
    let second = (s.stmt + 1..s.tokens.len())
        .find(|&i| s.kind(i).is_some_and(Tok::is_significant))
        .unwrap_or(s.tokens.len());
    if s.cur != second {
        return None;
    }
    if HEADER_KEYWORDS.contains(&head.as_str()) {
        let help = match s.kind(s.cur) {
            Some(Tok::Eq) => format!("`{head}` takes the string directly: `{head} \"…\"`"),
            Some(Tok::Ident) => format!(
                "put the text in double quotes: `{head} \"{}\"`",
                s.str(s.cur)
            ),
            _ => format!("write `{head} \"…\"`"),
        };
        let (span, label) = s.here_or_after(s.stmt, "expected a string");
        return Some(
            Diagnostic::error(
                Code::MissingString,
                format!("expected a string after `{head}`"),
                span,
                label,
            )
            .with_help(help),
        );
    }
    let help = if s.kind(s.cur) == Some(Tok::LParen) {
        format!("a statement assigns to a target, e.g. `p = {head}(…)`")
    } else {
        format!("write `{head} = value`")
    };
    let (span, label) = s.here_or_after(s.stmt, "expected `=`");
    Some(
        Diagnostic::error(
            Code::MissingEquals,
            format!("expected `=` after `{head}`"),
            span,
            label,
        )
        .with_help(help),
    )
}

/// True when the `)` at `close` ends a call's argument list (`Name(…)`).
fn closes_call(s: &Site<'_>, close: usize) -> bool {
    let mut depth = 0usize;
    for i in (s.stmt..=close).rev() {
        match s.kind(i) {
            Some(Tok::RParen | Tok::RBracket) => depth += 1,
            Some(Tok::LParen | Tok::LBracket) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return s.kind(i) == Some(Tok::LParen)
                        && i.checked_sub(1).is_some_and(|n| {
                            s.kind(n) == Some(Tok::Ident)
                                && !matches!(s.str(n), "on" | "true" | "false")
                        });
                }
            }
            _ => {}
        }
    }
    false
}

fn stray_on(s: &Site<'_>) -> Option<Diagnostic> {
    if !(s.kind(s.cur)? == Tok::Ident && s.str(s.cur) == "on") {
        return None;
    }
    if s.prev_kind() == Some(Tok::RParen) && s.prev.is_some_and(|p| closes_call(s, p)) {
        // `Call() on` followed by something that is not a key.
        let next = (s.cur + 1..s.tokens.len())
            .find(|&i| s.kind(i).is_some_and(Tok::is_significant))
            .unwrap_or(s.tokens.len());
        return Some(missing_key(
            &Site {
                cur: next,
                prev: Some(s.cur),
                ..*s
            },
            "on",
        ));
    }
    let help = if s.prev_kind() == Some(Tok::RParen) {
        "`on` applies to one call; in algebra put `on key` after each kernel call"
    } else {
        "write the kernel or mapper as a call with parentheses: `Augmentation() on index`"
    };
    Some(
        Diagnostic::error(
            Code::StrayOn,
            "`on` must follow a call such as `Gaussian(...)`",
            s.cur_span(),
            "no call before this `on`",
        )
        .with_help(help),
    )
}

/// What a statement target expects after `=`.
/// What a statement target expects after `=`: the message and an example.
fn expected_for_target(target: &str) -> (String, String) {
    let (what, example) = match target {
        "p" => (
            "a kernel such as `Gaussian(...)`",
            "p = Augmentation() on index",
        ),
        "q" => (
            "a kernel such as `Gaussian(...)`",
            "q = Gaussian(sigma = 0.5, metric = cosine) on embedding",
        ),
        "data" => (
            "a data source such as `Mnist(...)`",
            "data = Mnist(batch = 256)",
        ),
        "train" => ("`Train(...)`", "train = Train(epochs = 10)"),
        "divergence" => ("`kl`, `rkl` or `js`", "divergence = kl"),
        "eval" => (
            "a list of metrics such as `[knn]`",
            "eval = [knn, linear_probe]",
        ),
        _ => ("a mapper such as `MLP(...)`", ""),
    };
    let example = if example.is_empty() {
        format!("for example `{target} = MLP(hidden = [64], out = 2) on x`")
    } else {
        format!("for example `{example}`")
    };
    (format!("expected {what} after `{target} =`"), example)
}

/// Problems decided by the token before the error: `=`, an operator, `->`,
/// `on`, `,`, `(`.
fn after_prev(s: &Site<'_>) -> Option<Diagnostic> {
    let prev = s.prev?;
    let cur_kind = s.kind(s.cur);
    let cur_is_on = cur_kind == Some(Tok::Ident) && s.str(s.cur) == "on";
    let cur_starts_value =
        cur_kind.is_some_and(Tok::starts_value) && !cur_is_on && s.cur_on_prev_line();
    let missing_value_with = |message: String, help: String| {
        let (span, label) = s.expected_at();
        Some(Diagnostic::error(Code::MissingValue, message, span, label).with_help(help))
    };
    let missing_value = |message: String| {
        missing_value_with(
            message,
            "write a value: a call such as `Name(…)`, a number, a string, a list or a name".into(),
        )
    };
    match s.kind(prev)? {
        Tok::Eq if !cur_starts_value => {
            let name = prev
                .checked_sub(1)
                .map(|i| s.str(i).to_string())
                .unwrap_or_default();
            if prev == s.stmt + 1 {
                let (message, help) = expected_for_target(&name);
                missing_value_with(message, help)
            } else {
                missing_value(format!("expected a value after `{name} =`"))
            }
        }
        Tok::Plus | Tok::Minus | Tok::Star if !cur_starts_value => {
            missing_value(format!("expected a value after `{}`", s.str(prev)))
        }
        Tok::Arrow if cur_kind != Some(Tok::Ident) || !s.cur_on_prev_line() => Some(
            Diagnostic::error(
                Code::MissingStage,
                "expected a stage after `->`",
                if s.cur_on_prev_line() {
                    s.cur_span()
                } else {
                    s.tok(prev)?.span
                },
                "expected a name or call here",
            )
            .with_help("pipeline stages are names or calls: `-> normalize`, `-> leak(0.3)`"),
        ),
        Tok::Ident if s.prev_is_word("on") && cur_kind != Some(Tok::Ident) => {
            Some(missing_key(s, "on"))
        }
        Tok::Comma if after_on_clause_comma(s, prev) => Some(missing_key(s, ",")),
        Tok::Comma | Tok::LParen | Tok::LBracket if cur_kind == Some(Tok::Comma) => {
            missing_value(format!("expected a value before {}", s.cur_desc()))
        }
        _ => None,
    }
}

/// True when the `,` at `comma` follows `on key`.
fn after_on_clause_comma(s: &Site<'_>, comma: usize) -> bool {
    let (Some(key), Some(on)) = (comma.checked_sub(1), comma.checked_sub(2)) else {
        return false;
    };
    s.kind(key) == Some(Tok::Ident) && s.kind(on) == Some(Tok::Ident) && s.str(on) == "on"
}

fn missing_key(s: &Site<'_>, after: &str) -> Diagnostic {
    let (span, label) = if s.cur_on_prev_line() && s.cur < s.tokens.len() {
        (s.cur_span(), "expected a key here")
    } else {
        (
            s.prev
                .and_then(|p| s.tok(p))
                .map(|t| t.span)
                .unwrap_or_default(),
            "expected a key after this",
        )
    };
    Diagnostic::error(
        Code::MissingKey,
        format!("expected a key after `{after}`"),
        span,
        label,
    )
    .with_help(
        "name the key the kernel reads, e.g. `on embedding` or `on embedding, class_embedding`",
    )
}

/// Two values side by side inside a call or a list.
fn missing_comma(s: &Site<'_>) -> Option<Diagnostic> {
    let prev_ends = s.prev_kind().is_some_and(Tok::ends_value);
    let cur_starts =
        s.kind(s.cur).is_some_and(Tok::starts_value) && s.kind(s.cur) != Some(Tok::Minus);
    if !(prev_ends && cur_starts) {
        return None;
    }
    let open = *open_brackets(s).last()?;
    let in_call = s.kind(open) == Some(Tok::LParen)
        && open
            .checked_sub(1)
            .is_some_and(|i| s.kind(i) == Some(Tok::Ident));
    let what = match s.kind(open) {
        Some(Tok::LBracket) => "list items",
        _ if in_call => "arguments",
        _ => return None,
    };
    Some(
        Diagnostic::error(
            Code::MissingComma,
            format!("expected `,` between {what}"),
            s.cur_span(),
            "expected `,` before this",
        )
        .with_help(format!("separate {what} with `,`")),
    )
}

/// The fallback: "unexpected `x`" plus what pest would have accepted.
fn unexpected(s: &Site<'_>, expected: &[Rule]) -> Diagnostic {
    let mut names: Vec<&str> = expected.iter().filter_map(|r| rule_name(*r)).collect();
    names.sort_unstable();
    names.dedup();
    let d = Diagnostic::error(
        Code::UnexpectedToken,
        format!("unexpected {}", s.cur_desc()),
        s.cur_span(),
        "not expected here",
    );
    match names.as_slice() {
        [] => d.with_help("see docs/language.md for the forms a statement can take"),
        [one] => d.with_help(format!("expected {one}")),
        many => d.with_help(format!("expected one of: {}", many.join(", "))),
    }
}

/// Friendly names for the rules pest reports as expected.
fn rule_name(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::expr | Rule::term | Rule::factor | Rule::postfix => "a value",
        Rule::number => "a number",
        Rule::string => "a string",
        Rule::boolean => "`true` or `false`",
        Rule::list => "a list `[…]`",
        Rule::call | Rule::name | Rule::ident => "a name",
        Rule::paren | Rule::args => "`(`",
        Rule::arg => "an argument",
        Rule::add_op => "an operator",
        Rule::mul_op => "an operator",
        Rule::neg => "a value",
        Rule::on_clause | Rule::on_kw => "`on`",
        Rule::eq => "`=`",
        Rule::comma => "`,`",
        Rule::lparen => "`(`",
        Rule::rparen => "`)`",
        Rule::lbrack => "`[`",
        Rule::rbrack => "`]`",
        Rule::arrow => "`->`",
        Rule::meta | Rule::meta_kw | Rule::use_stmt | Rule::use_kw | Rule::assign => "a statement",
        _ => return None,
    })
}
