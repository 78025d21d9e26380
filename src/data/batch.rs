//! Shuffled, augmented training batches in the spec's §2.4 layout.
//!
//! A batch takes N = batch / views source samples and stacks their views as
//! `[view 0 of all N; view 1 of all N; …]` with `index` repeated per view, so
//! the positives of row r are `(r mod N) + tN`. Cross-modal data instead has
//! N rows with `x` = modality A and `x1` = modality B.
//!
//! Batches are built off the training thread: a producer thread builds them
//! (augmenting the rows in parallel with rayon) into a bounded channel a couple
//! of batches deep. Every random choice comes from a stream keyed by
//! (seed, epoch) for the shuffle and (seed, epoch, sample, view) for the
//! augmentation, so the result does not depend on thread scheduling.

use super::{augment, rng, Dataset};
use crate::ir::{Augment, DataSpec, Modalities, Pairs};
use rand::Rng;
use rayon::prelude::*;
use std::sync::{mpsc, Arc};

/// One batch on the host, ready to become tensors.
#[derive(Debug, Clone, PartialEq)]
pub struct HostBatch {
    /// Rows B (views × N, or N for cross-modal data).
    pub rows: usize,
    /// rows×F, row-major.
    pub x: Vec<f32>,
    /// The second modality (rows×F) for cross-modal data.
    pub x1: Option<Vec<f32>>,
    /// Label per row.
    pub label: Vec<i64>,
    /// Dataset index of the source sample per row (repeated across views).
    pub index: Vec<i64>,
    /// The data's side array (`Npz(side = g)`): its key and rows×F_g values,
    /// the row of the image each row shows.
    pub side: Option<(String, Vec<f32>)>,
}

impl HostBatch {
    /// The batch's float keys, each `(name, rows×cols values, cols)`: `x`
    /// when it has features (see `session::step_reads_features`), the side
    /// array, `x1`. The one list both the device batch and p's host keys
    /// are made from.
    pub fn float_keys(&self) -> Vec<(&str, &[f32], usize)> {
        let cols = |v: &[f32]| v.len() / self.rows.max(1);
        let mut keys = Vec::with_capacity(3);
        if !self.x.is_empty() {
            keys.push(("x", self.x.as_slice(), cols(&self.x)));
        }
        if let Some((key, g)) = &self.side {
            keys.push((key.as_str(), g.as_slice(), cols(g)));
        }
        if let Some(x1) = &self.x1 {
            keys.push(("x1", x1.as_slice(), cols(x1)));
        }
        keys
    }

    /// The batch's int keys: `label` and `index`, one value per row.
    pub fn int_keys(&self) -> [(&str, &[i64]); 2] {
        [("label", &self.label), ("index", &self.index)]
    }
}

/// Batches prefetched ahead of the consumer.
const PREFETCH: usize = 2;

// Stream tags so the shuffle and the augmentations never share a stream.
const TAG_SHUFFLE: u64 = 0x5348_5546;
const TAG_VIEW: u64 = 0x5649_4557;
const TAG_PAIR: u64 = 0x5041_4952;

/// Yields the batches of one epoch at a time (see the module docs).
#[derive(Debug, Clone)]
pub struct Batcher {
    ds: Arc<Dataset>,
    views: usize,
    sources: usize,
    rows: usize,
    augment: Arc<[Augment]>,
    /// Multi-crop: views `first_local..views` use `local_augment`.
    first_local: usize,
    local_augment: Arc<[Augment]>,
    modalities: Option<Modalities>,
    /// What view 1 of a source shows (`pairs = …`).
    pairs: Pairs,
    /// `pairs = label`: the training samples of each label, in dataset
    /// order, from which view 1 of a source draws its partner.
    label_members: Option<Arc<Vec<Vec<usize>>>>,
    /// `pairs = neighbors`: p's data-set table, set by [`Batcher::with_partners`].
    partners: Option<Arc<Partners>>,
    seed: u64,
    /// Whether batches carry `x` (a step that reads only `index` skips it).
    features: bool,
}

impl Batcher {
    /// A batcher over `ds` (usually the training split) with the views,
    /// batch size, augmentations and modalities of `spec`.
    pub fn new(ds: Arc<Dataset>, spec: &DataSpec, seed: u64) -> Self {
        Batcher {
            views: spec.views.max(1),
            sources: sources_per_batch(spec),
            rows: rows_per_batch(spec),
            augment: spec.augment.clone().into(),
            first_local: spec.views.max(1).saturating_sub(spec.local.views),
            local_augment: spec.local.augment.clone().into(),
            modalities: spec.modalities.clone(),
            pairs: spec.pairs,
            label_members: (spec.pairs == Pairs::Label).then(|| Arc::new(members_by_label(&ds))),
            partners: None,
            ds,
            seed,
            features: true,
        }
    }

    /// Batches without `x` (empty), for steps that read only `index` and
    /// `label`: a 10,000-image t-SNE table skips a 31 MB copy per step.
    /// Cross-modal batches keep theirs.
    pub fn without_features(mut self) -> Self {
        self.features = false;
        self
    }

    /// Draws the partners of `pairs = neighbors` from `partners` (p's
    /// data-set table over the same training rows). Without it such a
    /// batcher pairs every source with itself.
    pub fn with_partners(mut self, partners: Partners) -> Self {
        self.partners = Some(Arc::new(partners));
        self
    }

    /// N: source samples per batch.
    pub fn sources_per_batch(&self) -> usize {
        self.sources
    }

    /// Rows per batch: views × N, or N for cross-modal data.
    pub fn rows(&self) -> usize {
        self.rows
    }
}

/// N = batch / views source samples per batch (at least 1).
fn sources_per_batch(spec: &DataSpec) -> usize {
    (spec.batch / spec.views.max(1)).max(1)
}

/// The rows of each batch `spec` makes (what [`Batcher::rows`] returns), known
/// before any data is read: views × N, or N for cross-modal data.
pub fn rows_per_batch(spec: &DataSpec) -> usize {
    let sources = sources_per_batch(spec);
    if spec.modalities.is_some() {
        sources
    } else {
        spec.views.max(1) * sources
    }
}

impl Batcher {
    /// Full batches per epoch (the last incomplete batch is dropped).
    pub fn batches_per_epoch(&self) -> usize {
        self.ds.n / self.sources
    }

    /// The dataset order of `epoch`: a permutation seeded by (seed, epoch).
    pub fn order(&self, epoch: usize) -> Vec<usize> {
        // Decision: a batch that holds the whole data set is taken in dataset
        // order. Shuffling its rows changes nothing but float summation order,
        // and a fixed order lets `p_cache` reuse p across steps.
        if self.sources >= self.ds.n {
            return (0..self.ds.n).collect();
        }
        let mut r = rng::stream(self.seed, &[TAG_SHUFFLE, epoch as u64]);
        rng::permutation(&mut r, self.ds.n)
    }

    /// The batches of `epoch`, built on a producer thread a couple of batches ahead.
    /// Dropping the iterator stops the producer.
    pub fn epoch(&self, epoch: usize) -> impl Iterator<Item = HostBatch> + Send + 'static {
        let (tx, rx) = mpsc::sync_channel(PREFETCH);
        let me = self.clone();
        std::thread::spawn(move || {
            crate::runtime::float_mode::flush_this_thread();
            let order = me.order(epoch);
            for chunk in order.chunks_exact(me.sources) {
                if tx.send(me.build(epoch, chunk)).is_err() {
                    break; // consumer gone
                }
            }
        });
        rx.into_iter()
    }

    /// View `view` of every sample in dataset order (n×F), augmented as in
    /// training with the streams of `epoch`: e.g. views 0 and 1 of the test
    /// split for the alignment metric. A copy of `x` without augmentation.
    pub fn view_of_all(&self, epoch: usize, view: usize) -> Vec<f32> {
        let rows: Vec<Vec<f32>> = (0..self.ds.n)
            .into_par_iter()
            .map(|s| self.view(epoch, s, view))
            .collect();
        rows.concat()
    }

    /// Builds the batch of the given dataset samples (synchronously).
    pub fn build(&self, epoch: usize, samples: &[usize]) -> HostBatch {
        match &self.modalities {
            None => self.build_views(epoch, samples),
            Some(m) => self.build_cross(epoch, samples, m),
        }
    }

    fn build_views(&self, epoch: usize, samples: &[usize]) -> HostBatch {
        let n = samples.len();
        let images: Vec<usize> = (0..self.views * n)
            .map(|r| self.image_of(epoch, samples[r % n], r / n))
            .collect();
        let rows: Vec<Vec<f32>> = if self.features {
            images
                .par_iter()
                .enumerate()
                .map(|(r, &image)| self.view(epoch, image, r / n))
                .collect()
        } else {
            Vec::new()
        };
        // `index` is the pair id, the source sample for both rows of a pair,
        // except for neighbour partners: a data-set p finds those by their own
        // image's index.
        let index: Vec<i64> = match self.pairs {
            Pairs::Neighbors => images.iter().map(|&i| i as i64).collect(),
            Pairs::Views | Pairs::Label => (0..self.views)
                .flat_map(|_| samples.iter().map(|&s| s as i64))
                .collect(),
        };
        HostBatch {
            rows: self.views * n,
            x: rows.concat(),
            x1: None,
            label: self.labels_of(&index),
            index,
            // A side array is not augmented: each row gets its image's row.
            side: self
                .ds
                .side
                .as_ref()
                .map(|s| s.gather(images.iter().copied())),
        }
    }

    /// The image that view `view` of source `s` shows: `s` itself, or for
    /// view 1 another training image of `s`'s label (`pairs = label`) or one
    /// of its neighbours (`pairs = neighbors`), drawn from the stream
    /// (seed, epoch, s).
    fn image_of(&self, epoch: usize, s: usize, view: usize) -> usize {
        if view != 1 {
            return s;
        }
        // One stream per (seed, epoch, source) for either kind of partner.
        let mut r = rng::stream(self.seed, &[TAG_PAIR, epoch as u64, s as u64]);
        if let Some(partners) = self.partners.as_deref() {
            return partners.draw(s, &mut r);
        }
        let Some(members) = self.label_members.as_deref() else {
            return s;
        };
        let label = self.ds.labels.get(s).copied().unwrap_or(-1);
        let Some(same) = usize::try_from(label).ok().and_then(|l| members.get(l)) else {
            return s;
        };
        // A label with one image pairs it with itself.
        let others = same.len().saturating_sub(1);
        if others == 0 {
            return s;
        }
        let k = r.random_range(0..others);
        // The k-th member that is not `s` (members are sorted).
        let at = same.partition_point(|&m| m < s);
        if k < at {
            same[k]
        } else {
            same[k + 1]
        }
    }

    fn build_cross(&self, epoch: usize, samples: &[usize], m: &Modalities) -> HostBatch {
        let pairs: Vec<(Vec<f32>, Vec<f32>)> = samples
            .par_iter()
            .map(|&s| match m {
                Modalities::Views => (self.view(epoch, s, 0), self.view(epoch, s, 1)),
                Modalities::Halves => halves(&self.view(epoch, s, 0), self.ds.image),
            })
            .collect();
        let (a, b): (Vec<Vec<f32>>, Vec<Vec<f32>>) = pairs.into_iter().unzip();
        let index: Vec<i64> = samples.iter().map(|&s| s as i64).collect();
        HostBatch {
            rows: samples.len(),
            x: a.concat(),
            x1: Some(b.concat()),
            label: self.labels_of(&index),
            index,
            side: self
                .ds
                .side
                .as_ref()
                .map(|s| s.gather(samples.iter().copied())),
        }
    }

    /// View `view` of sample `s` in `epoch`: the augmented row (a copy when
    /// there is no augmentation).
    fn view(&self, epoch: usize, s: usize, view: usize) -> Vec<f32> {
        let row = self.ds.row(s).unwrap_or(&[]);
        let recipe = if view >= self.first_local && !self.local_augment.is_empty() {
            &self.local_augment
        } else {
            &self.augment
        };
        if recipe.is_empty() {
            return row.to_vec();
        }
        let mut r = rng::stream(self.seed, &[TAG_VIEW, epoch as u64, s as u64, view as u64]);
        augment::apply(row, self.ds.image, recipe, &mut r)
    }

    fn labels_of(&self, index: &[i64]) -> Vec<i64> {
        index
            .iter()
            .map(|&i| self.ds.labels.get(i as usize).copied().unwrap_or(-1))
            .collect()
    }
}

/// The partner table of `pairs = neighbors`: for each training row, the rows
/// a partner is drawn from and their weights (p's data-set table, P_sj).
#[derive(Debug, Clone, PartialEq)]
pub struct Partners {
    rows: Vec<Vec<(u32, f64)>>,
}

impl Partners {
    /// Row s: `(j, w_sj)`; entries with `w ≤ 0` (or NaN) are never drawn.
    pub fn new(rows: Vec<Vec<(u32, f64)>>) -> Self {
        let rows = rows
            .into_iter()
            .map(|row| row.into_iter().filter(|e| e.1 > 0.0).collect())
            .collect();
        Partners { rows }
    }

    /// A row drawn from row `s` with probability ∝ w_sj (`s` itself when the
    /// row is empty or missing).
    pub fn draw(&self, s: usize, r: &mut impl Rng) -> usize {
        let Some(row) = self.rows.get(s).filter(|row| !row.is_empty()) else {
            return s;
        };
        let total: f64 = row.iter().map(|e| e.1).sum();
        let mut u = r.random::<f64>() * total;
        for &(j, w) in row {
            if u < w {
                return j as usize;
            }
            u -= w;
        }
        row.last().map_or(s, |e| e.0 as usize) // rounding at the top end
    }
}

/// The samples of each label, in dataset order (labels outside 0..C skipped).
fn members_by_label(ds: &Dataset) -> Vec<Vec<usize>> {
    let mut members = vec![Vec::new(); ds.classes];
    for (s, &label) in ds.labels.iter().enumerate().take(ds.n) {
        if let Some(m) = usize::try_from(label).ok().and_then(|l| members.get_mut(l)) {
            m.push(s);
        }
    }
    members
}

/// Splits one sample into (top half, bottom half), each zero-padded to the
/// full size. Images split by rows (per channel); vectors split at F/2.
// Decision: for odd heights the middle row goes to the bottom half.
pub fn halves(row: &[f32], image: Option<(usize, usize, usize)>) -> (Vec<f32>, Vec<f32>) {
    let mut top = row.to_vec();
    let mut bottom = row.to_vec();
    match image {
        Some((c, h, w)) if c * h * w == row.len() => {
            let cut = h / 2;
            for ch in 0..c {
                let plane = ch * h * w;
                top[plane + cut * w..plane + h * w].fill(0.0);
                bottom[plane..plane + cut * w].fill(0.0);
            }
        }
        _ => {
            let cut = row.len() / 2;
            top[cut..].fill(0.0);
            bottom[..cut].fill(0.0);
        }
    }
    (top, bottom)
}
