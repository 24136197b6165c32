//! The Workfront API and Adobe IMS simulator: the router and the shared
//! state here, one module per resource beside it.

mod auth;
mod batch;
mod objects;
mod query;
mod store;
mod subscriptions;

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use identity_core::sandbox::{
    SimAccount, SimInspect, SimRequest, SimResponse, SimService, now_rfc3339, seed_person,
};
use serde_json::{Map, Value, json};

use store::{Journal, State};

/// Settings of the simulator.
#[derive(Debug, Clone)]
pub(crate) struct SimConfig {
    pub(crate) username: String,
    pub(crate) password: String,
    pub(crate) api_key: String,
    pub(crate) ims_client_id: String,
    pub(crate) ims_client_secret: String,
    pub(crate) session_ttl: Duration,
    pub(crate) token_ttl: Duration,
    pub(crate) max_batch: usize,
    pub(crate) atomic_batch: bool,
}
/// An error answer: status and message, rendered as Workfront's envelope.
struct Failure(u16, String);

/// A successful answer's `data`: a value, or JSON already rendered.
enum Payload {
    Json(Value),
    Raw(Vec<u8>),
}

impl Payload {
    fn into_value(self) -> Value {
        match self {
            Payload::Json(value) => value,
            Payload::Raw(bytes) => serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        }
    }
}

type Outcome = Result<Payload, Failure>;

fn failure(status: u16, message: impl Into<String>) -> Failure {
    Failure(status, message.into())
}

fn render_failure(Failure(status, message): Failure) -> SimResponse {
    let class = match status {
        401 => "com.attask.common.AuthenticationException",
        404 => "com.attask.common.NotFoundException",
        _ => "com.attask.common.ValidationException",
    };
    SimResponse::json(
        status,
        &json!({"error": {"class": class, "message": message}}),
    )
}

/// The simulator; see [`WorkfrontSandbox`](super::WorkfrontSandbox).
pub struct WorkfrontSim {
    config: SimConfig,
    state: Mutex<State>,
}

impl WorkfrontSim {
    pub(crate) fn new(config: SimConfig) -> Self {
        let sim = Self {
            config,
            state: Mutex::new(State::default()),
        };
        {
            let mut state = sim.lock();
            for name in ["System Administrator", "Standard", "Light", "Contributor"] {
                Self::insert(&mut state, "accesslevel", json_map(json!({"name": name})));
            }
            for name in ["Default Group", "Finance", "Engineering"] {
                Self::insert(&mut state, "group", json_map(json!({"name": name})));
            }
            for name in ["Project Manager", "Developer", "Auditor"] {
                Self::insert(&mut state, "role", json_map(json!({"name": name})));
            }
            for name in ["Default Schedule", "Berlin Office"] {
                Self::insert(&mut state, "schedule", json_map(json!({"name": name})));
            }
            for name in ["Acme Corp", "Acme GmbH"] {
                Self::insert(&mut state, "company", json_map(json!({"name": name})));
            }
        }
        sim
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds `count` users `user{n}@example.com` (every tenth inactive, every
    /// third in Finance, all on the Standard access level).
    pub(crate) fn seed_users(&self, count: usize) {
        let mut state = self.lock();
        let standard = Self::id_of(&state, "accesslevel", "Standard");
        let finance = Self::id_of(&state, "group", "Finance");
        let start = state.tables.get("user").map_or(0, |t| t.rows.len());
        let stamp = now_rfc3339();
        for n in start..start + count {
            let person = seed_person(n);
            let mut row = json_map(json!({
                "username": person.email,
                "emailAddr": person.email,
                "firstName": person.first_name,
                "lastName": person.last_name,
                "isActive": person.active,
                "accessLevelID": standard,
                "homeGroupID": if person.in_finance { finance.clone() } else { None },
                "lastUpdateDate": stamp,
                "entryDate": stamp,
                // Active people have signed in; the inactive never did.
                "lastLoginDate": if person.active { Some(stamp.clone()) } else { None },
            }));
            row.retain(|_, v| !v.is_null());
            Self::insert(&mut state, "user", row);
        }
    }

    /// Sessions currently open (logged in, not logged out or expired).
    pub fn open_sessions(&self) -> usize {
        let now = tokio::time::Instant::now();
        self.lock()
            .sessions
            .values()
            .filter(|exp| **exp > now)
            .count()
    }

    /// Every row of a table (`user`, `group`, `accesslevel`, `role`), for
    /// assertions.
    pub fn rows(&self, table: &str) -> Vec<Map<String, Value>> {
        self.lock()
            .tables
            .get(table)
            .map(|t| t.rows.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Ends every session and token now.
    pub(crate) fn expire_credentials(&self) {
        let mut state = self.lock();
        state.sessions.clear();
        state.tokens.clear();
    }
}

fn json_map(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// `v18.0`-style version segment.
fn is_version(segment: &str) -> bool {
    segment
        .strip_prefix('v')
        .and_then(|v| v.split_once('.'))
        .is_some_and(|(a, b)| {
            !a.is_empty() && !b.is_empty() && a.bytes().chain(b.bytes()).all(|c| c.is_ascii_digit())
        })
}

impl SimInspect for WorkfrontSim {
    /// Groups are the home group and the other groups (`USRGPS`); roles the
    /// primary role and the other roles (`USRROL`).
    fn accounts(&self) -> Vec<SimAccount> {
        let text = |row: &Map<String, Value>, key: &str| {
            row.get(key).and_then(Value::as_str).map(str::to_owned)
        };
        let links = |table: &str, field: &str| {
            let mut by_user: std::collections::HashMap<String, Vec<String>> = Default::default();
            for link in self.rows(table) {
                if let (Some(user), Some(target)) = (text(&link, "userID"), text(&link, field)) {
                    by_user.entry(user).or_default().push(target);
                }
            }
            by_user
        };
        let (mut groups, mut roles) = (links("usrgps", "groupID"), links("usrrol", "roleID"));
        self.rows("user")
            .iter()
            .map(|row| {
                let id = text(row, "ID").unwrap_or_default();
                let held = |first: Option<String>, others: &mut std::collections::HashMap<String, Vec<String>>| {
                    first
                        .into_iter()
                        .chain(others.remove(&id).unwrap_or_default())
                        .collect()
                };
                SimAccount {
                    email: text(row, "emailAddr").unwrap_or_default(),
                    active: row.get("isActive").and_then(Value::as_bool).unwrap_or(true),
                    groups: held(text(row, "homeGroupID"), &mut groups),
                    roles: held(text(row, "roleID"), &mut roles),
                    id,
                }
            })
            .collect()
    }
}

impl SimService for WorkfrontSim {
    fn handles(&self, req: &SimRequest) -> bool {
        req.after(&["attask"]).is_some() || req.after(&["ims", "token", "v3"]).is_some()
    }

    fn handle(&self, req: &SimRequest) -> SimResponse {
        if req.after(&["ims", "token", "v3"]).is_some() {
            return if req.method.as_str() == "POST" {
                self.ims_token(req)
            } else {
                render_failure(failure(405, "use POST"))
            };
        }
        if let Some(rest) =
            req.after(&["attask", "eventsubscription", "api", "v1", "subscriptions"])
        {
            let mut state = self.lock();
            if !self.authorized(&mut state, req) {
                return render_failure(failure(401, "You are not currently logged in"));
            }
            return self.subscriptions(&mut state, req, &rest);
        }
        let Some(rest) = req.after(&["attask", "api"]) else {
            return render_failure(failure(404, "no route"));
        };
        let Some((version, path)) = rest.split_first() else {
            return render_failure(failure(404, "no route"));
        };
        if !is_version(version) {
            return render_failure(failure(404, format!("unknown API version {version}")));
        }
        // Clients that can only POST send the real method as `method=`, and
        // may send every parameter form-encoded in the body.
        let form_body = req.method.as_str() == "POST"
            && req
                .header("content-type")
                .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
        let merged;
        let req = if form_body && path != ["login"] {
            let mut with_form = req.clone();
            with_form.query.extend(req.form());
            with_form.body = Default::default();
            merged = with_form;
            &merged
        } else {
            req
        };
        let method = match (req.method.as_str(), req.query_get("method")) {
            ("POST", Some(m)) => m.to_ascii_uppercase(),
            (m, _) => m.to_owned(),
        };
        if method == "POST" && path == ["login"] {
            return self.login(req);
        }
        let mut state = self.lock();
        if !self.authorized(&mut state, req) {
            return render_failure(failure(401, "You are not currently logged in"));
        }
        if method == "POST" && path == ["logout"] {
            return Self::logout(&mut state, req);
        }
        let outcome = if method == "POST" && path == ["batch"] {
            self.batch(&mut state, req)
        } else {
            let mut journal = Journal::default();
            self.operate(&mut state, &mut journal, &method, path, req, &req.body)
        };
        match outcome {
            Ok(Payload::Json(data)) => SimResponse::json(200, &json!({ "data": data })),
            Ok(Payload::Raw(data)) => {
                let mut body = Vec::with_capacity(data.len() + 10);
                body.extend_from_slice(b"{\"data\":");
                body.extend_from_slice(&data);
                body.push(b'}');
                SimResponse::raw_json(200, body.into())
            }
            Err(fail) => render_failure(fail),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert!(is_version("v18.0") && is_version("v9.12"));
        assert!(!is_version("18.0") && !is_version("v18") && !is_version("vx.y"));
    }
}
