//! Conversions between Workfront's wire records and the identity-core model.

use identity_core::{
    AccessLevel, AccessLevelId, Error, Group, GroupId, RawRecord, Result, Role, RoleId, User,
    UserId, UserPatch,
};
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};

use crate::wire::{NamedObject, WorkfrontUser};

pub(crate) fn user(record: WorkfrontUser) -> User {
    let raw = RawRecord::from_serialize(&record);
    User {
        id: UserId::new(record.id),
        email: record.email_addr.unwrap_or_default(),
        username: record.username,
        first_name: record.first_name,
        last_name: record.last_name,
        display_name: record.name,
        active: record.is_active.unwrap_or(true),
        roles: record.role_id.into_iter().map(RoleId::new).collect(),
        groups: record.home_group_id.into_iter().map(GroupId::new).collect(),
        access_level: record.access_level_id.map(AccessLevelId::new),
        updated_at: record.last_update_date,
        raw,
    }
}

/// The fields a listed user's model needs, decoded without `flatten`.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Listed {
    #[serde(rename = "ID")]
    id: String,
    username: Option<String>,
    email_addr: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    name: Option<String>,
    is_active: Option<bool>,
    #[serde(rename = "accessLevelID")]
    access_level_id: Option<String>,
    #[serde(rename = "homeGroupID")]
    home_group_id: Option<String>,
    #[serde(rename = "roleID")]
    role_id: Option<String>,
    last_update_date: Option<String>,
}

/// A listed user: its record is kept as received, the model's fields are
/// read from it in one pass (the listing hot path).
pub(crate) fn user_from_raw(raw: Box<RawValue>) -> Result<User> {
    let listed: Listed = serde_json::from_str(raw.get())
        .map_err(|e| Error::decode(format!("user record: {e}"), raw.get().as_bytes(), None))?;
    Ok(User {
        id: UserId::new(listed.id),
        email: listed.email_addr.unwrap_or_default(),
        username: listed.username,
        first_name: listed.first_name,
        last_name: listed.last_name,
        display_name: listed.name,
        active: listed.is_active.unwrap_or(true),
        roles: listed.role_id.into_iter().map(RoleId::new).collect(),
        groups: listed.home_group_id.into_iter().map(GroupId::new).collect(),
        access_level: listed.access_level_id.map(AccessLevelId::new),
        updated_at: listed.last_update_date,
        raw: RawRecord::new(raw),
    })
}

pub(crate) fn group(record: NamedObject) -> Group {
    let raw = RawRecord::from_serialize(&record);
    Group {
        id: GroupId::new(record.id),
        name: record.name,
        member_count: None,
        raw,
    }
}

pub(crate) fn role(found: NamedObject) -> Role {
    let raw = RawRecord::from_serialize(&found);
    Role {
        id: RoleId::new(found.id),
        name: found.name,
        raw,
    }
}

/// An access level found by name.
pub(crate) fn access_level(found: NamedObject) -> AccessLevel {
    let raw = RawRecord::from_serialize(&found);
    AccessLevel {
        id: AccessLevelId::new(found.id),
        name: found.name,
        raw,
    }
}

/// The `PUT` body of a patch: only the fields it sets.
pub fn update_body(patch: &UserPatch) -> Result<Value> {
    patch.validate()?;
    let mut body: Map<String, Value> = patch.extra.clone().into_iter().collect();
    if let Some(v) = &patch.email {
        body.insert("emailAddr".into(), json!(v));
    }
    if let Some(v) = &patch.first_name {
        body.insert("firstName".into(), json!(v));
    }
    if let Some(v) = &patch.last_name {
        body.insert("lastName".into(), json!(v));
    }
    if let Some(v) = patch.active {
        body.insert("isActive".into(), json!(v));
    }
    if let Some(roles) = &patch.roles {
        match roles.as_slice() {
            [] => body.insert("roleID".into(), Value::Null),
            [role] => body.insert("roleID".into(), json!(role.as_str())),
            _ => {
                return Err(Error::invalid(
                    "a Workfront user has one primary job role (roleID)",
                ));
            }
        };
    }
    if patch.display_name.is_some() {
        return Err(Error::invalid(
            "Workfront derives a user's name from first and last name; set those instead",
        ));
    }
    Ok(Value::Object(body))
}
