//! OAuth 2.0 token sources: client credentials (RFC 6749 §4.4), the grant
//! both Workiva and Adobe IMS use for unattended automation, and the
//! refresh-token grant (§6) for a service that ran the authorization-code
//! flow itself and hands in its refresh token.

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
    /// A rotated refresh token, when the server issues a new one.
    #[serde(default)]
    refresh_token: Option<SecretString>,
}

impl TokenResponse {
    fn lifetime(&self) -> Option<Duration> {
        // Some issuers send `expires_in` as a string.
        let seconds = self.expires_in.as_ref().and_then(|v| match v {
            serde_json::Value::Number(n) => n.as_u64(),
            serde_json::Value::String(s) => s.parse().ok(),
            _ => None,
        });
        seconds.map(Duration::from_secs)
    }
}

/// Posts a token request form: the access token, and a rotated refresh
/// token if the server issued one. A 400 / 401 is the grant refused.
async fn request_token(
    http: &HttpClient,
    token_path: &[String],
    form: Vec<(&str, &str)>,
    refused: &str,
) -> Result<(AccessToken, Option<SecretString>)> {
    // Asking for a token twice is harmless, so a dropped answer is retried.
    let request = Request::new(Method::POST, token_path.iter().cloned())
        .form(form)
        .idempotency(Idempotency::MarkedSafe)
        .unauthenticated();
    let response: TokenResponse = http.json(&request).await.map_err(|err| match err {
        Error::Unauthorized { reply, .. } | Error::Validation { reply, .. }
            if reply
                .as_ref()
                .is_some_and(|r| r.status == 400 || r.status == 401) =>
        {
            Error::Unauthorized {
                message: refused.to_owned(),
                reply,
            }
        }
        other => other,
    })?;
    let lifetime = response.lifetime();
    Ok((
        AccessToken::new(response.access_token, lifetime),
        response.refresh_token,
    ))
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
        let (token, _) = request_token(
            &self.http,
            &self.token_path,
            form,
            "the token endpoint refused the client credentials",
        )
        .await?;
        Ok(token)
    }
}

/// OAuth 2.0 refresh-token grant (RFC 6749 §6): each fetch trades the
/// current refresh token for an access token, and keeps the new refresh
/// token when the server rotates it. Refresh tokens are secrets everywhere.
///
/// Hand it to a client builder's `token_source` when your service ran the
/// authorization-code flow and holds the user's refresh token.
pub struct RefreshToken {
    http: HttpClient,
    token_path: Vec<String>,
    client_id: String,
    client_secret: Option<SecretString>,
    current: std::sync::Mutex<SecretString>,
}

impl fmt::Debug for RefreshToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshToken")
            .field("token_url", &self.http.base_url().as_str())
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .field("refresh_token", &"***")
            .finish()
    }
}

impl RefreshToken {
    /// A grant against `http`'s base URL followed by `token_path`, for a
    /// confidential client (`client_secret`) or a public one (`None`).
    pub fn new(
        http: HttpClient,
        token_path: &[&str],
        client_id: impl Into<String>,
        client_secret: Option<SecretString>,
        refresh_token: SecretString,
    ) -> Self {
        Self {
            http,
            token_path: token_path.iter().map(|s| (*s).to_owned()).collect(),
            client_id: client_id.into(),
            client_secret,
            current: std::sync::Mutex::new(refresh_token),
        }
    }

    fn current(&self) -> SecretString {
        self.current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

#[async_trait]
impl TokenSource for RefreshToken {
    async fn fetch_token(&self) -> Result<AccessToken> {
        let refresh = self.current();
        let mut form = vec![
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.expose_secret()),
            ("client_id", self.client_id.as_str()),
        ];
        if let Some(secret) = &self.client_secret {
            form.push(("client_secret", secret.expose_secret()));
        }
        let (token, rotated) = request_token(
            &self.http,
            &self.token_path,
            form,
            "the token endpoint refused the refresh token",
        )
        .await?;
        if let Some(rotated) = rotated {
            *self.current.lock().unwrap_or_else(|e| e.into_inner()) = rotated;
        }
        Ok(token)
    }
}
