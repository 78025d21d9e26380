//! Property tests: `parse` never panics, always returns valid spans, and
//! `fmt` is idempotent whenever it accepts its input.

use iconc::syntax::{parse, validate_spans};
use iconc::Source;
use proptest::prelude::*;

/// A valid file to mutate.
const SEED: &str = "\
# SimCLR
method \"simclr\"
data = Mnist(views = 2, augment = [Crop(scale = 0.5)], batch = 256)
embedding = MLP(hidden = [512, 512], out = 128) -> Normalize() on x
p = (Augmentation() on index + 0.5 * UniformKNN(k = 2) on x) -> normalize -> leak(0.3)
q = Gaussian(sigma = 0.5, metric = cosine) on embedding, class_embedding
train = Train(epochs = 10, optimizer = AdamW(lr = 1e-3), seed = 42)
eval = [knn, linear_probe]
";

/// Characters that matter to the grammar, plus some that do not.
const ALPHABET: &[char] = &[
    '(', ')', '[', ']', ',', '=', '+', '-', '*', '>', ';', '#', '"', '\\', '\n', ' ', '.', 'e',
    '1', 'a', 'o', 'n', '_', '@', 'é', '\t',
];

fn check(text: &str) {
    let parsed = parse(&Source::new("p", text));
    validate_spans(&parsed.program, text.len()).unwrap();
    for d in &parsed.diagnostics {
        for l in &d.labels {
            assert!(l.span.start <= l.span.end && l.span.end <= text.len());
        }
    }
    if let Ok(once) = iconc::fmt::format(&Source::new("p", text)) {
        let twice = iconc::fmt::format(&Source::new("p", once.as_str())).unwrap();
        assert_eq!(once, twice);
    }
}

#[derive(Debug, Clone)]
enum Edit {
    Insert(usize, char),
    Delete(usize),
    Replace(usize, char),
}

fn edit() -> impl Strategy<Value = Edit> {
    let c = proptest::sample::select(ALPHABET);
    prop_oneof![
        (any::<usize>(), c.clone()).prop_map(|(i, c)| Edit::Insert(i, c)),
        any::<usize>().prop_map(Edit::Delete),
        (any::<usize>(), c).prop_map(|(i, c)| Edit::Replace(i, c)),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for e in edits {
        let n = chars.len().max(1);
        match *e {
            Edit::Insert(i, c) => chars.insert(i % (chars.len() + 1), c),
            Edit::Delete(i) if !chars.is_empty() => {
                chars.remove(i % n);
            }
            Edit::Replace(i, c) if !chars.is_empty() => chars[i % n] = c,
            _ => {}
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings_never_panic(s in "\\PC{0,200}") {
        check(&s);
    }

    #[test]
    fn grammar_soup_never_panics(chars in proptest::collection::vec(proptest::sample::select(ALPHABET), 0..120)) {
        check(&chars.into_iter().collect::<String>());
    }

    #[test]
    fn mutated_valid_files_never_panic(edits in proptest::collection::vec(edit(), 1..6)) {
        check(&apply(SEED, &edits));
    }
}
