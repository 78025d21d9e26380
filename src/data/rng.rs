//! Deterministic random streams: one ChaCha8 stream per (seed, purpose, …) key,
//! so a sample's augmentation never depends on thread scheduling.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// splitmix64 finaliser: a good 64-bit mixer.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A stream keyed by `seed` and any number of integers (epoch, sample, view…).
pub(crate) fn stream(seed: u64, parts: &[u64]) -> ChaCha8Rng {
    let mut h = mix(seed);
    for &p in parts {
        h = mix(h ^ mix(p));
    }
    ChaCha8Rng::seed_from_u64(h)
}

/// A standard normal sample (Box–Muller; one of the pair is discarded for simplicity).
pub(crate) fn normal(rng: &mut impl Rng) -> f64 {
    // u1 in (0, 1] so ln(u1) is finite.
    let u1 = 1.0 - rng.random::<f64>();
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Uniform in [lo, hi) (returns lo when the range is empty).
pub(crate) fn uniform(rng: &mut impl Rng, lo: f64, hi: f64) -> f64 {
    if hi > lo {
        lo + (hi - lo) * rng.random::<f64>()
    } else {
        lo
    }
}

/// Fisher–Yates permutation of `0..n`.
pub(crate) fn permutation(rng: &mut impl Rng, n: usize) -> Vec<usize> {
    let mut p: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = rng.random_range(0..=i);
        p.swap(i, j);
    }
    p
}
