//! The vendored Flex max-pool fast path (`vendor/burn-flex/src/ops/max_pool2d_plain.rs`)
//! against a direct window maximum written here: values, the gradient routed
//! through the argmax, ties (first tap wins), and the inference-only entry.
//! Padded pools take Flex's general forward path but share the plane-parallel
//! backward, so they are checked here too.

use burn::backend::{Autodiff, Flex};
use burn::tensor::module::max_pool2d;
use burn::tensor::{Tensor, TensorData};

type A = Autodiff<Flex>;

/// Pooled values and d(Σ pooled · r)/dx by direct window scans.
fn reference(
    x: &[f32],
    [planes, h, w]: [usize; 3],
    [kh, kw]: [usize; 2],
    [sh, sw]: [usize; 2],
    [ph, pw]: [usize; 2],
    r: &[f32],
) -> (Vec<f32>, Vec<f32>) {
    let (oh, ow) = ((h + 2 * ph - kh) / sh + 1, (w + 2 * pw - kw) / sw + 1);
    let mut y = Vec::new();
    let mut dx = vec![0.0; x.len()];
    for p in 0..planes {
        for oy in 0..oh {
            for ox in 0..ow {
                let mut best: Option<(f32, usize)> = None;
                for ki in 0..kh {
                    for kj in 0..kw {
                        let (iy, ix) = (
                            (oy * sh + ki).wrapping_sub(ph),
                            (ox * sw + kj).wrapping_sub(pw),
                        );
                        if iy >= h || ix >= w {
                            continue; // a padding tap never wins
                        }
                        let at = p * h * w + iy * w + ix;
                        if best.is_none_or(|(b, _)| x[at] > b) {
                            best = Some((x[at], at));
                        }
                    }
                }
                let (v, at) = best.expect("non-empty window");
                dx[at] += r[y.len()];
                y.push(v);
            }
        }
    }
    (y, dx)
}

fn check(shape: [usize; 4], kernel: [usize; 2], stride: [usize; 2], x: Vec<f32>) {
    check_padded(shape, kernel, stride, [0, 0], x);
}

fn check_padded(
    shape: [usize; 4],
    kernel: [usize; 2],
    stride: [usize; 2],
    padding: [usize; 2],
    x: Vec<f32>,
) {
    let [b, c, h, w] = shape;
    let (oh, ow) = (
        (h + 2 * padding[0] - kernel[0]) / stride[0] + 1,
        (w + 2 * padding[1] - kernel[1]) / stride[1] + 1,
    );
    let r: Vec<f32> = (0..b * c * oh * ow)
        .map(|i| 1.0 + i as f32 * 0.25)
        .collect();
    let (want_y, want_dx) = reference(&x, [b * c, h, w], kernel, stride, padding, &r);
    let device = Default::default();
    let xt = Tensor::<A, 4>::from_data(TensorData::new(x.clone(), shape), &device).require_grad();
    let rt = Tensor::<A, 4>::from_data(TensorData::new(r, [b, c, oh, ow]), &device);
    let y = max_pool2d(xt.clone(), kernel, stride, padding, [1, 1], false);
    let grads = (y.clone() * rt).sum().backward();
    let got_y: Vec<f32> = y.into_data().to_vec().expect("f32");
    let got_dx: Vec<f32> = xt
        .grad(&grads)
        .expect("dx")
        .into_data()
        .to_vec()
        .expect("f32");
    assert_eq!(
        got_y, want_y,
        "pooled values, {shape:?} {kernel:?}/{stride:?}"
    );
    assert_eq!(got_dx, want_dx, "gradient, {shape:?} {kernel:?}/{stride:?}");
    let plain = max_pool2d(
        Tensor::<Flex, 4>::from_data(TensorData::new(x, shape), &device),
        kernel,
        stride,
        padding,
        [1, 1],
        false,
    );
    assert_eq!(
        plain.into_data().to_vec::<f32>().expect("f32"),
        want_y,
        "inference path"
    );
}

fn ramp(n: usize) -> Vec<f32> {
    (0..n).map(|i| ((i * 7919) % 101) as f32 - 50.0).collect()
}

#[test]
fn two_by_two_pool_of_a_cnn() {
    check([3, 4, 8, 6], [2, 2], [2, 2], ramp(3 * 4 * 8 * 6));
}

#[test]
fn odd_sizes_drop_the_last_row_and_column() {
    check([2, 3, 7, 9], [2, 2], [2, 2], ramp(2 * 3 * 7 * 9));
}

#[test]
fn overlapping_and_rectangular_windows() {
    check([2, 2, 9, 8], [3, 2], [2, 1], ramp(2 * 2 * 9 * 8));
}

#[test]
fn ties_send_the_gradient_to_the_first_tap() {
    check([1, 2, 4, 4], [2, 2], [2, 2], vec![1.0; 32]);
}

#[test]
fn padded_pools_route_the_gradient_past_the_padding() {
    check_padded([2, 3, 7, 6], [3, 3], [2, 2], [1, 1], ramp(2 * 3 * 7 * 6));
}
