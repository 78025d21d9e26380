//! Trustworthiness (Venna & Kaski 2001), as scikit-learn defines it.

use super::rows::{count, k_smallest, sq_dist};
use rayon::prelude::*;

/// The k used by `eval = [trustworthiness]`.
pub const TRUST_K: usize = 10;

/// `T(k) = 1 − 2/(n k (2n − 3k − 1)) · Σ_i Σ_{j ∈ N_i^k} max(0, r(i, j) − k)`.
///
/// `N_i^k` are the k nearest neighbours of i in the embedding, `r(i, j)` the
/// rank of j among i's neighbours in the input space (1 = nearest), both by
/// euclidean distance excluding i itself, ties to the lower index. 1 means
/// every embedding neighbour is also an input neighbour. NaN unless
/// `1 ≤ k < n/2` and the shapes agree.
///
/// # Shapes
/// `x`: n×x_dim (input space), `emb`: n×emb_dim.
pub fn trustworthiness(x: &[f32], x_dim: usize, emb: &[f32], emb_dim: usize, k: usize) -> f64 {
    let (Some(n), Some(ne)) = (count(x, x_dim), count(emb, emb_dim)) else {
        return f64::NAN;
    };
    if n != ne || k == 0 || 2 * k >= n {
        return f64::NAN;
    }
    let penalties: Vec<u64> = (0..n)
        .into_par_iter()
        .map(|i| {
            let xi = &x[i * x_dim..(i + 1) * x_dim];
            let ei = &emb[i * emb_dim..(i + 1) * emb_dim];
            let de: Vec<f32> = emb.chunks_exact(emb_dim).map(|e| sq_dist(ei, e)).collect();
            let dx: Vec<f32> = x.chunks_exact(x_dim).map(|r| sq_dist(xi, r)).collect();
            k_smallest(&de, k, Some(i))
                .into_iter()
                .map(|j| {
                    // Rank of j in input space: 1 + #points strictly ahead of it.
                    let ahead = dx
                        .iter()
                        .enumerate()
                        .filter(|&(l, &d)| l != i && (d < dx[j] || (d == dx[j] && l < j)))
                        .count();
                    (ahead + 1).saturating_sub(k) as u64
                })
                .sum()
        })
        .collect();
    let total: u64 = penalties.iter().sum();
    let (nf, kf) = (n as f64, k as f64);
    1.0 - 2.0 / (nf * kf * (2.0 * nf - 3.0 * kf - 1.0)) * total as f64
}
