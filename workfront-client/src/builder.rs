//! [`WorkfrontClientBuilder`]: the instance, API version, credentials and
//! connection settings of a [`WorkfrontClient`].

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use identity_core::ClientSettings;
use identity_core::backend::classify::ErrorClassifier;
use identity_core::backend::http::{HttpClient, TransportConfig};
use identity_core::backend::url::parse_base_url;
use identity_core::connections::{
    Connection, Kind, SecretRef, Settings, WorkfrontLogin, in_connection,
};
use identity_core::{Error, Result};
use secrecy::SecretString;
use tokio::sync::Mutex;

use crate::auth::{IMS_SCOPES, WorkfrontAuth};
use crate::client::{DEFAULT_API_VERSION, Inner, MAX_LIMIT, WorkfrontClient, WorkfrontErrors};

/// Builder for [`WorkfrontClient`].
#[derive(Debug, Clone)]
#[must_use]
pub struct WorkfrontClientBuilder {
    base_url: Option<String>,
    api_version: String,
    auth: Option<WorkfrontAuth>,
    settings: ClientSettings,
    page_limit: u32,
    concurrency: usize,
    count_first: bool,
    default_access_level: Option<String>,
    token_skew: Duration,
    connection_name: Option<String>,
}

impl Default for WorkfrontClientBuilder {
    fn default() -> Self {
        Self {
            base_url: None,
            api_version: DEFAULT_API_VERSION.into(),
            auth: None,
            settings: ClientSettings::with_default_timeout(Duration::from_secs(60)),
            page_limit: MAX_LIMIT,
            concurrency: 4,
            count_first: false,
            default_access_level: None,
            token_skew: Duration::from_secs(60),
            connection_name: None,
        }
    }
}

impl WorkfrontClientBuilder {
    /// Instance URL, e.g. `https://acme.my.workfront.com`.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }
    /// API version, `18.0` or `v18.0` (default `18.0`).
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = version.into();
        self
    }
    /// Session login.
    pub fn session_login(mut self, username: impl Into<String>, password: SecretString) -> Self {
        self.auth = Some(WorkfrontAuth::Session {
            username: username.into(),
            password,
        });
        self
    }
    /// Adobe IMS server-to-server OAuth with the default token URL and scopes.
    pub fn ims(mut self, client_id: impl Into<String>, client_secret: SecretString) -> Self {
        self.auth = Some(WorkfrontAuth::Ims {
            client_id: client_id.into(),
            client_secret,
            token_url: None,
            scopes: IMS_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
        });
        self
    }
    /// Any auth mode.
    pub fn auth(mut self, auth: WorkfrontAuth) -> Self {
        self.auth = Some(auth);
        self
    }
    /// Timeouts, retries and rate limit, starting from this client's
    /// defaults (60 s per attempt): `.configure(|s| s.with_retry(policy))`.
    pub fn configure(mut self, configure: impl FnOnce(ClientSettings) -> ClientSettings) -> Self {
        self.settings = configure(self.settings);
        self
    }

    /// `$$LIMIT` of listings, clamped to 1..=2000 (default 2000).
    pub fn page_limit(mut self, limit: u32) -> Self {
        self.page_limit = limit.clamp(1, MAX_LIMIT);
        self
    }
    /// Pages fetched at once by listings (default 4).
    pub fn concurrency(mut self, pages: usize) -> Self {
        self.concurrency = pages.max(1);
        self
    }
    /// Ask `{objCode}/count` before listing, so concurrent pages stop exactly
    /// at the end (default off: one round trip saved, at most
    /// `concurrency - 1` empty pages asked for).
    pub fn count_first(mut self, on: bool) -> Self {
        self.count_first = on;
        self
    }
    /// The access level (by name) new users get when none is given.
    pub fn default_access_level(mut self, name: impl Into<String>) -> Self {
        self.default_access_level = Some(name.into());
        self
    }
    /// Refresh IMS tokens this long before they expire (default 60 s).
    pub fn token_refresh_skew(mut self, skew: Duration) -> Self {
        self.token_skew = skew;
        self
    }

    /// Reads `WORKFRONT_BASE_URL`, `WORKFRONT_API_VERSION`, the credentials
    /// (`WORKFRONT_USERNAME` + `WORKFRONT_PASSWORD`, or
    /// `WORKFRONT_IMS_CLIENT_ID` + `WORKFRONT_IMS_CLIENT_SECRET` with optional
    /// `WORKFRONT_IMS_URL`) and `WORKFRONT_DEFAULT_ACCESS_LEVEL`.
    pub fn from_env(self) -> Result<Self> {
        let connection = Connection::from_env(Kind::Workfront)?.ok_or_else(|| {
            Error::config(
                "Workfront is not configured: set WORKFRONT_BASE_URL and WORKFRONT_USERNAME + \
                 WORKFRONT_PASSWORD, WORKFRONT_API_KEY, or WORKFRONT_IMS_CLIENT_ID + \
                 WORKFRONT_IMS_CLIENT_SECRET",
            )
        })?;
        self.connection(&connection)
    }

    /// Configures this builder from a named connection of kind `workfront`
    /// (instance, API version, login, default access level, concurrency,
    /// rate limit), reading its secrets now.
    pub fn connection(mut self, connection: &Connection) -> Result<Self> {
        let Settings::Workfront {
            api_version,
            login,
            default_access_level,
            ..
        } = &connection.settings
        else {
            return Err(connection.wrong_kind(Kind::Workfront));
        };
        self.connection_name = Some(connection.name.clone());
        let secret = |r: &SecretRef| r.resolve().map_err(|e| in_connection(connection, &e));
        self.auth = Some(match login {
            WorkfrontLogin::Session { username, password } => WorkfrontAuth::Session {
                username: username.clone(),
                password: secret(password)?,
            },
            WorkfrontLogin::ApiKey(key) => WorkfrontAuth::ApiKey { key: secret(key)? },
            WorkfrontLogin::Ims {
                client_id,
                client_secret,
                ims_url,
            } => WorkfrontAuth::Ims {
                client_id: client_id.clone(),
                client_secret: secret(client_secret)?,
                token_url: ims_url.clone(),
                scopes: IMS_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
            },
            _ => return Err(connection.wrong_kind(Kind::Workfront)),
        });
        self.base_url = connection.base_url.clone();
        if let Some(version) = api_version {
            self.api_version = version.clone();
        }
        if let Some(level) = default_access_level {
            self.default_access_level = Some(level.clone());
        }
        if let Some(concurrency) = connection.concurrency {
            self.concurrency = concurrency.max(1);
        }
        self.settings = connection.apply_settings(self.settings);
        Ok(self)
    }

    /// Takes bearer tokens from `source` (your own type or closure) instead
    /// of signing in: the same as `.auth(WorkfrontAuth::Tokens(source))`.
    pub fn token_source(self, source: Arc<dyn identity_core::TokenSource>) -> Self {
        self.auth(WorkfrontAuth::Tokens(source))
    }

    /// Labels every user this client reads with a connection name
    /// ([`User::connection`](identity_core::User)); set by `connection`.
    pub fn connection_name(mut self, name: impl Into<String>) -> Self {
        self.connection_name = Some(name.into());
        self
    }

    /// Validates the configuration and builds the client. Sends nothing.
    pub fn build(self) -> Result<WorkfrontClient> {
        let base_text = self
            .base_url
            .ok_or_else(|| Error::config("Workfront base URL is missing (WORKFRONT_BASE_URL)"))?;
        let base = parse_base_url(&base_text)?;
        let version = normalize_version(&self.api_version)?;
        let auth = self.auth.ok_or_else(|| {
            Error::config(
                "Workfront credentials are missing: set WORKFRONT_USERNAME + WORKFRONT_PASSWORD \
                 or WORKFRONT_IMS_CLIENT_ID + WORKFRONT_IMS_CLIENT_SECRET",
            )
        })?;
        let config = TransportConfig::with_settings(base.clone(), &self.settings);
        let classifier: Arc<dyn ErrorClassifier> = Arc::new(WorkfrontErrors);
        let auth = auth.credential(&config, &version, &classifier, self.token_skew)?;
        let http = HttpClient::new(config, Some(auth), classifier)?;
        Ok(WorkfrontClient {
            inner: Arc::new(Inner {
                http,
                base,
                version,
                page_limit: self.page_limit,
                concurrency: self.concurrency,
                count_first: self.count_first,
                default_access_level: self.default_access_level,
                lookups: Mutex::new(HashMap::new()),
                connection: self.connection_name,
            }),
        })
    }
}

/// `18.0` or `v18.0` → `v18.0`; anything else is a configuration error.
fn normalize_version(text: &str) -> Result<String> {
    let bare = text.trim().trim_start_matches(['v', 'V']);
    let valid = bare.split_once('.').is_some_and(|(major, minor)| {
        !major.is_empty()
            && !minor.is_empty()
            && major.bytes().all(|b| b.is_ascii_digit())
            && minor.bytes().all(|b| b.is_ascii_digit())
    });
    if valid {
        Ok(format!("v{bare}"))
    } else {
        Err(Error::config(format!(
            "Workfront API version {text:?} is not of the form 18.0 or v18.0"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(normalize_version("18.0").unwrap(), "v18.0");
        assert_eq!(normalize_version("v19.1").unwrap(), "v19.1");
        for bad in ["", "18", "v", "18.x", "../18.0", "18.0/x"] {
            assert!(normalize_version(bad).is_err(), "{bad}");
        }
    }
}
