//! Fuzz target: `parse` (and `format`, when the input parses) must never
//! panic on any UTF-8 input, spans must stay valid, and formatting must be
//! idempotent.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let source = iconc::Source::new("fuzz.icon", text);
    let parsed = iconc::syntax::parse(&source);
    if let Err(e) = iconc::syntax::validate_spans(&parsed.program, text.len()) {
        panic!("invalid spans: {e}");
    }
    if let Ok(once) = iconc::fmt::format(&source) {
        let twice = iconc::fmt::format(&iconc::Source::new("fuzz.icon", once.as_str()))
            .expect("formatted output must parse");
        assert_eq!(once, twice, "format is not idempotent");
    }
});
