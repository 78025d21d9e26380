//! Formatter tests: golden input → output pairs (expected text written by
//! hand from the layout rules in `src/fmt.rs`), idempotence and the AST
//! round trip on every `ok` fixture and every `methods/*.icon`.

use iconc::fmt::format;
use iconc::syntax::{erase_spans, parse};
use iconc::Source;
use std::path::{Path, PathBuf};

fn fmt(text: &str) -> String {
    format(&Source::new("t.icon", text)).unwrap_or_else(|d| panic!("syntax errors: {d:?}"))
}

#[test]
fn canonical_spacing() {
    assert_eq!(
        fmt("embedding=MLP(hidden=[512,512],out=128)->Normalize()  on   x\n"),
        "embedding = MLP(hidden = [512, 512], out = 128) -> Normalize() on x\n"
    );
    assert_eq!(
        fmt("p=(Augmentation() on index+0.5*UniformKNN(k=2) on x)->normalize->leak(0.3)"),
        "p = (Augmentation() on index + 0.5 * UniformKNN(k = 2) on x) -> normalize -> leak(0.3)\n"
    );
    assert_eq!(
        fmt("x = F(a = - 2, b = 1E-3)\n"),
        "x = F(a = -2, b = 1E-3)\n"
    );
    assert_eq!(fmt("q = G() on a ,b\n"), "q = G() on a, b\n");
}

#[test]
fn headers_first_then_body_in_source_order() {
    let input = "data = Mnist()\nmethod \"m\"\np = A() on index\nuse \"base.icon\"\nabout \"x\"\n";
    let expected =
        "method \"m\"\nuse \"base.icon\"\nabout \"x\"\n\ndata = Mnist()\np = A() on index\n";
    assert_eq!(fmt(input), expected);
}

#[test]
fn semicolons_become_lines_and_blank_runs_collapse() {
    assert_eq!(
        fmt("method \"m\"; about \"a\"\n\n\n\np = A() on i;q = B() on e\n\n\n\neval = [knn]\n"),
        "method \"m\"\nabout \"a\"\n\np = A() on i\nq = B() on e\n\neval = [knn]\n"
    );
}

#[test]
fn comments_are_kept_in_place() {
    let input = "\
# top
method \"m\"  # name

# about the kernel
p = A() on index   # trailing
# end
";
    let expected = "\
# top
method \"m\"  # name

# about the kernel
p = A() on index  # trailing
# end
";
    assert_eq!(fmt(input), expected);
}

#[test]
fn long_calls_break_one_argument_per_line() {
    let input = "train = Train(epochs = 10, optimizer = AdamW(lr = 1e-3, weight_decay = 1e-4), schedule = Cosine(warmup = 1), seed = 42)\n";
    let expected = "\
train = Train(
    epochs = 10,
    optimizer = AdamW(lr = 1e-3, weight_decay = 1e-4),
    schedule = Cosine(warmup = 1),
    seed = 42,
)
";
    assert_eq!(fmt(input), expected);
    // Short enough: joined back on one line.
    assert_eq!(
        fmt("train = Train(\n  epochs = 10,\n  seed = 42,\n)\n"),
        "train = Train(epochs = 10, seed = 42)\n"
    );
}

#[test]
fn a_long_pipeline_breaks_the_call_that_has_arguments() {
    let input = "embedding = MLP(hidden = [512, 512, 512, 512], out = 128, activation = gelu, batch_norm = true) -> Normalize() on x\n";
    let expected = "\
embedding = MLP(
    hidden = [512, 512, 512, 512],
    out = 128,
    activation = gelu,
    batch_norm = true,
) -> Normalize() on x
";
    assert_eq!(fmt(input), expected);
}

#[test]
fn comments_inside_calls_force_the_broken_layout() {
    let input = "train = Train(epochs = 10, # short\n # seed next\n seed = 42)\n";
    let expected = "\
train = Train(
    epochs = 10,  # short
    # seed next
    seed = 42,
)
";
    assert_eq!(fmt(input), expected);
}

#[test]
fn nested_calls_break_level_by_level() {
    let input = "train = Train(epochs = 10, optimizer = AdamW(lr = 1e-3, weight_decay = 1e-4, betas = [0.9, 0.999]), \
probe = Probe(every = 1, metrics = [knn, linear_probe, hungarian, nmi, ari, trustworthiness, alignment, uniformity, \
knn, linear_probe]))
eval = [ # metrics
 knn, # first
]
x = F(
  # nothing
)
";
    let expected = "\
train = Train(
    epochs = 10,
    optimizer = AdamW(lr = 1e-3, weight_decay = 1e-4, betas = [0.9, 0.999]),
    probe = Probe(
        every = 1,
        metrics = [
            knn,
            linear_probe,
            hungarian,
            nmi,
            ari,
            trustworthiness,
            alignment,
            uniformity,
            knn,
            linear_probe,
        ],
    ),
)
eval = [
    # metrics
    knn,  # first
]
x = F(
    # nothing
)
";
    assert_eq!(fmt(input), expected);
}

#[test]
fn strings_are_reescaped() {
    assert_eq!(
        fmt("about \"a \\\"q\\\" \\\\ b\\n\"\n"),
        "about \"a \\\"q\\\" \\\\ b\\n\"\n"
    );
}

#[test]
fn refuses_files_with_syntax_errors() {
    let err = format(&Source::new("t.icon", "p = \nq = G(\n")).unwrap_err();
    assert!(err.len() >= 2, "{err:?}");
    assert!(err.iter().all(|d| d.code.as_str().starts_with("E01")));
}

fn icon_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return vec![];
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "icon"))
        .collect();
    files.sort();
    files
}

/// fmt(fmt(x)) == fmt(x), and parse(fmt(x)) == parse(x) modulo spans, with
/// the same comment texts.
fn assert_stable(name: &str, text: &str) {
    let once = format(&Source::new(name, text)).unwrap_or_else(|d| panic!("{name}: {d:?}"));
    let twice = format(&Source::new(name, once.as_str())).unwrap();
    assert_eq!(once, twice, "{name}: formatting is not idempotent");
    let mut before = parse(&Source::new(name, text)).program;
    let mut after = parse(&Source::new(name, once.as_str())).program;
    let texts = |p: &iconc::ast::Program| {
        let mut t: Vec<String> = p
            .comments
            .iter()
            .map(|c| c.text.trim_end().to_string())
            .collect();
        t.sort();
        t
    };
    assert_eq!(texts(&before), texts(&after), "{name}: comments changed");
    before.comments.clear();
    after.comments.clear();
    erase_spans(&mut before);
    erase_spans(&mut after);
    // Headers move to the top; compare as multisets in a stable order.
    let key = |i: &iconc::ast::Item| matches!(i.kind, iconc::ast::ItemKind::Assign { .. });
    before.items.sort_by_key(key);
    assert_eq!(before, after, "{name}: reformatting changed the AST");
    // A long line (strings and comments aside) must not hold a breakable list.
    for line in once
        .lines()
        .filter(|l| !l.contains('"') && !l.contains('#'))
    {
        assert!(
            line.chars().count() <= 100 || !line.contains(", "),
            "{name}: long line {line}"
        );
    }
}

#[test]
fn ok_fixtures_and_methods_are_stable() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = icon_files(&root.join("tests/fixtures/parse/ok"));
    files.extend(icon_files(&root.join("methods")));
    assert!(!files.is_empty());
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        assert_stable(&file.display().to_string(), &text);
    }
}
