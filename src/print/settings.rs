//! `data = …`, `train = …`, `eval = […]` and `divergence = …` in `.icon`
//! syntax with every default filled in. Parameter names follow
//! `check/signatures/data.rs`, in its order.

use super::{call, float, int_list, model, nth_name, string, EnumParam};
use crate::check::signatures::Kind;
use crate::ir::{
    Augment, DataSource, DataSpec, DistanceMetric, Divergence, LrRule, Metric, Modalities,
    Optimizer, Schedule, TrainSpec,
};

pub(super) const MODALITIES: EnumParam = EnumParam::new(Kind::Data, "Mnist", "modalities");
pub(super) const LR_RULE: EnumParam = EnumParam::new(Kind::Optimizer, "Sgd", "lr_rule");
pub(super) const KNN_METRIC: EnumParam = EnumParam::new(Kind::Metric, "knn", "metric");

/// `image = [channels, height, width]`.
fn image(d: &DataSpec) -> Option<(&'static str, String)> {
    d.image.map(|(c, h, w)| ("image", int_list(&[c, h, w])))
}

/// The data source call: its own parameters, then the common ones
/// (`views`, `augment`, `batch`, `holdout`, `limit`, `modalities`, `pairs`). The
/// geometry of bundled and synthetic data is fixed by the source; user
/// files state theirs (`image` or `features`, and `classes`).
pub(super) fn data(d: &DataSpec) -> String {
    let DataSpec {
        source,
        views,
        augment,
        batch,
        holdout,
        limit,
        modalities,
        pairs,
        local,
        // Geometry: arguments of file sources below, else fixed by the source.
        features,
        image: _,
        classes,
        // Follows from the source and `limit`.
        samples: _,
    } = d;
    let classes = || ("classes", classes.to_string());
    let features = || ("features", features.to_string());
    let (name, mut args): (&str, Vec<(&str, String)>) = match source {
        DataSource::Mnist => ("Mnist", vec![]),
        DataSource::Digits => ("Digits", vec![]),
        DataSource::Idx { images, labels } => {
            let mut args = vec![("images", string(images)), ("labels", string(labels))];
            args.extend(image(d));
            args.push(classes());
            ("Idx", args)
        }
        DataSource::Cifar10 { dir } => ("Cifar10", vec![("dir", string(dir))]),
        DataSource::Npz { path, side } => {
            let mut args = vec![("path", string(path))];
            args.push(image(d).unwrap_or_else(features));
            args.push(classes());
            if let Some(s) = side {
                args.push(("side", s.key.clone()));
                args.push(("side_features", s.features.to_string()));
            }
            ("Npz", args)
        }
        DataSource::Csv { path, label_column } => (
            "Csv",
            vec![
                ("path", string(path)),
                ("label_column", label_column.to_string()),
                features(),
                classes(),
            ],
        ),
        DataSource::Blobs {
            n,
            centers,
            dim,
            std,
            seed,
        } => (
            "Blobs",
            vec![
                ("n", n.to_string()),
                ("centers", centers.to_string()),
                ("dim", dim.to_string()),
                ("std", float(*std)),
                ("seed", seed.to_string()),
            ],
        ),
        DataSource::Moons { n, noise, seed } => (
            "Moons",
            vec![
                ("n", n.to_string()),
                ("noise", float(*noise)),
                ("seed", seed.to_string()),
            ],
        ),
        DataSource::SwissRoll {
            n,
            noise,
            seed,
            classes,
        } => (
            "SwissRoll",
            vec![
                ("n", n.to_string()),
                ("noise", float(*noise)),
                ("seed", seed.to_string()),
                ("classes", classes.to_string()),
            ],
        ),
    };
    args.push(("views", views.to_string()));
    let augment: Vec<String> = augment.iter().map(augmentation).collect();
    args.push(("augment", format!("[{}]", augment.join(", "))));
    args.push(("batch", batch.to_string()));
    args.push(("holdout", holdout.to_string()));
    if let Some(limit) = limit {
        args.push(("limit", limit.to_string()));
    }
    if let Some(m) = modalities {
        let m = MODALITIES.name(match m {
            Modalities::Views => 0,
            Modalities::Halves => 1,
        });
        args.push(("modalities", m.into()));
    }
    args.push(("pairs", pairs.name().into()));
    if local.views > 0 {
        args.push(("local_views", local.views.to_string()));
        let list: Vec<String> = local.augment.iter().map(augmentation).collect();
        args.push(("local_augment", format!("[{}]", list.join(", "))));
    }
    call(name, &args)
}

/// One augmentation call.
pub(super) fn augmentation(a: &Augment) -> String {
    match a {
        Augment::Crop { scale, max_scale } => call(
            "Crop",
            &[("scale", float(*scale)), ("max_scale", float(*max_scale))],
        ),
        Augment::Flip { p } => call("Flip", &[("p", float(*p))]),
        Augment::Affine { degrees, translate } => call(
            "Affine",
            &[
                ("degrees", float(*degrees)),
                ("translate", float(*translate)),
            ],
        ),
        Augment::Noise { std } => call("Noise", &[("std", float(*std))]),
        Augment::Jitter { strength } => call("Jitter", &[("strength", float(*strength))]),
    }
}

/// `Train(…)`: `steps`, `clip` and `ema` only when set (they have no
/// "off" spelling).
pub(super) fn train(t: &TrainSpec) -> String {
    let TrainSpec {
        epochs,
        steps,
        optimizer: opt,
        schedule: sched,
        clip,
        ema,
        seed,
        probe,
    } = t;
    let mut args = vec![("epochs", epochs.to_string())];
    if let Some(steps) = steps {
        args.push(("steps", steps.to_string()));
    }
    args.push(("optimizer", optimizer(opt)));
    args.push(("schedule", schedule(sched)));
    if let Some(clip) = clip {
        args.push(("clip", float(*clip)));
    }
    if let Some(ema) = ema {
        args.push(("ema", float(*ema)));
    }
    args.push(("seed", seed.to_string()));
    args.push(("probe", probe.to_string()));
    call("Train", &args)
}

fn betas((b1, b2): (f64, f64)) -> String {
    format!("[{}, {}]", float(b1), float(b2))
}

/// `Adam(…)`, `AdamW(…)`, `Sgd(…)`.
fn optimizer(o: &Optimizer) -> String {
    match o {
        Optimizer::Adam {
            lr,
            weight_decay,
            betas: b,
        }
        | Optimizer::AdamW {
            lr,
            weight_decay,
            betas: b,
        } => {
            let name = if matches!(o, Optimizer::Adam { .. }) {
                "Adam"
            } else {
                "AdamW"
            };
            call(
                name,
                &[
                    ("lr", float(*lr)),
                    ("weight_decay", float(*weight_decay)),
                    ("betas", betas(*b)),
                ],
            )
        }
        Optimizer::Sgd {
            lr,
            momentum,
            nesterov,
            weight_decay,
            lr_rule,
        } => {
            let mut args = vec![];
            // `lr_rule = tsne` sets the rate itself, and `lr` with it is E0407.
            let rule = match lr_rule {
                LrRule::Fixed => {
                    args.push(("lr", float(*lr)));
                    0
                }
                LrRule::Tsne => 1,
            };
            args.push(("momentum", float(*momentum)));
            args.push(("nesterov", nesterov.to_string()));
            args.push(("weight_decay", float(*weight_decay)));
            args.push(("lr_rule", LR_RULE.name(rule).into()));
            call("Sgd", &args)
        }
    }
}

/// `Constant()`, `Cosine(warmup = …)`, `Warmup(epochs = …)`.
fn schedule(s: &Schedule) -> String {
    match s {
        Schedule::Constant => call("Constant", &[]),
        Schedule::Cosine { warmup } => call("Cosine", &[("warmup", warmup.to_string())]),
        Schedule::Warmup { epochs } => call("Warmup", &[("epochs", epochs.to_string())]),
    }
}

/// `eval = [knn, knn(metric = cosine), linear_probe, …]`.
pub(super) fn eval(metrics: &[Metric]) -> String {
    let names: Vec<String> = metrics.iter().map(|m| metric(*m)).collect();
    format!("[{}]", names.join(", "))
}

/// One metric: a bare name of the table, or `knn(metric = …)`.
fn metric(m: Metric) -> String {
    let i = match m {
        Metric::Knn => 0,
        Metric::KnnWith { metric } => {
            // `knn` ranks by euclidean or cosine; its list is a prefix of the
            // kernels' (a dot or manhattan `KnnWith` prints and fails to check).
            let spelling = match metric {
                DistanceMetric::Euclidean => KNN_METRIC.name(0),
                DistanceMetric::Cosine => KNN_METRIC.name(1),
                DistanceMetric::Dot | DistanceMetric::Manhattan => model::metric(metric),
            };
            return call(nth_name(Kind::Metric, 0), &[("metric", spelling.into())]);
        }
        Metric::LinearProbe => 1,
        Metric::Hungarian => 2,
        Metric::Nmi => 3,
        Metric::Ari => 4,
        Metric::Trustworthiness => 5,
        Metric::Alignment => 6,
        Metric::Uniformity => 7,
    };
    nth_name(Kind::Metric, i).to_string()
}

/// `kl`, `rkl`, `js`.
pub(super) fn divergence(d: Divergence) -> &'static str {
    nth_name(
        Kind::Divergence,
        match d {
            Divergence::Kl => 0,
            Divergence::Rkl => 1,
            Divergence::Js => 2,
        },
    )
}
