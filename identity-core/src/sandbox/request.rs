//! Requests and answers as a simulator sees them, and the service trait.

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use serde::Serialize;
use serde::de::DeserializeOwned;

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

    /// Sets a header, replacing one of the same name.
    #[must_use]
    pub fn with_header(mut self, name: HeaderName, value: &str) -> Self {
        if let Ok(value) = HeaderValue::from_str(value) {
            self.headers.retain(|(existing, _)| *existing != name);
            self.headers.push((name, value));
        }
        self
    }
}

pub(super) fn percent_decode(segment: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", segment.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// One simulated API.
pub trait SimService: Send + Sync + 'static {
    /// Whether this service serves `req` (by path prefix).
    fn handles(&self, req: &SimRequest) -> bool;
    /// Answers a request. Runs under the service's own lock; keep it quick.
    fn handle(&self, req: &SimRequest) -> SimResponse;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding_keeps_plus() {
        assert_eq!(percent_decode("a%2Fb"), "a/b");
        assert_eq!(percent_decode("a+b"), "a+b");
    }
}
