//! Classifier and renderer tests on hand-built IR (no parser needed).
//! Expected cells come from the spec §5 text, not from the classifier.

use super::axes::{Cell, Column, Row};
use super::classify::{classify, classify_p, classify_q, Unclassified};
use super::grid::Table;
use super::render;
use crate::ir::*;

// ------------------------------------------------------------ IR builders

fn leaf(kernel: Kernel, key: &str) -> KernelExpr {
    KernelExpr::Kernel {
        kernel,
        inputs: vec![key.to_string()],
    }
}

fn gaussian(metric: DistanceMetric) -> Kernel {
    Kernel::Gaussian {
        sigma: Some(0.5),
        perplexity: None,
        metric,
        exclude_self: true,
        learnable: false,
        max_logit_scale: crate::ir::CLIP_MAX_LOGIT_SCALE,
        scope: Default::default(),
    }
}

fn student() -> Kernel {
    Kernel::StudentT {
        dof: 1.0,
        gamma: 1.0,
        form: StudentForm::T,
        learnable: false,
        perplexity: None,
        calibrate: Default::default(),
        exclude_self: true,
        repulsion: Default::default(),
    }
}

fn limit(limit: LimitKind) -> Kernel {
    Kernel::GaussianLimit {
        limit,
        metric: DistanceMetric::Euclidean,
        exclude_self: true,
        negative: None,
        margin: 0.0,
    }
}

fn label(table: bool) -> Kernel {
    Kernel::Label {
        table,
        classes: 10,
        exclude_self: true,
    }
}

fn knn(k: usize) -> Kernel {
    Kernel::UniformKnn {
        k,
        metric: DistanceMetric::Euclidean,
        exclude_self: true,
        scope: Default::default(),
    }
}

fn graph() -> Kernel {
    Kernel::Graph {
        path: "g.edges".into(),
        mode: GraphMode::Transition,
    }
}

fn cluster() -> Kernel {
    Kernel::UniformCluster {
        exclude_self: false,
        degree_weighted: false,
    }
}

/// A complete method around the given p and q (the other fields are plain).
fn method(name: &str, p: KernelExpr, q: KernelExpr) -> Method {
    Method {
        name: name.into(),
        about: Some(format!("{name} about")),
        cite: None,
        data: DataSpec {
            source: DataSource::Digits,
            views: 1,
            augment: vec![],
            batch: 64,
            holdout: 0,
            limit: None,
            modalities: None,
            pairs: Default::default(),
            local: Default::default(),
            features: 64,
            image: Some((1, 8, 8)),
            classes: 10,
            samples: Some(1797),
        },
        mappers: vec![],
        p,
        exaggeration: None,
        q,
        layout: Layout::Pairwise,
        divergence: Divergence::Kl,
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

fn q_gauss() -> KernelExpr {
    leaf(gaussian(DistanceMetric::Cosine), "embedding")
}

// ------------------------------------------------------------ leaves

#[test]
fn every_p_leaf_has_its_spec_column() {
    let cases = [
        (gaussian(DistanceMetric::Euclidean), Column::Gaussian),
        (student(), Column::StudentT),
        (Kernel::Identity, Column::Identity),
        (graph(), Column::GraphKernel),
        (knn(15), Column::UniformKnn),
        (Kernel::Augmentation, Column::PositivePairs),
        (Kernel::CrossModal, Column::CrossModal),
        (label(false), Column::UniformClasses),
        (label(true), Column::DataLabel),
    ];
    for (kernel, column) in cases {
        let name = format!("{kernel:?}");
        assert_eq!(classify_p(&leaf(kernel, "x")), Ok(column), "{name}");
    }
}

#[test]
fn every_q_leaf_has_its_spec_row() {
    let cases = [
        (gaussian(DistanceMetric::Dot), Row::Gaussian),
        (limit(LimitKind::Infinity), Row::GaussianInf),
        (limit(LimitKind::Zero), Row::GaussianZero),
        (student(), Row::StudentT),
        (cluster(), Row::UniformClusters),
    ];
    for (kernel, row) in cases {
        let name = format!("{kernel:?}");
        assert_eq!(classify_q(&leaf(kernel, "embedding")), Ok(row), "{name}");
    }
}

#[test]
fn spec_cells_from_section_5() {
    // (p, q, expected cell) for a few cells, read off spec §5.
    let simclr = method("simclr", leaf(Kernel::Augmentation, "index"), q_gauss());
    assert_eq!(
        classify(&simclr),
        Ok(Cell::new(Column::PositivePairs, Row::Gaussian))
    );
    let pca = method(
        "pca",
        leaf(Kernel::Identity, "index"),
        leaf(limit(LimitKind::Infinity), "embedding"),
    );
    assert_eq!(
        classify(&pca),
        Ok(Cell::new(Column::Identity, Row::GaussianInf))
    );
    let error_rate = method(
        "error_rate",
        leaf(label(true), "label"),
        leaf(limit(LimitKind::Zero), "embedding"),
    );
    assert_eq!(
        classify(&error_rate),
        Ok(Cell::new(Column::DataLabel, Row::GaussianZero))
    );
    let kmeans = method(
        "kmeans",
        leaf(gaussian(DistanceMetric::Euclidean), "x"),
        leaf(cluster(), "cluster"),
    );
    assert_eq!(
        classify(&kmeans),
        Ok(Cell::new(Column::Gaussian, Row::UniformClusters))
    );
    let tsne_graph = method(
        "tsne_graph",
        KernelExpr::Propagate {
            steps: 2,
            reachable: false,
            inner: Box::new(leaf(graph(), "index")),
        },
        leaf(student(), "embedding"),
    );
    assert_eq!(
        classify(&tsne_graph),
        Ok(Cell::new(Column::GraphKernel, Row::StudentT))
    );
}

// ------------------------------------------------------------ algebra

#[test]
fn wrappers_keep_the_family_of_what_they_wrap() {
    let inner = || Box::new(leaf(knn(3), "x"));
    let wrapped = [
        KernelExpr::Normalize(inner()),
        KernelExpr::Binarize(0.0, inner()),
        KernelExpr::Leak(0.3, inner()),
        KernelExpr::Symmetrize(inner()),
        KernelExpr::Propagate {
            steps: 2,
            reachable: true,
            inner: inner(),
        },
    ];
    for w in wrapped {
        assert_eq!(classify_p(&w), Ok(Column::UniformKnn), "{w:?}");
    }
    let debiased = KernelExpr::DebiasQ(0.6, Box::new(leaf(cluster(), "cluster")));
    assert_eq!(classify_q(&debiased), Ok(Row::UniformClusters));
}

#[test]
fn a_sum_is_placed_by_its_heaviest_family() {
    // 0.5·Aug + kNN: kNN carries mass 1 against 0.5.
    let p = KernelExpr::Add(
        Box::new(KernelExpr::Scale(
            0.5,
            Box::new(leaf(Kernel::Augmentation, "index")),
        )),
        Box::new(leaf(knn(2), "x")),
    );
    assert_eq!(classify_p(&p), Ok(Column::UniformKnn));
    // Weights of one family add up: kNN(2) + kNN(5) (2) beats 1.5·Aug.
    let p = KernelExpr::Add(
        Box::new(KernelExpr::Add(
            Box::new(leaf(knn(2), "x")),
            Box::new(KernelExpr::Scale(
                1.5,
                Box::new(leaf(Kernel::Augmentation, "index")),
            )),
        )),
        Box::new(leaf(knn(5), "x")),
    );
    assert_eq!(classify_p(&p), Ok(Column::UniformKnn));
}

#[test]
fn a_tie_goes_to_the_leftmost_family() {
    // The paper's debiased InfoNCE clustering: leak(propagate(normalize(Aug + kNN))).
    let sum = KernelExpr::Add(
        Box::new(leaf(Kernel::Augmentation, "index")),
        Box::new(leaf(knn(3), "x")),
    );
    let p = KernelExpr::Leak(
        0.6,
        Box::new(KernelExpr::Propagate {
            steps: 2,
            reachable: false,
            inner: Box::new(KernelExpr::Normalize(Box::new(sum))),
        }),
    );
    let q = KernelExpr::DebiasQ(0.6, Box::new(leaf(cluster(), "cluster")));
    let m = method("infonce_clustering_debiased", p, q);
    assert_eq!(
        classify(&m),
        Ok(Cell::new(Column::PositivePairs, Row::UniformClusters))
    );
    // Swapping the operands swaps the winner.
    let swapped = KernelExpr::Add(
        Box::new(leaf(knn(3), "x")),
        Box::new(leaf(Kernel::Augmentation, "index")),
    );
    assert_eq!(classify_p(&swapped), Ok(Column::UniformKnn));
}

#[test]
fn a_subtracted_kernel_counts_against_its_family() {
    // Aug − 0.5·Aug + 0.8·kNN: Aug totals 0.5, kNN 0.8.
    let p = KernelExpr::Add(
        Box::new(KernelExpr::Sub(
            Box::new(leaf(Kernel::Augmentation, "index")),
            Box::new(KernelExpr::Scale(
                0.5,
                Box::new(leaf(Kernel::Augmentation, "index")),
            )),
        )),
        Box::new(KernelExpr::Scale(0.8, Box::new(leaf(knn(3), "x")))),
    );
    assert_eq!(classify_p(&p), Ok(Column::UniformKnn));
}

#[test]
fn no_positive_weight_is_unclassified() {
    let p = KernelExpr::Scale(-1.0, Box::new(leaf(Kernel::Augmentation, "index")));
    assert_eq!(
        classify_p(&p),
        Err(Unclassified::NoPositiveWeight { side: "p" })
    );
}

#[test]
fn a_kernel_on_the_wrong_side_is_unclassified() {
    assert_eq!(
        classify_p(&leaf(cluster(), "cluster")),
        Err(Unclassified::NotAColumn {
            kernel: "UniformCluster"
        })
    );
    assert_eq!(
        classify_q(&leaf(Kernel::Augmentation, "index")),
        Err(Unclassified::NotARow {
            kernel: "Augmentation"
        })
    );
    let m = method(
        "odd",
        leaf(Kernel::Augmentation, "index"),
        leaf(label(false), "label"),
    );
    let mut t = Table::new();
    t.add("odd.icon", &m);
    assert!(t.placed.is_empty());
    assert_eq!(t.unplaced.len(), 1);
    assert!(
        t.unplaced[0].reason.contains("`Label`"),
        "{}",
        t.unplaced[0].reason
    );
}

// ------------------------------------------------------------ table + renderers

fn small_table() -> Table {
    let mut t = Table::new();
    t.add(
        "m/simclr.icon",
        &method("simclr", leaf(Kernel::Augmentation, "index"), q_gauss()),
    );
    t.add(
        "m/infonce.icon",
        &method("infonce", leaf(Kernel::Augmentation, "index"), q_gauss()),
    );
    // A gap (◇): Uniform over Classes × Student-T.
    t.add(
        "m/tsupcon.icon",
        &method(
            "tsupcon",
            leaf(label(false), "label"),
            leaf(student(), "embedding"),
        ),
    );
    // A position the paper leaves empty: Identity × Student-T.
    t.add(
        "mine/ident_t.icon",
        &method(
            "ident_t",
            leaf(Kernel::Identity, "index"),
            leaf(student(), "embedding"),
        ),
    );
    t
}

#[test]
fn two_methods_in_one_cell_are_both_listed() {
    let t = small_table();
    let names: Vec<&str> = t
        .at(Cell::new(Column::PositivePairs, Row::Gaussian))
        .iter()
        .map(|m| m.name.as_str())
        .collect();
    assert_eq!(names, ["simclr", "infonce"]);
    let s = t.summary();
    assert_eq!(
        (s.methods, s.new_methods, s.filled_positions, s.gaps_filled),
        (4, 2, 3, 1)
    );
}

#[test]
fn terminal_grid_lists_names_marks_new_ones_and_aligns() {
    let out = render::terminal(&small_table(), false);
    assert!(!out.contains('\x1b'), "no colour when off");
    assert!(out.contains("│ simclr "));
    assert!(out.contains("│ infonce "));
    assert!(out.contains("◇ tsupcon"));
    assert!(out.contains("◇ ident_t"));
    assert!(out.contains("4 methods (2 new) in 3 of 45 cells; 1 of 12 gaps filled"));
    // Every grid line has the same display width.
    let widths: Vec<usize> = out
        .lines()
        .filter(|l| l.starts_with(['│', '┌', '├', '└']))
        .map(|l| l.chars().count())
        .collect();
    assert!(widths.windows(2).all(|w| w[0] == w[1]), "{out}");
    // 1 header line + 9 p rows (simclr/infonce make one of them 2 lines high) + 11 rules.
    assert_eq!(widths.len(), 1 + 9 + 1 + 11);
    let coloured = render::terminal(&small_table(), true);
    assert!(coloured.contains("\x1b[32msimclr\x1b[0m"));
    assert!(coloured.contains("\x1b[1;33m◇ tsupcon\x1b[0m"));
}

#[test]
fn markdown_has_paper_orientation() {
    let md = render::markdown(&small_table());
    let lines: Vec<&str> = md.lines().collect();
    // Header + separator + 5 q rows.
    assert!(lines[0].starts_with("| q \\ p | Gaussian | Student-T | Identity |"));
    assert_eq!(lines[1].matches("---|").count(), 10);
    let gaussian_row = lines[2];
    assert!(gaussian_row.starts_with("| **Gaussian** |"));
    assert!(gaussian_row.contains("| simclr<br>infonce |"));
    // Unfilled gap of the Gaussian row (Student-T column) shows ◇.
    assert!(
        gaussian_row.starts_with("| **Gaussian** |  | ◇ |"),
        "{gaussian_row}"
    );
    let student_row = lines[5];
    assert!(student_row.starts_with("| **Student-T** |"));
    assert!(student_row.contains("◇ *tsupcon*"));
    assert!(student_row.contains("◇ *ident_t*"));
}

#[test]
fn json_lists_all_45_cells_with_status() {
    let v: serde_json::Value =
        serde_json::from_str(&render::json(&small_table())).expect("valid json");
    let cells = v["cells"].as_array().expect("cells");
    assert_eq!(cells.len(), 45);
    assert_eq!(v["columns"].as_array().map(Vec::len), Some(9));
    assert_eq!(v["rows"].as_array().map(Vec::len), Some(5));
    let find = |c: &str, r: &str| {
        cells
            .iter()
            .find(|x| x["column"] == c && x["row"] == r)
            .cloned()
            .expect("cell")
    };
    let pp = find("positive_pairs", "gaussian");
    assert_eq!(pp["status"], "known");
    assert_eq!(pp["methods"][0]["name"], "simclr");
    assert_eq!(pp["methods"][1]["path"], "m/infonce.icon");
    assert_eq!(pp["methods"][1]["new"], false);
    let gap = find("uniform_classes", "student_t");
    assert_eq!(gap["status"], "gap");
    assert_eq!(gap["paper"], "t-SupCon");
    assert_eq!(gap["methods"][0]["new"], true);
    assert_eq!(find("identity", "student_t")["status"], "unlisted");
    assert_eq!(v["summary"]["gaps_filled"], 1);
    // The axis ids are the ids used in the cells.
    for (i, c) in Column::ALL.iter().enumerate() {
        assert_eq!(v["columns"][i]["id"], serde_json::to_value(c).expect("ser"));
    }
    for (i, r) in Row::ALL.iter().enumerate() {
        assert_eq!(v["rows"][i]["id"], serde_json::to_value(r).expect("ser"));
    }
}
