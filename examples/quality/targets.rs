//! The issue-5 targets, checked against the run's scores and the Python
//! baselines (`docs/quality_baselines.json`, written by
//! `scripts/quality_baselines.py`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// What a target's score must reach.
enum Bar {
    /// A fixed fraction.
    Fixed(f64),
    /// A baseline value by its JSON key (`name.metric`).
    Baseline(&'static str),
}

struct Target {
    what: &'static str,
    /// Methods whose `metric` counts; the best one is compared.
    methods: &'static [&'static str],
    metric: &'static str,
    bar: Bar,
}

/// Methods of the cluster row (q = UniformCluster) trained on MNIST-10k.
const MNIST_CLUSTER_ROW: &[&str] = &["kmeans_mnist", "dcd_mnist", "infonce_clustering"];

/// Parametric t-SNE on MNIST-10k: batch-calibrated and data-set p.
const PARAMETRIC_TSNE: &[&str] = &["ptsne_mnist", "ptsne_mnist_dataset"];

const TARGETS: &[Target] = &[
    Target {
        what: "SimCLR kNN accuracy ≥ 95 %",
        methods: &["simclr"],
        metric: "knn",
        bar: Bar::Fixed(0.95),
    },
    Target {
        what: "supervised CE accuracy ≥ 98 %",
        methods: &["supervised_ce"],
        metric: "accuracy",
        bar: Bar::Fixed(0.98),
    },
    Target {
        what: "parametric t-SNE trustworthiness ≥ openTSNE fit on train 8k, transform test 2k",
        methods: PARAMETRIC_TSNE,
        metric: "trustworthiness",
        bar: Bar::Baseline("mnist_opentsne_transform.trustworthiness"),
    },
    Target {
        what: "parametric t-SNE trustworthiness ≥ openTSNE fit on the test 2k itself",
        methods: PARAMETRIC_TSNE,
        metric: "trustworthiness",
        bar: Bar::Baseline("mnist_opentsne.trustworthiness"),
    },
    Target {
        what: "K-Means Hungarian accuracy ≥ scikit-learn KMeans on pixels",
        methods: &["kmeans_mnist"],
        metric: "hungarian",
        bar: Bar::Baseline("mnist_kmeans.hungarian"),
    },
    Target {
        what: "K-Means family (cluster row) Hungarian accuracy ≥ scikit-learn KMeans on pixels",
        methods: MNIST_CLUSTER_ROW,
        metric: "hungarian",
        bar: Bar::Baseline("mnist_kmeans.hungarian"),
    },
    // Same-data comparisons on UCI digits (not issue-5 targets).
    Target {
        what: "digits: t-SNE family trustworthiness ≥ openTSNE on all 1,797",
        methods: &["tsne", "tsne_uniform", "tsne_graph"],
        metric: "trustworthiness",
        bar: Bar::Baseline("digits_opentsne.trustworthiness"),
    },
    Target {
        what: "digits: K-Means Hungarian accuracy ≥ scikit-learn KMeans on the held-out 297",
        methods: &["kmeans"],
        metric: "hungarian",
        bar: Bar::Baseline("digits_kmeans.hungarian"),
    },
    Target {
        what: "digits: cluster row Hungarian accuracy ≥ scikit-learn KMeans on the held-out 297",
        methods: &["kmeans", "t_kmeans", "dcd"],
        metric: "hungarian",
        bar: Bar::Baseline("digits_kmeans.hungarian"),
    },
];

/// `name.metric` values of the baselines file; empty (with a warning when
/// it is unreadable JSON) when it is missing.
pub fn read_baselines(path: &Path) -> BTreeMap<String, f64> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return BTreeMap::new();
    };
    let json: serde_json::Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            eprintln!(
                "warning: {} is not valid JSON ({e}); targets get no baseline bars",
                path.display()
            );
            return BTreeMap::new();
        }
    };
    json.get("values")
        .and_then(|v| v.as_object())
        .map(|o| {
            o.iter()
                .filter_map(|(k, v)| v.as_f64().map(|x| (k.clone(), x)))
                .collect()
        })
        .unwrap_or_default()
}

fn pct(x: f64) -> String {
    format!("{:.2} %", 100.0 * x)
}

/// The targets table. `scores` maps method → (metric → value) for the
/// methods this run trained; a target none of whose methods ran is skipped.
pub fn table(
    scores: &BTreeMap<String, BTreeMap<String, f64>>,
    baselines: &BTreeMap<String, f64>,
) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "| target | iconc | bar | status |\n|---|---|---|---|");
    for t in TARGETS {
        let got: Vec<(&str, f64)> = t
            .methods
            .iter()
            .filter_map(|m| Some((*m, *scores.get(*m)?.get(t.metric)?)))
            .collect();
        let Some(best) = got.iter().map(|g| g.1).reduce(f64::max) else {
            continue;
        };
        let (bar, bar_text) = match t.bar {
            Bar::Fixed(x) => (Some(x), pct(x)),
            Bar::Baseline(key) => match baselines.get(key) {
                Some(&x) => (Some(x), format!("{} (`{key}`)", pct(x))),
                None => (None, format!("`{key}` not in the baselines file")),
            },
        };
        let status = match bar {
            Some(b) if best >= b => "met",
            Some(_) => "**missed**",
            None => "no baseline",
        };
        let iconc = got
            .iter()
            .map(|(m, v)| format!("`{m}` {}", pct(*v)))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(s, "| {} | {iconc} | {bar_text} | {status} |", t.what);
    }
    s
}
