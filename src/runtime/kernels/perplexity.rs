//! Per-row perplexity calibration (§6), f64 on the host.
//!
//! The standard van der Maaten / sklearn bisection on β = 1/(2σ²):
//! β = 1, lo = 0, hi = ∞; if H > log P: lo = β, β = 2β (hi = ∞) or (β + hi)/2;
//! else hi = β, β = β/2 (lo = 0) or (β + lo)/2; stop when |H − log P| < 1e-5
//! or after 100 evaluations. The visited β are dyadic, so results are exact.

/// Stop when `|H − log P|` is below this.
pub const TOLERANCE: f64 = 1e-5;
/// At most this many entropy evaluations per row.
pub const MAX_STEPS: usize = 100;

/// The calibrated row: β_i and the probabilities over the given distances.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibrated {
    /// β_i = 1/(2σ_i²).
    pub beta: f64,
    /// `p_j ∝ exp(−β (d_j − min d))`, summing to 1.
    pub probs: Vec<f64>,
    /// False when the search hit its cap without reaching the target.
    pub converged: bool,
}

/// Calibrates one row. `d` holds the distances to the candidates of the row
/// only (excluded columns already removed); `perplexity` must be > 1.
pub fn calibrate_row(d: &[f64], perplexity: f64) -> Calibrated {
    if d.is_empty() {
        return Calibrated {
            beta: 1.0,
            probs: Vec::new(),
            converged: true,
        };
    }
    let dmin = d.iter().copied().fold(f64::INFINITY, f64::min);
    let shifted: Vec<f64> = d.iter().map(|v| v - dmin).collect();
    let target = perplexity.ln();
    let (mut beta, mut lo, mut hi) = (1.0_f64, 0.0_f64, f64::INFINITY);
    let mut best = gibbs(&shifted, beta);
    let mut converged = false;
    for step in 0..MAX_STEPS {
        best = gibbs(&shifted, beta);
        let diff = best.1 - target;
        if diff.abs() < TOLERANCE {
            converged = true;
            break;
        }
        if step + 1 == MAX_STEPS {
            break;
        }
        if diff > 0.0 {
            lo = beta;
            beta = if hi == f64::INFINITY {
                beta * 2.0
            } else {
                (beta + hi) / 2.0
            };
        } else {
            hi = beta;
            beta = if lo == 0.0 {
                beta / 2.0
            } else {
                (beta + lo) / 2.0
            };
        }
    }
    Calibrated {
        beta,
        probs: best.0,
        converged,
    }
}

/// Probabilities `∝ exp(−β d)` (d ≥ 0 with min 0, so the sum is ≥ 1) and
/// their entropy `H = log S + β Σ p d`.
fn gibbs(shifted: &[f64], beta: f64) -> (Vec<f64>, f64) {
    let w: Vec<f64> = shifted.iter().map(|d| (-beta * d).exp()).collect();
    let s: f64 = w.iter().sum();
    let probs: Vec<f64> = w.iter().map(|v| v / s).collect();
    let mean_d: f64 = probs.iter().zip(shifted).map(|(p, d)| p * d).sum();
    let h = s.ln() + beta * mean_d;
    (probs, h)
}

/// The perplexity used for a row with `candidates` candidates.
///
/// Decision (§6): a target P ≥ |C_i| is unreachable (a short final batch), so
/// it is clamped to `(|C_i| − 1)/3`, floored just above 1.
pub fn effective_perplexity(perplexity: f64, candidates: usize) -> f64 {
    let n = candidates as f64;
    if perplexity < n {
        perplexity
    } else {
        ((n - 1.0) / 3.0).max(1.0 + 1e-6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Entropy of the calibrated row is within the tolerance of log P.
    #[test]
    fn reaches_the_target_entropy() {
        let d: Vec<f64> = (0..20)
            .map(|i| (i as f64 * 0.37).sin().abs() * 4.0 + 0.1 * i as f64)
            .collect();
        for p in [2.0, 5.0, 10.0] {
            let c = calibrate_row(&d, p);
            let h: f64 = -c
                .probs
                .iter()
                .filter(|&&v| v > 0.0)
                .map(|v| v * v.ln())
                .sum::<f64>();
            assert!(c.converged);
            assert!(
                (h - p.ln()).abs() < TOLERANCE,
                "H = {h}, log P = {}",
                p.ln()
            );
            assert!((c.probs.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        }
    }

    /// A larger perplexity gives a smaller β (a larger σ), §7.14.
    #[test]
    fn larger_perplexity_gives_larger_sigma() {
        let d: Vec<f64> = (1..30).map(|i| (i as f64).sqrt()).collect();
        let b5 = calibrate_row(&d, 5.0).beta;
        let b10 = calibrate_row(&d, 10.0).beta;
        assert!(b10 < b5);
    }

    /// All-equal distances give the uniform row whatever β (H = log n ≠ log P
    /// only hits the cap, never NaN).
    #[test]
    fn duplicates_do_not_produce_nan() {
        let d = vec![0.0; 6];
        let c = calibrate_row(&d, 3.0);
        assert!(c.probs.iter().all(|p| (p - 1.0 / 6.0).abs() < 1e-12));
        assert!(!c.converged);
    }
}
