//! Lloyd's k-means with k-means++ seeding, for clustering scores of
//! embeddings that are not cluster probabilities.

use super::rows::{count, sq_dist};

/// Lloyd iterations at most (stops earlier when assignments settle).
const MAX_ITERATIONS: usize = 100;

/// Cluster ids (0..k) of the n rows of `x`, deterministic given `seed`.
/// Seeding is k-means++ (first centre and each next one drawn ∝ squared
/// distance with a splitmix64 stream); an empty cluster keeps its centre.
/// Returns an empty vector for inconsistent shapes or k = 0.
///
/// # Shapes
/// `x`: n×dim → n.
pub fn kmeans(x: &[f32], dim: usize, k: usize, seed: u64) -> Vec<i64> {
    let Some(n) = count(x, dim) else {
        return Vec::new();
    };
    if k == 0 || n == 0 {
        return Vec::new();
    }
    let rows: Vec<&[f32]> = x.chunks_exact(dim).collect();
    let mut state = seed ^ 0x6b6d_6561_6e73;
    let mut uniform = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    };
    // k-means++ seeding.
    let first = ((uniform() * n as f64) as usize).min(n - 1);
    let mut centres: Vec<Vec<f32>> = vec![rows[first].to_vec()];
    let mut d2: Vec<f64> = rows
        .iter()
        .map(|r| f64::from(sq_dist(r, &centres[0])))
        .collect();
    while centres.len() < k.min(n) {
        let total: f64 = d2.iter().sum();
        let pick = if total > 0.0 {
            let target = uniform() * total;
            let mut acc = 0.0;
            d2.iter()
                .position(|&d| {
                    acc += d;
                    acc >= target
                })
                .unwrap_or(n - 1)
        } else {
            centres.len() // all points coincide with centres: take the next index
        };
        centres.push(rows[pick].to_vec());
        let c = centres.len() - 1;
        for (d, r) in d2.iter_mut().zip(&rows) {
            *d = d.min(f64::from(sq_dist(r, &centres[c])));
        }
    }
    let mut assign = vec![0usize; n];
    for it in 0..MAX_ITERATIONS {
        let mut changed = false;
        for (a, r) in assign.iter_mut().zip(&rows) {
            let best = nearest(r, &centres);
            if best != *a {
                changed = true;
                *a = best;
            }
        }
        if it > 0 && !changed {
            break;
        }
        let mut sums = vec![vec![0.0f64; dim]; centres.len()];
        let mut counts = vec![0usize; centres.len()];
        for (&a, r) in assign.iter().zip(&rows) {
            counts[a] += 1;
            sums[a]
                .iter_mut()
                .zip(r.iter())
                .for_each(|(s, &v)| *s += f64::from(v));
        }
        for ((c, s), &m) in centres.iter_mut().zip(&sums).zip(&counts) {
            if m > 0 {
                c.iter_mut()
                    .zip(s)
                    .for_each(|(cv, sv)| *cv = (sv / m as f64) as f32);
            }
        }
    }
    assign.into_iter().map(|a| a as i64).collect()
}

/// Index of the nearest centre (ties to the lower index).
fn nearest(r: &[f32], centres: &[Vec<f32>]) -> usize {
    let mut best = (f32::INFINITY, 0);
    for (c, centre) in centres.iter().enumerate() {
        let d = sq_dist(r, centre);
        if d < best.0 {
            best = (d, c);
        }
    }
    best.1
}
