//! Gaussian limits as closed-form losses (§2.6), never a huge or tiny σ.
//!
//! - σ→0: row loss `Σ_j p_ij d_ij − r_i min_{C_i} d`; limit q uniform over argmin.
//! - σ→∞: row loss `Σ_j p_ij d_ij − r_i mean_{C_i} d`; limit q uniform over C_i.
//!
//! `r_i = Σ_j p_ij`, so a row with no positives contributes 0.

use super::host::HostMatrix;
use super::learned::{excluded_mask, NEG};
use crate::ir::LimitKind;
use crate::runtime::divergence::float_tensor;
use burn::prelude::*;

/// Closed-form loss rows, differentiable in `d`.
///
/// # Shapes
/// - `p`: R×M, `d`: [R, M] → [R].
pub fn limit_rows<B: Backend>(
    kind: LimitKind,
    p: &HostMatrix,
    d: Tensor<B, 2>,
    cand: &[bool],
) -> Tensor<B, 1> {
    let (r, m) = (p.rows, p.cols);
    let device = d.device();
    let p_t = float_tensor::<B>(&p.values, r, m, &device);
    let mass = float_tensor::<B>(&p.row_sums(), r, 1, &device); // [R, 1]
    let excl = excluded_mask::<B>(cand, r, m, &device);
    let attract = (p_t * d.clone()).sum_dim(1); // [R, 1]
    let reference = match kind {
        LimitKind::Zero => d.mask_fill(excl, f32::MAX).min_dim(1),
        LimitKind::Infinity => {
            let counts: Vec<f64> = (0..r)
                .map(|i| {
                    cand[i * m..(i + 1) * m]
                        .iter()
                        .filter(|&&c| c)
                        .count()
                        .max(1) as f64
                })
                .collect();
            let counts = float_tensor::<B>(&counts, r, 1, &device);
            d.mask_fill(excl, 0.0).sum_dim(1) / counts
        }
    };
    (attract - mass * reference).reshape([r])
}

/// The limit q in log space (detached): uniform over the nearest candidates
/// (σ→0; exact f32 ties share the mass) or over C_i (σ→∞).
///
/// # Shapes
/// - `d`: [R, M] → [R, M] with [`NEG`] outside the support.
pub fn limit_log_q<B: Backend>(kind: LimitKind, d: Tensor<B, 2>, cand: &[bool]) -> Tensor<B, 2> {
    let [r, m] = d.dims();
    let device = d.device();
    let excl = excluded_mask::<B>(cand, r, m, &device);
    let support = match kind {
        LimitKind::Infinity => excl.clone().bool_not(),
        LimitKind::Zero => {
            let dm = d.detach().mask_fill(excl.clone(), f32::MAX);
            let min = dm.clone().min_dim(1);
            dm.equal(min.expand([r, m]))
                .bool_and(excl.clone().bool_not())
        }
    };
    let counts = support.clone().float().sum_dim(1).clamp_min(1.0); // [R, 1]
    let uniform = counts.log().neg().expand([r, m]);
    let neg = Tensor::<B, 2>::from_data(
        super::host::float_data::<B, 2>(vec![f64::from(NEG); r * m], [r, m]),
        &device,
    );
    neg.mask_where(support, uniform)
}
