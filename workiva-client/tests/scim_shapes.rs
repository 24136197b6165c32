//! SCIM request shapes and error mapping, checked with wiremock.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use identity_core::{ErrorKind, GroupDirectory, UserDirectory};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};
use workiva_client::scim::ScimClient;

async fn server(patch: bool) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/ServiceProviderConfig"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"patch": {"supported": patch}, "filter": {"supported": true, "maxResults": 5}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    server
}

fn client(server: &MockServer) -> ScimClient {
    ScimClient::builder()
        .base_url(format!("{}/scim/v2", server.uri()))
        .token("tok".to_string().into())
        .build()
        .unwrap()
}

fn jane() -> serde_json::Value {
    json!({"id": "u1", "userName": "jane@example.com", "name": {"givenName": "Jane", "familyName": "Doe"},
           "emails": [{"value": "jane@example.com", "primary": true}], "active": true})
}

#[tokio::test]
async fn find_by_email_quotes_and_escapes_the_filter() {
    let server = server(true).await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/Users"))
        .and(header("authorization", "Bearer tok"))
        .and(query_param(
            "filter",
            r#"userName eq "o\"brien@example.com" or emails.value eq "o\"brien@example.com""#,
        ))
        .and(query_param("startIndex", "1"))
        .and(query_param("count", "5"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"totalResults": 0, "Resources": []})),
        )
        .expect(1)
        .mount(&server)
        .await;
    assert!(
        client(&server)
            .find_user_by_email("o\"brien@example.com")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_refused_combined_filter_falls_back_to_one_filter_at_a_time() {
    let server = server(true).await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/Users"))
        .and(query_param(
            "filter",
            r#"userName eq "a@x.com" or emails.value eq "a@x.com""#,
        ))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(json!({"scimType": "invalidFilter", "detail": "no or"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/Users"))
        .and(query_param("filter", r#"userName eq "a@x.com""#))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"totalResults": 0})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET")).and(path("/scim/v2/Users")).and(query_param("filter", r#"emails.value eq "a@x.com""#))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"totalResults": 1, "Resources": [{"id": "u9", "userName": "alias", "emails": [{"value": "A@x.com"}]}]})))
        .expect(1).mount(&server).await;
    let found = client(&server)
        .find_user_by_email("a@x.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id.as_str(), "u9");
}

#[tokio::test]
async fn page_size_respects_max_results_and_total() {
    let server = server(true).await;
    for (start, ids) in [("1", vec!["a", "b", "c", "d", "e"]), ("6", vec!["f", "g"])] {
        let resources: Vec<_> = ids
            .iter()
            .map(|id| json!({"id": id, "userName": format!("{id}@x.com")}))
            .collect();
        Mock::given(method("GET"))
            .and(path("/scim/v2/Users"))
            .and(query_param("startIndex", start))
            .and(query_param("count", "5"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"totalResults": 7, "Resources": resources})),
            )
            .expect(1)
            .mount(&server)
            .await;
    }
    let users: Vec<_> = futures::TryStreamExt::try_collect::<Vec<_>>(
        client(&server).list_users(&Default::default()),
    )
    .await
    .unwrap();
    assert_eq!(users.len(), 7);
}

#[tokio::test]
async fn deactivate_sends_patchop_and_reads_back_after_204() {
    let server = server(true).await;
    Mock::given(method("PATCH")).and(path("/scim/v2/Users/u1"))
        .and(body_json(json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "active", "value": false}]})))
        .respond_with(ResponseTemplate::new(204)).expect(1).mount(&server).await;
    let mut off = jane();
    off["active"] = json!(false);
    Mock::given(method("GET"))
        .and(path("/scim/v2/Users/u1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(off))
        .expect(1)
        .mount(&server)
        .await;
    assert!(
        !client(&server)
            .set_active(&"u1".into(), false)
            .await
            .unwrap()
            .active
    );
}

#[tokio::test]
async fn without_patch_support_deactivate_is_a_put_of_the_whole_resource() {
    let server = server(false).await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/Users/u1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(jane()))
        .expect(1)
        .mount(&server)
        .await;
    let mut expected = jane();
    expected["active"] = json!(false);
    expected["schemas"] = json!([]);
    Mock::given(method("PUT"))
        .and(path("/scim/v2/Users/u1"))
        .and(body_json(expected.clone()))
        .respond_with(ResponseTemplate::new(200).set_body_json(expected))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .respond_with(ResponseTemplate::new(501))
        .expect(0)
        .mount(&server)
        .await;
    assert!(
        !client(&server)
            .set_active(&"u1".into(), false)
            .await
            .unwrap()
            .active
    );
}

#[tokio::test]
async fn membership_changes_are_patch_add_and_filtered_remove() {
    let server = server(true).await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/Groups/g1"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"id": "g1", "displayName": "G", "members": [{"value": "u2"}]}),
            ),
        )
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/Users/u1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(jane()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH")).and(path("/scim/v2/Groups/g1"))
        .and(body_json(json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "add", "path": "members", "value": [{"value": "u1"}]}]})))
        .respond_with(ResponseTemplate::new(204)).expect(1).mount(&server).await;
    Mock::given(method("PATCH")).and(path("/scim/v2/Groups/g1"))
        .and(body_json(json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "remove", "path": "members[value eq \"u2\"]"}]})))
        .respond_with(ResponseTemplate::new(204)).expect(1).mount(&server).await;
    let c = client(&server);
    c.add_member(&"g1".into(), &"u1".into()).await.unwrap();
    c.remove_member(&"g1".into(), &"u2".into()).await.unwrap();
}

#[tokio::test]
async fn scim_error_types_map_to_kinds() {
    // A plain read needs no ServiceProviderConfig.
    let server = MockServer::start().await;
    for (status, scim_type, kind) in [
        ("409", "uniqueness", ErrorKind::Conflict),
        ("400", "invalidFilter", ErrorKind::Validation),
        ("400", "mutability", ErrorKind::Validation),
    ] {
        let id = format!("{scim_type}-id");
        Mock::given(method("GET")).and(path(format!("/scim/v2/Users/{id}")))
            .respond_with(ResponseTemplate::new(status.parse::<u16>().unwrap()).set_body_json(json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": status, "scimType": scim_type, "detail": "nope"})))
            .expect(1).mount(&server).await;
        let err = client(&server)
            .get_user(&id.as_str().into())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), kind, "{scim_type}");
        assert!(err.to_string().contains(scim_type), "{err}");
    }
}

#[tokio::test]
async fn a_capitalised_address_is_also_looked_up_lower_cased() {
    // A server whose `eq` is case-sensitive: only the exact lower-cased
    // address finds Jane.
    let server = server(true).await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/Users"))
        .and(query_param(
            "filter",
            r#"userName eq "JANE@Example.com" or emails.value eq "JANE@Example.com" or userName eq "jane@example.com" or emails.value eq "jane@example.com""#,
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"totalResults": 1, "Resources": [jane()]})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let found = client(&server)
        .find_user_by_email("JANE@Example.com")
        .await
        .unwrap()
        .expect("found through the lower-cased address");
    assert_eq!(found.id.as_str(), "u1");
}
