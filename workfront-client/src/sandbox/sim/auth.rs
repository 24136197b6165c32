//! Session login, Adobe IMS tokens and API keys.

use identity_core::sandbox::{SimRequest, SimResponse, check_client_credentials, oauth_error};
use rand::Rng;
use serde_json::json;
use tokio::time::Instant;

use super::store::State;
use super::{WorkfrontSim, failure, render_failure};

impl WorkfrontSim {
    pub(super) fn authorized(&self, state: &mut State, req: &SimRequest) -> bool {
        let now = Instant::now();
        let session = req
            .header("sessionid")
            .or_else(|| req.query_get("sessionID"));
        if let Some(session) = session {
            return state.sessions.get(session).is_some_and(|exp| *exp > now);
        }
        if let Some(token) = req.bearer() {
            return state.tokens.get(token).is_some_and(|exp| *exp > now);
        }
        req.query_get("apiKey").or_else(|| req.header("apikey"))
            == Some(self.config.api_key.as_str())
    }

    pub(super) fn login(&self, req: &SimRequest) -> SimResponse {
        let mut fields = req.form();
        fields.extend(req.query.iter().cloned());
        let get = |k: &str| {
            fields
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
        };
        if get("username").as_deref() != Some(self.config.username.as_str())
            || get("password").as_deref() != Some(self.config.password.as_str())
        {
            return render_failure(failure(401, "Invalid username or password"));
        }
        let session = format!("wf_sess_{:032x}", rand::rng().random::<u128>());
        let mut state = self.lock();
        let now = Instant::now();
        state.sessions.retain(|_, exp| *exp > now);
        state
            .sessions
            .insert(session.clone(), now + self.config.session_ttl);
        SimResponse::json(
            200,
            &json!({"data": {"sessionID": session, "userID": "sandbox-admin"}}),
        )
    }

    /// `POST /logout`: ends the caller's session.
    pub(super) fn logout(state: &mut State, req: &SimRequest) -> SimResponse {
        if let Some(session) = req
            .header("sessionid")
            .or_else(|| req.query_get("sessionID"))
        {
            state.sessions.remove(session);
        }
        SimResponse::json(200, &json!({"data": {"success": true}}))
    }

    pub(super) fn ims_token(&self, req: &SimRequest) -> SimResponse {
        let request = match check_client_credentials(
            req,
            &self.config.ims_client_id,
            &self.config.ims_client_secret,
        ) {
            Ok(request) => request,
            Err(refused) => return refused,
        };
        let scopes: Vec<&str> = request
            .field("scope")
            .unwrap_or("")
            .split([',', ' '])
            .collect();
        if !scopes.contains(&"workfront.full_access") || !scopes.contains(&"openid") {
            return oauth_error(
                400,
                "invalid_scope",
                "scopes openid and workfront.full_access are required",
            );
        }
        let token = format!("ims_at_{:032x}", rand::rng().random::<u128>());
        let mut state = self.lock();
        let now = Instant::now();
        state.tokens.retain(|_, exp| *exp > now);
        state
            .tokens
            .insert(token.clone(), now + self.config.token_ttl);
        SimResponse::json(
            200,
            &json!({"access_token": token, "token_type": "bearer", "expires_in": self.config.token_ttl.as_secs()}),
        )
    }
}
