//! A momentum (EMA) copy of another pipeline's stages (MoCo, BYOL): the
//! `MomentumEncoder(of = …)` stage. The copied stages are a pipeline's first
//! stages; their parameters never require gradients and their output is
//! detached, so the loss reaches neither the copy nor, through it, the online
//! pipeline. After every optimizer step they move toward the online weights,
//! `θ̄ ← m_t·θ̄ + (1 − m_t)·θ`.
//!
//! The blending itself is `runtime::blend`, shared with `Train(ema)`.

use crate::ir::MomentumSchedule;

/// Which leading stages of a pipeline are a momentum copy, and of what.
#[derive(Debug, Clone, PartialEq)]
pub struct MomentumCopy {
    /// Output key of the online pipeline.
    pub of: String,
    /// Base momentum m.
    pub momentum: f64,
    /// How m_t moves over training.
    pub schedule: MomentumSchedule,
    /// The pipeline's first `stages` stages are the copy.
    pub stages: usize,
}
