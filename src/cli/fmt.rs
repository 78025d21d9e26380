//! `iconc fmt`.

/// Arguments of `iconc fmt`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

/// Runs `iconc fmt`; returns the exit code.
pub(crate) fn run(_args: Args) -> i32 {
    eprintln!("iconc fmt: not implemented yet");
    2
}
