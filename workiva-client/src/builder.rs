//! [`WorkivaClientBuilder`]: the API host, OAuth client and connection
//! settings of a [`WorkivaClient`].

use std::sync::Arc;
use std::time::Duration;

use identity_core::backend::http::{HttpClient, TransportConfig};
use identity_core::backend::url::parse_base_url;
use identity_core::connections::{Connection, Kind, Settings, in_connection};
use identity_core::{ClientSettings, Error, Result, TokenSource};

use crate::auth::Grant;
use secrecy::SecretString;
use tokio::sync::Mutex;

use crate::client::{Inner, MAX_PAGE_SIZE, WorkivaClient, WorkivaErrors};
use crate::env::DEFAULT_BASE_URL;

/// Builder for [`WorkivaClient`].
#[derive(Clone)]
#[must_use]
pub struct WorkivaClientBuilder {
    base_url: String,
    client_id: Option<String>,
    client_secret: Option<SecretString>,
    scopes: Vec<String>,
    settings: ClientSettings,
    page_size: u32,
    token_skew: Duration,
    refresh_token: Option<SecretString>,
    token_source: Option<Arc<dyn TokenSource>>,
    connection_name: Option<String>,
}

impl std::fmt::Debug for WorkivaClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkivaClientBuilder")
            .field("base_url", &self.base_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "***"))
            .field("scopes", &self.scopes)
            .field("page_size", &self.page_size)
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "***"))
            .field(
                "token_source",
                &self.token_source.as_ref().map(|_| "caller's"),
            )
            .finish_non_exhaustive()
    }
}

impl Default for WorkivaClientBuilder {
    fn default() -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            client_id: None,
            client_secret: None,
            scopes: Vec::new(),
            settings: ClientSettings::with_default_timeout(Duration::from_secs(30)),
            page_size: MAX_PAGE_SIZE,
            token_skew: Duration::from_secs(60),
            refresh_token: None,
            token_source: None,
            connection_name: None,
        }
    }
}

impl WorkivaClientBuilder {
    /// API host (default `https://api.app.wdesk.com`); `http` only to loopback.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }
    /// OAuth client id.
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.client_id = Some(id.into());
        self
    }
    /// OAuth client secret.
    pub fn client_secret(mut self, secret: SecretString) -> Self {
        self.client_secret = Some(secret);
        self
    }
    /// Scopes to request (default: whatever the client was granted).
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }
    /// Timeouts, retries and rate limit, starting from this client's
    /// defaults (30 s per attempt): `.configure(|s| s.with_retry(policy))`.
    pub fn configure(mut self, configure: impl FnOnce(ClientSettings) -> ClientSettings) -> Self {
        self.settings = configure(self.settings);
        self
    }

    /// Page size of listings, clamped to 1..=100.
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = size.clamp(1, MAX_PAGE_SIZE);
        self
    }
    /// Refresh tokens this long before they expire (default 60 s).
    pub fn token_refresh_skew(mut self, skew: Duration) -> Self {
        self.token_skew = skew;
        self
    }

    /// Reads `WORKIVA_BASE_URL` (optional), `WORKIVA_CLIENT_ID` and
    /// `WORKIVA_CLIENT_SECRET` into this builder: the `workiva` connection
    /// of [`Connection::from_env`](identity_core::connections::Connection::from_env).
    pub fn from_env(self) -> Result<Self> {
        let connection = Connection::from_env(Kind::Workiva)?.ok_or_else(|| {
            Error::config(
                "Workiva credentials are missing: set WORKIVA_CLIENT_ID and WORKIVA_CLIENT_SECRET",
            )
        })?;
        self.connection(&connection)
    }

    /// Configures this builder from a named connection of kind `workiva`
    /// (its base URL, client, scopes, rate limit), reading its secret now.
    pub fn connection(mut self, connection: &Connection) -> Result<Self> {
        let Settings::Workiva {
            client_id,
            client_secret,
            scopes,
            refresh_token,
        } = &connection.settings
        else {
            return Err(connection.wrong_kind(Kind::Workiva));
        };
        self.connection_name = Some(connection.name.clone());
        if let Some(url) = &connection.base_url {
            self.base_url = url.clone();
        }
        self.client_id = Some(client_id.clone());
        self.client_secret = Some(
            client_secret
                .resolve()
                .map_err(|e| in_connection(connection, &e))?,
        );
        if let Some(refresh) = refresh_token {
            self.refresh_token = Some(
                refresh
                    .resolve()
                    .map_err(|e| in_connection(connection, &e))?,
            );
        }
        if let Some(scopes) = scopes {
            self.scopes = scopes.clone();
        }
        self.settings = connection.apply_settings(self.settings);
        Ok(self)
    }

    /// Uses a refresh token (from an authorization-code flow your service
    /// ran) instead of the client-credentials grant: each token request
    /// trades it for an access token, keeping the rotated one. The client id
    /// (and secret, for a confidential client) still identify the client.
    pub fn refresh_token(mut self, token: SecretString) -> Self {
        self.refresh_token = Some(token);
        self
    }

    /// Takes access tokens from `source` (your own type or closure, or
    /// [`StaticToken`](identity_core::StaticToken)) instead of fetching
    /// them: no client id or secret is needed then.
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
    pub fn build(self) -> Result<WorkivaClient> {
        let base = parse_base_url(&self.base_url)?;
        let config = TransportConfig::with_settings(base.clone(), &self.settings);
        let auth = match self.token_source {
            Some(source) => crate::auth::from_source(source, self.token_skew),
            None => {
                let client_id =
                    self.client_id
                        .filter(|s| !s.trim().is_empty())
                        .ok_or_else(|| {
                            Error::config("Workiva client id is missing (WORKIVA_CLIENT_ID)")
                        })?;
                let grant = match self.refresh_token {
                    Some(refresh) => Grant::RefreshToken {
                        client_secret: self.client_secret,
                        refresh,
                    },
                    None => Grant::ClientCredentials {
                        client_secret: self.client_secret.ok_or_else(|| {
                            Error::config(
                                "Workiva client secret is missing (WORKIVA_CLIENT_SECRET)",
                            )
                        })?,
                        scopes: self.scopes,
                    },
                };
                crate::auth::oauth(&config, client_id, grant, self.token_skew)?
            }
        };
        let http = HttpClient::new(config, Some(auth), Arc::new(WorkivaErrors))?;
        Ok(WorkivaClient {
            inner: Arc::new(Inner {
                http,
                base,
                page_size: self.page_size,
                roles: Mutex::new(None),
                connection: self.connection_name,
            }),
        })
    }
}
