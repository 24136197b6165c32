//! Vendor-neutral identity lifecycle: the model, the directory traits, and the
//! machinery every vendor client shares (errors, retries, pagination, token
//! caching, HTTP transport, idempotent `ensure_user`).
//!
//! Write joiner / mover / leaver logic once against [`UserDirectory`] and
//! [`GroupDirectory`]; run it against any vendor client, or against the
//! [`InMemoryDirectory`](memory::InMemoryDirectory) in your tests.
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
#[cfg(feature = "conformance")]
pub mod conformance;
pub mod directory;
pub mod ensure;
pub mod error;
pub mod lifecycle;
pub mod memory;
pub mod model;
pub mod paginate;
pub mod report;
pub mod retry;
#[cfg(feature = "sandbox")]
pub mod sandbox;
pub mod transport;

pub use directory::{
    AccessDirectory, BulkDirectory, Directory, GroupDirectory, ResultStream, UserDirectory,
};
pub use ensure::{Ensured, ensure_user, ensure_user_with};
pub use error::{Error, ErrorKind, Result};
pub use model::{
    AccessLevel, AccessLevelId, DeleteConfirmation, Group, GroupId, Membership, MembershipChange,
    NewUser, Page, RawRecord, Role, RoleId, User, UserId, UserPatch, UserQuery,
};
pub use retry::{Idempotency, RateLimiter, RetryPolicy};
