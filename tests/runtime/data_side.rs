//! Side arrays (`Npz(side = g, side_features = F)`, issue 13 item 4): a third
//! array of the file becomes a batch key, one row per sample, that follows
//! its image through splits, views and pairs, is checked on load, and trains.

use iconc::check;
use iconc::data::npz::{NpyArray, NpzArrays};
use iconc::data::{self, Batcher};
use iconc::diag::Code;
use iconc::runtime::backend::CpuBackend;
use iconc::runtime::train::session::{run_method, IconLoss, RunOptions};
use iconc::runtime::train::ProgressMode;
use std::path::Path;
use std::sync::Arc;

/// 40 samples of 6 features in 4 classes, with side array `g` of
/// `g_rows × g_width` values (row i given by `row(i)`).
fn write_npz_with(path: &Path, g_rows: usize, g_width: usize, row: impl Fn(usize) -> Vec<f32>) {
    let n = 40;
    let mut a = NpzArrays::new();
    let x: Vec<f32> = (0..n * 6).map(|v| ((v * 7) % 11) as f32 / 11.0).collect();
    a.insert("x", NpyArray::f32(vec![n, 6], x));
    a.insert(
        "label",
        NpyArray::i64(vec![n], (0..n as i64).map(|i| i % 4).collect()),
    );
    let g: Vec<f32> = (0..g_rows)
        .flat_map(|i| row(i).into_iter().take(g_width))
        .collect();
    a.insert("g", NpyArray::f32(vec![g_rows, g_width], g));
    a.write(path).expect("npz writes");
}

/// [`write_npz_with`] where `g` row i is `[i, −i, 2i]` repeated.
fn write_npz(path: &Path, g_rows: usize, g_width: usize) {
    write_npz_with(path, g_rows, g_width, |i| {
        [i as f32, -(i as f32), 2.0 * i as f32]
            .into_iter()
            .cycle()
            .take(g_width)
            .collect()
    });
}

/// A method on `path` whose p reads `g` (X-Sample CL's form).
fn method_text(g_width: usize, views: usize) -> String {
    format!(
        r#"method "side"
data = Npz(path = "data.npz", features = 6, classes = 4, side = g, side_features = {g_width}, views = {views}, batch = 8, holdout = 8)
embedding = MLP(hidden = [16], out = 4) -> Normalize() on x
p = Gaussian(sigma = 0.5, metric = cosine) on g
q = Gaussian(sigma = 0.5, metric = cosine) on embedding
train = Train(epochs = 1, steps = 2, seed = 3)
"#
    )
}

fn load(dir: &Path, g_width: usize, views: usize) -> iconc::ir::Method {
    let file = dir.join("side.icon");
    std::fs::write(&file, method_text(g_width, views)).expect("method writes");
    match check::load_method(&file) {
        Ok((m, _)) => m,
        Err(r) => panic!(
            "{:?}",
            r.iter().map(|r| &r.diagnostic.message).collect::<Vec<_>>()
        ),
    }
}

#[test]
fn side_rows_follow_their_images_through_split_and_views() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_npz(&dir.path().join("data.npz"), 40, 3);
    let m = load(dir.path(), 3, 2);
    let ds = data::load(&m.data, dir.path()).expect("loads");
    let side = ds.side.as_ref().expect("side array loaded");
    assert_eq!(
        (side.key.as_str(), side.features, side.values.len()),
        ("g", 3, 120)
    );
    let (train, test) = data::split(ds, m.data.holdout);
    assert_eq!(
        test.side.as_ref().map(|s| s.row(0).to_vec()),
        Some(vec![32.0, -32.0, 64.0])
    );
    let b = Batcher::new(Arc::new(train), &m.data, 3);
    for hb in b.epoch(0) {
        let (key, g) = hb.side.as_ref().expect("batches carry the side key");
        assert_eq!(key, "g");
        for (r, &i) in hb.index.iter().enumerate() {
            assert_eq!(
                &g[r * 3..r * 3 + 3],
                &[i as f32, -(i as f32), 2.0 * i as f32],
                "row {r}"
            );
        }
    }
}

#[test]
fn a_side_array_of_the_wrong_shape_is_a_diagnostic() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_npz(&dir.path().join("data.npz"), 39, 3);
    let m = load(dir.path(), 3, 1);
    let e = data::load(&m.data, dir.path()).expect_err("39 rows for 40 samples");
    assert_eq!(e.code, Code::DataCountMismatch);
    write_npz(&dir.path().join("data.npz"), 40, 5);
    let e = data::load(&m.data, dir.path()).expect_err("5 floats, the method says 3");
    assert_eq!(e.code, Code::DataShapeMismatch);
    assert!(e.help.unwrap_or_default().contains("side_features = 5"));
}

#[test]
fn a_method_on_a_side_array_trains() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_npz(&dir.path().join("data.npz"), 40, 3);
    let m = load(dir.path(), 3, 1);
    let opts = RunOptions {
        out: Some(dir.path().join("run")),
        resume: None,
        progress: ProgressMode::Quiet,
        source_text: String::new(),
        base_dir: dir.path().to_path_buf(),
    };
    type B = burn::backend::Autodiff<CpuBackend>;
    let s = run_method::<B, IconLoss>(&m, &IconLoss::default(), &opts, &Default::default())
        .unwrap_or_else(|d| panic!("{} {}", d.code, d.message));
    assert_eq!(s.step_losses.len(), 2);
    assert!(s.step_losses.iter().all(|l| l.is_finite()));
    // Every run leaves its evaluated weights for `Frozen(weights = …)`.
    assert!(dir.path().join("run/weights.safetensors").is_file());
}

/// LGSimCLR on a side array: the data-set 1-NN table is built on `g`
/// (cosine), and `pairs = neighbors` shows each image's `g`-neighbour as its
/// view 1. Here `g` comes in twins (samples 2k and 2k + 1 point the same way,
/// far from the others), so every partner is the source's twin.
#[test]
fn neighbour_partners_come_from_a_side_array_table() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_npz_with(&dir.path().join("data.npz"), 40, 3, |i| {
        let k = (i / 2) as f32;
        vec![k.cos(), k.sin(), 0.01 * (i % 2) as f32]
    });
    let text = r#"method "lg"
data = Npz(path = "data.npz", features = 6, classes = 4, side = g, side_features = 3, views = 2, pairs = neighbors, batch = 8, holdout = 8)
embedding = MLP(hidden = [16], out = 4) -> Normalize() on x
p = UniformKNN(k = 1, metric = cosine, scope = dataset) on g
q = Gaussian(sigma = 0.2236068, metric = cosine) on embedding
train = Train(epochs = 1, steps = 2, seed = 3)
"#;
    let file = dir.path().join("lg.icon");
    std::fs::write(&file, text).expect("method writes");
    let m = match check::load_method(&file) {
        Ok((m, _)) => m,
        Err(r) => panic!(
            "{:?}",
            r.iter().map(|r| &r.diagnostic.message).collect::<Vec<_>>()
        ),
    };
    type B = burn::backend::Autodiff<CpuBackend>;
    let prepared = iconc::runtime::train::session::prepare::<B, IconLoss>(
        &m,
        &IconLoss::default(),
        dir.path(),
        None,
        ProgressMode::Quiet,
        &Default::default(),
    )
    .unwrap_or_else(|d| panic!("{} {}", d.code, d.message));
    for hb in prepared.batcher.epoch(0) {
        let half = hb.rows / 2;
        for r in 0..half {
            let (source, partner) = (hb.index[r], hb.index[r + half]);
            assert_eq!(partner, source ^ 1, "{source}'s g-neighbour is its twin");
        }
    }
}
