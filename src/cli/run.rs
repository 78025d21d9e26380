//! `iconc run METHOD.icon [--backend cpu|wgpu|cuda] [--epochs N] [--steps N]
//! [--seed S] [--out DIR] [--quiet]` and `iconc run --resume DIR`.
//!
//! Exit codes: 0 trained, 1 user error (bad method, bad data, divergence),
//! 2 I/O or a backend that is not compiled in, 130 interrupted by Ctrl-C
//! (143 by SIGTERM)
//! (a checkpoint was saved; `--resume DIR` continues).

use super::outcome::{self, Outcome};
use crate::check;
use crate::diag::{Code, Diagnostic, Report, Source};
use crate::ir;
use crate::runtime::backend::{dispatch, BackendKind, BackendTask};
use crate::runtime::loss_tiles::Tiling;
use crate::runtime::train::evaluate::EvalReport;
use crate::runtime::train::session::{
    read_stored_method, run_method, IconLoss, RunOptions, RunSummary,
};
use crate::runtime::train::{ProgressMode, Stop};
use burn::tensor::backend::AutodiffBackend;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Arguments of `iconc run`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The method file (not needed with `--resume`).
    #[arg(required_unless_present = "resume")]
    method: Option<PathBuf>,
    /// Compute backend.
    #[arg(long, value_enum, default_value_t = BackendKind::Cpu)]
    backend: BackendKind,
    /// Override `Train(epochs = …)` (at least 1, as the checker requires).
    #[arg(long, value_parser = at_least_one)]
    epochs: Option<usize>,
    /// Override `Train(steps = …)` (a cap on optimizer steps; at least 1).
    #[arg(long, value_parser = at_least_one)]
    steps: Option<usize>,
    /// Override `Train(seed = …)` (not with `--resume`: a run keeps its seed).
    #[arg(long, conflicts_with = "resume")]
    seed: Option<u64>,
    /// Run directory (default `runs/<method>-<timestamp>`).
    #[arg(long, conflicts_with = "resume")]
    out: Option<PathBuf>,
    /// Continue the run in DIR from its last checkpoint.
    #[arg(long, value_name = "DIR")]
    resume: Option<PathBuf>,
    /// No progress output.
    #[arg(long)]
    quiet: bool,
    /// Row tiles of the loss: `auto` (when its B² matrices would pass
    /// 512 MiB), `off`, or a tile height in rows. Bounds loss memory by the
    /// tile instead of the batch.
    #[arg(long, value_name = "auto|off|ROWS", default_value = "auto")]
    loss_tile: Tiling,
}

/// What one run needs, handed to the backend dispatcher.
struct RunTask {
    method: ir::Method,
    options: RunOptions,
    tiling: Tiling,
}

impl BackendTask for RunTask {
    type Output = Result<RunSummary, Diagnostic>;
    fn run<B: AutodiffBackend>(self, device: B::Device) -> Self::Output {
        run_method::<B, IconLoss>(
            &self.method,
            &IconLoss {
                tiling: self.tiling,
            },
            &self.options,
            &device,
        )
    }
}

/// Runs `iconc run`.
pub(crate) fn run(args: Args) -> Outcome {
    let (mut method, source) = load(&args)?;
    if let Some(e) = args.epochs {
        method.train.epochs = e;
    }
    if args.steps.is_some() {
        method.train.steps = args.steps;
    }
    if let Some(s) = args.seed {
        method.train.seed = s;
    }
    let base_dir = match (&args.resume, &args.method) {
        (Some(dir), _) => read_stored_method(dir)
            .map(|s| s.base_dir)
            .unwrap_or_else(|_| PathBuf::from(".")),
        // Absolute, so `--resume` finds the data from any working directory.
        (None, Some(path)) => {
            let dir = method_dir(path);
            std::fs::canonicalize(&dir).unwrap_or(dir)
        }
        (None, None) => PathBuf::from("."),
    };
    let options = RunOptions {
        out: args.out.clone(),
        resume: args.resume.clone(),
        progress: if args.quiet {
            ProgressMode::Quiet
        } else {
            ProgressMode::Auto
        },
        source_text: source.text.clone(),
        base_dir,
    };
    let task = RunTask {
        method,
        options,
        tiling: args.loss_tile,
    };
    let summary = dispatch(args.backend, task)
        .and_then(|r| r)
        .map_err(|d| vec![Report::new(Arc::new(source), d)])?;
    print_summary(&summary, args.quiet);
    Ok(if summary.stop == Stop::Interrupted {
        128 + crate::runtime::train::interrupt::signal().unwrap_or(2)
    } else {
        0
    })
}

/// The folder a method file's relative paths start from.
pub(super) fn method_dir(path: &Path) -> PathBuf {
    // `m.icon` has the parent "", which is the working directory.
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The checked method and its source: from the file, or from the run directory on `--resume`.
fn load(args: &Args) -> Result<(ir::Method, Source), Vec<Report>> {
    if let Some(dir) = &args.resume {
        let stored = read_stored_method(dir)
            .map_err(|d| vec![Report::bare(dir.display().to_string(), d)])?;
        if args.method.is_some() {
            eprintln!(
                "note: --resume uses the method stored in {}; the file argument is ignored",
                dir.display()
            );
        }
        let name = dir.join("method.json").display().to_string();
        return Ok((stored.method, Source::new(name, stored.source)));
    }
    let Some(path) = &args.method else {
        // clap requires the file unless `--resume` is given.
        let d = Diagnostic::bare(Code::InternalError, "no method file and no --resume");
        return Err(vec![Report::bare("iconc run", d)]);
    };
    load_file(path)
}

/// The checked method of `path` and its source; warnings are printed.
pub(super) fn load_file(path: &Path) -> Result<(ir::Method, Source), Vec<Report>> {
    let (method, warnings) = check::load_method(path)?;
    outcome::print(&warnings);
    let text = std::fs::read_to_string(path).unwrap_or_default();
    Ok((method, Source::new(path.display().to_string(), text)))
}

/// `--epochs`/`--steps`: the checker's `≥ 1` rule for the same settings.
fn at_least_one(v: &str) -> Result<usize, String> {
    match v.parse::<usize>() {
        Ok(0) => Err("must be at least 1 (the checker's rule for `Train(epochs|steps)`)".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

fn print_summary(s: &RunSummary, quiet: bool) {
    if s.stop == Stop::Interrupted {
        eprintln!(
            "interrupted after {} steps; checkpoint saved. continue with: iconc run --resume {}",
            s.step_losses.len(),
            s.dir.display()
        );
        return;
    }
    if let Some(last) = s.step_losses.last() {
        outln!(
            "trained {} steps, final loss {last:.5}, {:.0} samples/s",
            s.step_losses.len(),
            s.samples_per_s
        );
    }
    if let Some(r) = &s.eval {
        print_eval(r);
        if r.collapsed() {
            // The numbers above are then at chance; say why.
            eprintln!(
                "warning[W0708]: the embedding collapsed: all {} evaluated rows of `{}` are the same vector (spread {:e})\n  help: lower the learning rate or check the method; kNN and probes of one point are at chance",
                r.rows,
                r.key,
                r.spread()
            );
        }
    }
    if !quiet {
        outln!("outputs in {}", s.dir.display());
    }
}

fn print_eval(r: &EvalReport) {
    outln!(
        "evaluation on the {} split ({} samples, key `{}`):",
        r.split,
        r.rows,
        r.key
    );
    for (name, v) in &r.scores {
        outln!("  {name:<16} {v:.4}");
    }
}
