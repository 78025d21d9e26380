//! Per-phase wall-clock accounting for `iconc bench`.
//!
//! Training code marks its phases with [`time`]; the accumulators are
//! thread-local and off by default, so a normal run pays one relaxed branch
//! per phase. `bench` turns them on, runs steps, and reads [`take`].

use std::cell::{Cell, RefCell};
use std::time::Instant;

/// The phases of one training step, in the order a step runs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    /// Waiting for the next batch (decode and augmentation run on a producer thread).
    Data,
    /// Uploading the batch and running the mapper pipelines.
    Forward,
    /// The supervisory p (host read-back of its keys included).
    P,
    /// Learned q, the divergence and the batch mean.
    QDivergence,
    /// `loss.backward()` and collecting the parameter gradients.
    Backward,
    /// Gradient norms, clipping, the optimizer step and EMA.
    Optimizer,
}

impl Phase {
    /// Every phase, in step order.
    pub const ALL: [Phase; 6] = [
        Phase::Data,
        Phase::Forward,
        Phase::P,
        Phase::QDivergence,
        Phase::Backward,
        Phase::Optimizer,
    ];

    /// The name used in `bench` output and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Data => "data",
            Phase::Forward => "forward",
            Phase::P => "p",
            Phase::QDivergence => "q+divergence",
            Phase::Backward => "backward",
            Phase::Optimizer => "optimizer",
        }
    }

    fn slot(self) -> usize {
        self as usize
    }
}

thread_local! {
    static ENABLED: Cell<bool> = const { Cell::new(false) };
    static TOTALS: RefCell<[f64; Phase::ALL.len()]> = const { RefCell::new([0.0; Phase::ALL.len()]) };
}

/// Turns accounting on or off for this thread (and clears the totals).
pub fn enable(on: bool) {
    ENABLED.with(|e| e.set(on));
    TOTALS.with(|t| *t.borrow_mut() = [0.0; Phase::ALL.len()]);
}

/// Runs `f`, adding its wall time to `phase` when accounting is on.
///
/// Nested calls are not subtracted from their parent, so callers mark
/// disjoint stretches (the loss marks p and q+divergence separately).
pub fn time<T>(phase: Phase, f: impl FnOnce() -> T) -> T {
    let mark = start();
    let out = f();
    stop(phase, mark);
    out
}

/// True while accounting is on for this thread.
pub fn enabled() -> bool {
    ENABLED.with(Cell::get)
}

/// A start mark for [`stop`]; `None` when accounting is off.
pub fn start() -> Option<Instant> {
    enabled().then(Instant::now)
}

/// Adds the time since `mark` (from [`start`]) to `phase`.
pub fn stop(phase: Phase, mark: Option<Instant>) {
    if let Some(t0) = mark {
        add(phase, t0.elapsed().as_secs_f64());
    }
}

/// Waits for queued device work when accounting is on, so asynchronous
/// backends (wgpu, CUDA) charge their kernels to the phase that queued them.
/// A no-op on the CPU backends, which compute eagerly.
pub fn sync<B: burn::tensor::backend::Backend>(device: &B::Device) {
    if enabled() {
        let _ = B::sync(device);
    }
}

/// Adds `seconds` to `phase` (when accounting is on).
pub fn add(phase: Phase, seconds: f64) {
    if enabled() {
        TOTALS.with(|t| t.borrow_mut()[phase.slot()] += seconds);
    }
}

/// The totals of every phase, in [`Phase::ALL`] order, and clears them.
pub fn take() -> Vec<(Phase, f64)> {
    TOTALS.with(|t| {
        let mut t = t.borrow_mut();
        let out = Phase::ALL.iter().map(|&p| (p, t[p.slot()])).collect();
        *t = [0.0; Phase::ALL.len()];
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_by_default_and_counts_when_on() {
        let p_seconds = || take()[Phase::P.slot()].1;
        enable(false);
        time(Phase::P, || {
            std::thread::sleep(std::time::Duration::from_millis(2))
        });
        assert_eq!(p_seconds(), 0.0);
        enable(true);
        time(Phase::P, || {
            std::thread::sleep(std::time::Duration::from_millis(2))
        });
        let all = take();
        assert_eq!(all.len(), 6);
        assert!(all[Phase::P.slot()].1 >= 0.002);
        assert_eq!(p_seconds(), 0.0, "take clears the totals");
        enable(false);
    }
}
