//! `iconc table` end to end on the standard library and on a user folder.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::cells::CELLS;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn iconc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_iconc"))
        .current_dir(root())
        .args(args)
        .output()
        .expect("run iconc")
}

fn json(args: &[&str]) -> serde_json::Value {
    let out = iconc(args);
    assert!(
        out.status.success(),
        "iconc {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

/// (name, column, row, new) for every placed method.
fn placed(v: &serde_json::Value) -> Vec<(String, String, String, bool)> {
    let mut out = Vec::new();
    for cell in v["cells"].as_array().expect("cells") {
        for m in cell["methods"].as_array().expect("methods") {
            out.push((
                m["name"].as_str().unwrap_or("").to_string(),
                cell["column"].as_str().unwrap_or("").to_string(),
                cell["row"].as_str().unwrap_or("").to_string(),
                m["new"].as_bool().unwrap_or(false),
            ));
        }
    }
    out
}

#[test]
fn the_standard_library_fills_all_37_cells() {
    // Default path is methods/.
    let v = json(&["table", "--format", "json"]);
    let placed = placed(&v);
    assert_eq!(placed.len(), 37, "{placed:?}");
    for (name, column, row, gap) in CELLS {
        let found = placed
            .iter()
            .find(|p| p.0 == name)
            .unwrap_or_else(|| panic!("{name} not placed"));
        assert_eq!(
            (found.1.as_str(), found.2.as_str()),
            (column, row),
            "{name}"
        );
        assert_eq!(found.3, gap, "{name}: new iff the spec marks a gap");
    }
    assert_eq!(v["summary"]["filled_positions"], 30);
    assert_eq!(v["summary"]["gaps_filled"], 12);
    assert_eq!(v["summary"]["new_methods"], 12);
    assert_eq!(v["unplaced"].as_array().map(Vec::len), Some(0));
}

#[test]
fn terminal_and_markdown_show_every_method() {
    for format in ["term", "md"] {
        let out = iconc(&["table", "methods", "--format", format, "--color", "never"]);
        assert!(out.status.success(), "{format}");
        let text = String::from_utf8_lossy(&out.stdout);
        for (name, _, _, gap) in CELLS {
            assert!(text.contains(name), "{format}: {name}");
            let marked = match format {
                // Grid cells are space-padded, so the trailing space ends the name.
                "term" => format!("◇ {name} "),
                _ => format!("◇ *{name}*"),
            };
            assert_eq!(
                text.contains(&marked),
                gap,
                "{format}: {name} marked new iff a gap"
            );
        }
        assert!(text.contains("37 methods (12 new"), "{format}:\n{text}");
        assert!(
            text.contains("in 30 of 45 cells; 12 of 12 gaps filled"),
            "{format}:\n{text}"
        );
    }
}

#[test]
fn a_users_folder_is_placed_and_shares_cells() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Two methods in one cell: a copy of SimCLR under another name, plus a
    // method in a position the paper leaves empty (Identity × Student-T).
    let simclr = std::fs::read_to_string(root().join("methods/simclr.icon")).expect("read");
    std::fs::write(
        dir.path().join("mine.icon"),
        simclr.replace("method \"simclr\"", "method \"my_simclr\""),
    )
    .expect("write");
    let pca = std::fs::read_to_string(root().join("methods/pca.icon")).expect("read");
    let ident_t = pca.replace("method \"pca\"", "method \"ident_t\"").replace(
        "q = GaussianLimit(limit = inf, metric = euclidean, exclude_self = false) on embedding",
        "q = StudentT(dof = 1, gamma = 1, exclude_self = false) on embedding",
    );
    std::fs::write(dir.path().join("ident_t.icon"), ident_t).expect("write");
    let user = dir.path().to_string_lossy().to_string();
    let v = json(&["table", "methods/simclr.icon", &user, "--format", "json"]);
    let placed = placed(&v);
    let pp: Vec<&str> = placed
        .iter()
        .filter(|p| p.1 == "positive_pairs" && p.2 == "gaussian")
        .map(|p| p.0.as_str())
        .collect();
    assert_eq!(pp, ["simclr", "my_simclr"]);
    let it = placed
        .iter()
        .find(|p| p.0 == "ident_t")
        .expect("ident_t placed");
    assert_eq!(
        (it.1.as_str(), it.2.as_str(), it.3),
        ("identity", "student_t", true)
    );
}

#[test]
fn a_missing_path_is_a_usage_error() {
    let out = iconc(&["table", "no/such/dir"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_broken_file_is_reported_and_the_rest_still_shown() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("broken.icon"),
        "method \"broken\"\np = Nope(\n",
    )
    .expect("write");
    let simclr: PathBuf = root().join("methods/simclr.icon");
    let out = iconc(&[
        "table",
        &simclr.to_string_lossy(),
        &dir.path().to_string_lossy(),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(placed(&v).len(), 1);
    assert!(String::from_utf8_lossy(&out.stderr).contains("broken.icon"));
}

#[test]
fn the_debiased_infonce_clustering_variant_stays_in_its_cell() {
    // The paper's debiased variant (methods/infonce_clustering.icon header):
    // Aug + kNN tie, leftmost wins → Uniform over Positive Pairs.
    let dir = tempfile::tempdir().expect("tempdir");
    let base =
        std::fs::read_to_string(root().join("methods/infonce_clustering.icon")).expect("read");
    let variant = base
        .replace("method \"infonce_clustering\"", "method \"infonce_clustering_debiased\"")
        .replace(
            "\np = Augmentation() on index\n",
            "\np = (Augmentation() on index + UniformKNN(k = 3, metric = cosine) on x) -> normalize -> propagate(steps = 2) -> leak(0.6)\n",
        )
        .replace("\nq = UniformCluster() on cluster\n", "\nq = UniformCluster() on cluster -> debias(0.6)\n");
    assert!(variant.contains("leak(0.6)") && variant.contains("debias(0.6)"));
    std::fs::write(dir.path().join("debiased.icon"), variant).expect("write");
    let v = json(&["table", &dir.path().to_string_lossy(), "--format", "json"]);
    let placed = placed(&v);
    assert_eq!(placed.len(), 1, "{v}");
    assert_eq!(
        (placed[0].1.as_str(), placed[0].2.as_str(), placed[0].3),
        ("positive_pairs", "uniform_clusters", false)
    );
}

#[test]
fn a_file_named_twice_is_listed_once() {
    let v = json(&[
        "table",
        "methods",
        "methods/simclr.icon",
        "--format",
        "json",
    ]);
    assert_eq!(placed(&v).len(), 37);
}
