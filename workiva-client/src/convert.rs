//! Conversions between Workiva wire models and the identity-core model.

use identity_core::{Group, GroupId, NewUser, Role, RoleId, User, UserId, UserPatch};

use crate::models::{CreateUser, UpdateUser, WorkivaGroup, WorkivaRole, WorkivaUser};

pub(crate) fn user(record: WorkivaUser) -> User {
    let raw = serde_json::to_value(&record).unwrap_or_default();
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

pub(crate) fn group(record: WorkivaGroup) -> Group {
    let raw = serde_json::to_value(&record).unwrap_or_default();
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
        raw: serde_json::to_value(record).unwrap_or_default(),
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
