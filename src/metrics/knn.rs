//! k-nearest-neighbour classification accuracy (train → test).

use super::rows::{count, dot, k_smallest, l2_normalized, sq_dist};
use rayon::prelude::*;

/// The k used by `eval = [knn]`.
pub const KNN_K: usize = 10;

/// How kNN measures "near".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KnnGeometry {
    /// Cosine distance `1 − x̂·ŷ` (normalized contrastive embeddings).
    #[default]
    Cosine,
    /// Euclidean distance (maps whose radius carries meaning: t-SNE, SNE).
    Euclidean,
}

/// [`knn_accuracy_in`] by cosine distance.
pub fn knn_accuracy(
    train: &[f32],
    train_labels: &[i64],
    test: &[f32],
    test_labels: &[i64],
    dim: usize,
    k: usize,
) -> f64 {
    knn_accuracy_in(
        KnnGeometry::Cosine,
        train,
        train_labels,
        test,
        test_labels,
        dim,
        k,
    )
}

/// Fraction of test rows whose label is the majority label among their `k`
/// nearest training rows under `geometry`. Ties in distance go to the lower
/// training index; ties in the vote to the smallest label. NaN when either
/// split is empty or the shapes are inconsistent.
///
/// # Shapes
/// `train`: n×dim, `train_labels`: n; `test`: m×dim, `test_labels`: m.
pub fn knn_accuracy_in(
    geometry: KnnGeometry,
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
    let (tr, te) = match geometry {
        KnnGeometry::Cosine => (l2_normalized(train, dim), l2_normalized(test, dim)),
        KnnGeometry::Euclidean => (train.to_vec(), test.to_vec()),
    };
    let correct: usize = te
        .par_chunks_exact(dim)
        .zip(test_labels.par_iter())
        .map(|(q, &y)| {
            let d: Vec<f32> = match geometry {
                // Cosine distance 1 − cos; rank on −cos (same order).
                KnnGeometry::Cosine => tr.chunks_exact(dim).map(|t| -dot(q, t)).collect(),
                KnnGeometry::Euclidean => tr.chunks_exact(dim).map(|t| sq_dist(q, t)).collect(),
            };
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
