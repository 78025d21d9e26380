//! `iconc inspect METHOD.icon --batch BATCH.npz --out OUT.npz [--backend …]`:
//! p, log q and the loss of a method on one batch, without training.
//! Exit 0 ok, 1 user error (bad method, batch or numbers), 2 unreadable method file.

use super::outcome::{self, Outcome};
use crate::check;
use crate::data::npz::NpzArrays;
use crate::diag::Report;
use crate::runtime::backend::BackendKind;
use std::path::PathBuf;

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
}

/// Runs `iconc inspect`.
pub(crate) fn run(args: Args) -> Outcome {
    let (mut method, warnings) = check::load_method(&args.method)?;
    outcome::print(&warnings);
    // Graph edge lists are relative to the method file.
    let base = args
        .method
        .parent()
        .unwrap_or_else(|| std::path::Path::new(""));
    let in_root = crate::runtime::train::session::check_paths_in_root(&method, base);
    crate::runtime::kernels::graph::resolve_graph_paths(&mut method, base);
    in_root
        .and_then(|()| NpzArrays::read(&args.batch))
        .and_then(|arrays| {
            crate::runtime::inspect::inspect_method_at(&method, &arrays, args.backend, args.step)
        })
        .and_then(|out| out.write(&args.out))
        .map_err(|d| vec![Report::bare(args.method.display().to_string(), d)])?;
    Ok(0)
}
