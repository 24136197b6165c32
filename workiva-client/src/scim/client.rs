//! [`ScimClient`]: discovery, the paged listing, and the `/Users` and
//! `/Groups` endpoints; how the SCIM error schema is read.

use std::sync::Arc;

use identity_core::ResultStream;
use identity_core::backend::classify::{ErrorClassifier, default_error};
use identity_core::backend::http::{HeaderMap, HttpClient, Method, Request};
use identity_core::backend::paginate::{CursorPage, cursor_pages};
use identity_core::{Error, Page, Result};
use serde::de::DeserializeOwned;
use tokio::sync::OnceCell;
use url::Url;

use super::builder::ScimClientBuilder;
use super::wire::{
    GROUP_SCHEMA, ListResponse, PatchOperation, PatchRequest, ScimError, ScimGroup, ScimUser,
    ServiceProviderConfig,
};

/// Page size asked for when the server does not cap it lower.
pub(crate) const DEFAULT_COUNT: u64 = 100;

/// Maps the SCIM error schema to error kinds: `uniqueness` is a conflict,
/// the request-shape `scimType`s are validation errors naming the type.
pub(crate) struct ScimErrors;

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

pub(crate) struct Inner {
    pub(crate) http: HttpClient,
    pub(crate) base: Url,
    pub(crate) page_size: u64,
    pub(crate) config: OnceCell<ServiceProviderConfig>,
    /// The connection name users are labelled with.
    pub(crate) connection: Option<String>,
}

/// A SCIM 2.0 client; cheap to clone.
#[derive(Clone)]
pub struct ScimClient {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for ScimClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScimClient")
            .field("base_url", &self.inner.base.as_str())
            .finish_non_exhaustive()
    }
}

impl ScimClient {
    /// Labels a user read through this client with its connection name.
    pub(crate) fn tag(&self, mut user: identity_core::User) -> identity_core::User {
        user.connection.clone_from(&self.inner.connection);
        user
    }

    /// Starts a builder: the SCIM base URL (any SCIM 2.0 server's) and its
    /// bearer token. Building sends nothing.
    ///
    /// ```
    /// use secrecy::SecretString;
    /// use workiva_client::scim::ScimClient;
    ///
    /// # fn main() -> identity_core::Result<()> {
    /// let scim = ScimClient::builder()
    ///     .base_url("https://scim.example.com/scim/v2")
    ///     .token(SecretString::from("my-scim-token"))
    ///     .build()?;
    /// assert_eq!(scim.base_url().path(), "/scim/v2");
    /// # Ok(())
    /// # }
    /// ```
    pub fn builder() -> ScimClientBuilder {
        ScimClientBuilder::default()
    }

    /// A client configured from `WORKIVA_SCIM_URL` and `WORKIVA_SCIM_TOKEN`.
    ///
    /// ```no_run
    /// # fn main() -> identity_core::Result<()> {
    /// let scim = workiva_client::scim::ScimClient::from_env()?;
    /// # let _ = scim;
    /// # Ok(())
    /// # }
    /// ```
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
                        patch: super::wire::Supported { supported: true },
                        filter: super::wire::FilterSupport {
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
    pub fn list_records<T>(
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
    pub async fn get_user_record(&self, id: &str) -> Result<ScimUser> {
        self.inner
            .http
            .json(&Request::get(["Users", id]))
            .await
            .map_err(not_found("user", id))
    }

    /// `POST /Users`.
    pub async fn create_user_record(&self, user: &ScimUser) -> Result<ScimUser> {
        let request = Request::new(Method::POST, ["Users"]).json(user)?;
        self.inner.http.json(&request).await
    }

    /// `PATCH /Users/{id}` with `PatchOp` operations, or — if the server
    /// does not support PATCH — `PUT` of the read resource with the
    /// operations applied. Returns the resource afterwards.
    pub async fn patch_user_record(
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
                return self.get_user_record(id).await;
            }
            return response.json();
        }
        let mut user = self.get_user_record(id).await?;
        super::convert::apply_to_user(&mut user, &operations)?;
        self.replace_user_record(id, &user).await
    }

    /// `PUT /Users/{id}`: replaces the whole resource.
    pub async fn replace_user_record(&self, id: &str, user: &ScimUser) -> Result<ScimUser> {
        let request = Request::new(Method::PUT, ["Users", id]).json(user)?;
        self.inner
            .http
            .json(&request)
            .await
            .map_err(not_found("user", id))
    }

    /// `DELETE /Users/{id}` (the trait method demands confirmation).
    pub(crate) async fn delete_user_record(&self, id: &str) -> Result<()> {
        self.inner
            .http
            .send(&Request::new(Method::DELETE, ["Users", id]))
            .await
            .map_err(not_found("user", id))?;
        Ok(())
    }

    /// `GET /Groups/{id}`.
    pub async fn get_group_record(&self, id: &str) -> Result<ScimGroup> {
        self.inner
            .http
            .json(&Request::get(["Groups", id]))
            .await
            .map_err(not_found("group", id))
    }

    /// `POST /Groups`.
    pub async fn create_group_record(&self, display_name: &str) -> Result<ScimGroup> {
        let group = ScimGroup {
            schemas: vec![GROUP_SCHEMA.into()],
            display_name: display_name.into(),
            ..ScimGroup::default()
        };
        let request = Request::new(Method::POST, ["Groups"]).json(&group)?;
        self.inner.http.json(&request).await
    }

    /// `DELETE /Groups/{id}`: the group goes, its members stay.
    pub async fn delete_group_record(&self, id: &str) -> Result<()> {
        self.inner
            .http
            .send(&Request::new(Method::DELETE, ["Groups", id]))
            .await
            .map_err(not_found("group", id))?;
        Ok(())
    }

    /// `PATCH /Groups/{id}` (membership changes).
    pub async fn patch_group_record(
        &self,
        id: &str,
        operations: Vec<PatchOperation>,
    ) -> Result<()> {
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
