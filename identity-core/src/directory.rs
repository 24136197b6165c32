//! The traits every directory (vendor client, in-memory, simulator) implements.
//!
//! Callers write joiner / mover / leaver logic once against these traits and
//! run it against any vendor.

use async_trait::async_trait;
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};

use crate::error::{Error, Result};
use crate::model::{
    AccessLevel, AccessLevelId, DeleteConfirmation, Group, GroupId, MembershipChange, NewUser,
    Page, Role, RoleId, User, UserId, UserPatch, UserQuery, pick_by_name,
};

/// A stream of results: an error mid-way is yielded and ends the stream, it is
/// never turned into a silently short listing.
pub type ResultStream<'a, T> = BoxStream<'a, Result<T>>;

/// Flattens a stream of pages into a stream of items, keeping errors.
#[cfg_attr(not(feature = "backend"), allow(dead_code, unreachable_pub))] // used by `backend`
pub fn flatten_pages<'a, T: Send + 'a>(pages: ResultStream<'a, Page<T>>) -> ResultStream<'a, T> {
    pages
        .flat_map(|page| match page {
            Ok(page) => futures::stream::iter(page.items.into_iter().map(Ok)).left_stream(),
            Err(err) => futures::stream::once(async move { Err(err) }).right_stream(),
        })
        .boxed()
}

/// Users: list, read, create, change, deactivate, delete.
#[async_trait]
pub trait UserDirectory: Send + Sync {
    /// A short name for logs and reports (e.g. `memory`, `workfront`).
    fn directory_name(&self) -> &str;

    /// Ends what the client holds open on the server (a Workfront session),
    /// best effort and idempotent: call it when done. The default has
    /// nothing to end.
    async fn close(&self) -> Result<()> {
        Ok(())
    }

    /// Lists users page by page, in server order.
    fn list_user_pages(&self, query: &UserQuery) -> ResultStream<'_, Page<User>>;

    /// Lists users one by one, fetching pages as the stream is read; an
    /// error mid-way ends the stream with that error (never a short list).
    ///
    /// ```
    /// use futures::TryStreamExt;
    /// use identity_core::memory::InMemoryDirectory;
    /// use identity_core::{NewUser, UserDirectory, UserQuery};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> identity_core::Result<()> {
    /// let dir = InMemoryDirectory::new().with_page_size(2);
    /// for name in ["ann", "bob", "cat"] {
    ///     let new = NewUser::builder(format!("{name}@example.com")).first_name(name).last_name("X").build()?;
    ///     dir.create_user(&new).await?;
    /// }
    /// let everyone: Vec<_> = dir.list_users(&UserQuery::default()).try_collect().await?;
    /// assert_eq!(everyone.len(), 3);
    ///
    /// // Or stream without holding everyone in memory.
    /// let mut users = dir.list_users(&UserQuery::default().with_email("BOB@example.com"));
    /// while let Some(user) = users.try_next().await? {
    ///     assert_eq!(user.email, "bob@example.com");
    /// }
    /// # Ok(())
    /// # }
    /// ```
    fn list_users(&self, query: &UserQuery) -> ResultStream<'_, User> {
        flatten_pages(self.list_user_pages(query))
    }

    /// Reads one user; [`Error::NotFound`] if there is none.
    async fn get_user(&self, id: &UserId) -> Result<User>;

    /// Finds the user with this email, ignoring case.
    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>>;

    /// Creates a user. A duplicate email is [`Error::Conflict`].
    async fn create_user(&self, user: &NewUser) -> Result<User>;

    /// Changes only the fields the patch sets, and returns the user as it is
    /// afterwards.
    async fn update_user(&self, id: &UserId, patch: &UserPatch) -> Result<User>;

    /// Activates or deactivates a user (deactivation is the reversible way to
    /// deprovision).
    async fn set_active(&self, id: &UserId, active: bool) -> Result<User> {
        self.update_user(id, &UserPatch::active(active)).await
    }

    /// Deletes a user permanently. Requires a [`DeleteConfirmation`] made for
    /// this very user; prefer [`set_active`](Self::set_active)`(id, false)`.
    async fn delete_user(&self, id: &UserId, confirm: &DeleteConfirmation) -> Result<()>;
}

/// Groups and their members.
#[async_trait]
pub trait GroupDirectory: Send + Sync {
    /// Lists every group.
    fn list_groups(&self) -> ResultStream<'_, Group>;

    /// Reads one group; [`Error::NotFound`] if there is none.
    async fn get_group(&self, id: &GroupId) -> Result<Group>;

    /// Finds a group by exact name.
    async fn find_group_by_name(&self, name: &str) -> Result<Option<Group>>;

    /// Creates a group.
    async fn create_group(&self, name: &str) -> Result<Group>;

    /// Renames a group; the group as renamed. Directories that cannot
    /// answer [`Error::Unsupported`].
    async fn rename_group(&self, id: &GroupId, name: &str) -> Result<Group> {
        let _ = (id, name);
        Err(Error::Unsupported {
            operation: "renaming groups".into(),
        })
    }

    /// Lists the members of a group.
    fn list_members(&self, group: &GroupId) -> ResultStream<'_, UserId>;

    /// Adds a member; adding an existing member is success
    /// ([`MembershipChange::AlreadyMember`]).
    async fn add_member(&self, group: &GroupId, user: &UserId) -> Result<MembershipChange>;

    /// Removes a member; removing a non-member is success
    /// ([`MembershipChange::NotMember`]).
    async fn remove_member(&self, group: &GroupId, user: &UserId) -> Result<MembershipChange>;

    /// The groups the user is in, the same on every backend (the authority;
    /// [`User::groups`] holds only what the app's user record carries). The
    /// default asks every group for its members; backends whose user records
    /// name their groups answer from the record.
    async fn groups_of(&self, user: &UserId) -> Result<Vec<GroupId>> {
        let groups: Vec<Group> = self.list_groups().try_collect().await?;
        let mut held = Vec::new();
        for group in groups {
            let members: Vec<UserId> = self.list_members(&group.id).try_collect().await?;
            if members.contains(user) {
                held.push(group.id);
            }
        }
        Ok(held)
    }

    /// Resolves a group name to the group, or a clear [`Error::NotFound`].
    async fn resolve_group(&self, name: &str) -> Result<Group> {
        self.find_group_by_name(name)
            .await?
            .ok_or_else(|| Error::not_found(format!("group {name:?}")))
    }
}

/// Roles and access levels, resolved by name (their ids are instance-specific
/// and must never be hard-coded).
#[async_trait]
pub trait AccessDirectory: Send + Sync {
    /// Lists the roles the directory defines.
    async fn list_roles(&self) -> Result<Vec<Role>>;

    /// Resolves a role by name (case-insensitive), or a clear
    /// [`Error::NotFound`] naming it. Implementations cache the answer.
    async fn resolve_role(&self, name: &str) -> Result<Role> {
        let roles = self.list_roles().await?;
        pick_by_name(roles, name, |r| &r.name)
            .ok_or_else(|| Error::not_found(format!("role {name:?}")))
    }

    /// Gives the user these roles in addition to the ones held.
    async fn assign_roles(&self, user: &UserId, roles: &[RoleId]) -> Result<User>;

    /// Takes one role away, keeping the others; the user as left. Not
    /// holding it is not an error (nothing changes). Directories without
    /// roles answer [`Error::Unsupported`].
    async fn remove_role(&self, user: &UserId, role: &RoleId) -> Result<User> {
        let _ = (user, role);
        Err(Error::Unsupported {
            operation: "removing roles".into(),
        })
    }

    /// Resolves an access level by name, where the directory has them.
    async fn resolve_access_level(&self, name: &str) -> Result<AccessLevel> {
        let _ = name;
        Err(Error::Unsupported {
            operation: "access levels".into(),
        })
    }

    /// Lists the access levels, where the directory has them.
    async fn list_access_levels(&self) -> Result<Vec<AccessLevel>> {
        Err(Error::Unsupported {
            operation: "access levels".into(),
        })
    }

    /// Sets the user's access level, where the directory has them.
    async fn set_access_level(&self, user: &UserId, level: &AccessLevelId) -> Result<User> {
        let _ = (user, level);
        Err(Error::Unsupported {
            operation: "access levels".into(),
        })
    }
}

/// Operations on many users at once. The default runs them one by one with
/// bounded concurrency; directories with a bulk API (e.g. batch requests)
/// override it.
#[async_trait]
pub trait BulkDirectory: UserDirectory {
    /// Finds the user of each email (ignoring case), `concurrency` look-ups
    /// at a time: one outcome per email, in order.
    async fn find_users_by_emails(
        &self,
        emails: &[String],
        concurrency: usize,
    ) -> Vec<Result<Option<User>>> {
        futures::stream::iter(emails.iter().cloned())
            .map(|email: String| async move { self.find_user_by_email(&email).await })
            .buffered(concurrency.max(1))
            .collect()
            .await
    }

    /// Deactivates `ids`, `concurrency` at a time: one outcome per id, in
    /// order.
    async fn deactivate_many(&self, ids: &[UserId], concurrency: usize) -> Vec<Result<()>> {
        futures::stream::iter(ids.iter().cloned())
            .map(|id: UserId| async move { self.set_active(&id, false).await.map(|_| ()) })
            .buffered(concurrency.max(1))
            .collect()
            .await
    }
}

/// Everything a lifecycle tool needs from one directory.
pub trait Directory: UserDirectory + GroupDirectory + AccessDirectory + BulkDirectory {}

impl<T> Directory for T where
    T: UserDirectory + GroupDirectory + AccessDirectory + BulkDirectory + ?Sized
{
}
