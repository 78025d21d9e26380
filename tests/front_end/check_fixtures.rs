//! Golden diagnostics: every `tests/fixtures/check/err/*.icon` snapshots its
//! source and rendered report (unicode, no colour, fixed width); a few also
//! snapshot the JSON. Every `ok/*.icon` must check clean; its IR is snapshotted.

use iconc::check::{check_path, FsLoader};
use iconc::diag::render::{human, json};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

/// The `.icon` files of a fixture directory, sorted, relative to the crate
/// root (so rendered paths are stable across machines; tests run there).
/// Only the folder's own files: `lib/` holds what the fixtures `use`.
fn fixtures(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(dir);
    let mut files = iconc::check::icon_files(dir).unwrap_or_default();
    files.retain(|f| f.parent() == Some(dir));
    files
}

/// Runs `check` on every fixture and fails with the list of all that
/// failed: one broken snapshot does not hide the others (each failure's
/// diff is printed above the list).
fn each_fixture(files: &[PathBuf], check: impl Fn(&Path)) {
    let failed: Vec<String> = files
        .iter()
        .filter(|rel| catch_unwind(AssertUnwindSafe(|| check(rel))).is_err())
        .map(|rel| rel.display().to_string())
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} fixture(s) failed:\n{}",
        failed.len(),
        files.len(),
        failed.join("\n")
    );
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[test]
fn err_fixtures_render_their_diagnostics() {
    let files = fixtures("tests/fixtures/check/err");
    assert!(files.len() >= 40, "only {} err fixtures", files.len());
    each_fixture(&files, |rel| {
        let checked = check_path(rel, &FsLoader);
        assert!(
            !checked.reports.is_empty(),
            "{} gave no diagnostic",
            rel.display()
        );
        let source = std::fs::read_to_string(rel).unwrap_or_default();
        let rendered = human::render(&checked.reports, human::HumanOptions::plain());
        insta::assert_snapshot!(
            format!("err__{}", stem(rel)),
            format!("{source}\n----- diagnostics -----\n{rendered}")
        );
    });
}

#[test]
fn some_err_fixtures_render_as_json() {
    let files: Vec<PathBuf> = [
        "unknown_kernel",
        "duplicate_definition",
        "many_errors",
        "not_normalized",
        "missing_p",
    ]
    .iter()
    .map(|name| PathBuf::from(format!("tests/fixtures/check/err/{name}.icon")))
    .collect();
    each_fixture(&files, |rel| {
        let checked = check_path(rel, &FsLoader);
        insta::assert_snapshot!(
            format!("json_{}", stem(rel)),
            json::render(&checked.reports)
        );
    });
}

#[test]
fn ok_fixtures_check_clean() {
    let files = fixtures("tests/fixtures/check/ok");
    assert!(!files.is_empty());
    each_fixture(&files, |rel| {
        let checked = check_path(rel, &FsLoader);
        let rendered = human::render(&checked.reports, human::HumanOptions::plain());
        assert!(
            checked.reports.is_empty(),
            "{} is not clean:\n{rendered}",
            rel.display()
        );
        let method = checked.method.expect("a clean check yields a method");
        insta::assert_snapshot!(
            format!("ok__{}", stem(rel)),
            serde_json::to_string_pretty(&method).unwrap_or_default()
        );
    });
}
