//! The standard library: every methods/*.icon file checks, evaluates and trains.
//!
//! One test binary per pipeline stage (tests/README.md), so that a test run
//! links a handful of binaries, not one per file.

#[path = "../support/mod.rs"]
mod support;

mod files;
mod inspect;
mod round_trip;
mod run;
