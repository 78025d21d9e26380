//! The memory-bounded I-Con loss (issue 9 item 5): p, log q and the
//! divergence one row tile at a time, so a training step holds
//! O(tile · M + B · D) loss memory instead of O(B²).
//!
//! ```text
//! keys (B×D, from the mappers) ──detach──► leaves ─┬─ tile 0: p₀ (host), q₀, rows₀ ─► backward ─┐
//!                                                  ├─ tile 1: …                               ├─► Σ ∂/∂leaves = G
//!                                                  └─ …                                       ┘
//! surrogate = Σ_k ⟨keys_k, G_k⟩ − its detached value + Σ tile losses
//! ```
//!
//! Every row of the loss depends only on its own p and q row (§1), so the
//! loss is `Σ_tiles Σ_{i ∈ tile} rows_i / R`, and its gradient with respect
//! to the keys is the sum of the tiles' gradients. Each tile runs forward
//! and backward at once and frees its graph before the next one starts; the
//! accumulated gradient `G` then enters the mappers' graph through the
//! surrogate, whose value is the loss and whose gradient with respect to the
//! keys is exactly `G`. No tile is computed twice.
//!
//! Decision: the tile order is fixed (row 0 upward) and the gradients are
//! summed in that order, so a run is bit-for-bit reproducible; it differs
//! from the untiled path only by f32 summation order (tested to 1e-5).

use crate::diag::Diagnostic;
use crate::ir::{self, Kernel, KernelExpr, Layout};
use crate::runtime::divergence;
use crate::runtime::kernels::host::{self, HostKeys};
use crate::runtime::kernels::{self, PContext};
use crate::runtime::loss::{batch_device, graph_degrees, q_divergence, Batch, KernelParams};
use crate::runtime::memory::{self, BYTES_PER_LOSS_ENTRY};
use crate::runtime::profile::{self, Phase};
use burn::module::Param;
use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;

/// How a training step splits the loss into row tiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tiling {
    /// Tile when the untiled loss would need more than [`AUTO_TILE_ABOVE`]
    /// bytes, in tiles of about [`TILE_BYTES`].
    #[default]
    Auto,
    /// Never tile.
    Off,
    /// Tiles of this many rows whenever the method allows it.
    Rows(usize),
}

impl std::str::FromStr for Tiling {
    type Err = String;
    /// `auto`, `off`, or a tile height in rows (≥ 1).
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(Tiling::Auto),
            "off" => Ok(Tiling::Off),
            n => match n.parse::<usize>() {
                Ok(rows) if rows >= 1 => Ok(Tiling::Rows(rows)),
                _ => Err(format!(
                    "`{n}` is not `auto`, `off` or a tile height of at least 1 row"
                )),
            },
        }
    }
}

/// The untiled loss size above which [`Tiling::Auto`] tiles.
// Decision: below this the untiled path is kept, so small batches keep one
// graph (and the p cache of full-batch cells); 512 MiB is about B = 3,400.
pub const AUTO_TILE_ABOVE: u128 = 512 << 20;

/// The loss memory one tile aims at under [`Tiling::Auto`].
pub const TILE_BYTES: u128 = 256 << 20;

/// True when every loss row depends only on its own p and q rows, which is
/// what tiling needs: not a class table (already B×C), and no `propagate` or
/// `symmetrize` in p (they mix rows).
pub fn row_separable(method: &ir::Method) -> bool {
    !matches!(method.layout, Layout::Table { .. }) && !mixes_rows(&method.p)
}

fn mixes_rows(e: &KernelExpr) -> bool {
    matches!(e, KernelExpr::Propagate { .. } | KernelExpr::Symmetrize(_))
        || e.children().into_iter().any(mixes_rows)
}

/// The loss rows R and columns M of a batch of `rows` items.
pub fn loss_shape(layout: Layout, rows: usize) -> (usize, usize) {
    match layout {
        Layout::Pairwise => (rows, rows),
        Layout::Table { classes } => (rows, classes),
        Layout::CrossModal => (2 * rows, 2 * rows),
    }
}

/// The tile height for a batch of `rows` items under `tiling`, or `None` for
/// the untiled path.
pub fn tile_rows(method: &ir::Method, rows: usize, tiling: Tiling) -> Option<usize> {
    if !row_separable(method) {
        return None;
    }
    let (r, m) = loss_shape(method.layout, rows);
    let tile = match tiling {
        Tiling::Off => return None,
        Tiling::Rows(t) => t.max(1),
        Tiling::Auto => {
            let untiled = memory::loss_entries(method.layout, rows) * BYTES_PER_LOSS_ENTRY as u128;
            if untiled <= AUTO_TILE_ABOVE {
                return None;
            }
            let per_row = m as u128 * BYTES_PER_LOSS_ENTRY as u128;
            (TILE_BYTES / per_row.max(1)).max(1) as usize
        }
    };
    (tile < r).then_some(tile)
}

/// The loss of `batch` computed in row tiles of `tile` rows; returns a `[1]`
/// tensor whose value is the I-Con loss and whose gradient (through the
/// mappers and `params`) is the loss's gradient. `alpha` is the
/// exaggeration of the attraction (1 = none; see `loss::icon_loss_exaggerated`).
pub fn tiled_loss<B: AutodiffBackend>(
    method: &ir::Method,
    batch: &Batch<B>,
    params: &KernelParams<B>,
    tile: usize,
    alpha: f64,
) -> Result<Tensor<B, 1>, Diagnostic> {
    let t_p = profile::start();
    let mut hb = HostKeys::from_batch(batch, &kernels::keys_of(&method.p))?;
    let degree = graph_degrees(&method.p, &hb)?;
    profile::stop(Phase::P, t_p);

    let q_keys = kernels::keys_of(&method.q);
    // Leaves the tiles differentiate; the mappers' graph stays on `batch`.
    let mut leaves = Batch::<B>::new();
    for (name, t) in &batch.floats {
        let t = t.clone().detach();
        let t = if q_keys.contains(name) {
            t.require_grad()
        } else {
            t
        };
        leaves.floats.insert(name.clone(), t);
    }
    leaves.ints = batch.ints.clone();
    let scale_leaves: Vec<Tensor<B, 1>> = params
        .log_scales
        .iter()
        .map(|p| p.val().detach().require_grad())
        .collect();
    let leaf_params = KernelParams {
        log_scales: scale_leaves
            .iter()
            .cloned()
            .map(Param::from_tensor)
            .collect(),
    };

    // Loss rows R: both modalities stacked for a cross-modal layout.
    let total = loss_shape(method.layout, batch_rows(method, batch)?).0;
    let device = batch_device(batch);
    let mut key_grads: Vec<Option<Tensor<B::InnerBackend, 2>>> = vec![None; batch.floats.len()];
    let mut scale_grads: Vec<Option<Tensor<B::InnerBackend, 1>>> = vec![None; scale_leaves.len()];
    let mut value = 0.0f64;
    let mut mass = false;
    for start in (0..total).step_by(tile) {
        let window = start..(start + tile).min(total);
        let t_p = profile::start();
        hb.window = Some(window.clone());
        let mut pctx = PContext {
            hb: &hb,
            layout: method.layout,
            beta: None,
            unconverged: 0,
            clamped: 0,
        };
        let p = kernels::eval_p(&method.p, &mut pctx)?;
        mass |= divergence::check_distribution(&p, window.start)?;
        profile::stop(Phase::P, t_p);
        let t_q = profile::start();
        let rows = q_divergence(
            method,
            &leaves,
            &leaf_params,
            &p,
            degree.clone(),
            Some(window),
            alpha,
        )?;
        let tile_loss = rows.loss_rows.sum().div_scalar(total as f64);
        value += tile_loss.clone().into_scalar().elem::<f64>();
        profile::stop(Phase::QDivergence, t_q);
        profile::time(Phase::Backward, || {
            let grads = tile_loss.backward();
            for (acc, leaf) in key_grads.iter_mut().zip(leaves.floats.values()) {
                accumulate(acc, leaf.grad(&grads));
            }
            for (acc, leaf) in scale_grads.iter_mut().zip(&scale_leaves) {
                accumulate(acc, leaf.grad(&grads));
            }
            profile::sync::<B>(&device);
        });
    }
    hb.window = None;
    if !mass {
        return Err(divergence::zero_p());
    }

    // ⟨keys, G⟩ carries G into the mappers' graph; subtracting its detached
    // value leaves exactly the accumulated loss as the surrogate's value.
    let mut dot: Option<Tensor<B, 1>> = None;
    for (g, key) in key_grads.into_iter().zip(batch.floats.values()) {
        if let Some(g) = g {
            add_term(&mut dot, (key.clone() * Tensor::from_inner(g)).sum());
        }
    }
    for (g, p) in scale_grads.into_iter().zip(&params.log_scales) {
        if let Some(g) = g {
            add_term(&mut dot, (p.val() * Tensor::from_inner(g)).sum());
        }
    }
    let value = Tensor::<B, 1>::from_data(host::float_data::<B, 1>(vec![value], [1]), &device);
    Ok(match dot {
        Some(dot) => dot.clone() - dot.detach() + value,
        None => value,
    })
}

fn accumulate<B: Backend, const D: usize>(acc: &mut Option<Tensor<B, D>>, g: Option<Tensor<B, D>>) {
    if let Some(g) = g {
        *acc = Some(match acc.take() {
            Some(a) => a + g,
            None => g,
        });
    }
}

fn add_term<B: Backend>(sum: &mut Option<Tensor<B, 1>>, term: Tensor<B, 1>) {
    *sum = Some(match sum.take() {
        Some(s) => s + term,
        None => term,
    });
}

/// The batch rows of `batch`: the rows of q's first key (what [`tile_rows`]
/// takes; a table key such as `class_embedding` has other rows).
pub fn batch_rows<B: Backend>(method: &ir::Method, batch: &Batch<B>) -> Result<usize, Diagnostic> {
    let key = first_q_key(&method.q).unwrap_or_else(|| "embedding".into());
    let t = batch
        .floats
        .get(&key)
        .ok_or_else(|| host::missing_key(&key, "float"))?;
    Ok(t.dims()[0])
}

fn first_q_key(e: &KernelExpr) -> Option<String> {
    let (kernel, inputs) = e.leaves().into_iter().next()?;
    inputs.first().cloned().or_else(|| match kernel {
        Kernel::Label { .. } => Some("label".into()),
        _ => None,
    })
}
