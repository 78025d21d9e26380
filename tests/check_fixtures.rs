//! Golden diagnostics: every `tests/fixtures/check/err/*.icon` snapshots its
//! source and rendered report (unicode, no colour, fixed width); a few also
//! snapshot the JSON. Every `ok/*.icon` must check clean; its IR is snapshotted.

use iconc::check::{check_path, FsLoader};
use iconc::diag::render::{human, json};
use std::path::{Path, PathBuf};

/// The `.icon` files of a fixture directory, sorted, relative to the crate
/// root (so rendered paths are stable across machines; tests run there).
fn fixtures(dir: &str) -> Vec<PathBuf> {
    iconc::check::icon_files(std::path::Path::new(dir)).unwrap_or_default()
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
    for rel in files {
        let checked = check_path(&rel, &FsLoader);
        assert!(
            !checked.reports.is_empty(),
            "{} gave no diagnostic",
            rel.display()
        );
        let source = std::fs::read_to_string(&rel).unwrap_or_default();
        let rendered = human::render(&checked.reports, human::HumanOptions::plain());
        insta::assert_snapshot!(
            format!("err__{}", stem(&rel)),
            format!("{source}\n----- diagnostics -----\n{rendered}")
        );
    }
}

#[test]
fn some_err_fixtures_render_as_json() {
    for name in [
        "unknown_kernel",
        "duplicate_definition",
        "many_errors",
        "not_normalized",
        "missing_p",
    ] {
        let rel = PathBuf::from(format!("tests/fixtures/check/err/{name}.icon"));
        let checked = check_path(&rel, &FsLoader);
        insta::assert_snapshot!(format!("json_{name}"), json::render(&checked.reports));
    }
}

#[test]
fn ok_fixtures_check_clean() {
    let files = fixtures("tests/fixtures/check/ok");
    assert!(!files.is_empty());
    for rel in files {
        let checked = check_path(&rel, &FsLoader);
        let rendered = human::render(&checked.reports, human::HumanOptions::plain());
        assert!(
            checked.reports.is_empty(),
            "{} is not clean:\n{rendered}",
            rel.display()
        );
        let method = checked.method.expect("a clean check yields a method");
        insta::assert_snapshot!(
            format!("ok__{}", stem(&rel)),
            serde_json::to_string_pretty(&method).unwrap_or_default()
        );
    }
}
