//! Writing to stdout never panics: a closed pipe ends quietly with the
//! command's own exit code, a full device is E0702 with exit 2; and the CLI's
//! `--epochs`/`--steps` overrides keep the checker's `≥ 1` rule; hostile
//! input (a 70,000-column line, a 10,000-stage pipeline, sizes of 2³²) is a
//! coded diagnostic, never a panic or an abort.

use std::process::{Command, Stdio};

fn iconc() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_iconc"));
    c.env("NO_COLOR", "1");
    c
}

#[test]
fn full_device_is_a_coded_error_not_a_panic() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        eprintln!("skipped: no /dev/full on this system");
        return;
    };
    for args in [
        &["table", "methods"][..],
        &["explain", "E0201"],
        &["show", "methods/tsne.icon"],
    ] {
        let out = iconc()
            .args(args)
            .stdout(full.try_clone().expect("dup /dev/full"))
            .output()
            .expect("iconc runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("E0702"), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

#[test]
fn closed_pipe_ends_quietly() {
    let mut child = iconc()
        .args(["check", "--format", "json", "methods"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("iconc runs");
    drop(child.stdout.take()); // the reader goes away before iconc writes
    let out = child.wait_with_output().expect("iconc exits");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("panicked") && !err.contains("E0702"), "{err}");
}

#[test]
fn zero_epochs_or_steps_are_refused_before_any_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    for flag in ["--epochs", "--steps"] {
        let run_dir = dir.path().join(flag.trim_start_matches('-'));
        let out = iconc()
            .args(["run", "methods/tsne.icon", flag, "0", "--out"])
            .arg(&run_dir)
            .output()
            .expect("iconc runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flag}: {err}");
        assert!(err.contains("at least 1"), "{flag}: {err}");
        assert!(!run_dir.exists(), "{flag}: a run directory was created");
    }
}

/// Runs `iconc ARGS FILE` on `text`; returns (exit code, stderr).
fn on_file(args: &[&str], text: &str) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("m.icon");
    std::fs::write(&file, text).expect("write method");
    let out = iconc().args(args).arg(&file).output().expect("iconc runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const TINY: &str = "method \"m\"\ndata = Blobs(n = 64, dim = 2, batch = 16)\nembedding = Linear(out = 2) on x\np = Gaussian(sigma = 1) on x\nq = StudentT(gamma = 1) on embedding\n";

#[test]
fn a_diagnostic_past_column_65535_is_drawn_not_a_panic() {
    // miette's graphical handler used to panic on columns past u16::MAX.
    let text = format!("method \"m\"\n{}zz\n", " ".repeat(70_000));
    for cmd in ["check", "show", "fmt", "run"] {
        let (code, err) = on_file(&[cmd], &text);
        assert_eq!(code, Some(1), "{cmd}: {err}");
        assert!(!err.contains("panicked"), "{cmd}: {err}");
        assert!(err.contains("[E0"), "{cmd}: a coded diagnostic: {err}");
        assert!(err.contains("…"), "{cmd}: the long line is cut: {err}");
        assert!(err.len() < 4_000, "{cmd}: {} bytes of output", err.len());
    }
}

#[test]
fn a_pipeline_of_ten_thousand_stages_is_too_deep_not_a_stack_overflow() {
    let stages = " -> debias(0.1)".repeat(10_000);
    let text = TINY.replace(
        "q = StudentT(gamma = 1) on embedding",
        &format!("q = StudentT(gamma = 1) on embedding{stages}"),
    );
    let (code, err) = on_file(&["check"], &text);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("E0111"), "{err}");
}

#[test]
fn sizes_beyond_two_to_the_24_are_range_errors() {
    for (from, to) in [
        ("Linear(out = 2)", "LookUpTable(dim = 4294967296)"),
        ("Linear(out = 2)", "MLP(hidden = [4000000000], out = 2)"),
        ("n = 64", "n = 99999999999999"),
        ("dim = 2", "dim = 999999999"),
        ("batch = 16", "batch = 4294967296"),
    ] {
        let text = TINY.replace(from, to);
        let (code, err) = on_file(&["check"], &text);
        assert_eq!(code, Some(1), "{to}: {err}");
        assert!(err.contains("16777216"), "{to}: names the limit: {err}");
    }
}

#[test]
fn a_data_set_too_large_to_allocate_is_refused_before_loading() {
    // 16M × 16M floats: each size is allowed, their product is 1 PiB.
    let text = TINY
        .replace("n = 64", "n = 16777216")
        .replace("dim = 2", "dim = 16777216");
    let (code, err) = on_file(&["run", "--steps", "1"], &text);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("E0706"), "{err}");
}
