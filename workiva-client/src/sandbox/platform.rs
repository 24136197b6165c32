//! The Workiva Platform API simulator (`/iam/v1/oauth2/token`, `/platform/v1`).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use identity_core::sandbox::{
    HeaderName, SimRequest, SimResponse, SimService, check_client_credentials, oauth_error, rfc3339,
};
use rand::Rng;
use serde_json::{Map, Value, json};
use tokio::time::Instant;

use crate::wire::{CreateUser, GroupChange, UpdateUser, WorkivaGroup, WorkivaRole, WorkivaUser};

/// Settings of the Platform API simulator.
#[derive(Debug, Clone)]
pub(crate) struct PlatformConfig {
    pub(crate) client_id: String,
    pub(crate) client_secret: String,
    pub(crate) granted_scopes: Vec<String>,
    pub(crate) token_ttl: Duration,
    pub(crate) workspace_id: String,
}

struct Token {
    expires_at: Instant,
    scopes: Vec<String>,
}

#[derive(Default)]
struct State {
    /// Users by creation sequence: listing order and page cursor.
    users: BTreeMap<u64, WorkivaUser>,
    seq_by_id: HashMap<String, u64>,
    id_by_email: HashMap<String, String>,
    groups: BTreeMap<u64, WorkivaGroup>,
    group_seq_by_id: HashMap<String, u64>,
    members: HashMap<String, BTreeSet<String>>,
    roles: Vec<WorkivaRole>,
    tokens: HashMap<String, Token>,
    next_seq: u64,
}

/// The simulator; see [`WorkivaSandbox`](super::WorkivaSandbox) to run it.
pub struct PlatformSim {
    config: PlatformConfig,
    state: Mutex<State>,
}

fn err(status: u16, code: &str, message: impl Into<String>) -> SimResponse {
    SimResponse::json(status, &json!({"error": code, "message": message.into()}))
}

fn now() -> String {
    rfc3339(SystemTime::now())
}

fn looks_like_email(email: &str) -> bool {
    identity_core::validate_email(email).is_ok()
}

/// A list answer, serialized straight from the stored records. The last
/// page carries `"nextPageToken": null`, as the guide shows.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct ListBody<'a, T> {
    data: Vec<&'a T>,
    next_page_token: Option<String>,
}

/// An opaque page token: the cursor and a fingerprint of the filters, so a
/// token replayed with other filters is refused like a real server would.
fn encode_token(after: u64, fingerprint: u64) -> String {
    format!("pt_{after:x}_{fingerprint:x}")
}

fn decode_token(token: &str) -> Option<(u64, u64)> {
    let rest = token.strip_prefix("pt_")?;
    let (after, fingerprint) = rest.split_once('_')?;
    Some((
        u64::from_str_radix(after, 16).ok()?,
        u64::from_str_radix(fingerprint, 16).ok()?,
    ))
}

fn fingerprint(parts: &[Option<&str>]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    parts.hash(&mut hasher);
    hasher.finish() & 0xffff_ffff
}

impl PlatformSim {
    pub(crate) fn new(config: PlatformConfig) -> Self {
        let roles = [
            ("role_ws_admin", "Workspace Admin"),
            ("role_ws_member", "Workspace Member"),
            ("role_auditor", "Auditor"),
            ("role_report_viewer", "Report Viewer"),
        ]
        .into_iter()
        .map(|(id, name)| WorkivaRole {
            id: id.into(),
            name: name.into(),
            extra: Map::new(),
        })
        .collect();
        let sim = Self {
            config,
            state: Mutex::new(State {
                roles,
                ..State::default()
            }),
        };
        {
            let mut state = sim.lock();
            for name in ["Finance", "Engineering", "Auditors"] {
                Self::insert_group(&mut state, name, None);
            }
        }
        sim
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds `count` generated users `user{n}@example.com` (every tenth
    /// inactive; every third in Finance).
    pub(crate) fn seed_users(&self, count: usize) {
        let mut state = self.lock();
        let finance = state
            .groups
            .values()
            .find(|g| g.name.as_deref() == Some("Finance"))
            .map(|g| g.id.clone());
        let start = state.users.len();
        for n in start..start + count {
            let email = format!("user{n}@example.com");
            let id = Self::insert_user(
                &mut state,
                &self.config.workspace_id,
                CreateUser {
                    email,
                    first_name: "User".into(),
                    last_name: format!("{n:06}"),
                    display_name: None,
                    active: Some(n % 10 != 9),
                    roles: Some(vec!["role_ws_member".into()]),
                    extra: Map::new(),
                },
            );
            if let (Some(group), true) = (&finance, n % 3 == 0) {
                state.members.entry(group.clone()).or_default().insert(id);
            }
        }
    }

    /// Ends every issued token now, as a revocation or an early expiry would.
    pub(crate) fn expire_credentials(&self) {
        self.lock().tokens.clear();
    }

    /// Every user, for assertions.
    pub(crate) fn users(&self) -> Vec<WorkivaUser> {
        self.lock().users.values().cloned().collect()
    }

    /// Members of a group, for assertions.
    pub(crate) fn members(&self, group: &str) -> Vec<String> {
        self.lock()
            .members
            .get(group)
            .map(|m| m.iter().cloned().collect())
            .unwrap_or_default()
    }

    fn insert_user(state: &mut State, workspace: &str, body: CreateUser) -> String {
        state.next_seq += 1;
        let seq = state.next_seq;
        let id = format!("usr_{seq:06}");
        let stamp = now();
        let user = WorkivaUser {
            id: id.clone(),
            display_name: Some(
                body.display_name
                    .unwrap_or_else(|| format!("{} {}", body.first_name, body.last_name)),
            ),
            email: Some(body.email.clone()),
            first_name: Some(body.first_name),
            last_name: Some(body.last_name),
            active: Some(body.active.unwrap_or(true)),
            roles: Some(body.roles.unwrap_or_default()),
            created_at: Some(stamp.clone()),
            updated_at: Some(stamp),
            workspace_id: Some(workspace.to_owned()),
            extra: body.extra,
        };
        state
            .id_by_email
            .insert(body.email.to_lowercase(), id.clone());
        state.seq_by_id.insert(id.clone(), seq);
        state.users.insert(seq, user);
        id
    }

    fn insert_group(state: &mut State, name: &str, description: Option<String>) -> WorkivaGroup {
        state.next_seq += 1;
        let seq = state.next_seq;
        let group = WorkivaGroup {
            id: format!("grp_{seq:06}"),
            name: Some(name.to_owned()),
            description,
            member_count: None,
            extra: Map::new(),
        };
        state.group_seq_by_id.insert(group.id.clone(), seq);
        state.groups.insert(seq, group.clone());
        group
    }

    fn issue_token(&self, req: &SimRequest) -> SimResponse {
        let request =
            match check_client_credentials(req, &self.config.client_id, &self.config.client_secret)
            {
                Ok(request) => request,
                Err(refused) => return refused,
            };
        let scopes: Vec<String> = match request.field("scope") {
            Some(requested) if !requested.trim().is_empty() => {
                let requested: Vec<String> =
                    requested.split_whitespace().map(str::to_owned).collect();
                if let Some(bad) = requested
                    .iter()
                    .find(|s| !self.config.granted_scopes.contains(s))
                {
                    return oauth_error(
                        400,
                        "invalid_scope",
                        &format!("scope {bad} is not granted to this client"),
                    );
                }
                requested
            }
            _ => self.config.granted_scopes.clone(),
        };
        let token = format!("wk_at_{:032x}", rand::rng().random::<u128>());
        let mut state = self.lock();
        let now = Instant::now();
        state.tokens.retain(|_, t| t.expires_at > now);
        state.tokens.insert(
            token.clone(),
            Token {
                expires_at: now + self.config.token_ttl,
                scopes: scopes.clone(),
            },
        );
        SimResponse::json(
            200,
            &json!({
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": self.config.token_ttl.as_secs(),
                "scope": scopes.join(" "),
            }),
        )
    }

    /// `Ok(())` if the bearer token is valid and holds `scope`.
    fn authorize(&self, state: &State, req: &SimRequest, scope: &str) -> Result<(), SimResponse> {
        let challenge = |error: &str| format!("Bearer error=\"{error}\"");
        let Some(token) = req.bearer().and_then(|t| state.tokens.get(t)) else {
            return Err(err(401, "invalid_token", "missing or unknown access token")
                .with_header(http_www_authenticate(), &challenge("invalid_token")));
        };
        if token.expires_at <= Instant::now() {
            return Err(err(401, "invalid_token", "the access token expired")
                .with_header(http_www_authenticate(), &challenge("invalid_token")));
        }
        if !token.scopes.iter().any(|s| s == scope) {
            return Err(err(
                403,
                "insufficient_scope",
                format!("this operation requires scope {scope}"),
            )
            .with_header(
                http_www_authenticate(),
                &format!("Bearer error=\"insufficient_scope\", scope=\"{scope}\""),
            ));
        }
        Ok(())
    }

    fn route(&self, req: &SimRequest, rest: &[&str]) -> SimResponse {
        let mut state = self.lock();
        let method = req.method.as_str();
        let write = !matches!(method, "GET" | "HEAD");
        let scope = match (rest.first().copied(), write) {
            (Some("users") | Some("roles"), false) => "iam:users:read",
            (Some("users"), true) => "iam:users:write",
            (Some("groups"), false) => "iam:groups:read",
            (Some("groups"), true) => "iam:groups:write",
            _ => return err(404, "not_found", format!("no route for {}", req.path)),
        };
        if let Err(denied) = self.authorize(&state, req, scope) {
            return denied;
        }
        match (method, rest) {
            ("GET", ["users"]) => self.list_users(&state, req),
            ("POST", ["users"]) => self.create_user(&mut state, req),
            ("GET", ["users", id]) => {
                match state.seq_by_id.get(*id).and_then(|s| state.users.get(s)) {
                    Some(user) => SimResponse::json(200, user),
                    None => err(404, "not_found", format!("user {id} not found")),
                }
            }
            ("PATCH", ["users", id]) => self.patch_user(&mut state, id, req),
            ("DELETE", ["users", id]) => match state.seq_by_id.remove(*id) {
                Some(seq) => {
                    if let Some(user) = state.users.remove(&seq) {
                        let email = user.email.unwrap_or_default().to_lowercase();
                        state.id_by_email.remove(&email);
                    }
                    for members in state.members.values_mut() {
                        members.remove(*id);
                    }
                    SimResponse::empty(204)
                }
                None => err(404, "not_found", format!("user {id} not found")),
            },
            ("GET", ["roles"]) => {
                let roles = state.roles.clone();
                Self::page(req, &roles, &[])
            }
            ("GET", ["roles", id]) => match state.roles.iter().find(|r| r.id == *id) {
                Some(role) => SimResponse::json(200, role),
                None => err(404, "not_found", format!("role {id} not found")),
            },
            ("GET", ["groups"]) => {
                let groups: Vec<WorkivaGroup> = state
                    .groups
                    .values()
                    .map(|g| WorkivaGroup {
                        member_count: Some(state.members.get(&g.id).map_or(0, |m| m.len() as u64)),
                        ..g.clone()
                    })
                    .collect();
                Self::page(req, &groups, &[])
            }
            ("POST", ["groups"]) => {
                let body: GroupChange = match req.json() {
                    Ok(body) => body,
                    Err(bad) => return bad,
                };
                let Some(name) = body.name.filter(|n| !n.trim().is_empty()) else {
                    return err(400, "validation_error", "name is required");
                };
                if state
                    .groups
                    .values()
                    .any(|g| g.name.as_deref() == Some(name.as_str()))
                {
                    return err(409, "conflict", format!("a group named {name:?} exists"));
                }
                let group = Self::insert_group(&mut state, &name, body.description);
                SimResponse::json(201, &group)
            }
            ("GET", ["groups", id]) => match Self::group(&state, id) {
                Some(group) => SimResponse::json(200, group),
                None => err(404, "not_found", format!("group {id} not found")),
            },
            ("PATCH", ["groups", id]) => {
                let body: GroupChange = match req.json() {
                    Ok(body) => body,
                    Err(bad) => return bad,
                };
                let Some(seq) = state.group_seq_by_id.get(*id).copied() else {
                    return err(404, "not_found", format!("group {id} not found"));
                };
                let Some(group) = state.groups.get_mut(&seq) else {
                    return err(404, "not_found", format!("group {id} not found"));
                };
                if let Some(name) = body.name {
                    group.name = Some(name);
                }
                if let Some(description) = body.description {
                    group.description = Some(description);
                }
                SimResponse::json(200, &group.clone())
            }
            ("GET", ["groups", id, "members"]) => {
                if Self::group(&state, id).is_none() {
                    return err(404, "not_found", format!("group {id} not found"));
                }
                let members: Vec<Value> = state
                    .members
                    .get(*id)
                    .map(|m| {
                        m.iter()
                            .map(|u| json!({"groupId": id, "userId": u}))
                            .collect()
                    })
                    .unwrap_or_default();
                Self::page(req, &members, &[Some(id)])
            }
            ("POST", ["groups", id, "members"]) => {
                let body: Value = match req.json() {
                    Ok(body) => body,
                    Err(bad) => return bad,
                };
                let Some(user) = body.get("userId").and_then(Value::as_str) else {
                    return err(400, "validation_error", "userId is required");
                };
                if Self::group(&state, id).is_none() {
                    return err(404, "not_found", format!("group {id} not found"));
                }
                if !state.seq_by_id.contains_key(user) {
                    return err(404, "not_found", format!("user {user} not found"));
                }
                if !state
                    .members
                    .entry((*id).to_owned())
                    .or_default()
                    .insert(user.to_owned())
                {
                    return err(409, "conflict", format!("user {user} is already a member"));
                }
                SimResponse::json(201, &json!({"groupId": id, "userId": user}))
            }
            ("DELETE", ["groups", id, "members", user]) => {
                let removed = state.members.get_mut(*id).is_some_and(|m| m.remove(*user));
                if removed {
                    SimResponse::empty(204)
                } else {
                    err(
                        404,
                        "not_found",
                        format!("user {user} is not a member of group {id}"),
                    )
                }
            }
            _ => err(
                405,
                "method_not_allowed",
                format!("{method} is not allowed on {}", req.path),
            ),
        }
    }

    fn group<'a>(state: &'a State, id: &str) -> Option<&'a WorkivaGroup> {
        state
            .group_seq_by_id
            .get(id)
            .and_then(|s| state.groups.get(s))
    }

    fn page_size(req: &SimRequest) -> Result<usize, SimResponse> {
        match req.query_get("pageSize") {
            None => Ok(100),
            Some(text) => match text.parse::<usize>() {
                Ok(n) if (1..=100).contains(&n) => Ok(n),
                _ => Err(err(
                    400,
                    "validation_error",
                    format!("pageSize must be 1..100, got {text:?}"),
                )),
            },
        }
    }

    /// Pages a small, fully materialised list (roles, groups, members): the
    /// cursor is the position of the last item served.
    fn page<T: serde::Serialize>(
        req: &SimRequest,
        items: &[T],
        filters: &[Option<&str>],
    ) -> SimResponse {
        let size = match Self::page_size(req) {
            Ok(size) => size,
            Err(bad) => return bad,
        };
        let print = fingerprint(filters);
        let start = match req.query_get("pageToken") {
            None => 0,
            Some(token) => match decode_token(token) {
                Some((after, fp)) if fp == print => after as usize,
                _ => return err(400, "validation_error", "invalid pageToken"),
            },
        };
        let end = (start + size).min(items.len());
        let next = (end < items.len()).then(|| encode_token(end as u64, print));
        let data: Vec<&T> = items[start.min(end)..end].iter().collect();
        SimResponse::json(
            200,
            &ListBody {
                data,
                next_page_token: next,
            },
        )
    }

    fn list_users(&self, state: &State, req: &SimRequest) -> SimResponse {
        let size = match Self::page_size(req) {
            Ok(size) => size,
            Err(bad) => return bad,
        };
        let email = req.query_get("email");
        let since = req.query_get("updatedAt");
        let print = fingerprint(&[email, since]);
        let after = match req.query_get("pageToken") {
            None => 0,
            Some(token) => match decode_token(token) {
                Some((after, fp)) if fp == print => after,
                _ => return err(400, "validation_error", "invalid pageToken"),
            },
        };
        if let Some(email) = email {
            let user = state
                .id_by_email
                .get(&email.to_lowercase())
                .and_then(|id| state.seq_by_id.get(id))
                .and_then(|seq| state.users.get(seq));
            let data: Vec<&WorkivaUser> = user.into_iter().collect();
            return SimResponse::json(
                200,
                &ListBody {
                    data,
                    next_page_token: None,
                },
            );
        }
        let mut data = Vec::with_capacity(size);
        let mut last = after;
        let mut more = false;
        for (seq, user) in state.users.range(after + 1..) {
            if since.is_some_and(|s| user.updated_at.as_deref().is_none_or(|u| u < s)) {
                continue;
            }
            if data.len() == size {
                more = true;
                break;
            }
            data.push(user);
            last = *seq;
        }
        // The last page carries `"nextPageToken": null`, as the guide shows.
        let next = more.then(|| encode_token(last, print));
        SimResponse::json(
            200,
            &ListBody {
                data,
                next_page_token: next,
            },
        )
    }

    fn create_user(&self, state: &mut State, req: &SimRequest) -> SimResponse {
        let body: CreateUser = match req.json() {
            Ok(body) => body,
            Err(bad) => return bad,
        };
        if !looks_like_email(&body.email) {
            return err(
                400,
                "validation_error",
                format!("email {:?} is not a valid email address", body.email),
            );
        }
        for (field, value) in [
            ("firstName", &body.first_name),
            ("lastName", &body.last_name),
        ] {
            if value.trim().is_empty() {
                return err(400, "validation_error", format!("{field} is required"));
            }
        }
        if let Some(bad) = body
            .roles
            .iter()
            .flatten()
            .find(|r| !state.roles.iter().any(|k| &k.id == *r))
        {
            return err(400, "validation_error", format!("unknown role {bad}"));
        }
        if state.id_by_email.contains_key(&body.email.to_lowercase()) {
            return err(
                409,
                "conflict",
                format!("a user with email {} already exists", body.email),
            );
        }
        let email = body.email.clone();
        let id = Self::insert_user(state, &self.config.workspace_id, body);
        let created = state.seq_by_id.get(&id).and_then(|s| state.users.get(s));
        // The guide's answer is partial: id, email, active, createdAt.
        SimResponse::json(
            201,
            &json!({
                "id": id,
                "email": email,
                "active": created.and_then(|u| u.active).unwrap_or(true),
                "createdAt": created.and_then(|u| u.created_at.clone()),
            }),
        )
    }

    fn patch_user(&self, state: &mut State, id: &str, req: &SimRequest) -> SimResponse {
        let body: UpdateUser = match req.json() {
            Ok(body) => body,
            Err(bad) => return bad,
        };
        let Some(seq) = state.seq_by_id.get(id).copied() else {
            return err(404, "not_found", format!("user {id} not found"));
        };
        if let Some(email) = &body.email {
            if !looks_like_email(email) {
                return err(
                    400,
                    "validation_error",
                    format!("email {email:?} is not a valid email address"),
                );
            }
            if state
                .id_by_email
                .get(&email.to_lowercase())
                .is_some_and(|owner| owner != id)
            {
                return err(
                    409,
                    "conflict",
                    format!("a user with email {email} already exists"),
                );
            }
        }
        for (field, value) in [
            ("firstName", &body.first_name),
            ("lastName", &body.last_name),
        ] {
            if value.as_ref().is_some_and(|v| v.trim().is_empty()) {
                return err(400, "validation_error", format!("{field} may not be empty"));
            }
        }
        if let Some(bad) = body
            .roles
            .iter()
            .flatten()
            .find(|r| !state.roles.iter().any(|k| &k.id == *r))
        {
            return err(400, "validation_error", format!("unknown role {bad}"));
        }
        let Some(user) = state.users.get_mut(&seq) else {
            return err(404, "not_found", format!("user {id} not found"));
        };
        let old_email = user.email.clone().unwrap_or_default().to_lowercase();
        let mut echo = Map::new();
        echo.insert("id".into(), json!(id));
        macro_rules! apply {
            ($($field:ident => $key:literal),*) => {$(
                if let Some(value) = body.$field.clone() {
                    echo.insert($key.into(), json!(value));
                    user.$field = Some(value);
                }
            )*};
        }
        apply!(email => "email", first_name => "firstName", last_name => "lastName",
               display_name => "displayName", active => "active", roles => "roles");
        for (key, value) in body.extra {
            echo.insert(key.clone(), value.clone());
            user.extra.insert(key, value);
        }
        let stamp = now();
        user.updated_at = Some(stamp.clone());
        echo.insert("updatedAt".into(), json!(stamp));
        if let Some(email) = body.email {
            state.id_by_email.remove(&old_email);
            state
                .id_by_email
                .insert(email.to_lowercase(), id.to_owned());
        }
        // The guide's answer is partial: the id, what changed, updatedAt.
        SimResponse::json(200, &Value::Object(echo))
    }
}

fn http_www_authenticate() -> HeaderName {
    HeaderName::from_static("www-authenticate")
}

impl SimService for PlatformSim {
    fn handles(&self, req: &SimRequest) -> bool {
        req.after(&["iam", "v1", "oauth2", "token"]).is_some()
            || req.after(&["platform", "v1"]).is_some()
    }

    fn handle(&self, req: &SimRequest) -> SimResponse {
        if let Some(rest) = req.after(&["iam", "v1", "oauth2", "token"]) {
            return if rest.is_empty() && req.method.as_str() == "POST" {
                self.issue_token(req)
            } else {
                err(405, "method_not_allowed", "use POST")
            };
        }
        match req.after(&["platform", "v1"]) {
            Some(rest) => self.route(req, &rest),
            None => err(404, "not_found", "no route"),
        }
    }
}
