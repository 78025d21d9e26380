//! Clustering scores: Hungarian-matched accuracy, NMI and ARI (spec §4).
//!
//! Predictions and labels are integer ids; negative ids are out of range.

use pathfinding::prelude::{kuhn_munkres, Matrix};

/// `argmax_c φ_ic` per row (the cluster of row i, spec §2.5); ties to the lower c.
///
/// # Shapes
/// `phi`: n×c → n.
pub fn argmax_rows(phi: &[f32], c: usize) -> Vec<i64> {
    if c == 0 {
        return Vec::new();
    }
    phi.chunks_exact(c)
        .map(|row| {
            let mut best = 0;
            for (j, &v) in row.iter().enumerate() {
                if v > row[best] {
                    best = j;
                }
            }
            best as i64
        })
        .collect()
}

/// Hungarian-matched accuracy in [0, 1]: the best one-to-one map from
/// clusters to classes, matched / total.
///
/// Builds `S[a, b] = #{pred = a, true = b}` over in-range pairs and solves the
/// linear assignment (rectangular when the number of clusters C differs from
/// the number of classes K: unmatched clusters count as errors). NaN when empty.
// Decision: C and K are max id + 1 of preds and labels; negative ids are
// skipped in S but still count in the total (as errors).
pub fn hungarian_accuracy(preds: &[i64], labels: &[i64]) -> f64 {
    let total = preds.len().min(labels.len());
    if total == 0 {
        return f64::NAN;
    }
    let (s, c, k) = confusion(preds, labels);
    if c == 0 || k == 0 {
        return 0.0;
    }
    // kuhn_munkres needs rows ≤ columns: put the smaller side on the rows.
    let (rows, cols) = (c.min(k), c.max(k));
    let weights = Matrix::from_fn(rows, cols, |(r, col)| {
        let (a, b) = if c <= k { (r, col) } else { (col, r) };
        s[a * k + b] as i64
    });
    let (matched, _) = kuhn_munkres(&weights);
    matched as f64 / total as f64
}

/// Normalized mutual information `I(Y; Ŷ) / ((H(Y) + H(Ŷ)) / 2)` in [0, 1];
/// 1 when both entropies are 0 (spec §4). NaN when empty.
pub fn nmi(preds: &[i64], labels: &[i64]) -> f64 {
    let n = preds.len().min(labels.len());
    if n == 0 {
        return f64::NAN;
    }
    let (s, c, k) = confusion_compact(preds, labels);
    let nf = n as f64;
    let a = marginal_rows(&s, c, k);
    let b = marginal_cols(&s, c, k);
    let h = |m: &[usize]| -> f64 {
        m.iter()
            .filter(|&&v| v > 0)
            .map(|&v| {
                let p = v as f64 / nf;
                -p * p.ln()
            })
            .sum()
    };
    let (hp, hy) = (h(&a), h(&b));
    if hp == 0.0 && hy == 0.0 {
        return 1.0;
    }
    let mut mi = 0.0;
    for i in 0..c {
        for j in 0..k {
            let nij = s[i * k + j];
            if nij > 0 {
                let nij = nij as f64;
                mi += nij / nf * (nf * nij / (a[i] as f64 * b[j] as f64)).ln();
            }
        }
    }
    (mi / ((hp + hy) / 2.0)).clamp(0.0, 1.0)
}

/// Adjusted Rand index (Hubert & Arabie), sklearn's pair-confusion form:
/// `2(tp·tn − fn·fp) / ((tp+fn)(fn+tn) + (tp+fp)(fp+tn))`, 1 when there are
/// no disagreeing pairs. NaN when empty.
pub fn ari(preds: &[i64], labels: &[i64]) -> f64 {
    let n = preds.len().min(labels.len());
    if n == 0 {
        return f64::NAN;
    }
    let (s, c, k) = confusion_compact(preds, labels);
    let sq = |m: &[usize]| m.iter().map(|&v| (v as f64) * (v as f64)).sum::<f64>();
    let sum_sq = sq(&s);
    let nf = n as f64;
    let tp = sum_sq - nf;
    let fp = sq(&marginal_rows(&s, c, k)) - sum_sq; // same cluster, different class
    let fneg = sq(&marginal_cols(&s, c, k)) - sum_sq; // same class, different cluster
    let tn = nf * nf - fp - fneg - sum_sq;
    if fneg == 0.0 && fp == 0.0 {
        return 1.0;
    }
    2.0 * (tp * tn - fneg * fp) / ((tp + fneg) * (fneg + tn) + (tp + fp) * (fp + tn))
}

/// Confusion `S[a, b]` (C×K, row-major) with C, K = max id + 1; negatives skipped.
fn confusion(preds: &[i64], labels: &[i64]) -> (Vec<usize>, usize, usize) {
    let size = |v: &[i64]| {
        v.iter()
            .copied()
            .max()
            .map_or(0, |m| (m.max(-1) + 1) as usize)
    };
    let (c, k) = (size(preds), size(labels));
    let mut s = vec![0usize; c * k];
    for (&p, &y) in preds.iter().zip(labels) {
        if p >= 0 && y >= 0 {
            s[p as usize * k + y as usize] += 1;
        }
    }
    (s, c, k)
}

/// Confusion over the ids that occur (any i64, negatives included), C×K.
fn confusion_compact(preds: &[i64], labels: &[i64]) -> (Vec<usize>, usize, usize) {
    let ids = |v: &[i64]| {
        let mut u: Vec<i64> = v.to_vec();
        u.sort_unstable();
        u.dedup();
        u
    };
    let (pu, yu) = (ids(preds), ids(labels));
    let (c, k) = (pu.len(), yu.len());
    let mut s = vec![0usize; c * k];
    for (p, y) in preds.iter().zip(labels) {
        if let (Ok(a), Ok(b)) = (pu.binary_search(p), yu.binary_search(y)) {
            s[a * k + b] += 1;
        }
    }
    (s, c, k)
}

fn marginal_rows(s: &[usize], c: usize, k: usize) -> Vec<usize> {
    (0..c).map(|i| s[i * k..(i + 1) * k].iter().sum()).collect()
}

fn marginal_cols(s: &[usize], c: usize, k: usize) -> Vec<usize> {
    (0..k).map(|j| (0..c).map(|i| s[i * k + j]).sum()).collect()
}
