//! The table being filled: every method placed in its cell, plus the
//! methods that have no cell and why.

use super::axes::{Cell, Column, Row};
use super::classify::classify;
use super::paper::{self, Status};
use crate::ir::Method;
use serde::Serialize;

/// A method placed in the table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Placed {
    /// `method "…"`.
    pub name: String,
    /// The file it came from, as given on the command line.
    pub path: String,
    /// `about "…"`.
    pub about: Option<String>,
    /// Where it sits.
    pub cell: Cell,
}

impl Placed {
    /// True when the paper's table does not already list a method at this
    /// position (a ◇ gap or an empty position; see [`paper`]).
    pub fn is_new(&self) -> bool {
        paper::status(self.cell).is_new()
    }
}

/// A method the classifier could not place.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unplaced {
    /// `method "…"`.
    pub name: String,
    /// The file it came from.
    pub path: String,
    /// Why (from [`super::classify::Unclassified`]).
    pub reason: String,
}

/// Methods sorted into the 9 × 5 grid.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Table {
    /// Placed methods in the order they were added.
    pub placed: Vec<Placed>,
    /// Methods with no cell.
    pub unplaced: Vec<Unplaced>,
}

impl Table {
    /// An empty table.
    pub fn new() -> Self {
        Table::default()
    }

    /// Classifies `method` (read from `path`) and records it.
    pub fn add(&mut self, path: &str, method: &Method) {
        match classify(method) {
            Ok(cell) => self.placed.push(Placed {
                name: method.name.clone(),
                path: path.to_string(),
                about: method.about.clone(),
                cell,
            }),
            Err(why) => self.unplaced.push(Unplaced {
                name: method.name.clone(),
                path: path.to_string(),
                reason: why.to_string(),
            }),
        }
    }

    /// The methods at `cell`, in the order they were added.
    pub fn at(&self, cell: Cell) -> Vec<&Placed> {
        self.placed.iter().filter(|m| m.cell == cell).collect()
    }

    /// Every position, row by row (q) then column by column (p).
    pub fn positions() -> impl Iterator<Item = Cell> {
        Row::ALL
            .into_iter()
            .flat_map(|r| Column::ALL.into_iter().map(move |c| Cell::new(c, r)))
    }

    /// Counts for the summary line.
    pub fn summary(&self) -> Summary {
        let filled: Vec<Cell> = Self::positions()
            .filter(|c| self.placed.iter().any(|m| m.cell == *c))
            .collect();
        Summary {
            methods: self.placed.len(),
            new_methods: self.placed.iter().filter(|m| m.is_new()).count(),
            filled_positions: filled.len(),
            gaps_filled: filled
                .iter()
                .filter(|c| paper::status(**c) == Status::Gap)
                .count(),
            unplaced: self.unplaced.len(),
        }
    }
}

/// Counts shown under the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Placed methods.
    pub methods: usize,
    /// Placed methods at a position the paper does not list as known.
    pub new_methods: usize,
    /// Positions holding at least one method (of 45).
    pub filled_positions: usize,
    /// ◇ gaps holding at least one method (of 12).
    pub gaps_filled: usize,
    /// Methods with no cell.
    pub unplaced: usize,
}
