//! `iconc inspect METHOD.icon --batch BATCH.npz --out OUT.npz [--backend …]`:
//! p, log q and the loss of a method on one batch, without training.
//! Exit 0 ok, 1 user error (bad method, batch or numbers), 2 unreadable method file.

use crate::check;
use crate::diag::Report;
use crate::data::npz::NpzArrays;
use crate::diag::render::human;
use crate::diag::{Diagnostic, Source};
use crate::runtime::backend::BackendKind;
use std::path::PathBuf;
use std::sync::Arc;

/// Arguments of `iconc inspect`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The method file.
    method: PathBuf,
    /// The batch: an .npz with the arrays the method's kernels read
    /// (`x`, `embedding`, `label`, `index`, …; mappers are not run).
    #[arg(long)]
    batch: PathBuf,
    /// Where to write p, log_q, loss_rows, loss (and kl_value, beta).
    #[arg(long)]
    out: PathBuf,
    /// Compute backend.
    #[arg(long, value_enum, default_value_t = BackendKind::Cpu)]
    backend: BackendKind,
    /// Compute the loss as training does at this optimizer step (0-based):
    /// `-> exaggerate(α, until = N)` applies when STEP < N. Without it, the
    /// method's own loss (no exaggeration).
    #[arg(long, value_name = "STEP")]
    step: Option<usize>,
    /// No colour in diagnostics.
    #[arg(long)]
    no_color: bool,
}

/// Runs `iconc inspect`; returns the exit code.
pub(crate) fn run(args: Args) -> i32 {
    let options = super::check::human_options(args.no_color);
    let mut method = match check::load_method(&args.method) {
        Ok((method, warnings)) => {
            eprint!("{}", human::render(&warnings, options));
            method
        }
        Err(reports) => {
            eprint!("{}", human::render(&reports, options));
            return if reports.iter().any(check::is_io_error) {
                2
            } else {
                1
            };
        }
    };
    // Graph edge lists are relative to the method file.
    let base = args
        .method
        .parent()
        .unwrap_or_else(|| std::path::Path::new(""));
    let in_root = crate::runtime::train::session::check_paths_in_root(&method, base);
    crate::runtime::kernels::graph::resolve_graph_paths(&mut method, base);
    let result = in_root
        .and_then(|()| NpzArrays::read(&args.batch))
        .and_then(|arrays| {
            crate::runtime::inspect::inspect_method_at(&method, &arrays, args.backend, args.step)
        })
        .and_then(|out| out.write(&args.out));
    match result {
        Ok(()) => 0,
        Err(d) => {
            eprint!("{}", human::render(&[report(&args, d)], options));
            1
        }
    }
}

/// A span-less runtime diagnostic attributed to the method file.
fn report(args: &Args, diagnostic: Diagnostic) -> Report {
    let name = args.method.display().to_string();
    Report {
        source: Arc::new(Source::new(name, "")),
        diagnostic,
    }
}
