//! The Workiva client against its simulator: conformance, faults, expiry.
#![cfg(feature = "sandbox")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use futures::TryStreamExt;
use identity_core::sandbox::{Disposition, Fault, FaultConfig};
use identity_core::{
    AccessDirectory, ErrorKind, GroupDirectory, NewUser, RetryPolicy, UserDirectory, UserQuery,
    conformance, ensure_user,
};
use workiva_client::sandbox::WorkivaSandbox;

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .with_backoff(Duration::from_millis(1), Duration::from_millis(20))
        .with_max_attempts(8)
}

#[tokio::test]
async fn conformance_suite_passes_against_the_sandbox() {
    let sandbox = WorkivaSandbox::builder()
        .seed_users(250)
        .start()
        .await
        .unwrap();
    let client = sandbox.client_builder().page_size(7).build().unwrap();
    conformance::run_all(&client).await;
    conformance::roles_are_added_and_removed(&client, "Auditor", "Report Viewer").await;
}

#[tokio::test]
async fn listing_walks_every_page_of_at_most_100() {
    let sandbox = WorkivaSandbox::builder()
        .seed_users(1234)
        .start()
        .await
        .unwrap();
    let client = sandbox.client_builder().page_size(500).build().unwrap();
    assert_eq!(
        client.page_size(),
        100,
        "page size is clamped to the API maximum"
    );
    let users: Vec<_> = client
        .list_users(&UserQuery::default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(users.len(), 1234);
    let pages = sandbox
        .server()
        .requests()
        .iter()
        .filter(|r| r.path == "/platform/v1/users")
        .count();
    assert_eq!(pages, 13);
    assert!(
        sandbox
            .server()
            .requests()
            .iter()
            .all(|r| !r.query.contains("pageSize=500"))
    );
}

#[tokio::test]
async fn ensure_user_never_duplicates_under_commit_then_drop() {
    let sandbox = WorkivaSandbox::builder()
        .sim_options(|o| {
            o.with_faults(FaultConfig {
                commit_then_drop_rate: 1.0,
                exempt_prefixes: vec!["/iam/".into()],
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
    for i in 0..20 {
        let user = NewUser::builder(format!("drop{i}@example.com"))
            .first_name("D")
            .last_name("Rop")
            .build()
            .unwrap();
        let outcome = ensure_user(&client, &user).await.unwrap();
        assert!(outcome.was_created(), "{outcome:?}");
    }
    let users = sandbox.users();
    assert_eq!(users.len(), 20, "exactly one user per email");
    let drops = sandbox
        .server()
        .requests()
        .iter()
        .filter(|r| r.disposition == Disposition::Injected(Fault::CommitThenDrop))
        .count();
    assert_eq!(drops, 20, "every create was committed and then dropped");
    let posts = sandbox
        .server()
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/platform/v1/users")
        .count();
    assert_eq!(posts, 20, "no create was repeated blindly");
}

#[tokio::test]
async fn retries_through_503_and_429_with_retry_after() {
    let sandbox = WorkivaSandbox::builder()
        .seed_users(300)
        .sim_options(|o| {
            o.with_faults(FaultConfig {
                unavailable_rate: 0.2,
                rate_limited_rate: 0.1,
                retry_after_secs: Some(0),
                exempt_prefixes: vec!["/iam/".into()],
                ..FaultConfig::default()
            })
        })
        .start()
        .await
        .unwrap();
    let client = sandbox
        .client_builder()
        .configure(|s| s.with_retry(fast_retries().with_max_attempts(12)))
        .build()
        .unwrap();
    let users: Vec<_> = client
        .list_users(&UserQuery::default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(users.len(), 300);
    let injected = sandbox
        .server()
        .requests()
        .iter()
        .filter(|r| r.status == 503 || r.status == 429)
        .count();
    assert!(injected > 0, "faults were injected");
}

#[tokio::test(start_paused = true)]
async fn token_expiring_mid_listing_is_refreshed_before_use() {
    let sandbox = WorkivaSandbox::builder()
        .seed_users(500)
        .token_ttl(Duration::from_secs(2))
        .start()
        .await
        .unwrap();
    let client = sandbox
        .client_builder()
        .configure(|s| s.with_timeout(None))
        .configure(|s| s.with_connect_timeout(None))
        .token_refresh_skew(Duration::from_millis(500))
        .build()
        .unwrap();
    let mut pages = client.list_user_pages(&UserQuery::default());
    let mut total = 0;
    while let Some(page) = pages.try_next().await.unwrap() {
        total += page.items.len();
        tokio::time::sleep(Duration::from_millis(1500)).await;
    }
    assert_eq!(total, 500);
    let log = sandbox.server().requests();
    let tokens = log
        .iter()
        .filter(|r| r.path == "/iam/v1/oauth2/token")
        .count();
    assert!(
        tokens >= 3,
        "refreshed as the listing outlived tokens ({tokens})"
    );
    assert_eq!(
        log.iter().filter(|r| r.status == 401).count(),
        0,
        "never sent an expired token"
    );
}

#[tokio::test]
async fn token_revoked_mid_listing_costs_one_401_and_one_refresh() {
    let sandbox = WorkivaSandbox::builder()
        .seed_users(500)
        .start()
        .await
        .unwrap();
    let client = sandbox.client().unwrap();
    let mut pages = client.list_user_pages(&UserQuery::default());
    let mut total = 0;
    let mut n = 0;
    while let Some(page) = pages.try_next().await.unwrap() {
        total += page.items.len();
        n += 1;
        if n == 2 {
            sandbox.expire_credentials();
        }
    }
    assert_eq!(total, 500);
    let log = sandbox.server().requests();
    assert_eq!(
        log.iter()
            .filter(|r| r.path == "/iam/v1/oauth2/token")
            .count(),
        2
    );
    assert_eq!(log.iter().filter(|r| r.status == 401).count(), 1);
}

#[tokio::test]
async fn missing_scope_is_forbidden_and_named() {
    let sandbox = WorkivaSandbox::builder()
        .granted_scopes(["iam:users:read"])
        .start()
        .await
        .unwrap();
    let client = sandbox.client().unwrap();
    let user = NewUser::builder("scope@example.com")
        .first_name("S")
        .last_name("Cope")
        .build()
        .unwrap();
    let err = client.create_user(&user).await.unwrap_err();
    match &err {
        identity_core::Error::Forbidden { missing_scope, .. } => {
            assert_eq!(missing_scope.as_deref(), Some("iam:users:write"))
        }
        other => panic!("{other:?}"),
    }
    assert!(sandbox.users().is_empty(), "nothing was created");
}

#[tokio::test]
async fn wrong_secret_is_unauthorized_and_never_shown() {
    let sandbox = WorkivaSandbox::builder().start().await.unwrap();
    let client = workiva_client::WorkivaClient::builder()
        .base_url(sandbox.base_url())
        .client_id("sandbox-client")
        .client_secret("canary-secret-9f8e7d".to_string().into())
        .build()
        .unwrap();
    let err = client.get_user(&"usr_1".into()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized, "{err}");
    let shown = format!("{err} {err:?} {client:?}");
    assert!(!shown.contains("canary-secret-9f8e7d"), "{shown}");
    let builder = sandbox
        .client_builder()
        .client_secret("canary-secret-9f8e7d".to_string().into());
    assert!(!format!("{builder:?}").contains("canary-secret-9f8e7d"));
}

#[tokio::test]
async fn roles_resolve_by_name_and_assignment_keeps_existing() {
    let sandbox = WorkivaSandbox::builder()
        .seed_users(1)
        .start()
        .await
        .unwrap();
    let client = sandbox.client().unwrap();
    let user = client
        .find_user_by_email("USER0@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.roles, vec!["role_ws_member".into()]);
    let auditor = client.resolve_role("auditor").await.unwrap();
    let updated = client
        .assign_roles(&user.id, std::slice::from_ref(&auditor.id))
        .await
        .unwrap();
    assert_eq!(
        updated.roles,
        vec!["role_ws_member".into(), auditor.id.clone()]
    );
    let stored = &sandbox.users()[0];
    assert_eq!(
        stored.roles.as_deref(),
        Some(&["role_ws_member".to_string(), "role_auditor".to_string()][..])
    );
    let err = client.resolve_role("Galactic Emperor").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.to_string().contains("Galactic Emperor"));
    // Cached: two resolutions, one roles listing.
    client.resolve_role("Auditor").await.unwrap();
    let listings = sandbox
        .server()
        .requests()
        .iter()
        .filter(|r| r.path == "/platform/v1/roles")
        .count();
    assert_eq!(
        listings, 2,
        "one listing, plus one re-read for the unknown name"
    );
}

#[tokio::test]
async fn membership_is_idempotent_and_seen_by_the_server() {
    let sandbox = WorkivaSandbox::builder()
        .seed_users(3)
        .start()
        .await
        .unwrap();
    let client = sandbox.client().unwrap();
    let group = client.resolve_group("Engineering").await.unwrap();
    let user = client
        .find_user_by_email("user1@example.com")
        .await
        .unwrap()
        .unwrap();
    client.add_member(&group.id, &user.id).await.unwrap();
    client.add_member(&group.id, &user.id).await.unwrap();
    assert_eq!(
        sandbox.members(group.id.as_str()),
        vec![user.id.to_string()]
    );
    let members: Vec<_> = client.list_members(&group.id).try_collect().await.unwrap();
    assert_eq!(members, vec![user.id.clone()]);
    let err = client
        .add_member(&"grp_nope".into(), &user.id)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn updated_since_filter_polls_changes() {
    let sandbox = WorkivaSandbox::builder()
        .seed_users(20)
        .start()
        .await
        .unwrap();
    let client = sandbox.client().unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let mark = identity_core::time::Timestamp::now();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let user = client
        .find_user_by_email("user7@example.com")
        .await
        .unwrap()
        .unwrap();
    client.set_active(&user.id, false).await.unwrap();
    let query = UserQuery::default().with_updated_since(mark);
    let changed: Vec<_> = client.list_users(&query).try_collect().await.unwrap();
    assert_eq!(
        changed.iter().map(|u| u.id.clone()).collect::<Vec<_>>(),
        vec![user.id]
    );
}

#[tokio::test(start_paused = true)]
async fn a_refresh_token_keeps_the_client_working_and_rotates() {
    let sandbox = WorkivaSandbox::builder()
        .seed_users(3)
        .token_ttl(Duration::from_secs(60))
        .start()
        .await
        .unwrap();
    // A client holding a refresh token from an authorization-code flow its
    // service ran.
    let client = workiva_client::WorkivaClient::builder()
        .base_url(sandbox.base_url())
        .client_id(workiva_client::sandbox::SANDBOX_CLIENT_ID)
        .client_secret(secrecy::SecretString::from(
            workiva_client::sandbox::SANDBOX_CLIENT_SECRET,
        ))
        .refresh_token(secrecy::SecretString::from(
            workiva_client::sandbox::SANDBOX_REFRESH_TOKEN,
        ))
        .configure(|s| s.with_timeout(None).with_connect_timeout(None))
        .token_refresh_skew(Duration::ZERO)
        .build()
        .unwrap();
    for _ in 0..3 {
        let users: Vec<_> = client
            .list_users(&UserQuery::default())
            .try_collect()
            .await
            .unwrap();
        assert_eq!(users.len(), 3);
        // The access token expires; the next call needs a refresh, which
        // only works with the refresh token the previous answer rotated in.
        tokio::time::advance(Duration::from_secs(61)).await;
    }
    let log = sandbox.server().requests();
    let grants: Vec<String> = log
        .iter()
        .filter(|r| r.path == "/iam/v1/oauth2/token")
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect();
    assert_eq!(grants.len(), 3, "one refresh per expiry: {grants:?}");
    assert!(
        grants
            .iter()
            .all(|g| g.contains("grant_type=refresh_token"))
    );
    assert!(grants[0].contains("sandbox-refresh-token-0"));
    assert!(
        grants[1..]
            .iter()
            .all(|g| !g.contains("sandbox-refresh-token-0")),
        "the rotated token was used, not the spent one"
    );
    assert_eq!(log.iter().filter(|r| r.status >= 400).count(), 0);
    assert!(!format!("{client:?}").contains("sandbox-refresh-token"));
}

/// A caller's token source that counts its calls.
struct Counted {
    calls: std::sync::atomic::AtomicU32,
    inner: identity_core::StaticToken,
}

#[async_trait::async_trait]
impl identity_core::TokenSource for Counted {
    async fn fetch_token(&self) -> identity_core::Result<identity_core::AccessToken> {
        self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.fetch_token().await
    }
}

#[tokio::test]
async fn a_callers_token_source_is_used_instead_of_fetching() {
    let sandbox = WorkivaSandbox::builder()
        .seed_users(2)
        .seed_scim_users(2)
        .start()
        .await
        .unwrap();
    // The SCIM token, handed in by the caller rather than configured.
    let source = std::sync::Arc::new(Counted {
        calls: Default::default(),
        inner: identity_core::StaticToken::new(secrecy::SecretString::from(
            workiva_client::sandbox::SANDBOX_SCIM_TOKEN,
        )),
    });
    let scim = workiva_client::scim::ScimClient::builder()
        .base_url(sandbox.scim_base_url())
        .token_source(source.clone())
        .build()
        .unwrap();
    let users: Vec<_> = scim
        .list_users(&UserQuery::default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(users.len(), 2);
    assert!(source.calls.load(std::sync::atomic::Ordering::SeqCst) >= 1);
    // A Platform client with a caller's source never asks the token endpoint.
    let platform = workiva_client::WorkivaClient::builder()
        .base_url(sandbox.base_url())
        .token_source(std::sync::Arc::new(identity_core::StaticToken::new(
            secrecy::SecretString::from("not-a-token-the-sandbox-issued"),
        )))
        .build()
        .unwrap();
    let err = platform.get_user(&"usr_000001".into()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    assert!(
        sandbox
            .server()
            .requests()
            .iter()
            .all(|r| r.path != "/iam/v1/oauth2/token"),
        "the caller's token went out; no token was fetched"
    );
}

#[tokio::test]
async fn users_know_the_connection_and_workspace_they_came_from() {
    let sandbox = WorkivaSandbox::builder()
        .seed_users(2)
        .seed_scim_users(2)
        .start()
        .await
        .unwrap();
    let file = format!(
        "[connections.workiva-emea]\nkind = \"workiva\"\nbase_url = \"{}\"\nclient_id = \"{}\"\nclient_secret_env = \"WORKIVA_TEST_EMEA_SECRET_UNSET\"\n",
        sandbox.base_url(),
        workiva_client::sandbox::SANDBOX_CLIENT_ID
    );
    let connections =
        identity_core::connections::Connections::from_toml(&file, "identity.toml").unwrap();
    let emea = connections.get("workiva-emea").unwrap();
    // The secret is read when the client is built: unset, it is named.
    let err = workiva_client::WorkivaClient::builder()
        .connection(emea)
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("connection workiva-emea (from identity.toml)")
            && err.to_string().contains("WORKIVA_TEST_EMEA_SECRET_UNSET"),
        "{err}"
    );

    let platform = sandbox
        .client_builder()
        .connection_name("workiva-emea")
        .build()
        .unwrap();
    let users: Vec<_> = platform
        .list_users(&UserQuery::default())
        .try_collect()
        .await
        .unwrap();
    assert!(users.iter().all(|u| {
        u.connection.as_deref() == Some("workiva-emea")
            && u.workspace_id.is_some()
            && u.created_at.is_some()
    }));
    let one = platform.get_user(&users[0].id).await.unwrap();
    assert_eq!(one.connection.as_deref(), Some("workiva-emea"));

    let scim = sandbox
        .scim_client_builder()
        .connection_name("scim-emea")
        .build()
        .unwrap();
    let users: Vec<_> = scim
        .list_users(&UserQuery::default())
        .try_collect()
        .await
        .unwrap();
    assert!(
        users
            .iter()
            .all(|u| u.connection.as_deref() == Some("scim-emea") && u.created_at.is_some())
    );
}
