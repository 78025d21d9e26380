//! Stable diagnostic codes, one band per stage, each with a long explanation
//! for `iconc explain`. Codes are never reused.
//!
//! Bands: E01xx syntax, E02xx names/keys, E03xx shapes, E04xx parameters,
//! E05xx lowering, E06xx data files, E07xx training/runtime, W08xx warnings
//! that have no error twin. Each stage keeps its own table beside its code
//! (`syntax::CODES`, `check::CODES`, `runtime::CODES`); this module joins them.

/// One code's documentation.
#[derive(Debug, Clone, Copy)]
pub struct CodeInfo {
    /// `E0201`.
    pub code: &'static str,
    /// Slug, e.g. `unknown_kernel` (shown as `icon::unknown_kernel`).
    pub name: &'static str,
    /// One-line summary.
    pub summary: &'static str,
    /// Long explanation with a wrong and a right example.
    pub explain: &'static str,
}

/// Every code of every stage.
pub fn all() -> impl Iterator<Item = &'static CodeInfo> {
    crate::syntax::CODES
        .iter()
        .chain(crate::check::CODES.iter())
        .chain(crate::runtime::CODES.iter())
        .chain(crate::runtime::loss::CODES.iter())
        .chain(crate::data::CODES.iter())
        .chain(crate::runtime::train::CODES.iter())
}

/// Looks a code up (`E0201`, `icon::unknown_kernel` or `unknown_kernel`).
pub fn lookup(code: &str) -> Option<&'static CodeInfo> {
    let slug = code.strip_prefix("icon::").unwrap_or(code);
    all().find(|c| c.code.eq_ignore_ascii_case(code) || c.name == slug)
}
