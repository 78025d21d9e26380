//! What the I-Con paper's table (spec §5) says about each position: filled by
//! a known method, a gap (◇) the paper proposes to fill, or not in the table.
//!
//! Decision: "new" is a property of the *cell position*, not of a file. A
//! method is new exactly when it sits where the paper has a ◇ gap or no entry
//! at all; this needs no marker in the `.icon` file (the std-lib headers still
//! say `Status: known` / `Status: new` for readers, and a test checks that the
//! two agree). MoCo v3 puts both views in one batch and contrasts them with
//! `-> cross_view`, so its p is an Augmentation and its known position is
//! Positive Pairs × Gaussian, next to SimCLR (see `methods/mocov3.icon`).

use super::axes::{Cell, Column, Row};
use serde::Serialize;

/// How the paper's table treats a position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The paper places one or more published methods here.
    Known,
    /// The paper marks the position as a gap (◇): a new method it derives.
    Gap,
    /// The paper's table has nothing here: new, and not even predicted.
    Unlisted,
}

impl Status {
    /// True for a method the paper's table does not already list.
    pub fn is_new(self) -> bool {
        !matches!(self, Status::Known)
    }
}

use Column as C;
use Row as R;

/// The 18 positions holding the paper's 25 known methods, with their names.
const KNOWN: [(Cell, &str); 18] = [
    (Cell::new(C::Gaussian, R::Gaussian), "SNE, X-Sample CL"),
    (
        Cell::new(C::UniformKnn, R::Gaussian),
        "SNE (uniform), LGSimCLR",
    ),
    (
        Cell::new(C::PositivePairs, R::Gaussian),
        "InfoNCE, SimCLR, SupCon (pairs)",
    ),
    (Cell::new(C::CrossModal, R::Gaussian), "MoCo v3, CLIP, CMC"),
    (Cell::new(C::UniformClasses, R::Gaussian), "SupCon"),
    (Cell::new(C::DataLabel, R::Gaussian), "Cross-Entropy"),
    (Cell::new(C::Identity, R::GaussianInf), "PCA"),
    (Cell::new(C::PositivePairs, R::GaussianInf), "VICReg"),
    (Cell::new(C::PositivePairs, R::GaussianZero), "Triplet"),
    (Cell::new(C::Gaussian, R::StudentT), "t-SNE"),
    (
        Cell::new(C::GraphKernel, R::StudentT),
        "t-SNE graph embedding",
    ),
    (Cell::new(C::UniformKnn, R::StudentT), "t-SNE (uniform)"),
    (
        Cell::new(C::PositivePairs, R::StudentT),
        "t-SimCNE, t-SimCLR",
    ),
    (Cell::new(C::DataLabel, R::StudentT), "Harmonic loss"),
    (Cell::new(C::Gaussian, R::UniformClusters), "K-Means"),
    (
        Cell::new(C::GraphKernel, R::UniformClusters),
        "Normalized Cuts",
    ),
    (Cell::new(C::UniformKnn, R::UniformClusters), "DCD"),
    (
        Cell::new(C::PositivePairs, R::UniformClusters),
        "InfoNCE clustering",
    ),
];

/// The paper's 12 gaps (◇), with the names the spec gives them.
const GAPS: [(Cell, &str); 12] = [
    (Cell::new(C::StudentT, R::Gaussian), "Dual t-SNE"),
    (
        Cell::new(C::GraphKernel, R::Gaussian),
        "SNE graph embedding",
    ),
    (
        Cell::new(C::CrossModal, R::GaussianInf),
        "Average-margin CLIP",
    ),
    (
        Cell::new(C::UniformClasses, R::GaussianInf),
        "Average-margin SupCon",
    ),
    (Cell::new(C::CrossModal, R::GaussianZero), "Triplet CLIP"),
    (
        Cell::new(C::UniformClasses, R::GaussianZero),
        "Triplet SupCon",
    ),
    (Cell::new(C::DataLabel, R::GaussianZero), "Error rate"),
    (Cell::new(C::StudentT, R::StudentT), "Doubly t-SNE"),
    (Cell::new(C::CrossModal, R::StudentT), "t-CLIP"),
    (Cell::new(C::UniformClasses, R::StudentT), "t-SupCon"),
    (Cell::new(C::StudentT, R::UniformClusters), "t K-Means"),
    (
        Cell::new(C::UniformClasses, R::UniformClusters),
        "Supervised clustering",
    ),
];

/// How the paper's table treats `cell`.
pub fn status(cell: Cell) -> Status {
    if KNOWN.iter().any(|(c, _)| *c == cell) {
        Status::Known
    } else if GAPS.iter().any(|(c, _)| *c == cell) {
        Status::Gap
    } else {
        Status::Unlisted
    }
}

/// The names the paper (or, for a gap, the spec) gives the methods at `cell`.
pub fn paper_names(cell: Cell) -> Option<&'static str> {
    KNOWN
        .iter()
        .chain(GAPS.iter())
        .find(|(c, _)| *c == cell)
        .map(|(_, n)| *n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_distinct_and_counts_match_the_spec() {
        // Spec §5: 25 known methods in 18 positions, 12 gaps, 45 positions in all.
        let mut all: Vec<Cell> = KNOWN.iter().chain(GAPS.iter()).map(|(c, _)| *c).collect();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 30);
        let names: usize = KNOWN.iter().map(|(_, n)| n.split(", ").count()).sum();
        assert_eq!(names, 25);
        let unlisted = Column::ALL
            .iter()
            .flat_map(|c| Row::ALL.iter().map(move |r| Cell::new(*c, *r)))
            .filter(|c| status(*c) == Status::Unlisted)
            .count();
        assert_eq!(unlisted, 45 - 30);
    }

    #[test]
    fn gaps_and_unlisted_are_new() {
        assert!(!status(Cell::new(C::PositivePairs, R::Gaussian)).is_new());
        assert_eq!(status(Cell::new(C::CrossModal, R::StudentT)), Status::Gap);
        assert!(status(Cell::new(C::CrossModal, R::StudentT)).is_new());
        assert_eq!(
            status(Cell::new(C::Identity, R::StudentT)),
            Status::Unlisted
        );
        assert!(status(Cell::new(C::Identity, R::StudentT)).is_new());
    }
}
