//! Joiner / leaver operations built on the directory traits: provision,
//! deprovision, and bulk deactivation from an emails file.
//!
//! Names (groups, roles, access levels) are resolved before any change, so an
//! unknown name changes nothing. Every operation has a dry run that sends no
//! mutating request.

use futures::TryStreamExt;
use serde::Serialize;

use crate::directory::{BulkDirectory, Directory};
use crate::ensure::{Ensured, ensure_user};
use crate::error::{Error, ErrorKind, Result};
use crate::model::{
    AccessLevel, DeleteConfirmation, Group, NewUser, Role, RoleId, User, validate_email,
};

/// What [`provision`] should make true.
///
/// ```
/// use identity_core::lifecycle::ProvisionRequest;
/// use identity_core::NewUser;
///
/// # fn main() -> identity_core::Result<()> {
/// let jane = NewUser::builder("jane@example.com").first_name("Jane").last_name("Doe").build()?;
/// let request = ProvisionRequest::new(jane).group("Finance").role("Auditor").dry_run(true);
/// assert_eq!(request.groups, ["Finance"]);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ProvisionRequest {
    /// The user (found by email, or created).
    pub user: NewUser,
    /// Group names the user must be in.
    pub groups: Vec<String>,
    /// Role names the user must hold.
    pub roles: Vec<String>,
    /// Access level name, for directories that have them.
    pub access_level: Option<String>,
    /// Report what would change, change nothing.
    pub dry_run: bool,
}

impl ProvisionRequest {
    /// Makes sure `user` exists; nothing more until groups, roles or an
    /// access level are added.
    pub fn new(user: NewUser) -> Self {
        Self {
            user,
            groups: Vec::new(),
            roles: Vec::new(),
            access_level: None,
            dry_run: false,
        }
    }

    /// The user must be in the group of this name.
    #[must_use]
    pub fn group(mut self, name: impl Into<String>) -> Self {
        self.groups.push(name.into());
        self
    }

    /// The user must be in each of these groups.
    #[must_use]
    pub fn groups<I: IntoIterator<Item = S>, S: Into<String>>(mut self, names: I) -> Self {
        self.groups.extend(names.into_iter().map(Into::into));
        self
    }

    /// The user must hold the role of this name.
    #[must_use]
    pub fn role(mut self, name: impl Into<String>) -> Self {
        self.roles.push(name.into());
        self
    }

    /// The user must hold each of these roles.
    #[must_use]
    pub fn roles<I: IntoIterator<Item = S>, S: Into<String>>(mut self, names: I) -> Self {
        self.roles.extend(names.into_iter().map(Into::into));
        self
    }

    /// The user must have the access level of this name (`None`: leave it).
    #[must_use]
    pub fn access_level(mut self, name: Option<String>) -> Self {
        self.access_level = name;
        self
    }

    /// Only report what would change (`true`), or change it (`false`, the
    /// default).
    #[must_use]
    pub fn dry_run(mut self, dry_run: bool) -> Self {
        self.dry_run = dry_run;
        self
    }
}

/// One change [`provision`] made (or would make).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Change {
    /// The user was created.
    CreateUser {
        /// Its email.
        email: String,
    },
    /// The user was added to a group.
    AddToGroup {
        /// Group name.
        group: String,
    },
    /// The user was given a role.
    AssignRole {
        /// Role name.
        role: String,
    },
    /// The user's access level was set.
    SetAccessLevel {
        /// Access level name.
        access_level: String,
    },
}

/// `created` or `existing`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProvisionOutcome {
    /// The user did not exist (in a dry run: would be created).
    Created,
    /// The user existed.
    Existing,
}

/// What [`provision`] did.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct ProvisionReport {
    /// `created` or `existing`.
    pub outcome: ProvisionOutcome,
    /// The user afterwards (`None` in a dry run that would create it).
    pub user: Option<User>,
    /// Changes made, or in a dry run, that would be made.
    pub changes: Vec<Change>,
    /// Whether this was a dry run.
    pub dry_run: bool,
}

struct Resolved {
    groups: Vec<Group>,
    roles: Vec<Role>,
    access_level: Option<AccessLevel>,
}

async fn resolve_names<D: Directory + ?Sized>(
    dir: &D,
    request: &ProvisionRequest,
) -> Result<Resolved> {
    let mut groups = Vec::new();
    for name in &request.groups {
        groups.push(dir.resolve_group(name).await?);
    }
    let mut roles = Vec::new();
    for name in &request.roles {
        roles.push(dir.resolve_role(name).await?);
    }
    let access_level = match &request.access_level {
        Some(name) => Some(dir.resolve_access_level(name).await?),
        None => None,
    };
    Ok(Resolved {
        groups,
        roles,
        access_level,
    })
}

async fn is_member<D: Directory + ?Sized>(dir: &D, group: &Group, user: &User) -> Result<bool> {
    if user.groups.contains(&group.id) {
        return Ok(true);
    }
    let members: Vec<_> = dir.list_members(&group.id).try_collect().await?;
    Ok(members.contains(&user.id))
}

/// Makes sure the user exists with the named groups, roles and access level.
/// Idempotent: a second run finds everything in place and changes nothing.
pub async fn provision<D: Directory + ?Sized>(
    dir: &D,
    request: &ProvisionRequest,
) -> Result<ProvisionReport> {
    let resolved = resolve_names(dir, request).await?;
    let mut changes = Vec::new();

    if request.dry_run {
        let existing = dir.find_user_by_email(&request.user.email).await?;
        if existing.is_none() {
            changes.push(Change::CreateUser {
                email: request.user.email.clone(),
            });
        }
        for group in &resolved.groups {
            let member = match &existing {
                Some(user) => is_member(dir, group, user).await?,
                None => false,
            };
            if !member {
                changes.push(Change::AddToGroup {
                    group: group.name.clone(),
                });
            }
        }
        for role in &resolved.roles {
            if !existing
                .as_ref()
                .is_some_and(|u| u.roles.contains(&role.id))
            {
                changes.push(Change::AssignRole {
                    role: role.name.clone(),
                });
            }
        }
        if let Some(level) = &resolved.access_level
            && existing
                .as_ref()
                .is_none_or(|u| u.access_level.as_ref() != Some(&level.id))
        {
            changes.push(Change::SetAccessLevel {
                access_level: level.name.clone(),
            });
        }
        return Ok(ProvisionReport {
            outcome: if existing.is_some() {
                ProvisionOutcome::Existing
            } else {
                ProvisionOutcome::Created
            },
            user: existing,
            changes,
            dry_run: true,
        });
    }

    let ensured = ensure_user(dir, &request.user).await?;
    let outcome = match ensured {
        Ensured::Created(_) => {
            changes.push(Change::CreateUser {
                email: request.user.email.clone(),
            });
            ProvisionOutcome::Created
        }
        Ensured::Existing(_) => ProvisionOutcome::Existing,
    };
    let mut user = ensured.into_user();
    for group in &resolved.groups {
        if dir.add_member(&group.id, &user.id).await? == crate::MembershipChange::Added {
            changes.push(Change::AddToGroup {
                group: group.name.clone(),
            });
        }
    }
    let missing: Vec<&Role> = resolved
        .roles
        .iter()
        .filter(|r| !user.roles.contains(&r.id))
        .collect();
    if !missing.is_empty() {
        let ids: Vec<RoleId> = missing.iter().map(|r| r.id.clone()).collect();
        user = dir.assign_roles(&user.id, &ids).await?;
        changes.extend(missing.iter().map(|r| Change::AssignRole {
            role: r.name.clone(),
        }));
    }
    if let Some(level) = &resolved.access_level
        && user.access_level.as_ref() != Some(&level.id)
    {
        user = dir.set_access_level(&user.id, &level.id).await?;
        changes.push(Change::SetAccessLevel {
            access_level: level.name.clone(),
        });
    }
    if !changes.is_empty() {
        // Group changes are not on every vendor's user record: read it back.
        user = dir.get_user(&user.id).await.unwrap_or(user);
    }
    Ok(ProvisionReport {
        outcome,
        user: Some(user),
        changes,
        dry_run: false,
    })
}

/// Deactivate (reversible) or delete (permanent, explicit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeprovisionMode {
    /// Set the account inactive.
    Deactivate,
    /// Delete the account permanently. Only on the caller's explicit request.
    Delete,
}

/// What [`deprovision`] should do, to whom.
///
/// ```
/// use identity_core::lifecycle::{DeprovisionMode, DeprovisionRequest};
///
/// let leaver = DeprovisionRequest::deactivate("jane@example.com").dry_run(true);
/// assert_eq!(leaver.mode, DeprovisionMode::Deactivate);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeprovisionRequest {
    /// The user's email (matched ignoring case).
    pub email: String,
    /// Deactivate or delete.
    pub mode: DeprovisionMode,
    /// Report what would happen, change nothing.
    pub dry_run: bool,
}

impl DeprovisionRequest {
    /// Deactivate the user (reversible).
    pub fn deactivate(email: impl Into<String>) -> Self {
        Self {
            email: email.into(),
            mode: DeprovisionMode::Deactivate,
            dry_run: false,
        }
    }

    /// Delete the user permanently: only on the caller's explicit request.
    pub fn delete(email: impl Into<String>) -> Self {
        Self {
            mode: DeprovisionMode::Delete,
            ..Self::deactivate(email)
        }
    }

    /// Only report what would happen (`true`), or do it (`false`, the
    /// default).
    #[must_use]
    pub fn dry_run(mut self, dry_run: bool) -> Self {
        self.dry_run = dry_run;
        self
    }
}

/// `deactivated`, `already_inactive` or `deleted`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeprovisionOutcome {
    /// The user was (or in a dry run, would be) deactivated.
    Deactivated,
    /// The user was inactive already: nothing changed.
    AlreadyInactive,
    /// The user was (or would be) deleted.
    Deleted,
}

/// What [`deprovision`] did.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct DeprovisionReport {
    /// What happened.
    pub outcome: DeprovisionOutcome,
    /// The user as found (before a delete) or as left.
    pub user: User,
    /// Whether this was a dry run.
    pub dry_run: bool,
}

/// Deprovisions the user with `email`; an unknown email is
/// [`Error::NotFound`].
pub async fn deprovision<D: Directory + ?Sized>(
    dir: &D,
    request: &DeprovisionRequest,
) -> Result<DeprovisionReport> {
    let DeprovisionRequest {
        email,
        mode,
        dry_run,
    } = request;
    let (mode, dry_run) = (*mode, *dry_run);
    validate_email(email)?;
    let user = dir.find_user_by_email(email).await?.ok_or_else(|| {
        Error::not_found(format!(
            "no user with email {email} in {}",
            dir.directory_name()
        ))
    })?;
    let (outcome, user) = match mode {
        DeprovisionMode::Delete => {
            if !dry_run {
                dir.delete_user(&user.id, &DeleteConfirmation::permanently_delete(&user.id))
                    .await?;
            }
            (DeprovisionOutcome::Deleted, user)
        }
        DeprovisionMode::Deactivate if !user.active => (DeprovisionOutcome::AlreadyInactive, user),
        DeprovisionMode::Deactivate if dry_run => (DeprovisionOutcome::Deactivated, user),
        DeprovisionMode::Deactivate => (
            DeprovisionOutcome::Deactivated,
            dir.set_active(&user.id, false).await?,
        ),
    };
    Ok(DeprovisionReport {
        outcome,
        user,
        dry_run,
    })
}

/// One user's result in a bulk run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum BulkOutcome {
    /// Deactivated now.
    Deactivated,
    /// Would be deactivated (dry run).
    WouldDeactivate,
    /// Inactive already.
    AlreadyInactive,
    /// No user with this email (reported, not a failure).
    NotFound,
    /// The look-up or the change failed.
    Failed,
}

/// One line of a bulk report.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct BulkResult {
    /// The email as given.
    pub email: String,
    /// What happened.
    pub outcome: BulkOutcome,
    /// The error, for `failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The counts of a bulk run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct BulkSummary {
    /// Deactivated now.
    pub deactivated: usize,
    /// Inactive already.
    pub already_inactive: usize,
    /// Unknown emails.
    pub not_found: usize,
    /// Failures.
    pub failed: usize,
    /// Would be deactivated (dry run only).
    pub would_deactivate: usize,
}

/// Everything a bulk run did, in input order.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct BulkReport {
    /// Per email.
    pub results: Vec<BulkResult>,
    /// Counts.
    pub summary: BulkSummary,
    /// Whether this was a dry run.
    pub dry_run: bool,
}

/// Which users [`bulk_deactivate`] should deactivate, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BulkDeactivateRequest {
    /// The users' emails, in the order of the report.
    pub emails: Vec<String>,
    /// Look-ups (and, where a vendor has no batch, changes) in flight at
    /// once; at least 1.
    pub concurrency: usize,
    /// Report what would happen, change nothing.
    pub dry_run: bool,
}

impl BulkDeactivateRequest {
    /// Deactivate the users with these emails, 8 look-ups at a time.
    pub fn new(emails: Vec<String>) -> Self {
        Self {
            emails,
            concurrency: 8,
            dry_run: false,
        }
    }

    /// Sets how many look-ups run at once (at least 1).
    #[must_use]
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    /// Only report what would happen (`true`), or do it (`false`, the
    /// default).
    #[must_use]
    pub fn dry_run(mut self, dry_run: bool) -> Self {
        self.dry_run = dry_run;
        self
    }
}

/// Deactivates the users with these emails: look-ups `concurrency` at a
/// time, then one [`BulkDirectory::deactivate_many`] call (which a vendor may
/// turn into batches). `progress` is called once per finished email.
///
/// ```
/// use identity_core::lifecycle::{bulk_deactivate, BulkDeactivateRequest};
/// use identity_core::memory::InMemoryDirectory;
/// use identity_core::{NewUser, UserDirectory};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> identity_core::Result<()> {
/// let dir = InMemoryDirectory::new();
/// let jane = NewUser::builder("jane@example.com").first_name("Jane").last_name("Doe").build()?;
/// dir.create_user(&jane).await?;
///
/// let leavers = BulkDeactivateRequest::new(vec!["jane@example.com".into(), "gone@example.com".into()]);
/// let report = bulk_deactivate(&dir, &leavers, &|_| {}).await;
/// assert_eq!((report.summary.deactivated, report.summary.not_found), (1, 1));
/// # Ok(())
/// # }
/// ```
pub async fn bulk_deactivate<D: BulkDirectory + ?Sized>(
    dir: &D,
    request: &BulkDeactivateRequest,
    progress: &(dyn Fn(usize) + Send + Sync),
) -> BulkReport {
    let BulkDeactivateRequest {
        emails,
        concurrency,
        dry_run,
    } = request;
    let (concurrency, dry_run) = ((*concurrency).max(1), *dry_run);
    let found = dir.find_users_by_emails(emails, concurrency).await;
    let mut results = Vec::with_capacity(emails.len());
    let mut targets = Vec::new();
    for (email, lookup) in emails.iter().zip(found) {
        let (outcome, error) = match lookup {
            Ok(None) => (BulkOutcome::NotFound, None),
            Ok(Some(user)) if !user.active => (BulkOutcome::AlreadyInactive, None),
            Ok(Some(user)) => {
                targets.push((results.len(), user.id));
                (BulkOutcome::WouldDeactivate, None)
            }
            Err(err) => (BulkOutcome::Failed, Some(err.to_string())),
        };
        if outcome != BulkOutcome::WouldDeactivate {
            progress(1);
        }
        results.push(BulkResult {
            email: email.clone(),
            outcome,
            error,
        });
    }
    if !dry_run && !targets.is_empty() {
        let ids: Vec<_> = targets.iter().map(|(_, id)| id.clone()).collect();
        let outcomes = dir.deactivate_many(&ids, concurrency).await;
        for ((index, _), outcome) in targets.iter().zip(outcomes) {
            let result = &mut results[*index];
            match outcome {
                Ok(()) => result.outcome = BulkOutcome::Deactivated,
                Err(err) if err.kind() == ErrorKind::NotFound => {
                    result.outcome = BulkOutcome::NotFound
                }
                Err(err) => {
                    result.outcome = BulkOutcome::Failed;
                    result.error = Some(err.to_string());
                }
            }
        }
    }
    progress(targets.len());
    let mut summary = BulkSummary::default();
    for result in &results {
        match result.outcome {
            BulkOutcome::Deactivated => summary.deactivated += 1,
            BulkOutcome::WouldDeactivate => summary.would_deactivate += 1,
            BulkOutcome::AlreadyInactive => summary.already_inactive += 1,
            BulkOutcome::NotFound => summary.not_found += 1,
            BulkOutcome::Failed => summary.failed += 1,
        }
    }
    BulkReport {
        results,
        summary,
        dry_run,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::InMemoryDirectory;
    use crate::{GroupDirectory, UserDirectory};

    fn person(email: &str) -> NewUser {
        NewUser::builder(email)
            .first_name("P")
            .last_name("Q")
            .build()
            .unwrap()
    }

    fn directory() -> InMemoryDirectory {
        InMemoryDirectory::new()
            .with_roles(&["Auditor", "Admin"])
            .with_access_levels(&["Light", "Standard"])
    }

    #[tokio::test]
    async fn provision_is_idempotent_and_reports_changes() {
        let dir = directory();
        dir.create_group("Finance").await.unwrap();
        let request = ProvisionRequest::new(person("jane@example.com"))
            .group("Finance")
            .role("auditor")
            .access_level(Some("Light".into()));
        let first = provision(&dir, &request).await.unwrap();
        assert_eq!(first.outcome, ProvisionOutcome::Created);
        assert_eq!(first.changes.len(), 4, "{:?}", first.changes);
        let second = provision(&dir, &request).await.unwrap();
        assert_eq!(second.outcome, ProvisionOutcome::Existing);
        assert!(second.changes.is_empty(), "{:?}", second.changes);
    }

    #[tokio::test]
    async fn unknown_names_fail_before_any_change() {
        let dir = directory();
        dir.create_group("Finance").await.unwrap();
        for (groups, roles, level, missing) in [
            (vec!["Nope"], vec![], None, "group \"Nope\""),
            (vec!["Finance"], vec!["Pilot"], None, "role \"Pilot\""),
            (
                vec![],
                vec![],
                Some("Galactic"),
                "access level \"Galactic\"",
            ),
        ] {
            let request = ProvisionRequest::new(person("new@example.com"))
                .groups(groups)
                .roles(roles)
                .access_level(level.map(String::from));
            let err = provision(&dir, &request).await.unwrap_err();
            assert!(err.to_string().contains(missing), "{err}");
            assert!(dir.users().is_empty());
        }
    }

    #[tokio::test]
    async fn dry_run_changes_nothing() {
        let dir = directory();
        dir.create_group("Finance").await.unwrap();
        let request = ProvisionRequest::new(person("jane@example.com"))
            .group("Finance")
            .dry_run(true);
        let report = provision(&dir, &request).await.unwrap();
        assert_eq!(report.outcome, ProvisionOutcome::Created);
        assert_eq!(report.changes.len(), 2);
        assert!(dir.users().is_empty());
        let user = dir.create_user(&person("x@example.com")).await.unwrap();
        let gone = deprovision(
            &dir,
            &DeprovisionRequest::delete("x@example.com").dry_run(true),
        )
        .await
        .unwrap();
        assert_eq!(gone.outcome, DeprovisionOutcome::Deleted);
        assert!(
            dir.get_user(&user.id).await.is_ok(),
            "dry-run delete kept the user"
        );
    }

    #[tokio::test]
    async fn deprovision_outcomes() {
        let dir = directory();
        dir.create_user(&person("a@example.com")).await.unwrap();
        let first = deprovision(&dir, &DeprovisionRequest::deactivate("A@example.com"))
            .await
            .unwrap();
        assert_eq!(first.outcome, DeprovisionOutcome::Deactivated);
        assert!(!first.user.active);
        let again = deprovision(&dir, &DeprovisionRequest::deactivate("a@example.com"))
            .await
            .unwrap();
        assert_eq!(again.outcome, DeprovisionOutcome::AlreadyInactive);
        let err = deprovision(&dir, &DeprovisionRequest::deactivate("ghost@example.com"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert!(err.to_string().contains("ghost@example.com"));
        assert_eq!(dir.deletes(), 0);
        deprovision(&dir, &DeprovisionRequest::delete("a@example.com"))
            .await
            .unwrap();
        assert_eq!(dir.deletes(), 1);
    }

    #[tokio::test]
    async fn bulk_counts_every_outcome() {
        let dir = directory();
        dir.create_user(&person("a@example.com")).await.unwrap();
        let b = dir.create_user(&person("b@example.com")).await.unwrap();
        dir.set_active(&b.id, false).await.unwrap();
        let emails: Vec<String> = ["a@example.com", "b@example.com", "c@example.com"]
            .map(String::from)
            .to_vec();
        let dry = bulk_deactivate(
            &dir,
            &BulkDeactivateRequest::new(emails.clone())
                .concurrency(2)
                .dry_run(true),
            &|_| {},
        )
        .await;
        assert_eq!(
            dry.summary,
            BulkSummary {
                would_deactivate: 1,
                already_inactive: 1,
                not_found: 1,
                ..Default::default()
            }
        );
        assert!(
            dir.users().iter().any(|u| u.active),
            "dry run changed nothing"
        );
        let done = std::sync::atomic::AtomicUsize::new(0);
        let report = bulk_deactivate(
            &dir,
            &BulkDeactivateRequest::new(emails).concurrency(2),
            &|n| {
                done.fetch_add(n, std::sync::atomic::Ordering::SeqCst);
            },
        )
        .await;
        assert_eq!(
            report.summary,
            BulkSummary {
                deactivated: 1,
                already_inactive: 1,
                not_found: 1,
                ..Default::default()
            }
        );
        assert_eq!(done.load(std::sync::atomic::Ordering::SeqCst), 3);
        assert!(dir.users().iter().all(|u| !u.active));
    }
}
