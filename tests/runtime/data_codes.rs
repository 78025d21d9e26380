//! The E06xx table: in band, unique, documented.

use iconc::data::CODES;
use std::collections::HashSet;

#[test]
fn data_codes_are_in_band_unique_and_explained() {
    let mut seen = HashSet::new();
    for c in CODES {
        assert!(c.code.starts_with("E06") && c.code.len() == 5, "{}", c.code);
        assert!(seen.insert(c.code), "duplicate {}", c.code);
        assert!(seen.insert(c.name), "duplicate name {}", c.name);
        assert!(
            c.explain.contains("Wrong") && c.explain.contains("Right"),
            "{}",
            c.code
        );
        assert_eq!(c.summary, c.summary.to_lowercase(), "{}", c.code);
    }
}
