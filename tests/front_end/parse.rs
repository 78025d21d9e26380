//! One test per construct of `docs/language.md`: the AST shape `parse` builds.

use iconc::ast::{BinOp, Expr, ExprKind, ItemKind, Program};
use iconc::syntax::{parse, validate_spans};
use iconc::Source;

/// Parses text that must be clean; checks spans.
fn ok(text: &str) -> Program {
    let parsed = parse(&Source::new("t.icon", text));
    assert!(
        parsed.diagnostics.is_empty(),
        "{text}: {:?}",
        parsed.diagnostics
    );
    validate_spans(&parsed.program, text.len()).unwrap();
    parsed.program
}

/// The value of the only statement `x = …`.
fn value(text: &str) -> Expr {
    let program = ok(&format!("x = {text}"));
    match program.items.into_iter().next().map(|i| i.kind) {
        Some(ItemKind::Assign { value, .. }) => value,
        other => panic!("{other:?}"),
    }
}

fn num(e: &Expr) -> (f64, bool) {
    match e.kind {
        ExprKind::Number { value, is_int } => (value, is_int),
        ref other => panic!("not a number: {other:?}"),
    }
}

#[test]
fn header_statements() {
    let p = ok("method \"simclr\"\nabout \"a\"\ncite \"c\"\nuse \"base.icon\"\n");
    let kinds: Vec<String> = p
        .items
        .iter()
        .map(|i| match &i.kind {
            ItemKind::Meta { key, value } => format!("{}={}", key.name, value.value),
            ItemKind::Use { path } => format!("use={}", path.value),
            ItemKind::Assign { .. } => "assign".into(),
        })
        .collect();
    assert_eq!(
        kinds,
        ["method=simclr", "about=a", "cite=c", "use=base.icon"]
    );
}

#[test]
fn numbers() {
    assert_eq!(num(&value("3")), (3.0, true));
    assert_eq!(num(&value("-2")), (-2.0, true));
    assert_eq!(num(&value("0.5")), (0.5, false));
    assert_eq!(num(&value("1e-3")), (0.001, false));
    assert_eq!(num(&value("2.5E+4")), (25000.0, false));
    // The folded minus is part of the literal's span.
    assert_eq!(value("- 2").span.start, 4);
}

#[test]
fn strings_bools_names_lists() {
    assert_eq!(
        value("\"a\\\"b\\\\c\\nd\"").kind,
        ExprKind::Str("a\"b\\c\nd".into())
    );
    assert_eq!(value("true").kind, ExprKind::Bool(true));
    assert_eq!(value("false").kind, ExprKind::Bool(false));
    assert!(matches!(value("cosine").kind, ExprKind::Name(ref n) if n.name == "cosine"));
    match value("[1, 2, 3,]").kind {
        ExprKind::List(items) => assert_eq!(items.len(), 3),
        other => panic!("{other:?}"),
    }
    assert!(matches!(value("[]").kind, ExprKind::List(ref v) if v.is_empty()));
}

#[test]
fn calls_with_named_and_positional_args_and_on() {
    let e = value("Gaussian(0.5, metric = cosine,) on embedding, class_embedding");
    let ExprKind::Call(call) = e.kind else {
        panic!()
    };
    assert_eq!(call.name.name, "Gaussian");
    assert_eq!(call.args.len(), 2);
    assert!(call.args[0].name.is_none());
    assert_eq!(call.args[1].name.as_ref().unwrap().name, "metric");
    let keys: Vec<&str> = call.on.iter().map(|k| k.name.as_str()).collect();
    assert_eq!(keys, ["embedding", "class_embedding"]);
}

#[test]
fn a_key_followed_by_equals_is_the_next_argument() {
    let e = value("F(K() on x, b = 1, L() on y, z)");
    let ExprKind::Call(call) = e.kind else {
        panic!()
    };
    assert_eq!(call.args.len(), 3);
    let ExprKind::Call(k) = &call.args[0].value.kind else {
        panic!()
    };
    assert_eq!(k.on.len(), 1);
    let ExprKind::Call(l) = &call.args[2].value.kind else {
        panic!()
    };
    // Decision: after `on`, `, name` continues the key list.
    assert_eq!(l.on.len(), 2);
    // Parentheses end the key list.
    let e = value("F((K() on x), y)");
    let ExprKind::Call(call) = e.kind else {
        panic!()
    };
    assert_eq!(call.args.len(), 2);
}

#[test]
fn precedence_and_associativity() {
    // a + b * c - d  ==  (a + (b * c)) - d
    let e = value("A() + 2 * B() - C()");
    let ExprKind::Binary {
        op: BinOp::Sub,
        lhs,
        ..
    } = e.kind
    else {
        panic!("{e:?}")
    };
    let ExprKind::Binary {
        op: BinOp::Add,
        rhs,
        ..
    } = lhs.kind
    else {
        panic!()
    };
    assert!(matches!(rhs.kind, ExprKind::Binary { op: BinOp::Mul, .. }));
}

#[test]
fn pipelines_bind_tighter_than_operators() {
    let e = value("A() on i + B() on x -> normalize -> leak(0.3)");
    let ExprKind::Binary {
        op: BinOp::Add,
        rhs,
        ..
    } = e.kind
    else {
        panic!()
    };
    let ExprKind::Pipeline(stages) = rhs.kind else {
        panic!()
    };
    assert_eq!(stages.len(), 3);
    assert!(matches!(stages[1].kind, ExprKind::Name(_)));
    assert!(matches!(stages[2].kind, ExprKind::Call(_)));
}

#[test]
fn stage_calls_take_on() {
    let e = value("MLP(out = 2) -> Normalize() on x");
    let ExprKind::Pipeline(stages) = e.kind else {
        panic!()
    };
    let ExprKind::Call(last) = &stages[1].kind else {
        panic!()
    };
    assert_eq!(last.on[0].name, "x");
}

#[test]
fn parens_and_negation_are_kept() {
    assert!(matches!(value("(A() on i)").kind, ExprKind::Paren(_)));
    assert!(matches!(value("-A() on i").kind, ExprKind::Neg(_)));
    assert!(matches!(value("-(2)").kind, ExprKind::Neg(_)));
}

#[test]
fn statements_continue_over_lines_and_split_on_semicolons() {
    let p = ok("p = A() on i\n  + B() on x\nq = C(\n  a = 1,\n) on e; r = D()\n");
    assert_eq!(p.items.len(), 3);
}

#[test]
fn comments_are_collected_not_parsed() {
    let p = ok("# one\np = A( # two\n) on i # three\n");
    let texts: Vec<&str> = p.comments.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(texts, [" one", " two", " three"]);
    assert_eq!(p.items.len(), 1);
}

#[test]
fn every_error_is_reported_and_good_statements_survive() {
    let text = "method \"m\"\np =\nq = Gaussian(sigma = 0.5 metric = cosine) on e\ndata = Mnist()\neval = [knn,, nmi]\ntrain = Train()\n";
    let parsed = parse(&Source::new("t", text));
    let codes: Vec<&str> = parsed.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["E0107", "E0113", "E0107"]);
    assert_eq!(
        parsed.program.items.len(),
        3,
        "method, data and train parse"
    );
    validate_spans(&parsed.program, text.len()).unwrap();
}

#[test]
fn very_deep_nesting_is_a_diagnostic_not_a_crash() {
    for n in [200, 5_000] {
        let text = format!("p = {}A(){}", "(".repeat(n), ")".repeat(n));
        let parsed = parse(&Source::new("t", text.as_str()));
        assert_eq!(parsed.diagnostics.len(), 1);
        assert_eq!(parsed.diagnostics[0].code, "E0111");
    }
    let long = format!("p = {}1", "1 + ".repeat(2_000));
    assert_eq!(
        parse(&Source::new("t", long.as_str())).diagnostics[0].code,
        "E0111"
    );
}

#[test]
fn empty_and_comment_only_files() {
    assert!(ok("").items.is_empty());
    assert!(ok("# just a comment\n\n;;\n").items.is_empty());
}

#[test]
fn crlf_and_byte_order_mark() {
    let p = ok("\u{feff}method \"m\"\r\np = A() on i # c\r\nq = B(\r\n  a = 1,\r\n) on e\r\n");
    assert_eq!(p.items.len(), 3);
    let out = iconc::fmt::format(&Source::new("t", "\u{feff}p = A() on i # c\r\n")).unwrap();
    assert_eq!(out, "p = A() on i  # c\n");
}
