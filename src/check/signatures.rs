//! The one signature table: every name a `.icon` file can call, with its
//! parameters (type, default, valid range, doc). The checker binds arguments
//! against it, and `iconc explain`/`iconc show` (and later the editor hover)
//! print it. Defaults follow `../shared/spec/methods.md` (reference `Config`
//! and playground values); each non-obvious one carries a `Decision:` note.

mod data;
mod model;

/// What kind of thing a name is (where it may appear).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `data = Mnist(…)`.
    Data,
    /// `augment = [Crop(…)]`.
    Augment,
    /// First stage of a mapper pipeline, or a later stage (`MLP`, `Linear`).
    Mapper,
    /// A stage that only transforms rows (`Normalize`, `Softmax`).
    Stage,
    /// A leaf kernel (`Gaussian`).
    Kernel,
    /// A kernel transform after `->` (`normalize`, `leak(0.3)`).
    Transform,
    /// `optimizer = AdamW(…)`.
    Optimizer,
    /// `schedule = Cosine(…)`.
    Schedule,
    /// `train = Train(…)`.
    Train,
    /// `eval = [knn]`.
    Metric,
    /// `divergence = kl`.
    Divergence,
}

impl Kind {
    /// The word used in messages ("unknown kernel `Gausian`").
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Data => "data source",
            Kind::Augment => "augmentation",
            Kind::Mapper | Kind::Stage => "mapper",
            Kind::Kernel => "kernel",
            Kind::Transform => "kernel transform",
            Kind::Optimizer => "optimizer",
            Kind::Schedule => "schedule",
            Kind::Train => "training settings",
            Kind::Metric => "metric",
            Kind::Divergence => "divergence",
        }
    }
}

/// A parameter type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Ty {
    /// Integer written without `.`/exponent.
    Int,
    /// Any number.
    Float,
    /// `true`/`false`.
    Bool,
    /// `"text"`.
    Str,
    /// A key name written bare: `of = embedding`.
    Key,
    /// One of these lowercase names.
    Enum(&'static [&'static str]),
    /// `[1, 2, 3]`.
    IntList,
    /// `[0.9, 0.999]`.
    FloatPair,
    /// A call of this kind: `AdamW(lr = 1e-3)` (a bare name means no arguments).
    Call(Kind),
    /// A list of calls of this kind: `[Crop(0.5), Flip()]`.
    CallList(Kind),
}

impl Ty {
    /// How the type reads in messages.
    pub fn describe(self) -> String {
        match self {
            Ty::Int => "an integer".into(),
            Ty::Float => "a number".into(),
            Ty::Bool => "`true` or `false`".into(),
            Ty::Str => "a string".into(),
            Ty::Key => "a key name".into(),
            Ty::Enum(names) => format!("one of {}", quoted(names)),
            Ty::IntList => "a list of integers".into(),
            Ty::FloatPair => "a list of two numbers".into(),
            Ty::Call(k) => format!("a {} call", k.noun()),
            Ty::CallList(k) => format!("a list of {} calls", k.noun()),
        }
    }
}

/// `` `a`, `b` `` for messages.
pub fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A parameter's default.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Default {
    /// Must be given.
    Required,
    /// May be absent (no value).
    Absent,
    /// Computed by the checker from context (doc says how).
    Derived(&'static str),
    /// Integer.
    Int(i64),
    /// Number.
    Float(f64),
    /// Bool.
    Bool(bool),
    /// Enum value.
    Enum(&'static str),
    /// Integer list.
    IntList(&'static [i64]),
    /// Pair.
    FloatPair(f64, f64),
    /// A call with no arguments (`AdamW()`), or an empty call list when `""`.
    Call(&'static str),
}

impl Default {
    /// How the default reads in docs.
    pub fn describe(self) -> String {
        match self {
            Default::Required => "required".into(),
            Default::Absent => "none".into(),
            Default::Derived(how) => how.into(),
            Default::Int(v) => v.to_string(),
            Default::Float(v) => format!("{v}"),
            Default::Bool(v) => v.to_string(),
            Default::Enum(v) => v.into(),
            Default::IntList(v) => format!("{v:?}"),
            Default::FloatPair(a, b) => format!("[{a}, {b}]"),
            Default::Call("") => "[]".into(),
            Default::Call(v) => format!("{v}()"),
        }
    }
}

/// The largest size, width or count a parameter may take (2²⁴ = 16,777,216).
pub const MAX_SIZE: u64 = 1 << 24;

/// A numeric range check (`lo`/`hi` with inclusiveness).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    /// Lower bound and whether it is allowed.
    pub lo: Option<(f64, bool)>,
    /// Upper bound and whether it is allowed.
    pub hi: Option<(f64, bool)>,
}

impl Range {
    /// No constraint.
    pub const ANY: Range = Range { lo: None, hi: None };
    /// `> 0`.
    pub const POSITIVE: Range = Range {
        lo: Some((0.0, false)),
        hi: None,
    };
    /// `≥ 0`.
    pub const NON_NEGATIVE: Range = Range {
        lo: Some((0.0, true)),
        hi: None,
    };
    /// `≥ 1`.
    pub const AT_LEAST_ONE: Range = Range {
        lo: Some((1.0, true)),
        hi: None,
    };
    /// A size, width or count: `[1, 2²⁴]`. The cap turns a typo such as
    /// `dim = 4294967296` into a diagnostic instead of an allocation abort.
    pub const SIZE: Range = Range {
        lo: Some((1.0, true)),
        hi: Some((MAX_SIZE as f64, true)),
    };
    /// `propagate(steps = …)`: `[1, 100]` (each step is a B×B product).
    pub const PROPAGATE_STEPS: Range = Range {
        lo: Some((1.0, true)),
        hi: Some((100.0, true)),
    };
    /// `> 1`.
    pub const ABOVE_ONE: Range = Range {
        lo: Some((1.0, false)),
        hi: None,
    };
    /// `[0, 1]`.
    pub const UNIT: Range = Range {
        lo: Some((0.0, true)),
        hi: Some((1.0, true)),
    };
    /// `[0, 1)`.
    pub const UNIT_OPEN: Range = Range {
        lo: Some((0.0, true)),
        hi: Some((1.0, false)),
    };
    /// `(0, 1]`.
    pub const FRACTION: Range = Range {
        lo: Some((0.0, false)),
        hi: Some((1.0, true)),
    };

    /// True when `v` satisfies the range.
    pub fn contains(self, v: f64) -> bool {
        let lo_ok = match self.lo {
            None => true,
            Some((lo, true)) => v >= lo,
            Some((lo, false)) => v > lo,
        };
        let hi_ok = match self.hi {
            None => true,
            Some((hi, true)) => v <= hi,
            Some((hi, false)) => v < hi,
        };
        lo_ok && hi_ok && !v.is_nan()
    }

    /// What `v` breaks, as the message says it: the whole range ("in [0, 1]"),
    /// or for a size with its large cap only the side that `v` is on
    /// ("≥ 1" for 0, "≤ 16777216" for 2³²).
    pub fn requirement(self, v: f64) -> Option<String> {
        match self.hi {
            Some((hi, _)) if hi >= 1e6 => {
                let above_lo = Range { hi: None, ..self }.contains(v);
                let side = if above_lo {
                    Range { lo: None, ..self }
                } else {
                    Range { hi: None, ..self }
                };
                side.describe()
            }
            _ => self.describe(),
        }
    }

    /// How the range reads ("> 0", "in [0, 1]").
    pub fn describe(self) -> Option<String> {
        match (self.lo, self.hi) {
            (None, None) => None,
            (Some((lo, inc)), None) => Some(format!("{} {lo}", if inc { "≥" } else { ">" })),
            (None, Some((hi, inc))) => Some(format!("{} {hi}", if inc { "≤" } else { "<" })),
            (Some((lo, li)), Some((hi, hi_inc))) => Some(format!(
                "in {}{lo}, {hi}{}",
                if li { "[" } else { "(" },
                if hi_inc { "]" } else { ")" }
            )),
        }
    }
}

/// One parameter.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    /// Name (`sigma`).
    pub name: &'static str,
    /// Type.
    pub ty: Ty,
    /// Default.
    pub default: Default,
    /// Valid values (numbers and integer lists).
    pub range: Range,
    /// One line.
    pub doc: &'static str,
}

/// Where a kernel may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Supervisory only.
    P,
    /// Learned only.
    Q,
    /// Either.
    Both,
}

/// What a kernel or mapper reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reads {
    /// Nothing (transforms, optimizers, …).
    Nothing,
    /// A 2-D float key B×D (distances).
    Float,
    /// A float key holding images (C×H×W rows).
    Image,
    /// A 1-D int key; the default key when `on` is omitted.
    Int(&'static str),
    /// A float key whose rows are probability vectors (B×C).
    Simplex,
    /// Any key.
    Any,
}

/// A callable name.
#[derive(Debug, Clone, Copy)]
pub struct Signature {
    /// As written (`Gaussian`, `leak`).
    pub name: &'static str,
    /// What it is.
    pub kind: Kind,
    /// Parameters in positional order.
    pub params: &'static [Param],
    /// What it does (one or two sentences).
    pub doc: &'static str,
    /// Kernels and transforms: p side, q side or both.
    pub side: Side,
    /// The input it reads.
    pub reads: Reads,
    /// Mappers and data: the keys written and their shapes (doc text).
    pub writes: &'static str,
}

impl Signature {
    /// The parameter called `name`.
    pub fn param(&self, name: &str) -> Option<(usize, &'static Param)> {
        self.params.iter().enumerate().find(|(_, p)| p.name == name)
    }
}

/// Every signature of one kind.
pub fn of_kind(kind: Kind) -> impl Iterator<Item = &'static Signature> {
    ALL.iter()
        .copied()
        .flatten()
        .filter(move |s| s.kind == kind)
}

/// All signatures.
pub fn all() -> impl Iterator<Item = &'static Signature> {
    ALL.iter().copied().flatten()
}

/// Looks a name up among the given kinds (exact spelling).
pub fn find(name: &str, kinds: &[Kind]) -> Option<&'static Signature> {
    all().find(|s| s.name == name && kinds.contains(&s.kind))
}

const ALL: &[&[Signature]] = &[
    data::DATA,
    data::AUGMENTS,
    model::MAPPERS,
    model::KERNELS,
    model::TRANSFORMS,
    data::TRAINING,
];

/// Shorthand for table entries.
pub(crate) const fn p(
    name: &'static str,
    ty: Ty,
    default: Default,
    range: Range,
    doc: &'static str,
) -> Param {
    Param {
        name,
        ty,
        default,
        range,
        doc,
    }
}

/// Shorthand for a signature with no side/reads/writes.
pub(crate) const fn sig(
    name: &'static str,
    kind: Kind,
    params: &'static [Param],
    doc: &'static str,
) -> Signature {
    Signature {
        name,
        kind,
        params,
        doc,
        side: Side::Both,
        reads: Reads::Nothing,
        writes: "",
    }
}

/// Distance metric names (§2.1).
pub const METRICS: &[&str] = crate::ir::DistanceMetric::NAMES;

/// Student-t repulsion names, as the IR spells them.
pub const REPULSIONS: &[&str] = crate::ir::Repulsion::NAMES;

#[cfg(test)]
mod tests {
    use super::{all, Default as D, Kind, Ty};

    /// Every default has the parameter's type and lies in its range, and
    /// names are unique within a kind.
    #[test]
    fn defaults_match_types_and_ranges() {
        for sig in all() {
            for p in sig.params {
                let ok = match (p.ty, p.default) {
                    (_, D::Required | D::Absent | D::Derived(_)) => true,
                    (Ty::Int, D::Int(v)) => p.range.contains(v as f64),
                    (Ty::Float, D::Float(v)) => p.range.contains(v),
                    (Ty::Bool, D::Bool(_)) => true,
                    (Ty::Enum(names), D::Enum(v)) => names.contains(&v),
                    (Ty::IntList, D::IntList(v)) => v.iter().all(|x| p.range.contains(*x as f64)),
                    (Ty::FloatPair, D::FloatPair(a, b)) => {
                        p.range.contains(a) && p.range.contains(b)
                    }
                    (Ty::Call(kind), D::Call(name)) => super::find(name, &[kind])
                        .is_some_and(|s| s.params.iter().all(|q| q.default != D::Required)),
                    (Ty::CallList(_), D::Call("")) => true,
                    _ => false,
                };
                assert!(
                    ok,
                    "{}.{}: default {:?} does not fit {:?}",
                    sig.name, p.name, p.default, p.ty
                );
            }
            let same = all()
                .filter(|s| s.name == sig.name && s.kind == sig.kind)
                .count();
            assert_eq!(same, 1, "{} defined twice", sig.name);
        }
    }

    /// The table covers every name of docs/language.md's summary.
    #[test]
    fn covers_the_documented_names() {
        let expect: &[(Kind, &[&str])] = &[
            (
                Kind::Data,
                &[
                    "Mnist",
                    "Digits",
                    "Idx",
                    "Cifar10",
                    "Npz",
                    "Csv",
                    "Blobs",
                    "Moons",
                    "SwissRoll",
                ],
            ),
            (
                Kind::Augment,
                &["Crop", "Flip", "Affine", "Noise", "Jitter"],
            ),
            (
                Kind::Mapper,
                &[
                    "Identity",
                    "Linear",
                    "MLP",
                    "SimpleCNN",
                    "ResNet18",
                    "LookUpTable",
                    "ClusterHead",
                    "MomentumEncoder",
                    "Frozen",
                ],
            ),
            (Kind::Stage, &["Normalize", "Softmax"]),
            (
                Kind::Kernel,
                &[
                    "Gaussian",
                    "GaussianLimit",
                    "StudentT",
                    "Label",
                    "Augmentation",
                    "CrossModal",
                    "UniformKNN",
                    "Graph",
                    "UniformCluster",
                    "Identity",
                ],
            ),
            (
                Kind::Transform,
                &[
                    "normalize",
                    "binarize",
                    "leak",
                    "propagate",
                    "symmetrize",
                    "exaggerate",
                    "debias",
                    "cross_view",
                ],
            ),
            (Kind::Optimizer, &["Adam", "AdamW", "Sgd"]),
            (Kind::Schedule, &["Constant", "Cosine", "Warmup"]),
            (
                Kind::Metric,
                &[
                    "knn",
                    "linear_probe",
                    "hungarian",
                    "nmi",
                    "ari",
                    "trustworthiness",
                    "alignment",
                    "uniformity",
                ],
            ),
            (Kind::Divergence, &["kl", "rkl", "js"]),
        ];
        for (kind, names) in expect {
            for name in *names {
                assert!(
                    super::find(name, &[*kind]).is_some(),
                    "{name} ({kind:?}) missing"
                );
            }
            assert_eq!(
                super::of_kind(*kind).count(),
                names.len(),
                "{kind:?} has extra names"
            );
        }
    }
}
