//! PCA through the whole `iconc run` path with the real I-Con loss: the
//! orthonormal Linear trained on `−2 tr(Wᵀ Σ_pop W)` (spec §5 cell 15) must
//! reach the top-2 eigenvalue sum of the training covariance. Adam, as in
//! `methods/pca.icon`: without the tangent projection of the gradient it
//! drifted away from the optimum (−71 instead of −115 here).

use burn::backend::Autodiff;
use iconc::runtime::train::session::{run_method, IconLoss, RunOptions};
use iconc::runtime::train::ProgressMode;

type B = Autodiff<iconc::runtime::backend::CpuBackend>;

const PCA: &str = r#"method "pca-blobs"
data = Blobs(n = 240, centers = 3, dim = 5, std = 0.3, seed = 9, batch = 200, holdout = 40)
embedding = Linear(out = 2, bias = false, orthonormal = true) on x
p = Identity() on index
q = GaussianLimit(limit = inf, metric = euclidean, exclude_self = false) on embedding
train = Train(epochs = 300, optimizer = Adam(lr = 0.01), schedule = Constant(), seed = 1)
eval = [knn]
"#;

/// Top-k eigenvalues of a symmetric matrix by power iteration with deflation (f64).
fn top_eigenvalues(mut a: Vec<Vec<f64>>, k: usize) -> Vec<f64> {
    let n = a.len();
    let mut out = vec![];
    for _ in 0..k {
        let mut v = vec![1.0 / (n as f64).sqrt(); n];
        let mut lambda = 0.0;
        for _ in 0..5000 {
            let w: Vec<f64> = (0..n)
                .map(|i| (0..n).map(|j| a[i][j] * v[j]).sum())
                .collect();
            let norm = w.iter().map(|x| x * x).sum::<f64>().sqrt();
            lambda = v.iter().zip(&w).map(|(x, y)| x * y).sum();
            v = w.iter().map(|x| x / norm).collect();
        }
        for i in 0..n {
            for j in 0..n {
                a[i][j] -= lambda * v[i] * v[j];
            }
        }
        out.push(lambda);
    }
    out
}

#[test]
fn orthonormal_linear_reaches_the_top_eigenspace() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pca.icon");
    std::fs::write(&file, PCA).unwrap();
    let (method, _) = iconc::check::load_method(&file).unwrap_or_else(|r| {
        panic!(
            "{:?}",
            r.iter().map(|r| &r.diagnostic.message).collect::<Vec<_>>()
        )
    });
    // the training split: the first 200 blobs (holdout = the last 40)
    let ds = iconc::data::load(&method.data, dir.path()).unwrap();
    let (train, _) = iconc::data::split(ds, 40);
    let (n, f) = (train.n, train.features);
    let mean: Vec<f64> = (0..f)
        .map(|c| (0..n).map(|r| train.x[r * f + c] as f64).sum::<f64>() / n as f64)
        .collect();
    let cov: Vec<Vec<f64>> = (0..f)
        .map(|a| {
            (0..f)
                .map(|b| {
                    (0..n)
                        .map(|r| {
                            (train.x[r * f + a] as f64 - mean[a])
                                * (train.x[r * f + b] as f64 - mean[b])
                        })
                        .sum::<f64>()
                        / n as f64
                })
                .collect()
        })
        .collect();
    let eig = top_eigenvalues(cov, 3);
    assert!(
        eig[1] > 2.0 * eig[2],
        "the test needs an eigen-gap: {eig:?}"
    );
    let expected = -2.0 * (eig[0] + eig[1]);
    let opts = RunOptions {
        out: Some(dir.path().join("run")),
        resume: None,
        progress: ProgressMode::Quiet,
        source_text: PCA.into(),
        base_dir: dir.path().to_path_buf(),
    };
    let s = run_method::<B, _>(&method, &IconLoss::default(), &opts, &Default::default()).unwrap();
    let last = *s.step_losses.last().unwrap();
    // one batch of all 200 training rows per epoch: the loss is −2 tr(WᵀΣ_pop W) exactly
    assert!(
        (last - expected).abs() < 1e-3 * expected.abs(),
        "loss {last} vs −2(λ1+λ2) = {expected}"
    );
}
