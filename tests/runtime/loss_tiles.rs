//! The memory-bounded (row-tiled) loss equals the untiled one: the loss
//! value and the gradients with respect to every float key and learnable
//! scale, on the 17 spec vectors' methods (f64, to 1e-6 of the largest
//! gradient; measured worst 4.5e-8) and on larger random batches in the
//! default CPU backend's f32 (to 1e-5; measured worst 3.9e-7).

use crate::support::vector_ir::{cauchy_on_embedding, leaf, method_from_config, method_with};
use burn::backend::{Autodiff, NdArray};
use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;
use burn::tensor::TensorData;
use iconc::data::npz::NpzArrays;
use iconc::ir::*;
use iconc::runtime::backend::CpuBackend;
use iconc::runtime::loss::{icon_loss, Batch, KernelParams};
use iconc::runtime::loss_tiles::{row_separable, tile_rows, tiled_loss, Tiling};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;
use std::path::PathBuf;

type F64 = Autodiff<NdArray<f64>>;
type F32 = Autodiff<CpuBackend>;

const FLOAT_KEYS: [&str; 5] = ["x", "embedding", "embedding1", "logits", "class_embedding"];
const INT_KEYS: [&str; 2] = ["label", "index"];

/// A batch as host arrays, rebuilt into fresh autodiff leaves per run.
struct HostInputs {
    floats: Vec<(String, usize, usize, Vec<f64>)>,
    ints: Vec<(String, Vec<i64>)>,
}

impl HostInputs {
    fn batch<B: AutodiffBackend>(&self) -> Batch<B> {
        let device = Default::default();
        let mut b = Batch::new();
        for (k, r, c, v) in &self.floats {
            let data = TensorData::new(v.clone(), [*r, *c]).convert::<B::FloatElem>();
            b.floats
                .insert(k.clone(), Tensor::from_data(data, &device).require_grad());
        }
        for (k, v) in &self.ints {
            let data = TensorData::new(v.clone(), [v.len()]).convert::<B::IntElem>();
            b.ints.insert(k.clone(), Tensor::from_data(data, &device));
        }
        b
    }
}

/// Loss value and gradients (float keys in name order, then the scales).
fn loss_and_grads<B: AutodiffBackend>(
    method: &Method,
    inputs: &HostInputs,
    tile: Option<usize>,
) -> (f64, Vec<Vec<f64>>) {
    let batch = inputs.batch::<B>();
    let params = KernelParams::<B>::init(method, &Default::default());
    let loss = match tile {
        Some(t) => tiled_loss(method, &batch, &params, t, 1.0),
        None => icon_loss(method, &batch, &params).map(|o| o.loss),
    }
    .unwrap_or_else(|d| panic!("{}: {}: {}", method.name, d.code, d.message));
    let value = loss.clone().into_scalar().elem::<f64>();
    let grads = loss.backward();
    let to_vec = |d: TensorData| d.convert::<f64>().to_vec::<f64>().unwrap();
    let mut out: Vec<Vec<f64>> = batch
        .floats
        .values()
        .map(|t| {
            t.grad(&grads)
                .map(|g| to_vec(g.into_data()))
                .unwrap_or_default()
        })
        .collect();
    for p in &params.log_scales {
        out.push(
            p.val()
                .grad(&grads)
                .map(|g| to_vec(g.into_data()))
                .unwrap_or_default(),
        );
    }
    (value, out)
}

fn assert_close(what: &str, a: &[f64], b: &[f64], rtol: f64) {
    assert_eq!(a.len(), b.len(), "{what}: lengths differ");
    let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-30);
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(
            (x - y).abs() <= rtol * scale,
            "{what}[{i}]: tiled {x} vs untiled {y} (scale {scale})"
        );
    }
}

fn compare<B: AutodiffBackend>(method: &Method, inputs: &HostInputs, tiles: &[usize], rtol: f64) {
    let (loss, grads) = loss_and_grads::<B>(method, inputs, None);
    assert!(loss.is_finite(), "{}: untiled loss {loss}", method.name);
    assert!(
        grads.iter().any(|g| g.iter().any(|v| *v != 0.0)),
        "{}: the untiled loss has no gradient to compare",
        method.name
    );
    for &tile in tiles {
        let (tl, tg) = loss_and_grads::<B>(method, inputs, Some(tile));
        let what = format!("{} (tile {tile})", method.name);
        assert!(
            (tl - loss).abs() <= rtol * loss.abs().max(1e-12),
            "{what}: loss {tl} vs {loss}"
        );
        assert_eq!(tg.len(), grads.len());
        for (k, (a, b)) in tg.iter().zip(&grads).enumerate() {
            assert_close(&format!("{what} grad {k}"), a, b, rtol);
        }
    }
}

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vectors")
}

fn vector_inputs(file: &str) -> HostInputs {
    let arrays = NpzArrays::read(&vectors_dir().join(file)).unwrap();
    let mut inputs = HostInputs {
        floats: Vec::new(),
        ints: Vec::new(),
    };
    for k in FLOAT_KEYS {
        if let Some(a) = arrays.get(k) {
            let (r, c) = match a.shape.as_slice() {
                [r, c] => (*r, *c),
                [r] => (*r, 1),
                s => panic!("{file}: `{k}` has shape {s:?}"),
            };
            inputs
                .floats
                .push((k.to_string(), r, c, a.as_f64().unwrap()));
        }
    }
    for k in INT_KEYS {
        if let Some(a) = arrays.get(k) {
            inputs
                .ints
                .push((k.to_string(), a.as_i64().unwrap().to_vec()));
        }
    }
    inputs
}

#[test]
fn tiles_equal_the_untiled_loss_on_every_spec_vector() {
    let index: Value =
        serde_json::from_str(&std::fs::read_to_string(vectors_dir().join("index.json")).unwrap())
            .unwrap();
    let mut tiled = Vec::new();
    let mut untileable = Vec::new();
    for (name, entry) in index["vectors"].as_object().unwrap() {
        let classes = entry["shapes"]["p"][1].as_u64().unwrap() as usize;
        let method = method_from_config(name, &entry["spec_config"], classes);
        if !row_separable(&method) {
            untileable.push(name.clone());
            continue;
        }
        let inputs = vector_inputs(entry["file"].as_str().unwrap());
        // One row per tile, a ragged last tile, and two tiles.
        compare::<F64>(&method, &inputs, &[1, 3, 5], 1e-6);
        tiled.push(name.clone());
    }
    untileable.sort();
    assert_eq!(
        untileable,
        [
            "algebra_propagate_debias",
            "harmonic",
            "large_logits",
            "supervised_ce"
        ],
        "only class tables and row-mixing p stay untiled"
    );
    assert_eq!(tiled.len(), 13, "tiled: {tiled:?}");
}

fn random_inputs(n: usize, dims: &[(&str, usize)], seed: u64) -> HostInputs {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    HostInputs {
        floats: dims
            .iter()
            .map(|(k, d)| {
                let v = (0..n * d).map(|_| rng.random_range(-1.0..1.0)).collect();
                (k.to_string(), n, *d, v)
            })
            .collect(),
        // Two views of n/2 sources: positives are r and r ± n/2.
        ints: vec![(
            "index".into(),
            (0..n as i64).map(|i| i % (n as i64 / 2)).collect(),
        )],
    }
}

#[test]
fn tiles_equal_the_untiled_loss_in_f32() {
    // SimCLR: augmentation pairs, cosine Gaussian with a learnable scale.
    let simclr = method_with(
        leaf(Kernel::Augmentation, &["index"]),
        leaf(
            Kernel::Gaussian {
                sigma: Some(0.5),
                perplexity: None,
                metric: DistanceMetric::Cosine,
                exclude_self: true,
                learnable: true,
                max_logit_scale: iconc::ir::CLIP_MAX_LOGIT_SCALE,
                scope: Default::default(),
            },
            &["embedding"],
        ),
        Layout::Pairwise,
        Divergence::Kl,
        0,
    );
    compare::<F32>(
        &simclr,
        &random_inputs(300, &[("embedding", 16)], 1),
        &[64, 100, 299],
        1e-5,
    );
    // t-SNE: perplexity-calibrated Gaussian on x, Student-t on the map.
    let tsne = method_with(
        leaf(
            Kernel::Gaussian {
                sigma: None,
                perplexity: Some(20.0),
                metric: DistanceMetric::Euclidean,
                exclude_self: true,
                learnable: false,
                max_logit_scale: iconc::ir::CLIP_MAX_LOGIT_SCALE,
                scope: Default::default(),
            },
            &["x"],
        ),
        cauchy_on_embedding(Repulsion::Dense),
        Layout::Pairwise,
        Divergence::Kl,
        0,
    );
    compare::<F32>(
        &tsne,
        &random_inputs(256, &[("x", 10), ("embedding", 2)], 2),
        &[50],
        1e-5,
    );
}

#[test]
fn auto_tiles_only_large_separable_batches() {
    let m = |p: KernelExpr, layout| {
        method_with(
            p,
            cauchy_on_embedding(Repulsion::Dense),
            layout,
            Divergence::Kl,
            10,
        )
    };
    let aug = || leaf(Kernel::Augmentation, &["index"]);
    let pairwise = m(aug(), Layout::Pairwise);
    assert_eq!(tile_rows(&pairwise, 1024, Tiling::Auto), None);
    let big = tile_rows(&pairwise, 16384, Tiling::Auto).expect("B = 16k is tiled");
    assert!((64..16384).contains(&big), "tile {big}");
    assert_eq!(tile_rows(&pairwise, 16384, Tiling::Off), None);
    assert_eq!(tile_rows(&pairwise, 1024, Tiling::Rows(100)), Some(100));
    // A tile as tall as the batch is the untiled path.
    assert_eq!(tile_rows(&pairwise, 64, Tiling::Rows(64)), None);
    let cross = m(aug(), Layout::CrossModal);
    assert_eq!(
        tile_rows(&cross, 64, Tiling::Rows(100)),
        Some(100),
        "2B rows"
    );
    let mixing = m(KernelExpr::Symmetrize(Box::new(aug())), Layout::Pairwise);
    assert_eq!(tile_rows(&mixing, 16384, Tiling::Rows(100)), None);
    let table = m(aug(), Layout::Table { classes: 10 });
    assert_eq!(tile_rows(&table, 16384, Tiling::Rows(100)), None);
}
