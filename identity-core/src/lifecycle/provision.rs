//! [`provision`]: a joiner (or a mover's additions), idempotently.

use futures::TryStreamExt;
use serde::Serialize;

use crate::directory::Directory;
use crate::ensure::{Ensured, ensure_user};
use crate::error::Result;
use crate::model::{AccessLevel, Group, MembershipChange, NewUser, Role, RoleId, User};

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
    if request.dry_run {
        plan(dir, request, &resolved).await
    } else {
        apply(dir, request, &resolved).await
    }
}

/// The dry run: what [`apply`] would change, read without changing it.
async fn plan<D: Directory + ?Sized>(
    dir: &D,
    request: &ProvisionRequest,
    resolved: &Resolved,
) -> Result<ProvisionReport> {
    let mut changes = Vec::new();
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
    Ok(ProvisionReport {
        outcome: if existing.is_some() {
            ProvisionOutcome::Existing
        } else {
            ProvisionOutcome::Created
        },
        user: existing,
        changes,
        dry_run: true,
    })
}

/// Makes the request true, reporting each change made.
async fn apply<D: Directory + ?Sized>(
    dir: &D,
    request: &ProvisionRequest,
    resolved: &Resolved,
) -> Result<ProvisionReport> {
    let mut changes = Vec::new();
    // The level goes into the create request itself where the directory
    // takes it there (a billable license must not be wrong even briefly).
    let mut new_user = request.user.clone();
    if let Some(level) = &resolved.access_level {
        new_user.access_level = Some(level.name.clone());
    }
    let ensured = ensure_user(dir, &new_user).await?;
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
        if dir.add_member(&group.id, &user.id).await? == MembershipChange::Added {
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
    if let Some(level) = &resolved.access_level {
        let set_at_creation = user.access_level.as_ref() == Some(&level.id);
        if !set_at_creation {
            user = dir.set_access_level(&user.id, &level.id).await?;
        }
        if !set_at_creation || outcome == ProvisionOutcome::Created {
            changes.push(Change::SetAccessLevel {
                access_level: level.name.clone(),
            });
        }
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
