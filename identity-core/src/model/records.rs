//! What directories hold: users, groups, roles, access levels, memberships.

use serde::{Deserialize, Serialize};

use super::{AccessLevelId, GroupId, RawRecord, RoleId, UserId, normalize_email};
use crate::time::Timestamp;

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
    /// Groups as the app's user record carries them (Workfront: home and
    /// other groups; SCIM: `groups`; Workiva: none, its records do not).
    /// [`GroupDirectory::groups_of`](crate::GroupDirectory::groups_of) is
    /// the same on every backend.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<GroupId>,
    /// Access level, for directories that have one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_level: Option<AccessLevelId>,
    /// Last modification time, where the vendor reports one (and it
    /// parsed: the vendor's own string stays in [`raw`](Self::raw)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Timestamp>,
    /// When the account was created, where the app reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// The last sign-in, where the app reports it (`None` there: never
    /// signed in).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_login_at: Option<Timestamp>,
    /// The name of the connection the user was read from, when the client
    /// was given one (`Connection`, or the builder's `connection_name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<String>,
    /// The workspace the account belongs to, where the vendor has
    /// workspaces (Workiva).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_id: Option<String>,
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
            created_at: None,
            last_login_at: None,
            connection: None,
            workspace_id: None,
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
