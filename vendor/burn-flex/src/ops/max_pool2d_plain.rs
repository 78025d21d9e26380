//! f32 2D max pooling with argmax for the common case: no padding, no
//! dilation, floor output size (e.g. every 2×2/2 pool of a CNN).
//!
//! Why: the general path goes through a 5-D (3-D pooling) loop with a bounds
//! check per tap; on a `[256, 16, 28, 28]` input it took 21.5 ms. Here each
//! (batch, channel) plane is walked directly, planes in parallel. Ties and NaN
//! follow the general path: the first tap starts the window, later taps win
//! only when strictly greater, and indices are flat within the plane.

use alloc::vec;
use burn_backend::DType;
use burn_std::{Bytes, Shape};

use crate::{FlexTensor, Layout};

/// Whether [`max_pool2d_with_indices_f32`] computes this pooling.
pub fn applies(
    x: &FlexTensor,
    kernel: [usize; 2],
    stride: [usize; 2],
    padding: [usize; 2],
    dilation: [usize; 2],
    ceil_mode: bool,
) -> bool {
    let shape = x.layout().shape();
    x.dtype() == DType::F32
        && shape.num_dims() == 4
        && padding == [0, 0]
        && dilation == [1, 1]
        && !ceil_mode
        && kernel.iter().chain(&stride).all(|&v| v > 0)
        && shape[2] >= kernel[0]
        && shape[3] >= kernel[1]
}

/// Max pooling over `[B, C, H, W]`; returns the pooled values and the flat
/// in-plane index of each maximum.
pub fn max_pool2d_with_indices_f32(
    x: FlexTensor,
    kernel: [usize; 2],
    stride: [usize; 2],
) -> (FlexTensor, FlexTensor) {
    let x = x.to_contiguous();
    let shape = x.layout().shape().clone();
    let (planes, h, w) = (shape[0] * shape[1], shape[2], shape[3]);
    let [kh, kw] = kernel;
    let [sh, sw] = stride;
    let (oh, ow) = ((h - kh) / sh + 1, (w - kw) / sw + 1);
    let xs: &[f32] = x.storage();
    let mut out = vec![0.0f32; planes * oh * ow];
    let mut idx = vec![0i64; planes * oh * ow];
    let pool_plane = |plane: usize, (o, ix): (&mut [f32], &mut [i64])| {
        let xp = &xs[plane * h * w..][..h * w];
        for oy in 0..oh {
            for ox in 0..ow {
                let start = oy * sh * w + ox * sw;
                let (mut best, mut at) = (xp[start], start);
                for ki in 0..kh {
                    let row = start + ki * w;
                    for (kj, &v) in xp[row..row + kw].iter().enumerate() {
                        if v > best {
                            (best, at) = (v, row + kj);
                        }
                    }
                }
                o[oy * ow + ox] = best;
                ix[oy * ow + ox] = at as i64;
            }
        }
    };
    let plane_len = (oh * ow).max(1);
    #[cfg(feature = "rayon")]
    {
        use rayon::prelude::*;
        out.par_chunks_mut(plane_len)
            .zip(idx.par_chunks_mut(plane_len))
            .enumerate()
            .for_each(|(p, pair)| pool_plane(p, pair));
    }
    #[cfg(not(feature = "rayon"))]
    out.chunks_mut(plane_len)
        .zip(idx.chunks_mut(plane_len))
        .enumerate()
        .for_each(|(p, pair)| pool_plane(p, pair));
    let out_shape = Shape::from(alloc::vec![shape[0], shape[1], oh, ow]);
    (
        FlexTensor::new(
            Bytes::from_elems(out),
            Layout::contiguous(out_shape.clone()),
            DType::F32,
        ),
        FlexTensor::new(Bytes::from_elems(idx), Layout::contiguous(out_shape), DType::I64),
    )
}
