//! Open buffers, URI ↔ path conversion, and a loader that prefers open
//! buffers over the disk for `use`d files.

use crate::check::Loader;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

/// The text of every open document, keyed by its (lexically normalized) path.
#[derive(Debug, Default)]
pub struct Documents {
    open: HashMap<PathBuf, String>,
}

impl Documents {
    /// Records the text of an open (or changed) document.
    pub fn set(&mut self, path: &Path, text: String) {
        self.open.insert(normalize(path), text);
    }
    /// Forgets a closed document.
    pub fn close(&mut self, path: &Path) {
        self.open.remove(&normalize(path));
    }
    /// The text of an open document.
    pub fn get(&self, path: &Path) -> Option<&str> {
        self.open.get(&normalize(path)).map(String::as_str)
    }
}

impl Loader for Documents {
    fn load(&self, path: &Path) -> std::io::Result<String> {
        match self.get(path) {
            Some(text) => Ok(text.to_string()),
            None => crate::files::read_text(path, crate::files::MAX_SOURCE_BYTES),
        }
    }
}

/// Removes `.` and resolves `..` without touching the file system, so
/// `dir/../lib.icon` and `lib.icon` name the same buffer.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The path of a `file:` URI (percent-decoded); `None` for other schemes.
pub fn uri_to_path(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    // Drop an authority (`file://host/path`); only the local host is supported.
    let rest = rest.get(rest.find('/')?..)?;
    Some(PathBuf::from(percent_decode(rest)?))
}

/// The `file:` URI of a path (absolute paths give `file:///…`).
pub fn path_to_uri(path: &str) -> String {
    let mut out = String::from("file://");
    if !path.starts_with('/') {
        out.push('/');
    }
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_round_trip_through_paths() {
        let uri = path_to_uri("/tmp/my dir/a.icon");
        assert_eq!(uri, "file:///tmp/my%20dir/a.icon");
        assert_eq!(uri_to_path(&uri), Some(PathBuf::from("/tmp/my dir/a.icon")));
        assert_eq!(uri_to_path("untitled:1"), None);
        assert_eq!(
            normalize(Path::new("/a/b/../c/./d.icon")),
            PathBuf::from("/a/c/d.icon")
        );
    }
}
