//! The Workfront client against its simulator.
#![cfg(feature = "sandbox")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use futures::TryStreamExt;
use identity_core::sandbox::{Disposition, Fault, FaultConfig};
use identity_core::{
    AccessDirectory, ErrorKind, GroupDirectory, NewUser, RetryPolicy, UserDirectory, UserQuery,
    conformance, ensure_user,
};
use secrecy::SecretString;
use serde_json::json;
use workfront_client::batch::BatchOptions;
use workfront_client::events::{EventType, NewSubscription};
use workfront_client::sandbox::WorkfrontSandbox;
use workfront_client::search::{Modifier, Search};
use workfront_client::wire::{BatchOp, UpdateUser};
use workfront_client::{ListOptions, WorkfrontClient};

/// An update of one field the typed body does not name.
fn with_extra(key: &str, value: &str) -> UpdateUser {
    let mut update = UpdateUser::default();
    update.extra.insert(key.into(), json!(value));
    update
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .with_backoff(Duration::from_millis(1), Duration::from_millis(20))
        .with_max_attempts(10)
}

#[tokio::test]
async fn conformance_suite_passes_with_session_login() {
    let sandbox = WorkfrontSandbox::builder()
        .seed_users(300)
        .start()
        .await
        .unwrap();
    let client = sandbox
        .client_builder()
        .page_limit(7)
        .concurrency(3)
        .build()
        .unwrap();
    conformance::run_all(&client).await;
    conformance::roles_are_added_and_removed(&client, "Developer", "Auditor").await;
}

#[tokio::test]
async fn conformance_suite_passes_with_ims() {
    let sandbox = WorkfrontSandbox::builder()
        .seed_users(20)
        .start()
        .await
        .unwrap();
    let client = sandbox.ims_client_builder().build().unwrap();
    conformance::run_all(&client).await;
    let log = sandbox.server().requests();
    assert_eq!(log.iter().filter(|r| r.path == "/ims/token/v3").count(), 1);
    let token_body =
        String::from_utf8_lossy(&log.iter().find(|r| r.path == "/ims/token/v3").unwrap().body)
            .to_string();
    assert!(
        token_body.contains("scope=openid%2Cworkfront.full_access"),
        "{token_body}"
    );
    assert!(log.iter().all(|r| !r.path.ends_with("/login")));
}

#[tokio::test]
async fn concurrent_listing_keeps_order_and_wastes_at_most_the_window() {
    let sandbox = WorkfrontSandbox::builder()
        .seed_users(10_500)
        .start()
        .await
        .unwrap();
    let client = sandbox.client_builder().concurrency(8).build().unwrap();
    let users: Vec<_> = client
        .list_users(&UserQuery::default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(users.len(), 10_500);
    let names: Vec<_> = users.iter().map(|u| u.last_name.clone().unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "pages yielded in order");
    let log = sandbox.server().requests();
    let searches: Vec<_> = log
        .iter()
        .filter(|r| r.path.ends_with("/user/search"))
        .collect();
    assert!(
        (6..=8).contains(&searches.len()),
        "6 pages plus at most the in-flight window: {}",
        searches.len()
    );
    assert!(
        searches
            .iter()
            .all(|r| r.query.contains("%24%24LIMIT=2000"))
    );
    assert_eq!(
        log.iter()
            .filter(|r| r.path.ends_with("/user/count"))
            .count(),
        0
    );
}

#[tokio::test]
async fn count_first_listing_stops_exactly_at_the_end() {
    let sandbox = WorkfrontSandbox::builder()
        .seed_users(10_500)
        .start()
        .await
        .unwrap();
    let client = sandbox.client().unwrap();
    let options = ListOptions {
        limit: 2000,
        concurrency: 8,
        count_first: true,
    };
    let pages: Vec<_> = client
        .search_pages::<serde_json::Value>(&Search::new("user"), options)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.iter().map(|p| p.items.len()).sum::<usize>(), 10_500);
    let log = sandbox.server().requests();
    assert_eq!(
        log.iter()
            .filter(|r| r.path.ends_with("/user/search"))
            .count(),
        6
    );
    assert_eq!(
        log.iter()
            .filter(|r| r.path.ends_with("/user/count"))
            .count(),
        1
    );
}

#[tokio::test]
async fn search_modifiers_fields_and_references() {
    let sandbox = WorkfrontSandbox::builder()
        .seed_users(40)
        .start()
        .await
        .unwrap();
    let client = sandbox.client().unwrap();
    let search = Search::new("user")
        .filter("emailAddr", Modifier::Cicontains, "USER1")
        .filter("isActive", Modifier::Eq, "true")
        .fields(["ID", "emailAddr", "accessLevel:name", "homeGroup:name"])
        .sort_desc("lastName");
    let found: Vec<serde_json::Value> = client.search_all(&search).await.unwrap();
    let emails: Vec<_> = found
        .iter()
        .map(|u| u["emailAddr"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        emails.first().map(String::as_str),
        Some("user18@example.com")
    );
    assert!(
        !emails.contains(&"user19@example.com".to_owned()),
        "inactive filtered out"
    );
    assert_eq!(found[0]["accessLevel"]["name"], "Standard");
    assert_eq!(client.count(&search).await.unwrap(), found.len() as u64);
    let finance = Search::new("user")
        .filter_in("lastName", ["000003", "000004"])
        .null("homeGroupID", true);
    let rows: Vec<serde_json::Value> = client.search_all(&finance).await.unwrap();
    assert_eq!(
        rows.len(),
        1,
        "000003 is in Finance, 000004 has no home group"
    );
}

#[tokio::test]
async fn create_requires_a_known_access_level_before_any_change() {
    let sandbox = WorkfrontSandbox::builder().start().await.unwrap();
    let client = sandbox
        .client_builder()
        .default_access_level("Galactic")
        .build()
        .unwrap();
    let jane = NewUser::builder("jane@example.com")
        .first_name("Jane")
        .last_name("Doe")
        .build()
        .unwrap();
    let err = client.create_user(&jane).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.to_string().contains("Galactic"), "{err}");
    assert!(sandbox.users().is_empty());
    assert!(
        sandbox
            .server()
            .requests()
            .iter()
            .all(|r| r.method != "POST" || r.path.ends_with("/login"))
    );

    let no_default = WorkfrontClient::builder()
        .base_url(sandbox.base_url())
        .session_login("sandbox-admin", SecretString::from("sandbox-password"))
        .build()
        .unwrap();
    let err = no_default.create_user(&jane).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
    assert!(err.to_string().contains("WORKFRONT_DEFAULT_ACCESS_LEVEL"));
}

#[tokio::test]
async fn duplicate_username_is_a_conflict_and_ensure_user_resolves_it() {
    let sandbox = WorkfrontSandbox::builder()
        .seed_users(2)
        .start()
        .await
        .unwrap();
    let client = sandbox.client().unwrap();
    let again = NewUser::builder("User1@Example.com")
        .first_name("U")
        .last_name("One")
        .build()
        .unwrap();
    let err = client.create_user(&again).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict, "{err}");
    let outcome = ensure_user(&client, &again).await.unwrap();
    assert!(!outcome.was_created());
    assert_eq!(sandbox.users().len(), 2);
}

#[tokio::test]
async fn ensure_user_never_duplicates_under_commit_then_drop() {
    let sandbox = WorkfrontSandbox::builder()
        .sim_options(|o| {
            o.with_faults(FaultConfig {
                commit_then_drop_rate: 1.0,
                exempt_prefixes: vec!["/attask/api/v18.0/login".into()],
                ..FaultConfig::default()
            })
        })
        .start()
        .await
        .unwrap();
    let client = sandbox
        .client_builder()
        .configure(|s| s.with_retry(fast_retries()))
        .build()
        .unwrap();
    for i in 0..15 {
        let user = NewUser::builder(format!("drop{i}@example.com"))
            .first_name("D")
            .last_name("Rop")
            .build()
            .unwrap();
        assert!(ensure_user(&client, &user).await.unwrap().was_created());
    }
    assert_eq!(sandbox.users().len(), 15);
    let drops = sandbox
        .server()
        .requests()
        .iter()
        .filter(|r| r.disposition == Disposition::Injected(Fault::CommitThenDrop))
        .count();
    assert_eq!(drops, 15);
}

#[tokio::test]
async fn update_is_put_with_only_the_changed_fields() {
    let sandbox = WorkfrontSandbox::builder()
        .seed_users(1)
        .start()
        .await
        .unwrap();
    let client = sandbox.client().unwrap();
    let user = client
        .find_user_by_email("USER0@EXAMPLE.COM")
        .await
        .unwrap()
        .unwrap();
    let updated = client.set_active(&user.id, false).await.unwrap();
    assert!(!updated.active);
    assert_eq!(
        updated.first_name.as_deref(),
        Some("User"),
        "other fields kept"
    );
    let put = sandbox
        .server()
        .requests()
        .into_iter()
        .find(|r| r.method == "PUT")
        .unwrap();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&put.body).unwrap(),
        json!({"isActive": false})
    );
    assert!(
        sandbox
            .server()
            .requests()
            .iter()
            .all(|r| r.method != "PATCH")
    );
}

#[tokio::test]
async fn patch_is_refused_by_the_simulator() {
    let sandbox = WorkfrontSandbox::builder()
        .seed_users(1)
        .start()
        .await
        .unwrap();
    let client = sandbox.client().unwrap();
    let user = client
        .find_user_by_email("user0@example.com")
        .await
        .unwrap()
        .unwrap();
    let request = identity_core::backend::http::Request::new(
        identity_core::backend::http::Method::PATCH,
        ["attask", "api", "v18.0", "user", user.id.as_str()],
    )
    .json(&json!({"isActive": false}))
    .unwrap();
    let err = client.http().send(&request).await.unwrap_err();
    assert_eq!(err.status(), Some(405));
}

#[tokio::test]
async fn atomic_batch_isolates_the_bad_operation() {
    let sandbox = WorkfrontSandbox::builder()
        .seed_users(120)
        .start()
        .await
        .unwrap();
    let client = sandbox.client().unwrap();
    let users: Vec<_> = client
        .list_users(&UserQuery::default())
        .try_collect()
        .await
        .unwrap();
    let mut ops: Vec<BatchOp> = users
        .iter()
        .map(|u| BatchOp::update_user(u.id.as_str(), &UpdateUser::deactivate()))
        .collect();
    ops[37] = BatchOp::update_user("no-such-user", &UpdateUser::deactivate());
    ops[90] = BatchOp::update_user(users[90].id.as_str(), &with_extra("accessLevelID", "bogus"));
    let outcomes = client.batch(&ops, BatchOptions::default()).await;
    assert_eq!(outcomes.len(), 120);
    for (i, outcome) in outcomes.iter().enumerate() {
        match i {
            37 => assert_eq!(outcome.as_ref().unwrap_err().kind(), ErrorKind::NotFound),
            90 => assert_eq!(outcome.as_ref().unwrap_err().kind(), ErrorKind::Validation),
            _ => assert!(outcome.is_ok(), "{i}: {outcome:?}"),
        }
    }
    let rows = sandbox.users();
    let active: Vec<_> = rows
        .iter()
        .filter(|r| r["isActive"] == json!(true))
        .map(|r| r["ID"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        active,
        vec![users[37].id.to_string(), users[90].id.to_string()]
    );
    let batches = sandbox
        .server()
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/batch"))
        .collect::<Vec<_>>();
    for b in &batches {
        let body: serde_json::Value = serde_json::from_slice(&b.body).unwrap();
        assert!(body["updates"].as_array().unwrap().len() <= 50);
    }
    assert!(
        batches.len() < 30,
        "bisection is logarithmic: {}",
        batches.len()
    );
}

#[tokio::test]
async fn non_atomic_batch_reports_failures_in_place() {
    let sandbox = WorkfrontSandbox::builder()
        .seed_users(3)
        .atomic_batch(false)
        .start()
        .await
        .unwrap();
    let client = sandbox.client().unwrap();
    let users: Vec<_> = client
        .list_users(&UserQuery::default())
        .try_collect()
        .await
        .unwrap();
    let ops = vec![
        BatchOp::update_user(users[0].id.as_str(), &UpdateUser::deactivate()),
        BatchOp::update_user("missing", &UpdateUser::deactivate()),
    ];
    let outcomes = client.batch(&ops, BatchOptions::default()).await;
    assert!(outcomes[0].is_ok());
    assert_eq!(
        outcomes[1].as_ref().unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        sandbox
            .server()
            .requests()
            .iter()
            .filter(|r| r.path.ends_with("/batch"))
            .count(),
        1
    );
}

#[tokio::test]
async fn oversized_chunks_are_refused_by_the_configured_maximum() {
    let sandbox = WorkfrontSandbox::builder()
        .seed_users(30)
        .max_batch(10)
        .start()
        .await
        .unwrap();
    let client = sandbox.client().unwrap();
    let users: Vec<_> = client
        .list_users(&UserQuery::default())
        .try_collect()
        .await
        .unwrap();
    let ops: Vec<_> = users
        .iter()
        .map(|u| BatchOp::update_user(u.id.as_str(), &with_extra("title", "x")))
        .collect();
    let ok = client
        .batch(
            &ops,
            BatchOptions {
                chunk_size: 10,
                concurrency: 2,
            },
        )
        .await;
    assert!(ok.iter().all(Result::is_ok));
    let too_big = client
        .batch(
            &ops,
            BatchOptions {
                chunk_size: 30,
                concurrency: 1,
            },
        )
        .await;
    // Refused as a whole; bisection then fits under the limit and succeeds.
    assert!(too_big.iter().all(Result::is_ok));
}

#[tokio::test(start_paused = true)]
async fn session_expiry_mid_listing_logs_in_again_once() {
    let sandbox = WorkfrontSandbox::builder()
        .seed_users(5000)
        .start()
        .await
        .unwrap();
    let client = sandbox
        .client_builder()
        .configure(|s| s.with_timeout(None))
        .configure(|s| s.with_connect_timeout(None))
        .build()
        .unwrap();
    let options = ListOptions {
        limit: 1000,
        concurrency: 1,
        count_first: false,
    };
    let search = Search::new("user").fields(["ID"]);
    let mut pages = client.search_pages::<serde_json::Value>(&search, options);
    let (mut total, mut n) = (0, 0);
    while let Some(page) = pages.try_next().await.unwrap() {
        total += page.items.len();
        n += 1;
        if n == 2 {
            sandbox.expire_credentials();
        }
    }
    assert_eq!(total, 5000);
    let log = sandbox.server().requests();
    assert_eq!(log.iter().filter(|r| r.path.ends_with("/login")).count(), 2);
    assert_eq!(log.iter().filter(|r| r.status == 401).count(), 1);
}

#[tokio::test(start_paused = true)]
async fn ims_token_expiry_mid_listing_refreshes() {
    let sandbox = WorkfrontSandbox::builder()
        .seed_users(3000)
        .token_ttl(Duration::from_secs(3))
        .start()
        .await
        .unwrap();
    let client = sandbox
        .ims_client_builder()
        .configure(|s| s.with_timeout(None))
        .configure(|s| s.with_connect_timeout(None))
        .token_refresh_skew(Duration::from_secs(1))
        .build()
        .unwrap();
    let options = ListOptions {
        limit: 500,
        concurrency: 1,
        count_first: false,
    };
    let mut pages = client.search_pages::<serde_json::Value>(&Search::new("user"), options);
    let mut total = 0;
    while let Some(page) = pages.try_next().await.unwrap() {
        total += page.items.len();
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    assert_eq!(total, 3000);
    let log = sandbox.server().requests();
    assert!(log.iter().filter(|r| r.path == "/ims/token/v3").count() >= 2);
    assert_eq!(log.iter().filter(|r| r.status == 401).count(), 0);
}

#[tokio::test]
async fn wrong_password_is_unauthorized_and_never_shown() {
    let sandbox = WorkfrontSandbox::builder().start().await.unwrap();
    let client = WorkfrontClient::builder()
        .base_url(sandbox.base_url())
        .session_login("sandbox-admin", SecretString::from("canary-password-31337"))
        .build()
        .unwrap();
    let err = client.get_user(&"x".into()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    let shown = format!("{err} {err:?} {client:?}");
    assert!(!shown.contains("canary-password-31337"), "{shown}");
}

#[tokio::test]
async fn retries_without_retry_after_then_succeeds() {
    let sandbox = WorkfrontSandbox::builder()
        .seed_users(2500)
        .sim_options(|o| {
            o.with_faults(FaultConfig {
                rate_limited_rate: 0.3,
                unavailable_rate: 0.2,
                retry_after_secs: None,
                exempt_prefixes: vec!["/attask/api/v18.0/login".into()],
                ..FaultConfig::default()
            })
        })
        .start()
        .await
        .unwrap();
    let client = sandbox
        .client_builder()
        .configure(|s| s.with_retry(fast_retries().with_max_attempts(15)))
        .page_limit(500)
        .build()
        .unwrap();
    let users: Vec<_> = client
        .list_users(&UserQuery::default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(users.len(), 2500);
    assert!(
        sandbox
            .server()
            .requests()
            .iter()
            .any(|r| r.status == 429 && r.retry_after_secs.is_none())
    );
}

#[tokio::test]
async fn lookups_are_cached_and_roles_access_levels_resolve() {
    let sandbox = WorkfrontSandbox::builder()
        .seed_users(1)
        .start()
        .await
        .unwrap();
    let client = sandbox.client().unwrap();
    let user = client
        .find_user_by_email("user0@example.com")
        .await
        .unwrap()
        .unwrap();
    let dev = client.resolve_role("developer").await.unwrap();
    let updated = client
        .assign_roles(&user.id, std::slice::from_ref(&dev.id))
        .await
        .unwrap();
    assert_eq!(updated.roles, vec![dev.id.clone()]);
    let light = client.resolve_access_level("Light").await.unwrap();
    assert_eq!(
        client
            .set_access_level(&user.id, &light.id)
            .await
            .unwrap()
            .access_level,
        Some(light.id)
    );
    client.resolve_role("Developer").await.unwrap();
    let role_searches = sandbox
        .server()
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/role/search"))
        .count();
    assert_eq!(role_searches, 1, "cached");
    let err = client.resolve_role("Astronaut").await.unwrap_err();
    assert!(err.to_string().contains("job role \"Astronaut\""), "{err}");
    let finance = client.resolve_group("Finance").await.unwrap();
    let members: Vec<_> = client
        .list_members(&finance.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        members,
        vec![user.id.clone()],
        "user0 has Finance as home group"
    );
}

#[tokio::test]
async fn event_subscriptions_crud_and_https_only() {
    let sandbox = WorkfrontSandbox::builder().start().await.unwrap();
    let client = sandbox.client().unwrap();
    let token = || SecretString::from("hook-canary-token");
    let err = client
        .create_subscription(&NewSubscription::users(
            EventType::Update,
            "http://hooks.example.com/x",
            token(),
        ))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
    assert!(
        sandbox
            .server()
            .requests()
            .iter()
            .all(|r| !r.path.contains("eventsubscription")),
        "refused before sending"
    );
    let created = client
        .create_subscription(&NewSubscription::users(
            EventType::Update,
            "https://hooks.example.com/x",
            token(),
        ))
        .await
        .unwrap();
    let id = created.id.clone().unwrap();
    assert!(!format!("{created:?}").contains("hook-canary-token"));
    let listed = client.list_subscriptions().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        client.get_subscription(&id).await.unwrap().event_type,
        EventType::Update
    );
    client.delete_subscription(&id).await.unwrap();
    assert_eq!(
        client.get_subscription(&id).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

#[tokio::test]
async fn an_api_key_signs_in_without_a_session() {
    let sandbox = WorkfrontSandbox::builder()
        .seed_users(4)
        .start()
        .await
        .unwrap();
    let client = WorkfrontClient::builder()
        .base_url(sandbox.base_url())
        .auth(workfront_client::WorkfrontAuth::ApiKey {
            key: secrecy::SecretString::from(workfront_client::sandbox::SANDBOX_API_KEY),
        })
        .build()
        .unwrap();
    let users: Vec<_> = client
        .list_users(&UserQuery::default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(users.len(), 4);
    assert!(
        sandbox
            .server()
            .requests()
            .iter()
            .all(|r| !r.path.ends_with("/login") && r.query.contains("apiKey=")),
        "no session login; the key goes as the apiKey parameter"
    );
    assert!(!format!("{client:?}").contains(workfront_client::sandbox::SANDBOX_API_KEY));
}

#[tokio::test]
async fn home_and_other_groups_and_roles_are_added_listed_and_removed() {
    use identity_core::{AccessDirectory, GroupDirectory, MembershipChange};
    let sandbox = WorkfrontSandbox::builder().start().await.unwrap();
    let client = sandbox.client().unwrap();
    let jo = NewUser::builder("jo@example.com")
        .first_name("Jo")
        .last_name("March")
        .build()
        .unwrap();
    let jo = client.create_user(&jo).await.unwrap();
    let finance = client.resolve_group("Finance").await.unwrap();
    let engineering = client.resolve_group("Engineering").await.unwrap();

    assert_eq!(
        client.add_member(&finance.id, &jo.id).await.unwrap(),
        MembershipChange::Added
    );
    assert_eq!(
        client.add_member(&engineering.id, &jo.id).await.unwrap(),
        MembershipChange::Added
    );
    assert_eq!(
        client.add_member(&engineering.id, &jo.id).await.unwrap(),
        MembershipChange::AlreadyMember
    );
    let held = client.get_user(&jo.id).await.unwrap().groups;
    assert_eq!(held, [finance.id.clone(), engineering.id.clone()]);
    let row = sandbox
        .users()
        .into_iter()
        .find(|r| r["emailAddr"] == "jo@example.com")
        .unwrap();
    assert_eq!(
        row["homeGroupID"],
        finance.id.as_str(),
        "the home group stayed"
    );
    for group in [&finance, &engineering] {
        let members: Vec<_> = client.list_members(&group.id).try_collect().await.unwrap();
        assert!(members.contains(&jo.id), "{} lists jo", group.name);
    }

    assert_eq!(
        client.remove_member(&engineering.id, &jo.id).await.unwrap(),
        MembershipChange::Removed
    );
    assert!(
        sandbox.sim().rows("usrgps").is_empty(),
        "the link was deleted"
    );
    assert_eq!(
        client.remove_member(&finance.id, &jo.id).await.unwrap(),
        MembershipChange::Removed
    );
    assert_eq!(
        client.remove_member(&finance.id, &jo.id).await.unwrap(),
        MembershipChange::NotMember
    );
    assert!(client.get_user(&jo.id).await.unwrap().groups.is_empty());

    let developer = client.resolve_role("Developer").await.unwrap();
    let auditor = client.resolve_role("Auditor").await.unwrap();
    let with_roles = client
        .assign_roles(&jo.id, &[developer.id.clone(), auditor.id.clone()])
        .await
        .unwrap();
    assert_eq!(with_roles.roles, [developer.id.clone(), auditor.id.clone()]);
    assert_eq!(sandbox.sim().rows("usrrol").len(), 1, "one other role");
    let again = client
        .assign_roles(&jo.id, std::slice::from_ref(&auditor.id))
        .await
        .unwrap();
    assert_eq!(
        again.roles.len(),
        2,
        "assigning a held role changes nothing"
    );
    assert_eq!(sandbox.sim().rows("usrrol").len(), 1);
}

#[tokio::test]
async fn last_login_is_fetched_and_typed() {
    let sandbox = WorkfrontSandbox::builder()
        .seed_users(10)
        .start()
        .await
        .unwrap();
    let users: Vec<_> = sandbox
        .client()
        .unwrap()
        .list_users(&UserQuery::default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(users.len(), 10);
    for user in &users {
        // The seeded active people signed in; user9 (inactive) never did.
        assert_eq!(user.last_login_at.is_some(), user.active, "{}", user.email);
        assert!(user.updated_at.is_some());
    }
}

#[tokio::test]
async fn a_search_too_long_for_a_url_is_posted_with_method_get() {
    use identity_core::BulkDirectory;
    let sandbox = WorkfrontSandbox::builder().start().await.unwrap();
    let client = sandbox.client().unwrap();
    let long = |n: usize| {
        format!("a-rather-long-mailbox-name-for-person-number-{n:04}@departments.example.com")
    };
    for n in 0..3 {
        let user = NewUser::builder(long(n))
            .first_name("Long")
            .last_name("Address")
            .build()
            .unwrap();
        client.create_user(&user).await.unwrap();
    }
    // 100 long addresses, some in upper case (looked up as given and
    // lower-cased): far past 8 000 bytes as a query string.
    let emails: Vec<String> = (0..100)
        .map(|n| {
            if n % 2 == 0 {
                long(n)
            } else {
                long(n).to_uppercase()
            }
        })
        .collect();
    sandbox.server().clear_requests();
    let found = client.find_users_by_emails(&emails, 2).await;
    assert_eq!(found.len(), 100);
    let hits: Vec<_> = found
        .iter()
        .enumerate()
        .filter(|(_, f)| matches!(f, Ok(Some(_))))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(hits, [0, 1, 2], "the three that exist, whatever their case");
    let searches: Vec<_> = sandbox
        .server()
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/user/search"))
        .collect();
    let posted: Vec<_> = searches.iter().filter(|r| r.method == "POST").collect();
    assert!(!posted.is_empty(), "the long searches went as POST");
    for search in &posted {
        assert!(search.query.len() < 200, "parameters left the URL");
        assert!(String::from_utf8_lossy(&search.body).contains("method=GET"));
    }
    for search in searches.iter().filter(|r| r.method == "GET") {
        assert!(
            search.query.len() < workfront_client::MAX_URL_BYTES,
            "only short searches stay GET"
        );
    }
}

#[tokio::test]
async fn profile_fields_are_typed_both_ways() {
    use workfront_client::wire::{CreateUser, UserProfile};
    let sandbox = WorkfrontSandbox::builder().start().await.unwrap();
    let client = sandbox.client().unwrap();
    let standard = client.lookup("accesslevel", "Standard").await.unwrap();
    let mut profile = UserProfile::default();
    profile.title = Some("Controller".into());
    profile.time_zone = Some("Europe/Berlin".into());
    profile.cost_per_hour = Some(87.5);
    let mut new = CreateUser::new("ana", "ana@example.com", "Ana", "Silva", standard.id);
    new.profile = profile;
    let created = client.create_user_record(&new).await.unwrap();
    assert_eq!(created.title.as_deref(), Some("Controller"));
    assert_eq!(created.time_zone.as_deref(), Some("Europe/Berlin"));
    assert_eq!(created.cost_per_hour, Some(87.5));

    let mut change = UpdateUser::default();
    change.profile.phone_number = Some("+49 30 1234".into());
    change.profile.locale = Some("de_DE".into());
    let updated = client
        .update_user_record(&created.id, &change)
        .await
        .unwrap();
    assert_eq!(updated.phone_number.as_deref(), Some("+49 30 1234"));
    assert_eq!(updated.locale.as_deref(), Some("de_DE"));
    assert_eq!(
        updated.title.as_deref(),
        Some("Controller"),
        "untouched fields kept"
    );
    let put = sandbox
        .server()
        .requests()
        .into_iter()
        .rfind(|r| r.method == "PUT")
        .unwrap();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&put.body).unwrap(),
        json!({"phoneNumber": "+49 30 1234", "locale": "de_DE"}),
        "only the fields set are sent"
    );
}

#[tokio::test]
async fn schedule_and_company_are_resolved_by_name_at_create() {
    let sandbox = WorkfrontSandbox::builder().start().await.unwrap();
    let client = sandbox.client().unwrap();
    let ben = NewUser::builder("ben@example.com")
        .first_name("Ben")
        .last_name("Ng")
        .extra(workfront_client::SCHEDULE_NAME, json!("berlin office"))
        .extra(workfront_client::COMPANY_NAME, json!("Acme GmbH"))
        .build()
        .unwrap();
    let created = client.create_user(&ben).await.unwrap();
    let record = client.get_user_record(created.id.as_str()).await.unwrap();
    let id_of = |table: &str, name: &str| {
        sandbox
            .sim()
            .rows(table)
            .into_iter()
            .find(|r| r["name"] == name)
            .and_then(|r| r["ID"].as_str().map(str::to_owned))
    };
    assert_eq!(record.schedule_id, id_of("schedule", "Berlin Office"));
    assert_eq!(record.company_id, id_of("company", "Acme GmbH"));
    let unknown = NewUser::builder("cy@example.com")
        .first_name("Cy")
        .last_name("Ng")
        .extra(workfront_client::COMPANY_NAME, json!("Nope Inc"))
        .build()
        .unwrap();
    let err = client.create_user(&unknown).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.to_string().contains("Nope Inc"), "{err}");
    assert_eq!(
        sandbox.users().len(),
        1,
        "nothing created for the unknown name"
    );
}

#[tokio::test]
async fn a_password_reset_is_sent_once_and_never_shown() {
    let sandbox = WorkfrontSandbox::builder()
        .seed_users(1)
        .start()
        .await
        .unwrap();
    let client = sandbox.client().unwrap();
    let user = client
        .find_user_by_email("user0@example.com")
        .await
        .unwrap()
        .unwrap();
    assert!(user.created_at.is_some(), "entryDate is fetched");
    let mut reset = UpdateUser::default();
    reset.password = Some(SecretString::from("reset-canary-Pa55"));
    assert!(!format!("{reset:?}").contains("reset-canary"));
    client
        .update_user_record(user.id.as_str(), &reset)
        .await
        .unwrap();
    let put = sandbox
        .server()
        .requests()
        .into_iter()
        .rfind(|r| r.method == "PUT")
        .unwrap();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&put.body).unwrap(),
        json!({"password": "reset-canary-Pa55"})
    );
    let row = sandbox.users().into_iter().next().unwrap();
    assert_eq!(
        row["password"], "reset-canary-Pa55",
        "the simulator holds it"
    );
    let again = client.get_user_record(user.id.as_str()).await.unwrap();
    assert!(
        !format!("{again:?}").contains("reset-canary"),
        "never read back"
    );
}
