//! The OAuth 2.0 token endpoint and the bearer-token and scope check.

use identity_core::sandbox::{
    HeaderName, SimRequest, SimResponse, check_client_credentials, oauth_error,
};
use rand::Rng;
use serde_json::json;
use tokio::time::Instant;

use super::{PlatformSim, State, Token, err};

impl PlatformSim {
    pub(super) fn issue_token(&self, req: &SimRequest) -> SimResponse {
        let request =
            match check_client_credentials(req, &self.config.client_id, &self.config.client_secret)
            {
                Ok(request) => request,
                Err(refused) => return refused,
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
        SimResponse::json(
            200,
            &json!({
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": self.config.token_ttl.as_secs(),
                "scope": scopes.join(" "),
            }),
        )
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
