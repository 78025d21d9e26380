//! The whole method: dispatches each effective statement to its checker and
//! applies the rules that need both p and q (layout, support, normalization).

use super::data::check_data;
use super::kernels::{layout_name, Facts, Lower};
use super::keys::Keys;
use super::mappers::check_mappers;
use super::resolve::Stmt;
use super::signatures::Side;
use super::sink::Sink;
use super::train::{check_divergence, check_eval, check_train, default_train};
use crate::ast::{Expr, ExprKind, ItemKind};
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::ir::{
    DataSpec, Divergence, Exaggeration, Kernel, KernelExpr, Layout, Method, Pairs, Repulsion,
};

/// Statement targets that are not mapper keys.
const FIXED_TARGETS: &[&str] = &[
    "method",
    "about",
    "cite",
    "data",
    "p",
    "q",
    "divergence",
    "train",
    "eval",
];

fn find<'s, 'a>(stmts: &'s [Stmt<'a>], target: &str) -> Option<&'s Stmt<'a>> {
    stmts.iter().find(|s| s.target == target)
}

fn meta(stmts: &[Stmt<'_>], key: &str) -> Option<String> {
    match &find(stmts, key)?.item.kind {
        ItemKind::Meta { value, .. } => Some(value.value.clone()),
        _ => None,
    }
}

fn value<'a>(stmt: &Stmt<'a>) -> Option<&'a Expr> {
    match &stmt.item.kind {
        ItemKind::Assign { value, .. } => Some(value),
        _ => None,
    }
}

fn missing(sink: &mut Sink, code: Code, what: &str, example: &str) {
    if sink.quiet_missing {
        return;
    }
    let d = Diagnostic::bare(code, format!("missing `{what}`"))
        .with_help(format!("add e.g. `{example}`"));
    sink.emit(0, d);
}

/// Checks the effective statements of the root file.
pub(crate) fn check_method(sink: &mut Sink, stmts: &[Stmt<'_>]) -> Option<Method> {
    let name = meta(stmts, "method");
    if name.is_none() {
        missing(
            sink,
            Code::MissingMethod,
            "method \"name\"",
            "method \"simclr\"",
        );
    }
    let mut keys = Keys::default();
    let data = match find(stmts, "data") {
        Some(s) => value(s).and_then(|v| check_data(sink, s.file, v, &mut keys)),
        None => {
            missing(
                sink,
                Code::MissingData,
                "data = …",
                "data = Mnist(views = 2, batch = 256)",
            );
            None
        }
    };
    if find(stmts, "p").is_none() {
        missing(sink, Code::MissingP, "p = …", "p = Augmentation() on index");
    }
    if find(stmts, "q").is_none() {
        missing(
            sink,
            Code::MissingQ,
            "q = …",
            "q = Gaussian(sigma = 0.5, metric = cosine) on embedding",
        );
    }
    let divergence = match find(stmts, "divergence") {
        Some(s) => value(s).and_then(|v| check_divergence(sink, s.file, v)),
        None => Some(Divergence::Kl),
    };
    let train = match find(stmts, "train") {
        Some(s) => value(s).and_then(|v| check_train(sink, s.file, v)),
        None => Some(default_train()),
    };
    let eval = match find(stmts, "eval") {
        Some(s) => value(s).and_then(|v| check_eval(sink, s.file, v)),
        None => Some(vec![]),
    };
    // Without data there are no keys to check mappers and kernels against.
    let data = data?;
    let mapper_stmts: Vec<Stmt<'_>> = stmts
        .iter()
        .filter(|s| {
            !FIXED_TARGETS.contains(&s.target) && matches!(s.item.kind, ItemKind::Assign { .. })
        })
        .copied()
        .collect();
    let mappers = check_mappers(sink, &mapper_stmts, &data, &mut keys);
    let p = kernel_side(sink, stmts, "p", Side::P, &mut keys, &data);
    let q = kernel_side(sink, stmts, "q", Side::Q, &mut keys, &data);
    keys.warn_unused(sink);
    let ((p, pf, pstmt, exaggeration), (q, qf, qstmt, _)) = (p?, q?);
    let layout = both_sides(sink, (&pf, pstmt), (&qf, qstmt), &data)?;
    neighbour_pairs_rule(sink, &data, &p, pstmt);
    one_dataset_key_rule(sink, &p, pstmt);
    if let Some(d) = &divergence {
        loss_rules(sink, (exaggeration.is_some(), pstmt), (&q, qstmt), *d);
    }
    let p = if pf.stochastic {
        p
    } else {
        let d = Diagnostic::warning(
            Code::NotNormalized,
            "p is not row-stochastic; `normalize` was inserted",
            value(&pstmt).map(|v| v.span).unwrap_or(pstmt.target_span),
            "rows may not sum to 1",
        )
        .with_help(
            "append `-> normalize` to the whole expression (in parentheses) to make this explicit",
        );
        sink.emit(pstmt.file, d);
        KernelExpr::Normalize(Box::new(p))
    };
    if sink.has_errors() {
        return None;
    }
    Some(Method {
        name: name?,
        about: meta(stmts, "about"),
        cite: meta(stmts, "cite"),
        data,
        mappers,
        p,
        exaggeration,
        q,
        layout,
        divergence: divergence?,
        train: train?,
        eval: eval?,
        keys: keys.infos(),
    })
}

type Side3<'a> = (KernelExpr, Facts, Stmt<'a>, Option<Exaggeration>);

fn kernel_side<'a>(
    sink: &mut Sink,
    stmts: &[Stmt<'a>],
    target: &str,
    side: Side,
    keys: &mut Keys,
    data: &DataSpec,
) -> Option<Side3<'a>> {
    let stmt = *find(stmts, target)?;
    let expr = value(&stmt)?;
    mark_on_keys(expr, keys);
    let mut lower = Lower {
        sink,
        file: stmt.file,
        keys,
        data,
        side,
    };
    let (k, f, exaggeration) = lower.side_expr(expr)?;
    Some((k, f, stmt, exaggeration))
}

/// Rules between the loss's options and q: exaggeration (E0414) and the
/// Barnes–Hut repulsion (E0415) both rewrite the KL loss through q's row
/// normalizer, so they need `divergence = kl` and a q that has one.
fn loss_rules(
    sink: &mut Sink,
    (exaggerated, pstmt): (bool, Stmt<'_>),
    (q, qstmt): (&KernelExpr, Stmt<'_>),
    divergence: Divergence,
) {
    let debiased = matches!(q, KernelExpr::DebiasQ(..));
    let leaf = q.leaves().first().map(|(k, _)| *k);
    let barnes_hut = matches!(
        leaf,
        Some(Kernel::StudentT {
            repulsion: Repulsion::BarnesHut { .. },
            ..
        })
    );
    let span = |s: &Stmt<'_>| value(s).map(|v| v.span).unwrap_or(s.target_span);
    if exaggerated {
        let why = if divergence != Divergence::Kl {
            Some("`exaggerate` scales the KL loss's attraction, and this method uses another divergence".to_string())
        } else if debiased {
            Some("`exaggerate` needs q's row normalizer, and `debias` replaces it".to_string())
        } else if !matches!(
            leaf,
            Some(Kernel::Gaussian { .. } | Kernel::StudentT { .. })
        ) {
            Some("`exaggerate` needs a Gaussian or Student-t q (its row normalizer)".to_string())
        } else {
            None
        };
        if let Some(msg) = why {
            let d = Diagnostic::error(Code::Exaggeration, msg, span(&pstmt), "exaggerated p")
                .with_help("use `divergence = kl` and a `Gaussian`/`StudentT` q without `debias`, or drop `-> exaggerate(…)`");
            sink.emit(pstmt.file, d);
        }
    }
    if barnes_hut && (divergence != Divergence::Kl || debiased) {
        let msg = if debiased {
            "`repulsion = barnes_hut` computes q's own normalizer, and `debias` replaces it"
        } else {
            "`repulsion = barnes_hut` computes the KL loss only"
        };
        let d = Diagnostic::error(Code::BarnesHut, msg, span(&qstmt), "Barnes–Hut q")
            .with_help("use `divergence = kl` without `debias`, or `repulsion = dense`");
        sink.emit(qstmt.file, d);
    }
}

/// Every `scope = dataset` leaf of p reads the same data array (E0413): the
/// tables are built from one array's rows before training.
fn one_dataset_key_rule(sink: &mut Sink, p: &KernelExpr, pstmt: Stmt<'_>) {
    let mut keys = p.dataset_keys();
    keys.dedup();
    if keys.len() > 1 {
        let span = value(&pstmt).map(|v| v.span).unwrap_or(pstmt.target_span);
        let d = Diagnostic::error(
            Code::DatasetScope,
            format!(
                "`scope = dataset` kernels read `{}`: one array builds the tables",
                keys.join("` and `")
            ),
            span,
            "different data arrays",
        )
        .with_help("give every `scope = dataset` kernel of p the same `on` key");
        sink.emit(pstmt.file, d);
    }
}

/// `pairs = neighbors` draws each partner from p's data-set table, so p
/// needs a `scope = dataset` leaf (E0407).
fn neighbour_pairs_rule(sink: &mut Sink, data: &DataSpec, p: &KernelExpr, pstmt: Stmt<'_>) {
    if data.pairs != Pairs::Neighbors || !p.dataset_keys().is_empty() {
        return;
    }
    let span = value(&pstmt).map(|v| v.span).unwrap_or(pstmt.target_span);
    let d = Diagnostic::error(
        Code::ConflictingParameters,
        "`pairs = neighbors` draws partners from p's data-set table, and p has none",
        span,
        "no `scope = dataset` kernel",
    )
    .with_help("give p a data-set neighbour kernel, e.g. `p = UniformKNN(k = 1, scope = dataset) on x`, or use `pairs = views`");
    sink.emit(pstmt.file, d);
}

/// Rules that need both sides: same layout, q covers p's diagonal, views.
fn both_sides(
    sink: &mut Sink,
    (pf, pstmt): (&Facts, Stmt<'_>),
    (qf, qstmt): (&Facts, Stmt<'_>),
    data: &DataSpec,
) -> Option<Layout> {
    if let Some(span) = pf.augmentation {
        if data.views == 1 {
            let d = Diagnostic::warning(
                Code::EmptyRows,
                "`Augmentation` with one view: every row of p is empty",
                span,
                "no other views",
            )
            .with_help("set `views = 2` (and some `augment`) on the data source");
            sink.emit(pstmt.file, d);
        }
    }
    if pf.layout.0 != qf.layout.0 {
        let mut d = Diagnostic::error(Code::LayoutMismatch, "p and q have different shapes", qf.layout.1, format!("q is {}", layout_name(qf.layout.0)))
            .with_help("p and q need the same rows and columns: pairwise with pairwise, a class table with a kernel `on embedding, table`");
        if pstmt.file == qstmt.file {
            d = d.with_label(pf.layout.1, format!("p is {}", layout_name(pf.layout.0)));
        }
        sink.emit(qstmt.file, d);
        return None;
    }
    if pf.layout.0 == Layout::Pairwise && pf.self_mass && !qf.self_mass {
        let mut d = Diagnostic::error(
            Code::SupportMismatch,
            "p puts mass on self pairs that q excludes",
            qf.layout.1,
            "q excludes j = i",
        )
        .with_help("add `exclude_self = false` to q (KL is infinite where p > 0 and q = 0)");
        if pstmt.file == qstmt.file {
            d = d.with_label(pf.layout.1, "p includes j = i");
        }
        sink.emit(qstmt.file, d);
        return None;
    }
    Some(pf.layout.0)
}

/// Marks every key after `on` in `expr` as read, so that a kernel that
/// fails to check does not also make its keys look unused.
fn mark_on_keys(expr: &Expr, keys: &mut Keys) {
    match &expr.kind {
        ExprKind::Call(call) => {
            for k in &call.on {
                keys.mark_used(&k.name);
            }
        }
        ExprKind::Binary { lhs, rhs, .. } => {
            mark_on_keys(lhs, keys);
            mark_on_keys(rhs, keys);
        }
        ExprKind::Neg(e) | ExprKind::Paren(e) => mark_on_keys(e, keys),
        ExprKind::Pipeline(items) | ExprKind::List(items) => {
            items.iter().for_each(|e| mark_on_keys(e, keys))
        }
        _ => {}
    }
}
