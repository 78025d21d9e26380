//! Triplets in the σ→0 limit (§5 cell 19): C_i is cut down to p's positives
//! P_i and one negative i⁻ outside p's support, and FaceNet's margin m is
//! added to the positives' distances. The limit's row loss
//! `Σ_j p_ij d'_ij − r_i min_{C_i} d'` is then, for one positive,
//! `max(d⁺ + m − d⁻, 0)`: FaceNet's triplet loss.
//!
//! The negative is chosen on the host from the detached distances, so its
//! choice carries no gradient; d⁺ and d⁻ do.

use super::host::HostMatrix;
use crate::data::rng;
use crate::ir::Negative;
use rand::Rng;

/// `TRIP` in ASCII: the random-negative stream's tag.
const TAG_NEGATIVE: u64 = 0x5452_4950;

/// Where `Negative::Random` draws from: one stream per row keyed by the
/// training seed, the whole batch's `index` values and the row's own, so a
/// batch always draws the same negatives and another batch other ones.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RandomNegatives {
    seed: u64,
    batch: u64,
}

impl RandomNegatives {
    /// The streams of the batch whose rows carry `index`.
    pub(crate) fn of_batch(seed: u64, index: &[i64]) -> Self {
        let parts: Vec<u64> = index.iter().map(|&v| v as u64).collect();
        let batch = rng::stream(seed ^ TAG_NEGATIVE, &parts).random();
        RandomNegatives { seed, batch }
    }
}

/// The candidate mask restricted to each row's positives and its chosen
/// negative. `d` holds the detached distances (R×M, row-major) and
/// `row_index` each row's `index` (its random stream).
pub(crate) fn restrict(
    p: &HostMatrix,
    d: &[f64],
    cand: &[bool],
    negative: Negative,
    random: RandomNegatives,
    row_index: &[i64],
) -> Vec<bool> {
    let (r, m) = (p.rows, p.cols);
    let mut out = vec![false; r * m];
    for i in 0..r {
        let row = i * m..(i + 1) * m;
        let (pv, dv, cv) = (&p.values[row.clone()], &d[row.clone()], &cand[row]);
        let mut negatives = Vec::new();
        let mut positive = f64::NEG_INFINITY;
        for j in (0..m).filter(|&j| cv[j]) {
            if pv[j] > 0.0 {
                out[i * m + j] = true;
                positive = positive.max(dv[j]);
            } else {
                negatives.push(j);
            }
        }
        let stream = [TAG_NEGATIVE, random.batch, row_index[i] as u64];
        let draw = || rng::stream(random.seed, &stream);
        if let Some(k) = choose(&negatives, dv, positive, negative, draw) {
            out[i * m + k] = true;
        }
    }
    out
}

/// The negative of one row (None when it has none). Ties go to the lower
/// column; `draw` gives the row's stream for `Negative::Random`.
fn choose<R: Rng>(
    negatives: &[usize],
    d: &[f64],
    positive: f64,
    how: Negative,
    draw: impl FnOnce() -> R,
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
            Some(negatives[draw().random_range(0..negatives.len())])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semi_hard_takes_the_nearest_negative_beyond_the_positive() {
        // d⁺ = 2: negatives at 1 (harder), 3 and 5; semi-hard is 3, hardest 1.
        let d = [0.0, 2.0, 1.0, 3.0, 5.0];
        let negatives = [2, 3, 4];
        let draw = || rng::stream(0, &[]);
        assert_eq!(
            choose(&negatives, &d, 2.0, Negative::SemiHard, draw),
            Some(3)
        );
        assert_eq!(
            choose(&negatives, &d, 2.0, Negative::Hardest, draw),
            Some(2)
        );
        // Every negative nearer than d⁺ = 9: the farthest.
        assert_eq!(
            choose(&negatives, &d, 9.0, Negative::SemiHard, draw),
            Some(4)
        );
        assert_eq!(choose(&[], &d, 2.0, Negative::Random, draw), None);
    }
}
