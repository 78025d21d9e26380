//! The standard library `methods/*.icon`: one file per spec §5 cell, each
//! checks clean, each carries its header, and the graph data is well formed.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::cells::CELLS;

fn methods_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("methods")
}

fn icon_files() -> Vec<PathBuf> {
    iconc::check::icon_files(&methods_dir()).expect("methods/ exists")
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("")
        .to_string()
}

#[test]
fn one_file_per_spec_cell() {
    let mut have: Vec<String> = icon_files().iter().map(|p| stem(p)).collect();
    let mut want: Vec<String> = CELLS.iter().map(|c| c.0.to_string()).collect();
    have.sort();
    want.sort();
    assert_eq!(have, want);
}

#[test]
fn every_file_checks_clean() {
    let mut failures = Vec::new();
    for file in icon_files() {
        let out = Command::new(env!("CARGO_BIN_EXE_iconc"))
            .arg("check")
            .arg(&file)
            .output()
            .expect("run iconc");
        if !out.status.success() {
            failures.push(format!(
                "{}: exit {:?}\n{}{}",
                file.display(),
                out.status.code(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} files fail `iconc check`:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The header is the leading block of `#` lines.
fn header(text: &str) -> Vec<&str> {
    text.lines().take_while(|l| l.starts_with('#')).collect()
}

#[test]
fn every_file_has_header_and_all_statements() {
    for file in icon_files() {
        let text = std::fs::read_to_string(&file).expect("read");
        let name = stem(&file);
        let head = header(&text).join("\n");
        for field in [
            "# Cell: ",
            "(p column) × ",
            "(q row)",
            "# Paper: ",
            "# Loss",
            "Status: ",
        ] {
            assert!(head.contains(field), "{name}: header lacks `{field}`");
        }
        let (_, _, _, gap) = CELLS
            .iter()
            .find(|c| c.0 == name)
            .copied()
            .expect("spec cell");
        let status = if gap {
            "Status: new (◇ gap"
        } else {
            "Status: known."
        };
        assert!(
            head.contains(status),
            "{name}: header should say `{status}`"
        );
        assert!(
            text.contains(&format!("\nmethod \"{name}\"\n")),
            "{name}: `method` must match the file name"
        );
        for stmt in [
            "\nabout \"",
            "\ncite \"",
            "\ndata = ",
            "\np = ",
            "\nq = ",
            "\ndivergence = ",
            "\ntrain = Train(",
            "\neval = [",
        ] {
            assert!(text.contains(stmt), "{name}: missing `{}`", stmt.trim());
        }
    }
}

#[test]
fn graph_file_is_a_symmetric_edge_list_over_the_digits() {
    let text =
        std::fs::read_to_string(methods_dir().join("data/digits_knn10.edges")).expect("edges file");
    let mut edges = std::collections::BTreeSet::new();
    for (n, line) in text.lines().enumerate() {
        let parts: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(parts.len(), 3, "line {}: `i j w`", n + 1);
        let i: usize = parts[0].parse().expect("i");
        let j: usize = parts[1].parse().expect("j");
        let w: f64 = parts[2].parse().expect("w");
        assert!(i < 1797 && j < 1797 && i != j, "line {}", n + 1);
        assert_eq!(w, 1.0);
        edges.insert((i, j));
    }
    assert!(
        edges.iter().all(|(i, j)| edges.contains(&(*j, *i))),
        "W must be symmetric"
    );
    // A 10-NN graph: every node has at least 10 neighbours.
    let mut degree = vec![0usize; 1797];
    for (i, _) in &edges {
        degree[*i] += 1;
    }
    assert!(degree.iter().all(|d| *d >= 10));
    // Every graph cell reads this file.
    for name in ["sne_graph", "tsne_graph", "ncuts"] {
        let text =
            std::fs::read_to_string(methods_dir().join(format!("{name}.icon"))).expect("read");
        assert!(
            text.contains("Graph(path = \"data/digits_knn10.edges\""),
            "{name}"
        );
    }
}

#[test]
fn every_file_parses_without_syntax_errors() {
    for file in icon_files() {
        let text = std::fs::read_to_string(&file).expect("read");
        let parsed = iconc::syntax::parse(&iconc::Source::new(file.display().to_string(), text));
        assert!(
            parsed.is_ok(),
            "{}: {:#?}",
            file.display(),
            parsed.diagnostics
        );
    }
}

#[test]
fn every_file_is_canonically_formatted() {
    let out = Command::new(env!("CARGO_BIN_EXE_iconc"))
        .args(["fmt", "--check"])
        .arg(methods_dir())
        .output()
        .expect("run iconc");
    assert!(
        out.status.success(),
        "run `iconc fmt methods/`:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The MNIST examples the quality report trains (`examples/methods/`) stay
/// checked and formatted like the std lib.
#[test]
fn example_methods_check_and_format_clean() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/methods");
    for args in [&["check"][..], &["fmt", "--check"][..]] {
        let out = Command::new(env!("CARGO_BIN_EXE_iconc"))
            .args(args)
            .arg(&dir)
            .output()
            .expect("run iconc");
        assert!(
            out.status.success(),
            "`iconc {} examples/methods` failed:\n{}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
