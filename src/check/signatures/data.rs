//! Data sources, augmentations and training settings of the signature table.

use super::{p, sig, Default as D, Kind, Param, Range as R, Signature, Ty};

/// Arguments every data source takes (appended after its own).
const COMMON: [Param; 9] = [
    p(
        "views",
        Ty::Int,
        D::Int(1),
        R::SIZE,
        "augmented views per source sample (2 for contrastive methods)",
    ),
    p(
        "augment",
        Ty::CallList(Kind::Augment),
        D::Call(""),
        R::ANY,
        "augmentations applied to every view",
    ),
    p(
        "batch",
        Ty::Int,
        D::Int(256),
        R::SIZE,
        "rows per batch B (views × sources); must be divisible by views",
    ),
    // Decision: 20% of the samples when the count is known (the spec's 80/20 split), else 0.
    p(
        "holdout",
        Ty::Int,
        D::Derived("20% of the samples when known, else 0"),
        R::NON_NEGATIVE,
        "samples held out (the last ones) for evaluation",
    ),
    p(
        "limit",
        Ty::Int,
        D::Absent,
        R::SIZE,
        "use only the first `limit` samples",
    ),
    p(
        "modalities",
        Ty::Enum(&["views", "halves"]),
        D::Absent,
        R::ANY,
        "cross-modal data: the second modality `x1` is another view or the bottom image half",
    ),
    p(
        "pairs",
        Ty::Enum(crate::ir::Pairs::NAMES),
        D::Enum("views"),
        R::ANY,
        "with `views = 2`: what the second row of a pair is: another view of the same image (`views`), a view of a different image with the same label (`label`, SupCon pairs), or a view of a neighbour drawn from p's data-set table (`neighbors`, LGSimCLR; needs a `scope = dataset` p)",
    ),
    p(
        "local_views",
        Ty::Int,
        D::Int(0),
        R::NON_NEGATIVE,
        "multi-crop: how many of the `views` (the last ones) are local crops, augmented with `local_augment` (SwAV, DINO)",
    ),
    p(
        "local_augment",
        Ty::CallList(Kind::Augment),
        D::Call(""),
        R::ANY,
        "augmentations of the local views, used instead of `augment` (e.g. `[Crop(scale = 0.05, max_scale = 0.4)]`)",
    ),
];

const fn with_common<const N: usize, const M: usize>(own: [Param; N]) -> [Param; M] {
    let mut out = [COMMON[0]; M];
    let mut i = 0;
    while i < N {
        out[i] = own[i];
        i += 1;
    }
    let mut j = 0;
    while j < COMMON.len() {
        out[N + j] = COMMON[j];
        j += 1;
    }
    out
}

const IMAGE: Param = p(
    "image",
    Ty::IntList,
    D::Absent,
    R::SIZE,
    "image geometry [channels, height, width] (give this or `features`)",
);
const FEATURES: Param = p(
    "features",
    Ty::Int,
    D::Absent,
    R::SIZE,
    "feature count F of each row (give this or `image`)",
);
const CLASSES: Param = p(
    "classes",
    Ty::Int,
    D::Required,
    R::SIZE,
    "number of classes in the labels",
);
const N: Param = p("n", Ty::Int, D::Int(1000), R::SIZE, "samples to generate");
const NOISE: Param = p(
    "noise",
    Ty::Float,
    D::Float(0.1),
    R::NON_NEGATIVE,
    "Gaussian noise std",
);
const SEED: Param = p(
    "seed",
    Ty::Int,
    D::Int(0),
    R::NON_NEGATIVE,
    "generator seed",
);

const NO_OWN: [Param; 9] = with_common::<0, 9>([]);
const IDX: [Param; 13] = with_common::<4, 13>([
    p(
        "images",
        Ty::Str,
        D::Required,
        R::ANY,
        "IDX image file (raw or .gz), relative to the method file",
    ),
    p("labels", Ty::Str, D::Required, R::ANY, "IDX label file"),
    p(
        "image",
        Ty::IntList,
        D::Required,
        R::SIZE,
        "image geometry [channels, height, width]",
    ),
    CLASSES,
]);
const CIFAR: [Param; 10] = with_common::<1, 10>([p(
    "dir",
    Ty::Str,
    D::Required,
    R::ANY,
    "directory holding data_batch_*.bin",
)]);
const NPZ: [Param; 15] = with_common::<6, 15>([
    p(
        "path",
        Ty::Str,
        D::Required,
        R::ANY,
        ".npz with float `x` and int `label`",
    ),
    FEATURES,
    IMAGE,
    CLASSES,
    p(
        "side",
        Ty::Key,
        D::Absent,
        R::ANY,
        "a third array of the file, one row per sample, loaded as the batch key of that name (frozen side embeddings, e.g. `g`)",
    ),
    p(
        "side_features",
        Ty::Int,
        D::Absent,
        R::SIZE,
        "floats per sample of the `side` array",
    ),
]);
const CSV: [Param; 13] = with_common::<4, 13>([
    p("path", Ty::Str, D::Required, R::ANY, "CSV of numbers"),
    p(
        "label_column",
        Ty::Int,
        D::Required,
        R::NON_NEGATIVE,
        "0-based column holding the int label",
    ),
    p(
        "features",
        Ty::Int,
        D::Required,
        R::SIZE,
        "feature columns F (all but the label column)",
    ),
    CLASSES,
]);
const BLOBS: [Param; 14] = with_common::<5, 14>([
    N,
    p("centers", Ty::Int, D::Int(3), R::SIZE, "blobs (= classes)"),
    p("dim", Ty::Int, D::Int(2), R::SIZE, "dimension F"),
    p(
        "std",
        Ty::Float,
        D::Float(1.0),
        R::POSITIVE,
        "blob standard deviation",
    ),
    SEED,
]);
const MOONS: [Param; 12] = with_common::<3, 12>([N, NOISE, SEED]);
// Decision: the swiss roll's label is one of `classes` equal buckets along the roll.
const ROLL: [Param; 13] = with_common::<4, 13>([
    N,
    NOISE,
    SEED,
    p(
        "classes",
        Ty::Int,
        D::Int(4),
        R::SIZE,
        "position buckets along the roll (= classes)",
    ),
]);

const fn data(
    name: &'static str,
    params: &'static [Param],
    doc: &'static str,
    writes: &'static str,
) -> Signature {
    let mut s = sig(name, Kind::Data, params, doc);
    s.writes = writes;
    s
}

const KEYS: &str = "x (B×F float), label (B int), index (B int); x1 (B×F float) with `modalities`";

/// Data sources.
pub(super) const DATA: &[Signature] = &[
    data(
        "Mnist",
        &NO_OWN,
        "bundled MNIST-10k: 10000 samples, 1×28×28, 10 classes, scaled to [0, 1]",
        KEYS,
    ),
    data(
        "Digits",
        &NO_OWN,
        "bundled UCI digits: 1797 samples, 1×8×8, 10 classes, scaled to [0, 1]",
        KEYS,
    ),
    data("Idx", &IDX, "IDX image and label files", KEYS),
    data(
        "Cifar10",
        &CIFAR,
        "CIFAR-10 binary batches: 3×32×32, 10 classes",
        KEYS,
    ),
    data(
        "Npz",
        &NPZ,
        "an .npz file with float `x` and int `label`",
        KEYS,
    ),
    data(
        "Csv",
        &CSV,
        "a CSV of floats with one int label column",
        KEYS,
    ),
    data("Blobs", &BLOBS, "isotropic Gaussian blobs", KEYS),
    data(
        "Moons",
        &MOONS,
        "two interleaving half circles (2-D, 2 classes)",
        KEYS,
    ),
    data("SwissRoll", &ROLL, "a 3-D swiss roll", KEYS),
];

/// Augmentations.
pub(super) const AUGMENTS: &[Signature] = &[
    sig(
        "Crop",
        Kind::Augment,
        &[
            p(
                "scale",
                Ty::Float,
                D::Float(0.3),
                R::FRACTION,
                "minimum kept area fraction",
            ),
            p(
                "max_scale",
                Ty::Float,
                D::Float(1.0),
                R::FRACTION,
                "maximum kept area fraction (below 1 for multi-crop's local crops)",
            ),
        ],
        "random resized crop keeping `scale..=max_scale` of the area",
    ),
    sig(
        "Flip",
        Kind::Augment,
        &[p(
            "p",
            Ty::Float,
            D::Float(0.5),
            R::UNIT,
            "flip probability",
        )],
        "horizontal flip",
    ),
    sig(
        "Affine",
        Kind::Augment,
        &[
            p(
                "degrees",
                Ty::Float,
                D::Float(30.0),
                R::NON_NEGATIVE,
                "max rotation in degrees",
            ),
            p(
                "translate",
                Ty::Float,
                D::Float(0.1),
                R::UNIT,
                "max translation as a fraction of the size",
            ),
        ],
        "random rotation and translation",
    ),
    sig(
        "Noise",
        Kind::Augment,
        &[p(
            "std",
            Ty::Float,
            D::Float(0.1),
            R::NON_NEGATIVE,
            "standard deviation",
        )],
        "additive Gaussian noise",
    ),
    sig(
        "Jitter",
        Kind::Augment,
        &[p(
            "strength",
            Ty::Float,
            D::Float(0.4),
            R::UNIT,
            "jitter strength",
        )],
        "brightness/contrast (and saturation for RGB) jitter",
    ),
];

const ADAM: &[Param] = &[
    // Reference `Config`: lr 5e-4, weight_decay 0.
    p(
        "lr",
        Ty::Float,
        D::Float(5e-4),
        R::POSITIVE,
        "learning rate",
    ),
    p(
        "weight_decay",
        Ty::Float,
        D::Float(0.0),
        R::NON_NEGATIVE,
        "weight decay",
    ),
    p(
        "betas",
        Ty::FloatPair,
        D::FloatPair(0.9, 0.999),
        R::UNIT_OPEN,
        "(β1, β2)",
    ),
];

/// Training settings, optimizers, schedules, metrics, divergences.
pub(super) const TRAINING: &[Signature] = &[
    sig(
        "Train",
        Kind::Train,
        &[
            p(
                "epochs",
                Ty::Int,
                D::Int(10),
                R::AT_LEAST_ONE,
                "epochs over the training split",
            ),
            p(
                "steps",
                Ty::Int,
                D::Absent,
                R::AT_LEAST_ONE,
                "stop after this many optimizer steps",
            ),
            p(
                "optimizer",
                Ty::Call(Kind::Optimizer),
                D::Call("AdamW"),
                R::ANY,
                "optimizer",
            ),
            p(
                "schedule",
                Ty::Call(Kind::Schedule),
                D::Call("Constant"),
                R::ANY,
                "learning-rate schedule",
            ),
            // Decision: off; the reference's 10 is never passed by the notebook.
            p(
                "clip",
                Ty::Float,
                D::Absent,
                R::POSITIVE,
                "global grad-norm clip",
            ),
            p(
                "ema",
                Ty::Float,
                D::Absent,
                R::UNIT_OPEN,
                "EMA momentum of the weights used for evaluation only (e.g. 0.999); a momentum target inside the loss is `MomentumEncoder(of = …)`",
            ),
            p(
                "seed",
                Ty::Int,
                D::Int(42),
                R::NON_NEGATIVE,
                "seed of everything",
            ),
            p(
                "probe",
                Ty::Bool,
                D::Bool(false),
                R::ANY,
                "train a linear probe on detached embeddings",
            ),
        ],
        "training settings",
    ),
    sig("Adam", Kind::Optimizer, ADAM, "Adam with L2 weight decay"),
    sig(
        "AdamW",
        Kind::Optimizer,
        ADAM,
        "AdamW (decoupled weight decay)",
    ),
    sig(
        "Sgd",
        Kind::Optimizer,
        &[
            p(
                "lr",
                Ty::Float,
                D::Float(5e-4),
                R::POSITIVE,
                "learning rate",
            ),
            p(
                "momentum",
                Ty::Float,
                D::Float(0.0),
                R::UNIT_OPEN,
                "momentum",
            ),
            p(
                "nesterov",
                Ty::Bool,
                D::Bool(false),
                R::ANY,
                "Nesterov momentum",
            ),
            p(
                "weight_decay",
                Ty::Float,
                D::Float(0.0),
                R::NON_NEGATIVE,
                "weight decay",
            ),
            p(
                "lr_rule",
                Ty::Enum(crate::ir::LrRule::NAMES),
                D::Enum("fixed"),
                R::ANY,
                "`tsne`: lr = max(N / 4α, 50) each step (N training rows, α the exaggeration; t-SNE's rule for tables), without `lr`",
            ),
        ],
        "SGD with momentum",
    ),
    sig("Constant", Kind::Schedule, &[], "constant learning rate"),
    sig(
        "Cosine",
        Kind::Schedule,
        &[p(
            "warmup",
            Ty::Int,
            D::Int(0),
            R::NON_NEGATIVE,
            "linear warmup epochs",
        )],
        "linear warmup, then cosine decay to 0",
    ),
    sig(
        "Warmup",
        Kind::Schedule,
        &[p(
            "epochs",
            Ty::Int,
            D::Int(1),
            R::NON_NEGATIVE,
            "warmup epochs",
        )],
        "linear warmup, then constant",
    ),
    sig(
        "knn",
        Kind::Metric,
        &[p(
            "metric",
            Ty::Enum(&["euclidean", "cosine"]),
            D::Absent,
            R::ANY,
            "distance that ranks neighbours; default: q's geometry (euclidean for Student-t and euclidean Gaussian q, else cosine)",
        )],
        "kNN accuracy (k = 10)",
    ),
    sig("linear_probe", Kind::Metric, &[], "linear-probe accuracy"),
    sig(
        "hungarian",
        Kind::Metric,
        &[],
        "Hungarian-matched clustering accuracy",
    ),
    sig("nmi", Kind::Metric, &[], "normalized mutual information"),
    sig("ari", Kind::Metric, &[], "adjusted Rand index"),
    sig(
        "trustworthiness",
        Kind::Metric,
        &[],
        "trustworthiness (k = 10)",
    ),
    sig(
        "alignment",
        Kind::Metric,
        &[],
        "alignment (Wang & Isola 2020)",
    ),
    sig(
        "uniformity",
        Kind::Metric,
        &[],
        "uniformity (Wang & Isola 2020)",
    ),
    sig(
        "kl",
        Kind::Divergence,
        &[],
        "forward KL, reported as cross-entropy (the default)",
    ),
    sig(
        "rkl",
        Kind::Divergence,
        &[],
        "reverse KL(q‖p); use with a dense p",
    ),
    sig("js", Kind::Divergence, &[], "Jensen–Shannon"),
];
