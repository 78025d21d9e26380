//! CIFAR-10 binary batches: `data_batch_{1..5}.bin` then `test_batch.bin`.
//!
//! Each record is 3073 bytes: one label byte (0–9) then 3072 pixel bytes in
//! channel-major order (1024 red, 1024 green, 1024 blue, rows of 32).

use super::unreadable;
use crate::data::{file_error, Dataset};
use crate::diag::Code;
use crate::diag::Diagnostic;
use std::path::Path;

/// Bytes per record.
pub const RECORD: usize = 3073;
const PIXELS: usize = 3072;
const TRAIN: [&str; 5] = [
    "data_batch_1.bin",
    "data_batch_2.bin",
    "data_batch_3.bin",
    "data_batch_4.bin",
    "data_batch_5.bin",
];
const TEST: &str = "test_batch.bin";

/// Reads the five training batches (required) and the test batch (optional,
/// last, so `holdout = 10000` is the official test split); pixels / 255.
pub fn read_dir(dir: &Path) -> Result<Dataset, Diagnostic> {
    let mut ds = Dataset {
        x: Vec::new(),
        n: 0,
        features: PIXELS,
        image: Some((3, 32, 32)),
        labels: Vec::new(),
        classes: 10,
        side: None,
    };
    // Check all five exist first, so a missing file is reported before any content error.
    for name in TRAIN {
        let path = dir.join(name);
        if !path.is_file() {
            return Err(Diagnostic::bare(
                Code::DataFileUnreadable,
                format!("cifar-10 batch `{}` not found", path.display()),
            )
            .with_help(
                "point `Cifar10(dir = ...)` at the extracted `cifar-10-batches-bin` folder",
            ));
        }
    }
    for name in TRAIN {
        read_batch(&dir.join(name), &mut ds)?;
    }
    let test = dir.join(TEST);
    if test.is_file() {
        read_batch(&test, &mut ds)?;
    }
    Ok(ds)
}

/// Appends the records of one batch file.
pub fn read_batch(path: &Path, ds: &mut Dataset) -> Result<(), Diagnostic> {
    let bytes = crate::files::read_bytes(path, crate::files::MAX_DATA_BYTES)
        .map_err(|e| unreadable(path, &e))?;
    let whole = bytes.len() / RECORD * RECORD;
    if whole != bytes.len() || bytes.is_empty() {
        return Err(file_error(
            Code::DataFileTruncated,
            path,
            format!(
                "cifar-10 batch truncated at byte {whole} ({} bytes is not a whole number of {RECORD}-byte records)",
                bytes.len()
            ),
        )
        .with_help("the file is damaged or truncated; extract it again"));
    }
    for (r, rec) in bytes.chunks_exact(RECORD).enumerate() {
        let label = rec[0];
        if label > 9 {
            return Err(file_error(
                Code::DataBadValue,
                path,
                format!(
                    "cifar-10 label {label} at byte {} (labels are 0-9)",
                    r * RECORD
                ),
            )
            .with_help("is this a CIFAR-100 file? only CIFAR-10 binary batches are supported"));
        }
        ds.labels.push(i64::from(label));
        ds.x.extend(rec[1..].iter().map(|&b| f32::from(b) / 255.0));
        ds.n += 1;
    }
    Ok(())
}
