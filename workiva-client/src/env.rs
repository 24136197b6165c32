//! The Workiva environment variables, read in one place: the Platform client
//! and the SCIM client's Workiva defaults both come from here, so the SCIM
//! client itself stays a client of any SCIM 2.0 server.

use identity_core::backend::env::non_empty_var;

/// The production API host.
pub const DEFAULT_BASE_URL: &str = "https://api.app.wdesk.com";

/// `WORKIVA_BASE_URL`, or the production host.
pub(crate) fn base_url() -> String {
    non_empty_var("WORKIVA_BASE_URL").unwrap_or_else(|| DEFAULT_BASE_URL.to_owned())
}

/// `WORKIVA_SCIM_URL`, or `{WORKIVA_BASE_URL}/scim/v2`.
pub(crate) fn scim_base_url() -> String {
    non_empty_var("WORKIVA_SCIM_URL")
        .unwrap_or_else(|| format!("{}/scim/v2", base_url().trim_end_matches('/')))
}
