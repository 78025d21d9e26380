//! "Did you mean" suggestions (STYLE §2): a case-insensitive match first,
//! then the closest candidate within an edit distance of about len/3.

/// The best candidate for a misspelled `name`, if any is close enough.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let candidates: Vec<&'a str> = candidates.into_iter().filter(|c| *c != name).collect();
    if let Some(c) = candidates.iter().find(|c| c.eq_ignore_ascii_case(name)) {
        return Some(c);
    }
    let limit = (name.chars().count() / 3).max(1);
    let lower = name.to_lowercase();
    candidates
        .iter()
        .map(|c| (strsim::levenshtein(&lower, &c.to_lowercase()), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// `help` text for a suggestion: "did you mean `x`?".
pub fn help(name: &str, candidates: &[&str]) -> Option<String> {
    did_you_mean(name, candidates.iter().copied()).map(|c| format!("did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn prefers_case_insensitive_then_distance() {
        assert_eq!(
            did_you_mean("gaussian", ["Gaussian", "Gaussia"]),
            Some("Gaussian")
        );
        assert_eq!(
            did_you_mean("Gausian", ["Gaussian", "Label"]),
            Some("Gaussian")
        );
        assert_eq!(did_you_mean("Foo", ["Gaussian", "Label"]), None);
        // len 3 → distance ≤ 1
        assert_eq!(did_you_mean("knm", ["knn", "nmi"]), Some("knn"));
    }
}
