//! Row-major helpers shared by the metrics: dot products, squared
//! distances, L2 normalisation, and neighbour selection with index tie-breaks.

/// `Σ_k term(a_k, b_k)` with `K` independent accumulators (lets the compiler
/// vectorise); the summation order is fixed, so results are reproducible.
pub(crate) fn lane_sum<T, const K: usize>(a: &[T], b: &[T], term: impl Fn(T, T) -> T) -> T
where
    T: Copy + Default + std::ops::AddAssign + std::iter::Sum,
{
    let mut acc = [T::default(); K];
    let (ca, cb) = (a.chunks_exact(K), b.chunks_exact(K));
    let tail: T = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(&x, &y)| term(x, y))
        .sum();
    for (x, y) in ca.zip(cb) {
        for k in 0..K {
            acc[k] += term(x[k], y[k]);
        }
    }
    let mut total: T = acc.into_iter().sum();
    total += tail;
    total
}

/// Dot product with 8 independent accumulators.
pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    lane_sum::<f32, 8>(a, b, |x, y| x * y)
}

/// Squared euclidean distance.
pub(crate) fn sq_dist(a: &[f32], b: &[f32]) -> f32 {
    lane_sum::<f32, 8>(a, b, |x, y| (x - y) * (x - y))
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
