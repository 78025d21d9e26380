//! Kernel algebra (§2.7): p-side transforms on host matrices (f64) and the
//! q-side `debias_q` on device log-probabilities.
//!
//! Every transform is row-separable except `propagate` and `symmetrize`,
//! which by definition mix rows of a square p (they never touch q).

use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::runtime::kernels::host::HostMatrix;
use crate::runtime::kernels::learned::NEG;
use burn::prelude::*;

/// `a + b` (`sign = 1`) or `a − b` (`sign = −1`), elementwise; C_i is the union.
pub fn add(a: HostMatrix, b: &HostMatrix, sign: f64) -> Result<HostMatrix, Diagnostic> {
    if a.rows != b.rows || a.cols != b.cols {
        return Err(Diagnostic::bare(
            Code::KernelShapeMismatch,
            format!(
                "cannot combine a {}×{} kernel with a {}×{} kernel",
                a.rows, a.cols, b.rows, b.cols
            ),
        )
        .with_help("both sides of `+`/`-` must read keys with the same rows and columns"));
    }
    let mut out = a;
    for (v, w) in out.values.iter_mut().zip(&b.values) {
        *v += sign * w;
    }
    for (c, d) in out.cand.iter_mut().zip(&b.cand) {
        *c = *c || *d;
    }
    Ok(out)
}

/// `a·K`.
pub fn scale(mut k: HostMatrix, a: f64) -> HostMatrix {
    k.values.iter_mut().for_each(|v| *v *= a);
    k
}

/// Row sums scaled to 1; an all-zero row stays zero.
pub fn normalize(mut k: HostMatrix) -> HostMatrix {
    k.normalize_rows();
    k
}

/// `1[K > t]` on C_i.
pub fn binarize(mut k: HostMatrix, t: f64) -> HostMatrix {
    for (v, &c) in k.values.iter_mut().zip(&k.cand) {
        *v = if c && *v > t { 1.0 } else { 0.0 };
    }
    k
}

/// `(1−α)p + α/|C_i|` on C_i (§2.7 debiasing); empty rows stay empty.
pub fn leak(mut k: HostMatrix, alpha: f64) -> Result<HostMatrix, Diagnostic> {
    check_alpha(alpha, "leak")?;
    let counts = k.cand_counts();
    let sums = k.row_sums();
    let m = k.cols;
    for i in 0..k.rows {
        if sums[i] == 0.0 || counts[i] == 0 {
            continue;
        }
        let share = alpha / counts[i] as f64;
        for j in 0..m {
            let ij = i * m + j;
            if k.cand[ij] {
                k.values[ij] = (1.0 - alpha) * k.values[ij] + share;
            }
        }
    }
    Ok(k)
}

/// `P + P² + … + P^s` restricted to C_i, row-normalized, or (with
/// `reachable`) uniform over the reachable candidates (§2.7).
///
/// Uses sparse-times-dense products: O(nnz(P)·B) per step, fine for kNN p.
pub fn propagate(k: HostMatrix, steps: usize, reachable: bool) -> Result<HostMatrix, Diagnostic> {
    if steps == 0 {
        return Err(Diagnostic::bare(
            Code::BadKernelParameter,
            "`propagate` needs steps ≥ 1".to_string(),
        )
        .with_help("use `propagate(1)` for p itself, or more steps to add longer walks"));
    }
    let n = square(&k, "propagate")?;
    let sparse: Vec<Vec<(usize, f64)>> = (0..n)
        .map(|i| {
            k.row(i)
                .iter()
                .enumerate()
                .filter(|(_, v)| **v != 0.0)
                .map(|(j, v)| (j, *v))
                .collect()
        })
        .collect();
    let mut power = k.values.clone(); // P^t
    let mut total = k.values.clone(); // P + … + P^t
    for _ in 1..steps {
        let mut next = vec![0.0; n * n];
        for (i, row) in sparse.iter().enumerate() {
            for &(l, w) in row {
                for j in 0..n {
                    next[i * n + j] += w * power[l * n + j];
                }
            }
        }
        for (t, v) in total.iter_mut().zip(&next) {
            *t += v;
        }
        power = next;
    }
    let mut out = HostMatrix::zeros(n, n, k.cand.clone());
    for (ij, &t) in total.iter().enumerate() {
        if out.cand[ij] && t > 0.0 {
            out.values[ij] = if reachable { 1.0 } else { t };
        }
    }
    out.normalize_rows();
    Ok(out)
}

/// `(P + Pᵀ)/2`, row-normalized; C_i becomes symmetric too.
pub fn symmetrize(k: HostMatrix) -> Result<HostMatrix, Diagnostic> {
    let n = square(&k, "symmetrize")?;
    let mut out = k.clone();
    for i in 0..n {
        for j in 0..n {
            out.values[i * n + j] = (k.values[i * n + j] + k.values[j * n + i]) / 2.0;
            out.cand[i * n + j] = k.cand[i * n + j] || k.cand[j * n + i];
        }
    }
    out.normalize_rows();
    Ok(out)
}

/// `ℓq̃ = logaddexp(log(1−α) + ℓq, log(α/|C_i|))` on C_i (§2.7).
///
/// # Shapes
/// - `log_q`: [R, M] with [`NEG`] outside C_i → [R, M].
pub fn debias_q<B: Backend>(
    log_q: Tensor<B, 2>,
    cand: &[bool],
    alpha: f64,
) -> Result<Tensor<B, 2>, Diagnostic> {
    check_alpha(alpha, "debias")?;
    if alpha == 0.0 {
        return Ok(log_q);
    }
    let [r, m] = log_q.dims();
    let device = log_q.device();
    let floor: Vec<f64> = (0..r)
        .map(|i| {
            let n = cand[i * m..(i + 1) * m]
                .iter()
                .filter(|&&c| c)
                .count()
                .max(1);
            (alpha / n as f64).ln()
        })
        .collect();
    let b = Tensor::<B, 2>::from_data(
        crate::runtime::kernels::host::float_data::<B, 2>(floor, [r, 1]),
        &device,
    );
    let excl = crate::runtime::kernels::learned::excluded_mask::<B>(cand, r, m, &device);
    let a = if alpha < 1.0 {
        log_q.add_scalar((1.0 - alpha).ln())
    } else {
        log_q.mul_scalar(0.0).add_scalar(NEG)
    };
    let b = b.expand([r, m]);
    let hi = a.clone().max_pair(b.clone());
    let lo = a.min_pair(b);
    let out = hi.clone() + (lo - hi).exp().log1p();
    Ok(out.mask_fill(excl, NEG))
}

/// log q [R, M], C_i (row-major) and the row log-normalizers [R].
pub type LogQ<B> = (Tensor<B, 2>, Vec<bool>, Option<Tensor<B, 1>>);

/// `-> cross_view`: C_i cut to the columns of other views and q
/// renormalized over them, `log q'_ij = log q_ij − log Σ_{k ∈ C'_i} q_ik`
/// (for a Gaussian or Student-t q that is the softmax of its logits over
/// C'_i). Row `k` of `log_q` is batch row `row0 + k`; the M columns are
/// `views` blocks of M/views rows (§2.4). Returns log q', C'_i and
/// `log Z'_i = log Z_i + log Σ_{C'_i} q` when `log_z` is given.
///
/// # Shapes
/// - `log_q`: [R, M], `cand`: R×M, `log_z`: [R] → the same.
pub fn cross_view<B: Backend>(
    log_q: Tensor<B, 2>,
    cand: &[bool],
    log_z: Option<Tensor<B, 1>>,
    views: usize,
    row0: usize,
) -> Result<LogQ<B>, Diagnostic> {
    let [r, m] = log_q.dims();
    if views < 2 || m % views != 0 || cand.len() != r * m {
        return Err(crate::runtime::kernels::host::internal(format!(
            "`cross_view` over {m} columns in {views} views"
        )));
    }
    let n = m / views;
    let cand: Vec<bool> = cand
        .iter()
        .enumerate()
        .map(|(ij, &c)| c && (row0 + ij / m) / n != (ij % m) / n)
        .collect();
    let excl = crate::runtime::kernels::learned::excluded_mask::<B>(&cand, r, m, &log_q.device());
    let (log_q, lse) = crate::runtime::kernels::learned::masked_log_softmax_lse(log_q, excl);
    Ok((log_q, cand, log_z.map(|z| z + lse)))
}

fn check_alpha(alpha: f64, what: &str) -> Result<(), Diagnostic> {
    if (0.0..=1.0).contains(&alpha) {
        Ok(())
    } else {
        Err(Diagnostic::bare(
            Code::BadKernelParameter,
            format!("`{what}({alpha})` needs 0 ≤ α ≤ 1"),
        )
        .with_help("the paper uses α ≈ 0.2–0.8"))
    }
}

fn square(k: &HostMatrix, what: &str) -> Result<usize, Diagnostic> {
    if k.rows == k.cols {
        Ok(k.rows)
    } else {
        Err(Diagnostic::bare(
            Code::KernelShapeMismatch,
            format!("`{what}` needs a square p, got {}×{}", k.rows, k.cols),
        )
        .with_help("apply it to a pairwise kernel (rows and columns from the same key)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::kernels::host::{candidate_mask, MaskShape};

    fn knn_like() -> HostMatrix {
        // 4 points, each row uniform over two neighbours, self excluded.
        let mut k = HostMatrix::zeros(4, 4, candidate_mask(4, 4, MaskShape::NoDiagonal));
        for (i, js) in [(0, [1, 2]), (1, [0, 2]), (2, [3, 1]), (3, [2, 0])] {
            for j in js {
                k.values[i * 4 + j] = 0.5;
            }
        }
        k
    }

    #[test]
    fn leak_keeps_rows_stochastic_with_floor() {
        let k = leak(knn_like(), 0.3).unwrap();
        for i in 0..4 {
            let row = k.row(i);
            assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            assert_eq!(row[i], 0.0);
            let min = (0..4)
                .filter(|&j| j != i)
                .map(|j| row[j])
                .fold(1.0, f64::min);
            assert!((min - 0.3 / 3.0).abs() < 1e-12);
        }
    }

    #[test]
    fn leak_leaves_empty_rows_empty() {
        let mut k = knn_like();
        k.values[4..8].iter_mut().for_each(|v| *v = 0.0);
        let k = leak(k, 0.5).unwrap();
        assert!(k.row(1).iter().all(|&v| v == 0.0));
    }

    #[test]
    fn propagate_one_is_identity_on_stochastic_p() {
        let k = knn_like();
        assert_eq!(propagate(k.clone(), 1, false).unwrap().values, k.values);
    }

    #[test]
    fn propagate_two_matches_hand_computation() {
        let k = knn_like();
        let out = propagate(k.clone(), 2, false).unwrap();
        // Row 0: P = [0, .5, .5, 0]; P² row 0 = .5·P[1] + .5·P[2] = [.25, .25, .25, .25].
        // Sum = [.25, .75, .75, .25]; drop the diagonal and normalize by 1.75.
        let expect = [0.0, 0.75 / 1.75, 0.75 / 1.75, 0.25 / 1.75];
        for (a, b) in out.row(0).iter().zip(expect) {
            assert!((a - b).abs() < 1e-12);
        }
        let reach = propagate(k, 2, true).unwrap();
        assert!(reach.row(0)[1..]
            .iter()
            .all(|&v| (v - 1.0 / 3.0).abs() < 1e-12));
    }

    #[test]
    fn normalize_binarize_of_uniform_knn_is_itself() {
        let k = knn_like();
        assert_eq!(normalize(binarize(k.clone(), 0.0)).values, k.values);
    }

    #[test]
    fn symmetrize_is_symmetric_and_stochastic() {
        let s = symmetrize(knn_like()).unwrap();
        for i in 0..4 {
            assert!((s.row(i).iter().sum::<f64>() - 1.0).abs() < 1e-12);
        }
    }
}
