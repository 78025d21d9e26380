//! Bundled datasets load with the documented shapes, counts and scaling
//! (numbers from `data/README.md` / the shared datasets README).

use iconc::data::{self, Dataset};
use iconc::ir::{DataSource, DataSpec};
use std::path::Path;

fn spec(source: DataSource) -> DataSpec {
    DataSpec {
        source,
        views: 1,
        augment: vec![],
        batch: 64,
        holdout: 0,
        limit: None,
        modalities: None,
        pairs: Default::default(),
        local: Default::default(),
        features: 0,
        image: None,
        classes: 0,
        samples: None,
    }
}

fn counts(ds: &Dataset) -> Vec<usize> {
    let mut c = vec![0; ds.classes];
    for &l in &ds.labels {
        c[l as usize] += 1;
    }
    c
}

#[test]
fn mnist_loads_with_readme_counts_and_scaling() {
    let ds = data::load(&spec(DataSource::Mnist), Path::new(".")).unwrap();
    assert_eq!(
        (ds.n, ds.features, ds.image, ds.classes),
        (10_000, 784, Some((1, 28, 28)), 10)
    );
    assert_eq!(&ds.labels[..10], &[9, 3, 7, 0, 9, 7, 7, 9, 6, 5]);
    assert_eq!(
        counts(&ds),
        vec![1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]
    );
    // README: raw mean 33.44 → scaled mean 33.44 / 255 = 0.13114.
    let mean = ds.x.iter().map(|&v| f64::from(v)).sum::<f64>() / ds.x.len() as f64;
    assert!((mean - 33.44 / 255.0).abs() < 0.0005, "mean {mean}");
    assert!(ds.x.iter().all(|&v| (0.0..=1.0).contains(&v)));
}

#[test]
fn digits_loads_scaled_by_16() {
    let ds = data::load(&spec(DataSource::Digits), Path::new(".")).unwrap();
    assert_eq!((ds.n, ds.features, ds.image), (1_797, 64, Some((1, 8, 8))));
    assert_eq!(&ds.labels[..12], &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    assert_eq!(
        counts(&ds),
        vec![178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    );
    // README: raw mean 4.88 → 4.88 / 16 = 0.305.
    let mean = ds.x.iter().map(|&v| f64::from(v)).sum::<f64>() / ds.x.len() as f64;
    assert!((mean - 4.88 / 16.0).abs() < 0.001, "mean {mean}");
    assert_eq!(ds.x.iter().cloned().fold(0.0f32, f32::max), 1.0);
}

#[test]
fn limit_and_split_take_the_tail_as_test() {
    let mut s = spec(DataSource::Digits);
    s.limit = Some(100);
    s.holdout = 30;
    let ds = data::load(&s, Path::new(".")).unwrap();
    assert_eq!(ds.n, 100);
    let first_test_row = ds.row(70).unwrap().to_vec();
    let (train, test) = data::split(ds, 30);
    assert_eq!((train.n, test.n), (70, 30));
    assert_eq!((train.x.len(), test.x.len()), (70 * 64, 30 * 64));
    assert_eq!(test.row(0).unwrap(), first_test_row.as_slice());
    // Label of sample 70 read with python's gzip module: 1.
    assert_eq!(test.labels[0], 1);
}

#[test]
fn holdout_leaving_less_than_a_batch_is_an_error() {
    let mut s = spec(DataSource::Digits);
    s.limit = Some(100);
    s.holdout = 90;
    s.batch = 64;
    let err = data::load(&s, Path::new(".")).unwrap_err();
    assert_eq!(err.code, "E0608");
}

#[test]
fn spec_shape_disagreement_is_an_error() {
    let mut s = spec(DataSource::Digits);
    s.features = 784;
    assert_eq!(data::load(&s, Path::new(".")).unwrap_err().code, "E0606");
}

#[test]
fn known_shapes_match_loaded_data() {
    for src in [
        DataSource::Mnist,
        DataSource::Digits,
        DataSource::Moons {
            n: 50,
            noise: 0.1,
            seed: 1,
        },
        DataSource::Blobs {
            n: 40,
            centers: 3,
            dim: 5,
            std: 1.0,
            seed: 2,
        },
        DataSource::SwissRoll {
            n: 60,
            noise: 0.0,
            seed: 3,
            classes: 4,
        },
    ] {
        let k = src.known_shape().unwrap();
        let ds = data::read_source(&src, Path::new(".")).unwrap();
        assert_eq!(
            (k.samples, k.features, k.image, k.classes),
            (Some(ds.n), ds.features, ds.image, ds.classes)
        );
        assert!(ds.classes <= k.classes);
    }
}

#[test]
fn synthetic_generators_are_seeded_and_balanced() {
    let a = data::synthetic::blobs(100, 4, 3, 0.5, 7);
    assert_eq!(a, data::synthetic::blobs(100, 4, 3, 0.5, 7));
    assert_ne!(a.x, data::synthetic::blobs(100, 4, 3, 0.5, 8).x);
    // 100 over 4 blobs → 25 each.
    assert_eq!(counts(&a), vec![25, 25, 25, 25]);
    let m = data::synthetic::moons(101, 0.0, 1);
    assert_eq!(counts(&m), vec![50, 51]);
    // Noise-free moons: outer points lie on the unit circle, inner ones on the
    // unit circle centred at (1, 0.5).
    for i in 0..m.n {
        let (x, y) = (f64::from(m.x[2 * i]), f64::from(m.x[2 * i + 1]));
        let r = if m.labels[i] == 0 {
            x.hypot(y)
        } else {
            (x - 1.0).hypot(y - 0.5)
        };
        assert!((r - 1.0).abs() < 1e-5);
    }
    let s = data::synthetic::swiss_roll(600, 0.0, 6, 2);
    assert_eq!(s.classes, 6);
    assert!(counts(&s).iter().all(|&c| c > 60));
    // Noise-free roll: |(x, z)| = t ∈ [1.5π, 4.5π], and the label is t's bucket.
    for i in 0..s.n {
        let t = f64::from(s.x[3 * i]).hypot(f64::from(s.x[3 * i + 2]));
        let bucket = ((t - 1.5 * std::f64::consts::PI) / (3.0 * std::f64::consts::PI) * 6.0) as i64;
        assert!((bucket.min(5) - s.labels[i]).abs() <= 1 && t > 4.7 && t < 14.2);
    }
}
