//! `iconc inspect METHOD.icon --batch BATCH.npz --out OUT.npz [--backend …]`.

use crate::data::npz::NpzArrays;
use crate::diag::Diagnostic;
use crate::ir;
use crate::runtime::backend::BackendKind;
use std::path::{Path, PathBuf};

/// Arguments of `iconc inspect`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The method file.
    method: PathBuf,
    /// The batch: an .npz with the arrays the method's kernels read.
    #[arg(long)]
    batch: PathBuf,
    /// Where to write p, log_q, loss_rows, loss (and kl_value, beta).
    #[arg(long)]
    out: PathBuf,
    /// Compute backend.
    #[arg(long, value_enum, default_value_t = BackendKind::Cpu)]
    backend: BackendKind,
}

/// Runs `iconc inspect`; returns the exit code (0 ok, 1 user error).
pub(crate) fn run(args: Args) -> i32 {
    match inspect(&args) {
        Ok(()) => 0,
        Err(diags) => {
            for d in &diags {
                report(d);
            }
            1
        }
    }
}

fn inspect(args: &Args) -> Result<(), Vec<Diagnostic>> {
    let method = load_method(&args.method)?;
    let arrays = NpzArrays::read(&args.batch).map_err(|d| vec![d])?;
    let out = crate::runtime::inspect::inspect_method(&method, &arrays, args.backend).map_err(|d| vec![d])?;
    out.write(&args.out).map_err(|d| vec![d])
}

/// Loads and checks a method file.
// TODO(lead): switch to `crate::check::load_method` when `h-check` is merged.
fn load_method(path: &Path) -> Result<ir::Method, Vec<Diagnostic>> {
    Err(vec![Diagnostic::bare(
        "E0599",
        format!("cannot check `{}`: the checker is not built into this iconc yet", path.display()),
    )])
}

// Plain rendering until the shared renderer lands.
fn report(d: &Diagnostic) {
    eprintln!("error[{}]: {}", d.code, d.message);
    if let Some(help) = &d.help {
        eprintln!("  help: {help}");
    }
}
