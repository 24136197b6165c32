//! How a [`WorkfrontClient`](crate::WorkfrontClient) authenticates: a session
//! login (`sessionID` header, renewed on 401), an API key, or Adobe IMS
//! OAuth server-to-server (bearer token, refreshed before expiry).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use identity_core::backend::classify::ErrorClassifier;
use identity_core::backend::http::{
    Auth, AuthScheme, HeaderName, HttpClient, Method, Request, TransportConfig,
};
use identity_core::backend::oauth::{ClientCredentials, ScopeSeparator};
use identity_core::backend::token::TokenCache;
use identity_core::backend::url::parse_base_url;
use identity_core::{AccessToken, Error, Idempotency, Result, StaticToken, TokenSource};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::wire::Envelope;

/// The default Adobe IMS token endpoint.
pub const DEFAULT_IMS_URL: &str = "https://ims-na1.adobelogin.com/ims/token/v3";
/// The scopes a server-to-server integration asks for.
pub const IMS_SCOPES: [&str; 2] = ["openid", "workfront.full_access"];

/// How the client authenticates.
#[derive(Clone)]
pub enum WorkfrontAuth {
    /// Legacy session login: username + password → `sessionID` header.
    Session {
        /// Login name.
        username: String,
        /// Password.
        password: SecretString,
    },
    /// An API key, sent as the `apiKey` parameter of every request.
    ApiKey {
        /// The key.
        key: SecretString,
    },
    /// Bearer tokens from a caller's source (an IMS token your service
    /// already holds and renews, say).
    Tokens(Arc<dyn TokenSource>),
    /// Adobe IMS OAuth server-to-server: bearer token.
    Ims {
        /// Integration client id.
        client_id: String,
        /// Integration client secret.
        client_secret: SecretString,
        /// Token URL or its base (default [`DEFAULT_IMS_URL`]).
        token_url: Option<String>,
        /// Scopes (default [`IMS_SCOPES`]).
        scopes: Vec<String>,
    },
}

impl std::fmt::Debug for WorkfrontAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WorkfrontAuth::Session { username, .. } => f
                .debug_struct("Session")
                .field("username", username)
                .field("password", &"***")
                .finish(),
            WorkfrontAuth::ApiKey { .. } => f.debug_struct("ApiKey").field("key", &"***").finish(),
            WorkfrontAuth::Tokens(_) => f.write_str("Tokens(caller's source)"),
            WorkfrontAuth::Ims {
                client_id,
                token_url,
                scopes,
                ..
            } => f
                .debug_struct("Ims")
                .field("client_id", client_id)
                .field("client_secret", &"***")
                .field("token_url", token_url)
                .field("scopes", scopes)
                .finish(),
        }
    }
}

impl WorkfrontAuth {
    /// The credential cache and header scheme of this authentication, with
    /// its token requests sent through a client configured like `config`.
    pub(crate) fn credential(
        self,
        config: &TransportConfig,
        version: &str,
        classifier: &Arc<dyn ErrorClassifier>,
        skew: Duration,
    ) -> Result<Auth> {
        Ok(match self {
            WorkfrontAuth::Session { username, password } => Auth {
                cache: TokenCache::new(
                    Arc::new(SessionLogin {
                        http: HttpClient::new(config.clone(), None, classifier.clone())?,
                        version: version.to_owned(),
                        username,
                        password,
                    }),
                    skew,
                ),
                scheme: AuthScheme::Header(HeaderName::from_static("sessionid")),
            },
            WorkfrontAuth::Tokens(source) => Auth {
                cache: TokenCache::new(source, skew),
                scheme: AuthScheme::Bearer,
            },
            WorkfrontAuth::ApiKey { key } => Auth {
                cache: TokenCache::new(Arc::new(StaticToken::new(key)), skew),
                scheme: AuthScheme::Query("apiKey"),
            },
            WorkfrontAuth::Ims {
                client_id,
                client_secret,
                token_url,
                scopes,
            } => {
                let (ims_base, token_path) =
                    split_ims_url(token_url.as_deref().unwrap_or(DEFAULT_IMS_URL))?;
                let mut ims_config = config.clone();
                ims_config.base_url = ims_base;
                let token_http = HttpClient::new(ims_config, None, classifier.clone())?;
                let path: Vec<&str> = token_path.iter().map(String::as_str).collect();
                let source = ClientCredentials::new(
                    token_http,
                    &path,
                    client_id,
                    client_secret,
                    scopes,
                    ScopeSeparator::Comma,
                );
                Auth {
                    cache: TokenCache::new(Arc::new(source), skew),
                    scheme: AuthScheme::Bearer,
                }
            }
        })
    }
}

/// `WORKFRONT_IMS_URL` may be the full token URL or its base.
fn split_ims_url(text: &str) -> Result<(Url, Vec<String>)> {
    let url = parse_base_url(text)?;
    let segments: Vec<String> = url
        .path_segments()
        .map(|s| s.filter(|s| !s.is_empty()).map(str::to_owned).collect())
        .unwrap_or_default();
    let token_path = ["ims", "token", "v3"];
    if segments.len() >= 3 && segments[segments.len() - 3..] == token_path {
        let mut base = url;
        base.set_path(&segments[..segments.len() - 3].join("/"));
        Ok((base, token_path.iter().map(|s| (*s).to_owned()).collect()))
    } else {
        Ok((url, token_path.iter().map(|s| (*s).to_owned()).collect()))
    }
}

/// Session login: `POST /attask/api/{ver}/login` → `sessionID`.
struct SessionLogin {
    http: HttpClient,
    version: String,
    username: String,
    password: SecretString,
}

#[async_trait]
impl TokenSource for SessionLogin {
    async fn fetch_token(&self) -> Result<AccessToken> {
        #[derive(serde::Deserialize)]
        struct Session {
            #[serde(rename = "sessionID")]
            session_id: SecretString,
        }
        let request = Request::new(
            Method::POST,
            ["attask", "api", self.version.as_str(), "login"],
        )
        .form([
            ("username", self.username.as_str()),
            ("password", self.password.expose_secret()),
        ])
        // Logging in twice is harmless.
        .idempotency(Idempotency::MarkedSafe)
        .unauthenticated();
        let session: Envelope<Session> =
            self.http.json(&request).await.map_err(|err| match err {
                Error::Unauthorized { reply, .. } | Error::Validation { reply, .. } => {
                    Error::Unauthorized {
                        message: format!("Workfront refused the login of {}", self.username),
                        reply,
                    }
                }
                other => other,
            })?;
        // Workfront does not announce a lifetime: the session is renewed on 401.
        Ok(AccessToken::new(session.data.session_id, None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ims_url_full_or_base() {
        let (base, path) = split_ims_url("https://ims-na1.adobelogin.com/ims/token/v3").unwrap();
        assert_eq!(base.as_str(), "https://ims-na1.adobelogin.com/");
        assert_eq!(path, ["ims", "token", "v3"]);
        let (base, path) = split_ims_url("http://127.0.0.1:9/prefix").unwrap();
        assert_eq!(base.as_str(), "http://127.0.0.1:9/prefix");
        assert_eq!(path, ["ims", "token", "v3"]);
        assert!(split_ims_url("http://ims.example.com").is_err());
    }

    #[test]
    fn auth_debug_hides_secrets() {
        let auth = WorkfrontAuth::Session {
            username: "admin".into(),
            password: SecretString::from("pw-canary-77"),
        };
        let ims = WorkfrontAuth::Ims {
            client_id: "cid".into(),
            client_secret: SecretString::from("ims-canary-88"),
            token_url: None,
            scopes: vec![],
        };
        let shown = format!("{auth:?} {ims:?}");
        assert!(!shown.contains("pw-canary-77") && !shown.contains("ims-canary-88"));
    }
}
