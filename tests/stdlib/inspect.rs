//! Every std-lib method evaluates (p, log q, loss) on a random batch with the
//! runtime's kernels (`runtime::inspect`, the `iconc inspect` path), so each
//! file is not only well typed but computable. This is not training: mapper
//! outputs are random arrays of the checked shapes (cluster keys on the
//! simplex). Asserted: the loss is finite, every p row sums to 1 (or is
//! empty), and a cross-modal p spans both modalities. Running each method a
//! few optimizer steps is `run.rs`.

use iconc::data::npz::{NpyArray, NpzArrays};
use iconc::ir::{DType, Dim, Layout, MapperStage, Method, Producer};
use iconc::runtime::backend::BackendKind;
use rand::{Rng, SeedableRng};
use std::path::{Path, PathBuf};

/// Rows of the random batch: large enough for perplexity 30 and k = 15.
const ROWS: usize = 96;

fn methods_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("methods")
}

/// True when a mapper key holds rows on the simplex (cluster probabilities).
fn on_simplex(m: &Method, producer: &Producer) -> bool {
    match producer {
        Producer::Mapper(i) => m.mappers.get(*i).is_some_and(|mp| {
            mp.stages
                .iter()
                .any(|s| matches!(s, MapperStage::ClusterHead { .. } | MapperStage::Softmax))
        }),
        Producer::Data => false,
    }
}

/// A random batch holding every key the kernels of `m` read. `index` follows
/// the §2.4 view layout; labels are 0..classes; `x` lies in [0, 1].
fn random_batch(m: &Method, seed: u64) -> NpzArrays {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let sources = ROWS / m.data.views.max(1);
    let mut arrays = NpzArrays::new();
    for key in iconc::runtime::inspect::kernel_keys(m) {
        let info = m.keys.iter().find(|k| k.name == key).expect("checked key");
        let rows = match info.shape.first() {
            Some(Dim::Fixed(r)) => *r,
            _ => ROWS,
        };
        match info.dtype {
            DType::Int if key == "index" => {
                let ids = (0..rows).map(|r| (r % sources) as i64).collect();
                arrays.insert(key, NpyArray::i64(vec![rows], ids));
            }
            DType::Int => {
                let classes = m.data.classes as i64;
                let ids = (0..rows).map(|_| rng.random_range(0..classes)).collect();
                arrays.insert(key, NpyArray::i64(vec![rows], ids));
            }
            DType::Float => {
                let cols = match info.shape.get(1) {
                    Some(Dim::Fixed(c)) => *c,
                    _ => 1,
                };
                let mut v: Vec<f64> = (0..rows * cols).map(|_| rng.random::<f64>()).collect();
                if on_simplex(m, &info.producer) {
                    for row in v.chunks_mut(cols) {
                        let total: f64 = row.iter().map(|x| x.exp()).sum();
                        row.iter_mut().for_each(|x| *x = x.exp() / total);
                    }
                } else if info.producer != Producer::Data {
                    v.iter_mut().for_each(|x| *x = 2.0 * *x - 1.0);
                }
                arrays.insert(key, NpyArray::f64(vec![rows, cols], v));
            }
        }
    }
    arrays
}

/// What is wrong with one method's inspect output, if anything.
fn problems(m: &Method, out: &NpzArrays) -> Vec<String> {
    let mut found = Vec::new();
    let loss = out
        .get("loss")
        .and_then(NpyArray::as_f64)
        .unwrap_or_default();
    if loss.len() != 1 || !loss.iter().all(|x| x.is_finite()) {
        found.push(format!("loss {loss:?}"));
    }
    let Some(p) = out.get("p") else {
        found.push("no p in the output".into());
        return found;
    };
    let cols = p.shape.get(1).copied().unwrap_or(1).max(1);
    for (i, row) in p.as_f64().unwrap_or_default().chunks(cols).enumerate() {
        let s: f64 = row.iter().sum();
        let stochastic = s.abs() < 1e-9 || (s - 1.0).abs() < 1e-9;
        if !stochastic || row.iter().any(|v| !v.is_finite()) {
            found.push(format!("p row {i} sums to {s}"));
            break;
        }
    }
    if m.layout == Layout::CrossModal && p.shape.first() != Some(&(2 * ROWS)) {
        found.push(format!("cross-modal p is {:?}, not 2B×2B", p.shape));
    }
    found
}

#[test]
fn every_stdlib_method_evaluates_to_a_finite_loss_and_a_stochastic_p() {
    let dir = methods_dir();
    let files: Vec<PathBuf> = iconc::check::icon_files(&dir).expect("methods/");
    assert_eq!(files.len(), 37);
    let mut failures = Vec::new();
    for file in files {
        let (mut m, _) = match iconc::check::load_method(&file) {
            Ok(x) => x,
            Err(_) => {
                failures.push(format!("{}: does not check", file.display()));
                continue;
            }
        };
        // Graph paths are relative to the method file; `inspect` reads them as given.
        iconc::runtime::kernels::graph::resolve_graph_paths(&mut m, &dir);
        let batch = random_batch(&m, 7);
        match iconc::runtime::inspect::inspect_method(&m, &batch, BackendKind::Cpu) {
            Ok(out) => failures.extend(
                problems(&m, &out)
                    .into_iter()
                    .map(|why| format!("{}: {why}", m.name)),
            ),
            Err(d) => failures.push(format!("{}: {} ({:?})", m.name, d.message, d.help)),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
