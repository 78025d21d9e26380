//! The Barnes–Hut Student-t path (`StudentT(repulsion = barnes_hut)`) against
//! the dense reference: at θ = 0 it is the same loss and gradient (f64, to
//! 1e-9), with and without exaggeration, for a batch p and a data-set p; at
//! θ = 0.5 it stays close. Exaggeration of the dense path is held to its
//! closed form `α·L₁ − (α−1)·mean_i log Z_i`, with Z computed here in f64.

use crate::support::vector_ir::{cauchy_on_embedding, leaf, method_with};
use burn::backend::{Autodiff, NdArray};
use burn::prelude::*;
use burn::tensor::TensorData;
use iconc::ir::*;
use iconc::runtime::kernels::host::FloatArray;
use iconc::runtime::kernels::neighbors;
use iconc::runtime::loss::{icon_loss_exaggerated, Batch, KernelParams};
use iconc::runtime::sparse_loss::BarnesHut;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

type F64 = Autodiff<NdArray<f64>>;

struct Inputs {
    n: usize,
    x: Vec<f64>,
    y: Vec<f64>,
}

const FEATURES: usize = 5;

fn inputs(n: usize, seed: u64) -> Inputs {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut draw = |len: usize, s: f64| -> Vec<f64> {
        (0..len).map(|_| s * rng.random_range(-1.0..1.0)).collect()
    };
    Inputs {
        n,
        x: draw(n * FEATURES, 1.0),
        y: draw(n * 2, 3.0),
    }
}

fn batch(i: &Inputs) -> Batch<F64> {
    let device = Default::default();
    let mut b = Batch::new();
    b.floats.insert(
        "x".into(),
        Tensor::from_data(TensorData::new(i.x.clone(), [i.n, FEATURES]), &device),
    );
    b.floats.insert(
        "embedding".into(),
        Tensor::from_data(TensorData::new(i.y.clone(), [i.n, 2]), &device).require_grad(),
    );
    b.ints.insert(
        "index".into(),
        Tensor::from_data(TensorData::new((0..i.n as i64).collect(), [i.n]), &device),
    );
    b
}

fn gaussian_p(scope: Scope) -> KernelExpr {
    leaf(
        Kernel::Gaussian {
            sigma: None,
            perplexity: Some(5.0),
            metric: DistanceMetric::Euclidean,
            exclude_self: true,
            learnable: false,
            max_logit_scale: CLIP_MAX_LOGIT_SCALE,
            scope,
        },
        &["x"],
    )
}

fn method(p: KernelExpr, theta: f64) -> Method {
    let q = cauchy_on_embedding(Repulsion::BarnesHut { theta });
    method_with(p, q, Layout::Pairwise, Divergence::Kl, 1)
}

fn values(t: Tensor<burn::backend::NdArray<f64>, 2>) -> Vec<f64> {
    t.into_data().convert::<f64>().to_vec::<f64>().unwrap()
}

/// (loss, ∂loss/∂embedding) of the dense path.
fn dense(m: &Method, i: &Inputs, alpha: f64) -> (f64, Vec<f64>) {
    let b = batch(i);
    let params = KernelParams::<F64>::init(m, &Default::default());
    let out = icon_loss_exaggerated(m, &b, &params, alpha)
        .unwrap_or_else(|d| panic!("{}: {}", d.code, d.message))
        .output;
    let value = out.loss.clone().into_scalar().elem::<f64>();
    let grads = out.loss.backward();
    (value, values(b.floats["embedding"].grad(&grads).unwrap()))
}

/// (loss, ∂loss/∂embedding) of the tree path.
fn tree(m: &Method, i: &Inputs, alpha: f64) -> (f64, Vec<f64>) {
    let b = batch(i);
    let loss = BarnesHut::of(m)
        .expect("a Barnes–Hut q")
        .loss(m, &b, alpha)
        .unwrap_or_else(|d| panic!("{}: {}", d.code, d.message));
    let value = loss.clone().into_scalar().elem::<f64>();
    let grads = loss.backward();
    (value, values(b.floats["embedding"].grad(&grads).unwrap()))
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0f64, |m, x| m.max(x.abs()))
}

fn assert_same(what: &str, (la, ga): (f64, Vec<f64>), (lb, gb): (f64, Vec<f64>), tol: f64) {
    assert!(
        (la - lb).abs() <= tol * lb.abs(),
        "{what}: loss {la} vs {lb}"
    );
    let scale = max_abs(&gb);
    assert!(scale > 0.0, "{what}: no gradient to compare");
    for (k, (a, b)) in ga.iter().zip(&gb).enumerate() {
        assert!((a - b).abs() <= tol * scale, "{what}: grad[{k}] {a} vs {b}");
    }
}

#[test]
fn tree_at_theta_zero_is_the_dense_loss_and_gradient() {
    let i = inputs(60, 1);
    let m = method(gaussian_p(Scope::Batch), 0.0);
    for alpha in [1.0, 4.0] {
        assert_same(
            &format!("batch p, α = {alpha}"),
            tree(&m, &i, alpha),
            dense(&m, &i, alpha),
            1e-9,
        );
    }
}

#[test]
fn tree_reads_a_data_set_p_sparse_and_matches_its_dense_gather() {
    let i = inputs(80, 2);
    let mut m = method(gaussian_p(Scope::Dataset { table: None }), 0.0);
    let x = FloatArray {
        rows: i.n,
        cols: FEATURES,
        data: i.x.clone(),
    };
    let _tables = neighbors::attach(&mut m.p, &x, &[]).unwrap();
    for alpha in [1.0, 12.0] {
        assert_same(
            &format!("data-set p, α = {alpha}"),
            tree(&m, &i, alpha),
            dense(&m, &i, alpha),
            1e-9,
        );
    }
}

#[test]
fn opening_angle_half_stays_close_to_the_exact_sums() {
    let i = inputs(400, 3);
    let exact = tree(&method(gaussian_p(Scope::Batch), 0.0), &i, 1.0);
    let bh = tree(&method(gaussian_p(Scope::Batch), 0.5), &i, 1.0);
    assert!(
        (bh.0 - exact.0).abs() < 2e-3 * exact.0.abs(),
        "{} vs {}",
        bh.0,
        exact.0
    );
    let norm = |g: &[f64]| g.iter().map(|v| v * v).sum::<f64>().sqrt();
    let diff: Vec<f64> = bh.1.iter().zip(&exact.1).map(|(a, b)| a - b).collect();
    let rel = norm(&diff) / norm(&exact.1);
    assert!(rel < 2e-2, "relative gradient error {rel}");
    assert!(rel > 0.0, "θ = 0.5 summarized nothing");
}

#[test]
fn dense_exaggeration_is_its_closed_form() {
    let i = inputs(50, 4);
    let m = method(gaussian_p(Scope::Batch), 0.0);
    let (plain, _) = dense(&m, &i, 1.0);
    let alpha = 12.0;
    let (exaggerated, _) = dense(&m, &i, alpha);
    // Every p row sums to 1, so mean_i m_i log Z_i = mean_i log Z_i.
    let y = &i.y;
    let mean_log_z = (0..i.n)
        .map(|a| {
            (0..i.n)
                .filter(|&b| b != a)
                .map(|b| {
                    let d = (y[2 * a] - y[2 * b]).powi(2) + (y[2 * a + 1] - y[2 * b + 1]).powi(2);
                    1.0 / (1.0 + d)
                })
                .sum::<f64>()
                .ln()
        })
        .sum::<f64>()
        / i.n as f64;
    let expected = alpha * plain - (alpha - 1.0) * mean_log_z;
    assert!(
        (exaggerated - expected).abs() < 1e-9 * expected.abs(),
        "{exaggerated} vs {expected}"
    );
}

#[test]
fn exaggeration_follows_its_schedule() {
    let e = Exaggeration {
        factor: 12.0,
        until: Some(250),
    };
    assert_eq!(e.factor_at(0), 12.0);
    assert_eq!(e.factor_at(249), 12.0);
    assert_eq!(e.factor_at(250), 1.0);
    let always = Exaggeration {
        factor: 4.0,
        until: None,
    };
    assert_eq!(always.factor_at(1_000_000), 4.0);
}
