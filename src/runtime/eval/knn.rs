//! k-nearest-neighbour classification accuracy (train → test).

use super::rows::{count, dot, k_smallest, l2_normalized};
use rayon::prelude::*;

/// The k used by `eval = [knn]`.
pub const KNN_K: usize = 10;

/// Fraction of test rows whose label is the majority label among their `k`
/// nearest training rows by cosine distance (`1 − x̂·ŷ`). Ties in distance go
/// to the lower training index; ties in the vote to the smallest label.
/// NaN when either split is empty or the shapes are inconsistent.
///
/// # Shapes
/// `train`: n×dim, `train_labels`: n; `test`: m×dim, `test_labels`: m.
pub fn knn_accuracy(
    train: &[f32],
    train_labels: &[i64],
    test: &[f32],
    test_labels: &[i64],
    dim: usize,
    k: usize,
) -> f64 {
    let (Some(n), Some(m)) = (count(train, dim), count(test, dim)) else {
        return f64::NAN;
    };
    if n == 0 || m == 0 || n != train_labels.len() || m != test_labels.len() || k == 0 {
        return f64::NAN;
    }
    let tr = l2_normalized(train, dim);
    let te = l2_normalized(test, dim);
    let correct: usize = te
        .par_chunks_exact(dim)
        .zip(test_labels.par_iter())
        .map(|(q, &y)| {
            // Cosine distance 1 − cos; rank on −cos (same order).
            let d: Vec<f32> = tr.chunks_exact(dim).map(|t| -dot(q, t)).collect();
            let nn = k_smallest(&d, k.min(n), None);
            usize::from(vote(nn.iter().map(|&j| train_labels[j])) == y)
        })
        .sum();
    correct as f64 / m as f64
}

/// Majority label; ties go to the smallest label.
pub(crate) fn vote(labels: impl Iterator<Item = i64>) -> i64 {
    let mut tally: Vec<(i64, usize)> = Vec::new();
    for l in labels {
        match tally.iter_mut().find(|(t, _)| *t == l) {
            Some(e) => e.1 += 1,
            None => tally.push((l, 1)),
        }
    }
    tally
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map_or(-1, |(l, _)| l)
}
