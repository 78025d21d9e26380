//! Runtime codes that only the command line reaches (an output path, a
//! backend, the bundled data folder), each with its exit status. The scan in
//! `tests/runtime/runtime_codes.rs` keeps every runtime code asserted somewhere.

use iconc::data::npz::{NpyArray, NpzArrays};
use iconc::diag::Code;
use std::path::{Path, PathBuf};
use std::process::Command;

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vectors")
}

/// Runs iconc; returns its exit status and stderr.
fn iconc(args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_iconc"))
        .arg("--no-color")
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Asserts that stderr names `code` and the status is the code's exit class.
fn assert_fails_with(code: Code, (status, stderr): (i32, String)) {
    assert!(
        stderr.contains(&format!("[{code}]")),
        "expected {code}:\n{stderr}"
    );
    assert_eq!(status, code.info().exit.status(), "{stderr}");
}

fn inspect_simclr(out: &Path, extra: &[&str]) -> (i32, String) {
    let method = vectors().join("simclr.icon");
    let batch = vectors().join("simclr.npz");
    let mut args = vec![
        "inspect",
        method.to_str().unwrap(),
        "--batch",
        batch.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    iconc(&args, &[])
}

#[test]
fn an_output_in_a_missing_folder_is_e0510() {
    let out = Path::new("/no/such/dir/out.npz");
    assert_fails_with(Code::CannotWriteOutput, inspect_simclr(out, &[]));
}

#[cfg(not(feature = "cuda"))]
#[test]
fn a_backend_not_compiled_in_is_e0501_and_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let result = inspect_simclr(&tmp.path().join("o.npz"), &["--backend", "cuda"]);
    assert_fails_with(Code::BackendNotCompiled, result);
    assert!(!tmp.path().join("o.npz").exists());
}

#[test]
fn a_batch_without_the_mappers_output_is_e0511() {
    // simclr.icon's q reads `embedding`, which its MLP makes; inspect runs no mapper.
    let tmp = tempfile::tempdir().unwrap();
    let mut batch = NpzArrays::new();
    batch.insert("x", NpyArray::f32(vec![4, 784], vec![0.5; 4 * 784]));
    batch.insert("index", NpyArray::i64(vec![4], vec![0, 0, 1, 1]));
    let path = tmp.path().join("b.npz");
    batch.write(&path).unwrap();
    let method = Path::new(env!("CARGO_MANIFEST_DIR")).join("methods/simclr.icon");
    let out = tmp.path().join("o.npz");
    let result = iconc(
        &[
            "inspect",
            method.to_str().unwrap(),
            "--batch",
            path.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    assert_fails_with(Code::InspectNeedsMapperOutput, result);
}

#[test]
fn a_missing_bundled_folder_is_e0607() {
    let tmp = tempfile::tempdir().unwrap();
    let method = Path::new(env!("CARGO_MANIFEST_DIR")).join("methods/simclr.icon");
    let out = tmp.path().join("run");
    let result = iconc(
        &[
            "run",
            method.to_str().unwrap(),
            "--steps",
            "1",
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ],
        &[("ICONC_DATA", "/no/such/bundled/folder")],
    );
    assert_fails_with(Code::BundledDataMissing, result);
    assert!(!out.exists(), "a failed run leaves no run directory");
}
