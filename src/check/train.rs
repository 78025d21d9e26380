//! `train = Train(…)`, `eval = […]` and `divergence = …`.

use super::args::{bind, resolve, CallRef};
use super::signatures::{self, Kind};
use super::sink::{FileId, Sink};
use super::suggest;
use crate::ast::{Expr, ExprKind};
use crate::diag::Code;
use crate::diag::Diagnostic;
use crate::ir::{DistanceMetric, Divergence, LrRule, Metric, Optimizer, Schedule, TrainSpec};

/// Training defaults (every `Train` parameter at its default).
pub(crate) fn default_train() -> TrainSpec {
    TrainSpec {
        epochs: 10,
        steps: None,
        optimizer: Optimizer::AdamW {
            lr: 5e-4,
            weight_decay: 0.0,
            betas: (0.9, 0.999),
        },
        schedule: Schedule::Constant,
        clip: None,
        ema: None,
        seed: 42,
        probe: false,
    }
}

fn bad(sink: &mut Sink, file: FileId, what: &str, expr: &Expr, example: &str) {
    let d = Diagnostic::error(
        Code::BadStatement,
        format!("`{what}` expects {example}"),
        expr.span,
        "unexpected value",
    )
    .with_help(format!("write e.g. `{what} = {example}`"));
    sink.emit(file, d);
}

/// Checks `train = Train(…)`.
pub(crate) fn check_train(sink: &mut Sink, file: FileId, value: &Expr) -> Option<TrainSpec> {
    let Some(call) = CallRef::of(value) else {
        bad(sink, file, "train", value, "Train(epochs = 10)");
        return None;
    };
    let sig = resolve(sink, file, call, &[Kind::Train], Code::BadStatement)?;
    let b = bind(sink, file, call, sig);
    let d = default_train();
    let optimizer = match b.call("optimizer") {
        Some(o) => optimizer(sink, file, o)?,
        None => d.optimizer,
    };
    let schedule = match b.call("schedule") {
        Some(s) => schedule(sink, file, s)?,
        None => d.schedule,
    };
    Some(TrainSpec {
        epochs: b.usize("epochs").unwrap_or(d.epochs),
        steps: b.usize("steps"),
        optimizer,
        schedule,
        clip: b.float("clip"),
        ema: b.float("ema"),
        seed: b.usize("seed").unwrap_or(42) as u64,
        probe: b.bool("probe"),
    })
}

fn optimizer(sink: &mut Sink, file: FileId, call: CallRef<'_>) -> Option<Optimizer> {
    let sig = resolve(sink, file, call, &[Kind::Optimizer], Code::UnknownOptimizer)?;
    let b = bind(sink, file, call, sig);
    let (lr, weight_decay) = (b.float("lr")?, b.float("weight_decay")?);
    Some(match sig.name {
        "Adam" => Optimizer::Adam {
            lr,
            weight_decay,
            betas: b.pair("betas")?,
        },
        "AdamW" => Optimizer::AdamW {
            lr,
            weight_decay,
            betas: b.pair("betas")?,
        },
        _ => {
            let tsne = b.enum_value("lr_rule").as_deref() == Some("tsne");
            if tsne && b.given("lr").is_some() {
                let d = Diagnostic::error(
                    Code::ConflictingParameters,
                    "`lr_rule = tsne` sets the learning rate, and `lr` is given too",
                    b.span_of("lr"),
                    "not read with `lr_rule = tsne`",
                )
                .with_help(
                    "remove `lr` (the rule uses N / exaggeration), or remove `lr_rule = tsne`",
                );
                sink.emit(file, d);
                return None;
            }
            Optimizer::Sgd {
                // The rule's rate is multiplied by the schedule's factor of 1.
                lr: if tsne { 1.0 } else { lr },
                momentum: b.float("momentum")?,
                nesterov: b.bool("nesterov"),
                weight_decay,
                lr_rule: if tsne { LrRule::Tsne } else { LrRule::Fixed },
            }
        }
    })
}

fn schedule(sink: &mut Sink, file: FileId, call: CallRef<'_>) -> Option<Schedule> {
    let sig = resolve(sink, file, call, &[Kind::Schedule], Code::UnknownSchedule)?;
    let b = bind(sink, file, call, sig);
    Some(match sig.name {
        "Cosine" => Schedule::Cosine {
            warmup: b.usize("warmup")?,
        },
        "Warmup" => Schedule::Warmup {
            epochs: b.usize("epochs")?,
        },
        _ => Schedule::Constant,
    })
}

/// Checks `eval = [metric, …]`.
pub(crate) fn check_eval(sink: &mut Sink, file: FileId, value: &Expr) -> Option<Vec<Metric>> {
    let ExprKind::List(items) = &value.kind else {
        bad(sink, file, "eval", value, "[knn, linear_probe]");
        return None;
    };
    let mut out = vec![];
    for item in items {
        let Some(call) = CallRef::of(item) else {
            bad(sink, file, "eval", item, "[knn, linear_probe]");
            continue;
        };
        let Some(sig) = resolve(sink, file, call, &[Kind::Metric], Code::UnknownMetric) else {
            continue;
        };
        let b = bind(sink, file, call, sig);
        out.push(match sig.name {
            // The signature allows `euclidean` and `cosine` only.
            "knn" => match b
                .enum_value("metric")
                .as_deref()
                .and_then(DistanceMetric::from_name)
            {
                Some(metric) => Metric::KnnWith { metric },
                None => Metric::Knn,
            },
            "linear_probe" => Metric::LinearProbe,
            "hungarian" => Metric::Hungarian,
            "nmi" => Metric::Nmi,
            "ari" => Metric::Ari,
            "trustworthiness" => Metric::Trustworthiness,
            "alignment" => Metric::Alignment,
            _ => Metric::Uniformity,
        });
    }
    Some(out)
}

/// Checks `divergence = kl | rkl | js`.
pub(crate) fn check_divergence(sink: &mut Sink, file: FileId, value: &Expr) -> Option<Divergence> {
    let ExprKind::Name(name) = &value.kind else {
        bad(sink, file, "divergence", value, "kl");
        return None;
    };
    match name.name.as_str() {
        "kl" => Some(Divergence::Kl),
        "rkl" => Some(Divergence::Rkl),
        "js" => Some(Divergence::Js),
        other => {
            let names: Vec<&str> = signatures::of_kind(Kind::Divergence)
                .map(|s| s.name)
                .collect();
            let help = suggest::help(other, &names).unwrap_or_else(|| {
                format!("`divergence` is one of {}", signatures::quoted(&names))
            });
            let d = Diagnostic::error(
                Code::UnknownValue,
                format!("unknown divergence `{other}`"),
                name.span,
                "not a divergence",
            )
            .with_help(help);
            sink.emit(file, d);
            None
        }
    }
}
