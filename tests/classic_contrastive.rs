//! The std-lib method files reproduce their textbook losses (spec §5, §7):
//! each test loads `methods/X.icon` with `check::load_method`, feeds one fixed
//! random batch to `runtime::inspect::inspect_method` (the `iconc inspect`
//! path), and compares with the classic formula written out here in plain f64.
//!
//! Tolerance: 1e-5 relative — inspect runs on the CPU backend in f32 (§7).

use iconc::data::npz::{ArrayData, NpyArray, NpzArrays};
use iconc::ir;
use iconc::runtime::backend::BackendKind;
use iconc::runtime::inspect::inspect_method;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

mod classic_support;
use classic_support::{load_stdlib, width};

const RTOL: f64 = 1e-5;

fn load(name: &str) -> ir::Method {
    load_stdlib(name)
}

/// Row-major rows×cols matrix, uniform in [-1, 1), values rounded to f32 so
/// the f32 backend and this f64 reference see the same numbers.
fn random(rows: usize, cols: usize, seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..rows * cols)
        .map(|_| rng.random_range(-1.0f64..1.0) as f32 as f64)
        .collect()
}

fn inspect(m: &ir::Method, arrays: &NpzArrays) -> NpzArrays {
    match inspect_method(m, arrays, BackendKind::Cpu) {
        Ok(o) => o,
        Err(d) => panic!("{}: inspect failed: {} {}", m.name, d.code, d.message),
    }
}

fn values(out: &NpzArrays, key: &str) -> Vec<f64> {
    match out.get(key).map(|a| &a.data) {
        Some(ArrayData::F64(v)) => v.clone(),
        Some(ArrayData::F32(v)) => v.iter().map(|&x| x as f64).collect(),
        other => panic!("output `{key}` is missing or not float: {other:?}"),
    }
}

fn loss(out: &NpzArrays) -> f64 {
    values(out, "loss")[0]
}

fn assert_close(name: &str, got: f64, want: f64) {
    assert!(
        (got - want).abs() <= RTOL * want.abs().max(1.0),
        "{name}: iconc {got} vs classic {want}"
    );
}

/// Unit rows of a rows×dim matrix.
fn normalized(x: &[f64], dim: usize) -> Vec<Vec<f64>> {
    x.chunks(dim)
        .map(|r| {
            let n = r.iter().map(|v| v * v).sum::<f64>().sqrt().max(1e-12);
            r.iter().map(|v| v / n).collect()
        })
        .collect()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn logsumexp(v: impl Iterator<Item = f64> + Clone) -> f64 {
    let m = v.clone().fold(f64::NEG_INFINITY, f64::max);
    m + v.map(|x| (x - m).exp()).sum::<f64>().ln()
}

/// SimCLR = NT-Xent(τ = 2σ² = 0.5) on N pairs in the §2.4 layout.
#[test]
fn simclr_is_nt_xent() {
    let m = load("simclr");
    let (n, d, tau) = (8usize, width(&m, "embedding"), 0.5f64);
    let x = random(2 * n, d, 1);
    let index: Vec<i64> = (0..2 * n).map(|r| (r % n) as i64).collect();
    let mut a = NpzArrays::new();
    a.insert("embedding", NpyArray::f64(vec![2 * n, d], x.clone()));
    a.insert("index", NpyArray::i64(vec![2 * n], index));
    let z = normalized(&x, d);
    let mut total = 0.0;
    for r in 0..2 * n {
        let pos = (r + n) % (2 * n);
        let lse = logsumexp(
            (0..2 * n)
                .filter(|&k| k != r)
                .map(|k| dot(&z[r], &z[k]) / tau),
        );
        total += lse - dot(&z[r], &z[pos]) / tau;
    }
    assert_close("simclr", loss(&inspect(&m, &a)), total / (2 * n) as f64);
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
    let mut total = 0.0;
    for i in 0..b {
        let pos: Vec<usize> = (0..b).filter(|&j| j != i && label[j] == label[i]).collect();
        if pos.is_empty() {
            continue;
        }
        let lse = logsumexp((0..b).filter(|&k| k != i).map(|k| dot(&z[i], &z[k]) / tau));
        let s: f64 = pos.iter().map(|&p| lse - dot(&z[i], &z[p]) / tau).sum();
        total += s / pos.len() as f64;
    }
    assert_close("supcon", loss(&inspect(&m, &a)), total / b as f64);
}

/// t-SNE q = the Cauchy kernel `(1 + ‖y_i − y_j‖²)^−1` normalized over j ≠ i.
///
/// Decision: I-Con normalizes q per row (spec §2, §7.7), not over all pairs
/// as in the original t-SNE; the row-normalized Cauchy kernel is the target.
#[test]
fn tsne_q_is_normalized_cauchy() {
    let m = load("tsne");
    let (b, f, d) = (12usize, width(&m, "x"), width(&m, "embedding"));
    let x = random(b, f, 5);
    let y = random(b, d, 6);
    let mut a = NpzArrays::new();
    a.insert("x", NpyArray::f64(vec![b, f], x));
    a.insert("embedding", NpyArray::f64(vec![b, d], y.clone()));
    let log_q = values(&inspect(&m, &a), "log_q");
    for i in 0..b {
        let w: Vec<f64> = (0..b)
            .map(|j| {
                let yi = &y[i * d..(i + 1) * d];
                let yj = &y[j * d..(j + 1) * d];
                let d2: f64 = yi.iter().zip(yj).map(|(p, q)| (p - q) * (p - q)).sum();
                if i == j {
                    0.0
                } else {
                    1.0 / (1.0 + d2)
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

/// CLIP = symmetric CE of `Λ = û v̂ᵀ/τ`, τ = 2σ² = 0.07 (initial learnable τ).
#[test]
fn clip_is_symmetric_ce() {
    let m = load("clip");
    let (n, d) = (8usize, width(&m, "embedding"));
    let sigma: f64 = 0.1870829;
    let tau = (2.0 * sigma * sigma) as f32 as f64;
    let u = random(n, d, 8);
    let v = random(n, d, 9);
    let mut a = NpzArrays::new();
    a.insert("embedding", NpyArray::f64(vec![n, d], u.clone()));
    a.insert("embedding1", NpyArray::f64(vec![n, d], v.clone()));
    a.insert("index", NpyArray::i64(vec![n], (0..n as i64).collect()));
    let (u, v) = (normalized(&u, d), normalized(&v, d));
    let ce = |a: &[Vec<f64>], b: &[Vec<f64>]| -> f64 {
        (0..n)
            .map(|i| logsumexp((0..n).map(|j| dot(&a[i], &b[j]) / tau)) - dot(&a[i], &b[i]) / tau)
            .sum::<f64>()
            / n as f64
    };
    let want = (ce(&u, &v) + ce(&v, &u)) / 2.0;
    // τ = 0.07 scales logits by ~14: allow the f32 rounding of τ itself.
    let got = loss(&inspect(&m, &a));
    assert!(
        (got - want).abs() <= 1e-4 * want.abs().max(1.0),
        "clip: iconc {got} vs classic {want}"
    );
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
    let mut total = 0.0;
    for i in 0..b {
        let fi = &f[i * d..(i + 1) * d];
        let k: Vec<f64> = (0..c)
            .map(|j| {
                let wj = &w[j * d..(j + 1) * d];
                let d2: f64 = fi.iter().zip(wj).map(|(p, q)| (p - q) * (p - q)).sum();
                1.0 / (eps + d2)
            })
            .collect();
        let y = usize::try_from(label[i]).unwrap_or(0);
        total -= (k[y] / k.iter().sum::<f64>()).ln();
    }
    assert_close("harmonic", loss(&inspect(&m, &a)), total / b as f64);
}
