//! Host-side (f64, no gradient) views of a batch and of kernel matrices.
//!
//! The supervisory kernel p never carries gradient (§6: perplexity is f64 on the
//! host), so every p kernel works on plain `Vec<f64>` copies of the batch keys.

use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::ir::Layout;
use crate::runtime::loss::Batch;
use burn::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

/// A row-major float array (R×F) copied off the device.
#[derive(Debug, Clone, PartialEq)]
pub struct FloatArray {
    /// Rows.
    pub rows: usize,
    /// Columns (features).
    pub cols: usize,
    /// `rows * cols` values.
    pub data: Vec<f64>,
}

impl FloatArray {
    /// Row `i` (caller guarantees `i < rows`).
    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// Rows `range` as a new array.
    pub fn slice_rows(&self, range: Range<usize>) -> FloatArray {
        FloatArray {
            rows: range.len(),
            cols: self.cols,
            data: self.data[range.start * self.cols..range.end * self.cols].to_vec(),
        }
    }

    /// `[self; other]` stacked by rows; widths must agree.
    pub fn stack(&self, other: &FloatArray) -> Option<FloatArray> {
        if self.cols != other.cols {
            return None;
        }
        let mut data = self.data.clone();
        data.extend_from_slice(&other.data);
        Some(FloatArray {
            rows: self.rows + other.rows,
            cols: self.cols,
            data,
        })
    }
}

/// The batch keys p reads, copied to the host in f64 (the data stage's
/// `data::HostBatch` is the batch before it becomes tensors).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HostKeys {
    /// Float keys (2-D).
    pub floats: BTreeMap<String, FloatArray>,
    /// Int keys (1-D).
    pub ints: BTreeMap<String, Vec<i64>>,
    /// The kernel rows to compute (a row tile of the memory-bounded loss);
    /// `None` computes every row. Columns always cover the whole batch.
    pub window: Option<Range<usize>>,
}

impl HostKeys {
    /// Copies the keys of `batch` named in `keys` to the host (only what p
    /// reads, so q's inputs never leave the device).
    pub fn from_batch<B: Backend>(
        batch: &Batch<B>,
        keys: &BTreeSet<String>,
    ) -> Result<Self, Diagnostic> {
        let mut host = HostKeys::default();
        for (name, t) in batch.floats.iter().filter(|(k, _)| keys.contains(*k)) {
            let [rows, cols] = t.dims();
            let data = t
                .to_data()
                .convert::<f64>()
                .into_vec::<f64>()
                .map_err(|e| internal(format!("cannot read key `{name}`: {e:?}")))?;
            host.floats
                .insert(name.clone(), FloatArray { rows, cols, data });
        }
        for (name, t) in batch.ints.iter().filter(|(k, _)| keys.contains(*k)) {
            let data = t
                .to_data()
                .convert::<i64>()
                .into_vec::<i64>()
                .map_err(|e| internal(format!("cannot read key `{name}`: {e:?}")))?;
            host.ints.insert(name.clone(), data);
        }
        Ok(host)
    }

    /// The rows of an `n`-row kernel this batch computes.
    pub fn rows_window(&self, n: usize) -> Range<usize> {
        window_of(&self.window, n)
    }

    /// A float key or a diagnostic naming it.
    pub fn float(&self, key: &str) -> Result<&FloatArray, Diagnostic> {
        self.floats
            .get(key)
            .ok_or_else(|| missing_key(key, "float"))
    }

    /// An int key or a diagnostic naming it.
    pub fn int(&self, key: &str) -> Result<&[i64], Diagnostic> {
        self.ints
            .get(key)
            .map(|v| v.as_slice())
            .ok_or_else(|| missing_key(key, "int"))
    }

    /// Rows of a key of either kind.
    pub fn rows_of(&self, key: &str) -> Option<usize> {
        self.floats
            .get(key)
            .map(|f| f.rows)
            .or_else(|| self.ints.get(key).map(|v| v.len()))
    }

    /// The batch size B: rows of `x`, else of `index`, else of any key.
    pub fn batch_rows(&self) -> Option<usize> {
        ["x", "index", "label", "embedding"]
            .iter()
            .find_map(|k| self.rows_of(k))
            .or_else(|| self.floats.values().next().map(|f| f.rows))
            .or_else(|| self.ints.values().next().map(|v| v.len()))
    }
}

/// A host kernel matrix: R×M values (row-major) plus the candidate mask `C_i`.
#[derive(Debug, Clone, PartialEq)]
pub struct HostMatrix {
    /// R.
    pub rows: usize,
    /// M.
    pub cols: usize,
    /// `rows * cols` values; 0 outside the candidate set.
    pub values: Vec<f64>,
    /// `cand[i*cols + j]` is true when j ∈ C_i.
    pub cand: Vec<bool>,
}

impl HostMatrix {
    /// All-zero matrix with the given candidate mask.
    pub fn zeros(rows: usize, cols: usize, cand: Vec<bool>) -> Self {
        HostMatrix {
            rows,
            cols,
            values: vec![0.0; rows * cols],
            cand,
        }
    }

    /// Rows `range` as a new matrix.
    pub fn slice_rows(&self, range: Range<usize>) -> HostMatrix {
        let m = self.cols;
        HostMatrix {
            rows: range.len(),
            cols: m,
            values: self.values[range.start * m..range.end * m].to_vec(),
            cand: self.cand[range.start * m..range.end * m].to_vec(),
        }
    }

    /// Row `i` of the values.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.values[i * self.cols..(i + 1) * self.cols]
    }

    /// Row `i` of the candidate mask.
    pub fn cand_row(&self, i: usize) -> &[bool] {
        &self.cand[i * self.cols..(i + 1) * self.cols]
    }

    /// |C_i| for every row.
    pub fn cand_counts(&self) -> Vec<usize> {
        (0..self.rows)
            .map(|i| self.cand_row(i).iter().filter(|&&c| c).count())
            .collect()
    }

    /// Row sums of the values.
    pub fn row_sums(&self) -> Vec<f64> {
        (0..self.rows).map(|i| self.row(i).iter().sum()).collect()
    }

    /// Scales each row to sum 1; an all-zero row stays zero.
    pub fn normalize_rows(&mut self) {
        let cols = self.cols;
        for row in self.values.chunks_mut(cols.max(1)) {
            let s: f64 = row.iter().sum();
            if s != 0.0 {
                row.iter_mut().for_each(|v| *v /= s);
            }
        }
    }
}

/// Which rows and columns a kernel compares, and `C_i`.
///
/// Decision: `exclude_self` only applies when rows and columns are the same
/// set (one input key, or the same key twice). A cross kernel between two
/// different keys (e.g. MoCo's predictor vs EMA views, or prototypes in a
/// class table) keeps every column, because its diagonal is not a self-pair.
#[derive(Debug, Clone)]
pub struct Pairing<T> {
    /// Row items.
    pub rows: T,
    /// Column items.
    pub cols: T,
    /// Candidate mask R×M.
    pub cand: Vec<bool>,
}

/// The candidate mask for `r` rows and `m` columns.
pub fn candidate_mask(r: usize, m: usize, shape: MaskShape) -> Vec<bool> {
    candidate_rows(0..r, m, shape)
}

/// The candidate mask of rows `rows` (global row indices) of a kernel with
/// `m` columns: row `k` of the result is global row `rows.start + k`.
pub fn candidate_rows(rows: Range<usize>, m: usize, shape: MaskShape) -> Vec<bool> {
    let r = rows.len();
    let mut cand = vec![true; r * m];
    match shape {
        MaskShape::All => {}
        MaskShape::NoDiagonal => {
            for (k, i) in rows.enumerate().filter(|&(_, i)| i < m) {
                cand[k * m + i] = false;
            }
        }
        MaskShape::OtherModality(n) => {
            for (k, i) in rows.enumerate() {
                for j in 0..m {
                    cand[k * m + j] = (i < n) != (j < n);
                }
            }
        }
    }
    cand
}

/// `window` clamped to `0..n`, or all of `0..n` when there is none.
pub fn window_of(window: &Option<Range<usize>>, n: usize) -> Range<usize> {
    match window {
        Some(w) => w.start.min(n)..w.end.min(n),
        None => 0..n,
    }
}

/// The shape of a candidate mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaskShape {
    /// Every column.
    All,
    /// Every column except j = i.
    NoDiagonal,
    /// Stacked `[A; B]` with `n` items per modality: only the other modality.
    OtherModality(usize),
}

/// Resolves a float kernel's rows, columns and `C_i` under `layout`; only
/// the rows of `hb.window` when it has one.
pub fn float_pairing(
    hb: &HostKeys,
    inputs: &[String],
    layout: Layout,
    exclude_self: bool,
    kernel: &str,
) -> Result<Pairing<FloatArray>, Diagnostic> {
    let (first, second) = split_inputs(inputs, kernel)?;
    let a = hb.float(first)?;
    let (cols, shape) = match (layout, second) {
        (Layout::CrossModal, Some(k2)) => {
            let b = hb.float(k2)?;
            if a.rows != b.rows {
                return Err(shape_mismatch(first, a.rows, k2, b.rows));
            }
            let s = a
                .stack(b)
                .ok_or_else(|| width_mismatch(first, a.cols, k2, b.cols))?;
            (s, MaskShape::OtherModality(a.rows))
        }
        (Layout::CrossModal, None) => return Err(cross_needs_two(kernel)),
        (_, Some(k2)) if k2 != first => {
            let b = hb.float(k2)?;
            if a.cols != b.cols {
                return Err(width_mismatch(first, a.cols, k2, b.cols));
            }
            let w = hb.rows_window(a.rows);
            // As on the device: a pairwise cross kernel excludes row i's own column.
            let shape = match layout {
                Layout::Pairwise if a.rows == b.rows => self_shape(exclude_self),
                _ => MaskShape::All,
            };
            return Ok(Pairing {
                rows: a.slice_rows(w.clone()),
                cols: b.clone(),
                cand: candidate_rows(w, b.rows, shape),
            });
        }
        _ => (a.clone(), self_shape(exclude_self)),
    };
    let w = hb.rows_window(cols.rows);
    Ok(Pairing {
        rows: cols.slice_rows(w.clone()),
        cand: candidate_rows(w, cols.rows, shape),
        cols,
    })
}

/// The candidate shape of a kernel over one set of items.
fn self_shape(exclude_self: bool) -> MaskShape {
    if exclude_self {
        MaskShape::NoDiagonal
    } else {
        MaskShape::All
    }
}

/// Resolves an id kernel's (label, index) rows, columns and `C_i` under
/// `layout`; only the rows of `hb.window` when it has one.
pub fn int_pairing(
    hb: &HostKeys,
    inputs: &[String],
    layout: Layout,
    exclude_self: bool,
    kernel: &str,
) -> Result<Pairing<Vec<i64>>, Diagnostic> {
    let (first, second) = split_inputs(inputs, kernel)?;
    let a = hb.int(first)?.to_vec();
    let b = match second {
        Some(k2) if k2 != first => Some(hb.int(k2)?.to_vec()),
        _ => None,
    };
    let (rows, cols, shape) = match (layout, b) {
        (Layout::CrossModal, b) => {
            let b = b.unwrap_or_else(|| a.clone());
            if a.len() != b.len() {
                return Err(shape_mismatch(
                    first,
                    a.len(),
                    second.unwrap_or(first),
                    b.len(),
                ));
            }
            let n = a.len();
            let mut s = a;
            s.extend(b);
            (s.clone(), s, MaskShape::OtherModality(n))
        }
        (_, Some(b)) => (a, b, MaskShape::All),
        (_, None) => (a.clone(), a, self_shape(exclude_self)),
    };
    let w = hb.rows_window(rows.len());
    Ok(Pairing {
        rows: rows[w.clone()].to_vec(),
        cand: candidate_rows(w, cols.len(), shape),
        cols,
    })
}

fn split_inputs<'a>(
    inputs: &'a [String],
    kernel: &str,
) -> Result<(&'a str, Option<&'a str>), Diagnostic> {
    match inputs {
        [a] => Ok((a.as_str(), None)),
        [a, b] => Ok((a.as_str(), Some(b.as_str()))),
        _ => Err(Diagnostic::bare(
            Code::KernelShapeMismatch,
            format!(
                "kernel `{kernel}` needs one or two input keys, got {}",
                inputs.len()
            ),
        )
        .with_help("write `Kernel(...) on key` or `Kernel(...) on rows, columns`")),
    }
}

/// E0503: a key the kernel reads is not in the batch.
pub fn missing_key(key: &str, kind: &str) -> Diagnostic {
    Diagnostic::bare(
        Code::MissingBatchKey,
        format!("{kind} key `{key}` is not in the batch"),
    )
    .with_help(format!(
        "provide `{key}` ({kind}) in the batch, or read another key with `on`"
    ))
}

/// E0504: two keys disagree on their row count.
pub fn shape_mismatch(k1: &str, r1: usize, k2: &str, r2: usize) -> Diagnostic {
    Diagnostic::bare(
        Code::KernelShapeMismatch,
        format!("keys `{k1}` ({r1} rows) and `{k2}` ({r2} rows) have different row counts"),
    )
    .with_help("paired keys must have one row per item")
}

/// E0504: two keys disagree on their width.
pub fn width_mismatch(k1: &str, c1: usize, k2: &str, c2: usize) -> Diagnostic {
    Diagnostic::bare(
        Code::KernelShapeMismatch,
        format!("keys `{k1}` (width {c1}) and `{k2}` (width {c2}) cannot be compared"),
    )
    .with_help("a cross kernel needs rows and columns of the same width")
}

fn cross_needs_two(kernel: &str) -> Diagnostic {
    Diagnostic::bare(
        Code::KernelShapeMismatch,
        format!("cross-modal kernel `{kernel}` needs two input keys"),
    )
    .with_help("write `on modality_a, modality_b`, e.g. `on embedding, embedding1`")
}

/// f64 host values as tensor data of the backend's float type.
///
/// burn keeps the dtype of the data it is given, so host data is converted
/// explicitly; otherwise an f32 backend would mix f64 and f32 tensors.
pub fn float_data<B: Backend, const D: usize>(
    values: Vec<f64>,
    shape: [usize; D],
) -> burn::tensor::TensorData {
    burn::tensor::TensorData::new(values, shape).convert::<B::FloatElem>()
}

/// i64 host ids as tensor data of the backend's int type.
pub fn int_data<B: Backend>(values: Vec<i64>) -> burn::tensor::TensorData {
    let n = values.len();
    burn::tensor::TensorData::new(values, [n]).convert::<B::IntElem>()
}

/// An internal error (a compiler bug, not a user error).
pub fn internal(message: String) -> Diagnostic {
    Diagnostic::bare(Code::InternalError, message)
        .with_help("this is an iconc bug; please report it")
}
