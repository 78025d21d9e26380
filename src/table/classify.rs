//! Places a checked [`ir::Method`] in the periodic table from its kernels.
//!
//! The rule reads only `Method::p` and `Method::q` (never the file name):
//!
//! 1. **Leaves.** Each leaf kernel belongs to one family:
//!    p side: `Gaussian` → Gaussian, `StudentT` → Student-T, `Identity` →
//!    Identity, `Graph` → Graph Kernel Weights, `UniformKNN` → Uniform over
//!    K-Neighbors, `Augmentation` → Uniform over Positive Pairs, `CrossModal` →
//!    Cross-Modal Pairs, `Label()` → Uniform over Classes, `Label(table = true)`
//!    → Data-Label Pairs. q side: `Gaussian` → Gaussian, `GaussianLimit(inf)` →
//!    Gaussian σ→∞, `GaussianLimit(zero)` → Gaussian σ→0, `StudentT` →
//!    Student-T, `UniformCluster` → Uniform on Clusters.
//! 2. **Wrappers** (`normalize`, `binarize`, `leak`, `propagate`, `symmetrize`,
//!    `debias`) keep the family of what they wrap: they reshape a kernel's
//!    mass, they do not change where its mass comes from.
//! 3. **Algebra** (`a * K`, `K1 + K2`, `K1 - K2`): every leaf kernel is row
//!    stochastic, so its weight in the sum is the row mass it contributes:
//!    the product of the scale factors above it, negated under the right side
//!    of `-`. Weights of leaves of one family add up, and the family with the
//!    largest total weight is the *dominant leaf kernel* that places the
//!    method. Decision: a tie goes to the family that appears first (leftmost),
//!    so `Augmentation() + UniformKNN(k = 3)` is a Positive-Pairs method, as
//!    the paper files its debiased InfoNCE clustering.
//! 4. A kernel that has no family on its side (e.g. `UniformCluster` as p, or
//!    `Augmentation` as q), or an expression whose weights are all ≤ 0, leaves
//!    the method unclassified with a reason.

use super::axes::{Cell, Column, Row};
use crate::ir::{Kernel, KernelExpr, LimitKind, Method};

/// Why a method has no cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unclassified {
    /// A leaf of `p` that is not a supervisory-kernel family.
    NotAColumn {
        /// The kernel's name as written in `.icon` (`UniformCluster`).
        kernel: &'static str,
    },
    /// A leaf of `q` that is not a learned-kernel family.
    NotARow {
        /// The kernel's name as written in `.icon` (`Augmentation`).
        kernel: &'static str,
    },
    /// Every family has total weight ≤ 0 (e.g. `0 * K`, `-K`).
    NoPositiveWeight {
        /// `"p"` or `"q"`.
        side: &'static str,
    },
}

impl std::fmt::Display for Unclassified {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unclassified::NotAColumn { kernel } => {
                write!(f, "p uses `{kernel}`, which is not a column of the table")
            }
            Unclassified::NotARow { kernel } => {
                write!(f, "q uses `{kernel}`, which is not a row of the table")
            }
            Unclassified::NoPositiveWeight { side } => {
                write!(f, "no kernel of {side} has a positive weight")
            }
        }
    }
}

/// The cell of `method`: column from the dominant leaf of `p`, row from the
/// dominant leaf of `q`.
pub fn classify(method: &Method) -> Result<Cell, Unclassified> {
    let column = dominant(&method.p, column_of, "p")?;
    let row = dominant(&method.q, row_of, "q")?;
    Ok(Cell::new(column, row))
}

/// The column of a p expression (see the module docs for the rule).
pub fn classify_p(p: &KernelExpr) -> Result<Column, Unclassified> {
    dominant(p, column_of, "p")
}

/// The row of a q expression (see the module docs for the rule).
pub fn classify_q(q: &KernelExpr) -> Result<Row, Unclassified> {
    dominant(q, row_of, "q")
}

/// Applies `family` to every leaf with its weight and returns the family with
/// the largest total weight (ties: first seen).
fn dominant<F: Copy + PartialEq>(
    expr: &KernelExpr,
    family: fn(&Kernel) -> Result<F, Unclassified>,
    side: &'static str,
) -> Result<F, Unclassified> {
    let mut leaves = Vec::new();
    weighted_leaves(expr, 1.0, &mut leaves);
    // Families in first-seen order with their summed weights.
    let mut totals: Vec<(F, f64)> = Vec::new();
    for (kernel, weight) in leaves {
        let f = family(kernel)?;
        match totals.iter_mut().find(|(g, _)| *g == f) {
            Some((_, w)) => *w += weight,
            None => totals.push((f, weight)),
        }
    }
    let mut best: Option<(F, f64)> = None;
    for (f, w) in totals {
        // Strictly greater keeps the first-seen family on a tie.
        if w > 0.0 && best.is_none_or(|(_, bw)| w > bw) {
            best = Some((f, w));
        }
    }
    best.map(|(f, _)| f)
        .ok_or(Unclassified::NoPositiveWeight { side })
}

/// Collects every leaf kernel of `expr` with its row-mass weight, left to right.
fn weighted_leaves<'a>(expr: &'a KernelExpr, weight: f64, out: &mut Vec<(&'a Kernel, f64)>) {
    match expr {
        KernelExpr::Kernel { kernel, .. } => out.push((kernel, weight)),
        KernelExpr::Add(a, b) => {
            weighted_leaves(a, weight, out);
            weighted_leaves(b, weight, out);
        }
        KernelExpr::Sub(a, b) => {
            weighted_leaves(a, weight, out);
            weighted_leaves(b, -weight, out);
        }
        KernelExpr::Scale(a, inner) => weighted_leaves(inner, weight * a, out),
        KernelExpr::Normalize(inner)
        | KernelExpr::Binarize(_, inner)
        | KernelExpr::Leak(_, inner)
        | KernelExpr::Symmetrize(inner)
        | KernelExpr::DebiasQ(_, inner)
        | KernelExpr::CrossView(_, inner)
        | KernelExpr::Propagate { inner, .. } => weighted_leaves(inner, weight, out),
    }
}

/// The p family of a leaf.
fn column_of(kernel: &Kernel) -> Result<Column, Unclassified> {
    Ok(match kernel {
        Kernel::Gaussian { .. } => Column::Gaussian,
        Kernel::StudentT { .. } => Column::StudentT,
        Kernel::Identity => Column::Identity,
        Kernel::Graph { .. } => Column::GraphKernel,
        Kernel::UniformKnn { .. } => Column::UniformKnn,
        Kernel::Augmentation => Column::PositivePairs,
        Kernel::CrossModal => Column::CrossModal,
        Kernel::Label { table: false, .. } => Column::UniformClasses,
        Kernel::Label { table: true, .. } => Column::DataLabel,
        Kernel::GaussianLimit { .. } | Kernel::UniformCluster { .. } => {
            return Err(Unclassified::NotAColumn {
                kernel: kernel.name(),
            })
        }
    })
}

/// The q family of a leaf.
fn row_of(kernel: &Kernel) -> Result<Row, Unclassified> {
    Ok(match kernel {
        Kernel::Gaussian { .. } => Row::Gaussian,
        Kernel::GaussianLimit {
            limit: LimitKind::Infinity,
            ..
        } => Row::GaussianInf,
        Kernel::GaussianLimit {
            limit: LimitKind::Zero,
            ..
        } => Row::GaussianZero,
        Kernel::StudentT { .. } => Row::StudentT,
        Kernel::UniformCluster { .. } => Row::UniformClusters,
        Kernel::Label { .. }
        | Kernel::Augmentation
        | Kernel::CrossModal
        | Kernel::UniformKnn { .. }
        | Kernel::Graph { .. }
        | Kernel::Identity => {
            return Err(Unclassified::NotARow {
                kernel: kernel.name(),
            })
        }
    })
}
