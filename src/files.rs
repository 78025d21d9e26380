//! Reading user files with limits: a path that names a fifo or a device
//! (`/dev/zero`, a named pipe) is refused instead of blocking or reading
//! forever, and a file larger than its kind's limit is refused before it is
//! read. Callers turn the `io::Error` into their own coded diagnostic.

use std::io::{self, Read};
use std::path::{Path, PathBuf};

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

/// The folder a method's paths (`use`, data files, `Graph(path)`) must stay
/// inside, so a shared `.icon` file cannot make iconc read (and quote) any
/// file the user can read. Like typst's `--root`.
pub mod root {
    use std::path::{Component, Path, PathBuf};
    use std::sync::OnceLock;

    /// Files whose presence marks a folder as a project root.
    pub const MARKERS: [&str; 2] = [".iconc-root", ".git"];

    static OVERRIDE: OnceLock<PathBuf> = OnceLock::new();

    /// `--root DIR`: the root for every method of this process.
    pub fn set_override(dir: &Path) {
        let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        let _ = OVERRIDE.set(dir);
    }

    /// The root for a method in folder `dir`: `--root` when given, else the
    /// nearest folder at or above `dir` holding a marker (`.iconc-root` or
    /// `.git`), else `dir` itself.
    pub fn for_dir(dir: &Path) -> PathBuf {
        if let Some(r) = OVERRIDE.get() {
            return r.clone();
        }
        let dir = absolute(dir);
        dir.ancestors()
            .find(|a| MARKERS.iter().any(|m| a.join(m).exists()))
            .unwrap_or(&dir)
            .to_path_buf()
    }

    /// `root` as a message shows it: relative to the working directory when
    /// inside it (`.` for the directory itself), else absolute.
    pub fn shown(root: &Path) -> String {
        let cwd = absolute(Path::new("."));
        match absolute(root).strip_prefix(&cwd) {
            Ok(rel) if rel.as_os_str().is_empty() => ".".into(),
            Ok(rel) => rel.display().to_string(),
            Err(_) => root.display().to_string(),
        }
    }

    /// True when `path` (after following symlinks, where it exists) lies in `root`.
    pub fn contains(root: &Path, path: &Path) -> bool {
        absolute(path).starts_with(absolute(root))
    }

    /// `path` made absolute: canonical where it exists (symlinks followed),
    /// else its existing ancestor canonicalized and the rest folded lexically.
    fn absolute(path: &Path) -> PathBuf {
        if let Ok(p) = std::fs::canonicalize(path) {
            return p;
        }
        let joined = if path.is_absolute() {
            path.to_path_buf()
        } else {
            std::env::current_dir().unwrap_or_default().join(path)
        };
        let mut out = PathBuf::new();
        for comp in joined.components() {
            match comp {
                Component::CurDir => {}
                Component::ParentDir => {
                    out.pop();
                }
                other => out.push(other),
            }
            if let Ok(c) = std::fs::canonicalize(&out) {
                out = c;
            }
        }
        out
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn paths_above_the_root_or_through_links_out_are_outside() {
            let tmp = std::env::temp_dir().join(format!("iconc-root-{}", std::process::id()));
            let project = tmp.join("project");
            std::fs::create_dir_all(project.join("data")).unwrap();
            std::fs::write(tmp.join("secret.txt"), "x").unwrap();
            assert!(contains(&project, &project.join("data/x.csv")));
            assert!(contains(&project, &project.join("data/../m.icon")));
            assert!(!contains(&project, &project.join("../secret.txt")));
            assert!(!contains(&project, Path::new("/etc/passwd")));
            #[cfg(unix)]
            {
                std::os::unix::fs::symlink(tmp.join("secret.txt"), project.join("link")).unwrap();
                assert!(!contains(&project, &project.join("link")));
            }
            // A marker above makes that folder the root.
            std::fs::write(tmp.join(".iconc-root"), "").unwrap();
            assert_eq!(for_dir(&project), std::fs::canonicalize(&tmp).unwrap());
            let _ = std::fs::remove_dir_all(&tmp);
        }
    }
}

/// Every `.icon` file that `paths` name, for the subcommands that take files
/// or folders (`check`, `fmt`, `table`): a path that is not a directory is
/// kept as given (its reader reports a missing file in its own words); a
/// directory is searched recursively, each folder's entries in sorted order.
/// Links to folders are not followed, so a link cycle cannot loop. A file
/// named twice (`methods methods/simclr.icon`) is kept once, where first found.
pub fn icon_files(paths: &[PathBuf]) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, &mut out)?;
        } else {
            out.push(path.clone());
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|p| seen.insert(std::fs::canonicalize(p).unwrap_or_else(|_| p.clone())));
    Ok(out)
}

/// Appends the `.icon` files under `dir`, sorted, recursing into real folders.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    let cannot =
        |e: io::Error| io::Error::new(e.kind(), format!("cannot read {}: {e}", dir.display()));
    let mut entries: Vec<std::fs::DirEntry> = std::fs::read_dir(dir)
        .map_err(cannot)?
        .collect::<io::Result<_>>()
        .map_err(cannot)?;
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|x| x == "icon") {
            out.push(path);
        }
    }
    Ok(())
}
