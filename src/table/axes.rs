//! The two axes of the I-Con periodic table (spec §5): the supervisory kernel
//! `p` picks the column, the learned kernel `q` picks the row.

use serde::Serialize;

/// A column of the table: the family of the supervisory kernel `p`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Column {
    /// `Gaussian(…)` affinities on the data (SNE, t-SNE, K-Means).
    Gaussian,
    /// `StudentT(…)` affinities on the data (Dual t-SNE, t K-Means).
    StudentT,
    /// `Identity()`: each point is its own neighbour (PCA).
    Identity,
    /// `Graph(…)`: weights of a given graph (NCuts, tsNET).
    GraphKernel,
    /// `UniformKNN(…)`: uniform over the k nearest neighbours.
    UniformKnn,
    /// `Augmentation()`: uniform over the other views of a sample.
    PositivePairs,
    /// `CrossModal()`: the paired item of the other modality.
    CrossModal,
    /// `Label()`: uniform over same-label samples.
    UniformClasses,
    /// `Label(table = true)`: one-hot over class prototypes.
    DataLabel,
}

impl Column {
    /// Every column, in the spec's order (left to right).
    pub const ALL: [Column; 9] = [
        Column::Gaussian,
        Column::StudentT,
        Column::Identity,
        Column::GraphKernel,
        Column::UniformKnn,
        Column::PositivePairs,
        Column::CrossModal,
        Column::UniformClasses,
        Column::DataLabel,
    ];

    /// Stable snake-case id (the JSON name).
    pub fn id(self) -> &'static str {
        match self {
            Column::Gaussian => "gaussian",
            Column::StudentT => "student_t",
            Column::Identity => "identity",
            Column::GraphKernel => "graph_kernel",
            Column::UniformKnn => "uniform_knn",
            Column::PositivePairs => "positive_pairs",
            Column::CrossModal => "cross_modal",
            Column::UniformClasses => "uniform_classes",
            Column::DataLabel => "data_label",
        }
    }

    /// The spec's header text.
    pub fn label(self) -> &'static str {
        match self {
            Column::Gaussian => "Gaussian",
            Column::StudentT => "Student-T",
            Column::Identity => "Identity",
            Column::GraphKernel => "Graph Kernel Weights",
            Column::UniformKnn => "Uniform over K-Neighbors",
            Column::PositivePairs => "Uniform over Positive Pairs",
            Column::CrossModal => "Cross-Modal Pairs",
            Column::UniformClasses => "Uniform over Classes",
            Column::DataLabel => "Data-Label Pairs",
        }
    }
}

/// A row of the table: the family of the learned kernel `q`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Row {
    /// `Gaussian(sigma …)` (contrastive learning, SNE, cross-entropy).
    Gaussian,
    /// `GaussianLimit(limit = inf)` (PCA, VICReg).
    GaussianInf,
    /// `GaussianLimit(limit = zero)` (triplet losses).
    GaussianZero,
    /// `StudentT(…)` (t-SNE, t-SimCLR, harmonic loss).
    StudentT,
    /// `UniformCluster(…)` (K-Means, NCuts, DCD).
    UniformClusters,
}

impl Row {
    /// Every row, in the spec's order (top to bottom).
    pub const ALL: [Row; 5] = [
        Row::Gaussian,
        Row::GaussianInf,
        Row::GaussianZero,
        Row::StudentT,
        Row::UniformClusters,
    ];

    /// Stable snake-case id (the JSON name).
    pub fn id(self) -> &'static str {
        match self {
            Row::Gaussian => "gaussian",
            Row::GaussianInf => "gaussian_inf",
            Row::GaussianZero => "gaussian_zero",
            Row::StudentT => "student_t",
            Row::UniformClusters => "uniform_clusters",
        }
    }

    /// The spec's header text.
    pub fn label(self) -> &'static str {
        match self {
            Row::Gaussian => "Gaussian",
            Row::GaussianInf => "Gaussian σ→∞",
            Row::GaussianZero => "Gaussian σ→0",
            Row::StudentT => "Student-T",
            Row::UniformClusters => "Uniform on Clusters",
        }
    }
}

/// One position of the table: a (p column, q row) pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Cell {
    /// The p family.
    pub column: Column,
    /// The q family.
    pub row: Row,
}

impl Cell {
    /// A cell from its column and row.
    pub const fn new(column: Column, row: Row) -> Self {
        Cell { column, row }
    }
}
