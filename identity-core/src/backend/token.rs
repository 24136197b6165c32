//! The credential cache every client puts in front of its [`TokenSource`].
//!
//! The cache refreshes a token `skew` before it expires, runs one refresh at
//! a time however many tasks wait, and — when a request is answered 401 —
//! forces exactly one refresh for all the requests that used the same token.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use secrecy::ExposeSecret;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::auth::{AccessToken, TokenSource};
use crate::error::Result;

/// A token handed out by the cache, with the generation it belongs to, so a
/// 401 can invalidate exactly that one.
#[derive(Clone)]
pub struct CachedToken {
    /// The credential.
    pub token: AccessToken,
    /// Increases with every refresh.
    pub generation: u64,
}

impl CachedToken {
    /// The secret to put in a header.
    pub fn expose(&self) -> &str {
        self.token.secret().expose_secret()
    }
}

impl fmt::Debug for CachedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedToken")
            .field("token", &self.token)
            .field("generation", &self.generation)
            .finish()
    }
}

struct Slot {
    current: Option<(CachedToken, Option<Instant>)>,
    generation: u64,
    refreshes: u64,
}

/// Caches a [`TokenSource`]'s credential; cheap to clone (shared state).
#[derive(Clone)]
pub struct TokenCache {
    source: Arc<dyn TokenSource>,
    skew: Duration,
    slot: Arc<Mutex<Slot>>,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCache")
            .field("skew", &self.skew)
            .finish_non_exhaustive()
    }
}

impl TokenCache {
    /// Caches tokens from `source`, refreshing `skew` before expiry.
    pub fn new(source: Arc<dyn TokenSource>, skew: Duration) -> Self {
        Self {
            source,
            skew,
            slot: Arc::new(Mutex::new(Slot {
                current: None,
                generation: 0,
                refreshes: 0,
            })),
        }
    }

    /// A valid token: the cached one, or a fresh one if it is missing or
    /// within `skew` of expiry. Concurrent callers share one refresh.
    pub async fn token(&self) -> Result<CachedToken> {
        // Holding the lock across the fetch is the point: waiters queue here
        // and find the refreshed token when they get the lock.
        let mut slot = self.slot.lock().await;
        if let Some((token, expires_at)) = &slot.current {
            let fresh = expires_at.is_none_or(|at| Instant::now() + self.skew < at);
            if fresh {
                return Ok(token.clone());
            }
        }
        self.refresh_locked(&mut slot).await
    }

    /// Reports that `used` was refused (401). The first report for a
    /// generation drops it; later reports for the same (already replaced)
    /// generation do nothing, so a burst of 401s causes one refresh.
    pub async fn invalidate(&self, used: &CachedToken) {
        let mut slot = self.slot.lock().await;
        if slot
            .current
            .as_ref()
            .is_some_and(|(t, _)| t.generation == used.generation)
        {
            slot.current = None;
        }
    }

    /// Whether a token is held (fresh or not).
    pub async fn is_holding(&self) -> bool {
        self.slot.lock().await.current.is_some()
    }

    /// Forgets the held token (after the server ended it, e.g. a logout):
    /// the next call fetches a new one.
    pub async fn forget(&self) {
        self.slot.lock().await.current = None;
    }

    /// How many times the source has been asked for a token.
    pub async fn refresh_count(&self) -> u64 {
        self.slot.lock().await.refreshes
    }

    async fn refresh_locked(&self, slot: &mut Slot) -> Result<CachedToken> {
        slot.refreshes += 1;
        let token = self.source.fetch_token().await?;
        slot.generation += 1;
        let expires_at = token.expires_in().map(|d| Instant::now() + d);
        let cached = CachedToken {
            token,
            generation: slot.generation,
        };
        slot.current = Some((cached.clone(), expires_at));
        tracing::debug!(generation = slot.generation, "credential refreshed");
        Ok(cached)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_trait::async_trait;
    use secrecy::SecretString;
    use std::sync::atomic::{AtomicU32, Ordering};

    struct CountingSource {
        calls: AtomicU32,
        lifetime: Option<Duration>,
    }

    #[async_trait]
    impl TokenSource for CountingSource {
        async fn fetch_token(&self) -> Result<AccessToken> {
            let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
            tokio::time::sleep(Duration::from_millis(100)).await;
            Ok(AccessToken::new(
                SecretString::from(format!("token-{n}")),
                self.lifetime,
            ))
        }
    }

    fn cache(lifetime: Option<Duration>) -> (TokenCache, Arc<CountingSource>) {
        let source = Arc::new(CountingSource {
            calls: AtomicU32::new(0),
            lifetime,
        });
        (
            TokenCache::new(source.clone(), Duration::from_secs(30)),
            source,
        )
    }

    #[tokio::test(start_paused = true)]
    async fn hundred_concurrent_callers_one_refresh() {
        let (cache, source) = cache(Some(Duration::from_secs(3600)));
        let tasks: Vec<_> = (0..100)
            .map(|_| {
                let cache = cache.clone();
                tokio::spawn(async move { cache.token().await.unwrap().expose().to_owned() })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap(), "token-1");
        }
        assert_eq!(source.calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn refreshes_before_expiry_with_skew() {
        let (cache, source) = cache(Some(Duration::from_secs(60)));
        assert_eq!(cache.token().await.unwrap().expose(), "token-1");
        tokio::time::advance(Duration::from_secs(25)).await;
        assert_eq!(cache.token().await.unwrap().expose(), "token-1");
        // 31 s left < 30 s skew? No: 60 - 25 - 0.1 = 34.9 s left; advance into the skew.
        tokio::time::advance(Duration::from_secs(6)).await;
        assert_eq!(cache.token().await.unwrap().expose(), "token-2");
        assert_eq!(source.calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn burst_of_401s_forces_exactly_one_refresh() {
        let (cache, source) = cache(None);
        let used = cache.token().await.unwrap();
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let cache = cache.clone();
                let used = used.clone();
                tokio::spawn(async move {
                    cache.invalidate(&used).await;
                    cache.token().await.unwrap().expose().to_owned()
                })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap(), "token-2");
        }
        assert_eq!(source.calls.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn debug_hides_the_secret() {
        let token = AccessToken::new(SecretString::from("canary-token-xyz"), None);
        let cached = CachedToken {
            token: token.clone(),
            generation: 1,
        };
        assert!(!format!("{token:?} {cached:?}").contains("canary-token-xyz"));
    }
}
