//! Divergences (§1): per-row losses between a host p and a device log q.
//!
//! - `kl`: cross-entropy rows `−Σ_{p_ij > ε} p_ij ℓq_ij` (`icon_loss`, §1.1);
//! - `rkl`: `Σ_{q̂ > ε} q̂ (log q̂ − log p̂)` with `x̂ = max(x, ε)` (§1.2);
//! - `js`: `½[Σ p̂ (log p̂ − log m) + Σ q̂ (log q̂ − log m)]`, m = (p̂ + q̂)/2,
//!   over all entries (§1.3).
//!
//! The loss is the mean of the rows over all R rows, empty rows included.

use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::ir::Divergence;
use crate::runtime::kernels::host::{float_data, HostMatrix};
use burn::prelude::*;

/// The mask / clamp epsilon of §1 and §6.
pub const EPS: f64 = 1e-10;

/// Per-row divergence, differentiable in `log_q`.
///
/// # Shapes
/// - `p`: R×M (host), `log_q`: [R, M] (finite; excluded entries very negative) → [R].
pub fn loss_rows<B: Backend>(
    divergence: Divergence,
    p: &HostMatrix,
    log_q: Tensor<B, 2>,
) -> Tensor<B, 1> {
    let (r, m) = (p.rows, p.cols);
    let device = log_q.device();
    let rows = match divergence {
        Divergence::Kl => {
            // Entries with p ≤ ε are zeroed in p itself rather than masked
            // out of log q on the device: log q is finite (excluded entries
            // are `NEG`), so the sum and its gradient are the same, with one
            // device op and one host-to-device copy fewer per direction.
            let kept: Vec<f64> = p
                .values
                .iter()
                .map(|&v| if v.is_nan() || v <= EPS { 0.0 } else { v })
                .collect();
            let p_t = Tensor::from_data(float_data::<B, 2>(kept, [r, m]), &device);
            (p_t * log_q).sum_dim(1).neg()
        }
        Divergence::Rkl => {
            let log_ph = float_tensor::<B>(
                &p.values
                    .iter()
                    .map(|&v| v.max(EPS).ln())
                    .collect::<Vec<_>>(),
                r,
                m,
                &device,
            );
            let q = log_q.clone().exp();
            let skip = q.clone().lower_equal_elem(EPS);
            let qh = q.clamp_min(EPS);
            let log_qh = log_q.clamp_min(EPS.ln());
            (qh * (log_qh - log_ph)).mask_fill(skip, 0.0).sum_dim(1)
        }
        Divergence::Js => {
            let ph_vals: Vec<f64> = p.values.iter().map(|&v| v.max(EPS)).collect();
            let ph = float_tensor::<B>(&ph_vals, r, m, &device);
            let log_ph = float_tensor::<B>(
                &ph_vals.iter().map(|v| v.ln()).collect::<Vec<_>>(),
                r,
                m,
                &device,
            );
            let qh = log_q.clone().exp().clamp_min(EPS);
            let log_qh = log_q.clamp_min(EPS.ln());
            let log_m = ((ph.clone() + qh.clone()) / 2.0).log();
            let a = ph * (log_ph - log_m.clone());
            let b = qh * (log_qh - log_m);
            (a + b).sum_dim(1).div_scalar(2.0)
        }
    };
    rows.reshape([r])
}

/// §1.1 support check: p puts mass (> ε) where q excludes the column. Row
/// `k` of `p` is batch row `row0 + k` (a row tile), which the message names.
pub fn check_support(p: &HostMatrix, q_cand: &[bool], row0: usize) -> Result<(), Diagnostic> {
    let bad = p
        .values
        .iter()
        .zip(q_cand)
        .position(|(&v, &c)| v > EPS && !c);
    match bad {
        None => Ok(()),
        Some(ij) => {
            let (i, j) = (row0 + ij / p.cols.max(1), ij % p.cols.max(1));
            Err(Diagnostic::bare(
                Code::RuntimeSupportMismatch,
                format!("p puts mass on ({i}, {j}) where q excludes it (support mismatch)"),
            )
            .with_help(if i == j {
                "p includes self-pairs but q excludes them: use `exclude_self = false` on q, or exclude self in p"
            } else {
                "make q's candidate set cover every column where p is positive"
            }))
        }
    }
}

/// Refuses a p that is not a distribution: a negative entry (a difference
/// of kernels gone below zero, §2.7) is E0515. Returns whether p has any
/// mass, so the caller can refuse a batch whose p is zero everywhere. Row
/// `k` of `p` is batch row `row0 + k`.
pub fn check_distribution(p: &HostMatrix, row0: usize) -> Result<bool, Diagnostic> {
    let mut mass = false;
    for (ij, &v) in p.values.iter().enumerate() {
        if v < -EPS || v.is_nan() {
            let (i, j) = (row0 + ij / p.cols.max(1), ij % p.cols.max(1));
            return Err(Diagnostic::bare(
                Code::PNotADistribution,
                format!("p is not a distribution: p({j}|{i}) = {v}"),
            )
            .with_help(
                "a difference of kernels (`K1 - K2`) can go negative; mix kernels with `+` and `leak(α)` instead",
            ));
        }
        mass |= v > EPS;
    }
    Ok(mass)
}

/// E0515 for a batch whose p has no mass at all (nothing to match).
pub fn zero_p() -> Diagnostic {
    Diagnostic::bare(Code::PNotADistribution, "p is zero everywhere in this batch".to_string()).with_help(
        "every row of p is empty, so the loss is 0 and nothing trains: check for `0 * K`, `K - K`, one-view `Augmentation`, or a graph without edges among the batch's rows",
    )
}

/// `mean_i H(p_i)` with H summed over p > 0 (natural logs).
pub fn mean_entropy(p: &HostMatrix) -> f64 {
    if p.rows == 0 {
        return 0.0;
    }
    let total: f64 = p
        .values
        .iter()
        .filter(|&&v| v > 0.0)
        .map(|&v| -v * v.ln())
        .sum();
    total / p.rows as f64
}

/// A host f64 matrix as a device f32 tensor.
pub fn float_tensor<B: Backend>(
    values: &[f64],
    r: usize,
    m: usize,
    device: &B::Device,
) -> Tensor<B, 2> {
    // f64 data is converted to the backend's float type (exact for f64 backends).
    Tensor::from_data(
        crate::runtime::kernels::host::float_data::<B, 2>(values.to_vec(), [r, m]),
        device,
    )
}
