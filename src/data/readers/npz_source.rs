//! `.npz` archives with a float array `x` (N×F, N×H×W or N×C×H×W) and an
//! integer array `label` (N). Any float or integer dtype of x is converted to
//! f32 without scaling.

use crate::data::{classes_of, file_error, Dataset, SideRows};
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::ir::SideArray;
use npyz::{DType, NpyFile, Order, TypeChar};
use std::io::Read;
use std::path::Path;

/// Reads `x` and `label` from an `.npz` file, and the `side` array when the
/// method names one (n rows of `side.features` floats each).
pub fn read(path: &Path, side: Option<&SideArray>) -> Result<Dataset, Diagnostic> {
    let mut archive = npyz::npz::NpzArchive::open(path).map_err(|e| {
        if path.is_file() {
            file_error(
                Code::DataFileCorrupt,
                path,
                format!("not a valid npz (zip) archive: {e}"),
            )
            .with_help("save the arrays with `numpy.savez(path, x=x, label=label)`")
        } else {
            super::unreadable(path, &e)
        }
    })?;
    let (x, shape) = read_array(&mut archive, path, "x")?;
    let (labels, lshape) = read_array(&mut archive, path, "label")?;
    let n = shape.first().copied().unwrap_or(0);
    let image = match shape.as_slice() {
        [_, _] => None,
        [_, h, w] => Some((1, *h, *w)),
        [_, c, h, w] => Some((*c, *h, *w)),
        s => {
            return Err(file_error(
                Code::DataFileCorrupt,
                path,
                format!("array `x` has shape {s:?} (expected N×F, N×H×W or N×C×H×W)"),
            ))
        }
    };
    if lshape.len() != 1 {
        return Err(file_error(
            Code::DataFileCorrupt,
            path,
            format!("array `label` has shape {lshape:?} (expected N)"),
        ));
    }
    if lshape[0] != n {
        return Err(file_error(
            Code::DataCountMismatch,
            path,
            format!("`x` has {n} rows but `label` has {}", lshape[0]),
        ));
    }
    if let Some(i) = x.iter().position(|v| !v.is_finite()) {
        return Err(file_error(
            Code::DataBadValue,
            path,
            format!("non-finite value in `x` at element {i}"),
        ));
    }
    let mut ints = Vec::with_capacity(n);
    for (i, &v) in labels.iter().enumerate() {
        if !(v >= 0.0 && v.fract() == 0.0) {
            return Err(file_error(
                Code::DataBadValue,
                path,
                format!("label {v} at element {i} is not a whole number >= 0"),
            ));
        }
        ints.push(v as i64);
    }
    let features = x.len().checked_div(n).unwrap_or(0);
    let side = match side {
        Some(s) => Some(read_side(&mut archive, path, s, n)?),
        None => None,
    };
    Ok(Dataset {
        x: x.into_iter().map(|v| v as f32).collect(),
        n,
        features,
        image,
        classes: classes_of(&ints),
        labels: ints,
        side,
    })
}

/// The side array `s.key`: n rows (any trailing shape, flattened) of
/// `s.features` finite floats.
fn read_side<R: Read + std::io::Seek>(
    archive: &mut npyz::npz::NpzArchive<R>,
    path: &Path,
    s: &SideArray,
    n: usize,
) -> Result<SideRows, Diagnostic> {
    let (values, shape) = read_array(archive, path, &s.key)?;
    let rows = shape.first().copied().unwrap_or(0);
    if rows != n {
        return Err(file_error(
            Code::DataCountMismatch,
            path,
            format!("`x` has {n} rows but side array `{}` has {rows}", s.key),
        ));
    }
    let width = values.len().checked_div(n).unwrap_or(0);
    if width != s.features {
        return Err(file_error(
            Code::DataShapeMismatch,
            path,
            format!(
                "side array `{}` has {width} floats per sample, the method says `side_features = {}`",
                s.key, s.features
            ),
        )
        .with_help(format!("set `side_features = {width}`")));
    }
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(file_error(
            Code::DataBadValue,
            path,
            format!("non-finite value in `{}` at element {i}", s.key),
        ));
    }
    Ok(SideRows {
        key: s.key.clone(),
        features: width,
        values: values.into_iter().map(|v| v as f32).collect(),
    })
}

/// Reads one named array as f64 values (C order) with its shape.
fn read_array<R: Read + std::io::Seek>(
    archive: &mut npyz::npz::NpzArchive<R>,
    path: &Path,
    name: &str,
) -> Result<(Vec<f64>, Vec<usize>), Diagnostic> {
    let corrupt = |what: String| file_error(Code::DataFileCorrupt, path, what);
    let file = archive
        .by_name(name)
        .map_err(|e| corrupt(format!("cannot read array `{name}`: {e}")))?
        .ok_or_else(|| {
            corrupt(format!("no array named `{name}`"))
                .with_help("save the arrays with `numpy.savez(path, x=x, label=label)`")
        })?;
    if file.order() == Order::Fortran {
        return Err(corrupt(format!("array `{name}` is in Fortran order"))
            .with_help("save it with `numpy.ascontiguousarray(...)`"));
    }
    let shape: Vec<usize> = file.shape().iter().map(|&d| d as usize).collect();
    let values = to_f64(file).map_err(|e| corrupt(format!("array `{name}`: {e}")))?;
    Ok((values, shape))
}

/// Converts any int/uint/float dtype to f64.
fn to_f64<R: Read>(file: NpyFile<R>) -> Result<Vec<f64>, String> {
    let DType::Plain(ts) = file.dtype() else {
        return Err("structured arrays are not supported".into());
    };
    let e = |e: std::io::Error| format!("{e} (truncated or corrupt data)");
    macro_rules! conv {
        ($t:ty) => {
            file.into_vec::<$t>()
                .map_err(e)?
                .into_iter()
                .map(|v| v as f64)
                .collect()
        };
    }
    Ok(match (ts.type_char(), ts.size_field()) {
        (TypeChar::Float, 4) => conv!(f32),
        (TypeChar::Float, 8) => conv!(f64),
        (TypeChar::Int, 1) => conv!(i8),
        (TypeChar::Int, 2) => conv!(i16),
        (TypeChar::Int, 4) => conv!(i32),
        (TypeChar::Int, 8) => conv!(i64),
        (TypeChar::Uint, 1) => conv!(u8),
        (TypeChar::Uint, 2) => conv!(u16),
        (TypeChar::Uint, 4) => conv!(u32),
        (TypeChar::Uint, 8) => conv!(u64),
        _ => {
            return Err(format!(
                "unsupported dtype `{ts}` (use float32/float64 or an integer type)"
            ))
        }
    })
}
