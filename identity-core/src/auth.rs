//! Where bearer credentials come from: implement [`TokenSource`] to hand a
//! client your own tokens (a secret store, a token your service already
//! holds); the clients cache and refresh them for you.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use secrecy::SecretString;

use crate::error::Result;

/// A credential with an optional lifetime. Its `Debug` never shows the value.
#[derive(Clone)]
pub struct AccessToken {
    secret: SecretString,
    expires_in: Option<Duration>,
}

impl AccessToken {
    /// A token valid for `expires_in` from now (`None`: until refused).
    pub fn new(secret: SecretString, expires_in: Option<Duration>) -> Self {
        Self { secret, expires_in }
    }

    /// The secret value, for building a header.
    pub fn secret(&self) -> &SecretString {
        &self.secret
    }

    /// The lifetime the issuer announced.
    pub fn expires_in(&self) -> Option<Duration> {
        self.expires_in
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("secret", &"***")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// Something that can obtain a fresh credential: an OAuth token endpoint, a
/// session login.
#[async_trait]
pub trait TokenSource: Send + Sync {
    /// Obtains a new credential.
    async fn fetch_token(&self) -> Result<AccessToken>;
}

/// A token that never changes: a SCIM bearer token issued in an admin UI, or
/// an access token your service already holds and renews itself.
///
/// ```
/// use std::sync::Arc;
/// use identity_core::{StaticToken, TokenSource};
/// use secrecy::SecretString;
///
/// let source: Arc<dyn TokenSource> = Arc::new(StaticToken::new(SecretString::from("t0k3n")));
/// assert!(!format!("{:?}", StaticToken::new(SecretString::from("t0k3n"))).contains("t0k3n"));
/// ```
#[derive(Clone)]
pub struct StaticToken(SecretString);

impl StaticToken {
    /// A source that always answers `token`, with no announced lifetime.
    pub fn new(token: SecretString) -> Self {
        Self(token)
    }
}

impl fmt::Debug for StaticToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StaticToken(***)")
    }
}

#[async_trait]
impl TokenSource for StaticToken {
    async fn fetch_token(&self) -> Result<AccessToken> {
        Ok(AccessToken::new(self.0.clone(), None))
    }
}
