//! `Linear(out, bias, orthonormal)` and `ClusterHead(clusters)`.

use burn::module::{Module, Param};
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{backend::Backend, Tensor};

/// Configuration of [`LinearMap`].
#[derive(Debug, Clone)]
pub struct LinearMapConfig {
    /// Input width.
    pub input: usize,
    /// Output width.
    pub out: usize,
    /// Add a bias (ignored when `orthonormal`).
    pub bias: bool,
    /// Keep the weight's columns orthonormal (PCA): no bias, re-orthonormalized after each step.
    pub orthonormal: bool,
}

/// An affine map; in orthonormal form `W` (in×out) has orthonormal columns.
#[derive(Module, Debug)]
pub struct LinearMap<B: Backend> {
    /// burn's linear layer; weight is `[input, out]`.
    pub linear: Linear<B>,
    /// Re-orthonormalize after each optimizer step.
    #[module(skip)]
    pub orthonormal: bool,
}

impl LinearMapConfig {
    /// Builds the layer; an orthonormal map starts from Gram–Schmidt of a random init.
    pub fn init<B: Backend>(&self, device: &B::Device) -> LinearMap<B> {
        let bias = self.bias && !self.orthonormal;
        let linear = LinearConfig::new(self.input, self.out)
            .with_bias(bias)
            .init(device);
        let map = LinearMap {
            linear,
            orthonormal: self.orthonormal,
        };
        if self.orthonormal {
            map.orthonormalize()
        } else {
            map
        }
    }
}

impl<B: Backend> LinearMap<B> {
    /// Applies the map.
    ///
    /// # Shapes
    /// - input: `[B, input]`
    /// - output: `[B, out]`
    pub fn forward(&self, x: Tensor<B, 2>) -> Tensor<B, 2> {
        self.linear.forward(x)
    }

    /// Replaces `W` by the Q factor of its thin QR (modified Gram–Schmidt on
    /// the columns, in f64 on the host). A no-op unless `orthonormal`.
    pub fn orthonormalize(mut self) -> Self {
        if !self.orthonormal {
            return self;
        }
        let weight = self.linear.weight;
        let (id, w, mapper) = weight.consume();
        let require_grad = w.is_require_grad();
        let device = w.device();
        let [rows, cols] = w.dims();
        let values: Vec<f64> = w
            .into_data()
            .convert::<f64>()
            .to_vec::<f64>()
            .unwrap_or_default();
        let q = gram_schmidt_columns(&values, rows, cols);
        let q32: Vec<f32> = q.iter().map(|&v| v as f32).collect();
        let mut t =
            Tensor::<B, 2>::from_data(burn::tensor::TensorData::new(q32, [rows, cols]), &device);
        if require_grad {
            t = t.require_grad();
        }
        self.linear.weight = Param::from_mapped_value(id, t, mapper);
        self
    }
}

/// Modified Gram–Schmidt on the columns of a row-major `rows × cols` matrix.
/// A column that collapses (norm < 1e-12) is replaced by the first unit
/// vector that is independent of the earlier columns, so the output is always orthonormal.
pub fn gram_schmidt_columns(a: &[f64], rows: usize, cols: usize) -> Vec<f64> {
    let mut q = vec![0.0f64; rows * cols];
    for c in 0..cols {
        let mut v: Vec<f64> = (0..rows)
            .map(|r| a.get(r * cols + c).copied().unwrap_or(0.0))
            .collect();
        let mut candidate = 0usize;
        loop {
            // two passes of projection for numerical stability
            for _ in 0..2 {
                for k in 0..c {
                    let dot: f64 = (0..rows).map(|r| v[r] * q[r * cols + k]).sum();
                    for r in 0..rows {
                        v[r] -= dot * q[r * cols + k];
                    }
                }
            }
            let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
            if norm > 1e-12 || candidate >= rows {
                let norm = norm.max(1e-12);
                for r in 0..rows {
                    q[r * cols + c] = v[r] / norm;
                }
                break;
            }
            v = (0..rows)
                .map(|r| if r == candidate { 1.0 } else { 0.0 })
                .collect();
            candidate += 1;
        }
    }
    q
}

/// Configuration of [`ClusterHead`].
#[derive(Debug, Clone)]
pub struct ClusterHeadConfig {
    /// Input width.
    pub input: usize,
    /// Clusters C.
    pub clusters: usize,
}

/// Linear → softmax: cluster probabilities φ.
#[derive(Module, Debug)]
pub struct ClusterHead<B: Backend> {
    /// Logit layer `[input, C]`.
    pub linear: Linear<B>,
}

impl ClusterHeadConfig {
    /// Builds the head.
    pub fn init<B: Backend>(&self, device: &B::Device) -> ClusterHead<B> {
        ClusterHead {
            linear: LinearConfig::new(self.input, self.clusters).init(device),
        }
    }
}

impl<B: Backend> ClusterHead<B> {
    /// φ = softmax(x W + b).
    ///
    /// # Shapes
    /// - input: `[B, input]`
    /// - output: `[B, C]`, rows sum to 1
    pub fn forward(&self, x: Tensor<B, 2>) -> Tensor<B, 2> {
        super::stages::row_softmax(self.linear.forward(x))
    }
}
