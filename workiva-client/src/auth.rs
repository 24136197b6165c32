//! How a [`WorkivaClient`](crate::WorkivaClient) authenticates: OAuth 2.0
//! client credentials against `/iam/v1/oauth2/token` (form-encoded), the
//! token cached and refreshed before it expires.

use std::sync::Arc;
use std::time::Duration;

use identity_core::backend::http::{Auth, AuthScheme, HttpClient, TransportConfig};
use identity_core::backend::oauth::{ClientCredentials, RefreshToken, ScopeSeparator};
use identity_core::backend::token::TokenCache;
use identity_core::{Result, TokenSource};
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

/// How a client gets its access tokens from the token endpoint.
pub(crate) enum Grant {
    /// Client credentials, for these scopes.
    ClientCredentials {
        client_secret: SecretString,
        scopes: Vec<String>,
    },
    /// A refresh token, rotated as the server answers.
    RefreshToken {
        client_secret: Option<SecretString>,
        refresh: SecretString,
    },
}

/// The bearer credential of a client: tokens from `grant`, asked for through
/// a client configured like `config`, cached `skew` short of their lifetime.
pub(crate) fn oauth(
    config: &TransportConfig,
    client_id: String,
    grant: Grant,
    skew: Duration,
) -> Result<Auth> {
    let token_http = HttpClient::new(config.clone(), None, Arc::new(WorkivaErrors))?;
    let source: Arc<dyn TokenSource> = match grant {
        Grant::ClientCredentials {
            client_secret,
            scopes,
        } => Arc::new(ClientCredentials::new(
            token_http,
            &TOKEN_PATH,
            client_id,
            client_secret,
            scopes,
            ScopeSeparator::Space,
        )),
        Grant::RefreshToken {
            client_secret,
            refresh,
        } => Arc::new(RefreshToken::new(
            token_http,
            &TOKEN_PATH,
            client_id,
            client_secret,
            refresh,
        )),
    };
    Ok(from_source(source, skew))
}

/// The bearer credential of a caller's token source.
pub(crate) fn from_source(source: Arc<dyn TokenSource>, skew: Duration) -> Auth {
    Auth {
        cache: TokenCache::new(source, skew),
        scheme: AuthScheme::Bearer,
    }
}
