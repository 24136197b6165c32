//! A loopback HTTP host for in-process API simulators, with latency and fault
//! injection and a request log (feature `sandbox`).
//!
//! A vendor crate implements [`SimService`] for its API; [`SimServer`] serves
//! any number of services on one `127.0.0.1` port (their path prefixes must
//! not collide). Faults are applied in front of every service:
//!
//! * `503` and `429` (with or without `Retry-After`) *before* the service
//!   runs, so nothing is committed;
//! * commit-then-drop on `POST`: the service runs (the change is committed)
//!   and the connection is closed without an answer — the ambiguous failure
//!   that makes naive clients create duplicates.

//!
//! Every simulator also implements [`SimInspect`], so a test reads any
//! backend's state as the same vendor-neutral [`SimAccount`]s, and seeds
//! the same [`seed_person`] population.

mod host;
mod oauth;
mod request;

pub use http::{HeaderName, HeaderValue};

pub use crate::faults::Fault;
pub use host::{Disposition, FaultConfig, LoggedRequest, SimOptions, SimServer};
pub use oauth::{
    TokenRequest, check_client_credentials, check_token_request, error_json, oauth_error,
};
pub use request::{SimRequest, SimResponse, SimService};

/// One account of a simulator, as the vendor-neutral values a test asserts
/// on, whatever the API's own record looks like.
///
/// Not `#[non_exhaustive]`: each vendor crate's simulator builds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimAccount {
    /// The simulator's id of the account.
    pub id: String,
    /// The email address (the SCIM `userName`, Workfront's `emailAddr`).
    pub email: String,
    /// Whether the account is active.
    pub active: bool,
    /// Ids of the groups the account is in, however the API records it
    /// (member lists, a home group).
    pub groups: Vec<String>,
    /// Ids of the roles the account holds.
    pub roles: Vec<String>,
}

/// What every simulator lets a test read of its state, as vendor-neutral
/// values; the request log is the host's ([`SimServer::requests`]).
pub trait SimInspect: Send + Sync {
    /// Every account in the simulator's store, in creation order.
    fn accounts(&self) -> Vec<SimAccount>;
}

/// One person of the seeded population every simulator starts from when
/// asked to seed `n` users: `user{n}@example.com`, every tenth inactive,
/// every third in the Finance group.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SeedPerson {
    /// `user{n}@example.com`.
    pub email: String,
    /// `User`.
    pub first_name: String,
    /// The number, zero-padded to six digits (sorts like the number).
    pub last_name: String,
    /// False for every tenth person.
    pub active: bool,
    /// True for every third person.
    pub in_finance: bool,
}

/// Now, as the simulators stamp records (RFC 3339, UTC, milliseconds).
pub fn now_rfc3339() -> String {
    crate::time::format(crate::time::Timestamp::now())
}

/// The `n`th person of the seeded population.
pub fn seed_person(n: usize) -> SeedPerson {
    SeedPerson {
        email: format!("user{n}@example.com"),
        first_name: "User".to_owned(),
        last_name: format!("{n:06}"),
        active: n % 10 != 9,
        in_finance: n.is_multiple_of(3),
    }
}
