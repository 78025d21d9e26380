//! runtime stage: IR → burn modules, training, evaluation (STYLE.md §1).
//! Only this module (with `cli` and `data`) touches files, the terminal or the GPU.

pub mod algebra;
pub mod backend;
pub mod divergence;
pub mod eval;
pub mod inspect;
pub mod kernels;
pub mod loss;
pub mod loss_tiles;
pub mod mappers;
pub mod memory;
pub mod model;
pub mod output;
pub mod p_cache;
pub mod plot;
pub mod profile;
pub mod sparse_loss;
pub mod train;

/// This stage's diagnostic codes (joined in `diag::codes`); E05xx lowering,
/// E06xx data files, E07xx training.
pub const CODES: &[crate::diag::codes::CodeInfo] = &[crate::diag::codes::CodeInfo {
    code: "E0501",
    name: "backend_not_compiled",
    summary: "the requested backend was not compiled in",
    explain: "iconc was built without the cargo feature for this backend.\n\nWrong:\n    iconc run methods/simclr.icon --backend cuda   # built without `--features cuda`\n\nRight:\n    cargo build --release --features cuda\n    iconc run methods/simclr.icon --backend cuda\n\nThe CPU backend is always available: `--backend cpu` (the default).",
}];
