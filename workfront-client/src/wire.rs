//! Wire models of the Workfront REST API, as the guide shows them.
//!
//! Field names are Workfront's (`ID`, `emailAddr`, `isActive`, ...). Every
//! field but `ID` is optional because an answer only carries the `fields`
//! asked for; unknown fields are kept in `extra`.

use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The success envelope: `{"data": ...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope<T> {
    /// The payload.
    pub data: T,
}

/// A user (`objCode` `USER`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkfrontUser {
    /// GUID.
    #[serde(rename = "ID")]
    pub id: String,
    /// Login name, unique in the instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Primary email (not unique).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_addr: Option<String>,
    /// Given name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Family name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Full name as Workfront shows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Job title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Whether the account is active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_active: Option<bool>,
    /// Access level GUID.
    #[serde(
        rename = "accessLevelID",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub access_level_id: Option<String>,
    /// Home group GUID.
    #[serde(
        rename = "homeGroupID",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub home_group_id: Option<String>,
    /// Company GUID.
    #[serde(rename = "companyID", default, skip_serializing_if = "Option::is_none")]
    pub company_id: Option<String>,
    /// Work phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// Mobile phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile_phone_number: Option<String>,
    /// Time zone, e.g. `America/Denver`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// Locale, e.g. `en_US`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Hourly cost rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_per_hour: Option<f64>,
    /// Schedule GUID.
    #[serde(
        rename = "scheduleID",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub schedule_id: Option<String>,
    /// Primary job role GUID.
    #[serde(rename = "roleID", default, skip_serializing_if = "Option::is_none")]
    pub role_id: Option<String>,
    /// SSO identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sso_username: Option<String>,
    /// Last modification time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_update_date: Option<String>,
    /// When the account was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry_date: Option<String>,
    /// Last login time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_login_date: Option<String>,
    /// Object code (`USER`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub obj_code: Option<String>,
    /// Other groups (`USRGPS` links), besides the home group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_groups: Option<Vec<UserLink>>,
    /// Other job roles (`USRROL` links), besides the primary role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_roles: Option<Vec<UserLink>>,
    /// Fields this model does not name (including references such as
    /// `accessLevel` when asked for with `accessLevel:name`).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Any named object returned by a lookup (`ID`, `name`, `objCode`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedObject {
    /// GUID.
    #[serde(rename = "ID")]
    pub id: String,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Object code.
    #[serde(rename = "objCode", default, skip_serializing_if = "Option::is_none")]
    pub obj_code: Option<String>,
    /// Everything else.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One of a user's other groups (`USRGPS`) or other roles (`USRROL`): the
/// link's own id (to delete it) and the group's or role's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserLink {
    /// The link's GUID (`DELETE /usrgps/{ID}` removes it).
    #[serde(rename = "ID", default)]
    pub id: String,
    /// The group's GUID, for a `USRGPS` link.
    #[serde(rename = "groupID", default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    /// The role's GUID, for a `USRROL` link.
    #[serde(rename = "roleID", default, skip_serializing_if = "Option::is_none")]
    pub role_id: Option<String>,
}

/// The body of `POST /usrgps` or `POST /usrrol`: a user's other group or
/// role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewUserLink {
    /// The user.
    #[serde(rename = "userID")]
    pub user_id: String,
    /// The group, for `USRGPS`.
    #[serde(rename = "groupID", skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    /// The role, for `USRROL`.
    #[serde(rename = "roleID", skip_serializing_if = "Option::is_none")]
    pub role_id: Option<String>,
}

/// The profile fields of a user the guide lists, typed for create and
/// update (only those set are sent).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserProfile {
    /// Job title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Work phone number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// Mobile phone number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mobile_phone_number: Option<String>,
    /// Time zone, e.g. `America/Denver`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// Locale, e.g. `en_US`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Hourly cost rate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_per_hour: Option<f64>,
    /// Schedule GUID.
    #[serde(rename = "scheduleID", skip_serializing_if = "Option::is_none")]
    pub schedule_id: Option<String>,
    /// Company GUID.
    #[serde(rename = "companyID", skip_serializing_if = "Option::is_none")]
    pub company_id: Option<String>,
}

/// The body of `POST /user`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CreateUser {
    /// Login name, unique in the instance.
    pub username: String,
    /// Primary email.
    pub email_addr: String,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Access level GUID: the guide requires one at creation.
    #[serde(rename = "accessLevelID")]
    pub access_level_id: String,
    /// Home group GUID.
    #[serde(rename = "homeGroupID", skip_serializing_if = "Option::is_none")]
    pub home_group_id: Option<String>,
    /// `false` to create the account inactive (absent: active).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_active: Option<bool>,
    /// Initial password; `Debug` shows it redacted.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "expose_password"
    )]
    pub password: Option<SecretString>,
    /// SSO identity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sso_username: Option<String>,
    /// Profile fields (title, phones, time zone, locale, cost, schedule,
    /// company).
    #[serde(flatten)]
    pub profile: UserProfile,
    /// Other fields, sent as they are.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl CreateUser {
    /// A user with the fields the guide requires; set the rest (profile,
    /// home group, password, ...) on the value.
    pub fn new(
        username: impl Into<String>,
        email_addr: impl Into<String>,
        first_name: impl Into<String>,
        last_name: impl Into<String>,
        access_level_id: impl Into<String>,
    ) -> Self {
        Self {
            username: username.into(),
            email_addr: email_addr.into(),
            first_name: first_name.into(),
            last_name: last_name.into(),
            access_level_id: access_level_id.into(),
            ..Self::default()
        }
    }
}

fn expose_password<S: serde::Serializer>(
    password: &Option<SecretString>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use secrecy::ExposeSecret;
    match password {
        Some(secret) => serializer.serialize_str(secret.expose_secret()),
        None => serializer.serialize_none(),
    }
}

/// The body of `PUT /user/{id}`: only the fields set are sent; a field set
/// to `Some(None)` is sent as `null`, which clears it.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UpdateUser {
    /// New primary email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_addr: Option<String>,
    /// New given name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// New family name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Activate or deactivate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_active: Option<bool>,
    /// New access level GUID.
    #[serde(rename = "accessLevelID", skip_serializing_if = "Option::is_none")]
    pub access_level_id: Option<String>,
    /// New home group GUID, or `Some(None)` to clear it.
    #[serde(rename = "homeGroupID", skip_serializing_if = "Option::is_none")]
    pub home_group_id: Option<Option<String>>,
    /// A new password (a reset); `Debug` shows it redacted, it is sent
    /// only in the request body.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "expose_password"
    )]
    pub password: Option<SecretString>,
    /// New primary job role GUID, or `Some(None)` to clear it.
    #[serde(rename = "roleID", skip_serializing_if = "Option::is_none")]
    pub role_id: Option<Option<String>>,
    /// New login name (unique in the instance).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// New SSO identity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sso_username: Option<String>,
    /// Profile fields (title, phones, time zone, locale, cost, schedule,
    /// company).
    #[serde(flatten)]
    pub profile: UserProfile,
    /// Other fields, sent as they are.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl UpdateUser {
    /// Only `isActive: false`.
    pub fn deactivate() -> Self {
        Self {
            is_active: Some(false),
            ..Self::default()
        }
    }

    /// Whether the update changes nothing.
    pub fn is_empty(&self) -> bool {
        let Self {
            email_addr,
            first_name,
            last_name,
            is_active,
            access_level_id,
            home_group_id,
            password,
            role_id,
            username,
            sso_username,
            profile,
            extra,
        } = self;
        email_addr.is_none()
            && first_name.is_none()
            && last_name.is_none()
            && is_active.is_none()
            && access_level_id.is_none()
            && home_group_id.is_none()
            && password.is_none()
            && role_id.is_none()
            && username.is_none()
            && sso_username.is_none()
            && *profile == UserProfile::default()
            && extra.is_empty()
    }
}

/// The answer of `{objCode}/count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count {
    /// Matching objects.
    pub count: u64,
}

/// The method of one batch operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum BatchMethod {
    /// Read.
    Get,
    /// Create.
    Post,
    /// Update.
    Put,
    /// Delete.
    Delete,
}

impl BatchMethod {
    /// The wire name: `GET`, `POST`, `PUT` or `DELETE`.
    pub fn as_str(self) -> &'static str {
        match self {
            BatchMethod::Get => "GET",
            BatchMethod::Post => "POST",
            BatchMethod::Put => "PUT",
            BatchMethod::Delete => "DELETE",
        }
    }
}

impl std::fmt::Display for BatchMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One operation of `POST /batch`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchOp {
    /// What the operation does.
    pub method: BatchMethod,
    /// Relative to the API version root, e.g. `/user/abc123`.
    pub uri: String,
    /// The operation's body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
}

impl BatchOp {
    /// `PUT /user/{id}` with `body`.
    pub fn update_user(id: &str, body: &UpdateUser) -> Self {
        Self {
            method: BatchMethod::Put,
            uri: format!("/user/{id}"),
            // A map of strings, bools and JSON values always serializes.
            body: serde_json::to_value(body).ok(),
        }
    }

    /// Whether repeating the operation cannot change its outcome.
    pub fn is_idempotent(&self) -> bool {
        self.method != BatchMethod::Post
    }
}

/// The changes an event subscription delivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
#[non_exhaustive]
pub enum EventType {
    /// An object was created.
    Create,
    /// An object was changed.
    Update,
    /// An object was deleted.
    Delete,
    /// A type this SDK does not model (e.g. `SHARE`), seen when listing
    /// subscriptions other tools made; refused when creating one.
    #[serde(other)]
    Unknown,
}

impl EventType {
    /// The wire name (`CREATE`, `UPDATE`, `DELETE`; `UNKNOWN` for
    /// [`EventType::Unknown`]).
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Create => "CREATE",
            EventType::Update => "UPDATE",
            EventType::Delete => "DELETE",
            EventType::Unknown => "UNKNOWN",
        }
    }
}

/// An event subscription (`/attask/eventsubscription/api/v1/subscriptions`).
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    /// Subscription id (absent before creation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Object code, e.g. `USER`.
    pub obj_code: String,
    /// Which changes it delivers.
    pub event_type: EventType,
    /// The `https` receiver.
    pub url: String,
    /// Sent back in the `authToken` header of every delivery, where the
    /// service reveals it. Never in `Debug`, never serialized.
    #[serde(default, skip_serializing)]
    pub auth_token: Option<SecretString>,
    /// Everything else.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("id", &self.id)
            .field("obj_code", &self.obj_code)
            .field("event_type", &self.event_type)
            .field("url", &self.url)
            .field("auth_token", &self.auth_token.as_ref().map(|_| "***"))
            .finish_non_exhaustive()
    }
}
