//! The HTTP client every vendor client sends through: the base-URL policy,
//! timeouts, authentication headers, JSON encoding and decoding, the retry
//! loop, rate limiting, and tracing spans that never carry a secret.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::time::Instant;
use tracing::Instrument;
use url::Url;

use super::classify::ErrorClassifier;
use super::token::{CachedToken, TokenCache};
use super::url::check_base_url;
use crate::error::{Error, Result};
use crate::retry::{Idempotency, RateLimiter, RetryDecision, RetryPolicy};
use crate::settings::ClientSettings;

pub use reqwest::Method;
pub use reqwest::header::{HeaderMap, HeaderName};

/// The header carrying one id per logical request, the same on its retries.
pub const REQUEST_ID: &str = "x-request-id";

/// The user agent sent with every request.
pub const USER_AGENT: &str = concat!("identity-sdk/", env!("CARGO_PKG_VERSION"));

/// How a credential is attached to a request.
#[derive(Debug, Clone)]
pub enum AuthScheme {
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// A named header carrying the raw value (e.g. `sessionID`).
    Header(HeaderName),
    /// A query parameter carrying the raw value (e.g. `apiKey`); it never
    /// reaches logs or errors, which carry paths without queries.
    Query(&'static str),
}

/// How one request presents its credential.
enum Presented {
    Header(HeaderName, HeaderValue),
    Query(&'static str, String),
}

/// A credential cache and how to present it.
#[derive(Debug, Clone)]
pub struct Auth {
    /// Where tokens come from.
    pub cache: TokenCache,
    /// How they are sent.
    pub scheme: AuthScheme,
}

impl Auth {
    fn present(&self, token: &CachedToken) -> Result<Presented> {
        let (name, text) = match &self.scheme {
            AuthScheme::Bearer => (
                reqwest::header::AUTHORIZATION,
                format!("Bearer {}", token.expose()),
            ),
            AuthScheme::Header(name) => (name.clone(), token.expose().to_owned()),
            AuthScheme::Query(name) => {
                return Ok(Presented::Query(name, token.expose().to_owned()));
            }
        };
        let mut value = HeaderValue::from_str(&text)
            .map_err(|_| Error::config("credential contains characters not allowed in a header"))?;
        value.set_sensitive(true);
        Ok(Presented::Header(name, value))
    }
}

/// A request body, encoded once and re-sent as is on every retry.
#[derive(Debug, Clone, Default)]
enum Body {
    #[default]
    Empty,
    Json(bytes::Bytes),
    Form(String),
}

/// A request to send through [`HttpClient::send`].
#[derive(Debug, Clone)]
pub struct Request {
    method: Method,
    segments: Vec<String>,
    query: Vec<(String, String)>,
    body: Body,
    idempotency: Idempotency,
    authenticated: bool,
}

impl Request {
    /// A request to the base URL's path followed by `segments`, each
    /// percent-encoded as one path segment. GET, PUT, PATCH and DELETE are
    /// idempotent by default; POST is not.
    pub fn new<I, S>(method: Method, segments: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let idempotency = if method == Method::POST {
            Idempotency::NonIdempotent
        } else {
            Idempotency::Idempotent
        };
        Self {
            method,
            segments: segments.into_iter().map(Into::into).collect(),
            query: Vec::new(),
            body: Body::Empty,
            idempotency,
            authenticated: true,
        }
    }

    /// Shorthand for a GET.
    pub fn get<I, S>(segments: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::new(Method::GET, segments)
    }

    /// Adds a query parameter (repeatable).
    #[must_use]
    pub fn query(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((key.into(), value.into()));
        self
    }

    /// Adds several query parameters.
    #[must_use]
    pub fn queries<I, K, V>(mut self, pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        self.query
            .extend(pairs.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// Sets a JSON body.
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Result<Self> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| Error::invalid(format!("could not encode request body: {e}")))?;
        self.body = Body::Json(bytes.into());
        Ok(self)
    }

    /// Sets an `application/x-www-form-urlencoded` body.
    #[must_use]
    pub fn form<I, K, V>(mut self, pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut encoder = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            encoder.append_pair(k.as_ref(), v.as_ref());
        }
        self.body = Body::Form(encoder.finish());
        self
    }

    /// Overrides the idempotency (e.g. mark a create as safe to repeat).
    #[must_use]
    pub fn idempotency(mut self, idempotency: Idempotency) -> Self {
        self.idempotency = idempotency;
        self
    }

    /// Sends the request without credentials (token and login endpoints).
    #[must_use]
    pub fn unauthenticated(mut self) -> Self {
        self.authenticated = false;
        self
    }

    /// The path for logs: segments only, never the query.
    fn log_path(&self) -> String {
        format!("/{}", self.segments.join("/"))
    }
}

/// A successful (2xx) answer.
#[derive(Debug, Clone)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// Headers.
    pub headers: HeaderMap,
    /// The full body.
    pub body: bytes::Bytes,
}

impl Response {
    /// Decodes the body as JSON into `T`; a mismatch is [`Error::Decode`].
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        decode_json(&self.body, Some(self.status))
    }
}

/// Decodes JSON, turning any failure into a secret-free [`Error::Decode`].
pub fn decode_json<T: DeserializeOwned>(body: &[u8], status: Option<u16>) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| Error::decode(e.to_string(), body, status))
}

/// Settings of an [`HttpClient`].
#[derive(Debug, Clone)]
pub struct TransportConfig {
    /// Where requests go; checked against [`check_base_url`].
    pub base_url: Url,
    /// Time limit of one attempt, connect to last byte (`None`: no limit).
    pub timeout: Option<Duration>,
    /// Time limit of connecting (`None`: no limit).
    pub connect_timeout: Option<Duration>,
    /// Retry rules.
    pub retry: RetryPolicy,
    /// Shared client-side rate limit, if any.
    pub limiter: Option<RateLimiter>,
    /// Largest response body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Extra PEM root certificate files.
    pub root_certificate_files: Vec<PathBuf>,
    /// Appended to the `User-Agent`.
    pub user_agent_suffix: Option<String>,
    /// A caller's client, used instead of one built here.
    pub http_client: Option<reqwest::Client>,
}

impl TransportConfig {
    /// Defaults for `base_url`: 30 s per attempt, 10 s to connect, the default
    /// retry policy, no rate limit, 64 MiB bodies.
    pub fn new(base_url: Url) -> Self {
        Self {
            base_url,
            timeout: Some(Duration::from_secs(30)),
            connect_timeout: Some(Duration::from_secs(10)),
            retry: RetryPolicy::default(),
            limiter: None,
            max_body_bytes: 64 << 20,
            root_certificate_files: Vec::new(),
            user_agent_suffix: None,
            http_client: None,
        }
    }

    /// The configuration for `base_url` with a client's [`ClientSettings`].
    pub fn with_settings(base_url: Url, settings: &ClientSettings) -> Self {
        Self {
            timeout: settings.timeout,
            connect_timeout: settings.connect_timeout,
            retry: settings.retry.clone(),
            limiter: settings.limiter.clone(),
            root_certificate_files: settings.root_certificate_files.clone(),
            user_agent_suffix: settings.user_agent_suffix.clone(),
            http_client: settings.http_client.clone(),
            ..Self::new(base_url)
        }
    }
}

/// The client built here: the SDK's user agent, the configured timeouts and
/// the extra roots on top of the platform's.
fn build_client(config: &TransportConfig) -> Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .pool_max_idle_per_host(64);
    if let Some(timeout) = config.timeout {
        builder = builder.timeout(timeout);
    }
    if let Some(timeout) = config.connect_timeout {
        builder = builder.connect_timeout(timeout);
    }
    for path in &config.root_certificate_files {
        let shown = path.display();
        let pem = std::fs::read(path)
            .map_err(|e| Error::config(format!("cannot read root certificates {shown}: {e}")))?;
        let certificates = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|e| Error::config(format!("{shown} holds no usable PEM certificate: {e}")))?;
        if certificates.is_empty() {
            return Err(Error::config(format!("{shown} holds no PEM certificate")));
        }
        for certificate in certificates {
            builder = builder.add_root_certificate(certificate);
        }
    }
    builder
        .build()
        .map_err(|e| Error::config(format!("could not build HTTP client: {e}")))
}

struct Inner {
    http: reqwest::Client,
    config: TransportConfig,
    auth: Option<Auth>,
    classifier: Arc<dyn ErrorClassifier>,
}

/// A configured HTTP client; cheap to clone.
#[derive(Clone)]
pub struct HttpClient {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient")
            .field("base_url", &self.inner.config.base_url.as_str())
            .finish_non_exhaustive()
    }
}

impl HttpClient {
    /// Builds a client; refuses a base URL that breaks the policy.
    pub fn new(
        config: TransportConfig,
        auth: Option<Auth>,
        classifier: Arc<dyn ErrorClassifier>,
    ) -> Result<Self> {
        check_base_url(&config.base_url)?;
        let http = match &config.http_client {
            Some(client) => client.clone(),
            None => build_client(&config)?,
        };
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                config,
                auth,
                classifier,
            }),
        })
    }

    /// The base URL requests are relative to.
    pub fn base_url(&self) -> &Url {
        &self.inner.config.base_url
    }

    /// The credential cache, if the client authenticates.
    pub fn auth(&self) -> Option<&Auth> {
        self.inner.auth.as_ref()
    }

    /// Sends `request`, retrying as the policy allows, and decodes the JSON
    /// answer into `T`.
    pub async fn json<T: DeserializeOwned>(&self, request: &Request) -> Result<T> {
        self.send(request).await?.json()
    }

    /// Sends `request` and returns the 2xx answer, or the classified error.
    ///
    /// Retries what the [`RetryPolicy`] allows; a 401 drops the credential
    /// and repeats the request once with a fresh one.
    pub async fn send(&self, request: &Request) -> Result<Response> {
        let span = tracing::debug_span!(
            "http",
            method = %request.method,
            path = %request.log_path(),
            status = tracing::field::Empty,
            attempt = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        self.send_with_retries(request).instrument(span).await
    }

    async fn send_with_retries(&self, request: &Request) -> Result<Response> {
        let policy = &self.inner.config.retry;
        let started = Instant::now();
        // One id for the logical request and all its retries, so a server
        // log (or a test) can tell a retry from a new request.
        let request_id = format!("{:016x}", rand::random::<u64>());
        let mut attempt = 0u32;
        let mut refreshed_after_401 = false;
        loop {
            attempt += 1;
            let credential = self.credential(request).await?;
            let result = self
                .attempt(request, credential.as_ref(), &request_id)
                .await;
            let span = tracing::Span::current();
            span.record("attempt", attempt);
            let error = match result {
                Ok(response) => {
                    if let Some(limiter) = &self.inner.config.limiter {
                        limiter.on_success().await;
                    }
                    return Ok(response);
                }
                Err(error) => error,
            };
            if let (Error::Unauthorized { .. }, Some(used), Some(auth)) =
                (&error, &credential, &self.inner.auth)
                && !refreshed_after_401
            {
                refreshed_after_401 = true;
                auth.cache.invalidate(used).await;
                attempt -= 1; // a forced refresh is not a retry of the policy's
                tracing::debug!("401: refreshing the credential once");
                continue;
            }
            if let (Error::RateLimited { retry_after, .. }, Some(limiter)) =
                (&error, &self.inner.config.limiter)
            {
                limiter.on_rate_limited(*retry_after).await;
            }
            match policy.decide(attempt, &error, request.idempotency, started.elapsed()) {
                RetryDecision::RetryAfter(delay) => {
                    tracing::debug!(
                        error = %error,
                        delay_ms = delay.as_millis() as u64,
                        "retrying"
                    );
                    tokio::time::sleep(delay).await;
                }
                RetryDecision::Permanent | RetryDecision::Exhausted => return Err(error),
            }
        }
    }

    async fn credential(&self, request: &Request) -> Result<Option<CachedToken>> {
        match &self.inner.auth {
            Some(auth) if request.authenticated => Ok(Some(auth.cache.token().await?)),
            _ => Ok(None),
        }
    }

    fn url(&self, request: &Request) -> Result<Url> {
        let mut url = self.inner.config.base_url.clone();
        {
            let mut path = url
                .path_segments_mut()
                .map_err(|()| Error::config("base URL cannot take a path"))?;
            path.pop_if_empty();
            for segment in &request.segments {
                path.push(segment);
            }
        }
        if !request.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&request.query);
        }
        Ok(url)
    }

    async fn attempt(
        &self,
        request: &Request,
        credential: Option<&CachedToken>,
        request_id: &str,
    ) -> Result<Response> {
        if let Some(limiter) = &self.inner.config.limiter {
            limiter.acquire().await;
        }
        let config = &self.inner.config;
        let mut builder = self
            .inner
            .http
            .request(request.method.clone(), self.url(request)?)
            .header(reqwest::header::ACCEPT, "application/json")
            .header(REQUEST_ID, request_id);
        if let Some(suffix) = &config.user_agent_suffix {
            builder = builder.header(
                reqwest::header::USER_AGENT,
                format!("{USER_AGENT} {suffix}"),
            );
        }
        if let Some(timeout) = config.timeout {
            // Also bounds a caller's client, whose own timeouts we cannot see.
            builder = builder.timeout(timeout);
        }
        if let (Some(auth), Some(token)) = (&self.inner.auth, credential) {
            builder = match auth.present(token)? {
                Presented::Header(name, value) => builder.header(name, value),
                Presented::Query(name, value) => builder.query(&[(name, value)]),
            };
        }
        builder = match &request.body {
            Body::Empty => builder,
            Body::Json(bytes) => builder
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(bytes.clone()),
            Body::Form(text) => builder
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .body(text.clone()),
        };
        let started = Instant::now();
        let outcome = builder.send().await;
        let span = tracing::Span::current();
        span.record("latency_ms", started.elapsed().as_millis() as u64);
        let mut response = outcome.map_err(transport_error)?;
        let status = response.status().as_u16();
        span.record("status", status);
        let headers = std::mem::take(response.headers_mut());
        let body = self.read_body(response).await?;
        if (200..300).contains(&status) {
            Ok(Response {
                status,
                headers,
                body,
            })
        } else {
            Err(self.inner.classifier.classify(status, &headers, &body))
        }
    }

    async fn read_body(&self, mut response: reqwest::Response) -> Result<bytes::Bytes> {
        let limit = self.inner.config.max_body_bytes;
        if response
            .content_length()
            .is_some_and(|n| n as usize > limit)
        {
            return Err(Error::decode(
                format!("response body larger than the {limit}-byte limit"),
                b"",
                Some(response.status().as_u16()),
            ));
        }
        let expected = response.content_length().map_or(0, |n| n as usize);
        let mut body = bytes::BytesMut::with_capacity(expected.min(limit));
        while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
            if body.len() + chunk.len() > limit {
                return Err(Error::decode(
                    format!("response body larger than the {limit}-byte limit"),
                    &body[..body.len().min(64)],
                    Some(response.status().as_u16()),
                ));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    }
}

/// Classifies a reqwest failure without its URL (which may carry query
/// values). A connect failure never reached the server; anything later might.
fn transport_error(error: reqwest::Error) -> Error {
    let reached = !error.is_connect();
    let timed_out = error.is_timeout();
    let error = error.without_url();
    let mut message = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    Error::Transport {
        message: crate::error::redact(&message),
        may_have_reached_server: reached,
        timed_out,
    }
}
