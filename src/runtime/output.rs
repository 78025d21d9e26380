//! Run outputs: the run directory, atomic writes (temp file + rename),
//! `metrics.jsonl` and `.npy` arrays.

use crate::diag::Code;
use crate::diag::Diagnostic;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically: a sibling temp file, fsync, rename.
/// Readers see either the old file or the complete new one, never half of it.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Diagnostic> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io_error(path, &e)
    })
}

/// Removes the temporary files of [`write_atomic`] that an earlier process
/// left in `dir` when it was killed mid-write (this process's own are
/// renamed or removed as they finish).
pub fn remove_stale_temps(dir: &Path) {
    let ours = format!(".tmp-{}", std::process::id());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let stale = name.starts_with('.') && name.contains(".tmp-") && !name.ends_with(&ours);
        if stale && entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// An E0702 diagnostic for a failed file operation.
pub fn io_error(path: &Path, e: &std::io::Error) -> Diagnostic {
    Diagnostic::bare(
        Code::OutputNotWritable,
        format!("cannot write `{}`: {e}", path.display()),
    )
    .with_help("check that the output directory is writable and the disk is not full")
}

/// Creates `runs/<method>-<UTC timestamp>/` (or `out` when given) and returns it.
pub fn create_run_dir(out: Option<&Path>, method: &str) -> Result<PathBuf, Diagnostic> {
    let dir = match out {
        Some(d) => d.to_path_buf(),
        None => {
            let safe: String = method
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            let base = PathBuf::from("runs").join(format!("{safe}-{}", timestamp()));
            return create_fresh(&base);
        }
    };
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| io_error(parent, &e))?;
    }
    match std::fs::create_dir(&dir) {
        Ok(()) => Ok(dir),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && is_empty_dir(&dir) => Ok(dir),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(Diagnostic::bare(
            Code::RunDirInUse,
            format!(
                "`{}` already exists and is not an empty directory",
                dir.display()
            ),
        )
        .with_help(format!(
            "give `--out` a new directory, or continue that run with `iconc run --resume {}`",
            dir.display()
        ))),
        Err(e) => Err(io_error(&dir, &e)),
    }
}

/// Creates `base`, or `base-2`, `base-3`, … when it exists: `create_dir`
/// fails on an existing directory, so two runs started in the same second
/// never share one.
fn create_fresh(base: &Path) -> Result<PathBuf, Diagnostic> {
    if let Some(parent) = base.parent() {
        std::fs::create_dir_all(parent).map_err(|e| io_error(parent, &e))?;
    }
    for n in 1..10_000u32 {
        let dir = if n == 1 {
            base.to_path_buf()
        } else {
            PathBuf::from(format!("{}-{n}", base.display()))
        };
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io_error(&dir, &e)),
        }
    }
    Err(Diagnostic::bare(
        Code::RunDirInUse,
        format!("no free run directory next to `{}`", base.display()),
    )
    .with_help("clean up `runs/`, or give `--out` a new directory"))
}

fn is_empty_dir(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_none())
}

/// `YYYYMMDD-HHMMSS` in UTC, from the system clock (no date crate needed).
pub fn timestamp() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}{m:02}{d:02}-{:02}{:02}{:02}",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 → (year, month, day) (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// A numpy `.npy` (format 1.0) file holding a C-order array.
pub fn npy_bytes(descr: &str, shape: &[usize], data: &[u8]) -> Vec<u8> {
    let shape_txt = match shape {
        [n] => format!("({n},)"),
        dims => format!(
            "({})",
            dims.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut header =
        format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape_txt}, }}");
    // magic(6) + version(2) + len(2) + header + '\n' is padded to a multiple of 64
    let unpadded = 10 + header.len() + 1;
    header.push_str(&" ".repeat((64 - unpadded % 64) % 64));
    header.push('\n');
    let mut out = Vec::with_capacity(10 + header.len() + data.len());
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(data);
    out
}

/// `.npy` bytes of an f32 matrix `rows × cols` (row-major).
pub fn npy_f32(values: &[f32], rows: usize, cols: usize) -> Vec<u8> {
    let data: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    npy_bytes("<f4", &[rows, cols], &data)
}

/// `.npy` bytes of an i64 vector.
pub fn npy_i64(values: &[i64]) -> Vec<u8> {
    let data: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    npy_bytes("<i8", &[values.len()], &data)
}

/// Appends JSON lines to `metrics.jsonl`, rewriting the file atomically each time.
#[derive(Debug)]
pub struct MetricsLog {
    path: PathBuf,
    lines: Vec<String>,
}

impl MetricsLog {
    /// A log at `dir/metrics.jsonl`, keeping lines already there (resume).
    pub fn open(dir: &Path) -> Self {
        let path = dir.join("metrics.jsonl");
        let lines = std::fs::read_to_string(&path)
            .map(|t| t.lines().map(str::to_owned).collect())
            .unwrap_or_default();
        MetricsLog { path, lines }
    }

    /// Keeps only the first `n` lines (drops epochs after a resumed checkpoint).
    pub fn truncate(&mut self, n: usize) {
        self.lines.truncate(n);
    }

    /// Appends one record and rewrites the file.
    pub fn push(&mut self, record: &serde_json::Value) -> Result<(), Diagnostic> {
        self.lines.push(record.to_string());
        let mut text = self.lines.join("\n");
        text.push('\n');
        write_atomic(&self.path, text.as_bytes())
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn runs_started_in_the_same_second_get_their_own_directories() {
        let tmp = std::env::temp_dir().join(format!("iconc-fresh-{}", std::process::id()));
        let base = tmp.join("runs").join("m-20261202-120000");
        let a = create_fresh(&base).unwrap();
        let b = create_fresh(&base).unwrap();
        assert_eq!(a, base);
        assert_eq!(b, PathBuf::from(format!("{}-2", base.display())));
        let _ = std::fs::remove_dir_all(&tmp);
    }

    #[test]
    fn stale_temporaries_of_killed_runs_are_removed() {
        let tmp = std::env::temp_dir().join(format!("iconc-stale-{}", std::process::id()));
        std::fs::create_dir_all(&tmp).unwrap();
        let stale = tmp.join(".checkpoint.bin.tmp-1");
        let ours = tmp.join(format!(".metrics.json.tmp-{}", std::process::id()));
        let kept = tmp.join("checkpoint.bin");
        for f in [&stale, &ours, &kept] {
            std::fs::write(f, b"x").unwrap();
        }
        remove_stale_temps(&tmp);
        assert!(!stale.exists() && ours.exists() && kept.exists());
        let _ = std::fs::remove_dir_all(&tmp);
    }

    #[test]
    fn out_must_be_new_or_empty() {
        let tmp = std::env::temp_dir().join(format!("iconc-out-{}", std::process::id()));
        let dir = tmp.join("exp");
        assert_eq!(create_run_dir(Some(&dir), "m").unwrap(), dir);
        // Still empty: usable.
        assert_eq!(create_run_dir(Some(&dir), "m").unwrap(), dir);
        std::fs::write(dir.join("method.json"), "{}").unwrap();
        assert_eq!(
            create_run_dir(Some(&dir), "m").unwrap_err().code,
            Code::RunDirInUse
        );
        let _ = std::fs::remove_dir_all(&tmp);
    }
    use super::*;

    #[test]
    fn npy_header_is_64_aligned_and_parses() {
        let b = npy_f32(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 2, 3);
        let header_len = u16::from_le_bytes([b[8], b[9]]) as usize;
        assert_eq!((10 + header_len) % 64, 0);
        let header = std::str::from_utf8(&b[10..10 + header_len]).unwrap();
        assert!(header.contains("'shape': (2, 3)"));
        assert_eq!(b.len(), 10 + header_len + 24);
        // read back with npyz (an independent reader)
        let npy = npyz::NpyFile::new(&b[..]).unwrap();
        assert_eq!(npy.shape(), &[2, 3]);
        let v: Vec<f32> = npy.into_vec().unwrap();
        assert_eq!(v, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    }

    #[test]
    fn npy_i64_roundtrip() {
        let b = npy_i64(&[3, -1, 7]);
        let npy = npyz::NpyFile::new(&b[..]).unwrap();
        assert_eq!(npy.shape(), &[3]);
        let v: Vec<i64> = npy.into_vec().unwrap();
        assert_eq!(v, vec![3, -1, 7]);
    }

    #[test]
    fn civil_dates() {
        // 2000-03-01 is day 11017; 1970-01-01 is day 0 (both checkable with `date -d @…`).
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_017), (2000, 3, 1));
        assert_eq!(civil_from_days(20_454), (2026, 1, 1));
    }
}
