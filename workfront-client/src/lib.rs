//! Typed async client for the Adobe Workfront REST API, implementing the
//! identity-core directory traits.
//!
//! * [`WorkfrontClient`]: session login or Adobe IMS OAuth; users (get, find
//!   by email with `cieq`, create with the access level resolved by name,
//!   update with `PUT`, deactivate, delete with confirmation); a typed
//!   [`search`] builder with concurrent `$$FIRST` / `$$LIMIT` listing;
//!   cached look-ups of access levels, groups and job roles.
//! * [`batch`]: `POST /batch` in chunks of at most 50 with per-operation
//!   outcomes, isolating failing operations of atomic batches.
//! * [`events`]: event subscriptions and a webhook receiver helper.
//! * [`wire`]: the API's records and typed request bodies, for the
//!   `*_record` endpoint methods when the traits are not enough.
//! * [`sandbox`] (feature `sandbox`): an in-process simulator of the API.
//!
//! ```
//! # #[cfg(feature = "sandbox")]
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> identity_core::Result<()> {
//! use identity_core::{ensure_user, NewUser, UserDirectory};
//! use workfront_client::batch::BatchOptions;
//! use workfront_client::wire::{BatchOp, UpdateUser};
//! use workfront_client::sandbox::WorkfrontSandbox;
//!
//! let sandbox = WorkfrontSandbox::builder().seed_users(120).start().await?;
//! let workfront = sandbox.client()?; // WorkfrontClient::from_env() in production
//!
//! let jane = NewUser::builder("jane@example.com").first_name("Jane").last_name("Doe").build()?;
//! let user = ensure_user(&workfront, &jane).await?.into_user();
//! assert_eq!(user.username.as_deref(), Some("jane@example.com"));
//!
//! // Leavers in bulk: one request per 50 users.
//! let mut ops = Vec::new();
//! for email in ["user1@example.com", "user2@example.com", "jane@example.com"] {
//!     if let Some(leaver) = workfront.find_user_by_email(email).await? {
//!         ops.push(BatchOp::update_user(leaver.id.as_str(), &UpdateUser::deactivate()));
//!     }
//! }
//! let outcomes = workfront.batch(&ops, BatchOptions::default()).await;
//! assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), 3);
//! assert!(!workfront.get_user(&user.id).await?.active);
//! # Ok(())
//! # }
//! # #[cfg(not(feature = "sandbox"))]
//! # fn main() {}
//! ```
#![forbid(unsafe_code)]

mod auth;
pub mod batch;
mod builder;
mod client;
mod convert;
mod directory;
pub mod events;
#[cfg(feature = "sandbox")]
pub mod sandbox;
pub mod search;
pub mod wire;

pub use auth::{DEFAULT_IMS_URL, IMS_SCOPES, WorkfrontAuth};
pub use builder::WorkfrontClientBuilder;
pub use client::{
    DEFAULT_API_VERSION, ListOptions, MAX_LIMIT, MAX_URL_BYTES, USER_FIELDS, WorkfrontClient,
};
pub use convert::update_body;
pub use directory::{ACCESS_LEVEL_NAME, COMPANY_NAME, HOME_GROUP_NAME, SCHEDULE_NAME};
