//! SCIM 2.0 resources and messages (RFC 7643 / RFC 7644).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Core user schema URN.
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// Core group schema URN.
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// PATCH message URN.
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// List response URN.
pub const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// Error message URN.
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// `name` of a user.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimName {
    /// Given name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// Family name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// Full name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formatted: Option<String>,
    /// Other sub-attributes.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A multi-valued attribute entry (`emails`, `groups`, `members`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MultiValue {
    /// The value (an address, or an id for references).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Human-readable name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// Label such as `work`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Primary entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
    /// Other sub-attributes (`$ref`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A SCIM user.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimUser {
    /// Schema URNs.
    #[serde(default)]
    pub schemas: Vec<String>,
    /// Server-assigned id (absent before creation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Unique login name.
    #[serde(default)]
    pub user_name: String,
    /// Name parts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<ScimName>,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Email addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<MultiValue>,
    /// Whether the account is active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// Groups (read-only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<MultiValue>,
    /// Everything else (`meta`, `externalId`, extensions).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ScimUser {
    /// The primary email, else the first, else the userName.
    pub fn email(&self) -> String {
        self.emails
            .iter()
            .find(|e| e.primary == Some(true))
            .or_else(|| self.emails.first())
            .and_then(|e| e.value.clone())
            .unwrap_or_else(|| self.user_name.clone())
    }
}

/// A SCIM group.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimGroup {
    /// Schema URNs.
    #[serde(default)]
    pub schemas: Vec<String>,
    /// Server-assigned id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name.
    #[serde(default)]
    pub display_name: String,
    /// Members (`value` is the member id).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<MultiValue>,
    /// Everything else.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `ListResponse` (RFC 7644 §3.4.2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListResponse<T> {
    /// Matches in all pages.
    #[serde(default)]
    pub total_results: u64,
    /// 1-based index of the first item.
    #[serde(default)]
    pub start_index: Option<u64>,
    /// Items on this page.
    #[serde(default)]
    pub items_per_page: Option<u64>,
    /// The items (absent when there are none).
    #[serde(rename = "Resources", default = "Vec::new")]
    pub resources: Vec<T>,
}

/// One PATCH operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatchOperation {
    /// `add`, `remove` or `replace`.
    pub op: String,
    /// Attribute path, e.g. `active` or `members[value eq "2819c223"]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
}

impl PatchOperation {
    /// `replace path value`.
    pub fn replace(path: &str, value: Value) -> Self {
        Self {
            op: "replace".into(),
            path: Some(path.into()),
            value: Some(value),
        }
    }
    /// `add path value`.
    pub fn add(path: &str, value: Value) -> Self {
        Self {
            op: "add".into(),
            path: Some(path.into()),
            value: Some(value),
        }
    }
    /// `remove path`.
    pub fn remove(path: &str) -> Self {
        Self {
            op: "remove".into(),
            path: Some(path.into()),
            value: None,
        }
    }
}

/// A `PatchOp` request body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatchRequest {
    /// `[PATCH_OP]`.
    pub schemas: Vec<String>,
    /// The operations.
    #[serde(rename = "Operations")]
    pub operations: Vec<PatchOperation>,
}

impl PatchRequest {
    /// A request with these operations.
    pub fn new(operations: Vec<PatchOperation>) -> Self {
        Self {
            schemas: vec![PATCH_OP.into()],
            operations,
        }
    }
}

/// A SCIM error (RFC 7644 §3.12). `status` may be a string or a number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimError {
    /// `uniqueness`, `invalidFilter`, `mutability`, ...
    #[serde(default)]
    pub scim_type: Option<String>,
    /// Human-readable detail.
    #[serde(default)]
    pub detail: Option<String>,
    /// HTTP status, as the server wrote it.
    #[serde(default)]
    pub status: Option<Value>,
}

/// A feature flag in `ServiceProviderConfig`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Supported {
    /// Whether it is supported.
    #[serde(default)]
    pub supported: bool,
}

/// The filter section of `ServiceProviderConfig`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FilterSupport {
    /// Whether filters are supported.
    #[serde(default)]
    pub supported: bool,
    /// Largest page the server returns.
    #[serde(default)]
    pub max_results: Option<u64>,
}

/// `GET /ServiceProviderConfig` (RFC 7643 §5): what the client respects.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceProviderConfig {
    /// PATCH support.
    #[serde(default)]
    pub patch: Supported,
    /// Filter support.
    #[serde(default)]
    pub filter: FilterSupport,
    /// Everything else.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
