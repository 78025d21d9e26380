//! Golden tests over `tests/fixtures/parse/`:
//! - `ok/*.icon` parse with no diagnostics and valid spans;
//! - `err/*.icon` give exactly the diagnostics in the `.stderr` file next to
//!   them, one `CODE line:col message` per line (primary label position);
//! - together the `err` fixtures use every E01xx code.
//!
//! The `.stderr` files were written by hand; `BLESS=1 cargo test --test
//! parse_fixtures` rewrites them from the current output (review the diff).

use iconc::diag::codes::{self, Stage};
use iconc::syntax::{line_col, parse, validate_spans};
use iconc::Source;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn fixtures(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/parse")
        .join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "icon"))
        .collect();
    files.sort();
    files
}

/// `CODE line:col message` for every diagnostic.
fn render(text: &str, name: &str) -> String {
    let parsed = parse(&Source::new(name, text));
    validate_spans(&parsed.program, text.len()).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut out = String::new();
    for d in &parsed.diagnostics {
        let primary = d.labels.iter().filter(|l| l.primary).count();
        assert_eq!(
            primary, 1,
            "{name}: {} needs exactly one primary label",
            d.code
        );
        let at = d
            .labels
            .iter()
            .find(|l| l.primary)
            .map(|l| l.span.start)
            .unwrap();
        let (line, col) = line_col(text, at);
        out.push_str(&format!("{} {line}:{col} {}\n", d.code, d.message));
        assert!(d.help.is_some(), "{name}: {} has no help", d.code);
        assert!(
            !d.message.ends_with('.'),
            "{name}: message ends with a period"
        );
    }
    out
}

#[test]
fn ok_fixtures_parse_clean() {
    let files = fixtures("ok");
    assert!(files.len() >= 5, "expected ok fixtures");
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let name = file.display().to_string();
        assert_eq!(
            render(&text, &name),
            "",
            "{name} should parse without diagnostics"
        );
        assert!(
            !parse(&Source::new(&name, text.as_str()))
                .program
                .items
                .is_empty(),
            "{name}"
        );
    }
}

#[test]
fn err_fixtures_match_their_stderr() {
    let files = fixtures("err");
    assert!(files.len() >= 15, "expected at least 15 err fixtures");
    let bless = std::env::var_os("BLESS").is_some();
    let mut failures = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let got = render(&text, &file.display().to_string());
        let expected_path = file.with_extension("stderr");
        if bless {
            std::fs::write(&expected_path, &got).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if got != expected {
            failures.push(format!(
                "{}\n--- expected\n{expected}--- got\n{got}",
                file.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn err_fixtures_cover_every_code() {
    let mut seen = BTreeSet::new();
    for file in fixtures("err") {
        let text = std::fs::read_to_string(&file).unwrap();
        for d in parse(&Source::new("f", text.as_str())).diagnostics {
            assert!(
                d.code.info().stage() == Stage::Syntax,
                "{}: {} is not a syntax code",
                file.display(),
                d.code
            );
            seen.insert(d.code.as_str());
        }
    }
    let missing: Vec<&str> = codes::all()
        .filter(|c| c.stage() == Stage::Syntax)
        .map(|c| c.code)
        .filter(|c| !seen.contains(c))
        .collect();
    assert!(
        missing.is_empty(),
        "codes without an err fixture: {missing:?}"
    );
}

#[test]
fn every_icon_example_in_the_language_doc_parses() {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/language.md"))
            .unwrap();
    let mut blocks = 0;
    let mut rest = doc.as_str();
    while let Some(start) = rest.find("```icon\n") {
        let body = &rest[start + 8..];
        let end = body.find("```").expect("closed code block");
        let code = &body[..end];
        assert_eq!(render(code, "docs/language.md"), "", "doc example:\n{code}");
        blocks += 1;
        rest = &body[end + 3..];
    }
    assert!(blocks >= 3, "found {blocks} icon blocks");
}
