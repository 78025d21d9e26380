//! File readers. Each returns a [`super::Dataset`] or a diagnostic that names
//! the file and the byte offset of the first bad byte.

use crate::diag::Code;
pub mod cifar;
pub mod csv;
pub mod idx;
pub mod npz_source;

use crate::diag::Diagnostic;
use std::io::Read;
use std::path::Path;

/// Reads a whole file, gunzipping it when it starts with the gzip magic `1f 8b`.
pub(crate) fn read_maybe_gz(path: &Path) -> Result<Vec<u8>, Diagnostic> {
    let raw = crate::files::read_bytes(path, crate::files::MAX_DATA_BYTES)
        .map_err(|e| unreadable(path, &e))?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        // Bounded like the file itself, so a gzip bomb is refused, not inflated.
        flate2::read::GzDecoder::new(raw.as_slice())
            .take(crate::files::MAX_DATA_BYTES)
            .read_to_end(&mut out)
            .map_err(|e| {
                super::file_error(
                    Code::DataFileCorrupt,
                    path,
                    format!(
                        "corrupt gzip stream after {} decompressed bytes ({e})",
                        out.len()
                    ),
                )
                .with_help("the file is damaged or truncated; download it again")
            })?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

/// "cannot read" diagnostic for an I/O error.
pub(crate) fn unreadable(path: &Path, e: &std::io::Error) -> Diagnostic {
    Diagnostic::bare(
        Code::DataFileUnreadable,
        format!("cannot read `{}`: {e}", path.display()),
    )
    .with_help("paths in a data source are relative to the .icon file")
}
