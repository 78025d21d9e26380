//! Plots are written as valid PNGs (and atomically: no temp file left behind).

use iconc::runtime::plot::{embedding_png, loss_png, to_2d};

fn is_png(path: &std::path::Path) -> bool {
    std::fs::read(path).is_ok_and(|b| b.starts_with(b"\x89PNG\r\n\x1a\n") && b.len() > 1000)
}

#[test]
fn loss_and_embedding_pngs_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let loss: Vec<(usize, f32)> = (0..200)
        .map(|s| (s, 3.0 * (-(s as f32) / 50.0).exp() + 0.1))
        .collect();
    let lp = dir.path().join("loss.png");
    loss_png(&lp, &loss).unwrap();
    assert!(is_png(&lp));
    // 3 well-separated clusters in 5-D → PCA to 2-D.
    let mut emb = Vec::new();
    let mut labels = Vec::new();
    for i in 0..300 {
        let c = i % 3;
        let jitter = ((i * 37) % 17) as f32 / 17.0;
        emb.extend([
            c as f32 * 4.0 + jitter,
            -(c as f32) * 2.0,
            jitter,
            1.0,
            c as f32,
        ]);
        labels.push(c as i64);
    }
    let ep = dir.path().join("embedding.png");
    embedding_png(&ep, &emb, 5, &labels).unwrap();
    assert!(is_png(&ep));
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    if let Ok(keep) = std::env::var("ICONC_KEEP_PLOTS") {
        std::fs::copy(&lp, format!("{keep}/loss.png")).unwrap();
        std::fs::copy(&ep, format!("{keep}/embedding.png")).unwrap();
    }
}

#[test]
fn unwritable_path_is_a_diagnostic() {
    let err = loss_png(
        std::path::Path::new("/nonexistent-dir/x/loss.png"),
        &[(0, 1.0)],
    )
    .unwrap_err();
    assert_eq!(err.code, "E0702");
}

#[test]
fn pca_recovers_the_dominant_direction() {
    // Points along (1, 1, 0)/√2 with tiny spread on z: PC 1 scores are ±√2·t.
    let emb: Vec<f32> = (-2..=2)
        .flat_map(|t| [t as f32, t as f32, 0.001 * (t * t) as f32])
        .collect();
    let xy = to_2d(&emb, 3);
    for (k, t) in (-2..=2).enumerate() {
        assert!(
            (xy[k].0 - std::f64::consts::SQRT_2 * t as f64).abs() < 1e-3,
            "{xy:?}"
        );
    }
}
