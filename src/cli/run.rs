//! `iconc run`.

/// Arguments of `iconc run`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

/// Runs `iconc run`; returns the exit code.
pub(crate) fn run(_args: Args) -> i32 {
    eprintln!("iconc run: not implemented yet");
    2
}
