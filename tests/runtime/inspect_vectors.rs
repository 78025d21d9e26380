//! The 17 spec test vectors (`tests/fixtures/vectors`, from
//! `shared/spec/vectors`): expected values were computed in float64 by an
//! independent NumPy implementation of methods.md. Each vector's IR is built
//! in Rust from its `index.json` configuration and run through
//! `runtime::inspect::inspect_method` on the CPU backend (f32), then compared
//! with the README tolerances; −inf positions of `log_q` must match exactly.

use crate::support::vector_ir::{leaf, method_from_config, method_with};
use burn::prelude::*;
use burn::tensor::TensorData;
use iconc::ir::*;
use iconc::runtime::loss::{icon_loss_detailed, Batch, KernelParams};

type B32 = iconc::runtime::backend::CpuBackend;
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
fn compare(
    name: &str,
    key: &str,
    actual: &[f64],
    expected: &[f64],
    rtol: f64,
    atol: f64,
) -> Result<(), String> {
    if actual.len() != expected.len() {
        return Err(format!(
            "{name}.{key}: length {} != {}",
            actual.len(),
            expected.len()
        ));
    }
    for (i, (&a, &e)) in actual.iter().zip(expected).enumerate() {
        if e.is_infinite() {
            if a != e {
                return Err(format!("{name}.{key}[{i}]: expected {e}, got {a}"));
            }
            continue;
        }
        if a.is_infinite() || a.is_nan() || (a - e).abs() > atol + rtol * e.abs() {
            return Err(format!(
                "{name}.{key}[{i}]: expected {e}, got {a} (rtol {rtol}, atol {atol})"
            ));
        }
    }
    Ok(())
}

fn run_vector(name: &str, entry: &Value) -> Result<(), String> {
    let classes = entry["shapes"]["p"][1].as_u64().unwrap() as usize;
    let method = method_from_config(name, &entry["spec_config"], classes);
    run_vector_with(name, entry, &method)
}

/// Runs `method` on the vector's batch and compares every expected output.
fn run_vector_with(name: &str, entry: &Value, method: &Method) -> Result<(), String> {
    let arrays =
        NpzArrays::read(&dir().join(entry["file"].as_str().unwrap())).map_err(|d| d.message)?;
    let out = inspect_method(method, &arrays, BackendKind::Cpu)
        .map_err(|d| format!("{name}: {}: {}", d.code, d.message))?;
    let tol = &entry["tolerance"];
    let get_tol = |k: &str| {
        (
            tol[k]["rtol"].as_f64().unwrap(),
            tol[k]["atol"].as_f64().unwrap(),
        )
    };
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
        let expected = arrays
            .get(key)
            .and_then(|a| a.as_f64())
            .ok_or(format!("{name}: expected {key} unreadable"))?;
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

/// The same 17 vectors through their `.icon` files and the checker.
#[test]
fn icon_files_match_the_vectors() {
    let index = index();
    for (name, entry) in index["vectors"].as_object().unwrap() {
        let path = dir().join(format!("{name}.icon"));
        let method = match iconc::check::load_method(&path) {
            Ok((m, _warnings)) => m,
            Err(reports) => panic!(
                "{name}.icon: {:?}",
                reports
                    .iter()
                    .map(|r| &r.diagnostic.message)
                    .collect::<Vec<_>>()
            ),
        };
        if let Err(e) = run_vector_with(name, entry, &method) {
            panic!("{name}.icon: {e}");
        }
    }
}

/// `iconc inspect` end to end: exit 0 and an archive with the outputs; a bad
/// batch exits 1 with the code on stderr.
#[test]
fn inspect_cli_writes_outputs_and_reports_errors() {
    let exe = env!("CARGO_BIN_EXE_iconc");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out.npz");
    let status = std::process::Command::new(exe)
        .args(["inspect", "--no-color"])
        .arg(dir().join("simclr.icon"))
        .arg("--batch")
        .arg(dir().join("simclr.npz"))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        status.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let written = NpzArrays::read(&out).unwrap();
    assert_eq!(written.get("p").unwrap().shape, vec![18, 18]);
    let bad = std::process::Command::new(exe)
        .args(["inspect", "--no-color"])
        .arg(dir().join("simclr.icon"))
        .arg("--batch")
        .arg(tmp.path().join("missing.npz"))
        .arg("--out")
        .arg(tmp.path().join("o.npz"))
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("E0509"));
    assert!(!tmp.path().join("o.npz").exists());
    // A batch whose `embedding` width differs from the method's key (2 vs 8).
    let mismatch = std::process::Command::new(exe)
        .args(["inspect", "--no-color"])
        .arg(dir().join("tsne.icon"))
        .arg("--batch")
        .arg(dir().join("simclr.npz"))
        .arg("--out")
        .arg(tmp.path().join("o.npz"))
        .output()
        .unwrap();
    assert_eq!(mismatch.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&mismatch.stderr).contains("E0509"));
}

/// Every vector in index.json is covered by a test above.
#[test]
fn all_vectors_are_listed() {
    let index = index();
    let n = index["vectors"].as_object().map(|o| o.len()).unwrap_or(0);
    assert_eq!(n, 17);
}

/// Large logits (|a| ~ 1e4) stay finite: the log-softmax subtracts the row max.
#[test]
fn large_logits_stay_finite_in_f32() {
    let (b, c, dim) = (4, 3, 2);
    let f: Vec<f64> = (0..b * dim)
        .map(|i| ((i * 37 % 11) as f64 - 5.0) * 20.0)
        .collect();
    let w: Vec<f64> = (0..c * dim)
        .map(|i| ((i * 53 % 7) as f64 - 3.0) * 30.0)
        .collect();
    let m = method_with(
        leaf(
            Kernel::Label {
                table: true,
                classes: c,
                exclude_self: false,
            },
            &["label"],
        ),
        leaf(
            Kernel::Gaussian {
                sigma: Some(std::f64::consts::FRAC_1_SQRT_2),
                perplexity: None,
                metric: DistanceMetric::Dot,
                exclude_self: true,
                learnable: false,
                max_logit_scale: iconc::ir::CLIP_MAX_LOGIT_SCALE,
                scope: Default::default(),
            },
            &["embedding", "w"],
        ),
        Layout::Table { classes: c },
        Divergence::Kl,
        c,
    );
    let device = Default::default();
    let mut batch = Batch::<B32>::new();
    batch.floats.insert(
        "embedding".into(),
        Tensor::from_data(TensorData::new(f, [b, dim]).convert::<f32>(), &device),
    );
    batch.floats.insert(
        "w".into(),
        Tensor::from_data(TensorData::new(w, [c, dim]).convert::<f32>(), &device),
    );
    batch.ints.insert(
        "label".into(),
        Tensor::from_data(TensorData::new(vec![0i64, 1, 2, 0], [b]), &device),
    );
    let params = KernelParams::<B32>::init(&m, &device);
    let out = icon_loss_detailed(&m, &batch, &params).unwrap().output;
    // f32 on Flex, not NdArray<f32>: burn 0.21 keys dtype settings by device
    // type, and NdArray<f32> and NdArray<f64> share theirs, so the first one
    // used in a process (this binary runs the f64 tests too) sets both.
    let loss = out
        .loss
        .into_data()
        .convert::<f64>()
        .to_vec::<f64>()
        .unwrap()[0];
    assert!(loss.is_finite() && loss >= 0.0, "loss {loss}");
}

fn small_batch() -> NpzArrays {
    use iconc::data::npz::NpyArray;
    let mut a = NpzArrays::new();
    a.insert(
        "x",
        NpyArray::f32(vec![4, 2], vec![0., 0., 1., 0., 0., 1., 1., 1.]),
    );
    a.insert(
        "embedding",
        NpyArray::f32(vec![4, 2], vec![0.1, 0.2, 0.3, -0.1, -0.2, 0.5, 0.4, 0.4]),
    );
    a.insert("index", NpyArray::i64(vec![4], vec![0, 1, 0, 1]));
    a.insert("label", NpyArray::i64(vec![4], vec![0, 1, 2, 7]));
    a
}

fn simple(p: KernelExpr, layout: Layout) -> Method {
    let q = leaf(
        Kernel::Gaussian {
            sigma: Some(0.5),
            perplexity: None,
            metric: DistanceMetric::Euclidean,
            exclude_self: true,
            learnable: false,
            max_logit_scale: iconc::ir::CLIP_MAX_LOGIT_SCALE,
            scope: Default::default(),
        },
        &["embedding"],
    );
    method_with(p, q, layout, Divergence::Kl, 3)
}

/// Bad batches are diagnostics with codes, never panics.
#[test]
fn inspect_reports_bad_batches() {
    let code = |m: &Method, a: &NpzArrays| inspect_method(m, a, BackendKind::Cpu).unwrap_err().code;
    let aug = simple(leaf(Kernel::Augmentation, &["index"]), Layout::Pairwise);
    // Missing key.
    let mut a = small_batch();
    a.arrays.remove("index");
    assert_eq!(code(&aug, &a), "E0509");
    // Wrong shape: a 3-D float key.
    let mut a = small_batch();
    a.insert(
        "embedding",
        iconc::data::npz::NpyArray::f32(vec![2, 2, 2], vec![0.0; 8]),
    );
    assert_eq!(code(&aug, &a), "E0509");
    // Zero rows (masked_log_softmax used to panic on them).
    let mut a = small_batch();
    a.insert("x", iconc::data::npz::NpyArray::f32(vec![0, 2], vec![]));
    a.insert(
        "embedding",
        iconc::data::npz::NpyArray::f32(vec![0, 2], vec![]),
    );
    a.insert("index", iconc::data::npz::NpyArray::i64(vec![0], vec![]));
    assert_eq!(code(&aug, &a), "E0509");
    // Non-finite inputs (the loss used to come back as NaN with exit 0).
    for bad in [f32::NAN, f32::INFINITY] {
        let mut a = small_batch();
        let rows = a.get("embedding").unwrap().shape.clone();
        let mut v = vec![0.5f32; rows.iter().product()];
        v[1] = bad;
        a.insert("embedding", iconc::data::npz::NpyArray::f32(rows, v));
        assert_eq!(code(&aug, &a), "E0509", "{bad}");
    }
    // Wrong kind: an int kernel on a float key.
    let wrong = simple(leaf(Kernel::Augmentation, &["x"]), Layout::Pairwise);
    assert_eq!(code(&wrong, &small_batch()), "E0503");
    // A label outside the class table (label 7, 3 classes).
    let table = simple(
        leaf(
            Kernel::Label {
                table: true,
                classes: 3,
                exclude_self: false,
            },
            &["label"],
        ),
        Layout::Table { classes: 3 },
    );
    assert_eq!(code(&table, &small_batch()), "E0507");
    // k larger than the candidates.
    let knn = simple(
        leaf(
            Kernel::UniformKnn {
                k: 4,
                metric: DistanceMetric::Euclidean,
                exclude_self: true,
                scope: Default::default(),
            },
            &["x"],
        ),
        Layout::Pairwise,
    );
    assert_eq!(code(&knn, &small_batch()), "E0506");
    // p includes self where q excludes it.
    let ident = simple(leaf(Kernel::Identity, &["x"]), Layout::Pairwise);
    assert_eq!(code(&ident, &small_batch()), "E0502");
    // A supervisory kernel as q.
    let mut bad_q = aug.clone();
    bad_q.q = leaf(Kernel::Augmentation, &["index"]);
    assert_eq!(code(&bad_q, &small_batch()), "E0505");
}

/// The written archive reads back with every output.
#[test]
fn inspect_output_round_trips_through_npz() {
    let m = simple(leaf(Kernel::Augmentation, &["index"]), Layout::Pairwise);
    let out = inspect_method(&m, &small_batch(), BackendKind::Cpu).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.npz");
    out.write(&path).unwrap();
    let back = NpzArrays::read(&path).unwrap();
    assert_eq!(back, out);
    for key in ["p", "log_q", "loss_rows", "loss", "kl_value"] {
        assert!(back.get(key).is_some(), "{key}");
    }
    assert_eq!(back.get("log_q").unwrap().shape, vec![4, 4]);
    assert!(back.get("beta").is_none());
}
