//! [`WorkivaClient`]: the Platform API endpoints, and how Workiva's error
//! answers are read.

use std::sync::Arc;

use futures::StreamExt;
use identity_core::ResultStream;
use identity_core::backend::classify::{ErrorClassifier, default_error, message_from_body};
use identity_core::backend::http::{HeaderMap, HttpClient, Method, Request};
use identity_core::backend::paginate::{CursorPage, cursor_pages};
use identity_core::{Error, Page, Result, Role, UserQuery, pick_by_name};
use serde::de::DeserializeOwned;
use tokio::sync::Mutex;
use url::Url;

use crate::builder::WorkivaClientBuilder;
use crate::wire::{
    CreateUser, GroupChange, ListEnvelope, UpdateUser, WorkivaGroup, WorkivaMember, WorkivaRole,
    WorkivaUser,
};

/// The largest page the API serves.
pub const MAX_PAGE_SIZE: u32 = 100;
const API: [&str; 2] = ["platform", "v1"];

/// Workiva's error bodies: a message, and for 403 the missing scope (from the
/// body or an RFC 6750 `WWW-Authenticate` header).
pub(crate) struct WorkivaErrors;

impl ErrorClassifier for WorkivaErrors {
    fn classify(&self, status: u16, headers: &HeaderMap, body: &[u8]) -> Error {
        let error = default_error(status, headers, body, message_from_body(body));
        match error {
            Error::Forbidden { message, reply, .. } => {
                let challenge = headers
                    .get("www-authenticate")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                let text = format!("{challenge} {}", String::from_utf8_lossy(body));
                let missing_scope = crate::auth::ALL_SCOPES
                    .iter()
                    .find(|scope| text.contains(*scope))
                    .map(|s| (*s).to_owned());
                Error::Forbidden {
                    missing_scope,
                    message,
                    reply,
                }
            }
            other => other,
        }
    }
}

pub(crate) struct Inner {
    pub(crate) http: HttpClient,
    pub(crate) base: Url,
    pub(crate) page_size: u32,
    pub(crate) roles: Mutex<Option<Arc<Vec<WorkivaRole>>>>,
    /// The connection name users are labelled with.
    pub(crate) connection: Option<String>,
}

/// A Workiva Platform API client; cheap to clone.
#[derive(Clone)]
pub struct WorkivaClient {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for WorkivaClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkivaClient")
            .field("base_url", &self.inner.base.as_str())
            .finish_non_exhaustive()
    }
}

/// The query parameters of a user listing: `email`, and `updatedAt` (users
/// updated at or after an instant, for change polling).
pub(crate) fn user_query(query: &UserQuery) -> Vec<(&'static str, String)> {
    let mut params = Vec::new();
    if let Some(email) = &query.email {
        params.push(("email", email.clone()));
    }
    if let Some(since) = &query.updated_since {
        params.push(("updatedAt", identity_core::time::format(*since)));
    }
    params
}

pub(crate) fn path<const N: usize>(rest: [&str; N]) -> Vec<String> {
    API.iter()
        .chain(rest.iter())
        .map(|s| (*s).to_owned())
        .collect()
}

impl WorkivaClient {
    /// Labels a user read through this client with its connection name.
    pub(crate) fn tag(&self, mut user: identity_core::User) -> identity_core::User {
        user.connection.clone_from(&self.inner.connection);
        user
    }

    /// Starts a builder. Building sends nothing: the first call fetches a
    /// token with the client credentials.
    ///
    /// ```
    /// use secrecy::SecretString;
    /// use std::time::Duration;
    /// use workiva_client::WorkivaClient;
    ///
    /// # fn main() -> identity_core::Result<()> {
    /// let workiva = WorkivaClient::builder()
    ///     .base_url("https://api.app.wdesk.com")
    ///     .client_id("my-client-id")
    ///     .client_secret(SecretString::from("my-client-secret"))
    ///     .configure(|s| s.with_timeout(Some(Duration::from_secs(20))))
    ///     .build()?;
    /// assert_eq!(workiva.base_url().as_str(), "https://api.app.wdesk.com/");
    /// # Ok(())
    /// # }
    /// ```
    pub fn builder() -> WorkivaClientBuilder {
        WorkivaClientBuilder::default()
    }

    /// A client configured from `WORKIVA_BASE_URL`, `WORKIVA_CLIENT_ID` and
    /// `WORKIVA_CLIENT_SECRET`; a missing or empty variable is a
    /// configuration error naming it.
    ///
    /// ```no_run
    /// use identity_core::{UserDirectory, UserQuery};
    /// use futures::TryStreamExt;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> identity_core::Result<()> {
    /// let workiva = workiva_client::WorkivaClient::from_env()?;
    /// let users: Vec<_> = workiva.list_users(&UserQuery::default()).try_collect().await?;
    /// println!("{} users", users.len());
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_env() -> Result<Self> {
        Self::builder().from_env()?.build()
    }

    /// The API host.
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// The shared transport (for requests this client does not wrap).
    pub fn http(&self) -> &HttpClient {
        &self.inner.http
    }

    /// The listing page size.
    pub fn page_size(&self) -> u32 {
        self.inner.page_size
    }

    pub(crate) fn paged<T>(
        &self,
        segments: Vec<String>,
        query: Vec<(&'static str, String)>,
    ) -> ResultStream<'static, Page<T>>
    where
        T: DeserializeOwned + Send + 'static,
    {
        let http = self.inner.http.clone();
        let page_size = self.inner.page_size.to_string();
        cursor_pages(1, move |token: Option<String>| {
            // Every page repeats the same filters, and the token verbatim.
            let mut request = Request::get(segments.clone())
                .query("pageSize", page_size.clone())
                .queries(query.iter().cloned());
            if let Some(token) = token {
                request = request.query("pageToken", token);
            }
            let http = http.clone();
            async move {
                let envelope: ListEnvelope<T> = http.json(&request).await?;
                Ok(CursorPage {
                    items: envelope.data,
                    next_token: envelope.next_page_token,
                })
            }
        })
    }

    /// `GET /platform/v1/users`, page by page (prefetching the next page).
    pub fn list_user_records(&self, query: &UserQuery) -> ResultStream<'static, Page<WorkivaUser>> {
        self.paged(path(["users"]), user_query(query))
    }

    /// `GET /platform/v1/users/{id}`.
    pub async fn get_user_record(&self, id: &str) -> Result<WorkivaUser> {
        self.inner
            .http
            .json(&Request::get(path(["users", id])))
            .await
            .map_err(not_found(|| format!("user {id}")))
    }

    /// `POST /platform/v1/users`. The answer may be partial; it is merged
    /// with what was sent.
    pub async fn create_user_record(&self, body: &CreateUser) -> Result<WorkivaUser> {
        let request = Request::new(Method::POST, path(["users"])).json(body)?;
        let echo: WorkivaUser = self.inner.http.json(&request).await?;
        let mut user = WorkivaUser {
            id: echo.id.clone(),
            email: Some(body.email.clone()),
            first_name: Some(body.first_name.clone()),
            last_name: Some(body.last_name.clone()),
            display_name: body.display_name.clone(),
            active: Some(body.active.unwrap_or(true)),
            roles: body.roles.clone(),
            created_at: None,
            updated_at: None,
            workspace_id: None,
            extra: Default::default(),
        };
        user.merge(echo);
        Ok(user)
    }

    /// `PATCH /platform/v1/users/{id}`: only the fields set change. Returns
    /// the server's (possibly partial) echo.
    pub async fn patch_user_record(&self, id: &str, body: &UpdateUser) -> Result<WorkivaUser> {
        let request = Request::new(Method::PATCH, path(["users", id])).json(body)?;
        self.inner
            .http
            .json(&request)
            .await
            .map_err(not_found(|| format!("user {id}")))
    }

    /// `DELETE /platform/v1/users/{id}`. Permanent; the trait method
    /// [`delete_user`](identity_core::UserDirectory::delete_user) demands a
    /// confirmation, this raw call is for callers who already checked one.
    pub(crate) async fn delete_user_record(&self, id: &str) -> Result<()> {
        self.inner
            .http
            .send(&Request::new(Method::DELETE, path(["users", id])))
            .await
            .map_err(not_found(|| format!("user {id}")))?;
        Ok(())
    }

    /// `GET /platform/v1/groups`, page by page.
    pub fn list_group_records(&self) -> ResultStream<'static, Page<WorkivaGroup>> {
        self.paged(path(["groups"]), Vec::new())
    }

    /// `GET /platform/v1/groups/{id}`.
    pub async fn get_group_record(&self, id: &str) -> Result<WorkivaGroup> {
        self.inner
            .http
            .json(&Request::get(path(["groups", id])))
            .await
            .map_err(not_found(|| format!("group {id}")))
    }

    /// `POST /platform/v1/groups`.
    pub async fn create_group_record(&self, body: &GroupChange) -> Result<WorkivaGroup> {
        let request = Request::new(Method::POST, path(["groups"])).json(body)?;
        let mut group: WorkivaGroup = self.inner.http.json(&request).await?;
        if group.name.is_none() {
            group.name = body.name.clone();
        }
        Ok(group)
    }

    /// `PATCH /platform/v1/groups/{id}`.
    pub async fn patch_group_record(&self, id: &str, body: &GroupChange) -> Result<WorkivaGroup> {
        let request = Request::new(Method::PATCH, path(["groups", id])).json(body)?;
        self.inner
            .http
            .json(&request)
            .await
            .map_err(not_found(|| format!("group {id}")))
    }

    /// `GET /platform/v1/groups/{id}/members`, page by page.
    pub fn list_member_records(&self, group: &str) -> ResultStream<'static, Page<WorkivaMember>> {
        self.paged(path(["groups", group, "members"]), Vec::new())
    }

    /// `POST /platform/v1/groups/{id}/members`. `Ok(false)` when the user
    /// already was a member (the API's 409).
    pub async fn post_member(&self, group: &str, user: &str) -> Result<bool> {
        let request = Request::new(Method::POST, path(["groups", group, "members"]))
            .json(&serde_json::json!({ "userId": user }))?
            // Adding a member twice is harmless (409 = already a member).
            .idempotency(identity_core::Idempotency::MarkedSafe);
        match self.inner.http.send(&request).await {
            Ok(_) => Ok(true),
            Err(Error::Conflict { .. }) => Ok(false),
            Err(err) => Err(err),
        }
    }

    /// `DELETE /platform/v1/groups/{id}/members/{userId}`. `Ok(false)` when
    /// the user was not a member.
    pub async fn delete_member(&self, group: &str, user: &str) -> Result<bool> {
        let request = Request::new(Method::DELETE, path(["groups", group, "members", user]));
        match self.inner.http.send(&request).await {
            Ok(_) => Ok(true),
            Err(Error::NotFound { .. }) => {
                // A 404 may mean "no such group" or "not a member": tell them apart.
                self.get_group_record(group).await?;
                Ok(false)
            }
            Err(err) => Err(err),
        }
    }

    /// `GET /platform/v1/roles`, all pages.
    pub async fn list_role_records(&self) -> Result<Vec<WorkivaRole>> {
        let mut pages = self.paged::<WorkivaRole>(path(["roles"]), Vec::new());
        let mut roles = Vec::new();
        while let Some(page) = pages.next().await {
            roles.extend(page?.items);
        }
        Ok(roles)
    }

    /// `GET /platform/v1/roles/{id}`.
    pub async fn get_role_record(&self, id: &str) -> Result<WorkivaRole> {
        self.inner
            .http
            .json(&Request::get(path(["roles", id])))
            .await
            .map_err(not_found(|| format!("role {id}")))
    }

    /// The workspace's roles, fetched once and cached.
    pub async fn roles(&self) -> Result<Arc<Vec<WorkivaRole>>> {
        if let Some(roles) = self.inner.roles.lock().await.as_ref() {
            return Ok(roles.clone());
        }
        self.refresh_roles().await
    }

    /// Re-reads the workspace's roles into the cache (after roles were
    /// added or renamed).
    pub async fn refresh_roles(&self) -> Result<Arc<Vec<WorkivaRole>>> {
        let mut cache = self.inner.roles.lock().await;
        let roles = Arc::new(self.list_role_records().await?);
        *cache = Some(roles.clone());
        Ok(roles)
    }

    /// Resolves a role by name (matched by [`pick_by_name`]): from the
    /// cache, re-reading once if the name is unknown.
    pub async fn resolve_role_name(&self, name: &str) -> Result<Role> {
        let cached = self.roles().await?;
        if let Some(role) = pick_by_name(cached.iter(), name, |r| &r.name) {
            return Ok(crate::convert::role(role));
        }
        let fresh = self.refresh_roles().await?;
        if let Some(role) = pick_by_name(fresh.iter(), name, |r| &r.name) {
            return Ok(crate::convert::role(role));
        }
        Err(Error::not_found(format!("Workiva role {name:?}")))
    }
}

/// Names the missing object in a 404 (the server's message may be generic).
fn not_found(what: impl FnOnce() -> String) -> impl FnOnce(Error) -> Error {
    move |err| match err {
        Error::NotFound { reply, .. } => Error::NotFound {
            what: what(),
            reply,
        },
        other => other,
    }
}
