//! The whole `iconc run` path (data → model → loop → eval → outputs) on
//! synthetic blobs with a small cross-entropy loss: outputs, resume, NaN guard.

use crate::support::serial;
use burn::backend::{Autodiff, NdArray};
use burn::tensor::activation::log_softmax;
use burn::tensor::backend::AutodiffBackend;
use burn::tensor::Tensor;
use iconc::diag::Diagnostic;
use iconc::ir::*;
use iconc::runtime::loss::Batch;
use iconc::runtime::mappers::Identity;
use iconc::runtime::train::session::{run_method, LossFamily, RunOptions};
use iconc::runtime::train::{ProgressMode, StepOutput, Stop};
use std::path::Path;

type B = Autodiff<NdArray<f32>>;

/// Softmax cross-entropy of `embedding` (B×C logits) against `label`.
struct CrossEntropy;

impl<AB: AutodiffBackend> LossFamily<AB> for CrossEntropy {
    type Kernel = Identity;
    fn init_kernel(&self, _m: &Method, _d: &AB::Device) -> Identity {
        Identity
    }
    fn loss(
        &self,
        _m: &Method,
        keys: Batch<AB>,
        _k: &Identity,
        _step: usize,
    ) -> Result<StepOutput<AB>, Diagnostic> {
        let logits: Tensor<AB, 2> = keys.floats.get("embedding").cloned().unwrap();
        let labels = keys.ints.get("label").cloned().unwrap();
        let [rows, _] = logits.dims();
        let logp = log_softmax(logits.clone(), 1);
        let loss = -logp.clone().gather(1, labels.reshape([rows, 1])).mean();
        Ok(StepOutput {
            loss,
            terms: vec![("log_q".into(), logp)],
        })
    }
}

fn method(epochs: usize, optimizer: Optimizer, schedule: Schedule) -> Method {
    let kernel = |k: Kernel, inputs: &[&str]| KernelExpr::Kernel {
        kernel: k,
        inputs: inputs.iter().map(|s| s.to_string()).collect(),
    };
    Method {
        name: "blobs-ce".into(),
        about: None,
        cite: None,
        data: DataSpec {
            source: DataSource::Blobs {
                n: 240,
                centers: 3,
                dim: 5,
                std: 0.5,
                seed: 4,
            },
            views: 1,
            augment: vec![Augment::Noise { std: 0.05 }],
            batch: 30,
            holdout: 60,
            limit: None,
            modalities: None,
            pairs: Default::default(),
            local: Default::default(),
            features: 5,
            image: None,
            classes: 3,
            samples: Some(240),
        },
        mappers: vec![MapperSpec {
            output: "embedding".into(),
            input: Some("x".into()),
            in_dim: 5,
            out_dim: 3,
            stages: vec![MapperStage::Mlp {
                input: 5,
                hidden: vec![16],
                out: 3,
                activation: Activation::Relu,
                batch_norm: false,
            }],
        }],
        p: kernel(
            Kernel::Label {
                table: true,
                classes: 3,
                exclude_self: false,
            },
            &["label"],
        ),
        exaggeration: None,
        q: kernel(
            Kernel::Gaussian {
                sigma: Some(std::f64::consts::FRAC_1_SQRT_2),
                perplexity: None,
                metric: DistanceMetric::Dot,
                exclude_self: false,
                learnable: false,
                max_logit_scale: iconc::ir::CLIP_MAX_LOGIT_SCALE,
                scope: Default::default(),
            },
            &["embedding"],
        ),
        layout: Layout::Table { classes: 3 },
        divergence: Divergence::Kl,
        train: TrainSpec {
            epochs,
            steps: None,
            optimizer,
            schedule,
            clip: Some(10.0),
            ema: None,
            seed: 11,
            probe: false,
        },
        eval: vec![
            Metric::Knn,
            Metric::LinearProbe,
            Metric::Hungarian,
            Metric::Nmi,
            Metric::Trustworthiness,
            Metric::Alignment,
            Metric::Uniformity,
        ],
        keys: vec![],
    }
}

fn adam() -> Optimizer {
    Optimizer::Adam {
        lr: 1e-2,
        weight_decay: 0.0,
        betas: (0.9, 0.999),
    }
}

fn opts(out: &Path, resume: bool) -> RunOptions {
    RunOptions {
        out: (!resume).then(|| out.to_path_buf()),
        resume: resume.then(|| out.to_path_buf()),
        progress: ProgressMode::Quiet,
        source_text: "method \"blobs-ce\"\n".into(),
        base_dir: ".".into(),
    }
}

#[test]
fn end_to_end_run_writes_every_output() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let m = method(3, adam(), Schedule::Cosine { warmup: 1 });
    let s = run_method::<B, _>(&m, &CrossEntropy, &opts(&out, false), &Default::default()).unwrap();
    assert_eq!(s.stop, Stop::Finished);
    assert_eq!(s.step_losses.len(), 3 * 6); // 180 train samples / 30 per batch
    for f in [
        "method.json",
        "metrics.jsonl",
        "embeddings.npy",
        "labels.npy",
        "checkpoint.bin",
        "loss.png",
        "embedding.png",
    ] {
        assert!(out.join(f).is_file(), "missing {f}");
    }
    // embeddings.npy: the 60 held-out rows × 3
    let bytes = std::fs::read(out.join("embeddings.npy")).unwrap();
    let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
    assert_eq!(npy.shape(), &[60, 3]);
    let labels: Vec<i64> = npyz::NpyFile::new(&std::fs::read(out.join("labels.npy")).unwrap()[..])
        .unwrap()
        .into_vec()
        .unwrap();
    assert_eq!(labels.len(), 60);
    // metrics.jsonl: 3 epoch lines and one eval line
    let text = std::fs::read_to_string(out.join("metrics.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[2]["epoch"], 3);
    let eval = &lines[3]["eval"];
    // well-separated blobs (std 0.5): a trained classifier head separates them
    assert!(eval["knn"].as_f64().unwrap() > 0.9, "{eval}");
    assert!(eval["hungarian"].as_f64().unwrap() > 0.9, "{eval}");
    assert!(eval["trustworthiness"].as_f64().unwrap() > 0.5, "{eval}");
    assert!(lines[0]["samples_per_s"].as_f64().unwrap() > 0.0);
    // method.json holds the IR and the source
    let stored: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("method.json")).unwrap()).unwrap();
    assert_eq!(stored["method"]["name"], "blobs-ce");
    assert!(stored["source"].as_str().unwrap().contains("method"));
    // no temp files left behind
    for e in std::fs::read_dir(&out).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.starts_with('.'), "leftover {name}");
    }
}

#[test]
fn resume_continues_exactly() {
    let _serial = serial();
    let sgd = Optimizer::Sgd {
        lr: 0.05,
        momentum: 0.9,
        nesterov: false,
        weight_decay: 0.0,
        lr_rule: Default::default(),
    };
    let dir = tempfile::tempdir().unwrap();
    let full_dir = dir.path().join("full");
    let full = run_method::<B, _>(
        &method(4, sgd.clone(), Schedule::Constant),
        &CrossEntropy,
        &opts(&full_dir, false),
        &Default::default(),
    )
    .unwrap();
    let part_dir = dir.path().join("part");
    let part = run_method::<B, _>(
        &method(2, sgd.clone(), Schedule::Constant),
        &CrossEntropy,
        &opts(&part_dir, false),
        &Default::default(),
    )
    .unwrap();
    assert_eq!(part.step_losses.len(), 12);
    let resumed = run_method::<B, _>(
        &method(4, sgd, Schedule::Constant),
        &CrossEntropy,
        &opts(&part_dir, true),
        &Default::default(),
    )
    .unwrap();
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&resumed.step_losses), bits(&full.step_losses));
    let text = std::fs::read_to_string(part_dir.join("metrics.jsonl")).unwrap();
    assert_eq!(
        text.lines().count(),
        5,
        "4 epochs + eval, the first run's eval line dropped:\n{text}"
    );
    let a = std::fs::read(full_dir.join("embeddings.npy")).unwrap();
    let b = std::fs::read(part_dir.join("embeddings.npy")).unwrap();
    assert_eq!(a, b, "same final embeddings");
}

#[test]
fn divergence_stops_with_a_diagnostic_and_no_partial_outputs() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("nan");
    let mut m = method(
        3,
        Optimizer::Sgd {
            lr: 1e30,
            momentum: 0.0,
            nesterov: false,
            weight_decay: 0.0,
            lr_rule: Default::default(),
        },
        Schedule::Constant,
    );
    m.train.clip = None;
    let err =
        run_method::<B, _>(&m, &CrossEntropy, &opts(&out, false), &Default::default()).unwrap_err();
    assert_eq!(err.code, "E0703", "{err:?}");
    assert!(err.message.contains("step"), "{}", err.message);
    assert!(!out.join("embeddings.npy").exists());
    for e in std::fs::read_dir(&out).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.starts_with('.'), "leftover temp file {name}");
    }
}
