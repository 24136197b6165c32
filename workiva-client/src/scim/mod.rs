//! A SCIM 2.0 client (RFC 7643 / 7644): Workiva Enterprise's `/scim/v2`, or
//! any other SCIM 2.0 server.
//!
//! It reads `/ServiceProviderConfig` once and respects it: without PATCH
//! support, changes are made by `PUT` of the whole resource; without filter
//! support, look-ups scan the listing; page sizes stay within `maxResults`.
//!
//! ```no_run
//! # async fn demo() -> identity_core::Result<()> {
//! use identity_core::UserDirectory;
//! use workiva_client::scim::ScimClient;
//!
//! let scim = ScimClient::from_env()?; // WORKIVA_SCIM_URL, WORKIVA_SCIM_TOKEN
//! if let Some(user) = scim.find_user_by_email("jane@example.com").await? {
//!     scim.set_active(&user.id, false).await?; // PATCH replace active false
//! }
//! # Ok(()) }
//! ```

mod builder;
mod client;
mod convert;
mod directory;
pub mod filter;
pub mod wire;

pub use builder::ScimClientBuilder;
pub use client::ScimClient;
