//! The default connections the environment variables configure.

use super::{Kind, SecretRef, Settings, WorkfrontLogin};
use crate::error::{Error, Result};

pub(super) type EnvPart = Option<(Kind, Option<String>, Settings)>;

/// Names the missing variables of a partly configured connection.
fn partial(kind: Kind, missing: &[&str], hint: &str) -> Error {
    Error::config(format!(
        "the {kind} connection is configured only in part: set {} {hint}",
        missing.join(" and ")
    ))
}

pub(super) fn workiva_from_vars(var: &impl Fn(&str) -> Option<String>) -> Result<EnvPart> {
    let base_url = var("WORKIVA_BASE_URL");
    let (id, secret) = (var("WORKIVA_CLIENT_ID"), var("WORKIVA_CLIENT_SECRET"));
    match (id, secret.is_some()) {
        (Some(client_id), true) => Ok(Some((
            Kind::Workiva,
            base_url,
            Settings::Workiva {
                client_id,
                client_secret: SecretRef::Env("WORKIVA_CLIENT_SECRET".into()),
                refresh_token: var("WORKIVA_REFRESH_TOKEN")
                    .map(|_| SecretRef::Env("WORKIVA_REFRESH_TOKEN".into())),
                scopes: None,
            },
        ))),
        (Some(_), false) => Err(partial(Kind::Workiva, &["WORKIVA_CLIENT_SECRET"], "")),
        (None, true) => Err(partial(Kind::Workiva, &["WORKIVA_CLIENT_ID"], "")),
        // A base URL alone configures nothing usable, unless SCIM uses it.
        (None, false) if base_url.is_some() && var("WORKIVA_SCIM_TOKEN").is_none() => Err(partial(
            Kind::Workiva,
            &["WORKIVA_CLIENT_ID", "WORKIVA_CLIENT_SECRET"],
            "(WORKIVA_BASE_URL is set)",
        )),
        (None, false) => Ok(None),
    }
}

pub(super) fn scim_from_vars(var: &impl Fn(&str) -> Option<String>) -> Result<EnvPart> {
    let url = var("WORKIVA_SCIM_URL");
    match var("WORKIVA_SCIM_TOKEN") {
        Some(_) => {
            let base = url.or_else(|| {
                var("WORKIVA_BASE_URL").map(|b| format!("{}/scim/v2", b.trim_end_matches('/')))
            });
            Ok(Some((
                Kind::WorkivaScim,
                base,
                Settings::WorkivaScim {
                    token: SecretRef::Env("WORKIVA_SCIM_TOKEN".into()),
                },
            )))
        }
        None if url.is_some() => Err(partial(
            Kind::WorkivaScim,
            &["WORKIVA_SCIM_TOKEN"],
            "(WORKIVA_SCIM_URL is set)",
        )),
        None => Ok(None),
    }
}

pub(super) fn workfront_from_vars(var: &impl Fn(&str) -> Option<String>) -> Result<EnvPart> {
    const LOGINS: &str = "(one of WORKFRONT_USERNAME + WORKFRONT_PASSWORD, WORKFRONT_API_KEY, \
                          or WORKFRONT_IMS_CLIENT_ID + WORKFRONT_IMS_CLIENT_SECRET)";
    let pair = |a: &str, b: &str| (var(a), var(b).map(|_| SecretRef::Env(b.to_owned())));
    let login = match (
        pair("WORKFRONT_IMS_CLIENT_ID", "WORKFRONT_IMS_CLIENT_SECRET"),
        pair("WORKFRONT_USERNAME", "WORKFRONT_PASSWORD"),
        var("WORKFRONT_API_KEY"),
    ) {
        ((Some(client_id), Some(client_secret)), _, _) => Some(WorkfrontLogin::Ims {
            client_id,
            client_secret,
            ims_url: var("WORKFRONT_IMS_URL"),
        }),
        (_, (Some(username), Some(password)), _) => {
            Some(WorkfrontLogin::Session { username, password })
        }
        (_, _, Some(_)) => Some(WorkfrontLogin::ApiKey(SecretRef::Env(
            "WORKFRONT_API_KEY".into(),
        ))),
        ((Some(_), None), _, _) => {
            return Err(partial(
                Kind::Workfront,
                &["WORKFRONT_IMS_CLIENT_SECRET"],
                "",
            ));
        }
        ((None, Some(_)), _, _) => {
            return Err(partial(Kind::Workfront, &["WORKFRONT_IMS_CLIENT_ID"], ""));
        }
        (_, (Some(_), None), _) => {
            return Err(partial(Kind::Workfront, &["WORKFRONT_PASSWORD"], ""));
        }
        (_, (None, Some(_)), _) => {
            return Err(partial(Kind::Workfront, &["WORKFRONT_USERNAME"], ""));
        }
        _ => None,
    };
    let base_url = var("WORKFRONT_BASE_URL");
    match (base_url, login) {
        (None, None) => Ok(None),
        (Some(_), None) => Err(partial(Kind::Workfront, &["the credentials"], LOGINS)),
        (None, Some(_)) => Err(partial(Kind::Workfront, &["WORKFRONT_BASE_URL"], "")),
        (Some(base), Some(login)) => Ok(Some((
            Kind::Workfront,
            Some(base),
            Settings::Workfront {
                api_version: var("WORKFRONT_API_VERSION"),
                login,
                default_access_level: var("WORKFRONT_DEFAULT_ACCESS_LEVEL"),
                webhook_token: var("WORKFRONT_WEBHOOK_TOKEN")
                    .map(|_| SecretRef::Env("WORKFRONT_WEBHOOK_TOKEN".into())),
            },
        ))),
    }
}
