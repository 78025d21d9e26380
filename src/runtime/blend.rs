//! Moving one module's parameters toward another's, `θ̄ ← m·θ̄ + (1 − m)·θ`:
//! the evaluation average (`Train(ema)`, `train::Ema`) and the momentum
//! encoder (`MomentumEncoder`, `mappers::momentum`) share this. Parameters
//! are paired in visit order, so the two modules only need the same
//! structure (a momentum copy has its own parameter ids).

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::tensor::{backend::Backend, Tensor};

/// Every float parameter of `module` in visit order, flattened and detached.
pub fn parameters<B: Backend, M: Module<B>>(module: &M) -> Vec<Tensor<B, 1>> {
    struct Collect<B: Backend>(Vec<Tensor<B, 1>>);
    impl<B: Backend> ModuleVisitor<B> for Collect<B> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
            let t = param.val().detach();
            let n = t.shape().num_elements();
            self.0.push(t.reshape([n]));
        }
    }
    let mut c = Collect(Vec::new());
    module.visit(&mut c);
    c.0
}

/// `module` moved toward `online` (its parameters in the same visit order)
/// with weight `1 − keep`, without gradients; `keep = 0` copies. `Err` with
/// the number of parameters found when the two do not match.
pub fn blended<B: Backend, M: Module<B>>(
    module: M,
    online: Vec<Tensor<B, 1>>,
    keep: f64,
) -> Result<M, usize> {
    let expected = online.len();
    let mut blend = Blend {
        online: online.into_iter(),
        keep,
        mismatch: false,
    };
    let moved = module.map(&mut blend);
    if blend.mismatch || blend.online.next().is_some() {
        return Err(expected);
    }
    Ok(moved)
}

struct Blend<B: Backend, I: Iterator<Item = Tensor<B, 1>>> {
    online: I,
    keep: f64,
    mismatch: bool,
}

impl<B: Backend, I: Iterator<Item = Tensor<B, 1>>> ModuleMapper<B> for Blend<B, I> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<B, D>>) -> Param<Tensor<B, D>> {
        let (id, old, mapper) = param.consume();
        let online = self
            .online
            .next()
            .filter(|t| t.shape().num_elements() == old.shape().num_elements());
        let new = match online {
            None => {
                self.mismatch = true;
                old
            }
            Some(t) if self.keep == 0.0 => t.reshape(old.shape()),
            Some(t) => {
                let t = t.reshape(old.shape());
                old.detach().mul_scalar(self.keep) + t.mul_scalar(1.0 - self.keep)
            }
        };
        Param::from_mapped_value(id, new.detach(), mapper).set_require_grad(false)
    }
}
