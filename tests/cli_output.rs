//! Writing to stdout never panics: a closed pipe ends quietly with the
//! command's own exit code, a full device is E0702 with exit 2; and the CLI's
//! `--epochs`/`--steps` overrides keep the checker's `≥ 1` rule.

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
