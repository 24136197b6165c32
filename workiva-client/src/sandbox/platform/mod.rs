//! The Workiva Platform API simulator (`/iam/v1/oauth2/token`, `/platform/v1`):
//! the state and the router here, one module per resource beside it.

mod auth;
mod groups;
mod users;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use identity_core::sandbox::{
    SimAccount, SimInspect, SimRequest, SimResponse, SimService, now_rfc3339, seed_person,
};
use serde_json::{Map, json};
use tokio::time::Instant;

use crate::wire::{CreateUser, WorkivaGroup, WorkivaRole, WorkivaUser};

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
    /// Refresh tokens still valid; each is good for one use.
    refresh_tokens: HashSet<String>,
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
    now_rfc3339()
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
                refresh_tokens: HashSet::from([super::SANDBOX_REFRESH_TOKEN.to_owned()]),
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
            let person = seed_person(n);
            let id = Self::insert_user(
                &mut state,
                &self.config.workspace_id,
                CreateUser {
                    email: person.email,
                    first_name: person.first_name,
                    last_name: person.last_name,
                    display_name: None,
                    active: Some(person.active),
                    roles: Some(vec!["role_ws_member".into()]),
                    extra: Map::new(),
                },
            );
            if let (Some(group), true) = (&finance, person.in_finance) {
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

    /// Checks the token's scope for the resource, then routes to it.
    fn route(&self, req: &SimRequest, rest: &[&str]) -> SimResponse {
        let mut state = self.lock();
        let write = !matches!(req.method.as_str(), "GET" | "HEAD");
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
        match rest {
            ["users", rest @ ..] => self.users_route(&mut state, req, rest),
            ["roles", rest @ ..] => Self::roles_route(&state, req, rest),
            ["groups", rest @ ..] => Self::groups_route(&mut state, req, rest),
            _ => Self::not_allowed(req),
        }
    }

    fn not_allowed(req: &SimRequest) -> SimResponse {
        err(
            405,
            "method_not_allowed",
            format!("{} is not allowed on {}", req.method, req.path),
        )
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
}

impl SimInspect for PlatformSim {
    fn accounts(&self) -> Vec<SimAccount> {
        let state = self.lock();
        state
            .users
            .values()
            .map(|user| SimAccount {
                id: user.id.clone(),
                email: user.email.clone().unwrap_or_default(),
                active: user.active.unwrap_or(true),
                groups: state
                    .members
                    .iter()
                    .filter(|(_, members)| members.contains(&user.id))
                    .map(|(group, _)| group.clone())
                    .collect(),
                roles: user.roles.clone().unwrap_or_default(),
            })
            .collect()
    }
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
