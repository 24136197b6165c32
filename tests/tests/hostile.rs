//! Malformed and hostile input: server answers that are truncated, of the
//! wrong type or shape, HTML, endless or lying, and arbitrary bytes for every
//! parser. Each gives a typed error: never a panic, a hang, or a silently
//! short listing. (The `fuzz/` targets run the same properties under
//! libFuzzer; these proptest versions run in CI on stable.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use futures::TryStreamExt;
use identity_core::{Error, ErrorKind, RetryPolicy, UserDirectory, UserQuery};
use proptest::prelude::*;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};
use workfront_client::{ListOptions, WorkfrontClient};
use workiva_client::WorkivaClient;
use workiva_client::scim::ScimClient;

fn no_retries() -> RetryPolicy {
    RetryPolicy::never()
}

async fn workiva(server: &MockServer) -> WorkivaClient {
    Mock::given(path("/iam/v1/oauth2/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": "t", "expires_in": 3600})),
        )
        .mount(server)
        .await;
    WorkivaClient::builder()
        .base_url(server.uri())
        .client_id("id")
        .client_secret("secret".to_string().into())
        .configure(|s| s.with_retry(no_retries()))
        .configure(|s| s.with_timeout(Some(Duration::from_millis(500))))
        .build()
        .unwrap()
}

async fn list_error(client: &dyn UserDirectory) -> Error {
    let listing = tokio::time::timeout(
        Duration::from_secs(10),
        client
            .list_users(&UserQuery::default())
            .try_collect::<Vec<_>>(),
    )
    .await
    .expect("a hostile server must not hang the listing");
    listing.expect_err("a hostile answer must be an error")
}

#[tokio::test]
async fn workiva_bad_pages_are_typed_errors() {
    let bodies: [(&str, ResponseTemplate); 6] = [
        (
            "truncated",
            ResponseTemplate::new(200).set_body_raw(
                r#"{"data":[{"id":"usr_1","email":"a@x.com""#,
                "application/json",
            ),
        ),
        (
            "wrong type",
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": [{"id": "u", "active": "yes"}]})),
        ),
        (
            "missing id",
            ResponseTemplate::new(200).set_body_json(json!({"data": [{"email": "a@x.com"}]})),
        ),
        (
            "data not a list",
            ResponseTemplate::new(200).set_body_json(json!({"data": {"id": "u"}})),
        ),
        (
            "html page",
            ResponseTemplate::new(200)
                .set_body_raw("<html><body>Sign in</body></html>", "text/html"),
        ),
        ("empty body", ResponseTemplate::new(200)),
    ];
    for (name, template) in bodies {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/platform/v1/users"))
            .respond_with(template)
            .mount(&server)
            .await;
        let err = list_error(&workiva(&server).await).await;
        assert_eq!(err.kind(), ErrorKind::Decode, "{name}: {err}");
    }
}

#[tokio::test]
async fn workiva_html_error_page_is_a_server_error_with_a_short_excerpt() {
    let server = MockServer::start().await;
    let page = format!("<html>{}</html>", "x".repeat(100_000));
    Mock::given(method("GET"))
        .and(path("/platform/v1/users"))
        .respond_with(ResponseTemplate::new(502).set_body_raw(page, "text/html"))
        .mount(&server)
        .await;
    let err = list_error(&workiva(&server).await).await;
    assert_eq!(err.kind(), ErrorKind::Server);
    assert!(
        err.reply().unwrap().body.len() < 2100,
        "the kept body is bounded"
    );
}

#[tokio::test]
async fn workiva_endless_token_is_stopped() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/platform/v1/users"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"data": [{"id": "u", "email": "a@x.com"}], "nextPageToken": "same"}),
        ))
        .mount(&server)
        .await;
    let err = list_error(&workiva(&server).await).await;
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert!(err.to_string().contains("repeated"), "{err}");
    assert!(server.received_requests().await.unwrap().len() < 10);
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/platform/v1/users/u"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    let err = workiva(&server)
        .await
        .get_user(&"u".into())
        .await
        .unwrap_err();
    match err {
        Error::Transport {
            timed_out,
            may_have_reached_server,
            ..
        } => assert!(timed_out && may_have_reached_server),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn workfront_bad_answers_are_typed_errors() {
    for (name, template, kind) in [
        (
            "data not a list",
            ResponseTemplate::new(200).set_body_json(json!({"data": {"ID": "x"}})),
            ErrorKind::Decode,
        ),
        (
            "no envelope",
            ResponseTemplate::new(200).set_body_json(json!([{"ID": "x"}])),
            ErrorKind::Decode,
        ),
        (
            "html 200",
            ResponseTemplate::new(200).set_body_raw("<html/>", "text/html"),
            ErrorKind::Decode,
        ),
        (
            "html 500",
            ResponseTemplate::new(500).set_body_raw("<html>oops</html>", "text/html"),
            ErrorKind::Server,
        ),
    ] {
        let server = MockServer::start().await;
        Mock::given(path("/attask/api/v18.0/login"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({"data": {"sessionID": "s"}})),
            )
            .mount(&server)
            .await;
        Mock::given(path("/attask/api/v18.0/user/search"))
            .respond_with(template)
            .mount(&server)
            .await;
        let client = WorkfrontClient::builder()
            .base_url(server.uri())
            .session_login("a", "b".to_string().into())
            .configure(|s| s.with_retry(no_retries()))
            .build()
            .unwrap();
        let err = list_error(&client).await;
        assert_eq!(err.kind(), kind, "{name}: {err}");
    }
}

#[tokio::test]
async fn workfront_count_that_lies_is_an_error_not_a_short_list() {
    let server = MockServer::start().await;
    Mock::given(path("/attask/api/v18.0/login"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {"sessionID": "s"}})))
        .mount(&server)
        .await;
    Mock::given(path("/attask/api/v18.0/user/count"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {"count": 500}})))
        .mount(&server)
        .await;
    Mock::given(path("/attask/api/v18.0/user/search"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"data": [{"ID": "a"}, {"ID": "b"}]})),
        )
        .mount(&server)
        .await;
    let client = WorkfrontClient::builder()
        .base_url(server.uri())
        .session_login("a", "b".to_string().into())
        .build()
        .unwrap();
    let options = ListOptions {
        limit: 100,
        concurrency: 4,
        count_first: true,
    };
    let result: Result<Vec<_>, _> = client
        .search_pages::<serde_json::Value>(&workfront_client::search::Search::new("user"), options)
        .try_collect()
        .await;
    assert_eq!(result.unwrap_err().kind(), ErrorKind::Decode);
}

#[tokio::test]
async fn scim_total_that_lies_is_an_error_not_a_short_list() {
    let server = MockServer::start().await;
    Mock::given(path("/scim/v2/ServiceProviderConfig"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    Mock::given(path("/scim/v2/Users"))
        .respond_with(|req: &wiremock::Request| {
            let start = req
                .url
                .query_pairs()
                .find(|(k, _)| k == "startIndex")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            let resources = if start == "1" {
                json!([{"id": "u1", "userName": "a@x.com"}])
            } else {
                json!([])
            };
            ResponseTemplate::new(200)
                .set_body_json(json!({"totalResults": 1000, "Resources": resources}))
        })
        .mount(&server)
        .await;
    let client = ScimClient::builder()
        .base_url(format!("{}/scim/v2", server.uri()))
        .token("t".to_string().into())
        .build()
        .unwrap();
    let err = list_error(&client).await;
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert!(err.to_string().contains("totalResults"), "{err}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = identity_core::backend::http::decode_json::<workiva_client::wire::ListEnvelope<workiva_client::wire::WorkivaUser>>(&bytes, Some(200));
        let _ = identity_core::backend::http::decode_json::<workfront_client::wire::Envelope<Vec<workfront_client::wire::WorkfrontUser>>>(&bytes, Some(200));
        let _ = identity_core::backend::http::decode_json::<workiva_client::scim::wire::ListResponse<workiva_client::scim::wire::ScimUser>>(&bytes, Some(200));
        let _ = workfront_client::events::parse_delivery(&bytes);
    }

    #[test]
    fn decode_errors_keep_a_short_excerpt(text in "\\PC{0,4000}") {
        if let Err(err) = identity_core::backend::http::decode_json::<serde_json::Value>(text.as_bytes(), None) {
            prop_assert!(err.to_string().len() < 600);
        }
    }

    #[test]
    fn retry_after_parser_never_panics_and_reads_seconds(text in "\\PC{0,64}", secs in 0u32..1_000_000) {
        let now = std::time::SystemTime::now();
        let _ = identity_core::backend::classify::parse_retry_after(&text, now);
        prop_assert_eq!(identity_core::backend::classify::parse_retry_after(&secs.to_string(), now), Some(Duration::from_secs(u64::from(secs))));
    }

    #[test]
    fn email_list_parser_accepts_only_valid_addresses(text in "(\\PC{0,40}\n){0,20}") {
        match identity_examples::emails_file::parse_email_list(&text) {
            Ok(emails) => for email in emails {
                prop_assert!(identity_core::validate_email(&email).is_ok());
            },
            Err(err) => {
                prop_assert!(err.line >= 1);
                prop_assert!(identity_core::validate_email(err.text.trim()).is_err());
            }
        }
    }

    #[test]
    fn scim_filters_cannot_be_broken_out_of(value in "\\PC{0,40}") {
        let filter = workiva_client::scim::filter::eq("userName", &value);
        let literal: String = serde_json::from_str(&filter["userName eq ".len()..]).unwrap();
        prop_assert_eq!(literal, value);
    }
}
