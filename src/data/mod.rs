//! data stage: readers, synthetic generators, augmentation and batching (STYLE.md §1).
//!
//! [`load`] turns an [`ir::DataSpec`] into an in-memory [`Dataset`] (features
//! row-major f32, images scaled to [0, 1]); [`split`] holds out the last
//! samples; [`Batcher`] yields shuffled, augmented [`HostBatch`]es in the §2.4
//! layout. Every bad file is a [`Diagnostic`] in the E06xx band, never a panic.

use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::ir::{self, DataSource};
use std::path::{Path, PathBuf};

pub mod augment;
mod batch;
pub mod npz;
pub mod readers;
pub(crate) mod rng;
pub mod synthetic;

pub use batch::{halves, rows_per_batch, Batcher, HostBatch, Partners};

/// An in-memory dataset: `n` samples of `features` floats plus one label each.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// n×features, row-major; images are flattened (c, h, w) and scaled to [0, 1].
    pub x: Vec<f32>,
    /// Number of samples.
    pub n: usize,
    /// Features per sample (F = c·h·w for images).
    pub features: usize,
    /// Image geometry (channels, height, width) when `x` holds images.
    pub image: Option<(usize, usize, usize)>,
    /// Class id per sample, in `0..classes`.
    pub labels: Vec<i64>,
    /// Number of classes.
    pub classes: usize,
    /// A side array that comes with the data (`Npz(side = g)`): one row per sample.
    pub side: Option<SideRows>,
}

/// A per-sample float array beside `x`, e.g. frozen caption embeddings `g`.
#[derive(Debug, Clone, PartialEq)]
pub struct SideRows {
    /// The batch key it becomes.
    pub key: String,
    /// Floats per sample.
    pub features: usize,
    /// n×features, row-major.
    pub values: Vec<f32>,
}

impl SideRows {
    /// Row `i` (empty when out of range).
    pub fn row(&self, i: usize) -> &[f32] {
        self.values
            .get(i * self.features..(i + 1) * self.features)
            .unwrap_or(&[])
    }

    /// The rows of `samples`, in order, as a batch key.
    pub fn gather(&self, samples: impl Iterator<Item = usize>) -> (String, Vec<f32>) {
        let values = samples.flat_map(|i| self.row(i).iter().copied()).collect();
        (self.key.clone(), values)
    }
}

impl Dataset {
    /// Row `i` of `x` (None when out of range).
    pub fn row(&self, i: usize) -> Option<&[f32]> {
        self.x.get(i * self.features..(i + 1) * self.features)
    }

    /// Batches of up to `rows` samples in file order with no augmentation and
    /// the last partial batch kept (for embedding a split at evaluation time).
    /// `index` is the dataset index; `x1` is None.
    pub fn eval_batches(&self, rows: usize) -> impl Iterator<Item = HostBatch> + '_ {
        let rows = rows.max(1);
        (0..self.n).step_by(rows).map(move |start| {
            let end = (start + rows).min(self.n);
            HostBatch {
                rows: end - start,
                x: self.x[start * self.features..end * self.features].to_vec(),
                x1: None,
                label: self.labels[start..end].to_vec(),
                index: (start as i64..end as i64).collect(),
                side: self.side.as_ref().map(|s| s.gather(start..end)),
            }
        })
    }

    /// Keeps only the first `m` samples (no-op when `m >= n`).
    pub fn truncate(&mut self, m: usize) {
        if m < self.n {
            self.n = m;
            self.x.truncate(m * self.features);
            self.labels.truncate(m);
            if let Some(s) = self.side.as_mut() {
                s.values.truncate(m * s.features);
            }
        }
    }
}

/// Loads the data of `spec` (user paths relative to `base_dir`, usually the
/// method file's folder), applies `limit`, and checks the result against the
/// shape the checker recorded in `spec` and against `holdout`/`batch`.
pub fn load(spec: &ir::DataSpec, base_dir: &Path) -> Result<Dataset, Diagnostic> {
    let mut ds = read_source(&spec.source, base_dir)?;
    if let Some(limit) = spec.limit {
        ds.truncate(limit);
    }
    check_against_spec(&ds, spec)?;
    if spec.classes > ds.classes {
        ds.classes = spec.classes;
    }
    Ok(ds)
}

/// Reads a source with no spec checks (no `limit`).
pub fn read_source(source: &DataSource, base_dir: &Path) -> Result<Dataset, Diagnostic> {
    let user = |p: &str| base_dir.join(p);
    match source {
        DataSource::Mnist => readers::idx::read_pair(
            &bundled_file("mnist10k-images-idx3-ubyte.gz")?,
            &bundled_file("mnist10k-labels-idx1-ubyte.gz")?,
            255.0,
        ),
        DataSource::Digits => readers::idx::read_pair(
            &bundled_file("digits-images-idx3-ubyte.gz")?,
            &bundled_file("digits-labels-idx1-ubyte.gz")?,
            16.0,
        ),
        DataSource::Idx { images, labels } => {
            readers::idx::read_pair(&user(images), &user(labels), 255.0)
        }
        DataSource::Cifar10 { dir } => readers::cifar::read_dir(&user(dir)),
        DataSource::Npz { path, side } => readers::npz_source::read(&user(path), side.as_ref()),
        DataSource::Csv { path, label_column } => readers::csv::read(&user(path), *label_column),
        DataSource::Blobs {
            n,
            centers,
            dim,
            std,
            seed,
        } => Ok(synthetic::blobs(*n, *centers, *dim, *std, *seed)),
        DataSource::Moons { n, noise, seed } => Ok(synthetic::moons(*n, *noise, *seed)),
        DataSource::SwissRoll {
            n,
            noise,
            seed,
            classes,
        } => Ok(synthetic::swiss_roll(*n, *noise, *classes, *seed)),
    }
}

/// Splits off the last `holdout` samples as the test split: `(train, test)`.
/// A holdout larger than the dataset takes everything (train is empty).
pub fn split(ds: Dataset, holdout: usize) -> (Dataset, Dataset) {
    let cut = ds.n.saturating_sub(holdout);
    let f = ds.features;
    let mut train = ds;
    let test = Dataset {
        x: train.x.split_off(cut * f),
        n: train.n - cut,
        features: f,
        image: train.image,
        labels: train.labels.split_off(cut),
        classes: train.classes,
        side: train.side.as_mut().map(|s| SideRows {
            key: s.key.clone(),
            features: s.features,
            values: s.values.split_off(cut * s.features),
        }),
    };
    train.n = cut;
    (train, test)
}

/// The folder of the bundled datasets: `$ICONC_DATA` when set (an installed
/// binary far from its source tree), else `<crate root>/data`, else `./data`.
pub fn bundled_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("ICONC_DATA") {
        return PathBuf::from(dir);
    }
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    if built.is_dir() {
        built
    } else {
        PathBuf::from("data")
    }
}

fn bundled_file(name: &str) -> Result<PathBuf, Diagnostic> {
    let path = bundled_dir().join(name);
    if path.is_file() {
        Ok(path)
    } else {
        Err(Diagnostic::bare(
            Code::BundledDataMissing,
            format!("bundled data file `{}` is missing", path.display()),
        )
        .with_help(
            "set ICONC_DATA to the folder of the bundled files, run iconc from the repository root (it reads ./data), or point an `Idx(images = ..., labels = ...)` source at the files",
        ))
    }
}

/// Checks the loaded data against what `iconc check` assumed.
fn check_against_spec(ds: &Dataset, spec: &ir::DataSpec) -> Result<(), Diagnostic> {
    // A zero in the spec means "not known at check time".
    if spec.features != 0 && spec.features != ds.features {
        return Err(Diagnostic::bare(
            Code::DataShapeMismatch,
            format!(
                "data has {} features per sample but the method was checked with {}",
                ds.features, spec.features
            ),
        )
        .with_help("re-run `iconc check` after changing the data file"));
    }
    if spec.classes != 0 && ds.classes > spec.classes {
        return Err(Diagnostic::bare(
            Code::DataShapeMismatch,
            format!(
                "data has labels up to {} but the method declares {} classes",
                ds.classes - 1,
                spec.classes
            ),
        )
        .with_help("re-run `iconc check` after changing the data file"));
    }
    let train = ds.n.saturating_sub(spec.holdout);
    let per_batch = (spec.batch / spec.views.max(1)).max(1);
    if spec.holdout >= ds.n || train < per_batch {
        return Err(Diagnostic::bare(
            Code::TooFewSamples,
            format!(
                "{} samples leave {} for training after holdout {}, fewer than one batch of {} samples",
                ds.n, train, spec.holdout, per_batch
            ),
        )
        .with_help("lower `holdout` or `batch`, or raise `limit`"));
    }
    Ok(())
}

/// A diagnostic about one file: `"{what} in `{path}`"`.
pub(crate) fn file_error(code: Code, path: &Path, what: impl std::fmt::Display) -> Diagnostic {
    Diagnostic::bare(code, format!("{what} in `{}`", path.display()))
}

/// Number of classes implied by labels (max + 1, at least 1).
pub(crate) fn classes_of(labels: &[i64]) -> usize {
    labels
        .iter()
        .copied()
        .max()
        .map_or(1, |m| (m.max(0) as usize) + 1)
}
