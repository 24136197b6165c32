//! What callers ask of directories: a user to create, a patch, a delete
//! confirmation.

use std::collections::BTreeMap;
use std::fmt;

use secrecy::SecretString;
use serde_json::Value;

use super::{RoleId, UserId, validate_email};
use crate::error::{Error, Result};

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
    /// Access level by name, for directories that set it in the create
    /// request itself (Workfront); others set it right after creating, and
    /// a directory without access levels refuses it.
    pub access_level: Option<String>,
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
            .field("access_level", &self.access_level)
            .field("extra", &self.extra)
            .finish()
    }
}

impl NewUser {
    /// Refuses an access level where the directory has none, before any
    /// request (rather than creating the user without it).
    pub fn refuse_access_level(&self) -> Result<()> {
        match &self.access_level {
            Some(_) => Err(Error::Unsupported {
                operation: "access levels".into(),
            }),
            None => Ok(()),
        }
    }

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
                access_level: None,
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
    /// Creates the user with the access level of this name.
    pub fn access_level(mut self, name: impl Into<String>) -> Self {
        self.user.access_level = Some(name.into());
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
