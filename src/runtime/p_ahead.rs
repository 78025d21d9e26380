//! p one batch ahead, off the training thread (issue 9, item 4).
//!
//! The supervisory p of a batch depends only on the batch's data keys, never
//! on the model, so a thread between the data producer and the training loop
//! computes it while the training thread runs the previous step's forward
//! and backward passes. On a parametric t-SNE step (512 rows of MNIST) p was
//! a fifth of the step.
//!
//! ```text
//! Batcher thread ──HostBatch──► p-ahead thread ──(HostBatch, p)──► training thread
//!                                 compute_host_p                    p_cache::seed, then
//!                                                                   the loss looks p up
//! ```
//!
//! The value is handed over through `p_cache`: the training thread seeds its
//! entry just before it takes the batch, and the loss then finds it with the
//! cache's usual exact comparison of p's inputs. So a run is bit for bit the
//! same with and without this thread (it computes with the same function),
//! and any batch whose seed does not match is recomputed as before. An error
//! in p is not reported here: the training thread recomputes that batch and
//! reports it itself.

use crate::check::DATA_KEYS;
use crate::data::HostBatch;
use crate::ir::{self, KernelExpr, Layout};
use crate::runtime::kernels::host::{FloatArray, HostKeys};
use crate::runtime::kernels::{self};
use crate::runtime::loss::compute_host_p;
use crate::runtime::loss_tiles::{tile_rows, Tiling};
use crate::runtime::p_cache::{self, HostP};
use crate::runtime::sparse_loss;
use std::collections::BTreeSet;
use std::sync::mpsc::{self, Receiver};
use std::sync::Arc;

/// Batches computed ahead of the training thread (each holds a B×B p).
const AHEAD: usize = 1;

/// What the training thread seeds its p cache with before a batch.
struct Seed {
    inputs: HostKeys,
    value: Arc<HostP>,
}

/// The batches of an epoch, with p computed ahead when [`runs_ahead`].
pub struct Batches<I>(Source<I>);

enum Source<I> {
    /// p is computed in the loss, as without this module.
    Direct(I),
    /// From the p-ahead thread.
    Ahead {
        rx: Receiver<(HostBatch, Option<Seed>)>,
        expr: KernelExpr,
        layout: Layout,
    },
}

impl<I: Iterator<Item = HostBatch>> Iterator for Batches<I> {
    type Item = HostBatch;
    fn next(&mut self) -> Option<HostBatch> {
        match &mut self.0 {
            Source::Direct(it) => it.next(),
            Source::Ahead { rx, expr, layout } => {
                let (batch, seed) = rx.recv().ok()?;
                if let Some(seed) = seed {
                    p_cache::seed(expr, *layout, seed.inputs, seed.value);
                }
                Some(batch)
            }
        }
    }
}

/// Whether the loss of `method` computes p from the batch's data keys alone,
/// untiled, in the dense path: only then is there a p to compute ahead.
/// `rows` is the batch's row count and `tiling` the loss's.
pub fn runs_ahead(method: &ir::Method, rows: usize, tiling: Tiling) -> bool {
    let keys = kernels::keys_of(&method.p);
    let data_key = |k: &String| {
        DATA_KEYS.contains(&k.as_str()) || method.data.source.side_key() == Some(k.as_str())
    };
    !keys.is_empty()
        && keys.iter().all(data_key)
        && sparse_loss::BarnesHut::of(method).is_none()
        && tile_rows(method, rows, tiling).is_none()
}

/// `batches` with p computed one batch ahead on a thread of its own when
/// [`runs_ahead`]; otherwise `batches` unchanged. Dropping the result stops
/// the thread (and with it the producer behind it).
pub fn ahead<I>(method: &ir::Method, rows: usize, tiling: Tiling, batches: I) -> Batches<I>
where
    I: Iterator<Item = HostBatch> + Send + 'static,
{
    if !runs_ahead(method, rows, tiling) {
        return Batches(Source::Direct(batches));
    }
    let (tx, rx) = mpsc::sync_channel(AHEAD);
    let (expr, layout, keys) = (method.p.clone(), method.layout, kernels::keys_of(&method.p));
    let worker_expr = expr.clone();
    std::thread::spawn(move || {
        crate::runtime::float_mode::flush_this_thread();
        // The last value sent: a batch with the same p inputs (a full-batch
        // cell) finds it in this thread's cache and needs no new seed.
        let mut sent: Option<Arc<HostP>> = None;
        // One thread of its own, not the shared pool: p's parallel loops
        // queued behind the GEMMs' tasks stalled the training thread
        // (forward 8.7 → 14 ms a step); one OS thread beside them costs it
        // little (measured: 21.7 → 26.1–27.1 steps/s on parametric t-SNE).
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .start_handler(|_| crate::runtime::float_mode::flush_this_thread())
            .build();
        for batch in batches {
            let inputs = host_keys_of(&batch, &keys);
            let compute = || {
                p_cache::host_p(&worker_expr, layout, inputs.clone(), |hb| {
                    compute_host_p(&worker_expr, layout, hb)
                })
            };
            let value = match &pool {
                Ok(pool) => pool.install(compute),
                Err(_) => compute(),
            };
            let seed = match value {
                Ok(v) if sent.as_ref().is_some_and(|s| Arc::ptr_eq(s, &v)) => None,
                Ok(v) => {
                    sent = Some(Arc::clone(&v));
                    Some(Seed { inputs, value: v })
                }
                Err(_) => None, // the training thread recomputes and reports it
            };
            if tx.send((batch, seed)).is_err() {
                break; // training thread gone
            }
        }
    });
    Batches(Source::Ahead { rx, expr, layout })
}

/// The host keys `HostKeys::from_batch` would copy back from the device
/// batch that `session::host_keys` makes of `batch` (both read the batch's
/// keys from [`HostBatch::float_keys`] and [`HostBatch::int_keys`]; f32 → f64
/// is exact), so the training thread's cache lookup matches.
fn host_keys_of(batch: &HostBatch, keys: &BTreeSet<String>) -> HostKeys {
    let mut host = HostKeys::default();
    for (name, values, cols) in batch.float_keys() {
        if keys.contains(name) {
            let data = values.iter().map(|&v| f64::from(v)).collect();
            let array = FloatArray {
                rows: batch.rows,
                cols,
                data,
            };
            host.floats.insert(name.to_string(), array);
        }
    }
    for (name, values) in batch.int_keys() {
        if keys.contains(name) {
            host.ints.insert(name.to_string(), values.to_vec());
        }
    }
    host
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::train::session::host_keys;

    /// The keys this thread seeds with are the ones the loss reads back from
    /// the device batch, so a seed is found (and a run is the same with it).
    #[test]
    fn seeded_keys_equal_the_device_read_back() {
        type B = burn::backend::NdArray<f32>;
        let batch = HostBatch {
            rows: 3,
            x: vec![0.1, 0.2, 0.3, 0.4, 0.5, 1.0 / 3.0],
            x1: None,
            label: vec![2, 0, 2],
            index: vec![7, 8, 9],
            side: Some(("g".into(), vec![1.5, -2.0, 0.25])),
        };
        let keys: BTreeSet<String> = ["x", "label", "index", "g"].map(String::from).into();
        let device = Default::default();
        let read_back = HostKeys::from_batch(&host_keys::<B>(&batch, &device), &keys).unwrap();
        assert_eq!(host_keys_of(&batch, &keys), read_back);
        let only_x: BTreeSet<String> = ["x".to_string()].into();
        let read_back = HostKeys::from_batch(&host_keys::<B>(&batch, &device), &only_x).unwrap();
        assert_eq!(host_keys_of(&batch, &only_x), read_back);
    }
}
