//! σ→∞ limit identity of the VICReg std-lib file (spec §5 cell 16, §7.9):
//! `L_∞ = mean_i ‖f_i − f_i⁺‖² − 2 tr Cov_unbiased(f)` through `inspect_method`.
//!
//! Decision: `f` is fed as the `embedding` key directly (inspect does not run
//! mappers), so the Normalize() stage of the file is not applied; the identity
//! holds for any f. Tolerance 1e-5 relative (f32 CPU backend).

use iconc::data::npz::{ArrayData, NpyArray, NpzArrays};
use iconc::runtime::backend::BackendKind;
use iconc::runtime::inspect::inspect_method;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

mod classic_support;
use classic_support::{load_stdlib, width};

#[test]
fn vicreg_is_invariance_minus_twice_variance() {
    let method = load_stdlib("vicreg");
    let (n, d) = (8usize, width(&method, "embedding"));
    let rows = 2 * n;
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let f: Vec<f64> = (0..rows * d)
        .map(|_| rng.random_range(-1.0f64..1.0) as f32 as f64)
        .collect();
    let mut arrays = NpzArrays::new();
    arrays.insert("embedding", NpyArray::f64(vec![rows, d], f.clone()));
    arrays.insert(
        "index",
        NpyArray::i64(vec![rows], (0..rows).map(|r| (r % n) as i64).collect()),
    );
    let out = match inspect_method(&method, &arrays, BackendKind::Cpu) {
        Ok(o) => o,
        Err(e) => panic!("inspect failed: {} {}", e.code, e.message),
    };
    let got = match out.get("loss").map(|a| &a.data) {
        Some(ArrayData::F64(v)) => v[0],
        other => panic!("no loss: {other:?}"),
    };
    let row = |i: usize| &f[i * d..(i + 1) * d];
    let invariance: f64 = (0..rows)
        .map(|r| {
            let pos = (r + n) % rows;
            row(r)
                .iter()
                .zip(row(pos))
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f64>()
        })
        .sum::<f64>()
        / rows as f64;
    let mean: Vec<f64> = (0..d)
        .map(|t| (0..rows).map(|i| f[i * d + t]).sum::<f64>() / rows as f64)
        .collect();
    let trace_cov: f64 = (0..d)
        .map(|t| {
            (0..rows)
                .map(|i| (f[i * d + t] - mean[t]).powi(2))
                .sum::<f64>()
                / (rows - 1) as f64
        })
        .sum();
    let want = invariance - 2.0 * trace_cov;
    assert!(
        (got - want).abs() <= 1e-5 * want.abs().max(1.0),
        "iconc L_inf {got} vs classic {want}"
    );
}

/// PCA (cell 15): p = Identity, q σ→∞ with self included gives
/// `L_∞ = −2 tr Cov_pop(f)`, i.e. `−2 tr(Wᵀ Σ_pop W)` for `f = x W` on centred x.
#[test]
fn pca_is_minus_twice_population_variance() {
    let method = load_stdlib("pca");
    let (rows, d) = (16usize, 2usize);
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let f: Vec<f64> = (0..rows * d)
        .map(|_| rng.random_range(-1.0f64..1.0) as f32 as f64)
        .collect();
    let mut arrays = NpzArrays::new();
    arrays.insert("embedding", NpyArray::f64(vec![rows, d], f.clone()));
    arrays.insert(
        "index",
        NpyArray::i64(vec![rows], (0..rows as i64).collect()),
    );
    let out = match inspect_method(&method, &arrays, BackendKind::Cpu) {
        Ok(o) => o,
        Err(e) => panic!("inspect failed: {} {}", e.code, e.message),
    };
    let got = match out.get("loss").map(|a| &a.data) {
        Some(ArrayData::F64(v)) => v[0],
        other => panic!("no loss: {other:?}"),
    };
    let trace_pop: f64 = (0..d)
        .map(|t| {
            let mean = (0..rows).map(|i| f[i * d + t]).sum::<f64>() / rows as f64;
            (0..rows)
                .map(|i| (f[i * d + t] - mean).powi(2))
                .sum::<f64>()
                / rows as f64
        })
        .sum();
    let want = -2.0 * trace_pop;
    assert!(
        (got - want).abs() <= 1e-5 * want.abs().max(1.0),
        "iconc L_inf {got} vs −2 tr Cov_pop {want}"
    );
}
