//! Conversions between SCIM resources and the identity-core model, and a
//! patch as SCIM PatchOp operations.

use identity_core::{Error, Group, GroupId, Result, User, UserId, UserPatch};
use serde_json::{Value, json};

use super::wire::{PatchOperation, ScimGroup, ScimName, ScimUser};

pub(crate) fn user(record: ScimUser) -> User {
    let raw = identity_core::RawRecord::from_serialize(&record);
    let name = record.name.clone().unwrap_or_default();
    let mut user = User::new(
        UserId::new(record.id.clone().unwrap_or_default()),
        record.email(),
    );
    user.username = Some(record.user_name);
    user.first_name = name.given_name;
    user.last_name = name.family_name;
    user.display_name = record.display_name;
    user.active = record.active.unwrap_or(true);
    user.groups = record
        .groups
        .into_iter()
        .filter_map(|g| g.value.map(GroupId::new))
        .collect();
    let meta = |key: &str| {
        record
            .extra
            .get("meta")
            .and_then(|m| m.get(key))
            .and_then(Value::as_str)
            .and_then(identity_core::time::parse)
    };
    user.updated_at = meta("lastModified");
    user.created_at = meta("created");
    user.raw = raw;
    user
}

pub(crate) fn group(record: ScimGroup) -> Group {
    let member_count = Some(record.members.len() as u64);
    let raw = identity_core::RawRecord::from_serialize(&record);
    let mut group = Group::new(
        GroupId::new(record.id.unwrap_or_default()),
        record.display_name,
        raw,
    );
    group.member_count = member_count;
    group
}

pub(crate) fn work_email(address: &str) -> Value {
    json!([{ "value": address, "type": "work", "primary": true }])
}

pub(crate) fn patch_operations(patch: &UserPatch) -> Result<Vec<PatchOperation>> {
    patch.validate()?;
    if patch.roles.is_some() {
        return Err(roles_unsupported());
    }
    let mut ops = Vec::new();
    if let Some(v) = &patch.email {
        ops.push(PatchOperation::replace("emails", work_email(v)));
    }
    if let Some(v) = &patch.first_name {
        ops.push(PatchOperation::replace("name.givenName", json!(v)));
    }
    if let Some(v) = &patch.last_name {
        ops.push(PatchOperation::replace("name.familyName", json!(v)));
    }
    if let Some(v) = &patch.display_name {
        ops.push(PatchOperation::replace("displayName", json!(v)));
    }
    if let Some(v) = patch.active {
        ops.push(PatchOperation::replace("active", json!(v)));
    }
    for (key, value) in &patch.extra {
        ops.push(PatchOperation::replace(key, value.clone()));
    }
    Ok(ops)
}

/// Applies `replace` operations to a resource read for a `PUT` (for servers
/// without PATCH).
pub(crate) fn apply_to_user(user: &mut ScimUser, operations: &[PatchOperation]) -> Result<()> {
    for op in operations {
        let value = op.value.clone().unwrap_or(Value::Null);
        let name = user.name.get_or_insert_with(ScimName::default);
        match (op.op.as_str(), op.path.as_deref()) {
            ("replace", Some("active")) => user.active = value.as_bool(),
            ("replace", Some("displayName")) => {
                user.display_name = value.as_str().map(str::to_owned)
            }
            ("replace", Some("name.givenName")) => {
                name.given_name = value.as_str().map(str::to_owned)
            }
            ("replace", Some("name.familyName")) => {
                name.family_name = value.as_str().map(str::to_owned)
            }
            ("replace", Some("userName")) => {
                user.user_name = value.as_str().unwrap_or_default().to_owned()
            }
            ("replace", Some("emails")) => {
                user.emails = serde_json::from_value(value).map_err(|e| {
                    Error::invalid(format!("emails value is not a list of emails: {e}"))
                })?;
            }
            ("replace", Some(path)) => {
                user.extra.insert(path.to_owned(), value);
            }
            (op, path) => {
                return Err(Error::Unsupported {
                    operation: format!("applying SCIM {op} {path:?} through PUT"),
                });
            }
        }
    }
    Ok(())
}

pub(crate) fn roles_unsupported() -> Error {
    Error::Unsupported {
        operation: "workspace roles over SCIM: assign roles through the Workiva Platform API"
            .into(),
    }
}
