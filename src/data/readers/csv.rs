//! CSV of numbers: comma-separated, one column holds the integer label.
//!
//! A first line that does not parse as numbers is a header and is skipped.
//! Blank lines are skipped. Features are used as is (no scaling).

use crate::data::{classes_of, file_error, Dataset};
use crate::diag::Code;
use crate::diag::Diagnostic;
use std::path::Path;

/// Reads `path` with labels in column `label_column` (0-based).
pub fn read(path: &Path, label_column: usize) -> Result<Dataset, Diagnostic> {
    let text = crate::files::read_text(path, crate::files::MAX_DATA_BYTES)
        .map_err(|e| super::unreadable(path, &e))?;
    parse(&text, label_column).map_err(|(code, what)| {
        file_error(code, path, what).with_help(
            "every line needs the same number of comma-separated numbers; the label column holds whole numbers >= 0",
        )
    })
}

/// Parses CSV text; errors are (code, message with line and byte offset).
pub fn parse(text: &str, label_column: usize) -> Result<Dataset, (Code, String)> {
    let mut x = Vec::new();
    let mut labels = Vec::new();
    let mut columns: Option<usize> = None;
    let mut header_seen = false;
    let mut offset = 0usize;
    for (line_no, line) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += line.len();
        let line = line.trim_end_matches(['\n', '\r']);
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let values: Result<Vec<f64>, usize> = fields
            .iter()
            .enumerate()
            .map(|(i, f)| f.parse::<f64>().map_err(|_| i))
            .collect();
        let values = match values {
            Ok(v) => v,
            // A non-numeric first non-blank line is a header.
            Err(_) if columns.is_none() && !header_seen => {
                header_seen = true;
                continue;
            }
            Err(col) => {
                let field_at = start + field_offset(line, col);
                return Err((
                    Code::DataBadValue,
                    format!(
                        "`{}` is not a number at line {}, column {} (byte {field_at})",
                        fields.get(col).copied().unwrap_or(""),
                        line_no + 1,
                        col + 1
                    ),
                ));
            }
        };
        let ncols = *columns.get_or_insert(values.len());
        if values.len() != ncols {
            return Err((
                Code::DataFileCorrupt,
                format!(
                    "line {} (byte {start}) has {} columns, expected {ncols}",
                    line_no + 1,
                    values.len()
                ),
            ));
        }
        if label_column >= ncols {
            return Err((
                Code::DataShapeMismatch,
                format!(
                    "label column {label_column} does not exist (the file has {ncols} columns)"
                ),
            ));
        }
        for (col, &v) in values.iter().enumerate() {
            if !v.is_finite() {
                return Err((
                    Code::DataBadValue,
                    format!(
                        "non-finite value at line {}, column {} (byte {})",
                        line_no + 1,
                        col + 1,
                        start + field_offset(line, col)
                    ),
                ));
            }
            if col == label_column {
                if v < 0.0 || v.fract() != 0.0 {
                    return Err((
                        Code::DataBadValue,
                        format!(
                            "label {v} at line {}, column {} (byte {}) is not a whole number >= 0",
                            line_no + 1,
                            col + 1,
                            start + field_offset(line, col)
                        ),
                    ));
                }
                labels.push(v as i64);
            } else {
                x.push(v as f32);
            }
        }
    }
    let n = labels.len();
    Ok(Dataset {
        x,
        n,
        features: columns.map_or(0, |c| c - 1),
        image: None,
        classes: classes_of(&labels),
        labels,
        side: None,
    })
}

/// Byte offset of field `col` within `line`.
fn field_offset(line: &str, col: usize) -> usize {
    line.split(',').take(col).map(|f| f.len() + 1).sum()
}
