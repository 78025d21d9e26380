//! Robustness: checking never panics on mutated valid files, every label
//! lies inside its file, and rendering never fails. Plus a size/speed check.

use iconc::check::{check_source, Loader};
use iconc::diag::render::{human, json};
use iconc::Source;
use proptest::prelude::*;
use std::io;
use std::path::Path;

/// Serves the ok fixtures from memory (so `use` works) and nothing else.
struct Fixtures;

impl Loader for Fixtures {
    fn load(&self, path: &Path) -> io::Result<String> {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        std::fs::read_to_string(Path::new("tests/fixtures/check/ok").join(name))
    }
}

fn ok_sources() -> Vec<String> {
    let mut files: Vec<_> = std::fs::read_dir("tests/fixtures/check/ok")
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    files
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .collect()
}

const TOKENS: &[&str] = &[
    "(",
    ")",
    "=",
    ",",
    "->",
    " on ",
    "*",
    "+",
    "-",
    "[",
    "]",
    "\"",
    "Gaussian",
    "x",
    "label",
    "index",
    "0",
    "-1",
    "1e309",
    "2.5",
    "true",
    "\n",
    "p",
    "q",
    "data",
    "use \"simclr.icon\"\n",
    "method",
    "é",
    "#",
    "LookUpTable(get_all = true)",
    "Label(table = true)",
    "embedding",
    "views = 0",
    "batch = 1",
    ";",
    "normalize",
];

/// One edit: (kind, position fraction, token index).
fn apply(text: &str, edits: &[(u8, f64, usize)]) -> String {
    let mut s = text.to_string();
    for &(kind, at, tok) in edits {
        let mut pos = ((s.len() as f64) * at) as usize;
        while pos > 0 && !s.is_char_boundary(pos) {
            pos -= 1;
        }
        let token = TOKENS[tok % TOKENS.len()];
        match kind % 3 {
            0 => s.insert_str(pos, token),
            1 => {
                let mut end = (pos + 1 + tok % 12).min(s.len());
                while end < s.len() && !s.is_char_boundary(end) {
                    end += 1;
                }
                s.replace_range(pos..end, "");
            }
            _ => {
                let lines: Vec<&str> = s.lines().collect();
                if let Some(line) = lines.get(tok % lines.len().max(1)) {
                    let line = format!("{line}\n");
                    s.insert_str(pos, &line);
                }
            }
        }
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn check_never_panics_on_mutations(which in 0usize..64, edits in prop::collection::vec((0u8..3, 0.0f64..1.0, 0usize..64), 1..6)) {
        let sources = ok_sources();
        let base = &sources[which % sources.len()];
        let text = apply(base, &edits);
        let checked = check_source(Source::new("tests/fixtures/check/ok/mutant.icon", text), &Fixtures);
        for r in &checked.reports {
            for l in &r.diagnostic.labels {
                prop_assert!(l.span.start <= l.span.end && l.span.end <= r.source.text.len(), "label {:?} outside {}", l.span, r.source.name);
            }
        }
        let _ = human::render(&checked.reports, human::HumanOptions::plain());
        let _ = json::render(&checked.reports);
        prop_assert_eq!(checked.method.is_some(), !checked.has_errors());
    }
}

/// A 1,000-line method: a chain of mapper pipelines.
fn big_file() -> String {
    let mut s = String::from(
        "method \"big\"\ndata = Mnist(views = 2, batch = 256)\nk0 = Linear(out = 8) on x\n",
    );
    for i in 1..996 {
        s.push_str(&format!(
            "k{i} = Linear(out = 8) -> Normalize() on k{}\n",
            i - 1
        ));
    }
    s.push_str("p = Augmentation() on index\nq = Gaussian(sigma = 0.5, metric = cosine) on k995\n");
    s
}

#[test]
fn a_thousand_line_file_checks_quickly() {
    let text = big_file();
    assert!(text.lines().count() >= 1000);
    let start = std::time::Instant::now();
    let checked = check_source(Source::new("big.icon", text.clone()), &Fixtures);
    let first = start.elapsed();
    assert!(
        checked.reports.is_empty(),
        "{:?}",
        checked.reports.first().map(|r| &r.diagnostic)
    );
    assert_eq!(checked.method.map(|m| m.mappers.len()), Some(996));
    // Reversed order exercises the dependency sort's worst case.
    let mut lines: Vec<&str> = text.lines().collect();
    lines.reverse();
    let reversed = lines.join("\n");
    let start = std::time::Instant::now();
    let checked = check_source(Source::new("big.icon", reversed), &Fixtures);
    let second = start.elapsed();
    assert!(!checked.has_errors());
    eprintln!("1000-line check: {first:?} (in order), {second:?} (reversed)");
    // Generous bound for unoptimized test builds on a shared 2-core machine;
    // the release number is reported separately.
    assert!(first.as_millis() < 2000 && second.as_millis() < 4000);
}

/// Valid programs built from parts: each must check clean, and the IR must
/// carry the numbers that were written.
mod valid_programs {
    use super::*;

    fn p_kernel(choice: usize, k: usize, perplexity: f64) -> String {
        match choice % 6 {
            0 => "Augmentation() on index".into(),
            1 => "Label() on label".into(),
            2 => format!("UniformKNN(k = {k}, metric = cosine) on x"),
            3 => format!("Gaussian(perplexity = {perplexity}) on x"),
            4 => format!("(Augmentation() on index + 0.5 * UniformKNN(k = {k}) on x) -> normalize -> leak(0.3)"),
            _ => "Label() on label -> propagate(steps = 2) -> symmetrize".into(),
        }
    }

    fn q_kernel(choice: usize, sigma: f64, alpha: f64) -> String {
        match choice % 5 {
            0 => format!("Gaussian(sigma = {sigma}, metric = cosine) on embedding"),
            1 => format!("StudentT(dof = {sigma}, gamma = 1) on embedding"),
            2 => "GaussianLimit(limit = zero) on embedding".into(),
            3 => format!(
                "Gaussian(sigma = {sigma}, learnable = true) on embedding -> debias({alpha})"
            ),
            _ => "GaussianLimit(limit = inf, metric = dot) on embedding".into(),
        }
    }

    fn mapper(choice: usize, hidden: usize, out: usize) -> String {
        match choice % 4 {
            0 => format!("MLP(hidden = [{hidden}], out = {out}) -> Normalize() on x"),
            1 => format!("SimpleCNN(out = {out}) on x"),
            2 => format!("Linear(out = {out}) on x"),
            _ => format!("MLP(hidden = [{hidden}, {hidden}], out = {out}, activation = gelu) -> Linear(out = {out})"),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn built_programs_check_clean(
            half_batch in 8usize..200, pc in 0usize..6, qc in 0usize..5, mc in 0usize..4,
            k_frac in 0.0f64..1.0, perp_frac in 0.0f64..1.0, sigma in 0.01f64..10.0, alpha in 0.0f64..0.99,
            hidden in 1usize..600, out in 1usize..300, epochs in 1usize..100, lr in 1e-6f64..1.0,
        ) {
            let batch = 2 * half_batch;
            // Valid ranges: 1 ≤ k ≤ batch − 1 and 1 < perplexity < batch.
            let k = 1 + ((batch - 2) as f64 * k_frac) as usize;
            let perplexity = 1.5 + (batch as f64 - 2.0) * perp_frac;
            let text = format!(
                "method \"gen\"\ndata = Mnist(views = 2, augment = [Crop(scale = 0.5)], batch = {batch})\nembedding = {}\np = {}\nq = {}\ntrain = Train(epochs = {epochs}, optimizer = Adam(lr = {lr:e}))\n",
                mapper(mc, hidden, out), p_kernel(pc, k, perplexity), q_kernel(qc, sigma, alpha),
            );
            let checked = check_source(Source::new("gen.icon", text.clone()), &Fixtures);
            let rendered = human::render(&checked.reports, human::HumanOptions::plain());
            prop_assert!(checked.reports.is_empty(), "{text}\n{rendered}");
            let m = checked.method.expect("clean means a method");
            prop_assert_eq!(m.data.batch, batch);
            prop_assert_eq!(m.train.epochs, epochs);
            prop_assert_eq!(m.mappers.len(), 1);
            prop_assert_eq!(m.mappers[0].in_dim, 784);
            prop_assert_eq!(m.mappers[0].out_dim, out);
            prop_assert_eq!(m.layout, iconc::ir::Layout::Pairwise);
        }
    }
}
