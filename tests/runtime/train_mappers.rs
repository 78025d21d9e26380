//! Mapper output shapes and the orthonormal / PCA / table behaviour.

use burn::tensor::{Int, Tensor, TensorData};
use iconc::ir::{Activation, MapperSpec, MapperStage, TableInit};
use iconc::runtime::loss::Batch;
use iconc::runtime::mappers::{
    linear::gram_schmidt_columns, table::pca_init, Pipeline, PipelineInput,
};
use iconc::runtime::model::Mappers;

type B = iconc::runtime::backend::CpuBackend;

fn spec(output: &str, input: Option<&str>, stages: Vec<MapperStage>) -> MapperSpec {
    MapperSpec {
        output: output.into(),
        input: input.map(Into::into),
        in_dim: 0,
        out_dim: 0,
        stages,
    }
}

fn floats(rows: usize, cols: usize) -> Tensor<B, 2> {
    let v: Vec<f32> = (0..rows * cols)
        .map(|i| ((i * 37 % 11) as f32) / 11.0)
        .collect();
    Tensor::from_data(TensorData::new(v, [rows, cols]), &Default::default())
}

fn run(stages: Vec<MapperStage>, input: PipelineInput<B>) -> Vec<usize> {
    let p = Pipeline::<B>::init(
        &spec("embedding", Some("x"), stages),
        None,
        &Default::default(),
    )
    .expect("pipeline builds");
    p.forward(input).unwrap().dims().to_vec()
}

#[test]
fn mlp_linear_cluster_head_shapes() {
    let mlp = MapperStage::Mlp {
        input: 6,
        hidden: vec![8, 5],
        out: 3,
        activation: Activation::Gelu,
        batch_norm: true,
    };
    assert_eq!(
        run(vec![mlp], PipelineInput::Float(floats(4, 6))),
        vec![4, 3]
    );
    let lin = MapperStage::Linear {
        input: 6,
        out: 2,
        bias: true,
        orthonormal: false,
    };
    assert_eq!(
        run(vec![lin], PipelineInput::Float(floats(5, 6))),
        vec![5, 2]
    );
    let head = MapperStage::ClusterHead {
        input: 6,
        clusters: 4,
    };
    let p = Pipeline::<B>::init(
        &spec("phi", Some("x"), vec![head]),
        None,
        &Default::default(),
    )
    .expect("pipeline builds");
    let phi = p.forward(PipelineInput::Float(floats(3, 6))).unwrap();
    assert_eq!(phi.dims(), [3, 4]);
    // rows of φ are probabilities
    let sums: Vec<f32> = phi.sum_dim(1).into_data().to_vec().unwrap();
    for s in sums {
        assert!((s - 1.0).abs() < 1e-5);
    }
}

#[test]
fn simple_cnn_and_resnet_shapes() {
    let cnn = MapperStage::SimpleCnn {
        image: (1, 28, 28),
        out: 2,
    };
    assert_eq!(
        run(vec![cnn], PipelineInput::Float(floats(2, 784))),
        vec![2, 2]
    );
    let res = MapperStage::ResNet18 {
        image: (3, 8, 8),
        out: 5,
    };
    assert_eq!(
        run(vec![res], PipelineInput::Float(floats(2, 192))),
        vec![2, 5]
    );
}

#[test]
fn normalize_gives_unit_rows() {
    let lin = MapperStage::Linear {
        input: 6,
        out: 3,
        bias: true,
        orthonormal: false,
    };
    let p = Pipeline::<B>::init(
        &spec("e", Some("x"), vec![lin, MapperStage::Normalize]),
        None,
        &Default::default(),
    )
    .expect("pipeline builds");
    let e = p.forward(PipelineInput::Float(floats(4, 6))).unwrap();
    let norms: Vec<f32> = e.powi_scalar(2).sum_dim(1).into_data().to_vec().unwrap();
    for n in norms {
        assert!((n - 1.0).abs() < 1e-5, "row norm² {n}");
    }
}

#[test]
fn lookup_table_by_index_and_get_all() {
    let device = Default::default();
    let table = MapperStage::LookUpTable {
        n: 7,
        dim: 3,
        get_all: false,
        init: TableInit::Normal { std: 1.0 },
    };
    let all = MapperStage::LookUpTable {
        n: 4,
        dim: 3,
        get_all: true,
        init: TableInit::Normal { std: 1.0 },
    };
    let m = Mappers::<B>::from_specs(
        &[
            spec("embedding", Some("index"), vec![table]),
            spec("class_embedding", None, vec![all]),
        ],
        None,
        &device,
    )
    .expect("specs build");
    let mut keys = Batch::<B>::default();
    let ids = Tensor::<B, 1, Int>::from_data(TensorData::new(vec![6i64, 0, 6], [3]), &device);
    keys.ints.insert("index".into(), ids);
    let out = m.forward(keys).unwrap();
    let e = out.floats.get("embedding").unwrap().clone();
    assert_eq!(e.dims(), [3, 3]);
    let v: Vec<f32> = e.into_data().to_vec().unwrap();
    assert_eq!(v[0..3], v[6..9], "same id, same row");
    assert_eq!(out.floats.get("class_embedding").unwrap().dims(), [4, 3]);
}

#[test]
fn missing_key_is_a_diagnostic_not_a_panic() {
    let lin = MapperStage::Linear {
        input: 2,
        out: 2,
        bias: true,
        orthonormal: false,
    };
    let m = Mappers::<B>::from_specs(
        &[spec("e", Some("nope"), vec![lin])],
        None,
        &Default::default(),
    )
    .expect("specs build");
    let err = m.forward(Batch::default()).unwrap_err();
    assert_eq!(err.code, "E0701");
}

#[test]
fn gram_schmidt_is_orthonormal() {
    // 4×2 matrix with columns (1,1,0,0) and (1,0,1,0): Q columns are
    // (1,1,0,0)/√2 and (1,−1,2,0)/√6 (classical GS by hand).
    let a = [1.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0];
    let q = gram_schmidt_columns(&a, 4, 2);
    let s2 = 2f64.sqrt();
    let s6 = 6f64.sqrt();
    let want = [
        1.0 / s2,
        1.0 / s6,
        1.0 / s2,
        -1.0 / s6,
        0.0,
        2.0 / s6,
        0.0,
        0.0,
    ];
    for (g, w) in q.iter().zip(want) {
        assert!((g - w).abs() < 1e-12, "{q:?}");
    }
}

#[test]
fn orthonormal_linear_starts_orthonormal() {
    let lin = MapperStage::Linear {
        input: 5,
        out: 2,
        bias: false,
        orthonormal: true,
    };
    let p = Pipeline::<B>::init(&spec("e", Some("x"), vec![lin]), None, &Default::default())
        .expect("pipeline builds");
    assert!(p.has_orthonormal());
    // W is the map of the identity rows: feed I₅ to read W (5×2)
    let eye: Vec<f32> = (0..25)
        .map(|i| if i % 6 == 0 { 1.0 } else { 0.0 })
        .collect();
    let w = p
        .forward(PipelineInput::Float(Tensor::from_data(
            TensorData::new(eye, [5, 5]),
            &Default::default(),
        )))
        .unwrap();
    let wtw: Vec<f32> = w
        .clone()
        .transpose()
        .matmul(w)
        .into_data()
        .to_vec()
        .unwrap();
    for (g, want) in wtw.iter().zip([1.0, 0.0, 0.0, 1.0]) {
        assert!((g - want).abs() < 1e-5, "WᵀW = {wtw:?}");
    }
}

#[test]
fn pca_init_finds_the_dominant_axis() {
    // x varies ±3 along feature 1 and ±1 along feature 2 (feature 0 constant):
    // PC1 is feature 1, PC2 feature 2; coordinates are scaled so PC1 has std 1e-4.
    let mut x = Vec::new();
    for i in 0..40 {
        let a: f64 = if i % 2 == 0 { 3.0 } else { -3.0 };
        let b: f64 = if (i / 2) % 2 == 0 { 1.0 } else { -1.0 };
        x.extend_from_slice(&[5.0f32, a as f32, b as f32]);
    }
    let y = pca_init(&x, 40, 3, 2, 1);
    for i in 0..40 {
        let a: f64 = if i % 2 == 0 { 3.0 } else { -3.0 };
        let b: f64 = if (i / 2) % 2 == 0 { 1.0 } else { -1.0 };
        // up to sign: |y0| = 1e-4·|a|/3, |y1| = 1e-4·|b|/3
        assert!((y[2 * i].abs() as f64 - 1e-4 * a.abs() / 3.0).abs() < 1e-9);
        assert!((y[2 * i + 1].abs() as f64 - 1e-4 * b.abs() / 3.0).abs() < 1e-9);
    }
}
