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
