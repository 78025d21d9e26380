//! Gaussian-limit std-lib files (spec §2.6, §5 rows 2–3) through
//! `inspect_method`: the σ→∞ identities of VICReg and PCA (§7.9) and the σ→0
//! triplet losses (cells 19–21), against closed forms written out in f64.
//!
//! Decision: `f` is fed as the `embedding` key directly (inspect does not run
//! mappers), so a file's Normalize() stage is not applied: the VICReg and PCA
//! identities hold for any f, and the triplet batches are fed unit rows, as
//! their files' encoders produce. Tolerance 1e-5 relative (f32 CPU backend).

use iconc::data::npz::{NpyArray, NpzArrays};

use crate::support::classic::{
    assert_close, inspect, load_stdlib, loss, normalized, random, sq_dist, width,
};

#[test]
fn vicreg_is_invariance_minus_twice_variance() {
    let method = load_stdlib("vicreg");
    let (n, d) = (8usize, width(&method, "embedding"));
    let rows = 2 * n;
    let f = random(rows, d, 11);
    let mut arrays = NpzArrays::new();
    arrays.insert("embedding", NpyArray::f64(vec![rows, d], f.clone()));
    arrays.insert(
        "index",
        NpyArray::i64(vec![rows], (0..rows).map(|r| (r % n) as i64).collect()),
    );
    let got = loss(&inspect(&method, &arrays));
    let fr = crate::support::classic::rows(&f, d);
    let invariance: f64 = (0..rows)
        .map(|r| sq_dist(&fr[r], &fr[(r + n) % rows]))
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
    assert_close("vicreg L_inf", got, invariance - 2.0 * trace_cov);
}

/// PCA (cell 15): p = Identity, q σ→∞ with self included gives
/// `L_∞ = −2 tr Cov_pop(f)`, i.e. `−2 tr(Wᵀ Σ_pop W)` for `f = x W` on centred x.
#[test]
fn pca_is_minus_twice_population_variance() {
    let method = load_stdlib("pca");
    let (rows, d) = (16usize, 2usize);
    let f = random(rows, d, 12);
    let mut arrays = NpzArrays::new();
    arrays.insert("embedding", NpyArray::f64(vec![rows, d], f.clone()));
    arrays.insert(
        "index",
        NpyArray::i64(vec![rows], (0..rows as i64).collect()),
    );
    let got = loss(&inspect(&method, &arrays));
    let trace_pop: f64 = (0..d)
        .map(|t| {
            let mean = (0..rows).map(|i| f[i * d + t]).sum::<f64>() / rows as f64;
            (0..rows)
                .map(|i| (f[i * d + t] - mean).powi(2))
                .sum::<f64>()
                / rows as f64
        })
        .sum();
    assert_close("pca L_inf = −2 tr Cov_pop", got, -2.0 * trace_pop);
}

/// `n` unit rows of width `d`, rounded to f32 (what Normalize() feeds q), and
/// a partner set: row i of it is the first set's row i plus noise of scale
/// 0.2 (even i), or independent noise (odd i), so some anchors have their
/// partner as nearest neighbour (zero triplet loss) and some do not.
fn unit_pairs(n: usize, d: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let unit = |x: &[f64]| -> Vec<f64> {
        normalized(x, d)
            .concat()
            .iter()
            .map(|&v| v as f32 as f64)
            .collect()
    };
    let a = random(n, d, seed);
    let noise = random(n, d, seed + 1);
    let b: Vec<f64> = (0..n * d)
        .map(|t| {
            if (t / d).is_multiple_of(2) {
                a[t] + 0.2 * noise[t]
            } else {
                noise[t]
            }
        })
        .collect();
    (unit(&a), unit(&b))
}

/// FaceNet's semi-hard triplet term: `max(d_ap + margin − d_an, 0)` for the
/// nearest negative with `d_an > d_ap` (the farthest one when there is none).
fn semi_hard_triplet(anchor: &[f64], positive: &[f64], neg: &[&[f64]], margin: f64) -> f64 {
    let dap = sq_dist(anchor, positive);
    let dn: Vec<f64> = neg.iter().map(|x| sq_dist(anchor, x)).collect();
    let beyond = dn
        .iter()
        .copied()
        .filter(|&v| v > dap)
        .fold(f64::INFINITY, f64::min);
    let dan = if beyond.is_finite() {
        beyond
    } else {
        dn.iter().copied().fold(f64::NEG_INFINITY, f64::max)
    };
    (dap + margin - dan).max(0.0)
}

/// FaceNet's batch-hard triplet term, margin 0: `max(d_ap − min_n d_an, 0)`
/// over the negatives `neg` of an anchor, d squared euclidean.
fn hard_triplet(anchor: &[f64], positive: &[f64], neg: &[&[f64]]) -> f64 {
    let hardest = neg
        .iter()
        .map(|k| sq_dist(anchor, k))
        .fold(f64::INFINITY, f64::min);
    (sq_dist(anchor, positive) - hardest).max(0.0)
}

/// The mean of per-anchor triplet terms; the batch must have both inactive
/// (0) and active (> 0) anchors, so the hinge itself is exercised.
fn mixed_mean(terms: &[f64]) -> f64 {
    assert!(terms.contains(&0.0), "no inactive triplet in {terms:?}");
    assert!(
        terms.iter().any(|&t| t > 0.0),
        "no active triplet in {terms:?}"
    );
    terms.iter().sum::<f64>() / terms.len() as f64
}

/// Triplet (Schroff 2015), σ→0 with C_i = {i⁺, i⁻}: FaceNet's loss with
/// margin 0.2 and the semi-hard negative (the nearest one farther than the
/// positive, else the farthest) over the 2N rows of N augmented pairs.
#[test]
fn triplet_is_facenet_semi_hard_triplet() {
    let m = load_stdlib("triplet");
    let (n, d) = (8usize, width(&m, "embedding"));
    let (a, b) = unit_pairs(n, d, 51);
    let f = normalized(&[a.clone(), b.clone()].concat(), d);
    let mut arrays = NpzArrays::new();
    arrays.insert("embedding", NpyArray::f64(vec![2 * n, d], [a, b].concat()));
    arrays.insert(
        "index",
        NpyArray::i64(vec![2 * n], (0..2 * n).map(|r| (r % n) as i64).collect()),
    );
    let terms: Vec<f64> = (0..2 * n)
        .map(|i| {
            let neg: Vec<&[f64]> = (0..2 * n)
                .filter(|&k| k % n != i % n)
                .map(|k| &f[k][..])
                .collect();
            semi_hard_triplet(&f[i], &f[(i + n) % (2 * n)], &neg, 0.2)
        })
        .collect();
    assert_close("triplet", loss(&inspect(&m, &arrays)), mixed_mean(&terms));
}

/// Triplet CLIP (cell 20): the batch-hard triplet loss across modalities,
/// `(1/2N) Σ_i max(d(a_i, b_i) − min_{j≠i} d(a_i, b_j), 0)` plus the b→a direction.
#[test]
fn triplet_clip_is_cross_modal_batch_hard_triplet() {
    let m = load_stdlib("triplet_clip");
    let (n, d) = (8usize, width(&m, "embedding"));
    let (a, b) = unit_pairs(n, d, 53);
    let mut arrays = NpzArrays::new();
    arrays.insert("embedding", NpyArray::f64(vec![n, d], a.clone()));
    arrays.insert("embedding1", NpyArray::f64(vec![n, d], b.clone()));
    arrays.insert("index", NpyArray::i64(vec![n], (0..n as i64).collect()));
    let (a, b) = (normalized(&a, d), normalized(&b, d));
    let direction = |u: &[Vec<f64>], v: &[Vec<f64>]| -> Vec<f64> {
        (0..n)
            .map(|i| {
                let neg: Vec<&[f64]> = (0..n).filter(|&j| j != i).map(|j| &v[j][..]).collect();
                hard_triplet(&u[i], &v[i], &neg)
            })
            .collect()
    };
    let terms = [direction(&a, &b), direction(&b, &a)].concat();
    assert_close(
        "triplet_clip",
        loss(&inspect(&m, &arrays)),
        mixed_mean(&terms),
    );
}

/// Triplet SupCon (cell 21), as its file defines it:
/// `(1/B) Σ_i mean_{j∈P(i)} (d_ij − min_{k≠i} d_ik)`, P(i) = same-label rows;
/// a row without a positive adds 0 but counts in B.
#[test]
fn triplet_supcon_is_label_hard_margin() {
    let m = load_stdlib("triplet_supcon");
    let (b, d) = (16usize, width(&m, "embedding"));
    let f = normalized(&random(b, d, 55), d);
    let f32_rows: Vec<f64> = f.concat().iter().map(|&v| v as f32 as f64).collect();
    let f = normalized(&f32_rows, d);
    // label 7 appears once: a row with no positive.
    let label: Vec<i64> = (0..b)
        .map(|i| if i == 5 { 7 } else { (i % 4) as i64 })
        .collect();
    let mut arrays = NpzArrays::new();
    arrays.insert("embedding", NpyArray::f64(vec![b, d], f32_rows));
    arrays.insert("label", NpyArray::i64(vec![b], label.clone()));
    let mut total = 0.0;
    for i in 0..b {
        let pos: Vec<usize> = (0..b).filter(|&j| j != i && label[j] == label[i]).collect();
        let nearest = (0..b)
            .filter(|&k| k != i)
            .map(|k| sq_dist(&f[i], &f[k]))
            .fold(f64::INFINITY, f64::min);
        if !pos.is_empty() {
            total += pos
                .iter()
                .map(|&j| sq_dist(&f[i], &f[j]) - nearest)
                .sum::<f64>()
                / pos.len() as f64;
        }
    }
    assert_close(
        "triplet_supcon",
        loss(&inspect(&m, &arrays)),
        total / b as f64,
    );
}
