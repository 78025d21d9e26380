//! The three optimizers of the language behind one type (burn's optimizers
//! are distinct types), with their state saved as burn records.

use super::host_adam::{HostAdam, HostAdamW};
use crate::diag::Diagnostic;
use crate::ir;
use burn::module::AutodiffModule;
use burn::optim::adaptor::OptimizerAdaptor;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{GradientsParams, Optimizer, Sgd, SgdConfig};
use burn::record::{BinBytesRecorder, FullPrecisionSettings, Recorder};
use burn::tensor::backend::AutodiffBackend;

/// One of adam, adamw, sgd for model `M`.
#[derive(Clone)]
pub enum AnyOptimizer<M: AutodiffModule<B>, B: AutodiffBackend> {
    /// Adam with L2 weight decay, fused on the CPU backend.
    Adam(OptimizerAdaptor<HostAdam, M, B>),
    /// AdamW (decoupled weight decay), fused on the CPU backend.
    AdamW(OptimizerAdaptor<HostAdamW, M, B>),
    /// SGD with (Nesterov) momentum.
    Sgd(OptimizerAdaptor<Sgd<B::InnerBackend>, M, B>),
}

type Rec = BinBytesRecorder<FullPrecisionSettings>;

impl<M: AutodiffModule<B>, B: AutodiffBackend> AnyOptimizer<M, B> {
    /// Builds the optimizer of the IR. Clipping is done globally by the loop, not here.
    pub fn new(spec: &ir::Optimizer) -> Self {
        match spec {
            ir::Optimizer::Adam {
                weight_decay,
                betas,
                ..
            } => AnyOptimizer::Adam(OptimizerAdaptor::from(HostAdam::new(
                betas.0 as f32,
                betas.1 as f32,
                1e-8,
                *weight_decay as f32,
            ))),
            ir::Optimizer::AdamW {
                weight_decay,
                betas,
                ..
            } => AnyOptimizer::AdamW(OptimizerAdaptor::from(HostAdamW::new(
                betas.0 as f32,
                betas.1 as f32,
                1e-8,
                *weight_decay as f32,
            ))),
            ir::Optimizer::Sgd {
                momentum,
                nesterov,
                weight_decay,
                ..
            } => {
                let decay =
                    (*weight_decay > 0.0).then(|| WeightDecayConfig::new(*weight_decay as f32));
                // Decision: PyTorch semantics, dampening 0 (burn defaults to 0.1).
                let momentum = (*momentum > 0.0).then_some(MomentumConfig {
                    momentum: *momentum,
                    dampening: 0.0,
                    nesterov: *nesterov,
                });
                AnyOptimizer::Sgd(
                    SgdConfig::new()
                        .with_momentum(momentum)
                        .with_weight_decay(decay)
                        .init(),
                )
            }
        }
    }

    /// One update with learning rate `lr`.
    pub fn step(&mut self, lr: f64, model: M, grads: GradientsParams) -> M {
        match self {
            AnyOptimizer::Adam(o) => o.step(lr, model, grads),
            AnyOptimizer::AdamW(o) => o.step(lr, model, grads),
            AnyOptimizer::Sgd(o) => o.step(lr, model, grads),
        }
    }

    /// The optimizer state (moments, momentum buffers) as bytes.
    pub fn save(&self) -> Result<Vec<u8>, Diagnostic> {
        let rec = Rec::default();
        let bytes = match self {
            AnyOptimizer::Adam(o) => Recorder::<B>::record(&rec, o.to_record(), ()),
            AnyOptimizer::AdamW(o) => Recorder::<B>::record(&rec, o.to_record(), ()),
            AnyOptimizer::Sgd(o) => Recorder::<B>::record(&rec, o.to_record(), ()),
        };
        bytes.map_err(|e| super::checkpoint::record_error("optimizer state", &e))
    }

    /// Restores state saved by [`AnyOptimizer::save`].
    pub fn load(self, bytes: Vec<u8>, device: &B::Device) -> Result<Self, Diagnostic> {
        let rec = Rec::default();
        let err =
            |e: burn::record::RecorderError| super::checkpoint::record_error("optimizer state", &e);
        Ok(match self {
            AnyOptimizer::Adam(o) => {
                AnyOptimizer::Adam(o.load_record(rec.load(bytes, device).map_err(err)?))
            }
            AnyOptimizer::AdamW(o) => {
                AnyOptimizer::AdamW(o.load_record(rec.load(bytes, device).map_err(err)?))
            }
            AnyOptimizer::Sgd(o) => {
                AnyOptimizer::Sgd(o.load_record(rec.load(bytes, device).map_err(err)?))
            }
        })
    }
}

/// The base learning rate of an optimizer spec.
pub fn base_lr(spec: &ir::Optimizer) -> f64 {
    match spec {
        ir::Optimizer::Adam { lr, .. }
        | ir::Optimizer::AdamW { lr, .. }
        | ir::Optimizer::Sgd { lr, .. } => *lr,
    }
}
