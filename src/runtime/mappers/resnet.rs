//! CIFAR-style ResNet-18 (spec §3): bias-free 3×3 stride-1 stem, no max-pool,
//! four stages of two BasicBlocks (64, 128, 256, 512; strides 1, 2, 2, 2),
//! global average pool, head Linear(512, 512) → ReLU → Linear(512, out).

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{AdaptiveAvgPool2d, AdaptiveAvgPool2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::{activation::relu, backend::Backend, Tensor};

/// Configuration of [`ResNet18`].
#[derive(Debug, Clone)]
pub struct ResNet18Config {
    /// (channels, height, width) of the flattened input rows.
    pub image: (usize, usize, usize),
    /// Output width.
    pub out: usize,
}

/// conv → BN.
#[derive(Module, Debug)]
pub struct ConvBn<B: Backend> {
    /// Bias-free convolution.
    pub conv: Conv2d<B>,
    /// Batch norm over channels.
    pub bn: BatchNorm<B>,
}

impl<B: Backend> ConvBn<B> {
    fn new(cin: usize, cout: usize, kernel: usize, stride: usize, device: &B::Device) -> Self {
        let pad = kernel / 2;
        ConvBn {
            conv: Conv2dConfig::new([cin, cout], [kernel, kernel])
                .with_stride([stride, stride])
                .with_padding(PaddingConfig2d::Explicit(pad, pad, pad, pad))
                .with_bias(false)
                .init(device),
            bn: BatchNormConfig::new(cout).init(device),
        }
    }

    /// # Shapes
    /// `[B, cin, H, W]` → `[B, cout, H/stride, W/stride]`
    fn forward(&self, x: Tensor<B, 4>) -> Tensor<B, 4> {
        self.bn.forward(self.conv.forward(x))
    }
}

/// A ResNet BasicBlock.
#[derive(Module, Debug)]
pub struct BasicBlock<B: Backend> {
    /// First conv (carries the stride).
    pub a: ConvBn<B>,
    /// Second conv.
    pub b: ConvBn<B>,
    /// 1×1 projection when the shape changes.
    pub shortcut: Option<ConvBn<B>>,
}

impl<B: Backend> BasicBlock<B> {
    fn new(cin: usize, cout: usize, stride: usize, device: &B::Device) -> Self {
        BasicBlock {
            a: ConvBn::new(cin, cout, 3, stride, device),
            b: ConvBn::new(cout, cout, 3, 1, device),
            shortcut: (stride != 1 || cin != cout)
                .then(|| ConvBn::new(cin, cout, 1, stride, device)),
        }
    }

    /// # Shapes
    /// `[B, cin, H, W]` → `[B, cout, H/stride, W/stride]`
    fn forward(&self, x: Tensor<B, 4>) -> Tensor<B, 4> {
        let skip = match &self.shortcut {
            Some(s) => s.forward(x.clone()),
            None => x.clone(),
        };
        let y = self.b.forward(relu(self.a.forward(x)));
        relu(y + skip)
    }
}

/// ResNet-18 for small images.
#[derive(Module, Debug)]
pub struct ResNet18<B: Backend> {
    /// 3×3 stride-1 stem.
    pub stem: ConvBn<B>,
    /// Eight BasicBlocks.
    pub blocks: Vec<BasicBlock<B>>,
    /// Global average pool.
    pub pool: AdaptiveAvgPool2d,
    /// Head Linear(512, 512).
    pub fc1: Linear<B>,
    /// Head Linear(512, out).
    pub fc2: Linear<B>,
    #[module(skip)]
    /// (channels, height, width).
    pub image: (usize, usize, usize),
}

impl ResNet18Config {
    /// Builds the network.
    pub fn init<B: Backend>(&self, device: &B::Device) -> ResNet18<B> {
        let (c, _, _) = self.image;
        let mut blocks = Vec::new();
        let mut cin = 64;
        for (cout, stride) in [(64, 1), (128, 2), (256, 2), (512, 2)] {
            blocks.push(BasicBlock::new(cin, cout, stride, device));
            blocks.push(BasicBlock::new(cout, cout, 1, device));
            cin = cout;
        }
        ResNet18 {
            stem: ConvBn::new(c, 64, 3, 1, device),
            blocks,
            pool: AdaptiveAvgPool2dConfig::new([1, 1]).init(),
            fc1: LinearConfig::new(512, 512).init(device),
            fc2: LinearConfig::new(512, self.out).init(device),
            image: self.image,
        }
    }
}

impl<B: Backend> ResNet18<B> {
    /// Applies the network to flattened images.
    ///
    /// # Shapes
    /// - input: `[B, C·H·W]`
    /// - output: `[B, out]`
    pub fn forward(&self, x: Tensor<B, 2>) -> Tensor<B, 2> {
        let (c, h, w) = self.image;
        let [batch, _] = x.dims();
        let mut x = relu(self.stem.forward(x.reshape([batch, c, h, w]))); // [B, 64, H, W]
        for block in &self.blocks {
            x = block.forward(x);
        }
        let x = self.pool.forward(x).flatten::<2>(1, 3); // [B, 512]
        self.fc2.forward(relu(self.fc1.forward(x)))
    }
}
