//! A few training steps (matmul + backward + optimizer) on `Autodiff<Wgpu>`.
//! Needs a GPU or a software Vulkan driver (CI: Mesa llvmpipe), so it is
//! ignored by default: `cargo test --features wgpu --test wgpu_smoke -- --include-ignored`.
#![cfg(feature = "wgpu")]

use burn::backend::{Autodiff, Wgpu};
use burn::tensor::backend::Backend;
use burn::tensor::{Tensor, TensorData};
use iconc::diag::Diagnostic;
use iconc::ir::{Activation, MapperSpec, MapperStage, Optimizer, Schedule};
use iconc::runtime::loss;
use iconc::runtime::model::Mappers;
use iconc::runtime::train::{train, LoopConfig, NoHooks, Objective, ProgressMode, StepOutput};

type B = Autodiff<Wgpu>;

/// Regression of a fixed linear map of x through an MLP.
struct Regression;

struct Batch {
    x: Vec<f32>,
    y: Vec<f32>,
}

impl Objective<B> for Regression {
    type Model = Mappers<B>;
    type Batch = Batch;
    fn rows(&self, b: &Batch) -> usize {
        b.x.len() / 4
    }
    fn loss(
        &self,
        model: &Mappers<B>,
        b: &Batch,
        _step: usize,
    ) -> Result<StepOutput<B>, Diagnostic> {
        let device = Default::default();
        let rows = b.x.len() / 4;
        let mut keys = loss::Batch::default();
        keys.floats.insert(
            "x".into(),
            Tensor::from_data(TensorData::new(b.x.clone(), [rows, 4]), &device),
        );
        let f = model
            .forward(keys)?
            .floats
            .get("embedding")
            .cloned()
            .expect("embedding");
        let y = Tensor::<B, 2>::from_data(TensorData::new(b.y.clone(), [rows, 2]), &device);
        Ok(StepOutput {
            loss: (f - y).powi_scalar(2).mean(),
            terms: vec![],
        })
    }
}

#[test]
#[ignore = "needs a Vulkan/Metal/DX12 device (CI runs it on Mesa llvmpipe)"]
fn a_few_training_steps_on_wgpu() {
    let device = Default::default();
    B::seed(&device, 1);
    let spec = MapperSpec {
        output: "embedding".into(),
        input: Some("x".into()),
        in_dim: 4,
        out_dim: 2,
        stages: vec![MapperStage::Mlp {
            input: 4,
            hidden: vec![16],
            out: 2,
            activation: Activation::Relu,
            batch_norm: false,
        }],
    };
    let model = Mappers::<B>::from_specs(&[spec], None, &device).expect("specs build");
    let batches = |_epoch: usize| {
        (0..4)
            .map(|b| {
                let x: Vec<f32> = (0..32)
                    .map(|i| (((b * 32 + i) * 37 % 17) as f32) / 17.0 - 0.5)
                    .collect();
                let y: Vec<f32> = x
                    .chunks(4)
                    .flat_map(|r| [r[0] + r[1], r[2] - r[3]])
                    .collect();
                Batch { x, y }
            })
            .collect::<Vec<_>>()
    };
    let config = LoopConfig {
        checkpoint_every: None,
        epochs: 5,
        max_steps: None,
        steps_per_epoch: 4,
        optimizer: Optimizer::Adam {
            lr: 1e-2,
            weight_decay: 0.0,
            betas: (0.9, 0.999),
        },
        schedule: Schedule::Constant,
        clip: Some(10.0),
        ema: None,
        seed: 1,
        progress: ProgressMode::Quiet,
    };
    let t = train(
        &Regression,
        model,
        batches,
        &config,
        None,
        &mut NoHooks,
        &device,
    )
    .expect("training runs");
    let losses = &t.state.epoch_losses;
    assert_eq!(losses.len(), 5);
    assert!(losses.iter().all(|l| l.is_finite()));
    assert!(losses[4] < losses[0], "loss went down: {losses:?}");
}
