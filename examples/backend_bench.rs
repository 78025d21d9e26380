//! Times a SimCLR-like training step (MLP 784→512→512→128, L2 normalize,
//! NT-Xent with τ = 0.5, Adam) on the two CPU backends compiled in:
//! `NdArray<f32>` and `Flex`. Run with
//! `cargo run --release --example backend_bench [batch] [steps]`.

use burn::backend::{Autodiff, Flex, NdArray};
use burn::module::AutodiffModule;
use burn::optim::{AdamConfig, GradientsParams, Optimizer};
use burn::tensor::activation::log_softmax;
use burn::tensor::backend::AutodiffBackend;
use burn::tensor::{Distribution, Int, Tensor, TensorData};
use iconc::ir::{Activation, MapperSpec, MapperStage};
use iconc::runtime::loss;
use iconc::runtime::model::Mappers;
use std::time::Instant;

/// NT-Xent on a `[2N, D]` batch of unit rows in the `[view0; view1]` layout.
fn nt_xent<B: AutodiffBackend>(f: Tensor<B, 2>, tau: f64) -> Tensor<B, 1> {
    let [rows, _] = f.dims();
    let n = rows / 2;
    let device = f.device();
    let logits = f.clone().matmul(f.transpose()).div_scalar(tau); // [2N, 2N]
    let eye = Tensor::<B, 2>::eye(rows, &device).bool();
    let logits = logits.mask_fill(eye, -1e9);
    let targets: Vec<i64> = (0..rows).map(|r| ((r + n) % rows) as i64).collect();
    let t = Tensor::<B, 1, Int>::from_data(TensorData::new(targets, [rows]), &device)
        .reshape([rows, 1]);
    -log_softmax(logits, 1).gather(1, t).mean()
}

fn bench<B: AutodiffBackend>(name: &str, batch: usize, steps: usize) -> (f64, Vec<f32>) {
    let device = B::Device::default();
    B::seed(&device, 1);
    let spec = MapperSpec {
        output: "embedding".into(),
        input: Some("x".into()),
        in_dim: 784,
        out_dim: 128,
        stages: vec![
            MapperStage::Mlp {
                input: 784,
                hidden: vec![512, 512],
                out: 128,
                activation: Activation::Relu,
                batch_norm: false,
            },
            MapperStage::Normalize,
        ],
    };
    let mut model = Mappers::<B>::from_specs(&[spec], None, &device).expect("a plain MLP builds");
    let mut optim = AdamConfig::new().init::<B, Mappers<B>>();
    let x = Tensor::<B, 2>::random([batch, 784], Distribution::Uniform(0.0, 1.0), &device);
    let mut elapsed = 0.0;
    let mut losses = Vec::new();
    for step in 0..steps + 2 {
        let start = Instant::now();
        let mut keys = loss::Batch::default();
        keys.floats.insert("x".into(), x.clone());
        let f = model
            .forward(keys)
            .ok()
            .and_then(|k| k.floats.get("embedding").cloned())
            .expect("forward");
        let loss = nt_xent(f, 0.5);
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(1e-3, model, grads);
        let _ = model.valid(); // sync point
        let l: Vec<f32> = loss.into_data().to_vec().unwrap_or_default();
        losses.extend(l);
        if step >= 2 {
            elapsed += start.elapsed().as_secs_f64(); // first two steps are warmup
        }
    }
    let sps = (batch * steps) as f64 / elapsed;
    println!(
        "{name:>8}: {:.1} ms/step, {sps:.0} samples/s (batch {batch}, {steps} steps)",
        1e3 * elapsed / steps as f64
    );
    (sps, losses)
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let batch = args.first().copied().unwrap_or(256);
    let steps = args.get(1).copied().unwrap_or(10);
    println!("threads: {}", rayon::current_num_threads());
    let (_, a1) = bench::<Autodiff<NdArray<f32>>>("ndarray", batch, steps);
    let (_, b1) = bench::<Autodiff<Flex>>("flex", batch, steps);
    let (_, a2) = bench::<Autodiff<NdArray<f32>>>("ndarray", batch, steps);
    let (_, b2) = bench::<Autodiff<Flex>>("flex", batch, steps);
    let same = |a: &[f32], b: &[f32]| a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits());
    println!(
        "run-to-run identical losses: ndarray {}, flex {}",
        same(&a1, &a2),
        same(&b1, &b2)
    );
}
