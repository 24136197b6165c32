//! Bring your own HTTP stack: a private root CA (a TLS server on loopback
//! whose certificate only that CA vouches for), a caller's `reqwest::Client`,
//! a user-agent suffix, with the retry loop and timeouts kept.
#![cfg(feature = "backend")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use identity_core::backend::classify::DefaultClassifier;
use identity_core::backend::http::{HttpClient, Request, TransportConfig};
use identity_core::{ClientSettings, ErrorKind};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use wiremock::matchers::{header, header_regex, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A private CA and a `localhost` server certificate it signed.
struct PrivateCa {
    ca_pem: String,
    server_chain: Vec<CertificateDer<'static>>,
    server_key: PrivateKeyDer<'static>,
}

fn private_ca() -> PrivateCa {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let server_key = KeyPair::generate().unwrap();
    let server_cert = CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .signed_by(&server_key, &issuer)
        .unwrap();
    PrivateCa {
        ca_pem: ca_cert.pem(),
        server_chain: vec![server_cert.der().clone()],
        server_key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der())),
    }
}

/// Serves `{"ok": true}` over TLS on loopback to every connection.
async fn tls_server(ca: &PrivateCa) -> u16 {
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    let config = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(ca.server_chain.clone(), ca.server_key.clone_key())
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let body = br#"{"ok":true}"#;
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = tls.write_all(head.as_bytes()).await;
                let _ = tls.write_all(body).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    port
}

fn temp_pem(text: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!(
        "identity-ca-{}-{:?}.pem",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::write(&path, text).unwrap();
    path
}

fn client_for(base: &str, settings: &ClientSettings) -> identity_core::Result<HttpClient> {
    let config = TransportConfig::with_settings(base.parse().unwrap(), settings);
    HttpClient::new(config, None, Arc::new(DefaultClassifier))
}

#[tokio::test]
async fn a_private_root_ca_is_refused_without_the_file_and_trusted_with_it() {
    let ca = private_ca();
    let port = tls_server(&ca).await;
    let base = format!("https://localhost:{port}");
    let settings = ClientSettings::default()
        .with_retry(identity_core::RetryPolicy::default().with_max_attempts(1));

    let err = client_for(&base, &settings)
        .unwrap()
        .json::<serde_json::Value>(&Request::get(["x"]))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");

    let pem = temp_pem(&ca.ca_pem);
    let trusted = settings.clone().with_root_certificate_file(&pem);
    let answer: serde_json::Value = client_for(&base, &trusted)
        .unwrap()
        .json(&Request::get(["x"]))
        .await
        .unwrap();
    assert_eq!(answer["ok"], true);
    std::fs::remove_file(pem).unwrap();

    // A file that is not there, or holds no certificate, fails the build
    // naming the file.
    let missing = settings
        .clone()
        .with_root_certificate_file("/nonexistent/corp-ca.pem");
    let err = client_for(&base, &missing).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(
        err.to_string().contains("/nonexistent/corp-ca.pem"),
        "{err}"
    );
    let junk = temp_pem("not a certificate");
    let err = client_for(&base, &settings.clone().with_root_certificate_file(&junk)).unwrap_err();
    assert!(err.to_string().contains("no PEM certificate"), "{err}");
    std::fs::remove_file(junk).unwrap();
}

#[tokio::test]
async fn a_callers_client_is_used_with_the_sdk_user_agent_suffix_and_retries() {
    let server = MockServer::start().await;
    // The caller's client carries its own default header: seen on the wire,
    // it proves the request went through that client.
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-caller-client", "yes".parse().unwrap());
    let own = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
    Mock::given(method("GET"))
        .and(path("/x"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/x"))
        .and(header("x-caller-client", "yes"))
        .and(header_regex(
            "user-agent",
            r"^identity-sdk/\S+ billing-sync/2$",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"ok": true})))
        .expect(1)
        .mount(&server)
        .await;
    let settings = ClientSettings::default()
        .with_http_client(own)
        .with_user_agent_suffix("billing-sync/2")
        .with_retry(
            identity_core::RetryPolicy::default()
                .with_backoff(Duration::from_millis(1), Duration::from_millis(2)),
        );
    let answer: serde_json::Value = client_for(&server.uri(), &settings)
        .unwrap()
        .json(&Request::get(["x"]))
        .await
        .unwrap();
    assert_eq!(
        answer["ok"], true,
        "the 503 was retried through the caller's client"
    );
}

#[tokio::test]
async fn the_sdk_timeout_bounds_a_callers_client() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let settings = ClientSettings::default()
        .with_http_client(reqwest::Client::new())
        .with_timeout(Some(Duration::from_millis(100)))
        .with_retry(identity_core::RetryPolicy::default().with_max_attempts(1));
    let err = client_for(&server.uri(), &settings)
        .unwrap()
        .send(&Request::get(["x"]))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
}
