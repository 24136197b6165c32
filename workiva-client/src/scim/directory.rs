//! The identity-core traits for [`ScimClient`].

use async_trait::async_trait;
use futures::{StreamExt, TryStreamExt};
use identity_core::backend::paginate::flatten_pages;
use identity_core::{AccessDirectory, BulkDirectory, GroupDirectory, ResultStream, UserDirectory};
use identity_core::{
    DeleteConfirmation, Error, Group, GroupId, MembershipChange, NewUser, Page, Result, Role,
    RoleId, User, UserId, UserPatch, UserQuery,
};
use serde_json::json;

use super::ScimClient;
use super::convert::{group, patch_operations, roles_unsupported, user};
use super::filter::eq;
use super::wire::{MultiValue, PatchOperation, ScimGroup, ScimName, ScimUser, USER_SCHEMA};

impl ScimClient {
    async fn filters_supported(&self) -> Result<bool> {
        Ok(self.service_provider_config().await?.filter.supported)
    }

    fn list_users_filtered(&self, filter: Option<String>) -> ResultStream<'static, Page<User>> {
        let client = self.clone();
        self.list_records::<ScimUser>("Users", filter)
            .map_ok(move |page| page.map(|record| client.tag(user(record))))
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
                super::filter::quote(&identity_core::time::format(*since))
            ));
        }
        let filter = (!clauses.is_empty()).then(|| clauses.join(" and "));
        self.list_users_filtered(filter)
    }

    async fn get_user(&self, id: &UserId) -> Result<User> {
        self.get_user_record(id.as_str())
            .await
            .map(|record| self.tag(user(record)))
    }

    /// One look-up, `userName eq "…" or emails.value eq "…"` (users are
    /// created with the email as userName); a server that refuses the
    /// combined filter gets the two halves one after the other; without
    /// filter support, a scan.
    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>> {
        if !self.filters_supported().await? {
            return self.first_user_matching(None, email).await;
        }
        // Some servers compare `eq` case-sensitively although the schema
        // says `caseExact: false`: ask for the address as given and, when it
        // has capitals, lower-cased too.
        let given = email.trim();
        let lower = given.to_lowercase();
        let mut clauses = Vec::new();
        for address in std::iter::once(given).chain((lower != given).then_some(lower.as_str())) {
            clauses.push(eq("userName", address));
            clauses.push(eq("emails.value", address));
        }
        match self
            .first_user_matching(Some(clauses.join(" or ")), email)
            .await
        {
            Err(Error::Validation { .. }) => {}
            other => return other,
        }
        for filter in clauses {
            if let Some(found) = self.first_user_matching(Some(filter), email).await? {
                return Ok(Some(found));
            }
        }
        Ok(None)
    }

    async fn create_user(&self, new_user: &NewUser) -> Result<User> {
        new_user.refuse_access_level()?;
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
        self.create_user_record(&resource)
            .await
            .map(|record| self.tag(user(record)))
    }

    async fn update_user(&self, id: &UserId, patch: &UserPatch) -> Result<User> {
        let ops = patch_operations(patch)?;
        if ops.is_empty() {
            return self.get_user(id).await;
        }
        self.patch_user_record(id.as_str(), ops)
            .await
            .map(|record| self.tag(user(record)))
    }

    async fn delete_user(&self, id: &UserId, confirm: &DeleteConfirmation) -> Result<()> {
        confirm.check(id)?;
        self.delete_user_record(id.as_str()).await
    }
}

#[async_trait]
impl GroupDirectory for ScimClient {
    fn list_groups(&self) -> ResultStream<'_, Group> {
        flatten_pages(
            self.list_records::<ScimGroup>("Groups", None)
                .map_ok(|page| page.map(group))
                .boxed(),
        )
    }

    async fn get_group(&self, id: &GroupId) -> Result<Group> {
        self.get_group_record(id.as_str()).await.map(group)
    }

    async fn find_group_by_name(&self, name: &str) -> Result<Option<Group>> {
        let filter = if self.filters_supported().await? {
            Some(eq("displayName", name.trim()))
        } else {
            None
        };
        let groups: Vec<Group> = flatten_pages(
            self.list_records::<ScimGroup>("Groups", filter)
                .map_ok(|page| page.map(group))
                .boxed(),
        )
        .try_collect()
        .await?;
        Ok(identity_core::pick_by_name(groups, name, |g| &g.name))
    }

    async fn create_group(&self, name: &str) -> Result<Group> {
        if name.trim().is_empty() {
            return Err(Error::invalid("group displayName is required"));
        }
        self.create_group_record(name).await.map(group)
    }

    /// `PATCH /Groups/{id}` replacing `displayName`, then read back.
    async fn rename_group(&self, id: &GroupId, name: &str) -> Result<Group> {
        if name.trim().is_empty() {
            return Err(Error::invalid("group name is required"));
        }
        let op = PatchOperation::replace("displayName", json!(name));
        self.patch_group_record(id.as_str(), vec![op]).await?;
        self.get_group(id).await
    }

    fn list_members(&self, group: &GroupId) -> ResultStream<'_, UserId> {
        let client = self.clone();
        let id = group.clone();
        futures::stream::once(async move { client.get_group_record(id.as_str()).await })
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
        let current = self.get_group_record(group.as_str()).await?;
        if current
            .members
            .iter()
            .any(|m| m.value.as_deref() == Some(member.as_str()))
        {
            return Ok(MembershipChange::AlreadyMember);
        }
        // Some servers accept unknown member ids: refuse them here instead.
        self.get_user_record(member.as_str()).await?;
        let op = PatchOperation::add("members", json!([{ "value": member.as_str() }]));
        self.patch_group_record(group.as_str(), vec![op]).await?;
        Ok(MembershipChange::Added)
    }

    async fn remove_member(&self, group: &GroupId, member: &UserId) -> Result<MembershipChange> {
        let current = self.get_group_record(group.as_str()).await?;
        if !current
            .members
            .iter()
            .any(|m| m.value.as_deref() == Some(member.as_str()))
        {
            return Ok(MembershipChange::NotMember);
        }
        let path = format!("members[{}]", eq("value", member.as_str()));
        self.patch_group_record(group.as_str(), vec![PatchOperation::remove(&path)])
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
