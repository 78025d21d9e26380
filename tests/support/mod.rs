//! Helpers shared by the integration-test binaries. Each binary
//! (`front_end`, `runtime`, `stdlib`, `cli`) includes this folder once, as
//! `crate::support`, and uses the parts it needs.
#![allow(dead_code)]

pub mod cells;
pub mod classic;
pub mod vector_ir;

/// burn seeds its CPU backend through one process-wide RNG (`B::seed`), and
/// the tests of one binary run on parallel threads: tests that build seeded
/// models take this lock so that their draws do not interleave.
pub fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}
