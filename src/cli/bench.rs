//! `iconc bench METHOD.icon [--steps N] [--warmup N] [--backend B] [--format human|json]`:
//! trains N steps after a warm-up and prints steps/s, samples/s, peak memory
//! and the time of each phase of a step. Writes no run directory.

use super::check::Format;
use super::outcome::Outcome;
use super::run;
use crate::diag::Diagnostic;
use crate::diag::Report;
use crate::ir;
use crate::runtime::backend::{dispatch, BackendKind, BackendTask};
use crate::runtime::loss_tiles::Tiling;
use crate::runtime::train::bench::{bench_method, BenchOptions, BenchReport};
use crate::runtime::train::session::IconLoss;
use burn::tensor::backend::AutodiffBackend;
use std::path::PathBuf;
use std::sync::Arc;

/// Arguments of `iconc bench`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The method file.
    method: PathBuf,
    /// Compute backend.
    #[arg(long, value_enum, default_value_t = BackendKind::Cpu)]
    backend: BackendKind,
    /// Timed optimizer steps.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    steps: u64,
    /// Untimed warm-up steps before them.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(0..=1_000_000))]
    warmup: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Row tiles of the loss: `auto` (when its B² matrices would pass
    /// 512 MiB), `off`, or a tile height in rows. Bounds loss memory by the
    /// tile instead of the batch.
    #[arg(long, value_name = "auto|off|ROWS", default_value = "auto")]
    loss_tile: Tiling,
}

struct BenchTask {
    method: ir::Method,
    options: BenchOptions,
    tiling: Tiling,
}

impl BackendTask for BenchTask {
    type Output = Result<BenchReport, Diagnostic>;
    fn run<B: AutodiffBackend>(self, device: B::Device) -> Self::Output {
        bench_method::<B, IconLoss>(
            &self.method,
            &IconLoss {
                tiling: self.tiling,
            },
            &self.options,
            &device,
        )
    }
}

/// Runs `iconc bench`.
pub(crate) fn run(args: Args) -> Outcome {
    let (method, source) = run::load_file(&args.method)?;
    let options = BenchOptions {
        steps: args.steps as usize,
        warmup: args.warmup as usize,
        base_dir: run::method_dir(&args.method),
    };
    let task = BenchTask {
        method,
        options,
        tiling: args.loss_tile,
    };
    let mut report = dispatch(args.backend, task)
        .and_then(|r| r)
        .map_err(|d| vec![Report::new(Arc::new(source), d)])?;
    report.backend = args.backend.name().into();
    let out = match args.format {
        Format::Json => serde_json::to_string_pretty(&report).unwrap_or_default(),
        Format::Human => render(&report),
    };
    outln!("{out}");
    Ok(0)
}

/// The human table: throughput, memory, then one line per phase.
fn render(r: &BenchReport) -> String {
    let mut s = format!(
        "{} on {} ({} threads): {} steps of {} rows after {} warm-up\n",
        r.method, r.backend, r.threads, r.steps, r.rows_per_step, r.warmup
    );
    s += &format!(
        "  {:.2} steps/s, {:.0} samples/s, {:.2} s",
        r.steps_per_s, r.samples_per_s, r.seconds
    );
    if let Some(b) = r.peak_rss_bytes {
        s += &format!(", peak memory {:.1} MiB", b as f64 / (1024.0 * 1024.0));
    }
    s += &format!("\n  loss {:.5} -> {:.5}\n", r.loss_first, r.loss_last);
    s += "  phase            ms/step   share\n";
    for p in &r.phases {
        s += &format!(
            "  {:<14} {:>9.2} {:>6.1}%\n",
            p.phase,
            p.ms_per_step,
            100.0 * p.share
        );
    }
    s.trim_end().to_string()
}
