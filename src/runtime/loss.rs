//! The I-Con loss of one batch (§1): p on the host, q on the device, a
//! divergence between them. This is the entry point training and `inspect` use.
//!
//! ```text
//! batch keys ──► p tree (host f64, no grad) ──┐
//!            └─► q tree (device, log space) ──┴─► divergence rows ─► mean
//! ```

use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::ir::{self, Divergence, Kernel, KernelExpr};
use crate::runtime::divergence::{self, float_tensor};
use crate::runtime::kernels::graph::Graph;
use crate::runtime::kernels::host::{HostKeys, HostMatrix};
use crate::runtime::kernels::learned::NEG;
use crate::runtime::kernels::{self, limit, PContext, QContext, QValue};
use crate::runtime::p_cache::{self, HostP};
use crate::runtime::profile::{self, Phase};
use burn::module::{Module, Param};
use burn::prelude::*;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Every key the IR's p and q read, already computed by the data source and
/// the mappers.
#[derive(Debug, Clone)]
pub struct Batch<B: Backend> {
    /// Float keys, all 2-D (`x` B×F, `embedding` B×D, `class_embedding` C×D, …).
    pub floats: BTreeMap<String, Tensor<B, 2>>,
    /// Int keys (`label`, `index`), 1-D.
    pub ints: BTreeMap<String, Tensor<B, 1, Int>>,
}

impl<B: Backend> Batch<B> {
    /// An empty batch.
    pub fn new() -> Self {
        Batch {
            floats: BTreeMap::new(),
            ints: BTreeMap::new(),
        }
    }
}

impl<B: Backend> Default for Batch<B> {
    fn default() -> Self {
        Self::new()
    }
}

/// Learnable kernel scales of q: one `[1]` parameter per learnable leaf, in
/// pre-order of the q tree — `log 2σ²` for a learnable Gaussian (CLIP's
/// temperature; a cosine scale is clamped to ≥ 0.01 when used), `log γ` for a
/// learnable Student-t. Empty for most methods.
#[derive(Module, Debug)]
pub struct KernelParams<B: Backend> {
    /// The log-scales.
    pub log_scales: Vec<Param<Tensor<B, 1>>>,
}

impl<B: Backend> KernelParams<B> {
    /// The initial scales of `method.q`.
    pub fn init(method: &ir::Method, device: &B::Device) -> Self {
        let mut init = Vec::new();
        kernels::learnable_init(&method.q, &mut init);
        let log_scales = init
            .into_iter()
            .map(|v| {
                Param::from_tensor(Tensor::from_data(
                    crate::runtime::kernels::host::float_data::<B, 1>(vec![v], [1]),
                    device,
                ))
            })
            .collect();
        KernelParams { log_scales }
    }
}

/// The loss of one batch and what it was made of.
#[derive(Debug, Clone)]
pub struct LossOutput<B: Backend> {
    /// `mean_i loss_rows_i` over all R rows, shape [1]. Differentiable.
    pub loss: Tensor<B, 1>,
    /// Per-row loss [R] (§1; the closed form for Gaussian limits).
    pub loss_rows: Tensor<B, 1>,
    /// p [R, M] (constant, no gradient).
    pub p: Tensor<B, 2>,
    /// log q [R, M], detached, `-inf` where j ∉ C_i (the limit q for Gaussian limits).
    pub log_q: Tensor<B, 2>,
    /// `L_ce − mean_i H(p_i)` for `kl` (not for limits), shape [1].
    pub kl_value: Option<Tensor<B, 1>>,
}

/// [`LossOutput`] plus host-side extras for `inspect` and logging.
#[derive(Debug, Clone)]
pub struct DetailedLoss<B: Backend> {
    /// The tensors.
    pub output: LossOutput<B>,
    /// p in f64 on the host, with its calibration's β and counts (shared with
    /// [`p_cache`] when the batch's p inputs repeat).
    pub host: Arc<HostP>,
    /// `mean_i H(p_i)` (f64), when `kl_value` is defined.
    pub mean_entropy: Option<f64>,
}

/// The I-Con loss of `batch` under `method` (§1): `icon_loss = L_ce` for `kl`.
///
/// p never carries gradient; q, the loss and `kl_value` are differentiable
/// w.r.t. the float keys q reads and `params`. Every row is computed from that
/// row alone (row-separable), except `propagate`/`symmetrize` on p.
pub fn icon_loss<B: Backend>(
    method: &ir::Method,
    batch: &Batch<B>,
    params: &KernelParams<B>,
) -> Result<LossOutput<B>, Diagnostic> {
    icon_loss_detailed(method, batch, params).map(|e| e.output)
}

/// [`icon_loss`] with the host-side extras: the method's own loss, without
/// exaggeration (as at every step after `until`).
pub fn icon_loss_detailed<B: Backend>(
    method: &ir::Method,
    batch: &Batch<B>,
    params: &KernelParams<B>,
) -> Result<DetailedLoss<B>, Diagnostic> {
    icon_loss_exaggerated(method, batch, params, 1.0)
}

/// α of `p = … -> exaggerate(…)` at training step `step` (1 without it).
pub fn exaggeration_at(method: &ir::Method, step: usize) -> f64 {
    method.exaggeration.map_or(1.0, |e| e.factor_at(step))
}

/// [`icon_loss_detailed`] with the attraction multiplied by `alpha` (§1, exaggeration):
/// row i's loss is `−α Σ_j p_ij log w_ij + m_i log Z_i`, which is
/// `α·CE_i − (α−1)·m_i·log Z_i` with `m_i = Σ_j p_ij`; `kl_value` is that
/// minus `α·mean_i H(p_i)`.
pub fn icon_loss_exaggerated<B: Backend>(
    method: &ir::Method,
    batch: &Batch<B>,
    params: &KernelParams<B>,
    alpha: f64,
) -> Result<DetailedLoss<B>, Diagnostic> {
    let t_p = profile::start();
    let hb = HostKeys::from_batch(batch, &kernels::keys_of(&method.p))?;
    let degree = graph_degrees(&method.p, &hb)?;
    let host = p_cache::host_p(&method.p, method.layout, hb, |hb| {
        compute_host_p(&method.p, method.layout, hb)
    })?;
    let p = &host.p;
    let (r, m) = (p.rows, p.cols);
    let device = batch_device(batch);
    let p_tensor = float_tensor::<B>(&p.values, r, m, &device);
    profile::sync::<B>(&device);
    profile::stop(Phase::P, t_p);
    let t_q = profile::start();
    let rows = q_divergence(method, batch, params, p, degree, None, alpha)?;
    let loss = rows.loss_rows.clone().mean();
    let mean_h = rows.entropy_sum.map(|h| h / r.max(1) as f64);
    let kl_value = mean_h.map(|h| loss.clone().sub_scalar(alpha * h));
    let log_q = rows.log_q.detach();
    let neg_mask = log_q.clone().lower_equal_elem(NEG / 2.0);
    let log_q = log_q.mask_fill(neg_mask, f32::NEG_INFINITY);
    profile::sync::<B>(&device);
    profile::stop(Phase::QDivergence, t_q);
    Ok(DetailedLoss {
        output: LossOutput {
            loss,
            loss_rows: rows.loss_rows,
            p: p_tensor,
            log_q,
            kl_value,
        },
        host: Arc::clone(&host),
        mean_entropy: mean_h,
    })
}

/// p of the host keys `hb` (§2), with what its calibration reported: what
/// the loss computes, and what `p_ahead` computes a batch early.
pub(crate) fn compute_host_p(
    p: &KernelExpr,
    layout: ir::Layout,
    hb: &HostKeys,
) -> Result<HostP, Diagnostic> {
    let mut pctx = PContext {
        hb,
        layout,
        beta: None,
        unconverged: 0,
        clamped: 0,
    };
    let p = kernels::eval_p(p, &mut pctx)?;
    Ok(HostP {
        distribution: divergence::check_distribution(&p, 0),
        p,
        beta: pctx.beta,
        unconverged: pctx.unconverged,
        clamped: pctx.clamped,
    })
}

/// The device the batch's tensors live on.
pub(crate) fn batch_device<B: Backend>(batch: &Batch<B>) -> B::Device {
    batch
        .floats
        .values()
        .next()
        .map(|t| t.device())
        .or_else(|| batch.ints.values().next().map(|t| t.device()))
        .unwrap_or_default()
}

/// The divergence rows of the q rows in `window` (every row when `None`)
/// against `p`, which holds exactly those rows.
pub(crate) struct RowTerms<B: Backend> {
    /// Per-row loss [R_window], differentiable.
    pub loss_rows: Tensor<B, 1>,
    /// log q [R_window, M] with [`NEG`] outside C_i (not detached).
    pub log_q: Tensor<B, 2>,
    /// `Σ_i H(p_i)` over the window's rows, for `kl`.
    pub entropy_sum: Option<f64>,
}

/// q of the rows in `window` and their divergence from `p` (§1).
pub(crate) fn q_divergence<B: Backend>(
    method: &ir::Method,
    batch: &Batch<B>,
    params: &KernelParams<B>,
    p: &HostMatrix,
    degree: Option<Vec<f64>>,
    window: Option<std::ops::Range<usize>>,
    alpha: f64,
) -> Result<RowTerms<B>, Diagnostic> {
    let row0 = window.as_ref().map_or(0, |w| w.start);
    let mut qctx = QContext {
        batch,
        layout: method.layout,
        params,
        next_param: 0,
        degree,
        window,
    };
    let q = kernels::eval_q(&method.q, &mut qctx)?;
    match q {
        QValue::Log { log_q, cand, log_z } => {
            check_shape(p, &log_q)?;
            divergence::check_support(p, &cand, row0)?;
            let mut loss_rows = divergence::loss_rows(method.divergence, p, log_q.clone());
            if alpha != 1.0 {
                loss_rows = exaggerate(method.divergence, p, loss_rows, log_z, alpha)?;
            }
            let entropy_sum = (method.divergence == Divergence::Kl)
                .then(|| divergence::mean_entropy(p) * p.rows as f64);
            Ok(RowTerms {
                loss_rows,
                log_q,
                entropy_sum,
            })
        }
        QValue::Limit { kind, d, cand } => {
            check_shape(p, &d)?;
            if method.divergence != Divergence::Kl {
                return Err(kernels::wrong_side(
                    "GaussianLimit",
                    "an `rkl` or `js` method",
                    "a Gaussian limit is the closed form of the `kl` loss; use `divergence = kl`",
                ));
            }
            divergence::check_support(p, &cand, row0)?;
            let (d, cand) = triplet_rows(method, batch, p, d, cand, row0)?;
            let log_q = limit::limit_log_q(kind, d.clone(), &cand);
            Ok(RowTerms {
                loss_rows: limit::limit_rows(kind, p, d, &cand),
                log_q,
                entropy_sum: None,
            })
        }
    }
}

/// A σ→0 limit with `negative`/`margin` (§5 cell 19): C_i cut to p's
/// positives and one negative (see `kernels::triplet`), and the margin added
/// to the positives' distances. Without them, `d` and `cand` unchanged.
fn triplet_rows<B: Backend>(
    method: &ir::Method,
    batch: &Batch<B>,
    p: &HostMatrix,
    d: Tensor<B, 2>,
    cand: Vec<bool>,
    row0: usize,
) -> Result<(Tensor<B, 2>, Vec<bool>), Diagnostic> {
    let ir::KernelExpr::Kernel {
        kernel:
            ir::Kernel::GaussianLimit {
                limit: ir::LimitKind::Zero,
                negative,
                margin,
                ..
            },
        ..
    } = &method.q
    else {
        return Ok((d, cand));
    };
    let (r, m) = (p.rows, p.cols);
    let cand = match negative {
        None => cand,
        Some(how) => {
            let host = d
                .clone()
                .detach()
                .into_data()
                .convert::<f64>()
                .to_vec::<f64>()
                .map_err(|e| {
                    kernels::host::internal(format!("cannot read the triplet distances: {e:?}"))
                })?;
            // The rows' data-set indices seed random negatives (row numbers
            // when the batch has no `index`).
            let index: Vec<i64> = match batch.ints.get("index") {
                Some(t) => t
                    .clone()
                    .into_data()
                    .convert::<i64>()
                    .to_vec::<i64>()
                    .unwrap_or_default(),
                None => (0..m as i64).collect(),
            };
            let random = kernels::triplet::RandomNegatives::of_batch(method.train.seed, &index);
            let rows: Vec<i64> = (row0..row0 + r)
                .map(|i| index.get(i).copied().unwrap_or(i as i64))
                .collect();
            kernels::triplet::restrict(p, &host, &cand, *how, random, &rows)
        }
    };
    if *margin == 0.0 {
        return Ok((d, cand));
    }
    let shift: Vec<f64> = p
        .values
        .iter()
        .map(|&v| if v > 0.0 { *margin } else { 0.0 })
        .collect();
    let device = d.device();
    Ok((
        d + divergence::float_tensor::<B>(&shift, r, m, &device),
        cand,
    ))
}

/// `α·CE_i − (α−1)·m_i·log Z_i` (see [`icon_loss_exaggerated`]); `m_i` sums
/// the entries the cross-entropy reads (p > ε).
fn exaggerate<B: Backend>(
    divergence: Divergence,
    p: &HostMatrix,
    ce: Tensor<B, 1>,
    log_z: Option<Tensor<B, 1>>,
    alpha: f64,
) -> Result<Tensor<B, 1>, Diagnostic> {
    let log_z = match (divergence, log_z) {
        (Divergence::Kl, Some(z)) => z,
        // The checker (E0414) rules these out.
        _ => {
            return Err(crate::runtime::kernels::host::internal(
                "exaggeration needs `divergence = kl` and q's row normalizer".into(),
            ))
        }
    };
    let mass: Vec<f64> = p
        .values
        .chunks(p.cols.max(1))
        .map(|row| row.iter().filter(|&&v| v > divergence::EPS).sum())
        .collect();
    let rows = mass.len();
    let mass = Tensor::<B, 1>::from_data(
        crate::runtime::kernels::host::float_data::<B, 1>(mass, [rows]),
        &ce.device(),
    );
    Ok(ce.mul_scalar(alpha) - (mass * log_z).mul_scalar(alpha - 1.0))
}

fn check_shape<B: Backend>(p: &HostMatrix, q: &Tensor<B, 2>) -> Result<(), Diagnostic> {
    let [r, m] = q.dims();
    if (r, m) == (p.rows, p.cols) {
        Ok(())
    } else {
        Err(Diagnostic::bare(
            Code::KernelShapeMismatch,
            format!("p is {}×{} but q is {r}×{m}", p.rows, p.cols),
        )
        .with_help(
            "p and q must have the same rows and columns (§1.4); check their input keys and layout",
        ))
    }
}

/// Global degrees of the batch items from the first `Graph` kernel of p.
pub(crate) fn graph_degrees(p: &KernelExpr, hb: &HostKeys) -> Result<Option<Vec<f64>>, Diagnostic> {
    let Some((path, key)) = first_graph(p) else {
        return Ok(None);
    };
    let idx = hb.int(&key)?;
    let g = Graph::load(&path)?;
    Ok(Some(idx.iter().map(|&i| g.degree_of(i)).collect()))
}

fn first_graph(e: &KernelExpr) -> Option<(String, String)> {
    e.leaves()
        .into_iter()
        .find_map(|(kernel, inputs)| match kernel {
            Kernel::Graph { path, .. } => Some((
                path.clone(),
                inputs.first().cloned().unwrap_or_else(|| "index".into()),
            )),
            _ => None,
        })
}
