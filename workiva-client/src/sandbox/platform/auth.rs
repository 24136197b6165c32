//! The OAuth 2.0 token endpoint and the bearer-token and scope check.

use identity_core::sandbox::{
    HeaderName, SimRequest, SimResponse, check_token_request, oauth_error,
};
use rand::Rng;
use serde_json::json;
use tokio::time::Instant;

use super::{PlatformSim, State, Token, err};

impl PlatformSim {
    pub(super) fn issue_token(&self, req: &SimRequest) -> SimResponse {
        let request = match check_token_request(
            req,
            &self.config.client_id,
            &self.config.client_secret,
            &["client_credentials", "refresh_token"],
        ) {
            Ok(request) => request,
            Err(refused) => return refused,
        };
        let rotated = if request.field("grant_type") == Some("refresh_token") {
            match self.rotate_refresh_token(request.field("refresh_token")) {
                Ok(next) => Some(next),
                Err(refused) => return refused,
            }
        } else {
            None
        };
        let scopes: Vec<String> = match request.field("scope") {
            Some(requested) if !requested.trim().is_empty() => {
                let requested: Vec<String> =
                    requested.split_whitespace().map(str::to_owned).collect();
                if let Some(bad) = requested
                    .iter()
                    .find(|s| !self.config.granted_scopes.contains(s))
                {
                    return oauth_error(
                        400,
                        "invalid_scope",
                        &format!("scope {bad} is not granted to this client"),
                    );
                }
                requested
            }
            _ => self.config.granted_scopes.clone(),
        };
        let token = format!("wk_at_{:032x}", rand::rng().random::<u128>());
        let mut state = self.lock();
        let now = Instant::now();
        state.tokens.retain(|_, t| t.expires_at > now);
        state.tokens.insert(
            token.clone(),
            Token {
                expires_at: now + self.config.token_ttl,
                scopes: scopes.clone(),
            },
        );
        let mut answer = json!({
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": self.config.token_ttl.as_secs(),
            "scope": scopes.join(" "),
        });
        if let Some(next) = rotated {
            answer["refresh_token"] = json!(next);
        }
        SimResponse::json(200, &answer)
    }

    /// Spends a refresh token and issues the next one (rotation).
    fn rotate_refresh_token(&self, presented: Option<&str>) -> Result<String, SimResponse> {
        let mut state = self.lock();
        let valid = presented.is_some_and(|t| state.refresh_tokens.remove(t));
        if !valid {
            return Err(oauth_error(
                400,
                "invalid_grant",
                "the refresh token is invalid, expired or already used",
            ));
        }
        let next = format!("wk_rt_{:032x}", rand::rng().random::<u128>());
        state.refresh_tokens.insert(next.clone());
        Ok(next)
    }

    /// `Ok(())` if the bearer token is valid and holds `scope`.
    pub(super) fn authorize(
        &self,
        state: &State,
        req: &SimRequest,
        scope: &str,
    ) -> Result<(), SimResponse> {
        let challenge = |error: &str| format!("Bearer error=\"{error}\"");
        let Some(token) = req.bearer().and_then(|t| state.tokens.get(t)) else {
            return Err(err(401, "invalid_token", "missing or unknown access token")
                .with_header(http_www_authenticate(), &challenge("invalid_token")));
        };
        if token.expires_at <= Instant::now() {
            return Err(err(401, "invalid_token", "the access token expired")
                .with_header(http_www_authenticate(), &challenge("invalid_token")));
        }
        if !token.scopes.iter().any(|s| s == scope) {
            return Err(err(
                403,
                "insufficient_scope",
                format!("this operation requires scope {scope}"),
            )
            .with_header(
                http_www_authenticate(),
                &format!("Bearer error=\"insufficient_scope\", scope=\"{scope}\""),
            ));
        }
        Ok(())
    }
}

fn http_www_authenticate() -> HeaderName {
    HeaderName::from_static("www-authenticate")
}
