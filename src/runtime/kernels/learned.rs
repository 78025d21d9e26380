//! Learned (q-side) kernels on the device, differentiable w.r.t. their input
//! keys and the learnable scales: Gaussian (§2.2), Student-t (§2.3),
//! UniformCluster (§2.5) and the Gaussian limits (§2.6).
//!
//! q is carried in log space. Excluded entries (j ∉ C_i) hold the finite
//! [`NEG`] inside the graph, so no `inf` ever enters autodiff; the caller
//! turns them into −∞ for reporting.

use super::distance::distances;
use super::host::{
    candidate_rows, missing_key, shape_mismatch, width_mismatch, window_of, MaskShape,
};
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::ir::{DistanceMetric, Layout, StudentForm};
use crate::runtime::loss::Batch;
use burn::prelude::*;
use burn::tensor::{Bool, TensorData};
use std::ops::Range;

/// Stand-in for log 0 inside the autodiff graph (exp underflows to exactly 0).
pub const NEG: f32 = -1.0e30;
/// Floor of probability-space q before its log (§1.1).
pub const Q_EPS: f64 = 1e-10;

/// Rows, columns and C_i of a learned kernel.
pub struct DevicePairing<B: Backend> {
    /// Row items [R, F].
    pub rows: Tensor<B, 2>,
    /// Column items [M, F].
    pub cols: Tensor<B, 2>,
    /// Candidate mask (host, row-major R×M).
    pub cand: Vec<bool>,
}

/// Resolves a learned kernel's rows and columns (same rules as the host
/// side); only the rows of `window` when there is one.
pub fn device_pairing<B: Backend>(
    batch: &Batch<B>,
    inputs: &[String],
    layout: Layout,
    exclude_self: bool,
    kernel: &str,
    window: &Option<Range<usize>>,
) -> Result<DevicePairing<B>, Diagnostic> {
    let get = |k: &str| {
        batch
            .floats
            .get(k)
            .cloned()
            .ok_or_else(|| missing_key(k, "float"))
    };
    let (first, second) = match inputs {
        [a] => (a.as_str(), None),
        [a, b] => (a.as_str(), Some(b.as_str())),
        _ => {
            return Err(Diagnostic::bare(
                Code::KernelShapeMismatch,
                format!(
                    "kernel `{kernel}` needs one or two input keys, got {}",
                    inputs.len()
                ),
            ))
        }
    };
    let a = get(first)?;
    let [ra, fa] = a.dims();
    let (rows, cols, shape) = match (layout, second) {
        (Layout::CrossModal, Some(k2)) => {
            let b = get(k2)?;
            let [rb, fb] = b.dims();
            if ra != rb {
                return Err(shape_mismatch(first, ra, k2, rb));
            }
            if fa != fb {
                return Err(width_mismatch(first, fa, k2, fb));
            }
            let s = Tensor::cat(vec![a, b], 0);
            (s.clone(), s, MaskShape::OtherModality(ra))
        }
        (Layout::CrossModal, None) => {
            return Err(Diagnostic::bare(
                Code::KernelShapeMismatch,
                format!("cross-modal kernel `{kernel}` needs two input keys"),
            )
            .with_help("write `on modality_a, modality_b`, e.g. `on embedding, embedding1`"))
        }
        (_, Some(k2)) if k2 != first => {
            let b = get(k2)?;
            let [rb, fb] = b.dims();
            if fa != fb {
                return Err(width_mismatch(first, fa, k2, fb));
            }
            // Pairwise rows and columns of two batch keys: j = i is row i's
            // own column (e.g. its own target), excluded like a self pair.
            let shape = match layout {
                Layout::Pairwise if exclude_self && ra == rb => MaskShape::NoDiagonal,
                _ => MaskShape::All,
            };
            (a, b, shape)
        }
        _ => {
            let shape = if exclude_self {
                MaskShape::NoDiagonal
            } else {
                MaskShape::All
            };
            (a.clone(), a, shape)
        }
    };
    let [r, _] = rows.dims();
    let [m, _] = cols.dims();
    let w = window_of(window, r);
    let rows = if w.len() == r {
        rows
    } else {
        rows.narrow(0, w.start, w.len())
    };
    Ok(DevicePairing {
        rows,
        cols,
        cand: candidate_rows(w, m, shape),
    })
}

/// The exclusion mask (`true` where j ∉ C_i) as a device bool tensor.
pub fn excluded_mask<B: Backend>(
    cand: &[bool],
    r: usize,
    m: usize,
    device: &B::Device,
) -> Tensor<B, 2, Bool> {
    let excl: Vec<bool> = cand.iter().map(|c| !c).collect();
    Tensor::from_data(TensorData::new(excl, [r, m]), device)
}

/// Row-wise log-softmax over C_i with max subtraction (stable for logits
/// ~1e3), and the row log-normalizers `log Z_i = log Σ_{j ∈ C_i} exp(logit_ij)`
/// [R] (exaggeration needs them).
///
/// # Shapes
/// - `logits`: [R, M], `excl`: [R, M] → [R, M] (excluded entries are
///   [`NEG`]) and [R].
pub fn masked_log_softmax_lse<B: Backend>(
    logits: Tensor<B, 2>,
    excl: Tensor<B, 2, Bool>,
) -> (Tensor<B, 2>, Tensor<B, 1>) {
    let [r, _] = logits.dims();
    let z = logits.mask_fill(excl.clone(), NEG);
    let max = z.clone().max_dim(1).detach(); // [R, 1]
    let z = z - max.clone();
    let lse = z.clone().exp().sum_dim(1).log(); // [R, 1]; ≥ 0 since the max term is 1
    let log_z = (max + lse.clone()).reshape([r]);
    ((z - lse).mask_fill(excl, NEG), log_z)
}

/// A scale: a constant, or `exp(param)` of a learnable log-scale.
pub enum Scale<B: Backend> {
    /// Fixed value.
    Fixed(f64),
    /// `exp` of this [1] tensor.
    Learned(Tensor<B, 1>),
}

impl<B: Backend> Scale<B> {
    /// `x / scale` (broadcast).
    fn divide(self, x: Tensor<B, 2>) -> Tensor<B, 2> {
        match self {
            Scale::Fixed(s) => x.div_scalar(s),
            Scale::Learned(log_s) => x * log_s.neg().exp().reshape([1, 1]),
        }
    }
}

/// Gaussian logits `−d/(2σ²)` (§2.2); the scale is `s = 2σ²`. A learned
/// scale is held at `s ≥ 1/max_logit_scale` (CLIP's cap on its logit scale
/// 1/τ, 100 by default): the clamp is on `log s`, so at the bound its
/// gradient is zero, as with CLIP's clamp of the logit scale.
///
/// # Shapes
/// - `d`: [R, M] → [R, M].
pub fn gaussian_logits<B: Backend>(
    d: Tensor<B, 2>,
    scale: Scale<B>,
    max_logit_scale: f64,
) -> Tensor<B, 2> {
    let scale = match scale {
        Scale::Learned(log_s) => Scale::Learned(log_s.clamp_min(-max_logit_scale.ln())),
        s => s,
    };
    scale.divide(d).neg()
}

/// Student-t log-kernel on squared euclidean `d` (§2.3).
///
/// # Shapes
/// - `d`: [R, M] → [R, M].
pub fn student_logits<B: Backend>(
    d: Tensor<B, 2>,
    dof: f64,
    gamma: Scale<B>,
    form: StudentForm,
) -> Tensor<B, 2> {
    match form {
        // −((ν+1)/2) · log1p(d/(νγ))
        StudentForm::T => gamma
            .divide(d.div_scalar(dof))
            .log1p()
            .mul_scalar(-(dof + 1.0) / 2.0),
        // −softplus((ν/2)(log(d² + 1e-8) − 2 log γ))
        StudentForm::Power => {
            let log_gamma = match gamma {
                Scale::Fixed(g) => Tensor::<B, 2>::zeros([1, 1], &d.device()).add_scalar(g.ln()),
                Scale::Learned(l) => l.reshape([1, 1]),
            };
            let z = (d.powi_scalar(2).add_scalar(1e-8).log() - log_gamma.mul_scalar(2.0))
                .mul_scalar(dof / 2.0);
            softplus(z).neg()
        }
    }
}

/// `max(z, 0) + log1p(e^−|z|)`.
pub fn softplus<B: Backend, const D: usize>(z: Tensor<B, D>) -> Tensor<B, D> {
    z.clone().clamp_min(0.0) + z.abs().neg().exp().log1p()
}

/// Uniform-on-clusters log q (§2.5) over φ rows/columns.
///
/// `degree` (one weight per column) gives the NCuts weighting. With
/// `exclude_self` the diagonal is dropped and each row renormalized, which
/// equals dividing by `1 − Σ_c φ_ic²/n_c` because full rows sum to 1.
///
/// # Shapes
/// - `phi_rows`: [R, C], `phi_cols`: [M, C], `degree`: [M] → [R, M].
pub fn uniform_cluster_log_q<B: Backend>(
    phi_rows: Tensor<B, 2>,
    phi_cols: Tensor<B, 2>,
    degree: Option<Tensor<B, 1>>,
    excl: Tensor<B, 2, Bool>,
    renormalize: bool,
) -> Tensor<B, 2> {
    let [m, _] = phi_cols.dims();
    let weighted_cols = match degree {
        Some(deg) => phi_cols * deg.reshape([m, 1]),
        None => phi_cols,
    };
    let mass = weighted_cols.clone().sum_dim(0).clamp_min(1e-12); // [1, C]
    let q = (phi_rows / mass).matmul(weighted_cols.transpose()); // [R, M]
    let q = q.mask_fill(excl.clone(), 0.0);
    let q = if renormalize {
        let s = q.clone().sum_dim(1).clamp_min(1e-30);
        q / s
    } else {
        q
    };
    q.clamp_min(Q_EPS).log().mask_fill(excl, NEG)
}

/// Distances of a learned kernel, checked for matching widths.
pub fn pair_distances<B: Backend>(pair: &DevicePairing<B>, metric: DistanceMetric) -> Tensor<B, 2> {
    distances(pair.rows.clone(), pair.cols.clone(), metric)
}
