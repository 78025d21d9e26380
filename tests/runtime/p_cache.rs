//! `runtime::p_cache`: a batch whose p inputs repeat reuses the previous p,
//! the reused p is bit for bit a cold computation's, and any change in the
//! inputs, the p expression or the layout recomputes. Plus the data side that
//! makes whole-data-set batches repeat: their rows come in dataset order.

use crate::support::vector_ir::method_with;
use burn::backend::NdArray;
use burn::prelude::*;
use burn::tensor::TensorData;
use iconc::ir::*;
use iconc::runtime::loss::{icon_loss_detailed, Batch, DetailedLoss, KernelParams};
use iconc::runtime::p_cache;
use std::sync::Arc;

type B64 = NdArray<f64>;

fn gaussian(sigma: Option<f64>, perplexity: Option<f64>) -> KernelExpr {
    KernelExpr::Kernel {
        kernel: Kernel::Gaussian {
            sigma,
            perplexity,
            metric: DistanceMetric::Euclidean,
            exclude_self: true,
            learnable: false,
            max_logit_scale: iconc::ir::CLIP_MAX_LOGIT_SCALE,
            scope: Default::default(),
        },
        inputs: vec!["x".into()],
    }
}

fn tsne_like(perplexity: f64) -> Method {
    method_with(
        gaussian(None, Some(perplexity)),
        gaussian(Some(1.0), None),
        Layout::Pairwise,
        Divergence::Kl,
        0,
    )
}

fn eval(m: &Method, x: &[f64], rows: usize) -> DetailedLoss<B64> {
    let device = Default::default();
    let mut b = Batch::<B64>::new();
    let t = Tensor::from_data(TensorData::new(x.to_vec(), [rows, x.len() / rows]), &device);
    b.floats.insert("x".into(), t);
    let params = KernelParams::<B64>::init(m, &device);
    icon_loss_detailed(m, &b, &params).unwrap_or_else(|d| panic!("{}: {}", d.code, d.message))
}

fn points(rows: usize, shift: f64) -> Vec<f64> {
    (0..rows * 3)
        .map(|i| ((i * 37 % 11) as f64 - 5.0) * 0.3 + shift)
        .collect()
}

#[test]
fn repeated_inputs_reuse_p_and_match_a_cold_computation() {
    let m = tsne_like(4.0);
    let x = points(12, 0.0);
    let first = eval(&m, &x, 12);
    let second = eval(&m, &x, 12);
    assert!(
        Arc::ptr_eq(&first.host, &second.host),
        "second batch recomputed p"
    );
    p_cache::clear();
    let cold = eval(&m, &x, 12);
    assert!(!Arc::ptr_eq(&first.host, &cold.host));
    assert_eq!(
        first.host.p, cold.host.p,
        "cached p differs from a cold one"
    );
    assert_eq!(first.host.beta, cold.host.beta);
}

#[test]
fn changed_inputs_expression_or_rows_recompute() {
    let m = tsne_like(4.0);
    let x = points(12, 0.0);
    let base = eval(&m, &x, 12);

    let mut moved = x.clone();
    moved[7] += 1e-12;
    let after_move = eval(&m, &moved, 12);
    assert!(
        !Arc::ptr_eq(&base.host, &after_move.host),
        "an input changed"
    );

    let other = eval(&tsne_like(5.0), &moved, 12);
    assert!(
        !Arc::ptr_eq(&after_move.host, &other.host),
        "the p expression changed"
    );
    assert_ne!(after_move.host.beta, other.host.beta);

    let fewer = eval(&tsne_like(5.0), &moved[..11 * 3], 11);
    assert_eq!(fewer.host.p.rows, 11, "a shorter batch got the old p");
}

#[test]
fn whole_data_set_batches_keep_dataset_order() {
    use iconc::data::{Batcher, Dataset};
    use std::sync::Arc;
    let n = 10;
    let ds = Dataset {
        n,
        features: 2,
        image: None,
        x: (0..n * 2).map(|v| v as f32).collect(),
        labels: (0..n as i64).collect(),
        classes: n,
        side: None,
    };
    let spec = |batch| DataSpec {
        source: DataSource::Digits,
        views: 1,
        augment: vec![],
        batch,
        holdout: 0,
        limit: None,
        modalities: None,
        pairs: Default::default(),
        local: Default::default(),
        features: 2,
        image: None,
        classes: n,
        samples: None,
    };
    let whole = Batcher::new(Arc::new(ds.clone()), &spec(n), 7);
    assert_eq!(whole.order(0), (0..n).collect::<Vec<_>>());
    assert_eq!(whole.order(3), whole.order(0));
    let mini = Batcher::new(Arc::new(ds), &spec(5), 7);
    assert_ne!(
        mini.order(0),
        mini.order(1),
        "minibatches are still shuffled"
    );
}
