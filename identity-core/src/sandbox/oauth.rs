//! The OAuth 2.0 pieces the simulated token endpoints share.

use super::{SimRequest, SimResponse};

/// An OAuth 2.0 error answer (RFC 6749 §5.2).
pub fn oauth_error(status: u16, code: &str, description: &str) -> SimResponse {
    SimResponse::json(
        status,
        &serde_json::json!({ "error": code, "error_description": description }),
    )
}

/// A token request that passed [`check_client_credentials`] or
/// [`check_token_request`]: its form fields.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    form: Vec<(String, String)>,
}

impl TokenRequest {
    /// A form field.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Checks a token request as an OAuth server does: form-encoded, grant type
/// `client_credentials`, this client's id and secret. Answers the OAuth error
/// otherwise.
pub fn check_client_credentials(
    req: &SimRequest,
    client_id: &str,
    client_secret: &str,
) -> Result<TokenRequest, SimResponse> {
    check_token_request(req, client_id, client_secret, &["client_credentials"])
}

/// Checks a token request whose grant type is one of `grants`, made by this
/// client (id and secret).
pub fn check_token_request(
    req: &SimRequest,
    client_id: &str,
    client_secret: &str,
    grants: &[&str],
) -> Result<TokenRequest, SimResponse> {
    let form_encoded = req
        .header("content-type")
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    if !form_encoded {
        return Err(oauth_error(
            400,
            "invalid_request",
            "token requests must be form-encoded",
        ));
    }
    let request = TokenRequest { form: req.form() };
    if !request
        .field("grant_type")
        .is_some_and(|grant| grants.contains(&grant))
    {
        return Err(oauth_error(
            400,
            "unsupported_grant_type",
            &format!("grant_type must be {}", grants.join(" or ")),
        ));
    }
    if request.field("client_id") != Some(client_id)
        || request.field("client_secret") != Some(client_secret)
    {
        return Err(oauth_error(
            401,
            "invalid_client",
            "client authentication failed",
        ));
    }
    Ok(request)
}

/// An infallible helper for services that answer JSON errors the same way.
pub fn error_json(status: u16, message: impl Into<String>) -> SimResponse {
    SimResponse::json(status, &serde_json::json!({ "message": message.into() }))
}
