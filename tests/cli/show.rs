//! `iconc show` prints the resolved method as a method file with every
//! default filled in, headed by `#` comments (keys, widths, layout). Round
//! trip: the output of every check fixture, checked as a file beside the
//! fixture, gives the fixture's IR.

use iconc::check::{self, FsLoader};
use iconc::Source;
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
        out.contains("hidden = [512, 512],") && out.contains(") -> Normalize() on x"),
        "{out}"
    );
    assert!(
        out.contains("optimizer = AdamW(lr = 0.0005, weight_decay = 0.0, betas = [0.9, 0.999])"),
        "{out}"
    );
    // No Rust Debug output anywhere.
    for debug in ["Some(", "None", "{ ", "Kl", "AdamW {", "Knn"] {
        assert!(!out.contains(debug), "`{debug}` in\n{out}");
    }
}

#[test]
fn show_output_checks_back_to_the_same_ir() {
    let mut failures = vec![];
    let mut tried = 0;
    for entry in std::fs::read_dir("tests/fixtures/check/ok").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "icon") {
            continue;
        }
        let (code, show, err) = iconc(&["show", path.to_str().unwrap()]);
        assert_eq!(code, 0, "{}: {err}", path.display());
        let original = check::check_path(&path, &FsLoader)
            .method
            .expect("an ok fixture checks");
        // Beside the fixture, so relative paths resolve alike.
        let sibling = path.with_file_name(format!(
            "shown_{}",
            path.file_name().unwrap().to_str().unwrap()
        ));
        let shown = check::check_source(
            Source::new(sibling.display().to_string(), show.as_str()),
            &FsLoader,
        );
        let errors: Vec<String> = shown
            .reports
            .iter()
            .filter(|r| r.diagnostic.is_error())
            .map(|r| format!("{} {}", r.diagnostic.code, r.diagnostic.message))
            .collect();
        tried += 1;
        if !errors.is_empty() || shown.method.as_ref() != Some(&original) {
            failures.push(format!("{}: {errors:?}\n{show}", path.display()));
        }
    }
    assert!(tried >= 12, "only {tried} fixtures");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn show_keeps_keys_widths_and_layout_as_comments() {
    let (code, out, err) = iconc(&["show", "tests/fixtures/check/ok/simclr.icon"]);
    assert_eq!(code, 0, "{err}");
    for line in [
        "#   x                B×784      float  data",
        "#   embedding        B×128      float  mapper 0",
        "#   0: embedding reads x (784 → 128)",
        "# layout: pairwise B×B",
    ] {
        assert!(out.contains(line), "`{line}` not in\n{out}");
    }
}
