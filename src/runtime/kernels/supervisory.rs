//! Discrete supervisory kernels (§2.4) on the host: Label, Augmentation /
//! CrossModal pairs, UniformKNN and Identity.

use super::distance::host_distances;
use super::host::{candidate_mask, float_pairing, int_pairing, HostKeys, HostMatrix, MaskShape};
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::ir::{DistanceMetric, Layout};

/// Uniform over candidates with the same id: `p(j|i) = 1[id_j = id_i, j ∈ C_i] / count`.
///
/// Serves pairwise `Label` (ids = labels), `Augmentation` (ids = source
/// index; self always excluded) and `CrossModal` (ids = pair ids across the
/// two modalities). A row with no match is all zero.
pub fn same_id(
    hb: &HostKeys,
    inputs: &[String],
    layout: Layout,
    exclude_self: bool,
    kernel: &str,
) -> Result<HostMatrix, Diagnostic> {
    let pair = int_pairing(hb, inputs, layout, exclude_self, kernel)?;
    let (r, m) = (pair.rows.len(), pair.cols.len());
    let mut out = HostMatrix::zeros(r, m, pair.cand);
    for i in 0..r {
        for j in 0..m {
            if out.cand[i * m + j] && pair.rows[i] == pair.cols[j] {
                out.values[i * m + j] = 1.0;
            }
        }
    }
    out.normalize_rows();
    Ok(out)
}

/// Class-table Label: `p(c|i) = 1[y_i = c]`, R = B, M = C; every class is a candidate.
pub fn label_table(
    hb: &HostKeys,
    inputs: &[String],
    classes: usize,
) -> Result<HostMatrix, Diagnostic> {
    let key = inputs.first().map(String::as_str).unwrap_or("label");
    let labels = hb.int(key)?;
    let r = labels.len();
    let mut out = HostMatrix::zeros(r, classes, candidate_mask(r, classes, MaskShape::All));
    for (i, &y) in labels.iter().enumerate() {
        let c = usize::try_from(y)
            .ok()
            .filter(|&c| c < classes)
            .ok_or_else(|| {
                Diagnostic::bare(
                    Code::LabelOutOfRange,
                    format!("label {y} in row {i} of `{key}` is outside 0..{classes}"),
                )
                .with_help(format!(
                    "labels of a {classes}-class table must lie in 0..{classes}"
                ))
            })?;
        out.values[i * classes + c] = 1.0;
    }
    Ok(out)
}

/// `p_ij = 1[i = j]`, self included. B from the input key, else the batch.
pub fn identity(hb: &HostKeys, inputs: &[String]) -> Result<HostMatrix, Diagnostic> {
    let n = match inputs.first() {
        Some(k) => hb
            .rows_of(k)
            .ok_or_else(|| super::host::missing_key(k, "batch"))?,
        None => hb
            .batch_rows()
            .ok_or_else(|| super::host::missing_key("x", "batch"))?,
    };
    let mut out = HostMatrix::zeros(n, n, candidate_mask(n, n, MaskShape::All));
    for i in 0..n {
        out.values[i * n + i] = 1.0;
    }
    Ok(out)
}

/// Uniform over the k nearest candidates (§2.4). Ties go to the lower column
/// index; `k > |C_i|` is an error (E0506).
pub fn uniform_knn(
    hb: &HostKeys,
    inputs: &[String],
    layout: Layout,
    k: usize,
    metric: DistanceMetric,
    exclude_self: bool,
) -> Result<HostMatrix, Diagnostic> {
    let pair = float_pairing(hb, inputs, layout, exclude_self, "UniformKNN")?;
    let (r, m) = (pair.rows.rows, pair.cols.rows);
    let d = host_distances(&pair.rows, &pair.cols, metric);
    let mut out = HostMatrix::zeros(r, m, pair.cand);
    for i in 0..r {
        let mut cands: Vec<usize> = (0..m).filter(|&j| out.cand[i * m + j]).collect();
        if cands.is_empty() {
            continue;
        }
        if k == 0 || k > cands.len() {
            return Err(Diagnostic::bare(
                Code::KnnTooLarge,
                format!(
                    "UniformKNN(k = {k}) needs 1 ≤ k ≤ {} candidates per row",
                    cands.len()
                ),
            )
            .with_help("lower `k` or use a larger batch"));
        }
        // Stable sort by distance keeps the lower index first among ties.
        cands.sort_by(|&a, &b| d[i * m + a].total_cmp(&d[i * m + b]));
        for &j in cands.iter().take(k) {
            out.values[i * m + j] = 1.0 / k as f64;
        }
    }
    Ok(out)
}
