//! Mappers: burn modules built from [`ir::MapperStage`]s. A [`Pipeline`] is one
//! `KEY = Stage -> Stage … on INPUT` line: it reads one batch key and writes one.

use crate::diag::Code;
pub mod linear;
pub mod mlp;
pub mod resnet;
pub mod simple_cnn;
pub mod stages;
pub mod table;

use crate::diag::Diagnostic;
use crate::ir;
use burn::module::Module;
use burn::tensor::{backend::Backend, Int, Tensor};

pub use linear::{ClusterHead, ClusterHeadConfig, LinearMap, LinearMapConfig};
pub use mlp::{Mlp, MlpConfig};
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
    pub fn init(spec: &ir::MapperSpec, pca: Option<PcaSource<'_>>, device: &B::Device) -> Self {
        let stages = spec
            .stages
            .iter()
            .map(|s| build_stage(s, pca, device))
            .collect();
        Pipeline {
            stages,
            output: spec.output.clone(),
            input: spec.input.clone(),
        }
    }

    /// Runs the stages.
    ///
    /// # Shapes
    /// - input: `[B, F]` floats, `[B]` ids (first stage a table), or nothing (`get_all`)
    /// - output: `[B, D]` (or `[n, D]` for a whole table)
    pub fn forward(&self, input: PipelineInput<B>) -> Result<Tensor<B, 2>, Diagnostic> {
        let mut stages = self.stages.iter();
        let mut x = match input {
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
            x = match stage {
                Stage::Identity(_) => x,
                Stage::Linear(m) => m.forward(x),
                Stage::Mlp(m) => m.forward(x),
                Stage::SimpleCnn(m) => m.forward(x),
                Stage::ResNet18(m) => m.forward(x),
                Stage::ClusterHead(m) => m.forward(x),
                Stage::Normalize(_) => stages::l2_normalize(x),
                Stage::Softmax(_) => stages::row_softmax(x),
                Stage::Table(_) => return Err(self.misuse("a LookUpTable must be the first stage")),
            };
        }
        Ok(x)
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
        Diagnostic::bare(
            Code::MapperCannotRun,
            format!("mapper pipeline `{}` cannot run: {what}", self.output),
        )
        .with_help("this is a compiler bug: the checker should have rejected this pipeline; please report it")
    }
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
    }
}
