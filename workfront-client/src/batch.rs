//! `POST /batch`: many operations in few requests, with a per-operation
//! outcome even when the server treats a batch as atomic.

use futures::StreamExt;
use futures::future::BoxFuture;
use identity_core::backend::http::{Method, Request};
use identity_core::{Error, Idempotency, Result};
use serde_json::Value;

use crate::client::WorkfrontClient;
use crate::wire::BatchOp;

/// The largest chunk sent by default (the guide: "50 or fewer").
pub const DEFAULT_CHUNK_SIZE: usize = 50;

/// How a batch is split and sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchOptions {
    /// Operations per request (1..=50 by default; a larger value is the
    /// caller's explicit choice).
    pub chunk_size: usize,
    /// Requests in flight at once.
    pub concurrency: usize,
}

impl Default for BatchOptions {
    fn default() -> Self {
        Self {
            chunk_size: DEFAULT_CHUNK_SIZE,
            concurrency: 4,
        }
    }
}

/// The body of `POST /batch`.
#[derive(serde::Serialize)]
struct BatchRequest<'a> {
    updates: &'a [BatchOp],
}

/// Whether a whole-batch failure may be caused by one bad operation in it
/// (so splitting finds it), rather than by the request as such.
fn blames_content(error: &Error) -> bool {
    matches!(
        error,
        Error::Validation { .. } | Error::NotFound { .. } | Error::Conflict { .. }
    )
}

/// A non-atomic batch reports a failed operation in place, as an object
/// with an `error`.
fn op_outcome(result: Value) -> Result<Value> {
    match result.get("error") {
        Some(error) => {
            let message = error
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("batch operation failed")
                .to_owned();
            let lower = message.to_ascii_lowercase();
            Err(if lower.contains("not found") {
                Error::not_found(message)
            } else if lower.contains("unique") {
                Error::Conflict {
                    message,
                    reply: None,
                }
            } else {
                Error::invalid(message)
            })
        }
        None => Ok(result),
    }
}

impl WorkfrontClient {
    /// Runs `ops` through `POST /batch` in chunks of at most
    /// `options.chunk_size`, `options.concurrency` chunks at a time, and
    /// returns one outcome per operation, in order.
    ///
    /// When a chunk fails as a whole because of its content (an atomic batch
    /// with one bad operation), it is split in halves and retried until each
    /// failing operation is isolated: every other operation still succeeds,
    /// and each failure is reported at its own index.
    ///
    /// ```no_run
    /// use identity_core::UserDirectory;
    /// use workfront_client::batch::BatchOptions;
    /// use workfront_client::wire::{BatchOp, UpdateUser};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> identity_core::Result<()> {
    /// let workfront = workfront_client::WorkfrontClient::from_env()?;
    /// let mut ops = Vec::new();
    /// for email in ["leaver1@example.com", "leaver2@example.com"] {
    ///     if let Some(user) = workfront.find_user_by_email(email).await? {
    ///         ops.push(BatchOp::update_user(user.id.as_str(), &UpdateUser::deactivate()));
    ///     }
    /// }
    /// for (op, outcome) in ops.iter().zip(workfront.batch(&ops, BatchOptions::default()).await) {
    ///     if let Err(err) = outcome {
    ///         eprintln!("{}: {err}", op.uri);
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn batch(&self, ops: &[BatchOp], options: BatchOptions) -> Vec<Result<Value>> {
        let chunk_size = options.chunk_size.max(1);
        futures::stream::iter(ops.chunks(chunk_size).map(<[BatchOp]>::to_vec))
            .map(|chunk: Vec<BatchOp>| self.run_chunk(chunk))
            .buffered(options.concurrency.max(1))
            .flat_map(futures::stream::iter)
            .collect()
            .await
    }

    fn run_chunk(&self, mut ops: Vec<BatchOp>) -> BoxFuture<'_, Vec<Result<Value>>> {
        Box::pin(async move {
            match self.send_batch(&ops).await {
                Ok(results) => results.into_iter().map(op_outcome).collect(),
                Err(error) if ops.len() > 1 && blames_content(&error) => {
                    let right = ops.split_off(ops.len() / 2);
                    let (mut left, right) =
                        futures::join!(self.run_chunk(ops), self.run_chunk(right));
                    left.extend(right);
                    left
                }
                Err(error) => ops.iter().map(|_| Err(error.clone())).collect(),
            }
        })
    }

    async fn send_batch(&self, ops: &[BatchOp]) -> Result<Vec<Value>> {
        let idempotency = if ops.iter().all(BatchOp::is_idempotent) {
            Idempotency::Idempotent
        } else {
            Idempotency::NonIdempotent
        };
        let request = Request::new(Method::POST, self.api_path(["batch"]))
            .json(&BatchRequest { updates: ops })?
            .idempotency(idempotency);
        let results: Vec<Value> = self.data(&request).await?;
        if results.len() != ops.len() {
            return Err(Error::decode(
                format!(
                    "batch answered {} results for {} operations",
                    results.len(),
                    ops.len()
                ),
                b"",
                Some(200),
            ));
        }
        Ok(results)
    }
}
