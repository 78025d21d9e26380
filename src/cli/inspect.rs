//! `iconc inspect`.

/// Arguments of `iconc inspect`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

/// Runs `iconc inspect`; returns the exit code.
pub(crate) fn run(_args: Args) -> i32 {
    eprintln!("iconc inspect: not implemented yet");
    2
}
