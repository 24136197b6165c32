//! `/Users` and `/Groups`: list, create, read, replace, patch, delete.

use identity_core::sandbox::{HeaderName, SimRequest, SimResponse, now_rfc3339};
use serde_json::{Value, json};

use super::filter::{matches, parse_filter};
use super::{MAX_RESULTS, ScimSim, State, scim_error};
use crate::scim::wire::{GROUP_SCHEMA, LIST_RESPONSE, USER_SCHEMA};

impl ScimSim {
    pub(super) fn list(&self, state: &State, user: bool, req: &SimRequest) -> SimResponse {
        let start: usize = match req.query_get("startIndex").map(str::parse::<i64>) {
            None => 1,
            Some(Ok(n)) => n.max(1) as usize,
            Some(Err(_)) => {
                return scim_error(400, Some("invalidValue"), "startIndex must be an integer");
            }
        };
        let count: usize = match req.query_get("count").map(str::parse::<i64>) {
            None => MAX_RESULTS,
            Some(Ok(n)) => n.clamp(0, MAX_RESULTS as i64) as usize,
            Some(Err(_)) => {
                return scim_error(400, Some("invalidValue"), "count must be an integer");
            }
        };
        let filter = match req.query_get("filter").map(parse_filter) {
            None => None,
            Some(Ok(f)) => Some(f),
            Some(Err(why)) => return scim_error(400, Some("invalidFilter"), why),
        };
        let store = if user { &state.users } else { &state.groups };
        let all: Vec<&Value> = store
            .rows
            .values()
            .filter(|r| filter.as_ref().is_none_or(|f| matches(f, r)))
            .collect();
        let page: Vec<&Value> = all.iter().skip(start - 1).take(count).copied().collect();
        SimResponse::json(
            200,
            &json!({
                "schemas": [LIST_RESPONSE], "totalResults": all.len(), "startIndex": start,
                "itemsPerPage": page.len(), "Resources": page,
            }),
        )
    }

    /// `POST /Users` or `/Groups`.
    pub(super) fn create(state: &mut State, user: bool, req: &SimRequest) -> SimResponse {
        let body: Value = match req.json() {
            Ok(v) => v,
            Err(bad) => return bad,
        };
        let schema = if user { USER_SCHEMA } else { GROUP_SCHEMA };
        if !body["schemas"]
            .as_array()
            .is_some_and(|s| s.iter().any(|v| v == schema))
        {
            return scim_error(
                400,
                Some("invalidValue"),
                format!("schemas must contain {schema}"),
            );
        }
        if user {
            let Some(name) = body["userName"].as_str().filter(|n| !n.trim().is_empty()) else {
                return scim_error(400, Some("invalidValue"), "userName is required");
            };
            if Self::user_name_taken(state, name, None) {
                return scim_error(
                    409,
                    Some("uniqueness"),
                    format!("userName {name} is already in use"),
                );
            }
        } else if body["displayName"]
            .as_str()
            .is_none_or(|n| n.trim().is_empty())
        {
            return scim_error(400, Some("invalidValue"), "displayName is required");
        }
        let created = Self::insert(state, user, body);
        // The new resource's address, absolute when the request named its host.
        let path = created["meta"]["location"].as_str().unwrap_or_default();
        let location = match req.header("host") {
            Some(host) => format!("http://{host}{path}"),
            None => path.to_owned(),
        };
        SimResponse::json(201, &created).with_header(HeaderName::from_static("location"), &location)
    }

    /// `GET`, `PUT`, `PATCH` or `DELETE` on `/Users/{id}` or `/Groups/{id}`.
    pub(super) fn one(state: &mut State, user: bool, id: &str, req: &SimRequest) -> SimResponse {
        let kind = if user { "Users" } else { "Groups" };
        let store = if user {
            &mut state.users
        } else {
            &mut state.groups
        };
        let Some(seq) = store.by_id.get(id).copied() else {
            return scim_error(404, None, format!("{kind} {id} not found"));
        };
        match req.method.as_str() {
            "GET" => SimResponse::json(200, &store.rows[&seq]),
            "DELETE" => {
                store.rows.remove(&seq);
                store.by_id.remove(id);
                if user {
                    for group in state.groups.rows.values_mut() {
                        if let Some(members) = group["members"].as_array_mut() {
                            members.retain(|m| m["value"] != json!(id));
                        }
                    }
                }
                SimResponse::empty(204)
            }
            "PATCH" | "PUT" => Self::replace(state, user, seq, id, req),
            method => scim_error(405, None, format!("{method} is not supported here")),
        }
    }

    /// `PUT` (the whole resource) or `PATCH` (operations) on one resource.
    fn replace(state: &mut State, user: bool, seq: u64, id: &str, req: &SimRequest) -> SimResponse {
        let store = if user { &state.users } else { &state.groups };
        let mut updated = store.rows[&seq].clone();
        if req.method.as_str() == "PATCH" {
            if let Err(bad) = Self::patch(&mut updated, req) {
                return bad;
            }
        } else {
            let body: Value = match req.json() {
                Ok(v) => v,
                Err(bad) => return bad,
            };
            let (meta, keep_id) = (updated["meta"].clone(), updated["id"].clone());
            updated = body;
            updated["meta"] = meta;
            updated["id"] = keep_id;
        }
        if user {
            let name = updated["userName"].as_str().unwrap_or("").to_owned();
            if name.trim().is_empty() {
                return scim_error(400, Some("invalidValue"), "userName is required");
            }
            if Self::user_name_taken(state, &name, Some(id)) {
                return scim_error(
                    409,
                    Some("uniqueness"),
                    format!("userName {name} is already in use"),
                );
            }
        }
        updated["meta"]["lastModified"] = json!(now_rfc3339());
        let store = if user {
            &mut state.users
        } else {
            &mut state.groups
        };
        store.rows.insert(seq, updated.clone());
        SimResponse::json(200, &updated)
    }
}
