//! [`WorkfrontClient`]: configuration, authentication, search, users, lookups.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use identity_core::ClientSettings;
use identity_core::ResultStream;
use identity_core::backend::classify::{ErrorClassifier, default_error, message_from_body};
use identity_core::backend::env::non_empty_var;
use identity_core::backend::http::{
    Auth, AuthScheme, HeaderMap, HeaderName, HttpClient, Method, Request, TransportConfig,
};
use identity_core::backend::oauth::{ClientCredentials, ScopeSeparator};
use identity_core::backend::paginate::{OffsetPlan, offset_pages};
use identity_core::backend::token::TokenCache;
use identity_core::backend::url::parse_base_url;
use identity_core::{AccessToken, TokenSource};
use identity_core::{Error, Idempotency, Page, Result};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::Mutex;
use url::Url;

use crate::models::{Count, Envelope, NamedObject, WorkfrontUser};
use crate::search::{Modifier, Search};

/// Default API version.
pub const DEFAULT_API_VERSION: &str = "18.0";
/// The largest `$$LIMIT` the API serves.
pub const MAX_LIMIT: u32 = 2000;
/// The default Adobe IMS token endpoint.
pub const DEFAULT_IMS_URL: &str = "https://ims-na1.adobelogin.com/ims/token/v3";
/// The scopes a server-to-server integration asks for.
pub const IMS_SCOPES: [&str; 2] = ["openid", "workfront.full_access"];
/// The user fields asked for by default.
pub const USER_FIELDS: &str = "ID,username,emailAddr,firstName,lastName,title,isActive,accessLevelID,homeGroupID,roleID,ssoUsername,lastUpdateDate";

/// How the client authenticates.
#[derive(Clone)]
pub enum WorkfrontAuth {
    /// Legacy session login: username + password → `sessionID` header.
    Session {
        /// Login name.
        username: String,
        /// Password.
        password: SecretString,
    },
    /// Adobe IMS OAuth server-to-server: bearer token.
    Ims {
        /// Integration client id.
        client_id: String,
        /// Integration client secret.
        client_secret: SecretString,
        /// Token URL or its base (default [`DEFAULT_IMS_URL`]).
        token_url: Option<String>,
        /// Scopes (default [`IMS_SCOPES`]).
        scopes: Vec<String>,
    },
}

impl std::fmt::Debug for WorkfrontAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WorkfrontAuth::Session { username, .. } => f
                .debug_struct("Session")
                .field("username", username)
                .field("password", &"***")
                .finish(),
            WorkfrontAuth::Ims {
                client_id,
                token_url,
                scopes,
                ..
            } => f
                .debug_struct("Ims")
                .field("client_id", client_id)
                .field("client_secret", &"***")
                .field("token_url", token_url)
                .field("scopes", scopes)
                .finish(),
        }
    }
}

/// Builder for [`WorkfrontClient`].
#[derive(Debug, Clone)]
#[must_use]
pub struct WorkfrontClientBuilder {
    base_url: Option<String>,
    api_version: String,
    auth: Option<WorkfrontAuth>,
    settings: ClientSettings,
    page_limit: u32,
    concurrency: usize,
    count_first: bool,
    default_access_level: Option<String>,
    token_skew: Duration,
}

impl Default for WorkfrontClientBuilder {
    fn default() -> Self {
        Self {
            base_url: None,
            api_version: DEFAULT_API_VERSION.into(),
            auth: None,
            settings: ClientSettings::with_default_timeout(Duration::from_secs(60)),
            page_limit: MAX_LIMIT,
            concurrency: 4,
            count_first: false,
            default_access_level: None,
            token_skew: Duration::from_secs(60),
        }
    }
}

impl WorkfrontClientBuilder {
    /// Instance URL, e.g. `https://acme.my.workfront.com`.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }
    /// API version, `18.0` or `v18.0` (default `18.0`).
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = version.into();
        self
    }
    /// Session login.
    pub fn session_login(mut self, username: impl Into<String>, password: SecretString) -> Self {
        self.auth = Some(WorkfrontAuth::Session {
            username: username.into(),
            password,
        });
        self
    }
    /// Adobe IMS server-to-server OAuth with the default token URL and scopes.
    pub fn ims(mut self, client_id: impl Into<String>, client_secret: SecretString) -> Self {
        self.auth = Some(WorkfrontAuth::Ims {
            client_id: client_id.into(),
            client_secret,
            token_url: None,
            scopes: IMS_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
        });
        self
    }
    /// Any auth mode.
    pub fn auth(mut self, auth: WorkfrontAuth) -> Self {
        self.auth = Some(auth);
        self
    }
    /// Timeouts, retries and rate limit, starting from this client's
    /// defaults (60 s per attempt): `.configure(|s| s.with_retry(policy))`.
    pub fn configure(mut self, configure: impl FnOnce(ClientSettings) -> ClientSettings) -> Self {
        self.settings = configure(self.settings);
        self
    }

    /// `$$LIMIT` of listings, clamped to 1..=2000 (default 2000).
    pub fn page_limit(mut self, limit: u32) -> Self {
        self.page_limit = limit.clamp(1, MAX_LIMIT);
        self
    }
    /// Pages fetched at once by listings (default 4).
    pub fn concurrency(mut self, pages: usize) -> Self {
        self.concurrency = pages.max(1);
        self
    }
    /// Ask `{objCode}/count` before listing, so concurrent pages stop exactly
    /// at the end (default off: one round trip saved, at most
    /// `concurrency - 1` empty pages asked for).
    pub fn count_first(mut self, on: bool) -> Self {
        self.count_first = on;
        self
    }
    /// The access level (by name) new users get when none is given.
    pub fn default_access_level(mut self, name: impl Into<String>) -> Self {
        self.default_access_level = Some(name.into());
        self
    }
    /// Refresh IMS tokens this long before they expire (default 60 s).
    pub fn token_refresh_skew(mut self, skew: Duration) -> Self {
        self.token_skew = skew;
        self
    }

    /// Reads `WORKFRONT_BASE_URL`, `WORKFRONT_API_VERSION`, the credentials
    /// (`WORKFRONT_USERNAME` + `WORKFRONT_PASSWORD`, or
    /// `WORKFRONT_IMS_CLIENT_ID` + `WORKFRONT_IMS_CLIENT_SECRET` with optional
    /// `WORKFRONT_IMS_URL`) and `WORKFRONT_DEFAULT_ACCESS_LEVEL`.
    pub fn from_env(mut self) -> Result<Self> {
        let var = non_empty_var;
        if let Some(url) = var("WORKFRONT_BASE_URL") {
            self.base_url = Some(url);
        }
        if let Some(version) = var("WORKFRONT_API_VERSION") {
            self.api_version = version;
        }
        if let Some(level) = var("WORKFRONT_DEFAULT_ACCESS_LEVEL") {
            self.default_access_level = Some(level);
        }
        self.auth = match (
            var("WORKFRONT_IMS_CLIENT_ID"),
            var("WORKFRONT_IMS_CLIENT_SECRET"),
            var("WORKFRONT_USERNAME"),
            var("WORKFRONT_PASSWORD"),
        ) {
            (Some(client_id), Some(secret), _, _) => Some(WorkfrontAuth::Ims {
                client_id,
                client_secret: SecretString::from(secret),
                token_url: var("WORKFRONT_IMS_URL"),
                scopes: IMS_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
            }),
            (_, _, Some(username), Some(password)) => Some(WorkfrontAuth::Session {
                username,
                password: SecretString::from(password),
            }),
            _ => None,
        };
        Ok(self)
    }

    /// Validates the configuration and builds the client. Sends nothing.
    pub fn build(self) -> Result<WorkfrontClient> {
        let base_text = self
            .base_url
            .ok_or_else(|| Error::config("Workfront base URL is missing (WORKFRONT_BASE_URL)"))?;
        let base = parse_base_url(&base_text)?;
        let version = normalize_version(&self.api_version)?;
        let auth = self.auth.ok_or_else(|| {
            Error::config(
                "Workfront credentials are missing: set WORKFRONT_USERNAME + WORKFRONT_PASSWORD \
                 or WORKFRONT_IMS_CLIENT_ID + WORKFRONT_IMS_CLIENT_SECRET",
            )
        })?;
        let config = TransportConfig::with_settings(base.clone(), &self.settings);
        let classifier: Arc<dyn ErrorClassifier> = Arc::new(WorkfrontErrors);
        let auth = match auth {
            WorkfrontAuth::Session { username, password } => Auth {
                cache: TokenCache::new(
                    Arc::new(SessionLogin {
                        http: HttpClient::new(config.clone(), None, classifier.clone())?,
                        version: version.clone(),
                        username,
                        password,
                    }),
                    self.token_skew,
                ),
                scheme: AuthScheme::Header(HeaderName::from_static("sessionid")),
            },
            WorkfrontAuth::Ims {
                client_id,
                client_secret,
                token_url,
                scopes,
            } => {
                let (ims_base, token_path) =
                    split_ims_url(token_url.as_deref().unwrap_or(DEFAULT_IMS_URL))?;
                let mut ims_config = config.clone();
                ims_config.base_url = ims_base;
                let token_http = HttpClient::new(ims_config, None, classifier.clone())?;
                let path: Vec<&str> = token_path.iter().map(String::as_str).collect();
                let source = ClientCredentials::new(
                    token_http,
                    &path,
                    client_id,
                    client_secret,
                    scopes,
                    ScopeSeparator::Comma,
                );
                Auth {
                    cache: TokenCache::new(Arc::new(source), self.token_skew),
                    scheme: AuthScheme::Bearer,
                }
            }
        };
        let http = HttpClient::new(config, Some(auth), classifier)?;
        Ok(WorkfrontClient {
            inner: Arc::new(Inner {
                http,
                base,
                version,
                page_limit: self.page_limit,
                concurrency: self.concurrency,
                count_first: self.count_first,
                default_access_level: self.default_access_level,
                lookups: Mutex::new(HashMap::new()),
            }),
        })
    }
}

/// `18.0` or `v18.0` → `v18.0`; anything else is a configuration error.
fn normalize_version(text: &str) -> Result<String> {
    let bare = text.trim().trim_start_matches(['v', 'V']);
    let valid = bare.split_once('.').is_some_and(|(major, minor)| {
        !major.is_empty()
            && !minor.is_empty()
            && major.bytes().all(|b| b.is_ascii_digit())
            && minor.bytes().all(|b| b.is_ascii_digit())
    });
    if valid {
        Ok(format!("v{bare}"))
    } else {
        Err(Error::config(format!(
            "Workfront API version {text:?} is not of the form 18.0 or v18.0"
        )))
    }
}

/// `WORKFRONT_IMS_URL` may be the full token URL or its base.
fn split_ims_url(text: &str) -> Result<(Url, Vec<String>)> {
    let url = parse_base_url(text)?;
    let segments: Vec<String> = url
        .path_segments()
        .map(|s| s.filter(|s| !s.is_empty()).map(str::to_owned).collect())
        .unwrap_or_default();
    let token_path = ["ims", "token", "v3"];
    if segments.len() >= 3 && segments[segments.len() - 3..] == token_path {
        let mut base = url;
        base.set_path(&segments[..segments.len() - 3].join("/"));
        Ok((base, token_path.iter().map(|s| (*s).to_owned()).collect()))
    } else {
        Ok((url, token_path.iter().map(|s| (*s).to_owned()).collect()))
    }
}

/// Session login: `POST /attask/api/{ver}/login` → `sessionID`.
struct SessionLogin {
    http: HttpClient,
    version: String,
    username: String,
    password: SecretString,
}

#[async_trait]
impl TokenSource for SessionLogin {
    async fn fetch_token(&self) -> Result<AccessToken> {
        #[derive(serde::Deserialize)]
        struct Session {
            #[serde(rename = "sessionID")]
            session_id: SecretString,
        }
        let request = Request::new(
            Method::POST,
            ["attask", "api", self.version.as_str(), "login"],
        )
        .form([
            ("username", self.username.as_str()),
            ("password", self.password.expose_secret()),
        ])
        // Logging in twice is harmless.
        .idempotency(Idempotency::MarkedSafe)
        .unauthenticated();
        let session: Envelope<Session> =
            self.http.json(&request).await.map_err(|err| match err {
                Error::Unauthorized { reply, .. } | Error::Validation { reply, .. } => {
                    Error::Unauthorized {
                        message: format!("Workfront refused the login of {}", self.username),
                        reply,
                    }
                }
                other => other,
            })?;
        // Workfront does not announce a lifetime: the session is renewed on 401.
        Ok(AccessToken::new(session.data.session_id, None))
    }
}

/// Workfront's error envelope `{"error": {"class", "message"}}`; a
/// uniqueness failure (only `username` is unique) is a conflict.
struct WorkfrontErrors;

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

struct Inner {
    http: HttpClient,
    base: Url,
    version: String,
    page_limit: u32,
    concurrency: usize,
    count_first: bool,
    default_access_level: Option<String>,
    lookups: Mutex<HashMap<(&'static str, String), NamedObject>>,
}

/// A Workfront REST API client; cheap to clone.
#[derive(Clone)]
pub struct WorkfrontClient {
    inner: Arc<Inner>,
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
    /// Starts a builder.
    pub fn builder() -> WorkfrontClientBuilder {
        WorkfrontClientBuilder::default()
    }

    /// A client configured from the environment (see
    /// [`WorkfrontClientBuilder::from_env`]).
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

    /// `GET {objCode}/count`.
    pub async fn count(&self, search: &Search) -> Result<u64> {
        let request = Request::get(self.api_path([search.obj_code(), "count"])).queries(
            search
                .query_pairs()
                .into_iter()
                .filter(|(k, _)| k != "fields"),
        );
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
            let base = Request::get(client.api_path([search.obj_code(), "search"]))
                .queries(search.query_pairs());
            Ok::<_, Error>(offset_pages(plan, move |first, limit| {
                let request = base
                    .clone()
                    .query("$$FIRST", first.to_string())
                    .query("$$LIMIT", limit.to_string());
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
    pub async fn get_user_raw(&self, id: &str) -> Result<WorkfrontUser> {
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
    pub async fn create_user_raw(&self, body: &Value) -> Result<WorkfrontUser> {
        let request = Request::new(Method::POST, self.api_path(["user"]))
            .query("fields", USER_FIELDS)
            .json(body)?;
        self.data(&request).await
    }

    /// `PUT /user/{id}` with only the fields to change (never PATCH).
    pub async fn update_user_raw(&self, id: &str, body: &Value) -> Result<WorkfrontUser> {
        let request = Request::new(Method::PUT, self.api_path(["user", id]))
            .query("fields", USER_FIELDS)
            .json(body)?;
        self.data(&request)
            .await
            .map_err(name_not_found(|| format!("Workfront user {id}")))
    }

    /// `DELETE /user/{id}`: permanent; the trait method demands confirmation.
    pub(crate) async fn delete_user_raw(&self, id: &str) -> Result<()> {
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
        let exact = matches.iter().position(|m| m.name == name.trim());
        let found = match (exact, matches.len()) {
            (Some(i), _) => matches.into_iter().nth(i),
            (None, 1) => matches.into_iter().next(),
            _ => None,
        }
        .ok_or_else(|| Error::not_found(format!("Workfront {} {name:?}", describe(obj_code))))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(normalize_version("18.0").unwrap(), "v18.0");
        assert_eq!(normalize_version("v19.1").unwrap(), "v19.1");
        for bad in ["", "18", "v", "18.x", "../18.0", "18.0/x"] {
            assert!(normalize_version(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ims_url_full_or_base() {
        let (base, path) = split_ims_url("https://ims-na1.adobelogin.com/ims/token/v3").unwrap();
        assert_eq!(base.as_str(), "https://ims-na1.adobelogin.com/");
        assert_eq!(path, ["ims", "token", "v3"]);
        let (base, path) = split_ims_url("http://127.0.0.1:9/prefix").unwrap();
        assert_eq!(base.as_str(), "http://127.0.0.1:9/prefix");
        assert_eq!(path, ["ims", "token", "v3"]);
        assert!(split_ims_url("http://ims.example.com").is_err());
    }

    #[test]
    fn auth_debug_hides_secrets() {
        let auth = WorkfrontAuth::Session {
            username: "admin".into(),
            password: SecretString::from("pw-canary-77"),
        };
        let ims = WorkfrontAuth::Ims {
            client_id: "cid".into(),
            client_secret: SecretString::from("ims-canary-88"),
            token_url: None,
            scopes: vec![],
        };
        let shown = format!("{auth:?} {ims:?}");
        assert!(!shown.contains("pw-canary-77") && !shown.contains("ims-canary-88"));
    }
}
