//! Exact request shapes and error mapping, checked with wiremock.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use futures::TryStreamExt;
use identity_core::{ErrorKind, RetryPolicy, UserDirectory, UserQuery};
use secrecy::SecretString;
use serde_json::json;
use wiremock::matchers::{body_json, body_string_contains, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};
use workfront_client::batch::BatchOptions;
use workfront_client::search::{Modifier, Search};
use workfront_client::wire::{BatchOp, UpdateUser};
use workfront_client::{ListOptions, WorkfrontClient};

async fn server_with_login() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/attask/api/v18.0/login"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string_contains("username=admin"))
        .and(body_string_contains("password=p%40ss"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": {"sessionID": "sess-1", "userID": "u"}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    server
}

fn client(server: &MockServer) -> WorkfrontClient {
    WorkfrontClient::builder()
        .base_url(server.uri())
        .session_login("admin", SecretString::from("p@ss"))
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
async fn find_by_email_uses_cieq_and_fields() {
    let server = server_with_login().await;
    Mock::given(method("GET")).and(path("/attask/api/v18.0/user/search"))
        .and(header("sessionid", "sess-1"))
        .and(query_param("emailAddr", "Jane@Example.com"))
        .and(query_param("emailAddr_Mod", "cieq"))
        .and(query_param("fields", workfront_client::USER_FIELDS))
        .and(query_param("$$FIRST", "0"))
        .and(query_param("$$LIMIT", "2000"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": [{"ID": "abc", "username": "jane", "emailAddr": "jane@example.com", "isActive": true}]})))
        .expect(1).mount(&server).await;
    let user = client(&server)
        .find_user_by_email("Jane@Example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.id.as_str(), "abc");
}

#[tokio::test]
async fn listing_pages_concurrently_after_a_count() {
    let server = server_with_login().await;
    Mock::given(method("GET"))
        .and(path("/attask/api/v18.0/user/count"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {"count": 5}})))
        .expect(1)
        .mount(&server)
        .await;
    for (first, ids) in [
        ("0", vec!["a", "b"]),
        ("2", vec!["c", "d"]),
        ("4", vec!["e"]),
    ] {
        let data: Vec<_> = ids
            .iter()
            .map(|id| json!({"ID": id, "emailAddr": format!("{id}@x.com")}))
            .collect();
        Mock::given(method("GET"))
            .and(path("/attask/api/v18.0/user/search"))
            .and(query_param("$$FIRST", first))
            .and(query_param("$$LIMIT", "2"))
            .and(query_param("lastUpdateDate_Mod", "gte"))
            .and(query_param("lastUpdateDate", "2024-01-01T00:00:00.000Z"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"data": data}))
                    .set_delay(Duration::from_millis(if first == "0" { 60 } else { 0 })),
            )
            .expect(1)
            .mount(&server)
            .await;
    }
    let client = WorkfrontClient::builder()
        .base_url(server.uri())
        .session_login("admin", SecretString::from("p@ss"))
        .page_limit(2)
        .concurrency(3)
        .count_first(true)
        .build()
        .unwrap();
    let query = UserQuery::default().with_updated_since("2024-01-01T00:00:00Z".parse().unwrap());
    let ids: Vec<String> = client
        .list_users(&query)
        .map_ok(|u| u.id.to_string())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        ids,
        ["a", "b", "c", "d", "e"],
        "in order although page 0 answered last"
    );
}

#[tokio::test]
async fn search_builder_sends_modifiers_and_repeated_in_values() {
    let server = server_with_login().await;
    Mock::given(method("GET"))
        .and(path("/attask/api/v18.0/group/search"))
        .and(query_param("name", "Fin"))
        .and(query_param("name_Mod", "cicontains"))
        .and(query_param("ID_Mod", "in"))
        .and(query_param("fields", "ID,name,parent:name"))
        .and(query_param("name_Sort", "asc"))
        .respond_with(move |req: &wiremock::Request| {
            let ids: Vec<_> = req
                .url
                .query_pairs()
                .filter(|(k, _)| k == "ID")
                .map(|(_, v)| v.into_owned())
                .collect();
            assert_eq!(ids, ["g1", "g2"]);
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": [{"ID": "g1", "name": "Finance"}]}))
        })
        .expect(1)
        .mount(&server)
        .await;
    let search = Search::new("group")
        .filter("name", Modifier::Cicontains, "Fin")
        .filter_in("ID", ["g1", "g2"])
        .fields(["ID", "name", "parent:name"])
        .sort_asc("name");
    let found: Vec<serde_json::Value> = client(&server).search_all(&search).await.unwrap();
    assert_eq!(found.len(), 1);
}

#[tokio::test]
async fn batch_chunks_at_fifty_with_relative_uris() {
    let server = server_with_login().await;
    Mock::given(method("POST")).and(path("/attask/api/v18.0/batch"))
        .respond_with(|req: &wiremock::Request| {
            let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
            let ops = body["updates"].as_array().unwrap();
            assert!(ops.len() <= 50);
            assert!(ops.iter().all(|op| op["method"] == "PUT" && op["uri"].as_str().unwrap().starts_with("/user/")));
            let data: Vec<_> = ops.iter().map(|op| json!({"ID": op["uri"].as_str().unwrap().trim_start_matches("/user/"), "isActive": false})).collect();
            ResponseTemplate::new(200).set_body_json(json!({"data": data}))
        })
        .expect(3).mount(&server).await;
    let ops: Vec<_> = (0..120)
        .map(|i| BatchOp::update_user(&format!("u{i}"), &UpdateUser::deactivate()))
        .collect();
    let outcomes = client(&server).batch(&ops, BatchOptions::default()).await;
    assert_eq!(outcomes.len(), 120);
    assert_eq!(outcomes[119].as_ref().unwrap()["ID"], "u119");
}

#[tokio::test]
async fn update_is_a_put_with_only_the_given_fields() {
    let server = server_with_login().await;
    Mock::given(method("PUT"))
        .and(path("/attask/api/v18.0/user/abc123"))
        .and(body_json(json!({"isActive": false})))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"data": {"ID": "abc123", "isActive": false, "emailAddr": "a@x.com"}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .respond_with(ResponseTemplate::new(405))
        .expect(0)
        .mount(&server)
        .await;
    let user = client(&server)
        .set_active(&"abc123".into(), false)
        .await
        .unwrap();
    assert!(!user.active);
}

#[tokio::test]
async fn validation_422_and_uniqueness_map_to_kinds() {
    let server = server_with_login().await;
    Mock::given(method("PUT"))
        .and(path("/attask/api/v18.0/user/u1"))
        .respond_with(
            ResponseTemplate::new(422).set_body_json(
                json!({"error": {"class": "x", "message": "invalid accessLevelID"}}),
            ),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/attask/api/v18.0/user/u2"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(json!({"error": {"message": "username must be unique"}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let err = c
        .update_user_record("u1", &json!({"accessLevelID": "x"}))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
    assert!(err.to_string().contains("invalid accessLevelID"));
    let err = c
        .update_user_record("u2", &json!({"username": "x"}))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
}

#[tokio::test]
async fn ims_token_request_is_form_encoded_with_comma_scopes() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/ims/token/v3"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string_contains("grant_type=client_credentials"))
        .and(body_string_contains("scope=openid%2Cworkfront.full_access"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"access_token": "ims-1", "token_type": "bearer", "expires_in": 86399}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/attask/api/v18.0/user/u1"))
        .and(header("authorization", "Bearer ims-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {"ID": "u1"}})))
        .expect(2)
        .mount(&server)
        .await;
    let client = WorkfrontClient::builder()
        .base_url(server.uri())
        .auth(workfront_client::WorkfrontAuth::Ims {
            client_id: "cid".into(),
            client_secret: SecretString::from("sec"),
            token_url: Some(format!("{}/ims/token/v3", server.uri())),
            scopes: workfront_client::IMS_SCOPES
                .iter()
                .map(|s| s.to_string())
                .collect(),
        })
        .build()
        .unwrap();
    client.get_user_record("u1").await.unwrap();
    client.get_user_record("u1").await.unwrap();
}

#[tokio::test]
async fn retries_503_without_retry_after() {
    let server = server_with_login().await;
    Mock::given(method("GET"))
        .and(path("/attask/api/v18.0/user/u1"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/attask/api/v18.0/user/u1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {"ID": "u1"}})))
        .expect(1)
        .mount(&server)
        .await;
    client(&server).get_user_record("u1").await.unwrap();
}

#[test]
fn configuration_errors_name_the_variable() {
    let err = WorkfrontClient::builder()
        .session_login("a", SecretString::from("b"))
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("WORKFRONT_BASE_URL"));
    let err = WorkfrontClient::builder()
        .base_url("https://acme.my.workfront.com")
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("WORKFRONT_USERNAME"));
    let err = WorkfrontClient::builder()
        .base_url("http://acme.my.workfront.com")
        .session_login("a", SecretString::from("b"))
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RefusedByPolicy);
    let err = WorkfrontClient::builder()
        .base_url("https://a.b")
        .api_version("eighteen")
        .session_login("a", SecretString::from("b"))
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    let _ = ListOptions {
        limit: 1,
        concurrency: 1,
        count_first: false,
    };
}

#[tokio::test]
async fn other_groups_are_usrgps_links_and_the_session_ends_with_logout() {
    use identity_core::{GroupDirectory, GroupId, MembershipChange, UserId};
    let server = server_with_login().await;
    let user = |groups: serde_json::Value| {
        json!({"data": {"ID": "u1", "emailAddr": "a@example.com", "homeGroupID": "g-home",
                        "userGroups": groups}})
    };
    // First read: only the home group; after the add: the link.
    Mock::given(method("GET"))
        .and(path("/attask/api/v18.0/user/u1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(user(json!([]))))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/attask/api/v18.0/group/g-2"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"data": {"ID": "g-2", "name": "Two"}})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/attask/api/v18.0/usrgps"))
        .and(header("sessionid", "sess-1"))
        .and(body_json(json!({"userID": "u1", "groupID": "g-2"})))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": {"ID": "link-9", "groupID": "g-2"}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let (group, member) = (GroupId::new("g-2"), UserId::new("u1"));
    assert_eq!(
        client.add_member(&group, &member).await.unwrap(),
        MembershipChange::Added
    );
    Mock::given(method("GET"))
        .and(path("/attask/api/v18.0/user/u1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(user(json!([{"ID": "link-9", "groupID": "g-2"}]))),
        )
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/attask/api/v18.0/usrgps/link-9"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {"success": true}})))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(
        client.remove_member(&group, &member).await.unwrap(),
        MembershipChange::Removed
    );
    Mock::given(method("POST"))
        .and(path("/attask/api/v18.0/logout"))
        .and(header("sessionid", "sess-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {"success": true}})))
        .expect(1)
        .mount(&server)
        .await;
    client.close().await.unwrap();
    client.close().await.unwrap(); // nothing held any more: no second logout
}
