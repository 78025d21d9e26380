//! AST invariants used by tests: spans lie inside the source, children
//! inside their parent, siblings in order. And a span eraser so two ASTs can
//! be compared "modulo spans" (formatter round trip).

use crate::ast::{Arg, Expr, ExprKind, Ident, Item, ItemKind, Program, Span};

/// Checks every span of `program` against a source of `len` bytes.
/// Returns a description of the first violation.
pub fn validate_spans(program: &Program, len: usize) -> Result<(), String> {
    let root = program.span;
    if root.start > root.end || root.end > len {
        return Err(format!("program span {root:?} outside 0..{len}"));
    }
    let mut last = root.start;
    for item in &program.items {
        inside(item.span, root, "item")?;
        if item.span.start < last {
            return Err(format!(
                "item {:?} starts before the previous one ends",
                item.span
            ));
        }
        last = item.span.end;
        check_item(item)?;
    }
    let mut last = root.start;
    for c in &program.comments {
        inside(c.span, root, "comment")?;
        if c.span.start < last {
            return Err(format!("comment {:?} out of order", c.span));
        }
        last = c.span.end;
    }
    Ok(())
}

fn inside(child: Span, parent: Span, what: &str) -> Result<(), String> {
    if child.start > child.end || child.start < parent.start || child.end > parent.end {
        return Err(format!("{what} span {child:?} not inside {parent:?}"));
    }
    Ok(())
}

/// Checks that `spans` are inside `parent` and in order without overlap.
fn ordered(spans: &[Span], parent: Span, what: &str) -> Result<(), String> {
    let mut last = parent.start;
    for &s in spans {
        inside(s, parent, what)?;
        if s.start < last {
            return Err(format!("{what} {s:?} overlaps its previous sibling"));
        }
        last = s.end;
    }
    Ok(())
}

fn check_item(item: &Item) -> Result<(), String> {
    match &item.kind {
        ItemKind::Meta { key, value } => ordered(&[key.span, value.span], item.span, "meta"),
        ItemKind::Use { path } => ordered(&[path.span], item.span, "use path"),
        ItemKind::Assign { target, value } => {
            ordered(&[target.span, value.span], item.span, "assign")?;
            check_expr(value)
        }
    }
}

fn check_expr(e: &Expr) -> Result<(), String> {
    match &e.kind {
        ExprKind::Number { .. } | ExprKind::Str(_) | ExprKind::Bool(_) => Ok(()),
        ExprKind::Name(id) => inside(id.span, e.span, "name"),
        ExprKind::List(items) | ExprKind::Pipeline(items) => {
            let spans: Vec<Span> = items.iter().map(|x| x.span).collect();
            ordered(&spans, e.span, "list element")?;
            items.iter().try_for_each(check_expr)
        }
        ExprKind::Binary { lhs, rhs, .. } => {
            ordered(&[lhs.span, rhs.span], e.span, "operand")?;
            check_expr(lhs)?;
            check_expr(rhs)
        }
        ExprKind::Neg(x) | ExprKind::Paren(x) => {
            inside(x.span, e.span, "operand")?;
            check_expr(x)
        }
        ExprKind::Call(call) => {
            let mut spans = vec![call.name.span, call.args_span];
            spans.extend(call.on.iter().map(|k| k.span));
            ordered(&spans, e.span, "call part")?;
            let arg_spans: Vec<Span> = call.args.iter().map(|a| a.span).collect();
            ordered(&arg_spans, call.args_span, "argument")?;
            call.args.iter().try_for_each(check_arg)
        }
    }
}

fn check_arg(a: &Arg) -> Result<(), String> {
    let mut spans: Vec<Span> = a.name.iter().map(|n| n.span).collect();
    spans.push(a.value.span);
    ordered(&spans, a.span, "argument part")?;
    check_expr(&a.value)
}

/// Sets every span in `program` to `0..0` (and comment spans too), so two
/// parses of differently formatted text compare equal when they mean the same.
pub fn erase_spans(program: &mut Program) {
    program.span = Span::default();
    for c in &mut program.comments {
        c.span = Span::default();
    }
    for item in &mut program.items {
        item.span = Span::default();
        match &mut item.kind {
            ItemKind::Meta { key, value } => {
                erase_ident(key);
                value.span = Span::default();
            }
            ItemKind::Use { path } => path.span = Span::default(),
            ItemKind::Assign { target, value } => {
                erase_ident(target);
                erase_expr(value);
            }
        }
    }
}

fn erase_ident(id: &mut Ident) {
    id.span = Span::default();
}

fn erase_expr(e: &mut Expr) {
    e.span = Span::default();
    match &mut e.kind {
        ExprKind::Number { .. } | ExprKind::Str(_) | ExprKind::Bool(_) => {}
        ExprKind::Name(id) => erase_ident(id),
        ExprKind::List(items) | ExprKind::Pipeline(items) => items.iter_mut().for_each(erase_expr),
        ExprKind::Binary { lhs, rhs, .. } => {
            erase_expr(lhs);
            erase_expr(rhs);
        }
        ExprKind::Neg(x) | ExprKind::Paren(x) => erase_expr(x),
        ExprKind::Call(call) => {
            erase_ident(&mut call.name);
            call.args_span = Span::default();
            for k in &mut call.on {
                erase_ident(k);
            }
            for a in &mut call.args {
                a.span = Span::default();
                if let Some(n) = &mut a.name {
                    erase_ident(n);
                }
                erase_expr(&mut a.value);
            }
        }
    }
}
