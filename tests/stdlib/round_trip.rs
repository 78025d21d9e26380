//! `print::method` round-trips: every standard-library method (and every
//! example method) checks to an IR, the IR prints as a method file, and that
//! text, checked as a file in the same folder (so relative data and graph
//! paths resolve alike), checks with no error and no new warning to the same
//! IR, prints to the same text, and is already canonical for `iconc fmt`.
//! Hand-written methods cover what the standard library does not use:
//! every data source, augmentation, mapper, kernel, transform, optimizer,
//! schedule, metric and enum spelling.

use iconc::check::{self, Checked, FsLoader};
use iconc::ir::Method;
use iconc::{print, Source};
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn method_files() -> Vec<PathBuf> {
    let mut files = check::icon_files(&root().join("methods")).expect("methods/ exists");
    let examples = root().join("examples/methods");
    if examples.is_dir() {
        files.extend(check::icon_files(&examples).expect("examples/methods/ reads"));
    }
    files
}

/// `code message` of every report of `severity` ("error" or "warning").
fn reports(c: &Checked, errors: bool) -> Vec<String> {
    c.reports
        .iter()
        .filter(|r| r.diagnostic.is_error() == errors)
        .map(|r| format!("{} {}", r.diagnostic.code, r.diagnostic.message))
        .collect()
}

/// Checks `text` as the file `name`, with `m1` the IR of the original
/// (whose warnings are `warned`). The problems found, or none.
fn round_trip(name: &str, m1: &Method, warned: &[String]) -> Result<String, String> {
    let text = print::method(m1);
    let checked = check::check_source(Source::new(name, text.as_str()), &FsLoader);
    let mut problems = vec![];
    let errors = reports(&checked, true);
    if !errors.is_empty() {
        problems.push(format!("errors: {errors:?}"));
    }
    let new_warnings: Vec<String> = reports(&checked, false)
        .into_iter()
        .filter(|w| !warned.contains(w))
        .collect();
    if !new_warnings.is_empty() {
        problems.push(format!("new warnings: {new_warnings:?}"));
    }
    if let Some(m2) = &checked.method {
        let (v1, v2) = (
            serde_json::to_value(m1).expect("IR serializes"),
            serde_json::to_value(m2).expect("IR serializes"),
        );
        if v1 != v2 || m1 != m2 {
            problems.push(format!("IR differs:\n  {v1}\n  {v2}"));
        }
        let again = print::method(m2);
        if again != text {
            problems.push(format!("print(m2) differs:\n{again}"));
        }
    }
    match iconc::fmt::format(&Source::new(name, text.as_str())) {
        Ok(f) if f == text => {}
        Ok(f) => problems.push(format!("not canonical; `iconc fmt` gives:\n{f}")),
        Err(d) => problems.push(format!("does not parse: {d:?}")),
    }
    if problems.is_empty() {
        Ok(text)
    } else {
        Err(format!("{}\n{text}", problems.join("\n")))
    }
}

/// Checks a file, prints and re-checks it; the failure text, if any.
fn file_round_trip(name: &str, original: Checked) -> Option<String> {
    let warned = reports(&original, false);
    let Some(m1) = &original.method else {
        return Some(format!(
            "{name}: does not check: {:?}",
            reports(&original, true)
        ));
    };
    // A sibling of the file, so its relative paths resolve the same way.
    let sibling = Path::new(name).with_file_name(format!(
        "printed_{}",
        Path::new(name)
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("method.icon")
    ));
    round_trip(&sibling.display().to_string(), m1, &warned)
        .err()
        .map(|e| format!("{name}: {e}"))
}

#[test]
fn every_std_lib_method_prints_and_checks_back_to_itself() {
    let files = method_files();
    let failures: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let name = f.display().to_string();
            file_round_trip(&name, check::check_path(f, &FsLoader))
        })
        .collect();
    assert!(files.len() >= 37, "only {} method files found", files.len());
    assert!(
        failures.is_empty(),
        "{} of {} method files do not round-trip through print::method:\n\n{}",
        failures.len(),
        files.len(),
        failures.join("\n\n")
    );
}

/// Methods that use what the standard library does not: each checks
/// clean as written and round-trips. Paths are never read by the checker.
const COVERAGE: &[(&str, &str)] = &[
    (
        "files_idx",
        r#"method "idx \"quoted\" \\ name"
about "line one\nline two"
data = Idx(images = "raw/imgs.idx.gz", labels = "raw/labels.idx", image = [1, 28, 28], classes = 10, views = 2, augment = [Crop(0.25), Flip(), Affine(degrees = 10.5, translate = 0.2), Noise(std = 0.05), Jitter()], batch = 128, holdout = 100, limit = 5000)
embedding = SimpleCNN(out = 64) -> Linear(out = 32, bias = false) -> Normalize() on x
p = Augmentation() on index
q = Gaussian(sigma = 0.30000000000000004, metric = dot) on embedding -> debias(0.25)
divergence = js
train = Train(epochs = 2, steps = 7, optimizer = Adam(lr = 1e-20, weight_decay = 123456789.5, betas = [0.8, 0.95]), schedule = Warmup(epochs = 2), clip = 1.5, ema = 0.999, seed = 7, probe = true)
eval = [knn(metric = cosine), knn(metric = euclidean), knn, linear_probe, alignment, uniformity]
"#,
    ),
    (
        "files_npz",
        r#"method "npz"
data = Npz(path = "d.npz", image = [3, 8, 8], classes = 4, modalities = views, views = 2)
embedding = ResNet18(out = 16) on x
embedding1 = Identity() -> MLP(hidden = [8], out = 16, activation = gelu, batch_norm = true) on x1
p = CrossModal() on index
q = Gaussian(sigma = 1, metric = cosine, learnable = true, max_logit_scale = 50) on embedding, embedding1
"#,
    ),
    (
        "files_npz_features",
        r#"method "npz_features"
data = Npz(path = "/abs/d.npz", features = 12, classes = 3)
embedding = MLP(hidden = [], out = 2, activation = tanh) on x
p = 0.5 * UniformKNN(k = 3, metric = manhattan) on x + 0.5 * (Label() on label - -1 * Identity() on index)
q = StudentT(dof = 2, gamma = 0.5, form = power, learnable = true, exclude_self = false) on embedding
divergence = rkl
"#,
    ),
    (
        "files_csv",
        r#"method "csv"
data = Csv(path = "t.csv", label_column = 0, features = 5, classes = 2)
embedding = Linear(out = 2, orthonormal = true) on x
p = (Gaussian(perplexity = 5, metric = euclidean) on x -> binarize(0.01) -> leak(0.1) -> propagate(3, reachable = true)) -> symmetrize
q = GaussianLimit(limit = zero, metric = euclidean) on embedding
train = Train(optimizer = Sgd(lr = 0.1, momentum = 0.9, nesterov = true, weight_decay = 1e-4), schedule = Cosine(warmup = 1))
eval = [hungarian, nmi, ari]
"#,
    ),
    (
        "cifar_table",
        r#"method "cifar"
data = Cifar10(dir = "cifar", batch = 100)
embedding = ResNet18(out = 8) -> Normalize() on x
class_embedding = LookUpTable(get_all = true, dim = 8) on label
p = Label(table = true) on label
q = GaussianLimit(limit = inf, metric = cosine, exclude_self = false) on embedding, class_embedding
"#,
    ),
    (
        "synthetic",
        r#"method "synthetic"
data = Blobs(n = 600, centers = 4, dim = 5, std = 0.5, seed = 3, batch = 100)
head = MLP(hidden = [16], out = 4) -> ClusterHead(clusters = 6) on x
phi = Softmax() on head
p = Gaussian(sigma = 2) on x
q = UniformCluster(degree_weighted = true) on phi
"#,
    ),
    (
        "moons_tsne_rule",
        r#"method "moons"
data = Moons(n = 500, noise = 0.05, seed = 1, batch = 400)
embedding = LookUpTable(dim = 2, std = 0.0001) on index
p = UniformKNN(k = 5, scope = dataset) on x -> exaggerate(4)
q = StudentT() on embedding
train = Train(optimizer = Sgd(momentum = 0.8, lr_rule = tsne))
eval = [trustworthiness]
"#,
    ),
    (
        "roll_halves_graph",
        r#"method "roll"
data = SwissRoll(n = 300, noise = 0.2, seed = 2, classes = 3, batch = 120)
embedding = LookUpTable(n = 300, init = pca) on index
p = Graph(path = "g.edges", mode = softmax_degree) on index
q = Gaussian(sigma = 1, exclude_self = false) on embedding
"#,
    ),
    (
        "side_array_frozen_teacher",
        r#"method "side"
data = Npz(path = "d.npz", features = 12, classes = 3, side = g, side_features = 6, views = 2, pairs = neighbors, batch = 64)
teacher = Frozen(weights = "runs/t/weights.safetensors", of = embedding) -> MLP(hidden = [8], out = 4) -> Normalize() on x
embedding = MLP(hidden = [8], out = 4) -> Normalize() on x
p = UniformKNN(k = 2, metric = cosine, scope = dataset) on g
q = Gaussian(sigma = 0.5, metric = cosine) on embedding, teacher
"#,
    ),
    (
        "mnist_halves",
        r#"method "halves"
data = Digits(modalities = halves, batch = 64)
embedding = MLP(hidden = [32], out = 8) on x
embedding1 = MLP(hidden = [32], out = 8) on x1
p = CrossModal() on index
q = Gaussian(sigma = 0.5, metric = cosine) on embedding, embedding1
"#,
    ),
];

#[test]
fn hand_written_methods_cover_every_printed_form() {
    let mut failures = vec![];
    for (stem, text) in COVERAGE {
        let name = format!("coverage/{stem}.icon");
        let original = check::check_source(Source::new(name.as_str(), *text), &FsLoader);
        if let Some(f) = file_round_trip(&name, original) {
            failures.push(f);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} hand-written methods do not round-trip:\n\n{}",
        failures.len(),
        COVERAGE.len(),
        failures.join("\n\n")
    );
}
