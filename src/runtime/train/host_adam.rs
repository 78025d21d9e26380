//! Adam and AdamW in one pass over each parameter on the CPU backend.
//!
//! burn's Adam and AdamW are written in tensor ops: about fifteen passes
//! over every parameter, each allocating a tensor (8.3 of 61 ms of a
//! parametric t-SNE step with 1.7 M parameters, and far more once the
//! moments of idle weights decay into subnormal floats, where every pass
//! pays the CPU's slow path). On Flex the parameter, its gradient and both
//! moments are host buffers that `into_data` hands over without a copy, so
//! these optimizers update them in one fused loop instead.
//!
//! Each performs burn's f32 operations in burn's order, so its result is bit
//! for bit burn's (tested), and its state is burn's `AdamState`/`AdamWState`:
//! checkpoints written before it load unchanged. Other backends, and dtypes
//! other than f32, run burn's optimizer itself.

use burn::backend::Flex;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::{
    Adam, AdamConfig, AdamState, AdamW, AdamWConfig, AdamWState, AdaptiveMomentumState,
    SimpleOptimizer,
};
use burn::tensor::backend::Backend;
use burn::tensor::{DType, Tensor, TensorData};
use rayon::prelude::*;
use std::any::TypeId;

/// Elements per parallel chunk: small parameters run on one thread.
const CHUNK: usize = 1 << 15;

/// `SimpleOptimizer` for a host optimizer `$host` whose burn twin is `$burn`
/// (state `$state`, a wrapper of the moments) and whose fused update is
/// `$rule::new(self, lr, time)`: burn's own step where the loop does not
/// apply, the fused loop where it does.
macro_rules! fused_optimizer {
    ($host:ident, $burn:ident, $state:ident, $rule:ident) => {
        impl<B: Backend> SimpleOptimizer<B> for $host {
            type State<const D: usize> = $state<B, D>;

            fn step<const D: usize>(
                &self,
                lr: f64,
                tensor: Tensor<B, D>,
                grad: Tensor<B, D>,
                state: Option<Self::State<D>>,
            ) -> (Tensor<B, D>, Option<Self::State<D>>) {
                let momentum = state.as_ref().map(|s| &s.momentum);
                if !fusable(&tensor, &grad, momentum) {
                    return SimpleOptimizer::<B>::step(&self.burn, lr, tensor, grad, state);
                }
                let (tensor, momentum) =
                    fused_step(tensor, grad, state.map(|s| s.momentum), |time| {
                        $rule::new(self, lr, time)
                    });
                (tensor, Some($state::new(momentum)))
            }

            fn to_device<const D: usize>(
                state: Self::State<D>,
                device: &B::Device,
            ) -> Self::State<D> {
                <$burn as SimpleOptimizer<B>>::to_device(state, device)
            }
        }
    };
}

/// AdamW with a fused host update on Flex; see the module docs.
#[derive(Clone)]
pub struct HostAdamW {
    burn: AdamW,
    beta_1: f32,
    beta_2: f32,
    epsilon: f32,
    weight_decay: f32,
}

impl HostAdamW {
    /// AdamW with these constants (AMSGrad and cautious decay off).
    pub fn new(beta_1: f32, beta_2: f32, epsilon: f32, weight_decay: f32) -> Self {
        let burn = AdamWConfig::new()
            .with_beta_1(beta_1)
            .with_beta_2(beta_2)
            .with_epsilon(epsilon)
            .with_weight_decay(weight_decay)
            .build();
        HostAdamW {
            burn,
            beta_1,
            beta_2,
            epsilon,
            weight_decay,
        }
    }
}

fused_optimizer!(HostAdamW, AdamW, AdamWState, AdamWRule);

/// Adam (L2 weight decay added to the gradient) with a fused host update on
/// Flex; see the module docs.
#[derive(Clone)]
pub struct HostAdam {
    burn: Adam,
    beta_1: f32,
    beta_2: f32,
    epsilon: f32,
    /// The L2 penalty, `None` when there is none (burn skips the term).
    penalty: Option<f32>,
}

impl HostAdam {
    /// Adam with these constants (AMSGrad off); `weight_decay = 0` adds no term.
    pub fn new(beta_1: f32, beta_2: f32, epsilon: f32, weight_decay: f32) -> Self {
        let penalty = (weight_decay > 0.0).then_some(weight_decay);
        let burn = AdamConfig::new()
            .with_beta_1(beta_1)
            .with_beta_2(beta_2)
            .with_epsilon(epsilon)
            .with_weight_decay(penalty.map(WeightDecayConfig::new))
            .build();
        HostAdam {
            burn,
            beta_1,
            beta_2,
            epsilon,
            penalty,
        }
    }
}

fused_optimizer!(HostAdam, Adam, AdamState, AdamRule);

/// Whether the fused loop applies: Flex, and every buffer f32 (the moments
/// too: a state restored from a checkpoint of another precision is not).
fn fusable<B: Backend, const D: usize>(
    tensor: &Tensor<B, D>,
    grad: &Tensor<B, D>,
    momentum: Option<&AdaptiveMomentumState<B, D>>,
) -> bool {
    let f32_state = momentum
        .is_none_or(|s| s.moment_1.dtype() == DType::F32 && s.moment_2.dtype() == DType::F32);
    TypeId::of::<B>() == TypeId::of::<Flex>()
        && tensor.dtype() == DType::F32
        && grad.dtype() == DType::F32
        && f32_state
}

/// One fused update of a chunk of parameters `p`, moments `m`, `v` and
/// gradient `g`; `first` is the step without state.
trait FusedRule: Sync {
    fn update(&self, p: &mut [f32], m: &mut [f32], v: &mut [f32], g: &[f32], first: bool);
}

/// The host side of a step the caller found [`fusable`]: takes the buffers,
/// runs the rule `make(time)` over them in parallel chunks, and wraps them back.
fn fused_step<B: Backend, const D: usize, R: FusedRule>(
    tensor: Tensor<B, D>,
    grad: Tensor<B, D>,
    state: Option<AdaptiveMomentumState<B, D>>,
    make: impl FnOnce(usize) -> R,
) -> (Tensor<B, D>, AdaptiveMomentumState<B, D>) {
    let device = tensor.device();
    let shape = tensor.shape().dims::<D>().to_vec();
    // `into_data` hands the buffer over without a copy when it is the only owner.
    let (mut p, g) = (tensor.into_data(), grad.into_data());
    let (time, first, mut m, mut v) = match state {
        Some(s) => (
            s.time + 1,
            false,
            s.moment_1.into_data(),
            s.moment_2.into_data(),
        ),
        None => {
            let zeros = || TensorData::new(vec![0f32; g.num_elements()], shape.clone());
            (1, true, zeros(), zeros())
        }
    };
    let rule = make(time);
    // All four are f32 buffers of one shape (`fusable`), so the casts hold.
    if let (Ok(p_s), Ok(m_s), Ok(v_s), Ok(g_s)) = (
        p.as_mut_slice::<f32>(),
        m.as_mut_slice::<f32>(),
        v.as_mut_slice::<f32>(),
        g.as_slice::<f32>(),
    ) {
        p_s.par_chunks_mut(CHUNK)
            .zip(m_s.par_chunks_mut(CHUNK))
            .zip(v_s.par_chunks_mut(CHUNK))
            .zip(g_s.par_chunks(CHUNK))
            .for_each(|(((p, m), v), g)| rule.update(p, m, v, g, first));
    }
    let tensor = Tensor::from_data(p, &device);
    let momentum = AdaptiveMomentumState::new(
        time,
        Tensor::from_data(m, &device),
        Tensor::from_data(v, &device),
    );
    (tensor, momentum)
}

/// The moment updates both rules share, in burn's order:
/// `m·β₁ + g·(1−β₁)` and `v·β₂ + g²·(1−β₂)` (without state: the second terms).
#[derive(Clone, Copy)]
struct Moments {
    beta_1: f32,
    beta_2: f32,
    factor_1: f32,
    factor_2: f32,
}

impl Moments {
    fn new(beta_1: f32, beta_2: f32) -> Self {
        Moments {
            beta_1,
            beta_2,
            factor_1: 1.0 - beta_1,
            factor_2: 1.0 - beta_2,
        }
    }

    #[inline(always)]
    fn update(&self, m: &mut f32, v: &mut f32, g: f32, first: bool) {
        if first {
            *m = g * self.factor_1;
            *v = (g * g) * self.factor_2;
        } else {
            *m = *m * self.beta_1 + g * self.factor_1;
            *v = *v * self.beta_2 + (g * g) * self.factor_2;
        }
    }
}

/// AdamW's scalars of one step, rounded to f32 as burn's scalar ops round them.
#[derive(Clone, Copy)]
struct AdamWRule {
    moments: Moments,
    correction_1: f32,
    correction_2: f32,
    epsilon: f32,
    lr: f32,
    /// `1 − lr·λ`, or `None` when `lr·λ = 0` (burn skips the multiply).
    decay: Option<f32>,
}

impl AdamWRule {
    fn new(o: &HostAdamW, lr: f64, time: usize) -> Self {
        let t = time as i32;
        let decay_rate = lr * f64::from(o.weight_decay);
        AdamWRule {
            moments: Moments::new(o.beta_1, o.beta_2),
            correction_1: 1f32 - o.beta_1.powi(t),
            correction_2: 1f32 - o.beta_2.powi(t),
            epsilon: o.epsilon,
            lr: lr as f32,
            decay: (decay_rate != 0.0).then_some((1.0 - decay_rate) as f32),
        }
    }
}

impl FusedRule for AdamWRule {
    /// burn's order: the moments, bias corrections as divisions,
    /// `p·(1−lr·λ) − lr·Δ`.
    fn update(&self, p: &mut [f32], m: &mut [f32], v: &mut [f32], g: &[f32], first: bool) {
        for (((p, m), v), &g) in p.iter_mut().zip(m.iter_mut()).zip(v.iter_mut()).zip(g) {
            self.moments.update(m, v, g, first);
            let m_hat = *m / self.correction_1;
            let v_hat = *v / self.correction_2;
            let delta = m_hat / (v_hat.sqrt() + self.epsilon);
            let decayed = match self.decay {
                Some(d) => *p * d,
                None => *p,
            };
            *p = decayed - delta * self.lr;
        }
    }
}

/// Adam's scalars of one step, rounded to f32 as burn's scalar ops round them.
#[derive(Clone, Copy)]
struct AdamRule {
    moments: Moments,
    /// `√(1−β₂ᵗ) / (1−β₁ᵗ)`.
    combined: f32,
    /// `ε·√(1−β₂ᵗ)`.
    epsilon: f32,
    lr: f32,
    penalty: Option<f32>,
}

impl AdamRule {
    fn new(o: &HostAdam, lr: f64, time: usize) -> Self {
        let t = time as i32;
        let correction_2_sqrt = (1.0 - o.beta_2.powi(t)).sqrt();
        AdamRule {
            moments: Moments::new(o.beta_1, o.beta_2),
            combined: correction_2_sqrt / (1.0 - o.beta_1.powi(t)),
            epsilon: o.epsilon * correction_2_sqrt,
            lr: lr as f32,
            penalty: o.penalty,
        }
    }
}

impl FusedRule for AdamRule {
    /// burn's order: `g + λ·p` first, the moments as AdamW's, then
    /// `m·c / (√v + ε·√(1−β₂ᵗ))` and `p − lr·Δ`.
    fn update(&self, p: &mut [f32], m: &mut [f32], v: &mut [f32], g: &[f32], first: bool) {
        for (((p, m), v), &g) in p.iter_mut().zip(m.iter_mut()).zip(v.iter_mut()).zip(g) {
            let g = match self.penalty {
                Some(w) => *p * w + g,
                None => g,
            };
            self.moments.update(m, v, g, first);
            let delta = (*m * self.combined) / (v.sqrt() + self.epsilon);
            *p -= delta * self.lr;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Distribution;

    type F = Flex;

    fn random(shape: [usize; 2], seed: u64) -> Tensor<F, 2> {
        F::seed(&Default::default(), seed);
        Tensor::random(shape, Distribution::Normal(0.0, 1.0), &Default::default())
    }

    fn bits(t: &Tensor<F, 2>) -> Vec<u32> {
        t.to_data()
            .to_vec::<f32>()
            .unwrap_or_default()
            .iter()
            .map(|x| x.to_bits())
            .collect()
    }

    /// Five steps of `ours` and `theirs` from one start: parameters and both
    /// moments, on a tensor large enough to be split into parallel chunks.
    /// The gradients shrink to 1e-20, whose squares are subnormal: both
    /// sides run in the flushed mode of training (`float_mode`), whichever
    /// threads do the work.
    fn assert_same_steps<S, O, T>(
        ours: &O,
        theirs: &T,
        moments: impl Fn(S) -> AdaptiveMomentumState<F, 2>,
        what: &str,
    ) where
        O: SimpleOptimizer<F, State<2> = S>,
        T: SimpleOptimizer<F, State<2> = S>,
    {
        crate::runtime::float_mode::flush_subnormals();
        let mut a = random([300, 257], 1);
        let mut b = a.clone();
        let (mut sa, mut sb) = (None, None);
        for step in 0..5u64 {
            let g = random([300, 257], 10 + step).mul_scalar(10f32.powi(-(step as i32) * 5));
            let lr = 1e-3 * (1.0 + step as f64);
            (a, sa) = ours.step(lr, a, g.clone(), sa);
            (b, sb) = theirs.step(lr, b, g, sb);
        }
        assert_eq!(bits(&a), bits(&b), "parameters, {what}");
        let (sa, sb) = (moments(sa.unwrap()), moments(sb.unwrap()));
        assert_eq!(sa.time, sb.time);
        assert_eq!(
            bits(&sa.moment_1),
            bits(&sb.moment_1),
            "first moment, {what}"
        );
        assert_eq!(
            bits(&sa.moment_2),
            bits(&sb.moment_2),
            "second moment, {what}"
        );
    }

    #[test]
    fn fused_update_is_burns_adamw_bit_for_bit() {
        for wd in [0.0f32, 1e-2] {
            let ours = HostAdamW::new(0.9, 0.999, 1e-8, wd);
            let theirs = ours.burn.clone();
            assert_same_steps(
                &ours,
                &theirs,
                |s| s.momentum,
                &format!("AdamW, weight decay {wd}"),
            );
        }
    }

    #[test]
    fn fused_update_is_burns_adam_bit_for_bit() {
        for wd in [0.0f32, 1e-2] {
            let ours = HostAdam::new(0.9, 0.999, 1e-8, wd);
            let theirs = ours.burn.clone();
            assert_same_steps(
                &ours,
                &theirs,
                |s| s.momentum,
                &format!("Adam, weight decay {wd}"),
            );
        }
    }
}
