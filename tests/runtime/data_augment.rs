//! Augmentations: exact small cases (flip, 90° rotation, translation,
//! full-scale crop) and invariants (range, determinism, vectors get noise only).

use iconc::data::augment::{self, affine, hflip};
use iconc::ir::Augment;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

const SQUARE: [f32; 9] = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];

fn close(a: &[f32], b: &[f32]) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() < 1e-5, "{a:?} vs {b:?}");
    }
}

#[test]
fn flip_mirrors_rows() {
    let mut x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    hflip(&mut x, (1, 2, 3));
    assert_eq!(x, [3.0, 2.0, 1.0, 6.0, 5.0, 4.0]);
}

#[test]
fn affine_rotation_and_translation() {
    close(&affine(&SQUARE, (1, 3, 3), 0.0, 0.0, 0.0), &SQUARE);
    // Inverse map at 90°: out[y][x] = src[2 − x][y] (centre (1, 1)):
    // rows [6 3 0], [7 4 1], [8 5 2].
    let r = affine(&SQUARE, (1, 3, 3), std::f64::consts::FRAC_PI_2, 0.0, 0.0);
    close(&r, &[6.0, 3.0, 0.0, 7.0, 4.0, 1.0, 8.0, 5.0, 2.0]);
    // Shift right by one pixel: out[y][x] = src[y][x − 1], zero-filled column 0.
    let t = affine(&SQUARE, (1, 3, 3), 0.0, 1.0, 0.0);
    close(&t, &[0.0, 0.0, 1.0, 0.0, 3.0, 4.0, 0.0, 6.0, 7.0]);
}

#[test]
fn crop_at_full_scale_is_identity_and_crops_stay_in_range() {
    let img: Vec<f32> = (0..28 * 28).map(|i| (i % 29) as f32 / 28.0).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let same = augment::apply(
        &img,
        Some((1, 28, 28)),
        &[Augment::Crop {
            scale: 1.0,
            max_scale: 1.0,
        }],
        &mut rng,
    );
    close(&same, &img);
    for seed in 0..20 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let out = augment::apply(
            &img,
            Some((1, 28, 28)),
            &[Augment::Crop {
                scale: 0.3,
                max_scale: 1.0,
            }],
            &mut rng,
        );
        assert_eq!(out.len(), img.len());
        // Bilinear interpolation is a convex combination of pixels.
        assert!(out.iter().all(|&v| (0.0..=1.0 + 1e-6).contains(&v)));
    }
}

#[test]
fn recipes_are_deterministic_per_seed() {
    let img: Vec<f32> = (0..3 * 8 * 8).map(|i| (i % 7) as f32 / 7.0).collect();
    let recipe = [
        Augment::Crop {
            scale: 0.5,
            max_scale: 1.0,
        },
        Augment::Flip { p: 0.5 },
        Augment::Affine {
            degrees: 15.0,
            translate: 0.1,
        },
        Augment::Jitter { strength: 0.4 },
        Augment::Noise { std: 0.05 },
    ];
    let run = |seed| {
        augment::apply(
            &img,
            Some((3, 8, 8)),
            &recipe,
            &mut ChaCha8Rng::seed_from_u64(seed),
        )
    };
    assert_eq!(run(5), run(5));
    assert_ne!(run(5), run(6));
}

#[test]
fn jitter_keeps_unit_range_and_zero_strength_is_identity() {
    let img: Vec<f32> = (0..3 * 4 * 4).map(|i| (i % 5) as f32 / 4.0).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let same = augment::apply(
        &img,
        Some((3, 4, 4)),
        &[Augment::Jitter { strength: 0.0 }],
        &mut rng,
    );
    close(&same, &img);
    for seed in 0..20 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let out = augment::apply(
            &img,
            Some((3, 4, 4)),
            &[Augment::Jitter { strength: 1.0 }],
            &mut rng,
        );
        assert!(out.iter().all(|&v| (0.0..=1.0).contains(&v)));
    }
}

#[test]
fn vectors_get_noise_only() {
    let v = vec![0.0f32; 4000];
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let geo = [
        Augment::Crop {
            scale: 0.2,
            max_scale: 1.0,
        },
        Augment::Flip { p: 1.0 },
        Augment::Jitter { strength: 1.0 },
    ];
    assert_eq!(
        augment::apply(&[1.0, 2.0, 3.0], None, &geo, &mut rng),
        vec![1.0, 2.0, 3.0]
    );
    let noisy = augment::apply(&v, None, &[Augment::Noise { std: 0.5 }], &mut rng);
    let n = noisy.len() as f64;
    let mean = noisy.iter().map(|&x| f64::from(x)).sum::<f64>() / n;
    let sd = (noisy
        .iter()
        .map(|&x| (f64::from(x) - mean).powi(2))
        .sum::<f64>()
        / n)
        .sqrt();
    // 4000 samples: the std of the sample mean is 0.5/√4000 ≈ 0.008.
    assert!(
        mean.abs() < 0.04 && (sd - 0.5).abs() < 0.03,
        "mean {mean} sd {sd}"
    );
}

/// `Crop(scale, max_scale)` keeps between `scale` and `max_scale` of the
/// area: on an image whose pixel is its column, a crop of width `cw` resized
/// back spans about `cw` columns, and `cw ≤ √(area · max_scale · 4/3)`
/// (aspect ≤ 4/3), ≥ √(area · scale · 3/4) for the global crop.
#[test]
fn crop_keeps_between_scale_and_max_scale_of_the_area() {
    let img: Vec<f32> = (0..28 * 28).map(|i| (i % 28) as f32).collect();
    let span = |out: &[f32]| {
        let row = &out[14 * 28..15 * 28];
        let (lo, hi) = row
            .iter()
            .fold((f32::MAX, f32::MIN), |(a, b), &v| (a.min(v), b.max(v)));
        hi - lo
    };
    let area = 28.0f64 * 28.0;
    for seed in 0..50 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let local = Augment::Crop {
            scale: 0.05,
            max_scale: 0.1,
        };
        let out = augment::apply(&img, Some((1, 28, 28)), &[local], &mut rng);
        let widest = (area * 0.1 * 4.0 / 3.0).sqrt();
        assert!(
            f64::from(span(&out)) <= widest,
            "local crop spans {}",
            span(&out)
        );
        let global = Augment::Crop {
            scale: 0.9,
            max_scale: 1.0,
        };
        let out = augment::apply(&img, Some((1, 28, 28)), &[global], &mut rng);
        let narrowest = (area * 0.9 * 3.0 / 4.0).sqrt() - 2.0; // minus the resampled edges
        assert!(
            f64::from(span(&out)) >= narrowest,
            "global crop spans {}",
            span(&out)
        );
    }
}
