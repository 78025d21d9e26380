//! Backend selection: `--backend cpu|wgpu|cuda`.
//!
//! Runtime code is generic over `B: AutodiffBackend`; [`dispatch`] picks the
//! concrete backend at run time. Asking for one that was not compiled in is a
//! diagnostic naming the cargo feature to enable.

use crate::diag::Code;
use crate::diag::Diagnostic;
use burn::tensor::backend::AutodiffBackend;

/// The default CPU backend (f32).
// Decision: Flex (f32) with `simd` + `rayon`: 23-26k samples/s against
// NdArray's 18k on the SimCLR-like step, 17x on SimpleCNN, deterministic
// (`examples/backend_bench.rs`, README "Backends").
pub type CpuBackend = burn::backend::Flex;

/// The lock around drawing from burn's process-wide RNG (`B::seed` and the
/// parameter initializers): whoever seeds and draws holds it, so two
/// threads cannot interleave their draws and break each other's seeds.
pub fn seeded_draws() -> std::sync::MutexGuard<'static, ()> {
    static DRAWS: std::sync::Mutex<()> = std::sync::Mutex::new(());
    DRAWS.lock().unwrap_or_else(|e| e.into_inner())
}

/// A backend the user can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum BackendKind {
    /// CPU (default).
    #[default]
    Cpu,
    /// WebGPU/Vulkan through wgpu (cargo feature `wgpu`).
    Wgpu,
    /// NVIDIA CUDA (cargo feature `cuda`).
    Cuda,
}

impl BackendKind {
    /// The lowercase name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            BackendKind::Cpu => "cpu",
            BackendKind::Wgpu => "wgpu",
            BackendKind::Cuda => "cuda",
        }
    }
}

/// Work that runs on whichever backend is chosen.
pub trait BackendTask {
    /// What the task returns.
    type Output;
    /// Runs the task on backend `B` with its default device.
    fn run<B: AutodiffBackend>(self, device: B::Device) -> Self::Output;
}

/// Runs `task` on the backend `kind`, or says which feature is missing.
pub fn dispatch<T: BackendTask>(kind: BackendKind, task: T) -> Result<T::Output, Diagnostic> {
    match kind {
        BackendKind::Cpu => Ok(task.run::<burn::backend::Autodiff<CpuBackend>>(Default::default())),
        BackendKind::Wgpu => run_wgpu(task),
        BackendKind::Cuda => run_cuda(task),
    }
}

#[cfg(feature = "wgpu")]
fn run_wgpu<T: BackendTask>(task: T) -> Result<T::Output, Diagnostic> {
    Ok(task.run::<burn::backend::Autodiff<burn::backend::Wgpu>>(Default::default()))
}

#[cfg(not(feature = "wgpu"))]
fn run_wgpu<T: BackendTask>(_task: T) -> Result<T::Output, Diagnostic> {
    Err(not_compiled(BackendKind::Wgpu))
}

#[cfg(feature = "cuda")]
fn run_cuda<T: BackendTask>(task: T) -> Result<T::Output, Diagnostic> {
    Ok(task.run::<burn::backend::Autodiff<burn::backend::Cuda>>(Default::default()))
}

#[cfg(not(feature = "cuda"))]
fn run_cuda<T: BackendTask>(_task: T) -> Result<T::Output, Diagnostic> {
    Err(not_compiled(BackendKind::Cuda))
}

#[allow(dead_code)] // unused when every backend feature is on
fn not_compiled(kind: BackendKind) -> Diagnostic {
    Diagnostic::bare(
        Code::BackendNotCompiled,
        format!("backend `{}` was not compiled into this iconc", kind.name()),
    )
    .with_help(format!(
        "rebuild with `cargo build --release --features {}`, or use `--backend cpu`",
        kind.name()
    ))
}
