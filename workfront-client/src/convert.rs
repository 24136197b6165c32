//! Conversions between Workfront's wire records and the identity-core model.

use identity_core::time;
use identity_core::{
    AccessLevel, AccessLevelId, Error, Group, GroupId, RawRecord, Result, Role, RoleId, User,
    UserId, UserPatch,
};
use serde_json::value::RawValue;

use crate::wire::{NamedObject, UpdateUser, UserLink, WorkfrontUser};

pub(crate) fn user(record: WorkfrontUser) -> User {
    let raw = RawRecord::from_serialize(&record);
    let fields = Listed {
        id: record.id,
        username: record.username,
        email_addr: record.email_addr,
        first_name: record.first_name,
        last_name: record.last_name,
        name: record.name,
        is_active: record.is_active,
        access_level_id: record.access_level_id,
        home_group_id: record.home_group_id,
        role_id: record.role_id,
        last_update_date: record.last_update_date,
        last_login_date: record.last_login_date,
        entry_date: record.entry_date,
        user_groups: record.user_groups,
        user_roles: record.user_roles,
    };
    fields.into_user(raw)
}

/// The fields the model needs, decoded without `flatten` (a listed user's
/// record is kept as received: the listing hot path reads only these).
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
    last_login_date: Option<String>,
    entry_date: Option<String>,
    user_groups: Option<Vec<UserLink>>,
    user_roles: Option<Vec<UserLink>>,
}

impl Listed {
    fn into_user(self, raw: RawRecord) -> User {
        let mut user = User::new(UserId::new(self.id), self.email_addr.unwrap_or_default());
        user.username = self.username;
        user.first_name = self.first_name;
        user.last_name = self.last_name;
        user.display_name = self.name;
        user.active = self.is_active.unwrap_or(true);
        // Home ∪ other groups, primary ∪ other roles: what the user holds.
        let others = |links: Option<Vec<UserLink>>, pick: fn(UserLink) -> Option<String>| {
            links.into_iter().flatten().filter_map(pick)
        };
        user.roles = unique(
            self.role_id
                .into_iter()
                .chain(others(self.user_roles, |l| l.role_id)),
        )
        .map(RoleId::new)
        .collect();
        user.groups = unique(
            self.home_group_id
                .into_iter()
                .chain(others(self.user_groups, |l| l.group_id)),
        )
        .map(GroupId::new)
        .collect();
        user.access_level = self.access_level_id.map(AccessLevelId::new);
        user.updated_at = self.last_update_date.as_deref().and_then(time::parse);
        user.last_login_at = self.last_login_date.as_deref().and_then(time::parse);
        user.created_at = self.entry_date.as_deref().and_then(time::parse);
        user.raw = raw;
        user
    }
}

/// The ids in order, without repeats.
fn unique(ids: impl Iterator<Item = String>) -> impl Iterator<Item = String> {
    let mut seen = std::collections::HashSet::new();
    ids.filter(move |id| seen.insert(id.clone()))
}

/// A listed user, decoded in one pass with its record kept as received.
pub(crate) fn user_from_raw(raw: Box<RawValue>) -> Result<User> {
    let listed: Listed = serde_json::from_str(raw.get())
        .map_err(|e| Error::decode(format!("user record: {e}"), raw.get().as_bytes(), None))?;
    Ok(listed.into_user(RawRecord::new(raw)))
}

pub(crate) fn group(record: NamedObject) -> Group {
    let raw = RawRecord::from_serialize(&record);
    Group::new(GroupId::new(record.id), record.name, raw)
}

pub(crate) fn role(found: NamedObject) -> Role {
    let raw = RawRecord::from_serialize(&found);
    Role::new(RoleId::new(found.id), found.name, raw)
}

/// An access level found by name.
pub(crate) fn access_level(found: NamedObject) -> AccessLevel {
    let raw = RawRecord::from_serialize(&found);
    AccessLevel::new(AccessLevelId::new(found.id), found.name, raw)
}

/// The `PUT` body of a patch: only the fields it sets.
pub fn update_body(patch: &UserPatch) -> Result<UpdateUser> {
    patch.validate()?;
    if patch.display_name.is_some() {
        return Err(Error::invalid(
            "Workfront derives a user's name from first and last name; set those instead",
        ));
    }
    let role_id = match patch.roles.as_deref() {
        None => None,
        Some([]) => Some(None),
        Some([role]) => Some(Some(role.as_str().to_owned())),
        Some(_) => {
            return Err(Error::invalid(
                "a Workfront user has one primary job role (roleID)",
            ));
        }
    };
    let mut body = UpdateUser {
        email_addr: patch.email.clone(),
        first_name: patch.first_name.clone(),
        last_name: patch.last_name.clone(),
        is_active: patch.active,
        role_id,
        ..UpdateUser::default()
    };
    // A typed field wins over an `extra` entry of the same name.
    let typed = serde_json::to_value(&body).unwrap_or_default();
    body.extra = patch
        .extra
        .iter()
        .filter(|(key, _)| typed.get(key.as_str()).is_none())
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    Ok(body)
}
