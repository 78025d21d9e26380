//! The three views of a [`Table`]: a terminal grid, Markdown and JSON.
//!
//! The terminal grid is transposed (p families down, q families across)
//! because the nine p labels are long and fit better as row labels; the
//! Markdown table keeps the paper's orientation (p across, q down).

use super::axes::{Cell, Column, Row};
use super::grid::{Placed, Table};
use super::paper::{self, Status};
use serde::Serialize;

/// ANSI styles used when colour is on.
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[1;33m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

/// The marker of a new method (and of an empty ◇ gap).
const NEW: &str = "◇";

/// One printed piece of a grid cell: text plus its style.
struct Piece {
    text: String,
    style: &'static str,
}

/// The lines of one grid cell.
fn cell_pieces(table: &Table, cell: Cell) -> Vec<Piece> {
    let methods = table.at(cell);
    if methods.is_empty() {
        return vec![match paper::status(cell) {
            Status::Gap => Piece {
                text: NEW.into(),
                style: DIM,
            },
            _ => Piece {
                text: "·".into(),
                style: DIM,
            },
        }];
    }
    methods.iter().map(|m| method_piece(m)).collect()
}

/// A method's name, marked and coloured by novelty.
fn method_piece(m: &Placed) -> Piece {
    if m.is_new() {
        Piece {
            text: format!("{NEW} {}", m.name),
            style: YELLOW,
        }
    } else {
        Piece {
            text: m.name.clone(),
            style: GREEN,
        }
    }
}

/// Display width of `s` (every char of our labels is one column wide).
fn width(s: &str) -> usize {
    s.chars().count()
}

/// Pads `text` to `w` columns, styling the text but not the padding.
fn padded(text: &str, style: &str, w: usize, color: bool) -> String {
    let pad = " ".repeat(w.saturating_sub(width(text)));
    if color && !style.is_empty() {
        format!("{style}{text}{RESET}{pad}")
    } else {
        format!("{text}{pad}")
    }
}

/// The terminal grid: p families down, q families across, one method name per
/// line inside a cell, then a legend, the counts and any unplaced methods.
pub fn terminal(table: &Table, color: bool) -> String {
    let corner = "p ↓   q →";
    let label_w = Column::ALL
        .iter()
        .map(|c| width(c.label()))
        .chain([width(corner)])
        .max()
        .unwrap_or(0);
    // cells[column][row] = printed lines.
    let cells: Vec<Vec<Vec<Piece>>> = Column::ALL
        .iter()
        .map(|c| {
            Row::ALL
                .iter()
                .map(|r| cell_pieces(table, Cell::new(*c, *r)))
                .collect()
        })
        .collect();
    let col_w: Vec<usize> = Row::ALL
        .iter()
        .enumerate()
        .map(|(ri, r)| {
            cells
                .iter()
                .flat_map(|rows| rows.get(ri).into_iter().flatten())
                .map(|p| width(&p.text))
                .chain([width(r.label())])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let rule = |left: &str, mid: &str, right: &str| {
        let mut s = String::from(left);
        s.push_str(&"─".repeat(label_w + 2));
        for w in &col_w {
            s.push_str(mid);
            s.push_str(&"─".repeat(w + 2));
        }
        s.push_str(right);
        s.push('\n');
        s
    };
    let mut out = rule("┌", "┬", "┐");
    out.push_str(&format!("│ {} ", padded(corner, "", label_w, color)));
    for (r, w) in Row::ALL.iter().zip(&col_w) {
        out.push_str(&format!("│ {} ", padded(r.label(), "", *w, color)));
    }
    out.push_str("│\n");
    for (ci, column) in Column::ALL.iter().enumerate() {
        out.push_str(&rule("├", "┼", "┤"));
        let rows = cells.get(ci).map(Vec::as_slice).unwrap_or(&[]);
        let height = rows.iter().map(Vec::len).max().unwrap_or(1);
        for line in 0..height {
            let label = if line == 0 { column.label() } else { "" };
            out.push_str(&format!("│ {} ", padded(label, "", label_w, color)));
            for (ri, w) in col_w.iter().enumerate() {
                let piece = rows.get(ri).and_then(|ps| ps.get(line));
                let (text, style) = piece.map_or(("", ""), |p| (p.text.as_str(), p.style));
                out.push_str(&format!("│ {} ", padded(text, style, *w, color)));
            }
            out.push_str("│\n");
        }
    }
    out.push_str(&rule("└", "┴", "┘"));
    out.push_str(&legend(table, color));
    out
}

/// Legend, counts and the unplaced methods, under the terminal grid.
fn legend(table: &Table, color: bool) -> String {
    let s = table.summary();
    let mut out = format!(
        "{} known method   {} new method (a ◇ gap or a cell the paper leaves empty)   {} open gap   {} empty\n",
        padded("name", GREEN, 0, color),
        padded(&format!("{NEW} name"), YELLOW, 0, color),
        padded(NEW, DIM, 0, color),
        padded("·", DIM, 0, color),
    );
    out.push_str(&format!(
        "{} methods ({} new) in {} of 45 cells; {} of 12 gaps filled\n",
        s.methods, s.new_methods, s.filled_positions, s.gaps_filled
    ));
    for u in &table.unplaced {
        out.push_str(&format!(
            "not placed: {} ({}): {}\n",
            u.name, u.path, u.reason
        ));
    }
    out
}

/// A Markdown table in the paper's orientation (p across, q down). New methods
/// are italic with a ◇; an empty gap shows ◇.
pub fn markdown(table: &Table) -> String {
    let mut out = String::from("| q \\ p |");
    for c in Column::ALL {
        out.push_str(&format!(" {} |", c.label()));
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(Column::ALL.len()));
    out.push('\n');
    for r in Row::ALL {
        out.push_str(&format!("| **{}** |", r.label()));
        for c in Column::ALL {
            let cell = Cell::new(c, r);
            let names: Vec<String> = table
                .at(cell)
                .iter()
                .map(|m| {
                    if m.is_new() {
                        format!("{NEW} *{}*", m.name)
                    } else {
                        m.name.clone()
                    }
                })
                .collect();
            let text = if names.is_empty() && paper::status(cell) == Status::Gap {
                NEW.to_string()
            } else {
                names.join("<br>")
            };
            out.push_str(&format!(" {text} |"));
        }
        out.push('\n');
    }
    let s = table.summary();
    out.push_str(&format!(
        "\n{} methods ({} new, marked {NEW}) in {} of 45 cells; {} of 12 gaps filled.\n",
        s.methods, s.new_methods, s.filled_positions, s.gaps_filled
    ));
    for u in &table.unplaced {
        out.push_str(&format!(
            "\n- not placed: `{}` ({}): {}",
            u.name, u.path, u.reason
        ));
    }
    if !table.unplaced.is_empty() {
        out.push('\n');
    }
    out
}

/// The JSON document of `--format json` (a stable schema: axes, all 45 cells
/// with their paper status and methods, unplaced methods, counts).
#[derive(Debug, Serialize)]
pub struct JsonTable<'a> {
    /// p families, left to right.
    pub columns: Vec<JsonAxis>,
    /// q families, top to bottom.
    pub rows: Vec<JsonAxis>,
    /// Every position, row by row.
    pub cells: Vec<JsonCell<'a>>,
    /// Methods with no cell.
    pub unplaced: &'a [super::grid::Unplaced],
    /// Counts.
    pub summary: super::grid::Summary,
}

/// One axis entry: stable id plus the spec's label.
#[derive(Debug, Serialize)]
pub struct JsonAxis {
    /// Stable snake-case id (as in `cells[].column` / `cells[].row`).
    pub id: &'static str,
    /// Header text.
    pub label: &'static str,
}

/// One position of the grid.
#[derive(Debug, Serialize)]
pub struct JsonCell<'a> {
    /// p family id.
    pub column: Column,
    /// q family id.
    pub row: Row,
    /// `known`, `gap` or `unlisted`.
    pub status: Status,
    /// The paper's (or, for a gap, the spec's) names for this position.
    pub paper: Option<&'static str>,
    /// The methods placed here.
    pub methods: Vec<JsonMethod<'a>>,
}

/// A placed method in JSON.
#[derive(Debug, Serialize)]
pub struct JsonMethod<'a> {
    /// `method "…"`.
    pub name: &'a str,
    /// Its file.
    pub path: &'a str,
    /// `about "…"`.
    pub about: Option<&'a str>,
    /// Not already listed by the paper at this position.
    pub new: bool,
}

/// Builds the JSON document.
pub fn json_table(table: &Table) -> JsonTable<'_> {
    JsonTable {
        columns: Column::ALL
            .iter()
            .map(|c| JsonAxis {
                id: c.id(),
                label: c.label(),
            })
            .collect(),
        rows: Row::ALL
            .iter()
            .map(|r| JsonAxis {
                id: r.id(),
                label: r.label(),
            })
            .collect(),
        cells: Table::positions()
            .map(|cell| JsonCell {
                column: cell.column,
                row: cell.row,
                status: paper::status(cell),
                paper: paper::paper_names(cell),
                methods: table
                    .at(cell)
                    .into_iter()
                    .map(|m| JsonMethod {
                        name: &m.name,
                        path: &m.path,
                        about: m.about.as_deref(),
                        new: m.is_new(),
                    })
                    .collect(),
            })
            .collect(),
        unplaced: &table.unplaced,
        summary: table.summary(),
    }
}

/// Pretty JSON text of [`json_table`].
pub fn json(table: &Table) -> String {
    serde_json::to_string_pretty(&json_table(table)).unwrap_or_else(|e| {
        // Serializing plain strings and enums cannot fail; report it if it does.
        format!("{{\"error\": \"internal: {e}\"}}")
    })
}
