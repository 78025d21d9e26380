//! Front end: the grammar, parser, checker, formatter and language server.
//!
//! One test binary per pipeline stage (tests/README.md), so that a test run
//! links a handful of binaries, not one per file.

#[path = "../support/mod.rs"]
mod support;

mod check_codes;
mod check_fixtures;
mod check_props;
mod fmt;
mod lsp;
mod parse;
mod parse_fixtures;
mod parse_perf;
mod parse_props;
