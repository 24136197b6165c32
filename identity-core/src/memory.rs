//! [`InMemoryDirectory`]: every directory trait, in memory. Use it in your own
//! tests (wrap it in [`FaultyDirectory`](crate::faults::FaultyDirectory) to
//! make it fail); the conformance suite runs against it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use futures::StreamExt;
use serde_json::json;

use crate::directory::{
    AccessDirectory, BulkDirectory, GroupDirectory, ResultStream, UserDirectory,
};
use crate::error::{Error, Result};
use crate::model::{
    AccessLevel, AccessLevelId, DeleteConfirmation, Group, GroupId, MembershipChange, NewUser,
    Page, RawRecord, Role, RoleId, User, UserId, UserPatch, UserQuery, normalize_email,
    pick_by_name,
};

#[derive(Default)]
struct State {
    users: BTreeMap<UserId, User>,
    by_email: HashMap<String, UserId>,
    groups: BTreeMap<GroupId, (Group, BTreeSet<UserId>)>,
    roles: Vec<Role>,
    access_levels: Vec<AccessLevel>,
    next_id: u64,
    deletes: u64,
}

/// A directory held in memory. Ids are `u1`, `u2`, ...; emails are unique
/// case-insensitively, like the real services.
pub struct InMemoryDirectory {
    state: Mutex<State>,
    page_size: usize,
}

impl Default for InMemoryDirectory {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for InMemoryDirectory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InMemoryDirectory")
            .field("page_size", &self.page_size)
            .finish_non_exhaustive()
    }
}

impl InMemoryDirectory {
    /// An empty directory listing 50 users a page.
    pub fn new() -> Self {
        Self {
            state: Mutex::new(State::default()),
            page_size: 50,
        }
    }

    /// Sets the listing page size.
    #[must_use]
    pub fn with_page_size(mut self, page_size: usize) -> Self {
        self.page_size = page_size.max(1);
        self
    }

    /// Defines roles by name (ids `r1`, `r2`, ...).
    #[must_use]
    pub fn with_roles(self, names: &[&str]) -> Self {
        let roles = named("r", names, |id, name, raw| {
            Role::new(RoleId::new(id), name, raw)
        });
        self.lock().roles.extend(roles);
        self
    }

    /// Defines access levels by name (ids `al1`, `al2`, ...).
    #[must_use]
    pub fn with_access_levels(self, names: &[&str]) -> Self {
        let levels = named("al", names, |id, name, raw| {
            AccessLevel::new(AccessLevelId::new(id), name, raw)
        });
        self.lock().access_levels.extend(levels);
        self
    }

    /// Every user, for assertions.
    pub fn users(&self) -> Vec<User> {
        self.lock().users.values().cloned().collect()
    }

    /// How many users were deleted.
    pub fn deletes(&self) -> u64 {
        self.lock().deletes
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the maps half-updated
        // (every mutation is a single insert/remove), so poisoning is ignored.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn user_mut<'a>(state: &'a mut State, id: &UserId) -> Result<&'a mut User> {
        state
            .users
            .get_mut(id)
            .ok_or_else(|| Error::not_found(format!("user {id}")))
    }

    fn apply_patch(state: &mut State, id: &UserId, patch: &UserPatch) -> Result<User> {
        patch.validate()?;
        if let Some(email) = &patch.email {
            let key = normalize_email(email);
            if state.by_email.get(&key).is_some_and(|other| other != id) {
                return Err(Error::Conflict {
                    message: format!("email {email} is taken"),
                    reply: None,
                });
            }
        }
        let old_email = normalize_email(&Self::user_mut(state, id)?.email);
        let user = Self::user_mut(state, id)?;
        if let Some(v) = &patch.email {
            user.email = v.clone();
        }
        if let Some(v) = &patch.first_name {
            user.first_name = Some(v.clone());
        }
        if let Some(v) = &patch.last_name {
            user.last_name = Some(v.clone());
        }
        if let Some(v) = &patch.display_name {
            user.display_name = Some(v.clone());
        }
        if let Some(v) = patch.active {
            user.active = v;
        }
        if let Some(v) = &patch.roles {
            user.roles = v.clone();
        }
        let user = user.clone();
        if patch.email.is_some() {
            state.by_email.remove(&old_email);
            state
                .by_email
                .insert(normalize_email(&user.email), id.clone());
        }
        Ok(user)
    }
}

/// Named objects with ids `{prefix}1`, `{prefix}2`, ... and a small record.
fn named<T>(prefix: &str, names: &[&str], make: impl Fn(String, &str, RawRecord) -> T) -> Vec<T> {
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let id = format!("{prefix}{}", i + 1);
            let raw = RawRecord::from_serialize(&json!({"id": id, "name": name}));
            make(id, name, raw)
        })
        .collect()
}

#[async_trait]
impl UserDirectory for InMemoryDirectory {
    fn directory_name(&self) -> &str {
        "memory"
    }

    fn list_user_pages(&self, query: &UserQuery) -> ResultStream<'_, Page<User>> {
        let wanted = query.email.as_deref().map(normalize_email);
        let since = query.updated_since;
        let users: Vec<User> = self
            .lock()
            .users
            .values()
            .filter(|u| {
                wanted
                    .as_ref()
                    .is_none_or(|e| normalize_email(&u.email) == *e)
            })
            .filter(|u| {
                since
                    .as_ref()
                    .is_none_or(|s| u.updated_at.is_some_and(|at| at >= *s))
            })
            .cloned()
            .collect();
        let total = users.len() as u64;
        let pages: Vec<_> = users
            .chunks(self.page_size)
            .map(|chunk| {
                Ok(Page {
                    items: chunk.to_vec(),
                    total: Some(total),
                })
            })
            .collect();
        futures::stream::iter(pages).boxed()
    }

    async fn get_user(&self, id: &UserId) -> Result<User> {
        self.lock()
            .users
            .get(id)
            .cloned()
            .ok_or_else(|| Error::not_found(format!("user {id}")))
    }

    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>> {
        let state = self.lock();
        let id = state.by_email.get(&normalize_email(email)).cloned();
        Ok(id.and_then(|id| state.users.get(&id).cloned()))
    }

    async fn create_user(&self, new_user: &NewUser) -> Result<User> {
        let mut guard = self.lock();
        let state = &mut *guard;
        {
            let key = normalize_email(&new_user.email);
            if state.by_email.contains_key(&key) {
                return Err(Error::Conflict {
                    message: format!("a user with email {} exists", new_user.email),
                    reply: None,
                });
            }
            state.next_id += 1;
            let id = UserId::new(format!("u{}", state.next_id));
            let mut user = User::new(id.clone(), new_user.email.clone());
            user.username = new_user.username.clone();
            user.first_name = Some(new_user.first_name.clone());
            user.last_name = Some(new_user.last_name.clone());
            user.display_name = Some(new_user.display_name_or_default());
            user.active = new_user.active;
            if let Some(name) = &new_user.access_level {
                let level = pick_by_name(state.access_levels.iter(), name, |l| &l.name)
                    .ok_or_else(|| Error::not_found(format!("access level {name:?}")))?;
                user.access_level = Some(level.id.clone());
            }
            user.raw =
                RawRecord::from_serialize(&json!({"id": id.as_str(), "email": new_user.email}));
            state.users.insert(id.clone(), user.clone());
            state.by_email.insert(key, id);
            Ok(user)
        }
    }

    async fn update_user(&self, id: &UserId, patch: &UserPatch) -> Result<User> {
        Self::apply_patch(&mut self.lock(), id, patch)
    }

    async fn delete_user(&self, id: &UserId, confirm: &DeleteConfirmation) -> Result<()> {
        confirm.check(id)?;
        let mut state = self.lock();
        let user = state
            .users
            .remove(id)
            .ok_or_else(|| Error::not_found(format!("user {id}")))?;
        state.by_email.remove(&normalize_email(&user.email));
        for (_, members) in state.groups.values_mut() {
            members.remove(id);
        }
        state.deletes += 1;
        Ok(())
    }
}

#[async_trait]
impl GroupDirectory for InMemoryDirectory {
    fn list_groups(&self) -> ResultStream<'_, Group> {
        let groups: Vec<_> = self
            .lock()
            .groups
            .values()
            .map(|(g, m)| {
                Ok(Group {
                    member_count: Some(m.len() as u64),
                    ..g.clone()
                })
            })
            .collect();
        futures::stream::iter(groups).boxed()
    }

    async fn get_group(&self, id: &GroupId) -> Result<Group> {
        self.lock()
            .groups
            .get(id)
            .map(|(g, _)| g.clone())
            .ok_or_else(|| Error::not_found(format!("group {id}")))
    }

    async fn find_group_by_name(&self, name: &str) -> Result<Option<Group>> {
        let state = self.lock();
        let groups = state.groups.values().map(|(g, _)| g);
        Ok(pick_by_name(groups, name, |g| &g.name).cloned())
    }

    async fn create_group(&self, name: &str) -> Result<Group> {
        if name.trim().is_empty() {
            return Err(Error::invalid("group name is required"));
        }
        let mut state = self.lock();
        if state.groups.values().any(|(g, _)| g.name == name) {
            return Err(Error::Conflict {
                message: format!("group {name:?} exists"),
                reply: None,
            });
        }
        state.next_id += 1;
        let id = GroupId::new(format!("g{}", state.next_id));
        let group = Group {
            id: id.clone(),
            name: name.to_owned(),
            member_count: Some(0),
            raw: RawRecord::from_serialize(&json!({"id": id.as_str(), "name": name})),
        };
        state.groups.insert(id, (group.clone(), BTreeSet::new()));
        Ok(group)
    }

    async fn rename_group(&self, id: &GroupId, name: &str) -> Result<Group> {
        if name.trim().is_empty() {
            return Err(Error::invalid("group name is required"));
        }
        let mut state = self.lock();
        if state
            .groups
            .values()
            .any(|(g, _)| g.name == name && &g.id != id)
        {
            return Err(Error::Conflict {
                message: format!("group {name:?} exists"),
                reply: None,
            });
        }
        let (group, _) = state
            .groups
            .get_mut(id)
            .ok_or_else(|| Error::not_found(format!("group {id}")))?;
        group.name = name.to_owned();
        Ok(group.clone())
    }

    async fn groups_of(&self, user: &UserId) -> Result<Vec<GroupId>> {
        let state = self.lock();
        if !state.users.contains_key(user) {
            return Err(Error::not_found(format!("user {user}")));
        }
        Ok(state
            .groups
            .iter()
            .filter(|(_, (_, members))| members.contains(user))
            .map(|(id, _)| id.clone())
            .collect())
    }

    fn list_members(&self, group: &GroupId) -> ResultStream<'_, UserId> {
        let members = match self.lock().groups.get(group) {
            Some((_, members)) => members.iter().cloned().map(Ok).collect(),
            None => vec![Err(Error::not_found(format!("group {group}")))],
        };
        futures::stream::iter(members).boxed()
    }

    async fn add_member(&self, group: &GroupId, user: &UserId) -> Result<MembershipChange> {
        let mut guard = self.lock();
        let state = &mut *guard;
        {
            if !state.users.contains_key(user) {
                return Err(Error::not_found(format!("user {user}")));
            }
            let (_, members) = state
                .groups
                .get_mut(group)
                .ok_or_else(|| Error::not_found(format!("group {group}")))?;
            Ok(if members.insert(user.clone()) {
                MembershipChange::Added
            } else {
                MembershipChange::AlreadyMember
            })
        }
    }

    async fn remove_member(&self, group: &GroupId, user: &UserId) -> Result<MembershipChange> {
        let mut state = self.lock();
        let (_, members) = state
            .groups
            .get_mut(group)
            .ok_or_else(|| Error::not_found(format!("group {group}")))?;
        Ok(if members.remove(user) {
            MembershipChange::Removed
        } else {
            MembershipChange::NotMember
        })
    }
}

#[async_trait]
impl AccessDirectory for InMemoryDirectory {
    async fn list_roles(&self) -> Result<Vec<Role>> {
        Ok(self.lock().roles.clone())
    }

    async fn assign_roles(&self, user: &UserId, roles: &[RoleId]) -> Result<User> {
        let mut state = self.lock();
        if let Some(unknown) = roles
            .iter()
            .find(|r| !state.roles.iter().any(|k| &k.id == *r))
        {
            return Err(Error::not_found(format!("role {unknown}")));
        }
        let user = Self::user_mut(&mut state, user)?;
        for role in roles {
            if !user.roles.contains(role) {
                user.roles.push(role.clone());
            }
        }
        Ok(user.clone())
    }

    async fn remove_role(&self, user: &UserId, role: &RoleId) -> Result<User> {
        let mut state = self.lock();
        let user = Self::user_mut(&mut state, user)?;
        user.roles.retain(|held| held != role);
        Ok(user.clone())
    }

    async fn resolve_access_level(&self, name: &str) -> Result<AccessLevel> {
        let levels = self.lock().access_levels.clone();
        pick_by_name(levels, name, |l| &l.name)
            .ok_or_else(|| Error::not_found(format!("access level {name:?}")))
    }

    async fn list_access_levels(&self) -> Result<Vec<AccessLevel>> {
        Ok(self.lock().access_levels.clone())
    }

    async fn set_access_level(&self, user: &UserId, level: &AccessLevelId) -> Result<User> {
        let mut state = self.lock();
        if !state.access_levels.iter().any(|l| &l.id == level) {
            return Err(Error::not_found(format!("access level {level}")));
        }
        let user = Self::user_mut(&mut state, user)?;
        user.access_level = Some(level.clone());
        Ok(user.clone())
    }
}

impl BulkDirectory for InMemoryDirectory {}
