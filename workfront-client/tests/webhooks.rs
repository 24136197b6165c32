//! Event delivery verification and parsing, including hostile input.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use secrecy::SecretString;
use serde_json::json;
use workfront_client::events::{UserEvent, WebhookError, WebhookVerifier, parse_delivery};

fn verifier() -> WebhookVerifier {
    WebhookVerifier::new(SecretString::from("hook-secret-123"))
}

fn delivery(event: &str, old: serde_json::Value, new: serde_json::Value) -> Vec<u8> {
    let mut body = json!({"eventType": event, "subscriptionId": "s1"});
    body["newState"] = new;
    body["oldState"] = old;
    serde_json::to_vec(&body).unwrap()
}

#[test]
fn forged_or_missing_token_is_rejected() {
    let body = delivery("CREATE", json!({}), json!({"ID": "u1", "objCode": "USER"}));
    assert_eq!(
        verifier().receive(None, &body),
        Err(WebhookError::MissingToken)
    );
    assert_eq!(
        verifier().receive(Some("hook-secret-12"), &body),
        Err(WebhookError::BadToken)
    );
    assert_eq!(
        verifier().receive(Some("hook-secret-1234"), &body),
        Err(WebhookError::BadToken)
    );
    assert_eq!(
        verifier().receive(Some(""), &body),
        Err(WebhookError::BadToken)
    );
    assert!(verifier().receive(Some("hook-secret-123"), &body).is_ok());
    assert!(!format!("{:?}", verifier()).contains("hook-secret-123"));
}

#[test]
fn deactivation_and_changed_fields() {
    let old = json!({"ID": "u1", "objCode": "USER", "isActive": true, "title": "Dev", "emailAddr": "a@x.com"});
    let new = json!({"ID": "u1", "objCode": "USER", "isActive": false, "title": "Lead", "emailAddr": "a@x.com"});
    match verifier()
        .receive(Some("hook-secret-123"), &delivery("UPDATE", old, new))
        .unwrap()
    {
        UserEvent::Deactivated { user, changed } => {
            assert_eq!(user.id, "u1");
            assert_eq!(changed, ["isActive", "title"]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn activation_update_create_delete() {
    let on = parse_delivery(&delivery(
        "UPDATE",
        json!({"ID":"u","isActive":false}),
        json!({"ID":"u","isActive":true}),
    ))
    .unwrap();
    assert!(matches!(on, UserEvent::Activated { .. }));
    let upd = parse_delivery(&delivery(
        "UPDATE",
        json!({"ID":"u","title":"a"}),
        json!({"ID":"u","title":"b"}),
    ))
    .unwrap();
    assert!(matches!(upd, UserEvent::Updated { ref changed, .. } if changed == &["title"]));
    let created = parse_delivery(&delivery(
        "CREATE",
        json!(null),
        json!({"ID":"u","emailAddr":"a@x.com"}),
    ))
    .unwrap();
    assert!(
        matches!(created, UserEvent::Created(ref u) if u.email_addr.as_deref() == Some("a@x.com"))
    );
    let deleted = parse_delivery(&delivery("DELETE", json!({"ID":"u"}), json!(null))).unwrap();
    assert!(matches!(deleted, UserEvent::Deleted { ref id, .. } if id == "u"));
}

#[test]
fn malformed_deliveries_are_clear_errors() {
    for body in [
        &b""[..],
        b"not json",
        b"[]",
        br#"{"eventType": 5}"#,
        br#"{"eventType":"CREATE"}"#,
        br#"{"eventType":"DELETE","oldState":{}}"#,
        br#"{"eventType":"EXPLODE","newState":{}}"#,
        br#"{"eventType":"CREATE","newState":{"ID": 7}}"#,
    ] {
        assert!(
            matches!(parse_delivery(body), Err(WebhookError::Malformed(_))),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
    let project = delivery(
        "UPDATE",
        json!({"ID":"p","objCode":"PROJ"}),
        json!({"ID":"p","objCode":"PROJ"}),
    );
    assert_eq!(
        parse_delivery(&project),
        Err(WebhookError::NotAUser("PROJ".into()))
    );
}

proptest! {
    #[test]
    fn parser_never_panics(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_delivery(&body);
    }

    #[test]
    fn only_the_exact_token_verifies(token in "[ -~]{0,40}") {
        let ok = verifier().verify(Some(&token)).is_ok();
        prop_assert_eq!(ok, token == "hook-secret-123");
    }
}
