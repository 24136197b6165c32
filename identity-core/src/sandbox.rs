//! A loopback HTTP host for in-process API simulators, with latency and fault
//! injection and a request log (feature `sandbox`).
//!
//! A vendor crate implements [`SimService`] for its API; [`SimServer`] serves
//! any number of services on one `127.0.0.1` port (their path prefixes must
//! not collide). Faults are applied in front of every service:
//!
//! * `503` and `429` (with or without `Retry-After`) *before* the service
//!   runs, so nothing is committed;
//! * commit-then-drop on `POST`: the service runs (the change is committed)
//!   and the connection is closed without an answer — the ambiguous failure
//!   that makes naive clients create duplicates.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub use http::{HeaderName, HeaderValue};

/// An HTTP request as a simulator sees it: fully read, query decoded.
#[derive(Debug, Clone)]
pub struct SimRequest {
    /// Method.
    pub method: Method,
    /// Percent-decoded path segments after the leading `/`.
    pub segments: Vec<String>,
    /// The raw path.
    pub path: String,
    /// Decoded query pairs, in order (keys may repeat).
    pub query: Vec<(String, String)>,
    /// Headers.
    pub headers: HeaderMap,
    /// Body.
    pub body: Bytes,
}

impl SimRequest {
    /// The first value of a query parameter.
    pub fn query_get(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a (repeated) query parameter.
    pub fn query_all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.query
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The bearer token of the `Authorization` header.
    pub fn bearer(&self) -> Option<&str> {
        self.header("authorization").and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
    }

    /// The body as JSON, or a 400 answer naming what is wrong.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, SimResponse> {
        serde_json::from_slice(&self.body).map_err(|e| {
            SimResponse::json(
                400,
                &serde_json::json!({"error": "invalid_request", "message": format!("malformed JSON body: {e}")}),
            )
        })
    }

    /// The body as form pairs.
    pub fn form(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(&self.body)
            .into_owned()
            .collect()
    }

    /// The segments after `prefix` segments, if the path starts with them.
    pub fn after(&self, prefix: &[&str]) -> Option<Vec<&str>> {
        if self.segments.len() < prefix.len() {
            return None;
        }
        let matches = self.segments.iter().zip(prefix).all(|(a, b)| a == b);
        matches.then(|| {
            self.segments[prefix.len()..]
                .iter()
                .map(String::as_str)
                .collect()
        })
    }
}

/// An answer from a simulator.
#[derive(Debug, Clone)]
pub struct SimResponse {
    /// Status code.
    pub status: u16,
    /// Extra headers.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// Body.
    pub body: Bytes,
}

impl SimResponse {
    /// A JSON answer.
    pub fn json<T: Serialize + ?Sized>(status: u16, body: &T) -> Self {
        let body = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
        Self::raw_json(status, body.into())
    }

    /// A pre-rendered JSON answer.
    pub fn raw_json(status: u16, body: Bytes) -> Self {
        Self {
            status,
            headers: vec![(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body,
        }
    }

    /// An answer without a body.
    pub fn empty(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    /// Adds a header.
    #[must_use]
    pub fn with_header(mut self, name: HeaderName, value: &str) -> Self {
        if let Ok(value) = HeaderValue::from_str(value) {
            self.headers.push((name, value));
        }
        self
    }
}

/// One simulated API.
pub trait SimService: Send + Sync + 'static {
    /// Whether this service serves `req` (by path prefix).
    fn handles(&self, req: &SimRequest) -> bool;
    /// Answers a request. Runs under the service's own lock; keep it quick.
    fn handle(&self, req: &SimRequest) -> SimResponse;
}

/// Latency and faults applied in front of every service.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultConfig {
    /// Added to every answer.
    pub latency: Duration,
    /// Up to this much more, uniformly random.
    pub jitter: Duration,
    /// Probability of a `503` (nothing committed).
    pub unavailable_rate: f64,
    /// Probability of a `429` (nothing committed).
    pub rate_limited_rate: f64,
    /// The `Retry-After` seconds sent with a 429, if any.
    pub retry_after_secs: Option<u64>,
    /// Share of 429s sent without `Retry-After` even when
    /// `retry_after_secs` is set (0 to 1).
    pub retry_after_omitted_rate: f64,
    /// Probability that a `POST` is committed and its connection dropped.
    pub commit_then_drop_rate: f64,
    /// Paths (prefix match) faults never touch, e.g. token endpoints.
    pub exempt_prefixes: Vec<String>,
}

impl Default for FaultConfig {
    fn default() -> Self {
        Self {
            latency: Duration::ZERO,
            jitter: Duration::ZERO,
            unavailable_rate: 0.0,
            rate_limited_rate: 0.0,
            retry_after_secs: None,
            retry_after_omitted_rate: 0.0,
            commit_then_drop_rate: 0.0,
            exempt_prefixes: Vec::new(),
        }
    }
}

impl FaultConfig {
    /// Only a fixed latency.
    pub fn latency(latency: Duration) -> Self {
        Self {
            latency,
            ..Self::default()
        }
    }
}

/// What the host did with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// The service answered.
    Served,
    /// An injected 503.
    InjectedUnavailable,
    /// An injected 429.
    InjectedRateLimited,
    /// The service committed it, then the connection was dropped.
    CommittedThenDropped,
}

/// One entry of the request log.
#[derive(Debug, Clone)]
pub struct LoggedRequest {
    /// Method.
    pub method: Method,
    /// Path (no query).
    pub path: String,
    /// The query string as sent.
    pub query: String,
    /// Status answered (0 when the connection was dropped).
    pub status: u16,
    /// What the host did.
    pub disposition: Disposition,
    /// The `Retry-After` sent, if any.
    pub retry_after_secs: Option<u64>,
    /// When the request arrived, since the server started.
    pub at: Duration,
    /// The request body (for shape assertions).
    pub body: Bytes,
    /// The client's `x-request-id` (one per logical request, kept on retries).
    pub request_id: Option<String>,
}

struct Shared {
    services: Vec<Arc<dyn SimService>>,
    faults: RwLock<FaultConfig>,
    rng: Mutex<StdRng>,
    log: Mutex<Vec<LoggedRequest>>,
    log_enabled: bool,
    started: tokio::time::Instant,
}

/// A running simulator host. Stops when dropped (or on [`SimServer::shutdown`]).
pub struct SimServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
}

impl std::fmt::Debug for SimServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

/// Options for [`SimServer::start`].
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Port on 127.0.0.1 (0: any free port).
    pub port: u16,
    /// Faults and latency.
    pub faults: FaultConfig,
    /// Seed of the fault dice, for reproducible runs.
    pub seed: u64,
    /// Whether to keep a request log (turn off for long benchmarks).
    pub log_requests: bool,
}

impl Default for SimOptions {
    fn default() -> Self {
        Self {
            port: 0,
            faults: FaultConfig::default(),
            seed: 0x5eed,
            log_requests: true,
        }
    }
}

impl SimOptions {
    /// Sets the latency and faults.
    #[must_use]
    pub fn with_faults(mut self, faults: FaultConfig) -> Self {
        self.faults = faults;
        self
    }

    /// Sets the seed of the fault dice.
    #[must_use]
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Sets the port on 127.0.0.1 (0: any free one).
    #[must_use]
    pub fn with_port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Keeps the request log (the default) or not (long benchmarks).
    #[must_use]
    pub fn with_request_log(mut self, on: bool) -> Self {
        self.log_requests = on;
        self
    }
}

impl SimServer {
    /// Serves `services` on 127.0.0.1, on the current tokio runtime.
    pub async fn start(
        services: Vec<Arc<dyn SimService>>,
        options: SimOptions,
    ) -> std::io::Result<SimServer> {
        let listener = TcpListener::bind(("127.0.0.1", options.port)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            services,
            faults: RwLock::new(options.faults),
            rng: Mutex::new(StdRng::seed_from_u64(options.seed)),
            log: Mutex::new(Vec::new()),
            log_enabled: options.log_requests,
            started: tokio::time::Instant::now(),
        });
        let (stop, mut stopped) = watch::channel(false);
        let accept_shared = shared.clone();
        tokio::spawn(async move {
            loop {
                let (stream, _) = tokio::select! {
                    accepted = listener.accept() => match accepted {
                        Ok(conn) => conn,
                        Err(_) => continue,
                    },
                    _ = stopped.changed() => return,
                };
                let _ = stream.set_nodelay(true);
                let shared = accept_shared.clone();
                let mut conn_stopped = stopped.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| handle(shared.clone(), req));
                    let conn = http1::Builder::new()
                        .keep_alive(true)
                        .serve_connection(TokioIo::new(stream), service);
                    tokio::select! {
                        _ = conn => {}
                        _ = conn_stopped.changed() => {}
                    }
                });
            }
        });
        Ok(SimServer { addr, shared, stop })
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Replaces the fault configuration.
    pub fn set_faults(&self, faults: FaultConfig) {
        *self
            .shared
            .faults
            .write()
            .unwrap_or_else(|e| e.into_inner()) = faults;
    }

    /// A copy of the request log.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.shared
            .log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Empties the request log.
    pub fn clear_requests(&self) {
        self.shared
            .log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// Stops accepting and closes open connections.
    pub fn shutdown(&self) {
        let _ = self.stop.send(true);
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Why a connection is being dropped on purpose.
#[derive(Debug)]
struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for DropConnection {}

async fn handle(
    shared: Arc<Shared>,
    request: hyper::Request<Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, DropConnection> {
    let at = shared.started.elapsed();
    let (parts, body) = request.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return Err(DropConnection),
    };
    let path = parts.uri.path().to_owned();
    let raw_query = parts.uri.query().unwrap_or("").to_owned();
    let req = SimRequest {
        method: parts.method,
        segments: path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(percent_decode)
            .collect(),
        query: url::form_urlencoded::parse(raw_query.as_bytes())
            .into_owned()
            .collect(),
        path,
        headers: parts.headers,
        body,
    };

    let faults = shared
        .faults
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let exempt = faults
        .exempt_prefixes
        .iter()
        .any(|p| req.path.starts_with(p.as_str()));
    let (disposition, delay, omit_retry_after) = {
        let mut rng = shared.rng.lock().unwrap_or_else(|e| e.into_inner());
        let jitter = if faults.jitter.is_zero() {
            Duration::ZERO
        } else {
            faults.jitter.mul_f64(rng.random::<f64>())
        };
        let roll: f64 = rng.random();
        let disposition = if exempt {
            Disposition::Served
        } else if roll < faults.unavailable_rate {
            Disposition::InjectedUnavailable
        } else if roll < faults.unavailable_rate + faults.rate_limited_rate {
            Disposition::InjectedRateLimited
        } else if req.method == Method::POST && rng.random::<f64>() < faults.commit_then_drop_rate {
            Disposition::CommittedThenDropped
        } else {
            Disposition::Served
        };
        let omit = rng.random::<f64>() < faults.retry_after_omitted_rate;
        (disposition, faults.latency + jitter, omit)
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }

    let mut retry_after_secs = None;
    let response = match disposition {
        Disposition::InjectedUnavailable => SimResponse::json(
            503,
            &serde_json::json!({"message": "service unavailable (injected)"}),
        ),
        Disposition::InjectedRateLimited => {
            retry_after_secs = faults.retry_after_secs.filter(|_| !omit_retry_after);
            let response = SimResponse::json(
                429,
                &serde_json::json!({"message": "too many requests (injected)"}),
            );
            match retry_after_secs {
                Some(secs) => response.with_header(http::header::RETRY_AFTER, &secs.to_string()),
                None => response,
            }
        }
        Disposition::Served | Disposition::CommittedThenDropped => {
            match shared.services.iter().find(|s| s.handles(&req)) {
                Some(service) => service.handle(&req),
                None => SimResponse::json(
                    404,
                    &serde_json::json!({"message": format!("no route for {}", req.path)}),
                ),
            }
        }
    };

    if shared.log_enabled {
        let status = if disposition == Disposition::CommittedThenDropped {
            0
        } else {
            response.status
        };
        shared
            .log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(LoggedRequest {
                method: req.method.clone(),
                path: req.path.clone(),
                query: raw_query,
                status,
                disposition,
                retry_after_secs,
                at,
                body: req.body.clone(),
                request_id: req.header("x-request-id").map(str::to_owned),
            });
    }
    if disposition == Disposition::CommittedThenDropped {
        return Err(DropConnection);
    }
    let mut builder = hyper::Response::builder()
        .status(StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
    for (name, value) in response.headers {
        builder = builder.header(name, value);
    }
    builder
        .body(Full::new(response.body))
        .map_err(|_| DropConnection)
}

fn percent_decode(segment: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", segment.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Formats a time as RFC 3339 UTC with milliseconds
/// (`2024-01-15T10:00:00.000Z`); such strings sort chronologically.
pub fn rfc3339(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Howard Hinnant's civil-from-days.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since.subsec_millis()
    )
}

/// An OAuth 2.0 error answer (RFC 6749 §5.2).
pub fn oauth_error(status: u16, code: &str, description: &str) -> SimResponse {
    SimResponse::json(
        status,
        &serde_json::json!({ "error": code, "error_description": description }),
    )
}

/// A client-credentials token request (RFC 6749 §4.4) that passed
/// [`check_client_credentials`]: its form fields.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    form: Vec<(String, String)>,
}

impl TokenRequest {
    /// A form field.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Checks a token request as an OAuth server does: form-encoded, grant type
/// `client_credentials`, this client's id and secret. Answers the OAuth error
/// otherwise.
pub fn check_client_credentials(
    req: &SimRequest,
    client_id: &str,
    client_secret: &str,
) -> Result<TokenRequest, SimResponse> {
    let form_encoded = req
        .header("content-type")
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    if !form_encoded {
        return Err(oauth_error(
            400,
            "invalid_request",
            "token requests must be form-encoded",
        ));
    }
    let request = TokenRequest { form: req.form() };
    if request.field("grant_type") != Some("client_credentials") {
        return Err(oauth_error(
            400,
            "unsupported_grant_type",
            "grant_type must be client_credentials",
        ));
    }
    if request.field("client_id") != Some(client_id)
        || request.field("client_secret") != Some(client_secret)
    {
        return Err(oauth_error(
            401,
            "invalid_client",
            "client authentication failed",
        ));
    }
    Ok(request)
}

/// An infallible helper for services that answer JSON errors the same way.
pub fn error_json(status: u16, message: impl Into<String>) -> SimResponse {
    SimResponse::json(status, &serde_json::json!({ "message": message.into() }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_formats_known_instants() {
        let t = UNIX_EPOCH + Duration::from_millis(1_705_312_800_123);
        assert_eq!(rfc3339(t), "2024-01-15T10:00:00.123Z");
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(rfc3339(leap), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn percent_decoding_keeps_plus() {
        assert_eq!(percent_decode("a%2Fb"), "a/b");
        assert_eq!(percent_decode("a+b"), "a+b");
    }
}
