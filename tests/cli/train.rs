//! `iconc run` as a user runs it: a SimCLR-style method on synthetic blobs,
//! resume from the run directory, and a diverging run.

use std::path::Path;
use std::process::Command;

const SIMCLR_BLOBS: &str = r#"method "blobs-simclr"
data = Blobs(n = 300, centers = 3, dim = 6, std = 0.4, seed = 2, views = 2, augment = [Noise(std = 0.05)], batch = 40, holdout = 60)
embedding = MLP(hidden = [32], out = 8) -> Normalize() on x
p = Augmentation() on index
q = Gaussian(sigma = 0.5, metric = cosine) on embedding
train = Train(epochs = 2, optimizer = Adam(lr = 1e-2), schedule = Constant(), seed = 5)
eval = [knn, alignment, uniformity]
"#;

fn iconc(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_iconc"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

#[test]
fn run_then_resume_for_more_epochs() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "m.icon", SIMCLR_BLOBS);
    let out = dir.path().join("run").display().to_string();
    let (code, stdout, stderr) = iconc(&["run", &file, "--out", &out, "--quiet"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("knn"), "{stdout}");
    assert!(stdout.contains("samples/s"), "{stdout}");
    for f in [
        "method.json",
        "metrics.jsonl",
        "embeddings.npy",
        "labels.npy",
        "checkpoint.bin",
        "loss.png",
        "embedding.png",
    ] {
        assert!(Path::new(&out).join(f).is_file(), "missing {f}");
    }
    // batch = 40 rows = 2 views × 20 sources: 240 train samples / 20 = 12 batches per epoch
    assert!(stdout.contains("trained 24 steps"), "{stdout}");
    let (code, stdout, stderr) = iconc(&["run", "--resume", &out, "--epochs", "3", "--quiet"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("trained 36 steps"), "{stdout}");
    let metrics = std::fs::read_to_string(Path::new(&out).join("metrics.jsonl")).unwrap();
    assert_eq!(metrics.lines().count(), 4, "3 epochs + eval:\n{metrics}");
}

/// Parametric t-SNE on blobs with data-set-wide affinities (issue 11).
const PTSNE_DATASET: &str = r#"method "blobs-ptsne"
data = Blobs(n = 300, centers = 3, dim = 6, std = 0.4, seed = 2, batch = 60, holdout = 60)
embedding = MLP(hidden = [32], out = 2) on x
p = Gaussian(perplexity = 10, scope = dataset) on x
q = StudentT(dof = 1, gamma = 1) on embedding
train = Train(epochs = 2, optimizer = Adam(lr = 1e-2), schedule = Constant(), seed = 5)
eval = [knn]
"#;

fn epoch_losses(run: &str) -> Vec<f64> {
    std::fs::read_to_string(Path::new(run).join("metrics.jsonl"))
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["loss"].as_f64())
        .collect()
}

/// `scope = dataset` trains, keeps its table in the run directory, and a
/// resumed run (reusing the cached table, or recomputing a deleted one)
/// follows the uninterrupted run's losses exactly.
#[test]
fn dataset_scope_p_trains_caches_and_resumes_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let two = write(dir.path(), "two.icon", PTSNE_DATASET);
    let one = write(
        dir.path(),
        "one.icon",
        &PTSNE_DATASET.replace("epochs = 2", "epochs = 1"),
    );
    let full = dir.path().join("full").display().to_string();
    let (code, stdout, stderr) = iconc(&["run", &two, "--out", &full, "--quiet"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let cache = Path::new(&full).join("p_dataset.bin");
    assert!(cache.is_file(), "no cached table");
    let want = epoch_losses(&full);
    assert_eq!(want.len(), 2, "{want:?}");
    assert!(want.iter().all(|l| l.is_finite() && *l > 0.0), "{want:?}");
    for delete in [false, true] {
        let part = dir
            .path()
            .join(format!("part-{delete}"))
            .display()
            .to_string();
        let (code, _, stderr) = iconc(&["run", &one, "--out", &part, "--quiet"]);
        assert_eq!(code, 0, "{stderr}");
        let cached = Path::new(&part).join("p_dataset.bin");
        let before = std::fs::read(&cached).unwrap();
        assert_eq!(
            before,
            std::fs::read(&cache).unwrap(),
            "same table as the full run"
        );
        if delete {
            std::fs::remove_file(&cached).unwrap();
        }
        let (code, _, stderr) = iconc(&["run", "--resume", &part, "--epochs", "2", "--quiet"]);
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(epoch_losses(&part), want, "delete = {delete}");
        assert_eq!(std::fs::read(&cached).unwrap(), before);
    }
}

/// Non-parametric t-SNE as openTSNE runs it (issue 11): a table of points,
/// data-set p, early exaggeration for 6 of 12 steps, Barnes–Hut repulsion.
const TSNE_BH: &str = r#"method "blobs-tsne-bh"
data = Blobs(n = 240, centers = 3, dim = 6, std = 0.4, seed = 2, batch = 240, holdout = 0)
embedding = LookUpTable(n = 240, dim = 2, init = pca) on index
p = Gaussian(perplexity = 10, scope = dataset) on x -> exaggerate(12, until = 6)
q = StudentT(repulsion = barnes_hut, theta = 0.5) on embedding
train = Train(epochs = 12, optimizer = Adam(lr = 0.5), schedule = Constant(), seed = 5)
eval = [knn]
"#;

/// The exaggerated steps optimize a larger loss (α·attraction), the rest the
/// plain one; the map moves; a run resumed inside the exaggeration phase
/// follows the uninterrupted run's losses exactly.
#[test]
fn tsne_with_exaggeration_and_barnes_hut_trains_and_resumes_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "tsne.icon", TSNE_BH);
    let full = dir.path().join("full").display().to_string();
    let (code, stdout, stderr) = iconc(&["run", &file, "--out", &full, "--quiet"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let losses = epoch_losses(&full);
    assert_eq!(losses.len(), 12, "{losses:?}");
    assert!(losses.iter().all(|l| l.is_finite()), "{losses:?}");
    // α = 12 multiplies the attraction (−Σ p log w ≥ 0): the loss drops
    // where exaggeration ends (step 6) by far more than any plain step moves it.
    let drop = losses[5] - losses[6];
    let plain = losses[6..]
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0, f64::max);
    assert!(drop > 5.0 * plain && drop > 0.1, "{losses:?}");
    let part = dir.path().join("part").display().to_string();
    let short = write(
        dir.path(),
        "short.icon",
        &TSNE_BH.replace("epochs = 12", "epochs = 3"),
    );
    let (code, _, stderr) = iconc(&["run", &short, "--out", &part, "--quiet"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = iconc(&["run", "--resume", &part, "--epochs", "12", "--quiet"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(epoch_losses(&part), losses);
    let read = |run: &str| std::fs::read(Path::new(run).join("embeddings.npy")).unwrap();
    assert_eq!(read(&part), read(&full));
}

/// `Sgd(lr_rule = tsne)`: the learning rate is max(N / 4α, 50), so it
/// switches when exaggeration ends (N = 4,800: 100, then 1,200).
#[test]
fn tsne_learning_rate_rule_follows_the_exaggeration() {
    let dir = tempfile::tempdir().unwrap();
    let text = TSNE_BH
        .replace("n = 240", "n = 4800")
        .replace("batch = 240", "batch = 4800")
        .replace("LookUpTable(n = 240", "LookUpTable(n = 4800")
        .replace("until = 6", "until = 4")
        .replace("epochs = 12", "epochs = 8")
        .replace("Adam(lr = 0.5)", "Sgd(momentum = 0.5, lr_rule = tsne)");
    let file = write(dir.path(), "rule.icon", &text);
    let run = dir.path().join("run").display().to_string();
    let (code, stdout, stderr) = iconc(&["run", &file, "--out", &run, "--quiet"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let lrs: Vec<f64> = std::fs::read_to_string(Path::new(&run).join("metrics.jsonl"))
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["lr"].as_f64())
        .collect();
    assert_eq!(
        lrs,
        [100.0, 100.0, 100.0, 100.0, 1200.0, 1200.0, 1200.0, 1200.0]
    );
    assert!(epoch_losses(&run).iter().all(|l| l.is_finite()));
}

#[test]
fn divergence_exits_1_with_e0703() {
    let dir = tempfile::tempdir().unwrap();
    let text = SIMCLR_BLOBS.replace("Adam(lr = 1e-2)", "Sgd(lr = 1e30)");
    let file = write(dir.path(), "nan.icon", &text);
    let out = dir.path().join("run").display().to_string();
    let (code, _, stderr) = iconc(&["run", &file, "--out", &out, "--quiet"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("E0703"), "{stderr}");
    assert!(!Path::new(&out).join("embeddings.npy").exists());
}

#[test]
fn bad_method_and_missing_run_dir() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "bad.icon",
        "method \"x\"\nq = Gausian() on embedding\n",
    );
    let (code, _, stderr) = iconc(&["run", &file, "--quiet"]);
    assert_eq!(code, 1, "{stderr}");
    let missing = dir.path().join("nope").display().to_string();
    let (code, _, stderr) = iconc(&["run", "--resume", &missing]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("E0704"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn ctrl_c_saves_a_checkpoint_and_resume_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let text = SIMCLR_BLOBS.replace("epochs = 2", "epochs = 100000");
    let file = write(dir.path(), "long.icon", &text);
    // SIGTERM (a scheduler stopping the job) is handled like Ctrl-C.
    for (signal, exit, name) in [(libc::SIGINT, 130, "int"), (libc::SIGTERM, 143, "term")] {
        let out = dir.path().join(name);
        let child = Command::new(env!("CARGO_BIN_EXE_iconc"))
            .args(["run", &file, "--out", &out.display().to_string(), "--quiet"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // wait until the first epoch's checkpoint exists, then signal
        let start = std::time::Instant::now();
        while !out.join("checkpoint.bin").exists() && start.elapsed().as_secs() < 60 {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        // SAFETY: plain kill(2) on our own child.
        unsafe {
            libc::kill(child.id() as libc::pid_t, signal);
        }
        let res = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&res.stderr);
        assert_eq!(res.status.code(), Some(exit), "{name}: {stderr}");
        assert!(stderr.contains("--resume"), "{name}: {stderr}");
        assert!(
            !out.join("embeddings.npy").exists(),
            "{name}: no evaluation after an interrupt"
        );
        // resume with a cap that is already reached: it evaluates and finishes
        let (code, stdout, stderr) = iconc(&[
            "run",
            "--resume",
            &out.display().to_string(),
            "--epochs",
            "1",
            "--quiet",
        ]);
        assert_eq!(code, 0, "{name}: {stdout}\n{stderr}");
        assert!(out.join("embeddings.npy").is_file(), "{name}");
    }
}

#[test]
fn bench_reports_every_phase_as_text_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "m.icon", SIMCLR_BLOBS);
    let (code, stdout, stderr) = iconc(&["bench", &file, "--steps", "3", "--warmup", "1"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    for phase in [
        "data",
        "forward",
        "p ",
        "q+divergence",
        "backward",
        "optimizer",
    ] {
        assert!(stdout.contains(phase), "no `{phase}` in:\n{stdout}");
    }
    assert!(stdout.contains("samples/s"), "{stdout}");
    let (code, stdout, stderr) = iconc(&[
        "bench", &file, "--steps", "4", "--warmup", "0", "--format", "json",
    ]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["steps"], 4);
    assert_eq!(report["rows_per_step"], 40);
    assert!(report["steps_per_s"].as_f64().unwrap() > 0.0);
    let phases = report["phases"].as_array().unwrap();
    assert_eq!(phases.len(), 7, "six phases and `other`");
    let claimed: f64 = phases.iter().map(|p| p["seconds"].as_f64().unwrap()).sum();
    let wall = report["seconds"].as_f64().unwrap();
    assert!(
        (claimed - wall).abs() <= 1e-6 * wall.max(1.0) + 1e-9,
        "{claimed} vs {wall}"
    );
    let forward = phases.iter().find(|p| p["phase"] == "forward").unwrap();
    assert!(forward["seconds"].as_f64().unwrap() > 0.0, "{report}");
    // bench writes no run directory
    assert!(!dir.path().join("runs").exists());
}

#[test]
fn a_batch_that_cannot_fit_is_refused_before_training() {
    let dir = tempfile::tempdir().unwrap();
    // 200,000² pairs × 44 bytes ≈ 1.7 TiB: never allocatable here, whole.
    let huge = SIMCLR_BLOBS
        .replace("n = 300", "n = 400100")
        .replace("batch = 40", "batch = 200000")
        .replace("holdout = 60", "holdout = 100");
    // Untiled by request, and row-mixing p that cannot be tiled.
    let mixing = huge.replace(
        "p = Augmentation() on index",
        "p = Augmentation() on index -> symmetrize",
    );
    for (name, text, flags, hint) in [
        (
            "untiled",
            &huge,
            &["--loss-tile", "off"][..],
            "--loss-tile auto",
        ),
        ("mixing", &mixing, &[][..], "need them whole"),
    ] {
        let file = write(dir.path(), &format!("{name}.icon"), text);
        let out = dir.path().join(name);
        let mut args = vec!["run", &file, "--out"];
        let out_s = out.display().to_string();
        args.push(&out_s);
        args.extend_from_slice(flags);
        let (code, stdout, stderr) = iconc(&args);
        assert_eq!(code, 1, "{name}: {stdout}\n{stderr}");
        assert!(stderr.contains("E0706"), "{name}: {stderr}");
        assert!(
            stderr.contains("largest batch that fits"),
            "{name}: {stderr}"
        );
        assert!(stderr.contains(hint), "{name}: {stderr}");
        assert!(!out.exists(), "{name}: no run directory for a refused run");
    }
}

/// A tiny t-SNE-like method on Blobs with `p` replaced.
fn with_p(p: &str) -> String {
    format!(
        "method \"m\"\ndata = Blobs(n = 80, centers = 2, dim = 3, batch = 40, holdout = 0)\nembedding = Linear(out = 2) on x\np = {p}\nq = StudentT(gamma = 1) on embedding\ntrain = Train(epochs = 1, seed = 1)\n"
    )
}

#[test]
fn a_p_that_is_not_a_distribution_stops_training() {
    let dir = tempfile::tempdir().unwrap();
    for (name, p, says) in [
        (
            "signed",
            "Gaussian(sigma = 1) on x - UniformKNN(k = 5) on x",
            "not a distribution",
        ),
        (
            "zero",
            "Gaussian(sigma = 1) on x - Gaussian(sigma = 1) on x",
            "zero everywhere",
        ),
    ] {
        let file = write(dir.path(), &format!("{name}.icon"), &with_p(p));
        let out = dir.path().join(name);
        let (code, stdout, stderr) =
            iconc(&["run", &file, "--quiet", "--out", &out.display().to_string()]);
        assert_eq!(code, 1, "{name}: {stdout}\n{stderr}");
        assert!(stderr.contains("E0515"), "{name}: {stderr}");
        assert!(stderr.contains(says), "{name}: {stderr}");
    }
}

#[test]
fn a_graph_with_nodes_past_the_data_set_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("g.edges"), "0 1\n1 2\n2 500\n").unwrap();
    let file = write(
        dir.path(),
        "g.icon",
        &with_p("Graph(path = \"g.edges\", mode = transition) on index"),
    );
    let out = dir.path().join("run");
    let (code, stdout, stderr) =
        iconc(&["run", &file, "--quiet", "--out", &out.display().to_string()]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(
        stderr.contains("E0508") && stderr.contains("node 500"),
        "{stderr}"
    );
    assert!(!out.exists(), "refused before a run directory exists");
}

#[test]
fn out_never_reuses_a_run_directory() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "m.icon", &with_p("Gaussian(sigma = 1) on x"));
    let out = dir.path().join("run").display().to_string();
    let (code, _, stderr) = iconc(&["run", &file, "--quiet", "--steps", "1", "--out", &out]);
    assert_eq!(code, 0, "{stderr}");
    let before = std::fs::read(dir.path().join("run/method.json")).unwrap();
    let (code, _, stderr) = iconc(&["run", &file, "--quiet", "--steps", "1", "--out", &out]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("E0707"), "{stderr}");
    let after = std::fs::read(dir.path().join("run/method.json")).unwrap();
    assert_eq!(before, after, "the first run's files are untouched");
    // A resumed run keeps its seed.
    let (code, _, stderr) = iconc(&["run", "--resume", &out, "--seed", "7"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--seed"), "{stderr}");
}

#[test]
fn a_swiss_roll_with_four_classes_trains() {
    // The checker typed `classes = 4` while the runtime generated 6 (E0606).
    let dir = tempfile::tempdir().unwrap();
    let text = with_p("Gaussian(sigma = 1) on x").replace(
        "Blobs(n = 80, centers = 2, dim = 3, batch = 40, holdout = 0)",
        "SwissRoll(n = 80, classes = 4, batch = 40, holdout = 0)",
    );
    let file = write(dir.path(), "roll.icon", &text);
    let out = dir.path().join("run").display().to_string();
    let (code, stdout, stderr) = iconc(&["run", &file, "--quiet", "--steps", "1", "--out", &out]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
}

#[test]
fn resume_finds_relative_data_from_any_working_directory() {
    use iconc::data::npz::{NpyArray, NpzArrays};
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project");
    std::fs::create_dir(&project).unwrap();
    let mut arrays = NpzArrays::new();
    let n = 60;
    let x: Vec<f32> = (0..n * 3)
        .map(|i| ((i * 7919) % 101) as f32 / 101.0)
        .collect();
    arrays.insert("x", NpyArray::f32(vec![n, 3], x));
    arrays.insert(
        "label",
        NpyArray::i64(vec![n], (0..n as i64).map(|i| i % 2).collect()),
    );
    arrays.write(&project.join("data.npz")).unwrap();
    let text = with_p("Gaussian(sigma = 1) on x").replace(
        "Blobs(n = 80, centers = 2, dim = 3, batch = 40, holdout = 0)",
        "Npz(path = \"data.npz\", features = 3, classes = 2, batch = 20, holdout = 0)",
    );
    std::fs::write(project.join("m.icon"), text).unwrap();
    let run = |cwd: &Path, args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_iconc"))
            .current_dir(cwd)
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // Started with a bare relative path: the stored base directory was "".
    let (code, err) = run(&project, &["run", "m.icon", "--quiet", "--out", "../run"]);
    assert_eq!(code, 0, "{err}");
    let (code, err) = run(
        dir.path(),
        &["run", "--resume", "run", "--epochs", "2", "--quiet"],
    );
    assert_eq!(code, 0, "resume from the parent directory: {err}");
}

#[test]
fn a_collapsed_embedding_is_a_named_warning() {
    let dir = tempfile::tempdir().unwrap();
    // lr = 1e9 sends every embedding to one point (loss ln 39, kNN at chance).
    let text = SIMCLR_BLOBS.replace("Adam(lr = 1e-2)", "Adam(lr = 1e9)");
    let file = write(dir.path(), "collapse.icon", &text);
    let out = dir.path().join("run").display().to_string();
    let (code, stdout, stderr) = iconc(&["run", &file, "--quiet", "--out", &out]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stderr.contains("W0708"), "{stderr}");
    // A healthy run says nothing of the kind.
    let file = write(dir.path(), "ok.icon", SIMCLR_BLOBS);
    let out = dir.path().join("ok").display().to_string();
    let (code, _, stderr) = iconc(&["run", &file, "--quiet", "--out", &out]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("W0708"), "{stderr}");
}

#[test]
fn a_shared_method_cannot_read_outside_its_root() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project");
    std::fs::create_dir(&project).unwrap();
    // `use` of a file outside: refused before it is opened, nothing quoted.
    let secret = dir.path().join("secret.icon");
    std::fs::write(&secret, "SECRET-LINE = 1\n").unwrap();
    let m = project.join("m.icon");
    std::fs::write(
        &m,
        format!(
            "use \"{}\"\n{}",
            secret.display(),
            with_p("Gaussian(sigma = 1) on x")
        ),
    )
    .unwrap();
    let (code, stdout, stderr) = iconc(&["check", &m.display().to_string()]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(stderr.contains("E0226"), "{stderr}");
    assert!(
        !stderr.contains("SECRET"),
        "the file is not quoted: {stderr}"
    );
    // A data file outside (here `../data.csv`): E0226 before reading it.
    std::fs::write(dir.path().join("data.csv"), "1,2,3,0\nSECRET,5,6,1\n").unwrap();
    let csv = with_p("Gaussian(sigma = 1) on x").replace(
        "Blobs(n = 80, centers = 2, dim = 3, batch = 40, holdout = 0)",
        "Csv(path = \"../data.csv\", label_column = 3, features = 3, classes = 2, batch = 2, holdout = 0)",
    );
    std::fs::write(&m, csv).unwrap();
    let out = dir.path().join("run").display().to_string();
    let (code, stdout, stderr) =
        iconc(&["run", &m.display().to_string(), "--quiet", "--out", &out]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(
        stderr.contains("E0226") && !stderr.contains("SECRET"),
        "{stderr}"
    );
    // `--root` widens the root on purpose; the run then reads the file.
    let root = dir.path().display().to_string();
    let (code, _, stderr) = iconc(&[
        "run",
        &m.display().to_string(),
        "--quiet",
        "--out",
        &out,
        "--root",
        &root,
    ]);
    assert!(!stderr.contains("E0226"), "{stderr}");
    assert_ne!(code, 101, "{stderr}");
}

#[test]
fn a_method_of_seventy_kernel_terms_resumes() {
    // serde_json's default depth limit (128) refused method.json from 62 terms on.
    let dir = tempfile::tempdir().unwrap();
    let terms = vec!["0.1 * Gaussian(sigma = 1) on x"; 70].join(" + ");
    let file = write(
        dir.path(),
        "deep.icon",
        &with_p(&format!("({terms}) -> normalize")),
    );
    let out = dir.path().join("run").display().to_string();
    let (code, _, stderr) = iconc(&["run", &file, "--quiet", "--out", &out]);
    assert_eq!(code, 0, "{stderr}");
    let (code, stdout, stderr) = iconc(&["run", "--resume", &out, "--epochs", "2", "--quiet"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
}

/// Dual t-SNE with `calibrate = direct` (issue 13 item 5): the directly
/// calibrated Student-t p trains (finite losses that fall).
#[test]
fn dual_tsne_with_direct_calibration_trains() {
    let dir = tempfile::tempdir().unwrap();
    let method = r#"method "blobs-dual-tsne"
data = Blobs(n = 300, centers = 3, dim = 6, std = 0.4, seed = 2, batch = 60, holdout = 60)
embedding = MLP(hidden = [32], out = 2) on x
p = StudentT(dof = 1, perplexity = 20, calibrate = direct) on x
q = Gaussian(sigma = 0.7071068) on embedding
train = Train(epochs = 3, optimizer = Adam(lr = 1e-2), schedule = Constant(), seed = 5)
eval = [knn]
"#;
    let file = write(dir.path(), "m.icon", method);
    let out = dir.path().join("run").display().to_string();
    let (code, stdout, stderr) = iconc(&["run", &file, "--out", &out, "--quiet"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let losses = epoch_losses(&out);
    assert_eq!(losses.len(), 3, "{losses:?}");
    assert!(losses.iter().all(|l| l.is_finite()), "{losses:?}");
    assert!(losses[2] < losses[0], "the loss does not fall: {losses:?}");
}
