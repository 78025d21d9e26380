//! Every diagnostic code is declared once (`diag::codes`), explained, and
//! produced by a fixture; no other source file spells a code.

use iconc::check::{check_path, FsLoader};
use iconc::diag::codes::{self, Stage};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn icon_files(dir: &str) -> Vec<PathBuf> {
    iconc::check::icon_files(Path::new(dir)).unwrap_or_default()
}

/// Codes produced by checking every file in `dir`.
fn produced(dir: &str) -> BTreeSet<String> {
    icon_files(dir)
        .iter()
        .flat_map(|f| check_path(f, &FsLoader).reports)
        .map(|r| r.diagnostic.code.to_string())
        .collect()
}

fn missing(stage: Stage, seen: &BTreeSet<String>) -> Vec<&'static str> {
    codes::all()
        .filter(|c| c.stage() == stage && !seen.contains(c.code))
        .map(|c| c.code)
        .collect()
}

#[test]
fn every_check_code_has_a_fixture() {
    let missing = missing(Stage::Check, &produced("tests/fixtures/check/err"));
    assert!(
        missing.is_empty(),
        "check codes without an err fixture: {missing:?}"
    );
}

#[test]
fn every_syntax_code_has_a_fixture() {
    let mut seen = produced("tests/fixtures/parse/err");
    seen.extend(produced("tests/fixtures/check/err"));
    let missing = missing(Stage::Syntax, &seen);
    assert!(
        missing.is_empty(),
        "syntax codes without a fixture: {missing:?}"
    );
}

#[test]
fn every_code_is_explained_and_unique() {
    let mut codes_seen = BTreeSet::new();
    let mut names_seen = BTreeSet::new();
    let mut problems = vec![];
    for info in codes::all() {
        let c = info.code;
        if !codes_seen.insert(c) {
            problems.push(format!("{c}: duplicate code"));
        }
        if !names_seen.insert(info.name) {
            problems.push(format!("{c}: duplicate name {}", info.name));
        }
        if info.summary.is_empty() || info.summary.ends_with('.') {
            problems.push(format!(
                "{c}: the summary must be a phrase without a final period"
            ));
        }
        if !(info.explain.contains("Wrong") && info.explain.contains("Right")) {
            problems.push(format!(
                "{c}: the explanation needs a wrong and a right example"
            ));
        }
        let band_ok = c.len() == 5 && (c.starts_with('E') || c.starts_with('W'));
        if !band_ok {
            problems.push(format!("{c}: not a code of the form E0nnn/W0nnn"));
        }
        if codes::lookup(&format!("icon::{}", info.name)).map(|i| i.code) != Some(c) {
            problems.push(format!("{c}: `icon::{}` does not look it up", info.name));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Source files outside `src/diag/` refer to codes by `Code` variant only, so
/// a code is declared (and renumbered) in one place.
#[test]
fn no_code_literals_outside_diag() {
    let mut hits = vec![];
    let mut stack = vec![PathBuf::from("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.starts_with("src/diag") {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for (n, line) in text.lines().enumerate() {
                    if has_code_literal(line) {
                        hits.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
                    }
                }
            }
        }
    }
    assert!(
        hits.is_empty(),
        "use `diag::Code` variants instead of code strings:\n{}",
        hits.join("\n")
    );
}

/// `"E0201"` or `"W0410"` as a whole string literal.
fn has_code_literal(line: &str) -> bool {
    let b = line.as_bytes();
    b.windows(7).any(|w| {
        w[0] == b'"'
            && (w[1] == b'E' || w[1] == b'W')
            && w[2] == b'0'
            && w[3..6].iter().all(u8::is_ascii_digit)
            && w[6] == b'"'
    })
}

#[test]
fn the_literal_scan_finds_literals() {
    assert!(has_code_literal(r#"Diagnostic::bare("E0704", "x")"#));
    assert!(has_code_literal(r#"if c == "W0708" {"#));
    assert!(!has_code_literal(
        "Diagnostic::bare(Code::CheckpointUnreadable, \"x\")"
    ));
    assert!(!has_code_literal("// see E0704"));
}
