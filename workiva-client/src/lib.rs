//! Typed async client for the Workiva Platform API (OAuth 2.0 client
//! credentials) implementing the identity-core directory traits.
//!
//! * [`WorkivaClient`]: users (list as a prefetching stream, get, create,
//!   partial `PATCH`, deactivate, delete with confirmation), groups, members,
//!   roles (resolved by name, cached; assignment keeps existing roles).
//! * [`scim::ScimClient`]: SCIM 2.0 (Workiva Enterprise or any SCIM server).
//! * [`wire`]: the API's records and request bodies, for the `*_record`
//!   endpoint methods when the traits are not enough.
//! * [`sandbox`] (feature `sandbox`): in-process simulators of both APIs.
//!
//! ```
//! # #[cfg(feature = "sandbox")]
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> identity_core::Result<()> {
//! use identity_core::{ensure_user, GroupDirectory, NewUser, UserDirectory};
//! use workiva_client::sandbox::WorkivaSandbox;
//!
//! let sandbox = WorkivaSandbox::builder().seed_users(10).start().await?;
//! let workiva = sandbox.client()?; // WorkivaClient::from_env() in production
//!
//! let jane = NewUser::builder("jane@example.com").first_name("Jane").last_name("Doe").build()?;
//! let user = ensure_user(&workiva, &jane).await?.into_user();
//! let finance = workiva.resolve_group("Finance").await?;
//! workiva.add_member(&finance.id, &user.id).await?;
//! workiva.set_active(&user.id, false).await?; // deprovision: reversible
//! assert!(!workiva.get_user(&user.id).await?.active);
//! # Ok(())
//! # }
//! # #[cfg(not(feature = "sandbox"))]
//! # fn main() {}
//! ```
#![forbid(unsafe_code)]

mod auth;
mod builder;
mod client;
mod convert;
mod directory;
mod env;
#[cfg(feature = "sandbox")]
pub mod sandbox;
pub mod scim;
pub mod wire;

pub use auth::ALL_SCOPES;
pub use builder::WorkivaClientBuilder;
pub use client::{MAX_PAGE_SIZE, WorkivaClient};
pub use env::DEFAULT_BASE_URL;
