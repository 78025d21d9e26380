//! The training loop on a tiny regression objective: determinism, exact
//! resume after an interruption mid-epoch, the non-finite guard, clipping and EMA.

use crate::support::serial;
use burn::backend::Autodiff;
use burn::module::AutodiffModule;
use burn::tensor::backend::Backend;
use burn::tensor::{ElementConversion, Tensor, TensorData};
use iconc::diag::Diagnostic;
use iconc::ir::{Activation, MapperSpec, MapperStage, Optimizer, Schedule};
use iconc::runtime::loss;
use iconc::runtime::model::Mappers;
use iconc::runtime::train::{
    train, EpochRecord, Hooks, LoopConfig, NoHooks, Objective, ProgressMode, StepOutput, Stop,
};

type B = Autodiff<iconc::runtime::backend::CpuBackend>;

/// Rows of (x ∈ R⁴, target ∈ R²), target = a fixed linear map of x.
struct Batch {
    x: Vec<f32>,
    y: Vec<f32>,
    rows: usize,
}

struct Regression;

impl Objective<B> for Regression {
    type Model = Mappers<B>;
    type Batch = Batch;
    fn rows(&self, b: &Batch) -> usize {
        b.rows
    }
    fn loss(
        &self,
        model: &Mappers<B>,
        b: &Batch,
        _step: usize,
    ) -> Result<StepOutput<B>, Diagnostic> {
        let device = Default::default();
        let mut keys = loss::Batch::default();
        let x = Tensor::<B, 2>::from_data(TensorData::new(b.x.clone(), [b.rows, 4]), &device);
        keys.floats.insert("x".into(), x);
        let out = model.forward(keys)?;
        let f = out.floats.get("embedding").cloned().unwrap();
        let y = Tensor::<B, 2>::from_data(TensorData::new(b.y.clone(), [b.rows, 2]), &device);
        let loss = (f.clone() - y).powi_scalar(2).mean();
        Ok(StepOutput {
            loss,
            terms: vec![("embedding".into(), f)],
        })
    }
    fn after_step(&self, model: Mappers<B>, _: usize, _: usize) -> Result<Mappers<B>, Diagnostic> {
        Ok(model.orthonormalize())
    }
}

/// 3 batches of 8 rows per epoch, a pure function of (epoch, batch).
fn batches(epoch: usize) -> Vec<Batch> {
    (0..3)
        .map(|b| {
            let mut x = Vec::new();
            let mut y = Vec::new();
            for r in 0..8 {
                let s = (epoch * 97 + b * 31 + r * 7) as f32;
                let row = [
                    (s * 0.37).sin(),
                    (s * 0.11).cos(),
                    (s * 0.07).sin(),
                    (s * 0.23).cos(),
                ];
                y.push(row[0] + 0.5 * row[1]);
                y.push(row[2] - row[3]);
                x.extend_from_slice(&row);
            }
            Batch { x, y, rows: 8 }
        })
        .collect()
}

fn model(seed: u64, orthonormal: bool) -> Mappers<B> {
    let device = Default::default();
    // Seed and draw under the library's lock, as `iconc run` does.
    let _draws = iconc::runtime::backend::seeded_draws();
    B::seed(&device, seed);
    let stage = if orthonormal {
        MapperStage::Linear {
            input: 4,
            out: 2,
            bias: false,
            orthonormal: true,
        }
    } else {
        MapperStage::Mlp {
            input: 4,
            hidden: vec![16],
            out: 2,
            activation: Activation::Tanh,
            batch_norm: false,
        }
    };
    let spec = MapperSpec {
        output: "embedding".into(),
        input: Some("x".into()),
        in_dim: 4,
        out_dim: 2,
        stages: vec![stage],
    };
    let mappers = Mappers::from_specs(&[spec], None, &device).expect("specs build");
    iconc::runtime::model::materialize(&mappers);
    mappers
}

fn config(optimizer: Optimizer) -> LoopConfig {
    LoopConfig {
        epochs: 4,
        max_steps: None,
        steps_per_epoch: 3,
        optimizer,
        schedule: Schedule::Cosine { warmup: 1 },
        clip: Some(5.0),
        ema: Some(0.9),
        seed: 3,
        progress: ProgressMode::Quiet,
        checkpoint_every: None,
    }
}

fn adamw() -> Optimizer {
    Optimizer::AdamW {
        lr: 1e-2,
        weight_decay: 1e-4,
        betas: (0.9, 0.999),
    }
}

fn run(
    cfg: &LoopConfig,
    resume: Option<&[u8]>,
    hooks: &mut dyn Hooks,
) -> Result<iconc::runtime::train::Trained<B, Mappers<B>>, Diagnostic> {
    train(
        &Regression,
        model(3, false),
        batches,
        cfg,
        resume,
        hooks,
        &Default::default(),
    )
}

#[test]
fn same_seed_same_losses_and_loss_goes_down() {
    let _serial = serial();
    let cfg = config(adamw());
    let a = run(&cfg, None, &mut NoHooks).unwrap();
    let b = run(&cfg, None, &mut NoHooks).unwrap();
    assert_eq!(a.state.step_losses.len(), 12);
    // bit-for-bit equality
    assert_eq!(bits(&a.state.step_losses), bits(&b.state.step_losses));
    assert!(
        a.state.epoch_losses[3] < a.state.epoch_losses[0],
        "{:?}",
        a.state.epoch_losses
    );
    assert_eq!(a.stop, Stop::Finished);
}

/// Stops at a given step and keeps every checkpoint handed out.
struct StopAt {
    step: usize,
    last: Option<Vec<u8>>,
    epochs: Vec<EpochRecord>,
}

impl Hooks for StopAt {
    fn epoch_end(&mut self, r: &EpochRecord) -> Result<(), Diagnostic> {
        self.epochs.push(r.clone());
        Ok(())
    }
    fn checkpoint(&mut self, bytes: &[u8]) -> Result<(), Diagnostic> {
        self.last = Some(bytes.to_vec());
        Ok(())
    }
    fn should_stop(&mut self, step: usize) -> bool {
        step == self.step
    }
}

#[test]
fn resume_mid_epoch_reproduces_the_uninterrupted_run() {
    let _serial = serial();
    for opt in [
        adamw(),
        Optimizer::Sgd {
            lr: 0.05,
            momentum: 0.9,
            nesterov: true,
            weight_decay: 1e-3,
            lr_rule: Default::default(),
        },
    ] {
        let cfg = config(opt);
        let full = run(&cfg, None, &mut NoHooks).unwrap();
        // stop at step 7 = epoch 2, batch 1 (mid-epoch)
        let mut hooks = StopAt {
            step: 7,
            last: None,
            epochs: vec![],
        };
        let cut = run(&cfg, None, &mut hooks).unwrap();
        assert_eq!(cut.stop, Stop::Interrupted);
        assert_eq!(cut.state.step_losses.len(), 7);
        assert_eq!(hooks.epochs.len(), 2);
        let bytes = hooks.last.unwrap();
        let resumed = run(&cfg, Some(&bytes), &mut NoHooks).unwrap();
        assert_eq!(
            bits(&resumed.state.step_losses),
            bits(&full.state.step_losses)
        );
        assert_eq!(
            bits(&resumed.state.epoch_losses),
            bits(&full.state.epoch_losses)
        );
        // the EMA shadow resumes too: same evaluation weights
        let e1: Vec<f32> = eval_out(&full).into_data().to_vec().unwrap();
        let e2: Vec<f32> = eval_out(&resumed).into_data().to_vec().unwrap();
        assert_eq!(e1, e2);
    }
}

/// Keeps every checkpoint handed out, in order.
#[derive(Default)]
struct KeepAll {
    checkpoints: Vec<Vec<u8>>,
}

impl Hooks for KeepAll {
    fn checkpoint(&mut self, bytes: &[u8]) -> Result<(), Diagnostic> {
        self.checkpoints.push(bytes.to_vec());
        Ok(())
    }
}

#[test]
fn periodic_mid_epoch_checkpoints_resume_exactly() {
    let _serial = serial();
    let mut cfg = config(adamw());
    let full = run(&cfg, None, &mut NoHooks).unwrap();
    // Every step is "a minute later": one checkpoint per step, plus one at
    // each epoch end (12 steps, 4 epochs).
    cfg.checkpoint_every = Some(std::time::Duration::ZERO);
    let mut hooks = KeepAll::default();
    let periodic = run(&cfg, None, &mut hooks).unwrap();
    assert_eq!(hooks.checkpoints.len(), 12 + 4);
    assert_eq!(
        bits(&periodic.state.step_losses),
        bits(&full.state.step_losses)
    );
    // The checkpoint after step 5 is mid-epoch (epoch 1, batch 2 of 3):
    // checkpoints 0-2 are steps 1-3, 3 is epoch 0's end, 4-5 are steps 4-5.
    let resumed = run(&cfg, Some(&hooks.checkpoints[5]), &mut NoHooks).unwrap();
    assert_eq!(
        bits(&resumed.state.step_losses),
        bits(&full.state.step_losses)
    );
    assert_eq!(
        bits(&resumed.state.epoch_losses),
        bits(&full.state.epoch_losses)
    );
}

/// The exact bits of a loss curve (resume must reproduce it bit for bit).
fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn eval_out(
    t: &iconc::runtime::train::Trained<B, Mappers<B>>,
) -> Tensor<iconc::runtime::backend::CpuBackend, 2> {
    let m = t.eval_model().expect("the shadow fits the model");
    let mut keys = loss::Batch::default();
    let b = &batches(0)[0];
    keys.floats.insert(
        "x".into(),
        Tensor::from_data(TensorData::new(b.x.clone(), [8, 4]), &Default::default()),
    );
    m.forward(keys)
        .unwrap()
        .floats
        .get("embedding")
        .cloned()
        .unwrap()
}

#[test]
fn absurd_learning_rate_is_a_diagnostic() {
    let _serial = serial();
    let mut cfg = config(Optimizer::Sgd {
        lr: 1e30,
        momentum: 0.0,
        nesterov: false,
        weight_decay: 0.0,
        lr_rule: Default::default(),
    });
    cfg.clip = None;
    cfg.ema = None;
    cfg.schedule = Schedule::Constant;
    let err = match run(&cfg, None, &mut NoHooks) {
        Err(e) => e,
        Ok(t) => panic!("expected divergence, got losses {:?}", t.state.step_losses),
    };
    assert_eq!(err.code, "E0703");
    assert!(err.message.contains("step"), "{}", err.message);
}

#[test]
fn ema_is_the_average_of_the_weights() {
    let _serial = serial();
    // one SGD step with EMA m = 0.5: shadow = 0.5·θ0 + 0.5·θ1
    let mut cfg = config(Optimizer::Sgd {
        lr: 0.1,
        momentum: 0.0,
        nesterov: false,
        weight_decay: 0.0,
        lr_rule: Default::default(),
    });
    cfg.max_steps = Some(1);
    cfg.ema = Some(0.5);
    cfg.clip = None;
    cfg.schedule = Schedule::Constant;
    let before = model(3, false);
    let t = run(&cfg, None, &mut NoHooks).unwrap();
    let out = |m: &Mappers<iconc::runtime::backend::CpuBackend>| -> Vec<f32> {
        let mut keys = loss::Batch::default();
        // the identity input reads W₁ rows through the tanh layer; compare first-layer weights directly
        let eye: Vec<f32> = (0..16)
            .map(|i| if i % 5 == 0 { 1.0 } else { 0.0 })
            .collect();
        keys.floats.insert(
            "x".into(),
            Tensor::from_data(TensorData::new(eye, [4, 4]), &Default::default()),
        );
        let _ = m.forward(keys).unwrap();
        weights(m)
    };
    let w0 = out(&before.valid());
    let w1 = out(&t.model.valid());
    let we = out(&t.eval_model().expect("the shadow fits the model"));
    for ((a, b), e) in w0.iter().zip(&w1).zip(&we) {
        assert!((0.5 * a + 0.5 * b - e).abs() < 1e-6);
    }
    assert!(
        w0.iter().zip(&w1).any(|(a, b)| a != b),
        "the step moved the weights"
    );
}

/// All float parameters, flattened in module order.
fn weights<BB: Backend>(m: &Mappers<BB>) -> Vec<f32> {
    use burn::module::{Module, ModuleVisitor, Param};
    struct V(Vec<f32>);
    impl<BB: Backend> ModuleVisitor<BB> for V {
        fn visit_float<const D: usize>(&mut self, p: &Param<Tensor<BB, D>>) {
            self.0.extend(
                p.val()
                    .into_data()
                    .convert::<f32>()
                    .to_vec::<f32>()
                    .unwrap(),
            );
        }
    }
    let mut v = V(vec![]);
    m.visit(&mut v);
    v.0
}

#[test]
fn clipping_bounds_the_update() {
    let _serial = serial();
    // SGD without momentum: θ1 − θ0 = −lr·clip(g); with clip 1e-3 the update norm is ≤ lr·1e-3.
    let mut cfg = config(Optimizer::Sgd {
        lr: 1.0,
        momentum: 0.0,
        nesterov: false,
        weight_decay: 0.0,
        lr_rule: Default::default(),
    });
    cfg.max_steps = Some(1);
    cfg.ema = None;
    cfg.clip = Some(1e-3);
    cfg.schedule = Schedule::Constant;
    let w0 = weights(&model(3, false).valid());
    let t = run(&cfg, None, &mut NoHooks).unwrap();
    let w1 = weights(&t.model.valid());
    let norm: f64 = w0
        .iter()
        .zip(&w1)
        .map(|(a, b)| ((a - b) as f64).powi(2))
        .sum::<f64>()
        .sqrt();
    assert!(
        norm <= 1e-3 * (1.0 + 1e-4) && norm > 0.9e-3,
        "update norm {norm}"
    );
}

#[test]
fn orthonormal_linear_stays_orthonormal_while_training() {
    let _serial = serial();
    let mut cfg = config(Optimizer::Adam {
        lr: 0.05,
        weight_decay: 0.0,
        betas: (0.9, 0.999),
    });
    cfg.ema = None;
    let t = train(
        &Regression,
        model(5, true),
        batches,
        &cfg,
        None,
        &mut NoHooks,
        &Default::default(),
    )
    .unwrap();
    let w = weights(&t.model.valid()); // 4×2 row-major
    let col = |c: usize| [w[c], w[2 + c], w[4 + c], w[6 + c]];
    let dot = |a: [f32; 4], b: [f32; 4]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
    assert!((dot(col(0), col(0)) - 1.0).abs() < 1e-5);
    assert!((dot(col(1), col(1)) - 1.0).abs() < 1e-5);
    assert!(dot(col(0), col(1)).abs() < 1e-5);
    let _: f64 = 0f32.elem();
}
