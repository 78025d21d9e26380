//! `iconc table`: the I-Con periodic table of a set of checked methods.
//!
//! Each method is placed from its checked [`crate::ir::Method`] alone: the
//! dominant leaf kernel of `p` picks the column and that of `q` the row
//! ([`classify`] documents the rule). Whether a placed method is *new* comes
//! from the paper's table ([`paper`]): a method is new when it sits in a ◇ gap
//! or in a position the paper leaves empty. [`render`] prints the grid for a
//! terminal, as Markdown or as JSON. This module does no I/O; the CLI
//! (`src/cli/table.rs`) finds, checks and feeds the files.

pub mod axes;
pub mod classify;
pub mod grid;
pub mod paper;
pub mod render;

#[cfg(test)]
mod tests;

pub use axes::{Cell, Column, Row};
pub use classify::{classify, Unclassified};
pub use grid::{Placed, Summary, Table, Unplaced};
pub use paper::Status;
