//! Every standard-library method (`methods/*.icon`) evaluates through
//! `inspect_method` on a random batch shaped by its IR: the numerics accept
//! every combination the checker accepts, and the result is finite with
//! row-stochastic (or empty) p.

use iconc::data::npz::{NpyArray, NpzArrays};
use iconc::ir::{DType, Dim, Layout, Method};
use iconc::runtime::backend::BackendKind;
use iconc::runtime::inspect::{inspect_method, kernel_keys};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::PathBuf;

/// A random batch of `rows` rows for the keys p and q read.
fn random_batch(m: &Method, rows: usize, seed: u64) -> NpzArrays {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = NpzArrays::new();
    let views = m.data.views.max(1);
    for key in kernel_keys(m) {
        let Some(info) = m.keys.iter().find(|k| k.name == key) else {
            continue;
        };
        let dims: Vec<usize> = info
            .shape
            .iter()
            .map(|d| match d {
                Dim::Batch => rows,
                Dim::Fixed(n) => *n,
            })
            .collect();
        match info.dtype {
            DType::Float => {
                let (r, c) = (dims[0], dims.iter().skip(1).product::<usize>().max(1));
                // Positive rows on the simplex serve every kernel, φ included.
                let v: Vec<f32> = (0..r)
                    .flat_map(|_| {
                        let row: Vec<f32> =
                            (0..c).map(|_| rng.random_range(0.05f32..1.0)).collect();
                        let s: f32 = row.iter().sum();
                        row.into_iter().map(move |x| x / s)
                    })
                    .collect();
                out.insert(key, NpyArray::f32(vec![r, c], v));
            }
            DType::Int => {
                let v: Vec<i64> = match key.as_str() {
                    "label" => (0..rows)
                        .map(|i| (i % m.data.classes.max(1)) as i64)
                        .collect(),
                    _ => (0..rows).map(|i| (i % (rows / views)) as i64).collect(),
                };
                out.insert(key, NpyArray::i64(vec![rows], v));
            }
        }
    }
    out
}

#[test]
fn every_stdlib_method_evaluates() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("methods");
    let files: Vec<PathBuf> = iconc::check::icon_files(&dir).expect("methods/");
    assert!(!files.is_empty());
    let mut failures = vec![];
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        let mut method = match iconc::check::load_method(file) {
            Ok((m, _)) => m,
            Err(_) => continue, // the checker's own tests cover std-lib checking
        };
        iconc::runtime::kernels::graph::resolve_graph_paths(&mut method, &dir);
        // Big enough for UniformKNN(k = 15) and perplexity 30.
        let arrays = random_batch(&method, 96, 7);
        match inspect_method(&method, &arrays, BackendKind::Cpu) {
            Err(d) => failures.push(format!("{name}: {} {}", d.code, d.message)),
            Ok(out) => {
                let p = out.get("p").and_then(|a| a.as_f64()).unwrap();
                let cols = out.get("p").unwrap().shape[1];
                let loss = out.get("loss").and_then(|a| a.as_f64()).unwrap()[0];
                if !loss.is_finite() {
                    failures.push(format!("{name}: loss {loss}"));
                }
                for row in p.chunks(cols) {
                    let s: f64 = row.iter().sum();
                    if !(s.abs() < 1e-9 || (s - 1.0).abs() < 1e-9)
                        || row.iter().any(|v| !v.is_finite())
                    {
                        failures.push(format!("{name}: p row sums to {s}"));
                        break;
                    }
                }
                if method.layout == Layout::CrossModal && out.get("p").unwrap().shape[0] != 2 * 96 {
                    failures.push(format!("{name}: cross-modal p is not 2B×2B"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
