//! The loopback host: serves the services, rolls the fault dice, keeps the
//! request log.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use bytes::Bytes;
use http::{Method, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::request::percent_decode;
use super::{SimRequest, SimResponse, SimService};
use crate::faults::Fault;

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
#[non_exhaustive]
pub enum Disposition {
    /// The service answered.
    Served,
    /// The host injected a fault: [`Fault::Unavailable`] or
    /// [`Fault::RateLimited`] before the service ran, or
    /// [`Fault::CommitThenDrop`] after it.
    Injected(Fault),
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
    let roll = shared.roll(&faults, &req);
    if !roll.delay.is_zero() {
        tokio::time::sleep(roll.delay).await;
    }
    let retry_after_secs = match roll.disposition {
        Disposition::Injected(Fault::RateLimited) => {
            faults.retry_after_secs.filter(|_| !roll.omit_retry_after)
        }
        _ => None,
    };
    let response = shared.respond(roll.disposition, retry_after_secs, &req);
    let dropped = roll.disposition == Disposition::Injected(Fault::CommitThenDrop);
    if shared.log_enabled {
        shared
            .log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(LoggedRequest {
                method: req.method.clone(),
                path: req.path.clone(),
                query: raw_query,
                status: if dropped { 0 } else { response.status },
                disposition: roll.disposition,
                retry_after_secs,
                at,
                body: req.body.clone(),
                request_id: req.header("x-request-id").map(str::to_owned),
            });
    }
    if dropped {
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

/// What the dice decided for one request.
struct Roll {
    disposition: Disposition,
    delay: Duration,
    omit_retry_after: bool,
}

impl Shared {
    /// Rolls the fault dice for one request.
    fn roll(&self, faults: &FaultConfig, req: &SimRequest) -> Roll {
        let exempt = faults
            .exempt_prefixes
            .iter()
            .any(|p| req.path.starts_with(p.as_str()));
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        let jitter = if faults.jitter.is_zero() {
            Duration::ZERO
        } else {
            faults.jitter.mul_f64(rng.random::<f64>())
        };
        let roll: f64 = rng.random();
        let disposition = if exempt {
            Disposition::Served
        } else if roll < faults.unavailable_rate {
            Disposition::Injected(Fault::Unavailable)
        } else if roll < faults.unavailable_rate + faults.rate_limited_rate {
            Disposition::Injected(Fault::RateLimited)
        } else if req.method == Method::POST && rng.random::<f64>() < faults.commit_then_drop_rate {
            Disposition::Injected(Fault::CommitThenDrop)
        } else {
            Disposition::Served
        };
        Roll {
            disposition,
            delay: faults.latency + jitter,
            omit_retry_after: rng.random::<f64>() < faults.retry_after_omitted_rate,
        }
    }

    /// The answer: an injected refusal, or the service's (which a
    /// commit-then-drop computes and then throws away).
    fn respond(
        &self,
        disposition: Disposition,
        retry_after_secs: Option<u64>,
        req: &SimRequest,
    ) -> SimResponse {
        match disposition {
            Disposition::Injected(Fault::Unavailable) => SimResponse::json(
                503,
                &serde_json::json!({"message": "service unavailable (injected)"}),
            ),
            Disposition::Injected(Fault::RateLimited) => {
                let response = SimResponse::json(
                    429,
                    &serde_json::json!({"message": "too many requests (injected)"}),
                );
                match retry_after_secs {
                    Some(secs) => {
                        response.with_header(http::header::RETRY_AFTER, &secs.to_string())
                    }
                    None => response,
                }
            }
            _ => match self.services.iter().find(|s| s.handles(req)) {
                Some(service) => service.handle(req),
                None => SimResponse::json(
                    404,
                    &serde_json::json!({"message": format!("no route for {}", req.path)}),
                ),
            },
        }
    }
}
