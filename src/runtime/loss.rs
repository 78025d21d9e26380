//! The I-Con loss of one batch (§1): p on the host, q on the device, a
//! divergence between them. This is the entry point training and `inspect` use.
//!
//! ```text
//! batch keys ──► p tree (host f64, no grad) ──┐
//!            └─► q tree (device, log space) ──┴─► divergence rows ─► mean
//! ```

use crate::diag::codes::CodeInfo;
use crate::diag::Diagnostic;
use crate::ir::{self, Divergence, Kernel, KernelExpr};
use crate::runtime::divergence::{self, float_tensor};
use crate::runtime::kernels::graph::Graph;
use crate::runtime::kernels::host::{HostBatch, HostMatrix};
use crate::runtime::kernels::learned::NEG;
use crate::runtime::kernels::{self, limit, PContext, QContext, QValue};
use crate::runtime::p_cache::{self, HostP};
use crate::runtime::profile::{self, Phase};
use burn::module::{Module, Param};
use burn::prelude::*;
use std::collections::BTreeMap;
use std::rc::Rc;

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
pub struct Evaluation<B: Backend> {
    /// The tensors.
    pub output: LossOutput<B>,
    /// p in f64 on the host, with its calibration's β and counts (shared with
    /// [`p_cache`] when the batch's p inputs repeat).
    pub host: Rc<HostP>,
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
    evaluate(method, batch, params).map(|e| e.output)
}

/// [`icon_loss`] with the host-side extras: the method's own loss, without
/// exaggeration (as at every step after `until`).
pub fn evaluate<B: Backend>(
    method: &ir::Method,
    batch: &Batch<B>,
    params: &KernelParams<B>,
) -> Result<Evaluation<B>, Diagnostic> {
    evaluate_exaggerated(method, batch, params, 1.0)
}

/// α of `p = … -> exaggerate(…)` at training step `step` (1 without it).
pub fn exaggeration_at(method: &ir::Method, step: usize) -> f64 {
    method.exaggeration.map_or(1.0, |e| e.factor_at(step))
}

/// [`evaluate`] with the attraction multiplied by `alpha` (§1, exaggeration):
/// row i's loss is `−α Σ_j p_ij log w_ij + m_i log Z_i`, which is
/// `α·CE_i − (α−1)·m_i·log Z_i` with `m_i = Σ_j p_ij`; `kl_value` is that
/// minus `α·mean_i H(p_i)`.
pub fn evaluate_exaggerated<B: Backend>(
    method: &ir::Method,
    batch: &Batch<B>,
    params: &KernelParams<B>,
    alpha: f64,
) -> Result<Evaluation<B>, Diagnostic> {
    let t_p = profile::start();
    let mut p_keys = std::collections::BTreeSet::new();
    kernels::expr_keys(&method.p, &mut p_keys);
    let hb = HostBatch::from_batch(batch, &p_keys)?;
    let degree = graph_degrees(&method.p, &hb)?;
    let host = p_cache::host_p(&method.p, method.layout, hb, |hb| {
        let mut pctx = PContext {
            hb,
            layout: method.layout,
            beta: None,
            unconverged: 0,
            clamped: 0,
        };
        let p = kernels::eval_p(&method.p, &mut pctx)?;
        Ok(HostP {
            distribution: divergence::check_distribution(&p, 0),
            p,
            beta: pctx.beta,
            unconverged: pctx.unconverged,
            clamped: pctx.clamped,
        })
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
    Ok(Evaluation {
        output: LossOutput {
            loss,
            loss_rows: rows.loss_rows,
            p: p_tensor,
            log_q,
            kl_value,
        },
        host: Rc::clone(&host),
        mean_entropy: mean_h,
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
            let log_q = limit::limit_log_q(kind, d.clone(), &cand);
            Ok(RowTerms {
                loss_rows: limit::limit_rows(kind, p, d, &cand),
                log_q,
                entropy_sum: None,
            })
        }
    }
}

/// `α·CE_i − (α−1)·m_i·log Z_i` (see [`evaluate_exaggerated`]); `m_i` sums
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
            "E0504",
            format!("p is {}×{} but q is {r}×{m}", p.rows, p.cols),
        )
        .with_help(
            "p and q must have the same rows and columns (§1.4); check their input keys and layout",
        ))
    }
}

/// Global degrees of the batch items from the first `Graph` kernel of p.
pub(crate) fn graph_degrees(
    p: &KernelExpr,
    hb: &HostBatch,
) -> Result<Option<Vec<f64>>, Diagnostic> {
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

/// Diagnostic codes of the numerics (E05xx lowering/evaluation; E0501 lives in
/// `runtime::CODES`). Joined into `diag::codes` by the lead.
pub const CODES: &[CodeInfo] = &[
    CodeInfo {
        code: "E0502",
        name: "runtime_support_mismatch",
        summary: "p puts mass where q excludes the pair",
        explain: "The forward KL needs q > 0 wherever p > 0. Here p is positive on a pair that q's\ncandidate set excludes (usually the diagonal), so the loss would be +inf.\n\nWrong:\n    p = Identity()\n    q = Gaussian(sigma = 0.5) on embedding          # excludes self by default\n\nRight:\n    q = Gaussian(sigma = 0.5, exclude_self = false) on embedding",
    },
    CodeInfo {
        code: "E0503",
        name: "missing_batch_key",
        summary: "a kernel reads a key the batch does not have",
        explain: "Every key named after `on` must be produced by the data source or a mapper, with\nthe right type (float keys for distances, int keys for `label`/`index`).\n\nWrong:\n    p = Augmentation() on embedding      # a float key\n\nRight:\n    p = Augmentation() on index",
    },
    CodeInfo {
        code: "E0504",
        name: "kernel_shape_mismatch",
        summary: "kernel inputs, or p and q, have incompatible shapes",
        explain: "p and q must have the same rows and columns, the two keys of a cross kernel must\nhave the same width, and paired modalities the same number of rows.\n\nWrong:\n    q = Gaussian(sigma = 0.5) on embedding, x          # widths 128 and 784\n\nRight:\n    q = Gaussian(sigma = 0.5) on embedding, embedding1",
    },
    CodeInfo {
        code: "E0505",
        name: "kernel_wrong_side",
        summary: "a kernel or transform is used where it has no meaning",
        explain: "Supervisory kernels (Label, Augmentation, UniformKNN, Graph, Identity, CrossModal)\nbelong to p; learned kernels (GaussianLimit, UniformCluster) and `debias` belong to q.\nA Gaussian limit is a closed-form `kl` loss, so it takes no transforms and no other divergence.\n\nWrong:\n    q = UniformKNN(k = 5) on embedding\n\nRight:\n    p = UniformKNN(k = 5) on x\n    q = Gaussian(sigma = 0.7071) on embedding",
    },
    CodeInfo {
        code: "E0506",
        name: "knn_too_large",
        summary: "UniformKNN asks for more neighbours than a row has candidates",
        explain: "UniformKNN(k) needs 1 ≤ k ≤ |C_i| (the batch size minus one when self is excluded).\n\nWrong:\n    data = Blobs(n = 500, batch = 8)\n    p = UniformKNN(k = 15) on x\n\nRight:\n    data = Blobs(n = 500, batch = 64)\n    p = UniformKNN(k = 15) on x",
    },
    CodeInfo {
        code: "E0507",
        name: "label_out_of_range",
        summary: "a label lies outside the class table",
        explain: "A class-table Label kernel has one column per class 0..C; every label must lie in that range.\n\nWrong:\n    label = [0, 3, 10]     # with 10 classes\n\nRight:\n    label = [0, 3, 9]",
    },
    CodeInfo {
        code: "E0508",
        name: "bad_graph_file",
        summary: "the graph edge list cannot be read",
        explain: "Graph(path = …) reads an edge list: one undirected edge `i j w` per line (w ≥ 0, default 1),\n`#` starts a comment.\n\nWrong:\n    0 1 heavy\n\nRight:\n    0 1 2.5",
    },
    CodeInfo {
        code: "E0509",
        name: "bad_batch_file",
        summary: "the .npz batch cannot be read or lacks an array",
        explain: "`iconc inspect --batch FILE.npz` reads a NumPy archive (no pickles) with the arrays the\nmethod reads: float32/float64 `x` B×F and `embedding` B×D, int64 `label` and `index` of length B, …\n\nWrong:\n    np.savez('b.npz', X=x)               # the key is `x`\n\nRight:\n    np.savez('b.npz', x=x.astype('float32'), embedding=f, label=y, index=idx)",
    },
    CodeInfo {
        code: "E0510",
        name: "cannot_write_output",
        summary: "the output .npz cannot be written",
        explain: "`iconc inspect --out FILE.npz` writes to a temporary file beside FILE.npz and renames it.\nThe directory must exist and be writable.\n\nWrong:\n    iconc inspect m.icon --batch b.npz --out /no/such/dir/out.npz\n\nRight:\n    iconc inspect m.icon --batch b.npz --out out.npz",
    },
    CodeInfo {
        code: "E0511",
        name: "inspect_needs_mapper_output",
        summary: "inspect needs a mapper output key in the batch",
        explain: "`iconc inspect` computes p, q and the loss without training; it does not run mappers.\nGive every mapper output that p or q reads (e.g. `embedding`) in the batch file.\n\nWrong:\n    np.savez('b.npz', x=x, index=idx)                 # q reads `embedding`\n\nRight:\n    np.savez('b.npz', x=x, index=idx, embedding=f)",
    },
    CodeInfo {
        code: "E0512",
        name: "dataset_index_out_of_range",
        summary: "a batch row's index lies outside the rows a data-set p was built over",
        explain: "`scope = dataset` builds p once over the n training rows and gathers each batch's block by
`index`, so every index must be a training row 0..n. In `iconc inspect` the batch is the data set:
its rows are the n rows, and `index` (when given) must lie in 0..B.

Wrong:
    index = [0, 1, 5000]     # a batch file of 3 rows

Right:
    index = [0, 1, 2]",
    },
    CodeInfo {
        code: "E0513",
        name: "bad_kernel_parameter",
        summary: "a kernel parameter has a value the kernel cannot use",
        explain: "σ, γ and ν must be positive, a perplexity greater than 1, α in [0, 1], and propagate's steps ≥ 1.\n\nWrong:\n    p = Gaussian(perplexity = 1) on x\n\nRight:\n    p = Gaussian(perplexity = 30) on x",
    },
    CodeInfo {
        code: "E0514",
        name: "degree_needs_graph",
        summary: "degree-weighted UniformCluster without a graph in p",
        explain: "NCuts weighting uses each item's global degree, which comes from the Graph kernel of p.\n\nWrong:\n    p = Gaussian(sigma = 1) on x\n    q = UniformCluster(degree_weighted = true) on phi\n\nRight:\n    p = Graph(path = \"g.txt\", mode = softmax_degree) on index\n    q = UniformCluster(degree_weighted = true) on phi",
    },
    CodeInfo {
        code: "E0515",
        name: "p_not_a_distribution",
        summary: "p has a negative entry, or no mass at all, in a training batch",
        explain: "The I-Con loss matches q to a distribution p over each row's candidates. A negative\np (a difference of kernels) makes the loss unbounded below, and a p that is zero\neverywhere makes it 0 whatever the embedding: training would report a number that\nmeans nothing, so it stops with this error instead.\n\nWrong:\n    p = Gaussian(sigma = 1) on x - UniformKNN(k = 5) on x\n\nRight:\n    p = Gaussian(sigma = 1) on x + UniformKNN(k = 5) on x -> normalize",
    },
    CodeInfo {
        code: "E0599",
        name: "numerics_internal_error",
        summary: "an internal error in the numerics (a bug)",
        explain: "iconc reached a state its checker should have ruled out. Please report it with the\nmethod file and the command.\n\nWrong:\n    (nothing you wrote)\n\nRight:\n    (report the bug)",
    },
];
