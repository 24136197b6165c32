//! The identity-core traits for [`WorkivaClient`].

use async_trait::async_trait;
use futures::{StreamExt, TryStreamExt};
use identity_core::backend::paginate::flatten_pages;
use identity_core::normalize_email;
use identity_core::{AccessDirectory, BulkDirectory, GroupDirectory, ResultStream, UserDirectory};
use identity_core::{
    DeleteConfirmation, Error, Group, GroupId, MembershipChange, NewUser, Page, Result, Role,
    RoleId, User, UserId, UserPatch, UserQuery, pick_by_name,
};

use crate::client::{WorkivaClient, user_query};
use crate::convert;
use crate::wire::{GroupChange, UpdateUser};

impl WorkivaClient {
    /// Sends the whole role array (the server replaces it) and merges the
    /// partial echo into the record read before.
    async fn put_roles(
        &self,
        current: crate::wire::WorkivaUser,
        roles: Vec<String>,
    ) -> Result<User> {
        let body = UpdateUser {
            roles: Some(roles),
            ..UpdateUser::default()
        };
        let echo = self.patch_user_record(&current.id, &body).await?;
        let mut record = current;
        record.merge(echo);
        Ok(self.tag(convert::user(record)))
    }
}

#[async_trait]
impl UserDirectory for WorkivaClient {
    fn directory_name(&self) -> &str {
        "workiva"
    }

    fn list_user_pages(&self, query: &UserQuery) -> ResultStream<'_, Page<User>> {
        self.paged::<Box<serde_json::value::RawValue>>(
            crate::client::path(["users"]),
            user_query(query),
        )
        .map(|page| page?.try_map(|raw| convert::user_from_raw(raw).map(|u| self.tag(u))))
        .boxed()
    }

    async fn get_user(&self, id: &UserId) -> Result<User> {
        self.get_user_record(id.as_str())
            .await
            .map(|record| self.tag(convert::user(record)))
    }

    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>> {
        // The server may match emails case-sensitively: ask as given, then
        // lower-cased, and compare case-insensitively here.
        let mut candidates = vec![email.trim().to_owned()];
        let lower = normalize_email(email);
        if lower != candidates[0] {
            candidates.push(lower);
        }
        for candidate in candidates {
            let query = UserQuery::default().with_email(candidate);
            let mut pages = self.list_user_records(&query);
            while let Some(page) = pages.next().await {
                if let Some(found) = page?
                    .items
                    .into_iter()
                    .map(|record| self.tag(convert::user(record)))
                    .find(|u| u.has_email(email))
                {
                    return Ok(Some(found));
                }
            }
        }
        Ok(None)
    }

    async fn create_user(&self, new_user: &NewUser) -> Result<User> {
        new_user.refuse_access_level()?;
        self.create_user_record(&convert::create_body(new_user))
            .await
            .map(|record| self.tag(convert::user(record)))
    }

    async fn update_user(&self, id: &UserId, patch: &UserPatch) -> Result<User> {
        patch.validate()?;
        if patch.is_empty() {
            return self.get_user(id).await;
        }
        let echo = self
            .patch_user_record(id.as_str(), &convert::patch_body(patch))
            .await?;
        if convert::is_complete(&echo) {
            return Ok(self.tag(convert::user(echo)));
        }
        // A partial echo: read the whole record back.
        self.get_user(id).await
    }

    async fn delete_user(&self, id: &UserId, confirm: &DeleteConfirmation) -> Result<()> {
        confirm.check(id)?;
        self.delete_user_record(id.as_str()).await
    }
}

#[async_trait]
impl GroupDirectory for WorkivaClient {
    fn list_groups(&self) -> ResultStream<'_, Group> {
        flatten_pages(
            self.list_group_records()
                .map_ok(|page| page.map(convert::group))
                .boxed(),
        )
    }

    async fn get_group(&self, id: &GroupId) -> Result<Group> {
        self.get_group_record(id.as_str()).await.map(convert::group)
    }

    async fn find_group_by_name(&self, name: &str) -> Result<Option<Group>> {
        let groups: Vec<Group> = self.list_groups().try_collect().await?;
        Ok(pick_by_name(groups, name, |g| &g.name))
    }

    async fn create_group(&self, name: &str) -> Result<Group> {
        if name.trim().is_empty() {
            return Err(Error::invalid("group name is required"));
        }
        let body = GroupChange {
            name: Some(name.to_owned()),
            description: None,
        };
        self.create_group_record(&body).await.map(convert::group)
    }

    /// `PATCH /groups/{id}` with the new name.
    async fn rename_group(&self, id: &GroupId, name: &str) -> Result<Group> {
        if name.trim().is_empty() {
            return Err(Error::invalid("group name is required"));
        }
        let body = GroupChange {
            name: Some(name.to_owned()),
            ..GroupChange::default()
        };
        self.patch_group_record(id.as_str(), &body)
            .await
            .map(convert::group)
    }

    fn list_members(&self, group: &GroupId) -> ResultStream<'_, UserId> {
        flatten_pages(
            self.list_member_records(group.as_str())
                .map_ok(|page| page.map(|m| UserId::new(m.user_id)))
                .boxed(),
        )
    }

    async fn add_member(&self, group: &GroupId, user: &UserId) -> Result<MembershipChange> {
        Ok(if self.post_member(group.as_str(), user.as_str()).await? {
            MembershipChange::Added
        } else {
            MembershipChange::AlreadyMember
        })
    }

    async fn remove_member(&self, group: &GroupId, user: &UserId) -> Result<MembershipChange> {
        Ok(
            if self.delete_member(group.as_str(), user.as_str()).await? {
                MembershipChange::Removed
            } else {
                MembershipChange::NotMember
            },
        )
    }
}

#[async_trait]
impl AccessDirectory for WorkivaClient {
    async fn list_roles(&self) -> Result<Vec<Role>> {
        Ok(self.roles().await?.iter().map(convert::role).collect())
    }

    async fn resolve_role(&self, name: &str) -> Result<Role> {
        self.resolve_role_name(name).await
    }

    /// PATCH replaces the whole `roles` array, so this reads the user's roles
    /// and sends the existing ones plus the new ones. Two writers racing on
    /// one user's roles can still lose an update: the API has no ETag.
    async fn assign_roles(&self, user: &UserId, roles: &[RoleId]) -> Result<User> {
        let current = self.get_user_record(user.as_str()).await?;
        let mut merged = current.roles.clone().unwrap_or_default();
        for role in roles {
            if !merged.iter().any(|r| r == role.as_str()) {
                merged.push(role.as_str().to_owned());
            }
        }
        if current
            .roles
            .as_ref()
            .is_some_and(|r| r.len() == merged.len())
        {
            return Ok(self.tag(convert::user(current)));
        }
        self.put_roles(current, merged).await
    }

    /// Workiva's `PATCH` replaces the role array: send the held ones minus
    /// this one.
    async fn remove_role(&self, user: &UserId, role: &RoleId) -> Result<User> {
        let current = self.get_user_record(user.as_str()).await?;
        let held = current.roles.clone().unwrap_or_default();
        if !held.iter().any(|r| r == role.as_str()) {
            return Ok(self.tag(convert::user(current)));
        }
        let kept = held.into_iter().filter(|r| r != role.as_str()).collect();
        self.put_roles(current, kept).await
    }
}

impl BulkDirectory for WorkivaClient {}
