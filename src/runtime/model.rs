//! The trainable model of a method: every mapper pipeline of the IR (and,
//! once joined with the loss, the learnable kernel parameters).

use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::ir;
use crate::runtime::loss::Batch;
use crate::runtime::mappers::{PcaSource, Pipeline, PipelineInput, Stage};
use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::tensor::backend::AutodiffBackend;
use burn::tensor::{backend::Backend, Tensor};

/// The whole trainable model: the mapper pipelines plus the learnable kernel
/// parameters `K` (temperatures, γ; `KernelParams` of the loss).
#[derive(Module, Debug)]
pub struct IconModel<B: Backend, K> {
    /// Mapper pipelines.
    pub mappers: Mappers<B>,
    /// Learnable kernel parameters.
    pub kernel: K,
}

/// Every mapper pipeline of a method, run in IR order.
#[derive(Module, Debug)]
pub struct Mappers<B: Backend> {
    /// Pipelines in dependency order.
    pub pipelines: Vec<Pipeline<B>>,
}

impl<B: Backend> Mappers<B> {
    /// Builds the pipelines of `method`; `pca` feeds PCA-initialised tables.
    pub fn init(
        method: &ir::Method,
        pca: Option<PcaSource<'_>>,
        device: &B::Device,
    ) -> Result<Self, Diagnostic> {
        Self::from_specs(&method.mappers, pca, device)
    }

    /// Builds pipelines from mapper specs (in dependency order). Momentum
    /// copies start at their online pipeline's weights. `Err` only for specs
    /// the checker would refuse (a copy whose online pipeline is missing).
    pub fn from_specs(
        specs: &[ir::MapperSpec],
        pca: Option<PcaSource<'_>>,
        device: &B::Device,
    ) -> Result<Self, Diagnostic> {
        let pipelines: Vec<Pipeline<B>> = specs
            .iter()
            .map(|m| Pipeline::init(m, pca, device))
            .collect::<Result<_, _>>()?;
        let mappers = Mappers { pipelines };
        materialize(&mappers);
        let pipelines = crate::runtime::mappers::momentum_step(mappers.pipelines, |_| 0.0)?;
        Ok(Mappers { pipelines })
    }

    /// Moves every momentum copy one step toward its online pipeline, with
    /// m_t of optimizer step `step` (0-based) of `total` (call after each
    /// optimizer step).
    pub fn momentum_step(self, step: usize, total: usize) -> Result<Self, Diagnostic> {
        let pipelines = crate::runtime::mappers::momentum_step(self.pipelines, |c| {
            c.schedule.at(c.momentum, step, total)
        })?;
        Ok(Mappers { pipelines })
    }

    /// Runs every pipeline in order; each reads its input key (from the data
    /// or an earlier pipeline) and inserts its output key.
    ///
    /// # Shapes
    /// - keys: data keys `x: [B, F]`, `label: [B]`, `index: [B]` (+ `x1`)
    /// - output: the same keys plus one `[B, D]` (or `[n, D]`) per pipeline
    pub fn forward(&self, mut keys: Batch<B>) -> Result<Batch<B>, Diagnostic> {
        for pipeline in &self.pipelines {
            let input = match &pipeline.input {
                None => PipelineInput::Nothing,
                Some(name) => {
                    if let Some(x) = keys.floats.get(name) {
                        PipelineInput::Float(x.clone())
                    } else if let Some(ids) = keys.ints.get(name) {
                        PipelineInput::Int(ids.clone())
                    } else {
                        return Err(missing_key(name, &pipeline.output));
                    }
                }
            };
            let out = pipeline.forward(input)?;
            keys.floats.insert(pipeline.output.clone(), out);
        }
        Ok(keys)
    }

    /// Re-orthonormalizes orthonormal Linear stages (call after each optimizer step).
    pub fn orthonormalize(self) -> Self {
        Mappers {
            pipelines: self
                .pipelines
                .into_iter()
                .map(Pipeline::orthonormalize)
                .collect(),
        }
    }

    /// Projects the gradient of every orthonormal Linear weight onto the
    /// tangent space of the Stiefel manifold, `G ← G − W·sym(WᵀG)`, so the
    /// optimizer does not spend its (per-coordinate normalized, for Adam) step
    /// on the radial direction that re-orthonormalization undoes.
    ///
    /// # Shapes
    /// `W`, `G`: `[in, out]` with `WᵀW = I`
    pub fn project_orthonormal_grads(&self, grads: &mut GradientsParams)
    where
        B: AutodiffBackend,
    {
        for pipeline in &self.pipelines {
            for stage in &pipeline.stages {
                if let Stage::Linear(m) = stage {
                    if !m.orthonormal {
                        continue;
                    }
                    let id = m.linear.weight.id;
                    let w = m.linear.weight.val().inner(); // [in, out]
                    if let Some(g) = grads.remove::<B::InnerBackend, 2>(id) {
                        let wtg = w.clone().transpose().matmul(g.clone()); // [out, out]
                        let sym = (wtg.clone() + wtg.transpose()).mul_scalar(0.5);
                        grads.register::<B::InnerBackend, 2>(id, g - w.matmul(sym));
                    }
                }
            }
        }
    }

    /// True when some pipeline holds an orthonormal Linear.
    pub fn has_orthonormal(&self) -> bool {
        self.pipelines.iter().any(Pipeline::has_orthonormal)
    }
}

/// Forces burn's lazy parameter initialisation now, in module order, so the
/// initial weights depend only on the backend seed set before `init` (not on
/// which parameter a forward pass happens to touch first).
pub fn materialize<B: Backend, M: Module<B>>(module: &M) {
    struct Touch;
    impl<B: Backend> ModuleVisitor<B> for Touch {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
            let _ = param.val();
        }
    }
    module.visit(&mut Touch);
}

fn missing_key(key: &str, output: &str) -> Diagnostic {
    Diagnostic::bare(
        Code::MapperCannotRun,
        format!("mapper pipeline `{output}` reads key `{key}`, which no earlier step produced"),
    )
    .with_help(
        "this is a compiler bug: the checker should have rejected this key flow; please report it",
    )
}
