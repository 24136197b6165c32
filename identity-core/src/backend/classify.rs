//! Turning an HTTP error answer into an [`Error`] a caller can branch on.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};

use crate::error::{Error, Reply};
pub use crate::error::{bounded_message, redact};
pub use crate::retry::parse_retry_after;

/// Turns an error answer into an [`Error`]; vendors refine the default.
pub trait ErrorClassifier: Send + Sync {
    /// Classifies a non-2xx answer.
    fn classify(&self, status: u16, headers: &HeaderMap, body: &[u8]) -> Error {
        default_error(status, headers, body, message_from_body(body))
    }
}

/// The status-only classification, used when no vendor refines it.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultClassifier;

impl ErrorClassifier for DefaultClassifier {}

/// Pulls a human message out of common error body shapes: `message`,
/// `error.message`, `detail`, `error_description`, `error` (string).
pub fn message_from_body(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let pick =
        |v: &serde_json::Value, key: &str| v.get(key).and_then(|m| m.as_str()).map(str::to_owned);
    pick(&value, "message")
        .or_else(|| value.get("error").and_then(|e| pick(e, "message")))
        .or_else(|| pick(&value, "detail"))
        .or_else(|| pick(&value, "error_description"))
        .or_else(|| pick(&value, "error"))
}

/// Maps a status to an error kind, keeping the (redacted) body.
pub fn default_error(
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    message: Option<String>,
) -> Error {
    let reply = Reply::new(status, body);
    let message = bounded_message(&message.unwrap_or_else(|| format!("HTTP {status}")));
    match status {
        400 | 422 => Error::Validation {
            message,
            reply: Some(reply),
        },
        401 => Error::Unauthorized {
            message,
            reply: Some(reply),
        },
        403 => Error::Forbidden {
            missing_scope: None,
            message,
            reply: Some(reply),
        },
        404 | 410 => Error::NotFound {
            what: message,
            reply: Some(reply),
        },
        409 => Error::Conflict {
            message,
            reply: Some(reply),
        },
        429 => Error::RateLimited {
            retry_after: retry_after(headers),
            reply: Some(reply),
        },
        _ => Error::Server { message, reply },
    }
}

/// The `Retry-After` header's wait, if present and valid.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, SystemTime::now()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn status_mapping() {
        let headers = HeaderMap::new();
        let kind = |s| default_error(s, &headers, b"{}", None).kind();
        use crate::ErrorKind as K;
        assert_eq!(kind(400), K::Validation);
        assert_eq!(kind(422), K::Validation);
        assert_eq!(kind(401), K::Unauthorized);
        assert_eq!(kind(403), K::Forbidden);
        assert_eq!(kind(404), K::NotFound);
        assert_eq!(kind(409), K::Conflict);
        assert_eq!(kind(429), K::RateLimited);
        assert_eq!(kind(503), K::Server);
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        match default_error(429, &headers, b"", None) {
            Error::RateLimited { retry_after, .. } => {
                assert_eq!(retry_after, Some(Duration::from_secs(7)))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn message_shapes() {
        assert_eq!(
            message_from_body(br#"{"message":"a"}"#).as_deref(),
            Some("a")
        );
        assert_eq!(
            message_from_body(br#"{"error":{"message":"b"}}"#).as_deref(),
            Some("b")
        );
        assert_eq!(
            message_from_body(br#"{"detail":"c"}"#).as_deref(),
            Some("c")
        );
        assert_eq!(message_from_body(b"<html>"), None);
    }
}
