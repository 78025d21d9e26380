//! Parameter-free stages: row-wise L2 normalization and softmax.

use burn::tensor::{activation, backend::Backend, Tensor};

/// Norm floor of [`l2_normalize`]; a zero row stays zero instead of NaN (spec §2.1 uses 1e-12).
const NORM_EPS: f64 = 1e-12;

/// Row-wise L2 normalization `x / max(‖x‖, 1e-12)`.
///
/// # Shapes
/// - input: `[B, D]`
/// - output: `[B, D]`, every nonzero row of unit length
pub fn l2_normalize<B: Backend>(x: Tensor<B, 2>) -> Tensor<B, 2> {
    let norm = x
        .clone()
        .powi_scalar(2)
        .sum_dim(1)
        .sqrt()
        .clamp_min(NORM_EPS); // [B, 1]
    x / norm
}

/// Row-wise softmax.
///
/// # Shapes
/// - input: `[B, D]`
/// - output: `[B, D]`, rows sum to 1
pub fn row_softmax<B: Backend>(x: Tensor<B, 2>) -> Tensor<B, 2> {
    activation::softmax(x, 1)
}
