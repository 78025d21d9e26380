//! The spec's validation identities (methods.md §7), checked in f64 on
//! `NdArray<f64>` against formulas written out independently here (the
//! classic losses: NT-Xent, softmax CE, SupCon, CLIP, Cauchy, the limits).
//! Tolerance: 1e-9 relative in f64 (§7) unless a test says why not.

use crate::support::vector_ir::{leaf, method_with};
use burn::backend::NdArray;
use burn::prelude::*;
use burn::tensor::TensorData;
use iconc::ir::*;
use iconc::runtime::loss::{icon_loss_detailed, Batch, DetailedLoss, KernelParams};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

type B64 = NdArray<f64>;

/// Row-major random matrix in [-1, 1).
fn random(rows: usize, cols: usize, seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..rows * cols)
        .map(|_| rng.random_range(-1.0..1.0))
        .collect()
}

struct Inputs {
    floats: Vec<(&'static str, usize, usize, Vec<f64>)>,
    ints: Vec<(&'static str, Vec<i64>)>,
}

fn batch(inputs: &Inputs) -> Batch<B64> {
    let device = Default::default();
    let mut b = Batch::new();
    for (k, r, c, v) in &inputs.floats {
        b.floats.insert(
            k.to_string(),
            Tensor::from_data(TensorData::new(v.clone(), [*r, *c]), &device),
        );
    }
    for (k, v) in &inputs.ints {
        b.ints.insert(
            k.to_string(),
            Tensor::from_data(TensorData::new(v.clone(), [v.len()]), &device),
        );
    }
    b
}

fn eval(method: &Method, inputs: &Inputs) -> DetailedLoss<B64> {
    let params = KernelParams::<B64>::init(method, &Default::default());
    match icon_loss_detailed(method, &batch(inputs), &params) {
        Ok(e) => e,
        Err(d) => panic!("{}: {}", d.code, d.message),
    }
}

fn scalar(t: Tensor<B64, 1>) -> f64 {
    t.into_data().to_vec::<f64>().unwrap()[0]
}

fn vec2(t: Tensor<B64, 2>) -> Vec<f64> {
    t.into_data().to_vec::<f64>().unwrap()
}

fn close(a: f64, b: f64, rtol: f64) -> bool {
    (a - b).abs() <= rtol * b.abs().max(1.0)
}

fn gaussian(sigma: f64, metric: DistanceMetric, exclude_self: bool) -> Kernel {
    Kernel::Gaussian {
        sigma: Some(sigma),
        perplexity: None,
        metric,
        exclude_self,
        learnable: false,
        max_logit_scale: iconc::ir::CLIP_MAX_LOGIT_SCALE,
        scope: Default::default(),
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn unit(v: &[f64]) -> Vec<f64> {
    let n = dot(v, v).sqrt();
    v.iter().map(|x| x / n).collect()
}

fn sqdist(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// `log Σ exp`.
fn lse(v: &[f64]) -> f64 {
    let m = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    m + v.iter().map(|x| (x - m).exp()).sum::<f64>().ln()
}

/// §7.3 NT-Xent and §7.8 temperature: Augmentation + cosine Gaussian with 2σ² = τ.
#[test]
fn nt_xent_equals_icon_loss() {
    let (n, dim, tau) = (6, 5, 0.5);
    let f = random(2 * n, dim, 1);
    let index: Vec<i64> = (0..2 * n as i64).map(|r| r % n as i64).collect();
    let sigma = (tau / 2.0_f64).sqrt();
    let m = method_with(
        leaf(Kernel::Augmentation, &["index"]),
        leaf(
            gaussian(sigma, DistanceMetric::Cosine, true),
            &["embedding"],
        ),
        Layout::Pairwise,
        Divergence::Kl,
        0,
    );
    let e = eval(
        &m,
        &Inputs {
            floats: vec![("embedding", 2 * n, dim, f.clone())],
            ints: vec![("index", index)],
        },
    );
    let z: Vec<Vec<f64>> = f.chunks(dim).map(unit).collect();
    let b = 2 * n;
    let mut total = 0.0;
    let log_q = vec2(e.output.log_q.clone());
    for r in 0..b {
        let pos = (r + n) % b;
        let others: Vec<f64> = (0..b)
            .filter(|&k| k != r)
            .map(|k| dot(&z[r], &z[k]) / tau)
            .collect();
        total += -(dot(&z[r], &z[pos]) / tau - lse(&others));
        // Temperature mapping: log q = log softmax_{k≠r}(cos/τ).
        for k in (0..b).filter(|&k| k != r) {
            assert!(close(
                log_q[r * b + k],
                dot(&z[r], &z[k]) / tau - lse(&others),
                1e-9
            ));
        }
        assert_eq!(log_q[r * b + r], f64::NEG_INFINITY);
    }
    assert!(close(scalar(e.output.loss), total / b as f64, 1e-9));
}

/// §7.4 CE: Data-Label + prototypes + dot Gaussian = softmax CE of f Wᵀ/(2σ²).
#[test]
fn class_table_equals_softmax_cross_entropy() {
    let (b, c, dim) = (9, 4, 3);
    let f = random(b, dim, 2);
    let w = random(c, dim, 3);
    let labels: Vec<i64> = (0..b as i64).map(|i| (i * 7) % c as i64).collect();
    for sigma in [std::f64::consts::FRAC_1_SQRT_2, 0.3] {
        let m = method_with(
            leaf(
                Kernel::Label {
                    table: true,
                    classes: c,
                    exclude_self: false,
                },
                &["label"],
            ),
            leaf(
                gaussian(sigma, DistanceMetric::Dot, true),
                &["embedding", "class_embedding"],
            ),
            Layout::Table { classes: c },
            Divergence::Kl,
            c,
        );
        let e = eval(
            &m,
            &Inputs {
                floats: vec![
                    ("embedding", b, dim, f.clone()),
                    ("class_embedding", c, dim, w.clone()),
                ],
                ints: vec![("label", labels.clone())],
            },
        );
        let s = 2.0 * sigma * sigma;
        let mut total = 0.0;
        for i in 0..b {
            let logits: Vec<f64> = (0..c)
                .map(|k| dot(&f[i * dim..(i + 1) * dim], &w[k * dim..(k + 1) * dim]) / s)
                .collect();
            total += lse(&logits) - logits[labels[i] as usize];
        }
        assert!(close(scalar(e.output.loss), total / b as f64, 1e-9));
    }
}

/// §7.5 SupCon: L_ce = L^sup_out (base temperature = temperature); an anchor
/// with no positive adds 0 but counts in R.
#[test]
fn pairwise_label_equals_supcon() {
    let (b, dim, tau) = (11, 4, 0.1);
    let f = random(b, dim, 4);
    let labels: Vec<i64> = vec![0, 1, 2, 0, 1, 2, 0, 1, 1, 2, 9];
    let m = method_with(
        leaf(
            Kernel::Label {
                table: false,
                classes: 10,
                exclude_self: true,
            },
            &["label"],
        ),
        leaf(
            gaussian((tau / 2.0_f64).sqrt(), DistanceMetric::Cosine, true),
            &["embedding"],
        ),
        Layout::Pairwise,
        Divergence::Kl,
        10,
    );
    let e = eval(
        &m,
        &Inputs {
            floats: vec![("embedding", b, dim, f.clone())],
            ints: vec![("label", labels.clone())],
        },
    );
    let z: Vec<Vec<f64>> = f.chunks(dim).map(unit).collect();
    let mut total = 0.0;
    for i in 0..b {
        let denom: Vec<f64> = (0..b)
            .filter(|&a| a != i)
            .map(|a| dot(&z[i], &z[a]) / tau)
            .collect();
        let pos: Vec<usize> = (0..b)
            .filter(|&p| p != i && labels[p] == labels[i])
            .collect();
        if pos.is_empty() {
            continue;
        }
        let s: f64 = pos
            .iter()
            .map(|&p| dot(&z[i], &z[p]) / tau - lse(&denom))
            .sum();
        total += -s / pos.len() as f64;
    }
    assert!(close(scalar(e.output.loss), total / b as f64, 1e-9));
    let rows = e.output.loss_rows.into_data().to_vec::<f64>().unwrap();
    assert_eq!(rows[b - 1], 0.0);
}

/// §7.6 CLIP: the stacked cross-modal loss is (CE(Λ) + CE(Λᵀ))/2, Λ = ûv̂ᵀ/τ.
#[test]
fn cross_modal_equals_clip() {
    let (n, dim, tau) = (5, 3, 0.07);
    let a = random(n, dim, 5);
    let bm = random(n, dim, 6);
    let m = method_with(
        leaf(Kernel::CrossModal, &["index"]),
        leaf(
            gaussian((tau / 2.0_f64).sqrt(), DistanceMetric::Cosine, true),
            &["embedding", "embedding1"],
        ),
        Layout::CrossModal,
        Divergence::Kl,
        0,
    );
    let e = eval(
        &m,
        &Inputs {
            floats: vec![
                ("embedding", n, dim, a.clone()),
                ("embedding1", n, dim, bm.clone()),
            ],
            ints: vec![("index", (0..n as i64).collect())],
        },
    );
    let ua: Vec<Vec<f64>> = a.chunks(dim).map(unit).collect();
    let ub: Vec<Vec<f64>> = bm.chunks(dim).map(unit).collect();
    let lam = |i: usize, j: usize| dot(&ua[i], &ub[j]) / tau;
    let (mut ce_ab, mut ce_ba) = (0.0, 0.0);
    for i in 0..n {
        let row: Vec<f64> = (0..n).map(|j| lam(i, j)).collect();
        let col: Vec<f64> = (0..n).map(|j| lam(j, i)).collect();
        ce_ab += lse(&row) - lam(i, i);
        ce_ba += lse(&col) - lam(i, i);
    }
    let expected = (ce_ab / n as f64 + ce_ba / n as f64) / 2.0;
    assert!(close(scalar(e.output.loss), expected, 1e-9));
}

/// §7.7 Student-t: ν = 1, γ = 1 is the normalized Cauchy kernel; the power
/// form with df = 1 agrees up to its 1e-8 log shift.
#[test]
fn student_t_is_cauchy_and_power_form_agrees() {
    let (b, dim) = (8, 2);
    let f = random(b, dim, 7);
    let inputs = Inputs {
        floats: vec![("embedding", b, dim, f.clone())],
        ints: vec![("index", (0..b as i64).map(|i| i % 4).collect())],
    };
    let student = |form| Kernel::StudentT {
        dof: 1.0,
        gamma: 1.0,
        form,
        learnable: false,
        perplexity: None,
        calibrate: Default::default(),
        exclude_self: true,
        repulsion: Default::default(),
    };
    let run = |form| {
        let m = method_with(
            leaf(Kernel::Augmentation, &["index"]),
            leaf(student(form), &["embedding"]),
            Layout::Pairwise,
            Divergence::Kl,
            0,
        );
        vec2(eval(&m, &inputs).output.log_q)
    };
    let (t, power) = (run(StudentForm::T), run(StudentForm::Power));
    for i in 0..b {
        let row: Vec<f64> = (0..b)
            .map(|j| 1.0 / (1.0 + sqdist(&f[i * dim..(i + 1) * dim], &f[j * dim..(j + 1) * dim])))
            .collect();
        let z: f64 = (0..b).filter(|&j| j != i).map(|j| row[j]).sum();
        for j in (0..b).filter(|&j| j != i) {
            let expected = (row[j] / z).ln();
            assert!(close(t[i * b + j], expected, 1e-9));
            // Tolerance: the reference's log(d² + 1e-8) shifts log k by ≤ ~1e-4 only near d = 0.
            assert!((power[i * b + j] - expected).abs() < 1e-4);
        }
    }
}

/// §7.9 limits: s·(L_ce − mean log|C_i|) → L_∞ (error O(1/s)) and s·L_ce → L_0
/// (0 ≤ s·L_ce − L_0 ≤ s·log|C_i|); the closed forms equal VICReg's and PCA's.
#[test]
fn gaussian_limits_and_their_identities() {
    let (n, dim) = (5, 3);
    let b = 2 * n;
    let f = random(b, dim, 8);
    let inputs = Inputs {
        floats: vec![("embedding", b, dim, f.clone())],
        ints: vec![("index", (0..b as i64).map(|r| r % n as i64).collect())],
    };
    let aug = || leaf(Kernel::Augmentation, &["index"]);
    let loss_of = |q: Kernel| {
        let m = method_with(
            aug(),
            leaf(q, &["embedding"]),
            Layout::Pairwise,
            Divergence::Kl,
            0,
        );
        scalar(eval(&m, &inputs).output.loss)
    };
    let limit = |kind| Kernel::GaussianLimit {
        limit: kind,
        metric: DistanceMetric::Euclidean,
        exclude_self: true,
        negative: None,
        margin: 0.0,
    };
    let l_inf = loss_of(limit(LimitKind::Infinity));
    let l_zero = loss_of(limit(LimitKind::Zero));
    // Independent closed forms.
    let row = |i: usize| &f[i * dim..(i + 1) * dim];
    let d = |i: usize, j: usize| sqdist(row(i), row(j));
    let mut mean_pos = 0.0;
    let mut sum_all = 0.0;
    let mut l0 = 0.0;
    for i in 0..b {
        let pos = (i + n) % b;
        mean_pos += d(i, pos) / b as f64;
        let others: Vec<f64> = (0..b).filter(|&k| k != i).map(|k| d(i, k)).collect();
        sum_all += others.iter().sum::<f64>();
        l0 += (d(i, pos) - others.iter().copied().fold(f64::INFINITY, f64::min)) / b as f64;
    }
    // VICReg (Thm 4): mean ‖f_i − f_i⁺‖² − 2 tr Cov_unbiased, with (1/(B(B−1))) Σ_{i≠k} d = 2 tr Cov_unbiased.
    let mean: Vec<f64> = (0..dim)
        .map(|c| (0..b).map(|i| f[i * dim + c]).sum::<f64>() / b as f64)
        .collect();
    let tr_cov_unbiased: f64 = (0..dim)
        .map(|c| {
            (0..b)
                .map(|i| (f[i * dim + c] - mean[c]).powi(2))
                .sum::<f64>()
                / (b - 1) as f64
        })
        .sum();
    assert!(close(
        sum_all / (b * (b - 1)) as f64,
        2.0 * tr_cov_unbiased,
        1e-9
    ));
    assert!(close(l_inf, mean_pos - 2.0 * tr_cov_unbiased, 1e-9));
    assert!(close(l_zero, l0, 1e-9));
    // Convergence of the finite-σ loss (f64; s = 2σ²).
    let log_c = ((b - 1) as f64).ln();
    let mut prev = f64::INFINITY;
    for s in [1e2, 1e4, 1e6] {
        let l = loss_of(gaussian(
            (s / 2.0_f64).sqrt(),
            DistanceMetric::Euclidean,
            true,
        ));
        let err = (s * (l - log_c) - l_inf).abs();
        assert!(err < 50.0 / s, "s = {s}: error {err}");
        assert!(err < prev);
        prev = err;
    }
    for s in [1e-1, 1e-2, 1e-3] {
        let scaled = s * loss_of(gaussian(
            (s / 2.0_f64).sqrt(),
            DistanceMetric::Euclidean,
            true,
        ));
        assert!(
            scaled >= l_zero - 1e-12 && scaled <= l_zero + s * log_c + 1e-12,
            "s = {s}"
        );
    }
    // PCA (cell 15): Identity p, self included: L_∞ = −2 tr Cov_pop.
    let m = method_with(
        leaf(Kernel::Identity, &["embedding"]),
        leaf(
            Kernel::GaussianLimit {
                limit: LimitKind::Infinity,
                metric: DistanceMetric::Euclidean,
                exclude_self: false,
                negative: None,
                margin: 0.0,
            },
            &["embedding"],
        ),
        Layout::Pairwise,
        Divergence::Kl,
        0,
    );
    let pca = scalar(eval(&m, &inputs).output.loss);
    let tr_cov_pop = tr_cov_unbiased * (b - 1) as f64 / b as f64;
    assert!(close(pca, -2.0 * tr_cov_pop, 1e-9));
}

/// §7.2 divergence sanity at q = p: kl_value = 0, L_ce = mean H(p), rkl = js = 0;
/// and KL ≥ 0, JS ≤ log 2 per row for q ≠ p.
#[test]
fn divergences_vanish_at_q_equals_p() {
    let (b, dim) = (10, 3);
    let x = random(b, dim, 9);
    let y = random(b, dim, 10);
    let inputs = Inputs {
        floats: vec![("x", b, dim, x), ("embedding", b, dim, y)],
        ints: vec![],
    };
    let g = |key: &str| leaf(gaussian(0.8, DistanceMetric::Euclidean, true), &[key]);
    for div in [Divergence::Kl, Divergence::Rkl, Divergence::Js] {
        let same = eval(
            &method_with(g("x"), g("x"), Layout::Pairwise, div, 0),
            &inputs,
        );
        let loss = scalar(same.output.loss.clone());
        match div {
            Divergence::Kl => {
                assert!(scalar(same.output.kl_value.unwrap()).abs() < 1e-9);
                assert!(close(loss, same.mean_entropy.unwrap(), 1e-9));
            }
            _ => assert!(loss.abs() < 1e-9, "{div:?}: {loss}"),
        }
        let diff = eval(
            &method_with(g("x"), g("embedding"), Layout::Pairwise, div, 0),
            &inputs,
        );
        let rows = diff
            .output
            .loss_rows
            .clone()
            .into_data()
            .to_vec::<f64>()
            .unwrap();
        match div {
            Divergence::Kl => assert!(scalar(diff.output.kl_value.unwrap()) > 0.0),
            Divergence::Rkl => assert!(rows.iter().all(|&r| r >= -1e-12)),
            Divergence::Js => assert!(rows.iter().all(|&r| (-1e-12..=2f64.ln()).contains(&r))),
        }
    }
}

/// §7.12 the three divergences against brute-force sums over inspect's own p and log q.
#[test]
fn divergences_match_brute_force() {
    let (b, dim) = (9, 4);
    let inputs = Inputs {
        floats: vec![
            ("x", b, dim, random(b, dim, 11)),
            ("embedding", b, 2, random(b, 2, 12)),
        ],
        ints: vec![("index", (0..b as i64).map(|i| i % 3).collect())],
    };
    let eps: f64 = 1e-10;
    for (pk, div) in [
        (
            leaf(gaussian(0.7, DistanceMetric::Euclidean, true), &["x"]),
            Divergence::Rkl,
        ),
        (leaf(Kernel::Augmentation, &["index"]), Divergence::Js),
        (leaf(Kernel::Augmentation, &["index"]), Divergence::Kl),
    ] {
        let q = leaf(
            gaussian(0.5, DistanceMetric::Euclidean, true),
            &["embedding"],
        );
        let e = eval(&method_with(pk, q, Layout::Pairwise, div, 0), &inputs);
        let lq = vec2(e.output.log_q.clone());
        let p = &e.host.p.values;
        let mut expected = 0.0;
        for (&pij, &l) in p.iter().zip(&lq) {
            let (ph, qh) = (pij.max(eps), l.exp().max(eps));
            expected += match div {
                Divergence::Kl if pij > eps => -pij * l,
                Divergence::Kl => 0.0,
                Divergence::Rkl if qh > eps => qh * (qh.ln() - ph.ln()),
                Divergence::Rkl => 0.0,
                Divergence::Js => {
                    let m = (ph + qh) / 2.0;
                    0.5 * (ph * (ph / m).ln() + qh * (qh / m).ln())
                }
            };
        }
        assert!(
            close(scalar(e.output.loss), expected / b as f64, 1e-9),
            "{div:?}"
        );
    }
}

/// §7.12 / §1.1: p > ε on an excluded q entry is a diagnostic, not +inf.
#[test]
fn support_mismatch_is_a_diagnostic() {
    let (b, dim) = (4, 2);
    let m = method_with(
        leaf(Kernel::Identity, &["embedding"]),
        leaf(
            gaussian(1.0, DistanceMetric::Euclidean, true),
            &["embedding"],
        ),
        Layout::Pairwise,
        Divergence::Kl,
        0,
    );
    let inputs = Inputs {
        floats: vec![("embedding", b, dim, random(b, dim, 13))],
        ints: vec![],
    };
    let params = KernelParams::<B64>::init(&m, &Default::default());
    let err = icon_loss_detailed(&m, &batch(&inputs), &params).unwrap_err();
    assert_eq!(err.code, "E0502");
}

/// §7.11 Augmentation with V views gives V−1 entries of 1/(V−1) per row; §7.1 rows
/// sum to 1 and log q rows have logsumexp 0.
#[test]
fn augmentation_views_and_normalization() {
    let (n, v, dim) = (4, 3, 3);
    let b = n * v;
    let inputs = Inputs {
        floats: vec![("embedding", b, dim, random(b, dim, 14))],
        ints: vec![("index", (0..b as i64).map(|r| r % n as i64).collect())],
    };
    let m = method_with(
        leaf(Kernel::Augmentation, &["index"]),
        leaf(gaussian(0.5, DistanceMetric::Cosine, true), &["embedding"]),
        Layout::Pairwise,
        Divergence::Kl,
        0,
    );
    let e = eval(&m, &inputs);
    let lq = vec2(e.output.log_q);
    for i in 0..b {
        let row = e.host.p.row(i);
        let nz: Vec<f64> = row.iter().copied().filter(|&x| x > 0.0).collect();
        assert_eq!(nz.len(), v - 1);
        assert!(nz.iter().all(|&x| (x - 0.5).abs() < 1e-15));
        for t in 1..v {
            assert!(row[(i + t * n) % b] > 0.0);
        }
        let finite: Vec<f64> = lq[i * b..(i + 1) * b]
            .iter()
            .copied()
            .filter(|x| x.is_finite())
            .collect();
        assert_eq!(finite.len(), b - 1);
        assert!(lse(&finite).abs() < 1e-12);
    }
}

/// §7.10 supervised clustering: pairwise Label p and UniformCluster q with
/// exclude_self reach KL = 0 at a class-aligned one-hot φ.
#[test]
fn supervised_clustering_reaches_zero_kl() {
    let labels: Vec<i64> = vec![0, 1, 2, 0, 1, 2, 0, 1];
    let (b, c) = (labels.len(), 3);
    let phi: Vec<f64> = labels
        .iter()
        .flat_map(|&y| (0..c).map(move |k| if k as i64 == y { 1.0 } else { 0.0 }))
        .collect();
    let m = method_with(
        leaf(
            Kernel::Label {
                table: false,
                classes: c,
                exclude_self: true,
            },
            &["label"],
        ),
        leaf(
            Kernel::UniformCluster {
                exclude_self: true,
                degree_weighted: false,
            },
            &["embedding"],
        ),
        Layout::Pairwise,
        Divergence::Kl,
        c,
    );
    let e = eval(
        &m,
        &Inputs {
            floats: vec![("embedding", b, c, phi)],
            ints: vec![("label", labels)],
        },
    );
    assert!(scalar(e.output.kl_value.unwrap()).abs() < 1e-9);
}
