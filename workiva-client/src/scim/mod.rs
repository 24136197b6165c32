//! A SCIM 2.0 client (RFC 7643 / 7644): Workiva Enterprise's `/scim/v2`, or
//! any other SCIM 2.0 server.
//!
//! It reads `/ServiceProviderConfig` once and respects it: without PATCH
//! support, changes are made by `PUT` of the whole resource; without filter
//! support, look-ups scan the listing; page sizes stay within `maxResults`.
//!
//! ```no_run
//! # async fn demo() -> identity_core::Result<()> {
//! use identity_core::UserDirectory;
//! use workiva_client::scim::ScimClient;
//!
//! let scim = ScimClient::from_env()?; // WORKIVA_SCIM_URL, WORKIVA_SCIM_TOKEN
//! if let Some(user) = scim.find_user_by_email("jane@example.com").await? {
//!     scim.set_active(&user.id, false).await?; // PATCH replace active false
//! }
//! # Ok(()) }
//! ```

mod directory;
pub mod filter;
pub mod models;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use identity_core::ClientSettings;
use identity_core::ResultStream;
use identity_core::backend::classify::{ErrorClassifier, default_error};
use identity_core::backend::env::non_empty_var;
use identity_core::backend::http::{
    Auth, AuthScheme, HeaderMap, HttpClient, Method, Request, TransportConfig,
};
use identity_core::backend::paginate::{CursorPage, cursor_pages};
use identity_core::backend::token::TokenCache;
use identity_core::backend::url::parse_base_url;
use identity_core::{AccessToken, TokenSource};
use identity_core::{Error, Page, Result};
use secrecy::SecretString;
use serde::de::DeserializeOwned;
use tokio::sync::OnceCell;
use url::Url;

use models::{
    GROUP_SCHEMA, ListResponse, PatchOperation, PatchRequest, ScimError, ScimGroup, ScimUser,
    ServiceProviderConfig,
};

/// Page size asked for when the server does not cap it lower.
const DEFAULT_COUNT: u64 = 100;

/// A static bearer token (SCIM tokens are issued once, in the admin UI).
struct StaticToken(SecretString);

#[async_trait]
impl TokenSource for StaticToken {
    async fn fetch_token(&self) -> Result<AccessToken> {
        Ok(AccessToken::new(self.0.clone(), None))
    }
}

/// Maps the SCIM error schema to error kinds: `uniqueness` is a conflict,
/// the request-shape `scimType`s are validation errors naming the type.
struct ScimErrors;

impl ErrorClassifier for ScimErrors {
    fn classify(&self, status: u16, headers: &HeaderMap, body: &[u8]) -> Error {
        let parsed: Option<ScimError> = serde_json::from_slice(body).ok();
        let scim_type = parsed.as_ref().and_then(|e| e.scim_type.clone());
        let detail = parsed.and_then(|e| e.detail);
        let message = match (&scim_type, &detail) {
            (Some(t), Some(d)) => Some(format!("{t}: {d}")),
            (Some(t), None) => Some(t.clone()),
            (None, d) => d.clone(),
        };
        let error = default_error(status, headers, body, message);
        match (scim_type.as_deref(), error) {
            (
                Some("uniqueness"),
                Error::Validation { message, reply } | Error::Conflict { message, reply },
            ) => Error::Conflict { message, reply },
            (
                Some(
                    "invalidFilter" | "tooMany" | "invalidSyntax" | "invalidPath" | "noTarget"
                    | "invalidValue" | "invalidVers" | "mutability" | "sensitive",
                ),
                Error::Conflict { message, reply },
            ) => Error::Validation { message, reply },
            (_, other) => other,
        }
    }
}

/// Builder for [`ScimClient`].
#[derive(Clone)]
#[must_use]
pub struct ScimClientBuilder {
    base_url: Option<String>,
    token: Option<SecretString>,
    settings: ClientSettings,
    page_size: u64,
}

impl std::fmt::Debug for ScimClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScimClientBuilder")
            .field("base_url", &self.base_url)
            .field("token", &self.token.as_ref().map(|_| "***"))
            .finish_non_exhaustive()
    }
}

impl Default for ScimClientBuilder {
    fn default() -> Self {
        Self {
            base_url: None,
            token: None,
            settings: ClientSettings::with_default_timeout(Duration::from_secs(30)),
            page_size: DEFAULT_COUNT,
        }
    }
}

impl ScimClientBuilder {
    /// The SCIM base URL, e.g. `https://api.app.wdesk.com/scim/v2`.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }
    /// The bearer token.
    pub fn token(mut self, token: SecretString) -> Self {
        self.token = Some(token);
        self
    }
    /// Timeouts, retries and rate limit, starting from this client's
    /// defaults (30 s per attempt): `.configure(|s| s.with_retry(policy))`.
    pub fn configure(mut self, configure: impl FnOnce(ClientSettings) -> ClientSettings) -> Self {
        self.settings = configure(self.settings);
        self
    }
    /// Items per page (`count`), capped by the server's `maxResults`.
    pub fn page_size(mut self, count: u64) -> Self {
        self.page_size = count.max(1);
        self
    }

    /// Reads `WORKIVA_SCIM_URL` (default `{WORKIVA_BASE_URL}/scim/v2`) and
    /// `WORKIVA_SCIM_TOKEN`.
    pub fn from_env(mut self) -> Result<Self> {
        self.base_url = non_empty_var("WORKIVA_SCIM_URL").or_else(|| {
            let base =
                non_empty_var("WORKIVA_BASE_URL").unwrap_or_else(|| crate::DEFAULT_BASE_URL.into());
            Some(format!("{}/scim/v2", base.trim_end_matches('/')))
        });
        self.token = non_empty_var("WORKIVA_SCIM_TOKEN").map(SecretString::from);
        Ok(self)
    }

    /// Validates the configuration and builds the client. Sends nothing.
    pub fn build(self) -> Result<ScimClient> {
        let base_text = self
            .base_url
            .unwrap_or_else(|| format!("{}/scim/v2", crate::DEFAULT_BASE_URL));
        let base = parse_base_url(&base_text)?;
        let token = self
            .token
            .ok_or_else(|| Error::config("SCIM bearer token is missing (WORKIVA_SCIM_TOKEN)"))?;
        let config = TransportConfig::with_settings(base.clone(), &self.settings);
        let auth = Auth {
            cache: TokenCache::new(Arc::new(StaticToken(token)), Duration::ZERO),
            scheme: AuthScheme::Bearer,
        };
        let http = HttpClient::new(config, Some(auth), Arc::new(ScimErrors))?;
        Ok(ScimClient {
            inner: Arc::new(Inner {
                http,
                base,
                page_size: self.page_size,
                config: OnceCell::new(),
            }),
        })
    }
}

struct Inner {
    http: HttpClient,
    base: Url,
    page_size: u64,
    config: OnceCell<ServiceProviderConfig>,
}

/// A SCIM 2.0 client; cheap to clone.
#[derive(Clone)]
pub struct ScimClient {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for ScimClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScimClient")
            .field("base_url", &self.inner.base.as_str())
            .finish_non_exhaustive()
    }
}

impl ScimClient {
    /// Starts a builder.
    pub fn builder() -> ScimClientBuilder {
        ScimClientBuilder::default()
    }

    /// A client configured from `WORKIVA_SCIM_URL` and `WORKIVA_SCIM_TOKEN`.
    pub fn from_env() -> Result<Self> {
        Self::builder().from_env()?.build()
    }

    /// The SCIM base URL.
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// The shared transport.
    pub fn http(&self) -> &HttpClient {
        &self.inner.http
    }

    /// `GET /ServiceProviderConfig`, read once. A server without it is
    /// assumed to support PATCH and filters (both are in RFC 7644's core).
    pub async fn service_provider_config(&self) -> Result<&ServiceProviderConfig> {
        self.inner
            .config
            .get_or_try_init(|| async {
                match self
                    .inner
                    .http
                    .json(&Request::get(["ServiceProviderConfig"]))
                    .await
                {
                    Ok(config) => Ok(config),
                    Err(Error::NotFound { .. }) => Ok(ServiceProviderConfig {
                        patch: models::Supported { supported: true },
                        filter: models::FilterSupport {
                            supported: true,
                            max_results: None,
                        },
                        extra: Default::default(),
                    }),
                    Err(err) => Err(err),
                }
            })
            .await
    }

    async fn page_size(&self) -> Result<u64> {
        let cap = self.service_provider_config().await?.filter.max_results;
        Ok(cap.map_or(self.inner.page_size, |cap| {
            self.inner.page_size.min(cap.max(1))
        }))
    }

    /// Lists a resource type page by page with `startIndex` / `count`
    /// (1-based) until `totalResults`; `filter` is sent as is.
    pub fn list_raw<T>(
        &self,
        resource: &'static str,
        filter: Option<String>,
    ) -> ResultStream<'static, Page<T>>
    where
        T: DeserializeOwned + Send + 'static,
    {
        let client = self.clone();
        // The cursor token is the next startIndex, so the repeated-token guard
        // also protects against a server that never advances.
        cursor_pages(1, move |token: Option<String>| {
            let client = client.clone();
            let filter = filter.clone();
            async move {
                let start: u64 = token
                    .as_deref()
                    .map_or(Ok(1), str::parse)
                    .map_err(|_| Error::decode("invalid internal page cursor", b"", None))?;
                let count = client.page_size().await?;
                let mut request = Request::get([resource])
                    .query("startIndex", start.to_string())
                    .query("count", count.to_string());
                if let Some(filter) = &filter {
                    request = request.query("filter", filter.clone());
                }
                let page: ListResponse<T> = client.inner.http.json(&request).await?;
                let served = page.resources.len() as u64;
                if served == 0 && start <= page.total_results {
                    return Err(Error::decode(
                        format!(
                            "totalResults is {} but the page at startIndex {start} is empty",
                            page.total_results
                        ),
                        b"",
                        Some(200),
                    ));
                }
                let next = start + served;
                let more = served > 0 && next <= page.total_results;
                Ok(CursorPage {
                    items: page.resources,
                    next_token: more.then(|| next.to_string()),
                })
            }
        })
    }

    /// `GET /Users/{id}`.
    pub async fn get_user_raw(&self, id: &str) -> Result<ScimUser> {
        self.inner
            .http
            .json(&Request::get(["Users", id]))
            .await
            .map_err(not_found("user", id))
    }

    /// `POST /Users`.
    pub async fn create_user_raw(&self, user: &ScimUser) -> Result<ScimUser> {
        let request = Request::new(Method::POST, ["Users"]).json(user)?;
        self.inner.http.json(&request).await
    }

    /// `PATCH /Users/{id}` with `PatchOp` operations, or — if the server
    /// does not support PATCH — `PUT` of the read resource with the
    /// operations applied. Returns the resource afterwards.
    pub async fn patch_user_raw(
        &self,
        id: &str,
        operations: Vec<PatchOperation>,
    ) -> Result<ScimUser> {
        if self.service_provider_config().await?.patch.supported {
            let request =
                Request::new(Method::PATCH, ["Users", id]).json(&PatchRequest::new(operations))?;
            let response = self
                .inner
                .http
                .send(&request)
                .await
                .map_err(not_found("user", id))?;
            // 200 with the resource, or 204 without a body (both are RFC 7644).
            if response.body.iter().all(u8::is_ascii_whitespace) {
                return self.get_user_raw(id).await;
            }
            return response.json();
        }
        let mut user = self.get_user_raw(id).await?;
        directory::apply_to_user(&mut user, &operations)?;
        self.replace_user_raw(id, &user).await
    }

    /// `PUT /Users/{id}`: replaces the whole resource.
    pub async fn replace_user_raw(&self, id: &str, user: &ScimUser) -> Result<ScimUser> {
        let request = Request::new(Method::PUT, ["Users", id]).json(user)?;
        self.inner
            .http
            .json(&request)
            .await
            .map_err(not_found("user", id))
    }

    /// `DELETE /Users/{id}` (the trait method demands confirmation).
    pub(crate) async fn delete_user_raw(&self, id: &str) -> Result<()> {
        self.inner
            .http
            .send(&Request::new(Method::DELETE, ["Users", id]))
            .await
            .map_err(not_found("user", id))?;
        Ok(())
    }

    /// `GET /Groups/{id}`.
    pub async fn get_group_raw(&self, id: &str) -> Result<ScimGroup> {
        self.inner
            .http
            .json(&Request::get(["Groups", id]))
            .await
            .map_err(not_found("group", id))
    }

    /// `POST /Groups`.
    pub async fn create_group_raw(&self, display_name: &str) -> Result<ScimGroup> {
        let group = ScimGroup {
            schemas: vec![GROUP_SCHEMA.into()],
            display_name: display_name.into(),
            ..ScimGroup::default()
        };
        let request = Request::new(Method::POST, ["Groups"]).json(&group)?;
        self.inner.http.json(&request).await
    }

    /// `PATCH /Groups/{id}` (membership changes).
    pub async fn patch_group_raw(&self, id: &str, operations: Vec<PatchOperation>) -> Result<()> {
        if !self.service_provider_config().await?.patch.supported {
            return Err(Error::Unsupported {
                operation: "group membership changes without SCIM PATCH".into(),
            });
        }
        let request =
            Request::new(Method::PATCH, ["Groups", id]).json(&PatchRequest::new(operations))?;
        self.inner
            .http
            .send(&request)
            .await
            .map_err(not_found("group", id))?;
        Ok(())
    }
}

fn not_found(kind: &'static str, id: &str) -> impl FnOnce(Error) -> Error {
    let what = format!("SCIM {kind} {id}");
    move |err| match err {
        Error::NotFound { reply, .. } => Error::NotFound { what, reply },
        other => other,
    }
}
