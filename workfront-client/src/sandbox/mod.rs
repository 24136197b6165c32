//! An in-process simulator of the Workfront REST API and Adobe IMS (feature
//! `sandbox`), served on a loopback port.
//!
//! It follows the guide: session login and IMS tokens with expiry, search
//! with filters, modifiers, `fields` (with `accessLevel:name` references) and
//! `$$FIRST` / `$$LIMIT` ≤ 2000, count, POST / PUT / DELETE (PATCH is 405),
//! validation errors (missing field, unknown access level, duplicate
//! username), batch (atomic by default, with a maximum size), look-ups and
//! event subscriptions. Latency and faults come from
//! [`identity_core::sandbox`].

mod sim;

use std::sync::Arc;
use std::time::Duration;

use identity_core::sandbox::{SimOptions, SimServer, SimService};
use identity_core::{Error, Result};
use secrecy::SecretString;
use serde_json::{Map, Value};

use crate::WorkfrontClient;

pub use sim::WorkfrontSim;

/// Login name the sandbox accepts.
pub const SANDBOX_USERNAME: &str = "sandbox-admin";
/// Password the sandbox accepts (not a real secret).
pub const SANDBOX_PASSWORD: &str = "sandbox-password";
/// IMS client id the sandbox accepts.
pub const SANDBOX_IMS_CLIENT_ID: &str = "sandbox-ims-client";
/// IMS client secret the sandbox accepts (not a real secret).
pub const SANDBOX_IMS_CLIENT_SECRET: &str = "sandbox-ims-secret";
/// API key the sandbox accepts as `apiKey=` (for third-party clients).
pub const SANDBOX_API_KEY: &str = "sandbox-api-key";
/// The access level new users get through [`WorkfrontSandbox::client`].
pub const SANDBOX_DEFAULT_ACCESS_LEVEL: &str = "Standard";

/// Configures and starts a [`WorkfrontSandbox`].
#[derive(Debug, Clone)]
#[must_use]
pub struct WorkfrontSandboxBuilder {
    users: usize,
    session_ttl: Duration,
    token_ttl: Duration,
    max_batch: usize,
    atomic_batch: bool,
    options: SimOptions,
}

impl WorkfrontSandboxBuilder {
    /// Seeds `n` generated users (`user{i}@example.com`).
    pub fn seed_users(mut self, n: usize) -> Self {
        self.users = n;
        self
    }
    /// Session lifetime (default one hour).
    pub fn session_ttl(mut self, ttl: Duration) -> Self {
        self.session_ttl = ttl;
        self
    }
    /// IMS token lifetime (default one hour).
    pub fn token_ttl(mut self, ttl: Duration) -> Self {
        self.token_ttl = ttl;
        self
    }
    /// Largest batch accepted (default 100).
    pub fn max_batch(mut self, ops: usize) -> Self {
        self.max_batch = ops;
        self
    }
    /// Whether one bad operation fails the whole batch (default true).
    pub fn atomic_batch(mut self, atomic: bool) -> Self {
        self.atomic_batch = atomic;
        self
    }
    /// Port, request log, latency and faults of the host:
    /// `.sim_options(|o| o.with_faults(faults))`.
    pub fn sim_options(mut self, configure: impl FnOnce(SimOptions) -> SimOptions) -> Self {
        self.options = configure(self.options);
        self
    }

    /// The simulator service, to serve beside others on one port.
    pub fn build_service(&self) -> Arc<WorkfrontSim> {
        let sim = WorkfrontSim::new(sim::SimConfig {
            username: SANDBOX_USERNAME.into(),
            password: SANDBOX_PASSWORD.into(),
            api_key: SANDBOX_API_KEY.into(),
            ims_client_id: SANDBOX_IMS_CLIENT_ID.into(),
            ims_client_secret: SANDBOX_IMS_CLIENT_SECRET.into(),
            session_ttl: self.session_ttl,
            token_ttl: self.token_ttl,
            max_batch: self.max_batch,
            atomic_batch: self.atomic_batch,
        });
        sim.seed_users(self.users);
        Arc::new(sim)
    }

    /// Starts the simulator on loopback.
    pub async fn start(self) -> Result<WorkfrontSandbox> {
        let sim = self.build_service();
        let services: Vec<Arc<dyn SimService>> = vec![sim.clone()];
        let server = SimServer::start(services, self.options)
            .await
            .map_err(|e| Error::config(format!("could not start the Workfront sandbox: {e}")))?;
        Ok(WorkfrontSandbox { server, sim })
    }
}

/// A running Workfront simulator.
pub struct WorkfrontSandbox {
    server: SimServer,
    sim: Arc<WorkfrontSim>,
}

impl std::fmt::Debug for WorkfrontSandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkfrontSandbox")
            .field("base_url", &self.base_url())
            .finish()
    }
}

impl WorkfrontSandbox {
    /// Starts configuring a sandbox.
    pub fn builder() -> WorkfrontSandboxBuilder {
        WorkfrontSandboxBuilder {
            users: 0,
            session_ttl: Duration::from_secs(3600),
            token_ttl: Duration::from_secs(3600),
            max_batch: 100,
            atomic_batch: true,
            options: SimOptions::default(),
        }
    }

    /// `http://127.0.0.1:PORT`: use it as `WORKFRONT_BASE_URL` (and as
    /// `WORKFRONT_IMS_URL`: the IMS token endpoint is served there too).
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// The underlying host: request log, fault switches.
    pub fn server(&self) -> &SimServer {
        &self.server
    }

    /// The simulator: its state as vendor-neutral accounts through
    /// [`SimInspect`](identity_core::sandbox::SimInspect).
    pub fn sim(&self) -> &WorkfrontSim {
        &self.sim
    }

    /// Every user row, for assertions.
    pub fn users(&self) -> Vec<Map<String, Value>> {
        self.sim.rows("user")
    }

    /// Ends every session and IMS token now: the next call gets a 401.
    pub fn expire_credentials(&self) {
        self.sim.expire_credentials();
    }

    /// A session-login client builder for this sandbox.
    pub fn client_builder(&self) -> crate::WorkfrontClientBuilder {
        WorkfrontClient::builder()
            .base_url(self.base_url())
            .session_login(SANDBOX_USERNAME, SecretString::from(SANDBOX_PASSWORD))
            .default_access_level(SANDBOX_DEFAULT_ACCESS_LEVEL)
    }

    /// An IMS client builder for this sandbox.
    pub fn ims_client_builder(&self) -> crate::WorkfrontClientBuilder {
        WorkfrontClient::builder()
            .base_url(self.base_url())
            .auth(crate::WorkfrontAuth::Ims {
                client_id: SANDBOX_IMS_CLIENT_ID.into(),
                client_secret: SecretString::from(SANDBOX_IMS_CLIENT_SECRET),
                token_url: Some(self.base_url()),
                scopes: crate::IMS_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
            })
            .default_access_level(SANDBOX_DEFAULT_ACCESS_LEVEL)
    }

    /// A session-login client for this sandbox.
    pub fn client(&self) -> Result<WorkfrontClient> {
        self.client_builder().build()
    }
}
