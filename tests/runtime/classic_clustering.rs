//! The clustering std-lib files (spec §5 row 5) through `inspect_method` on a
//! fixed random batch, against their identities written out in plain f64:
//! K-Means (cell 32)
//! `Σ_i KL(q_i‖p_i) = (1/σ²) Σ_ic φ_ic‖x_i − μ_c‖² − Σ_i H(q_i) + Σ_i log Z_i`,
//! Normalized Cuts (cell 34), DCD (cell 35) and InfoNCE clustering (cell 36).
//!
//! Decision: the reported `loss` is the row mean of KL(q_i‖p_i) (R = B rows),
//! so the rkl identities are checked on `B · loss`. Tolerance 1e-5 relative
//! (f32 CPU).

use iconc::data::npz::{NpyArray, NpzArrays};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::support::classic::{
    assert_all_close, assert_close, inspect, load_stdlib, loss, matrix, normalize_rows, read_edges,
    sq_dist, values, width,
};

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
    let loss = loss(&inspect_batch(&method, &x, d, &phi, c));

    let row = |i: usize| &x[i * d..(i + 1) * d];
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
        .map(|(i, k)| phi[i * c + k] * sq_dist(row(i), &mu[k]))
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
            .map(|j| (-sq_dist(row(i), row(j)) / (2.0 * sigma * sigma)).exp())
            .sum::<f64>()
            .ln();
    }
    let want = within / (sigma * sigma) - entropy + log_z;
    assert_close("kmeans B·loss", loss * b as f64, want);
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
    let got = values(&inspect_batch(&method, &x, d, &phi, c), "kl_value")[0];
    let row = |i: usize| &x[i * d..(i + 1) * d];
    let n: Vec<f64> = (0..c)
        .map(|t| (0..b).map(|i| phi[i * c + t]).sum())
        .collect();
    let mut total = 0.0;
    for i in 0..b {
        let mut others: Vec<(f64, usize)> = (0..b)
            .filter(|&j| j != i)
            .map(|j| (sq_dist(row(i), row(j)), j))
            .collect();
        others.sort_by(|a, b| a.0.total_cmp(&b.0));
        for &(_, j) in others.iter().take(k) {
            let q: f64 = (0..c).map(|t| phi[i * c + t] * phi[j * c + t] / n[t]).sum();
            let p = 1.0 / k as f64;
            total += p * (p / q).ln();
        }
    }
    assert_close("dcd kl_value = KL(P/N‖Q/N)", got, total / b as f64);
}

/// Normalized Cuts (Shi 2000, cell 34): with p_ij = softmax_j(w_ij/deg_j)
/// (self included) and the degree-weighted q_ij = Σ_c φ_ic φ_jc deg_j / vol_c,
/// `Σ_i KL(q_i‖p_i) = NCut_soft − C − Σ_i H(q_i) + Σ_i log Z_i`, where
/// `NCut_soft = Σ_c (1 − φ_cᵀWφ_c / vol_c)`, `vol_c = Σ_k φ_kc deg_k`. W is
/// the batch block of the file's graph; deg are its global degrees (§2.4).
#[test]
fn ncuts_is_soft_normalized_cut() {
    let method = load_stdlib("ncuts");
    let c = width(&method, "cluster");
    let g = read_edges("digits_knn10.edges");
    let idx = g.connected_batch(7, 30);
    let b = idx.len();
    let mut rng = ChaCha8Rng::seed_from_u64(23);
    let phi = random_phi(&mut rng, b, c);
    let mut arrays = NpzArrays::new();
    arrays.insert(
        "index",
        NpyArray::i64(vec![b], idx.iter().map(|&i| i as i64).collect()),
    );
    arrays.insert("cluster", NpyArray::f64(vec![b, c], phi.clone()));
    let out = inspect(&method, &arrays);
    let w = |i: usize, j: usize| g.w(idx[i], idx[j]);
    let deg: Vec<f64> = idx.iter().map(|&i| g.degree[i]).collect();
    let f = |i: usize, t: usize| phi[i * c + t];
    let mut p = matrix(b, |i, j| (w(i, j) / deg[j]).exp());
    let log_z: f64 = p.chunks(b).map(|z| z.iter().sum::<f64>().ln()).sum();
    normalize_rows(&mut p, b);
    assert_all_close("ncuts p", &values(&out, "p"), &p);
    let vol: Vec<f64> = (0..c)
        .map(|t| (0..b).map(|k| f(k, t) * deg[k]).sum())
        .collect();
    let ncut: f64 = (0..c)
        .map(|t| {
            let assoc: f64 = (0..b * b)
                .map(|ij| f(ij / b, t) * w(ij / b, ij % b) * f(ij % b, t))
                .sum();
            1.0 - assoc / vol[t]
        })
        .sum();
    let entropy: f64 = (0..b * b)
        .map(|ij| {
            let (i, j) = (ij / b, ij % b);
            let q: f64 = (0..c).map(|t| f(i, t) * f(j, t) * deg[j] / vol[t]).sum();
            -q * q.ln()
        })
        .sum();
    let want = ncut - c as f64 - entropy + log_z;
    assert_close("ncuts B·loss", loss(&out) * b as f64, want);
}

/// InfoNCE clustering (cell 36): augmented views should share clusters,
/// `L = −(1/B) Σ_i log Σ_c φ_ic φ_{i⁺c} / n_c`, `n_c = Σ_k φ_kc` (self kept in q).
#[test]
fn infonce_clustering_is_view_co_membership() {
    let method = load_stdlib("infonce_clustering");
    let (n, c) = (8usize, width(&method, "cluster"));
    let b = 2 * n;
    let mut rng = ChaCha8Rng::seed_from_u64(25);
    let phi = random_phi(&mut rng, b, c);
    let mut arrays = NpzArrays::new();
    arrays.insert(
        "index",
        NpyArray::i64(vec![b], (0..b).map(|r| (r % n) as i64).collect()),
    );
    arrays.insert("cluster", NpyArray::f64(vec![b, c], phi.clone()));
    let mass: Vec<f64> = (0..c)
        .map(|t| (0..b).map(|k| phi[k * c + t]).sum())
        .collect();
    let want = -(0..b)
        .map(|i| {
            let pos = (i + n) % b;
            (0..c)
                .map(|t| phi[i * c + t] * phi[pos * c + t] / mass[t])
                .sum::<f64>()
                .ln()
        })
        .sum::<f64>()
        / b as f64;
    assert_close("infonce_clustering", loss(&inspect(&method, &arrays)), want);
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
    inspect(method, &arrays)
}
