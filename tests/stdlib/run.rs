//! Every standard-library method `methods/*.icon` checks, lowers and trains a
//! few optimizer steps through the same library path `iconc run` uses
//! (`check::load_method` → `runtime::train::session::run_method` with
//! `IconLoss` on the CPU backend), on shrunk data.
//!
//! Each method is its own test so a failure names the method. A method that
//! cannot run fails; nothing is skipped.

use iconc::check;
use iconc::ir::{self, DataSource};
use iconc::runtime::backend::CpuBackend;
use iconc::runtime::train::session::{run_method, IconLoss, RunOptions, RunSummary};
use iconc::runtime::train::ProgressMode;
use std::path::{Path, PathBuf};

type B = burn::backend::Autodiff<CpuBackend>;

/// Optimizer steps of the trained run.
const STEPS: usize = 2;
/// Samples kept of bundled MNIST (train + holdout).
const MNIST_LIMIT: usize = 400;
/// Of which held out for evaluation.
const MNIST_HOLDOUT: usize = 80;
/// Cap on source samples per batch (rows = views × sources).
const MAX_SOURCES_PER_BATCH: usize = 64;

fn methods_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("methods")
}

/// Loads `methods/<name>.icon` and shrinks its data and training budget.
///
/// Decision: MNIST methods keep the first 400 samples (80 held out) and at most
/// 64 sources per batch. Digits methods with a per-sample table over the whole
/// set (full-batch t-SNE/SNE/graph methods, `batch = 1797`) keep their data,
/// since the table and graph files are sized for all 1797 samples; batched
/// Digits methods are capped at 64 sources per batch like MNIST.
fn shrunk(name: &str) -> ir::Method {
    shrunk_at(&methods_dir().join(format!("{name}.icon")), name)
}

/// [`shrunk`] of the method file at `path`.
fn shrunk_at(path: &Path, name: &str) -> ir::Method {
    let (mut m, _warnings) = match check::load_method(path) {
        Ok(v) => v,
        Err(reports) => {
            let msgs: Vec<String> = reports
                .iter()
                .map(|r| format!("{}: {}", r.diagnostic.code, r.diagnostic.message))
                .collect();
            panic!("{name}.icon does not check:\n{}", msgs.join("\n"));
        }
    };
    let views = m.data.views.max(1);
    let full_batch = m.data.samples.is_some_and(|n| m.data.batch >= n);
    if matches!(m.data.source, DataSource::Mnist) {
        m.data.limit = Some(MNIST_LIMIT);
        m.data.samples = Some(MNIST_LIMIT);
        m.data.holdout = MNIST_HOLDOUT;
    }
    if !full_batch {
        m.data.batch = m.data.batch.min(views * MAX_SOURCES_PER_BATCH);
    }
    // Full-batch methods have one batch per epoch: the step cap ends the run.
    m.train.epochs = STEPS;
    m.train.steps = Some(STEPS);
    m.train.ema = None;
    m.eval.clear();
    m
}

fn run(m: &ir::Method, steps: usize, out: &Path) -> RunSummary {
    let mut m = m.clone();
    m.train.steps = Some(steps);
    let opts = RunOptions {
        out: Some(out.to_path_buf()),
        resume: None,
        progress: ProgressMode::Quiet,
        source_text: String::new(),
        base_dir: methods_dir(),
    };
    let device = Default::default();
    match run_method::<B, IconLoss>(&m, &IconLoss::default(), &opts, &device) {
        Ok(s) => s,
        Err(d) => panic!(
            "{} ({steps} steps) failed: {} {}\nhelp: {}",
            m.name,
            d.code,
            d.message,
            d.help.unwrap_or_default()
        ),
    }
}

/// Trains `STEPS` steps and checks the loss is finite and the evaluated
/// embedding moved away from the untrained one (same seed, 0 steps).
fn trains(name: &str) {
    trains_method(name, shrunk(name));
}

fn trains_method(name: &str, m: ir::Method) {
    let dir = tempfile::tempdir().expect("temp dir");
    let before = run(&m, 0, &dir.path().join("init"));
    let after = run(&m, STEPS, &dir.path().join("trained"));
    assert_eq!(after.step_losses.len(), STEPS, "{name}: steps run");
    for (i, l) in after.step_losses.iter().enumerate() {
        assert!(l.is_finite(), "{name}: loss of step {} is {l}", i + 1);
    }
    let e0 = before.eval.expect("untrained run evaluates").embeddings;
    let e1 = after.eval.expect("trained run evaluates").embeddings;
    assert_eq!(e0.len(), e1.len(), "{name}: embedding sizes");
    assert!(
        e1.iter().all(|v| v.is_finite()),
        "{name}: trained embedding is not finite"
    );
    let moved = e0
        .iter()
        .zip(&e1)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(
        moved > 0.0,
        "{name}: parameters did not change in {STEPS} steps"
    );
}

/// Multi-crop views (issue 13 item 8) train: `examples/methods/simclr_multicrop.icon`.
#[test]
fn example_simclr_multicrop() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/methods/simclr_multicrop.icon");
    let m = shrunk_at(&path, "simclr_multicrop");
    assert_eq!((m.data.views, m.data.local.views), (6, 4));
    trains_method("simclr_multicrop", m);
}

macro_rules! stdlib_methods {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                trains(stringify!($name));
            }
        )*

        #[test]
        fn every_method_file_has_a_run_test() {
            let listed: Vec<&str> = vec![$(stringify!($name)),*];
            let files: Vec<String> = iconc::check::icon_files(&methods_dir())
                .expect("methods/ exists")
                .iter()
                .filter_map(|p| p.file_stem().and_then(|s| s.to_str()).map(str::to_owned))
                .collect();
            let mut listed: Vec<String> = listed.into_iter().map(str::to_owned).collect();
            listed.sort();
            assert_eq!(files, listed, "methods/*.icon and the run tests differ");
        }
    };
}

stdlib_methods!(
    avg_margin_clip,
    avg_margin_supcon,
    clip,
    cmc,
    dcd,
    doubly_tsne,
    dual_tsne,
    error_rate,
    harmonic,
    infonce,
    infonce_clustering,
    kmeans,
    lgsimclr,
    mocov3,
    ncuts,
    pca,
    simclr,
    sne,
    sne_graph,
    sne_uniform,
    supcon,
    supcon_pairs,
    supervised_ce,
    supervised_clustering,
    t_kmeans,
    tclip,
    triplet,
    triplet_clip,
    triplet_supcon,
    tsimclr,
    tsimcne,
    tsne,
    tsne_graph,
    tsne_uniform,
    tsupcon,
    vicreg,
    xsample_cl,
);
