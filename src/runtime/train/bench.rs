//! `iconc bench`: train a method for a fixed number of steps after a warm-up
//! and report throughput, peak memory and where each step's time goes.
//!
//! The steps are the real training loop (`train::train`) with checkpoints
//! off; the phases are the marks of `runtime::profile`.

use super::session::{objective, prepare, LossFamily, Prepared};
use super::{train, Hooks, ProgressMode};
use crate::diag::Diagnostic;
use crate::ir;
use crate::runtime::memory::{peak_rss, reset_peak_rss};
use crate::runtime::p_ahead;
use crate::runtime::profile::{self, Phase};
use burn::tensor::backend::AutodiffBackend;
use serde::Serialize;
use std::path::PathBuf;
use std::time::Instant;

/// What to measure.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Timed optimizer steps.
    pub steps: usize,
    /// Untimed steps before them (allocator, caches, thread pools warm up).
    pub warmup: usize,
    /// Folder the method's data paths are relative to.
    pub base_dir: PathBuf,
}

/// Time spent in one phase over the timed steps.
#[derive(Debug, Clone, Serialize)]
pub struct PhaseTime {
    /// Phase name (`data`, `forward`, `p`, `q+divergence`, `backward`, `optimizer`).
    pub phase: &'static str,
    /// Total seconds.
    pub seconds: f64,
    /// Milliseconds per step.
    pub ms_per_step: f64,
    /// Fraction of the timed wall time.
    pub share: f64,
}

/// The result of `iconc bench`.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    /// Method name.
    pub method: String,
    /// Backend name (filled in by the caller).
    pub backend: String,
    /// Rows per batch (views × sources).
    pub rows_per_step: usize,
    /// Untimed warm-up steps.
    pub warmup: usize,
    /// Timed steps.
    pub steps: usize,
    /// Wall seconds of the timed steps.
    pub seconds: f64,
    /// Timed steps per second.
    pub steps_per_s: f64,
    /// Rows per second.
    pub samples_per_s: f64,
    /// Peak resident memory during the timed steps (Linux), bytes.
    pub peak_rss_bytes: Option<u64>,
    /// Per-phase breakdown; `other` is wall time no phase claimed.
    pub phases: Vec<PhaseTime>,
    /// Loss of the first and the last timed step.
    pub loss_first: f64,
    /// See `loss_first`.
    pub loss_last: f64,
    /// Worker threads of the CPU backends (rayon).
    pub threads: usize,
}

/// Hooks that start the clock after the warm-up and keep no checkpoints.
struct BenchHooks {
    warmup: usize,
    started: Option<Instant>,
}

impl Hooks for BenchHooks {
    fn should_stop(&mut self, step: usize) -> bool {
        if step == self.warmup && self.started.is_none() {
            profile::enable(true);
            reset_peak_rss();
            self.started = Some(Instant::now());
        }
        false
    }
    fn wants_checkpoints(&self) -> bool {
        false
    }
}

/// Benchmarks `method` on backend `B`.
pub fn bench_method<B: AutodiffBackend, L: LossFamily<B>>(
    method: &ir::Method,
    loss: &L,
    opts: &BenchOptions,
    device: &B::Device,
) -> Result<BenchReport, Diagnostic> {
    let Prepared {
        method,
        model,
        batcher,
        mut config,
        tables: _tables, // held: `method.p` points at them
        train_ds,
        ..
    } = prepare::<B, L>(
        method,
        loss,
        &opts.base_dir,
        None,
        ProgressMode::Quiet,
        device,
    )?;
    let total = opts.warmup + opts.steps.max(1);
    config.max_steps = Some(total);
    config.epochs = config.epochs.max(total.div_ceil(config.steps_per_epoch));
    let objective = objective(&method, &model, loss, device, train_ds.n);
    let mut hooks = BenchHooks {
        warmup: opts.warmup,
        started: None,
    };
    let result = train(
        &objective,
        model,
        |e| p_ahead::ahead(&method, batcher.rows(), loss.tiling(), batcher.epoch(e)),
        &config,
        None,
        &mut hooks,
        device,
    );
    let _ = B::sync(device);
    let wall = hooks
        .started
        .map_or(0.0, |t| t.elapsed().as_secs_f64())
        .max(1e-9);
    let totals = profile::take();
    profile::enable(false);
    let trained = result?;
    let timed = &trained.state.step_losses[opts.warmup.min(trained.state.step_losses.len())..];
    let steps = timed.len();
    let rows = batcher.rows();
    Ok(BenchReport {
        method: method.name.clone(),
        backend: String::new(),
        rows_per_step: rows,
        warmup: opts.warmup,
        steps,
        seconds: wall,
        steps_per_s: steps as f64 / wall,
        samples_per_s: (steps * rows) as f64 / wall,
        peak_rss_bytes: peak_rss(),
        phases: phase_times(&totals, wall, steps),
        loss_first: timed.first().copied().unwrap_or(f64::NAN),
        loss_last: timed.last().copied().unwrap_or(f64::NAN),
        threads: rayon::current_num_threads(),
    })
}

fn phase_times(totals: &[(Phase, f64)], wall: f64, steps: usize) -> Vec<PhaseTime> {
    let per_step = |s: f64| 1000.0 * s / steps.max(1) as f64;
    let mut out: Vec<PhaseTime> = totals
        .iter()
        .map(|&(p, s)| PhaseTime {
            phase: p.name(),
            seconds: s,
            ms_per_step: per_step(s),
            share: s / wall,
        })
        .collect();
    let claimed: f64 = totals.iter().map(|(_, s)| s).sum();
    let other = (wall - claimed).max(0.0);
    out.push(PhaseTime {
        phase: "other",
        seconds: other,
        ms_per_step: per_step(other),
        share: other / wall,
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_add_up_to_the_wall_time() {
        let totals = vec![(Phase::Data, 1.0), (Phase::Backward, 2.0)];
        let phases = phase_times(&totals, 4.0, 2);
        let sum: f64 = phases.iter().map(|p| p.seconds).sum();
        assert!((sum - 4.0).abs() < 1e-12);
        let other = phases.last().map(|p| p.seconds);
        assert_eq!(other, Some(1.0));
        assert_eq!(phases[1].ms_per_step, 1000.0);
    }
}
