//! Canonical formatter for `.icon` files (`iconc fmt`).
//!
//! Layout rules:
//! - one statement per line; header statements (`method`, `about`, `cite`,
//!   `use`) first in source order, then a blank line, then the rest in
//!   source order;
//! - canonical spacing: `a = b`, `name = value`, `, `, ` -> `, ` + `;
//! - a call or list that does not fit in [`MAX_WIDTH`] columns (or holds a
//!   comment) is broken one argument per line, indented by 4, with a
//!   trailing comma;
//! - every comment is kept: own-line comments stay above what they precede,
//!   trailing comments stay at the end of their line; a comment inside an
//!   expression that is not in an argument list moves above its statement;
//! - single blank lines between statements are kept, runs are collapsed.
//!
//! The output depends only on the AST, the comments and the blank lines, so
//! formatting is idempotent, and reparsing the output gives the same AST
//! modulo spans.

use crate::ast::{Arg, Call, Expr, ExprKind, Item, ItemKind, Program, Span};
use crate::diag::{Diagnostic, Source};
use std::collections::HashMap;

/// Lines longer than this are broken at call and list arguments.
pub const MAX_WIDTH: usize = 100;
/// Indentation of one broken argument level.
const INDENT: usize = 4;

/// Formats a file. Refuses (returns the diagnostics) when it has syntax errors.
pub fn format(source: &Source) -> Result<String, Vec<Diagnostic>> {
    let parsed = crate::syntax::parse(source);
    if !parsed.is_ok() {
        return Err(parsed.diagnostics);
    }
    let text = source.text.as_str();
    let comments = attach(&parsed.program, text);
    let printer = Printer {
        text,
        program: &parsed.program,
        comments,
    };
    Ok(printer.file())
}

/// A comment to print, with whether a blank line preceded it.
#[derive(Debug, Clone, Copy)]
struct Note {
    /// Index into `Program::comments`.
    idx: usize,
    /// A blank line separated it from what came before.
    blank_before: bool,
}

/// Comments attached to the elements of one argument list or list.
#[derive(Debug, Default)]
struct ListNotes {
    /// Own-line comments before element `k`.
    leading: HashMap<usize, Vec<Note>>,
    /// Comments at the end of element `k`'s line.
    trailing: HashMap<usize, Vec<Note>>,
    /// Comments after the last element, before the closing bracket.
    dangling: Vec<Note>,
}

/// Where every comment goes.
#[derive(Debug, Default)]
struct Notes {
    /// Own-line comments before item `i` (and comments hoisted out of it).
    leading: HashMap<usize, Vec<Note>>,
    /// The comment at the end of item `i`'s last line.
    trailing: HashMap<usize, Vec<Note>>,
    /// Comments after the last statement.
    end: Vec<Note>,
    /// Comments inside argument lists and lists, keyed by the list's span.
    lists: HashMap<(usize, usize), ListNotes>,
}

/// True when a blank line precedes byte `pos` (only whitespace back to
/// the previous non-space character, with at least two newlines).
fn blank_before(text: &str, pos: usize) -> bool {
    let before = text.get(..pos).unwrap_or_default();
    let gap_start = before.trim_end().len();
    before
        .get(gap_start..)
        .unwrap_or_default()
        .matches('\n')
        .count()
        >= 2
}

/// True when no newline lies between `a` and `b`.
fn same_line(text: &str, a: usize, b: usize) -> bool {
    !text
        .get(a.min(b)..a.max(b))
        .unwrap_or_default()
        .contains('\n')
}

/// An argument list or list: its span and its elements' spans.
struct ListSite {
    span: Span,
    elems: Vec<Span>,
}

fn collect_lists(e: &Expr, out: &mut Vec<ListSite>) {
    match &e.kind {
        ExprKind::Call(call) => {
            out.push(ListSite {
                span: call.args_span,
                elems: call.args.iter().map(|a| a.span).collect(),
            });
            call.args.iter().for_each(|a| collect_lists(&a.value, out));
        }
        ExprKind::List(items) => {
            out.push(ListSite {
                span: e.span,
                elems: items.iter().map(|x| x.span).collect(),
            });
            items.iter().for_each(|x| collect_lists(x, out));
        }
        ExprKind::Pipeline(items) => items.iter().for_each(|x| collect_lists(x, out)),
        ExprKind::Binary { lhs, rhs, .. } => {
            collect_lists(lhs, out);
            collect_lists(rhs, out);
        }
        ExprKind::Neg(x) | ExprKind::Paren(x) => collect_lists(x, out),
        ExprKind::Number { .. } | ExprKind::Str(_) | ExprKind::Bool(_) | ExprKind::Name(_) => {}
    }
}

/// Decides where each comment is printed (see the module docs).
fn attach(program: &Program, text: &str) -> Notes {
    let mut notes = Notes::default();
    let lists: Vec<Vec<ListSite>> = program
        .items
        .iter()
        .map(|item| {
            let mut out = Vec::new();
            if let ItemKind::Assign { value, .. } = &item.kind {
                collect_lists(value, &mut out);
            }
            out
        })
        .collect();
    for (idx, c) in program.comments.iter().enumerate() {
        let note = Note {
            idx,
            blank_before: blank_before(text, c.span.start),
        };
        // Items are sorted and disjoint: binary searches keep this fast.
        let after = program
            .items
            .partition_point(|it| it.span.start < c.span.start);
        let inside = after.checked_sub(1).filter(|&i| {
            program
                .items
                .get(i)
                .is_some_and(|it| c.span.end <= it.span.end)
        });
        if let Some(i) = inside {
            let site = lists.get(i).and_then(|ls| {
                ls.iter()
                    .filter(|l| l.span.start < c.span.start && c.span.end <= l.span.end)
                    .min_by_key(|l| l.span.end - l.span.start)
            });
            match site {
                Some(site) => attach_in_list(&mut notes, site, c.span, note, text),
                None => notes.leading.entry(i).or_default().push(note),
            }
            continue;
        }
        let prev = program
            .items
            .partition_point(|it| it.span.end <= c.span.start)
            .checked_sub(1);
        match prev {
            Some(p)
                if program
                    .items
                    .get(p)
                    .is_some_and(|it| same_line(text, it.span.end, c.span.start)) =>
            {
                notes.trailing.entry(p).or_default().push(note);
            }
            _ => match after {
                next if next < program.items.len() => {
                    notes.leading.entry(next).or_default().push(note)
                }
                _ => notes.end.push(note),
            },
        }
    }
    notes
}

fn attach_in_list(notes: &mut Notes, site: &ListSite, c: Span, note: Note, text: &str) {
    let entry = notes
        .lists
        .entry((site.span.start, site.span.end))
        .or_default();
    // Inside an element (but in no deeper list): keep it with that element.
    if let Some(k) = site
        .elems
        .iter()
        .position(|e| e.start <= c.start && c.end <= e.end)
    {
        entry.trailing.entry(k).or_default().push(note);
        return;
    }
    let before = site.elems.iter().rposition(|e| e.end <= c.start);
    if let Some(k) = before.filter(|&k| {
        site.elems
            .get(k)
            .is_some_and(|e| same_line(text, e.end, c.start))
    }) {
        entry.trailing.entry(k).or_default().push(note);
        return;
    }
    match site.elems.iter().position(|e| e.start >= c.end) {
        Some(k) => entry.leading.entry(k).or_default().push(note),
        None => entry.dangling.push(note),
    }
}

/// Prints the program.
struct Printer<'a> {
    text: &'a str,
    program: &'a Program,
    comments: Notes,
}

/// Display width of a one-line string.
fn width(s: &str) -> usize {
    s.chars().count()
}

/// Column after appending `s` at column `col`.
fn col_after(col: usize, s: &str) -> usize {
    match s.rfind('\n') {
        Some(i) => width(s.get(i + 1..).unwrap_or_default()),
        None => col + width(s),
    }
}

impl Printer<'_> {
    fn comment_text(&self, note: &Note) -> String {
        let text = self
            .program
            .comments
            .get(note.idx)
            .map(|c| c.text.trim_end())
            .unwrap_or_default();
        format!("#{text}")
    }

    /// The whole file.
    fn file(&self) -> String {
        let is_header = |it: &Item| matches!(it.kind, ItemKind::Meta { .. } | ItemKind::Use { .. });
        let items = &self.program.items;
        let headers: Vec<usize> = (0..items.len())
            .filter(|&i| items.get(i).is_some_and(is_header))
            .collect();
        let body: Vec<usize> = (0..items.len())
            .filter(|&i| !items.get(i).is_some_and(is_header))
            .collect();
        let mut out = String::new();
        for group in [headers, body] {
            let mut first = true;
            for i in group {
                self.item_block(i, &mut out, first);
                first = false;
            }
        }
        let mut first = out.is_empty();
        for note in &self.comments.end {
            if !first && note.blank_before {
                out.push('\n');
            }
            out.push_str(&self.comment_text(note));
            out.push('\n');
            first = false;
        }
        out
    }

    /// One statement with its comments; `group_start` is true for the first
    /// statement of the header or body group.
    fn item_block(&self, i: usize, out: &mut String, group_start: bool) {
        let Some(item) = self.program.items.get(i) else {
            return;
        };
        let mut first = true;
        let mut separate = |blank: bool, out: &mut String| {
            if first {
                // A blank line separates the two groups, never starts the file.
                if group_start && !out.is_empty() || !group_start && blank {
                    out.push('\n');
                }
            } else if blank {
                out.push('\n');
            }
            first = false;
        };
        for note in self.comments.leading.get(&i).into_iter().flatten() {
            separate(note.blank_before, out);
            out.push_str(&self.comment_text(note));
            out.push('\n');
        }
        let item_blank = if self.comments.leading.get(&i).is_some_and(|v| !v.is_empty()) {
            // Blank line between the last leading comment and the item.
            blank_before(self.text, item.span.start)
                && self
                    .comments
                    .leading
                    .get(&i)
                    .and_then(|v| v.last())
                    .and_then(|n| self.program.comments.get(n.idx))
                    .is_some_and(|c| c.span.end <= item.span.start)
        } else {
            blank_before(self.text, item.span.start)
        };
        separate(item_blank, out);
        out.push_str(&self.item(item));
        for note in self.comments.trailing.get(&i).into_iter().flatten() {
            out.push_str("  ");
            out.push_str(&self.comment_text(note));
        }
        out.push('\n');
    }

    fn item(&self, item: &Item) -> String {
        match &item.kind {
            ItemKind::Meta { key, value } => {
                format!("{} {}", key.name, crate::print::string(&value.value))
            }
            ItemKind::Use { path } => format!("use {}", crate::print::string(&path.value)),
            ItemKind::Assign { target, value } => {
                let head = format!("{} = ", target.name);
                let col = width(&head);
                head + &self.expr(value, 0, col, 0)
            }
        }
    }

    /// The one-line form of `e`, or `None` when it must be broken because
    /// a list inside it carries comments.
    fn flat(&self, e: &Expr) -> Option<String> {
        Some(match &e.kind {
            ExprKind::Number { .. } => self.number(e),
            ExprKind::Str(s) => crate::print::string(s),
            ExprKind::Bool(b) => b.to_string(),
            ExprKind::Name(id) => id.name.clone(),
            ExprKind::List(items) => {
                if self
                    .comments
                    .lists
                    .contains_key(&(e.span.start, e.span.end))
                {
                    return None;
                }
                let parts = items
                    .iter()
                    .map(|x| self.flat(x))
                    .collect::<Option<Vec<_>>>()?;
                format!("[{}]", parts.join(", "))
            }
            ExprKind::Call(call) => {
                if self
                    .comments
                    .lists
                    .contains_key(&(call.args_span.start, call.args_span.end))
                {
                    return None;
                }
                let args = call
                    .args
                    .iter()
                    .map(|a| self.flat_arg(a))
                    .collect::<Option<Vec<_>>>()?;
                format!("{}({}){}", call.name.name, args.join(", "), on_clause(call))
            }
            ExprKind::Binary { op, lhs, rhs } => {
                format!("{} {} {}", self.flat(lhs)?, op_str(*op), self.flat(rhs)?)
            }
            ExprKind::Neg(x) => format!("-{}", self.flat(x)?),
            ExprKind::Pipeline(stages) => stages
                .iter()
                .map(|s| self.flat(s))
                .collect::<Option<Vec<_>>>()?
                .join(" -> "),
            ExprKind::Paren(x) => format!("({})", self.flat(x)?),
        })
    }

    fn flat_arg(&self, a: &Arg) -> Option<String> {
        let value = self.flat(&a.value)?;
        Some(match &a.name {
            Some(n) => format!("{} = {value}", n.name),
            None => value,
        })
    }

    /// A number as written (keeps `1e-3` vs `0.001`); a folded sign is
    /// glued to the digits (`- 2` → `-2`).
    fn number(&self, e: &Expr) -> String {
        let written = self.text.get(e.span.start..e.span.end).unwrap_or_default();
        let digits = written
            .rsplit(char::is_whitespace)
            .next()
            .unwrap_or_default();
        if digits.is_empty() {
            if let ExprKind::Number { value, .. } = e.kind {
                return value.to_string();
            }
        }
        if written.starts_with('-') && !digits.starts_with('-') {
            format!("-{digits}")
        } else {
            digits.to_string()
        }
    }

    /// `e` starting at column `col` on a line indented by `indent`, with
    /// `trail` more columns following it on its last line.
    fn expr(&self, e: &Expr, indent: usize, col: usize, trail: usize) -> String {
        if let Some(flat) = self.flat(e) {
            if col + width(&flat) + trail <= MAX_WIDTH {
                return flat;
            }
        }
        match &e.kind {
            ExprKind::Call(call) => self.broken_call(e, call, indent),
            ExprKind::List(items) => {
                let parts: Vec<(Option<String>, &Expr)> = items.iter().map(|x| (None, x)).collect();
                self.broken_list("[", "]", e.span, &parts, indent)
            }
            ExprKind::Binary { op, lhs, rhs } => {
                // What follows the left side on its line, if the right side stays flat.
                let rest = self.flat(rhs).map_or(0, |r| 3 + width(&r) + trail);
                let mut s = self.expr(lhs, indent, col, rest);
                s.push_str(&format!(" {} ", op_str(*op)));
                let c = col_after(col, &s);
                s + &self.expr(rhs, indent, c, trail)
            }
            ExprKind::Pipeline(stages) => {
                let mut s = String::new();
                for (k, stage) in stages.iter().enumerate() {
                    if k > 0 {
                        s.push_str(" -> ");
                    }
                    let c = col_after(col, &s);
                    // The later stages follow on the same line when they are flat.
                    let later: usize = stages
                        .iter()
                        .skip(k + 1)
                        .map(|st| self.flat(st).map_or(0, |f| 4 + width(&f)))
                        .sum();
                    s.push_str(&self.expr(stage, indent, c, later + trail));
                }
                s
            }
            ExprKind::Neg(x) => format!("-{}", self.expr(x, indent, col + 1, trail)),
            ExprKind::Paren(x) => format!("({})", self.expr(x, indent, col + 1, trail + 1)),
            _ => self.flat(e).unwrap_or_default(),
        }
    }

    fn broken_call(&self, e: &Expr, call: &Call, indent: usize) -> String {
        if call.args.is_empty()
            && !self
                .comments
                .lists
                .contains_key(&(call.args_span.start, call.args_span.end))
        {
            return self.flat(e).unwrap_or_default();
        }
        let parts: Vec<(Option<String>, &Expr)> = call
            .args
            .iter()
            .map(|a| (a.name.as_ref().map(|n| n.name.clone()), &a.value))
            .collect();
        format!(
            "{}{}{}",
            call.name.name,
            self.broken_list("(", ")", call.args_span, &parts, indent),
            on_clause(call)
        )
    }

    /// `open`, one element per line (with its comments), `close`.
    fn broken_list(
        &self,
        open: &str,
        close: &str,
        span: Span,
        elems: &[(Option<String>, &Expr)],
        indent: usize,
    ) -> String {
        let notes = self.comments.lists.get(&(span.start, span.end));
        let inner = indent + INDENT;
        let pad = " ".repeat(inner);
        let mut s = format!("{open}\n");
        for (k, (name, value)) in elems.iter().enumerate() {
            for note in notes.and_then(|n| n.leading.get(&k)).into_iter().flatten() {
                s.push_str(&format!("{pad}{}\n", self.comment_text(note)));
            }
            let head = name.as_ref().map(|n| format!("{n} = ")).unwrap_or_default();
            let col = inner + width(&head);
            s.push_str(&format!("{pad}{head}{},", self.expr(value, inner, col, 1)));
            for note in notes.and_then(|n| n.trailing.get(&k)).into_iter().flatten() {
                s.push_str(&format!("  {}", self.comment_text(note)));
            }
            s.push('\n');
        }
        for note in notes.map(|n| n.dangling.as_slice()).unwrap_or_default() {
            s.push_str(&format!("{pad}{}\n", self.comment_text(note)));
        }
        s.push_str(&" ".repeat(indent));
        s.push_str(close);
        s
    }
}

fn op_str(op: crate::ast::BinOp) -> &'static str {
    match op {
        crate::ast::BinOp::Add => "+",
        crate::ast::BinOp::Sub => "-",
        crate::ast::BinOp::Mul => "*",
    }
}

/// ` on a, b` or nothing.
fn on_clause(call: &Call) -> String {
    if call.on.is_empty() {
        return String::new();
    }
    let keys: Vec<&str> = call.on.iter().map(|k| k.name.as_str()).collect();
    format!(" on {}", keys.join(", "))
}
