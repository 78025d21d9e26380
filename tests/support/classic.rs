//! Helpers shared by the `classic_*` tests: load a std-lib method, size
//! batches from its checked key widths, run `inspect_method` (the `iconc
//! inspect` path) and compare with references written out in plain f64.
//!
//! Nothing here calls the iconc numerics: the references stay independent.
#![allow(dead_code)] // each test binary uses a subset

use iconc::check;
use iconc::data::npz::{ArrayData, NpyArray, NpzArrays};
use iconc::ir::{Dim, Method};
use iconc::runtime::backend::BackendKind;
use iconc::runtime::inspect::inspect_method;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::{Path, PathBuf};

/// Relative tolerance of the f32 CPU backend against an f64 reference (§7).
pub const RTOL: f64 = 1e-5;

/// The std-lib directory (`methods/`); graph edge lists are relative to it.
pub fn methods_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("methods")
}

/// `methods/NAME.icon`, checked, with graph paths resolved against `methods/`
/// as `iconc inspect` does; panics with the diagnostics if it does not check.
pub fn load_stdlib(name: &str) -> Method {
    let path = methods_dir().join(format!("{name}.icon"));
    match check::load_method(&path) {
        Ok((mut m, _)) => {
            iconc::runtime::kernels::graph::resolve_graph_paths(&mut m, &methods_dir());
            m
        }
        Err(r) => panic!(
            "{name}.icon does not check: {:?}",
            r.iter().map(|r| &r.diagnostic.message).collect::<Vec<_>>()
        ),
    }
}

/// The fixed width of `key` in the checked method (its last dimension), so
/// the batch matches what `inspect` expects of the std-lib file.
pub fn width(m: &Method, key: &str) -> usize {
    m.keys
        .iter()
        .find(|k| k.name == key)
        .and_then(|k| match k.shape.last() {
            Some(Dim::Fixed(n)) => Some(*n),
            _ => None,
        })
        .unwrap_or_else(|| panic!("{} has no fixed-width key `{key}`", m.name))
}

/// `inspect_method` on the CPU backend; panics with the diagnostic on error.
pub fn inspect(m: &Method, arrays: &NpzArrays) -> NpzArrays {
    match inspect_method(m, arrays, BackendKind::Cpu) {
        Ok(o) => o,
        Err(d) => panic!("{}: inspect failed: {} {}", m.name, d.code, d.message),
    }
}

/// A float output of `inspect` as f64.
pub fn values(out: &NpzArrays, key: &str) -> Vec<f64> {
    match out.get(key).map(|a| &a.data) {
        Some(ArrayData::F64(v)) => v.clone(),
        Some(ArrayData::F32(v)) => v.iter().map(|&x| x as f64).collect(),
        other => panic!("output `{key}` is missing or not float: {other:?}"),
    }
}

/// The scalar `loss` output.
pub fn loss(out: &NpzArrays) -> f64 {
    values(out, "loss")[0]
}

/// `got` within `rtol` of `want` (relative, absolute below 1).
pub fn assert_close_tol(name: &str, got: f64, want: f64, rtol: f64) {
    assert!(
        (got - want).abs() <= rtol * want.abs().max(1.0),
        "{name}: iconc {got} vs classic {want}"
    );
}

/// [`assert_close_tol`] at [`RTOL`].
pub fn assert_close(name: &str, got: f64, want: f64) {
    assert_close_tol(name, got, want, RTOL);
}

/// Row-major rows×cols matrix, uniform in [-1, 1), values rounded to f32 so
/// the f32 backend and the f64 reference see the same numbers.
pub fn random(rows: usize, cols: usize, seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..rows * cols)
        .map(|_| rng.random_range(-1.0f64..1.0) as f32 as f64)
        .collect()
}

/// A batch of `n` rows with one random float array per key (key t is
/// n × `width(m, key)`, drawn with [`random`] from `seed + t`); returns the
/// arrays and each key's rows.
pub fn random_keys(
    m: &Method,
    keys: &[&str],
    n: usize,
    seed: u64,
) -> (NpzArrays, Vec<Vec<Vec<f64>>>) {
    let mut arrays = NpzArrays::new();
    let mut out = Vec::new();
    for (t, key) in keys.iter().enumerate() {
        let d = width(m, key);
        let x = random(n, d, seed + t as u64);
        arrays.insert(*key, NpyArray::f64(vec![n, d], x.clone()));
        out.push(rows(&x, d));
    }
    (arrays, out)
}

/// Row-major n×n matrix of `f(i, j)`.
pub fn matrix(n: usize, f: impl Fn(usize, usize) -> f64) -> Vec<f64> {
    (0..n * n).map(|ij| f(ij / n, ij % n)).collect()
}

/// Scales each row of a row-major matrix with `m` columns to sum to 1.
pub fn normalize_rows(p: &mut [f64], m: usize) {
    for row in p.chunks_mut(m) {
        let z: f64 = row.iter().sum();
        row.iter_mut().for_each(|v| *v /= z);
    }
}

/// Unit rows of a rows×dim matrix.
pub fn normalized(x: &[f64], dim: usize) -> Vec<Vec<f64>> {
    x.chunks(dim)
        .map(|r| {
            let n = r.iter().map(|v| v * v).sum::<f64>().sqrt().max(1e-12);
            r.iter().map(|v| v / n).collect()
        })
        .collect()
}

/// `x` split into rows of width `dim`.
pub fn rows(x: &[f64], dim: usize) -> Vec<Vec<f64>> {
    x.chunks(dim).map(<[f64]>::to_vec).collect()
}

pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Squared euclidean distance.
pub fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(p, q)| (p - q) * (p - q)).sum()
}

pub fn logsumexp(v: impl Iterator<Item = f64> + Clone) -> f64 {
    let m = v.clone().fold(f64::NEG_INFINITY, f64::max);
    m + v.map(|x| (x - m).exp()).sum::<f64>().ln()
}

/// Cosine similarity.
pub fn cosine(a: &[f64], b: &[f64]) -> f64 {
    dot(a, b) / (dot(a, a).sqrt().max(1e-12) * dot(b, b).sqrt().max(1e-12))
}

/// Soft-target cross-entropy over R rows of a softmax:
/// `(1/R) Σ_i Σ_{j∈C_i} p_ij (log Σ_{k∈C_i} e^{s_ik} − s_ij)`, where `s` is a
/// log-kernel (logit), `cand(i, k)` says k ∈ C_i and `p` is the target; M columns.
pub fn soft_ce(
    r: usize,
    m: usize,
    p: impl Fn(usize, usize) -> f64,
    s: impl Fn(usize, usize) -> f64,
    cand: impl Fn(usize, usize) -> bool,
) -> f64 {
    let mut total = 0.0;
    for i in 0..r {
        let lse = logsumexp((0..m).filter(|&k| cand(i, k)).map(|k| s(i, k)));
        total += (0..m)
            .filter(|&j| cand(i, j) && p(i, j) > 0.0)
            .map(|j| p(i, j) * (lse - s(i, j)))
            .sum::<f64>();
    }
    total / r as f64
}

/// The multi-positive contrastive loss the softmax cells reduce to:
/// `(1/R) Σ_i mean_{j∈P(i)} −log( e^{s_ij} / Σ_{k∈C_i} e^{s_ik} )` over an
/// R×R batch; `pos(i, j)` says j ∈ P(i). A row without positives adds 0 but
/// counts in R.
pub fn contrastive(
    r: usize,
    s: impl Fn(usize, usize) -> f64,
    cand: impl Fn(usize, usize) -> bool + Copy,
    pos: impl Fn(usize, usize) -> bool,
) -> f64 {
    let p = positives(r, cand, pos);
    soft_ce(r, r, |i, j| p[i * r + j], s, cand)
}

/// Row-major R×R p uniform over `{j ∈ C_i : pos(i, j)}` (zero rows allowed).
pub fn positives(
    r: usize,
    cand: impl Fn(usize, usize) -> bool,
    pos: impl Fn(usize, usize) -> bool,
) -> Vec<f64> {
    let mut p = vec![0.0; r * r];
    for i in 0..r {
        let js: Vec<usize> = (0..r).filter(|&j| cand(i, j) && pos(i, j)).collect();
        for &j in &js {
            p[i * r + j] = 1.0 / js.len() as f64;
        }
    }
    p
}

/// `mean_i H(p_i)` of a row-major matrix with `r` rows.
pub fn mean_entropy(p: &[f64], r: usize) -> f64 {
    -p.iter()
        .filter(|&&v| v > 0.0)
        .map(|v| v * v.ln())
        .sum::<f64>()
        / r as f64
}

/// Each entry of `got` within [`RTOL`] (absolute) of `want`.
pub fn assert_all_close(name: &str, got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{name}: length");
    for (ij, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= RTOL,
            "{name}[{ij}]: iconc {g} vs classic {w}"
        );
    }
}

/// A symmetric edge list `i j [w]` per line (`#` comments), as a dense
/// weight lookup over the listed nodes: `w[(i, j)]`, and global degrees.
pub struct EdgeList {
    pub weights: std::collections::HashMap<(usize, usize), f64>,
    pub degree: Vec<f64>,
}

/// Reads `methods/data/NAME` with its own parser (not iconc's).
pub fn read_edges(name: &str) -> EdgeList {
    let text = std::fs::read_to_string(methods_dir().join("data").join(name))
        .unwrap_or_else(|e| panic!("cannot read {name}: {e}"));
    let mut weights = std::collections::HashMap::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 2 {
            continue;
        }
        let (i, j): (usize, usize) = (f[0].parse().unwrap(), f[1].parse().unwrap());
        let w: f64 = f.get(2).map_or(1.0, |w| w.parse().unwrap());
        weights.insert((i, j), w);
        weights.insert((j, i), w);
    }
    let n = weights.keys().map(|&(i, _)| i + 1).max().unwrap_or(0);
    let mut degree = vec![0.0; n];
    for (&(i, _), w) in &weights {
        degree[i] += w;
    }
    EdgeList { weights, degree }
}

impl EdgeList {
    pub fn w(&self, i: usize, j: usize) -> f64 {
        self.weights.get(&(i, j)).copied().unwrap_or(0.0)
    }

    /// `count` nodes reached breadth-first from `start`, so a batch of them
    /// has edges inside it (a random subset of a 10-NN graph has almost none).
    pub fn connected_batch(&self, start: usize, count: usize) -> Vec<usize> {
        let mut out = vec![start];
        let mut at = 0;
        while out.len() < count && at < out.len() {
            let i = out[at];
            let mut next: Vec<usize> = self
                .weights
                .keys()
                .filter(|&&(a, b)| a == i && !out.contains(&b))
                .map(|&(_, b)| b)
                .collect();
            next.sort_unstable();
            out.extend(next.into_iter().take(count - out.len()));
            at += 1;
        }
        out
    }
}
