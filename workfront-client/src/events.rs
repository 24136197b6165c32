//! Event subscriptions (webhooks) for user changes, and a receiver helper
//! that authenticates and parses deliveries.

use identity_core::backend::http::{Method, Request, Response};
use identity_core::{Error, Result};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Map, Value};
use subtle::ConstantTimeEq;

use crate::client::{WorkfrontClient, name_not_found};
pub use crate::wire::EventType;
use crate::wire::{Subscription, WorkfrontUser};

const SUBSCRIPTIONS: [&str; 5] = ["attask", "eventsubscription", "api", "v1", "subscriptions"];

/// A subscription to create.
pub struct NewSubscription {
    /// Object code, e.g. `USER`.
    pub obj_code: String,
    /// Which changes to deliver.
    pub event_type: EventType,
    /// The receiver; must be `https`.
    pub url: String,
    /// Sent in the `authToken` header of each delivery.
    pub auth_token: SecretString,
}

impl std::fmt::Debug for NewSubscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSubscription")
            .field("obj_code", &self.obj_code)
            .field("event_type", &self.event_type)
            .field("url", &self.url)
            .field("auth_token", &"***")
            .finish()
    }
}

impl NewSubscription {
    /// A `USER` subscription.
    pub fn users(event_type: EventType, url: impl Into<String>, auth_token: SecretString) -> Self {
        Self {
            obj_code: "USER".into(),
            event_type,
            url: url.into(),
            auth_token,
        }
    }

    fn validate(&self) -> Result<()> {
        let url = url::Url::parse(&self.url).map_err(|e| {
            Error::invalid(format!("subscription url {:?} is invalid: {e}", self.url))
        })?;
        if url.scheme() != "https" {
            return Err(Error::invalid(format!(
                "subscription url must be https (Workfront only delivers to https): {}",
                self.url
            )));
        }
        if self.obj_code.trim().is_empty() {
            return Err(Error::invalid("subscription objCode is required"));
        }
        if self.event_type == EventType::Unknown {
            return Err(Error::invalid(
                "subscription eventType must be CREATE, UPDATE or DELETE",
            ));
        }
        if self.auth_token.expose_secret().is_empty() {
            return Err(Error::invalid("subscription authToken must not be empty"));
        }
        Ok(())
    }
}

/// The body of a subscription create; lives only while it is sent.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct SubscriptionBody<'a> {
    obj_code: &'a str,
    event_type: EventType,
    url: &'a str,
    auth_token: &'a str,
}

/// The shapes a subscription listing may come in.
#[derive(Deserialize)]
#[serde(untagged)]
enum SubscriptionList {
    Bare(Vec<Subscription>),
    Wrapped { subscriptions: Vec<Subscription> },
    Data { data: Vec<Subscription> },
}

impl WorkfrontClient {
    fn subscriptions_request(&self, method: Method, id: Option<&str>) -> Request {
        Request::new(method, SUBSCRIPTIONS.iter().copied().chain(id))
    }

    /// `POST /attask/eventsubscription/api/v1/subscriptions`. The url must be
    /// `https`; refused before sending otherwise.
    pub async fn create_subscription(&self, new: &NewSubscription) -> Result<Subscription> {
        new.validate()?;
        let body = SubscriptionBody {
            obj_code: &new.obj_code,
            event_type: new.event_type,
            url: &new.url,
            auth_token: new.auth_token.expose_secret(),
        };
        let response = self
            .http()
            .send(&self.subscriptions_request(Method::POST, None).json(&body)?)
            .await?;
        Ok(Subscription {
            id: Some(created_id(&response)?),
            obj_code: new.obj_code.clone(),
            event_type: new.event_type,
            url: new.url.clone(),
            auth_token: None,
            extra: Map::new(),
        })
    }

    /// Lists this customer's subscriptions.
    pub async fn list_subscriptions(&self) -> Result<Vec<Subscription>> {
        let list: SubscriptionList = self
            .http()
            .json(&self.subscriptions_request(Method::GET, None))
            .await?;
        Ok(match list {
            SubscriptionList::Bare(items)
            | SubscriptionList::Wrapped {
                subscriptions: items,
            }
            | SubscriptionList::Data { data: items } => items,
        })
    }

    /// Reads one subscription.
    pub async fn get_subscription(&self, id: &str) -> Result<Subscription> {
        self.http()
            .json(&self.subscriptions_request(Method::GET, Some(id)))
            .await
            .map_err(name_not_found(|| format!("event subscription {id}")))
    }

    /// Deletes one subscription.
    pub async fn delete_subscription(&self, id: &str) -> Result<()> {
        self.http()
            .send(&self.subscriptions_request(Method::DELETE, Some(id)))
            .await
            .map_err(name_not_found(|| format!("event subscription {id}")))?;
        Ok(())
    }
}

/// The id of a created subscription: from its JSON answer, or from the
/// `Location` of an empty 201.
fn created_id(response: &Response) -> Result<String> {
    if !response.body.iter().all(u8::is_ascii_whitespace) {
        #[derive(Deserialize)]
        struct Created {
            id: String,
        }
        return response.json::<Created>().map(|created| created.id);
    }
    response
        .headers
        .get("location")
        .and_then(|v| v.to_str().ok())
        .and_then(|loc| loc.trim_end_matches('/').rsplit('/').next())
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| {
            Error::decode(
                "subscription created without a body or Location",
                b"",
                Some(response.status),
            )
        })
}

/// Why a delivery was rejected. Nothing here contains the tokens.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// No `authToken` header.
    #[error("delivery has no authToken header")]
    MissingToken,
    /// The `authToken` header does not match the subscription's.
    #[error("delivery authToken does not match")]
    BadToken,
    /// The body is not a delivery.
    #[error("malformed delivery: {0}")]
    Malformed(String),
    /// A delivery for another object type.
    #[error("delivery is for objCode {0:?}, not USER")]
    NotAUser(String),
}

/// A user change, parsed from a delivery.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum UserEvent {
    /// A user was created.
    Created(WorkfrontUser),
    /// A user went from inactive to active (other fields may have changed).
    Activated {
        /// The new state.
        user: WorkfrontUser,
        /// Every field whose value changed.
        changed: Vec<String>,
    },
    /// A user went from active to inactive.
    Deactivated {
        /// The new state.
        user: WorkfrontUser,
        /// Every field whose value changed.
        changed: Vec<String>,
    },
    /// Other fields changed.
    Updated {
        /// The new state.
        user: WorkfrontUser,
        /// Every field whose value changed.
        changed: Vec<String>,
    },
    /// A user was deleted.
    Deleted {
        /// Its id.
        id: String,
        /// Its last state, when the delivery carried it.
        last_state: Option<WorkfrontUser>,
    },
}

/// Authenticates and parses event deliveries for one subscription: the
/// `authToken` header is compared in constant time, then the body becomes a
/// [`UserEvent`].
///
/// ```
/// use secrecy::SecretString;
/// use workfront_client::events::{UserEvent, WebhookError, WebhookVerifier};
///
/// let verifier = WebhookVerifier::new(SecretString::from("token-from-the-subscription"));
/// let body = br#"{"eventType": "UPDATE",
///     "oldState": {"ID": "u1", "objCode": "USER", "isActive": true},
///     "newState": {"ID": "u1", "objCode": "USER", "isActive": false}}"#;
///
/// match verifier.receive(Some("token-from-the-subscription"), body) {
///     Ok(UserEvent::Deactivated { user, .. }) => assert_eq!(user.id, "u1"),
///     other => panic!("unexpected {other:?}"),
/// }
/// assert_eq!(verifier.receive(Some("guess"), body).unwrap_err(), WebhookError::BadToken);
/// ```
pub struct WebhookVerifier {
    auth_token: SecretString,
}

impl std::fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookVerifier { auth_token: *** }")
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Delivery {
    event_type: String,
    #[serde(default)]
    new_state: Option<Map<String, Value>>,
    #[serde(default)]
    old_state: Option<Map<String, Value>>,
}

impl WebhookVerifier {
    /// A verifier expecting `auth_token` (the subscription's).
    pub fn new(auth_token: SecretString) -> Self {
        Self { auth_token }
    }

    /// Checks the `authToken` header value in constant time.
    pub fn verify(&self, presented: Option<&str>) -> std::result::Result<(), WebhookError> {
        let presented = presented.ok_or(WebhookError::MissingToken)?;
        let expected = self.auth_token.expose_secret().as_bytes();
        // `ct_eq` on slices of different lengths is false without early exit
        // on content; only the length itself is observable.
        if bool::from(presented.as_bytes().ct_eq(expected)) {
            Ok(())
        } else {
            Err(WebhookError::BadToken)
        }
    }

    /// Verifies the token, then parses the body into a [`UserEvent`].
    pub fn receive(
        &self,
        auth_header: Option<&str>,
        body: &[u8],
    ) -> std::result::Result<UserEvent, WebhookError> {
        self.verify(auth_header)?;
        parse_delivery(body)
    }
}

fn to_user(state: Map<String, Value>) -> std::result::Result<WorkfrontUser, WebhookError> {
    serde_json::from_value(Value::Object(state))
        .map_err(|e| WebhookError::Malformed(format!("state is not a user: {e}")))
}

fn obj_code(state: &Map<String, Value>) -> Option<&str> {
    state.get("objCode").and_then(Value::as_str)
}

/// Parses a delivery body (after authentication).
pub fn parse_delivery(body: &[u8]) -> std::result::Result<UserEvent, WebhookError> {
    let delivery: Delivery =
        serde_json::from_slice(body).map_err(|e| WebhookError::Malformed(e.to_string()))?;
    for state in [&delivery.new_state, &delivery.old_state]
        .into_iter()
        .flatten()
    {
        if let Some(code) = obj_code(state)
            && !code.eq_ignore_ascii_case("USER")
        {
            return Err(WebhookError::NotAUser(code.to_owned()));
        }
    }
    match delivery.event_type.to_ascii_uppercase().as_str() {
        "CREATE" => {
            let state = delivery
                .new_state
                .ok_or_else(|| WebhookError::Malformed("CREATE without newState".into()))?;
            Ok(UserEvent::Created(to_user(state)?))
        }
        "UPDATE" => {
            let new = delivery
                .new_state
                .ok_or_else(|| WebhookError::Malformed("UPDATE without newState".into()))?;
            let old = delivery.old_state.unwrap_or_default();
            let mut changed: Vec<String> = new
                .iter()
                .filter(|(k, v)| old.get(*k) != Some(*v))
                .map(|(k, _)| k.clone())
                .chain(old.keys().filter(|k| !new.contains_key(*k)).cloned())
                .collect();
            changed.sort();
            let was = old.get("isActive").and_then(Value::as_bool);
            let now = new.get("isActive").and_then(Value::as_bool);
            let user = to_user(new)?;
            Ok(match (was, now) {
                (Some(false), Some(true)) => UserEvent::Activated { user, changed },
                (Some(true), Some(false)) => UserEvent::Deactivated { user, changed },
                _ => UserEvent::Updated { user, changed },
            })
        }
        "DELETE" => {
            let state = delivery.old_state.or(delivery.new_state);
            let id = state
                .as_ref()
                .and_then(|s| s.get("ID"))
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| WebhookError::Malformed("DELETE without the user's ID".into()))?;
            Ok(UserEvent::Deleted {
                id,
                last_state: state.map(to_user).transpose()?,
            })
        }
        other => Err(WebhookError::Malformed(format!(
            "unknown eventType {other:?}"
        ))),
    }
}
