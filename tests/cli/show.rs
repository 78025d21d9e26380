//! `iconc show` prints leaf kernels and mapper stages in `.icon` syntax with
//! every default filled in. Round trip: a file that `use`s a fixture and
//! redefines p/q with the printed text must check to the same IR.

use std::path::Path;
use std::process::Command;

fn iconc(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_iconc"))
        .args(args)
        .output()
        .expect("run iconc");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The printed kernel of `side` ("p" or "q") when it is a single leaf.
fn leaf(show: &str, side: &str) -> Option<String> {
    let mut lines = show.lines().skip_while(|l| *l != side).skip(1);
    let first = lines.next()?;
    let next = lines.next().unwrap_or("");
    let is_leaf = first.starts_with("  ")
        && !first.starts_with("   ")
        && first.contains("(")
        && first.contains(") on ")
        && !next.starts_with("   ");
    is_leaf.then(|| first.trim().to_string())
}

fn ir(path: &Path) -> serde_json::Value {
    // The copies live in a temp dir and `use` the repo's fixtures: widen the
    // root to both on purpose.
    let (code, out, err) = iconc(&[
        "show",
        "--root",
        "/",
        "--format",
        "json",
        path.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap()
}

#[test]
fn printed_kernels_and_stages_are_icon_syntax() {
    let (code, out, err) = iconc(&["show", "tests/fixtures/check/ok/simclr_small.icon"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(
            "Gaussian(sigma = 0.5, metric = cosine, exclude_self = true, learnable = false) on embedding"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "-> MLP(hidden = [512, 512], out = 128, activation = relu, batch_norm = false)"
        ),
        "{out}"
    );
    assert!(!out.contains("sigma: Some"), "{out}");
}

#[test]
fn printed_leaf_kernels_check_back_to_the_same_ir() {
    let dir = tempfile::tempdir().unwrap();
    let mut tried = 0;
    for entry in std::fs::read_dir("tests/fixtures/check/ok").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "icon") {
            continue;
        }
        let (code, show, err) = iconc(&["show", path.to_str().unwrap()]);
        assert_eq!(code, 0, "{}: {err}", path.display());
        // Graph paths are stored relative to the using file, so the IR of
        // a copy elsewhere differs by design; such fixtures are skipped.
        if show.contains("Graph(") {
            continue;
        }
        let abs = std::fs::canonicalize(&path).unwrap();
        let mut text = format!("use {:?}\n", abs.display().to_string());
        for side in ["p", "q"] {
            if let Some(k) = leaf(&show, side) {
                text.push_str(&format!("{side} = {k}\n"));
                tried += 1;
            }
        }
        let copy = dir.path().join(path.file_name().unwrap());
        std::fs::write(&copy, &text).unwrap();
        let (a, b) = (ir(&path), ir(&copy));
        assert_eq!(a["p"], b["p"], "{}\n{text}", path.display());
        assert_eq!(a["q"], b["q"], "{}\n{text}", path.display());
    }
    assert!(tried >= 12, "only {tried} leaf kernels round-tripped");
}
