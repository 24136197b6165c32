//! Wire models of the Workiva Platform API, as the guide shows them.
//!
//! Every optional field is optional (POST and PATCH echo partial bodies) and
//! every unknown field is kept in `extra`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A user (`/platform/v1/users`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkivaUser {
    /// Workiva-assigned id, e.g. `usr_abc`.
    pub id: String,
    /// Primary email; the login identifier, unique in the workspace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Given name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Family name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Whether the account is active (defaults to true when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// Workspace role ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    /// Creation time (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// Last modification time (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    /// The workspace the user belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_id: Option<String>,
    /// Fields this model does not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl WorkivaUser {
    /// Overlays the fields present in `echo` (a partial answer) onto `self`.
    pub fn merge(&mut self, echo: WorkivaUser) {
        macro_rules! take {
            ($($field:ident),*) => { $( if echo.$field.is_some() { self.$field = echo.$field; } )* };
        }
        take!(
            email,
            first_name,
            last_name,
            display_name,
            active,
            roles,
            created_at,
            updated_at,
            workspace_id
        );
        self.extra.extend(echo.extra);
    }
}

/// Body of `POST /users`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateUser {
    /// Email (required).
    pub email: String,
    /// Given name (required).
    pub first_name: String,
    /// Family name (required).
    pub last_name: String,
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Initial state; the server defaults to true.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// Initial roles.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    /// Extra fields, sent as they are.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Body of `PATCH /users/{id}`: only the fields set are sent and changed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateUser {
    /// New email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// New given name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// New family name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// New display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Activate / deactivate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// The complete role set: the server *replaces* the array.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    /// Extra fields, sent as they are.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A group (`/platform/v1/groups`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkivaGroup {
    /// Group id, e.g. `grp_1`.
    pub id: String,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Number of members.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_count: Option<u64>,
    /// Fields this model does not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Body of `POST /groups` and `PATCH /groups/{id}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupChange {
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A membership (`/groups/{id}/members`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkivaMember {
    /// The member.
    pub user_id: String,
    /// The group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    /// Fields this model does not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A workspace role (`/platform/v1/roles`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkivaRole {
    /// Role id (workspace-specific).
    pub id: String,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Fields this model does not name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The list envelope: `{"data": [...], "nextPageToken": ...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListEnvelope<T> {
    /// The items.
    pub data: Vec<T>,
    /// The cursor of the next page; absent, empty or `null` on the last.
    #[serde(default)]
    pub next_page_token: Option<String>,
}
