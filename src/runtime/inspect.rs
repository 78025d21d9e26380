//! `iconc inspect`: p, log q and the loss of a method on one given batch,
//! without training (issue 4). Testable with an IR built in Rust; the CLI in
//! `cli/inspect.rs` only loads files.
//!
//! Inputs are the batch arrays the method's kernels read. Mappers are not run:
//! every mapper output that p or q reads (e.g. `embedding`, or the initial
//! `class_embedding` table) must be in the batch.

use crate::data::npz::{ArrayData, NpyArray, NpzArrays};
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::ir::{self, Producer};
use crate::runtime::backend::{dispatch, BackendKind, BackendTask};
use crate::runtime::kernels::host::{float_data, int_data};
use crate::runtime::kernels::{expr_keys, neighbors};
use crate::runtime::loss::{icon_loss_exaggerated, Batch, KernelParams};
use crate::runtime::memory;
use crate::runtime::sparse_loss::BarnesHut;
use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;
use std::collections::BTreeSet;

/// Computes p, log q and the loss of `method` on `arrays` with `backend`.
///
/// Returns `p` (R×M f64), `log_q` (R×M f64, −inf where j ∉ C_i), `loss_rows`
/// (R), `loss` (scalar), and `kl_value` (scalar, `kl` only) and `beta` (R,
/// perplexity-calibrated p only) where defined.
pub fn inspect_method(
    method: &ir::Method,
    arrays: &NpzArrays,
    backend: BackendKind,
) -> Result<NpzArrays, Diagnostic> {
    inspect_method_at(method, arrays, backend, None)
}

/// [`inspect_method`] as training computes the loss at optimizer step
/// `step`: with `p = … -> exaggerate(α, until = N)`, α multiplies the
/// attraction when `step < N`.
// Decision: without a step, inspect reports the method's own loss (α = 1,
// as after exaggeration ends), the loss the spec's vectors define.
pub fn inspect_method_at(
    method: &ir::Method,
    arrays: &NpzArrays,
    backend: BackendKind,
    step: Option<usize>,
) -> Result<NpzArrays, Diagnostic> {
    crate::runtime::float_mode::flush_subnormals();
    let alpha = step.map_or(1.0, |s| crate::runtime::loss::exaggeration_at(method, s));
    if neighbors::has_dataset_scope(&method.p) {
        return inspect_dataset_scope(method, arrays, backend, alpha);
    }
    inspect_batch(method, arrays, backend, alpha)
}

/// [`inspect_method`] once every data-set table is attached.
fn inspect_batch(
    method: &ir::Method,
    arrays: &NpzArrays,
    backend: BackendKind,
    alpha: f64,
) -> Result<NpzArrays, Diagnostic> {
    let keys = kernel_keys(method);
    for key in &keys {
        if arrays.get(key).is_none() {
            return Err(missing(method, key));
        }
    }
    check_shapes(method, arrays, &keys)?;
    let rows = keys
        .iter()
        .find_map(|k| arrays.get(k).and_then(|a| a.shape.first().copied()));
    if let (Some(rows), Some(available)) = (rows, memory::available_bytes()) {
        memory::check_inspect_fits(method, rows, available)?;
    }
    dispatch(
        backend,
        InspectTask {
            method,
            arrays,
            keys,
            alpha,
        },
    )?
}

/// `scope = dataset` in inspect: the batch is the data set. Its `x` builds
/// the table and, without an `index` array, row r is data-set row r.
fn inspect_dataset_scope(
    method: &ir::Method,
    arrays: &NpzArrays,
    backend: BackendKind,
    alpha: f64,
) -> Result<NpzArrays, Diagnostic> {
    let key = neighbors::dataset_key(&method.p).unwrap_or("x");
    let x = arrays.get(key).ok_or_else(|| missing(method, key))?;
    let values = x.as_f64().unwrap_or_default();
    let rows = x.shape.first().copied().unwrap_or(0);
    let cols: usize = x.shape.iter().skip(1).product();
    if rows == 0 || values.len() != rows * cols || values.iter().any(|v| !v.is_finite()) {
        return Err(Diagnostic::bare(
            Code::BadBatchFile,
            format!(
                "array `{key}` (shape {:?}, dtype {}) is not a finite float array with rows",
                x.shape,
                x.dtype_name()
            ),
        )
        .with_help("`scope = dataset` builds p from `x`: give it as float rows × features"));
    }
    let x = neighbors::dataset_rows_f64(values, rows, cols);
    let mut method = method.clone();
    let _tables = neighbors::attach(&mut method.p, &x, &[])?;
    let mut arrays = arrays.clone();
    if arrays.get("index").is_none() {
        arrays.insert(
            "index",
            NpyArray::i64(vec![rows], (0..rows as i64).collect()),
        );
    }
    inspect_batch(&method, &arrays, backend, alpha)
}

struct InspectTask<'a> {
    method: &'a ir::Method,
    arrays: &'a NpzArrays,
    keys: BTreeSet<String>,
    alpha: f64,
}

impl BackendTask for InspectTask<'_> {
    type Output = Result<NpzArrays, Diagnostic>;

    fn run<B: AutodiffBackend>(self, device: B::Device) -> Self::Output {
        let batch = to_batch::<B>(self.arrays, &self.keys, &device)?;
        let params = KernelParams::<B>::init(self.method, &device);
        let eval = icon_loss_exaggerated(self.method, &batch, &params, self.alpha)?;
        let (r, m) = (eval.host.p.rows, eval.host.p.cols);
        let mut out = NpzArrays::new();
        out.insert("p", NpyArray::f64(vec![r, m], eval.host.p.values.clone()));
        out.insert(
            "log_q",
            NpyArray::f64(vec![r, m], to_f64(eval.output.log_q)?),
        );
        out.insert(
            "loss_rows",
            NpyArray::f64(vec![r], to_f64(eval.output.loss_rows)?),
        );
        out.insert("loss", NpyArray::f64(vec![], to_f64(eval.output.loss)?));
        if let Some(kl) = eval.output.kl_value {
            out.insert("kl_value", NpyArray::f64(vec![], to_f64(kl)?));
        }
        if let Some(beta) = eval.host.beta.clone() {
            out.insert("beta", NpyArray::f64(vec![beta.len()], beta));
        }
        // The tree's value beside the dense reference (θ = 0 equals `loss`).
        if let Some(tree) = BarnesHut::of(self.method) {
            let value = tree.loss(self.method, &batch, self.alpha)?;
            out.insert("loss_barnes_hut", NpyArray::f64(vec![], to_f64(value)?));
        }
        Ok(out)
    }
}

/// Every batch key a kernel of p or q reads (with the kernels' default keys).
pub fn kernel_keys(method: &ir::Method) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    expr_keys(&method.p, &mut keys);
    expr_keys(&method.q, &mut keys);
    // In inspect the batch is the data set a `scope = dataset` p is built from.
    if neighbors::has_dataset_scope(&method.p) {
        keys.insert("x".into());
    }
    keys
}

/// Checks each array against its key's IR shape: fixed sizes must match and
/// every batch dimension must be the same B. Flattening (images) is allowed:
/// a float key's trailing dims may be given as one.
fn check_shapes(
    method: &ir::Method,
    arrays: &NpzArrays,
    keys: &BTreeSet<String>,
) -> Result<(), Diagnostic> {
    let mut batch: Option<(usize, &str)> = None;
    for key in keys {
        let (Some(info), Some(array)) =
            (method.keys.iter().find(|k| &k.name == key), arrays.get(key))
        else {
            continue;
        };
        let want: Vec<Option<usize>> = info
            .shape
            .iter()
            .map(|d| match d {
                ir::Dim::Batch => None,
                ir::Dim::Fixed(n) => Some(*n),
            })
            .collect();
        let got = &array.shape;
        let rows_ok = match (want.first(), got.first()) {
            (Some(Some(n)), Some(g)) => n == g,
            (Some(None), Some(&g)) => match batch {
                Some((b, _)) => b == g,
                None => {
                    batch = Some((g, key));
                    true
                }
            },
            _ => false,
        };
        let width = |s: &[usize]| s.iter().skip(1).product::<usize>();
        let want_width: Option<usize> = want.iter().skip(1).copied().product();
        let width_ok = want_width.is_none_or(|w| w == width(got));
        if !rows_ok || !width_ok {
            let expected: Vec<String> = info
                .shape
                .iter()
                .map(|d| match d {
                    ir::Dim::Batch => batch.map_or("B".to_string(), |(b, _)| format!("B = {b}")),
                    ir::Dim::Fixed(n) => n.to_string(),
                })
                .collect();
            return Err(Diagnostic::bare(
                Code::BadBatchFile,
                format!(
                    "array `{key}` has shape {got:?}, the method expects [{}]",
                    expected.join(", ")
                ),
            )
            .with_help(match batch {
                Some((_, first)) if first != key.as_str() => {
                    format!("every batch key must have as many rows as `{first}`")
                }
                _ => "give the array the shape the method's key has (see `iconc show`)".to_string(),
            }));
        }
    }
    Ok(())
}

fn missing(method: &ir::Method, key: &str) -> Diagnostic {
    let from_mapper = method
        .keys
        .iter()
        .any(|k| k.name == key && matches!(k.producer, Producer::Mapper(_)));
    if from_mapper {
        Diagnostic::bare(
            Code::InspectNeedsMapperOutput,
            format!("batch has no `{key}`; inspect does not run mappers"),
        )
        .with_help(format!("add the mapper output `{key}` to the batch .npz"))
    } else {
        Diagnostic::bare(Code::BadBatchFile, format!("batch has no array `{key}`"))
            .with_help(format!("add `{key}` to the batch .npz"))
    }
}

/// Builds the device batch from the arrays named in `keys`.
fn to_batch<B: Backend>(
    arrays: &NpzArrays,
    keys: &BTreeSet<String>,
    device: &B::Device,
) -> Result<Batch<B>, Diagnostic> {
    let mut batch = Batch::new();
    for key in keys {
        let Some(a) = arrays.get(key) else { continue };
        if a.shape.first() == Some(&0) {
            return Err(Diagnostic::bare(
                Code::BadBatchFile,
                format!("array `{key}` has no rows (shape {:?})", a.shape),
            )
            .with_help("a batch needs at least one row; p and q are distributions over rows"));
        }
        let bad_shape = || {
            Diagnostic::bare(
                Code::BadBatchFile,
                format!(
                    "array `{key}` has shape {:?} and dtype {}",
                    a.shape,
                    a.dtype_name()
                ),
            )
            .with_help("float keys must be 2-D (rows × features), int keys 1-D (one id per row)")
        };
        match &a.data {
            ArrayData::F32(_) | ArrayData::F64(_) => {
                let (rows, cols) = match a.shape.as_slice() {
                    [r, c] => (*r, *c),
                    [r] => (*r, 1),
                    _ => return Err(bad_shape()),
                };
                let v: Vec<f64> = a.as_f64().unwrap_or_default();
                if v.len() != rows * cols {
                    return Err(bad_shape());
                }
                if let Some(i) = v.iter().position(|x| !x.is_finite()) {
                    return Err(Diagnostic::bare(
                        Code::BadBatchFile,
                        format!(
                            "array `{key}` holds {} at row {}, column {}",
                            v[i],
                            i / cols.max(1),
                            i % cols.max(1)
                        ),
                    )
                    .with_help("p, q and the loss are only defined for finite inputs; drop or fix that row"));
                }
                batch.floats.insert(
                    key.clone(),
                    Tensor::from_data(float_data::<B, 2>(v, [rows, cols]), device),
                );
            }
            ArrayData::I64(v) => {
                let ok = matches!(a.shape.as_slice(), [_] | [_, 1]);
                if !ok {
                    return Err(bad_shape());
                }
                batch.ints.insert(
                    key.clone(),
                    Tensor::from_data(int_data::<B>(v.clone()), device),
                );
            }
            ArrayData::Unsupported(_) => return Err(bad_shape()),
        }
    }
    Ok(batch)
}

fn to_f64<B: Backend, const D: usize>(t: Tensor<B, D>) -> Result<Vec<f64>, Diagnostic> {
    t.into_data()
        .convert::<f64>()
        .into_vec::<f64>()
        .map_err(|e| {
            crate::runtime::kernels::host::internal(format!("cannot read a result tensor: {e:?}"))
        })
}
