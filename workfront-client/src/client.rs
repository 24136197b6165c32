//! [`WorkfrontClient`]: the endpoints (search, users, look-ups) and how
//! Workfront's error answers are read.

use std::collections::HashMap;
use std::sync::Arc;

use futures::StreamExt;
use identity_core::ResultStream;
use identity_core::backend::classify::{ErrorClassifier, default_error, message_from_body};
use identity_core::backend::http::{AuthScheme, HeaderMap, HttpClient, Method, Request};
use identity_core::backend::paginate::{OffsetPlan, offset_pages};
use identity_core::{Error, Idempotency, Page, Result, pick_by_name};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::Mutex;
use url::Url;

use crate::builder::WorkfrontClientBuilder;
use crate::search::{Modifier, Search};
use crate::wire::{Count, CreateUser, Envelope, NamedObject, NewUserLink, UserLink, WorkfrontUser};

/// Default API version.
pub const DEFAULT_API_VERSION: &str = "18.0";
/// The largest `$$LIMIT` the API serves.
pub const MAX_LIMIT: u32 = 2000;
/// The user fields asked for by default.
pub const USER_FIELDS: &str = "ID,username,emailAddr,firstName,lastName,title,isActive,accessLevelID,homeGroupID,roleID,ssoUsername,lastUpdateDate,lastLoginDate,entryDate,phoneNumber,mobilePhoneNumber,timeZone,locale,costPerHour,scheduleID,companyID,userGroups:groupID,userRoles:roleID";

/// The longest URL a read is sent as a `GET`; longer ones go as `POST`
/// with `method=GET` (servers and proxies refuse URLs of around 8 KiB).
pub const MAX_URL_BYTES: usize = 8_000;

/// Workfront's error envelope `{"error": {"class", "message"}}`; a
/// uniqueness failure (only `username` is unique) is a conflict.
pub(crate) struct WorkfrontErrors;

impl ErrorClassifier for WorkfrontErrors {
    fn classify(&self, status: u16, headers: &HeaderMap, body: &[u8]) -> Error {
        let message = message_from_body(body);
        let lower = message.as_deref().unwrap_or("").to_ascii_lowercase();
        let uniqueness = ["unique", "already exists", "duplicate", "already in use"]
            .iter()
            .any(|w| lower.contains(w));
        match default_error(status, headers, body, message) {
            Error::Validation { message, reply } if uniqueness => {
                Error::Conflict { message, reply }
            }
            other => other,
        }
    }
}

pub(crate) struct Inner {
    pub(crate) http: HttpClient,
    pub(crate) base: Url,
    pub(crate) version: String,
    pub(crate) page_limit: u32,
    pub(crate) concurrency: usize,
    pub(crate) count_first: bool,
    pub(crate) default_access_level: Option<String>,
    pub(crate) lookups: Mutex<HashMap<(&'static str, String), NamedObject>>,
    /// The connection name users are labelled with.
    pub(crate) connection: Option<String>,
}

/// A Workfront REST API client; cheap to clone.
#[derive(Clone)]
pub struct WorkfrontClient {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for WorkfrontClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkfrontClient")
            .field("base_url", &self.inner.base.as_str())
            .field("version", &self.inner.version)
            .finish_non_exhaustive()
    }
}

/// How a listing pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListOptions {
    /// `$$LIMIT` per page (at most 2000).
    pub limit: u32,
    /// Pages in flight at once.
    pub concurrency: usize,
    /// Ask `{objCode}/count` first, so concurrent pages stop exactly at the
    /// end (one extra request; otherwise up to `concurrency - 1` pages past
    /// the end are asked for and come back empty).
    pub count_first: bool,
}

impl WorkfrontClient {
    /// Labels a user read through this client with its connection name.
    pub(crate) fn tag(&self, mut user: identity_core::User) -> identity_core::User {
        user.connection.clone_from(&self.inner.connection);
        user
    }

    /// Starts a builder: the instance URL and one way to sign in (session
    /// login, Adobe IMS or an API key). Building sends nothing.
    ///
    /// ```
    /// use secrecy::SecretString;
    /// use workfront_client::WorkfrontClient;
    ///
    /// # fn main() -> identity_core::Result<()> {
    /// let workfront = WorkfrontClient::builder()
    ///     .base_url("https://example.my.workfront.com")
    ///     .ims("my-ims-client-id", SecretString::from("my-ims-secret"))
    ///     .default_access_level("Standard")
    ///     .build()?;
    /// assert_eq!(workfront.default_access_level(), Some("Standard"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn builder() -> WorkfrontClientBuilder {
        WorkfrontClientBuilder::default()
    }

    /// A client configured from the environment (see
    /// [`WorkfrontClientBuilder::from_env`]).
    ///
    /// ```no_run
    /// use identity_core::UserDirectory;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> identity_core::Result<()> {
    /// let workfront = workfront_client::WorkfrontClient::from_env()?;
    /// if let Some(jane) = workfront.find_user_by_email("jane@example.com").await? {
    ///     println!("{} is {}", jane.email, if jane.active { "active" } else { "inactive" });
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_env() -> Result<Self> {
        Self::builder().from_env()?.build()
    }

    /// The instance URL.
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// The API version segment, e.g. `v18.0`.
    pub fn api_version(&self) -> &str {
        &self.inner.version
    }

    /// The shared transport.
    pub fn http(&self) -> &HttpClient {
        &self.inner.http
    }

    /// The listing options of this client, as configured.
    pub fn list_options(&self) -> ListOptions {
        ListOptions {
            limit: self.inner.page_limit,
            concurrency: self.inner.concurrency,
            count_first: self.inner.count_first,
        }
    }

    /// Path segments under `/attask/api/{version}/`.
    pub(crate) fn api_path<I, S>(&self, rest: I) -> Vec<String>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        [
            "attask".to_owned(),
            "api".to_owned(),
            self.inner.version.clone(),
        ]
        .into_iter()
        .chain(rest.into_iter().map(Into::into))
        .collect()
    }

    /// Sends a request and unwraps `{"data": ...}`.
    pub(crate) async fn data<T: DeserializeOwned>(&self, request: &Request) -> Result<T> {
        Ok(self.inner.http.json::<Envelope<T>>(request).await?.data)
    }

    /// A read of `path` with these parameters: a `GET`, or, when the URL
    /// would pass [`MAX_URL_BYTES`] (long `in` lists), a `POST` with
    /// `method=GET` and the parameters form-encoded, as the API accepts.
    pub(crate) fn read_request(&self, path: Vec<String>, params: Vec<(String, String)>) -> Request {
        let encoded: usize = params
            .iter()
            .map(|(k, v)| {
                let len = |text: &str| {
                    url::form_urlencoded::byte_serialize(text.as_bytes())
                        .map(str::len)
                        .sum::<usize>()
                };
                len(k) + len(v) + 2
            })
            .sum();
        let url_bytes = self.inner.base.as_str().len()
            + path.iter().map(|p| p.len() + 1).sum::<usize>()
            + encoded;
        if url_bytes <= MAX_URL_BYTES {
            return Request::get(path).queries(params);
        }
        let form = params
            .into_iter()
            .chain([("method".to_owned(), "GET".to_owned())]);
        Request::new(Method::POST, path)
            .form(form)
            // A read sent as POST: repeating it changes nothing.
            .idempotency(Idempotency::MarkedSafe)
    }

    /// `GET {objCode}/count`.
    pub async fn count(&self, search: &Search) -> Result<u64> {
        let params = search
            .query_pairs()
            .into_iter()
            .filter(|(k, _)| k != "fields")
            .collect();
        let request = self.read_request(self.api_path([search.obj_code(), "count"]), params);
        Ok(self.data::<Count>(&request).await?.count)
    }

    /// `GET {objCode}/search` as a stream of pages over `$$FIRST` /
    /// `$$LIMIT`, several pages in flight, yielded in order.
    pub fn search_pages<T>(
        &self,
        search: &Search,
        options: ListOptions,
    ) -> ResultStream<'static, Page<T>>
    where
        T: DeserializeOwned + Send + 'static,
    {
        let client = self.clone();
        let search = search.clone();
        let limit = options.limit.clamp(1, MAX_LIMIT);
        futures::stream::once(async move {
            let known_total = if options.count_first {
                Some(client.count(&search).await?)
            } else {
                None
            };
            let plan = OffsetPlan {
                page_size: u64::from(limit),
                concurrency: options.concurrency,
                known_total,
            };
            let path = client.api_path([search.obj_code(), "search"]);
            let params = search.query_pairs();
            Ok::<_, Error>(offset_pages(plan, move |first, limit| {
                let mut page = params.clone();
                page.push(("$$FIRST".into(), first.to_string()));
                page.push(("$$LIMIT".into(), limit.to_string()));
                let request = client.read_request(path.clone(), page);
                let client = client.clone();
                async move { client.data::<Vec<T>>(&request).await }
            }))
        })
        .flat_map(|pages| match pages {
            Ok(pages) => pages,
            Err(err) => futures::stream::once(async move { Err(err) }).boxed(),
        })
        .boxed()
    }

    /// Every match of a search, collected (for small result sets: lookups).
    pub async fn search_all<T>(&self, search: &Search) -> Result<Vec<T>>
    where
        T: DeserializeOwned + Send + 'static,
    {
        let options = ListOptions {
            limit: MAX_LIMIT,
            concurrency: 1,
            count_first: false,
        };
        let mut pages = self.search_pages::<T>(search, options);
        let mut all = Vec::new();
        while let Some(page) = pages.next().await {
            all.extend(page?.items);
        }
        Ok(all)
    }

    /// `GET /user/{id}?fields=…`.
    pub async fn get_user_record(&self, id: &str) -> Result<WorkfrontUser> {
        let request = Request::get(self.api_path(["user", id])).query("fields", USER_FIELDS);
        self.data(&request)
            .await
            .map_err(name_not_found(|| format!("Workfront user {id}")))
    }

    /// Users whose email matches, ignoring case (`emailAddr_Mod=cieq`).
    pub async fn find_users_by_email(&self, email: &str) -> Result<Vec<WorkfrontUser>> {
        let search = Search::new("user")
            .filter("emailAddr", Modifier::Cieq, email.trim())
            .fields(USER_FIELDS.split(','));
        self.search_all(&search).await
    }

    /// `POST /user` with a raw body; answers with [`USER_FIELDS`].
    pub async fn create_user_record(&self, body: &CreateUser) -> Result<WorkfrontUser> {
        let request = Request::new(Method::POST, self.api_path(["user"]))
            .query("fields", USER_FIELDS)
            .json(body)?;
        self.data(&request).await
    }

    /// `PUT /user/{id}` with only the fields to change (never PATCH).
    pub async fn update_user_record<B: Serialize + ?Sized>(
        &self,
        id: &str,
        body: &B,
    ) -> Result<WorkfrontUser> {
        let request = Request::new(Method::PUT, self.api_path(["user", id]))
            .query("fields", USER_FIELDS)
            .json(body)?;
        self.data(&request)
            .await
            .map_err(name_not_found(|| format!("Workfront user {id}")))
    }

    /// `POST /{usrgps|usrrol}`: a user's other group or other role.
    pub async fn create_link(&self, obj_code: &str, link: &NewUserLink) -> Result<UserLink> {
        let request = Request::new(Method::POST, self.api_path([obj_code]))
            .query("fields", "ID,groupID,roleID")
            .json(link)?;
        self.data(&request).await
    }

    /// `DELETE /{usrgps|usrrol}/{id}`: removes one such link.
    pub async fn delete_link(&self, obj_code: &str, id: &str) -> Result<()> {
        let request = Request::new(Method::DELETE, self.api_path([obj_code, id]));
        let _: serde_json::Value = self.data(&request).await?;
        Ok(())
    }

    /// Ends the session (`POST /logout`) if this client signed in with one
    /// and holds it; nothing otherwise. The next call signs in again.
    pub async fn logout(&self) -> Result<()> {
        let Some(auth) = self.inner.http.auth() else {
            return Ok(());
        };
        let session = matches!(&auth.scheme, AuthScheme::Header(name) if name == "sessionid");
        if !session || !auth.cache.is_holding().await {
            return Ok(());
        }
        let request = Request::new(Method::POST, self.api_path(["logout"]))
            // Logging out twice is harmless.
            .idempotency(Idempotency::MarkedSafe);
        let outcome = self.inner.http.send(&request).await.map(drop);
        auth.cache.forget().await;
        outcome
    }

    /// `DELETE /user/{id}`: permanent; the trait method demands confirmation.
    pub(crate) async fn delete_user_record(&self, id: &str) -> Result<()> {
        let request = Request::new(Method::DELETE, self.api_path(["user", id]));
        self.inner
            .http
            .send(&request)
            .await
            .map_err(name_not_found(|| format!("Workfront user {id}")))?;
        Ok(())
    }

    /// Resolves a named object (`accesslevel`, `group`, `role`) through
    /// `{objCode}/search`, cached per client. An unknown name is a
    /// [`Error::NotFound`] naming it.
    pub async fn lookup(&self, obj_code: &'static str, name: &str) -> Result<NamedObject> {
        let key = (obj_code, name.trim().to_lowercase());
        if let Some(found) = self.inner.lookups.lock().await.get(&key) {
            return Ok(found.clone());
        }
        let search = Search::new(obj_code)
            .filter("name", Modifier::Cieq, name.trim())
            .fields(["ID", "name"]);
        let matches: Vec<NamedObject> = self.search_all(&search).await?;
        let found = pick_by_name(matches, name, |m| &m.name).ok_or_else(|| {
            Error::not_found(format!("Workfront {} {name:?}", describe(obj_code)))
        })?;
        self.inner.lookups.lock().await.insert(key, found.clone());
        Ok(found)
    }

    /// Forgets cached lookups (after renaming objects, say).
    pub async fn clear_lookup_cache(&self) {
        self.inner.lookups.lock().await.clear();
    }

    /// The configured default access level name, if any.
    pub fn default_access_level(&self) -> Option<&str> {
        self.inner.default_access_level.as_deref()
    }
}

fn describe(obj_code: &str) -> &str {
    match obj_code {
        "accesslevel" => "access level",
        "role" => "job role",
        other => other,
    }
}

/// Names the missing object in a 404.
pub(crate) fn name_not_found(what: impl FnOnce() -> String) -> impl FnOnce(Error) -> Error {
    move |err| match err {
        Error::NotFound { reply, .. } => Error::NotFound {
            what: what(),
            reply,
        },
        other => other,
    }
}
