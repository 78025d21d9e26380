//! Kernels (§2): p kernels on the host (f64, no gradient), q kernels on the
//! device (log space, differentiable). Both sides are driven by
//! `ir::KernelExpr` trees, so any combination the checker accepts runs.

use crate::diag::Code;
pub(crate) mod distance;
pub mod graph;
pub mod host;
pub(crate) mod learned;
pub(crate) mod limit;
pub mod neighbors;
pub(crate) mod perplexity;
pub(crate) mod smooth_host;
pub(crate) mod supervisory;
pub(crate) mod triplet;

use crate::diag::Diagnostic;
use crate::ir::{Kernel, KernelExpr, Layout, LimitKind, Scope};
use crate::runtime::algebra;
use crate::runtime::loss::{Batch, KernelParams};
use burn::prelude::*;
use host::{HostKeys, HostMatrix};
use learned::Scale;
use std::collections::BTreeSet;

/// State threaded through the p tree.
pub struct PContext<'a> {
    /// The batch on the host.
    pub hb: &'a HostKeys,
    /// Row/column layout.
    pub layout: Layout,
    /// β_i of the first perplexity-calibrated leaf.
    pub beta: Option<Vec<f64>>,
    /// Rows (over all leaves) whose perplexity search hit its cap.
    pub unconverged: usize,
    /// Rows (over all leaves) whose perplexity was clamped to `(|C_i| − 1)/3`.
    pub clamped: usize,
}

/// Evaluates a p expression on the host.
pub fn eval_p(expr: &KernelExpr, ctx: &mut PContext<'_>) -> Result<HostMatrix, Diagnostic> {
    match expr {
        KernelExpr::Kernel { kernel, inputs } => p_leaf(kernel, inputs, ctx),
        KernelExpr::Add(a, b) => algebra::add(eval_p(a, ctx)?, &eval_p(b, ctx)?, 1.0),
        KernelExpr::Sub(a, b) => algebra::add(eval_p(a, ctx)?, &eval_p(b, ctx)?, -1.0),
        KernelExpr::Scale(s, k) => Ok(algebra::scale(eval_p(k, ctx)?, *s)),
        KernelExpr::Normalize(k) => Ok(algebra::normalize(eval_p(k, ctx)?)),
        KernelExpr::Binarize(t, k) => Ok(algebra::binarize(eval_p(k, ctx)?, *t)),
        KernelExpr::Leak(a, k) => algebra::leak(eval_p(k, ctx)?, *a),
        KernelExpr::Propagate { .. } | KernelExpr::Symmetrize(_) if ctx.hb.window.is_some() => {
            Err(host::internal(
                "`propagate` and `symmetrize` mix rows and cannot run on a row tile".into(),
            ))
        }
        KernelExpr::Propagate {
            steps,
            reachable,
            inner,
        } => algebra::propagate(eval_p(inner, ctx)?, *steps, *reachable),
        KernelExpr::Symmetrize(k) => algebra::symmetrize(eval_p(k, ctx)?),
        KernelExpr::DebiasQ(..) => Err(wrong_side("debias", "p", "use `leak(α)` to debias p")),
        KernelExpr::CrossView(..) => Err(wrong_side(
            "cross_view",
            "p",
            "`cross_view` cuts q's candidates; p's mass already lies where p puts it",
        )),
    }
}

fn p_leaf(
    kernel: &Kernel,
    inputs: &[String],
    ctx: &mut PContext<'_>,
) -> Result<HostMatrix, Diagnostic> {
    let (hb, layout) = (ctx.hb, ctx.layout);
    let (matrix, cal) = match kernel {
        Kernel::Gaussian {
            scope: Scope::Dataset { table },
            ..
        }
        | Kernel::UniformKnn {
            scope: Scope::Dataset { table },
            ..
        } => {
            let table = neighbors::table(*table)?;
            let cal = smooth_host::Calibration {
                beta: None,
                unconverged: table.unconverged,
                clamped: table.clamped,
            };
            (neighbors::gather(hb, inputs, &table)?, cal)
        }
        Kernel::Gaussian {
            sigma,
            perplexity,
            metric,
            exclude_self,
            ..
        } => smooth_host::gaussian(
            hb,
            inputs,
            layout,
            *sigma,
            *perplexity,
            *metric,
            *exclude_self,
        )?,
        Kernel::StudentT {
            dof,
            gamma,
            form,
            perplexity,
            calibrate,
            exclude_self,
            ..
        } => smooth_host::student(
            hb,
            inputs,
            layout,
            *dof,
            *gamma,
            *form,
            *perplexity,
            *calibrate,
            *exclude_self,
        )?,
        Kernel::Label {
            table: true,
            classes,
            ..
        } => {
            let c = match layout {
                Layout::Table { classes } => classes,
                _ => *classes,
            };
            let table = supervisory::label_table(hb, inputs, c)?;
            (window_rows(hb, table), Default::default())
        }
        Kernel::Label { exclude_self, .. } => (
            supervisory::same_id(hb, inputs, layout, *exclude_self, "Label")?,
            Default::default(),
        ),
        Kernel::Augmentation => (
            supervisory::same_id(hb, inputs, layout, true, "Augmentation")?,
            Default::default(),
        ),
        Kernel::CrossModal => (
            supervisory::same_id(hb, inputs, layout, true, "CrossModal")?,
            Default::default(),
        ),
        Kernel::UniformKnn {
            k,
            metric,
            exclude_self,
            scope: Scope::Batch,
        } => (
            supervisory::uniform_knn(hb, inputs, layout, *k, *metric, *exclude_self)?,
            Default::default(),
        ),
        Kernel::Graph { path, mode } => (
            window_rows(hb, graph::graph_kernel(hb, inputs, path, *mode)?),
            Default::default(),
        ),
        Kernel::Identity => (
            window_rows(hb, supervisory::identity(hb, inputs)?),
            Default::default(),
        ),
        Kernel::GaussianLimit { .. } => {
            return Err(wrong_side(
                "GaussianLimit",
                "p",
                "use `Gaussian(sigma = …)` for p",
            ))
        }
        Kernel::UniformCluster { .. } => {
            return Err(wrong_side(
                "UniformCluster",
                "p",
                "UniformCluster is a learned kernel (q)",
            ))
        }
    };
    if ctx.beta.is_none() {
        ctx.beta = cal.beta;
    }
    ctx.unconverged += cal.unconverged;
    ctx.clamped += cal.clamped;
    Ok(matrix)
}

/// The rows of `hb.window` of a kernel computed for every row (the kernels
/// that do not resolve a pairing; they are cheap or B×C).
fn window_rows(hb: &HostKeys, full: HostMatrix) -> HostMatrix {
    match &hb.window {
        Some(_) => full.slice_rows(hb.rows_window(full.rows)),
        None => full,
    }
}

/// A learned kernel's value.
pub enum QValue<B: Backend> {
    /// `log q` [R, M] ([`learned::NEG`] outside C_i) and C_i.
    Log {
        /// Log-probabilities.
        log_q: Tensor<B, 2>,
        /// Candidate mask (row-major).
        cand: Vec<bool>,
        /// `log Z_i` [R], the row log-normalizers of a Gaussian or
        /// Student-t (None after `debias` and for UniformCluster).
        log_z: Option<Tensor<B, 1>>,
    },
    /// A Gaussian limit: the loss is a closed form of the distances.
    Limit {
        /// σ→0 or σ→∞.
        kind: LimitKind,
        /// Distances [R, M].
        d: Tensor<B, 2>,
        /// Candidate mask.
        cand: Vec<bool>,
    },
}

/// State threaded through the q tree.
pub struct QContext<'a, B: Backend> {
    /// The batch on the device.
    pub batch: &'a Batch<B>,
    /// Row/column layout.
    pub layout: Layout,
    /// Learnable scales, consumed in pre-order.
    pub params: &'a KernelParams<B>,
    /// Next learnable scale.
    pub next_param: usize,
    /// Global degree of each column item (degree-weighted UniformCluster).
    pub degree: Option<Vec<f64>>,
    /// The rows to compute (a row tile of the memory-bounded loss); `None`
    /// computes every row. Columns always cover the whole batch.
    pub window: Option<std::ops::Range<usize>>,
}

/// Evaluates a q expression on the device.
pub fn eval_q<B: Backend>(
    expr: &KernelExpr,
    ctx: &mut QContext<'_, B>,
) -> Result<QValue<B>, Diagnostic> {
    match expr {
        KernelExpr::Kernel { kernel, inputs } => q_leaf(kernel, inputs, ctx),
        // Learned kernels are already row-normalized.
        KernelExpr::Normalize(k) => eval_q(k, ctx),
        KernelExpr::DebiasQ(alpha, k) => match eval_q(k, ctx)? {
            QValue::Log { log_q, cand, .. } => Ok(QValue::Log {
                log_q: algebra::debias_q(log_q, &cand, *alpha)?,
                cand,
                log_z: None,
            }),
            QValue::Limit { .. } => Err(wrong_side(
                "debias",
                "a Gaussian limit",
                "a limit q is a closed-form loss; debias a finite-σ Gaussian instead",
            )),
        },
        KernelExpr::CrossView(views, k) => match eval_q(k, ctx)? {
            QValue::Log { log_q, cand, log_z } => {
                let row0 = ctx.window.as_ref().map_or(0, |w| w.start);
                let (log_q, cand, log_z) = algebra::cross_view(log_q, &cand, log_z, *views, row0)?;
                Ok(QValue::Log { log_q, cand, log_z })
            }
            QValue::Limit { .. } => Err(wrong_side(
                "cross_view",
                "a Gaussian limit",
                "renormalize a finite-σ Gaussian or a Student-t q instead",
            )),
        },
        _ => Err(wrong_side(
            "this kernel algebra",
            "q",
            "q supports a learned kernel, `normalize` and `debias(α)`; combine kernels in p",
        )),
    }
}

fn q_leaf<B: Backend>(
    kernel: &Kernel,
    inputs: &[String],
    ctx: &mut QContext<'_, B>,
) -> Result<QValue<B>, Diagnostic> {
    match kernel {
        Kernel::Gaussian {
            sigma,
            metric,
            exclude_self,
            learnable,
            max_logit_scale,
            ..
        } => {
            let scale = if *learnable {
                ctx.take_param()?
            } else {
                match sigma {
                    Some(s) if *s > 0.0 => Scale::Fixed(2.0 * s * s),
                    _ => {
                        return Err(smooth_host::bad_param(
                            "a learned Gaussian needs `sigma > 0`",
                        ))
                    }
                }
            };
            let pair = learned::device_pairing(
                ctx.batch,
                inputs,
                ctx.layout,
                *exclude_self,
                "Gaussian",
                &ctx.window,
            )?;
            let d = learned::pair_distances(&pair, *metric);
            let logits = learned::gaussian_logits(d, scale, *max_logit_scale);
            Ok(log_value(logits, pair.cand))
        }
        Kernel::StudentT {
            dof,
            gamma,
            form,
            learnable,
            exclude_self,
            ..
        } => {
            if *dof <= 0.0 || (!*learnable && *gamma <= 0.0) {
                return Err(smooth_host::bad_param(
                    "StudentT needs `dof > 0` and `gamma > 0`",
                ));
            }
            let scale = if *learnable {
                ctx.take_param()?
            } else {
                Scale::Fixed(*gamma)
            };
            let pair = learned::device_pairing(
                ctx.batch,
                inputs,
                ctx.layout,
                *exclude_self,
                "StudentT",
                &ctx.window,
            )?;
            let d = learned::pair_distances(&pair, crate::ir::DistanceMetric::Euclidean);
            let logits = learned::student_logits(d, *dof, scale, *form);
            Ok(log_value(logits, pair.cand))
        }
        // Triplet negatives and the margin act on the limit's loss
        // (`loss::q_divergence`), not on its distances.
        Kernel::GaussianLimit {
            limit,
            metric,
            exclude_self,
            ..
        } => {
            let pair = learned::device_pairing(
                ctx.batch,
                inputs,
                ctx.layout,
                *exclude_self,
                "GaussianLimit",
                &ctx.window,
            )?;
            let d = learned::pair_distances(&pair, *metric);
            Ok(QValue::Limit {
                kind: *limit,
                d,
                cand: pair.cand,
            })
        }
        Kernel::UniformCluster {
            exclude_self,
            degree_weighted,
        } => {
            if ctx.layout == Layout::CrossModal {
                return Err(wrong_side(
                    "UniformCluster",
                    "a cross-modal layout",
                    "use a pairwise layout for clustering",
                ));
            }
            let pair = learned::device_pairing(
                ctx.batch,
                inputs,
                ctx.layout,
                *exclude_self,
                "UniformCluster",
                &ctx.window,
            )?;
            let [r, _] = pair.rows.dims();
            let [m, _] = pair.cols.dims();
            let device = pair.rows.device();
            let degree = if *degree_weighted {
                let deg = ctx.degree.as_ref().filter(|d| d.len() == m).ok_or_else(|| {
                    Diagnostic::bare(Code::DegreeNeedsGraph, "degree-weighted UniformCluster needs a graph in p".to_string())
                        .with_help("write p with `Graph(path = …) on index`, or set `degree_weighted = false`")
                })?;
                let v: Vec<f64> = deg.clone();
                Some(Tensor::<B, 1>::from_data(
                    host::float_data::<B, 1>(v, [m]),
                    &device,
                ))
            } else {
                None
            };
            let excl = learned::excluded_mask::<B>(&pair.cand, r, m, &device);
            let renormalize = pair.cand.iter().any(|c| !c);
            let log_q =
                learned::uniform_cluster_log_q(pair.rows, pair.cols, degree, excl, renormalize);
            Ok(QValue::Log {
                log_q,
                cand: pair.cand,
                log_z: None,
            })
        }
        Kernel::Label { .. }
        | Kernel::Augmentation
        | Kernel::CrossModal
        | Kernel::UniformKnn { .. }
        | Kernel::Graph { .. }
        | Kernel::Identity => Err(wrong_side(
            kernel.name(),
            "q",
            "q must be learned: Gaussian, GaussianLimit, StudentT or UniformCluster",
        )),
    }
}

impl<B: Backend> QContext<'_, B> {
    fn take_param(&mut self) -> Result<Scale<B>, Diagnostic> {
        let p = self.params.log_scales.get(self.next_param).ok_or_else(|| {
            host::internal(
                "kernel parameters do not match the method (build them with KernelParams::init)"
                    .into(),
            )
        })?;
        self.next_param += 1;
        Ok(Scale::Learned(p.val()))
    }
}

fn log_value<B: Backend>(logits: Tensor<B, 2>, cand: Vec<bool>) -> QValue<B> {
    let [r, m] = logits.dims();
    let excl = learned::excluded_mask::<B>(&cand, r, m, &logits.device());
    let (log_q, log_z) = learned::masked_log_softmax_lse(logits, excl);
    QValue::Log {
        log_q,
        cand,
        log_z: Some(log_z),
    }
}

/// E0505: a kernel or transform used where it has no meaning.
pub fn wrong_side(what: &str, side: &str, help: &str) -> Diagnostic {
    Diagnostic::bare(
        Code::KernelWrongSide,
        format!("`{what}` cannot be used in {side}"),
    )
    .with_help(help.to_string())
}

/// Initial learnable log-scales of a q tree in pre-order: `log 2σ²` for a
/// learnable Gaussian (σ defaults to 1/√2, i.e. scale 1), `log γ` for a
/// learnable Student-t.
pub fn learnable_init(expr: &KernelExpr, out: &mut Vec<f64>) {
    match expr {
        KernelExpr::Kernel { kernel, .. } => match kernel {
            Kernel::Gaussian {
                learnable: true,
                sigma,
                ..
            } => {
                let s = sigma
                    .filter(|s| *s > 0.0)
                    .unwrap_or(std::f64::consts::FRAC_1_SQRT_2);
                out.push((2.0 * s * s).ln());
            }
            Kernel::StudentT {
                learnable: true,
                gamma,
                ..
            } => out.push(if *gamma > 0.0 { gamma.ln() } else { 0.0 }),
            _ => {}
        },
        KernelExpr::Add(a, b) | KernelExpr::Sub(a, b) => {
            learnable_init(a, out);
            learnable_init(b, out);
        }
        KernelExpr::Scale(_, k)
        | KernelExpr::Normalize(k)
        | KernelExpr::Binarize(_, k)
        | KernelExpr::Leak(_, k)
        | KernelExpr::Symmetrize(k)
        | KernelExpr::DebiasQ(_, k)
        | KernelExpr::CrossView(_, k) => learnable_init(k, out),
        KernelExpr::Propagate { inner, .. } => learnable_init(inner, out),
    }
}

/// [`expr_keys`] of one expression, as a new set.
pub fn keys_of(e: &KernelExpr) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    expr_keys(e, &mut keys);
    keys
}

/// Every batch key an expression's kernels read (with the kernels' default keys).
pub fn expr_keys(e: &KernelExpr, keys: &mut BTreeSet<String>) {
    match e {
        KernelExpr::Kernel { kernel, inputs } => {
            // A data-set p was built from `x` before training; a batch
            // gathers it by `index`.
            if neighbors::has_dataset_scope(e) {
                keys.insert("index".into());
                return;
            }
            keys.extend(inputs.iter().cloned());
            if inputs.is_empty() {
                match kernel {
                    Kernel::Graph { .. } => {
                        keys.insert("index".into());
                    }
                    Kernel::Label { .. } => {
                        keys.insert("label".into());
                    }
                    _ => {}
                }
            }
        }
        KernelExpr::Add(a, b) | KernelExpr::Sub(a, b) => {
            expr_keys(a, keys);
            expr_keys(b, keys);
        }
        KernelExpr::Scale(_, k)
        | KernelExpr::Normalize(k)
        | KernelExpr::Binarize(_, k)
        | KernelExpr::Leak(_, k)
        | KernelExpr::Symmetrize(k)
        | KernelExpr::DebiasQ(_, k)
        | KernelExpr::CrossView(_, k) => expr_keys(k, keys),
        KernelExpr::Propagate { inner, .. } => expr_keys(inner, keys),
    }
}
