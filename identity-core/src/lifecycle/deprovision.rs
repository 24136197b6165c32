//! [`deprovision`]: a leaver, deactivated (or, on explicit request, deleted).

use serde::Serialize;

use crate::directory::Directory;
use crate::error::{Error, Result};
use crate::model::{DeleteConfirmation, User, validate_email};

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
