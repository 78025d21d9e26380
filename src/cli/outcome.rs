//! How every subcommand ends (issue 12): `Ok(status)` when it ran to its own
//! end (0, or a status it chose: `fmt --check` found changes, a run was
//! interrupted), or `Err(reports)` when diagnostics stopped it. [`end`]
//! prints those on stderr and applies the one exit policy, `diag::finish`.

use crate::diag::render::human::{self, HumanOptions};
use crate::diag::Report;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

/// A subcommand's result.
pub(crate) type Outcome = Result<i32, Vec<Report>>;

static NO_COLOR: AtomicBool = AtomicBool::new(false);

/// `--no-color` (a global flag).
pub(crate) fn set_no_color(no_color: bool) {
    NO_COLOR.store(no_color, Ordering::Relaxed);
}

/// Human options for stderr: colour only on a terminal, honouring
/// `--no-color` and `NO_COLOR`.
pub(crate) fn human_options() -> HumanOptions {
    let color = !NO_COLOR.load(Ordering::Relaxed)
        && std::env::var_os("NO_COLOR").is_none()
        && std::io::stderr().is_terminal();
    HumanOptions { color, width: 100 }
}

/// Prints reports on stderr with the human renderer.
pub(crate) fn print(reports: &[Report]) {
    if !reports.is_empty() {
        eprint!("{}", human::render(reports, human_options()));
    }
}

/// Prints warnings and goes on, or stops with every report when one is an error.
pub(crate) fn stop_on_errors(reports: Vec<Report>) -> Result<(), Vec<Report>> {
    if crate::diag::finish(&reports) != 0 {
        return Err(reports);
    }
    print(&reports);
    Ok(())
}

/// The exit status of a subcommand's outcome.
pub(crate) fn end(outcome: Outcome) -> i32 {
    match outcome {
        Ok(status) => status,
        Err(reports) => {
            print(&reports);
            crate::diag::finish(&reports)
        }
    }
}
