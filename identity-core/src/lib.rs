//! Vendor-neutral identity lifecycle: one model and one set of async traits
//! that every app's client implements, so joiner / mover / leaver code and
//! access reviews are written once and run against Workiva, Workfront, any
//! SCIM 2.0 server, or the in-memory directory in your tests.
//!
//! # Where to start
//! * The model: [`User`], [`NewUser`] (built and validated with
//!   [`NewUser::builder`]), [`UserPatch`], [`Group`], [`Role`], id newtypes.
//! * The traits: [`UserDirectory`], [`GroupDirectory`], [`AccessDirectory`],
//!   [`BulkDirectory`], and [`Directory`] for all four.
//! * [`ensure_user`]: create-or-find that never makes two users for one email.
//! * The workflows: [`lifecycle`] (provision, deprovision, bulk deactivation)
//!   and [`graph`] (who has access where, across apps, with findings).
//! * [`Error`] (branch on [`Error::kind`]), [`RetryPolicy`], [`RateLimiter`],
//!   [`ClientSettings`], and [`TokenSource`] to hand a client your own tokens.
//! * [`memory::InMemoryDirectory`] for your tests, [`faults::FaultyDirectory`]
//!   to make any directory fail the way real services do, and with the
//!   `conformance` feature the behaviour suite every backend passes.
//!
//! Backend authors build clients from [`backend`] (feature `backend`, on by
//! default); a crate that only uses the traits and the in-memory directory
//! can turn default features off and does not compile an HTTP stack.
//!
//! ```
//! use futures::TryStreamExt;
//! use identity_core::memory::InMemoryDirectory;
//! use identity_core::{ensure_user, GroupDirectory, NewUser, UserDirectory, UserQuery};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> identity_core::Result<()> {
//! let dir = InMemoryDirectory::new();
//! let finance = dir.create_group("Finance").await?;
//!
//! // Joiner: idempotent, so a re-run finds the user instead of duplicating it.
//! let jane = NewUser::builder("jane@example.com").first_name("Jane").last_name("Doe").build()?;
//! let user = ensure_user(&dir, &jane).await?.into_user();
//! assert!(!ensure_user(&dir, &jane).await?.was_created());
//! dir.add_member(&finance.id, &user.id).await?;
//!
//! // Leaver: deactivate (reversible), never delete by accident.
//! dir.set_active(&user.id, false).await?;
//!
//! let everyone: Vec<_> = dir.list_users(&UserQuery::default()).try_collect().await?;
//! assert_eq!(everyone.len(), 1);
//! assert!(!everyone[0].active);
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

pub mod auth;
#[cfg(feature = "backend")]
pub mod backend;
#[cfg(feature = "conformance")]
pub mod conformance;
pub mod connections;
mod directory;
mod ensure;
mod env;
mod error;
pub mod faults;
pub mod graph;
pub mod lifecycle;
pub mod memory;
mod model;
pub mod plan;
pub mod policy;
mod retry;
pub mod roster;
#[cfg(feature = "sandbox")]
pub mod sandbox;
mod settings;
pub mod time;

pub use auth::{AccessToken, StaticToken, TokenSource};
pub use directory::{
    AccessDirectory, BulkDirectory, Directory, GroupDirectory, ResultStream, UserDirectory,
};
pub use ensure::{Ensured, ensure_user, ensure_user_with};
pub use error::{Error, ErrorKind, Reply, Result};
pub use model::{
    AccessLevel, AccessLevelId, DeleteConfirmation, Group, GroupId, Membership, MembershipChange,
    NewUser, NewUserBuilder, Page, RawRecord, Role, RoleId, User, UserId, UserPatch, UserQuery,
    normalize_email, pick_by_name, validate_email,
};
pub use retry::{Idempotency, RateLimiter, RetryDecision, RetryPolicy};
pub use settings::ClientSettings;
