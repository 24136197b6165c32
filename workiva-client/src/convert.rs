//! Conversions between Workiva wire models and the identity-core model.

use identity_core::time;
use identity_core::{
    Error, Group, GroupId, NewUser, RawRecord, Result, Role, RoleId, User, UserId, UserPatch,
};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::wire::{CreateUser, UpdateUser, WorkivaGroup, WorkivaRole, WorkivaUser};

pub(crate) fn user(record: WorkivaUser) -> User {
    let raw = RawRecord::from_serialize(&record);
    let fields = Listed {
        id: record.id,
        email: record.email,
        first_name: record.first_name,
        last_name: record.last_name,
        display_name: record.display_name,
        active: record.active,
        roles: record.roles,
        updated_at: record.updated_at,
        created_at: record.created_at,
        workspace_id: record.workspace_id,
    };
    fields.into_user(raw)
}

/// The fields the model needs, decoded without `flatten` (a listed user's
/// record is kept as received: the listing hot path reads only these).
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
    created_at: Option<String>,
    workspace_id: Option<String>,
}

impl Listed {
    fn into_user(self, raw: RawRecord) -> User {
        let mut user = User::new(UserId::new(self.id), self.email.unwrap_or_default());
        user.first_name = self.first_name;
        user.last_name = self.last_name;
        user.display_name = self.display_name;
        user.active = self.active.unwrap_or(true);
        user.roles = self
            .roles
            .unwrap_or_default()
            .into_iter()
            .map(RoleId::new)
            .collect();
        user.updated_at = self.updated_at.as_deref().and_then(time::parse);
        user.created_at = self.created_at.as_deref().and_then(time::parse);
        user.workspace_id = self.workspace_id;
        user.raw = raw;
        user
    }
}

/// A listed user, decoded in one pass with its record kept as received.
pub(crate) fn user_from_raw(raw: Box<RawValue>) -> Result<User> {
    let listed: Listed = serde_json::from_str(raw.get())
        .map_err(|e| Error::decode(format!("user record: {e}"), raw.get().as_bytes(), None))?;
    Ok(listed.into_user(RawRecord::new(raw)))
}

pub(crate) fn group(record: WorkivaGroup) -> Group {
    let raw = RawRecord::from_serialize(&record);
    let mut group = Group::new(
        GroupId::new(record.id),
        record.name.unwrap_or_default(),
        raw,
    );
    group.member_count = record.member_count;
    group
}

pub(crate) fn role(record: &WorkivaRole) -> Role {
    Role::new(
        RoleId::new(record.id.clone()),
        record.name.clone(),
        RawRecord::from_serialize(&record),
    )
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
