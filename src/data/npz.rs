//! Generic `.npy`-in-`.npz` arrays by name: f32, f64 and i64 (other integer
//! and bool dtypes are widened to i64). Used by `iconc inspect` and by any
//! stage that reads or writes NumPy archives.
//!
//! Reading keeps arrays of other dtypes (e.g. unicode `config` strings) as
//! [`ArrayData::Unsupported`], so a file is rejected only if a caller asks for
//! such an array. Writing is atomic: a temporary file beside the target, then
//! a rename.

use crate::diag::Code;
use crate::diag::Diagnostic;
use npyz::WriterBuilder;
use std::collections::BTreeMap;
use std::io;
use std::path::Path;

/// The values of one array, row-major (C order).
#[derive(Debug, Clone, PartialEq)]
pub enum ArrayData {
    /// `<f4`.
    F32(Vec<f32>),
    /// `<f8`.
    F64(Vec<f64>),
    /// `<i8` (and narrower ints / bools, widened).
    I64(Vec<i64>),
    /// Any other dtype, by its NumPy type string.
    Unsupported(String),
}

/// One named array.
#[derive(Debug, Clone, PartialEq)]
pub struct NpyArray {
    /// Shape (`[]` for a scalar).
    pub shape: Vec<usize>,
    /// Values.
    pub data: ArrayData,
}

impl NpyArray {
    /// An f64 array.
    pub fn f64(shape: Vec<usize>, values: Vec<f64>) -> Self {
        NpyArray {
            shape,
            data: ArrayData::F64(values),
        }
    }

    /// An f32 array.
    pub fn f32(shape: Vec<usize>, values: Vec<f32>) -> Self {
        NpyArray {
            shape,
            data: ArrayData::F32(values),
        }
    }

    /// An i64 array.
    pub fn i64(shape: Vec<usize>, values: Vec<i64>) -> Self {
        NpyArray {
            shape,
            data: ArrayData::I64(values),
        }
    }

    /// Float values widened to f64 (None for int or unsupported arrays).
    pub fn as_f64(&self) -> Option<Vec<f64>> {
        match &self.data {
            ArrayData::F32(v) => Some(v.iter().map(|&x| f64::from(x)).collect()),
            ArrayData::F64(v) => Some(v.clone()),
            _ => None,
        }
    }

    /// Int values (None for float or unsupported arrays).
    pub fn as_i64(&self) -> Option<&[i64]> {
        match &self.data {
            ArrayData::I64(v) => Some(v),
            _ => None,
        }
    }

    /// The NumPy dtype name, for messages.
    pub fn dtype_name(&self) -> String {
        match &self.data {
            ArrayData::F32(_) => "float32".into(),
            ArrayData::F64(_) => "float64".into(),
            ArrayData::I64(_) => "int64".into(),
            ArrayData::Unsupported(s) => s.clone(),
        }
    }
}

/// A set of named arrays (an `.npz` archive in memory).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NpzArrays {
    /// Arrays by name.
    pub arrays: BTreeMap<String, NpyArray>,
}

impl NpzArrays {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces an array.
    pub fn insert(&mut self, name: impl Into<String>, array: NpyArray) {
        self.arrays.insert(name.into(), array);
    }

    /// An array by name.
    pub fn get(&self, name: &str) -> Option<&NpyArray> {
        self.arrays.get(name)
    }

    /// Reads every array of an `.npz` file (E0509 on a missing or corrupt file).
    pub fn read(path: &Path) -> Result<NpzArrays, Diagnostic> {
        let shown = path.display().to_string();
        let bad = |e: io::Error| {
            Diagnostic::bare(
                Code::BadBatchFile,
                format!("cannot read batch file `{shown}`: {e}"),
            )
            .with_help("give a NumPy .npz archive written by `np.savez` (no pickled objects)")
        };
        crate::files::check_regular(path, crate::files::MAX_DATA_BYTES).map_err(bad)?;
        let mut archive = npyz::npz::NpzArchive::open(path).map_err(bad)?;
        let names: Vec<String> = archive.array_names().map(String::from).collect();
        let mut out = NpzArrays::new();
        for name in names {
            let file = archive
                .by_name(&name)
                .map_err(bad)?
                .ok_or_else(|| bad(io::Error::other(format!("array `{name}` vanished"))))?;
            let array = read_array(file).map_err(bad)?;
            out.insert(name, array);
        }
        Ok(out)
    }

    /// Writes every array to `path` atomically (E0510 on failure).
    pub fn write(&self, path: &Path) -> Result<(), Diagnostic> {
        let shown = path.display().to_string();
        let fail = |e: io::Error| {
            Diagnostic::bare(
                Code::CannotWriteOutput,
                format!("cannot write `{shown}`: {e}"),
            )
            .with_help("check that the directory exists and is writable")
        };
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out.npz".into());
        let tmp = path.with_file_name(format!(".{file_name}.tmp{}", std::process::id()));
        let result = self
            .write_to(&tmp)
            .and_then(|()| std::fs::rename(&tmp, path));
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result.map_err(fail)
    }

    fn write_to(&self, path: &Path) -> io::Result<()> {
        let mut npz = npyz::npz::NpzWriter::create(path)?;
        for (name, array) in &self.arrays {
            let shape: Vec<u64> = array.shape.iter().map(|&d| d as u64).collect();
            let options = npyz::zip::write::FileOptions::default();
            match &array.data {
                ArrayData::F32(v) => {
                    let mut w = npz
                        .array::<f32>(name, options)?
                        .default_dtype()
                        .shape(&shape)
                        .begin_nd()?;
                    w.extend(v.iter().copied())?;
                    w.finish()?;
                }
                ArrayData::F64(v) => {
                    let mut w = npz
                        .array::<f64>(name, options)?
                        .default_dtype()
                        .shape(&shape)
                        .begin_nd()?;
                    w.extend(v.iter().copied())?;
                    w.finish()?;
                }
                ArrayData::I64(v) => {
                    let mut w = npz
                        .array::<i64>(name, options)?
                        .default_dtype()
                        .shape(&shape)
                        .begin_nd()?;
                    w.extend(v.iter().copied())?;
                    w.finish()?;
                }
                ArrayData::Unsupported(_) => {}
            }
        }
        npz.zip_writer()
            .finish()
            .map_err(|e| io::Error::other(e.to_string()))?;
        Ok(())
    }
}

fn read_array<R: io::Read>(file: npyz::NpyFile<R>) -> io::Result<NpyArray> {
    let shape: Vec<usize> = file.shape().iter().map(|&d| d as usize).collect();
    let fortran = file.order() == npyz::Order::Fortran;
    let type_str = match file.dtype() {
        npyz::DType::Plain(ts) => ts.to_string(),
        other => format!("{other:?}"),
    };
    let data = match type_str.as_str() {
        "<f4" => ArrayData::F32(file.into_vec::<f32>()?),
        "<f8" => ArrayData::F64(file.into_vec::<f64>()?),
        "<i8" => ArrayData::I64(file.into_vec::<i64>()?),
        "<i4" => ArrayData::I64(file.into_vec::<i32>()?.into_iter().map(i64::from).collect()),
        "<i2" => ArrayData::I64(file.into_vec::<i16>()?.into_iter().map(i64::from).collect()),
        "|i1" => ArrayData::I64(file.into_vec::<i8>()?.into_iter().map(i64::from).collect()),
        "|u1" => ArrayData::I64(file.into_vec::<u8>()?.into_iter().map(i64::from).collect()),
        "<u4" => ArrayData::I64(file.into_vec::<u32>()?.into_iter().map(i64::from).collect()),
        "|b1" => ArrayData::I64(
            file.into_vec::<bool>()?
                .into_iter()
                .map(i64::from)
                .collect(),
        ),
        _ => ArrayData::Unsupported(type_str),
    };
    let data = if fortran && shape.len() > 1 {
        to_c_order(data, &shape)
    } else {
        data
    };
    Ok(NpyArray { shape, data })
}

/// Reorders Fortran-order values to C order.
fn to_c_order(data: ArrayData, shape: &[usize]) -> ArrayData {
    fn reorder<T: Copy>(v: Vec<T>, shape: &[usize]) -> Vec<T> {
        let n = v.len();
        (0..n)
            .map(|c_index| {
                // Decompose the C index, recompose as a Fortran index.
                let (mut rest, mut f_index, mut stride) = (c_index, 0, 1);
                let mut coords = vec![0; shape.len()];
                for (k, &d) in shape.iter().enumerate().rev() {
                    coords[k] = rest % d.max(1);
                    rest /= d.max(1);
                }
                for (k, &d) in shape.iter().enumerate() {
                    f_index += coords[k] * stride;
                    stride *= d;
                }
                v.get(f_index).copied().unwrap_or(v[c_index])
            })
            .collect()
    }
    match data {
        ArrayData::F32(v) => ArrayData::F32(reorder(v, shape)),
        ArrayData::F64(v) => ArrayData::F64(reorder(v, shape)),
        ArrayData::I64(v) => ArrayData::I64(reorder(v, shape)),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_dtype() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.npz");
        let mut a = NpzArrays::new();
        a.insert("x", NpyArray::f32(vec![2, 3], vec![1., 2., 3., 4., 5., 6.]));
        a.insert("loss", NpyArray::f64(vec![], vec![0.25]));
        a.insert("label", NpyArray::i64(vec![2], vec![3, -1]));
        a.insert("neg", NpyArray::f64(vec![2], vec![f64::NEG_INFINITY, 1.0]));
        a.write(&path).unwrap();
        let b = NpzArrays::read(&path).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn missing_and_corrupt_files_are_diagnostics() {
        let dir = tempfile::tempdir().unwrap();
        let missing = NpzArrays::read(&dir.path().join("none.npz")).unwrap_err();
        assert_eq!(missing.code, Code::BadBatchFile);
        let junk = dir.path().join("junk.npz");
        std::fs::write(&junk, b"not a zip").unwrap();
        assert_eq!(NpzArrays::read(&junk).unwrap_err().code, Code::BadBatchFile);
    }
}
