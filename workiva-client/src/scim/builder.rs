//! [`ScimClientBuilder`]: the service provider's base URL, its bearer token
//! and the connection settings of a [`ScimClient`].

use std::sync::Arc;
use std::time::Duration;

use identity_core::backend::http::{Auth, AuthScheme, HttpClient, TransportConfig};
use identity_core::backend::token::TokenCache;
use identity_core::backend::url::parse_base_url;
use identity_core::connections::{Connection, Kind, Settings, in_connection};
use identity_core::{ClientSettings, Error, Result, StaticToken, TokenSource};
use secrecy::SecretString;
use tokio::sync::OnceCell;

use super::client::{DEFAULT_COUNT, Inner, ScimClient, ScimErrors};

/// Builder for [`ScimClient`].
#[derive(Clone)]
#[must_use]
pub struct ScimClientBuilder {
    base_url: Option<String>,
    token: Option<SecretString>,
    settings: ClientSettings,
    page_size: u64,
    token_source: Option<Arc<dyn TokenSource>>,
    connection_name: Option<String>,
}

impl std::fmt::Debug for ScimClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScimClientBuilder")
            .field("base_url", &self.base_url)
            .field("token", &self.token.as_ref().map(|_| "***"))
            .finish_non_exhaustive()
    }
}

impl Default for ScimClientBuilder {
    fn default() -> Self {
        Self {
            base_url: None,
            token: None,
            settings: ClientSettings::with_default_timeout(Duration::from_secs(30)),
            page_size: DEFAULT_COUNT,
            token_source: None,
            connection_name: None,
        }
    }
}

impl ScimClientBuilder {
    /// The SCIM base URL, e.g. `https://api.app.wdesk.com/scim/v2`.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }
    /// The bearer token.
    pub fn token(mut self, token: SecretString) -> Self {
        self.token = Some(token);
        self
    }
    /// Timeouts, retries and rate limit, starting from this client's
    /// defaults (30 s per attempt): `.configure(|s| s.with_retry(policy))`.
    pub fn configure(mut self, configure: impl FnOnce(ClientSettings) -> ClientSettings) -> Self {
        self.settings = configure(self.settings);
        self
    }
    /// Items per page (`count`), capped by the server's `maxResults`.
    pub fn page_size(mut self, count: u64) -> Self {
        self.page_size = count.max(1);
        self
    }

    /// Reads `WORKIVA_SCIM_URL` (default `{WORKIVA_BASE_URL}/scim/v2`) and
    /// `WORKIVA_SCIM_TOKEN`: the `workiva-scim` connection of
    /// [`Connection::from_env`].
    pub fn from_env(mut self) -> Result<Self> {
        let connection = Connection::from_env(Kind::WorkivaScim)?
            .ok_or_else(|| Error::config("the SCIM token is missing: set WORKIVA_SCIM_TOKEN"))?;
        self = self.connection(&connection)?;
        if self.base_url.is_none() {
            self.base_url = Some(crate::env::scim_base_url());
        }
        Ok(self)
    }

    /// Configures this builder from a named connection of kind
    /// `workiva-scim` (its base URL, token, rate limit), reading its secret
    /// now.
    pub fn connection(mut self, connection: &Connection) -> Result<Self> {
        let Settings::WorkivaScim { token } = &connection.settings else {
            return Err(connection.wrong_kind(Kind::WorkivaScim));
        };
        self.connection_name = Some(connection.name.clone());
        if let Some(url) = &connection.base_url {
            self.base_url = Some(url.clone());
        }
        self.token = Some(token.resolve().map_err(|e| in_connection(connection, &e))?);
        self.settings = connection.apply_settings(self.settings);
        Ok(self)
    }

    /// Takes bearer tokens from `source` (your own type or closure) instead
    /// of one fixed token.
    pub fn token_source(mut self, source: Arc<dyn TokenSource>) -> Self {
        self.token_source = Some(source);
        self
    }

    /// Labels every user this client reads with a connection name
    /// ([`User::connection`](identity_core::User)); set by `connection`.
    pub fn connection_name(mut self, name: impl Into<String>) -> Self {
        self.connection_name = Some(name.into());
        self
    }

    /// Validates the configuration and builds the client. Sends nothing.
    pub fn build(self) -> Result<ScimClient> {
        let base_text = self
            .base_url
            .ok_or_else(|| Error::config("SCIM base URL is missing (WORKIVA_SCIM_URL)"))?;
        let base = parse_base_url(&base_text)?;
        let source: Arc<dyn TokenSource> = match (self.token_source, self.token) {
            (Some(source), _) => source,
            (None, Some(token)) => Arc::new(StaticToken::new(token)),
            (None, None) => {
                return Err(Error::config(
                    "SCIM bearer token is missing (WORKIVA_SCIM_TOKEN)",
                ));
            }
        };
        let config = TransportConfig::with_settings(base.clone(), &self.settings);
        let auth = Auth {
            cache: TokenCache::new(source, Duration::ZERO),
            scheme: AuthScheme::Bearer,
        };
        let http = HttpClient::new(config, Some(auth), Arc::new(ScimErrors))?;
        Ok(ScimClient {
            inner: Arc::new(Inner {
                http,
                base,
                page_size: self.page_size,
                config: OnceCell::new(),
                connection: self.connection_name,
            }),
        })
    }
}
