//! One error type for every directory, with the kinds a caller branches on.
//!
//! Every variant that came from an HTTP answer carries a [`Reply`] with the
//! status and the (redacted, truncated) body the vendor sent, so the caller can
//! see *why* without the SDK having to understand every vendor message.

use std::time::Duration;

/// Result alias used throughout the SDK.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Longest vendor body kept on an error, in bytes.
const MAX_BODY_KEPT: usize = 2048;
/// Longest excerpt of an undecodable body kept on a [`Error::Decode`].
const MAX_EXCERPT: usize = 160;
/// Longest message kept on an error: decoders and servers quote values from
/// the body in their messages, so those are bounded and redacted too.
const MAX_MESSAGE: usize = 300;

/// A message safe to keep on an error: truncated and redacted.
#[cfg_attr(not(feature = "backend"), allow(dead_code, unreachable_pub))] // used by `backend`
pub fn bounded_message(message: &str) -> String {
    redact(&truncate_utf8(message.as_bytes(), MAX_MESSAGE))
}

/// What the server answered, kept on errors for diagnosis.
#[derive(Clone, PartialEq, Eq)]
pub struct Reply {
    /// HTTP status code.
    pub status: u16,
    /// The vendor's error body: truncated, with secret-looking values masked.
    pub body: String,
}

impl Reply {
    /// Builds a reply from a raw body, truncating and redacting it.
    pub fn new(status: u16, body: &[u8]) -> Self {
        Self {
            status,
            body: redact(&truncate_utf8(body, MAX_BODY_KEPT)),
        }
    }
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Reply({} {:?})", self.status, self.body)
    }
}

/// Everything that can go wrong talking to a directory.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The object does not exist (or the caller may not see it).
    #[error("not found: {what}")]
    NotFound {
        /// What was looked for, e.g. `user usr_1` or `role "Auditor"`.
        what: String,
        /// The server's answer, when there was one.
        reply: Option<Reply>,
    },
    /// The change clashes with existing state (duplicate email or username).
    #[error("conflict: {message}")]
    Conflict {
        /// What clashed.
        message: String,
        /// The server's answer, when there was one.
        reply: Option<Reply>,
    },
    /// Credentials were missing, wrong or expired even after one refresh.
    #[error("unauthorized: {message}")]
    Unauthorized {
        /// Why, without any secret.
        message: String,
        /// The server's answer, when there was one.
        reply: Option<Reply>,
    },
    /// Authenticated, but not allowed.
    #[error("forbidden: {message}{}", missing_scope.as_ref().map(|s| format!(" (missing scope {s})")).unwrap_or_default())]
    Forbidden {
        /// The scope the server said was missing, when it said.
        missing_scope: Option<String>,
        /// The server's message.
        message: String,
        /// The server's answer.
        reply: Option<Reply>,
    },
    /// The server asked us to slow down.
    #[error("rate limited{}", retry_after.map(|d| format!(" (retry after {:.1}s)", d.as_secs_f64())).unwrap_or_default())]
    RateLimited {
        /// How long the server asked us to wait, when it said.
        retry_after: Option<Duration>,
        /// The server's answer.
        reply: Option<Reply>,
    },
    /// The request was refused as invalid; `message` is the server's reason.
    #[error("validation failed: {message}")]
    Validation {
        /// The server's (or the SDK's) reason.
        message: String,
        /// The server's answer, when the server refused it.
        reply: Option<Reply>,
    },
    /// The server failed (5xx).
    #[error("server error {}: {message}", reply.status)]
    Server {
        /// A short description.
        message: String,
        /// The server's answer.
        reply: Reply,
    },
    /// The request could not be completed on the network.
    #[error("transport error ({}): {message}", if *may_have_reached_server { "request may have reached the server" } else { "request not sent" })]
    Transport {
        /// What failed, without URL query values.
        message: String,
        /// Whether the server may have received (and acted on) the request.
        may_have_reached_server: bool,
        /// Whether this was a timeout.
        timed_out: bool,
    },
    /// The answer could not be decoded into the expected shape.
    #[error("could not decode response: {message} (body starts: {excerpt:?})")]
    Decode {
        /// What was wrong.
        message: String,
        /// A short, redacted excerpt of the body.
        excerpt: String,
        /// The HTTP status of the undecodable answer.
        status: Option<u16>,
    },
    /// The SDK refused to do something unsafe (plain `http` to a remote host,
    /// a delete without confirmation, ...). Nothing was sent.
    #[error("refused by policy: {reason}")]
    RefusedByPolicy {
        /// The rule that refused it.
        reason: String,
    },
    /// The directory does not support this operation.
    #[error("unsupported by this directory: {operation}")]
    Unsupported {
        /// The operation asked for.
        operation: String,
    },
    /// The client was configured wrongly (missing credential, bad URL).
    #[error("configuration error: {message}")]
    Config {
        /// What is wrong and how to fix it.
        message: String,
    },
}

/// A coarse classification of [`Error`], convenient for `match` and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// See [`Error::NotFound`].
    NotFound,
    /// See [`Error::Conflict`].
    Conflict,
    /// See [`Error::Unauthorized`].
    Unauthorized,
    /// See [`Error::Forbidden`].
    Forbidden,
    /// See [`Error::RateLimited`].
    RateLimited,
    /// See [`Error::Validation`].
    Validation,
    /// See [`Error::Server`].
    Server,
    /// See [`Error::Transport`].
    Transport,
    /// See [`Error::Decode`].
    Decode,
    /// See [`Error::RefusedByPolicy`].
    RefusedByPolicy,
    /// See [`Error::Unsupported`].
    Unsupported,
    /// See [`Error::Config`].
    Config,
}

impl Error {
    /// The kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::Conflict { .. } => ErrorKind::Conflict,
            Error::Unauthorized { .. } => ErrorKind::Unauthorized,
            Error::Forbidden { .. } => ErrorKind::Forbidden,
            Error::RateLimited { .. } => ErrorKind::RateLimited,
            Error::Validation { .. } => ErrorKind::Validation,
            Error::Server { .. } => ErrorKind::Server,
            Error::Transport { .. } => ErrorKind::Transport,
            Error::Decode { .. } => ErrorKind::Decode,
            Error::RefusedByPolicy { .. } => ErrorKind::RefusedByPolicy,
            Error::Unsupported { .. } => ErrorKind::Unsupported,
            Error::Config { .. } => ErrorKind::Config,
        }
    }

    /// The server's answer, when the error came from one.
    pub fn reply(&self) -> Option<&Reply> {
        match self {
            Error::NotFound { reply, .. }
            | Error::Conflict { reply, .. }
            | Error::Unauthorized { reply, .. }
            | Error::Forbidden { reply, .. }
            | Error::RateLimited { reply, .. }
            | Error::Validation { reply, .. } => reply.as_ref(),
            Error::Server { reply, .. } => Some(reply),
            _ => None,
        }
    }

    /// The HTTP status of the answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Decode { status, .. } => *status,
            other => other.reply().map(|r| r.status),
        }
    }

    /// Whether repeating the same request later could succeed: rate limits,
    /// gateway / unavailable errors (502, 503, 504) and network failures.
    ///
    /// This says nothing about whether a repeat is *safe*: see
    /// [`RetryPolicy`](crate::retry::RetryPolicy) for that.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::RateLimited { .. } | Error::Transport { .. } => true,
            Error::Server { reply, .. } => matches!(reply.status, 502..=504),
            _ => false,
        }
    }

    /// Whether a request that failed this way may have been carried out by the
    /// server anyway (a dropped connection or timeout after sending, or a 5xx):
    /// the caller must look before repeating a non-idempotent change.
    pub fn is_ambiguous(&self) -> bool {
        match self {
            Error::Transport {
                may_have_reached_server,
                ..
            } => *may_have_reached_server,
            Error::Server { .. } | Error::Decode { .. } => true,
            _ => false,
        }
    }

    /// Shorthand for a not-found error raised by the SDK itself.
    pub fn not_found(what: impl Into<String>) -> Self {
        Error::NotFound {
            what: what.into(),
            reply: None,
        }
    }

    /// Shorthand for a validation error raised by the SDK before sending.
    pub fn invalid(message: impl Into<String>) -> Self {
        Error::Validation {
            message: message.into(),
            reply: None,
        }
    }

    /// Shorthand for a configuration error.
    pub fn config(message: impl Into<String>) -> Self {
        Error::Config {
            message: message.into(),
        }
    }

    /// Shorthand for a policy refusal.
    pub fn refused(reason: impl Into<String>) -> Self {
        Error::RefusedByPolicy {
            reason: reason.into(),
        }
    }

    /// A decode error for `body`, keeping only a short redacted excerpt.
    pub fn decode(message: impl Into<String>, body: &[u8], status: Option<u16>) -> Self {
        Error::Decode {
            message: bounded_message(&message.into()),
            excerpt: redact(&truncate_utf8(body, MAX_EXCERPT)),
            status,
        }
    }
}

/// Cuts `bytes` to at most `max` bytes on a character boundary, lossily decoded.
fn truncate_utf8(bytes: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(max + 4)]);
    if text.len() <= max {
        return text.into_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// Key names whose values are masked wherever a body is kept or logged.
const SECRET_KEYS: &[&str] = &[
    "access_token",
    "refresh_token",
    "id_token",
    "token",
    "authtoken",
    "sessionid",
    "password",
    "client_secret",
    "secret",
    "apikey",
];

/// Masks the values of secret-looking keys (`"password": "..."`,
/// `sessionID=...`) in a text excerpt. It works on malformed JSON and on form
/// bodies alike, because that is exactly what it is applied to.
#[cfg_attr(not(feature = "backend"), allow(dead_code, unreachable_pub))] // used by `backend`
pub fn redact(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let bytes = text.as_bytes();
    let mut masked: Vec<(usize, usize)> = Vec::new();
    for key in SECRET_KEYS {
        let mut from = 0;
        while let Some(pos) = lower[from..].find(key) {
            let key_start = from + pos;
            let key_end = key_start + key.len();
            from = key_end;
            // Only whole keys: `token` must not match inside `tokenType`.
            let before_ok = key_start == 0 || !bytes[key_start - 1].is_ascii_alphanumeric();
            let after = bytes.get(key_end).copied();
            let after_ok = !matches!(after, Some(c) if c.is_ascii_alphanumeric() || c == b'_');
            if !before_ok || !after_ok {
                continue;
            }
            if let Some(span) = value_span(bytes, key_end) {
                masked.push(span);
            }
        }
    }
    if masked.is_empty() {
        return text.to_owned();
    }
    masked.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut cursor = 0;
    for (start, end) in masked {
        if start < cursor {
            continue;
        }
        out.push_str(&text[cursor..start]);
        out.push_str("***");
        cursor = end;
    }
    out.push_str(&text[cursor..]);
    out
}

/// Finds the value following a key: skips a closing quote, `:` or `=` and
/// whitespace, then spans a quoted string or a bare token.
fn value_span(bytes: &[u8], mut i: usize) -> Option<(usize, usize)> {
    if bytes.get(i) == Some(&b'"') {
        i += 1;
    }
    while matches!(bytes.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    if !matches!(bytes.get(i), Some(b':' | b'=')) {
        return None;
    }
    i += 1;
    while matches!(bytes.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    if bytes.get(i) == Some(&b'"') {
        let start = i + 1;
        let mut j = start;
        while j < bytes.len() && bytes[j] != b'"' {
            j += if bytes[j] == b'\\' { 2 } else { 1 };
        }
        Some((start, j.min(bytes.len())))
    } else {
        let start = i;
        let mut j = start;
        while j < bytes.len() && !matches!(bytes[j], b'&' | b',' | b'}' | b' ' | b'\n' | b'\r') {
            j += 1;
        }
        (j > start).then_some((start, j))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_json_and_form_secrets() {
        let body = r#"{"access_token":"abc.def","tokenType":"Bearer","password": "hunter2"}"#;
        let red = redact(body);
        assert!(!red.contains("abc.def"), "{red}");
        assert!(!red.contains("hunter2"), "{red}");
        assert!(red.contains("tokenType"));
        let form = "grant_type=client_credentials&client_secret=s3cr3t&x=1";
        assert_eq!(
            redact(form),
            "grant_type=client_credentials&client_secret=***&x=1"
        );
        assert_eq!(redact("sessionID=abc"), "sessionID=***");
    }

    #[test]
    fn truncates_on_char_boundary() {
        let long = "é".repeat(200);
        let cut = truncate_utf8(long.as_bytes(), 11);
        assert!(cut.ends_with('…'));
        assert!(cut.len() <= 11 + '…'.len_utf8());
    }

    #[test]
    fn decode_error_keeps_short_redacted_excerpt() {
        let body = format!(
            r#"{{"sessionID":"SECRET-SESSION", "x": "{}"#,
            "y".repeat(1000)
        );
        let err = Error::decode("expected object", body.as_bytes(), Some(200));
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("SECRET-SESSION"));
        assert!(shown.len() < 600);
    }

    #[test]
    fn decode_message_quoting_the_body_is_bounded_and_redacted() {
        // serde_json quotes a wrongly typed value in full in its message.
        let body = format!(
            r#"{{"data":[{{"id":"u","active":"password={} {}"}}]}}"#,
            "hunter2",
            "x".repeat(5000)
        );
        let err = serde_json::from_str::<serde_json::Value>(&body)
            .and_then(|_| {
                serde_json::from_str::<Vec<bool>>(&format!(
                    "[\"password=hunter2 {}\"]",
                    "x".repeat(5000)
                ))
            })
            .map_err(|e| Error::decode(e.to_string(), body.as_bytes(), Some(200)))
            .unwrap_err();
        let shown = err.to_string();
        assert!(shown.len() < 800, "{}", shown.len());
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn retryable_kinds() {
        let server = |status| Error::Server {
            message: String::new(),
            reply: Reply::new(status, b""),
        };
        assert!(server(503).is_retryable());
        assert!(server(502).is_retryable());
        assert!(!server(500).is_retryable());
        assert!(
            Error::RateLimited {
                retry_after: None,
                reply: None
            }
            .is_retryable()
        );
        assert!(!Error::invalid("x").is_retryable());
        assert!(!Error::not_found("x").is_retryable());
    }

    #[test]
    fn forbidden_names_missing_scope() {
        let err = Error::Forbidden {
            missing_scope: Some("iam:users:write".into()),
            message: "insufficient scope".into(),
            reply: None,
        };
        assert!(err.to_string().contains("iam:users:write"));
    }
}
