//! The SCIM client against the SCIM simulator.
#![cfg(feature = "sandbox")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use futures::TryStreamExt;
use identity_core::sandbox::{Disposition, Fault, FaultConfig};
use identity_core::{NewUser, RetryPolicy, UserDirectory, UserQuery, conformance, ensure_user};
use workiva_client::sandbox::WorkivaSandbox;

#[tokio::test]
async fn conformance_suite_passes_against_the_scim_sandbox() {
    let sandbox = WorkivaSandbox::builder()
        .seed_scim_users(45)
        .start()
        .await
        .unwrap();
    let client = sandbox.scim_client_builder().page_size(10).build().unwrap();
    conformance::run_all(&client).await;
}

#[tokio::test]
async fn listing_is_one_based_and_stops_at_total() {
    let sandbox = WorkivaSandbox::builder()
        .seed_scim_users(25)
        .start()
        .await
        .unwrap();
    let client = sandbox.scim_client_builder().page_size(10).build().unwrap();
    let users: Vec<_> = client
        .list_users(&UserQuery::default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(users.len(), 25);
    let starts: Vec<String> = sandbox
        .server()
        .requests()
        .iter()
        .filter(|r| r.path == "/scim/v2/Users")
        .map(|r| r.query.clone())
        .collect();
    assert_eq!(
        starts,
        [
            "startIndex=1&count=10",
            "startIndex=11&count=10",
            "startIndex=21&count=10"
        ]
    );
}

#[tokio::test]
async fn deactivate_is_patch_replace_active_false() {
    let sandbox = WorkivaSandbox::builder()
        .seed_scim_users(1)
        .start()
        .await
        .unwrap();
    let client = sandbox.scim_client().unwrap();
    let user = client
        .find_user_by_email("USER0@example.com")
        .await
        .unwrap()
        .unwrap();
    assert!(!client.set_active(&user.id, false).await.unwrap().active);
    let patch = sandbox
        .server()
        .requests()
        .into_iter()
        .find(|r| r.method == "PATCH")
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&patch.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "active", "value": false}]
        })
    );
    assert_eq!(sandbox.scim_users()[0]["active"], false);
}

#[tokio::test]
async fn ensure_user_never_duplicates_under_commit_then_drop() {
    let sandbox = WorkivaSandbox::builder()
        .sim_options(|o| {
            o.with_faults(FaultConfig {
                commit_then_drop_rate: 1.0,
                ..FaultConfig::default()
            })
        })
        .start()
        .await
        .unwrap();
    let client = sandbox
        .scim_client_builder()
        .configure(|s| {
            s.with_retry(
                RetryPolicy::default()
                    .with_backoff(Duration::from_millis(1), Duration::from_millis(10)),
            )
        })
        .build()
        .unwrap();
    for i in 0..10 {
        let user = NewUser::builder(format!("drop{i}@example.com"))
            .first_name("D")
            .last_name("Rop")
            .build()
            .unwrap();
        assert!(ensure_user(&client, &user).await.unwrap().was_created());
    }
    assert_eq!(sandbox.scim_users().len(), 10);
    assert_eq!(
        sandbox
            .server()
            .requests()
            .iter()
            .filter(|r| r.disposition == Disposition::Injected(Fault::CommitThenDrop))
            .count(),
        10
    );
}

#[tokio::test]
async fn wrong_token_is_unauthorized_and_never_shown() {
    let sandbox = WorkivaSandbox::builder().start().await.unwrap();
    let client = sandbox
        .scim_client_builder()
        .token("scim-canary-0xdead".to_string().into())
        .build()
        .unwrap();
    let err = client
        .find_user_by_email("a@example.com")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), identity_core::ErrorKind::Unauthorized);
    assert!(!format!("{err} {err:?} {client:?}").contains("scim-canary-0xdead"));
}

#[tokio::test]
async fn discovery_content_type_and_location_follow_rfc_7644() {
    use identity_core::backend::http::{Method, Request};
    let sandbox = WorkivaSandbox::builder().start().await.unwrap();
    let client = sandbox.scim_client().unwrap();
    let get = |path: &'static str| {
        let client = client.clone();
        async move { client.http().send(&Request::get([path])).await.unwrap() }
    };
    let types = get("ResourceTypes").await;
    assert_eq!(
        types.headers.get("content-type").unwrap(),
        "application/scim+json"
    );
    let types: serde_json::Value = types.json().unwrap();
    let names: Vec<_> = types["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["User", "Group"]);
    let schemas: serde_json::Value = get("Schemas").await.json().unwrap();
    assert!(
        schemas["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["id"] == "urn:ietf:params:scim:schemas:core:2.0:User")
    );

    let created = client
        .http()
        .send(
            &Request::new(Method::POST, ["Users"])
                .json(&serde_json::json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "userName": "loc@example.com",
                }))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(created.status, 201);
    let location = created.headers.get("location").unwrap().to_str().unwrap();
    let body: serde_json::Value = created.json().unwrap();
    let id = body["id"].as_str().unwrap();
    assert!(
        location.starts_with("http://") && location.ends_with(&format!("/scim/v2/Users/{id}")),
        "{location}"
    );
}

#[tokio::test]
async fn attribute_selection_and_post_search() {
    use identity_core::backend::http::{Method, Request};
    let sandbox = WorkivaSandbox::builder()
        .seed_scim_users(5)
        .start()
        .await
        .unwrap();
    let client = sandbox.scim_client().unwrap();
    let listed: serde_json::Value = client
        .http()
        .json(&Request::get(["Users"]).query("excludedAttributes", "name,emails"))
        .await
        .unwrap();
    for user in listed["Resources"].as_array().unwrap() {
        assert!(
            user.get("name").is_none() && user.get("emails").is_none(),
            "{user}"
        );
        assert!(user.get("id").is_some() && user.get("userName").is_some());
    }
    let only: serde_json::Value = client
        .http()
        .json(&Request::get(["Users"]).query("attributes", "userName"))
        .await
        .unwrap();
    let first = &only["Resources"][0];
    assert!(
        first.get("active").is_none() && first.get("userName").is_some(),
        "{first}"
    );
    let found: serde_json::Value = client
        .http()
        .json(
            &Request::new(Method::POST, ["Users", ".search"])
                .json(&serde_json::json!({
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                    "filter": "userName eq \"user2@example.com\"",
                }))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(found["totalResults"], 1);
    assert_eq!(found["Resources"][0]["userName"], "user2@example.com");
}

#[tokio::test]
async fn a_group_is_renamed_and_deleted_and_its_members_stay() {
    use identity_core::{ErrorKind, GroupDirectory};
    let sandbox = WorkivaSandbox::builder()
        .seed_scim_users(2)
        .start()
        .await
        .unwrap();
    let client = sandbox.scim_client().unwrap();
    let group = client.create_group("Auditors").await.unwrap();
    let users: Vec<_> = client
        .list_users(&UserQuery::default())
        .try_collect()
        .await
        .unwrap();
    client.add_member(&group.id, &users[0].id).await.unwrap();
    let renamed = client
        .rename_group(&group.id, "External Auditors")
        .await
        .unwrap();
    assert_eq!(renamed.name, "External Auditors");
    assert_eq!(
        client.groups_of(&users[0].id).await.unwrap(),
        std::slice::from_ref(&group.id)
    );
    client.delete_group_record(group.id.as_str()).await.unwrap();
    let err = client.get_group(&group.id).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(
        client.get_user(&users[0].id).await.is_ok(),
        "the member stays"
    );
    assert_eq!(sandbox.scim_users().len(), 2);
}
