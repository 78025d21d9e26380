//! Smooth p kernels on the host (f64): Gaussian (§2.2) and Student-t (§2.3),
//! with a fixed scale or a per-row perplexity calibration (§6).

use super::distance::host_distances;
use super::host::{float_pairing, HostKeys, HostMatrix};
use super::perplexity::{calibrate_row, effective_perplexity, TOLERANCE};
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::ir::{DistanceMetric, Layout, StudentCalibration, StudentForm};
use rayon::prelude::*;

/// What a smooth host kernel produced besides p.
#[derive(Debug, Clone, Default)]
pub struct Calibration {
    /// β_i = 1/(2σ_i²) of each row, when perplexity-calibrated.
    pub beta: Option<Vec<f64>>,
    /// Rows whose calibration hit the step cap.
    pub unconverged: usize,
    /// Rows whose target perplexity was clamped because |C_i| ≤ P (§6).
    pub clamped: usize,
}

/// Gaussian p: `softmax_{C_i}(−d/(2σ²))`, or per-row β_i from `perplexity`.
pub fn gaussian(
    hb: &HostKeys,
    inputs: &[String],
    layout: Layout,
    sigma: Option<f64>,
    perplexity: Option<f64>,
    metric: DistanceMetric,
    exclude_self: bool,
) -> Result<(HostMatrix, Calibration), Diagnostic> {
    let pair = float_pairing(hb, inputs, layout, exclude_self, "Gaussian")?;
    let d = host_distances(&pair.rows, &pair.cols, metric);
    let mut out = HostMatrix::zeros(pair.rows.rows, pair.cols.rows, pair.cand);
    match (perplexity, sigma) {
        (Some(perp), _) => {
            let cal = calibrate_into(&mut out, &d, perp)?;
            Ok((out, cal))
        }
        (None, Some(s)) if s > 0.0 => {
            let scale = 2.0 * s * s;
            let logits: Vec<f64> = d.iter().map(|v| -v / scale).collect();
            softmax_into(&mut out, &logits);
            Ok((out, Calibration::default()))
        }
        _ => Err(bad_param("Gaussian needs `sigma > 0` or a `perplexity`")),
    }
}

/// Student-t p, `(1 + d/(νγ))^(−(ν+1)/2)` (T form) or `1/(1 + (d/γ)^ν)` (power
/// form), normalized over C_i.
///
/// With `perplexity`, `calibrate` picks γ_i (§5 cells 3 and 9):
/// `Gaussian` takes it from the Gaussian calibration of the same row,
/// γ_i = 2σ_i² = 1/β_i (the spec's decision and the default, because a ν = 1
/// Student-t often cannot reach P on high-dimensional x); `Direct` bisects γ_i
/// so the Student-t row itself has perplexity P. Either way the reported
/// β_i is 1/γ_i.
#[allow(clippy::too_many_arguments)]
pub fn student(
    hb: &HostKeys,
    inputs: &[String],
    layout: Layout,
    dof: f64,
    gamma: f64,
    form: StudentForm,
    perplexity: Option<f64>,
    calibrate: StudentCalibration,
    exclude_self: bool,
) -> Result<(HostMatrix, Calibration), Diagnostic> {
    if dof <= 0.0 || (perplexity.is_none() && gamma <= 0.0) {
        return Err(bad_param("StudentT needs `dof > 0` and `gamma > 0`"));
    }
    let pair = float_pairing(hb, inputs, layout, exclude_self, "StudentT")?;
    let d = host_distances(&pair.rows, &pair.cols, DistanceMetric::Euclidean);
    let (r, m) = (pair.rows.rows, pair.cols.rows);
    let mut out = HostMatrix::zeros(r, m, pair.cand);
    let mut cal = Calibration::default();
    let gammas: Vec<f64> = match (perplexity, calibrate) {
        (Some(perp), StudentCalibration::Gaussian) => {
            let mut scratch = out.clone();
            cal = calibrate_into(&mut scratch, &d, perp)?;
            cal.beta.iter().flatten().map(|b| 1.0 / b).collect()
        }
        (Some(perp), StudentCalibration::Direct) => {
            cal = calibrate_student(&out, &d, perp, dof, form)?;
            cal.beta.iter().flatten().map(|b| 1.0 / b).collect()
        }
        (None, _) => vec![gamma; r],
    };
    let logits: Vec<f64> = d
        .iter()
        .enumerate()
        .map(|(ij, &dij)| log_student(dij, dof, gammas[ij / m.max(1)], form))
        .collect();
    softmax_into(&mut out, &logits);
    Ok((out, cal))
}

/// log k of the Student-t kernel at squared distance `d`.
pub fn log_student(d: f64, dof: f64, gamma: f64, form: StudentForm) -> f64 {
    match form {
        StudentForm::T => -((dof + 1.0) / 2.0) * (d / (dof * gamma)).ln_1p(),
        // The reference's log form: −softplus((ν/2)(log(d² + 1e-8) − 2 log γ)).
        StudentForm::Power => -softplus((dof / 2.0) * ((d * d + 1e-8).ln() - 2.0 * gamma.ln())),
    }
}

/// `log(1 + e^z)`, stable.
pub fn softplus(z: f64) -> f64 {
    z.max(0.0) + (-z.abs()).exp().ln_1p()
}

/// Writes `softmax_{C_i}(logits)` into the candidate entries of `out`.
pub fn softmax_into(out: &mut HostMatrix, logits: &[f64]) {
    let m = out.cols;
    if m == 0 {
        return;
    }
    // Rows in parallel; within a row the order of the sum is fixed, so the
    // result does not depend on the thread count.
    let HostMatrix { values, cand, .. } = out;
    values
        .par_chunks_mut(m)
        .zip(cand.par_chunks(m))
        .zip(logits.par_chunks(m))
        .for_each(|((row, cand), logits)| {
            let mx = logits
                .iter()
                .zip(cand)
                .filter(|(_, &c)| c)
                .fold(f64::NEG_INFINITY, |a, (&l, _)| a.max(l));
            if !mx.is_finite() {
                return;
            }
            let mut sum = 0.0;
            for ((v, &c), &l) in row.iter_mut().zip(cand).zip(logits) {
                if c {
                    *v = (l - mx).exp();
                    sum += *v;
                }
            }
            for (v, &c) in row.iter_mut().zip(cand) {
                if c {
                    *v /= sum;
                }
            }
        });
}

/// Per-row perplexity calibration of `exp(−β d)` over C_i into `out`.
fn calibrate_into(
    out: &mut HostMatrix,
    d: &[f64],
    perplexity: f64,
) -> Result<Calibration, Diagnostic> {
    check_perplexity(perplexity)?;
    let m = out.cols;
    // Rows are independent: calibrate and write them in parallel (each row's
    // result is the same as sequentially, so runs stay bit-identical).
    // Per row: (β_i, converged, perplexity clamped); empty rows keep β = 1.
    let stats: Vec<RowCalibration> = out
        .values
        .par_chunks_mut(m.max(1))
        .zip(out.cand.par_chunks(m.max(1)))
        .enumerate()
        .map(|(i, (values, cand))| {
            let idx: Vec<usize> = (0..m).filter(|&j| cand[j]).collect();
            if idx.is_empty() {
                return (1.0, true, false);
            }
            let row_d: Vec<f64> = idx.iter().map(|&j| d[i * m + j]).collect();
            let target = effective_perplexity(perplexity, idx.len());
            let c = calibrate_row(&row_d, target);
            for (&j, p) in idx.iter().zip(c.probs) {
                values[j] = p;
            }
            (c.beta, c.converged, target != perplexity)
        })
        .collect();
    Ok(Calibration::of_rows(out.rows, &stats))
}

/// One calibrated row: (β_i, converged, perplexity clamped).
type RowCalibration = (f64, bool, bool);

impl Calibration {
    /// The calibration of `rows` rows from their per-row results (a row
    /// without one, when there are no columns, keeps β = 1).
    fn of_rows(rows: usize, stats: &[RowCalibration]) -> Self {
        Calibration {
            beta: Some(
                (0..rows)
                    .map(|i| stats.get(i).map_or(1.0, |s| s.0))
                    .collect(),
            ),
            unconverged: stats.iter().filter(|s| !s.1).count(),
            clamped: stats.iter().filter(|s| s.2).count(),
        }
    }
}

/// E0513 unless the perplexity can be calibrated to (P > 1).
fn check_perplexity(perplexity: f64) -> Result<(), Diagnostic> {
    if perplexity.is_nan() || perplexity <= 1.0 {
        return Err(bad_param("`perplexity` must be greater than 1"));
    }
    Ok(())
}

/// `calibrate = direct`: per row, γ_i such that the Student-t distribution
/// over the row's candidates has the target perplexity, by bisection on
/// log γ. The entropy grows with γ, from the γ → 0 power law `d^(−(ν+1)/2)`
/// (T form) up to the uniform row; a target below the power law's entropy
/// is unreachable, and the row keeps the smallest γ searched (unconverged).
/// Reports β_i = 1/γ_i.
fn calibrate_student(
    out: &HostMatrix,
    d: &[f64],
    perplexity: f64,
    dof: f64,
    form: StudentForm,
) -> Result<Calibration, Diagnostic> {
    check_perplexity(perplexity)?;
    let m = out.cols.max(1);
    let stats: Vec<RowCalibration> = out
        .cand
        .par_chunks(m)
        .enumerate()
        .map(|(i, cand)| {
            let row_d: Vec<f64> = (0..out.cols)
                .filter(|&j| cand[j])
                .map(|j| d[i * out.cols + j])
                .collect();
            if row_d.is_empty() {
                return (1.0, true, false);
            }
            let target = effective_perplexity(perplexity, row_d.len());
            let (gamma, converged) = student_gamma(&row_d, dof, form, target);
            (1.0 / gamma, converged, target != perplexity)
        })
        .collect();
    Ok(Calibration::of_rows(out.rows, &stats))
}

/// γ with `H(softmax(log k(d; ν, γ))) = ln P` and whether it was reached.
fn student_gamma(d: &[f64], dof: f64, form: StudentForm, perplexity: f64) -> (f64, bool) {
    let target = perplexity.ln();
    let entropy = |log_gamma: f64| {
        let logits: Vec<f64> = d
            .iter()
            .map(|&dj| log_student(dj, dof, log_gamma.exp(), form))
            .collect();
        let mx = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let w: Vec<f64> = logits.iter().map(|l| (l - mx).exp()).collect();
        let z: f64 = w.iter().sum();
        -w.iter()
            .map(|&wj| wj / z)
            .filter(|&p| p > 0.0)
            .map(|p| p * p.ln())
            .sum::<f64>()
    };
    // The search brackets γ around the row's mean squared distance.
    let scale = (d.iter().sum::<f64>() / d.len() as f64).max(f64::MIN_POSITIVE);
    let (mut lo, mut hi) = (scale.ln() - 30.0, scale.ln() + 30.0);
    let floor = entropy(lo);
    if floor >= target {
        return (lo.exp(), (floor - target).abs() < TOLERANCE);
    }
    for _ in 0..MAX_BISECTIONS {
        let mid = 0.5 * (lo + hi);
        let h = entropy(mid);
        if (h - target).abs() < TOLERANCE {
            return (mid.exp(), true);
        }
        if h > target {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    ((0.5 * (lo + hi)).exp(), false)
}

/// Bisection steps of [`student_gamma`]: after about 60 halvings the 60-nat
/// bracket is below f64's resolution, so the cap only stops a row whose
/// entropy cannot meet the tolerance.
const MAX_BISECTIONS: usize = 200;

/// E0513: a kernel parameter that cannot be evaluated.
pub fn bad_param(message: &str) -> Diagnostic {
    Diagnostic::bare(Code::BadKernelParameter, message.to_string())
        .with_help("fix the kernel's parameters in the method file")
}
