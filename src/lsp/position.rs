//! Byte offsets (our spans) ↔ LSP positions (line, UTF-16 code unit).

use lsp_types::{Position, Range};

/// The LSP position of byte `offset` in `text` (clamped to the text and to
/// a character boundary).
pub fn position(text: &str, offset: usize) -> Position {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = text.get(..offset).unwrap_or("");
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let character: usize = before
        .get(line_start..)
        .map_or(0, |s| s.chars().map(char::len_utf16).sum());
    Position::new(to_u32(line), to_u32(character))
}

/// The LSP range of the byte range `start..end`.
pub fn range(text: &str, start: usize, end: usize) -> Range {
    Range::new(position(text, start), position(text, end.max(start)))
}

/// The byte offset of an LSP position; positions past a line's end clamp to
/// the end of that line, lines past the end clamp to the end of the text.
pub fn offset(text: &str, pos: Position) -> usize {
    let mut line_start = 0;
    for _ in 0..pos.line {
        match text.get(line_start..).and_then(|rest| rest.find('\n')) {
            Some(i) => line_start += i + 1,
            None => return text.len(),
        }
    }
    let line = text.get(line_start..).unwrap_or("");
    let line = line.split('\n').next().unwrap_or("");
    let mut units = 0usize;
    for (i, c) in line.char_indices() {
        if units >= pos.character as usize {
            return line_start + i;
        }
        units += c.len_utf16();
    }
    line_start + line.len()
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_columns_count_surrogate_pairs_twice() {
        // 'é' is 2 bytes / 1 unit; '𝛼' is 4 bytes / 2 units.
        let text = "ab\né𝛼x\n";
        assert_eq!(position(text, 0), Position::new(0, 0));
        assert_eq!(position(text, 3), Position::new(1, 0));
        assert_eq!(position(text, 5), Position::new(1, 1));
        assert_eq!(position(text, 9), Position::new(1, 3));
        assert_eq!(position(text, 999), Position::new(2, 0));
        assert_eq!(offset(text, Position::new(1, 3)), 9);
        assert_eq!(offset(text, Position::new(1, 1)), 5);
        assert_eq!(offset(text, Position::new(1, 99)), 10);
        assert_eq!(offset(text, Position::new(9, 0)), text.len());
    }
}
