//! Fault injection as a wrapper any directory can wear: [`FaultyDirectory`].
//!
//! The faults are the ones real services inflict on identity automation, in
//! one vocabulary shared with the simulators' HTTP host
//! ([`sandbox::Disposition`](crate::sandbox)): a refusal before anything is
//! committed, a change committed whose answer is lost, a timeout, a spurious
//! conflict. Wrap your own test directory, the in-memory one or a real client
//! and queue faults per operation:
//!
//! ```
//! use identity_core::faults::{Fault, FaultyDirectory, Operation};
//! use identity_core::memory::InMemoryDirectory;
//! use identity_core::{ensure_user, NewUser};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> identity_core::Result<()> {
//! let dir = FaultyDirectory::new(InMemoryDirectory::new());
//! dir.inject(Operation::Create, Fault::CommitThenDrop);
//!
//! let jane = NewUser::builder("jane@example.com").first_name("Jane").last_name("Doe").build()?;
//! // The create is committed, its answer lost; ensure_user finds the user.
//! assert!(ensure_user(&dir, &jane).await?.was_created());
//! assert_eq!(dir.committed(Operation::Create), 1);
//! assert_eq!(dir.inner().users().len(), 1);
//! # Ok(())
//! # }
//! ```

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;

use crate::directory::{
    AccessDirectory, BulkDirectory, GroupDirectory, ResultStream, UserDirectory,
};
use crate::error::{Error, Reply, Result};
use crate::model::{
    AccessLevel, AccessLevelId, DeleteConfirmation, Group, GroupId, MembershipChange, NewUser,
    Page, Role, RoleId, User, UserId, UserPatch, UserQuery,
};

/// The directory operations a [`FaultyDirectory`] can inject a fault into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// `find_user_by_email`.
    FindByEmail,
    /// `create_user`.
    Create,
    /// `update_user` and `set_active`.
    Update,
    /// `get_user`.
    Get,
    /// `delete_user`.
    Delete,
    /// `add_member`.
    AddMember,
    /// `remove_member`.
    RemoveMember,
    /// `assign_roles`.
    AssignRoles,
    /// `remove_role`.
    RemoveRole,
}

/// A failure a service inflicts on one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// `503` before doing anything: nothing committed.
    Unavailable,
    /// `429` before doing anything: nothing committed.
    RateLimited,
    /// The change is committed, then the answer is lost (the connection
    /// drops): the ambiguous failure that makes naive clients duplicate.
    CommitThenDrop,
    /// The call times out after sending; nothing committed.
    TimeoutBeforeCommit,
    /// A `409` without any change, that no state explains.
    SpuriousConflict,
}

impl Fault {
    /// The error a client sees when this fault strikes.
    pub fn error(self) -> Error {
        match self {
            Fault::Unavailable => Error::Server {
                message: "injected 503".into(),
                reply: Reply::new(503, b"{\"message\":\"unavailable\"}"),
            },
            Fault::RateLimited => Error::RateLimited {
                retry_after: None,
                reply: None,
            },
            Fault::CommitThenDrop | Fault::TimeoutBeforeCommit => Error::Transport {
                message: "injected: connection dropped".into(),
                may_have_reached_server: true,
                timed_out: self == Fault::TimeoutBeforeCommit,
            },
            Fault::SpuriousConflict => Error::Conflict {
                message: "injected conflict".into(),
                reply: None,
            },
        }
    }
}

#[derive(Default)]
struct Ledger {
    queued: HashMap<Operation, VecDeque<Fault>>,
    committed: HashMap<Operation, u64>,
}

/// A directory that suffers queued [`Fault`]s before (or, for
/// [`Fault::CommitThenDrop`], after) delegating to the one it wraps.
///
/// It implements every directory trait its inner directory implements and
/// forwards every method, provided ones included, so a backend's own
/// implementations (a batched `deactivate_many`, say) still run. Listings,
/// look-ups by name and the bulk operations pass through without faults.
pub struct FaultyDirectory<D> {
    inner: D,
    ledger: Mutex<Ledger>,
}

impl<D> std::fmt::Debug for FaultyDirectory<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaultyDirectory").finish_non_exhaustive()
    }
}

impl<D> FaultyDirectory<D> {
    /// Wraps `inner`; no fault is queued yet.
    pub fn new(inner: D) -> Self {
        Self {
            inner,
            ledger: Mutex::new(Ledger::default()),
        }
    }

    /// Makes the next call of `operation` suffer `fault`; faults queue up,
    /// one per call.
    pub fn inject(&self, operation: Operation, fault: Fault) {
        self.ledger()
            .queued
            .entry(operation)
            .or_default()
            .push_back(fault);
    }

    /// How many calls of `operation` the inner directory carried out
    /// successfully (those whose answer a fault then lost included).
    pub fn committed(&self, operation: Operation) -> u64 {
        self.ledger()
            .committed
            .get(&operation)
            .copied()
            .unwrap_or(0)
    }

    /// The wrapped directory, for assertions on its state.
    pub fn inner(&self) -> &D {
        &self.inner
    }

    /// Unwraps the directory.
    pub fn into_inner(self) -> D {
        self.inner
    }

    fn ledger(&self) -> MutexGuard<'_, Ledger> {
        // Every change to the ledger is a single push, pop or increment.
        self.ledger.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `call` unless a queued fault says otherwise.
    async fn guarded<T, F>(&self, operation: Operation, call: impl FnOnce() -> F) -> Result<T>
    where
        F: Future<Output = Result<T>>,
    {
        let fault = self
            .ledger()
            .queued
            .get_mut(&operation)
            .and_then(VecDeque::pop_front);
        match fault {
            None | Some(Fault::CommitThenDrop) => {
                let outcome = call().await;
                if outcome.is_ok() {
                    *self.ledger().committed.entry(operation).or_default() += 1;
                }
                match (outcome, fault) {
                    (Ok(_), Some(dropped)) => Err(dropped.error()),
                    (outcome, _) => outcome,
                }
            }
            Some(fault) => Err(fault.error()),
        }
    }
}

#[async_trait]
impl<D: UserDirectory> UserDirectory for FaultyDirectory<D> {
    fn directory_name(&self) -> &str {
        self.inner.directory_name()
    }

    async fn close(&self) -> Result<()> {
        self.inner.close().await
    }

    fn list_user_pages(&self, query: &UserQuery) -> ResultStream<'_, Page<User>> {
        self.inner.list_user_pages(query)
    }

    fn list_users(&self, query: &UserQuery) -> ResultStream<'_, User> {
        self.inner.list_users(query)
    }

    async fn get_user(&self, id: &UserId) -> Result<User> {
        self.guarded(Operation::Get, || self.inner.get_user(id))
            .await
    }

    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>> {
        self.guarded(Operation::FindByEmail, || {
            self.inner.find_user_by_email(email)
        })
        .await
    }

    async fn create_user(&self, user: &NewUser) -> Result<User> {
        self.guarded(Operation::Create, || self.inner.create_user(user))
            .await
    }

    async fn update_user(&self, id: &UserId, patch: &UserPatch) -> Result<User> {
        self.guarded(Operation::Update, || self.inner.update_user(id, patch))
            .await
    }

    async fn set_active(&self, id: &UserId, active: bool) -> Result<User> {
        self.guarded(Operation::Update, || self.inner.set_active(id, active))
            .await
    }

    async fn delete_user(&self, id: &UserId, confirm: &DeleteConfirmation) -> Result<()> {
        self.guarded(Operation::Delete, || self.inner.delete_user(id, confirm))
            .await
    }
}

#[async_trait]
impl<D: GroupDirectory> GroupDirectory for FaultyDirectory<D> {
    fn list_groups(&self) -> ResultStream<'_, Group> {
        self.inner.list_groups()
    }

    async fn get_group(&self, id: &GroupId) -> Result<Group> {
        self.inner.get_group(id).await
    }

    async fn find_group_by_name(&self, name: &str) -> Result<Option<Group>> {
        self.inner.find_group_by_name(name).await
    }

    async fn create_group(&self, name: &str) -> Result<Group> {
        self.inner.create_group(name).await
    }

    fn list_members(&self, group: &GroupId) -> ResultStream<'_, UserId> {
        self.inner.list_members(group)
    }

    async fn rename_group(&self, id: &GroupId, name: &str) -> Result<Group> {
        self.inner.rename_group(id, name).await
    }

    async fn add_member(&self, group: &GroupId, user: &UserId) -> Result<MembershipChange> {
        self.guarded(Operation::AddMember, || self.inner.add_member(group, user))
            .await
    }

    async fn remove_member(&self, group: &GroupId, user: &UserId) -> Result<MembershipChange> {
        self.guarded(Operation::RemoveMember, || {
            self.inner.remove_member(group, user)
        })
        .await
    }

    async fn resolve_group(&self, name: &str) -> Result<Group> {
        self.inner.resolve_group(name).await
    }

    async fn groups_of(&self, user: &UserId) -> Result<Vec<GroupId>> {
        self.inner.groups_of(user).await
    }
}

#[async_trait]
impl<D: AccessDirectory> AccessDirectory for FaultyDirectory<D> {
    async fn list_roles(&self) -> Result<Vec<Role>> {
        self.inner.list_roles().await
    }

    async fn resolve_role(&self, name: &str) -> Result<Role> {
        self.inner.resolve_role(name).await
    }

    async fn assign_roles(&self, user: &UserId, roles: &[RoleId]) -> Result<User> {
        self.guarded(Operation::AssignRoles, || {
            self.inner.assign_roles(user, roles)
        })
        .await
    }

    async fn remove_role(&self, user: &UserId, role: &RoleId) -> Result<User> {
        self.guarded(Operation::RemoveRole, || self.inner.remove_role(user, role))
            .await
    }

    async fn resolve_access_level(&self, name: &str) -> Result<AccessLevel> {
        self.inner.resolve_access_level(name).await
    }

    async fn list_access_levels(&self) -> Result<Vec<AccessLevel>> {
        self.inner.list_access_levels().await
    }

    async fn set_access_level(&self, user: &UserId, level: &AccessLevelId) -> Result<User> {
        self.guarded(Operation::Update, || {
            self.inner.set_access_level(user, level)
        })
        .await
    }
}

#[async_trait]
impl<D: BulkDirectory> BulkDirectory for FaultyDirectory<D> {
    async fn find_users_by_emails(
        &self,
        emails: &[String],
        concurrency: usize,
    ) -> Vec<Result<Option<User>>> {
        self.inner.find_users_by_emails(emails, concurrency).await
    }

    async fn deactivate_many(&self, ids: &[UserId], concurrency: usize) -> Vec<Result<()>> {
        self.inner.deactivate_many(ids, concurrency).await
    }
}
