//! `iconc lsp`: the language server over stdio (see `docs/editors.md`).

/// Arguments of `iconc lsp` (none yet; `--stdio` is accepted for editors that pass it).
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Talk over stdin/stdout (the only transport; accepted for compatibility).
    #[arg(long)]
    stdio: bool,
}

/// Runs `iconc lsp`.
pub(crate) fn run(args: Args) -> super::outcome::Outcome {
    let _ = args.stdio;
    Ok(crate::lsp::run_stdio())
}
