//! One `iconc run`: data → model → training loop → evaluation → outputs.
//!
//! Generic over the loss ([`LossFamily`]) so the I-Con loss plugs in from
//! `runtime::loss` and tests can drive the whole path with a tiny loss.

use super::evaluate::{evaluate, EvalReport};
use super::{
    train, Checkpoint, EpochRecord, Hooks, LoopConfig, Objective, ProgressMode, StepOutput, Stop,
};
use crate::data::{self, Batcher, HostBatch};
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::ir;
use crate::runtime::divergence;
use crate::runtime::kernels::neighbors::{self, SparseP};
use crate::runtime::loss::{self, Batch, KernelParams};
use crate::runtime::loss_tiles::{batch_rows, tile_rows, tiled_loss, Tiling};
use crate::runtime::mappers::PcaSource;
use crate::runtime::model::{IconModel, Mappers};
use crate::runtime::output::{self, MetricsLog};
use crate::runtime::p_ahead;
use crate::runtime::profile::{self, Phase};
use crate::runtime::sparse_loss;
use burn::module::{AutodiffModule, ModuleDisplay};
use burn::optim::GradientsParams;
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{Int, Tensor, TensorData};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The loss side of a run: learnable kernel parameters and the loss of a batch.
pub trait LossFamily<B: AutodiffBackend> {
    /// Learnable kernel parameters (a burn module; may hold nothing).
    type Kernel: AutodiffModule<B, InnerModule: ModuleDisplay> + ModuleDisplay;
    /// Fresh parameters for `method`.
    fn init_kernel(&self, method: &ir::Method, device: &B::Device) -> Self::Kernel;
    /// How the loss splits into row tiles (the memory estimate follows it).
    fn tiling(&self) -> Tiling {
        Tiling::Off
    }
    /// The loss of one batch whose keys (data + mapper outputs) are computed,
    /// at optimizer step `step`.
    fn loss(
        &self,
        method: &ir::Method,
        keys: Batch<B>,
        kernel: &Self::Kernel,
        step: usize,
    ) -> Result<StepOutput<B>, Diagnostic>;
}

/// The I-Con loss of `runtime::loss` with its learnable kernel scales.
#[derive(Debug, Clone, Copy, Default)]
pub struct IconLoss {
    /// Whether a step computes the loss in row tiles (bounded memory).
    pub tiling: Tiling,
}

impl<B: AutodiffBackend> LossFamily<B> for IconLoss {
    type Kernel = KernelParams<B>;
    fn init_kernel(&self, method: &ir::Method, device: &B::Device) -> KernelParams<B> {
        KernelParams::init(method, device)
    }
    fn tiling(&self) -> Tiling {
        self.tiling
    }
    fn loss(
        &self,
        method: &ir::Method,
        batch: Batch<B>,
        kernel: &KernelParams<B>,
        step: usize,
    ) -> Result<StepOutput<B>, Diagnostic> {
        let alpha = loss::exaggeration_at(method, step);
        if let Some(bh) = sparse_loss::BarnesHut::of(method) {
            return Ok(StepOutput {
                loss: bh.loss(method, &batch, alpha)?,
                terms: Vec::new(),
            });
        }
        if let Some(tile) = tile_rows(method, batch_rows(method, &batch)?, self.tiling) {
            return Ok(StepOutput {
                loss: tiled_loss(method, &batch, kernel, tile, alpha)?,
                // The B² matrices are never whole; a non-finite loss is
                // reported without them.
                terms: Vec::new(),
            });
        }
        let eval = loss::icon_loss_exaggerated(method, &batch, kernel, alpha)?;
        // Training refuses a p that is not a distribution (inspect shows it).
        if !eval.host.distribution.clone()? {
            return Err(divergence::zero_p());
        }
        let out = eval.output;
        Ok(StepOutput {
            loss: out.loss,
            terms: vec![("p".into(), out.p), ("log_q".into(), out.log_q)],
        })
    }
}

/// A run checkpoints at each epoch end and, within long epochs, at least
/// this often.
// Decision: a minute bounds the work a kill loses; a checkpoint of a
// ResNet-18 run (~100 MB) costs well under a second of that minute.
pub const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Options of one run (the CLI flags that are not IR overrides).
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// `--out DIR` (default `runs/<method>-<timestamp>`).
    pub out: Option<PathBuf>,
    /// `--resume DIR`: continue from `DIR/checkpoint.bin`.
    pub resume: Option<PathBuf>,
    /// Progress display.
    pub progress: ProgressMode,
    /// The method's source text (stored in the run directory).
    pub source_text: String,
    /// Folder user data paths are relative to (the method file's folder).
    pub base_dir: PathBuf,
}

/// What a finished (or interrupted) run reports.
#[derive(Debug, Clone)]
pub struct RunSummary {
    /// The run directory.
    pub dir: PathBuf,
    /// Why training ended.
    pub stop: Stop,
    /// Loss of every step.
    pub step_losses: Vec<f64>,
    /// Mean training throughput over the epochs run in this process.
    pub samples_per_s: f64,
    /// DetailedLoss (None when interrupted).
    pub eval: Option<EvalReport>,
}

/// `method.json` in the run directory: the resolved IR and its source text.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredMethod {
    /// The `.icon` text as given.
    pub source: String,
    /// Folder user data paths are relative to.
    pub base_dir: PathBuf,
    /// The checked IR (after CLI overrides).
    pub method: ir::Method,
}

/// Reads `DIR/method.json` of an earlier run (for `--resume`).
pub fn read_stored_method(dir: &Path) -> Result<StoredMethod, Diagnostic> {
    let path = dir.join("method.json");
    let text = crate::files::read_text(&path, crate::files::MAX_SOURCE_BYTES).map_err(|e| {
        Diagnostic::bare(Code::BadCheckpoint, format!("cannot read `{}`: {e}", path.display()))
            .with_help("`--resume` takes a run directory written by `iconc run` (it holds method.json and checkpoint.bin)")
    })?;
    // serde_json stops at 128 levels by default, which a method of 62 kernel
    // terms already passes; the parser bounds the depth (E0111) instead.
    let mut de = serde_json::Deserializer::from_str(&text);
    de.disable_recursion_limit();
    serde::Deserialize::deserialize(&mut de).map_err(|e| {
        Diagnostic::bare(
            Code::BadCheckpoint,
            format!("`{}` is not a stored method: {e}", path.display()),
        )
        .with_help("resume from a run directory written by this version of iconc")
    })
}

type Model<B, L> = IconModel<B, <L as LossFamily<B>>::Kernel>;

struct IconObjective<'a, B: AutodiffBackend, L: LossFamily<B>> {
    method: &'a ir::Method,
    loss: &'a L,
    device: B::Device,
    orthonormal: bool,
    /// Training rows N (t-SNE's learning-rate rule).
    train_rows: usize,
}

impl<B: AutodiffBackend, L: LossFamily<B>> Objective<B> for IconObjective<'_, B, L> {
    type Model = Model<B, L>;
    type Batch = HostBatch;
    fn rows(&self, batch: &HostBatch) -> usize {
        batch.rows
    }
    fn loss(
        &self,
        model: &Self::Model,
        batch: &HostBatch,
        step: usize,
    ) -> Result<StepOutput<B>, Diagnostic> {
        let keys = profile::time(Phase::Forward, || {
            let keys = model.mappers.forward(host_keys(batch, &self.device));
            profile::sync::<B>(&self.device);
            keys
        })?;
        self.loss.loss(self.method, keys, &model.kernel, step)
    }
    fn learning_rate(&self, scheduled: f64, step: usize) -> f64 {
        match self.method.train.optimizer {
            ir::Optimizer::Sgd { lr_rule, .. } => lr_rule.rate(
                scheduled,
                self.train_rows,
                loss::exaggeration_at(self.method, step),
            ),
            _ => scheduled,
        }
    }
    fn adjust_grads(&self, model: &Self::Model, grads: &mut GradientsParams) {
        if self.orthonormal {
            model.mappers.project_orthonormal_grads(grads);
        }
    }
    fn after_step(
        &self,
        mut model: Self::Model,
        step: usize,
        total: usize,
    ) -> Result<Self::Model, Diagnostic> {
        if self.orthonormal {
            model.mappers = model.mappers.orthonormalize();
        }
        // A no-op without momentum copies.
        model.mappers = model.mappers.momentum_step(step, total)?;
        Ok(model)
    }
}

/// The data keys of a host batch on the device ([`HostBatch::float_keys`],
/// [`HostBatch::int_keys`]).
///
/// # Shapes
/// `x`, `x1`: `[rows, F]`; `label`, `index`: `[rows]`
pub fn host_keys<B: Backend>(batch: &HostBatch, device: &B::Device) -> Batch<B> {
    let mut keys = Batch::default();
    for (name, values, cols) in batch.float_keys() {
        let data = TensorData::new(values.to_vec(), [batch.rows, cols]);
        keys.floats
            .insert(name.into(), Tensor::from_data(data, device));
    }
    for (name, values) in batch.int_keys() {
        let data = TensorData::new(values.to_vec(), [values.len()]);
        keys.ints
            .insert(name.into(), Tensor::<B, 1, Int>::from_data(data, device));
    }
    keys
}

/// Whether a training step reads `x` (or `x1`): a mapper reads it, or a p or
/// q kernel that is not a `scope = dataset` table (those read `x` once,
/// before training, from the data set).
pub fn step_reads_features(method: &ir::Method) -> bool {
    let reads = |key: &str| key == "x" || key == "x1";
    let mapper = method
        .mappers
        .iter()
        .any(|m| m.input.as_deref().is_some_and(reads));
    let mut kernel_keys = std::collections::BTreeSet::new();
    crate::runtime::kernels::expr_keys(&method.p, &mut kernel_keys);
    crate::runtime::kernels::expr_keys(&method.q, &mut kernel_keys);
    mapper || kernel_keys.iter().any(|k| reads(k)) || method.data.modalities.is_some()
}

/// Writes metrics lines and checkpoints into the run directory.
struct RunHooks {
    dir: PathBuf,
    metrics: MetricsLog,
    throughput: Vec<f64>,
}

impl Hooks for RunHooks {
    fn epoch_end(&mut self, r: &EpochRecord) -> Result<(), Diagnostic> {
        self.throughput.push(r.samples_per_s);
        self.metrics.push(&serde_json::json!({
            "epoch": r.epoch + 1,
            "loss": finite_or_null(r.loss),
            "step": r.step,
            "lr": r.lr,
            "samples_per_s": r.samples_per_s,
            "seconds": r.seconds,
        }))
    }
    fn checkpoint(&mut self, bytes: &[u8]) -> Result<(), Diagnostic> {
        output::write_atomic(&self.dir.join("checkpoint.bin"), bytes)
    }
}

fn finite_or_null(v: f64) -> serde_json::Value {
    if v.is_finite() {
        serde_json::json!(v)
    } else {
        serde_json::Value::Null
    }
}

/// A method ready to train: graph paths resolved, the data split, the
/// initialised model, the batcher and the loop settings.
pub struct Prepared<B: AutodiffBackend, L: LossFamily<B>> {
    /// The method with absolute graph paths.
    pub method: ir::Method,
    /// The training split.
    pub train_ds: Arc<data::Dataset>,
    /// The held-out split.
    pub test_ds: data::Dataset,
    /// Mappers plus learnable kernel parameters, seeded by `Train(seed)`.
    pub model: Model<B, L>,
    /// Shuffled, augmented batches of the training split.
    pub batcher: Batcher,
    /// Loop settings from `Train(…)`.
    pub config: LoopConfig,
    /// The data-set p tables `method.p` points at (`scope = dataset`), with
    /// their cache keys; they live as long as this is held.
    pub tables: Vec<(u64, Arc<SparseP>)>,
}

/// Loads the data of `method` (paths relative to `base_dir`), seeds the
/// backend and builds the model: everything `run` and `bench` share.
/// `resume` is the run directory being resumed, whose cached data-set p
/// tables are reused when they match.
pub fn prepare<B: AutodiffBackend, L: LossFamily<B>>(
    method: &ir::Method,
    loss: &L,
    base_dir: &Path,
    resume: Option<&Path>,
    progress: ProgressMode,
    device: &B::Device,
) -> Result<Prepared<B, L>, Diagnostic> {
    crate::runtime::float_mode::flush_subnormals();
    check_paths_in_root(method, base_dir)?;
    // `Graph(path = …)` is relative to the method file; the loss has no base dir.
    let mut method = method.clone();
    // An absolute base keeps this idempotent when a resumed run resolves again.
    let base = std::fs::canonicalize(base_dir).unwrap_or_else(|_| base_dir.to_path_buf());
    crate::runtime::kernels::graph::resolve_graph_paths(&mut method, &base);
    // Before loading: a data set or a model too large to allocate is a
    // diagnostic, not an abort inside the allocator.
    if let Some(available) = crate::runtime::memory::available_bytes() {
        let rows = data::rows_per_batch(&method.data);
        crate::runtime::memory::check_fits(&method, rows, loss.tiling(), available)?;
    }
    let dataset = data::load(&method.data, base_dir)?;
    crate::runtime::kernels::graph::check_graph_nodes(&method, dataset.n)?;
    let (train_ds, test_ds) = data::split(dataset, method.data.holdout);
    if train_ds.n == 0 {
        return Err(
            Diagnostic::bare(Code::TooLittleTrainingData, "the training split is empty")
                .with_help("lower `holdout` in `data = …(holdout = …)` or use more samples"),
        );
    }
    let tables = if neighbors::has_dataset_scope(&method.p) {
        let key = neighbors::dataset_key(&method.p).unwrap_or("x");
        let x = match train_ds.side.as_ref().filter(|s| s.key == key) {
            Some(s) => neighbors::dataset_rows(&s.values, train_ds.n, s.features),
            None => neighbors::dataset_rows(&train_ds.x, train_ds.n, train_ds.features),
        };
        let cached = resume.map(neighbors::read_cache).unwrap_or_default();
        neighbors::attach(&mut method.p, &x, &cached)?
    } else {
        vec![]
    };
    let seed = method.train.seed;
    let model: Model<B, L> = {
        // burn's RNG is process-wide: hold the lock from seeding to the last
        // parameter draw, so runs on parallel threads of one process (a
        // library user's, the test binaries') keep their seeded init.
        let _draws = crate::runtime::backend::seeded_draws();
        B::seed(device, seed);
        let pca = PcaSource {
            x: &train_ds.x,
            n: train_ds.n,
            features: train_ds.features,
            seed,
        };
        let model = IconModel {
            mappers: Mappers::init(&method, Some(pca), device)?,
            kernel: loss.init_kernel(&method, device),
        };
        crate::runtime::model::materialize(&model);
        model
    };

    let train_ds = Arc::new(train_ds);
    let batcher = Batcher::new(train_ds.clone(), &method.data, seed);
    let batcher = match method.data.pairs {
        // The checker requires a data-set p; its first table (in p's
        // left-to-right order) is where partners come from.
        ir::Pairs::Neighbors => {
            let (_, table) = tables.first().ok_or_else(|| {
                crate::runtime::kernels::host::internal(
                    "`pairs = neighbors` without a data-set p table".into(),
                )
            })?;
            batcher.with_partners(data::Partners::new(table.rows.clone()))
        }
        ir::Pairs::Views | ir::Pairs::Label => batcher,
    };
    let batcher = if step_reads_features(&method) {
        batcher
    } else {
        batcher.without_features()
    };
    let steps_per_epoch = batcher.batches_per_epoch();
    if steps_per_epoch == 0 {
        return Err(Diagnostic::bare(
            Code::TooLittleTrainingData,
            format!(
                "the training split ({} samples) is smaller than one batch",
                train_ds.n
            ),
        )
        .with_help("lower `batch` in `data = …(batch = …)` or `holdout`"));
    }
    let config = LoopConfig {
        checkpoint_every: Some(CHECKPOINT_EVERY),
        epochs: method.train.epochs,
        max_steps: method.train.steps,
        steps_per_epoch,
        optimizer: method.train.optimizer.clone(),
        schedule: method.train.schedule.clone(),
        clip: method.train.clip,
        ema: method.train.ema,
        seed,
        progress,
    };
    Ok(Prepared {
        method,
        train_ds,
        test_ds,
        model,
        batcher,
        config,
        tables,
    })
}

/// E0226 unless every file the method names (data files, graphs) lies in
/// the root of its folder `base_dir` (`files::root`): a shared method may not
/// read, and so quote back, a file outside it. Checked before any is opened.
pub fn check_paths_in_root(method: &ir::Method, base_dir: &Path) -> Result<(), Diagnostic> {
    use ir::DataSource as S;
    let root = crate::files::root::for_dir(base_dir);
    let mut paths: Vec<&str> = match &method.data.source {
        S::Idx { images, labels } => vec![images, labels],
        S::Cifar10 { dir } => vec![dir],
        S::Npz { path, .. } | S::Csv { path, .. } => vec![path],
        _ => vec![],
    };
    for (kernel, _) in method.p.leaves() {
        if let ir::Kernel::Graph { path, .. } = kernel {
            paths.push(path);
        }
    }
    for stage in method.mappers.iter().flat_map(|m| m.stages.iter()) {
        if let ir::MapperStage::Frozen { weights, .. } = stage {
            paths.push(weights);
        }
    }
    for p in paths {
        if !crate::files::root::contains(&root, &base_dir.join(p)) {
            return Err(Diagnostic::bare(
                Code::PathOutsideRoot,
                format!(
                    "the method reads \"{p}\", outside its root {}",
                    crate::files::root::shown(&root)
                ),
            )
            .with_help("move the file inside the root, put a `.iconc-root` marker in a folder above both, or pass `--root DIR`"));
        }
    }
    Ok(())
}

/// The objective `train` optimizes for `method` with `model`'s mappers.
pub(crate) fn objective<'a, B: AutodiffBackend, L: LossFamily<B>>(
    method: &'a ir::Method,
    model: &Model<B, L>,
    loss: &'a L,
    device: &B::Device,
    train_rows: usize,
) -> impl Objective<B, Model = Model<B, L>, Batch = HostBatch> + 'a {
    IconObjective::<B, L> {
        method,
        loss,
        device: device.clone(),
        orthonormal: model.mappers.has_orthonormal(),
        train_rows,
    }
}

/// Runs `method` end to end on backend `B`.
pub fn run_method<B: AutodiffBackend, L: LossFamily<B>>(
    method: &ir::Method,
    loss: &L,
    opts: &RunOptions,
    device: &B::Device,
) -> Result<RunSummary, Diagnostic> {
    let Prepared {
        method,
        train_ds,
        test_ds,
        model,
        batcher,
        config,
        tables,
    } = prepare::<B, L>(
        method,
        loss,
        &opts.base_dir,
        opts.resume.as_deref(),
        opts.progress,
        device,
    )?;
    let method = &method;
    let dir = match &opts.resume {
        Some(d) => d.clone(),
        None => output::create_run_dir(opts.out.as_deref(), &method.name)?,
    };
    output::remove_stale_temps(&dir);
    if !tables.is_empty() {
        output::write_atomic(
            &dir.join(neighbors::CACHE_FILE),
            &neighbors::encode(&tables),
        )?;
    }
    let resume_bytes = match &opts.resume {
        Some(d) => {
            let p = d.join("checkpoint.bin");
            Some(std::fs::read(&p).map_err(|e| {
                Diagnostic::bare(Code::BadCheckpoint, format!("cannot read `{}`: {e}", p.display()))
                    .with_help("the run saves a checkpoint after each epoch; resume a run that finished at least one epoch")
            })?)
        }
        None => {
            let stored = StoredMethod {
                source: opts.source_text.clone(),
                base_dir: opts.base_dir.clone(),
                method: method.clone(),
            };
            let json = serde_json::to_vec_pretty(&stored).map_err(|e| {
                Diagnostic::bare(
                    Code::OutputNotWritable,
                    format!("cannot encode the method: {e}"),
                )
            })?;
            output::write_atomic(&dir.join("method.json"), &json)?;
            None
        }
    };
    let mut hooks = RunHooks {
        dir: dir.clone(),
        metrics: MetricsLog::open(&dir),
        throughput: vec![],
    };
    match &resume_bytes {
        Some(b) => hooks
            .metrics
            .truncate(Checkpoint::from_bytes(b)?.state.epoch_losses.len()),
        None => hooks.metrics.truncate(0),
    }

    let objective = objective(method, &model, loss, device, train_ds.n);
    super::interrupt::install();
    let trained = train(
        &objective,
        model,
        |e| p_ahead::ahead(method, batcher.rows(), loss.tiling(), batcher.epoch(e)),
        &config,
        resume_bytes.as_deref(),
        &mut hooks,
        device,
    )?;
    let samples_per_s = mean(&hooks.throughput);
    let mut summary = RunSummary {
        dir: dir.clone(),
        stop: trained.stop,
        step_losses: trained.state.step_losses.clone(),
        samples_per_s,
        eval: None,
    };
    if trained.stop == Stop::Interrupted {
        return Ok(summary);
    }
    let eval_model = trained.eval_model()?;
    let report = evaluate::<B::InnerBackend, L::Kernel>(
        method,
        &eval_model.mappers,
        &train_ds,
        &test_ds,
        device,
    )?;
    output::write_atomic(
        &dir.join("embeddings.npy"),
        &output::npy_f32(&report.embeddings, report.rows, report.dim),
    )?;
    output::write_atomic(&dir.join("labels.npy"), &output::npy_i64(&report.labels))?;
    // The evaluated weights, for `Frozen(weights = "…/weights.safetensors")`.
    crate::runtime::mappers::weights::save(
        &eval_model.mappers.pipelines,
        &dir.join(crate::runtime::mappers::weights::FILE),
    )?;
    let mut scores = serde_json::Map::new();
    for (name, v) in &report.scores {
        scores.insert(name.clone(), finite_or_null(*v));
    }
    hooks.metrics.push(&serde_json::json!({ "eval": scores, "split": report.split, "samples_per_s": samples_per_s }))?;
    let curve: Vec<(usize, f32)> = trained
        .state
        .step_losses
        .iter()
        .enumerate()
        .map(|(i, &l)| (i + 1, l as f32))
        .collect();
    crate::runtime::plot::loss_png(&dir.join("loss.png"), &curve)?;
    crate::runtime::plot::embedding_png(
        &dir.join("embedding.png"),
        &report.embeddings,
        report.dim,
        &report.labels,
    )?;
    summary.eval = Some(report);
    Ok(summary)
}

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        0.0
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}
