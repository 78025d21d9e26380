//! Seeded synthetic datasets (scikit-learn's generators, re-derived).
//!
//! Samples are shuffled (with the same seed) so the held-out tail mixes all
//! classes.

use super::{rng, Dataset};
use std::f64::consts::PI;

/// Isotropic Gaussian blobs: `centers` centres uniform in [−10, 10]^dim, then
/// `n` points split as evenly as possible (the first `n mod centers` blobs get
/// one more), each `centre + std·N(0, I)`. Label = blob.
pub fn blobs(n: usize, centers: usize, dim: usize, std: f64, seed: u64) -> Dataset {
    let centers = centers.max(1);
    let mut r = rng::stream(seed, &[0xB10B]);
    let mu: Vec<f64> = (0..centers * dim)
        .map(|_| rng::uniform(&mut r, -10.0, 10.0))
        .collect();
    let mut rows = Vec::with_capacity(n);
    for c in 0..centers {
        let count = n / centers + usize::from(c < n % centers);
        for _ in 0..count {
            let x: Vec<f32> = (0..dim)
                .map(|d| (mu[c * dim + d] + std * rng::normal(&mut r)) as f32)
                .collect();
            rows.push((x, c as i64));
        }
    }
    shuffled(rows, dim, centers, seed)
}

/// Two interleaving half circles in 2-D: the outer moon (label 0)
/// `(cos t, sin t)` and the inner moon (label 1) `(1 − cos t, 1 − sin t − 0.5)`,
/// t evenly spaced in [0, π], plus N(0, noise²).
pub fn moons(n: usize, noise: f64, seed: u64) -> Dataset {
    let outer = n / 2;
    let inner = n - outer;
    let mut r = rng::stream(seed, &[0x300A]);
    let mut rows = Vec::with_capacity(n);
    let spaced = |i: usize, m: usize| {
        if m > 1 {
            PI * i as f64 / (m - 1) as f64
        } else {
            0.0
        }
    };
    for i in 0..outer {
        let t = spaced(i, outer);
        rows.push(([t.cos(), t.sin()], 0));
    }
    for i in 0..inner {
        let t = spaced(i, inner);
        rows.push(([1.0 - t.cos(), 1.0 - t.sin() - 0.5], 1));
    }
    let rows = rows
        .into_iter()
        .map(|(p, y)| {
            let x = p
                .iter()
                .map(|v| (v + noise * rng::normal(&mut r)) as f32)
                .collect();
            (x, y)
        })
        .collect();
    shuffled(rows, 2, 2, seed)
}

/// The 3-D swiss roll: t = 1.5π(1 + 2u), height 21v (u, v uniform),
/// point `(t cos t, 21v, t sin t)` + N(0, noise²). The label is t's bucket
/// among `classes` equal-width buckets of [1.5π, 4.5π].
pub fn swiss_roll(n: usize, noise: f64, classes: usize, seed: u64) -> Dataset {
    let classes = classes.max(1);
    let mut r = rng::stream(seed, &[0x5A11]);
    let rows = (0..n)
        .map(|_| {
            let u = rng::uniform(&mut r, 0.0, 1.0);
            let t = 1.5 * PI * (1.0 + 2.0 * u);
            let height = 21.0 * rng::uniform(&mut r, 0.0, 1.0);
            let p = [t * t.cos(), height, t * t.sin()];
            let x = p
                .iter()
                .map(|v| (v + noise * rng::normal(&mut r)) as f32)
                .collect();
            let label = ((u * classes as f64) as usize).min(classes - 1) as i64;
            (x, label)
        })
        .collect();
    shuffled(rows, 3, classes, seed)
}

/// Shuffles (x, label) rows with a stream from `seed` and packs a dataset.
fn shuffled(rows: Vec<(Vec<f32>, i64)>, features: usize, classes: usize, seed: u64) -> Dataset {
    let n = rows.len();
    let mut r = rng::stream(seed, &[0x5487]);
    let order = rng::permutation(&mut r, n);
    let mut x = Vec::with_capacity(n * features);
    let mut labels = Vec::with_capacity(n);
    for i in order {
        x.extend_from_slice(&rows[i].0);
        labels.push(rows[i].1);
    }
    Dataset {
        x,
        n,
        features,
        image: None,
        labels,
        classes,
        side: None,
    }
}
