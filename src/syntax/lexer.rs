//! A tiny lexer that mirrors the tokens of `grammar/icon.pest`.
//!
//! pest does the real parsing; this token stream exists for everything pest
//! is bad at: collecting comments, finding where statements start (error
//! recovery), tracking open brackets (`unclosed (`), and looking at the
//! tokens around an error position to word the message.

use crate::ast::Span;

/// Token kinds. Keywords (`on`, `method`, …) are [`Tok::Ident`]; callers
/// compare the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok {
    /// `embedding`, `Gaussian`, `on`.
    Ident,
    /// Anything that starts like a number: `3`, `1e-3`, `1e` (invalid).
    Number,
    /// `"…"`; `terminated` is false when the line or file ends first.
    Str { terminated: bool },
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `,`
    Comma,
    /// `=`
    Eq,
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// `*`
    Star,
    /// `->`
    Arrow,
    /// `;`
    Semi,
    /// `\n`
    Newline,
    /// `# …` up to (not including) the newline.
    Comment,
    /// A character that starts no token (`@`, `$`, `é`).
    Invalid,
}

/// One token with its byte span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token {
    /// Kind.
    pub(crate) kind: Tok,
    /// Bytes.
    pub(crate) span: Span,
}

impl Tok {
    /// True for tokens that are neither comments nor newlines.
    pub(crate) fn is_significant(self) -> bool {
        !matches!(self, Tok::Comment | Tok::Newline)
    }
    /// True for tokens that can start a value (`expr`).
    pub(crate) fn starts_value(self) -> bool {
        matches!(
            self,
            Tok::Ident | Tok::Number | Tok::Str { .. } | Tok::LParen | Tok::LBracket | Tok::Minus
        )
    }
    /// True for tokens that can end a value.
    pub(crate) fn ends_value(self) -> bool {
        matches!(
            self,
            Tok::Ident | Tok::Number | Tok::Str { .. } | Tok::RParen | Tok::RBracket
        )
    }
}

/// Splits `text` into tokens (whitespace other than `\n` is dropped).
/// Never fails: unknown characters become [`Tok::Invalid`].
pub(crate) fn lex(text: &str) -> Vec<Token> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(text.len() / 3);
    // A UTF-8 byte order mark (some Windows editors write one) is whitespace.
    let mut i = if text.starts_with('\u{feff}') { 3 } else { 0 };
    while i < bytes.len() {
        let start = i;
        let b = bytes[i];
        let kind = match b {
            b' ' | b'\t' | b'\r' => {
                i += 1;
                continue;
            }
            b'\n' => {
                i += 1;
                Tok::Newline
            }
            b'#' => {
                i = line_end(bytes, i);
                Tok::Comment
            }
            b'"' => {
                let (end, terminated) = string_end(bytes, i + 1);
                i = end;
                Tok::Str { terminated }
            }
            b'0'..=b'9' => {
                i = number_end(bytes, i + 1);
                Tok::Number
            }
            b'.' if bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                i = number_end(bytes, i + 1);
                Tok::Number
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                i += 1;
                while i < bytes.len() && is_ident_byte(bytes[i]) {
                    i += 1;
                }
                Tok::Ident
            }
            b'-' if bytes.get(i + 1) == Some(&b'>') => {
                i += 2;
                Tok::Arrow
            }
            _ => {
                i += 1;
                match b {
                    b'(' => Tok::LParen,
                    b')' => Tok::RParen,
                    b'[' => Tok::LBracket,
                    b']' => Tok::RBracket,
                    b',' => Tok::Comma,
                    b'=' => Tok::Eq,
                    b'+' => Tok::Plus,
                    b'-' => Tok::Minus,
                    b'*' => Tok::Star,
                    b';' => Tok::Semi,
                    _ => {
                        // Keep whole UTF-8 characters together.
                        while i < bytes.len() && !text.is_char_boundary(i) {
                            i += 1;
                        }
                        Tok::Invalid
                    }
                }
            }
        };
        out.push(Token {
            kind,
            span: Span::new(start, i),
        });
    }
    out
}

/// `[A-Za-z0-9_]`.
pub(crate) fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Index of the next `\n` at or after `i` (or the end).
fn line_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && bytes[i] != b'\n' {
        i += 1;
    }
    i
}

/// End of a string whose body starts at `i`; strings stop at a newline.
fn string_end(bytes: &[u8], mut i: usize) -> (usize, bool) {
    while i < bytes.len() {
        match bytes[i] {
            b'"' => return (i + 1, true),
            b'\n' => return (i, false),
            b'\\' if bytes.get(i + 1).is_some_and(|&c| c != b'\n') => i += 2,
            _ => i += 1,
        }
    }
    (bytes.len(), false)
}

/// Same loose number shape as the grammar's `number` rule.
fn number_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        let b = bytes[i];
        let next = bytes.get(i + 1).copied();
        let after = bytes.get(i + 2).copied();
        if (b == b'e' || b == b'E')
            && matches!(next, Some(b'+' | b'-'))
            && after.is_some_and(|c| c.is_ascii_digit())
        {
            i += 3;
        } else if is_ident_byte(b) || (b == b'.' && next != Some(b'.')) {
            i += 1;
        } else {
            break;
        }
    }
    i
}

/// The text of a token.
pub(crate) fn text_of<'a>(src: &'a str, tok: &Token) -> &'a str {
    src.get(tok.span.start..tok.span.end).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<Tok> {
        lex(s).into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn lexes_every_token_kind() {
        use Tok::*;
        assert_eq!(
            kinds("p = K(a = 1e-3, b = [x]) on y -> n; # c\n\"s\" + - * @"),
            vec![
                Ident,
                Eq,
                Ident,
                LParen,
                Ident,
                Eq,
                Number,
                Comma,
                Ident,
                Eq,
                LBracket,
                Ident,
                RBracket,
                RParen,
                Ident,
                Ident,
                Arrow,
                Ident,
                Semi,
                Comment,
                Newline,
                Str { terminated: true },
                Plus,
                Minus,
                Star,
                Invalid
            ]
        );
    }

    #[test]
    fn unterminated_string_stops_at_newline() {
        let toks = lex("\"abc\nx");
        assert_eq!(toks[0].kind, Tok::Str { terminated: false });
        assert_eq!(toks[0].span, Span::new(0, 4));
        assert_eq!(toks[1].kind, Tok::Newline);
    }

    #[test]
    fn loose_numbers_are_one_token() {
        for n in ["1e", "1.2.3", "2epochs", ".5", "1e-3", "2.5E+4"] {
            assert_eq!(lex(n).len(), 1, "{n}");
        }
        assert_eq!(kinds("1e-x"), vec![Tok::Number, Tok::Minus, Tok::Ident]);
    }

    #[test]
    fn byte_order_mark_and_crlf_are_whitespace() {
        use Tok::*;
        assert_eq!(kinds("\u{feff}p = 1\r\n"), vec![Ident, Eq, Number, Newline]);
    }

    #[test]
    fn multibyte_invalid_char_is_one_token() {
        let toks = lex("é=");
        assert_eq!(toks[0].span, Span::new(0, 2));
        assert_eq!(toks[1].kind, Tok::Eq);
    }
}
