//! Per-step learning-rate schedules.

use crate::ir::Schedule;

/// The learning rate at optimizer step `step` (0-based) of `total` steps,
/// with `steps_per_epoch` steps per epoch (warmups are given in epochs).
///
/// - constant: `lr`
/// - cosine: linear warmup from `lr/w` to `lr` over `w` warmup steps, then
///   `lr · ½(1 + cos(π·t/T))` with t the steps after warmup and T the rest
/// - warmup: the same linear warmup, then constant
///
/// Decision: warmup starts at `lr/w` (not 0) so the first step moves the weights.
pub fn learning_rate(
    schedule: &Schedule,
    lr: f64,
    step: usize,
    total: usize,
    steps_per_epoch: usize,
) -> f64 {
    let warm = |epochs: usize| epochs.saturating_mul(steps_per_epoch).min(total);
    match *schedule {
        Schedule::Constant => lr,
        Schedule::Warmup { epochs } => {
            let w = warm(epochs);
            if step < w {
                lr * (step + 1) as f64 / w as f64
            } else {
                lr
            }
        }
        Schedule::Cosine { warmup } => {
            let w = warm(warmup);
            if step < w {
                return lr * (step + 1) as f64 / w as f64;
            }
            let rest = total.saturating_sub(w).max(1);
            let t = (step - w).min(rest) as f64;
            lr * 0.5 * (1.0 + (std::f64::consts::PI * t / rest as f64).cos())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_is_constant() {
        for s in [0, 5, 99] {
            assert_eq!(learning_rate(&Schedule::Constant, 0.1, s, 100, 10), 0.1);
        }
    }

    #[test]
    fn cosine_warmup_then_decay() {
        let s = Schedule::Cosine { warmup: 1 };
        // 10 steps per epoch, 1 warmup epoch = 10 steps: lr·(k+1)/10
        assert!((learning_rate(&s, 1.0, 0, 110, 10) - 0.1).abs() < 1e-12);
        assert!((learning_rate(&s, 1.0, 9, 110, 10) - 1.0).abs() < 1e-12);
        // after warmup: T = 100; t = 50 → ½(1+cos(π/2)) = 0.5; t = 100 → 0
        assert!((learning_rate(&s, 1.0, 10, 110, 10) - 1.0).abs() < 1e-12);
        assert!((learning_rate(&s, 1.0, 60, 110, 10) - 0.5).abs() < 1e-12);
        assert!(learning_rate(&s, 1.0, 110, 110, 10).abs() < 1e-12);
    }

    #[test]
    fn warmup_then_flat() {
        let s = Schedule::Warmup { epochs: 2 };
        assert!((learning_rate(&s, 2.0, 0, 100, 2) - 0.5).abs() < 1e-12);
        assert!((learning_rate(&s, 2.0, 3, 100, 2) - 2.0).abs() < 1e-12);
        assert!((learning_rate(&s, 2.0, 50, 100, 2) - 2.0).abs() < 1e-12);
    }
}
