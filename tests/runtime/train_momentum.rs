//! The momentum encoder (`MomentumEncoder(of = …)`, MoCo v3): its copy starts
//! at the online weights, no gradient reaches it, the optimizer leaves it
//! alone, and after a step it is `m_t·θ̄ + (1 − m_t)·θ` of the new online
//! weights. Checked on the std-lib `mocov3` pipelines.

use crate::support::classic::{load_stdlib, random};
use burn::backend::Autodiff;
use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::{AdamWConfig, GradientsParams, Optimizer};
use burn::tensor::{Tensor, TensorData};
use iconc::ir::MomentumSchedule;
use iconc::runtime::backend::CpuBackend;
use iconc::runtime::blend;
use iconc::runtime::loss::Batch;
use iconc::runtime::mappers::Pipeline;
use iconc::runtime::model::Mappers;

type B = Autodiff<CpuBackend>;
type Inner = CpuBackend;

fn pipeline<'a>(m: &'a Mappers<B>, key: &str) -> &'a Pipeline<B> {
    m.pipelines
        .iter()
        .find(|p| p.output == key)
        .expect("pipeline exists")
}

/// The online encoder's and the copy's parameters, flattened, as f32.
fn online_and_copy(m: &Mappers<B>) -> (Vec<f32>, Vec<f32>) {
    let flat = |stages: &[iconc::runtime::mappers::Stage<B>]| -> Vec<f32> {
        stages
            .iter()
            .flat_map(blend::parameters)
            .flat_map(|t| t.into_data().to_vec::<f32>().expect("f32"))
            .collect()
    };
    let target = pipeline(m, "target");
    let copied = target
        .momentum
        .as_ref()
        .expect("target is a momentum copy")
        .stages;
    (
        flat(&pipeline(m, "embedding").stages),
        flat(&target.stages[..copied]),
    )
}

/// Counts the parameters of a module that have (or lack) a gradient.
struct Grads<'a> {
    grads: &'a GradientsParams,
    with: usize,
    without: usize,
}

impl ModuleVisitor<B> for Grads<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        match self.grads.get::<Inner, D>(param.id) {
            Some(_) => self.with += 1,
            None => self.without += 1,
        }
    }
}

fn grads_of(
    stages: &[iconc::runtime::mappers::Stage<B>],
    grads: &GradientsParams,
) -> (usize, usize) {
    let mut v = Grads {
        grads,
        with: 0,
        without: 0,
    };
    for s in stages {
        s.visit(&mut v);
    }
    (v.with, v.without)
}

#[test]
fn momentum_copy_follows_the_online_encoder_without_gradients() {
    let method = load_stdlib("mocov3");
    let device = Default::default();
    let mappers = Mappers::<B>::from_specs(&method.mappers, None, &device).expect("builds");
    let (online0, copy0) = online_and_copy(&mappers);
    assert!(!online0.is_empty());
    assert_eq!(online0, copy0, "the copy starts at the online weights");

    // A loss that reads both branches: only the online side gets gradients.
    let x: Vec<f32> = random(4, 784, 3).into_iter().map(|v| v as f32).collect();
    let mut batch = Batch::<B>::default();
    batch.floats.insert(
        "x".into(),
        Tensor::from_data(TensorData::new(x, [4, 784]), &device),
    );
    let keys = mappers.forward(batch).expect("forward");
    let loss = (keys.floats["pred"].clone() * keys.floats["target"].clone()).sum();
    let grads = GradientsParams::from_grads(loss.backward(), &mappers);
    let target = pipeline(&mappers, "target");
    let copied = target.momentum.as_ref().map_or(0, |c| c.stages);
    let (with, without) = grads_of(&target.stages[..copied], &grads);
    assert_eq!(with, 0, "no gradient reaches the momentum copy");
    assert!(without > 0);
    let (with, _) = grads_of(&pipeline(&mappers, "embedding").stages, &grads);
    assert!(with > 0, "the online encoder trains");

    let mut optim = AdamWConfig::new().init::<B, Mappers<B>>();
    let stepped = optim.step(1e-2, mappers, grads);
    let (online1, copy1) = online_and_copy(&stepped);
    assert_eq!(copy1, copy0, "the optimizer leaves the copy alone");
    assert_ne!(online1, online0, "the online encoder moved");

    // m_0 = 0.99 (cosine schedule at step 0 of 10).
    let m0 = MomentumSchedule::Cosine.at(0.99, 0, 10);
    assert!((m0 - 0.99).abs() < 1e-12);
    let moved = stepped.momentum_step(0, 10).expect("momentum step");
    let (online2, copy2) = online_and_copy(&moved);
    assert_eq!(
        online2, online1,
        "the momentum step leaves the online encoder"
    );
    for (i, ((c, before), after)) in copy2.iter().zip(&copy0).zip(&online1).enumerate() {
        let want = m0 * f64::from(*before) + (1.0 - m0) * f64::from(*after);
        assert!(
            (f64::from(*c) - want).abs() <= 1e-6 * want.abs().max(1.0),
            "parameter {i}: {c} vs {want}"
        );
    }
}

/// BYOL's cosine momentum: m at the first step, (1 + m)/2 halfway, 1 at the end.
#[test]
fn cosine_momentum_rises_to_one() {
    let at = |t| MomentumSchedule::Cosine.at(0.99, t, 100);
    assert!((at(0) - 0.99).abs() < 1e-12);
    assert!((at(50) - 0.995).abs() < 1e-12);
    assert!((at(100) - 1.0).abs() < 1e-12);
    assert_eq!(MomentumSchedule::Constant.at(0.99, 50, 100), 0.99);
}
