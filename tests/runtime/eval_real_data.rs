//! Metrics on real data: sanity ranges plus a speed check.
//!
//! Raw UCI digits (x / 16), 1,300 train / last 497 held out. kNN on raw
//! pixels is a strong baseline (> 0.95 here). The probe converges to 0.9235 on
//! this split (measured: the same accuracy at 300, 1,000, 3,000 and 10,000
//! iterations, train accuracy 1.0), 0.9135 at 100 iterations. A bug in
//! neighbour selection or in the probe's gradient drops far below these.

use iconc::data::{self, Dataset};
use iconc::ir::{DataSource, DataSpec};
use iconc::metrics::*;
use std::path::Path;

fn digits() -> (Dataset, Dataset) {
    let spec = DataSpec {
        source: DataSource::Digits,
        views: 1,
        augment: vec![],
        batch: 64,
        holdout: 497,
        limit: None,
        modalities: None,
        pairs: Default::default(),
        local: Default::default(),
        features: 64,
        image: Some((1, 8, 8)),
        classes: 10,
        samples: None,
    };
    data::split(data::load(&spec, Path::new(".")).unwrap(), 497)
}

#[test]
fn knn_and_probe_on_raw_digits() {
    let (tr, te) = digits();
    let knn = knn_accuracy(&tr.x, &tr.labels, &te.x, &te.labels, 64, KNN_K);
    println!("digits: knn {knn:.4}");
    assert!(knn > 0.95, "knn {knn}");
    // 100 iterations instead of PROBE_ITERATIONS keeps this debug-build test fast.
    let fitted = LinearProbe::fit(&tr.x, &tr.labels, 64, 10, 100).unwrap();
    let hits = fitted
        .predict(&te.x)
        .iter()
        .zip(&te.labels)
        .filter(|(p, y)| p == y)
        .count();
    let probe = hits as f64 / te.n as f64;
    println!("digits: probe {probe:.4}");
    assert!(probe > 0.90, "probe {probe}");
    // Identity "embedding": trustworthiness 1 exactly.
    let t = trustworthiness(&te.x, 64, &te.x, 64, TRUST_K);
    assert_eq!(t, 1.0);
    // Clustering scores of the true labels are perfect.
    assert_eq!(hungarian_accuracy(&te.labels, &te.labels), 1.0);
    assert!((nmi(&te.labels, &te.labels) - 1.0).abs() < 1e-12);
    assert!((ari(&te.labels, &te.labels) - 1.0).abs() < 1e-12);
}

/// 2,000 MNIST points: kNN (1,600 → 400) and trustworthiness (784-D → 2-D).
/// Run with `cargo test --release --test runtime eval_real_data -- --ignored --nocapture`.
#[test]
#[ignore = "timing check; meaningful only in release builds"]
fn metrics_on_2000_points_are_fast() {
    let spec = DataSpec {
        source: DataSource::Mnist,
        views: 1,
        augment: vec![],
        batch: 64,
        holdout: 400,
        limit: Some(2000),
        modalities: None,
        pairs: Default::default(),
        local: Default::default(),
        features: 784,
        image: Some((1, 28, 28)),
        classes: 10,
        samples: None,
    };
    let ds = data::load(&spec, Path::new(".")).unwrap();
    let emb: Vec<f32> =
        ds.x.chunks_exact(784)
            .flat_map(|r| [r[200], r[400]])
            .collect();
    let t0 = std::time::Instant::now();
    let trust = trustworthiness(&ds.x, 784, &emb, 2, TRUST_K);
    let t_trust = t0.elapsed();
    let (tr, te) = data::split(ds, 400);
    let t0 = std::time::Instant::now();
    let knn = knn_accuracy(&tr.x, &tr.labels, &te.x, &te.labels, 784, KNN_K);
    let t_knn = t0.elapsed();
    let t0 = std::time::Instant::now();
    let probe = linear_probe_accuracy(&tr.x, &tr.labels, &te.x, &te.labels, 784, 10);
    let t_probe = t0.elapsed();
    println!("trust {trust:.4} in {t_trust:?}; knn {knn:.4} in {t_knn:?}; probe {probe:.4} in {t_probe:?}");
    assert!(knn > 0.85);
}
