//! `MLP(hidden, out, activation, batch_norm)`: Linear (+ BatchNorm) + activation
//! per hidden layer, then a final Linear.

use crate::ir::Activation;
use burn::module::Module;
use burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig};
use burn::tensor::{activation, backend::Backend, Tensor};

/// Configuration of [`Mlp`].
#[derive(Debug, Clone)]
pub struct MlpConfig {
    /// Input width.
    pub input: usize,
    /// Hidden widths (may be empty: then a single Linear).
    pub hidden: Vec<usize>,
    /// Output width.
    pub out: usize,
    /// Hidden activation.
    pub activation: Activation,
    /// Batch norm after each hidden Linear.
    pub batch_norm: bool,
}

/// One hidden layer.
#[derive(Module, Debug)]
pub struct HiddenLayer<B: Backend> {
    /// The affine part.
    pub linear: Linear<B>,
    /// Optional batch norm over the features.
    pub norm: Option<BatchNorm<B>>,
}

/// A multi-layer perceptron.
#[derive(Module, Debug)]
pub struct Mlp<B: Backend> {
    /// Hidden layers in order.
    pub hidden: Vec<HiddenLayer<B>>,
    /// Final Linear to the output width.
    pub last: Linear<B>,
    /// Hidden activation.
    #[module(skip)]
    pub activation: Activation,
}

impl MlpConfig {
    /// Builds the MLP.
    pub fn init<B: Backend>(&self, device: &B::Device) -> Mlp<B> {
        let mut width = self.input;
        let mut hidden = Vec::with_capacity(self.hidden.len());
        for &h in &self.hidden {
            hidden.push(HiddenLayer {
                linear: LinearConfig::new(width, h).init(device),
                norm: self
                    .batch_norm
                    .then(|| BatchNormConfig::new(h).init(device)),
            });
            width = h;
        }
        Mlp {
            hidden,
            last: LinearConfig::new(width, self.out).init(device),
            activation: self.activation,
        }
    }
}

impl<B: Backend> Mlp<B> {
    /// Applies the MLP.
    ///
    /// # Shapes
    /// - input: `[B, input]`
    /// - output: `[B, out]`
    pub fn forward(&self, x: Tensor<B, 2>) -> Tensor<B, 2> {
        let mut x = x;
        for layer in &self.hidden {
            x = layer.linear.forward(x); // [B, h]
            if let Some(norm) = &layer.norm {
                x = norm.forward(x);
            }
            x = apply_activation(self.activation, x);
        }
        self.last.forward(x)
    }
}

/// The elementwise hidden activation.
pub fn apply_activation<B: Backend, const D: usize>(
    a: Activation,
    x: Tensor<B, D>,
) -> Tensor<B, D> {
    match a {
        Activation::Relu => activation::relu(x),
        Activation::Gelu => activation::gelu(x),
        Activation::Tanh => activation::tanh(x),
    }
}
