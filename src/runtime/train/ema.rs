//! Exponential moving average of the weights: `θ̄ ← mθ̄ + (1−m)θ` after each
//! step (spec §4). The shadow is used only for evaluation.

use burn::module::{AutodiffModule, Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::Tensor;
use std::collections::HashMap;

/// The shadow weights, kept as an inference-mode copy of the model.
#[derive(Debug, Clone)]
pub struct Ema<M> {
    /// The shadow module (its parameters are the averages).
    pub shadow: M,
    /// Momentum m.
    pub momentum: f64,
}

/// Float parameters flattened to 1-D, by id.
struct Collect<B: Backend> {
    values: HashMap<ParamId, Tensor<B, 1>>,
}

impl<B: Backend> ModuleVisitor<B> for Collect<B> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        let t = param.val();
        let n = t.shape().num_elements();
        self.values.insert(param.id, t.reshape([n]));
    }
}

/// Blends collected values into a module: `new = a·old + (1−a)·value`.
struct Blend<B: Backend> {
    values: HashMap<ParamId, Tensor<B, 1>>,
    keep: f64,
}

impl<B: Backend> ModuleMapper<B> for Blend<B> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<B, D>>) -> Param<Tensor<B, D>> {
        let (id, old, mapper) = param.consume();
        let new = match self.values.remove(&id) {
            Some(v) => {
                let v = v.reshape(old.shape());
                if self.keep == 0.0 {
                    v
                } else {
                    old.mul_scalar(self.keep) + v.mul_scalar(1.0 - self.keep)
                }
            }
            None => old,
        };
        Param::from_mapped_value(id, new, mapper)
    }
}

fn collect<B: Backend, M: Module<B>>(m: &M) -> HashMap<ParamId, Tensor<B, 1>> {
    let mut c = Collect {
        values: HashMap::new(),
    };
    m.visit(&mut c);
    c.values
}

impl<M> Ema<M> {
    /// Starts the shadow at the current weights.
    pub fn new<B: AutodiffBackend, AM: AutodiffModule<B, InnerModule = M>>(
        model: &AM,
        momentum: f64,
    ) -> Self {
        Ema {
            shadow: model.valid(),
            momentum,
        }
    }

    /// `θ̄ ← mθ̄ + (1−m)θ`.
    pub fn update<B: AutodiffBackend, AM: AutodiffModule<B, InnerModule = M>>(&mut self, model: &AM)
    where
        M: Module<B::InnerBackend>,
    {
        let values = collect::<B::InnerBackend, M>(&model.valid());
        let shadow = self.shadow.clone();
        self.shadow = shadow.map(&mut Blend {
            values,
            keep: self.momentum,
        });
    }

    /// The live model's inference copy with the shadow weights swapped in
    /// (non-parameter state such as batch-norm running statistics comes from the live model).
    pub fn apply<B: AutodiffBackend, AM: AutodiffModule<B, InnerModule = M>>(&self, model: &AM) -> M
    where
        M: Module<B::InnerBackend>,
    {
        let values = collect::<B::InnerBackend, M>(&self.shadow);
        model.valid().map(&mut Blend { values, keep: 0.0 })
    }
}
