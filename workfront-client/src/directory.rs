//! The identity-core traits for [`WorkfrontClient`].
//!
//! Groups follow the guide: a user's group membership is its *home group*
//! (`homeGroupID`). Adding a member sets the user's home group (replacing the
//! previous one); removing clears it.

use std::collections::HashMap;

use async_trait::async_trait;
use futures::{StreamExt, TryStreamExt};
use identity_core::backend::http::{Method, Request};
use identity_core::backend::paginate::flatten_pages;
use identity_core::normalize_email;
use identity_core::{AccessDirectory, BulkDirectory, GroupDirectory, ResultStream, UserDirectory};
use identity_core::{
    AccessLevel, AccessLevelId, DeleteConfirmation, Error, Group, GroupId, MembershipChange,
    NewUser, Page, Result, Role, RoleId, User, UserId, UserPatch, UserQuery,
};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::batch::BatchOptions;
use crate::client::{USER_FIELDS, WorkfrontClient};
use crate::convert::{access_level, group, role, update_body, user, user_from_raw};
use crate::search::{Modifier, Search};
use crate::wire::{
    BatchOp, CreateUser, NamedObject, NewUserLink, UpdateUser, UserLink, UserProfile, WorkfrontUser,
};

/// `NewUser::extra` key naming the access level of a new user by *name*.
pub const ACCESS_LEVEL_NAME: &str = "accessLevel";
/// `NewUser::extra` key naming the home group of a new user by *name*.
pub const HOME_GROUP_NAME: &str = "homeGroup";
/// `NewUser::extra` key naming the schedule of a new user by *name*.
pub const SCHEDULE_NAME: &str = "schedule";
/// `NewUser::extra` key naming the company of a new user by *name*.
pub const COMPANY_NAME: &str = "company";

/// `emailAddr` is not unique in Workfront: of the accounts with this email,
/// prefer the one whose login is the email, then an active one.
fn pick_account(mut found: Vec<WorkfrontUser>, email: &str) -> Option<WorkfrontUser> {
    found.retain(|u| {
        u.email_addr
            .as_deref()
            .is_some_and(|e| normalize_email(e) == normalize_email(email))
    });
    found.sort_by_key(|u| {
        (
            !u.username
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(email.trim())),
            !u.is_active.unwrap_or(true),
        )
    });
    found.into_iter().next()
}

fn user_search(query: &UserQuery) -> Search {
    let mut search = Search::new("user").fields(USER_FIELDS.split(','));
    if let Some(email) = &query.email {
        search = search.filter("emailAddr", Modifier::Cieq, email.trim());
    }
    if let Some(since) = &query.updated_since {
        search = search.filter(
            "lastUpdateDate",
            Modifier::Gte,
            identity_core::time::format(*since),
        );
    }
    search.sort_asc("ID")
}

impl WorkfrontClient {
    /// The body of `POST /user` for `new_user`: the access level and home
    /// group are resolved from names first, so an unknown name fails before
    /// anything is created.
    pub async fn create_body(&self, new_user: &NewUser) -> Result<CreateUser> {
        let mut extra: Map<String, Value> = new_user.extra.clone().into_iter().collect();
        let text = |value: Value| value.as_str().map(str::to_owned);
        let level_name = extra
            .remove(ACCESS_LEVEL_NAME)
            .and_then(text)
            .or_else(|| new_user.access_level.clone());
        let access_level_id = match extra.remove("accessLevelID").and_then(text) {
            Some(id) => id,
            None => {
                let name = level_name
                    .or_else(|| self.default_access_level().map(str::to_owned))
                    .ok_or_else(|| {
                        Error::invalid(
                            "Workfront requires an access level for new users: name one, or \
                             set WORKFRONT_DEFAULT_ACCESS_LEVEL",
                        )
                    })?;
                self.lookup("accesslevel", &name).await?.id
            }
        };
        let home_group_id = match extra.remove(HOME_GROUP_NAME).and_then(text) {
            Some(name) => Some(self.lookup("group", &name).await?.id),
            None => extra.remove("homeGroupID").and_then(text),
        };
        let mut profile = UserProfile::default();
        for (key, code, slot) in [
            (SCHEDULE_NAME, "schedule", &mut profile.schedule_id),
            (COMPANY_NAME, "company", &mut profile.company_id),
        ] {
            if let Some(name) = extra.remove(key).and_then(text) {
                *slot = Some(self.lookup(code, &name).await?.id);
            }
        }
        Ok(CreateUser {
            username: new_user
                .username
                .clone()
                .unwrap_or_else(|| new_user.email.clone()),
            email_addr: new_user.email.clone(),
            first_name: new_user.first_name.clone(),
            last_name: new_user.last_name.clone(),
            access_level_id,
            home_group_id,
            is_active: (!new_user.active).then_some(false),
            password: new_user.password.clone(),
            sso_username: new_user.sso_username.clone(),
            profile,
            extra,
        })
    }
}

/// The body of `POST /group`.
#[derive(serde::Serialize)]
struct NamedBody<'a> {
    name: &'a str,
}

/// The owner of a `USRGPS` link, as a member listing reads it.
#[derive(serde::Deserialize)]
struct LinkOwner {
    #[serde(rename = "userID")]
    user_id: String,
}

/// The user's other-group link to `group`, if any.
fn other_link<'a>(user: &'a WorkfrontUser, group: &GroupId) -> Option<&'a UserLink> {
    user.user_groups
        .iter()
        .flatten()
        .find(|l| l.group_id.as_deref() == Some(group.as_str()))
}

#[async_trait]
impl UserDirectory for WorkfrontClient {
    fn directory_name(&self) -> &str {
        "workfront"
    }

    async fn close(&self) -> Result<()> {
        self.logout().await
    }

    fn list_user_pages(&self, query: &UserQuery) -> ResultStream<'_, Page<User>> {
        self.search_pages::<Box<RawValue>>(&user_search(query), self.list_options())
            .map(|page| page?.try_map(|raw| user_from_raw(raw).map(|u| self.tag(u))))
            .boxed()
    }

    async fn get_user(&self, id: &UserId) -> Result<User> {
        self.get_user_record(id.as_str())
            .await
            .map(|record| self.tag(user(record)))
    }

    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>> {
        let found = self.find_users_by_email(email).await?;
        Ok(pick_account(found, email).map(|record| self.tag(user(record))))
    }

    async fn create_user(&self, new_user: &NewUser) -> Result<User> {
        let body = self.create_body(new_user).await?;
        self.create_user_record(&body)
            .await
            .map(|record| self.tag(user(record)))
    }

    async fn update_user(&self, id: &UserId, patch: &UserPatch) -> Result<User> {
        let body = update_body(patch)?;
        if body.is_empty() {
            return self.get_user(id).await;
        }
        self.update_user_record(id.as_str(), &body)
            .await
            .map(|record| self.tag(user(record)))
    }

    async fn delete_user(&self, id: &UserId, confirm: &DeleteConfirmation) -> Result<()> {
        confirm.check(id)?;
        self.delete_user_record(id.as_str()).await
    }
}

#[async_trait]
impl GroupDirectory for WorkfrontClient {
    fn list_groups(&self) -> ResultStream<'_, Group> {
        let search = Search::new("group").fields(["ID", "name"]).sort_asc("name");
        flatten_pages(
            self.search_pages::<NamedObject>(&search, self.list_options())
                .map_ok(|page| page.map(group))
                .boxed(),
        )
    }

    async fn get_group(&self, id: &GroupId) -> Result<Group> {
        let request =
            Request::get(self.api_path(["group", id.as_str()])).query("fields", "ID,name");
        self.data::<NamedObject>(&request)
            .await
            .map(group)
            .map_err(crate::client::name_not_found(|| {
                format!("Workfront group {id}")
            }))
    }

    async fn find_group_by_name(&self, name: &str) -> Result<Option<Group>> {
        match self.lookup("group", name).await {
            Ok(found) => Ok(Some(group(found))),
            Err(Error::NotFound { .. }) => Ok(None),
            Err(err) => Err(err),
        }
    }

    async fn create_group(&self, name: &str) -> Result<Group> {
        if name.trim().is_empty() {
            return Err(Error::invalid("group name is required"));
        }
        let request = Request::new(Method::POST, self.api_path(["group"]))
            .query("fields", "ID,name")
            .json(&NamedBody { name })?;
        self.data::<NamedObject>(&request).await.map(group)
    }

    /// `PUT /group/{id}` with the new name.
    async fn rename_group(&self, id: &GroupId, name: &str) -> Result<Group> {
        if name.trim().is_empty() {
            return Err(Error::invalid("group name is required"));
        }
        let request = Request::new(Method::PUT, self.api_path(["group", id.as_str()]))
            .query("fields", "ID,name")
            .json(&NamedBody { name })?;
        let renamed = self.data::<NamedObject>(&request).await.map(group)?;
        self.clear_lookup_cache().await;
        Ok(renamed)
    }

    fn list_members(&self, group: &GroupId) -> ResultStream<'_, UserId> {
        let search = Search::new("user")
            .filter("homeGroupID", Modifier::Eq, group.as_str())
            .fields(["ID"])
            .sort_asc("ID");
        let check = self.clone();
        let group_id = group.clone();
        let group = group.clone();
        // An unknown group is an error, not an empty membership.
        let exists =
            futures::stream::once(async move { check.get_group(&group).await.map(|_| None) });
        let members = self
            .search_pages::<NamedObject>(&search, self.list_options())
            .map_ok(|page| {
                page.items
                    .into_iter()
                    .map(|u| Some(UserId::new(u.id)))
                    .collect::<Vec<_>>()
            })
            .map_ok(|ids| futures::stream::iter(ids.into_iter().map(Ok)))
            .try_flatten();
        let links = Search::new("usrgps")
            .filter("groupID", Modifier::Eq, group_id.as_str())
            .fields(["userID"])
            .sort_asc("ID");
        let others = self
            .search_pages::<LinkOwner>(&links, self.list_options())
            .map_ok(|page| {
                futures::stream::iter(
                    page.items
                        .into_iter()
                        .map(|link| Ok(Some(UserId::new(link.user_id)))),
                )
            })
            .try_flatten();
        // A user whose home group is also an other group is listed once.
        let mut seen = std::collections::HashSet::new();
        exists
            .chain(members)
            .chain(others)
            .try_filter_map(move |id| {
                let fresh = id.filter(|id| seen.insert(id.clone()));
                async move { Ok(fresh) }
            })
            .boxed()
    }

    /// Home ∪ other groups, from the user record.
    async fn groups_of(&self, user: &UserId) -> Result<Vec<GroupId>> {
        Ok(self.get_user(user).await?.groups)
    }

    /// Sets the home group when the user has none; otherwise adds an other
    /// group (`POST /usrgps`). Never replaces the home group.
    async fn add_member(&self, group: &GroupId, user: &UserId) -> Result<MembershipChange> {
        let current = self.get_user_record(user.as_str()).await?;
        let held = other_link(&current, group).is_some()
            || current.home_group_id.as_deref() == Some(group.as_str());
        if held {
            return Ok(MembershipChange::AlreadyMember);
        }
        self.get_group(group).await?;
        if current.home_group_id.is_none() {
            let home = UpdateUser {
                home_group_id: Some(Some(group.as_str().to_owned())),
                ..UpdateUser::default()
            };
            self.update_user_record(user.as_str(), &home).await?;
        } else {
            let link = NewUserLink {
                user_id: user.as_str().to_owned(),
                group_id: Some(group.as_str().to_owned()),
                role_id: None,
            };
            self.create_link("usrgps", &link).await?;
        }
        Ok(MembershipChange::Added)
    }

    /// Clears the home group, or deletes the other-group link.
    async fn remove_member(&self, group: &GroupId, user: &UserId) -> Result<MembershipChange> {
        let current = self.get_user_record(user.as_str()).await?;
        if let Some(link) = other_link(&current, group) {
            self.delete_link("usrgps", &link.id).await?;
            return Ok(MembershipChange::Removed);
        }
        if current.home_group_id.as_deref() != Some(group.as_str()) {
            return Ok(MembershipChange::NotMember);
        }
        let clear = UpdateUser {
            home_group_id: Some(None),
            ..UpdateUser::default()
        };
        self.update_user_record(user.as_str(), &clear).await?;
        Ok(MembershipChange::Removed)
    }
}

#[async_trait]
impl AccessDirectory for WorkfrontClient {
    async fn list_roles(&self) -> Result<Vec<Role>> {
        let search = Search::new("role").fields(["ID", "name"]);
        let roles: Vec<NamedObject> = self.search_all(&search).await?;
        Ok(roles.into_iter().map(role).collect())
    }

    async fn resolve_role(&self, name: &str) -> Result<Role> {
        self.lookup("role", name).await.map(role)
    }

    /// Workfront users have one primary job role (`roleID`): this sets it,
    /// so exactly one role may be given.
    /// The first role becomes the primary one when the user has none; every
    /// other missing role is added as an other role (`POST /usrrol`).
    async fn assign_roles(&self, user_id: &UserId, roles: &[RoleId]) -> Result<User> {
        let mut current = self.get_user_record(user_id.as_str()).await?;
        for role in roles {
            let held = current.role_id.as_deref() == Some(role.as_str())
                || current
                    .user_roles
                    .iter()
                    .flatten()
                    .any(|l| l.role_id.as_deref() == Some(role.as_str()));
            if held {
                continue;
            }
            if current.role_id.is_none() {
                let primary = UpdateUser {
                    role_id: Some(Some(role.as_str().to_owned())),
                    ..UpdateUser::default()
                };
                current = self.update_user_record(user_id.as_str(), &primary).await?;
            } else {
                let link = NewUserLink {
                    user_id: user_id.as_str().to_owned(),
                    group_id: None,
                    role_id: Some(role.as_str().to_owned()),
                };
                self.create_link("usrrol", &link).await?;
                current = self.get_user_record(user_id.as_str()).await?;
            }
        }
        Ok(self.tag(user(current)))
    }

    /// The primary role is cleared (`roleID: null`); an other role's link
    /// is deleted.
    async fn remove_role(&self, user_id: &UserId, role: &RoleId) -> Result<User> {
        let current = self.get_user_record(user_id.as_str()).await?;
        let link = current
            .user_roles
            .iter()
            .flatten()
            .find(|l| l.role_id.as_deref() == Some(role.as_str()));
        if let Some(link) = link {
            self.delete_link("usrrol", &link.id).await?;
        } else if current.role_id.as_deref() == Some(role.as_str()) {
            let clear = UpdateUser {
                role_id: Some(None),
                ..UpdateUser::default()
            };
            self.update_user_record(user_id.as_str(), &clear).await?;
        } else {
            return Ok(self.tag(user(current)));
        }
        self.get_user(user_id).await
    }

    async fn resolve_access_level(&self, name: &str) -> Result<AccessLevel> {
        self.lookup("accesslevel", name).await.map(access_level)
    }

    async fn list_access_levels(&self) -> Result<Vec<AccessLevel>> {
        let search = Search::new("accesslevel").fields(["ID", "name"]);
        let levels: Vec<NamedObject> = self.search_all(&search).await?;
        Ok(levels.into_iter().map(access_level).collect())
    }

    async fn set_access_level(&self, user_id: &UserId, level: &AccessLevelId) -> Result<User> {
        self.update_user_record(
            user_id.as_str(),
            &UpdateUser {
                access_level_id: Some(level.as_str().to_owned()),
                ..UpdateUser::default()
            },
        )
        .await
        .map(|record| self.tag(user(record)))
    }
}

/// Emails per `emailAddr in (...)` search of a bulk look-up.
const EMAILS_PER_SEARCH: usize = 100;

/// Bulk look-ups by `emailAddr in (...)` searches of 100 addresses, and
/// deactivation through `POST /batch`: `PUT /user/{id} {"isActive": false}`
/// in chunks of at most 50, `concurrency` chunks at a time.
#[async_trait]
impl BulkDirectory for WorkfrontClient {
    async fn find_users_by_emails(
        &self,
        emails: &[String],
        concurrency: usize,
    ) -> Vec<Result<Option<User>>> {
        // `in` compares exactly: ask for each address as given and
        // lower-cased, and match ignoring case here.
        let chunks: Vec<Vec<String>> = emails
            .chunks(EMAILS_PER_SEARCH)
            .map(<[String]>::to_vec)
            .collect();
        let searched: Vec<Result<Vec<WorkfrontUser>>> = futures::stream::iter(chunks)
            .map(|chunk: Vec<String>| async move {
                let mut values: Vec<String> = chunk.iter().map(|e| e.trim().to_owned()).collect();
                values.extend(chunk.iter().map(|e| normalize_email(e)));
                values.sort();
                values.dedup();
                let search = Search::new("user")
                    .filter_in("emailAddr", values)
                    .fields(USER_FIELDS.split(','));
                self.search_all::<WorkfrontUser>(&search).await
            })
            .buffered(concurrency.max(1))
            .collect()
            .await;
        let mut by_email: HashMap<String, Vec<WorkfrontUser>> = HashMap::new();
        let mut chunk_errors: Vec<Option<Error>> = Vec::new();
        for result in searched {
            match result {
                Ok(users) => {
                    chunk_errors.push(None);
                    for found in users {
                        let key = normalize_email(found.email_addr.as_deref().unwrap_or(""));
                        by_email.entry(key).or_default().push(found);
                    }
                }
                Err(err) => chunk_errors.push(Some(err)),
            }
        }
        let mut outcomes = Vec::with_capacity(emails.len());
        for (i, email) in emails.iter().enumerate() {
            if let Some(Some(err)) = chunk_errors.get(i / EMAILS_PER_SEARCH) {
                outcomes.push(Err(err.clone()));
                continue;
            }
            let candidates = by_email
                .get(&normalize_email(email))
                .cloned()
                .unwrap_or_default();
            let found = match pick_account(candidates, email) {
                Some(found) => Ok(Some(self.tag(user(found)))),
                // An address stored with other capitals: `cieq` finds it.
                None if email.trim() != normalize_email(email) => {
                    self.find_user_by_email(email).await
                }
                None => Ok(None),
            };
            outcomes.push(found);
        }
        outcomes
    }

    async fn deactivate_many(&self, ids: &[UserId], concurrency: usize) -> Vec<Result<()>> {
        let ops: Vec<BatchOp> = ids
            .iter()
            .map(|id| BatchOp::update_user(id.as_str(), &UpdateUser::deactivate()))
            .collect();
        let options = BatchOptions {
            concurrency: concurrency.max(1),
            ..BatchOptions::default()
        };
        self.batch(&ops, options)
            .await
            .into_iter()
            .map(|outcome| outcome.map(|_| ()))
            .collect()
    }
}
