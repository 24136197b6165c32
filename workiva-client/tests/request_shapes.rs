//! Exact request shapes and error mapping, checked with wiremock.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use futures::TryStreamExt;
use identity_core::{AccessDirectory, ErrorKind, RetryPolicy, UserDirectory, UserQuery};
use serde_json::json;
use wiremock::matchers::{
    body_json, body_string_contains, header, method, path, query_param, query_param_is_missing,
};
use wiremock::{Mock, MockServer, ResponseTemplate};
use workiva_client::WorkivaClient;

async fn server_with_token() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/iam/v1/oauth2/token"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string_contains("grant_type=client_credentials"))
        .and(body_string_contains("client_id=id-1"))
        .and(body_string_contains("client_secret=s3cr%2Ft"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"access_token": "at-1", "token_type": "Bearer", "expires_in": 3600}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    server
}

fn client(server: &MockServer) -> WorkivaClient {
    WorkivaClient::builder()
        .base_url(server.uri())
        .client_id("id-1")
        .client_secret("s3cr/t".to_string().into())
        .configure(|s| {
            s.with_retry(
                RetryPolicy::default()
                    .with_backoff(Duration::from_millis(1), Duration::from_millis(5)),
            )
        })
        .build()
        .unwrap()
}

#[tokio::test]
async fn listing_sends_page_size_and_passes_tokens_verbatim() {
    let server = server_with_token().await;
    Mock::given(method("GET"))
        .and(path("/platform/v1/users"))
        .and(header("authorization", "Bearer at-1"))
        .and(query_param("pageSize", "100"))
        .and(query_param_is_missing("pageToken"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"data": [{"id": "usr_1", "email": "a@x.com"}], "nextPageToken": "opaque+/=tok"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET")).and(path("/platform/v1/users"))
        .and(query_param("pageSize", "100")).and(query_param("pageToken", "opaque+/=tok"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": [{"id": "usr_2", "email": "b@x.com", "surprise": {"kept": true}}], "nextPageToken": ""})))
        .expect(1).mount(&server).await;
    let users: Vec<_> = client(&server)
        .list_users(&UserQuery::default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(users.len(), 2);
    assert!(users[0].active, "a missing active flag means active");
    assert_eq!(
        users[1].raw.field("surprise").unwrap()["kept"],
        true,
        "unknown fields are kept"
    );
}

#[tokio::test]
async fn null_next_token_ends_the_listing() {
    let server = server_with_token().await;
    Mock::given(method("GET")).and(path("/platform/v1/groups"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": [{"id":"grp_1","name":"Finance Team","memberCount":12}], "nextPageToken": null})))
        .expect(1).mount(&server).await;
    let groups: Vec<_> = identity_core::GroupDirectory::list_groups(&client(&server))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(groups[0].member_count, Some(12));
}

#[tokio::test]
async fn role_assignment_sends_existing_plus_new() {
    let server = server_with_token().await;
    Mock::given(method("GET")).and(path("/platform/v1/users/usr_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id":"usr_1","email":"a@x.com","firstName":"A","lastName":"B","active":true,"roles":["role_a"]})))
        .expect(1).mount(&server).await;
    Mock::given(method("PATCH"))
        .and(path("/platform/v1/users/usr_1"))
        .and(body_json(json!({"roles": ["role_a", "role_b"]})))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"id":"usr_1","roles":["role_a","role_b"],"updatedAt":"2024-06-01T12:00:00Z"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let user = client(&server)
        .assign_roles(&"usr_1".into(), &["role_b".into(), "role_a".into()])
        .await
        .unwrap();
    assert_eq!(user.roles, vec!["role_a".into(), "role_b".into()]);
    assert_eq!(
        user.first_name.as_deref(),
        Some("A"),
        "merged over the read record"
    );
}

#[tokio::test]
async fn deactivate_is_a_patch_of_active_false_only() {
    let server = server_with_token().await;
    Mock::given(method("PATCH"))
        .and(path("/platform/v1/users/usr_abc"))
        .and(body_json(json!({"active": false})))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"id":"usr_abc","active":false,"updatedAt":"2024-06-01T12:00:00Z"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    // The echo is partial, so the client reads the record back.
    Mock::given(method("GET")).and(path("/platform/v1/users/usr_abc"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id":"usr_abc","email":"jane@example.com","firstName":"Jane","lastName":"Doe","active":false})))
        .expect(1).mount(&server).await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(204))
        .expect(0)
        .mount(&server)
        .await;
    let user = client(&server)
        .set_active(&"usr_abc".into(), false)
        .await
        .unwrap();
    assert!(!user.active);
    assert_eq!(user.email, "jane@example.com");
}

#[tokio::test]
async fn error_statuses_map_to_kinds() {
    let server = server_with_token().await;
    let client = client(&server);
    for (status, id, kind) in [
        (400, "u400", ErrorKind::Validation),
        (403, "u403", ErrorKind::Forbidden),
        (404, "u404", ErrorKind::NotFound),
        (409, "u409", ErrorKind::Conflict),
        (500, "u500", ErrorKind::Server),
    ] {
        Mock::given(method("GET"))
            .and(path(format!("/platform/v1/users/{id}")))
            .respond_with(
                ResponseTemplate::new(status)
                    .set_body_json(json!({"message": format!("status {status}")})),
            )
            .expect(1)
            .mount(&server)
            .await;
        let err = client.get_user(&id.into()).await.unwrap_err();
        assert_eq!(err.kind(), kind, "{status}: {err}");
        assert_eq!(err.status(), Some(status));
        assert!(
            err.reply()
                .unwrap()
                .body
                .contains(&format!("status {status}")),
            "vendor body kept"
        );
    }
}

#[tokio::test]
async fn create_409_is_resolved_by_ensure_user() {
    let server = server_with_token().await;
    Mock::given(method("GET"))
        .and(path("/platform/v1/users"))
        .and(query_param("email", "new@example.com"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": []})))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/platform/v1/users"))
        .and(body_json(
            json!({"email":"new@example.com","firstName":"New","lastName":"User"}),
        ))
        .respond_with(
            ResponseTemplate::new(409).set_body_json(json!({"message":"duplicate email"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/platform/v1/users"))
        .and(query_param("email", "new@example.com"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"data": [{"id":"usr_9","email":"New@Example.com","active":true}]}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let new_user = identity_core::NewUser::builder("new@example.com")
        .first_name("New")
        .last_name("User")
        .build()
        .unwrap();
    let outcome = identity_core::ensure_user(&client(&server), &new_user)
        .await
        .unwrap();
    assert!(matches!(outcome, identity_core::Ensured::Existing(ref u) if u.id.as_str() == "usr_9"));
}

#[tokio::test(start_paused = true)]
async fn retries_503_and_honours_retry_after_on_429() {
    let server = server_with_token().await;
    Mock::given(method("GET"))
        .and(path("/platform/v1/users/u1"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/platform/v1/users/u1"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "30"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/platform/v1/users/u1"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id":"u1","email":"a@x.com"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = WorkivaClient::builder()
        .base_url(server.uri())
        .client_id("id-1")
        .client_secret("s3cr/t".to_string().into())
        .configure(|s| s.with_timeout(None))
        .configure(|s| s.with_connect_timeout(None))
        .configure(|s| {
            s.with_retry(
                RetryPolicy::default()
                    .with_backoff(Duration::from_millis(1), Duration::from_millis(5))
                    .with_deadline(None),
            )
        })
        .build()
        .unwrap();
    let start = tokio::time::Instant::now();
    client.get_user(&"u1".into()).await.unwrap();
    // A paused clock may only jump further while real sockets are idle, so
    // the bound that matters is the lower one: never sooner than Retry-After.
    let waited = start.elapsed();
    assert!(waited >= Duration::from_secs(30), "{waited:?}");
}

#[tokio::test]
async fn forbidden_names_scope_from_www_authenticate() {
    let server = server_with_token().await;
    Mock::given(method("POST"))
        .and(path("/platform/v1/groups"))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header(
                    "WWW-Authenticate",
                    r#"Bearer error="insufficient_scope", scope="iam:groups:write""#,
                )
                .set_body_json(json!({"message":"forbidden"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = identity_core::GroupDirectory::create_group(&client(&server), "X")
        .await
        .unwrap_err();
    assert!(
        matches!(err, identity_core::Error::Forbidden { missing_scope: Some(ref s), .. } if s == "iam:groups:write"),
        "{err:?}"
    );
}

#[test]
fn remote_http_and_missing_credentials_are_refused_before_any_request() {
    let err = WorkivaClient::builder()
        .base_url("http://api.example.com")
        .client_id("a")
        .client_secret("b".to_string().into())
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RefusedByPolicy);
    let err = WorkivaClient::builder().client_id("a").build().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.to_string().contains("WORKIVA_CLIENT_SECRET"));
}
