//! Gradients of the loss (§1.1, §7.15) on `Autodiff<NdArray<f64>>`:
//! the softmax-logit gradient `(r_i q − p)/R` in closed form, and central
//! finite differences (f64, h = 1e-6) against autodiff to 1e-6 for every
//! learned kernel, divergence and learnable scale.

use crate::support::vector_ir::{leaf, method_with};
use burn::backend::{Autodiff, NdArray};
use burn::prelude::*;
use burn::tensor::TensorData;
use iconc::ir::*;
use iconc::runtime::loss::{icon_loss, Batch, KernelParams};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

type AD = Autodiff<NdArray<f64>>;

fn random(rows: usize, cols: usize, seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..rows * cols)
        .map(|_| rng.random_range(-1.0..1.0))
        .collect()
}

fn gaussian(sigma: f64, metric: DistanceMetric, learnable: bool) -> Kernel {
    Kernel::Gaussian {
        sigma: Some(sigma),
        perplexity: None,
        metric,
        exclude_self: true,
        learnable,
        max_logit_scale: CLIP_MAX_LOGIT_SCALE,
        scope: Default::default(),
    }
}

/// A test case: a method and its inputs.
struct Case {
    method: Method,
    floats: Vec<(&'static str, usize, usize, Vec<f64>)>,
    ints: Vec<(&'static str, Vec<i64>)>,
}

impl Case {
    fn batch(&self, floats: &[(&'static str, usize, usize, Vec<f64>)]) -> Batch<AD> {
        let device = Default::default();
        let mut b = Batch::new();
        for (k, r, c, v) in floats {
            let t = Tensor::from_data(TensorData::new(v.clone(), [*r, *c]), &device).require_grad();
            b.floats.insert(k.to_string(), t);
        }
        for (k, v) in &self.ints {
            b.ints.insert(
                k.to_string(),
                Tensor::from_data(TensorData::new(v.clone(), [v.len()]), &device),
            );
        }
        b
    }

    fn loss(
        &self,
        floats: &[(&'static str, usize, usize, Vec<f64>)],
        params: &KernelParams<AD>,
    ) -> f64 {
        let out = icon_loss(&self.method, &self.batch(floats), params)
            .unwrap_or_else(|d| panic!("{}", d.message));
        out.loss.into_data().to_vec::<f64>().unwrap()[0]
    }

    /// Autodiff gradient w.r.t. float key `key`.
    fn grad(&self, key: &str) -> Vec<f64> {
        let params = KernelParams::<AD>::init(&self.method, &Default::default());
        let batch = self.batch(&self.floats);
        let out = icon_loss(&self.method, &batch, &params).unwrap();
        let grads = out.loss.backward();
        batch.floats[key]
            .grad(&grads)
            .expect("gradient")
            .into_data()
            .to_vec::<f64>()
            .unwrap()
    }

    /// Central finite differences w.r.t. float key `key`.
    fn fd(&self, key: &str) -> Vec<f64> {
        let h = 1e-6;
        let params = KernelParams::<AD>::init(&self.method, &Default::default());
        let idx = self.floats.iter().position(|f| f.0 == key).unwrap();
        (0..self.floats[idx].3.len())
            .map(|e| {
                let mut plus = self.floats.clone();
                plus[idx].3[e] += h;
                let mut minus = self.floats.clone();
                minus[idx].3[e] -= h;
                (self.loss(&plus, &params) - self.loss(&minus, &params)) / (2.0 * h)
            })
            .collect()
    }

    /// Autodiff and finite-difference gradients w.r.t. the first learnable scale.
    fn param_grads(&self) -> (f64, f64) {
        let device = Default::default();
        let params = KernelParams::<AD>::init(&self.method, &device);
        let out = icon_loss(&self.method, &self.batch(&self.floats), &params).unwrap();
        let grads = out.loss.backward();
        let auto = params.log_scales[0]
            .val()
            .grad(&grads)
            .unwrap()
            .into_data()
            .to_vec::<f64>()
            .unwrap()[0];
        let v = params.log_scales[0]
            .val()
            .into_data()
            .to_vec::<f64>()
            .unwrap()[0];
        let h = 1e-6;
        let with = |x: f64| {
            let p = KernelParams::<AD> {
                log_scales: vec![burn::module::Param::from_tensor(Tensor::from_data(
                    TensorData::new(vec![x], [1]),
                    &device,
                ))],
            };
            self.loss(&self.floats, &p)
        };
        (auto, (with(v + h) - with(v - h)) / (2.0 * h))
    }
}

fn assert_close(auto: &[f64], fd: &[f64], what: &str) {
    assert_eq!(auto.len(), fd.len());
    for (i, (a, f)) in auto.iter().zip(fd).enumerate() {
        assert!(
            (a - f).abs() <= 1e-6 * f.abs().max(1.0),
            "{what}[{i}]: autodiff {a}, fd {f}"
        );
    }
}

/// ∂L_ce/∂a_ic = (r_i q_ic − p_ic)/R for softmax logits a = f Wᵀ (§1.1), so
/// ∂L/∂f_i = Σ_c (q_ic − p_ic) w_c / R and ∂L/∂w_c = Σ_i (q_ic − p_ic) f_i / R.
#[test]
fn softmax_logit_gradient_is_q_minus_p_over_r() {
    let (b, c, dim) = (7, 4, 3);
    let f = random(b, dim, 21);
    let w = random(c, dim, 22);
    let labels: Vec<i64> = (0..b as i64).map(|i| (i * 3) % c as i64).collect();
    let case = Case {
        method: method_with(
            leaf(
                Kernel::Label {
                    table: true,
                    classes: c,
                    exclude_self: false,
                },
                &["label"],
            ),
            leaf(
                gaussian(std::f64::consts::FRAC_1_SQRT_2, DistanceMetric::Dot, false),
                &["embedding", "w"],
            ),
            Layout::Table { classes: c },
            Divergence::Kl,
            c,
        ),
        floats: vec![("embedding", b, dim, f.clone()), ("w", c, dim, w.clone())],
        ints: vec![("label", labels.clone())],
    };
    // Independent q and (q − p)/R.
    let mut delta = vec![0.0; b * c];
    for i in 0..b {
        let a: Vec<f64> = (0..c)
            .map(|k| (0..dim).map(|t| f[i * dim + t] * w[k * dim + t]).sum())
            .collect();
        let mx = a.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let z: f64 = a.iter().map(|x| (x - mx).exp()).sum();
        for k in 0..c {
            let p = if labels[i] == k as i64 { 1.0 } else { 0.0 };
            delta[i * c + k] = ((a[k] - mx).exp() / z - p) / b as f64;
        }
    }
    let gf: Vec<f64> = (0..b * dim)
        .map(|e| {
            (0..c)
                .map(|k| delta[(e / dim) * c + k] * w[k * dim + e % dim])
                .sum()
        })
        .collect();
    let gw: Vec<f64> = (0..c * dim)
        .map(|e| {
            (0..b)
                .map(|i| delta[i * c + e / dim] * f[i * dim + e % dim])
                .sum()
        })
        .collect();
    assert_close(&case.grad("embedding"), &gf, "d/df");
    assert_close(&case.grad("w"), &gw, "d/dw");
}

fn views(n: usize, v: usize) -> Vec<i64> {
    (0..(n * v) as i64).map(|r| r % n as i64).collect()
}

fn pairwise_case(q: Kernel, divergence: Divergence, seed: u64) -> Case {
    let (n, dim) = (4, 3);
    Case {
        method: method_with(
            leaf(Kernel::Augmentation, &["index"]),
            leaf(q, &["embedding"]),
            Layout::Pairwise,
            divergence,
            0,
        ),
        floats: vec![("embedding", 2 * n, dim, random(2 * n, dim, seed))],
        ints: vec![("index", views(n, 2))],
    }
}

#[test]
fn finite_differences_match_autodiff_for_learned_kernels() {
    let student = |form| Kernel::StudentT {
        dof: 2.0,
        gamma: 0.7,
        form,
        learnable: false,
        perplexity: None,
        calibrate: Default::default(),
        exclude_self: true,
        repulsion: Default::default(),
    };
    let cases = [
        (
            "gaussian euclidean kl",
            pairwise_case(
                gaussian(0.6, DistanceMetric::Euclidean, false),
                Divergence::Kl,
                31,
            ),
        ),
        (
            "gaussian cosine js",
            pairwise_case(
                gaussian(0.5, DistanceMetric::Cosine, false),
                Divergence::Js,
                32,
            ),
        ),
        (
            "gaussian manhattan kl",
            pairwise_case(
                gaussian(0.9, DistanceMetric::Manhattan, false),
                Divergence::Kl,
                33,
            ),
        ),
        (
            "student t kl",
            pairwise_case(student(StudentForm::T), Divergence::Kl, 34),
        ),
        (
            "student power kl",
            pairwise_case(student(StudentForm::Power), Divergence::Kl, 35),
        ),
        (
            "limit zero",
            pairwise_case(
                Kernel::GaussianLimit {
                    limit: LimitKind::Zero,
                    metric: DistanceMetric::Euclidean,
                    exclude_self: true,
                    negative: None,
                    margin: 0.0,
                },
                Divergence::Kl,
                36,
            ),
        ),
        (
            "limit inf",
            pairwise_case(
                Kernel::GaussianLimit {
                    limit: LimitKind::Infinity,
                    metric: DistanceMetric::Euclidean,
                    exclude_self: true,
                    negative: None,
                    margin: 0.0,
                },
                Divergence::Kl,
                37,
            ),
        ),
    ];
    for (what, case) in &cases {
        assert_close(&case.grad("embedding"), &case.fd("embedding"), what);
    }
}

/// rkl with UniformCluster φ (K-Means cell) and a debiased q.
#[test]
fn finite_differences_match_for_cluster_rkl_and_debias() {
    let (b, c, dim) = (8, 3, 2);
    let phi: Vec<f64> = random(b, c, 41)
        .chunks(c)
        .flat_map(|row| {
            let e: Vec<f64> = row.iter().map(|x| x.exp()).collect();
            let s: f64 = e.iter().sum();
            e.into_iter().map(move |x| x / s)
        })
        .collect();
    let kmeans = Case {
        method: method_with(
            leaf(
                Kernel::Gaussian {
                    sigma: Some(1.0),
                    perplexity: None,
                    metric: DistanceMetric::Euclidean,
                    exclude_self: false,
                    learnable: false,
                    max_logit_scale: iconc::ir::CLIP_MAX_LOGIT_SCALE,
                    scope: Default::default(),
                },
                &["x"],
            ),
            leaf(
                Kernel::UniformCluster {
                    exclude_self: false,
                    degree_weighted: false,
                },
                &["phi"],
            ),
            Layout::Pairwise,
            Divergence::Rkl,
            0,
        ),
        floats: vec![("x", b, dim, random(b, dim, 42)), ("phi", b, c, phi)],
        ints: vec![],
    };
    assert_close(&kmeans.grad("phi"), &kmeans.fd("phi"), "kmeans rkl");
    let mut debiased = pairwise_case(
        gaussian(0.5, DistanceMetric::Cosine, false),
        Divergence::Kl,
        43,
    );
    debiased.method.q = KernelExpr::DebiasQ(0.3, Box::new(debiased.method.q.clone()));
    assert_close(
        &debiased.grad("embedding"),
        &debiased.fd("embedding"),
        "debias",
    );
}

/// Learnable scales: CLIP's log 2σ² (cross-modal, cosine) and Student-t log γ.
#[test]
fn learnable_scales_get_correct_gradients() {
    let (n, dim) = (5, 3);
    let clip = Case {
        method: method_with(
            leaf(Kernel::CrossModal, &["index"]),
            leaf(gaussian(0.3, DistanceMetric::Cosine, true), &["a", "b"]),
            Layout::CrossModal,
            Divergence::Kl,
            0,
        ),
        floats: vec![
            ("a", n, dim, random(n, dim, 51)),
            ("b", n, dim, random(n, dim, 52)),
        ],
        ints: vec![("index", (0..n as i64).collect())],
    };
    let (auto, fd) = clip.param_grads();
    assert!(
        (auto - fd).abs() < 1e-6 * fd.abs().max(1.0),
        "clip: {auto} vs {fd}"
    );
    assert!(auto.abs() > 1e-6, "the temperature must receive a gradient");
    let student = pairwise_case(
        Kernel::StudentT {
            dof: 1.0,
            gamma: 0.5,
            form: StudentForm::T,
            learnable: true,
            perplexity: None,
            calibrate: Default::default(),
            exclude_self: true,
            repulsion: Default::default(),
        },
        Divergence::Kl,
        53,
    );
    let (auto, fd) = student.param_grads();
    assert!(
        (auto - fd).abs() < 1e-6 * fd.abs().max(1.0),
        "student: {auto} vs {fd}"
    );
}

/// p carries no gradient: a p kernel on a float key the loss reads gets none.
#[test]
fn p_has_no_gradient() {
    let (b, dim) = (6, 2);
    let case = Case {
        method: method_with(
            leaf(gaussian(1.0, DistanceMetric::Euclidean, false), &["x"]),
            leaf(
                gaussian(1.0, DistanceMetric::Euclidean, false),
                &["embedding"],
            ),
            Layout::Pairwise,
            Divergence::Kl,
            0,
        ),
        floats: vec![
            ("x", b, dim, random(b, dim, 61)),
            ("embedding", b, dim, random(b, dim, 62)),
        ],
        ints: vec![],
    };
    let params = KernelParams::<AD>::init(&case.method, &Default::default());
    let batch = case.batch(&case.floats);
    let grads = icon_loss(&case.method, &batch, &params)
        .unwrap()
        .loss
        .backward();
    assert!(batch.floats["x"].grad(&grads).is_none());
    assert!(batch.floats["embedding"].grad(&grads).is_some());
}

/// A zero embedding under the cosine kernel (d = 1 by the 1e-12 norm floor)
/// keeps a finite gradient.
#[test]
fn cosine_gradient_is_finite_at_a_zero_vector() {
    let mut case = pairwise_case(
        gaussian(0.5, DistanceMetric::Cosine, false),
        Divergence::Kl,
        71,
    );
    case.floats[0].3[..3].iter_mut().for_each(|v| *v = 0.0);
    assert!(case.grad("embedding").iter().all(|g| g.is_finite()));
}

/// CLIP's cap (`max_logit_scale`): a learned scale that starts past the cap
/// gives the loss of the fixed scale exactly at the cap, τ = 2σ² = 1/max,
/// and no gradient (the clamp holds it there), on cosine and euclidean.
#[test]
fn learned_scale_is_capped_at_max_logit_scale() {
    let (n, dim, cap) = (6, 3, 50.0);
    for metric in [DistanceMetric::Cosine, DistanceMetric::Euclidean] {
        let case = |sigma: f64, learnable: bool| Case {
            method: method_with(
                leaf(Kernel::CrossModal, &["index"]),
                leaf(
                    Kernel::Gaussian {
                        sigma: Some(sigma),
                        perplexity: None,
                        metric,
                        exclude_self: true,
                        learnable,
                        max_logit_scale: cap,
                        scope: Default::default(),
                    },
                    &["a", "b"],
                ),
                Layout::CrossModal,
                Divergence::Kl,
                0,
            ),
            floats: vec![
                ("a", n, dim, random(n, dim, 71)),
                ("b", n, dim, random(n, dim, 72)),
            ],
            ints: vec![("index", (0..n as i64).collect())],
        };
        // 1/(2σ²) = 200 > cap at the start; the cap is 1/(2σ²) = 50.
        let past = case(0.05, true);
        let at_cap = case((0.5 / cap).sqrt(), false);
        let params = KernelParams::<AD>::init(&past.method, &Default::default());
        let fixed = KernelParams::<AD>::init(&at_cap.method, &Default::default());
        let (l_past, l_cap) = (
            past.loss(&past.floats, &params),
            at_cap.loss(&at_cap.floats, &fixed),
        );
        assert!(
            (l_past - l_cap).abs() < 1e-9 * l_cap.abs().max(1.0),
            "{metric:?}: capped {l_past} vs fixed at the cap {l_cap}"
        );
        let (auto, _) = past.param_grads();
        assert_eq!(auto, 0.0, "{metric:?}: the clamped scale gets no gradient");
        // Below the cap the scale is free and learns.
        let (auto, _) = case(0.3, true).param_grads();
        assert!(
            auto.abs() > 1e-9,
            "{metric:?}: a free scale gets a gradient"
        );
    }
}
