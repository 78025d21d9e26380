//! `LookUpTable(n, dim, get_all, init)`: a trainable n×dim table indexed by
//! `index` or `label` rows, or returned whole (`get_all`, class prototypes).

use crate::ir::TableInit;
use burn::module::{Module, Param};
use burn::tensor::{backend::Backend, Distribution, Int, Tensor, TensorData};

/// Configuration of [`LookUpTable`].
#[derive(Debug, Clone)]
pub struct LookUpTableConfig {
    /// Rows.
    pub n: usize,
    /// Width.
    pub dim: usize,
    /// Return the whole table.
    pub get_all: bool,
    /// Initialisation.
    pub init: TableInit,
}

/// A learnable table.
#[derive(Module, Debug)]
pub struct LookUpTable<B: Backend> {
    /// `[n, dim]`.
    pub weight: Param<Tensor<B, 2>>,
    #[module(skip)]
    /// Return the whole table instead of indexing it.
    pub get_all: bool,
}

impl LookUpTableConfig {
    /// Builds the table. `pca` holds the PCA init rows (row-major `n × dim`)
    /// when `init` is [`TableInit::Pca`]; without it the table falls back to N(0, 1e-4²).
    pub fn init<B: Backend>(&self, pca: Option<&[f32]>, device: &B::Device) -> LookUpTable<B> {
        let tensor = match (self.init, pca) {
            (TableInit::Pca, Some(rows)) if rows.len() == self.n * self.dim => {
                Tensor::from_data(TensorData::new(rows.to_vec(), [self.n, self.dim]), device)
            }
            (TableInit::Normal { std }, _) => {
                Tensor::random([self.n, self.dim], Distribution::Normal(0.0, std), device)
            }
            // Decision: PCA init without data (or of the wrong size) uses t-SNE's tiny random init.
            (TableInit::Pca, _) => {
                Tensor::random([self.n, self.dim], Distribution::Normal(0.0, 1e-4), device)
            }
        };
        LookUpTable {
            weight: Param::from_tensor(tensor),
            get_all: self.get_all,
        }
    }
}

impl<B: Backend> LookUpTable<B> {
    /// Looks rows up by id.
    ///
    /// # Shapes
    /// - ids: `[B]` with values in `0..n`
    /// - output: `[B, dim]`
    pub fn forward(&self, ids: Tensor<B, 1, Int>) -> Tensor<B, 2> {
        self.weight.val().select(0, ids)
    }

    /// The whole table.
    ///
    /// # Shapes
    /// - output: `[n, dim]`
    pub fn all(&self) -> Tensor<B, 2> {
        self.weight.val()
    }
}

/// PCA initialisation (t-SNE style): the projection of centred `x` on its top
/// `dim` principal directions, scaled so the first coordinate has std 1e-4.
/// `x` is row-major `n × features`. Computed by subspace iteration in f64.
///
/// Decision: the openTSNE convention (std of PC1 = 1e-4) for "PCA init".
pub fn pca_init(x: &[f32], n: usize, features: usize, dim: usize, seed: u64) -> Vec<f32> {
    if n == 0 || features == 0 || dim == 0 || x.len() < n * features {
        return vec![0.0; n * dim];
    }
    let mut mean = vec![0.0f64; features];
    for row in x.chunks_exact(features).take(n) {
        for (m, &v) in mean.iter_mut().zip(row) {
            *m += v as f64;
        }
    }
    mean.iter_mut().for_each(|m| *m /= n as f64);
    let centred: Vec<f64> = x
        .chunks_exact(features)
        .take(n)
        .flat_map(|row| row.iter().zip(&mean).map(|(&v, m)| v as f64 - m))
        .collect();
    // V: features × dim, random start (deterministic from the seed).
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut v: Vec<f64> = (0..features * dim)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 11) as f64 / (1u64 << 53) as f64) - 0.5
        })
        .collect();
    v = super::linear::gram_schmidt_columns(&v, features, dim);
    for _ in 0..30 {
        let xv = matmul(&centred, &v, n, features, dim); // n × dim
        let xtxv = matmul_tn(&centred, &xv, n, features, dim); // features × dim
        v = super::linear::gram_schmidt_columns(&xtxv, features, dim);
    }
    let proj = matmul(&centred, &v, n, features, dim); // n × dim
    let pc1_std = (proj.iter().step_by(dim).map(|p| p * p).sum::<f64>() / n as f64).sqrt();
    let scale = if pc1_std > 0.0 { 1e-4 / pc1_std } else { 0.0 };
    proj.iter().map(|p| (p * scale) as f32).collect()
}

/// `a (n×k) · b (k×m)`, row-major.
fn matmul(a: &[f64], b: &[f64], n: usize, k: usize, m: usize) -> Vec<f64> {
    let mut out = vec![0.0; n * m];
    for (row, out_row) in a.chunks_exact(k).zip(out.chunks_exact_mut(m)) {
        for (&av, b_row) in row.iter().zip(b.chunks_exact(m)) {
            for (o, &bv) in out_row.iter_mut().zip(b_row) {
                *o += av * bv;
            }
        }
    }
    out
}

/// `aᵀ (k×n) · b (n×m)` for row-major `a` (n×k), `b` (n×m).
fn matmul_tn(a: &[f64], b: &[f64], n: usize, k: usize, m: usize) -> Vec<f64> {
    let mut out = vec![0.0; k * m];
    for (a_row, b_row) in a.chunks_exact(k).zip(b.chunks_exact(m)).take(n) {
        for (&av, out_row) in a_row.iter().zip(out.chunks_exact_mut(m)) {
            for (o, &bv) in out_row.iter_mut().zip(b_row) {
                *o += av * bv;
            }
        }
    }
    out
}
