//! When to repeat a failed request, how long to wait, and how fast to go.
//!
//! A [`RetryPolicy`] answers each failure with a [`RetryDecision`]. Whether a
//! repeat is *safe* is an input ([`Idempotency`]): a create that may have been
//! committed is not blindly sent again (that is how duplicates are made).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rand::Rng;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::error::Error;

/// Whether a request may be repeated without changing the outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// GET, PUT, DELETE, and PATCH of absolute values: repeating is harmless.
    Idempotent,
    /// A create or append: repeated only when the server provably did not act
    /// on it (connection refused, 429).
    NonIdempotent,
    /// A non-idempotent request the caller has made safe to repeat (e.g. by an
    /// idempotency key or a look-up before each attempt).
    MarkedSafe,
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Wait this long, then try again.
    RetryAfter(Duration),
    /// Give up: the error is permanent, or repeating is unsafe.
    Permanent,
    /// Give up: attempts or time budget used up.
    Exhausted,
}

/// Exponential backoff with full jitter, a cap, a maximum number of attempts
/// and an overall deadline; honours `Retry-After`.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Delay scale of the first retry.
    pub base: Duration,
    /// Largest computed delay.
    pub cap: Duration,
    /// Total attempts, the first included (1 means never retry).
    pub max_attempts: u32,
    /// Time budget for all attempts of one request; no retry starts if its
    /// delay would end past it.
    pub deadline: Option<Duration>,
    /// Longest `Retry-After` obeyed; a longer one ends the retries.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            base: Duration::from_millis(200),
            cap: Duration::from_secs(20),
            max_attempts: 6,
            deadline: Some(Duration::from_secs(120)),
            max_retry_after: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn never() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Sets the number of attempts.
    #[must_use]
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Sets base and cap of the backoff.
    #[must_use]
    pub fn with_backoff(mut self, base: Duration, cap: Duration) -> Self {
        self.base = base;
        self.cap = cap.max(base);
        self
    }

    /// Sets the overall deadline.
    #[must_use]
    pub fn with_deadline(mut self, deadline: Option<Duration>) -> Self {
        self.deadline = deadline;
        self
    }

    /// The upper bound of the jittered delay before retry number `retry`
    /// (0-based): `min(cap, base * 2^retry)`.
    pub fn backoff_ceiling(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(self.cap)
    }

    /// A full-jitter delay: uniform in `[0, backoff_ceiling(retry)]`.
    pub fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self.backoff_ceiling(retry);
        if ceiling.is_zero() {
            return ceiling;
        }
        let nanos = rand::rng().random_range(0..=ceiling.as_nanos().min(u64::MAX as u128) as u64);
        Duration::from_nanos(nanos)
    }

    /// Decides what to do after attempt number `attempt` (1-based) failed
    /// with `error`, `elapsed` after the first attempt started.
    pub fn decide(
        &self,
        attempt: u32,
        error: &Error,
        idempotency: Idempotency,
        elapsed: Duration,
    ) -> RetryDecision {
        if !error.is_retryable() || !is_safe_to_repeat(error, idempotency) {
            return RetryDecision::Permanent;
        }
        if attempt >= self.max_attempts {
            return RetryDecision::Exhausted;
        }
        let delay = match error {
            Error::RateLimited {
                retry_after: Some(wait),
                ..
            } => {
                if *wait > self.max_retry_after {
                    return RetryDecision::Exhausted;
                }
                *wait
            }
            _ => self.backoff(attempt - 1),
        };
        if let Some(deadline) = self.deadline
            && elapsed + delay > deadline
        {
            return RetryDecision::Exhausted;
        }
        RetryDecision::RetryAfter(delay)
    }
}

/// Whether repeating a request that failed with `error` is safe. A 429 and a
/// refused connection mean the server did not act; anything else on a
/// non-idempotent request may have been committed.
fn is_safe_to_repeat(error: &Error, idempotency: Idempotency) -> bool {
    match idempotency {
        Idempotency::Idempotent | Idempotency::MarkedSafe => true,
        Idempotency::NonIdempotent => match error {
            Error::RateLimited { .. } => true,
            Error::Transport {
                may_have_reached_server,
                ..
            } => !may_have_reached_server,
            _ => false,
        },
    }
}

/// Parses a `Retry-After` header value: delta-seconds (`"120"`) or an
/// HTTP-date (`"Wed, 21 Oct 2015 07:28:00 GMT"`), relative to `now`. A date in
/// the past means "now" (zero). Garbage gives `None`.
#[cfg_attr(not(feature = "backend"), allow(dead_code, unreachable_pub))] // used by `backend`
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    if value.bytes().all(|b| b.is_ascii_digit()) {
        // Clamp absurd values instead of overflowing; the policy caps them.
        let secs: u64 = value.parse().unwrap_or(u64::MAX);
        return Some(Duration::from_secs(secs.min(u32::MAX as u64)));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// A client-side token bucket on tokio time, shared by cloning: every client
/// given the same limiter draws from the same budget.
///
/// After a 429 it halves its rate (down to a floor) and then recovers a little
/// with each success, so a fleet of workers backs off together.
#[derive(Clone, Debug)]
pub struct RateLimiter {
    inner: Arc<Mutex<Bucket>>,
}

#[derive(Debug)]
struct Bucket {
    configured_rate: f64,
    rate: f64,
    burst: f64,
    tokens: f64,
    updated: Instant,
    paused_until: Option<Instant>,
}

impl RateLimiter {
    /// Allows `per_second` requests a second on average, bursts of `burst`.
    pub fn new(per_second: f64, burst: u32) -> Self {
        let rate = per_second.max(0.001);
        let burst = f64::from(burst.max(1));
        Self {
            inner: Arc::new(Mutex::new(Bucket {
                configured_rate: rate,
                rate,
                burst,
                tokens: burst,
                updated: Instant::now(),
                paused_until: None,
            })),
        }
    }

    /// Waits until one request may be sent.
    pub async fn acquire(&self) {
        loop {
            let wait = {
                let mut bucket = self.inner.lock().await;
                let now = Instant::now();
                bucket.refill(now);
                match bucket.paused_until {
                    Some(until) if until > now => until - now,
                    _ if bucket.tokens >= 1.0 => {
                        bucket.tokens -= 1.0;
                        return;
                    }
                    _ => Duration::from_secs_f64((1.0 - bucket.tokens) / bucket.rate),
                }
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// Records a 429: halves the rate, and stops all callers for `retry_after`
    /// when the server said how long.
    pub async fn on_rate_limited(&self, retry_after: Option<Duration>) {
        let mut bucket = self.inner.lock().await;
        let floor = bucket.configured_rate / 64.0;
        bucket.rate = (bucket.rate / 2.0).max(floor);
        bucket.tokens = bucket.tokens.min(0.0);
        if let Some(wait) = retry_after {
            let until = Instant::now() + wait;
            bucket.paused_until = Some(bucket.paused_until.map_or(until, |u| u.max(until)));
        }
    }

    /// Records a success: recovers 5% of the configured rate.
    pub async fn on_success(&self) {
        let mut bucket = self.inner.lock().await;
        if bucket.rate < bucket.configured_rate {
            bucket.rate = (bucket.rate + bucket.configured_rate * 0.05).min(bucket.configured_rate);
        }
    }

    /// The current rate in requests per second.
    pub async fn current_rate(&self) -> f64 {
        self.inner.lock().await.rate
    }
}

impl Bucket {
    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        self.updated = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Reply;

    fn unavailable() -> Error {
        Error::Server {
            message: "unavailable".into(),
            reply: Reply::new(503, b""),
        }
    }

    #[test]
    fn backoff_is_exponential_capped_and_jittered() {
        let policy =
            RetryPolicy::default().with_backoff(Duration::from_millis(100), Duration::from_secs(1));
        assert_eq!(policy.backoff_ceiling(0), Duration::from_millis(100));
        assert_eq!(policy.backoff_ceiling(3), Duration::from_millis(800));
        assert_eq!(policy.backoff_ceiling(4), Duration::from_secs(1));
        assert_eq!(policy.backoff_ceiling(40), Duration::from_secs(1));
        let samples: Vec<_> = (0..200).map(|_| policy.backoff(3)).collect();
        assert!(samples.iter().all(|d| *d <= Duration::from_millis(800)));
        let distinct: std::collections::HashSet<_> = samples.iter().collect();
        assert!(distinct.len() > 100, "full jitter spreads delays");
    }

    #[test]
    fn only_safe_retries() {
        let policy = RetryPolicy::default();
        let t0 = Duration::ZERO;
        let dropped = Error::Transport {
            message: "reset".into(),
            may_have_reached_server: true,
            timed_out: false,
        };
        let refused = Error::Transport {
            message: "refused".into(),
            may_have_reached_server: false,
            timed_out: false,
        };
        let limited = Error::RateLimited {
            retry_after: Some(Duration::from_secs(3)),
            reply: None,
        };
        use Idempotency::*;
        assert!(matches!(
            policy.decide(1, &unavailable(), Idempotent, t0),
            RetryDecision::RetryAfter(_)
        ));
        assert_eq!(
            policy.decide(1, &unavailable(), NonIdempotent, t0),
            RetryDecision::Permanent
        );
        assert!(matches!(
            policy.decide(1, &unavailable(), MarkedSafe, t0),
            RetryDecision::RetryAfter(_)
        ));
        assert_eq!(
            policy.decide(1, &dropped, NonIdempotent, t0),
            RetryDecision::Permanent
        );
        assert!(matches!(
            policy.decide(1, &refused, NonIdempotent, t0),
            RetryDecision::RetryAfter(_)
        ));
        assert_eq!(
            policy.decide(1, &limited, NonIdempotent, t0),
            RetryDecision::RetryAfter(Duration::from_secs(3))
        );
        let server_500 = Error::Server {
            message: String::new(),
            reply: Reply::new(500, b""),
        };
        assert_eq!(
            policy.decide(1, &server_500, Idempotent, t0),
            RetryDecision::Permanent
        );
        assert_eq!(
            policy.decide(1, &Error::invalid("bad"), Idempotent, t0),
            RetryDecision::Permanent
        );
    }

    #[test]
    fn attempts_and_deadline_bound_retries() {
        let policy = RetryPolicy::default()
            .with_max_attempts(3)
            .with_deadline(Some(Duration::from_secs(10)));
        assert!(matches!(
            policy.decide(2, &unavailable(), Idempotency::Idempotent, Duration::ZERO),
            RetryDecision::RetryAfter(_)
        ));
        assert_eq!(
            policy.decide(3, &unavailable(), Idempotency::Idempotent, Duration::ZERO),
            RetryDecision::Exhausted
        );
        let limited = Error::RateLimited {
            retry_after: Some(Duration::from_secs(8)),
            reply: None,
        };
        assert_eq!(
            policy.decide(1, &limited, Idempotency::Idempotent, Duration::from_secs(3)),
            RetryDecision::Exhausted,
            "a wait that ends past the deadline is not started"
        );
    }

    #[test]
    fn retry_after_formats() {
        let now = httpdate::parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
        assert_eq!(parse_retry_after("", now), None);
        assert!(parse_retry_after("99999999999999999999999", now).is_some());
    }

    #[tokio::test(start_paused = true)]
    async fn limiter_spaces_requests_and_slows_after_429() {
        let limiter = RateLimiter::new(10.0, 1);
        let start = Instant::now();
        for _ in 0..11 {
            limiter.acquire().await;
        }
        let took = start.elapsed();
        assert!(
            took >= Duration::from_millis(999) && took < Duration::from_millis(1100),
            "{took:?}"
        );

        limiter.on_rate_limited(Some(Duration::from_secs(2))).await;
        assert!((limiter.current_rate().await - 5.0).abs() < 1e-9);
        let before = Instant::now();
        limiter.acquire().await;
        assert!(
            before.elapsed() >= Duration::from_secs(2),
            "Retry-After pauses everyone"
        );

        for _ in 0..100 {
            limiter.on_success().await;
        }
        assert!((limiter.current_rate().await - 10.0).abs() < 1e-9);
    }

    #[tokio::test(start_paused = true)]
    async fn limiter_is_shared_between_clones() {
        let a = RateLimiter::new(4.0, 1);
        let b = a.clone();
        let start = Instant::now();
        let (x, y) = tokio::join!(
            async {
                for _ in 0..4 {
                    a.acquire().await;
                }
            },
            async {
                for _ in 0..4 {
                    b.acquire().await;
                }
            }
        );
        let _ = (x, y);
        assert!(
            start.elapsed() >= Duration::from_millis(1740),
            "{:?}",
            start.elapsed()
        );
    }
}
