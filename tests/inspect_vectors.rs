//! The 17 spec test vectors (`tests/fixtures/vectors`, from
//! `shared/spec/vectors`): expected values were computed in float64 by an
//! independent NumPy implementation of methods.md. Each vector's IR is built
//! in Rust from its `index.json` configuration and run through
//! `runtime::inspect::inspect_method` on the CPU backend (f32), then compared
//! with the README tolerances; −inf positions of `log_q` must match exactly.

mod common;

use burn::backend::NdArray;
use burn::prelude::*;
use burn::tensor::TensorData;
use common::vector_ir::{method_from_config, method_with};
use iconc::ir::*;
use iconc::runtime::loss::{evaluate, Batch, KernelParams};

type B32 = NdArray<f32>;
use iconc::data::npz::NpzArrays;
use iconc::runtime::backend::BackendKind;
use iconc::runtime::inspect::inspect_method;
use serde_json::Value;
use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vectors")
}

fn index() -> Value {
    let text = std::fs::read_to_string(dir().join("index.json")).expect("index.json");
    serde_json::from_str(&text).expect("valid json")
}

/// Compares `actual` with `expected`; returns a description of the first failure.
fn compare(name: &str, key: &str, actual: &[f64], expected: &[f64], rtol: f64, atol: f64) -> Result<(), String> {
    if actual.len() != expected.len() {
        return Err(format!("{name}.{key}: length {} != {}", actual.len(), expected.len()));
    }
    for (i, (&a, &e)) in actual.iter().zip(expected).enumerate() {
        if e.is_infinite() {
            if a != e {
                return Err(format!("{name}.{key}[{i}]: expected {e}, got {a}"));
            }
            continue;
        }
        if a.is_infinite() || a.is_nan() || (a - e).abs() > atol + rtol * e.abs() {
            return Err(format!("{name}.{key}[{i}]: expected {e}, got {a} (rtol {rtol}, atol {atol})"));
        }
    }
    Ok(())
}

fn run_vector(name: &str, entry: &Value) -> Result<(), String> {
    let arrays = NpzArrays::read(&dir().join(entry["file"].as_str().unwrap())).map_err(|d| d.message)?;
    let classes = entry["shapes"]["p"][1].as_u64().unwrap() as usize;
    let method = method_from_config(name, &entry["spec_config"], classes);
    let out = inspect_method(&method, &arrays, BackendKind::Cpu).map_err(|d| format!("{name}: {}: {}", d.code, d.message))?;
    let tol = &entry["tolerance"];
    let get_tol = |k: &str| (tol[k]["rtol"].as_f64().unwrap(), tol[k]["atol"].as_f64().unwrap());
    let mut checks = vec![
        ("p", get_tol("p")),
        ("log_q", get_tol("log_q")),
        ("loss_rows", get_tol("loss_rows")),
        ("loss", get_tol("loss")),
        // kl_value = loss − mean H(p): the loss error plus f64 entropy, so the row tolerance.
        ("kl_value", get_tol("loss_rows")),
        // β values are dyadic: the same search steps give the same number (README).
        ("beta", (1e-10, 0.0)),
    ];
    checks.retain(|(k, _)| arrays.get(k).is_some());
    for (key, (rtol, atol)) in checks {
        let expected = arrays.get(key).and_then(|a| a.as_f64()).ok_or(format!("{name}: expected {key} unreadable"))?;
        let actual = out
            .get(key)
            .and_then(|a| a.as_f64())
            .ok_or(format!("{name}: inspect wrote no `{key}`"))?;
        compare(name, key, &actual, &expected, rtol, atol)?;
    }
    Ok(())
}

macro_rules! vector_tests {
    ($($name:ident),* $(,)?) => {$(
        #[test]
        fn $name() {
            let index = index();
            let entry = &index["vectors"][stringify!($name)];
            assert!(entry.is_object(), "vector {} missing from index.json", stringify!($name));
            if let Err(e) = run_vector(stringify!($name), entry) {
                panic!("{e}");
            }
        }
    )*};
}

vector_tests!(
    simclr,
    supcon,
    supervised_ce,
    large_logits,
    tsne,
    sne,
    triplet,
    vicreg,
    algebra_leak_mix,
    algebra_propagate_debias,
    rkl,
    js,
    kmeans,
    harmonic,
    clip,
    tsimclr,
    dcd,
);

/// Every vector in index.json is covered by a test above.
#[test]
fn all_vectors_are_listed() {
    let index = index();
    let n = index["vectors"].as_object().map(|o| o.len()).unwrap_or(0);
    assert_eq!(n, 17);
}

fn leaf(kernel: Kernel, inputs: &[&str]) -> KernelExpr {
    KernelExpr::Kernel {
        kernel,
        inputs: inputs.iter().map(|s| s.to_string()).collect(),
    }
}

/// Large logits (|a| ~ 1e4) stay finite: the log-softmax subtracts the row max.
#[test]
fn large_logits_stay_finite_in_f32() {
    let (b, c, dim) = (4, 3, 2);
    let f: Vec<f64> = (0..b * dim).map(|i| ((i * 37 % 11) as f64 - 5.0) * 20.0).collect();
    let w: Vec<f64> = (0..c * dim).map(|i| ((i * 53 % 7) as f64 - 3.0) * 30.0).collect();
    let m = method_with(
        leaf(Kernel::Label { table: true, classes: c, exclude_self: false }, &["label"]),
        leaf(Kernel::Gaussian { sigma: Some(std::f64::consts::FRAC_1_SQRT_2), perplexity: None, metric: DistanceMetric::Dot, exclude_self: true, learnable: false }, &["embedding", "w"]),
        Layout::Table { classes: c },
        Divergence::Kl,
        c,
    );
    let device = Default::default();
    let mut batch = Batch::<B32>::new();
    batch.floats.insert("embedding".into(), Tensor::from_data(TensorData::new(f, [b, dim]).convert::<f32>(), &device));
    batch.floats.insert("w".into(), Tensor::from_data(TensorData::new(w, [c, dim]).convert::<f32>(), &device));
    batch.ints.insert("label".into(), Tensor::from_data(TensorData::new(vec![0i64, 1, 2, 0], [b]), &device));
    let params = KernelParams::<B32>::init(&m, &device);
    let out = evaluate(&m, &batch, &params).unwrap().output;
    // burn 0.21 keys dtype settings by device and NdArray<f32>/<f64> share the
    // CPU device, so this test lives in the f32-only binary.
    let loss = out.loss.into_data().convert::<f64>().to_vec::<f64>().unwrap()[0];
    assert!(loss.is_finite() && loss >= 0.0, "loss {loss}");
}

