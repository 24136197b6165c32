//! [`bulk_deactivate`]: many leavers at once, through the directory's bulk
//! operations.

use serde::Serialize;

use crate::directory::BulkDirectory;
use crate::error::ErrorKind;

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
