//! Triplets in the σ→0 limit (§5 cell 19): C_i is cut down to p's positives
//! P_i and one negative i⁻ outside p's support, and FaceNet's margin m is
//! added to the positives' distances. The limit's row loss
//! `Σ_j p_ij d'_ij − r_i min_{C_i} d'` is then, for one positive,
//! `max(d⁺ + m − d⁻, 0)`: FaceNet's triplet loss.
//!
//! The negative is chosen on the host from the detached distances, so its
//! choice carries no gradient; d⁺ and d⁻ do.

use super::host::HostMatrix;
use crate::ir::Negative;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `TRIP` in ASCII: the random-negative stream's tag.
const TAG_NEGATIVE: u64 = 0x5452_4950;

/// The candidate mask restricted to each row's positives and its chosen
/// negative. `d` holds the detached distances (R×M, row-major) and
/// `row_seeds` one seed per row (used by `Negative::Random`).
pub(crate) fn restrict(
    p: &HostMatrix,
    d: &[f64],
    cand: &[bool],
    negative: Negative,
    row_seeds: &[u64],
) -> Vec<bool> {
    let (r, m) = (p.rows, p.cols);
    let mut out = vec![false; r * m];
    for i in 0..r {
        let row = i * m..(i + 1) * m;
        let (pv, dv, cv) = (&p.values[row.clone()], &d[row.clone()], &cand[row.clone()]);
        let negatives: Vec<usize> = (0..m).filter(|&j| cv[j] && pv[j] <= 0.0).collect();
        for j in (0..m).filter(|&j| cv[j] && pv[j] > 0.0) {
            out[i * m + j] = true;
        }
        let positive = (0..m)
            .filter(|&j| cv[j] && pv[j] > 0.0)
            .map(|j| dv[j])
            .fold(f64::NEG_INFINITY, f64::max);
        if let Some(k) = choose(&negatives, dv, positive, negative, row_seeds[i]) {
            out[i * m + k] = true;
        }
    }
    out
}

/// The negative of one row (None when it has none). Ties go to the lower column.
fn choose(
    negatives: &[usize],
    d: &[f64],
    positive: f64,
    how: Negative,
    seed: u64,
) -> Option<usize> {
    let nearest = |ks: &mut dyn Iterator<Item = usize>| {
        ks.min_by(|&a, &b| d[a].total_cmp(&d[b]).then(a.cmp(&b)))
    };
    match how {
        Negative::Hardest => nearest(&mut negatives.iter().copied()),
        Negative::SemiHard => nearest(&mut negatives.iter().copied().filter(|&k| d[k] > positive))
            .or_else(|| {
                negatives
                    .iter()
                    .copied()
                    .max_by(|&a, &b| d[a].total_cmp(&d[b]).then(b.cmp(&a)))
            }),
        Negative::Random => {
            if negatives.is_empty() {
                return None;
            }
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            Some(negatives[rng.random_range(0..negatives.len())])
        }
    }
}

/// One seed per row for `Negative::Random`: the training seed, the row's
/// `index` and a fingerprint of the whole batch's `index` values, so a batch
/// always draws the same negatives and another batch other ones.
pub(crate) fn row_seeds(seed: u64, index: &[i64]) -> Vec<u64> {
    // FNV-1a over the batch's indices.
    let batch = index.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &v| {
        (h ^ v as u64).wrapping_mul(0x0000_0100_0000_01b3)
    });
    index
        .iter()
        .map(|&v| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed ^ TAG_NEGATIVE);
            let salt: u64 = rng.random();
            salt ^ batch.rotate_left(17) ^ (v as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semi_hard_takes_the_nearest_negative_beyond_the_positive() {
        // d⁺ = 2: negatives at 1 (harder), 3 and 5; semi-hard is 3, hardest 1.
        let d = [0.0, 2.0, 1.0, 3.0, 5.0];
        let negatives = [2, 3, 4];
        assert_eq!(choose(&negatives, &d, 2.0, Negative::SemiHard, 0), Some(3));
        assert_eq!(choose(&negatives, &d, 2.0, Negative::Hardest, 0), Some(2));
        // Every negative nearer than d⁺ = 9: the farthest.
        assert_eq!(choose(&negatives, &d, 9.0, Negative::SemiHard, 0), Some(4));
        assert_eq!(choose(&[], &d, 2.0, Negative::Random, 0), None);
    }
}
