//! Linear-probe accuracy: multinomial logistic regression on standardized
//! features, full-batch Nesterov-accelerated gradient descent with a fixed
//! number of iterations (deterministic: row blocks are summed in order).

use super::rows::count;
use rayon::prelude::*;

/// Gradient iterations of the probe.
pub const PROBE_ITERATIONS: usize = 300;

/// Rows per parallel block (fixed, so the summation order never changes).
const BLOCK: usize = 256;

/// A fitted multinomial logistic regression.
#[derive(Debug, Clone)]
pub struct LinearProbe {
    dim: usize,
    classes: usize,
    mean: Vec<f64>,
    scale: Vec<f64>,
    /// classes×(dim + 1), class-major; the last column is the bias.
    weights: Vec<f64>,
}

/// Fits a probe on `train` and returns its accuracy on `test` in [0, 1].
/// Rows whose label is outside `0..classes` are ignored (both splits);
/// `classes = 0` takes max label + 1. NaN when nothing is left to score.
///
/// # Shapes
/// `train`: n×dim, `test`: m×dim, labels n and m.
pub fn linear_probe_accuracy(
    train: &[f32],
    train_labels: &[i64],
    test: &[f32],
    test_labels: &[i64],
    dim: usize,
    classes: usize,
) -> f64 {
    let classes = if classes == 0 {
        train_labels
            .iter()
            .copied()
            .max()
            .map_or(0, |m| (m.max(-1) + 1) as usize)
    } else {
        classes
    };
    let Some(probe) = LinearProbe::fit(train, train_labels, dim, classes, PROBE_ITERATIONS) else {
        return f64::NAN;
    };
    let preds = probe.predict(test);
    let scored: Vec<(i64, i64)> = preds
        .into_iter()
        .zip(test_labels.iter().copied())
        .filter(|&(_, y)| y >= 0 && (y as usize) < classes)
        .collect();
    if scored.is_empty() {
        return f64::NAN;
    }
    scored.iter().filter(|(p, y)| p == y).count() as f64 / scored.len() as f64
}

impl LinearProbe {
    /// Fits on the rows with a label in `0..classes`; None when there are none
    /// or the shapes are inconsistent.
    ///
    /// Loss: mean softmax cross-entropy + (λ/2)‖W‖² (bias not penalised) with
    /// λ = 1/n, scikit-learn's `C = 1`. Step 1/L with L = λ_max(X̃ᵀX̃/n)/2 + λ
    /// (the softmax Hessian is bounded by half the feature Gram matrix).
    pub fn fit(
        x: &[f32],
        labels: &[i64],
        dim: usize,
        classes: usize,
        iterations: usize,
    ) -> Option<Self> {
        let n_all = count(x, dim)?;
        if n_all != labels.len() || classes == 0 {
            return None;
        }
        let keep: Vec<usize> = (0..n_all)
            .filter(|&i| labels[i] >= 0 && (labels[i] as usize) < classes)
            .collect();
        let n = keep.len();
        if n == 0 {
            return None;
        }
        let (mean, scale) = standardizer(x, dim, &keep);
        let d1 = dim + 1;
        // Standardized design matrix with a trailing 1 (bias), n×(dim+1).
        let mut xs = Vec::with_capacity(n * d1);
        for &i in &keep {
            let row = &x[i * dim..(i + 1) * dim];
            xs.extend(
                row.iter()
                    .enumerate()
                    .map(|(f, &v)| (f64::from(v) - mean[f]) / scale[f]),
            );
            xs.push(1.0);
        }
        let y: Vec<usize> = keep.iter().map(|&i| labels[i] as usize).collect();
        let lambda = 1.0 / n as f64;
        let step = 1.0 / (0.5 * top_eigenvalue(&xs, d1, n) + lambda);
        let size = d1 * classes;
        let (mut w, mut w_prev) = (vec![0.0; size], vec![0.0; size]);
        for t in 0..iterations {
            let momentum = t as f64 / (t as f64 + 3.0);
            let v: Vec<f64> = w
                .iter()
                .zip(&w_prev)
                .map(|(a, b)| a + momentum * (a - b))
                .collect();
            let g = gradient(&xs, &y, &v, d1, classes, lambda);
            w_prev = std::mem::replace(
                &mut w,
                v.iter().zip(&g).map(|(a, b)| a - step * b).collect(),
            );
        }
        Some(LinearProbe {
            dim,
            classes,
            mean,
            scale,
            weights: w,
        })
    }

    /// Predicted class (argmax of the logits, ties to the lower class) per row.
    ///
    /// # Shapes
    /// `x`: m×dim → m.
    pub fn predict(&self, x: &[f32]) -> Vec<i64> {
        if self.dim == 0 {
            return Vec::new();
        }
        x.chunks_exact(self.dim)
            .map(|row| {
                let z: Vec<f64> = row
                    .iter()
                    .enumerate()
                    .map(|(f, &v)| (f64::from(v) - self.mean[f]) / self.scale[f])
                    .chain(std::iter::once(1.0))
                    .collect();
                let logits = logits(&z, &self.weights, self.classes);
                let mut best = 0;
                for c in 1..self.classes {
                    if logits[c] > logits[best] {
                        best = c;
                    }
                }
                best as i64
            })
            .collect()
    }
}

/// Per-feature mean and population std over the kept rows (std 0 → 1).
fn standardizer(x: &[f32], dim: usize, keep: &[usize]) -> (Vec<f64>, Vec<f64>) {
    let n = keep.len() as f64;
    let mut mean = vec![0.0; dim];
    for &i in keep {
        for (m, &v) in mean.iter_mut().zip(&x[i * dim..(i + 1) * dim]) {
            *m += f64::from(v) / n;
        }
    }
    let mut var = vec![0.0; dim];
    for &i in keep {
        for f in 0..dim {
            let d = f64::from(x[i * dim + f]) - mean[f];
            var[f] += d * d / n;
        }
    }
    let scale = var
        .into_iter()
        .map(|v| if v > 1e-24 { v.sqrt() } else { 1.0 })
        .collect();
    (mean, scale)
}

/// `W z` for one row z (length d1) and W (classes×d1, class-major).
fn logits(z: &[f64], w: &[f64], classes: usize) -> Vec<f64> {
    w.chunks_exact(z.len())
        .take(classes)
        .map(|wc| dot(wc, z))
        .collect()
}

/// Dot product with 4 accumulators (the f64 twin of `rows::dot`).
fn dot(a: &[f64], b: &[f64]) -> f64 {
    super::rows::lane_sum::<f64, 4>(a, b, |x, y| x * y)
}

/// ∇ of mean CE + (λ/2)‖W_features‖² at W.
fn gradient(
    xs: &[f64],
    y: &[usize],
    w: &[f64],
    d1: usize,
    classes: usize,
    lambda: f64,
) -> Vec<f64> {
    let n = y.len();
    let blocks: Vec<Vec<f64>> = xs
        .par_chunks(BLOCK * d1)
        .zip(y.par_chunks(BLOCK))
        .map(|(xb, yb)| {
            let mut g = vec![0.0; d1 * classes];
            for (z, &label) in xb.chunks_exact(d1).zip(yb) {
                let mut p = logits(z, w, classes);
                let max = p.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let sum: f64 = p
                    .iter_mut()
                    .map(|v| {
                        *v = (*v - max).exp();
                        *v
                    })
                    .sum();
                p.iter_mut().for_each(|v| *v /= sum);
                p[label] -= 1.0;
                for (gc, &pc) in g.chunks_exact_mut(d1).zip(&p) {
                    gc.iter_mut().zip(z).for_each(|(gv, &zf)| *gv += pc * zf);
                }
            }
            g
        })
        .collect();
    let mut g = vec![0.0; d1 * classes];
    for b in blocks {
        g.iter_mut().zip(b).for_each(|(a, v)| *a += v);
    }
    for (i, gv) in g.iter_mut().enumerate() {
        *gv /= n as f64;
        if i % d1 != d1 - 1 {
            *gv += lambda * w[i]; // the bias column is not penalised
        }
    }
    g
}

/// Largest eigenvalue of X̃ᵀX̃/n by 50 power iterations from the all-ones vector.
fn top_eigenvalue(xs: &[f64], d1: usize, n: usize) -> f64 {
    let mut v = vec![1.0 / (d1 as f64).sqrt(); d1];
    let mut lambda = 1.0;
    for _ in 0..50 {
        let mut u = vec![0.0; d1];
        for row in xs.chunks_exact(d1) {
            let s: f64 = row.iter().zip(&v).map(|(a, b)| a * b).sum();
            u.iter_mut()
                .zip(row)
                .for_each(|(ui, &r)| *ui += s * r / n as f64);
        }
        let norm = u.iter().map(|a| a * a).sum::<f64>().sqrt();
        if norm == 0.0 {
            return 1.0;
        }
        lambda = norm;
        v = u.into_iter().map(|a| a / norm).collect();
    }
    lambda.max(1e-12)
}
