//! Pagination streams that cannot loop, lose items, or grow without bound.
//!
//! * [`cursor_pages`]: token pagination. A background task fetches the next
//!   page while the caller works on the current one; a token the server
//!   already sent ends the stream with an error instead of looping.
//! * [`offset_pages`]: offset pagination. Up to `concurrency` pages are in
//!   flight at once and pages are still yielded in order; it stops at a short
//!   page or at the announced total.
//!
//! In both, an error is yielded and ends the stream: a listing is either
//! complete or visibly failed. Memory is bounded by the prefetch window.

use std::collections::HashSet;
use std::future::Future;
use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::StreamExt;
use futures::stream::BoxStream;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

pub use crate::directory::flatten_pages;
use crate::error::{Error, Result};
use crate::model::Page;

/// One page of a token-paginated listing.
#[derive(Debug, Clone, PartialEq)]
pub struct CursorPage<T> {
    /// The items.
    pub items: Vec<T>,
    /// The token for the next page; `None` (or empty) on the last page.
    pub next_token: Option<String>,
}

/// Aborts the background task when the stream is dropped.
struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Streams token-paginated pages, prefetching up to `prefetch` pages ahead
/// (at least one) while the caller consumes the current one.
///
/// `fetch(None)` gets the first page, `fetch(Some(token))` the next, with the
/// token passed back verbatim. The listing ends when a page has no token (or
/// an empty one). A token seen before ends it with an [`Error::Decode`].
pub fn cursor_pages<T, F, Fut>(prefetch: usize, mut fetch: F) -> BoxStream<'static, Result<Page<T>>>
where
    T: Send + 'static,
    F: FnMut(Option<String>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<CursorPage<T>>> + Send + 'static,
{
    // The channel holds the pages fetched ahead; the task fetching one more
    // while the channel is full is what makes the window `prefetch + 1`.
    let (tx, rx) = mpsc::channel(prefetch.max(1));
    let task = tokio::spawn(async move {
        let hasher = RandomState::new();
        let mut seen = HashSet::new();
        let mut token: Option<String> = None;
        loop {
            let page = match fetch(token.take()).await {
                Ok(page) => page,
                Err(err) => {
                    let _ = tx.send(Err(err)).await;
                    return;
                }
            };
            let next = page.next_token.filter(|t| !t.is_empty());
            let repeated = next
                .as_ref()
                .is_some_and(|t| !seen.insert(hasher.hash_one(t)));
            let items = Page {
                items: page.items,
                total: None,
            };
            if tx.send(Ok(items)).await.is_err() {
                return;
            }
            if repeated {
                let err = Error::decode(
                    "the server repeated a page token it already sent; stopping instead of looping",
                    b"",
                    None,
                );
                let _ = tx.send(Err(err)).await;
                return;
            }
            match next {
                Some(t) => token = Some(t),
                None => return,
            }
        }
    });
    let guard = AbortOnDrop(task);
    futures::stream::unfold((rx, guard), |(mut rx, guard)| async move {
        rx.recv().await.map(|item| (item, (rx, guard)))
    })
    .boxed()
}

/// How an offset listing decides it has reached the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OffsetPlan {
    /// Items asked for per page.
    pub page_size: u64,
    /// Pages in flight at once (at least 1).
    pub concurrency: usize,
    /// The total, when known before listing (e.g. from a count request).
    pub known_total: Option<u64>,
}

/// Streams offset-paginated pages with up to `plan.concurrency` requests in
/// flight, yielding pages in order.
///
/// `fetch(offset, limit)` returns the items at that offset. The listing ends
/// at the first page shorter than `page_size`, or at `known_total`. Each fetch
/// runs as its own task, so pages arrive while the caller is busy.
pub fn offset_pages<T, F, Fut>(plan: OffsetPlan, fetch: F) -> BoxStream<'static, Result<Page<T>>>
where
    T: Send + 'static,
    F: Fn(u64, u64) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Vec<T>>> + Send + 'static,
{
    let page_size = plan.page_size.max(1);
    let last_page = plan.known_total.map(|total| total.div_ceil(page_size));
    // Set by a short page or an error as soon as it arrives, so no fetch is
    // started past the end (pages already in flight are cut by `scan`).
    let finished = Arc::new(AtomicBool::new(false));
    let stop_spawning = finished.clone();
    let offsets = (0u64..)
        .take_while(move |page| {
            last_page.is_none_or(|last| *page < last) && !stop_spawning.load(Ordering::SeqCst)
        })
        .map(move |page| page * page_size);
    futures::stream::iter(offsets)
        .map(move |offset| {
            let task = AbortOnDrop(tokio::spawn(fetch(offset, page_size)));
            let finished = finished.clone();
            async move {
                let mut task = task;
                let result = match (&mut task.0).await {
                    Ok(result) => result,
                    Err(join) => Err(Error::Transport {
                        message: format!("page fetch task failed: {join}"),
                        may_have_reached_server: true,
                        timed_out: false,
                    }),
                };
                if result
                    .as_ref()
                    .map_or(true, |items| (items.len() as u64) < page_size)
                {
                    finished.store(true, Ordering::SeqCst);
                }
                (offset, result)
            }
        })
        .buffered(plan.concurrency.max(1))
        .scan(false, move |done, (offset, result)| {
            if *done {
                return futures::future::ready(None);
            }
            let item = match result {
                Ok(items) => {
                    // A short page is the last one, whatever else is in flight.
                    let end = offset + items.len() as u64;
                    *done = (items.len() as u64) < page_size;
                    match plan.known_total {
                        // Ending before the announced total would be a
                        // silently short listing: say so instead.
                        Some(total) if *done && end < total => Err(Error::decode(
                            format!(
                                "the server announced {total} items but the listing ended at {end}"
                            ),
                            b"",
                            None,
                        )),
                        _ => Ok(Page {
                            items,
                            total: plan.known_total,
                        }),
                    }
                }
                Err(err) => {
                    *done = true;
                    Err(err)
                }
            };
            futures::future::ready(Some(item))
        })
        .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;
    use tokio::time::Instant;

    fn token_server(
        pages: usize,
        per_page: usize,
        latency: Duration,
    ) -> impl Fn(Option<String>) -> futures::future::BoxFuture<'static, Result<CursorPage<usize>>>
    + Send
    + 'static {
        move |token: Option<String>| {
            Box::pin(async move {
                tokio::time::sleep(latency).await;
                let page: usize =
                    token.map_or(0, |t| t.trim_start_matches("tok").parse().unwrap_or(0));
                let items = (page * per_page..(page + 1) * per_page).collect();
                let next_token = (page + 1 < pages).then(|| format!("tok{}", page + 1));
                Ok(CursorPage { items, next_token })
            })
        }
    }

    #[tokio::test(start_paused = true)]
    async fn cursor_prefetch_overlaps_consumer_work() {
        let latency = Duration::from_millis(50);
        let work = Duration::from_millis(50);
        let start = Instant::now();
        let mut stream = cursor_pages(1, token_server(10, 3, latency));
        let mut seen = Vec::new();
        while let Some(page) = stream.next().await {
            seen.extend(page.unwrap().items);
            tokio::time::sleep(work).await;
        }
        let took = start.elapsed();
        assert_eq!(seen, (0..30).collect::<Vec<_>>());
        // Sequential would be 10 * (50 + 50) = 1000 ms; overlapped is 50 + 10 * 50.
        assert!(took <= Duration::from_millis(560), "no overlap: {took:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn cursor_stops_on_repeated_token() {
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = calls.clone();
        let stream = cursor_pages(1, move |_token| {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            async move {
                Ok(CursorPage {
                    items: vec![n],
                    // tok0, tok1, tok0 ... a cycle.
                    next_token: Some(format!("tok{}", n % 2)),
                })
            }
        });
        let results: Vec<_> = stream.collect().await;
        assert_eq!(results.len(), 4, "three pages, then the error");
        assert!(matches!(results[3], Err(Error::Decode { .. })));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn cursor_treats_empty_token_as_end_and_passes_tokens_verbatim() {
        let seen_tokens = Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = seen_tokens.clone();
        let stream = cursor_pages(2, move |token: Option<String>| {
            log.lock().unwrap().push(token.clone());
            async move {
                Ok(match token.as_deref() {
                    None => CursorPage {
                        items: vec![1],
                        next_token: Some("a+b/c==".into()),
                    },
                    Some(_) => CursorPage {
                        items: vec![2],
                        next_token: Some(String::new()),
                    },
                })
            }
        });
        let items: Vec<_> = stream.map(|p| p.unwrap().items).concat().await;
        assert_eq!(items, vec![1, 2]);
        assert_eq!(
            *seen_tokens.lock().unwrap(),
            vec![None, Some("a+b/c==".to_string())]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn cursor_error_midway_is_yielded() {
        let stream = cursor_pages(1, |token: Option<String>| async move {
            match token {
                None => Ok(CursorPage {
                    items: vec![1],
                    next_token: Some("t".into()),
                }),
                Some(_) => Err(Error::Server {
                    message: "boom".into(),
                    reply: crate::error::Reply::new(500, b""),
                }),
            }
        });
        let results: Vec<_> = stream.collect().await;
        assert_eq!(results.len(), 2);
        assert!(results[0].is_ok());
        assert_eq!(
            results[1].as_ref().unwrap_err().kind(),
            crate::ErrorKind::Server
        );
    }

    #[tokio::test(start_paused = true)]
    async fn cursor_memory_bounded_by_window() {
        let fetched = Arc::new(AtomicUsize::new(0));
        let counter = fetched.clone();
        let mut stream = cursor_pages(1, move |_t| {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            async move {
                Ok(CursorPage {
                    items: vec![n],
                    next_token: Some(format!("t{n}")),
                })
            }
        });
        let _first = stream.next().await;
        tokio::time::sleep(Duration::from_secs(10)).await;
        // One handed out, one buffered, one fetched and waiting to be sent.
        assert!(
            fetched.load(Ordering::SeqCst) <= 3,
            "{}",
            fetched.load(Ordering::SeqCst)
        );
        drop(stream);
    }

    fn offset_server(
        total: u64,
        latency: Duration,
        in_flight: Arc<AtomicUsize>,
        peak: Arc<AtomicUsize>,
    ) -> impl Fn(u64, u64) -> futures::future::BoxFuture<'static, Result<Vec<u64>>> + Send + 'static
    {
        move |offset, limit| {
            let in_flight = in_flight.clone();
            let peak = peak.clone();
            Box::pin(async move {
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                // Later pages answer faster, to prove order is kept anyway.
                tokio::time::sleep(latency / (1 + (offset / limit) as u32 % 3)).await;
                in_flight.fetch_sub(1, Ordering::SeqCst);
                Ok((offset..(offset + limit).min(total)).collect())
            })
        }
    }

    #[tokio::test(start_paused = true)]
    async fn offset_concurrency_bounded_and_order_kept() {
        let in_flight = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let plan = OffsetPlan {
            page_size: 10,
            concurrency: 4,
            known_total: None,
        };
        let start = Instant::now();
        let items: Vec<u64> = offset_pages(
            plan,
            offset_server(95, Duration::from_millis(60), in_flight, peak.clone()),
        )
        .map(|p| p.unwrap().items)
        .concat()
        .await;
        assert_eq!(items, (0..95).collect::<Vec<_>>());
        assert_eq!(peak.load(Ordering::SeqCst), 4);
        // 10 pages at 4 in flight: about 3 rounds of at most 60 ms, not 10.
        assert!(
            start.elapsed() < Duration::from_millis(300),
            "{:?}",
            start.elapsed()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn offset_sequential_listing_asks_for_no_page_past_the_end() {
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = calls.clone();
        let plan = OffsetPlan {
            page_size: 10,
            concurrency: 1,
            known_total: None,
        };
        let items: Vec<u64> = offset_pages(plan, move |offset, _| {
            counter.fetch_add(1, Ordering::SeqCst);
            async move { Ok((offset..(offset + 10).min(25)).collect()) }
        })
        .map(|p| p.unwrap().items)
        .concat()
        .await;
        assert_eq!(items.len(), 25);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn offset_stops_at_known_total_even_on_full_pages() {
        let in_flight = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        // The server would keep answering full pages (the total lies low).
        let plan = OffsetPlan {
            page_size: 10,
            concurrency: 8,
            known_total: Some(30),
        };
        let items: Vec<u64> = offset_pages(
            plan,
            offset_server(1000, Duration::from_millis(5), in_flight, peak),
        )
        .map(|p| p.unwrap().items)
        .concat()
        .await;
        assert_eq!(items.len(), 30);
    }

    #[tokio::test(start_paused = true)]
    async fn offset_total_that_lies_high_is_an_error_not_a_short_list() {
        let plan = OffsetPlan {
            page_size: 10,
            concurrency: 2,
            known_total: Some(50),
        };
        let results: Vec<_> = offset_pages(plan, |offset, limit| async move {
            Ok((offset..(offset + limit).min(25)).collect::<Vec<u64>>())
        })
        .collect()
        .await;
        let last = results.last().unwrap();
        assert!(matches!(last, Err(Error::Decode { .. })), "{last:?}");
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn offset_error_midway_is_yielded_and_ends() {
        let plan = OffsetPlan {
            page_size: 2,
            concurrency: 3,
            known_total: None,
        };
        let results: Vec<_> = offset_pages(plan, |offset, _limit| async move {
            if offset == 4 {
                Err(Error::Transport {
                    message: "reset".into(),
                    may_have_reached_server: true,
                    timed_out: false,
                })
            } else {
                Ok(vec![offset, offset + 1])
            }
        })
        .collect()
        .await;
        assert_eq!(results.len(), 3);
        assert!(results[2].is_err());
    }
}
