//! Idempotent user creation: never two users for one email.

use serde::Serialize;

use crate::directory::UserDirectory;
use crate::error::{Error, Result};
use crate::model::{NewUser, User};
use crate::retry::{Idempotency, RetryDecision, RetryPolicy};
use tokio::time::Instant;

/// What [`ensure_user`] did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", content = "user", rename_all = "snake_case")]
pub enum Ensured {
    /// The user did not exist and was created by this call.
    Created(User),
    /// A user with this email already existed; nothing was changed.
    Existing(User),
}

impl Ensured {
    /// The user, however it came to be.
    pub fn user(&self) -> &User {
        match self {
            Ensured::Created(user) | Ensured::Existing(user) => user,
        }
    }

    /// Consumes the outcome, returning the user.
    pub fn into_user(self) -> User {
        match self {
            Ensured::Created(user) | Ensured::Existing(user) => user,
        }
    }

    /// Whether this call created the user.
    pub fn was_created(&self) -> bool {
        matches!(self, Ensured::Created(_))
    }
}

/// Finds the user with `new_user`'s email (case-insensitive), or creates it,
/// repeating creates as [`RetryPolicy::default`] allows.
///
/// After a conflict, or a failure that may have been committed (a timeout or
/// dropped connection after sending, a 5xx), it looks the email up again
/// before anything else: if the user is there now it is returned, and a
/// create is repeated only when the look-up proves there is none. A conflict
/// that the look-up cannot explain (e.g. a username taken by someone with
/// another email) is returned as the conflict it is.
///
/// ```
/// use identity_core::memory::InMemoryDirectory;
/// use identity_core::{ensure_user, Ensured, NewUser};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> identity_core::Result<()> {
/// let dir = InMemoryDirectory::new(); // or any client of this SDK
/// let jane = NewUser::builder("jane@example.com").first_name("Jane").last_name("Doe").build()?;
///
/// let first = ensure_user(&dir, &jane).await?;
/// assert!(first.was_created());
/// // A re-run (or a retry after a lost answer) finds her: still one user.
/// match ensure_user(&dir, &jane).await? {
///     Ensured::Existing(user) => assert_eq!(user.id, first.user().id),
///     Ensured::Created(_) => unreachable!("jane exists"),
/// }
/// # Ok(())
/// # }
/// ```
pub async fn ensure_user<D>(dir: &D, new_user: &NewUser) -> Result<Ensured>
where
    D: UserDirectory + ?Sized,
{
    ensure_user_with(dir, new_user, &RetryPolicy::default()).await
}

/// [`ensure_user`] with the policy that paces repeated creates: the look-up
/// before each repeat makes it safe, the policy bounds how many and how fast.
pub async fn ensure_user_with<D>(
    dir: &D,
    new_user: &NewUser,
    policy: &RetryPolicy,
) -> Result<Ensured>
where
    D: UserDirectory + ?Sized,
{
    if let Some(user) = dir.find_user_by_email(&new_user.email).await? {
        return Ok(Ensured::Existing(user));
    }
    let started = Instant::now();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let error = match dir.create_user(new_user).await {
            Ok(user) => return Ok(Ensured::Created(user)),
            Err(error) => error,
        };
        let conflict = matches!(error, Error::Conflict { .. });
        if !conflict && !error.is_ambiguous() && !error.is_retryable() {
            return Err(error);
        }
        tracing::debug!(%error, attempt, "create failed; looking the email up again");
        if let Some(user) = dir.find_user_by_email(&new_user.email).await? {
            // A conflict means someone else made it; an ambiguous failure
            // that left a user behind means our create was committed.
            return Ok(if conflict {
                Ensured::Existing(user)
            } else {
                Ensured::Created(user)
            });
        }
        if conflict {
            return Err(error);
        }
        match policy.decide(attempt, &error, Idempotency::MarkedSafe, started.elapsed()) {
            RetryDecision::RetryAfter(delay) => tokio::time::sleep(delay).await,
            RetryDecision::Permanent | RetryDecision::Exhausted => return Err(error),
        }
    }
}
