//! Ctrl-C: the first SIGINT sets a flag the loop polls between steps, so the
//! run saves a checkpoint and exits cleanly; a second SIGINT kills as usual.
//!
//! Decision: a tiny `libc::signal` handler instead of the `ctrlc` crate (not
//! available offline here); it only stores to an atomic, which is async-signal-safe.

use std::sync::atomic::{AtomicBool, Ordering};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// True once Ctrl-C was pressed.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

#[cfg(unix)]
extern "C" fn on_sigint(_sig: libc::c_int) {
    if INTERRUPTED.swap(true, Ordering::SeqCst) {
        // second Ctrl-C: restore the default action and re-raise
        // SAFETY: signal() and raise() are async-signal-safe.
        unsafe {
            libc::signal(libc::SIGINT, libc::SIG_DFL);
            libc::raise(libc::SIGINT);
        }
    }
}

/// Installs the handler (idempotent).
pub fn install() {
    #[cfg(unix)]
    // SAFETY: the handler only touches an atomic and async-signal-safe libc calls.
    unsafe {
        libc::signal(
            libc::SIGINT,
            on_sigint as extern "C" fn(libc::c_int) as libc::sighandler_t,
        );
    }
}
