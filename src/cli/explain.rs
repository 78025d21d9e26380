//! `iconc explain`.

/// Arguments of `iconc explain`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

/// Runs `iconc explain`; returns the exit code.
pub(crate) fn run(_args: Args) -> i32 {
    eprintln!("iconc explain: not implemented yet");
    2
}
