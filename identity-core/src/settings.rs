//! [`ClientSettings`]: the connection settings every client builder takes,
//! as one value, so a service configures its Workiva, SCIM and Workfront
//! clients the same way.

use std::path::PathBuf;
use std::time::Duration;

use crate::retry::{RateLimiter, RetryPolicy};

/// Timeouts, retries and rate limiting of one client.
///
/// Every client builder has a `configure` method that hands you its settings
/// (with that vendor's defaults) to change:
///
/// ```
/// use std::time::Duration;
/// use identity_core::{ClientSettings, RateLimiter, RetryPolicy};
///
/// let shared_limit = RateLimiter::new(20.0, 20);
/// let tune = |settings: ClientSettings| {
///     settings
///         .with_timeout(Some(Duration::from_secs(20)))
///         .with_retry(RetryPolicy::default().with_max_attempts(8))
///         .with_rate_limiter(shared_limit.clone())
/// };
/// let settings = tune(ClientSettings::default());
/// assert_eq!(settings.timeout, Some(Duration::from_secs(20)));
/// // In production: WorkivaClient::builder().configure(tune)
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientSettings {
    /// Time limit of one attempt, connect to last byte (`None`: no limit).
    pub timeout: Option<Duration>,
    /// Time limit of connecting (`None`: no limit).
    pub connect_timeout: Option<Duration>,
    /// Retry rules.
    pub retry: RetryPolicy,
    /// Client-side rate limit, possibly shared with other clients.
    pub limiter: Option<RateLimiter>,
    /// Extra root certificates to trust, as PEM files (a TLS-inspecting
    /// proxy's CA); read when the client is built.
    pub root_certificate_files: Vec<PathBuf>,
    /// Appended to the SDK's `User-Agent`, to tell your service's traffic
    /// apart.
    pub user_agent_suffix: Option<String>,
    /// Your own `reqwest` client (proxies, roots, pools configured your
    /// way); the timeouts above still apply to each request, and the base
    /// URL policy, retries and redaction are unchanged.
    #[cfg(feature = "backend")]
    pub http_client: Option<reqwest::Client>,
}

impl Default for ClientSettings {
    /// 30 s per attempt, 10 s to connect, the default retry policy, no rate
    /// limit.
    fn default() -> Self {
        Self::with_default_timeout(Duration::from_secs(30))
    }
}

impl ClientSettings {
    /// The defaults with `timeout` per attempt (a vendor whose answers are
    /// slow picks a longer one).
    pub fn with_default_timeout(timeout: Duration) -> Self {
        Self {
            timeout: Some(timeout),
            connect_timeout: Some(Duration::from_secs(10)),
            retry: RetryPolicy::default(),
            limiter: None,
            root_certificate_files: Vec::new(),
            user_agent_suffix: None,
            #[cfg(feature = "backend")]
            http_client: None,
        }
    }

    /// Sets the time limit of one attempt (`None`: no limit).
    #[must_use]
    pub fn with_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the time limit of connecting (`None`: no limit).
    #[must_use]
    pub fn with_connect_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the retry policy.
    #[must_use]
    pub fn with_retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Sets a rate limiter; clones of one limiter share its budget.
    #[must_use]
    pub fn with_rate_limiter(mut self, limiter: RateLimiter) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// Trusts the root certificates in this PEM file too (repeatable). A
    /// file that cannot be read or holds no certificate fails the build,
    /// naming the file.
    #[must_use]
    pub fn with_root_certificate_file(mut self, pem: impl Into<PathBuf>) -> Self {
        self.root_certificate_files.push(pem.into());
        self
    }

    /// Appends `suffix` to the `User-Agent` header (`identity-sdk/x.y
    /// suffix`).
    #[must_use]
    pub fn with_user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// Sends every request through your own `reqwest` client. Root
    /// certificate files are then yours to configure on it.
    #[cfg(feature = "backend")]
    #[must_use]
    pub fn with_http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }
}
