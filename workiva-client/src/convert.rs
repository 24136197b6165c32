//! Conversions between Workiva wire models and the identity-core model.

use identity_core::{
    Error, Group, GroupId, NewUser, RawRecord, Result, Role, RoleId, User, UserId, UserPatch,
};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::wire::{CreateUser, UpdateUser, WorkivaGroup, WorkivaRole, WorkivaUser};

pub(crate) fn user(record: WorkivaUser) -> User {
    let raw = RawRecord::from_serialize(&record);
    User {
        id: UserId::new(record.id),
        email: record.email.unwrap_or_default(),
        username: None,
        first_name: record.first_name,
        last_name: record.last_name,
        display_name: record.display_name,
        active: record.active.unwrap_or(true),
        roles: record
            .roles
            .unwrap_or_default()
            .into_iter()
            .map(RoleId::new)
            .collect(),
        groups: Vec::new(),
        access_level: None,
        updated_at: record.updated_at,
        raw,
    }
}

/// The fields a listed user's model needs, decoded without `flatten`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Listed {
    id: String,
    email: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    display_name: Option<String>,
    active: Option<bool>,
    roles: Option<Vec<String>>,
    updated_at: Option<String>,
}

/// A listed user: its record is kept as received, the model's fields are
/// read from it in one pass (the listing hot path).
pub(crate) fn user_from_raw(raw: Box<RawValue>) -> Result<User> {
    let listed: Listed = serde_json::from_str(raw.get())
        .map_err(|e| Error::decode(format!("user record: {e}"), raw.get().as_bytes(), None))?;
    Ok(User {
        id: UserId::new(listed.id),
        email: listed.email.unwrap_or_default(),
        username: None,
        first_name: listed.first_name,
        last_name: listed.last_name,
        display_name: listed.display_name,
        active: listed.active.unwrap_or(true),
        roles: listed
            .roles
            .unwrap_or_default()
            .into_iter()
            .map(RoleId::new)
            .collect(),
        groups: Vec::new(),
        access_level: None,
        updated_at: listed.updated_at,
        raw: RawRecord::new(raw),
    })
}

pub(crate) fn group(record: WorkivaGroup) -> Group {
    let raw = RawRecord::from_serialize(&record);
    Group {
        id: GroupId::new(record.id),
        name: record.name.unwrap_or_default(),
        member_count: record.member_count,
        raw,
    }
}

pub(crate) fn role(record: &WorkivaRole) -> Role {
    Role {
        id: RoleId::new(record.id.clone()),
        name: record.name.clone(),
        raw: RawRecord::from_serialize(&record),
    }
}

pub(crate) fn create_body(new_user: &NewUser) -> CreateUser {
    CreateUser {
        email: new_user.email.clone(),
        first_name: new_user.first_name.clone(),
        last_name: new_user.last_name.clone(),
        display_name: new_user.display_name.clone(),
        active: (!new_user.active).then_some(false),
        roles: None,
        extra: new_user.extra.clone().into_iter().collect(),
    }
}

pub(crate) fn patch_body(patch: &UserPatch) -> UpdateUser {
    UpdateUser {
        email: patch.email.clone(),
        first_name: patch.first_name.clone(),
        last_name: patch.last_name.clone(),
        display_name: patch.display_name.clone(),
        active: patch.active,
        roles: patch
            .roles
            .as_ref()
            .map(|roles| roles.iter().map(|r| r.as_str().to_owned()).collect()),
        extra: patch.extra.clone().into_iter().collect(),
    }
}

/// Whether an echo carries everything a `User` needs, so no re-read is due.
pub(crate) fn is_complete(record: &WorkivaUser) -> bool {
    record.email.is_some()
        && record.first_name.is_some()
        && record.last_name.is_some()
        && record.active.is_some()
}
