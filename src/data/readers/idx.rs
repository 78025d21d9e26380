//! IDX files (the MNIST format), raw or gzip-compressed.
//!
//! Layout: `00 00 TT DD`, then DD big-endian u32 sizes, then the row-major
//! payload. Only TT = 0x08 (uint8) is supported, which covers MNIST-style data.

use super::read_maybe_gz;
use crate::data::{classes_of, file_error, Dataset};
use crate::diag::Code;
use crate::diag::Diagnostic;
use std::path::Path;

/// A decoded IDX array of bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxArray {
    /// Sizes from the header.
    pub dims: Vec<usize>,
    /// Row-major payload (`dims.iter().product()` bytes).
    pub data: Vec<u8>,
}

/// Parses an IDX file (raw or `.gz`).
pub fn read(path: &Path) -> Result<IdxArray, Diagnostic> {
    let bytes = read_maybe_gz(path)?;
    parse(&bytes).map_err(|(code, what)| {
        file_error(code, path, what)
            .with_help("an IDX file starts with 00 00 08 <ndims>, then ndims big-endian u32 sizes and the uint8 payload")
    })
}

/// Parses IDX bytes; errors are (code, message with byte offset). Offsets
/// count decompressed bytes.
pub fn parse(bytes: &[u8]) -> Result<IdxArray, (Code, String)> {
    let corrupt = |s: String| (Code::DataFileCorrupt, s);
    let Some(&[z0, z1, ty, nd]) = bytes.get(0..4) else {
        return Err((
            Code::DataFileTruncated,
            format!(
                "idx header truncated at byte {} (need 4 magic bytes)",
                bytes.len()
            ),
        ));
    };
    if z0 != 0 || z1 != 0 {
        return Err(corrupt(format!(
            "bad idx magic {z0:02x} {z1:02x} at byte 0 (expected 00 00)"
        )));
    }
    if ty != 0x08 {
        return Err(corrupt(format!(
            "unsupported idx element type 0x{ty:02x} at byte 2 (only 0x08 = uint8)"
        )));
    }
    if nd == 0 {
        return Err(corrupt("idx file has 0 dimensions at byte 3".into()));
    }
    let nd = nd as usize;
    let header = 4 + 4 * nd;
    let Some(dim_bytes) = bytes.get(4..header) else {
        return Err((
            Code::DataFileTruncated,
            format!(
                "idx header truncated at byte {} (need {header} bytes for {nd} dimensions)",
                bytes.len()
            ),
        ));
    };
    let dims: Vec<usize> = dim_bytes
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize)
        .collect();
    let payload = dims
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .ok_or_else(|| corrupt(format!("idx dimensions {dims:?} overflow")))?;
    let have = bytes.len() - header;
    if have < payload {
        return Err((
            Code::DataFileTruncated,
            format!(
                "idx payload truncated at byte {} (dims {dims:?} need {payload} bytes after the {header}-byte header, found {have})",
                bytes.len()
            ),
        ));
    }
    if have > payload {
        return Err((
            Code::DataFileTruncated,
            format!(
                "{} unexpected trailing bytes at byte {} (dims {dims:?})",
                have - payload,
                header + payload
            ),
        ));
    }
    Ok(IdxArray {
        dims,
        data: bytes[header..].to_vec(),
    })
}

/// Reads an image file and a label file into a dataset, dividing pixels by `scale`.
///
/// Image dims: `N×H×W` → image (1, H, W); `N×C×H×W` → image (C, H, W);
/// `N×F` → vectors. Labels: `N`.
pub fn read_pair(images: &Path, labels: &Path, scale: f32) -> Result<Dataset, Diagnostic> {
    let img = read(images)?;
    let lab = read(labels)?;
    let (n, image) = match img.dims.as_slice() {
        [n, _features] => (*n, None),
        [n, h, w] => (*n, Some((1, *h, *w))),
        [n, c, h, w] => (*n, Some((*c, *h, *w))),
        d => {
            return Err(file_error(
                Code::DataFileCorrupt,
                images,
                format!(
                    "idx image file has {} dimensions at byte 3 (expected 2 to 4)",
                    d.len()
                ),
            ))
        }
    };
    let features = img.data.len().checked_div(n).unwrap_or(0);
    let [ln] = lab.dims.as_slice() else {
        return Err(file_error(
            Code::DataFileCorrupt,
            labels,
            format!(
                "idx label file has {} dimensions at byte 3 (expected 1)",
                lab.dims.len()
            ),
        )
        .with_help("are the image and label files swapped?"));
    };
    if *ln != n {
        return Err(Diagnostic::bare(
            Code::DataCountMismatch,
            format!(
                "`{}` has {n} images but `{}` has {ln} labels",
                images.display(),
                labels.display()
            ),
        )
        .with_help("use the label file that belongs to this image file"));
    }
    let x = img.data.iter().map(|&b| f32::from(b) / scale).collect();
    let labels: Vec<i64> = lab.data.iter().map(|&b| i64::from(b)).collect();
    Ok(Dataset {
        x,
        n,
        features,
        image,
        classes: classes_of(&labels),
        labels,
        side: None,
    })
}
