//! Mappers, kernels and kernel transforms of the signature table.

use super::{
    p, sig, Default as D, Kind, Param, Range as R, Reads, Side, Signature, Ty, METRICS, REPULSIONS,
};

const fn mapper(
    name: &'static str,
    params: &'static [Param],
    reads: Reads,
    writes: &'static str,
    doc: &'static str,
) -> Signature {
    let mut s = sig(name, Kind::Mapper, params, doc);
    s.reads = reads;
    s.writes = writes;
    s
}

const fn stage(name: &'static str, doc: &'static str) -> Signature {
    let mut s = sig(name, Kind::Stage, &[], doc);
    s.reads = Reads::Float;
    s.writes = "B×D (same width)";
    s
}

/// Mappers and mapper stages.
pub(super) const MAPPERS: &[Signature] = &[
    mapper(
        "Identity",
        &[],
        Reads::Any,
        "B×F (the input)",
        "pass-through",
    ),
    mapper(
        "Linear",
        &[
            p("out", Ty::Int, D::Required, R::SIZE, "output width D"),
            p(
                "bias",
                Ty::Bool,
                D::Derived("true, false when orthonormal"),
                R::ANY,
                "add a bias",
            ),
            p(
                "orthonormal",
                Ty::Bool,
                D::Bool(false),
                R::ANY,
                "keep orthonormal columns (QR after each step; PCA)",
            ),
        ],
        Reads::Float,
        "B×out",
        "an affine map",
    ),
    mapper(
        "MLP",
        &[
            // Reference MLPMapper defaults: hidden [512, 512, 2000], out 2.
            p(
                "hidden",
                Ty::IntList,
                D::IntList(&[512, 512, 2000]),
                R::SIZE,
                "hidden widths",
            ),
            p("out", Ty::Int, D::Int(2), R::SIZE, "output width D"),
            p(
                "activation",
                Ty::Enum(&["relu", "gelu", "tanh"]),
                D::Enum("relu"),
                R::ANY,
                "hidden activation",
            ),
            p(
                "batch_norm",
                Ty::Bool,
                D::Bool(false),
                R::ANY,
                "batch norm after each hidden Linear",
            ),
        ],
        Reads::Float,
        "B×out",
        "Linear + activation per hidden layer, then a final Linear",
    ),
    mapper(
        "SimpleCNN",
        &[p("out", Ty::Int, D::Int(2), R::SIZE, "output width D")],
        Reads::Image,
        "B×out",
        "the spec's small residual CNN for 28×28 images",
    ),
    mapper(
        "ResNet18",
        &[p(
            "out",
            Ty::Int,
            D::Int(256),
            R::SIZE,
            "output width D of the MLP head",
        )],
        Reads::Image,
        "B×out",
        "CIFAR-style ResNet-18 (3×3 stem, no max-pool) with an MLP head",
    ),
    mapper(
        "LookUpTable",
        &[
            p(
                "n",
                Ty::Int,
                D::Derived("the number of samples (on index) or classes (on label, get_all)"),
                R::SIZE,
                "rows of the table",
            ),
            p("dim", Ty::Int, D::Int(2), R::SIZE, "width D"),
            p(
                "get_all",
                Ty::Bool,
                D::Bool(false),
                R::ANY,
                "write the whole n×dim table (class prototypes) instead of one row per sample",
            ),
            p(
                "init",
                Ty::Enum(&["normal", "pca"]),
                D::Enum("normal"),
                R::ANY,
                "initialisation",
            ),
            p(
                "std",
                Ty::Float,
                D::Float(1.0),
                R::POSITIVE,
                "std of the normal initialisation",
            ),
        ],
        Reads::Int("index"),
        "B×dim, or n×dim with get_all",
        "a learnable table indexed by `index` or `label`",
    ),
    mapper(
        "ClusterHead",
        &[p(
            "clusters",
            Ty::Int,
            D::Derived("the number of classes"),
            R::SIZE,
            "clusters C",
        )],
        Reads::Float,
        "B×clusters (rows on the simplex)",
        "Linear → softmax, producing cluster probabilities φ",
    ),
    mapper(
        "MomentumEncoder",
        &[
            p(
                "of",
                Ty::Key,
                D::Required,
                R::ANY,
                "the online pipeline it copies (its output key, e.g. `embedding`)",
            ),
            p(
                "momentum",
                Ty::Float,
                D::Float(0.99),
                R::UNIT_OPEN,
                "m in θ̄ ← m·θ̄ + (1 − m)·θ after every optimizer step",
            ),
            p(
                "schedule",
                Ty::Enum(crate::ir::MomentumSchedule::NAMES),
                D::Enum("constant"),
                R::ANY,
                "`constant` m, or BYOL's `cosine` rise from m to 1 over training",
            ),
        ],
        Reads::Float,
        "B×D (the copied pipeline's output)",
        "a momentum (EMA) copy of another pipeline, with stop-gradient (MoCo, BYOL); `Train(ema)` instead averages the weights used for evaluation",
    ),
    mapper(
        "Frozen",
        &[
            p(
                "weights",
                Ty::Str,
                D::Required,
                R::ANY,
                "a safetensors file of saved mapper weights (a run's `weights.safetensors`)",
            ),
            p(
                "of",
                Ty::Key,
                D::Derived("this pipeline's own key"),
                R::ANY,
                "the saved pipeline whose tensors are loaded (names `KEY.<stage>.<field>`)",
            ),
        ],
        Reads::Any,
        "the following stages' output",
        "loads the stages after it from saved weights and freezes them (no gradient, detached output)",
    ),
    stage("Normalize", "row-wise L2 normalization"),
    stage("Softmax", "row-wise softmax (rows on the simplex)"),
];

const fn kernel(
    name: &'static str,
    params: &'static [Param],
    side: Side,
    reads: Reads,
    doc: &'static str,
) -> Signature {
    let mut s = sig(name, Kind::Kernel, params, doc);
    s.side = side;
    s.reads = reads;
    s
}

const METRIC: Param = p(
    "metric",
    Ty::Enum(METRICS),
    D::Enum("euclidean"),
    R::ANY,
    "distance (§2.1); euclidean is squared",
);
const EXCLUDE_SELF: Param = p(
    "exclude_self",
    Ty::Bool,
    D::Bool(true),
    R::ANY,
    "remove j = i from the candidates",
);
const LEARNABLE: Param = p(
    "learnable",
    Ty::Bool,
    D::Bool(false),
    R::ANY,
    "learn the scale (q only)",
);
const PERPLEXITY: Param = p(
    "perplexity",
    Ty::Float,
    D::Absent,
    R::ABOVE_ONE,
    "calibrate a per-row scale to this perplexity (p only; 1 < P < batch)",
);

const SCOPE: Param = p(
    "scope",
    Ty::Enum(&["batch", "dataset"]),
    D::Enum("batch"),
    R::ANY,
    "p only: neighbours within each batch, or once over every training row of `x` (sparse, symmetrized)",
);

/// Leaf kernels.
pub(super) const KERNELS: &[Signature] = &[
    kernel(
        "Gaussian",
        &[
            p(
                "sigma",
                Ty::Float,
                D::Absent,
                R::POSITIVE,
                "σ; logits are −d/(2σ²) (give this or `perplexity`)",
            ),
            PERPLEXITY,
            METRIC,
            EXCLUDE_SELF,
            LEARNABLE,
            p(
                "max_logit_scale",
                Ty::Float,
                D::Float(crate::ir::CLIP_MAX_LOGIT_SCALE),
                R::POSITIVE,
                "with `learnable`: the learned 1/(2σ²) stays at or below this (CLIP: 100)",
            ),
            SCOPE,
        ],
        Side::Both,
        Reads::Float,
        "Gaussian kernel softmax(−d/(2σ²)) over the candidates (§2.2)",
    ),
    kernel(
        "GaussianLimit",
        &[
            p(
                "limit",
                Ty::Enum(&["zero", "inf"]),
                D::Required,
                R::ANY,
                "σ→0 or σ→∞",
            ),
            METRIC,
            EXCLUDE_SELF,
            p(
                "negative",
                Ty::Enum(crate::ir::Negative::NAMES),
                D::Absent,
                R::ANY,
                "σ→0 triplets: C_i is p's positives and one negative, the `hardest`, FaceNet's `semi_hard` or a seeded `random` one (absent: every candidate, batch-hard)",
            ),
            p(
                "margin",
                Ty::Float,
                D::Float(0.0),
                R::NON_NEGATIVE,
                "σ→0: FaceNet's margin m, row loss max(d⁺ + m − d⁻, 0)",
            ),
        ],
        Side::Q,
        Reads::Float,
        "closed-form σ→0 / σ→∞ limit of a Gaussian q (§2.6)",
    ),
    kernel(
        "StudentT",
        &[
            p(
                "dof",
                Ty::Float,
                D::Float(1.0),
                R::POSITIVE,
                "ν, degrees of freedom",
            ),
            p("gamma", Ty::Float, D::Float(1.0), R::POSITIVE, "γ scale"),
            p(
                "form",
                Ty::Enum(&["t", "power"]),
                D::Enum("t"),
                R::ANY,
                "`t`: (1 + d/(νγ))^(−(ν+1)/2); `power`: 1/(1 + (d/γ)^ν)",
            ),
            LEARNABLE,
            PERPLEXITY,
            p(
                "calibrate",
                Ty::Enum(crate::ir::StudentCalibration::NAMES),
                D::Enum("gaussian"),
                R::ANY,
                "with `perplexity`: `gaussian` takes γ_i = 2σ_i² from the Gaussian calibration of the row; `direct` bisects γ_i so the Student-t row itself has the perplexity",
            ),
            EXCLUDE_SELF,
            p(
                "repulsion",
                Ty::Enum(REPULSIONS),
                D::Enum("dense"),
                R::ANY,
                "q: `dense` sums every pair on the device; `barnes_hut` on the host with a 2-D tree, O(n log n) (large 2-D maps)",
            ),
            p(
                "theta",
                Ty::Float,
                D::Float(0.5),
                R::NON_NEGATIVE,
                "Barnes–Hut opening angle (0 = exact sums); with `repulsion = barnes_hut`",
            ),
        ],
        Side::Both,
        Reads::Float,
        "Student-t kernel over the candidates (§2.3)",
    ),
    kernel(
        "Label",
        &[
            p(
                "table",
                Ty::Bool,
                D::Bool(false),
                R::ANY,
                "class-table form B×C (one-hot)",
            ),
            EXCLUDE_SELF,
        ],
        Side::P,
        Reads::Int("label"),
        "uniform over same-label candidates, or one-hot over classes with `table = true` (§2.4)",
    ),
    kernel(
        "Augmentation",
        &[],
        Side::P,
        Reads::Int("index"),
        "uniform over the other views of the same sample (§2.4)",
    ),
    kernel(
        "CrossModal",
        &[],
        Side::P,
        Reads::Int("index"),
        "1 on the paired item of the other modality",
    ),
    kernel(
        "UniformKNN",
        &[
            p("k", Ty::Int, D::Required, R::SIZE, "neighbours (k < batch)"),
            METRIC,
            EXCLUDE_SELF,
            SCOPE,
        ],
        Side::P,
        Reads::Float,
        "uniform over the k nearest candidates (§2.4)",
    ),
    kernel(
        "Graph",
        &[
            p(
                "path",
                Ty::Str,
                D::Required,
                R::ANY,
                "edge list (`i j w` per line), relative to the method file",
            ),
            p(
                "mode",
                Ty::Enum(&["transition", "softmax_degree"]),
                D::Enum("transition"),
                R::ANY,
                "weighting",
            ),
        ],
        Side::P,
        Reads::Int("index"),
        "graph weights W[idx, idx] (§2.4)",
    ),
    kernel(
        "UniformCluster",
        &[
            p(
                "exclude_self",
                Ty::Bool,
                D::Bool(false),
                R::ANY,
                "remove j = i and renormalize",
            ),
            p(
                "degree_weighted",
                Ty::Bool,
                D::Bool(false),
                R::ANY,
                "NCuts degree weighting",
            ),
        ],
        Side::Both,
        Reads::Simplex,
        "uniform on clusters over cluster probabilities φ (B×C) (§2.5)",
    ),
    kernel(
        "Identity",
        &[],
        Side::P,
        Reads::Int("index"),
        "p_ij = 1[i = j] (self included; q must include self)",
    ),
];

const fn transform(
    name: &'static str,
    params: &'static [Param],
    side: Side,
    doc: &'static str,
) -> Signature {
    let mut s = sig(name, Kind::Transform, params, doc);
    s.side = side;
    s
}

/// Kernel transforms (§2.7).
pub(super) const TRANSFORMS: &[Signature] = &[
    transform(
        "normalize",
        &[],
        Side::P,
        "row sums scaled to 1; zero rows stay zero",
    ),
    transform(
        "binarize",
        &[p("t", Ty::Float, D::Float(0.0), R::ANY, "threshold")],
        Side::P,
        "1[K > t]",
    ),
    transform(
        "leak",
        &[p(
            "alpha",
            Ty::Float,
            D::Required,
            R::UNIT,
            "mass spread uniformly over the candidates",
        )],
        Side::P,
        "(1−α)p + α/|C_i|; empty rows stay empty",
    ),
    transform(
        "propagate",
        &[
            p(
                "steps",
                Ty::Int,
                D::Int(2),
                R::PROPAGATE_STEPS,
                "path length s",
            ),
            p(
                "reachable",
                Ty::Bool,
                D::Bool(false),
                R::ANY,
                "uniform over reachable candidates",
            ),
        ],
        Side::P,
        "P + P² + … + P^s restricted to the candidates, row-normalized",
    ),
    transform("symmetrize", &[], Side::P, "(P + Pᵀ)/2, row-normalized"),
    transform(
        "exaggerate",
        &[
            p(
                "factor",
                Ty::Float,
                D::Required,
                R::POSITIVE,
                "α, the attraction's multiplier (t-SNE: 12)",
            ),
            p(
                "until",
                Ty::Int,
                D::Absent,
                R::AT_LEAST_ONE,
                "the first step without exaggeration (absent: every step)",
            ),
        ],
        Side::P,
        "the loss's attraction × α before step `until` (t-SNE's early exaggeration); p's last transform",
    ),
    transform(
        "debias",
        &[p(
            "alpha",
            Ty::Float,
            D::Required,
            R::UNIT_OPEN,
            "mass mixed in uniformly",
        )],
        Side::Q,
        "q only: logaddexp(log(1−α) + ℓq, log(α/|C_i|))",
    ),
    transform(
        "cross_view",
        &[],
        Side::Q,
        "q only: C_i = the rows of other views, q renormalized over them (MoCo v3's query–key contrast)",
    ),
];
