//! Times the Flex backend's conv2d forward, input-gradient and weight-gradient
//! on the six SimpleCNN layers (spec §3, 1×28×28 input), plus one whole
//! SimpleCNN forward + backward through autodiff. Run with
//! `cargo run --release --example conv_ops_bench [batch] [reps]`.

use burn::backend::{Autodiff, Flex};
use burn::tensor::backend::Backend;
use burn::tensor::ops::{ActivationOps, ConvOptions, FloatTensor, ModuleOps};
use burn::tensor::{Distribution, Tensor, TensorPrimitive};
use iconc::runtime::mappers::simple_cnn::SimpleCnnConfig;
use std::time::Instant;

type F = Flex;

fn float(t: Tensor<F, 4>) -> FloatTensor<F> {
    match t.into_primitive() {
        TensorPrimitive::Float(t) => t,
        TensorPrimitive::QFloat(_) => unreachable!("float tensor"),
    }
}

/// Best of `reps` wall times in ms.
fn best_ms(reps: usize, mut f: impl FnMut()) -> f64 {
    (0..reps)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let batch: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(256);
    let reps: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let device = Default::default();
    let layers = [
        (1, 16, 28),
        (16, 16, 28),
        (16, 16, 14),
        (16, 16, 14),
        (16, 32, 7),
        (32, 32, 7),
    ];
    let opts = ConvOptions::new([1, 1], [1, 1], [1, 1], 1);
    let n = 2048;
    let a = Tensor::<F, 2>::random([n, n], Distribution::Normal(0.0, 1.0), &device);
    let b = Tensor::<F, 2>::random([n, n], Distribution::Normal(0.0, 1.0), &device);
    let mm = best_ms(reps, || {
        let _ = a.clone().matmul(b.clone());
    });
    println!(
        "plain SGEMM {n}³: {mm:.1} ms, {:.1} GFLOP/s",
        2.0 * (n as f64).powi(3) / mm / 1e6
    );
    println!("batch {batch}, best of {reps}; ms per op and GFLOP/s");
    let (mut total_f, mut total_x, mut total_w, mut flops) = (0.0, 0.0, 0.0, 0.0);
    for (cin, cout, hw) in layers {
        let x = Tensor::<F, 4>::random(
            [batch, cin, hw, hw],
            Distribution::Normal(0.0, 1.0),
            &device,
        );
        let w = Tensor::<F, 4>::random([cout, cin, 3, 3], Distribution::Normal(0.0, 0.1), &device);
        let g = Tensor::<F, 4>::random(
            [batch, cout, hw, hw],
            Distribution::Normal(0.0, 1.0),
            &device,
        );
        let (xp, wp, gp) = (float(x), float(w), float(g));
        let fwd = best_ms(reps, || {
            F::sync(&device).ok();
            let _ = F::conv2d(xp.clone(), wp.clone(), None, opts.clone());
        });
        let xb = best_ms(reps, || {
            let _ = F::conv2d_x_backward(xp.clone(), wp.clone(), gp.clone(), opts.clone());
        });
        let wb = best_ms(reps, || {
            let _ = F::conv2d_weight_backward(xp.clone(), wp.clone(), gp.clone(), opts.clone());
        });
        let gflop = 2.0 * (batch * cout * hw * hw * cin * 9) as f64 / 1e9;
        println!(
            "{cin:>2}->{cout:<2} {hw:>2}x{hw:<2}  fwd {fwd:7.2} ({:5.1})  dx {xb:7.2} ({:5.1})  dw {wb:7.2} ({:5.1})",
            gflop / fwd * 1e3,
            gflop / xb * 1e3,
            gflop / wb * 1e3
        );
        total_f += fwd;
        total_x += xb;
        total_w += wb;
        flops += gflop;
    }
    println!(
        "convs: fwd {total_f:.1} ms, dx {total_x:.1} ms, dw {total_w:.1} ms ({:.1} GFLOP/s overall)",
        3.0 * flops / (total_f + total_x + total_w) * 1e3
    );

    let t = Tensor::<F, 4>::random([batch, 16, 28, 28], Distribution::Normal(0.0, 1.0), &device);
    let u = t.clone() * 0.5;
    let relu_ms = best_ms(reps, || {
        let _ = burn::tensor::activation::relu(t.clone());
    });
    let add_ms = best_ms(reps, || {
        let _ = t.clone() + u.clone();
    });
    let mask_ms = best_ms(reps, || {
        let _ = t.clone().lower_elem(0.0);
    });
    let (tp, up) = (float(t.clone()), float(u.clone()));
    let pool = F::max_pool2d_with_indices(tp.clone(), [2, 2], [2, 2], [0, 0], [1, 1], false);
    let pool_ms = best_ms(reps, || {
        let _ = F::max_pool2d_with_indices(tp.clone(), [2, 2], [2, 2], [0, 0], [1, 1], false);
    });
    let g = float(Tensor::<F, 4>::random(
        [batch, 16, 14, 14],
        Distribution::Normal(0.0, 1.0),
        &device,
    ));
    let pool_bwd_ms = best_ms(reps, || {
        let _ = F::max_pool2d_with_indices_backward(
            tp.clone(),
            [2, 2],
            [2, 2],
            [0, 0],
            [1, 1],
            false,
            g.clone(),
            pool.indices.clone(),
        );
    });
    let relu_bwd_ms = best_ms(reps, || {
        let _ = F::relu_backward(tp.clone(), up.clone());
    });
    println!(
        "[{batch},16,28,28]: relu {relu_ms:.2} ms, relu_backward {relu_bwd_ms:.2} ms, add {add_ms:.2} ms, \
         lower_elem {mask_ms:.2} ms, max_pool {pool_ms:.2} ms, max_pool backward {pool_bwd_ms:.2} ms"
    );

    type A = Autodiff<F>;
    let cnn = SimpleCnnConfig {
        image: (1, 28, 28),
        out: 128,
    }
    .init::<A>(&device);
    let x = Tensor::<A, 2>::random([batch, 784], Distribution::Normal(0.0, 1.0), &device);
    let mut fwd_ms = f64::INFINITY;
    let mut bwd_ms = f64::INFINITY;
    for _ in 0..reps {
        let t = Instant::now();
        let y = cnn.forward(x.clone()).sum();
        let _ = y.clone().into_scalar();
        let mid = Instant::now();
        let _grads = y.backward();
        fwd_ms = fwd_ms.min((mid - t).as_secs_f64() * 1e3);
        bwd_ms = bwd_ms.min(mid.elapsed().as_secs_f64() * 1e3);
    }
    println!("SimpleCNN autodiff: forward {fwd_ms:.1} ms, backward {bwd_ms:.1} ms");
}
