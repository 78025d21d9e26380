//! The training loop: optimizer steps with a per-step schedule, global
//! gradient clipping, EMA, the non-finite guard, checkpoints and resume.
//!
//! The loop is generic over an [`Objective`] (model type, batch type, loss),
//! so it runs the I-Con loss in `iconc run` and small closed-form losses in tests.

use crate::diag::Code;
pub(crate) mod bench;
pub(crate) mod checkpoint;
pub(crate) mod ema;
pub mod evaluate;
pub(crate) mod grads;
pub(crate) mod host_adam;
pub(crate) mod interrupt;
pub(crate) mod optimizer;
pub(crate) mod progress;
pub(crate) mod prototypes;
pub(crate) mod schedule;
pub mod session;

use crate::diag::Diagnostic;
use crate::ir;
use crate::runtime::profile::{self, Phase};
use burn::module::{AutodiffModule, Module};
use burn::optim::GradientsParams;
use burn::record::{BinBytesRecorder, FullPrecisionSettings, Recorder};
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{ElementConversion, Tensor};
use std::time::Instant;

pub use checkpoint::{Checkpoint, TrainState};
pub use ema::Ema;
pub use optimizer::AnyOptimizer;
pub use progress::ProgressMode;

/// Settings of one training run (the IR's `Train(…)` after CLI overrides).
#[derive(Debug, Clone)]
pub struct LoopConfig {
    /// Epochs.
    pub epochs: usize,
    /// Cap on optimizer steps.
    pub max_steps: Option<usize>,
    /// Batches per epoch (for schedules in epochs and the progress bar).
    pub steps_per_epoch: usize,
    /// Optimizer.
    pub optimizer: ir::Optimizer,
    /// Schedule.
    pub schedule: ir::Schedule,
    /// Global grad-norm clip.
    pub clip: Option<f64>,
    /// EMA momentum.
    pub ema: Option<f64>,
    /// Seed (recorded in checkpoints).
    pub seed: u64,
    /// Progress display.
    pub progress: ProgressMode,
    /// Also checkpoint mid-epoch once this long has passed since the last
    /// checkpoint (`None`: only at epoch ends and interrupts).
    pub checkpoint_every: Option<std::time::Duration>,
}

impl LoopConfig {
    /// Total optimizer steps of the run.
    pub fn total_steps(&self) -> usize {
        let full = self.epochs.saturating_mul(self.steps_per_epoch);
        self.max_steps.map_or(full, |s| s.min(full))
    }
}

/// What one step's loss computation returns.
pub struct StepOutput<B: Backend> {
    /// Scalar loss `[1]`.
    pub loss: Tensor<B, 1>,
    /// Named intermediate matrices (`p`, `log_q`, …) inspected when the loss is not finite.
    pub terms: Vec<(String, Tensor<B, 2>)>,
}

/// A trainable objective: a model type, a batch type and the loss.
pub trait Objective<B: AutodiffBackend> {
    /// The trained module.
    type Model: AutodiffModule<B>;
    /// One batch (host or device).
    type Batch;
    /// Rows in a batch (for samples/s).
    fn rows(&self, batch: &Self::Batch) -> usize;
    /// The loss of `batch` under `model` at optimizer step `step` (0-based;
    /// schedules such as exaggeration read it).
    fn loss(
        &self,
        model: &Self::Model,
        batch: &Self::Batch,
        step: usize,
    ) -> Result<StepOutput<B>, Diagnostic>;
    /// The learning rate of step `step`, given the schedule's `scheduled`
    /// (a rule such as t-SNE's `N / exaggeration` rescales it).
    fn learning_rate(&self, scheduled: f64, _step: usize) -> f64 {
        scheduled
    }
    /// Adjusts the gradients before clipping and the optimizer step
    /// (tangent projection for orthonormal Linear weights).
    fn adjust_grads(&self, _model: &Self::Model, _grads: &mut GradientsParams) {}
    /// What follows optimizer step `step` (0-based) of `total`: the
    /// orthonormal Linear projection, the momentum copies' update.
    fn after_step(
        &self,
        model: Self::Model,
        step: usize,
        total: usize,
    ) -> Result<Self::Model, Diagnostic> {
        let _ = (step, total);
        Ok(model)
    }
}

/// Per-epoch summary handed to [`Hooks::epoch_end`].
#[derive(Debug, Clone, PartialEq)]
pub struct EpochRecord {
    /// Epoch (0-based).
    pub epoch: usize,
    /// Mean step loss of the epoch.
    pub loss: f64,
    /// Steps taken so far.
    pub step: usize,
    /// Learning rate of the last step.
    pub lr: f64,
    /// Training throughput of the epoch.
    pub samples_per_s: f64,
    /// Wall-clock seconds of the epoch.
    pub seconds: f64,
}

/// Callbacks of the loop (metrics, checkpoints, stopping).
pub trait Hooks {
    /// After each finished epoch.
    fn epoch_end(&mut self, _record: &EpochRecord) -> Result<(), Diagnostic> {
        Ok(())
    }
    /// A checkpoint to persist (after each epoch, and when interrupted).
    fn checkpoint(&mut self, _bytes: &[u8]) -> Result<(), Diagnostic> {
        Ok(())
    }
    /// Polled before each step; true stops the run with a checkpoint (Ctrl-C).
    fn should_stop(&mut self, _step: usize) -> bool {
        interrupt::interrupted()
    }
    /// False skips serializing checkpoints (`iconc bench` measures steps only).
    fn wants_checkpoints(&self) -> bool {
        true
    }
}

/// Hooks that do nothing but honour Ctrl-C.
#[derive(Debug, Default)]
pub struct NoHooks;
impl Hooks for NoHooks {}

/// Why the loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// All epochs (or the step cap) done.
    Finished,
    /// Stopped by [`Hooks::should_stop`]; a checkpoint was handed out.
    Interrupted,
}

/// The result of a run.
pub struct Trained<B: AutodiffBackend, M: AutodiffModule<B>> {
    /// The trained model.
    pub model: M,
    /// EMA shadow, when on.
    pub ema: Option<Ema<M::InnerModule>>,
    /// Final loop state (losses of every step).
    pub state: TrainState,
    /// Why it ended.
    pub stop: Stop,
}

impl<B: AutodiffBackend, M: AutodiffModule<B>> Trained<B, M> {
    /// The model used for evaluation: the EMA shadow when on, else the live weights.
    pub fn eval_model(&self) -> Result<M::InnerModule, Diagnostic> {
        match &self.ema {
            Some(e) => e.apply::<B, M>(&self.model),
            None => Ok(self.model.valid()),
        }
    }
}

type Rec = BinBytesRecorder<FullPrecisionSettings>;

/// Trains `model` on the batches of each epoch (`batches(epoch)` must be a
/// pure function of the epoch for exact resume), optionally resuming from
/// checkpoint bytes.
pub fn train<B, O, F, I>(
    objective: &O,
    model: O::Model,
    mut batches: F,
    config: &LoopConfig,
    resume: Option<&[u8]>,
    hooks: &mut dyn Hooks,
    device: &B::Device,
) -> Result<Trained<B, O::Model>, Diagnostic>
where
    B: AutodiffBackend,
    O: Objective<B>,
    F: FnMut(usize) -> I,
    I: IntoIterator<Item = O::Batch>,
{
    let mut model = model;
    let mut optim = AnyOptimizer::<O::Model, B>::new(&config.optimizer);
    let mut ema = config.ema.map(|m| Ema::new::<B, O::Model>(&model, m));
    let mut state = TrainState {
        seed: config.seed,
        ..TrainState::default()
    };
    if let Some(bytes) = resume {
        let ck = Checkpoint::from_bytes(bytes)?;
        let rec = Rec::default();
        let record = Recorder::<B>::load(&rec, ck.model, device)
            .map_err(|e| checkpoint::record_error("model", &e))?;
        model = model.load_record(record);
        optim = optim.load(ck.optimizer, device)?;
        if let Some(e) = ema.as_mut() {
            if !ck.ema.is_empty() {
                let record = Recorder::<B::InnerBackend>::load(&rec, ck.ema, device)
                    .map_err(|e| checkpoint::record_error("EMA weights", &e))?;
                e.shadow = e.shadow.clone().load_record(record);
            }
        }
        state = ck.state;
    }

    let total = config.total_steps();
    let base_lr = optimizer::base_lr(&config.optimizer);
    let progress = progress::Progress::new(config.progress, total, state.step);
    let mut stop = Stop::Finished;
    let mut lr = base_lr;
    let mut last_checkpoint = Instant::now();

    'epochs: while state.epoch < config.epochs && state.step < total {
        let epoch = state.epoch;
        let started = Instant::now();
        let mut rows = 0usize;
        let skip = state.batch_in_epoch;
        let first_step_of_epoch = state.step_losses.len() - skip.min(state.step_losses.len());
        let mut epoch_batches = batches(epoch).into_iter().skip(skip);
        loop {
            if state.step >= total {
                break;
            }
            if hooks.should_stop(state.step) {
                stop = Stop::Interrupted;
                break 'epochs;
            }
            let Some(batch) = profile::time(Phase::Data, || epoch_batches.next()) else {
                break;
            };
            lr = objective.learning_rate(
                schedule::learning_rate(
                    &config.schedule,
                    base_lr,
                    state.step,
                    total,
                    config.steps_per_epoch,
                ),
                state.step,
            );
            let out = objective.loss(&model, &batch, state.step)?;
            let loss: f64 =
                profile::time(Phase::QDivergence, || out.loss.clone().into_scalar().elem());
            if !loss.is_finite() {
                return Err(non_finite_loss(state.step, epoch, loss, &out.terms));
            }
            let mut grads = profile::time(Phase::Backward, || {
                let grads = out.loss.backward();
                let grads = GradientsParams::from_grads(grads, &model);
                profile::sync::<B>(device);
                grads
            });
            let t_opt = profile::start();
            objective.adjust_grads(&model, &mut grads);
            let norms = grads::grad_norms::<B, O::Model>(&model, &grads);
            if let Some(bad) = norms.iter().find(|p| !p.sq_norm.is_finite()) {
                return Err(non_finite_grad(state.step, epoch, &bad.path));
            }
            if let Some(max) = config.clip {
                grads::clip_global_norm::<B, O::Model>(&model, &mut grads, &norms, max);
            }
            model = objective.after_step(optim.step(lr, model, grads), state.step, total)?;
            if let Some(e) = ema.as_mut() {
                e.update::<B, O::Model>(&model)?;
            }
            profile::sync::<B>(device);
            profile::stop(Phase::Optimizer, t_opt);
            rows += objective.rows(&batch);
            state.step += 1;
            state.batch_in_epoch += 1;
            state.step_losses.push(loss);
            let secs = started.elapsed().as_secs_f64().max(1e-9);
            progress.step(epoch, state.step, loss, rows as f64 / secs);
            // A kill mid-epoch then loses at most `checkpoint_every` of work;
            // the state records the batch, so resume continues exactly here.
            if config
                .checkpoint_every
                .is_some_and(|every| last_checkpoint.elapsed() >= every)
            {
                persist(hooks, &state, &model, &optim, ema.as_ref())?;
                last_checkpoint = Instant::now();
            }
        }
        // epoch finished (possibly cut short by the step cap)
        let seconds = started.elapsed().as_secs_f64();
        let epoch_losses = state.step_losses.get(first_step_of_epoch..).unwrap_or(&[]);
        let mean = if epoch_losses.is_empty() {
            f64::NAN
        } else {
            epoch_losses.iter().sum::<f64>() / epoch_losses.len() as f64
        };
        state.epoch_losses.push(mean);
        state.epoch += 1;
        state.batch_in_epoch = 0;
        let record = EpochRecord {
            epoch,
            loss: mean,
            step: state.step,
            lr,
            samples_per_s: rows as f64 / seconds.max(1e-9),
            seconds,
        };
        progress.epoch(epoch, config.epochs, mean, record.samples_per_s);
        hooks.epoch_end(&record)?;
        persist(hooks, &state, &model, &optim, ema.as_ref())?;
        last_checkpoint = Instant::now();
    }
    if stop == Stop::Interrupted {
        persist(hooks, &state, &model, &optim, ema.as_ref())?;
    }
    progress.finish();
    Ok(Trained {
        model,
        ema,
        state,
        stop,
    })
}

/// Hands a checkpoint of the loop to `hooks`, unless they want none.
fn persist<B: AutodiffBackend, M: AutodiffModule<B>>(
    hooks: &mut dyn Hooks,
    state: &TrainState,
    model: &M,
    optim: &AnyOptimizer<M, B>,
    ema: Option<&Ema<M::InnerModule>>,
) -> Result<(), Diagnostic> {
    if !hooks.wants_checkpoints() {
        return Ok(());
    }
    hooks.checkpoint(&save_checkpoint::<B, M>(state, model, optim, ema)?)
}

/// Serializes the loop state, model, optimizer and EMA.
pub fn save_checkpoint<B: AutodiffBackend, M: AutodiffModule<B>>(
    state: &TrainState,
    model: &M,
    optim: &AnyOptimizer<M, B>,
    ema: Option<&Ema<M::InnerModule>>,
) -> Result<Vec<u8>, Diagnostic> {
    let rec = Rec::default();
    let model_bytes = Recorder::<B>::record(&rec, model.clone().into_record(), ())
        .map_err(|e| checkpoint::record_error("model", &e))?;
    let ema_bytes = match ema {
        Some(e) => Recorder::<B::InnerBackend>::record(&rec, e.shadow.clone().into_record(), ())
            .map_err(|e| checkpoint::record_error("EMA weights", &e))?,
        None => Vec::new(),
    };
    Checkpoint {
        state: state.clone(),
        model: model_bytes,
        optimizer: optim.save()?,
        ema: ema_bytes,
    }
    .to_bytes()
}

fn non_finite_loss<B: Backend>(
    step: usize,
    epoch: usize,
    loss: f64,
    terms: &[(String, Tensor<B, 2>)],
) -> Diagnostic {
    // Name the first term that holds NaN (or +inf; −inf is legal in log q).
    let culprit = terms.iter().find_map(|(name, t)| {
        let nan: bool = t.clone().is_nan().any().into_scalar().elem();
        let pos_inf: bool = t
            .clone()
            .equal_elem(f32::INFINITY)
            .any()
            .into_scalar()
            .elem();
        let neg_inf_bad = name == "p" && {
            let v: bool = t
                .clone()
                .equal_elem(f32::NEG_INFINITY)
                .any()
                .into_scalar()
                .elem();
            v
        };
        (nan || pos_inf || neg_inf_bad).then(|| name.clone())
    });
    let term = culprit.unwrap_or_else(|| "loss".into());
    Diagnostic::bare(
        Code::NonFiniteTraining,
        format!("training diverged at step {step} (epoch {}): the loss is {loss} (non-finite term: `{term}`)", epoch + 1),
    )
    .with_help("lower the learning rate, add `clip = 1.0` to Train(…), raise a too-small sigma, or check the data for NaN/inf")
}

fn non_finite_grad(step: usize, epoch: usize, path: &str) -> Diagnostic {
    Diagnostic::bare(
        Code::NonFiniteTraining,
        format!(
            "training diverged at step {step} (epoch {}): the gradient of parameter `{path}` is not finite",
            epoch + 1
        ),
    )
    .with_help("lower the learning rate, add `clip = 1.0` to Train(…), or check the data for NaN/inf")
}
