//! Every diagnostic code of the front end has a fixture that produces it and
//! a non-empty explanation; codes and names are unique.

use iconc::check::{check_path, FsLoader};
use iconc::diag::codes;
use std::collections::BTreeSet;
use std::path::PathBuf;

fn icon_files(dir: &str) -> Vec<PathBuf> {
    iconc::check::icon_files(std::path::Path::new(dir)).unwrap_or_default()
}

/// Codes produced by checking every file in `dir`.
fn produced(dir: &str) -> BTreeSet<String> {
    icon_files(dir)
        .iter()
        .flat_map(|f| check_path(f, &FsLoader).reports)
        .map(|r| r.diagnostic.code.to_string())
        .collect()
}

#[test]
fn every_check_code_has_a_fixture() {
    let seen = produced("tests/fixtures/check/err");
    let missing: Vec<&str> = iconc::check::CODES
        .iter()
        .map(|c| c.code)
        .filter(|c| !seen.contains(*c))
        .collect();
    assert!(
        missing.is_empty(),
        "check codes without an err fixture: {missing:?}"
    );
}

#[test]
fn every_syntax_code_has_a_fixture() {
    // The syntax helper keeps its fixtures in tests/fixtures/parse/err; until
    // they land on this branch, the check fixtures must not be mistaken for them.
    let dir = "tests/fixtures/parse/err";
    if !std::path::Path::new(dir).is_dir() {
        eprintln!("skipped: {dir} not present on this branch");
        return;
    }
    let mut seen = produced(dir);
    seen.extend(produced("tests/fixtures/check/err"));
    let missing: Vec<&str> = iconc::syntax::CODES
        .iter()
        .map(|c| c.code)
        .filter(|c| !seen.contains(*c))
        .collect();
    assert!(
        missing.is_empty(),
        "syntax codes without a fixture: {missing:?}"
    );
}

#[test]
fn every_code_is_explained_and_unique() {
    let mut codes_seen = BTreeSet::new();
    let mut names_seen = BTreeSet::new();
    for info in codes::all() {
        assert!(codes_seen.insert(info.code), "duplicate code {}", info.code);
        assert!(names_seen.insert(info.name), "duplicate name {}", info.name);
        assert!(!info.summary.is_empty(), "{} has no summary", info.code);
        assert!(
            info.explain.len() > 40,
            "{} has a short explanation",
            info.code
        );
    }
    for info in iconc::check::CODES {
        assert!(
            info.explain.contains("Wrong") && info.explain.contains("Right"),
            "{} needs a wrong and a right example",
            info.code
        );
        let band = &info.code[1..3];
        assert!(
            ["02", "03", "04"].contains(&band),
            "{} is outside the checker's bands",
            info.code
        );
        assert!(codes::lookup(&format!("icon::{}", info.name)).is_some_and(|c| c.code == info.code));
    }
}
