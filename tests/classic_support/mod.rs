//! Helpers shared by the `classic_*` tests: load a std-lib method and size
//! batches from its checked key widths.
#![allow(dead_code)] // each test binary uses a subset

use iconc::check;
use iconc::ir::{Dim, Method};
use std::path::Path;

/// `methods/NAME.icon`, checked; panics with the diagnostics if it does not check.
pub fn load_stdlib(name: &str) -> Method {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("methods")
        .join(format!("{name}.icon"));
    match check::load_method(&path) {
        Ok((m, _)) => m,
        Err(r) => panic!(
            "{name}.icon does not check: {:?}",
            r.iter().map(|r| &r.diagnostic.message).collect::<Vec<_>>()
        ),
    }
}

/// The fixed width of `key` in the checked method (its last dimension), so
/// the batch matches what `inspect` expects of the std-lib file.
pub fn width(m: &Method, key: &str) -> usize {
    m.keys
        .iter()
        .find(|k| k.name == key)
        .and_then(|k| match k.shape.last() {
            Some(Dim::Fixed(n)) => Some(*n),
            _ => None,
        })
        .unwrap_or_else(|| panic!("{} has no fixed-width key `{key}`", m.name))
}
