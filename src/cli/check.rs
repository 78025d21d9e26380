//! `iconc check`.

/// Arguments of `iconc check`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

/// Runs `iconc check`; returns the exit code.
pub(crate) fn run(_args: Args) -> i32 {
    eprintln!("iconc check: not implemented yet");
    2
}
