//! The vendor-neutral identity model.
//!
//! Every object keeps the vendor's record as received (`raw`, a
//! [`RawRecord`]) so that a field this model does not name is never lost. In
//! this SDK "raw" means exactly that; a vendor's typed wire struct is a
//! "record" (`get_user_record`).

use crate::time::Timestamp;
use std::collections::BTreeMap;
use std::fmt;

use secrecy::SecretString;
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

/// A user as a directory holds it.
///
/// `#[non_exhaustive]`: fields are added as directories report more; build
/// one with [`User::new`] and set the fields you know.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct User {
    /// The directory's id for this user.
    pub id: UserId,
    /// Primary email; may be empty only if the vendor record lacked it.
    pub email: String,
    /// Login name, where the directory has one separate from the email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Given name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Family name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Whether the account is active. Vendors default a missing flag to true.
    pub active: bool,
    /// Roles held, by id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<RoleId>,
    /// Groups, where the user record itself names them (e.g. a home group).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<GroupId>,
    /// Access level, for directories that have one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_level: Option<AccessLevelId>,
    /// Last modification time, where the vendor reports one (and it
    /// parsed: the vendor's own string stays in [`raw`](Self::raw)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Timestamp>,
    /// The vendor's full record, unknown fields included.
    #[serde(default)]
    pub raw: RawRecord,
}

impl User {
    /// An active user with only an id and an email; every other field
    /// empty, the raw record `null`.
    ///
    /// ```
    /// use identity_core::{User, UserId};
    ///
    /// let mut user = User::new(UserId::new("u1"), "jane@example.com");
    /// user.first_name = Some("Jane".into());
    /// assert!(user.active && user.has_email("JANE@example.com"));
    /// ```
    pub fn new(id: UserId, email: impl Into<String>) -> Self {
        Self {
            id,
            email: email.into(),
            username: None,
            first_name: None,
            last_name: None,
            display_name: None,
            active: true,
            roles: Vec::new(),
            groups: Vec::new(),
            access_level: None,
            updated_at: None,
            raw: RawRecord::default(),
        }
    }

    /// Whether this user's email equals `email`, ignoring case.
    pub fn has_email(&self, email: &str) -> bool {
        normalize_email(&self.email) == normalize_email(email)
    }
}

/// A group as a directory holds it. Build one with [`Group::new`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Group {
    /// The directory's id for this group.
    pub id: GroupId,
    /// The group's name.
    pub name: String,
    /// Member count, when the vendor reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_count: Option<u64>,
    /// The vendor's full record, unknown fields included.
    #[serde(default)]
    pub raw: RawRecord,
}

impl Group {
    /// A group with an id, a name and the vendor's record.
    pub fn new(id: GroupId, name: impl Into<String>, raw: RawRecord) -> Self {
        Self {
            id,
            name: name.into(),
            member_count: None,
            raw,
        }
    }
}

/// A role (or job role) as a directory holds it. Build one with
/// [`Role::new`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Role {
    /// The directory's id for this role.
    pub id: RoleId,
    /// The role's name.
    pub name: String,
    /// The vendor's full record, unknown fields included.
    #[serde(default)]
    pub raw: RawRecord,
}

impl Role {
    /// A role with an id, a name and the vendor's record.
    pub fn new(id: RoleId, name: impl Into<String>, raw: RawRecord) -> Self {
        Self {
            id,
            name: name.into(),
            raw,
        }
    }
}

/// An access level, for directories that have them. Build one with
/// [`AccessLevel::new`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AccessLevel {
    /// The directory's id for this access level.
    pub id: AccessLevelId,
    /// Its name.
    pub name: String,
    /// The vendor's full record, unknown fields included.
    #[serde(default)]
    pub raw: RawRecord,
}

impl AccessLevel {
    /// An access level with an id, a name and the vendor's record.
    pub fn new(id: AccessLevelId, name: impl Into<String>, raw: RawRecord) -> Self {
        Self {
            id,
            name: name.into(),
            raw,
        }
    }
}

/// One user's membership in one group.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Membership {
    /// The group.
    pub group_id: GroupId,
    /// The member.
    pub user_id: UserId,
}

/// What a membership change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(rename_all = "snake_case")]
pub enum MembershipChange {
    /// The user was added.
    Added,
    /// The user was already a member: nothing changed.
    AlreadyMember,
    /// The user was removed.
    Removed,
    /// The user was not a member: nothing changed.
    NotMember,
}

/// A user to create. Build it with [`NewUser::builder`].
#[derive(Clone)]
#[non_exhaustive]
pub struct NewUser {
    /// Primary email (validated).
    pub email: String,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Display name; vendors that need one derive it from the names.
    pub display_name: Option<String>,
    /// Login name where it differs from the email.
    pub username: Option<String>,
    /// Initial state (default active).
    pub active: bool,
    /// Initial password for non-SSO accounts.
    pub password: Option<SecretString>,
    /// SSO identity, where the directory maps one.
    pub sso_username: Option<String>,
    /// Vendor-specific fields sent as they are.
    pub extra: BTreeMap<String, Value>,
}

impl fmt::Debug for NewUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewUser")
            .field("email", &self.email)
            .field("first_name", &self.first_name)
            .field("last_name", &self.last_name)
            .field("display_name", &self.display_name)
            .field("username", &self.username)
            .field("active", &self.active)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("sso_username", &self.sso_username)
            .field("extra", &self.extra)
            .finish()
    }
}

impl NewUser {
    /// Starts a builder for a user with this email.
    pub fn builder(email: impl Into<String>) -> NewUserBuilder {
        NewUserBuilder {
            user: NewUser {
                email: email.into().trim().to_owned(),
                first_name: String::new(),
                last_name: String::new(),
                display_name: None,
                username: None,
                active: true,
                password: None,
                sso_username: None,
                extra: BTreeMap::new(),
            },
        }
    }

    /// The display name to send: the explicit one, or "First Last".
    pub fn display_name_or_default(&self) -> String {
        self.display_name
            .clone()
            .unwrap_or_else(|| format!("{} {}", self.first_name, self.last_name))
    }
}

/// Builder for [`NewUser`]; `build` validates.
#[derive(Debug, Clone)]
#[must_use]
pub struct NewUserBuilder {
    user: NewUser,
}

impl NewUserBuilder {
    /// Sets the given name (required).
    pub fn first_name(mut self, name: impl Into<String>) -> Self {
        self.user.first_name = name.into();
        self
    }
    /// Sets the family name (required).
    pub fn last_name(mut self, name: impl Into<String>) -> Self {
        self.user.last_name = name.into();
        self
    }
    /// Sets the display name.
    pub fn display_name(mut self, name: impl Into<String>) -> Self {
        self.user.display_name = Some(name.into());
        self
    }
    /// Sets a login name different from the email.
    pub fn username(mut self, name: impl Into<String>) -> Self {
        self.user.username = Some(name.into());
        self
    }
    /// Creates the user inactive (`false`) or active (`true`, the default).
    pub fn active(mut self, active: bool) -> Self {
        self.user.active = active;
        self
    }
    /// Sets an initial password.
    pub fn password(mut self, password: SecretString) -> Self {
        self.user.password = Some(password);
        self
    }
    /// Sets the SSO identity.
    pub fn sso_username(mut self, name: impl Into<String>) -> Self {
        self.user.sso_username = Some(name.into());
        self
    }
    /// Adds a vendor-specific field, sent as is.
    pub fn extra(mut self, key: impl Into<String>, value: Value) -> Self {
        self.user.extra.insert(key.into(), value);
        self
    }
    /// Validates and returns the user: a well-formed email and non-empty names.
    pub fn build(self) -> Result<NewUser> {
        validate_email(&self.user.email)?;
        for (field, value) in [
            ("first name", &self.user.first_name),
            ("last name", &self.user.last_name),
        ] {
            if value.trim().is_empty() {
                return Err(Error::invalid(format!(
                    "{field} is required for {}",
                    self.user.email
                )));
            }
        }
        Ok(self.user)
    }
}

/// A partial update: only the fields set are changed. Start from
/// [`UserPatch::default`] (or [`UserPatch::active`]) and set fields.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct UserPatch {
    /// New email.
    pub email: Option<String>,
    /// New given name.
    pub first_name: Option<String>,
    /// New family name.
    pub last_name: Option<String>,
    /// New display name.
    pub display_name: Option<String>,
    /// Activate or deactivate.
    pub active: Option<bool>,
    /// Replace the role set (directories merge or replace as documented).
    pub roles: Option<Vec<RoleId>>,
    /// Vendor-specific fields sent as they are.
    pub extra: BTreeMap<String, Value>,
}

impl UserPatch {
    /// A patch that only sets the active flag.
    pub fn active(active: bool) -> Self {
        Self {
            active: Some(active),
            ..Self::default()
        }
    }

    /// Whether the patch changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Checks the patch before sending it.
    pub fn validate(&self) -> Result<()> {
        if let Some(email) = &self.email {
            validate_email(email)?;
        }
        for (field, value) in [
            ("first name", &self.first_name),
            ("last name", &self.last_name),
        ] {
            if value.as_ref().is_some_and(|v| v.trim().is_empty()) {
                return Err(Error::invalid(format!("{field} may not be set to empty")));
            }
        }
        Ok(())
    }
}

/// The explicit confirmation a permanent delete requires. It names the user
/// it was made for, so a confirmation cannot be reused for someone else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteConfirmation {
    user: UserId,
}

impl DeleteConfirmation {
    /// "Yes, permanently delete this user." Deactivation is the reversible
    /// alternative; prefer it.
    pub fn permanently_delete(user: &UserId) -> Self {
        Self { user: user.clone() }
    }

    /// Checks that this confirmation was made for `user`.
    pub fn check(&self, user: &UserId) -> Result<()> {
        if &self.user == user {
            Ok(())
        } else {
            Err(Error::refused(format!(
                "delete confirmation was made for user {} but the delete targets {}",
                self.user, user
            )))
        }
    }
}

/// Filters for listing users; the default lists everyone.
///
/// ```
/// use identity_core::UserQuery;
///
/// let jane = UserQuery::default().with_email("jane@example.com");
/// let changed = UserQuery::default().with_updated_since("2024-06-01T00:00:00Z".parse().unwrap());
/// assert!(jane.updated_since.is_none() && changed.email.is_none());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserQuery {
    /// Only users with this email (case-insensitive).
    pub email: Option<String>,
    /// Only users changed at or after this instant, for polling.
    pub updated_since: Option<Timestamp>,
}

impl UserQuery {
    /// Only the user with this email (ignoring case).
    #[must_use]
    pub fn with_email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// Only users changed at or after `since`, for polling.
    #[must_use]
    pub fn with_updated_since(mut self, since: Timestamp) -> Self {
        self.updated_since = Some(since);
        self
    }
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items, in server order.
    pub items: Vec<T>,
    /// The total the server announced, if it did.
    pub total: Option<u64>,
}

impl<T> Page<T> {
    /// The same page with every item converted.
    ///
    /// ```
    /// use identity_core::Page;
    /// let page = Page { items: vec![1, 2], total: Some(7) };
    /// assert_eq!(page.map(|n| n * 10), Page { items: vec![10, 20], total: Some(7) });
    /// ```
    pub fn map<U>(self, convert: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(convert).collect(),
            total: self.total,
        }
    }

    /// The same page with every item converted by a fallible conversion; the
    /// first failure is the result.
    pub fn try_map<U>(self, convert: impl FnMut(T) -> Result<U>) -> Result<Page<U>> {
        Ok(Page {
            items: self.items.into_iter().map(convert).collect::<Result<_>>()?,
            total: self.total,
        })
    }
}

#[cfg(test)]
mod tests {
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
        let user = User {
            id: UserId::new("1"),
            email: "Jane.Doe@Example.com".into(),
            username: None,
            first_name: None,
            last_name: None,
            display_name: None,
            active: true,
            roles: vec![],
            groups: vec![],
            access_level: None,
            updated_at: None,
            raw: RawRecord::default(),
        };
        assert!(user.has_email(" jane.doe@example.COM"));
        assert_eq!(user.raw.value(), Value::Null);
    }
}
