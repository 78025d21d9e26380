//! iconc: a declarative language and compiler for I-Con representation-learning methods.
//!
//! Pipeline stages are modules: `syntax` (text → AST) → `check` (AST → typed
//! IR + diagnostics) → `runtime` (IR → burn training graph). The front end is
//! free of burn and file I/O except for `use` resolution through a loader.

pub mod ast;
pub mod check;
pub mod cli;
pub mod data;
pub mod diag;
pub mod files;
pub mod fmt;
pub mod ir;
pub mod lsp;
pub mod metrics;
pub mod print;
pub mod runtime;
pub mod syntax;
pub mod table;

pub use ast::Span;
pub use diag::{Diagnostic, Severity, Source};
