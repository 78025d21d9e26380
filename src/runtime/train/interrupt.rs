//! Ctrl-C and SIGTERM: the first signal sets a flag the loop polls between
//! steps, so the run saves a checkpoint and exits cleanly (`iconc run` exits
//! 128 + the signal: 130 for SIGINT, 143 for SIGTERM); a second one of the
//! same kind kills as usual.
//!
//! Decision: a tiny `libc::signal` handler instead of the `ctrlc` crate (not
//! available offline here); it only stores to an atomic, which is async-signal-safe.

use std::sync::atomic::{AtomicI32, Ordering};

/// The signal received (0: none).
static SIGNAL: AtomicI32 = AtomicI32::new(0);

/// True once SIGINT (Ctrl-C) or SIGTERM arrived.
pub fn interrupted() -> bool {
    SIGNAL.load(Ordering::SeqCst) != 0
}

/// The signal that interrupted the run, when one did.
pub fn signal() -> Option<i32> {
    Some(SIGNAL.load(Ordering::SeqCst)).filter(|&s| s != 0)
}

#[cfg(unix)]
extern "C" fn on_signal(sig: libc::c_int) {
    if SIGNAL.swap(sig, Ordering::SeqCst) != 0 {
        // second signal: restore the default action and re-raise
        // SAFETY: signal() and raise() are async-signal-safe.
        unsafe {
            libc::signal(sig, libc::SIG_DFL);
            libc::raise(sig);
        }
    }
}

/// Installs the handler for SIGINT and SIGTERM (idempotent).
pub fn install() {
    #[cfg(unix)]
    // SAFETY: the handler only touches an atomic and async-signal-safe libc calls.
    unsafe {
        for sig in [libc::SIGINT, libc::SIGTERM] {
            libc::signal(
                sig,
                on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t,
            );
        }
    }
}
