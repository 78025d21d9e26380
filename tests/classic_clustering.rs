//! The K-Means std-lib file (`methods/kmeans.icon`) satisfies the spec §5
//! cell 32 identity on a fixed random batch through `inspect_method`:
//! `Σ_i KL(q_i‖p_i) = (1/σ²) Σ_ic φ_ic‖x_i − μ_c‖² − Σ_i H(q_i) + Σ_i log Z_i`,
//! with the right side computed here in plain f64.
//!
//! Decision: the reported `loss` is the row mean of KL(q_i‖p_i) (R = B rows),
//! so the identity is checked on `B · loss`. Tolerance 1e-5 relative (f32 CPU).

use iconc::data::npz::{ArrayData, NpyArray, NpzArrays};
use iconc::runtime::backend::BackendKind;
use iconc::runtime::inspect::inspect_method;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

mod classic_support;
use classic_support::{load_stdlib, width};

#[test]
fn kmeans_is_soft_kmeans_with_entropy_bonus() {
    let method = load_stdlib("kmeans");
    let (b, d, c, sigma) = (
        16usize,
        width(&method, "x"),
        width(&method, "cluster"),
        gaussian_sigma(&method),
    );
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    // Small inputs keep every p_ij above rkl's 1e-10 clamp, where the
    // identity is exact (spec §7.10), whatever the file's σ and width.
    let x: Vec<f64> = (0..b * d)
        .map(|_| (rng.random_range(-1.0f64..1.0) * 0.1) as f32 as f64)
        .collect();
    let phi = random_phi(&mut rng, b, c);
    let out = inspect_batch(&method, &x, d, &phi, c);
    let loss = match out.get("loss").map(|a| &a.data) {
        Some(ArrayData::F64(v)) => v[0],
        other => panic!("no loss: {other:?}"),
    };

    let row = |i: usize| &x[i * d..(i + 1) * d];
    let sq = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(p, q)| (p - q) * (p - q)).sum::<f64>();
    let n: Vec<f64> = (0..c)
        .map(|k| (0..b).map(|i| phi[i * c + k]).sum())
        .collect();
    let mu: Vec<Vec<f64>> = (0..c)
        .map(|k| {
            (0..d)
                .map(|t| (0..b).map(|i| phi[i * c + k] * x[i * d + t]).sum::<f64>() / n[k])
                .collect()
        })
        .collect();
    let within: f64 = (0..b)
        .flat_map(|i| (0..c).map(move |k| (i, k)))
        .map(|(i, k)| phi[i * c + k] * sq(row(i), &mu[k]))
        .sum();
    let mut entropy = 0.0;
    let mut log_z = 0.0;
    for i in 0..b {
        for j in 0..b {
            let q: f64 = (0..c).map(|k| phi[i * c + k] * phi[j * c + k] / n[k]).sum();
            if q > 0.0 {
                entropy -= q * q.ln();
            }
        }
        log_z += (0..b)
            .map(|j| (-sq(row(i), row(j)) / (2.0 * sigma * sigma)).exp())
            .sum::<f64>()
            .ln();
    }
    let want = within / (sigma * sigma) - entropy + log_z;
    let got = loss * b as f64;
    assert!(
        (got - want).abs() <= 1e-5 * want.abs().max(1.0),
        "B·loss {got} vs identity {want}"
    );
}

/// DCD (spec §5 cell 35): with p the directed 10-NN graph (uniform 1/k over
/// each row's 10 nearest others, squared euclidean) and q = UniformCluster(φ)
/// (self included, as in K-Means), `kl_value = (1/N) Σ_ij P_ij log(P_ij/Q_ij)`.
#[test]
fn dcd_kl_value_is_knn_graph_kl() {
    let method = load_stdlib("dcd");
    let (b, d, c, k) = (
        24usize,
        width(&method, "x"),
        width(&method, "cluster"),
        10usize,
    );
    let mut rng = ChaCha8Rng::seed_from_u64(21);
    let x: Vec<f64> = (0..b * d)
        .map(|_| rng.random_range(-1.0f64..1.0) as f32 as f64)
        .collect();
    let phi = random_phi(&mut rng, b, c);
    let out = inspect_batch(&method, &x, d, &phi, c);
    let got = match out.get("kl_value").map(|a| &a.data) {
        Some(ArrayData::F64(v)) => v[0],
        other => panic!("no kl_value: {other:?}"),
    };
    let row = |i: usize| &x[i * d..(i + 1) * d];
    let sq = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(p, q)| (p - q) * (p - q)).sum::<f64>();
    let n: Vec<f64> = (0..c)
        .map(|t| (0..b).map(|i| phi[i * c + t]).sum())
        .collect();
    let mut total = 0.0;
    for i in 0..b {
        let mut others: Vec<(f64, usize)> = (0..b)
            .filter(|&j| j != i)
            .map(|j| (sq(row(i), row(j)), j))
            .collect();
        others.sort_by(|a, b| a.0.total_cmp(&b.0));
        for &(_, j) in others.iter().take(k) {
            let q: f64 = (0..c).map(|t| phi[i * c + t] * phi[j * c + t] / n[t]).sum();
            let p = 1.0 / k as f64;
            total += p * (p / q).ln();
        }
    }
    let want = total / b as f64;
    assert!(
        (got - want).abs() <= 1e-5 * want.abs().max(1.0),
        "kl_value {got} vs DCD KL(P/N‖Q/N) {want}"
    );
}

/// σ of the std-lib file's Gaussian p (the identity depends on it).
fn gaussian_sigma(m: &iconc::ir::Method) -> f64 {
    match &m.p {
        iconc::ir::KernelExpr::Kernel {
            kernel: iconc::ir::Kernel::Gaussian { sigma: Some(s), .. },
            ..
        } => *s,
        other => panic!("{}: p is not a fixed-σ Gaussian: {other:?}", m.name),
    }
}

/// φ: b rows of a softmax of random logits, rounded to f32 (as the backend sees them).
fn random_phi(rng: &mut ChaCha8Rng, b: usize, c: usize) -> Vec<f64> {
    let mut phi = Vec::with_capacity(b * c);
    for _ in 0..b {
        let e: Vec<f64> = (0..c)
            .map(|_| rng.random_range(-2.0f64..2.0).exp())
            .collect();
        let s: f64 = e.iter().sum();
        phi.extend(e.iter().map(|v| (v / s) as f32 as f64));
    }
    phi
}

/// `inspect` of the method on `x` (b×d) and cluster probabilities `phi` (b×c).
fn inspect_batch(
    method: &iconc::ir::Method,
    x: &[f64],
    d: usize,
    phi: &[f64],
    c: usize,
) -> NpzArrays {
    let b = phi.len() / c;
    let mut arrays = NpzArrays::new();
    arrays.insert("x", NpyArray::f64(vec![b, d], x.to_vec()));
    arrays.insert("cluster", NpyArray::f64(vec![b, c], phi.to_vec()));
    match inspect_method(method, &arrays, BackendKind::Cpu) {
        Ok(o) => o,
        Err(e) => panic!("inspect failed: {} {}", e.code, e.message),
    }
}
