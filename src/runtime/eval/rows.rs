//! Row-major helpers shared by the metrics: dot products, squared
//! distances, L2 normalisation, and neighbour selection with index tie-breaks.

/// Dot product with 8 independent accumulators (lets the compiler vectorise).
pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// Squared euclidean distance.
pub(crate) fn sq_dist(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| (x - y) * (x - y))
        .sum();
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            let d = x[k] - y[k];
            acc[k] += d * d;
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// Rows scaled to unit L2 norm (`x / max(‖x‖, 1e-12)`, as in the spec's cosine).
pub(crate) fn l2_normalized(x: &[f32], dim: usize) -> Vec<f32> {
    let mut out = x.to_vec();
    if dim == 0 {
        return out;
    }
    for row in out.chunks_exact_mut(dim) {
        let norm = dot(row, row).sqrt().max(1e-12);
        row.iter_mut().for_each(|v| *v /= norm);
    }
    out
}

/// Indices of the `k` smallest `scores` (ties to the lower index), nearest
/// first, skipping `skip`.
pub(crate) fn k_smallest(scores: &[f32], k: usize, skip: Option<usize>) -> Vec<usize> {
    // Insertion into a short sorted list: O(n·k), fine for k = 10.
    let mut best: Vec<(f32, usize)> = Vec::with_capacity(k + 1);
    for (j, &s) in scores.iter().enumerate() {
        let s = if s.is_nan() { f32::INFINITY } else { s };
        if Some(j) == skip || k == 0 {
            continue;
        }
        if best.len() == k && s >= best[k - 1].0 {
            continue; // not strictly better than the current worst (ties keep lower index)
        }
        let pos = best.partition_point(|&(b, _)| b <= s);
        best.insert(pos, (s, j));
        best.truncate(k);
    }
    best.into_iter().map(|(_, j)| j).collect()
}

/// Checks `x.len() == n·dim` for some n and returns n (None when inconsistent).
pub(crate) fn count(x: &[f32], dim: usize) -> Option<usize> {
    if dim == 0 || !x.len().is_multiple_of(dim) {
        None
    } else {
        Some(x.len() / dim)
    }
}
