//! The spec's SimpleCNN (§3): six 3×3 convs in three residual pairs with two
//! 2×2 max-pools, then flatten → Linear(128) → ReLU → Linear(out).

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::{activation::relu, backend::Backend, Tensor};

/// Configuration of [`SimpleCnn`].
#[derive(Debug, Clone)]
pub struct SimpleCnnConfig {
    /// (channels, height, width) of the flattened input rows.
    pub image: (usize, usize, usize),
    /// Output width.
    pub out: usize,
}

/// SimpleCNN. For 1×28×28 input the flattened feature is 32·7·7 = 1568.
#[derive(Module, Debug)]
pub struct SimpleCnn<B: Backend> {
    /// conv c→16, 16→16 (+res), 16→16, 16→16 (+res), 16→32, 32→32 (+res).
    pub convs: Vec<Conv2d<B>>,
    /// 2×2 max-pool.
    pub pool: MaxPool2d,
    /// Flatten → 128.
    pub fc1: Linear<B>,
    /// 128 → out.
    pub fc2: Linear<B>,
    /// (channels, height, width).
    #[module(skip)]
    pub image: (usize, usize, usize),
}

fn conv3x3<B: Backend>(cin: usize, cout: usize, device: &B::Device) -> Conv2d<B> {
    Conv2dConfig::new([cin, cout], [3, 3])
        .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
        .init(device)
}

impl SimpleCnnConfig {
    /// Width of the flattened feature before the head: 32·⌊H/4⌋·⌊W/4⌋.
    pub fn flat_features(&self) -> usize {
        let (_, h, w) = self.image;
        32 * (h / 4) * (w / 4)
    }

    /// Builds the network.
    pub fn init<B: Backend>(&self, device: &B::Device) -> SimpleCnn<B> {
        let (c, _, _) = self.image;
        let channels = [(c, 16), (16, 16), (16, 16), (16, 16), (16, 32), (32, 32)];
        SimpleCnn {
            convs: channels
                .iter()
                .map(|&(i, o)| conv3x3(i, o, device))
                .collect(),
            pool: MaxPool2dConfig::new([2, 2]).init(),
            fc1: LinearConfig::new(self.flat_features(), 128).init(device),
            fc2: LinearConfig::new(128, self.out).init(device),
            image: self.image,
        }
    }
}

impl<B: Backend> SimpleCnn<B> {
    /// Applies the network to flattened images.
    ///
    /// # Shapes
    /// - input: `[B, C·H·W]`
    /// - output: `[B, out]`
    pub fn forward(&self, x: Tensor<B, 2>) -> Tensor<B, 2> {
        let (c, h, w) = self.image;
        let [batch, _] = x.dims();
        let mut x = x.reshape([batch, c, h, w]);
        // Decision: "conv + residual" reads as `x = relu(conv(x)) + x` (ReLU before the skip add).
        for (i, conv) in self.convs.iter().enumerate() {
            let y = relu(conv.forward(x.clone()));
            x = if i % 2 == 1 { y + x } else { y };
            if i == 1 || i == 3 {
                x = self.pool.forward(x); // [B, 16, H/2, W/2], then [B, 16, H/4, W/4]
            }
        }
        let x = x.flatten::<2>(1, 3); // [B, 32·H/4·W/4]
        self.fc2.forward(relu(self.fc1.forward(x)))
    }
}
