//! f32 conv2d forward, input gradient and weight gradient as per-image GEMMs
//! over an im2col buffer, in the NCHW layout burn hands us (no layout change).
//!
//! For image `b` with `col_b = im2col(x_b)` of shape `[K = C_in·kh·kw, P = H_out·W_out]`:
//! - forward:     `y_b  = W[C_out, K] · col_b (+ bias)`
//! - input grad:  `dx_b = col2im(Wᵀ[K, C_out] · dy_b)`
//! - weight grad: `dW   = Σ_b dy_b[C_out, P] · col_bᵀ`
//!
//! Why: burn's default backward builds the input gradient from a transposed
//! convolution and the weight gradient from a convolution whose kernel is the
//! whole output gradient, both over strided (swapped-axis) views that are
//! copied element by element. On SimpleCNN shapes that ran at 1–8 GFLOP/s; the
//! GEMMs here run at the `gemm` crate's micro-kernel speed.
//!
//! Images are processed in fixed chunks of [`CHUNK`] (in parallel with the
//! `rayon` feature); each chunk owns its part of the output, and the weight
//! gradient sums per-chunk partials in chunk order. Results therefore do not
//! depend on the number of threads.
//!
//! Grouped convolutions run one GEMM per group on that group's channel
//! blocks. f32, f64 and f16 use `gemm` directly; bf16 goes through f32.

use alloc::vec;
use alloc::vec::Vec;
use core::mem::MaybeUninit;
use burn_backend::DType;
use burn_backend::ops::ConvOptions;
use burn_backend::ops::conv::calculate_conv_output_size;
use burn_std::{Bytes, Shape};

use crate::{FlexTensor, Layout};

use super::conv_common::{convert_bf16_to_f32, convert_f32_to_bf16};
use super::uninit::{assume_init, assume_init_mut, uninit};

/// Element types `gemm` multiplies natively.
pub trait Scalar:
    num_traits::Float + bytemuck::Pod + burn_backend::Element + Send + Sync + 'static
{
}
impl Scalar for f32 {}
impl Scalar for f64 {}
impl Scalar for burn_std::f16 {}

/// Images per work item. Fixed (not derived from the thread count) so that the
/// weight gradient's summation order is the same on every machine.
const CHUNK: usize = 4;

/// Whether the forward pass should take this module's path: ungrouped
/// convolutions (grouped and depthwise ones keep Flex's dedicated kernels).
pub fn forward_supports(options: &ConvOptions<2>) -> bool {
    options.groups == 1
}

/// Sizes of one conv2d, derived from the input and weight shapes.
#[derive(Debug, Clone, Copy)]
struct Geometry {
    batch: usize,
    groups: usize,
    /// Input channels per group (the weight's second axis).
    c_in: usize,
    h: usize,
    w: usize,
    /// Output channels, all groups.
    c_out: usize,
    kh: usize,
    kw: usize,
    stride: [usize; 2],
    pad: [usize; 2],
    dilation: [usize; 2],
    oh: usize,
    ow: usize,
}

impl Geometry {
    fn new(x_shape: &Shape, w_shape: &Shape, options: &ConvOptions<2>) -> Self {
        let (kh, kw) = (w_shape[2], w_shape[3]);
        let (h, w) = (x_shape[2], x_shape[3]);
        let [sh, sw] = options.stride;
        let [ph, pw] = options.padding;
        let [dh, dw] = options.dilation;
        let groups = options.groups.max(1);
        assert_eq!(
            x_shape[1],
            w_shape[1] * groups,
            "conv2d: input has {} channels but the weight expects {} × {groups} groups",
            x_shape[1],
            w_shape[1]
        );
        assert_eq!(w_shape[0] % groups, 0, "conv2d: output channels not divisible by groups");
        Self {
            batch: x_shape[0],
            groups,
            c_in: w_shape[1],
            h,
            w,
            c_out: w_shape[0],
            kh,
            kw,
            stride: options.stride,
            pad: options.padding,
            dilation: options.dilation,
            oh: calculate_conv_output_size(kh, sh, ph, dh, h),
            ow: calculate_conv_output_size(kw, sw, pw, dw, w),
        }
    }

    /// Output channels per group.
    fn c_out_g(&self) -> usize {
        self.c_out / self.groups
    }

    /// Rows of one group's im2col matrix.
    fn k(&self) -> usize {
        self.c_in * self.kh * self.kw
    }

    /// Output pixels per image (columns of the im2col matrix).
    fn p(&self) -> usize {
        self.oh * self.ow
    }

    /// Input elements of one group of one image.
    fn x_group(&self) -> usize {
        self.c_in * self.h * self.w
    }

    fn x_image(&self) -> usize {
        self.groups * self.x_group()
    }

    fn y_image(&self) -> usize {
        self.c_out * self.p()
    }

    /// A 1×1, stride-1, unpadded conv reads `x_b` itself as its im2col matrix.
    fn is_pointwise(&self) -> bool {
        self.kh == 1 && self.kw == 1 && self.stride == [1, 1] && self.pad == [0, 0]
    }

    /// Output columns `lo..hi` whose input column `ox·s + off − pad` is inside `0..len`.
    fn valid_cols(off: usize, pad: usize, stride: usize, len: usize, out: usize) -> (usize, usize) {
        // ix = ox·stride + off − pad ≥ 0  ⇔  ox ≥ ⌈(pad − off) / stride⌉
        let lo = pad.saturating_sub(off).div_ceil(stride).min(out);
        // ix < len  ⇔  ox·stride < len + pad − off
        let limit = (len + pad).saturating_sub(off);
        let hi = limit.div_ceil(stride).min(out).max(lo);
        (lo, hi)
    }

    /// Calls `f(k_row, oy, ox_lo, ox_hi, input_offset_of_ox_lo)` for every
    /// stretch of valid taps; columns outside the stretches are padding.
    fn for_each_tap(&self, mut f: impl FnMut(usize, usize, usize, usize, usize)) {
        let [sh, sw] = self.stride;
        let [ph, pw] = self.pad;
        let [dh, dw] = self.dilation;
        for c in 0..self.c_in {
            for ki in 0..self.kh {
                for kj in 0..self.kw {
                    let row = (c * self.kh + ki) * self.kw + kj;
                    let (lo, hi) = Self::valid_cols(kj * dw, pw, sw, self.w, self.ow);
                    for oy in 0..self.oh {
                        let iy = (oy * sh + ki * dh) as isize - ph as isize;
                        if iy < 0 || iy as usize >= self.h || lo == hi {
                            continue;
                        }
                        let ix_lo = lo * sw + kj * dw - pw;
                        let start = (c * self.h + iy as usize) * self.w + ix_lo;
                        f(row, oy, lo, hi, start);
                    }
                }
            }
        }
    }

    /// With stride 1 and `W_out == W`, each im2col row is the input plane
    /// shifted by a constant offset, so it can be copied (and added back) as
    /// one run instead of `H_out` short ones.
    fn is_flat(&self) -> bool {
        self.stride == [1, 1] && self.ow == self.w
    }

    /// For im2col row `(c, ki, kj)` of a flat geometry: the valid output rows
    /// and columns, the run `a..b` of `P` they span, and the input index of `a`.
    /// `None` when every tap of the row is padding.
    fn flat_span(&self, c: usize, ki: usize, kj: usize) -> Option<FlatSpan> {
        let (ki, kj) = (ki * self.dilation[0], kj * self.dilation[1]);
        let [ph, pw] = self.pad;
        let rows = Self::valid_cols(ki, ph, 1, self.h, self.oh);
        let cols = Self::valid_cols(kj, pw, 1, self.w, self.ow);
        if rows.0 == rows.1 || cols.0 == cols.1 {
            return None;
        }
        let a = rows.0 * self.ow + cols.0;
        let b = (rows.1 - 1) * self.ow + cols.1;
        let src = (c * self.h + rows.0 + ki - ph) * self.w + cols.0 + kj - pw;
        Some(FlatSpan { rows, cols, a, b, src })
    }

    /// Zeroes the entries of `row` inside `span.a..span.b` that wrap around a
    /// row edge (output columns outside `span.cols`).
    fn zero_wrapped<T: Scalar>(&self, row: &mut [T], span: &FlatSpan) {
        let (lo, hi) = span.cols;
        if lo == 0 && hi == self.ow {
            return;
        }
        for oy in span.rows.0..span.rows.1 {
            let line = &mut row[oy * self.ow..(oy + 1) * self.ow];
            line[..lo].fill(T::zero());
            line[hi..].fill(T::zero());
        }
    }

    /// Calls `f(row, span)` for every im2col row of a flat geometry, with the
    /// row's [`FlatSpan`] (`None` when every tap of the row is padding).
    fn for_each_flat_row<T: Scalar>(
        &self,
        col: &mut [T],
        mut f: impl FnMut(&mut [T], Option<FlatSpan>),
    ) {
        let mut rows = col.chunks_exact_mut(self.p());
        for c in 0..self.c_in {
            for ki in 0..self.kh {
                for kj in 0..self.kw {
                    let row = rows.next().expect("im2col: K rows");
                    f(row, self.flat_span(c, ki, kj));
                }
            }
        }
    }

    /// Fills `col` (`[K, P]`) from one group of one image, `x` (`[C_in, H, W]`).
    fn im2col<T: Scalar>(&self, x: &[T], col: &mut [T]) {
        if self.p() == 0 {
            return;
        }
        if self.is_flat() {
            // Each element is written once: padding taps get zeros, the rest
            // one shifted copy per row.
            return self.for_each_flat_row(col, |row, span| {
                let Some(span) = span else {
                    row.fill(T::zero());
                    return;
                };
                row[..span.a].fill(T::zero());
                row[span.a..span.b].copy_from_slice(&x[span.src..span.src + span.b - span.a]);
                row[span.b..].fill(T::zero());
                self.zero_wrapped(row, &span);
            });
        }
        let (p, ow, sw) = (self.p(), self.ow, self.stride[1]);
        col.fill(T::zero());
        self.for_each_tap(|row, oy, lo, hi, start| {
            let dst = &mut col[row * p + oy * ow + lo..row * p + oy * ow + hi];
            if sw == 1 {
                dst.copy_from_slice(&x[start..start + dst.len()]);
            } else {
                for (i, d) in dst.iter_mut().enumerate() {
                    *d = x[start + i * sw];
                }
            }
        });
    }

    /// Adds `col` (`[K, P]`) back onto one group of one image gradient, `dx`
    /// (`[C_in, H, W]`). `col` is scratch: the flat path zeroes its padding taps.
    fn col2im<T: Scalar>(&self, col: &mut [T], dx: &mut [T]) {
        if self.p() == 0 {
            return;
        }
        if self.is_flat() {
            return self.for_each_flat_row(col, |row, span| {
                let Some(span) = span else { return };
                // Padding taps are zeroed so one run adds only real ones
                // (x + 0 = x, so the result matches the per-row loop).
                self.zero_wrapped(row, &span);
                let dst = &mut dx[span.src..span.src + span.b - span.a];
                for (d, &v) in dst.iter_mut().zip(&row[span.a..span.b]) {
                    *d = *d + v;
                }
            });
        }
        let (p, ow, sw) = (self.p(), self.ow, self.stride[1]);
        self.for_each_tap(|row, oy, lo, hi, start| {
            let src = &col[row * p + oy * ow + lo..row * p + oy * ow + hi];
            if sw == 1 {
                for (d, &s) in dx[start..start + src.len()].iter_mut().zip(src) {
                    *d = *d + s;
                }
            } else {
                for (i, &s) in src.iter().enumerate() {
                    dx[start + i * sw] = dx[start + i * sw] + s;
                }
            }
        });
    }
}

/// See [`Geometry::flat_span`].
struct FlatSpan {
    rows: (usize, usize),
    cols: (usize, usize),
    a: usize,
    b: usize,
    src: usize,
}

/// A row-major matrix view for [`sgemm`]: pointer, row stride, column stride.
#[derive(Clone, Copy)]
struct Mat<T> {
    ptr: *const T,
    rs: isize,
    cs: isize,
}

impl<T> Mat<T> {
    fn rows(data: &[T], cols: usize) -> Self {
        Self {
            ptr: data.as_ptr(),
            rs: cols as isize,
            cs: 1,
        }
    }

    /// The transpose of a row-major `[_, cols]` matrix.
    fn transposed(data: &[T], cols: usize) -> Self {
        Self {
            ptr: data.as_ptr(),
            rs: 1,
            cs: cols as isize,
        }
    }
}

/// `dst[m, n] (+)= lhs[m, k] · rhs[k, n]`, single-threaded (parallelism is
/// over images), `dst` row-major and exactly `m·n` long.
fn sgemm<T: Scalar>(
    m: usize,
    n: usize,
    k: usize,
    dst: &mut [T],
    accumulate: bool,
    lhs: Mat<T>,
    rhs: Mat<T>,
) {
    debug_assert_eq!(dst.len(), m * n);
    // SAFETY: `dst` holds m·n initialized elements with row stride n.
    unsafe { gemm_raw(m, n, k, dst.as_mut_ptr(), accumulate, lhs, rhs) }
}

/// `dst[m, n] = lhs[m, k] · rhs[k, n]` into a buffer that need not be
/// initialized: with `read_dst = false` gemm writes every element and reads none.
fn sgemm_into<T: Scalar>(
    m: usize,
    n: usize,
    k: usize,
    dst: &mut [MaybeUninit<T>],
    lhs: Mat<T>,
    rhs: Mat<T>,
) {
    debug_assert_eq!(dst.len(), m * n);
    // SAFETY: `dst` holds m·n elements with row stride n and is only written.
    unsafe { gemm_raw(m, n, k, dst.as_mut_ptr().cast(), false, lhs, rhs) }
}

/// # Safety
/// `dst` points at m·n elements with row stride n, initialized when
/// `accumulate`; the callers build `lhs`/`rhs` from slices that hold m·k and
/// k·n elements at their strides.
unsafe fn gemm_raw<T: Scalar>(
    m: usize,
    n: usize,
    k: usize,
    dst: *mut T,
    accumulate: bool,
    lhs: Mat<T>,
    rhs: Mat<T>,
) {
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst,
            1,
            n as isize,
            accumulate,
            lhs.ptr,
            lhs.cs,
            lhs.rs,
            rhs.ptr,
            rhs.cs,
            rhs.rs,
            T::one(),
            T::one(),
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

/// Runs `f(scratch, first_image, chunk)` over `out` split into chunks of
/// [`CHUNK`] images of `per_image` elements each, in parallel when rayon is
/// on. `scratch` comes from `init` once per rayon job, not once per chunk
/// (zeroing an im2col buffer per chunk was a quarter of im2col's writes);
/// `f` must not depend on what an earlier chunk left in it.
fn for_each_chunk<U: Send, S>(
    out: &mut [U],
    per_image: usize,
    init: impl Fn() -> S + Sync + Send,
    f: impl Fn(&mut S, usize, &mut [U]) + Sync + Send,
) {
    let chunk_len = (CHUNK * per_image).max(1);
    #[cfg(feature = "rayon")]
    {
        use rayon::prelude::*;
        out.par_chunks_mut(chunk_len)
            .enumerate()
            .for_each_init(init, |scratch, (i, chunk)| f(scratch, i * CHUNK, chunk));
    }
    #[cfg(not(feature = "rayon"))]
    {
        let mut scratch = init();
        out.chunks_mut(chunk_len)
            .enumerate()
            .for_each(|(i, chunk)| f(&mut scratch, i * CHUNK, chunk));
    }
}

fn tensor<T: Scalar>(data: Vec<T>, shape: &[usize]) -> FlexTensor {
    FlexTensor::new(
        Bytes::from_elems(data),
        Layout::contiguous(Shape::from(shape.to_vec())),
        T::dtype(),
    )
}

/// Runs `f` at the element type of `dtype`; bf16 tensors are widened to f32
/// first and the result narrowed back.
macro_rules! by_dtype {
    ($name:literal, $dtype:expr, $f:ident($($t:expr),* $(; $extra:expr)?)) => {
        match $dtype {
            DType::F32 => $f::<f32>($($t),* $(, $extra)?),
            DType::F64 => $f::<f64>($($t),* $(, $extra)?),
            DType::F16 => $f::<burn_std::f16>($($t),* $(, $extra)?),
            DType::BF16 => convert_f32_to_bf16(&$f::<f32>(
                $(convert_bf16_to_f32(&$t)),* $(, $extra)?
            )),
            dtype => panic!(concat!($name, ": unsupported dtype {:?}"), dtype),
        }
    };
}

/// Forward conv2d.
pub fn conv2d(
    x: FlexTensor,
    weight: FlexTensor,
    bias: Option<FlexTensor>,
    options: &ConvOptions<2>,
) -> FlexTensor {
    match x.dtype() {
        DType::F32 => forward::<f32>(x, weight, bias, options),
        DType::F64 => forward::<f64>(x, weight, bias, options),
        DType::F16 => forward::<burn_std::f16>(x, weight, bias, options),
        DType::BF16 => convert_f32_to_bf16(&forward::<f32>(
            convert_bf16_to_f32(&x),
            convert_bf16_to_f32(&weight),
            bias.map(|b| convert_bf16_to_f32(&b)),
            options,
        )),
        dtype => panic!("conv2d: unsupported dtype {dtype:?}"),
    }
}

fn forward<T: Scalar>(
    x: FlexTensor,
    weight: FlexTensor,
    bias: Option<FlexTensor>,
    options: &ConvOptions<2>,
) -> FlexTensor {
    let (x, weight) = (x.to_contiguous(), weight.to_contiguous());
    let bias = bias.map(|b| b.to_contiguous());
    let g = Geometry::new(x.layout().shape(), weight.layout().shape(), options);
    let (xs, ws): (&[T], &[T]) = (x.storage(), weight.storage());
    let bs: Option<&[T]> = bias.as_ref().map(|b| b.storage());
    let (k, p, cog) = (g.k(), g.p(), g.c_out_g());
    // Every output element is written once: by the bias fill then an
    // accumulating GEMM, or by an overwriting GEMM.
    let mut out = uninit::<T>(g.batch * g.y_image());
    for_each_chunk(&mut out, g.y_image(), || scratch::<T>(&g), |col, first, chunk| {
        for (j, y) in chunk.chunks_mut(g.y_image()).enumerate() {
            let xb = &xs[(first + j) * g.x_image()..][..g.x_image()];
            if let Some(bs) = bs {
                for (row, &b) in y.chunks_mut(p).zip(bs) {
                    row.fill(MaybeUninit::new(b));
                }
            }
            for grp in 0..g.groups {
                let xg = &xb[grp * g.x_group()..][..g.x_group()];
                let rhs = if g.is_pointwise() {
                    xg
                } else {
                    g.im2col(xg, col);
                    &col[..]
                };
                let (wg, rhs) = (Mat::rows(&ws[grp * cog * k..][..cog * k], k), Mat::rows(rhs, p));
                let yg = &mut y[grp * cog * p..][..cog * p];
                if bs.is_some() {
                    // SAFETY: the bias fill above wrote every row of `y`.
                    sgemm(cog, p, k, unsafe { assume_init_mut(yg) }, true, wg, rhs);
                } else {
                    sgemm_into(cog, p, k, yg, wg, rhs);
                }
            }
        }
    });
    // SAFETY: every chunk wrote all of its images (above).
    tensor(unsafe { assume_init(out) }, &[g.batch, g.c_out, g.oh, g.ow])
}

/// The im2col buffer of one work item (none for pointwise convs).
fn scratch<T: Scalar>(g: &Geometry) -> Vec<T> {
    if g.is_pointwise() {
        Vec::new()
    } else {
        vec![T::zero(); g.k() * g.p()]
    }
}

/// Gradient of conv2d with respect to its input.
pub fn conv2d_x_backward(
    x: FlexTensor,
    weight: FlexTensor,
    output_grad: FlexTensor,
    options: &ConvOptions<2>,
) -> FlexTensor {
    let x_shape = x.layout().shape().clone();
    by_dtype!("conv2d_x_backward", weight.dtype(), x_backward(weight, output_grad; (&x_shape, options)))
}

fn x_backward<T: Scalar>(
    weight: FlexTensor,
    output_grad: FlexTensor,
    (x_shape, options): (&Shape, &ConvOptions<2>),
) -> FlexTensor {
    let (weight, dy) = (weight.to_contiguous(), output_grad.to_contiguous());
    let g = Geometry::new(x_shape, weight.layout().shape(), options);
    let (ws, dys): (&[T], &[T]) = (weight.storage(), dy.storage());
    let (k, p, cog) = (g.k(), g.p(), g.c_out_g());
    // Each image's gradient is written in its own job: overwritten by the
    // GEMM (pointwise), or zeroed there, while it is hot, before col2im adds.
    let mut dx = uninit::<T>(g.batch * g.x_image());
    let col_len = if g.is_pointwise() { 0 } else { k * p };
    for_each_chunk(&mut dx, g.x_image(), || vec![T::zero(); col_len], |col, first, chunk| {
        for (j, dxb) in chunk.chunks_mut(g.x_image()).enumerate() {
            let dyb = &dys[(first + j) * g.y_image()..][..g.y_image()];
            if !g.is_pointwise() {
                dxb.fill(MaybeUninit::new(T::zero()));
            }
            for grp in 0..g.groups {
                let wt = Mat::transposed(&ws[grp * cog * k..][..cog * k], k);
                let dyg = Mat::rows(&dyb[grp * cog * p..][..cog * p], p);
                let dxg = &mut dxb[grp * g.x_group()..][..g.x_group()];
                if g.is_pointwise() {
                    sgemm_into(k, p, cog, dxg, wt, dyg);
                } else {
                    sgemm(k, p, cog, col, false, wt, dyg);
                    // SAFETY: `dxb` was zeroed above.
                    g.col2im(col, unsafe { assume_init_mut(dxg) });
                }
            }
        }
    });
    // SAFETY: every chunk wrote all of its images (above).
    tensor(unsafe { assume_init(dx) }, &[g.batch, g.groups * g.c_in, g.h, g.w])
}

/// Gradient of conv2d with respect to its weight.
pub fn conv2d_weight_backward(
    x: FlexTensor,
    weight: FlexTensor,
    output_grad: FlexTensor,
    options: &ConvOptions<2>,
) -> FlexTensor {
    let w_shape = weight.layout().shape().clone();
    by_dtype!("conv2d_weight_backward", x.dtype(), weight_backward(x, output_grad; (&w_shape, options)))
}

fn weight_backward<T: Scalar>(
    x: FlexTensor,
    output_grad: FlexTensor,
    (w_shape, options): (&Shape, &ConvOptions<2>),
) -> FlexTensor {
    let (x, dy) = (x.to_contiguous(), output_grad.to_contiguous());
    let g = Geometry::new(x.layout().shape(), w_shape, options);
    let (xs, dys): (&[T], &[T]) = (x.storage(), dy.storage());
    let (k, p, cog) = (g.k(), g.p(), g.c_out_g());
    let partial = |col: &mut Vec<T>, c: usize| {
        let mut dw = vec![T::zero(); g.c_out * k];
        for b in c * CHUNK..((c + 1) * CHUNK).min(g.batch) {
            let xb = &xs[b * g.x_image()..][..g.x_image()];
            let dyb = &dys[b * g.y_image()..][..g.y_image()];
            for grp in 0..g.groups {
                let xg = &xb[grp * g.x_group()..][..g.x_group()];
                let cols = if g.is_pointwise() {
                    xg
                } else {
                    g.im2col(xg, col);
                    &col[..]
                };
                let dyg = Mat::rows(&dyb[grp * cog * p..][..cog * p], p);
                let dwg = &mut dw[grp * cog * k..][..cog * k];
                sgemm(cog, k, p, dwg, b != c * CHUNK, dyg, Mat::transposed(cols, p));
            }
        }
        dw
    };
    let chunks = g.batch.div_ceil(CHUNK);
    #[cfg(feature = "rayon")]
    let partials: Vec<Vec<T>> = {
        use rayon::prelude::*;
        (0..chunks)
            .into_par_iter()
            .map_init(|| scratch::<T>(&g), partial)
            .collect()
    };
    #[cfg(not(feature = "rayon"))]
    let partials: Vec<Vec<T>> = {
        let mut col = scratch::<T>(&g);
        (0..chunks).map(|c| partial(&mut col, c)).collect()
    };
    let mut dw = vec![T::zero(); g.c_out * k];
    for part in &partials {
        for (d, &s) in dw.iter_mut().zip(part) {
            *d = *d + s;
        }
    }
    tensor(dw, &[g.c_out, g.c_in, g.kh, g.kw])
}

/// Gradient of conv2d with respect to its bias: the output gradient summed
/// over batch and pixels, per output channel.
pub fn conv2d_bias_backward(output_grad: FlexTensor) -> FlexTensor {
    by_dtype!("conv2d_bias_backward", output_grad.dtype(), bias_backward(output_grad))
}

fn bias_backward<T: Scalar>(output_grad: FlexTensor) -> FlexTensor {
    let dy = output_grad.to_contiguous();
    let shape = dy.layout().shape().clone();
    let (batch, c_out) = (shape[0], shape[1]);
    let p = shape[2] * shape[3];
    let dys: &[T] = dy.storage();
    // Channels in parallel; each sums its images in batch order, as before.
    let channel = |co: usize| {
        (0..batch).fold(T::zero(), |d, b| d + lane_sum(&dys[(b * c_out + co) * p..][..p]))
    };
    #[cfg(feature = "rayon")]
    let db: Vec<T> = {
        use rayon::prelude::*;
        (0..c_out).into_par_iter().map(channel).collect()
    };
    #[cfg(not(feature = "rayon"))]
    let db: Vec<T> = (0..c_out).map(channel).collect();
    tensor(db, &[c_out])
}

/// Sum in eight interleaved lanes (vectorizes; fixed order, so deterministic).
fn lane_sum<T: Scalar>(v: &[T]) -> T {
    let mut lanes = [T::zero(); 8];
    let mut chunks = v.chunks_exact(8);
    for chunk in &mut chunks {
        for (l, &x) in lanes.iter_mut().zip(chunk) {
            *l = *l + x;
        }
    }
    let tail = chunks.remainder().iter().fold(T::zero(), |acc, &x| acc + x);
    lanes.iter().fold(tail, |acc, &l| acc + l)
}
