//! Builds an `ir::Method` from a test vector's `spec_config` (index.json),
//! so the vectors run without the front end.

use iconc::ir::*;
use serde_json::Value;

/// The method described by `spec_config`, with `classes` table columns.
pub fn method_from_config(name: &str, config: &Value, classes: usize) -> Method {
    let layout = match config.get("layout").and_then(Value::as_str) {
        Some("table") => Layout::Table { classes },
        Some("cross_modal") => Layout::CrossModal,
        _ => Layout::Pairwise,
    };
    let divergence = match config.get("divergence").and_then(Value::as_str) {
        Some("rkl") => Divergence::Rkl,
        Some("js") => Divergence::Js,
        _ => Divergence::Kl,
    };
    let p = expr(&config["p"], layout, classes);
    let q = expr(&config["q"], layout, classes);
    let mut m = method_with(p, q, layout, divergence, classes);
    m.name = name.to_string();
    m
}

/// A method with the given kernels and placeholder data/training settings.
pub fn method_with(
    p: KernelExpr,
    q: KernelExpr,
    layout: Layout,
    divergence: Divergence,
    classes: usize,
) -> Method {
    Method {
        name: "test".to_string(),
        about: None,
        cite: None,
        data: DataSpec {
            source: DataSource::Npz {
                path: "batch.npz".into(),
                side: None,
            },
            views: 1,
            augment: vec![],
            batch: 8,
            holdout: 0,
            limit: None,
            modalities: None,
            pairs: Default::default(),
            local: Default::default(),
            features: 1,
            image: None,
            classes,
            samples: None,
        },
        mappers: vec![],
        p,
        exaggeration: None,
        q,
        layout,
        divergence,
        train: TrainSpec {
            epochs: 1,
            steps: None,
            optimizer: Optimizer::Adam {
                lr: 1e-3,
                weight_decay: 0.0,
                betas: (0.9, 0.999),
            },
            schedule: Schedule::Constant,
            clip: None,
            ema: None,
            seed: 0,
            probe: false,
        },
        eval: vec![],
        keys: vec![],
    }
}

fn metric(params: &Value) -> DistanceMetric {
    match params.get("metric").and_then(Value::as_str) {
        Some("cosine") => DistanceMetric::Cosine,
        Some("dot") => DistanceMetric::Dot,
        Some("manhattan") => DistanceMetric::Manhattan,
        _ => DistanceMetric::Euclidean,
    }
}

fn inputs(params: &Value, layout: Layout, default: &str) -> Vec<String> {
    let first = params
        .get("input")
        .and_then(Value::as_str)
        .unwrap_or(default)
        .to_string();
    match params.get("input2").and_then(Value::as_str) {
        Some(second) => vec![first, second.to_string()],
        // The clip vector names only the first modality; the second is `embedding1`.
        None if layout == Layout::CrossModal && first == "embedding" => {
            vec![first, "embedding1".into()]
        }
        None => vec![first],
    }
}

fn child(v: &Value, i: usize, layout: Layout, classes: usize) -> Box<KernelExpr> {
    Box::new(expr(&v[i], layout, classes))
}

fn expr(v: &Value, layout: Layout, classes: usize) -> KernelExpr {
    let kind = v[0].as_str().expect("node kind");
    let num = |i: usize| v[i].as_f64().expect("number");
    match kind {
        "leak" => KernelExpr::Leak(num(1), child(v, 2, layout, classes)),
        "normalize" => KernelExpr::Normalize(child(v, 1, layout, classes)),
        "add" => KernelExpr::Add(child(v, 1, layout, classes), child(v, 2, layout, classes)),
        "scale" => KernelExpr::Scale(num(1), child(v, 2, layout, classes)),
        "binarize" => KernelExpr::Binarize(num(1), child(v, 2, layout, classes)),
        "propagate" => KernelExpr::Propagate {
            steps: num(1) as usize,
            reachable: false,
            inner: child(v, 2, layout, classes),
        },
        "debias" => KernelExpr::DebiasQ(num(1), child(v, 2, layout, classes)),
        _ => config_leaf(kind, &v[1], layout, classes),
    }
}

fn config_leaf(kind: &str, params: &Value, layout: Layout, classes: usize) -> KernelExpr {
    let f = |k: &str| params.get(k).and_then(Value::as_f64);
    let exclude_self = params
        .get("exclude_self")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let (kernel, default_input) = match kind {
        "gaussian" => (
            Kernel::Gaussian {
                sigma: f("sigma"),
                perplexity: f("perplexity"),
                metric: metric(params),
                exclude_self,
                learnable: false,
                max_logit_scale: iconc::ir::CLIP_MAX_LOGIT_SCALE,
                scope: Default::default(),
            },
            "embedding",
        ),
        "studentt" => (
            Kernel::StudentT {
                dof: f("nu").unwrap_or(1.0),
                gamma: f("gamma").unwrap_or(1.0),
                form: StudentForm::T,
                learnable: false,
                perplexity: f("perplexity"),
                calibrate: Default::default(),
                exclude_self,
                repulsion: Default::default(),
            },
            "embedding",
        ),
        "limit" => (
            Kernel::GaussianLimit {
                limit: if params["limit"] == "zero" {
                    LimitKind::Zero
                } else {
                    LimitKind::Infinity
                },
                metric: metric(params),
                exclude_self,
                negative: None,
                margin: 0.0,
            },
            "embedding",
        ),
        "augmentation" => (Kernel::Augmentation, "index"),
        "label" => (
            Kernel::Label {
                table: false,
                classes,
                exclude_self,
            },
            "label",
        ),
        "label_table" => (
            Kernel::Label {
                table: true,
                classes,
                exclude_self: false,
            },
            "label",
        ),
        "knn" => (
            Kernel::UniformKnn {
                k: f("k").unwrap_or(1.0) as usize,
                metric: metric(params),
                exclude_self,
                scope: Default::default(),
            },
            "x",
        ),
        "uniform_cluster" => (
            Kernel::UniformCluster {
                exclude_self: params
                    .get("exclude_self")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                degree_weighted: false,
            },
            "embedding",
        ),
        other => panic!("unknown kernel {other} in the vectors"),
    };
    let ins = match kernel {
        Kernel::Augmentation | Kernel::Label { .. } => {
            vec![params
                .get("input")
                .and_then(Value::as_str)
                .unwrap_or(default_input)
                .to_string()]
        }
        _ => inputs(params, layout, default_input),
    };
    KernelExpr::Kernel {
        kernel,
        inputs: ins,
    }
}

/// A fixed-σ Gaussian (self excluded, not learnable) on `inputs`.
pub fn fixed_gaussian(sigma: f64, metric: DistanceMetric, inputs: &[&str]) -> KernelExpr {
    leaf(
        Kernel::Gaussian {
            sigma: Some(sigma),
            perplexity: None,
            metric,
            exclude_self: true,
            learnable: false,
            max_logit_scale: CLIP_MAX_LOGIT_SCALE,
            scope: Default::default(),
        },
        inputs,
    )
}

/// Dual t-SNE's p: a ν = 1 Student-t on `x` calibrated to `perplexity`.
pub fn calibrated_student_on_x(perplexity: f64, calibrate: StudentCalibration) -> KernelExpr {
    leaf(
        Kernel::StudentT {
            dof: 1.0,
            gamma: 1.0,
            form: StudentForm::T,
            learnable: false,
            perplexity: Some(perplexity),
            calibrate,
            exclude_self: true,
            repulsion: Default::default(),
        },
        &["x"],
    )
}

/// t-SNE's q: Student-t (ν = 1, γ = 1) on `embedding`, with `repulsion`.
pub fn cauchy_on_embedding(repulsion: Repulsion) -> KernelExpr {
    leaf(
        Kernel::StudentT {
            dof: 1.0,
            gamma: 1.0,
            form: StudentForm::T,
            learnable: false,
            perplexity: None,
            calibrate: Default::default(),
            exclude_self: true,
            repulsion,
        },
        &["embedding"],
    )
}

/// A leaf kernel on `inputs`.
pub fn leaf(kernel: Kernel, inputs: &[&str]) -> KernelExpr {
    KernelExpr::Kernel {
        kernel,
        inputs: inputs.iter().map(|s| s.to_string()).collect(),
    }
}
