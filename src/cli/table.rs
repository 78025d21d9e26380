//! `iconc table`.

/// Arguments of `iconc table`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

/// Runs `iconc table`; returns the exit code.
pub(crate) fn run(_args: Args) -> i32 {
    eprintln!("iconc table: not implemented yet");
    2
}
