//! Mappers: burn modules built from [`ir::MapperStage`]s. A [`Pipeline`] is one
//! `KEY = Stage -> Stage … on INPUT` line: it reads one batch key and writes one.

use crate::diag::Code;
pub mod linear;
pub mod mlp;
pub mod momentum;
pub mod resnet;
pub mod simple_cnn;
pub mod stages;
pub mod table;
pub mod weights;

use crate::diag::Diagnostic;
use crate::ir;
use burn::module::Module;
use burn::tensor::{backend::Backend, Int, Tensor};

pub use linear::{ClusterHead, ClusterHeadConfig, LinearMap, LinearMapConfig};
pub use mlp::{Mlp, MlpConfig};
pub use momentum::MomentumCopy;
pub use resnet::{ResNet18, ResNet18Config};
pub use simple_cnn::{SimpleCnn, SimpleCnnConfig};
pub use table::{LookUpTable, LookUpTableConfig};

/// A parameter-free stage (burn needs a module type for every enum variant).
#[derive(Module, Clone, Debug, Default)]
pub struct Normalize;

/// A parameter-free row softmax.
#[derive(Module, Clone, Debug, Default)]
pub struct Softmax;

/// A parameter-free pass-through.
#[derive(Module, Clone, Debug, Default)]
pub struct Identity;

/// One stage of a pipeline.
#[derive(Module, Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Stage<B: Backend> {
    /// Pass-through.
    Identity(Identity),
    /// Affine (optionally orthonormal) map.
    Linear(LinearMap<B>),
    /// Multi-layer perceptron.
    Mlp(Mlp<B>),
    /// The spec's SimpleCNN.
    SimpleCnn(SimpleCnn<B>),
    /// CIFAR ResNet-18.
    ResNet18(ResNet18<B>),
    /// A learnable table (must be the first stage).
    Table(LookUpTable<B>),
    /// Linear → softmax.
    ClusterHead(ClusterHead<B>),
    /// Row-wise L2 normalization.
    Normalize(Normalize),
    /// Row-wise softmax.
    Softmax(Softmax),
}

/// What a pipeline reads: a float key, an int key (tables), or nothing (`get_all`).
#[derive(Debug, Clone)]
pub enum PipelineInput<B: Backend> {
    /// `[B, F]` float rows.
    Float(Tensor<B, 2>),
    /// `[B]` ids.
    Int(Tensor<B, 1, Int>),
    /// No input (a whole-table pipeline).
    Nothing,
}

/// One mapper pipeline.
#[derive(Module, Debug)]
pub struct Pipeline<B: Backend> {
    /// Stages applied left to right.
    pub stages: Vec<Stage<B>>,
    #[module(skip)]
    /// Key written.
    pub output: String,
    #[module(skip)]
    /// Key read (None for `get_all` tables).
    pub input: Option<String>,
    #[module(skip)]
    /// When the first stages are a momentum copy of another pipeline.
    pub momentum: Option<MomentumCopy>,
    #[module(skip)]
    /// When every stage was loaded from saved weights and is frozen.
    pub frozen: bool,
}

/// Data a LookUpTable with PCA init needs: the full training `x` (row-major).
#[derive(Debug, Clone, Copy)]
pub struct PcaSource<'a> {
    /// `n × features` values.
    pub x: &'a [f32],
    /// Rows.
    pub n: usize,
    /// Columns.
    pub features: usize,
    /// Seed of the subspace iteration.
    pub seed: u64,
}

impl<B: Backend> Pipeline<B> {
    /// Builds a pipeline from its IR.
    /// `Err` (E0709) when a `Frozen` pipeline's weights cannot be loaded.
    pub fn init(
        spec: &ir::MapperSpec,
        pca: Option<PcaSource<'_>>,
        device: &B::Device,
    ) -> Result<Self, Diagnostic> {
        let mut stages = Vec::new();
        let mut momentum = None;
        let mut frozen = None;
        for s in &spec.stages {
            match s {
                ir::MapperStage::Frozen { weights, of } => frozen = Some((weights, of)),
                // Started at the online weights by `Mappers::init`.
                ir::MapperStage::MomentumEncoder {
                    of,
                    momentum: m,
                    schedule,
                    stages: copied,
                } => {
                    stages.extend(
                        copied
                            .iter()
                            .map(|c| build_stage(c, None, device).no_grad()),
                    );
                    momentum = Some(MomentumCopy {
                        of: of.clone(),
                        momentum: *m,
                        schedule: *schedule,
                        stages: copied.len(),
                    });
                }
                other => stages.push(build_stage(other, pca, device)),
            }
        }
        if let Some((weights, of)) = frozen {
            materialize_stages(&stages);
            stages = weights::load(stages, std::path::Path::new(weights), of)?
                .into_iter()
                .map(|s| s.no_grad())
                .collect();
        }
        Ok(Pipeline {
            stages,
            output: spec.output.clone(),
            input: spec.input.clone(),
            momentum,
            frozen: frozen.is_some(),
        })
    }

    /// Runs the stages.
    ///
    /// # Shapes
    /// - input: `[B, F]` floats, `[B]` ids (first stage a table), or nothing (`get_all`)
    /// - output: `[B, D]` (or `[n, D]` for a whole table)
    pub fn forward(&self, input: PipelineInput<B>) -> Result<Tensor<B, 2>, Diagnostic> {
        let mut stages = self.stages.iter();
        let mut x = match input {
            // Frozen stages and a momentum copy run without a graph and pass none on.
            PipelineInput::Float(x) if self.untrained_stages() > 0 => {
                let mut x = x.detach();
                for stage in stages.by_ref().take(self.untrained_stages()) {
                    x = run_float_stage(stage, x)
                        .ok_or_else(|| self.misuse("frozen or copied stages are float stages"))?;
                }
                x.detach()
            }
            PipelineInput::Float(x) => x,
            PipelineInput::Int(ids) => match stages.next() {
                Some(Stage::Table(t)) if t.get_all => t.all(),
                Some(Stage::Table(t)) => t.forward(ids),
                _ => return Err(self.misuse("an int key must feed a LookUpTable")),
            },
            PipelineInput::Nothing => match stages.next() {
                Some(Stage::Table(t)) => t.all(),
                _ => {
                    return Err(self.misuse(
                        "a pipeline without input must start with LookUpTable(get_all = true)",
                    ))
                }
            },
        };
        for stage in stages {
            x = run_float_stage(stage, x)
                .ok_or_else(|| self.misuse("a LookUpTable must be the first stage"))?;
        }
        Ok(x)
    }

    /// How many leading stages never train: all of a `Frozen` pipeline's, a
    /// momentum copy's copied ones, else none.
    fn untrained_stages(&self) -> usize {
        if self.frozen {
            self.stages.len()
        } else {
            self.momentum.as_ref().map_or(0, |copy| copy.stages)
        }
    }

    /// The momentum copy moved toward `online` (the online pipeline's
    /// parameters, [`crate::runtime::blend::parameters`] of its stages) with momentum `m`.
    fn with_copy_moved(self, online: Vec<Tensor<B, 1>>, m: f64) -> Result<Self, Diagnostic> {
        let Some(copy) = self.momentum.clone() else {
            return Ok(self);
        };
        let mut stages = self.stages;
        let rest = stages.split_off(copy.stages.min(stages.len()));
        let expected = online.len();
        let mut moved = crate::runtime::blend::blended(stages, online, m).map_err(|_| {
            misuse_of(
                &self.output,
                &format!(
                    "its momentum copy does not match the {expected} parameters of `{}`",
                    copy.of
                ),
            )
        })?;
        moved.extend(rest);
        Ok(Pipeline {
            stages: moved,
            ..self
        })
    }

    /// Re-orthonormalizes every orthonormal Linear stage (after an optimizer step).
    pub fn orthonormalize(mut self) -> Self {
        self.stages = self
            .stages
            .into_iter()
            .map(|s| match s {
                Stage::Linear(m) => Stage::Linear(m.orthonormalize()),
                other => other,
            })
            .collect();
        self
    }

    /// True when some stage needs re-orthonormalization after each step.
    pub fn has_orthonormal(&self) -> bool {
        self.stages
            .iter()
            .any(|s| matches!(s, Stage::Linear(m) if m.orthonormal))
    }

    fn misuse(&self, what: &str) -> Diagnostic {
        misuse_of(&self.output, what)
    }
}

/// `pipelines` with every momentum copy moved toward its online pipeline:
/// `θ̄ ← m_t·θ̄ + (1 − m_t)·θ` with `m_t` from `m_at(copy)` (0 copies the
/// online weights). A copy never copies a copy (the checker refuses it).
pub fn momentum_step<B: Backend>(
    pipelines: Vec<Pipeline<B>>,
    m_at: impl Fn(&MomentumCopy) -> f64,
) -> Result<Vec<Pipeline<B>>, Diagnostic> {
    let mut online: Vec<(usize, Vec<Tensor<B, 1>>)> = Vec::new();
    for (i, p) in pipelines.iter().enumerate() {
        if let Some(copy) = &p.momentum {
            let Some(source) = pipelines
                .iter()
                .find(|o| o.output == copy.of && o.momentum.is_none())
            else {
                return Err(misuse_of(
                    &p.output,
                    &format!("no online pipeline writes `{}`", copy.of),
                ));
            };
            online.push((
                i,
                source
                    .stages
                    .iter()
                    .flat_map(crate::runtime::blend::parameters)
                    .collect(),
            ));
        }
    }
    if online.is_empty() {
        return Ok(pipelines);
    }
    let mut out = Vec::with_capacity(pipelines.len());
    let mut online = online.into_iter().peekable();
    for (i, p) in pipelines.into_iter().enumerate() {
        match online.next_if(|(j, _)| *j == i) {
            Some((_, values)) => {
                let m = p.momentum.as_ref().map_or(0.0, &m_at);
                out.push(p.with_copy_moved(values, m)?);
            }
            None => out.push(p),
        }
    }
    Ok(out)
}

/// Forces lazy parameter initialisation before weights are loaded over it.
fn materialize_stages<B: Backend>(stages: &[Stage<B>]) {
    for s in stages {
        crate::runtime::model::materialize(s);
    }
}

/// A float-to-float stage on `x`; None for a table (always a first stage,
/// which its caller runs).
fn run_float_stage<B: Backend>(stage: &Stage<B>, x: Tensor<B, 2>) -> Option<Tensor<B, 2>> {
    Some(match stage {
        Stage::Identity(_) => x,
        Stage::Linear(m) => m.forward(x),
        Stage::Mlp(m) => m.forward(x),
        Stage::SimpleCnn(m) => m.forward(x),
        Stage::ResNet18(m) => m.forward(x),
        Stage::ClusterHead(m) => m.forward(x),
        Stage::Normalize(_) => stages::l2_normalize(x),
        Stage::Softmax(_) => stages::row_softmax(x),
        Stage::Table(_) => return None,
    })
}

fn misuse_of(output: &str, what: &str) -> Diagnostic {
    Diagnostic::bare(
        Code::MapperCannotRun,
        format!("mapper pipeline `{output}` cannot run: {what}"),
    )
    .with_help(
        "this is a compiler bug: the checker should have rejected this pipeline; please report it",
    )
}

fn build_stage<B: Backend>(
    stage: &ir::MapperStage,
    pca: Option<PcaSource<'_>>,
    device: &B::Device,
) -> Stage<B> {
    use ir::MapperStage as S;
    match stage {
        S::Identity => Stage::Identity(Identity),
        S::Linear {
            input,
            out,
            bias,
            orthonormal,
        } => Stage::Linear(
            LinearMapConfig {
                input: *input,
                out: *out,
                bias: *bias,
                orthonormal: *orthonormal,
            }
            .init(device),
        ),
        S::Mlp {
            input,
            hidden,
            out,
            activation,
            batch_norm,
        } => Stage::Mlp(
            MlpConfig {
                input: *input,
                hidden: hidden.clone(),
                out: *out,
                activation: *activation,
                batch_norm: *batch_norm,
            }
            .init(device),
        ),
        S::SimpleCnn { image, out } => Stage::SimpleCnn(
            SimpleCnnConfig {
                image: *image,
                out: *out,
            }
            .init(device),
        ),
        S::ResNet18 { image, out } => Stage::ResNet18(
            ResNet18Config {
                image: *image,
                out: *out,
            }
            .init(device),
        ),
        S::LookUpTable {
            n,
            dim,
            get_all,
            init,
        } => {
            let rows = match (init, pca) {
                (ir::TableInit::Pca, Some(src)) if src.n == *n => {
                    Some(table::pca_init(src.x, src.n, src.features, *dim, src.seed))
                }
                _ => None,
            };
            Stage::Table(
                LookUpTableConfig {
                    n: *n,
                    dim: *dim,
                    get_all: *get_all,
                    init: *init,
                }
                .init(rows.as_deref(), device),
            )
        }
        S::ClusterHead { input, clusters } => Stage::ClusterHead(
            ClusterHeadConfig {
                input: *input,
                clusters: *clusters,
            }
            .init(device),
        ),
        S::Normalize => Stage::Normalize(Normalize),
        S::Softmax => Stage::Softmax(Softmax),
        // Expanded into its copied stages, or a marker, by `Pipeline::init`.
        S::MomentumEncoder { .. } | S::Frozen { .. } => Stage::Identity(Identity),
    }
}
