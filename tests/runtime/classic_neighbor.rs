//! The neighbor-embedding std-lib files (SNE family, spec §5 cells 1, 2, 4–6,
//! 23, 25, 26) reproduce their classic losses through `inspect_method` (the
//! `iconc inspect` path) on one fixed random batch.
//!
//! Each test builds the file's p independently here in f64 — the §6
//! perplexity bisection, a uniform kNN graph, a random-walk graph, a side
//! embedding softmax — and checks p, `loss = (1/N) Σ_i H(p_i, q_i)` and
//! `kl_value = (1/N) Σ_i KL(p_i ‖ q_i)` against the q kernel on `embedding`.
//! Tolerance 1e-5 relative (f32 CPU backend; p itself is f64 on the host).

use iconc::data::npz::{NpyArray, NpzArrays};
use iconc::ir::Method;

use crate::support::classic::{
    assert_all_close, assert_close, cosine, inspect, load_stdlib, loss, matrix, mean_entropy,
    normalize_rows, random_keys, read_edges, soft_ce, sq_dist, values,
};

/// log of SNE's Gaussian q kernel with σ = 1/√2: `−‖f_i − f_j‖²`.
fn gaussian(a: &[f64], b: &[f64]) -> f64 {
    -sq_dist(a, b)
}

/// log of t-SNE's Cauchy q kernel: `−log(1 + ‖f_i − f_j‖²)`.
fn cauchy(a: &[f64], b: &[f64]) -> f64 {
    -sq_dist(a, b).ln_1p()
}

/// Checks p, `loss` and `kl_value` of `m` on `arrays` (with an N×2-ish
/// `embedding` `f`) against `p_want` (N×N, zero diagonal) and the log-kernel
/// `log_k` of q, normalized over j ≠ i.
fn assert_conditional_kl(
    m: &Method,
    arrays: &NpzArrays,
    f: &[Vec<f64>],
    p_want: &[f64],
    log_k: fn(&[f64], &[f64]) -> f64,
) {
    let n = f.len();
    let out = inspect(m, arrays);
    assert_all_close(&format!("{} p", m.name), &values(&out, "p"), p_want);
    let ce = soft_ce(
        n,
        n,
        |i, j| p_want[i * n + j],
        |i, j| log_k(&f[i], &f[j]),
        |i, j| i != j,
    );
    assert_close(&m.name, loss(&out), ce);
    let kl = ce - mean_entropy(p_want, n);
    assert_close(&format!("{} KL", m.name), values(&out, "kl_value")[0], kl);
}

/// Perplexity-calibrated Gaussian conditionals (van der Maaten / sklearn, spec
/// §6): per row, bisect β = 1/(2σ_i²) from 1 until `|H(p_i) − log P| < 1e-5`
/// (at most 100 steps), `p_ij ∝ exp(−β d_ij)` over j ≠ i, d squared euclidean.
fn perplexity_p(x: &[Vec<f64>], perplexity: f64) -> Vec<f64> {
    let n = x.len();
    perplexity_knn_p(x, perplexity, n - 1)
}

/// [`perplexity_p`] with each row's candidates cut to its `k` nearest others.
fn perplexity_knn_p(x: &[Vec<f64>], perplexity: f64, k: usize) -> Vec<f64> {
    let n = x.len();
    let mut p = vec![0.0; n * n];
    for i in 0..n {
        let near = nearest(x, i, k);
        let d: Vec<f64> = near.iter().map(|&j| sq_dist(&x[i], &x[j])).collect();
        for (&j, pj) in near.iter().zip(calibrated(&d, perplexity, i)) {
            p[i * n + j] = pj;
        }
    }
    p
}

/// The §6 bisection over one row's candidate distances `d`.
fn calibrated(d: &[f64], perplexity: f64, row: usize) -> Vec<f64> {
    let dmin = d.iter().copied().fold(f64::INFINITY, f64::min);
    let probs = |beta: f64| -> (Vec<f64>, f64) {
        let w: Vec<f64> = d.iter().map(|v| (-beta * (v - dmin)).exp()).collect();
        let z: f64 = w.iter().sum();
        let pr: Vec<f64> = w.iter().map(|v| v / z).collect();
        let h = -pr
            .iter()
            .filter(|&&v| v > 0.0)
            .map(|v| v * v.ln())
            .sum::<f64>();
        (pr, h)
    };
    let (mut beta, mut lo, mut hi) = (1.0f64, 0.0f64, f64::INFINITY);
    let (mut pr, mut h) = probs(beta);
    for _ in 0..100 {
        if (h - perplexity.ln()).abs() < 1e-5 {
            break;
        }
        if h > perplexity.ln() {
            lo = beta;
            beta = if hi.is_infinite() {
                2.0 * beta
            } else {
                (beta + hi) / 2.0
            };
        } else {
            hi = beta;
            beta = if lo == 0.0 {
                beta / 2.0
            } else {
                (beta + lo) / 2.0
            };
        }
        (pr, h) = probs(beta);
    }
    assert!(
        (h - perplexity.ln()).abs() < 1e-5,
        "row {row} did not calibrate"
    );
    pr
}

/// The `k` nearest others of row `i` (squared euclidean; random data has no ties).
fn nearest(x: &[Vec<f64>], i: usize, k: usize) -> Vec<usize> {
    let mut others: Vec<usize> = (0..x.len()).filter(|&j| j != i).collect();
    others.sort_by(|&a, &b| sq_dist(&x[i], &x[a]).total_cmp(&sq_dist(&x[i], &x[b])));
    others.truncate(k);
    others
}

/// t-SNE's symmetric joint P, `(C + Cᵀ)/2n`, as the batch sees it: each
/// row normalized over j ≠ i (the 2n cancels).
fn joint_conditional(c: &[f64], n: usize) -> Vec<f64> {
    let mut p = matrix(n, |i, j| (c[i * n + j] + c[j * n + i]) / (2.0 * n as f64));
    normalize_rows(&mut p, n);
    p
}

/// `m` with its p leaf's `scope = dataset` (as the checker lowers it).
fn dataset_scoped(m: Method) -> Method {
    with_scope(m, iconc::ir::Scope::Dataset { table: None })
}

/// `m` with p's neighbour kernel computed inside the batch (the std-lib
/// t-SNE files use `scope = dataset`; the batch form is the conditional
/// reference the classic formulas state).
fn batch_scoped(m: Method) -> Method {
    with_scope(m, iconc::ir::Scope::Batch)
}

fn with_scope(mut m: Method, to: iconc::ir::Scope) -> Method {
    use iconc::ir::{Kernel, KernelExpr};
    match &mut m.p {
        KernelExpr::Kernel {
            kernel: Kernel::Gaussian { scope, .. } | Kernel::UniformKnn { scope, .. },
            ..
        } => *scope = to,
        other => panic!("{}: p is not one neighbour kernel: {other:?}", m.name),
    }
    m
}

/// Uniform 1/k over each row's k nearest others (squared euclidean; ties to
/// the lower index, which random data never produces).
fn knn_p(x: &[Vec<f64>], k: usize) -> Vec<f64> {
    let n = x.len();
    let mut p = vec![0.0; n * n];
    for i in 0..n {
        let mut others: Vec<usize> = (0..n).filter(|&j| j != i).collect();
        others.sort_by(|&a, &b| sq_dist(&x[i], &x[a]).total_cmp(&sq_dist(&x[i], &x[b])));
        for &j in &others[..k] {
            p[i * n + j] = 1.0 / k as f64;
        }
    }
    p
}

/// A random batch of `n` rows for the keys p and q read, p's first.
fn batch(
    m: &Method,
    keys: [&str; 2],
    n: usize,
    seed: u64,
) -> (NpzArrays, Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let (a, mut r) = random_keys(m, &keys, n, seed);
    let f = r.pop().unwrap_or_default();
    (a, r.pop().unwrap_or_default(), f)
}

/// SNE (Hinton 2002): the conditional SNE cost with perplexity-30 P and a
/// Gaussian q in 2-D.
#[test]
fn sne_is_conditional_sne_cost() {
    let m = load_stdlib("sne");
    let (a, x, f) = batch(&m, ["x", "embedding"], 40, 31);
    assert_conditional_kl(&m, &a, &f, &perplexity_p(&x, 30.0), gaussian);
}

/// t-SNE (van der Maaten 2008), conditional form (spec §5 cell 23 decision):
/// perplexity-30 P against the row-normalized Cauchy q.
#[test]
fn tsne_is_conditional_tsne_cost() {
    let m = batch_scoped(load_stdlib("tsne"));
    let (a, x, f) = batch(&m, ["x", "embedding"], 40, 33);
    assert_conditional_kl(&m, &a, &f, &perplexity_p(&x, 30.0), cauchy);
}

/// t-SNE with `scope = dataset` (issue 11), the batch being the data set:
/// each row keeps its ⌊3P⌋ = 15 nearest others, is calibrated to P = 5 over
/// them, and the conditionals are symmetrized, `(C + Cᵀ)/2n`, as openTSNE
/// builds its affinities; q is the row-normalized Cauchy kernel.
#[test]
fn tsne_dataset_scope_is_sparse_joint_tsne() {
    let mut m = dataset_scoped(load_stdlib("tsne"));
    if let iconc::ir::KernelExpr::Kernel {
        kernel: iconc::ir::Kernel::Gaussian { perplexity, .. },
        ..
    } = &mut m.p
    {
        *perplexity = Some(5.0);
    }
    let (a, x, f) = batch(&m, ["x", "embedding"], 40, 41);
    let c = perplexity_knn_p(&x, 5.0, 15);
    let p = joint_conditional(&c, 40);
    // Sparse: a row has at most 2·15 neighbours of the 39 others.
    assert!((0..40).any(|i| (0..40).filter(|&j| p[i * 40 + j] > 0.0).count() < 30));
    assert_conditional_kl(&m, &a, &f, &p, cauchy);
}

/// UniformKNN with `scope = dataset`: the symmetrized 15-NN graph.
#[test]
fn tsne_uniform_dataset_scope_is_symmetrized_knn() {
    let m = dataset_scoped(load_stdlib("tsne_uniform"));
    let (a, x, f) = batch(&m, ["x", "embedding"], 24, 43);
    let p = joint_conditional(&knn_p(&x, 15), 24);
    assert_conditional_kl(&m, &a, &f, &p, cauchy);
}

/// SNE with uniform affinities: p uniform over the 15 nearest neighbours in x.
#[test]
fn sne_uniform_is_knn_cross_entropy() {
    let m = load_stdlib("sne_uniform");
    let (a, x, f) = batch(&m, ["x", "embedding"], 24, 35);
    assert_conditional_kl(&m, &a, &f, &knn_p(&x, 15), gaussian);
}

/// t-SNE with uniform affinities (Böhm 2022): 15-NN p, Cauchy q.
#[test]
fn tsne_uniform_is_knn_cross_entropy() {
    let m = batch_scoped(load_stdlib("tsne_uniform"));
    let (a, x, f) = batch(&m, ["x", "embedding"], 24, 37);
    assert_conditional_kl(&m, &a, &f, &knn_p(&x, 15), cauchy);
}

/// The batch of a graph cell: 30 connected nodes of `digits_knn10.edges` as
/// `index`, a random 2-D `embedding`, and the transition matrix
/// `P_ij = w_ij / Σ_{k≠i} w_ik` of the batch block W[idx, idx].
fn graph_batch(m: &Method, seed: u64) -> (NpzArrays, Vec<Vec<f64>>, Vec<f64>) {
    let g = read_edges("digits_knn10.edges");
    let idx = g.connected_batch(seed as usize, 30);
    let n = idx.len();
    let (mut a, mut f) = random_keys(m, &["embedding"], n, seed);
    a.insert(
        "index",
        NpyArray::i64(vec![n], idx.iter().map(|&i| i as i64).collect()),
    );
    let mut p = matrix(n, |i, j| if i == j { 0.0 } else { g.w(idx[i], idx[j]) });
    normalize_rows(&mut p, n);
    (a, f.pop().unwrap_or_default(), p)
}

/// SNE graph embedding: random-walk transitions of the graph, Gaussian q.
#[test]
fn sne_graph_is_transition_kl() {
    let m = load_stdlib("sne_graph");
    let (a, f, p) = graph_batch(&m, 40);
    assert_conditional_kl(&m, &a, &f, &p, gaussian);
}

/// tsNET-like t-SNE graph layout (Kruiger 2017): `p ∝ P + P²` off the
/// diagonal (2-step walks, returns to i dropped), Cauchy q.
#[test]
fn tsne_graph_is_two_step_walk_kl() {
    let m = load_stdlib("tsne_graph");
    let (a, f, p1) = graph_batch(&m, 41);
    let n = f.len();
    let mut p = vec![0.0; n * n];
    for i in 0..n {
        for j in (0..n).filter(|&j| j != i) {
            let two: f64 = (0..n).map(|k| p1[i * n + k] * p1[k * n + j]).sum();
            p[i * n + j] = p1[i * n + j] + two;
        }
    }
    normalize_rows(&mut p, n);
    assert_conditional_kl(&m, &a, &f, &p, cauchy);
}

/// LGSimCLR (El Banani 2023): InfoNCE (τ = 0.1) whose positives come from
/// the data-set nearest-neighbour table on g (the pixels, cosine), symmetrized
/// as t-SNE's, `(C + Cᵀ)/2n` row-normalized; `inspect` takes the batch as the
/// data set. (`pairs = neighbors` puts each row's partner in the batch; its
/// draws are tested in `data_batch`.)
#[test]
fn lgsimclr_is_neighbour_table_nce() {
    let m = load_stdlib("lgsimclr");
    let (b, tau) = (16usize, 0.1f64);
    let (a, g, f) = batch(&m, ["x", "embedding"], b, 43);
    let nn: Vec<usize> = (0..b)
        .map(|i| {
            let others = (0..b).filter(|&j| j != i);
            others.max_by(|&j, &k| cosine(&g[i], &g[j]).total_cmp(&cosine(&g[i], &g[k])))
        })
        .map(Option::unwrap)
        .collect();
    let c = matrix(b, |i, j| if j == nn[i] { 1.0 } else { 0.0 });
    let p = joint_conditional(&c, b);
    let out = inspect(&m, &a);
    assert_all_close("lgsimclr p", &values(&out, "p"), &p);
    let want = soft_ce(
        b,
        b,
        |i, j| p[i * b + j],
        |i, k| cosine(&f[i], &f[k]) / tau,
        |i, k| i != k,
    );
    assert_close("lgsimclr", loss(&out), want);
}

/// X-Sample CL (Sobal 2025): soft-target CE with targets
/// `softmax_{j≠i}(ĝ_i·ĝ_j/0.1)` and predictions `softmax_{j≠i}(f̂_i·f̂_j/0.1)`.
#[test]
fn xsample_cl_is_soft_target_ce() {
    let m = load_stdlib("xsample_cl");
    let (b, tau) = (16usize, 0.1f64);
    let (a, g, f) = batch(&m, ["side", "embedding"], b, 45);
    let mut p = vec![0.0; b * b];
    for i in 0..b {
        let w: Vec<f64> = (0..b)
            .map(|j| {
                if j == i {
                    0.0
                } else {
                    (cosine(&g[i], &g[j]) / tau).exp()
                }
            })
            .collect();
        let z: f64 = w.iter().sum();
        (0..b).for_each(|j| p[i * b + j] = w[j] / z);
    }
    let out = inspect(&m, &a);
    assert_all_close("xsample_cl p", &values(&out, "p"), &p);
    let want = soft_ce(
        b,
        b,
        |i, j| p[i * b + j],
        |i, j| cosine(&f[i], &f[j]) / tau,
        |i, j| i != j,
    );
    assert_close("xsample_cl", loss(&out), want);
}
