//! The iconc command line, end to end through the built binary.
//!
//! One test binary per pipeline stage (tests/README.md), so that a test run
//! links a handful of binaries, not one per file.

#[path = "../support/mod.rs"]
mod support;

mod check;
mod fmt;
mod output;
mod run;
mod runtime_codes;
mod show;
mod table;
mod train;
