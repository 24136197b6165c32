//! Building SCIM filters (RFC 7644 §3.4.2.2) without injection: values are
//! always quoted JSON strings.

/// Quotes `value` as a SCIM string literal: `"` and `\` and control
/// characters escaped, as in JSON.
pub fn quote(value: &str) -> String {
    // A JSON string literal is exactly a SCIM compValue string.
    serde_json::Value::String(value.to_owned()).to_string()
}

/// `attribute eq "value"`.
///
/// ```
/// use workiva_client::scim::filter::eq;
/// assert_eq!(eq("userName", r#"bob"smith\"#), r#"userName eq "bob\"smith\\""#);
/// ```
pub fn eq(attribute: &str, value: &str) -> String {
    format!("{attribute} eq {}", quote(value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn quoted_values_round_trip_as_json(value in any::<String>()) {
            let quoted = quote(&value);
            prop_assert!(quoted.starts_with('"') && quoted.ends_with('"'));
            let back: String = serde_json::from_str(&quoted).unwrap();
            prop_assert_eq!(back, value);
        }

        #[test]
        fn a_value_cannot_close_the_string_early(value in any::<String>()) {
            let filter = eq("userName", &value);
            let literal = &filter["userName eq ".len()..];
            // Every inner quote is escaped: the literal has exactly two bare quotes.
            let mut bare = 0;
            let mut escaped = false;
            for c in literal.chars() {
                match (c, escaped) {
                    ('\\', false) => escaped = true,
                    ('"', false) => bare += 1,
                    _ => escaped = false,
                }
            }
            prop_assert_eq!(bare, 2);
        }
    }
}
