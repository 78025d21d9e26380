//! Every code of the runtime stages (E05xx lowering, E06xx data, E07xx
//! training) is produced by a test that asserts it; this file holds the
//! triggers for the defensive codes that the checker rules out for `.icon`
//! files but a library user's hand-built IR can still reach, and the scan
//! that keeps the set complete.

use crate::support::vector_ir::{fixed_gaussian, leaf, method_with};
use iconc::data::npz::{NpyArray, NpzArrays};
use iconc::diag::codes::Stage;
use iconc::diag::Code;
use iconc::ir::*;
use iconc::runtime::backend::BackendKind;
use iconc::runtime::inspect::inspect_method;
use std::path::{Path, PathBuf};

/// Codes no test can reach, and why.
const UNREACHABLE: &[(Code, &str)] = &[
    (Code::InternalError, "an iconc bug by definition"),
    (
        Code::TooLittleTrainingData,
        "the data stage refuses the same split first (E0608); kept for data sources that skip it",
    ),
];

fn batch() -> NpzArrays {
    let mut a = NpzArrays::new();
    a.insert(
        "x",
        NpyArray::f32(
            vec![4, 3],
            vec![0., 0., 1., 1., 0., 0., 0., 1., 1., 1., 1., 0.],
        ),
    );
    a.insert(
        "embedding",
        NpyArray::f32(vec![4, 2], vec![0.1, 0.2, 0.3, -0.1, -0.2, 0.5, 0.4, 0.4]),
    );
    a.insert("index", NpyArray::i64(vec![4], vec![0, 1, 0, 1]));
    a
}

fn gaussian(inputs: &[&str]) -> KernelExpr {
    fixed_gaussian(0.5, DistanceMetric::Euclidean, inputs)
}

fn code_of(p: KernelExpr, q: KernelExpr) -> Code {
    let m = method_with(p, q, Layout::Pairwise, Divergence::Kl, 3);
    match inspect_method(&m, &batch(), BackendKind::Cpu) {
        Ok(_) => panic!("inspect accepted the method"),
        Err(d) => d.code,
    }
}

#[test]
fn a_cross_kernel_over_keys_of_different_widths_is_e0504() {
    // x is 3 wide, embedding 2: the checker types keys, a hand-built IR need not.
    let p = leaf(Kernel::Augmentation, &["index"]);
    assert_eq!(
        code_of(p, gaussian(&["embedding", "x"])),
        Code::KernelShapeMismatch
    );
}

#[test]
fn a_leak_outside_zero_one_is_e0513() {
    let p = KernelExpr::Leak(1.5, Box::new(leaf(Kernel::Augmentation, &["index"])));
    assert_eq!(
        code_of(p, gaussian(&["embedding"])),
        Code::BadKernelParameter
    );
}

#[test]
fn degree_weighting_without_a_graph_is_e0514() {
    let p = leaf(Kernel::Augmentation, &["index"]);
    let q = leaf(
        Kernel::UniformCluster {
            exclude_self: false,
            degree_weighted: true,
        },
        &["embedding"],
    );
    assert_eq!(code_of(p, q), Code::DegreeNeedsGraph);
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A runtime code counts as tested when an `assert` line (or the line after
/// one, for a wrapped call) names it, as `Code::Variant` or as its string.
#[test]
fn every_runtime_code_is_asserted_by_a_test() {
    let mut files = vec![];
    rust_files(Path::new("tests"), &mut files);
    rust_files(Path::new("src"), &mut files);
    let mut asserted = String::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if line.contains("assert") {
                asserted.push_str(line);
                for next in lines.iter().skip(i + 1).take(3) {
                    asserted.push_str(next);
                }
                asserted.push('\n');
            }
        }
    }
    let missing: Vec<String> = Code::ALL
        .iter()
        .filter(|c| {
            matches!(c.info().stage(), Stage::Lower | Stage::Data | Stage::Train)
                && !UNREACHABLE.iter().any(|(u, _)| u == *c)
        })
        .filter(|c| {
            !(asserted.contains(&format!("\"{c}\""))
                || asserted.contains(&format!("Code::{}", c.info().variant)))
        })
        .map(|c| format!("{c} ({})", c.info().name))
        .collect();
    assert!(
        missing.is_empty(),
        "runtime codes that no test asserts: {missing:?}"
    );
}
