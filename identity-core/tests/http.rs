//! The shared HTTP layer against a loopback wiremock server: retries, 401
//! refresh, safe-retry rules, decode errors, secrets kept out of errors.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use identity_core::backend::classify::DefaultClassifier;
use identity_core::backend::http::{
    Auth, AuthScheme, HttpClient, Method, Request, TransportConfig,
};
use identity_core::backend::token::TokenCache;
use identity_core::{AccessToken, ErrorKind, RetryPolicy, TokenSource};
use secrecy::SecretString;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

struct Numbered(AtomicU32);

#[async_trait]
impl TokenSource for Numbered {
    async fn fetch_token(&self) -> identity_core::Result<AccessToken> {
        let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        Ok(AccessToken::new(
            SecretString::from(format!("tok-{n}")),
            None,
        ))
    }
}

fn client(server: &MockServer, retry: RetryPolicy, auth: Option<Auth>) -> HttpClient {
    let mut config = TransportConfig::new(server.uri().parse().unwrap());
    config.retry = retry;
    HttpClient::new(config, auth, Arc::new(DefaultClassifier)).unwrap()
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default().with_backoff(Duration::from_millis(1), Duration::from_millis(5))
}

#[tokio::test]
async fn retries_503_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/x"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/x"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"ok": true})))
        .expect(1)
        .mount(&server)
        .await;
    let value: serde_json::Value = client(&server, fast_retries(), None)
        .json(&Request::get(["x"]))
        .await
        .unwrap();
    assert_eq!(value["ok"], true);
}

#[tokio::test]
async fn gives_up_after_max_attempts() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .expect(3)
        .mount(&server)
        .await;
    let err = client(&server, fast_retries().with_max_attempts(3), None)
        .send(&Request::get(["x"]))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server);
    assert_eq!(err.status(), Some(503));
}

#[tokio::test]
async fn post_is_not_repeated_after_503_but_is_after_429() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/create"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server, fast_retries(), None);
    let err = c
        .send(
            &Request::new(Method::POST, ["create"])
                .json(&serde_json::json!({}))
                .unwrap(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server);

    Mock::given(method("POST"))
        .and(path("/limited"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "0"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/limited"))
        .respond_with(ResponseTemplate::new(201))
        .expect(1)
        .mount(&server)
        .await;
    c.send(&Request::new(Method::POST, ["limited"]))
        .await
        .unwrap();
}

#[tokio::test(start_paused = true)]
async fn retry_after_is_respected() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "7"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let mut config = TransportConfig::new(server.uri().parse().unwrap());
    // No client timers: the paused clock must only jump to the Retry-After wait.
    config.timeout = None;
    config.connect_timeout = None;
    config.retry = fast_retries().with_deadline(None);
    let c = HttpClient::new(config, None, Arc::new(DefaultClassifier)).unwrap();
    let start = tokio::time::Instant::now();
    c.send(&Request::get(["x"])).await.unwrap();
    // A paused clock may jump further while real sockets are idle, so the
    // bound that matters is the lower one: never sooner than Retry-After.
    let waited = start.elapsed();
    assert!(waited >= Duration::from_secs(7), "{waited:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_401_forces_exactly_one_refresh() {
    let server = MockServer::start().await;
    Mock::given(header("authorization", "Bearer tok-1"))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(header("authorization", "Bearer tok-2"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let source = Arc::new(Numbered(AtomicU32::new(0)));
    let auth = Auth {
        cache: TokenCache::new(source.clone(), Duration::from_secs(30)),
        scheme: AuthScheme::Bearer,
    };
    client(&server, fast_retries(), Some(auth))
        .send(&Request::get(["x"]))
        .await
        .unwrap();
    assert_eq!(source.0.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_second_401_is_unauthorized_without_the_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(401).set_body_string(r#"{"message":"bad token tok-1"}"#),
        )
        .expect(2)
        .mount(&server)
        .await;
    let source = Arc::new(Numbered(AtomicU32::new(0)));
    let auth = Auth {
        cache: TokenCache::new(source, Duration::from_secs(30)),
        scheme: AuthScheme::Bearer,
    };
    let err = client(&server, fast_retries(), Some(auth))
        .send(&Request::get(["x"]))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
}

#[tokio::test]
async fn html_error_page_and_bad_json_are_typed_errors() {
    let server = MockServer::start().await;
    Mock::given(path("/html"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("<html>gateway</html>", "text/html"))
        .mount(&server)
        .await;
    Mock::given(path("/trunc"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(r#"{"data":[{"id":"#, "application/json"),
        )
        .mount(&server)
        .await;
    let c = client(&server, fast_retries(), None);
    for p in ["html", "trunc"] {
        let err = c
            .json::<serde_json::Value>(&Request::get([p]))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode, "{p}: {err}");
    }
}

#[tokio::test]
async fn connection_refused_is_transport_not_reached() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let mut config = TransportConfig::new(format!("http://{addr}").parse().unwrap());
    config.retry = RetryPolicy::never();
    let c = HttpClient::new(config, None, Arc::new(DefaultClassifier)).unwrap();
    match c.send(&Request::get(["x"])).await.unwrap_err() {
        identity_core::Error::Transport {
            may_have_reached_server,
            ..
        } => assert!(!may_have_reached_server),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn path_segments_are_encoded_and_query_kept() {
    let server = MockServer::start().await;
    Mock::given(path("/users/a%2Fb"))
        .and(wiremock::matchers::query_param("email", "x+y@example.com"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    client(&server, fast_retries(), None)
        .send(&Request::get(["users", "a/b"]).query("email", "x+y@example.com"))
        .await
        .unwrap();
}

#[test]
fn remote_http_base_is_refused() {
    let config = TransportConfig::new("http://example.com".parse().unwrap());
    let err = HttpClient::new(config, None, Arc::new(DefaultClassifier)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RefusedByPolicy);
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_not_buffered() {
    let server = MockServer::start().await;
    Mock::given(path("/big"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw("x".repeat(50_000), "application/json"),
        )
        .mount(&server)
        .await;
    let mut config = TransportConfig::new(server.uri().parse().unwrap());
    config.max_body_bytes = 1024;
    let c = HttpClient::new(config, None, Arc::new(DefaultClassifier)).unwrap();
    let err = c.send(&Request::get(["big"])).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert!(err.to_string().contains("1024-byte limit"), "{err}");
}
