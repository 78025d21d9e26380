//! `iconc show`.

/// Arguments of `iconc show`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

/// Runs `iconc show`; returns the exit code.
pub(crate) fn run(_args: Args) -> i32 {
    eprintln!("iconc show: not implemented yet");
    2
}
