//! check stage (see STYLE.md §1).

/// This stage's diagnostic codes (joined in `diag::codes`).
pub const CODES: &[crate::diag::codes::CodeInfo] = &[];
