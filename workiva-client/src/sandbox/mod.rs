//! In-process simulators of the Workiva Platform API and SCIM 2.0 (feature
//! `sandbox`), served together on one loopback port (`/platform/v1`,
//! `/iam/v1/oauth2/token`, `/scim/v2`).
//!
//! They follow the guide: OAuth client-credentials tokens that expire, scopes
//! per operation, pages of at most 100 with opaque tokens, 404 / 409 (email
//! unique, case-insensitive) / 400 validation, partial PATCH echoes, groups,
//! members and roles. Latency and faults (503, 429 with `Retry-After`, a
//! create that commits and then drops the connection) come from
//! [`identity_core::sandbox`].

mod platform;
mod scim;

use std::sync::Arc;
use std::time::Duration;

use identity_core::sandbox::{SimOptions, SimServer, SimService};
use identity_core::{Error, Result};
use secrecy::SecretString;

use crate::WorkivaClient;
use crate::wire::WorkivaUser;

pub use platform::PlatformSim;
pub use scim::ScimSim;

/// The client id the sandbox accepts.
pub const SANDBOX_CLIENT_ID: &str = "sandbox-client";
/// The client secret the sandbox accepts (not a real secret).
pub const SANDBOX_CLIENT_SECRET: &str = "sandbox-secret";
/// The SCIM bearer token the sandbox accepts (not a real secret).
pub const SANDBOX_SCIM_TOKEN: &str = "sandbox-scim-token";
/// The first refresh token the sandbox accepts (`grant_type=refresh_token`);
/// each use rotates it: the answer carries the next one and this one stops
/// working.
pub const SANDBOX_REFRESH_TOKEN: &str = "sandbox-refresh-token-0";

/// Configures and starts a [`WorkivaSandbox`].
#[derive(Debug, Clone)]
#[must_use]
pub struct WorkivaSandboxBuilder {
    users: usize,
    scim_users: usize,
    token_ttl: Duration,
    granted_scopes: Vec<String>,
    options: SimOptions,
}

impl WorkivaSandboxBuilder {
    /// Seeds `n` generated users (`user{i}@example.com`).
    pub fn seed_users(mut self, n: usize) -> Self {
        self.users = n;
        self
    }
    /// Seeds `n` generated SCIM users (`user{i}@example.com`).
    pub fn seed_scim_users(mut self, n: usize) -> Self {
        self.scim_users = n;
        self
    }
    /// Access-token lifetime (default one hour).
    pub fn token_ttl(mut self, ttl: Duration) -> Self {
        self.token_ttl = ttl;
        self
    }
    /// Scopes granted to the sandbox client (default: all four).
    pub fn granted_scopes<I: IntoIterator<Item = S>, S: Into<String>>(mut self, scopes: I) -> Self {
        self.granted_scopes = scopes.into_iter().map(Into::into).collect();
        self
    }
    /// Port, request log, latency and faults of the host:
    /// `.sim_options(|o| o.with_faults(faults))`.
    pub fn sim_options(mut self, configure: impl FnOnce(SimOptions) -> SimOptions) -> Self {
        self.options = configure(self.options);
        self
    }

    /// The simulator service, to serve beside others on one port.
    pub fn build_service(&self) -> Arc<PlatformSim> {
        let sim = PlatformSim::new(platform::PlatformConfig {
            client_id: SANDBOX_CLIENT_ID.into(),
            client_secret: SANDBOX_CLIENT_SECRET.into(),
            granted_scopes: self.granted_scopes.clone(),
            token_ttl: self.token_ttl,
            workspace_id: "wks_sandbox".into(),
        });
        sim.seed_users(self.users);
        Arc::new(sim)
    }

    /// The SCIM simulator service, to serve beside others on one port.
    pub fn build_scim_service(&self) -> Arc<ScimSim> {
        let sim = ScimSim::new(SANDBOX_SCIM_TOKEN.into());
        sim.seed_users(self.scim_users);
        Arc::new(sim)
    }

    /// Starts both simulators on one loopback port.
    pub async fn start(self) -> Result<WorkivaSandbox> {
        let platform = self.build_service();
        let scim = self.build_scim_service();
        let services: Vec<Arc<dyn SimService>> = vec![platform.clone(), scim.clone()];
        let server = SimServer::start(services, self.options)
            .await
            .map_err(|e| Error::config(format!("could not start the Workiva sandbox: {e}")))?;
        Ok(WorkivaSandbox {
            server,
            platform,
            scim,
        })
    }
}

/// A running Workiva simulator.
pub struct WorkivaSandbox {
    server: SimServer,
    platform: Arc<PlatformSim>,
    scim: Arc<ScimSim>,
}

impl std::fmt::Debug for WorkivaSandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkivaSandbox")
            .field("base_url", &self.base_url())
            .finish()
    }
}

impl WorkivaSandbox {
    /// Starts configuring a sandbox.
    pub fn builder() -> WorkivaSandboxBuilder {
        WorkivaSandboxBuilder {
            users: 0,
            scim_users: 0,
            token_ttl: Duration::from_secs(3600),
            granted_scopes: crate::ALL_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
            options: SimOptions::default(),
        }
    }

    /// `http://127.0.0.1:PORT`: use it as `WORKIVA_BASE_URL`.
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// The underlying host: request log, fault switches.
    pub fn server(&self) -> &SimServer {
        &self.server
    }

    /// The Platform API simulator: its state as vendor-neutral accounts
    /// through [`SimInspect`](identity_core::sandbox::SimInspect).
    pub fn platform(&self) -> &PlatformSim {
        &self.platform
    }

    /// The SCIM simulator, inspectable like [`platform`](Self::platform).
    pub fn scim(&self) -> &ScimSim {
        &self.scim
    }

    /// Every user in the simulator, for assertions.
    pub fn users(&self) -> Vec<WorkivaUser> {
        self.platform.users()
    }

    /// Revokes every access token issued so far: the next call gets a 401.
    pub fn expire_credentials(&self) {
        self.platform.expire_credentials();
    }

    /// Members of a group, for assertions.
    pub fn members(&self, group: &str) -> Vec<String> {
        self.platform.members(group)
    }

    /// A client builder pointed at this sandbox with its credentials.
    pub fn client_builder(&self) -> crate::WorkivaClientBuilder {
        WorkivaClient::builder()
            .base_url(self.base_url())
            .client_id(SANDBOX_CLIENT_ID)
            .client_secret(SecretString::from(SANDBOX_CLIENT_SECRET))
    }

    /// A client for this sandbox.
    pub fn client(&self) -> Result<WorkivaClient> {
        self.client_builder().build()
    }

    /// `http://127.0.0.1:PORT/scim/v2`: use it as `WORKIVA_SCIM_URL`.
    pub fn scim_base_url(&self) -> String {
        format!("{}/scim/v2", self.base_url())
    }

    /// Every SCIM user resource, for assertions.
    pub fn scim_users(&self) -> Vec<serde_json::Value> {
        self.scim.users()
    }

    /// A SCIM client builder pointed at this sandbox with its token.
    pub fn scim_client_builder(&self) -> crate::scim::ScimClientBuilder {
        crate::scim::ScimClient::builder()
            .base_url(self.scim_base_url())
            .token(SecretString::from(SANDBOX_SCIM_TOKEN))
    }

    /// A SCIM client for this sandbox.
    pub fn scim_client(&self) -> Result<crate::scim::ScimClient> {
        self.scim_client_builder().build()
    }
}
