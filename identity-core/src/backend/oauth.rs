//! OAuth 2.0 client credentials (RFC 6749 §4.4), the grant both Workiva and
//! Adobe IMS use for unattended automation.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};

use crate::auth::{AccessToken, TokenSource};
use crate::backend::http::{HttpClient, Method, Request};
use crate::error::{Error, Result};
use crate::retry::Idempotency;

/// How scopes are joined in a token request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeSeparator {
    /// RFC 6749: space-separated.
    Space,
    /// Comma-separated, as some identity providers expect.
    Comma,
}

/// OAuth 2.0 client-credentials grant (RFC 6749 §4.4) against a token
/// endpoint, form-encoded. The secret never reaches `Debug` or errors.
pub struct ClientCredentials {
    http: HttpClient,
    token_path: Vec<String>,
    client_id: String,
    client_secret: SecretString,
    scopes: Vec<String>,
    separator: ScopeSeparator,
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("token_url", &self.http.base_url().as_str())
            .field("token_path", &self.token_path)
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .field("scopes", &self.scopes)
            .finish()
    }
}

/// The token endpoint's answer.
#[derive(serde::Deserialize)]
struct TokenResponse {
    access_token: SecretString,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
}

impl ClientCredentials {
    /// A grant against `http`'s base URL followed by `token_path` segments.
    pub fn new(
        http: HttpClient,
        token_path: &[&str],
        client_id: impl Into<String>,
        client_secret: SecretString,
        scopes: Vec<String>,
        separator: ScopeSeparator,
    ) -> Self {
        Self {
            http,
            token_path: token_path.iter().map(|s| (*s).to_owned()).collect(),
            client_id: client_id.into(),
            client_secret,
            scopes,
            separator,
        }
    }
}

#[async_trait]
impl TokenSource for ClientCredentials {
    async fn fetch_token(&self) -> Result<AccessToken> {
        let separator = match self.separator {
            ScopeSeparator::Space => " ",
            ScopeSeparator::Comma => ",",
        };
        let scope = self.scopes.join(separator);
        let mut form = vec![
            ("grant_type", "client_credentials"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose_secret()),
        ];
        if !scope.is_empty() {
            form.push(("scope", scope.as_str()));
        }
        // Asking for a token twice is harmless, so a dropped answer is retried.
        let request = Request::new(Method::POST, self.token_path.iter().cloned())
            .form(form)
            .idempotency(Idempotency::MarkedSafe)
            .unauthenticated();
        let response: TokenResponse = self.http.json(&request).await.map_err(|err| match err {
            Error::Unauthorized { reply, .. } | Error::Validation { reply, .. }
                if reply
                    .as_ref()
                    .is_some_and(|r| r.status == 400 || r.status == 401) =>
            {
                Error::Unauthorized {
                    message: "the token endpoint refused the client credentials".into(),
                    reply,
                }
            }
            other => other,
        })?;
        // Some issuers send `expires_in` as a string.
        let expires_in = response.expires_in.and_then(|v| match v {
            serde_json::Value::Number(n) => n.as_u64(),
            serde_json::Value::String(s) => s.parse().ok(),
            _ => None,
        });
        Ok(AccessToken::new(
            response.access_token,
            expires_in.map(Duration::from_secs),
        ))
    }
}
