//! Test accuracy of class-table methods (supervised CE, harmonic loss, error
//! rate): the predicted class of a row is the prototype its q ranks highest.
//!
//! Every learned kernel of a class table decreases with the distance it uses
//! (Gaussian `exp(−d/2σ²)`, Student-t, the σ→0/σ→∞ limits), and `debias`
//! keeps the order, so the prediction is `argmin_c d(f_i, w_c)` under the
//! leaf kernel's metric, ties to the lower class id.

use crate::data::{Dataset, HostBatch};
use crate::diag::Diagnostic;
use crate::ir::{self, DistanceMetric, Kernel, KernelExpr, Layout};
use crate::runtime::model::Mappers;
use burn::tensor::backend::Backend;

/// The distance q ranks classes by, and the key of the class table, when q is
/// a class-table kernel (`q = K on rows, table`).
fn table_kernel(method: &ir::Method) -> Option<(DistanceMetric, &str)> {
    if !matches!(method.layout, Layout::Table { .. }) {
        return None;
    }
    let mut e = &method.q;
    loop {
        match e {
            KernelExpr::DebiasQ(_, inner) | KernelExpr::Normalize(inner) => e = inner,
            KernelExpr::Kernel { kernel, inputs } => {
                let metric = match kernel {
                    Kernel::Gaussian { metric, .. } | Kernel::GaussianLimit { metric, .. } => {
                        *metric
                    }
                    Kernel::StudentT { .. } => DistanceMetric::Euclidean,
                    _ => return None,
                };
                return inputs.get(1).map(|t| (metric, t.as_str()));
            }
            _ => return None,
        }
    }
}

/// `d(a, b)` as the kernels define it (spec §2.1); only the order matters here.
fn distance(metric: DistanceMetric, a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| f64::from(*x) * f64::from(*y))
        .sum();
    let sq = |v: &[f32]| v.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>();
    match metric {
        DistanceMetric::Euclidean => sq(a) + sq(b) - 2.0 * dot,
        DistanceMetric::Cosine => 1.0 - dot / (sq(a).sqrt().max(1e-12) * sq(b).sqrt().max(1e-12)),
        DistanceMetric::Dot => -dot,
        DistanceMetric::Manhattan => a.iter().zip(b).map(|(x, y)| f64::from((x - y).abs())).sum(),
    }
}

/// Nearest prototype per row of `emb` (`rows × dim`) among `table` (`C × dim`).
pub fn predict(metric: DistanceMetric, emb: &[f32], table: &[f32], dim: usize) -> Vec<i64> {
    let dim = dim.max(1);
    emb.chunks_exact(dim)
        .map(|row| {
            let mut best = (f64::INFINITY, 0i64);
            for (c, w) in table.chunks_exact(dim).enumerate() {
                let d = distance(metric, row, w);
                if d < best.0 {
                    best = (d, c as i64);
                }
            }
            best.1
        })
        .collect()
}

/// Fraction of rows whose nearest prototype is their label; None when q is
/// not a class-table kernel.
pub fn accuracy<B: Backend>(
    method: &ir::Method,
    mappers: &Mappers<B>,
    ds: &Dataset,
    emb: &[f32],
    dim: usize,
    labels: &[i64],
    device: &B::Device,
) -> Result<Option<f64>, Diagnostic> {
    let Some((metric, table_key)) = table_kernel(method) else {
        return Ok(None);
    };
    // The table does not depend on the batch: one row is enough to run the pipelines.
    let probe = HostBatch {
        rows: 1,
        x: ds.row(0).unwrap_or(&[]).to_vec(),
        x1: None,
        label: labels.first().copied().into_iter().collect(),
        index: vec![0],
        side: ds.side.as_ref().map(|s| s.gather(0..1)),
    };
    if probe.x.is_empty() || labels.is_empty() {
        return Ok(None);
    }
    let (table, table_dim) = super::evaluate::embed_batch(mappers, &probe, table_key, device)?;
    if table_dim != dim {
        return Ok(None);
    }
    let pred = predict(metric, emb, &table, dim);
    let hits = pred.iter().zip(labels).filter(|(p, y)| p == y).count();
    Ok(Some(hits as f64 / labels.len() as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_prototype_per_metric() {
        // Prototypes w0 = (1, 0), w1 = (0, 2); rows f0 = (0.9, 0.1), f1 = (0.2, 0.5).
        let table = [1.0, 0.0, 0.0, 2.0];
        let emb = [0.9, 0.1, 0.2, 0.5];
        // Euclidean²: f1 → w0: 0.64 + 0.25 = 0.89, → w1: 0.04 + 2.25 = 2.29, so class 0.
        assert_eq!(
            predict(DistanceMetric::Euclidean, &emb, &table, 2),
            vec![0, 0]
        );
        // Dot: f1·w0 = 0.2, f1·w1 = 1.0, so class 1; f0·w0 = 0.9 > f0·w1 = 0.2.
        assert_eq!(predict(DistanceMetric::Dot, &emb, &table, 2), vec![0, 1]);
        // Cosine: f1 points mostly along w1.
        assert_eq!(predict(DistanceMetric::Cosine, &emb, &table, 2), vec![0, 1]);
    }

    #[test]
    fn ties_go_to_the_lower_class() {
        let table = [1.0, 0.0, 0.0, 1.0];
        assert_eq!(
            predict(DistanceMetric::Euclidean, &[0.5, 0.5], &table, 2),
            vec![0]
        );
    }
}
