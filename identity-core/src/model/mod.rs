//! The vendor-neutral identity model.
//!
//! Every object keeps the vendor's record as received (`raw`, a
//! [`RawRecord`]) so that a field this model does not name is never lost. In
//! this SDK "raw" means exactly that; a vendor's typed wire struct is a
//! "record" (`get_user_record`).

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::error::{Error, Result};

macro_rules! id_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps a vendor identifier.
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }
            /// The identifier as the vendor spells it.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }
        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }
        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }
        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

id_newtype!(
    /// A user's identifier in one directory.
    UserId
);
id_newtype!(
    /// A group's identifier in one directory.
    GroupId
);
id_newtype!(
    /// A role's identifier in one directory (role ids are instance-specific).
    RoleId
);
id_newtype!(
    /// An access level's identifier (directories with access levels only).
    AccessLevelId
);

/// Normalises an email for comparison: trimmed and lower-cased. Emails match
/// case-insensitively everywhere in this SDK.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Picks the item called `name` the way every directory of this SDK matches
/// names of groups, roles and access levels: surrounding spaces ignored, an
/// exact match first, otherwise the one match ignoring ASCII case. Two
/// case-insensitive matches and no exact one is ambiguous: `None`.
///
/// ```
/// use identity_core::pick_by_name;
///
/// let names = vec!["Finance", "finance", "Engineering"];
/// assert_eq!(pick_by_name(names.clone(), " Finance ", |n| n), Some("Finance"));
/// assert_eq!(pick_by_name(names.clone(), "ENGINEERING", |n| n), Some("Engineering"));
/// assert_eq!(pick_by_name(names, "FINANCE", |n| n), None); // ambiguous
/// ```
pub fn pick_by_name<T>(
    items: impl IntoIterator<Item = T>,
    name: &str,
    name_of: impl Fn(&T) -> &str,
) -> Option<T> {
    let name = name.trim();
    let mut folded = None;
    let mut ambiguous = false;
    for item in items {
        let candidate = name_of(&item).trim();
        if candidate == name {
            return Some(item);
        }
        if candidate.eq_ignore_ascii_case(name) {
            ambiguous |= folded.is_some();
            folded = Some(item);
        }
    }
    if ambiguous { None } else { folded }
}

/// Checks the shape of an email address: one `@`, a non-empty local part, a
/// dotted domain, no whitespace or control characters.
pub fn validate_email(email: &str) -> Result<()> {
    let bad = |why: &str| Err(Error::invalid(format!("invalid email {email:?}: {why}")));
    if email.is_empty() {
        return bad("empty");
    }
    if email.len() > 254 {
        return bad("longer than 254 characters");
    }
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("contains whitespace or control characters");
    }
    let Some((local, domain)) = email.split_once('@') else {
        return bad("missing '@'");
    };
    if local.is_empty() {
        return bad("empty local part");
    }
    if domain.contains('@') {
        return bad("more than one '@'");
    }
    if domain.is_empty()
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || domain.contains("..")
    {
        return bad("domain must look like example.com");
    }
    Ok(())
}

/// A vendor's record exactly as it was received: its JSON text, parsed only
/// when asked for. Users are listed by the million, so their records are not
/// turned into `Value` trees nobody reads; nothing is lost either.
#[derive(Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RawRecord(Box<RawValue>);

impl RawRecord {
    /// Wraps JSON text received from a vendor.
    pub fn new(raw: Box<RawValue>) -> Self {
        Self(raw)
    }

    /// Serializes a value into a record.
    pub fn from_serialize<T: Serialize + ?Sized>(value: &T) -> Self {
        serde_json::value::to_raw_value(value).map_or_else(|_| Self::default(), Self)
    }

    /// JSON `null`.
    pub fn null() -> Self {
        Self(RawValue::NULL.to_owned())
    }

    /// The JSON text.
    pub fn as_str(&self) -> &str {
        self.0.get()
    }

    /// The record parsed into a `Value`.
    pub fn value(&self) -> Value {
        serde_json::from_str(self.0.get()).unwrap_or(Value::Null)
    }

    /// One top-level field of the record, parsed.
    pub fn field(&self, key: &str) -> Option<Value> {
        match self.value() {
            Value::Object(mut map) => map.remove(key),
            _ => None,
        }
    }
}

impl Default for RawRecord {
    fn default() -> Self {
        Self::null()
    }
}

impl PartialEq for RawRecord {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl fmt::Debug for RawRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

mod changes;
mod listing;
mod records;

pub use changes::{DeleteConfirmation, NewUser, NewUserBuilder, UserPatch};
pub use listing::{Page, UserQuery};
pub use records::{AccessLevel, Group, Membership, MembershipChange, Role, User};

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::*;

    #[test]
    fn email_validation_names_the_problem() {
        assert!(validate_email("jane@example.com").is_ok());
        for (bad, why) in [
            ("", "empty"),
            ("jane", "missing '@'"),
            ("@example.com", "empty local part"),
            ("a@b@example.com", "more than one"),
            ("jane@example", "domain"),
            ("ja ne@example.com", "whitespace"),
        ] {
            let err = validate_email(bad).unwrap_err().to_string();
            assert!(err.contains(why), "{bad}: {err}");
        }
    }

    #[test]
    fn builder_requires_names_and_hides_password() {
        assert!(NewUser::builder("a@example.com").build().is_err());
        let user = NewUser::builder(" a@example.com ")
            .first_name("A")
            .last_name("B")
            .password(SecretString::from("pw-canary-123"))
            .build()
            .unwrap();
        assert_eq!(user.email, "a@example.com");
        assert_eq!(user.display_name_or_default(), "A B");
        assert!(!format!("{user:?}").contains("pw-canary-123"));
    }

    #[test]
    fn delete_confirmation_is_bound_to_its_user() {
        let a = UserId::new("a");
        let confirm = DeleteConfirmation::permanently_delete(&a);
        assert!(confirm.check(&a).is_ok());
        let err = confirm.check(&UserId::new("b")).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::RefusedByPolicy);
    }

    #[test]
    fn emails_compare_case_insensitively() {
        let user = User::new(UserId::new("1"), "Jane.Doe@Example.com");
        assert!(user.has_email(" jane.doe@example.COM"));
        assert_eq!(user.raw.value(), Value::Null);
    }
}
