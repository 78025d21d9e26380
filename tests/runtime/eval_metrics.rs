//! Evaluation metrics against hand-computed values (arithmetic in comments).

use iconc::metrics::*;

fn close(a: f64, b: f64, tol: f64) {
    assert!((a - b).abs() <= tol, "{a} vs {b}");
}

#[test]
fn knn_cosine_majority_and_ties() {
    // Class 0 along the x axis, class 1 along the y axis; (0, 3) shows scale is ignored.
    let train = [1.0, 0.0, 1.0, 0.1, 2.0, 0.05, 0.0, 1.0, 0.1, 1.0, 0.0, 3.0];
    let labels = [0, 0, 0, 1, 1, 1];
    let test = [1.0, 0.01, 0.05, 1.0, 1.0, 1.0];
    // k = 3. Test (1,1): cos with train = .707, .774, .725, .707, .774, .707;
    // the top 3 are idx 1 (.774), idx 4 (.774, tie → lower index first), idx 2 (.725)
    // → labels 0, 1, 0 → vote 0. The first two test points are unambiguous.
    close(
        knn_accuracy(&train, &labels, &test, &[0, 1, 0], 2, 3),
        1.0,
        0.0,
    );
    // k = 2: (1,1) gets labels {0, 1}, a tie broken to the smallest label 0,
    // so with true label 1 it is wrong → 2/3.
    close(
        knn_accuracy(&train, &labels, &test, &[0, 1, 1], 2, 2),
        2.0 / 3.0,
        1e-12,
    );
    assert!(knn_accuracy(&[], &[], &test, &[0, 1, 1], 2, 2).is_nan());
}

#[test]
fn hungarian_spec_example_and_relabelling() {
    // Spec §7.13: t over 5 classes, 11 items; preds (t + 3) mod 5 with one
    // item wrong → 10/11 = 0.909090...
    let t: Vec<i64> = (0..11).map(|i| i % 5).collect();
    let mut preds: Vec<i64> = t.iter().map(|v| (v + 3) % 5).collect();
    preds[4] = (preds[4] + 1) % 5;
    close(hungarian_accuracy(&preds, &t), 10.0 / 11.0, 1e-12);
    // Invariant to renaming clusters (permutation 0→4→1→3→2→0).
    let perm = [4, 3, 0, 2, 1];
    let renamed: Vec<i64> = preds.iter().map(|&p| perm[p as usize]).collect();
    close(hungarian_accuracy(&renamed, &t), 10.0 / 11.0, 1e-12);
}

#[test]
fn hungarian_rectangular_more_clusters_than_classes() {
    // 4 clusters, 2 classes. Best map: cluster 0 → class 0 (2 items),
    // cluster 1 → class 1 (2 items); clusters 2 and 3 unmatched → 4/6.
    let labels = [0, 0, 0, 1, 1, 1];
    let preds = [0, 0, 2, 1, 1, 3];
    close(hungarian_accuracy(&preds, &labels), 4.0 / 6.0, 1e-12);
    // Fewer clusters than classes: all in one cluster → best single class 3/6.
    close(hungarian_accuracy(&[0; 6], &labels), 0.5, 1e-12);
}

#[test]
fn nmi_hand_computed() {
    // labels [0,0,1,1], preds [0,0,0,1], n = 4.
    // H(Y) = ln 2 = 0.693147; H(Ŷ) = −(.75 ln .75 + .25 ln .25) = 0.562335.
    // I = 2/4 ln(4·2/(3·2)) + 1/4 ln(4·1/(3·2)) + 1/4 ln(4·1/(1·2)) = 0.215762.
    // NMI = 0.215762 / ((0.693147 + 0.562335) / 2) = 0.343711.
    close(
        nmi(&[0, 0, 0, 1], &[0, 0, 1, 1]),
        0.343_711_018_485_450_8,
        1e-12,
    );
    close(nmi(&[5, 5, 7, 7], &[0, 0, 1, 1]), 1.0, 1e-12);
    // Both entropies 0 → 1 (spec §4).
    close(nmi(&[3, 3, 3], &[1, 1, 1]), 1.0, 0.0);
    // One constant side → I = 0 → 0.
    close(nmi(&[0, 0, 0, 0], &[0, 0, 1, 1]), 0.0, 1e-12);
}

#[test]
fn ari_hand_computed() {
    // labels [0,0,1,1], preds [0,0,0,1]: Σ C(n_ij,2) = 1, Σ C(a,2) = 3, Σ C(b,2) = 2,
    // expected = 3·2/C(4,2) = 1, max = 2.5 → ARI = (1 − 1)/(2.5 − 1) = 0.
    close(ari(&[0, 0, 0, 1], &[0, 0, 1, 1]), 0.0, 1e-12);
    // labels [0,0,1,1,2,2], preds [0,0,1,1,1,2]: Σ C(n_ij,2) = 1 + 1 = 2,
    // Σ C(a,2) = 1 + 3 + 0 = 4, Σ C(b,2) = 3, expected = 12/15 = 0.8,
    // max = 3.5 → ARI = (2 − 0.8)/(3.5 − 0.8) = 0.444444.
    close(
        ari(&[0, 0, 1, 1, 1, 2], &[0, 0, 1, 1, 2, 2]),
        1.2 / 2.7,
        1e-12,
    );
    close(ari(&[2, 2, 0, 0], &[0, 0, 1, 1]), 1.0, 1e-12);
}

#[test]
fn trustworthiness_hand_computed() {
    // Input: 1-D points 0, 1, 2, 3. Embedding: 0, 3, 1, 2. k = 1.
    // Embedding NN (ties → lower index): 0→2, 1→3, 2→0, 3→1.
    // Input ranks: r(0,2) = 2, r(1,3) = 3, r(2,0) = 3, r(3,1) = 2;
    // penalties max(0, r − 1) = 1 + 2 + 2 + 1 = 6.
    // T = 1 − 2/(4·1·(8 − 3 − 1)) · 6 = 1 − 0.75 = 0.25.
    let x = [0.0, 1.0, 2.0, 3.0];
    close(
        trustworthiness(&x, 1, &[0.0, 3.0, 1.0, 2.0], 1, 1),
        0.25,
        1e-12,
    );
    close(trustworthiness(&x, 1, &x, 1, 1), 1.0, 0.0);
    assert!(trustworthiness(&x, 1, &x, 1, 2).is_nan()); // needs k < n/2
}

#[test]
fn alignment_and_uniformity_hand_computed() {
    // ‖(0,0)−(1,0)‖² = 1, ‖(1,1)−(1,3)‖² = 4 → mean 2.5.
    close(
        alignment(&[0.0, 0.0, 1.0, 1.0], &[1.0, 0.0, 1.0, 3.0], 2),
        2.5,
        1e-12,
    );
    // Points (0,0), (1,0), (0,1): squared distances 1, 1, 2 →
    // log((2e^−2 + e^−4)/3) = −2.339989.
    close(
        uniformity(&[0.0, 0.0, 1.0, 0.0, 0.0, 1.0], 2),
        -2.339_988_612_988_596,
        1e-9,
    );
    assert!(uniformity(&[1.0, 2.0], 2).is_nan());
}

#[test]
fn linear_probe_on_separable_data() {
    // 1-D, symmetric classes: the standardized data is symmetric about 0, so
    // the bias gradient stays 0 and the boundary is exactly x = 0.
    let train = [-2.0, -1.0, 1.0, 2.0];
    let labels = [0, 0, 1, 1];
    let test = [-0.5, 0.5, 3.0, -3.0];
    close(
        linear_probe_accuracy(&train, &labels, &test, &[0, 1, 1, 0], 1, 2),
        1.0,
        0.0,
    );
    // One deliberately mislabelled test point → 3/4. Label −1 is ignored.
    close(
        linear_probe_accuracy(&train, &labels, &test, &[0, 1, 0, 0], 1, 2),
        0.75,
        0.0,
    );
    close(
        linear_probe_accuracy(&train, &labels, &[0.7, 9.0], &[1, -1], 1, 2),
        1.0,
        0.0,
    );
}

#[test]
fn linear_probe_three_separable_blobs() {
    // Blob c at (10c, −10c) ± 1 along each axis: linearly separable.
    let mut x = Vec::new();
    let mut y = Vec::new();
    for c in 0..3 {
        for (dx, dy) in [(1.0, 0.0), (-1.0, 0.0), (0.0, 1.0), (0.0, -1.0)] {
            x.extend([10.0 * c as f32 + dx, -10.0 * c as f32 + dy]);
            y.push(c);
        }
    }
    close(linear_probe_accuracy(&x, &y, &x, &y, 2, 3), 1.0, 0.0);
}

#[test]
fn argmax_rows_ties_to_lower_index() {
    assert_eq!(argmax_rows(&[0.1, 0.7, 0.2, 0.5, 0.5, 0.0], 3), vec![1, 0]);
}

#[test]
fn kmeans_separates_obvious_clusters() {
    // 1-D points 0, 1, 10, 11 with k = 2: the only sensible split is {0,1} | {10,11}
    // (cost 0.5 + 0.5 = 1, versus ≥ 60 for any other split).
    let ids = kmeans(&[0.0, 1.0, 10.0, 11.0], 1, 2, 3);
    assert_eq!(ids[0], ids[1]);
    assert_eq!(ids[2], ids[3]);
    assert_ne!(ids[0], ids[2]);
    // Three 2-D blobs: perfect Hungarian accuracy against the true blob ids.
    let mut x = Vec::new();
    let mut y = Vec::new();
    for i in 0..60 {
        let c = i % 3;
        let jitter = ((i * 7) % 5) as f32 * 0.1;
        x.extend([20.0 * c as f32 + jitter, 5.0 * (c * c) as f32 - jitter]);
        y.push(c as i64);
    }
    for seed in 0..5 {
        assert_eq!(hungarian_accuracy(&kmeans(&x, 2, 3, seed), &y), 1.0);
    }
}

#[test]
fn knn_follows_the_geometry_it_is_given() {
    use iconc::metrics::{knn_accuracy_in, KnnGeometry};
    // (0.2, 0.2) is close to (1, 0) in space but points the way of (5, 5).
    let train = [1.0, 0.0, 5.0, 5.0];
    let query = [0.2, 0.2];
    let acc = |g| knn_accuracy_in(g, &train, &[0, 1], &query, &[0], 2, 1);
    assert_eq!(acc(KnnGeometry::Euclidean), 1.0);
    assert_eq!(acc(KnnGeometry::Cosine), 0.0);
}

#[test]
fn knn_geometry_is_q_s() {
    use iconc::metrics::KnnGeometry;
    use iconc::runtime::train::evaluate::knn_geometry;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("methods");
    let geometry = |name: &str| {
        let (m, _) = iconc::check::load_method(&dir.join(name)).expect("std-lib method checks");
        knn_geometry(&m)
    };
    assert_eq!(geometry("tsne.icon"), KnnGeometry::Euclidean);
    assert_eq!(geometry("simclr.icon"), KnnGeometry::Cosine);
}

/// `knn(metric = …)` overrides q's geometry; plain `knn` keeps it.
#[test]
fn knn_metric_argument_overrides_q_s_geometry() {
    use iconc::metrics::KnnGeometry;
    use iconc::runtime::train::evaluate::knn_geometry_of;
    let dir = tempfile::tempdir().unwrap();
    let tsne = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("methods/tsne.icon"),
    )
    .unwrap()
    .replace(
        "eval = [trustworthiness, knn]",
        "eval = [knn, knn(metric = cosine), knn(metric = euclidean)]",
    );
    let path = dir.path().join("tsne.icon");
    std::fs::write(&path, tsne).unwrap();
    let (m, _) = iconc::check::load_method(&path).expect("checks");
    let got: Vec<KnnGeometry> = m.eval.iter().map(|&k| knn_geometry_of(k, &m)).collect();
    assert_eq!(
        got,
        [
            KnnGeometry::Euclidean,
            KnnGeometry::Cosine,
            KnnGeometry::Euclidean
        ]
    );
}
