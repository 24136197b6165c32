//! `/Users` and `/Groups`: list, create, read, replace, patch, delete.

use identity_core::sandbox::{HeaderName, SimRequest, SimResponse, now_rfc3339};
use serde_json::{Value, json};

use super::filter::{matches, parse_filter};
use super::{MAX_RESULTS, ScimSim, State, scim_error};
use crate::scim::wire::{GROUP_SCHEMA, LIST_RESPONSE, USER_SCHEMA};

impl ScimSim {
    /// Lists users (`Some(true)`), groups (`Some(false)`) or both (`None`).
    pub(super) fn list(&self, state: &State, user: Option<bool>, req: &SimRequest) -> SimResponse {
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
        let stores = match user {
            Some(true) => vec![&state.users],
            Some(false) => vec![&state.groups],
            None => vec![&state.users, &state.groups],
        };
        let all: Vec<&Value> = stores
            .into_iter()
            .flat_map(|store| store.rows.values())
            .filter(|r| filter.as_ref().is_none_or(|f| matches(f, r)))
            .collect();
        let page: Vec<Value> = all
            .iter()
            .skip(start - 1)
            .take(count)
            .map(|r| select(r, req))
            .collect();
        SimResponse::json(
            200,
            &json!({
                "schemas": [LIST_RESPONSE], "totalResults": all.len(), "startIndex": start,
                "itemsPerPage": page.len(), "Resources": page,
            }),
        )
    }

    /// `POST /.search` (everything) or `/Users/.search`: the body's
    /// `filter`, `startIndex`, `count`, `attributes` and
    /// `excludedAttributes`, answered like a listing.
    pub(super) fn search(
        &self,
        state: &State,
        user: Option<bool>,
        req: &SimRequest,
    ) -> SimResponse {
        let body: Value = match req.json() {
            Ok(v) => v,
            Err(bad) => return bad,
        };
        let mut as_query = req.clone();
        as_query.query.clear();
        for key in [
            "filter",
            "startIndex",
            "count",
            "attributes",
            "excludedAttributes",
        ] {
            let value = match &body[key] {
                Value::Null => continue,
                Value::String(s) => s.clone(),
                Value::Array(items) => items
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(","),
                other => other.to_string(),
            };
            as_query.query.push((key.to_owned(), value));
        }
        self.list(state, user, &as_query)
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
        let mut created = Self::insert(state, user, body);
        // The resource's URI, absolute when the request named its host: in
        // `meta.location` and the `Location` header alike (RFC 7644 §3.3).
        if let Some(host) = req.header("host") {
            let path = created["meta"]["location"].as_str().unwrap_or_default();
            created["meta"]["location"] = json!(format!("http://{host}{path}"));
            let store = if user {
                &mut state.users
            } else {
                &mut state.groups
            };
            if let Some(seq) = created["id"].as_str().and_then(|id| store.by_id.get(id)) {
                store.rows.insert(*seq, created.clone());
            }
        }
        let location = created["meta"]["location"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
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
            "GET" => SimResponse::json(200, &select(&store.rows[&seq], req)),
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

/// Applies `attributes` (keep only these, plus `id`, `schemas`, `meta`) or
/// `excludedAttributes` (drop these) to one resource (RFC 7644 §3.4.2.5).
fn select(resource: &Value, req: &SimRequest) -> Value {
    let names = |key: &str| -> Vec<String> {
        req.query_get(key)
            .map(|v| {
                v.split(',')
                    .map(|a| a.trim().rsplit(':').next().unwrap_or("").to_owned())
                    .map(|a| a.split('.').next().unwrap_or("").to_ascii_lowercase())
                    .filter(|a| !a.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    };
    let (only, except) = (names("attributes"), names("excludedAttributes"));
    let Some(map) = resource.as_object() else {
        return resource.clone();
    };
    let always = ["id", "schemas", "meta"];
    let kept = map
        .iter()
        .filter(|(k, _)| {
            let k = k.to_ascii_lowercase();
            always.contains(&k.as_str())
                || ((only.is_empty() || only.contains(&k)) && !except.contains(&k))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Value::Object(kept)
}
