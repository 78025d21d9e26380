//! Exponential moving average of the weights: `θ̄ ← mθ̄ + (1−m)θ` after each
//! step (spec §4). The shadow is used only for evaluation. The blending is
//! `runtime::blend`, shared with the momentum encoder.

use crate::diag::Diagnostic;
use crate::runtime::blend::{blended, parameters};
use burn::module::{AutodiffModule, Module};
use burn::tensor::backend::AutodiffBackend;

/// The shadow weights, kept as an inference-mode copy of the model.
#[derive(Debug, Clone)]
pub struct Ema<M> {
    /// The shadow module (its parameters are the averages).
    pub shadow: M,
    /// Momentum m.
    pub momentum: f64,
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
    pub fn update<B: AutodiffBackend, AM: AutodiffModule<B, InnerModule = M>>(
        &mut self,
        model: &AM,
    ) -> Result<(), Diagnostic>
    where
        M: Module<B::InnerBackend>,
    {
        let values = parameters::<B::InnerBackend, M>(&model.valid());
        self.shadow = blended(self.shadow.clone(), values, self.momentum).map_err(mismatch)?;
        Ok(())
    }

    /// The live model's inference copy with the shadow weights swapped in
    /// (non-parameter state such as batch-norm running statistics comes from the live model).
    pub fn apply<B: AutodiffBackend, AM: AutodiffModule<B, InnerModule = M>>(
        &self,
        model: &AM,
    ) -> Result<M, Diagnostic>
    where
        M: Module<B::InnerBackend>,
    {
        let values = parameters::<B::InnerBackend, M>(&self.shadow);
        blended(model.valid(), values, 0.0).map_err(mismatch)
    }
}

/// The shadow is a copy of the model, so this is a bug.
fn mismatch(expected: usize) -> Diagnostic {
    crate::runtime::kernels::host::internal(format!(
        "the EMA shadow does not have the model's {expected} parameters"
    ))
}
