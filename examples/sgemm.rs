//! This machine's plain SGEMM through the default CPU backend, the ceiling
//! `bench/compare.py` reports the configs' GFLOP/s against. Prints one JSON
//! line. `cargo run --release --example sgemm [n] [reps]`.

use burn::backend::Flex;
use burn::tensor::{Distribution, Tensor};
use std::time::Instant;

fn main() {
    iconc::runtime::memory::tune_allocator(); // as `iconc` itself runs
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2048);
    let reps: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let device = Default::default();
    let a = Tensor::<Flex, 2>::random([n, n], Distribution::Normal(0.0, 1.0), &device);
    let b = Tensor::<Flex, 2>::random([n, n], Distribution::Normal(0.0, 1.0), &device);
    let _ = a.clone().matmul(b.clone()); // warm-up
    let best = (0..reps.max(1))
        .map(|_| {
            let t = Instant::now();
            let _ = a.clone().matmul(b.clone());
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min);
    let gflops = 2.0 * (n as f64).powi(3) / best / 1e9;
    println!("{{\"n\": {n}, \"seconds\": {best:.6}, \"gflops\": {gflops:.1}}}");
}
