//! Distances d_ij (§2.1), on the host (f64, p side) and on the device (q side).

use super::host::FloatArray;
use crate::ir::DistanceMetric;
use burn::prelude::*;
use rayon::prelude::*;

/// Norm floor of the cosine distance (§2.1, §6).
pub const COSINE_NORM_EPS: f64 = 1e-12;

/// Host distance matrix R×M between the rows of `a` and `b` (same width).
///
/// Euclidean, cosine and dot use an f64 Gram matrix (optimized matmul).
/// Euclidean is the expanded squared distance clamped at 0; pairs that come
/// out tiny relative to their norms (near or exact duplicates, where the
/// expansion cancels) are recomputed directly as `Σ (a−b)²`, so duplicates
/// give exactly 0 and kNN ties stay exact.
///
/// # Shapes
/// - `a`: R×F, `b`: M×F → R×M (row-major).
pub fn host_distances(a: &FloatArray, b: &FloatArray, metric: DistanceMetric) -> Vec<f64> {
    let (r, m) = (a.rows, b.rows);
    match metric {
        DistanceMetric::Euclidean => {
            let g = gram(&a.data, r, &b.data, m, a.cols);
            let na = row_norms2(a);
            let nb = row_norms2(b);
            let mut d = g;
            d.par_chunks_mut(m.max(1)).enumerate().for_each(|(i, out)| {
                for (j, dij) in out.iter_mut().enumerate() {
                    let scale = na[i] + nb[j];
                    let v = scale - 2.0 * *dij;
                    *dij = if v <= 1e-9 * scale {
                        direct_sq(a.row(i), b.row(j))
                    } else {
                        v
                    };
                }
            });
            d
        }
        DistanceMetric::Cosine => {
            let ua = unit_host(a);
            let ub = unit_host(b);
            gram(&ua, r, &ub, m, a.cols)
                .into_iter()
                .map(|g| 1.0 - g)
                .collect()
        }
        DistanceMetric::Dot => gram(&a.data, r, &b.data, m, a.cols)
            .into_iter()
            .map(|g| -g)
            .collect(),
        DistanceMetric::Manhattan => {
            let mut d = vec![0.0; r * m];
            d.par_chunks_mut(m.max(1)).enumerate().for_each(|(i, out)| {
                for (j, dij) in out.iter_mut().enumerate() {
                    *dij = a
                        .row(i)
                        .iter()
                        .zip(b.row(j))
                        .map(|(p, q)| (p - q).abs())
                        .sum();
                }
            });
            d
        }
    }
}

/// Rows of A per parallel GEMM block in [`gram`]. Fixed (not derived from
/// the thread count) so every entry is computed the same way on any machine.
const GRAM_BLOCK_ROWS: usize = 64;

/// `A Bᵀ` for row-major A (R×F) and B (M×F), row-major R×M.
///
/// Row blocks of A run in parallel, each one single-threaded f64 GEMM (the
/// `gemm` crate, which Flex already uses, with its AVX-512 kernels where the
/// CPU has them) against all of B: the f64 Gram matrix was a quarter of a
/// parametric t-SNE step (`iconc bench`). Each entry is one dot product
/// accumulated inside one block, so the result does not depend on the
/// number of threads.
fn gram(a: &[f64], r: usize, b: &[f64], m: usize, f: usize) -> Vec<f64> {
    let mut out = vec![0.0; r * m];
    if f == 0 || m == 0 || a.len() < r * f || b.len() < m * f {
        return out;
    }
    out.par_chunks_mut(GRAM_BLOCK_ROWS * m)
        .zip(a.par_chunks(GRAM_BLOCK_ROWS * f))
        .for_each(|(dst, rows)| {
            let n = rows.len() / f;
            // SAFETY: `dst` is n×m row-major (row stride m); `rows` is n×f
            // row-major (row stride f, column stride 1); Bᵀ is read from
            // `b`, m×f row-major, as the f×m matrix with row stride 1 and
            // column stride f. All three slices hold the elements those
            // strides reach (checked above and by the chunking).
            unsafe {
                gemm::gemm(
                    n,
                    m,
                    f,
                    dst.as_mut_ptr(),
                    1,
                    m as isize,
                    false,
                    rows.as_ptr(),
                    1,
                    f as isize,
                    b.as_ptr(),
                    f as isize,
                    1,
                    0.0,
                    1.0,
                    false,
                    false,
                    false,
                    gemm::Parallelism::None,
                );
            }
        });
    out
}

fn row_norms2(x: &FloatArray) -> Vec<f64> {
    (0..x.rows)
        .map(|i| x.row(i).iter().map(|v| v * v).sum())
        .collect()
}

fn direct_sq(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).map(|(p, q)| (p - q) * (p - q)).sum()
}

/// `x / max(‖x‖, 1e-12)` per row (a zero row stays zero, so d = 1).
fn unit_host(x: &FloatArray) -> Vec<f64> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn arr(rows: usize, cols: usize, data: Vec<f64>) -> FloatArray {
        FloatArray { rows, cols, data }
    }

    /// Every metric against its textbook formula; duplicates give exactly 0.
    #[test]
    fn host_metrics_match_their_definitions() {
        let a = arr(3, 2, vec![1.0, 2.0, 1.0, 2.0, -0.5, 3.0]);
        let b = arr(2, 2, vec![1.0, 2.0, 0.0, 0.0]);
        let eu = host_distances(&a, &b, DistanceMetric::Euclidean);
        assert_eq!(eu, vec![0.0, 5.0, 0.0, 5.0, 3.25, 9.25]);
        let ma = host_distances(&a, &b, DistanceMetric::Manhattan);
        assert_eq!(ma, vec![0.0, 3.0, 0.0, 3.0, 2.5, 3.5]);
        let dot = host_distances(&a, &b, DistanceMetric::Dot);
        assert_eq!(dot, vec![-5.0, 0.0, -5.0, 0.0, -5.5, 0.0]);
        let cos = host_distances(&a, &b, DistanceMetric::Cosine);
        // A zero vector has d = 1 (norm floor 1e-12).
        assert!((cos[1] - 1.0).abs() < 1e-15);
        let expect = 1.0 - 5.5 / (5.0_f64.sqrt() * 9.25_f64.sqrt());
        assert!((cos[4] - expect).abs() < 1e-15);
        assert!(cos[0].abs() < 1e-15);
    }

    /// The device distances (f32) agree with the host ones for every metric.
    #[test]
    fn device_matches_host() {
        type B = burn::backend::NdArray<f32>;
        let a = arr(3, 2, vec![1.0, 2.0, 1.0, 2.0, -0.5, 3.0]);
        let b = arr(2, 2, vec![1.0, 2.5, 0.25, -1.0]);
        let device = Default::default();
        let t = |x: &FloatArray| {
            Tensor::<B, 2>::from_data(
                burn::tensor::TensorData::new(x.data.clone(), [x.rows, x.cols]).convert::<f32>(),
                &device,
            )
        };
        for metric in [
            DistanceMetric::Euclidean,
            DistanceMetric::Cosine,
            DistanceMetric::Dot,
            DistanceMetric::Manhattan,
        ] {
            let host = host_distances(&a, &b, metric);
            let dev = distances(t(&a), t(&b), metric)
                .into_data()
                .convert::<f64>()
                .to_vec::<f64>()
                .unwrap();
            for (h, d) in host.iter().zip(&dev) {
                assert!(
                    (h - d).abs() < 1e-5 * h.abs().max(1.0),
                    "{metric:?}: {h} vs {d}"
                );
            }
        }
    }
}
