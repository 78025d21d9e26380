//! Reading user files with limits: a path that names a fifo or a device
//! (`/dev/zero`, a named pipe) is refused instead of blocking or reading
//! forever, and a file larger than its kind's limit is refused before it is
//! read. Callers turn the `io::Error` into their own coded diagnostic.

use std::io::{self, Read};
use std::path::Path;

/// Largest `.icon` file (and stored `method.json`): 16 MiB.
pub const MAX_SOURCE_BYTES: u64 = 16 << 20;
/// Largest data file (images, arrays, tables, graphs): 16 GiB.
pub const MAX_DATA_BYTES: u64 = 16 << 30;

/// Fails unless `path` is a regular file of at most `limit` bytes (for
/// readers that open the file themselves). Does not open it, so a fifo
/// cannot block.
pub fn check_regular(path: &Path, limit: u64) -> io::Result<()> {
    regular_len(&std::fs::metadata(path)?, limit).map(|_| ())
}

fn regular_len(meta: &std::fs::Metadata, limit: u64) -> io::Result<u64> {
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file (a directory, fifo or device)",
        ));
    }
    if meta.len() > limit {
        return Err(too_large(meta.len(), limit));
    }
    Ok(meta.len())
}

/// The bytes of the regular file at `path`, at most `limit` of them.
pub fn read_bytes(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    // Metadata first: opening a fifo would block until a writer appears.
    let len = regular_len(&std::fs::metadata(path)?, limit)?;
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::with_capacity(len as usize);
    // `take` also bounds a file that grows while it is read.
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64, limit));
    }
    Ok(bytes)
}

/// [`read_bytes`] as UTF-8 text.
pub fn read_text(path: &Path, limit: u64) -> io::Result<String> {
    String::from_utf8(read_bytes(path, limit)?)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "not UTF-8 text"))
}

fn too_large(len: u64, limit: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{len} bytes, larger than the {limit}-byte limit for this kind of file"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_and_directories_are_refused() {
        for path in ["/dev/zero", "/dev/null", "/"] {
            if Path::new(path).exists() {
                let e = read_bytes(Path::new(path), 1 << 20).unwrap_err();
                assert!(e.to_string().contains("not a regular file"), "{path}: {e}");
            }
        }
    }

    #[test]
    fn files_over_the_limit_are_refused() {
        let path = std::env::temp_dir().join(format!("iconc-files-{}", std::process::id()));
        std::fs::write(&path, vec![b'a'; 100]).unwrap();
        assert_eq!(read_text(&path, 100).unwrap().len(), 100);
        assert!(read_text(&path, 99)
            .unwrap_err()
            .to_string()
            .contains("limit"));
        let _ = std::fs::remove_file(&path);
    }
}
