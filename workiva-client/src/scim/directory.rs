//! The identity-core traits for [`ScimClient`].

use async_trait::async_trait;
use futures::{StreamExt, TryStreamExt};
use identity_core::backend::paginate::flatten_pages;
use identity_core::{AccessDirectory, BulkDirectory, GroupDirectory, ResultStream, UserDirectory};
use identity_core::{
    DeleteConfirmation, Error, Group, GroupId, MembershipChange, NewUser, Page, Result, Role,
    RoleId, User, UserId, UserPatch, UserQuery,
};
use serde_json::{Value, json};

use super::ScimClient;
use super::filter::eq;
use super::models::{MultiValue, PatchOperation, ScimGroup, ScimName, ScimUser, USER_SCHEMA};

fn user(record: ScimUser) -> User {
    let raw = identity_core::RawRecord::from_serialize(&record);
    let email = record.email();
    let name = record.name.unwrap_or_default();
    User {
        id: UserId::new(record.id.unwrap_or_default()),
        email,
        username: Some(record.user_name),
        first_name: name.given_name,
        last_name: name.family_name,
        display_name: record.display_name,
        active: record.active.unwrap_or(true),
        roles: Vec::new(),
        groups: record
            .groups
            .into_iter()
            .filter_map(|g| g.value.map(GroupId::new))
            .collect(),
        access_level: None,
        updated_at: record
            .extra
            .get("meta")
            .and_then(|m| m.get("lastModified"))
            .and_then(Value::as_str)
            .map(str::to_owned),
        raw,
    }
}

fn group(record: ScimGroup) -> Group {
    let member_count = Some(record.members.len() as u64);
    let raw = serde_json::to_value(&record).unwrap_or_default();
    Group {
        id: GroupId::new(record.id.unwrap_or_default()),
        name: record.display_name,
        member_count,
        raw,
    }
}

fn work_email(address: &str) -> Value {
    json!([{ "value": address, "type": "work", "primary": true }])
}

fn patch_operations(patch: &UserPatch) -> Result<Vec<PatchOperation>> {
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

fn roles_unsupported() -> Error {
    Error::Unsupported {
        operation: "workspace roles over SCIM: assign roles through the Workiva Platform API"
            .into(),
    }
}

impl ScimClient {
    async fn filters_supported(&self) -> Result<bool> {
        Ok(self.service_provider_config().await?.filter.supported)
    }

    fn list_users_filtered(&self, filter: Option<String>) -> ResultStream<'static, Page<User>> {
        self.list_raw::<ScimUser>("Users", filter)
            .map_ok(|page| Page {
                items: page.items.into_iter().map(user).collect(),
                total: page.total,
            })
            .boxed()
    }

    async fn first_user_matching(
        &self,
        filter: Option<String>,
        email: &str,
    ) -> Result<Option<User>> {
        let mut users = flatten_pages(self.list_users_filtered(filter));
        while let Some(found) = users.try_next().await? {
            let login_matches = found
                .username
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(email.trim()));
            if found.has_email(email) || login_matches {
                return Ok(Some(found));
            }
        }
        Ok(None)
    }
}

#[async_trait]
impl UserDirectory for ScimClient {
    fn directory_name(&self) -> &str {
        "workiva-scim"
    }

    fn list_user_pages(&self, query: &UserQuery) -> ResultStream<'_, Page<User>> {
        let mut clauses = Vec::new();
        if let Some(email) = &query.email {
            clauses.push(eq("emails.value", email.trim()));
        }
        if let Some(since) = &query.updated_since {
            clauses.push(format!(
                "meta.lastModified ge {}",
                super::filter::quote(since)
            ));
        }
        let filter = (!clauses.is_empty()).then(|| clauses.join(" and "));
        self.list_users_filtered(filter)
    }

    async fn get_user(&self, id: &UserId) -> Result<User> {
        self.get_user_raw(id.as_str()).await.map(user)
    }

    /// One look-up, `userName eq "…" or emails.value eq "…"` (users are
    /// created with the email as userName); a server that refuses the
    /// combined filter gets the two halves one after the other; without
    /// filter support, a scan.
    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>> {
        if !self.filters_supported().await? {
            return self.first_user_matching(None, email).await;
        }
        let by_name = eq("userName", email.trim());
        let by_email = eq("emails.value", email.trim());
        match self
            .first_user_matching(Some(format!("{by_name} or {by_email}")), email)
            .await
        {
            Err(Error::Validation { .. }) => {}
            other => return other,
        }
        for filter in [by_name, by_email] {
            if let Some(found) = self.first_user_matching(Some(filter), email).await? {
                return Ok(Some(found));
            }
        }
        Ok(None)
    }

    async fn create_user(&self, new_user: &NewUser) -> Result<User> {
        let resource = ScimUser {
            schemas: vec![USER_SCHEMA.into()],
            id: None,
            user_name: new_user
                .username
                .clone()
                .unwrap_or_else(|| new_user.email.clone()),
            name: Some(ScimName {
                given_name: Some(new_user.first_name.clone()),
                family_name: Some(new_user.last_name.clone()),
                formatted: None,
                extra: Default::default(),
            }),
            display_name: Some(new_user.display_name_or_default()),
            emails: vec![MultiValue {
                value: Some(new_user.email.clone()),
                kind: Some("work".into()),
                primary: Some(true),
                ..MultiValue::default()
            }],
            active: Some(new_user.active),
            groups: Vec::new(),
            extra: new_user.extra.clone().into_iter().collect(),
        };
        self.create_user_raw(&resource).await.map(user)
    }

    async fn update_user(&self, id: &UserId, patch: &UserPatch) -> Result<User> {
        let ops = patch_operations(patch)?;
        if ops.is_empty() {
            return self.get_user(id).await;
        }
        self.patch_user_raw(id.as_str(), ops).await.map(user)
    }

    async fn delete_user(&self, id: &UserId, confirm: &DeleteConfirmation) -> Result<()> {
        confirm.check(id)?;
        self.delete_user_raw(id.as_str()).await
    }
}

#[async_trait]
impl GroupDirectory for ScimClient {
    fn list_groups(&self) -> ResultStream<'_, Group> {
        flatten_pages(
            self.list_raw::<ScimGroup>("Groups", None)
                .map_ok(|page| Page {
                    items: page.items.into_iter().map(group).collect(),
                    total: page.total,
                })
                .boxed(),
        )
    }

    async fn get_group(&self, id: &GroupId) -> Result<Group> {
        self.get_group_raw(id.as_str()).await.map(group)
    }

    async fn find_group_by_name(&self, name: &str) -> Result<Option<Group>> {
        let filter = if self.filters_supported().await? {
            Some(eq("displayName", name.trim()))
        } else {
            None
        };
        let groups: Vec<Group> = flatten_pages(
            self.list_raw::<ScimGroup>("Groups", filter)
                .map_ok(|page| Page {
                    items: page.items.into_iter().map(group).collect(),
                    total: page.total,
                })
                .boxed(),
        )
        .try_collect()
        .await?;
        Ok(crate::directory::pick_by_name(groups, name))
    }

    async fn create_group(&self, name: &str) -> Result<Group> {
        if name.trim().is_empty() {
            return Err(Error::invalid("group displayName is required"));
        }
        self.create_group_raw(name).await.map(group)
    }

    fn list_members(&self, group: &GroupId) -> ResultStream<'_, UserId> {
        let client = self.clone();
        let id = group.clone();
        futures::stream::once(async move { client.get_group_raw(id.as_str()).await })
            .map_ok(|g| {
                futures::stream::iter(
                    g.members
                        .into_iter()
                        .filter_map(|m| m.value)
                        .map(|v| Ok(UserId::new(v))),
                )
            })
            .try_flatten()
            .boxed()
    }

    async fn add_member(&self, group: &GroupId, member: &UserId) -> Result<MembershipChange> {
        let current = self.get_group_raw(group.as_str()).await?;
        if current
            .members
            .iter()
            .any(|m| m.value.as_deref() == Some(member.as_str()))
        {
            return Ok(MembershipChange::AlreadyMember);
        }
        // Some servers accept unknown member ids: refuse them here instead.
        self.get_user_raw(member.as_str()).await?;
        let op = PatchOperation::add("members", json!([{ "value": member.as_str() }]));
        self.patch_group_raw(group.as_str(), vec![op]).await?;
        Ok(MembershipChange::Added)
    }

    async fn remove_member(&self, group: &GroupId, member: &UserId) -> Result<MembershipChange> {
        let current = self.get_group_raw(group.as_str()).await?;
        if !current
            .members
            .iter()
            .any(|m| m.value.as_deref() == Some(member.as_str()))
        {
            return Ok(MembershipChange::NotMember);
        }
        let path = format!("members[{}]", eq("value", member.as_str()));
        self.patch_group_raw(group.as_str(), vec![PatchOperation::remove(&path)])
            .await?;
        Ok(MembershipChange::Removed)
    }
}

/// SCIM provisioning does not carry Workiva workspace roles (the guide:
/// "workspace role assignment is separate").
#[async_trait]
impl AccessDirectory for ScimClient {
    async fn list_roles(&self) -> Result<Vec<Role>> {
        Err(roles_unsupported())
    }

    async fn assign_roles(&self, _user: &UserId, _roles: &[RoleId]) -> Result<User> {
        Err(roles_unsupported())
    }
}

impl BulkDirectory for ScimClient {}
