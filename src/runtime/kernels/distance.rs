//! Distances d_ij (§2.1), on the host (f64, p side) and on the device (q side).

use super::host::FloatArray;
use crate::ir::DistanceMetric;
use burn::prelude::*;
use rayon::prelude::*;

/// Norm floor of the cosine distance (§2.1, §6).
pub const COSINE_NORM_EPS: f64 = 1e-12;

/// Host distance matrix R×M between the rows of `a` and `b` (same width).
///
/// Euclidean is the squared distance computed directly as `Σ (a−b)²`: in f64
/// this is the most accurate form and is ≥ 0 without a clamp.
///
/// # Shapes
/// - `a`: R×F, `b`: M×F → R×M (row-major).
pub fn host_distances(a: &FloatArray, b: &FloatArray, metric: DistanceMetric) -> Vec<f64> {
    let (r, m) = (a.rows, b.rows);
    let mut d = vec![0.0; r * m];
    let unit = |x: &FloatArray| -> Vec<f64> {
        let mut out = x.data.clone();
        for row in out.chunks_mut(x.cols.max(1)) {
            let n = row
                .iter()
                .map(|v| v * v)
                .sum::<f64>()
                .sqrt()
                .max(COSINE_NORM_EPS);
            row.iter_mut().for_each(|v| *v /= n);
        }
        out
    };
    let (ua, ub) = if metric == DistanceMetric::Cosine {
        (unit(a), unit(b))
    } else {
        (Vec::new(), Vec::new())
    };
    let f = a.cols;
    // Rows are independent: one rayon task per row.
    d.par_chunks_mut(m.max(1)).enumerate().for_each(|(i, out)| {
        for (j, dij) in out.iter_mut().enumerate() {
            let (x, y) = (a.row(i), b.row(j));
            *dij = match metric {
                DistanceMetric::Euclidean => x.iter().zip(y).map(|(p, q)| (p - q) * (p - q)).sum(),
                DistanceMetric::Manhattan => x.iter().zip(y).map(|(p, q)| (p - q).abs()).sum(),
                DistanceMetric::Dot => -x.iter().zip(y).map(|(p, q)| p * q).sum::<f64>(),
                DistanceMetric::Cosine => {
                    let (xu, yu) = (&ua[i * f..(i + 1) * f], &ub[j * f..(j + 1) * f]);
                    1.0 - xu.iter().zip(yu).map(|(p, q)| p * q).sum::<f64>()
                }
            };
        }
    });
    d
}

/// Device distance matrix, differentiable in both inputs.
///
/// Euclidean is the expanded `‖a‖² + ‖b‖² − 2a·b` clamped at 0 (§2.1): one
/// matmul instead of an R×M×F difference tensor.
///
/// # Shapes
/// - `a`: [R, F], `b`: [M, F] → [R, M].
pub fn distances<B: Backend>(
    a: Tensor<B, 2>,
    b: Tensor<B, 2>,
    metric: DistanceMetric,
) -> Tensor<B, 2> {
    match metric {
        DistanceMetric::Euclidean => {
            let a2 = a.clone().powi_scalar(2).sum_dim(1); // [R, 1]
            let b2 = b.clone().powi_scalar(2).sum_dim(1).transpose(); // [1, M]
            let ab = a.matmul(b.transpose()); // [R, M]
            (a2 + b2 - ab.mul_scalar(2.0)).clamp_min(0.0)
        }
        DistanceMetric::Cosine => {
            let an = unit_rows(a);
            let bn = unit_rows(b);
            an.matmul(bn.transpose()).neg().add_scalar(1.0)
        }
        DistanceMetric::Dot => a.matmul(b.transpose()).neg(),
        DistanceMetric::Manhattan => {
            let [r, _] = a.dims();
            let [m, _] = b.dims();
            let diff = a.unsqueeze_dim::<3>(1) - b.unsqueeze_dim::<3>(0); // [R, M, F]
            diff.abs().sum_dim(2).reshape([r, m])
        }
    }
}

/// `x / max(‖x‖, 1e-12)` per row.
///
/// # Shapes
/// - `x`: [R, F] → [R, F].
pub fn unit_rows<B: Backend>(x: Tensor<B, 2>) -> Tensor<B, 2> {
    // sqrt(max(‖x‖², eps²)) = max(‖x‖, eps), with a finite gradient at x = 0.
    let floor = COSINE_NORM_EPS * COSINE_NORM_EPS;
    let norm = x.clone().powi_scalar(2).sum_dim(1).clamp_min(floor).sqrt();
    x / norm
}
