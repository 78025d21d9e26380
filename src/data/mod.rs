//! data stage (see STYLE.md §1).
pub mod npz;
