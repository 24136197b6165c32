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

use std::time::{SystemTime, UNIX_EPOCH};

pub use http::{HeaderName, HeaderValue};

pub use crate::faults::Fault;
pub use host::{Disposition, FaultConfig, LoggedRequest, SimOptions, SimServer};
pub use oauth::{TokenRequest, check_client_credentials, error_json, oauth_error};
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

/// Formats a time as RFC 3339 UTC with milliseconds
/// (`2024-01-15T10:00:00.000Z`); such strings sort chronologically.
pub fn rfc3339(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Howard Hinnant's civil-from-days.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn rfc3339_formats_known_instants() {
        let t = UNIX_EPOCH + Duration::from_millis(1_705_312_800_123);
        assert_eq!(rfc3339(t), "2024-01-15T10:00:00.123Z");
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(rfc3339(leap), "2000-02-29T00:00:00.000Z");
    }
}
