//! Hover text: the signature (or one parameter) of the name under the cursor,
//! from the one signature table, printed as `iconc explain NAME` prints it.

use crate::check::signatures::{self, Signature};
use crate::print;

/// The hover text at byte `offset` of `text`, if the word there is a known
/// name or a parameter name inside a call of a known name.
pub fn hover_text(text: &str, offset: usize) -> Option<(String, usize, usize)> {
    let (start, end) = word_at(text, offset)?;
    let word = text.get(start..end)?;
    if let Some(sig) = call_before(text, start).and_then(find) {
        if let Some((_, p)) = sig.param(word) {
            let rest = text.get(end..).unwrap_or("").trim_start();
            if rest.starts_with('=') && !rest.starts_with("==") {
                return Some((describe_param(sig, p), start, end));
            }
        }
    }
    let matches: Vec<String> = signatures::all()
        .filter(|s| s.name == word)
        .map(print::signature)
        .collect();
    if matches.is_empty() {
        return None;
    }
    Some((format!("```text\n{}```", matches.join("\n")), start, end))
}

fn find(name: &str) -> Option<&'static Signature> {
    signatures::all().find(|s| s.name == name)
}

fn describe_param(sig: &Signature, p: &signatures::Param) -> String {
    let range = p
        .range
        .describe()
        .map(|r| format!(", {r}"))
        .unwrap_or_default();
    format!(
        "```text\n{}.{}: {} (default {}{range})\n```\n{}",
        sig.name,
        p.name,
        p.ty.describe(),
        p.default.describe(),
        p.doc
    )
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The identifier around byte `offset` (cursor may sit just after it).
fn word_at(text: &str, offset: usize) -> Option<(usize, usize)> {
    let offset = offset.min(text.len());
    let before = text.get(..offset)?;
    let after = text.get(offset..)?;
    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_ident(*c))
        .last()
        .map_or(offset, |(i, _)| i);
    let end = offset + after.find(|c: char| !is_ident(c)).unwrap_or(after.len());
    (start < end).then_some((start, end))
}

/// The name of the call whose argument list contains byte `at`:
/// scans back to the first unmatched `(` and takes the identifier before it.
fn call_before(text: &str, at: usize) -> Option<&str> {
    let before = text.get(..at)?;
    let mut depth = 0usize;
    for (i, c) in before.char_indices().rev() {
        match c {
            ')' | ']' => depth += 1,
            '(' | '[' if depth > 0 => depth -= 1,
            '(' => {
                let head = before.get(..i)?.trim_end();
                let name_start = head
                    .char_indices()
                    .rev()
                    .take_while(|(_, c)| is_ident(*c))
                    .last()
                    .map(|(j, _)| j)?;
                return head.get(name_start..);
            }
            '[' => return None,
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_words_and_enclosing_calls() {
        let text = "p = Gaussian(sigma = 0.5) on x";
        assert_eq!(word_at(text, 6), Some((4, 12)));
        assert_eq!(word_at(text, 12), Some((4, 12)));
        assert_eq!(word_at(text, 3), None);
        assert_eq!(call_before(text, 13), Some("Gaussian"));
        assert_eq!(call_before(text, 2), None);
    }
}
