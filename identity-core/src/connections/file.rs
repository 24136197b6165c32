//! One `[connections.NAME]` table of a config file, read key by key.

use std::path::{Path, PathBuf};

use toml::{Table, Value};

use super::{Connection, Kind, Origin, SecretRef, Settings, WorkfrontLogin};
use crate::error::{Error, Result};

/// The keys of one connection table, consumed as they are read so that
/// whatever is left is an unknown key.
pub(super) struct Fields<'a> {
    path: &'a Path,
    name: &'a str,
    table: Table,
}

/// Secret names, written `NAME_env` or `NAME_file`.
const SECRETS: [&str; 7] = [
    "client_secret",
    "refresh_token",
    "token",
    "password",
    "api_key",
    "ims_client_secret",
    "webhook_token",
];

impl<'a> Fields<'a> {
    pub(super) fn new(path: &'a Path, name: &'a str, body: &Value) -> Result<Self> {
        let table = body.as_table().cloned().ok_or_else(|| {
            Error::config(format!(
                "{}: connection {name} must be a table",
                path.display()
            ))
        })?;
        if name.trim().is_empty() || name.contains(char::is_whitespace) {
            return Err(Error::config(format!(
                "{}: connection name {name:?} must be a word without spaces",
                path.display()
            )));
        }
        Ok(Self { path, name, table })
    }

    fn error(&self, key: &str, why: &str) -> Error {
        Error::config(format!(
            "{}: connection {}: {key}: {why}",
            self.path.display(),
            self.name
        ))
    }

    fn string(&mut self, key: &str) -> Result<Option<String>> {
        match self.table.remove(key) {
            None => Ok(None),
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s)),
            Some(Value::String(_)) => Err(self.error(key, "must not be empty")),
            Some(_) => Err(self.error(key, "must be a string")),
        }
    }

    fn required(&mut self, key: &str) -> Result<String> {
        self.string(key)?
            .ok_or_else(|| self.error(key, "is required"))
    }

    /// `NAME_env` or `NAME_file`; `NAME` itself (an inline secret) is refused.
    fn secret(&mut self, key: &str) -> Result<Option<SecretRef>> {
        if self.table.contains_key(key) {
            return Err(self.error(
                key,
                &format!(
                    "secrets may not be written in the config file: use {key}_env (a variable's \
                     name) or {key}_file (a path)"
                ),
            ));
        }
        let env = self.string(&format!("{key}_env"))?;
        let file = self.string(&format!("{key}_file"))?;
        match (env, file) {
            (Some(_), Some(_)) => Err(self.error(key, "give one of _env and _file, not both")),
            (Some(name), None) => Ok(Some(SecretRef::Env(name))),
            (None, Some(path)) => Ok(Some(SecretRef::File(PathBuf::from(path)))),
            (None, None) => Ok(None),
        }
    }

    fn required_secret(&mut self, key: &str) -> Result<SecretRef> {
        self.secret(key)?
            .ok_or_else(|| self.error(key, &format!("is required (as {key}_env or {key}_file)")))
    }

    fn number(&mut self, key: &str) -> Result<Option<f64>> {
        match self.table.remove(key) {
            None => Ok(None),
            Some(Value::Integer(n)) if n > 0 => Ok(Some(n as f64)),
            Some(Value::Float(x)) if x > 0.0 && x.is_finite() => Ok(Some(x)),
            Some(_) => Err(self.error(key, "must be a positive number")),
        }
    }

    pub(super) fn connection(mut self, origin: Origin) -> Result<Connection> {
        // An inline secret is refused whatever the kind: it must not sit in
        // the file even where the key is not one of this kind's.
        for key in SECRETS {
            if self.table.contains_key(key) {
                self.secret(key)?;
            }
        }
        let kind_text = self.required("kind")?;
        let kind = Kind::parse(&kind_text).ok_or_else(|| {
            self.error(
                "kind",
                &format!("unknown kind {kind_text:?} (workiva, workiva-scim or workfront)"),
            )
        })?;
        let base_url = self.string("base_url")?;
        let settings = match kind {
            Kind::Workiva => self.workiva()?,
            Kind::WorkivaScim => Settings::WorkivaScim {
                token: self.required_secret("token")?,
            },
            Kind::Workfront => self.workfront()?,
        };
        if kind != Kind::Workiva && base_url.is_none() {
            return Err(self.error("base_url", "is required"));
        }
        let ca_file = self.string("ca_file")?.map(PathBuf::from);
        let concurrency = self.number("concurrency")?.map(|n| n as usize);
        let requests_per_second = self.number("requests_per_second")?;
        if let Some(unknown) = self.table.keys().next() {
            return Err(self.error(unknown, &format!("unknown key for kind {kind}")));
        }
        Ok(Connection {
            name: self.name.to_owned(),
            base_url,
            settings,
            ca_file,
            concurrency,
            requests_per_second,
            origin,
        })
    }

    fn workiva(&mut self) -> Result<Settings> {
        let scopes = match self.table.remove("scopes") {
            None => None,
            Some(Value::Array(items)) => Some(
                items
                    .into_iter()
                    .map(|v| match v {
                        Value::String(s) => Ok(s),
                        _ => Err(self.error("scopes", "must be a list of strings")),
                    })
                    .collect::<Result<Vec<_>>>()?,
            ),
            Some(_) => return Err(self.error("scopes", "must be a list of strings")),
        };
        Ok(Settings::Workiva {
            client_id: self.required("client_id")?,
            client_secret: self.required_secret("client_secret")?,
            refresh_token: self.secret("refresh_token")?,
            scopes,
        })
    }

    fn workfront(&mut self) -> Result<Settings> {
        let username = self.string("username")?;
        let password = self.secret("password")?;
        let api_key = self.secret("api_key")?;
        let ims_client_id = self.string("ims_client_id")?;
        let ims_client_secret = self.secret("ims_client_secret")?;
        let ims_url = self.string("ims_url")?;
        let login = match (
            username,
            password,
            api_key,
            ims_client_id,
            ims_client_secret,
        ) {
            (Some(username), Some(password), None, None, None) => {
                WorkfrontLogin::Session { username, password }
            }
            (None, None, Some(key), None, None) => WorkfrontLogin::ApiKey(key),
            (None, None, None, Some(client_id), Some(client_secret)) => WorkfrontLogin::Ims {
                client_id,
                client_secret,
                ims_url,
            },
            (None, None, None, None, None) => {
                return Err(self.error(
                    "username",
                    "a workfront connection needs one login: username + password_env, \
                     api_key_env, or ims_client_id + ims_client_secret_env",
                ));
            }
            _ => {
                return Err(self.error(
                    "username",
                    "give exactly one complete login: username + password, api_key, or \
                     ims_client_id + ims_client_secret",
                ));
            }
        };
        Ok(Settings::Workfront {
            api_version: self.string("api_version")?,
            login,
            default_access_level: self.string("default_access_level")?,
            webhook_token: self.secret("webhook_token")?,
        })
    }
}
