//! A SCIM 2.0 simulator (RFC 7644) at `/scim/v2`, with a static bearer token:
//! the state and the router here, filters, PATCH and the resources beside it.

mod discovery;
mod filter;
mod patch;
mod resources;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

use identity_core::sandbox::{
    HeaderName, SimAccount, SimInspect, SimRequest, SimResponse, SimService, now_rfc3339,
    seed_person,
};
use serde_json::{Value, json};

use crate::scim::wire::{ERROR_SCHEMA, USER_SCHEMA};

const MAX_RESULTS: usize = 200;

#[derive(Default)]
struct Store {
    rows: BTreeMap<u64, Value>,
    by_id: HashMap<String, u64>,
}

#[derive(Default)]
struct State {
    users: Store,
    groups: Store,
    next: u64,
}

/// The SCIM simulator; see [`WorkivaSandbox`](super::WorkivaSandbox).
pub struct ScimSim {
    token: String,
    state: Mutex<State>,
}

fn scim_error(status: u16, scim_type: Option<&str>, detail: impl Into<String>) -> SimResponse {
    let mut body =
        json!({"schemas": [ERROR_SCHEMA], "status": status.to_string(), "detail": detail.into()});
    if let Some(t) = scim_type {
        body["scimType"] = json!(t);
    }
    SimResponse::json(status, &body)
}

type Failure = SimResponse;

impl ScimSim {
    pub(crate) fn new(token: String) -> Self {
        Self {
            token,
            state: Mutex::new(State::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds `count` users `user{n}@example.com` (the Platform API seeds the same people), every tenth inactive.
    pub(crate) fn seed_users(&self, count: usize) {
        let mut state = self.lock();
        let start = state.users.rows.len();
        // The SCIM store starts without groups, so nobody is in Finance.
        for n in start..start + count {
            let person = seed_person(n);
            let body = json!({
                "schemas": [USER_SCHEMA], "userName": person.email,
                "name": {"givenName": person.first_name, "familyName": person.last_name},
                "emails": [{"value": person.email, "type": "work", "primary": true}],
                "active": person.active,
            });
            Self::insert(&mut state, true, body);
        }
    }

    /// Every user resource, for assertions.
    pub(crate) fn users(&self) -> Vec<Value> {
        self.lock().users.rows.values().cloned().collect()
    }

    fn insert(state: &mut State, user: bool, mut body: Value) -> Value {
        state.next += 1;
        let seq = state.next;
        let id = format!("{:08x}-5c1m-{seq:012x}", seq * 2_654_435_761 % 0xffff_ffff);
        let kind = if user { "User" } else { "Group" };
        let now = now_rfc3339();
        body["id"] = json!(id);
        body["meta"] = json!({"resourceType": kind, "created": now, "lastModified": now,
            "location": format!("/scim/v2/{kind}s/{id}"), "version": "W/\"1\""});
        let store = if user {
            &mut state.users
        } else {
            &mut state.groups
        };
        store.by_id.insert(id, seq);
        store.rows.insert(seq, body.clone());
        body
    }

    fn user_name_taken(state: &State, name: &str, except: Option<&str>) -> bool {
        state.users.rows.values().any(|u| {
            u["userName"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
                && u["id"].as_str() != except
        })
    }

    /// Checks the bearer token, then routes to the resource.
    fn route(&self, req: &SimRequest, rest: &[&str]) -> SimResponse {
        if req.bearer() != Some(self.token.as_str()) {
            return scim_error(
                401,
                None,
                "Authorization failure: the bearer token is invalid or missing",
            );
        }
        let mut state = self.lock();
        match (req.method.as_str(), rest) {
            ("GET", ["ServiceProviderConfig"]) => SimResponse::json(
                200,
                &json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
                    "patch": {"supported": true}, "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
                    "filter": {"supported": true, "maxResults": MAX_RESULTS}, "changePassword": {"supported": false},
                    "sort": {"supported": false}, "etag": {"supported": false},
                    "authenticationSchemes": [{"type": "oauthbearertoken", "name": "Bearer token"}],
                }),
            ),
            ("GET", ["ResourceTypes"]) => discovery::resource_types(None),
            ("GET", ["ResourceTypes", id]) => discovery::resource_types(Some(id)),
            ("GET", ["Schemas"]) => discovery::schemas(None),
            ("GET", ["Schemas", id]) => discovery::schemas(Some(id)),
            (_, ["ServiceProviderConfig" | "ResourceTypes" | "Schemas", ..]) => scim_error(
                405,
                None,
                format!("{} is not supported on {}", req.method, req.path),
            ),
            ("POST", [".search"]) => self.search(&state, None, req),
            ("POST", [kind @ ("Users" | "Groups"), ".search"]) => {
                self.search(&state, Some(*kind == "Users"), req)
            }
            ("GET", [kind @ ("Users" | "Groups")]) => {
                self.list(&state, Some(*kind == "Users"), req)
            }
            ("POST", [kind @ ("Users" | "Groups")]) => {
                Self::create(&mut state, *kind == "Users", req)
            }
            (_, [kind @ ("Users" | "Groups"), id]) => {
                Self::one(&mut state, *kind == "Users", id, req)
            }
            _ => scim_error(404, None, format!("no SCIM endpoint {}", req.path)),
        }
    }
}

impl SimInspect for ScimSim {
    fn accounts(&self) -> Vec<SimAccount> {
        let state = self.lock();
        let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        state
            .users
            .rows
            .values()
            .map(|user| {
                let id = text(&user["id"]);
                let groups = state
                    .groups
                    .rows
                    .values()
                    .filter(|g| {
                        g["members"]
                            .as_array()
                            .is_some_and(|m| m.iter().any(|m| m["value"] == user["id"]))
                    })
                    .map(|g| text(&g["id"]))
                    .collect();
                let roles = user["roles"]
                    .as_array()
                    .map(|r| r.iter().map(|r| text(&r["value"])).collect())
                    .unwrap_or_default();
                SimAccount {
                    id,
                    email: text(&user["userName"]),
                    active: user["active"].as_bool().unwrap_or(true),
                    groups,
                    roles,
                }
            })
            .collect()
    }
}

impl SimService for ScimSim {
    fn handles(&self, req: &SimRequest) -> bool {
        req.after(&["scim", "v2"]).is_some()
    }

    /// Every answer with a body is `application/scim+json` (RFC 7644 §3.1).
    fn handle(&self, req: &SimRequest) -> SimResponse {
        let response = match req.after(&["scim", "v2"]) {
            Some(rest) => self.route(req, &rest),
            None => scim_error(404, None, "no route"),
        };
        if response.body.is_empty() {
            response
        } else {
            response.with_header(
                HeaderName::from_static("content-type"),
                "application/scim+json",
            )
        }
    }
}
