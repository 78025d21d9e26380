//! The std-lib method files reproduce their textbook losses (spec §5, §7):
//! each test loads `methods/X.icon` with `check::load_method`, feeds one fixed
//! random batch to `runtime::inspect::inspect_method` (the `iconc inspect`
//! path), and compares with the classic formula written out here in plain f64.
//!
//! Covers the softmax cells with a learned Gaussian or Student-t q on
//! augmentation, label, class-table and cross-modal p: SimCLR, InfoNCE,
//! SupCon pairs, t-SimCNE, t-SimCLR, supervised CE, SupCon, t-SNE q, CLIP,
//! CMC, MoCo v3, harmonic.
//!
//! Tolerance: 1e-5 relative — inspect runs on the CPU backend in f32 (§7).

use iconc::data::npz::{NpyArray, NpzArrays};

use crate::support::classic::{
    assert_close, assert_close_tol, contrastive, cosine, dot, inspect, load_stdlib as load,
    logsumexp, loss, normalized, random, random_keys, rows, sq_dist, values, width,
};

/// `loss` of an Augmentation cell (p uniform over the other views of the same
/// source) on V views of N sources in the §2.4 layout (`index` = r mod N),
/// against the multi-positive CE with log-kernel `s` over C_i = {k ≠ i}.
fn assert_views_loss(name: &str, views: usize, n: usize, seed: u64, s: fn(&[f64], &[f64]) -> f64) {
    assert_method_views_loss(&load(name), views, n, seed, s);
}

/// [`assert_views_loss`] for a method loaded elsewhere (an example file).
fn assert_method_views_loss(
    m: &iconc::ir::Method,
    views: usize,
    n: usize,
    seed: u64,
    s: fn(&[f64], &[f64]) -> f64,
) {
    let (name, b) = (m.name.as_str(), views * n);
    let (mut a, f) = random_keys(m, &["embedding"], b, seed);
    a.insert(
        "index",
        NpyArray::i64(vec![b], (0..b).map(|r| (r % n) as i64).collect()),
    );
    let f = &f[0];
    let want = contrastive(
        b,
        |i, k| s(&f[i], &f[k]),
        |i, k| i != k,
        |i, j| i % n == j % n,
    );
    assert_close(name, loss(&inspect(m, &a)), want);
}

/// SimCLR = NT-Xent(τ = 2σ² = 0.5) on N pairs in the §2.4 layout.
#[test]
fn simclr_is_nt_xent() {
    assert_views_loss("simclr", 2, 8, 1, |a, b| cosine(a, b) / 0.5);
}

/// Multi-crop SimCLR (`examples/methods/simclr_multicrop.icon`): 2 global
/// and 4 local views, every view of a source a positive of every other, τ = 0.5.
#[test]
fn multicrop_simclr_is_six_view_nce() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/methods/simclr_multicrop.icon");
    let m = match iconc::check::load_method(&path) {
        Ok((m, _)) => m,
        Err(r) => panic!(
            "{:?}",
            r.iter().map(|r| &r.diagnostic.message).collect::<Vec<_>>()
        ),
    };
    assert_eq!((m.data.views, m.data.local.views), (6, 4));
    assert_method_views_loss(&m, 6, 5, 16, |a, b| cosine(a, b) / 0.5);
}

/// InfoNCE (Bachman 2019), V = 4 views, τ = 0.2:
/// `−(1/B) Σ_i (1/(V−1)) Σ_{j∈P(i)} log softmax_{k≠i}(cos/τ)_j`.
#[test]
fn infonce_is_multi_view_nce() {
    assert_views_loss("infonce", 4, 6, 14, |a, b| cosine(a, b) / 0.2);
}

/// Supervised contrastive pairs = NT-Xent(τ = 0.1) over pairs sharing a pair
/// id. The file feeds the pair id as `index` (its data cannot yet build
/// label-chosen pairs), so the batch is N pairs in the §2.4 layout; the two
/// rows of a pair stand for two different images of one label.
#[test]
fn supcon_pairs_is_n_pair_nt_xent() {
    assert_views_loss("supcon_pairs", 2, 8, 15, |a, b| cosine(a, b) / 0.1);
}

/// t-SimCNE (Böhm 2023): NT-Xent with the Cauchy similarity
/// `(1 + ‖f_i − f_j‖²)^−1` on unnormalized 2-D outputs.
#[test]
fn tsimcne_is_cauchy_nt_xent() {
    assert_views_loss("tsimcne", 2, 8, 16, |a, b| -sq_dist(a, b).ln_1p());
}

/// t-SimCLR (Hu 2023, I-Con App. A): NT-Xent with the ν = 2 Student-t
/// `(1 + ‖f_i − f_j‖²/2)^(−3/2)` on unnormalized outputs.
#[test]
fn tsimclr_is_student_t_nt_xent() {
    assert_views_loss("tsimclr", 2, 8, 17, |a, b| {
        -1.5 * (sq_dist(a, b) / 2.0).ln_1p()
    });
}

/// Supervised CE = mean softmax cross-entropy of `f Wᵀ` (σ = 1/√2, dot).
#[test]
fn supervised_ce_is_softmax_ce() {
    let m = load("supervised_ce");
    let (b, d, c) = (32usize, width(&m, "embedding"), 10usize);
    let f = random(b, d, 2);
    let w = random(c, d, 3);
    let label: Vec<i64> = (0..b).map(|i| ((i * 7) % c) as i64).collect();
    let mut a = NpzArrays::new();
    a.insert("embedding", NpyArray::f64(vec![b, d], f.clone()));
    a.insert("class_embedding", NpyArray::f64(vec![c, d], w.clone()));
    a.insert("label", NpyArray::i64(vec![b], label.clone()));
    let mut total = 0.0;
    for i in 0..b {
        let fi = &f[i * d..(i + 1) * d];
        let logits: Vec<f64> = (0..c).map(|k| dot(fi, &w[k * d..(k + 1) * d])).collect();
        let y = usize::try_from(label[i]).unwrap_or(0);
        total += logsumexp(logits.iter().copied()) - logits[y];
    }
    assert_close("supervised_ce", loss(&inspect(&m, &a)), total / b as f64);
}

/// SupCon = L^sup_out (τ = 2σ² = 0.1); anchors without a positive add 0 but count.
#[test]
fn supcon_is_l_sup_out() {
    let m = load("supcon");
    let (b, d, tau) = (16usize, width(&m, "embedding"), 0.1f64);
    let x = random(b, d, 4);
    // label 5 appears once: an anchor with no positive.
    let label: Vec<i64> = (0..b)
        .map(|i| if i == 3 { 5 } else { (i % 3) as i64 })
        .collect();
    let mut a = NpzArrays::new();
    a.insert("embedding", NpyArray::f64(vec![b, d], x.clone()));
    a.insert("label", NpyArray::i64(vec![b], label.clone()));
    let z = normalized(&x, d);
    let want = contrastive(
        b,
        |i, k| dot(&z[i], &z[k]) / tau,
        |i, k| i != k,
        |i, j| label[i] == label[j],
    );
    assert_close("supcon", loss(&inspect(&m, &a)), want);
}

/// t-SNE q = the Cauchy kernel `(1 + ‖y_i − y_j‖²)^−1` normalized over j ≠ i.
///
/// Decision: I-Con normalizes q per row (spec §2, §7.7), not over all pairs
/// as in the original t-SNE; the row-normalized Cauchy kernel is the target.
#[test]
fn tsne_q_is_normalized_cauchy() {
    let m = load("tsne");
    let (b, f, d) = (12usize, width(&m, "x"), width(&m, "embedding"));
    let y = random(b, d, 6);
    let mut a = NpzArrays::new();
    a.insert("x", NpyArray::f64(vec![b, f], random(b, f, 5)));
    a.insert("embedding", NpyArray::f64(vec![b, d], y.clone()));
    let log_q = values(&inspect(&m, &a), "log_q");
    let y = rows(&y, d);
    for i in 0..b {
        let w: Vec<f64> = (0..b)
            .map(|j| {
                if i == j {
                    0.0
                } else {
                    1.0 / (1.0 + sq_dist(&y[i], &y[j]))
                }
            })
            .collect();
        let z: f64 = w.iter().sum();
        for j in 0..b {
            let got = log_q[i * b + j];
            if i == j {
                assert!(
                    got == f64::NEG_INFINITY,
                    "tsne: self pair {i} has log q {got}"
                );
            } else {
                assert_close("tsne q", got.exp(), w[j] / z);
            }
        }
    }
}

/// `(CE(Λ) + CE(Λᵀ))/2` with `Λ = û v̂ᵀ/τ` for a two-key cross-modal cell
/// (rows of `keys[0]` paired with the same row of `keys[1]`).
fn assert_cross_modal_ce(name: &str, keys: [&str; 2], tau: f64, seed: u64, rtol: f64) {
    let (m, n) = (load(name), 8usize);
    let (mut a, uv) = random_keys(&m, &keys, n, seed);
    a.insert("index", NpyArray::i64(vec![n], (0..n as i64).collect()));
    let ce = |a: &[Vec<f64>], b: &[Vec<f64>]| -> f64 {
        let logit = |i: usize, j: usize| cosine(&a[i], &b[j]) / tau;
        (0..n)
            .map(|i| logsumexp((0..n).map(|j| logit(i, j))) - logit(i, i))
            .sum::<f64>()
            / n as f64
    };
    let want = (ce(&uv[0], &uv[1]) + ce(&uv[1], &uv[0])) / 2.0;
    assert_close_tol(name, loss(&inspect(&m, &a)), want, rtol);
}

/// CLIP = symmetric CE of `Λ = û v̂ᵀ/τ`, τ = 2σ² = 0.07 (initial learnable τ).
#[test]
fn clip_is_symmetric_ce() {
    // τ = 0.07 scales logits by ~14, and the learnable τ is stored as an f32
    // log-scale: allow the f32 rounding of τ itself.
    assert_cross_modal_ce("clip", ["embedding", "embedding1"], 0.07, 8, 1e-4);
}

/// CMC (Tian 2020) = CLIP's symmetric cross-view CE with a fixed τ = 0.07.
#[test]
fn cmc_is_symmetric_cross_view_ce() {
    assert_cross_modal_ce("cmc", ["embedding", "embedding1"], 0.07, 18, 1e-5);
}

/// MoCo v3 (Chen 2021) with a frozen target: on N images in two views
/// (rows `[view 1; view 2]`), `q_i` = pred(f(view v)) and `k_j` = the momentum
/// encoder's (view v′) output, each query contrasted with the other view's
/// keys only (`-> cross_view`), τ = 0.2:
/// `L = (CE(q¹, k²) + CE(q², k¹))/2`, so `4τ·L = 2τ(CE12 + CE21)` (spec §5 #10).
#[test]
fn mocov3_is_infonce_between_online_queries_and_target_keys() {
    let (m, n, tau) = (load("mocov3"), 6usize, 0.2f64);
    let b = 2 * n;
    let (mut a, keys) = random_keys(&m, &["pred", "target"], b, 19);
    a.insert(
        "index",
        NpyArray::i64(vec![b], (0..b).map(|r| (r % n) as i64).collect()),
    );
    let (q, k) = (&keys[0], &keys[1]);
    // CE of view v's queries against view (1 − v)'s keys; the positive of
    // query i (image i % n) is the other view's key of the same image.
    let ce = |v: usize| -> f64 {
        let other = 1 - v;
        (0..n)
            .map(|i| {
                let logit = |j: usize| cosine(&q[v * n + i], &k[other * n + j]) / tau;
                logsumexp((0..n).map(logit)) - logit(i)
            })
            .sum::<f64>()
            / n as f64
    };
    let want = (ce(0) + ce(1)) / 2.0;
    assert_close("mocov3", loss(&inspect(&m, &a)), want);
}

/// Harmonic loss (Baek 2025, n = 1, ε = 0.1): `−log((ε + d_iy)^−1 / Σ_c (ε + d_ic)^−1)`
/// with d the squared L2 distance to the class prototypes.
#[test]
fn harmonic_is_harmonic_loss() {
    let m = load("harmonic");
    let (b, d, c, eps) = (32usize, width(&m, "embedding"), 10usize, 0.1f64);
    let f = random(b, d, 12);
    let w = random(c, d, 13);
    let label: Vec<i64> = (0..b).map(|i| ((i * 3) % c) as i64).collect();
    let mut a = NpzArrays::new();
    a.insert("embedding", NpyArray::f64(vec![b, d], f.clone()));
    a.insert("class_embedding", NpyArray::f64(vec![c, d], w.clone()));
    a.insert("label", NpyArray::i64(vec![b], label.clone()));
    let (f, w) = (rows(&f, d), rows(&w, d));
    let mut total = 0.0;
    for i in 0..b {
        let k: Vec<f64> = (0..c)
            .map(|j| 1.0 / (eps + sq_dist(&f[i], &w[j])))
            .collect();
        let y = usize::try_from(label[i]).unwrap_or(0);
        total -= (k[y] / k.iter().sum::<f64>()).ln();
    }
    assert_close("harmonic", loss(&inspect(&m, &a)), total / b as f64);
}
