//! The typed intermediate representation: a checked, resolved method.
//!
//! This is the contract between the front end (`check` produces it) and the
//! runtime (which lowers and trains it). It is backend-free and holds no
//! spans: every user error has been reported before an IR exists. Every value
//! here is concrete except the batch size, which shapes carry as [`Dim::Batch`].
//!
//! Spec references (`§2.2` …) are to `docs/spec.md`.

use serde::{Deserialize, Serialize};

/// `NAMES`, `name()` and `from_name()` of an enum whose values `.icon`
/// spells as lower-case words: the one table of those spellings (the
/// signature table, the checker and the printer all read it).
macro_rules! spellings {
    ($ty:ident { $($variant:ident => $name:literal),* $(,)? }) => {
        impl $ty {
            /// The `.icon` spellings, in variant order.
            pub const NAMES: &'static [&'static str] = &[$($name),*];

            /// How `.icon` spells this value.
            pub fn name(&self) -> &'static str {
                match self {
                    $($ty::$variant => $name,)*
                }
            }

            /// The value `.icon` spells `name`.
            pub fn from_name(name: &str) -> Option<Self> {
                match name {
                    $($name => Some($ty::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

/// A whole checked method (one `.icon` file after `use` resolution).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Method {
    /// `method "name"`.
    pub name: String,
    /// `about "…"`.
    pub about: Option<String>,
    /// `cite "…"`.
    pub cite: Option<String>,
    /// `data = …`.
    pub data: DataSpec,
    /// Mapper pipelines in dependency order (a pipeline only reads keys
    /// produced by `data` or by an earlier pipeline).
    pub mappers: Vec<MapperSpec>,
    /// The supervisory kernel expression.
    pub p: KernelExpr,
    /// `p = … -> exaggerate(…)`, kept beside p (it scales the loss's
    /// attraction, not p).
    #[serde(default)]
    pub exaggeration: Option<Exaggeration>,
    /// The learned kernel expression.
    pub q: KernelExpr,
    /// How p and q rows are laid out (pairwise B×B, class table B×C, cross-modal 2B×2B).
    pub layout: Layout,
    /// `divergence = …`.
    pub divergence: Divergence,
    /// `train = Train(…)`.
    pub train: TrainSpec,
    /// `eval = […]`.
    pub eval: Vec<Metric>,
    /// Every key in the program with its shape, in definition order.
    pub keys: Vec<KeyInfo>,
}

/// A named tensor flowing through the program.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyInfo {
    /// Key name (`x`, `label`, `index`, `embedding`, …).
    pub name: String,
    /// Element type.
    pub dtype: DType,
    /// Symbolic shape.
    pub shape: Vec<Dim>,
    /// Who produces it.
    pub producer: Producer,
}

/// Element type of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DType {
    /// f32 on the device.
    Float,
    /// i64 ids (labels, sample indices).
    Int,
}

/// One dimension of a key's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Dim {
    /// The batch size B (rows).
    Batch,
    /// A concrete size.
    Fixed(usize),
}

/// Who writes a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Producer {
    /// The data source.
    Data,
    /// The mapper pipeline at this index of [`Method::mappers`].
    Mapper(usize),
}

// ---------------------------------------------------------------- data

/// `data = Source(…)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataSpec {
    /// Where samples come from.
    pub source: DataSource,
    /// Augmented views per source sample (1 = no multi-view). Batches use the
    /// §2.4 layout `[view 0 of N; view 1 of N; …]` with `index` repeated.
    pub views: usize,
    /// Augmentation recipe applied to every view (empty = identity views).
    pub augment: Vec<Augment>,
    /// Total rows per training batch B (= views × sources per batch).
    pub batch: usize,
    /// Samples held out (the last `holdout` of the file order) for evaluation.
    pub holdout: usize,
    /// Use only the first `limit` samples (None = all).
    pub limit: Option<usize>,
    /// Cross-modal data: `x1` is a second modality built from each sample.
    pub modalities: Option<Modalities>,
    /// With two views: whether view 1 of a source is the same image or a
    /// different image of the same label (SupCon pairs).
    #[serde(default)]
    pub pairs: Pairs,
    /// Multi-crop: the last `local.views` of the `views` use their own
    /// augmentations (small crops, as SwAV and DINO do).
    #[serde(default)]
    pub local: LocalViews,
    /// Input feature count F after flattening (`x` is B×F), known at check time.
    pub features: usize,
    /// Image geometry (channels, height, width) when `x` holds images.
    pub image: Option<(usize, usize, usize)>,
    /// Number of classes in `label`.
    pub classes: usize,
    /// Samples in the source after `limit` (train + holdout), when known at
    /// check time (bundled and synthetic data); None for user files.
    pub samples: Option<usize>,
}

/// Multi-crop local views (`data = …(local_views = L, local_augment = […])`).
///
/// Decision: a local crop is resized to the full input size, like a global
/// one, so every row of a batch has the mapper's input width; SwAV's smaller
/// local resolution (its compute saving) is not modelled.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LocalViews {
    /// L: how many of the views (the last ones) are local; 0 = none.
    pub views: usize,
    /// Their augmentation recipe, used instead of `augment`.
    pub augment: Vec<Augment>,
}

fn one() -> f64 {
    1.0
}

/// What the second row of a two-view pair is (`data = …(pairs = …)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Pairs {
    /// Another augmented view of the same image (SimCLR).
    #[default]
    Views,
    /// An augmented view of a different training image with the same label,
    /// drawn per (seed, epoch, sample); both rows carry the anchor's `index`
    /// as their pair id (SupCon pairs, N-pair). A label with one training
    /// image pairs that image with itself.
    Label,
    /// An augmented view of a training image drawn from the source's row of
    /// p's data-set table (`scope = dataset`), with probability ∝ P_sj, drawn
    /// per (seed, epoch, sample); each row keeps its own image's `index`, so
    /// the data-set p finds every source's partner in the batch (LGSimCLR's
    /// neighbour partners). A source with an empty row shows itself.
    Neighbors,
}

spellings!(Pairs { Views => "views", Label => "label", Neighbors => "neighbors" });

/// A per-sample float array that comes with the data (`Npz(side = g,
/// side_features = F)`): frozen side embeddings such as caption embeddings
/// (X-Sample CL, LGSimCLR), never trained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SideArray {
    /// The array's name in the file, and the batch key it becomes.
    pub key: String,
    /// Floats per sample (its rows are flattened).
    pub features: usize,
}

impl DataSource {
    /// The key of the side array that comes with the data (`Npz(side = g)`).
    pub fn side_key(&self) -> Option<&str> {
        match self {
            DataSource::Npz { side: Some(s), .. } => Some(s.key.as_str()),
            _ => None,
        }
    }
}

/// Data sources.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum DataSource {
    /// Bundled MNIST-10k (`data/mnist10k-*.gz`), scaled to [0, 1].
    Mnist,
    /// Bundled UCI digits 8×8 (`data/digits-*.gz`), scaled to [0, 1].
    Digits,
    /// IDX image and label files (raw or `.gz`), path relative to the method file.
    Idx {
        /// Image file.
        images: String,
        /// Label file.
        labels: String,
    },
    /// CIFAR-10 binary batches in a directory.
    Cifar10 {
        /// Directory holding `data_batch_*.bin`.
        dir: String,
    },
    /// `.npz` with float `x` and int `label` arrays.
    Npz {
        /// Path.
        path: String,
        /// A third array loaded as a batch key (`side = g`).
        #[serde(default)]
        side: Option<SideArray>,
    },
    /// CSV of floats; one column holds the int label.
    Csv {
        /// Path.
        path: String,
        /// Label column index.
        label_column: usize,
    },
    /// Isotropic Gaussian blobs.
    Blobs {
        /// Samples.
        n: usize,
        /// Number of blobs (= classes).
        centers: usize,
        /// Dimension.
        dim: usize,
        /// Blob standard deviation.
        std: f64,
        /// Generator seed.
        seed: u64,
    },
    /// Two interleaving half circles.
    Moons {
        /// Samples.
        n: usize,
        /// Gaussian noise std.
        noise: f64,
        /// Generator seed.
        seed: u64,
    },
    /// 3-D swiss roll (label = position bucket along the roll).
    SwissRoll {
        /// Samples.
        n: usize,
        /// Gaussian noise std.
        noise: f64,
        /// Generator seed.
        seed: u64,
        /// Position buckets along the roll (= classes). Run directories
        /// written before this field existed generated 6.
        #[serde(default = "swiss_roll_classes_before_the_field")]
        classes: usize,
    },
}

/// What a source yields when that is known without reading a user file:
/// the one table of the bundled and synthetic geometries. The checker types
/// `DataSpec` from it; the loader's data must match it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceShape {
    /// Samples before `limit` (None: read from the files, as for CIFAR-10).
    pub samples: Option<usize>,
    /// Features per sample.
    pub features: usize,
    /// Image geometry (C, H, W).
    pub image: Option<(usize, usize, usize)>,
    /// Number of classes.
    pub classes: usize,
}

impl DataSource {
    /// The source's shape, or None when only its files can tell (`Idx`,
    /// `Npz`, `Csv`: the method states it with `features`/`image`/`classes`).
    pub fn known_shape(&self) -> Option<SourceShape> {
        let shape = |samples, features, image, classes| SourceShape {
            samples,
            features,
            image,
            classes,
        };
        match self {
            DataSource::Mnist => Some(shape(Some(10_000), 784, Some((1, 28, 28)), 10)),
            DataSource::Digits => Some(shape(Some(1_797), 64, Some((1, 8, 8)), 10)),
            DataSource::Cifar10 { .. } => Some(shape(None, 3072, Some((3, 32, 32)), 10)),
            DataSource::Blobs {
                n, centers, dim, ..
            } => Some(shape(Some(*n), *dim, None, *centers)),
            DataSource::Moons { n, .. } => Some(shape(Some(*n), 2, None, 2)),
            DataSource::SwissRoll { n, classes, .. } => Some(shape(Some(*n), 3, None, *classes)),
            DataSource::Idx { .. } | DataSource::Npz { .. } | DataSource::Csv { .. } => None,
        }
    }
}

fn swiss_roll_classes_before_the_field() -> usize {
    6
}

/// How the second modality `x1` is built for cross-modal methods.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Modalities {
    /// A second independently augmented view of the same sample.
    Views,
    /// Top half of the image vs bottom half (two "modalities" of one sample).
    Halves,
}

/// One augmentation step (deterministic given the run seed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Augment {
    /// Random resized crop keeping `scale..=max_scale` of the area.
    Crop {
        /// Minimum kept area fraction.
        scale: f64,
        /// Maximum kept area fraction (1 = up to the whole image; multi-crop's
        /// local crops keep at most a small part).
        #[serde(default = "one")]
        max_scale: f64,
    },
    /// Horizontal flip with probability `p`.
    Flip {
        /// Probability.
        p: f64,
    },
    /// Random rotation (± degrees) and translation (± fraction of size).
    Affine {
        /// Max rotation in degrees.
        degrees: f64,
        /// Max translation as a fraction of width/height.
        translate: f64,
    },
    /// Additive Gaussian noise.
    Noise {
        /// Standard deviation.
        std: f64,
    },
    /// Brightness/contrast (and, for RGB, saturation) jitter.
    Jitter {
        /// Strength in [0, 1].
        strength: f64,
    },
}

// ---------------------------------------------------------------- mappers

/// `KEY = Stage -> Stage … on INPUT`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapperSpec {
    /// The key written.
    pub output: String,
    /// The key read (`x` by default). A `LookUpTable` reads `index` or `label`;
    /// with `get_all` it reads nothing and this is `None`.
    pub input: Option<String>,
    /// Input width (features of the input key) resolved by the checker.
    pub in_dim: usize,
    /// Output width D.
    pub out_dim: usize,
    /// The stages, applied left to right.
    pub stages: Vec<MapperStage>,
}

/// One stage of a mapper pipeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum MapperStage {
    /// Pass-through.
    Identity,
    /// Affine map; `orthonormal` re-orthonormalizes (QR) after each step (PCA).
    Linear {
        /// Input width.
        input: usize,
        /// Output width.
        out: usize,
        /// Has bias.
        bias: bool,
        /// Orthonormal columns (no bias).
        orthonormal: bool,
    },
    /// Linear + activation per hidden layer, then a final Linear.
    Mlp {
        /// Input width.
        input: usize,
        /// Hidden widths.
        hidden: Vec<usize>,
        /// Output width.
        out: usize,
        /// Hidden activation.
        activation: Activation,
        /// Batch norm after each hidden Linear.
        batch_norm: bool,
    },
    /// The spec's SimpleCNN (§3); expects `channels × height × width` input.
    SimpleCnn {
        /// (channels, height, width).
        image: (usize, usize, usize),
        /// Output width.
        out: usize,
    },
    /// CIFAR-style ResNet-18 (3×3 stem, no max-pool) with an MLP head.
    ResNet18 {
        /// (channels, height, width).
        image: (usize, usize, usize),
        /// Output width.
        out: usize,
    },
    /// A learnable table of `n` rows of width `dim`.
    LookUpTable {
        /// Rows (samples or classes).
        n: usize,
        /// Width.
        dim: usize,
        /// Return the whole table (n×dim) instead of indexing it per row.
        get_all: bool,
        /// Initialisation.
        init: TableInit,
    },
    /// Linear → softmax, producing cluster probabilities φ (B×C).
    ClusterHead {
        /// Input width.
        input: usize,
        /// Clusters C.
        clusters: usize,
    },
    /// Row-wise L2 normalization.
    Normalize,
    /// Row-wise softmax.
    Softmax,
    /// A momentum (EMA) copy of the pipeline that writes `of` (MoCo, BYOL):
    /// the same stages with their own weights, started at the online
    /// weights and moved after every optimizer step by
    /// `θ̄ ← m_t·θ̄ + (1 − m_t)·θ`. No gradient reaches the copy or flows
    /// through it (its output is detached). Must be a pipeline's first stage.
    MomentumEncoder {
        /// The online pipeline's output key.
        of: String,
        /// Base momentum m.
        momentum: f64,
        /// How m_t moves from m over training.
        schedule: MomentumSchedule,
        /// The online pipeline's stages (filled by the checker).
        stages: Vec<MapperStage>,
    },
    /// `Frozen(weights = FILE, of = KEY)`: the stages after it are loaded from
    /// the safetensors FILE (the tensors of the saved pipeline KEY) and never
    /// trained; their output is detached. Must be a pipeline's first stage.
    Frozen {
        /// The safetensors file (relative to the method file's root, as data paths).
        weights: String,
        /// The saved pipeline's key whose tensors are loaded.
        of: String,
    },
}

/// How a momentum encoder's m_t changes over training.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MomentumSchedule {
    /// m_t = m.
    Constant,
    /// BYOL's `m_t = 1 − (1 − m)(cos(π t / T) + 1)/2`: m at the first step,
    /// rising to 1 at the last (T = the run's optimizer steps).
    Cosine,
}

spellings!(MomentumSchedule { Constant => "constant", Cosine => "cosine" });

impl MomentumSchedule {
    /// m_t at optimizer step `t` (0-based) of `total`.
    pub fn at(self, momentum: f64, t: usize, total: usize) -> f64 {
        match self {
            MomentumSchedule::Constant => momentum,
            MomentumSchedule::Cosine => {
                let frac = t as f64 / total.max(1) as f64;
                1.0 - (1.0 - momentum) * ((std::f64::consts::PI * frac).cos() + 1.0) / 2.0
            }
        }
    }
}

/// Hidden activation of an MLP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Activation {
    /// max(0, x).
    Relu,
    /// GELU.
    Gelu,
    /// tanh.
    Tanh,
}

/// How a LookUpTable starts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum TableInit {
    /// N(0, std²) entries.
    Normal {
        /// Standard deviation.
        std: f64,
    },
    /// PCA of `x` scaled to std 1e-4·… (t-SNE style); needs `x` of the full data.
    Pca,
}

// ---------------------------------------------------------------- kernels

/// Row/column layout of p and q (`shape(p) = shape(q)`, §1.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Layout {
    /// R = M = B.
    Pairwise,
    /// R = B rows, M = C class-prototype columns.
    Table {
        /// C.
        classes: usize,
    },
    /// Rows and columns are the 2B stacked items `[A; B]`; C_i = other modality.
    CrossModal,
}

/// A kernel expression (kernel algebra, §2.7).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum KernelExpr {
    /// A kernel applied to its input keys (one key, or two for a cross kernel).
    Kernel {
        /// The kernel.
        kernel: Kernel,
        /// Input keys: `[rows]` or `[rows, columns]`.
        inputs: Vec<String>,
    },
    /// Elementwise sum (not renormalized).
    Add(Box<KernelExpr>, Box<KernelExpr>),
    /// Elementwise difference.
    Sub(Box<KernelExpr>, Box<KernelExpr>),
    /// `a * K`.
    Scale(f64, Box<KernelExpr>),
    /// Row sums scaled to 1; zero rows stay zero.
    Normalize(Box<KernelExpr>),
    /// `1[K > t]`.
    Binarize(f64, Box<KernelExpr>),
    /// `(1−α)p + α/|C_i|` on C_i; empty rows stay empty.
    Leak(f64, Box<KernelExpr>),
    /// `P + P² + … + P^s` restricted to C_i, row-normalized (or uniform on reach).
    Propagate {
        /// s ≥ 1.
        steps: usize,
        /// Uniform over reachable candidates instead of path weights.
        reachable: bool,
        /// Inner kernel.
        inner: Box<KernelExpr>,
    },
    /// `(P + Pᵀ)/2`, row-normalized.
    Symmetrize(Box<KernelExpr>),
    /// q only: `ℓq̃ = logaddexp(log(1−α) + ℓq, log(α/|C_i|))`.
    DebiasQ(f64, Box<KernelExpr>),
    /// q only, `-> cross_view`: C_i cut to the rows of other views (of the
    /// data's `views`, here), q renormalized over them (MoCo v3: each view's
    /// queries against the other view's keys).
    CrossView(usize, Box<KernelExpr>),
}

impl KernelExpr {
    /// The operands of this node (none for a kernel leaf).
    pub fn children(&self) -> Vec<&KernelExpr> {
        match self {
            KernelExpr::Kernel { .. } => vec![],
            KernelExpr::Add(a, b) | KernelExpr::Sub(a, b) => vec![a, b],
            KernelExpr::Scale(_, k)
            | KernelExpr::Normalize(k)
            | KernelExpr::Binarize(_, k)
            | KernelExpr::Leak(_, k)
            | KernelExpr::Symmetrize(k)
            | KernelExpr::DebiasQ(_, k)
            | KernelExpr::CrossView(_, k) => vec![k],
            KernelExpr::Propagate { inner, .. } => vec![inner],
        }
    }

    /// Every kernel leaf with its input keys, left to right.
    pub fn leaves(&self) -> Vec<(&Kernel, &[String])> {
        let mut out = Vec::new();
        let mut todo = vec![self];
        while let Some(e) = todo.pop() {
            if let KernelExpr::Kernel { kernel, inputs } = e {
                out.push((kernel, inputs.as_slice()));
            }
            // Reversed so the left operand is visited first.
            todo.extend(e.children().into_iter().rev());
        }
        out
    }

    /// The data array (`on` key) of each `scope = dataset` leaf, left to right.
    pub fn dataset_keys(&self) -> Vec<&str> {
        self.leaves()
            .into_iter()
            .filter(|(k, _)| k.scope().is_dataset())
            .filter_map(|(_, inputs)| inputs.first().map(String::as_str))
            .collect()
    }
}

/// Distance metrics (§2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DistanceMetric {
    /// Squared euclidean, expanded and clamped at 0.
    Euclidean,
    /// `1 − x̂·ŷ`.
    Cosine,
    /// `−x·y`.
    Dot,
    /// L1.
    Manhattan,
}

spellings!(DistanceMetric {
    Euclidean => "euclidean",
    Cosine => "cosine",
    Dot => "dot",
    Manhattan => "manhattan",
});

/// Where a neighbour p (Gaussian with `perplexity`, UniformKNN) finds its
/// neighbours: inside each batch (the reference), or once over every
/// training row (`scope = dataset`, openTSNE's affinities), stored sparse and
/// gathered per batch by `index`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Scope {
    /// Neighbours among the batch rows.
    #[default]
    Batch,
    /// Neighbours among all training rows, computed before training.
    Dataset {
        /// The prepared table (`runtime::kernels::neighbors`), attached by
        /// the runtime once the data is loaded; never stored.
        #[serde(skip)]
        table: Option<u64>,
    },
}

impl Scope {
    /// `scope = dataset`.
    pub fn is_dataset(&self) -> bool {
        matches!(self, Scope::Dataset { .. })
    }
}

/// How a Student-t q computes the sums over all candidate pairs (its row
/// normalizers `Z_i` and their gradients).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub enum Repulsion {
    /// Every pair on the device, differentiated by burn (the reference).
    #[default]
    Dense,
    /// On the host: the attraction over p's nonzeros exactly, the repulsion
    /// by a 2-D Barnes–Hut tree with opening angle θ (0 = exact).
    BarnesHut {
        /// θ ≥ 0.
        theta: f64,
    },
}

impl Repulsion {
    /// The spellings of `repulsion = …`, in variant order.
    pub const NAMES: &'static [&'static str] = &["dense", "barnes_hut"];

    /// How `repulsion = …` spells this one.
    pub fn name(&self) -> &'static str {
        match self {
            Repulsion::Dense => Self::NAMES[0],
            Repulsion::BarnesHut { .. } => Self::NAMES[1],
        }
    }
}

/// `p = … -> exaggerate(α, until = N)`: the attraction of the loss is
/// multiplied by α for the steps before N (all steps without `until`),
/// as t-SNE's early exaggeration does; p itself is unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Exaggeration {
    /// α > 0.
    pub factor: f64,
    /// The first step that is not exaggerated.
    pub until: Option<usize>,
}

impl Exaggeration {
    /// α at training step `step` (0-based).
    pub fn factor_at(&self, step: usize) -> f64 {
        match self.until {
            Some(until) if step >= until => 1.0,
            _ => self.factor,
        }
    }
}

/// σ→0 or σ→∞ Gaussian limit (§2.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LimitKind {
    /// σ→0: uniform over the nearest candidates; loss `Σ p (d − d_min)`.
    Zero,
    /// σ→∞: uniform over C_i; loss `Σ p d − mean d`.
    Infinity,
}

/// How a triplet's negative i⁻ is chosen among a row's candidates outside
/// p's support (§5 cell 19), from the current distances.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Negative {
    /// Uniform, from a stream seeded by the training seed and the batch's
    /// `index` values (the same batch gives the same negatives).
    Random,
    /// The nearest negative.
    Hardest,
    /// FaceNet's semi-hard negative: the nearest one farther than the
    /// positive; when every negative is nearer, the farthest.
    SemiHard,
}

spellings!(Negative {
    Random => "random",
    Hardest => "hardest",
    SemiHard => "semi_hard",
});

/// Student-t parameterisation (§2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StudentForm {
    /// `(1 + d/(νγ))^(−(ν+1)/2)` (the spec's decision).
    T,
    /// The reference's `1/(1 + (d/γ)^ν)`.
    Power,
}

/// How a perplexity-calibrated Student-t p finds each row's γ_i (§5 cells
/// 3 and 9, Dual and Doubly t-SNE).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum StudentCalibration {
    /// γ_i = 2σ_i² from the Gaussian perplexity calibration of the same row
    /// (the spec's decision: a ν = 1 Student-t on high-dimensional x often
    /// cannot reach the perplexity itself).
    #[default]
    Gaussian,
    /// γ_i by bisection so that the Student-t row itself has the perplexity;
    /// a row that cannot reach it (the γ → 0 power law is still too flat)
    /// keeps the smallest γ tried and counts as not converged.
    Direct,
}

spellings!(StudentCalibration {
    Gaussian => "gaussian",
    Direct => "direct",
});

/// Graph kernel weighting (§2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum GraphMode {
    /// `w_ij / Σ_k w_ik`.
    Transition,
    /// `softmax_j(w_ij / deg_j)`, dense with self (NCuts).
    SoftmaxDegree,
}

/// CLIP's cap on its learned logit scale 1/τ (Radford et al. 2021): the
/// default `max_logit_scale` of a learnable Gaussian.
pub const CLIP_MAX_LOGIT_SCALE: f64 = 100.0;

fn default_max_logit_scale() -> f64 {
    CLIP_MAX_LOGIT_SCALE
}

/// The leaf kernels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Kernel {
    /// Gaussian (§2.2): fixed `sigma`, or per-row σ_i from `perplexity` (p side).
    Gaussian {
        /// σ (None when perplexity-calibrated).
        sigma: Option<f64>,
        /// Target perplexity P (p side only).
        perplexity: Option<f64>,
        /// Distance.
        metric: DistanceMetric,
        /// Exclude j = i from C_i (default true).
        exclude_self: bool,
        /// Train `log 2σ²` (CLIP's temperature).
        learnable: bool,
        /// Upper bound of a learned logit scale 1/(2σ²) (CLIP caps it at 100).
        #[serde(default = "default_max_logit_scale")]
        max_logit_scale: f64,
        /// p side with `perplexity`: batch or data-set neighbours.
        #[serde(default)]
        scope: Scope,
    },
    /// Closed-form σ→0 / σ→∞ limit (q side only).
    GaussianLimit {
        /// Which limit.
        limit: LimitKind,
        /// Distance.
        metric: DistanceMetric,
        /// Exclude self (default true).
        exclude_self: bool,
        /// σ→0 triplets: restrict C_i to p's positives and one negative
        /// chosen this way (None: every candidate, i.e. batch-hard).
        #[serde(default)]
        negative: Option<Negative>,
        /// σ→0: FaceNet's margin m added to the positives' distances, so a
        /// one-positive row's loss is `max(d⁺ + m − d⁻, 0)`.
        #[serde(default)]
        margin: f64,
    },
    /// Student-t (§2.3).
    StudentT {
        /// ν (degrees of freedom; the power in `Power` form).
        dof: f64,
        /// γ scale (initial value when learnable).
        gamma: f64,
        /// Kernel form.
        form: StudentForm,
        /// Learn log γ.
        learnable: bool,
        /// p side: calibrate γ_i per row to this perplexity (§6).
        perplexity: Option<f64>,
        /// With `perplexity`: how γ_i is found.
        #[serde(default)]
        calibrate: StudentCalibration,
        /// Exclude self (default true).
        exclude_self: bool,
        /// q side: how the repulsive sums over all pairs are computed.
        #[serde(default)]
        repulsion: Repulsion,
    },
    /// `Label()` pairwise (uniform over same-label candidates) or `Label(table = true)`
    /// one-hot over C classes.
    Label {
        /// Class-table form B×C.
        table: bool,
        /// Number of classes C (from data).
        classes: usize,
        /// Exclude self (pairwise only; default true).
        exclude_self: bool,
    },
    /// Uniform over the other views of the same `index` (§2.4).
    Augmentation,
    /// Cross-modal pairs: 1 on the paired item of the other modality.
    CrossModal,
    /// Uniform over the k nearest candidates.
    UniformKnn {
        /// k ≥ 1.
        k: usize,
        /// Distance.
        metric: DistanceMetric,
        /// Exclude self (default true).
        exclude_self: bool,
        /// Batch or data-set neighbours.
        #[serde(default)]
        scope: Scope,
    },
    /// Graph weights `W[idx, idx]` from an edge-list file.
    Graph {
        /// Edge list path (`i j w` per line), relative to the method file.
        path: String,
        /// Weighting.
        mode: GraphMode,
    },
    /// Uniform on clusters (§2.5) over φ (B×C).
    UniformCluster {
        /// Exclude self and renormalize (default false).
        exclude_self: bool,
        /// NCuts degree weighting.
        degree_weighted: bool,
    },
    /// `p_ij = 1[i = j]` (self included).
    Identity,
}

impl Kernel {
    /// Where the kernel finds neighbours: the batch, or a data-set table
    /// (only the distance and neighbour kernels of p take `scope`).
    pub fn scope(&self) -> Scope {
        match self {
            Kernel::Gaussian { scope, .. } | Kernel::UniformKnn { scope, .. } => *scope,
            _ => Scope::Batch,
        }
    }

    /// The `.icon` name of the kernel, for messages and the periodic table.
    pub fn name(&self) -> &'static str {
        match self {
            Kernel::Gaussian { .. } => "Gaussian",
            Kernel::GaussianLimit { .. } => "GaussianLimit",
            Kernel::StudentT { .. } => "StudentT",
            Kernel::Label { .. } => "Label",
            Kernel::Augmentation => "Augmentation",
            Kernel::CrossModal => "CrossModal",
            Kernel::UniformKnn { .. } => "UniformKNN",
            Kernel::Graph { .. } => "Graph",
            Kernel::UniformCluster { .. } => "UniformCluster",
            Kernel::Identity => "Identity",
        }
    }
}

/// `divergence = …` (§1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Divergence {
    /// Forward KL, reported as cross-entropy `L_ce` (§1.1).
    Kl,
    /// KL(q‖p) (§1.2).
    Rkl,
    /// Jensen–Shannon (§1.3).
    Js,
}

// ---------------------------------------------------------------- training

/// `train = Train(…)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainSpec {
    /// Epochs over the training split.
    pub epochs: usize,
    /// Optional cap on optimizer steps (overrides epochs when reached).
    pub steps: Option<usize>,
    /// Optimizer.
    pub optimizer: Optimizer,
    /// Learning-rate schedule.
    pub schedule: Schedule,
    /// Global grad-norm clip (None = off).
    pub clip: Option<f64>,
    /// EMA momentum of weights (None = off).
    pub ema: Option<f64>,
    /// Seed of everything.
    pub seed: u64,
    /// Train a linear probe on detached embeddings (§4).
    pub probe: bool,
}

/// Optimizers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Optimizer {
    /// Adam (L2 weight decay).
    Adam {
        /// Learning rate.
        lr: f64,
        /// Weight decay.
        weight_decay: f64,
        /// (β1, β2).
        betas: (f64, f64),
    },
    /// AdamW (decoupled weight decay).
    AdamW {
        /// Learning rate.
        lr: f64,
        /// Weight decay.
        weight_decay: f64,
        /// (β1, β2).
        betas: (f64, f64),
    },
    /// SGD with momentum.
    Sgd {
        /// Learning rate.
        lr: f64,
        /// Momentum.
        momentum: f64,
        /// Nesterov momentum.
        nesterov: bool,
        /// Weight decay.
        weight_decay: f64,
        /// How the learning rate follows the data and the exaggeration.
        #[serde(default)]
        lr_rule: LrRule,
    },
}

/// `Sgd(lr_rule = …)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum LrRule {
    /// `lr` as given (times the schedule).
    #[default]
    Fixed,
    /// t-SNE's rule for tables of points (Belkina et al. 2019, openTSNE's
    /// and scikit-learn's `learning_rate = "auto"`): `max(N / (4α), 50)` at
    /// each step, N the training rows and α the exaggeration of that step
    /// (times the schedule). The 4 is scikit-learn's: iconc's gradient, like
    /// scikit-learn's, keeps the factor 4 of t-SNE's gradient that openTSNE
    /// drops, so openTSNE's `N / α` is `N / (4α)` here.
    Tsne,
}

impl LrRule {
    /// The spellings of `lr_rule = …`, in variant order.
    pub const NAMES: &'static [&'static str] = &["fixed", "tsne"];

    /// The learning rate at a step with exaggeration `alpha` over `rows`
    /// training rows, for a base (scheduled) rate `lr`.
    pub fn rate(self, lr: f64, rows: usize, alpha: f64) -> f64 {
        match self {
            LrRule::Fixed => lr,
            LrRule::Tsne => lr * (rows as f64 / (4.0 * alpha)).max(50.0),
        }
    }
}

/// Learning-rate schedules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Schedule {
    /// Constant lr.
    Constant,
    /// Linear warmup for `warmup` epochs then cosine decay to 0.
    Cosine {
        /// Warmup epochs.
        warmup: usize,
    },
    /// Linear warmup for `epochs` epochs then constant.
    Warmup {
        /// Warmup epochs.
        epochs: usize,
    },
}

/// Evaluation metrics (on the held-out split).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Metric {
    /// kNN accuracy, k = 10, in q's geometry (Euclidean for Student-t and
    /// Euclidean Gaussian maps, cosine otherwise).
    Knn,
    /// kNN accuracy, k = 10, ranked by the given distance (`knn(metric = …)`;
    /// euclidean or cosine).
    KnnWith {
        /// Distance that ranks neighbours.
        metric: DistanceMetric,
    },
    /// Linear-probe accuracy.
    LinearProbe,
    /// Hungarian-matched clustering accuracy.
    Hungarian,
    /// Normalized mutual information.
    Nmi,
    /// Adjusted Rand index.
    Ari,
    /// Trustworthiness (k = 10).
    Trustworthiness,
    /// Alignment (Wang & Isola 2020).
    Alignment,
    /// Uniformity (Wang & Isola 2020).
    Uniformity,
}

#[cfg(test)]
mod spelling_tests {
    use super::*;

    #[test]
    fn every_spelling_reads_back_as_its_value() {
        for (i, name) in DistanceMetric::NAMES.iter().enumerate() {
            let m = DistanceMetric::from_name(name).unwrap();
            assert_eq!((m.name(), DistanceMetric::NAMES[i]), (*name, *name));
        }
        for name in Pairs::NAMES {
            assert_eq!(Pairs::from_name(name).map(|v| v.name()), Some(*name));
        }
        for name in Negative::NAMES {
            assert_eq!(Negative::from_name(name).map(|v| v.name()), Some(*name));
        }
        for name in StudentCalibration::NAMES {
            assert_eq!(
                StudentCalibration::from_name(name).map(|v| v.name()),
                Some(*name)
            );
        }
        assert_eq!(DistanceMetric::from_name("Cosine"), None);
    }
}
