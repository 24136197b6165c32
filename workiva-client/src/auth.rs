//! How a [`WorkivaClient`](crate::WorkivaClient) authenticates: OAuth 2.0
//! client credentials against `/iam/v1/oauth2/token` (form-encoded), the
//! token cached and refreshed before it expires.

use std::sync::Arc;
use std::time::Duration;

use identity_core::Result;
use identity_core::backend::http::{Auth, AuthScheme, HttpClient, TransportConfig};
use identity_core::backend::oauth::{ClientCredentials, ScopeSeparator};
use identity_core::backend::token::TokenCache;
use secrecy::SecretString;

use crate::client::WorkivaErrors;

/// The scopes user lifecycle automation needs.
pub const ALL_SCOPES: [&str; 4] = [
    "iam:users:read",
    "iam:users:write",
    "iam:groups:read",
    "iam:groups:write",
];

const TOKEN_PATH: [&str; 4] = ["iam", "v1", "oauth2", "token"];

/// The bearer credential of a client: client credentials asked for through a
/// client configured like `config`, cached `skew` short of their lifetime.
pub(crate) fn client_credentials(
    config: &TransportConfig,
    client_id: String,
    client_secret: SecretString,
    scopes: Vec<String>,
    skew: Duration,
) -> Result<Auth> {
    let token_http = HttpClient::new(config.clone(), None, Arc::new(WorkivaErrors))?;
    let source = ClientCredentials::new(
        token_http,
        &TOKEN_PATH,
        client_id,
        client_secret,
        scopes,
        ScopeSeparator::Space,
    );
    Ok(Auth {
        cache: TokenCache::new(Arc::new(source), skew),
        scheme: AuthScheme::Bearer,
    })
}
