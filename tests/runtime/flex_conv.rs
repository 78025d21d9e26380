//! The vendored Flex conv2d GEMM path (`vendor/burn-flex/src/ops/conv2d_gemm.rs`)
//! against a direct f64 convolution written here: forward, input, weight and
//! bias gradients through burn's autodiff, over strides, paddings, dilations,
//! groups, 1×1 kernels and both float widths.

use burn::backend::{Autodiff, Flex};
use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Element, Tensor, TensorData};

type A = Autodiff<Flex>;

#[derive(Debug, Clone, Copy)]
struct Case {
    batch: usize,
    c_in: usize,
    c_out: usize,
    hw: [usize; 2],
    kernel: [usize; 2],
    stride: [usize; 2],
    pad: [usize; 2],
    dilation: [usize; 2],
    groups: usize,
}

impl Case {
    fn out(&self) -> [usize; 2] {
        [0, 1].map(|d| {
            (self.hw[d] + 2 * self.pad[d] - self.dilation[d] * (self.kernel[d] - 1) - 1)
                / self.stride[d]
                + 1
        })
    }
}

/// Deterministic values in [-1, 1).
fn values(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
        })
        .collect()
}

/// Reference forward and gradients of `L = Σ y·r` (so dL/dy = r), in f64.
struct Reference {
    y: Vec<f64>,
    dx: Vec<f64>,
    dw: Vec<f64>,
    db: Vec<f64>,
}

// Explicit index loops: the reference mirrors the definition, not the kernel.
#[allow(clippy::needless_range_loop)]
fn reference(c: &Case, x: &[f64], w: &[f64], b: &[f64], r: &[f64]) -> Reference {
    let [h, wd] = c.hw;
    let [oh, ow] = c.out();
    let (cig, cog) = (c.c_in / c.groups, c.c_out / c.groups);
    let [kh, kw] = c.kernel;
    let mut out = Reference {
        y: vec![0.0; c.batch * c.c_out * oh * ow],
        dx: vec![0.0; x.len()],
        dw: vec![0.0; w.len()],
        db: vec![0.0; c.c_out],
    };
    for n in 0..c.batch {
        for co in 0..c.c_out {
            let grp = co / cog;
            for oy in 0..oh {
                for ox in 0..ow {
                    let yi = ((n * c.c_out + co) * oh + oy) * ow + ox;
                    let mut acc = b[co];
                    for ci in 0..cig {
                        let cx = grp * cig + ci;
                        for ki in 0..kh {
                            for kj in 0..kw {
                                let iy = (oy * c.stride[0] + ki * c.dilation[0]) as isize
                                    - c.pad[0] as isize;
                                let ix = (ox * c.stride[1] + kj * c.dilation[1]) as isize
                                    - c.pad[1] as isize;
                                if iy < 0 || ix < 0 || iy as usize >= h || ix as usize >= wd {
                                    continue;
                                }
                                let xi = ((n * c.c_in + cx) * h + iy as usize) * wd + ix as usize;
                                let wi = ((co * cig + ci) * kh + ki) * kw + kj;
                                acc += x[xi] * w[wi];
                                out.dx[xi] += w[wi] * r[yi];
                                out.dw[wi] += x[xi] * r[yi];
                            }
                        }
                    }
                    out.y[yi] = acc;
                    out.db[co] += r[yi];
                }
            }
        }
    }
    out
}

fn tensor<E: Element, const D: usize>(v: &[f64], shape: [usize; D]) -> Tensor<A, D> {
    let data: Vec<E> = v.iter().map(|&x| E::from_elem(x)).collect();
    // The dtype is explicit: by default Flex would store f64 data as f32.
    Tensor::from_data(
        TensorData::new(data, shape),
        (&Default::default(), E::dtype()),
    )
}

fn max_rel(got: Tensor<Flex, 1>, want: &[f64]) -> f64 {
    let got: Vec<f64> = got.into_data().convert::<f64>().to_vec().expect("f64 data");
    assert_eq!(got.len(), want.len(), "element count");
    let scale = want.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    got.iter()
        .zip(want)
        .map(|(g, w)| (g - w).abs() / scale)
        .fold(0.0, f64::max)
}

fn check<E: Element>(c: Case, tol: f64) {
    let [h, w] = c.hw;
    let [oh, ow] = c.out();
    let [kh, kw] = c.kernel;
    let xs = values(c.batch * c.c_in * h * w, 1);
    let ws = values(c.c_out * (c.c_in / c.groups) * kh * kw, 2);
    let bs = values(c.c_out, 3);
    let rs = values(c.batch * c.c_out * oh * ow, 4);
    let want = reference(&c, &xs, &ws, &bs, &rs);

    let x = tensor::<E, 4>(&xs, [c.batch, c.c_in, h, w]).require_grad();
    let wt = tensor::<E, 4>(&ws, [c.c_out, c.c_in / c.groups, kh, kw]).require_grad();
    let b = tensor::<E, 1>(&bs, [c.c_out]).require_grad();
    let r = tensor::<E, 4>(&rs, [c.batch, c.c_out, oh, ow]);
    let options = ConvOptions::new(c.stride, c.pad, c.dilation, c.groups);
    let y = conv2d(x.clone(), wt.clone(), Some(b.clone()), options);
    let grads = (y.clone() * r).sum().backward();
    assert_eq!(y.dtype(), E::dtype(), "conv2d ran at another precision");

    let errors = [
        ("y", max_rel(y.inner().flatten(0, 3), &want.y)),
        (
            "dx",
            max_rel(x.grad(&grads).expect("dx").flatten(0, 3), &want.dx),
        ),
        (
            "dw",
            max_rel(wt.grad(&grads).expect("dw").flatten(0, 3), &want.dw),
        ),
        ("db", max_rel(b.grad(&grads).expect("db"), &want.db)),
    ];
    for (name, err) in errors {
        assert!(
            err < tol,
            "{c:?}: {name} off by {err:e} (relative to its largest entry)"
        );
    }
}

fn case(c_in: usize, c_out: usize, kernel: usize) -> Case {
    Case {
        batch: 5,
        c_in,
        c_out,
        hw: [9, 7],
        kernel: [kernel, kernel],
        stride: [1, 1],
        pad: [kernel / 2, kernel / 2],
        dilation: [1, 1],
        groups: 1,
    }
}

#[test]
fn simple_cnn_layer_shape_matches_direct_convolution() {
    check::<f32>(case(3, 4, 3), 1e-5);
}

#[test]
fn single_input_channel_and_unpadded_kernel() {
    check::<f32>(
        Case {
            pad: [0, 0],
            ..case(1, 6, 3)
        },
        1e-5,
    );
}

#[test]
fn strided_asymmetric_padding_and_kernel() {
    let c = Case {
        kernel: [3, 2],
        stride: [2, 3],
        pad: [1, 0],
        ..case(3, 5, 3)
    };
    check::<f32>(c, 1e-5);
}

#[test]
fn dilated_kernel_larger_than_padding() {
    let c = Case {
        dilation: [2, 3],
        pad: [1, 2],
        ..case(2, 3, 3)
    };
    check::<f32>(c, 1e-5);
}

#[test]
fn same_size_outputs_copy_whole_shifted_rows() {
    // stride 1 with W_out == W takes im2col/col2im's one-run-per-row path.
    check::<f32>(
        Case {
            kernel: [3, 5],
            pad: [1, 2],
            ..case(2, 3, 3)
        },
        1e-5,
    );
    check::<f32>(
        Case {
            dilation: [2, 2],
            pad: [2, 2],
            ..case(2, 3, 3)
        },
        1e-5,
    );
    check::<f32>(
        Case {
            pad: [1, 1],
            hw: [3, 2],
            ..case(2, 2, 3)
        },
        1e-5,
    );
}

#[test]
fn grouped_and_depthwise_backward() {
    check::<f32>(
        Case {
            groups: 2,
            ..case(4, 6, 3)
        },
        1e-5,
    );
    check::<f32>(
        Case {
            groups: 4,
            ..case(4, 4, 3)
        },
        1e-5,
    );
}

#[test]
fn pointwise_kernel_reads_the_image_as_its_own_im2col() {
    check::<f32>(
        Case {
            pad: [0, 0],
            ..case(6, 3, 1)
        },
        1e-5,
    );
    check::<f32>(
        Case {
            pad: [0, 0],
            stride: [2, 2],
            ..case(6, 3, 1)
        },
        1e-5,
    );
}

#[test]
fn batch_not_a_multiple_of_the_work_chunk() {
    check::<f32>(
        Case {
            batch: 1,
            ..case(2, 2, 3)
        },
        1e-5,
    );
    check::<f32>(
        Case {
            batch: 11,
            ..case(2, 2, 3)
        },
        1e-5,
    );
}

#[test]
fn double_precision_path() {
    check::<f64>(
        Case {
            stride: [2, 1],
            ..case(3, 4, 3)
        },
        1e-12,
    );
}

#[test]
fn weight_gradient_does_not_depend_on_thread_count() {
    let run = || {
        let c = Case {
            batch: 37,
            ..case(4, 8, 3)
        };
        let [h, w] = c.hw;
        let x = tensor::<f32, 4>(
            &values(c.batch * c.c_in * h * w, 7),
            [c.batch, c.c_in, h, w],
        );
        let wt = tensor::<f32, 4>(&values(c.c_out * c.c_in * 9, 8), [c.c_out, c.c_in, 3, 3])
            .require_grad();
        let options = ConvOptions::new(c.stride, c.pad, c.dilation, 1);
        let grads = conv2d(x, wt.clone(), None, options)
            .powf_scalar(2.0)
            .sum()
            .backward();
        wt.grad(&grads).expect("dw").into_data()
    };
    let many = run();
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool")
        .install(run);
    assert_eq!(many, one, "weight gradient differs between thread counts");
}
