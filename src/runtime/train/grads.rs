//! Gradient inspection: per-parameter norms with module paths, the non-finite
//! gradient guard, and global L2-norm clipping.

use burn::module::{AutodiffModule, ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::tensor::backend::AutodiffBackend;
use burn::tensor::Tensor;

/// Squared L2 norm of one parameter's gradient.
#[derive(Debug, Clone)]
pub struct ParamGrad {
    /// Module path, e.g. `mappers.pipelines.0.stages.0.last.weight`.
    pub path: String,
    /// Σ g².
    pub sq_norm: f64,
}

struct NormVisitor<'a, B: AutodiffBackend> {
    grads: &'a GradientsParams,
    path: Vec<String>,
    names: Vec<String>,
    sums: Vec<Tensor<B::InnerBackend, 1>>,
}

impl<B: AutodiffBackend> ModuleVisitor<B> for NormVisitor<'_, B> {
    fn enter_module(&mut self, name: &str, _container: &str) {
        self.path.push(name.to_owned());
    }
    fn exit_module(&mut self, _name: &str, _container: &str) {
        self.path.pop();
    }
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        if let Some(g) = self.grads.get::<B::InnerBackend, D>(param.id) {
            // stays on the device; read back once for all parameters
            self.sums.push(g.powi_scalar(2).sum());
            self.names.push(self.path.join("."));
        }
    }
}

/// Squared gradient norms of every parameter of `model` that has a gradient, in module order.
pub fn grad_norms<B: AutodiffBackend, M: AutodiffModule<B>>(
    model: &M,
    grads: &GradientsParams,
) -> Vec<ParamGrad> {
    let mut v = NormVisitor::<B> {
        grads,
        path: Vec::new(),
        names: Vec::new(),
        sums: Vec::new(),
    };
    model.visit(&mut v);
    if v.sums.is_empty() {
        return Vec::new();
    }
    // one device→host transfer per step instead of one per parameter
    let values: Vec<f32> = Tensor::cat(v.sums, 0)
        .into_data()
        .convert::<f32>()
        .to_vec::<f32>()
        .unwrap_or_default();
    v.names
        .into_iter()
        .zip(values)
        .map(|(path, sq)| ParamGrad {
            path,
            sq_norm: f64::from(sq),
        })
        .collect()
}

struct ScaleVisitor<'a, B: AutodiffBackend> {
    grads: &'a mut GradientsParams,
    factor: f64,
    _b: std::marker::PhantomData<B>,
}

impl<B: AutodiffBackend> ModuleVisitor<B> for ScaleVisitor<'_, B> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        if let Some(g) = self.grads.remove::<B::InnerBackend, D>(param.id) {
            self.grads
                .register::<B::InnerBackend, D>(param.id, g.mul_scalar(self.factor));
        }
    }
}

/// Global-norm clipping (PyTorch's `clip_grad_norm_`): when the global L2
/// norm exceeds `max_norm`, every gradient is scaled by `max_norm/(norm + 1e-6)`.
/// Returns the norm before clipping.
pub fn clip_global_norm<B: AutodiffBackend, M: AutodiffModule<B>>(
    model: &M,
    grads: &mut GradientsParams,
    norms: &[ParamGrad],
    max_norm: f64,
) -> f64 {
    let total = norms.iter().map(|p| p.sq_norm).sum::<f64>().sqrt();
    if total > max_norm {
        let mut v = ScaleVisitor::<B> {
            grads,
            factor: max_norm / (total + 1e-6),
            _b: std::marker::PhantomData,
        };
        model.visit(&mut v);
    }
    total
}
