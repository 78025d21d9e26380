//! The `iconc check|explain|show` command lines: exit codes and output forms.

use std::process::{Command, Output};

fn iconc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_iconc"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the iconc binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn check_clean_file_exits_0() {
    let o = iconc(&["check", "tests/fixtures/check/ok/simclr.icon"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn check_warnings_only_exits_0() {
    let o = iconc(&["check", "tests/fixtures/check/err/unused_key.icon"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("icon::unused_key [W0217]"));
}

#[test]
fn check_errors_exit_1_and_name_the_code() {
    let o = iconc(&["check", "tests/fixtures/check/err/unknown_kernel.icon"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("icon::unknown_kernel [E0201]"), "{err}");
    assert!(err.contains("did you mean `Gaussian`?"), "{err}");
}

#[test]
fn check_missing_file_exits_2() {
    let o = iconc(&["check", "tests/fixtures/check/ok/does_not_exist.icon"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("E0218"));
}

#[test]
fn check_directory_checks_every_file_below_it() {
    let o = iconc(&["check", "tests/fixtures/check/ok"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let count = iconc::check::icon_files(std::path::Path::new("tests/fixtures/check/ok"))
        .map(|files| files.len())
        .unwrap_or(0);
    // The folder's own files and the one in `lib/`.
    assert!(count >= 11, "{count}");
    assert!(
        stderr(&o).contains(&format!("ok: {count} file(s) checked")),
        "{}",
        stderr(&o)
    );
}

/// `check`, `fmt` and `table` share one walker: a folder whose only method
/// is in a subfolder is found by all three, and a link cycle ends.
#[test]
fn every_folder_command_recurses_and_survives_a_link_cycle() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sub = dir.path().join("a").join("b");
    std::fs::create_dir_all(&sub).expect("mkdir");
    std::fs::copy("tests/fixtures/check/ok/simclr.icon", sub.join("m.icon")).expect("copy");
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.path(), sub.join("loop")).expect("symlink");
    let root = dir.path().to_string_lossy().into_owned();
    let o = iconc(&["check", &root]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("ok: 1 file(s) checked"),
        "{}",
        stderr(&o)
    );
    let o = iconc(&["fmt", "--check", &root]);
    assert_ne!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = iconc(&["table", &root]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("m.icon") || stdout(&o).contains("simclr"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn check_json_is_one_document_with_positions() {
    let o = iconc(&[
        "check",
        "--format",
        "json",
        "tests/fixtures/check/err/unknown_kernel.icon",
        "tests/fixtures/check/err/duplicate_definition.icon",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("valid JSON");
    assert_eq!(doc["version"], 1);
    let diags = doc["diagnostics"].as_array().expect("a list");
    let unknown = diags
        .iter()
        .find(|d| d["code"] == "E0201")
        .expect("E0201 present");
    assert_eq!(unknown["name"], "unknown_kernel");
    assert_eq!(unknown["severity"], "error");
    // `q = Gausian(…)` is line 5; the name starts at column 5 and is 7 chars long.
    assert_eq!(unknown["start"]["line"], 5);
    assert_eq!(unknown["start"]["column"], 5);
    assert_eq!(unknown["end"]["column"], 12);
    assert!(diags
        .iter()
        .any(|d| d["code"] == "E0211" && d["labels"].as_array().is_some_and(|l| l.len() == 2)));
}

#[test]
fn explain_accepts_code_and_slug() {
    for arg in ["E0201", "icon::unknown_kernel", "unknown_kernel"] {
        let o = iconc(&["explain", arg]);
        assert_eq!(o.status.code(), Some(0));
        let out = stdout(&o);
        assert!(
            out.contains("E0201 icon::unknown_kernel")
                && out.contains("Wrong:")
                && out.contains("Right:"),
            "{out}"
        );
    }
}

#[test]
fn explain_unknown_code_exits_2_with_suggestion() {
    let o = iconc(&["explain", "icon::unknown_kernal"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did you mean `unknown_kernel`?"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn explain_list_lists_every_code() {
    let o = iconc(&["explain", "--list"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    for info in iconc::diag::codes::all() {
        assert!(out.contains(info.code), "{} missing from --list", info.code);
    }
}

#[test]
fn explain_prints_a_signature() {
    let o = iconc(&["explain", "Gaussian"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(
        out.contains("sigma") && out.contains("perplexity") && out.contains("p or q"),
        "{out}"
    );
}

#[test]
fn show_prints_the_resolved_method() {
    let o = iconc(&["show", "tests/fixtures/check/ok/simclr_small.icon"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    // The imported p/q and the overriding data.
    assert!(out.contains("method \"simclr_small\""), "{out}");
    assert!(
        out.contains("Digits") && out.contains("Augmentation() on index"),
        "{out}"
    );
    assert!(out.contains("embedding        B×128"), "{out}");
}

#[test]
fn show_json_round_trips_the_ir() {
    let o = iconc(&[
        "show",
        "--format",
        "json",
        "tests/fixtures/check/ok/simclr.icon",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let method: iconc::ir::Method = serde_json::from_str(&stdout(&o)).expect("IR JSON");
    assert_eq!(method.name, "simclr");
    assert_eq!(method.data.views, 2);
    assert_eq!(
        method.mappers.first().map(|m| (m.in_dim, m.out_dim)),
        Some((784, 128))
    );
}

#[test]
fn show_of_a_bad_file_exits_1() {
    let o = iconc(&["show", "tests/fixtures/check/err/unknown_kernel.icon"]);
    assert_eq!(o.status.code(), Some(1));
}
