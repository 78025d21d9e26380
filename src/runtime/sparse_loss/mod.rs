//! The Student-t loss of a 2-D map with a Barnes–Hut repulsion
//! (`q = StudentT(repulsion = barnes_hut) on embedding`, issue 11 item 3):
//! the attraction exactly over p's nonzero entries, the row normalizers and
//! their gradients from a quadtree, on the host, in O(n log n + nnz(p)).
//!
//! ```text
//! batch ─► p rows (sparse: gathered from the data-set table, or the dense p's nonzeros)
//!       └► y = embedding [n, 2] (host f64) ─► objective::loss_and_grad ─► (L, ∂L/∂y)
//! surrogate = ⟨y, ∂L/∂y⟩ − its detached value + L   (the gradient enters the mappers' graph)
//! ```
//!
//! It is the same conditional loss as the dense path (§1.1 with the
//! Student-t q of §2.3 and exaggeration α): θ = 0 reproduces the dense loss
//! and gradient; θ > 0 approximates the repulsive sums, whose error the
//! tests bound.

use crate::diag::Code;
pub mod objective;
pub mod quadtree;

use crate::diag::Diagnostic;
use crate::ir::{self, Kernel, KernelExpr, Repulsion, StudentForm};
use crate::runtime::divergence::{self, EPS};
use crate::runtime::kernels::host::{self, HostKeys};
use crate::runtime::kernels::{self, neighbors, PContext};
use crate::runtime::loss::Batch;
use crate::runtime::profile::{self, Phase};
use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;
use objective::{Settings, SparseRows};
use quadtree::Student;
use rayon::prelude::*;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, OnceLock};

/// A q that the tree computes, read off the method.
#[derive(Debug, Clone)]
pub struct BarnesHut {
    /// The 2-D key q reads.
    pub key: String,
    /// The loss's kernel, opening angle and self rule (α is per step).
    pub settings: Settings,
}

impl BarnesHut {
    /// The tree's view of `method.q`, when q is a `StudentT(repulsion =
    /// barnes_hut)` (the checker, E0415, has made sure the tree can compute it).
    pub fn of(method: &ir::Method) -> Option<Self> {
        let KernelExpr::Kernel { kernel, inputs } = without_normalize(&method.q) else {
            return None;
        };
        match kernel {
            Kernel::StudentT {
                dof,
                gamma,
                form: StudentForm::T,
                learnable: false,
                exclude_self,
                repulsion: Repulsion::BarnesHut { theta },
                ..
            } => Some(BarnesHut {
                key: inputs.first()?.clone(),
                settings: Settings {
                    kernel: Student {
                        a: dof * gamma,
                        e: (dof + 1.0) / 2.0,
                    },
                    theta: *theta,
                    alpha: 1.0,
                    exclude_self: *exclude_self,
                },
            }),
            _ => None,
        }
    }

    /// The loss of `batch` with exaggeration `alpha`: a `[1]` tensor whose
    /// value is the loss and whose gradient with respect to q's key (and,
    /// through it, the mappers) is the loss's.
    pub fn loss<B: AutodiffBackend>(
        &self,
        method: &ir::Method,
        batch: &Batch<B>,
        alpha: f64,
    ) -> Result<Tensor<B, 1>, Diagnostic> {
        let t_p = profile::start();
        // A data-set p reads only `index` here (its table was built from `x`).
        let mut keys = kernels::keys_of(&method.p);
        keys.insert(self.key.clone());
        let hb = HostKeys::from_batch(batch, &keys)?;
        let p = sparse_p(&method.p, method.layout, &hb)?;
        profile::stop(Phase::P, t_p);

        let t_q = profile::start();
        let y = hb.float(&self.key)?;
        if y.cols != 2 || y.rows != p.len() {
            return Err(Diagnostic::bare(
                Code::KernelShapeMismatch,
                format!(
                    "the Barnes–Hut q needs a {}×2 key; `{}` is {}×{}",
                    p.len(),
                    self.key,
                    y.rows,
                    y.cols
                ),
            )
            .with_help("`repulsion = barnes_hut` embeds every p row as a point of a 2-D map"));
        }
        let points: Vec<[f64; 2]> = y.data.chunks(2).map(|c| [c[0], c[1]]).collect();
        let out = objective::loss_and_grad(
            &points,
            &p,
            Settings {
                alpha,
                ..self.settings
            },
        );
        let key = batch
            .floats
            .get(&self.key)
            .cloned()
            .ok_or_else(|| host::internal(format!("key `{}` left the batch", self.key)))?;
        let device = key.device();
        let grad: Vec<f64> = out.grad.iter().flat_map(|g| [g[0], g[1]]).collect();
        let grad =
            Tensor::<B, 2>::from_data(host::float_data::<B, 2>(grad, [points.len(), 2]), &device);
        let value =
            Tensor::<B, 1>::from_data(host::float_data::<B, 1>(vec![out.loss], [1]), &device);
        // ⟨y, G⟩ − its detached value + L: the value is L, the gradient G.
        let dot = (key * grad).sum();
        let loss = dot.clone() - dot.detach() + value;
        profile::stop(Phase::QDivergence, t_q);
        Ok(loss)
    }
}

/// p's rows as `(column, p_ij)` with `p_ij > ε`: gathered from the data-set
/// table when p is a `scope = dataset` leaf (never a dense B×B), else the
/// nonzeros of the dense p. Refuses a p that is not a distribution (E0515).
fn sparse_p(
    p: &KernelExpr,
    layout: ir::Layout,
    hb: &HostKeys,
) -> Result<Arc<SparseRows>, Diagnostic> {
    let table = dataset_leaf(p);
    let cache_key = table.map(|table| {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (table, hb.int("index").unwrap_or(&[])).hash(&mut h);
        h.finish()
    });
    if let Some(key) = cache_key {
        if let Some(rows) = cached(key) {
            return Ok(rows);
        }
    }
    let rows: SparseRows = match table {
        Some(table) => {
            let mut rows = neighbors::gather_rows(hb, &*neighbors::table(table)?)?;
            rows.par_iter_mut()
                .for_each(|row| row.retain(|e| e.1 > EPS));
            rows
        }
        None => {
            let mut ctx = PContext {
                hb,
                layout,
                beta: None,
                unconverged: 0,
                clamped: 0,
            };
            let dense = kernels::eval_p(p, &mut ctx)?;
            divergence::check_distribution(&dense, 0)?;
            dense
                .values
                .chunks(dense.cols.max(1))
                .map(|row| {
                    row.iter()
                        .enumerate()
                        .filter(|e| *e.1 > EPS)
                        .map(|(j, &v)| (j, v))
                        .collect()
                })
                .collect()
        }
    };
    if rows.iter().all(Vec::is_empty) {
        return Err(divergence::zero_p());
    }
    let rows = Arc::new(rows);
    if let Some(key) = cache_key {
        if let Ok(mut slot) = last_rows().lock() {
            *slot = Some((key, Arc::clone(&rows)));
        }
    }
    Ok(rows)
}

/// A gathered p and the key of the batch it was gathered for.
type KeyedRows = (u64, Arc<SparseRows>);

/// The last data-set p gathered, by (table, batch indices): a batch that
/// holds the whole data set comes in data-set order at every step
/// (`Batcher::order`), so its p is gathered once.
fn last_rows() -> &'static Mutex<Option<KeyedRows>> {
    static LAST: OnceLock<Mutex<Option<KeyedRows>>> = OnceLock::new();
    LAST.get_or_init(Default::default)
}

fn cached(key: u64) -> Option<Arc<SparseRows>> {
    let slot = last_rows().lock().ok()?;
    slot.as_ref()
        .filter(|(k, _)| *k == key)
        .map(|(_, rows)| Arc::clone(rows))
}

/// Whether the tree path reads p sparse, never forming the dense B×B p:
/// p is one `scope = dataset` leaf (the memory estimate follows this).
pub fn reads_p_sparse(p: &KernelExpr) -> bool {
    dataset_leaf(p).is_some()
}

/// The table of p when p is one `scope = dataset` leaf (normalized or not):
/// `Some(table id)`, the id `None` until the session attaches it.
fn dataset_leaf(p: &KernelExpr) -> Option<Option<u64>> {
    match without_normalize(p) {
        KernelExpr::Kernel { kernel, .. } => match kernel.scope() {
            ir::Scope::Dataset { table } => Some(table),
            ir::Scope::Batch => None,
        },
        _ => None,
    }
}

/// `e` without its `-> normalize` wrappers (learned kernels and data-set
/// tables are row-normalized already).
fn without_normalize(mut e: &KernelExpr) -> &KernelExpr {
    while let KernelExpr::Normalize(inner) = e {
        e = inner;
    }
    e
}
