//! Standard output for every subcommand. `println!` panics when stdout cannot
//! be written; here a reader that went away (a closed pipe, `| head`) ends the
//! output quietly, and any other failure (a full device) is reported once as
//! E0702 and makes the command exit 2. Later writes are skipped either way.

use crate::diag::Code;
use std::io::Write;
use std::sync::atomic::{AtomicU8, Ordering};

const OPEN: u8 = 0;
const CLOSED_BY_READER: u8 = 1;
const FAILED: u8 = 2;

static STATE: AtomicU8 = AtomicU8::new(OPEN);

/// Writes `text` (and flushes), unless an earlier write already failed.
pub(crate) fn write(text: &str) {
    if STATE.load(Ordering::Relaxed) != OPEN {
        return;
    }
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            STATE.store(CLOSED_BY_READER, Ordering::Relaxed);
        }
        Err(e) => {
            STATE.store(FAILED, Ordering::Relaxed);
            eprintln!(
                "error[{}]: cannot write to stdout: {e}",
                Code::OutputNotWritable
            );
            eprintln!("  help: free space on the output device, or redirect stdout elsewhere");
        }
    }
}

/// The process exit code: the command's own, or 2 once stdout failed (a
/// closed pipe is not a failure).
pub(crate) fn exit_code(command: i32) -> i32 {
    match STATE.load(Ordering::Relaxed) {
        FAILED => command.max(2),
        _ => command,
    }
}
