//! Data-set-wide neighbour p (`scope = dataset`, issue 11): each training
//! row's neighbours are found once, over every training row of `x`, and
//! stored sparse; each batch then gathers its rows' entries by `index`.
//!
//! Decisions (written down in `docs/language.md` as well):
//! - Neighbours are exact: the k smallest distances by blocked GEMM
//!   ([`host_distances`] on row blocks against all rows), ties broken by the
//!   lower index. Exact kNN over 10k MNIST rows takes about a second here; an
//!   approximate index is left for data sets past a few 10k rows.
//! - `Gaussian(perplexity = P)` keeps `k = min(⌊3P⌋, n − 1)` neighbours (as
//!   openTSNE does) and calibrates β_i over them (§6, P clamped as for a
//!   short batch when k ≤ P); `UniformKNN(k)` puts 1/k on them.
//! - The conditionals are symmetrized as t-SNE does, `P = (C + Cᵀ)/2n`.
//! - A batch's p is the gathered block `P[idx, idx]` normalized per row over
//!   C_i = {j ≠ i} (the conditional of the joint P inside the batch; the 2n
//!   cancels). A row none of whose neighbours is in the batch is zero, so
//!   inactive, like a Label row without a match. With the whole data set as
//!   one batch this is `symmetrize` of the sparse conditionals.

use super::distance::host_distances;
use super::host::{candidate_rows, FloatArray, HostKeys, HostMatrix, MaskShape};
use super::perplexity::{calibrate_row, effective_perplexity};
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::ir::{DistanceMetric, Kernel, KernelExpr, Scope};
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};

/// A sparse symmetric joint P over the n training rows.
#[derive(Debug, Clone, PartialEq)]
pub struct SparseP {
    /// Training rows n.
    pub n: usize,
    /// Row i: `(j, P_ij)` sorted by j, P_ij > 0, no j = i.
    pub rows: Vec<Vec<(u32, f64)>>,
    /// Rows whose perplexity search hit its cap.
    pub unconverged: usize,
    /// Rows whose perplexity was clamped because k ≤ P.
    pub clamped: usize,
}

/// The `k` nearest other rows of every row of `x`, nearest first, each with
/// its distance; ties go to the lower index.
pub fn exact_knn(x: &FloatArray, k: usize, metric: DistanceMetric) -> Vec<Vec<(u32, f64)>> {
    let n = x.rows;
    let k = k.min(n.saturating_sub(1));
    // A block of rows against all n: about 32 MB of f64 distances at a time.
    let block = (4_000_000 / n.max(1)).clamp(1, 1024);
    let mut out = Vec::with_capacity(n);
    for start in (0..n).step_by(block) {
        let end = (start + block).min(n);
        let d = host_distances(&x.slice_rows(start..end), x, metric);
        let rows: Vec<Vec<(u32, f64)>> = d
            .par_chunks(n.max(1))
            .enumerate()
            .map(|(r, row)| nearest(row, start + r, k))
            .collect();
        out.extend(rows);
    }
    out
}

/// The `k` smallest entries of `row` other than `skip`, by (distance, index).
fn nearest(row: &[f64], skip: usize, k: usize) -> Vec<(u32, f64)> {
    let mut cand: Vec<(u32, f64)> = row
        .iter()
        .enumerate()
        .filter(|&(j, _)| j != skip)
        .map(|(j, &d)| (j as u32, d))
        .collect();
    let order = |a: &(u32, f64), b: &(u32, f64)| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0));
    if k < cand.len() {
        cand.select_nth_unstable_by(k, order);
    }
    // A copy, not `truncate`: the n-long scratch would stay allocated for
    // every row (n² entries, 1 GB at n = 8,000).
    let mut kept = cand[..k.min(cand.len())].to_vec();
    kept.sort_by(order);
    kept
}

/// Neighbours a dataset-scoped kernel keeps per row.
pub fn neighbour_count(kernel: &Kernel, n: usize) -> usize {
    let k = match kernel {
        Kernel::Gaussian {
            perplexity: Some(p),
            ..
        } => (3.0 * p).floor() as usize,
        Kernel::UniformKnn { k, .. } => *k,
        _ => 0,
    };
    k.min(n.saturating_sub(1))
}

/// Builds the joint P of a dataset-scoped `kernel` over the rows of `x`.
pub fn build(kernel: &Kernel, x: &FloatArray) -> Result<SparseP, Diagnostic> {
    let n = x.rows;
    let metric = match kernel {
        Kernel::Gaussian { metric, .. } | Kernel::UniformKnn { metric, .. } => *metric,
        other => {
            return Err(super::host::internal(format!(
                "`{}` has no data-set scope",
                other.name()
            )))
        }
    };
    let k = neighbour_count(kernel, n);
    let knn = exact_knn(x, k, metric);
    let (mut unconverged, mut clamped) = (0, 0);
    let conditionals: Vec<Vec<f64>> = match kernel {
        Kernel::Gaussian {
            perplexity: Some(p),
            ..
        } => {
            let rows: Vec<(Vec<f64>, bool, bool)> = knn
                .par_iter()
                .map(|row| {
                    let d: Vec<f64> = row.iter().map(|e| e.1).collect();
                    let perp = effective_perplexity(*p, d.len());
                    let cal = calibrate_row(&d, perp);
                    (cal.probs, cal.converged, perp != *p)
                })
                .collect();
            rows.into_iter()
                .map(|(probs, converged, was_clamped)| {
                    unconverged += usize::from(!converged);
                    clamped += usize::from(was_clamped);
                    probs
                })
                .collect()
        }
        _ => knn
            .iter()
            .map(|row| vec![1.0 / row.len().max(1) as f64; row.len()])
            .collect(),
    };
    Ok(SparseP {
        n,
        rows: symmetrize(&knn, &conditionals),
        unconverged,
        clamped,
    })
}

/// `(C + Cᵀ)/2n` of the sparse conditionals `C_ij = cond[i][r]` at
/// `j = knn[i][r].0`, as sorted rows.
fn symmetrize(knn: &[Vec<(u32, f64)>], cond: &[Vec<f64>]) -> Vec<Vec<(u32, f64)>> {
    let n = knn.len();
    let scale = 1.0 / (2.0 * n.max(1) as f64);
    let mut rows: Vec<Vec<(u32, f64)>> = vec![Vec::new(); n];
    for (i, (nb, c)) in knn.iter().zip(cond).enumerate() {
        for (&(j, _), &w) in nb.iter().zip(c) {
            rows[i].push((j, w * scale));
            rows[j as usize].push((i as u32, w * scale));
        }
    }
    rows.par_iter_mut().for_each(|row| {
        row.sort_by_key(|e| e.0);
        row.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                kept.1 += later.1;
            }
            same
        });
        row.retain(|e| e.1 > 0.0);
    });
    rows
}

/// A batch's p: the block `P[idx, idx]` of the rows in `hb.window` (all rows
/// without one), normalized over C_i = {j ≠ i}.
pub fn gather(hb: &HostKeys, inputs: &[String], table: &SparseP) -> Result<HostMatrix, Diagnostic> {
    let _ = inputs; // the table was built from `x`; the batch is found by `index`
    let b = hb.int("index")?.len();
    let window = hb.rows_window(b);
    let mut out = HostMatrix::zeros(
        window.len(),
        b,
        candidate_rows(window.clone(), b, MaskShape::NoDiagonal),
    );
    for (r, row) in gather_rows(hb, table)?.into_iter().enumerate() {
        for (col, w) in row {
            out.values[r * b + col] = w;
        }
    }
    Ok(out)
}

/// [`gather`]'s rows, sparse: `(batch column, p_ij)` per row of the window,
/// each row normalized to sum 1 (or empty).
pub fn gather_rows(hb: &HostKeys, table: &SparseP) -> Result<Vec<Vec<(usize, f64)>>, Diagnostic> {
    let idx = hb.int("index")?;
    let b = idx.len();
    let window = hb.rows_window(b);
    let positions = BatchPositions::new(idx, table.n);
    // Rows in parallel, collected in order: the same rows whatever the threads.
    window
        .into_par_iter()
        .map(|row| {
            let i = idx[row];
            let Some(entries) = usize::try_from(i).ok().and_then(|i| table.rows.get(i)) else {
                return Err(Diagnostic::bare(
                    Code::DatasetIndexOutOfRange,
                    format!(
                        "batch row {row} has index {i}, outside the {} rows the data-set p was built over",
                        table.n
                    ),
                )
                .with_help("`scope = dataset` gathers p by `index`: give each row its data-set row (0..n)"));
            };
            let mut out: Vec<(usize, f64)> = Vec::with_capacity(entries.len());
            for &(j, w) in entries {
                for &col in positions.of(j as usize) {
                    if col as usize != row {
                        out.push((col as usize, w));
                    }
                }
            }
            let total: f64 = out.iter().map(|e| e.1).sum();
            if total != 0.0 {
                out.iter_mut().for_each(|e| e.1 /= total);
            }
            Ok(out)
        })
        .collect()
}

/// The batch positions of each data-set row (several with views), as one
/// flat list per row: `cols[start[i]..start[i + 1]]` (a hash map per step
/// cost a 10,000-row t-SNE step more than its tree).
struct BatchPositions {
    start: Vec<u32>,
    cols: Vec<u32>,
}

impl BatchPositions {
    /// Positions of `idx`'s rows; indices outside `0..n` have none (the
    /// caller reports them).
    fn new(idx: &[i64], n: usize) -> Self {
        let row = |i: i64| usize::try_from(i).ok().filter(|&i| i < n);
        let mut start = vec![0u32; n + 1];
        for i in idx.iter().filter_map(|&i| row(i)) {
            start[i + 1] += 1;
        }
        for k in 0..n {
            start[k + 1] += start[k];
        }
        let mut next = start.clone();
        let mut cols = vec![0u32; start[n] as usize];
        for (pos, i) in idx.iter().enumerate() {
            if let Some(i) = row(*i) {
                cols[next[i] as usize] = pos as u32;
                next[i] += 1;
            }
        }
        BatchPositions { start, cols }
    }

    fn of(&self, i: usize) -> &[u32] {
        match (self.start.get(i), self.start.get(i + 1)) {
            (Some(&a), Some(&b)) => &self.cols[a as usize..b as usize],
            _ => &[],
        }
    }
}

// ------------------------------------------------------------ table registry

/// Tables by id, as weak references: a table lives as long as the session
/// (or inspection) that prepared it holds it.
fn registry() -> &'static Mutex<HashMap<u64, Weak<SparseP>>> {
    static TABLES: OnceLock<Mutex<HashMap<u64, Weak<SparseP>>>> = OnceLock::new();
    TABLES.get_or_init(Default::default)
}

/// The prepared table `id`.
pub fn table(id: Option<u64>) -> Result<Arc<SparseP>, Diagnostic> {
    let found = id.and_then(|id| {
        registry()
            .lock()
            .ok()
            .and_then(|t| t.get(&id).and_then(Weak::upgrade))
    });
    found.ok_or_else(|| {
        super::host::internal(
            "a `scope = dataset` kernel has no prepared table (attach one with `neighbors::attach`)"
                .into(),
        )
    })
}

/// Builds the table of every dataset-scoped leaf of `p` over `x` and points
/// the leaf at it. The caller keeps the returned tables alive while `p` is
/// evaluated. `reuse` offers tables built earlier (a resumed run's cache),
/// matched by the key [`table_key`] gives.
pub fn attach(
    p: &mut KernelExpr,
    x: &FloatArray,
    reuse: &[(u64, Arc<SparseP>)],
) -> Result<Vec<(u64, Arc<SparseP>)>, Diagnostic> {
    let mut kept = Vec::new();
    let data = data_hash(x);
    attach_in(p, x, data, reuse, &mut kept)?;
    Ok(kept)
}

fn attach_in(
    e: &mut KernelExpr,
    x: &FloatArray,
    data: u64,
    reuse: &[(u64, Arc<SparseP>)],
    kept: &mut Vec<(u64, Arc<SparseP>)>,
) -> Result<(), Diagnostic> {
    match e {
        KernelExpr::Kernel { kernel, .. } => {
            let Some(slot) = scope_slot(kernel) else {
                return Ok(());
            };
            *slot = None;
            let key = table_key(kernel, data);
            let table = match reuse.iter().chain(kept.iter()).find(|(k, _)| *k == key) {
                Some((_, t)) => Arc::clone(t),
                None => Arc::new(build(kernel, x)?),
            };
            let id = register(&table);
            if let Some(slot) = scope_slot(kernel) {
                *slot = Some(id);
            }
            kept.push((key, table));
            Ok(())
        }
        KernelExpr::Add(a, b) | KernelExpr::Sub(a, b) => {
            attach_in(a, x, data, reuse, kept)?;
            attach_in(b, x, data, reuse, kept)
        }
        KernelExpr::Scale(_, k)
        | KernelExpr::Normalize(k)
        | KernelExpr::Binarize(_, k)
        | KernelExpr::Leak(_, k)
        | KernelExpr::Symmetrize(k)
        | KernelExpr::DebiasQ(_, k)
        | KernelExpr::CrossView(_, k) => attach_in(k, x, data, reuse, kept),
        KernelExpr::Propagate { inner, .. } => attach_in(inner, x, data, reuse, kept),
    }
}

/// The table id of a dataset-scoped leaf (None for batch-scoped ones).
fn scope_slot(kernel: &mut Kernel) -> Option<&mut Option<u64>> {
    match kernel {
        Kernel::Gaussian {
            scope: Scope::Dataset { table },
            ..
        }
        | Kernel::UniformKnn {
            scope: Scope::Dataset { table },
            ..
        } => Some(table),
        _ => None,
    }
}

fn register(table: &Arc<SparseP>) -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let id = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    if let Ok(mut t) = registry().lock() {
        t.retain(|_, w| w.strong_count() > 0);
        t.insert(id, Arc::downgrade(table));
    }
    id
}

/// Identifies a table by what it is computed from: the kernel's parameters
/// (without its table id) and the bits of `x`.
pub fn table_key(kernel: &Kernel, data: u64) -> u64 {
    let mut k = kernel.clone();
    if let Some(slot) = scope_slot(&mut k) {
        *slot = None;
    }
    let text = format!("{k:?}");
    fnv(fnv(FNV_OFFSET, text.as_bytes()), &data.to_le_bytes())
}

/// FNV-1a over `x`'s shape and values.
pub fn data_hash(x: &FloatArray) -> u64 {
    let mut h = fnv(FNV_OFFSET, &(x.rows as u64).to_le_bytes());
    h = fnv(h, &(x.cols as u64).to_le_bytes());
    for v in &x.data {
        h = fnv(h, &v.to_bits().to_le_bytes());
    }
    h
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

fn fnv(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The data array p's data-set tables are built from (`x`, or a side array
/// such as `g`): the key of its first dataset-scoped leaf (the checker makes
/// them all read one key).
pub fn dataset_key(p: &KernelExpr) -> Option<&str> {
    p.dataset_keys().first().copied()
}

/// True when `p` has a dataset-scoped leaf.
pub fn has_dataset_scope(p: &KernelExpr) -> bool {
    p.leaves().iter().any(|(k, _)| k.scope().is_dataset())
}

// ------------------------------------------------------------ run-directory cache

/// The file a run keeps its data-set p tables in, so a resume reuses them.
pub const CACHE_FILE: &str = "p_dataset.bin";
const MAGIC: &[u8; 8] = b"ICONPDS1";

/// Tables as bytes: magic, count, then per table its key, n, unconverged,
/// clamped and rows (length, then `(j u32, P_ij f64)` pairs), little-endian;
/// then the CRC-32 of everything before it.
pub fn encode(tables: &[(u64, Arc<SparseP>)]) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    let u64s = |out: &mut Vec<u8>, v: u64| out.extend_from_slice(&v.to_le_bytes());
    u64s(&mut out, tables.len() as u64);
    for (key, t) in tables {
        for v in [*key, t.n as u64, t.unconverged as u64, t.clamped as u64] {
            u64s(&mut out, v);
        }
        for row in &t.rows {
            u64s(&mut out, row.len() as u64);
            for &(j, w) in row {
                out.extend_from_slice(&j.to_le_bytes());
                out.extend_from_slice(&w.to_le_bytes());
            }
        }
    }
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// The tables of [`encode`]; None for anything else (a truncated, corrupt
/// or older file is recomputed, never trusted).
pub fn decode(bytes: &[u8]) -> Option<Vec<(u64, Arc<SparseP>)>> {
    let (body, crc) = bytes.split_at_checked(bytes.len().checked_sub(4)?)?;
    if crc32fast::hash(body).to_le_bytes() != crc[..] || !body.starts_with(MAGIC) {
        return None;
    }
    let mut r = Reader(&body[MAGIC.len()..]);
    let count = r.u64()?;
    let mut tables = Vec::new();
    for _ in 0..count {
        let (key, n, unconverged, clamped) = (r.u64()?, r.size()?, r.size()?, r.size()?);
        let mut rows = Vec::with_capacity(n.min(r.0.len() / 8));
        for _ in 0..n {
            let len = r.size()?;
            let mut row = Vec::with_capacity(len.min(r.0.len() / 12));
            for _ in 0..len {
                let j = u32::from_le_bytes(r.take::<4>()?);
                let w = f64::from_le_bytes(r.take::<8>()?);
                if j as usize >= n || !(w > 0.0 && w.is_finite()) {
                    return None;
                }
                row.push((j, w));
            }
            rows.push(row);
        }
        let table = SparseP {
            n,
            rows,
            unconverged,
            clamped,
        };
        tables.push((key, Arc::new(table)));
    }
    r.0.is_empty().then_some(tables)
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.0.split_at_checked(N)?;
        self.0 = rest;
        head.try_into().ok()
    }

    fn u64(&mut self) -> Option<u64> {
        self.take::<8>().map(u64::from_le_bytes)
    }

    fn size(&mut self) -> Option<usize> {
        self.u64().and_then(|v| usize::try_from(v).ok())
    }
}

/// The cached tables of run directory `dir` (empty when there are none or
/// the file does not decode).
pub fn read_cache(dir: &std::path::Path) -> Vec<(u64, Arc<SparseP>)> {
    let path = dir.join(CACHE_FILE);
    crate::files::read_bytes(&path, crate::files::MAX_DATA_BYTES)
        .ok()
        .and_then(|b| decode(&b))
        .unwrap_or_default()
}

/// `x` of a data set as the f64 rows the host kernels read.
pub fn dataset_rows(x: &[f32], n: usize, features: usize) -> FloatArray {
    FloatArray {
        rows: n,
        cols: features,
        data: x.iter().take(n * features).map(|&v| f64::from(v)).collect(),
    }
}

/// f64 rows as a [`FloatArray`].
pub fn dataset_rows_f64(data: Vec<f64>, n: usize, features: usize) -> FloatArray {
    FloatArray {
        rows: n,
        cols: features,
        data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn points(n: usize, f: usize) -> FloatArray {
        let data = (0..n * f)
            .map(|i| (i as f64 * 0.731).sin() * 3.0 + (i % 7) as f64 * 0.1)
            .collect();
        FloatArray {
            rows: n,
            cols: f,
            data,
        }
    }

    /// Blocked kNN equals a brute-force sort of each row's direct distances.
    #[test]
    fn exact_knn_matches_brute_force() {
        let x = points(37, 5);
        let knn = exact_knn(&x, 6, DistanceMetric::Euclidean);
        for (i, row) in knn.iter().enumerate() {
            let mut all: Vec<(usize, f64)> = (0..x.rows)
                .filter(|&j| j != i)
                .map(|j| {
                    let d = x
                        .row(i)
                        .iter()
                        .zip(x.row(j))
                        .map(|(a, b)| (a - b) * (a - b))
                        .sum();
                    (j, d)
                })
                .collect();
            all.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
            let want: Vec<usize> = all[..6].iter().map(|e| e.0).collect();
            let got: Vec<usize> = row.iter().map(|e| e.0 as usize).collect();
            assert_eq!(got, want, "row {i}");
        }
    }

    /// The joint P is symmetric, sums to 1 and has no diagonal.
    #[test]
    fn joint_p_is_symmetric_and_sums_to_one() {
        let x = points(50, 3);
        let g = Kernel::Gaussian {
            sigma: None,
            perplexity: Some(5.0),
            metric: DistanceMetric::Euclidean,
            exclude_self: true,
            learnable: false,
            max_logit_scale: 100.0,
            scope: Scope::Dataset { table: None },
        };
        let p = build(&g, &x).unwrap();
        let get = |i: usize, j: u32| p.rows[i].iter().find(|e| e.0 == j).map_or(0.0, |e| e.1);
        let mut total = 0.0;
        for (i, row) in p.rows.iter().enumerate() {
            for &(j, w) in row {
                assert_ne!(j as usize, i);
                assert_eq!(w, get(j as usize, i as u32));
                total += w;
            }
        }
        assert!((total - 1.0).abs() < 1e-12, "{total}");
        assert_eq!(p.unconverged, 0);
    }

    /// A batch gathers `P[idx, idx]` (repeated views included, self
    /// excluded) and normalizes each row; a window computes only its rows;
    /// an index past the table is E0512.
    #[test]
    fn gather_takes_the_batch_block_of_the_joint_p() {
        let x = points(12, 2);
        let k = Kernel::UniformKnn {
            k: 4,
            metric: DistanceMetric::Euclidean,
            exclude_self: true,
            scope: Scope::Dataset { table: None },
        };
        let t = build(&k, &x).unwrap();
        let get = |i: i64, j: i64| {
            t.rows[i as usize]
                .iter()
                .find(|e| i64::from(e.0) == j)
                .map_or(0.0, |e| e.1)
        };
        let idx = vec![4i64, 2, 4, 9, 5];
        let mut hb = HostKeys::default();
        hb.ints.insert("index".into(), idx.clone());
        let p = gather(&hb, &[], &t).unwrap();
        let b = idx.len();
        for r in 0..b {
            let raw: Vec<f64> = (0..b)
                .map(|c| if c == r { 0.0 } else { get(idx[r], idx[c]) })
                .collect();
            let s: f64 = raw.iter().sum();
            for (c, &v) in raw.iter().enumerate() {
                let want = if s > 0.0 { v / s } else { 0.0 };
                assert!((p.values[r * b + c] - want).abs() < 1e-15, "({r}, {c})");
            }
        }
        hb.window = Some(1..3);
        let w = gather(&hb, &[], &t).unwrap();
        assert_eq!(w.values, p.values[b..3 * b].to_vec());
        hb.window = None;
        hb.ints.insert("index".into(), vec![0, 12]);
        assert_eq!(
            gather(&hb, &[], &t).unwrap_err().code,
            Code::DatasetIndexOutOfRange
        );
    }

    /// `attach` points each dataset leaf at a live table, reuses an offered
    /// table whose key matches (a resume's cache) and builds otherwise.
    #[test]
    fn attach_reuses_a_matching_cached_table() {
        let x = points(30, 3);
        let leaf = |k: usize| KernelExpr::Kernel {
            kernel: Kernel::UniformKnn {
                k,
                metric: DistanceMetric::Euclidean,
                exclude_self: true,
                scope: Scope::Dataset { table: None },
            },
            inputs: vec!["x".into()],
        };
        let mut p = leaf(3);
        let built = attach(&mut p, &x, &[]).unwrap();
        let id = match &p.leaves()[0].0 {
            Kernel::UniformKnn {
                scope: Scope::Dataset { table },
                ..
            } => *table,
            _ => None,
        };
        assert!(Arc::ptr_eq(&table(id).unwrap(), &built[0].1));
        let mut again = leaf(3);
        let reused = attach(&mut again, &x, &built).unwrap();
        assert!(Arc::ptr_eq(&reused[0].1, &built[0].1));
        let mut other = leaf(4);
        let fresh = attach(&mut other, &x, &built).unwrap();
        assert!(!Arc::ptr_eq(&fresh[0].1, &built[0].1));
        drop((built, reused));
        assert!(table(id).is_err(), "a dropped table is gone");
    }

    /// Encode/decode round-trips; a flipped byte is refused.
    #[test]
    fn cache_round_trips_and_refuses_corruption() {
        let x = points(20, 2);
        let k = Kernel::UniformKnn {
            k: 3,
            metric: DistanceMetric::Cosine,
            exclude_self: true,
            scope: Scope::Dataset { table: None },
        };
        let tables = vec![(7u64, Arc::new(build(&k, &x).unwrap()))];
        let bytes = encode(&tables);
        let back = decode(&bytes).unwrap();
        assert_eq!(back[0].0, 7);
        assert_eq!(*back[0].1, *tables[0].1);
        let mut bad = bytes.clone();
        bad[20] ^= 1;
        assert!(decode(&bad).is_none());
        assert!(decode(&bytes[..bytes.len() - 1]).is_none());
    }
}
