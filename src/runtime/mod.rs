//! runtime stage: IR → burn modules, training, evaluation (STYLE.md §1).
//! Only this module (with `cli` and `data`) touches files, the terminal or the GPU.

pub(crate) mod algebra;
pub mod backend;
pub mod blend;
pub(crate) mod divergence;
pub mod float_mode;
pub mod inspect;
pub mod kernels;
pub mod loss;
pub mod loss_tiles;
pub mod mappers;
pub mod memory;
pub mod model;
pub(crate) mod output;
pub mod p_ahead;
pub mod p_cache;
pub mod plot;
pub(crate) mod profile;
pub mod sparse_loss;
pub mod train;
