//! Connections: which app instances to talk to, with which credentials.
//!
//! A [`Connection`] is one app instance (a Workiva workspace, a SCIM
//! endpoint, a Workfront instance) under a name. They come from the
//! environment (one default connection per kind, named after it:
//! `workiva`, `workiva-scim`, `workfront`) and from a TOML file of named
//! connections; [`Connections::load`] reads both, as the binaries do, so an
//! embedding service reads the same file the same way.
//!
//! Secrets are never written in the file: each is a reference, `NAME_env`
//! (a variable's name) or `NAME_file` (a path), resolved when a client is
//! built ([`SecretRef::resolve`]). An inline secret, an unknown key or kind,
//! a missing key, a name defined twice or a partly configured connection is
//! a [`ErrorKind::Config`](crate::ErrorKind::Config) error naming the file,
//! the connection and the key, before any request.
//!
//! ```
//! use identity_core::connections::{Connections, Kind};
//!
//! let file = r#"
//! [connections.workiva-emea]
//! kind = "workiva"
//! base_url = "https://api.eu.wdesk.com"
//! client_id = "emea-automation"
//! client_secret_env = "WORKIVA_EMEA_SECRET"
//! "#;
//! let connections = Connections::from_toml(file, "identity.toml").unwrap();
//! let emea = connections.get("workiva-emea").unwrap();
//! assert_eq!(emea.kind(), Kind::Workiva);
//!
//! let inline = file.replace("client_secret_env", "client_secret");
//! let err = Connections::from_toml(&inline, "identity.toml").unwrap_err();
//! assert!(err.to_string().contains("identity.toml: connection workiva-emea: client_secret"));
//! ```

use std::path::{Path, PathBuf};

use secrecy::SecretString;
use toml::Table;

use crate::error::{Error, Result};

mod env;
mod file;
#[cfg(test)]
mod tests;

use env::{scim_from_vars, workfront_from_vars, workiva_from_vars};
use file::Fields;

/// The kinds of app a connection can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kind {
    /// Workiva Platform API (OAuth 2.0 client credentials).
    Workiva,
    /// A SCIM 2.0 endpoint (Workiva's, or any server's).
    WorkivaScim,
    /// Adobe Workfront.
    Workfront,
}

impl Kind {
    /// Every kind, in report order.
    pub const ALL: [Kind; 3] = [Kind::Workiva, Kind::WorkivaScim, Kind::Workfront];

    /// The name in config files, and of the default connection.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Workiva => "workiva",
            Kind::WorkivaScim => "workiva-scim",
            Kind::Workfront => "workfront",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a secret is: never the secret itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretRef {
    /// In this environment variable.
    Env(String),
    /// In this file (surrounding whitespace, such as a final newline, is
    /// not part of the secret).
    File(PathBuf),
}

impl SecretRef {
    /// Reads the secret; a variable unset or blank, or a file missing or
    /// empty, is a configuration error naming it (never the value).
    pub fn resolve(&self) -> Result<SecretString> {
        match self {
            SecretRef::Env(name) => crate::env::non_empty_var(name)
                .map(SecretString::from)
                .ok_or_else(|| Error::config(format!("environment variable {name} is not set"))),
            SecretRef::File(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    Error::config(format!("cannot read secret file {}: {e}", path.display()))
                })?;
                let secret = text.trim();
                if secret.is_empty() {
                    return Err(Error::config(format!(
                        "secret file {} is empty",
                        path.display()
                    )));
                }
                Ok(SecretString::from(secret.to_owned()))
            }
        }
    }
}

/// How a Workfront connection signs in.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WorkfrontLogin {
    /// Session login with a user name and password.
    Session {
        /// Login name.
        username: String,
        /// The password.
        password: SecretRef,
    },
    /// An API key.
    ApiKey(SecretRef),
    /// Adobe IMS OAuth server-to-server.
    Ims {
        /// Integration client id.
        client_id: String,
        /// Integration client secret.
        client_secret: SecretRef,
        /// The token endpoint or its base, when not Adobe's default.
        ims_url: Option<String>,
    },
}

/// The settings of one connection, by kind.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Settings {
    /// Workiva Platform API.
    Workiva {
        /// OAuth client id.
        client_id: String,
        /// OAuth client secret.
        client_secret: SecretRef,
        /// A refresh token from an authorization-code flow, if the
        /// connection uses one.
        refresh_token: Option<SecretRef>,
        /// Scopes to ask for (default: the client's).
        scopes: Option<Vec<String>>,
    },
    /// A SCIM 2.0 endpoint.
    WorkivaScim {
        /// The bearer token.
        token: SecretRef,
    },
    /// Adobe Workfront.
    Workfront {
        /// API version (`18.0`; default the client's).
        api_version: Option<String>,
        /// How it signs in.
        login: WorkfrontLogin,
        /// Access level of new users when none is asked for.
        default_access_level: Option<String>,
        /// The `authToken` event deliveries must carry.
        webhook_token: Option<SecretRef>,
    },
}

/// Where a connection was defined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// From environment variables.
    Environment,
    /// From this config file.
    File(PathBuf),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Environment => f.write_str("the environment"),
            Origin::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// One named app instance with its credentials (by reference).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Connection {
    /// The name reports and `--app` use.
    pub name: String,
    /// The base URL (`None`: the kind's default, where it has one).
    pub base_url: Option<String>,
    /// The kind and its settings.
    pub settings: Settings,
    /// Extra PEM root certificates to trust (a TLS-inspecting proxy's CA).
    pub ca_file: Option<PathBuf>,
    /// Requests in flight at once, where the client lets you choose.
    pub concurrency: Option<usize>,
    /// A client-side rate limit.
    pub requests_per_second: Option<f64>,
    /// Where it was defined.
    pub origin: Origin,
}

impl Connection {
    /// The default connection of one kind from the environment (`None`
    /// when its variables are not set); a partly configured one is an
    /// error. Other kinds' variables are not read, so a client's `from_env`
    /// never fails over another vendor's configuration.
    pub fn from_env(kind: Kind) -> Result<Option<Connection>> {
        Self::from_vars(kind, &crate::env::non_empty_var)
    }

    /// [`from_env`](Self::from_env) over any variable lookup (for tests).
    pub fn from_vars(
        kind: Kind,
        var: &impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Connection>> {
        let part = match kind {
            Kind::Workiva => workiva_from_vars(var)?,
            Kind::WorkivaScim => scim_from_vars(var)?,
            Kind::Workfront => workfront_from_vars(var)?,
        };
        Ok(part.map(|(kind, base_url, settings)| Connection {
            name: kind.as_str().to_owned(),
            base_url,
            settings,
            ca_file: var(CA_FILE_VAR).map(PathBuf::from),
            concurrency: None,
            requests_per_second: None,
            origin: Origin::Environment,
        }))
    }

    /// `settings` with this connection's rate limit (a burst of one
    /// second's worth) and root certificates, where it sets them.
    pub fn apply_settings(&self, mut settings: crate::ClientSettings) -> crate::ClientSettings {
        if let Some(rate) = self.requests_per_second {
            let burst = rate.ceil().clamp(1.0, f64::from(u32::MAX)) as u32;
            settings = settings.with_rate_limiter(crate::RateLimiter::new(rate, burst));
        }
        if let Some(pem) = &self.ca_file {
            settings = settings.with_root_certificate_file(pem);
        }
        settings
    }

    /// An error naming this connection and what is wrong with it for a
    /// client of `expected` kind.
    pub fn wrong_kind(&self, expected: Kind) -> Error {
        Error::config(format!(
            "connection {} is of kind {}, not {expected}",
            self.name,
            self.kind()
        ))
    }

    /// The kind of app.
    pub fn kind(&self) -> Kind {
        match self.settings {
            Settings::Workiva { .. } => Kind::Workiva,
            Settings::WorkivaScim { .. } => Kind::WorkivaScim,
            Settings::Workfront { .. } => Kind::Workfront,
        }
    }
}

/// `error` with the connection it concerns named in front.
pub fn in_connection(connection: &Connection, error: &Error) -> Error {
    Error::config(format!(
        "connection {} (from {}): {error}",
        connection.name, connection.origin
    ))
}

/// A set of connections with unique names, in definition order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Connections {
    list: Vec<Connection>,
}

/// The environment variable naming the config file.
pub const CONFIG_VAR: &str = "IDENTITY_CONFIG";
/// The environment variable naming extra root certificates for every
/// connection from the environment.
pub const CA_FILE_VAR: &str = "IDENTITY_CA_FILE";

impl Connections {
    /// The connections of the environment, then those of the config file
    /// (`config`, else `IDENTITY_CONFIG`, else none). A name defined twice
    /// is an error.
    pub fn load(config: Option<&Path>) -> Result<Self> {
        let mut all = Self::from_env()?;
        let file = config
            .map(Path::to_path_buf)
            .or_else(|| crate::env::non_empty_var(CONFIG_VAR).map(PathBuf::from));
        if let Some(path) = file {
            all.extend(Self::from_file(&path)?)?;
        }
        Ok(all)
    }

    /// Reads a TOML config file.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::config(format!("cannot read config file {}: {e}", path.display()))
        })?;
        Self::from_toml(&text, path)
    }

    /// Parses config-file text; `path` names it in errors.
    pub fn from_toml(text: &str, path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let shown = path.display();
        let table: Table = toml::from_str(text)
            .map_err(|e| Error::config(format!("{shown}: not valid TOML: {e}")))?;
        let mut connections = Self::default();
        if let Some(key) = table.keys().find(|k| *k != "connections") {
            return Err(Error::config(format!(
                "{shown}: unknown top-level key {key:?} (expected [connections.NAME] tables)"
            )));
        }
        let Some(defined) = table.get("connections") else {
            return Ok(connections);
        };
        let defined = defined
            .as_table()
            .ok_or_else(|| Error::config(format!("{shown}: connections must be a table")))?;
        for (name, body) in defined {
            let fields = Fields::new(path, name, body)?;
            connections.add(fields.connection(Origin::File(path.to_path_buf()))?)?;
        }
        Ok(connections)
    }

    /// The default connections the environment configures (see the crate's
    /// DESIGN: `WORKIVA_*`, `WORKFRONT_*`, `IDENTITY_CA_FILE`). A connection
    /// configured partly is an error naming what is missing.
    pub fn from_env() -> Result<Self> {
        Self::from_vars(crate::env::non_empty_var)
    }

    /// [`from_env`](Self::from_env) over any variable lookup (for tests).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let mut connections = Self::default();
        for kind in Kind::ALL {
            if let Some(connection) = Connection::from_vars(kind, &var)? {
                connections.add(connection)?;
            }
        }
        Ok(connections)
    }

    /// Adds one connection; its name must be new.
    pub fn add(&mut self, connection: Connection) -> Result<()> {
        if let Some(first) = self.get(&connection.name) {
            return Err(Error::config(format!(
                "connection {} is defined twice: in {} and in {}",
                connection.name, first.origin, connection.origin
            )));
        }
        self.list.push(connection);
        Ok(())
    }

    /// Adds every connection of `other`.
    pub fn extend(&mut self, other: Connections) -> Result<()> {
        other.list.into_iter().try_for_each(|c| self.add(c))
    }

    /// The connection called `name`.
    pub fn get(&self, name: &str) -> Option<&Connection> {
        self.list.iter().find(|c| c.name == name)
    }

    /// Every connection, in definition order.
    pub fn iter(&self) -> impl Iterator<Item = &Connection> {
        self.list.iter()
    }

    /// Whether none is configured.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The names, in definition order.
    pub fn names(&self) -> Vec<&str> {
        self.list.iter().map(|c| c.name.as_str()).collect()
    }
}
