//! Event subscriptions (`/attask/eventsubscription/api/v1/subscriptions`).

use identity_core::sandbox::{HeaderName, SimRequest, SimResponse};
use rand::Rng;
use serde_json::{Value, json};

use super::store::State;
use super::{WorkfrontSim, failure, render_failure};

impl WorkfrontSim {
    pub(super) fn subscriptions(
        &self,
        state: &mut State,
        req: &SimRequest,
        rest: &[&str],
    ) -> SimResponse {
        match (req.method.as_str(), rest) {
            ("POST", []) => {
                let body: Value = match req.json() {
                    Ok(body) => body,
                    Err(bad) => return bad,
                };
                let field = |k: &str| body.get(k).and_then(Value::as_str).unwrap_or("");
                if !field("url").starts_with("https://") {
                    return render_failure(failure(400, "url must be https"));
                }
                if !["CREATE", "UPDATE", "DELETE"].contains(&field("eventType")) {
                    return render_failure(failure(
                        400,
                        "eventType must be CREATE, UPDATE or DELETE",
                    ));
                }
                if field("objCode").is_empty() || field("authToken").is_empty() {
                    return render_failure(failure(400, "objCode and authToken are required"));
                }
                let id = format!("{:032x}", rand::rng().random::<u128>());
                let mut stored = body.clone();
                if let Some(map) = stored.as_object_mut() {
                    map.insert("id".into(), json!(id));
                    map.remove("authToken");
                }
                state.subscriptions.insert(id.clone(), stored);
                SimResponse::empty(201).with_header(
                    HeaderName::from_static("location"),
                    &format!("/attask/eventsubscription/api/v1/subscriptions/{id}"),
                )
            }
            ("GET", []) => SimResponse::json(
                200,
                &json!({"subscriptions": state.subscriptions.values().collect::<Vec<_>>()}),
            ),
            ("GET", [id]) => match state.subscriptions.get(*id) {
                Some(sub) => SimResponse::json(200, sub),
                None => render_failure(failure(404, format!("subscription {id} not found"))),
            },
            ("DELETE", [id]) => match state.subscriptions.remove(*id) {
                Some(_) => SimResponse::empty(200),
                None => render_failure(failure(404, format!("subscription {id} not found"))),
            },
            _ => render_failure(failure(405, "method not allowed")),
        }
    }
}
