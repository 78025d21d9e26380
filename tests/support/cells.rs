//! The 37 cells of spec §5: file stem, p column id, q row id, and whether the
//! spec marks the cell as a gap (◇). Typed in from the spec text, shared by
//! the std-lib and table tests.

/// (file stem, p column, q row, gap).
pub const CELLS: [(&str, &str, &str, bool); 37] = [
    // Row 1: q Gaussian.
    ("sne", "gaussian", "gaussian", false),
    ("xsample_cl", "gaussian", "gaussian", false),
    ("dual_tsne", "student_t", "gaussian", true),
    ("sne_graph", "graph_kernel", "gaussian", true),
    ("sne_uniform", "uniform_knn", "gaussian", false),
    ("lgsimclr", "uniform_knn", "gaussian", false),
    ("infonce", "positive_pairs", "gaussian", false),
    ("simclr", "positive_pairs", "gaussian", false),
    ("supcon_pairs", "positive_pairs", "gaussian", false),
    // Decision (methods/mocov3.icon): both views are rows of one batch and
    // `-> cross_view` gives the spec's identity, an Augmentation p.
    ("mocov3", "positive_pairs", "gaussian", false),
    ("clip", "cross_modal", "gaussian", false),
    ("cmc", "cross_modal", "gaussian", false),
    ("supcon", "uniform_classes", "gaussian", false),
    ("supervised_ce", "data_label", "gaussian", false),
    // Row 2: q Gaussian σ→∞.
    ("pca", "identity", "gaussian_inf", false),
    ("vicreg", "positive_pairs", "gaussian_inf", false),
    ("avg_margin_clip", "cross_modal", "gaussian_inf", true),
    ("avg_margin_supcon", "uniform_classes", "gaussian_inf", true),
    // Row 3: q Gaussian σ→0.
    ("triplet", "positive_pairs", "gaussian_zero", false),
    ("triplet_clip", "cross_modal", "gaussian_zero", true),
    ("triplet_supcon", "uniform_classes", "gaussian_zero", true),
    ("error_rate", "data_label", "gaussian_zero", true),
    // Row 4: q Student-T.
    ("tsne", "gaussian", "student_t", false),
    ("doubly_tsne", "student_t", "student_t", true),
    ("tsne_graph", "graph_kernel", "student_t", false),
    ("tsne_uniform", "uniform_knn", "student_t", false),
    ("tsimcne", "positive_pairs", "student_t", false),
    ("tsimclr", "positive_pairs", "student_t", false),
    ("tclip", "cross_modal", "student_t", true),
    ("tsupcon", "uniform_classes", "student_t", true),
    ("harmonic", "data_label", "student_t", false),
    // Row 5: q Uniform on Clusters.
    ("kmeans", "gaussian", "uniform_clusters", false),
    ("t_kmeans", "student_t", "uniform_clusters", true),
    ("ncuts", "graph_kernel", "uniform_clusters", false),
    ("dcd", "uniform_knn", "uniform_clusters", false),
    (
        "infonce_clustering",
        "positive_pairs",
        "uniform_clusters",
        false,
    ),
    (
        "supervised_clustering",
        "uniform_classes",
        "uniform_clusters",
        true,
    ),
];
