//! The E01xx codes: every syntax error the parser reports, with the long
//! explanation `iconc explain` prints (a wrong and a right example each).

use crate::diag::codes::CodeInfo;

/// Something that does not fit where it stands.
pub(crate) const E_UNEXPECTED: &str = "E0101";
/// `(` or `[` never closed.
pub(crate) const E_UNCLOSED: &str = "E0102";
/// `)` or `]` with nothing to close.
pub(crate) const E_UNMATCHED: &str = "E0103";
/// `"` never closed on its line.
pub(crate) const E_UNTERMINATED_STRING: &str = "E0104";
/// `1e`, `.5`, `1.2.3`.
pub(crate) const E_INVALID_NUMBER: &str = "E0105";
/// `embedding MLP()`.
pub(crate) const E_MISSING_EQ: &str = "E0106";
/// `p =` with nothing after it.
pub(crate) const E_MISSING_VALUE: &str = "E0107";
/// `p = index on x`.
pub(crate) const E_STRAY_ON: &str = "E0108";
/// `"a\tb"`.
pub(crate) const E_INVALID_ESCAPE: &str = "E0109";
/// Two statements on one line.
pub(crate) const E_MISSING_SEPARATOR: &str = "E0110";
/// Nesting too deep / input too complex.
pub(crate) const E_TOO_COMPLEX: &str = "E0111";
/// `@`, `$`, non-ASCII outside strings and comments.
pub(crate) const E_INVALID_CHAR: &str = "E0112";
/// `F(a = 1 b = 2)`.
pub(crate) const E_MISSING_COMMA: &str = "E0113";
/// `on` with no key.
pub(crate) const E_MISSING_KEY: &str = "E0114";
/// `method simclr`, `method = "x"`.
pub(crate) const E_MISSING_STRING: &str = "E0115";
/// A line that does not start like a statement.
pub(crate) const E_EXPECTED_STATEMENT: &str = "E0116";
/// `->` with no stage after it.
pub(crate) const E_MISSING_STAGE: &str = "E0117";

/// This stage's diagnostic codes (joined in `diag::codes`).
pub const CODES: &[CodeInfo] = &[
    CodeInfo {
        code: E_UNEXPECTED,
        name: "unexpected_token",
        summary: "a token that cannot stand where it is",
        explain: "\
The parser found a token that cannot appear at this point of a statement.
The help line says what was expected instead.

Wrong:
    q = Gaussian(0.5 = sigma) on embedding

Right:
    q = Gaussian(sigma = 0.5) on embedding
",
    },
    CodeInfo {
        code: E_UNCLOSED,
        name: "unclosed_delimiter",
        summary: "a `(` or `[` that is never closed",
        explain: "\
Every `(` needs a matching `)` and every `[` a matching `]`. The label points
at the opening bracket that has no partner. A missing `)` often makes the next
statement look like an argument, so check the line after it too.

Wrong:
    data = Mnist(views = 2, batch = 256
    embedding = MLP(out = 2)

Right:
    data = Mnist(views = 2, batch = 256)
    embedding = MLP(out = 2)
",
    },
    CodeInfo {
        code: E_UNMATCHED,
        name: "unmatched_delimiter",
        summary: "a `)` or `]` with nothing to close",
        explain: "\
A closing bracket appeared without an opening bracket before it in the same
statement. Usually it is one `)` too many.

Wrong:
    train = Train(epochs = 10))

Right:
    train = Train(epochs = 10)
",
    },
    CodeInfo {
        code: E_UNTERMINATED_STRING,
        name: "unterminated_string",
        summary: "a string without its closing `\"`",
        explain: "\
Strings start and end with `\"` on the same line. Write `\\\"` for a quote and
`\\n` for a line break inside a string.

Wrong:
    about \"SimCLR: NT-Xent between two views

Right:
    about \"SimCLR: NT-Xent between two views\"
",
    },
    CodeInfo {
        code: E_INVALID_NUMBER,
        name: "invalid_number",
        summary: "a malformed number",
        explain: "\
Numbers are written as `3`, `-2`, `0.5`, `1e-3` or `2.5E+4`: digits, an
optional fraction with digits on both sides of the point, and an optional
exponent with digits. Underscores, hex and a bare point are not numbers.

Wrong:
    train = Train(epochs = 10, optimizer = Adam(lr = 1e), steps = 1_000)
    q = Gaussian(sigma = .5) on embedding

Right:
    train = Train(epochs = 10, optimizer = Adam(lr = 1e-3), steps = 1000)
    q = Gaussian(sigma = 0.5) on embedding
",
    },
    CodeInfo {
        code: E_MISSING_EQ,
        name: "missing_equals",
        summary: "a statement target without `=`",
        explain: "\
A statement that starts with a name assigns to it: `target = value`.

Wrong:
    embedding MLP(hidden = [64], out = 2)

Right:
    embedding = MLP(hidden = [64], out = 2)
",
    },
    CodeInfo {
        code: E_MISSING_VALUE,
        name: "missing_value",
        summary: "`=`, an operator or a `,` with no value after it",
        explain: "\
After `target =`, `name =` in an argument list, or an operator (`+`, `-`, `*`),
a value must follow: a kernel for `p`/`q`, a data source for `data`, a mapper
for other keys, a number, string, list or name inside arguments.

Wrong:
    p =
    q = Gaussian(sigma = , metric = cosine) on embedding

Right:
    p = Augmentation() on index
    q = Gaussian(sigma = 0.5, metric = cosine) on embedding
",
    },
    CodeInfo {
        code: E_STRAY_ON,
        name: "stray_on",
        summary: "`on` that does not follow a call",
        explain: "\
`on key` says which key a kernel or mapper reads, and it binds to the call just
before it. A bare name, a number or a parenthesised expression cannot take
`on`; write the kernel as a call, and put `on` after each call in algebra.

Wrong:
    p = Augmentation on index
    p = (Augmentation() + UniformKNN(k = 2)) on x

Right:
    p = Augmentation() on index
    p = Augmentation() on index + UniformKNN(k = 2) on x
",
    },
    CodeInfo {
        code: E_INVALID_ESCAPE,
        name: "invalid_escape",
        summary: "an unknown `\\` escape in a string",
        explain: "\
Strings know three escapes: `\\\"` (quote), `\\\\` (backslash) and `\\n`
(line break). Any other character after `\\` is an error.

Wrong:
    use \"C:\\methods\\base.icon\"

Right:
    use \"methods/base.icon\"
",
    },
    CodeInfo {
        code: E_MISSING_SEPARATOR,
        name: "missing_separator",
        summary: "a statement continues after its end",
        explain: "\
Each statement ends at the end of its line (or at `;`). Something followed a
complete statement on the same line. To combine kernels use `+` or `*`; to put
two statements on one line separate them with `;`.

Wrong:
    method \"simclr\" about \"contrastive\"
    p = Augmentation() on index UniformKNN(k = 2) on x

Right:
    method \"simclr\"; about \"contrastive\"
    p = Augmentation() on index + UniformKNN(k = 2) on x
",
    },
    CodeInfo {
        code: E_TOO_COMPLEX,
        name: "too_complex",
        summary: "an expression nested too deeply",
        explain: "\
The parser limits how deeply brackets and operators nest (and how much work one
statement may take) so that no input can exhaust the stack. Real methods stay
far below the limit; split the expression or remove redundant parentheses.

Wrong:
    p = ((((((((((((((((((((((((((((((((Augmentation() on index))))))))))))))))))))))))))))))))
    (nested much deeper than shown)

Right:
    p = Augmentation() on index
",
    },
    CodeInfo {
        code: E_INVALID_CHAR,
        name: "invalid_character",
        summary: "a character that is not part of the language",
        explain: "\
Outside strings and comments a file may contain names, numbers, `\"…\"` and
the symbols `= ( ) [ ] , + - * -> ; #`. Comments start with `#`.

Wrong:
    q = Gaussian(sigma = 0.5) @ embedding   // cosine
    q = Gaussian(σ = 0.5) on embedding

Right:
    q = Gaussian(sigma = 0.5) on embedding   # cosine
",
    },
    CodeInfo {
        code: E_MISSING_COMMA,
        name: "missing_comma",
        summary: "two arguments or list items without `,` between them",
        explain: "\
Arguments of a call and items of a list are separated by `,`, also when they
stand on separate lines.

Wrong:
    q = Gaussian(sigma = 0.5 metric = cosine) on embedding
    embedding = MLP(hidden = [512 512], out = 128)

Right:
    q = Gaussian(sigma = 0.5, metric = cosine) on embedding
    embedding = MLP(hidden = [512, 512], out = 128)
",
    },
    CodeInfo {
        code: E_MISSING_KEY,
        name: "missing_key",
        summary: "`on` (or `,` after a key) with no key",
        explain: "\
`on` is followed by one key, or two keys separated by `,` for a cross kernel
(rows from the first, columns from the second).

Wrong:
    q = Gaussian(sigma = 0.5) on
    q = Gaussian(metric = dot) on embedding, 3

Right:
    q = Gaussian(sigma = 0.5) on embedding
    q = Gaussian(metric = dot) on embedding, class_embedding
",
    },
    CodeInfo {
        code: E_MISSING_STRING,
        name: "missing_string",
        summary: "`method`, `about`, `cite` or `use` without a string",
        explain: "\
The header statements take one string directly, without `=`.

Wrong:
    method simclr
    about = \"contrastive learning\"

Right:
    method \"simclr\"
    about \"contrastive learning\"
",
    },
    CodeInfo {
        code: E_EXPECTED_STATEMENT,
        name: "expected_statement",
        summary: "a line that does not start a statement",
        explain: "\
A statement is a header (`method \"…\"`, `about \"…\"`, `cite \"…\"`,
`use \"…\"`) or an assignment `target = value`. A line that starts with
anything else (a number, a string, an operator) is not a statement.

Wrong:
    \"simclr\"
    + UniformKNN(k = 2) on x

Right:
    method \"simclr\"
    p = Augmentation() on index + UniformKNN(k = 2) on x
",
    },
    CodeInfo {
        code: E_MISSING_STAGE,
        name: "missing_stage",
        summary: "`->` with no stage after it",
        explain: "\
A pipeline step after `->` is a name (`normalize`) or a call (`leak(0.3)`,
`Normalize()`).

Wrong:
    p = Augmentation() on index ->
    embedding = MLP(out = 2) -> 0.5

Right:
    p = Augmentation() on index -> normalize
    embedding = MLP(out = 2) -> Normalize()
",
    },
];

#[cfg(test)]
mod tests {
    use super::CODES;

    /// The indented example lines between `start` and `end` markers.
    fn section(explain: &str, start: &str, end: &str) -> String {
        let from = explain
            .find(start)
            .map_or(explain.len(), |i| i + start.len());
        let rest = &explain[from..];
        let to = rest.find(end).unwrap_or(rest.len());
        rest[..to]
            .lines()
            .filter(|l| l.starts_with("    ") && !l.contains("(nested much deeper"))
            .map(|l| format!("{}\n", &l[4..]))
            .collect()
    }

    #[test]
    fn every_wrong_example_gives_its_code_and_every_right_example_parses() {
        for c in CODES {
            let mut wrong = section(c.explain, "Wrong:", "Right:");
            if c.code == super::E_TOO_COMPLEX {
                // The doc shortens the example; build the real one.
                wrong = format!("p = {}A(){}\n", "(".repeat(200), ")".repeat(200));
            }
            let parsed = crate::syntax::parse(&crate::Source::new("wrong", wrong.as_str()));
            assert!(
                parsed.diagnostics.iter().any(|d| d.code == c.code),
                "{}: wrong example gives {:?}",
                c.code,
                parsed
                    .diagnostics
                    .iter()
                    .map(|d| d.code)
                    .collect::<Vec<_>>()
            );
            let right = section(c.explain, "Right:", "\u{0}");
            let parsed = crate::syntax::parse(&crate::Source::new("right", right.as_str()));
            assert!(
                parsed.diagnostics.is_empty(),
                "{}: right example: {:?}",
                c.code,
                parsed.diagnostics
            );
        }
    }

    #[test]
    fn codes_are_unique_sorted_and_explained() {
        for pair in CODES.windows(2) {
            assert!(
                pair[0].code < pair[1].code,
                "{} !< {}",
                pair[0].code,
                pair[1].code
            );
        }
        for c in CODES {
            assert!(c.code.starts_with("E01"), "{}", c.code);
            assert!(
                c.explain.contains("Wrong:") && c.explain.contains("Right:"),
                "{}",
                c.code
            );
        }
    }
}
