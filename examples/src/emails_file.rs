//! The emails file of `bulk-deactivate`: one address a line.

use std::collections::HashSet;

use identity_core::{Error, normalize_email, validate_email};

/// A malformed line of an emails file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {text:?}: {reason}")]
pub struct EmailListError {
    /// 1-based line number.
    pub line: usize,
    /// The line as written.
    pub text: String,
    /// What is wrong with it.
    pub reason: String,
}

/// Parses an emails file: one address a line; blank lines and `#` comments
/// are skipped; duplicates (ignoring case) are kept once. Any malformed line
/// rejects the whole file, naming the line.
pub fn parse_email_list(text: &str) -> std::result::Result<Vec<String>, EmailListError> {
    let mut seen = HashSet::new();
    let mut emails = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Err(err) = validate_email(line) {
            let reason = match err {
                Error::Validation { message, .. } => message,
                other => other.to_string(),
            };
            return Err(EmailListError {
                line: index + 1,
                text: raw.to_owned(),
                reason,
            });
        }
        if seen.insert(normalize_email(line)) {
            emails.push(line.to_owned());
        }
    }
    Ok(emails)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn email_list_rejects_whole_file_naming_the_line() {
        let ok = parse_email_list("# leavers\na@example.com\n\n  B@example.com \nA@EXAMPLE.com\n")
            .unwrap();
        assert_eq!(ok, ["a@example.com", "B@example.com"]);
        let err = parse_email_list("a@example.com\nnot an email\nc@example.com").unwrap_err();
        assert_eq!(err.line, 2);
        assert_eq!(err.text, "not an email");
        assert!(
            err.to_string().starts_with("line 2: \"not an email\""),
            "{err}"
        );
    }
}
