//! A SCIM 2.0 simulator (RFC 7644) at `/scim/v2`, with a static bearer token.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

use identity_core::sandbox::{
    SimAccount, SimInspect, SimRequest, SimResponse, SimService, now_rfc3339, seed_person,
};
use serde_json::{Value, json};

use crate::scim::wire::{ERROR_SCHEMA, GROUP_SCHEMA, LIST_RESPONSE, PATCH_OP, USER_SCHEMA};

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

/// A parsed filter expression.
enum Filter {
    Compare {
        path: String,
        op: String,
        value: Value,
    },
    Present(String),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
}

/// Splits a filter into tokens, keeping quoted strings whole.
fn tokenize(text: &str) -> Result<Vec<String>, String> {
    let mut tokens = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '"' {
            let start = i;
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            if i >= chars.len() {
                return Err("unterminated string".into());
            }
            i += 1;
            tokens.push(chars[start..i].iter().collect());
        } else if c == '(' || c == ')' {
            tokens.push(c.to_string());
            i += 1;
        } else {
            let start = i;
            while i < chars.len() && !chars[i].is_whitespace() && chars[i] != '(' && chars[i] != ')'
            {
                i += 1;
            }
            tokens.push(chars[start..i].iter().collect());
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<String>,
    pos: usize,
}

impl Parser {
    fn next(&mut self) -> Option<String> {
        let token = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        token
    }
    fn peek_is(&self, word: &str) -> bool {
        self.tokens
            .get(self.pos)
            .is_some_and(|t| t.eq_ignore_ascii_case(word))
    }
    fn or(&mut self) -> Result<Filter, String> {
        let mut left = self.and()?;
        while self.peek_is("or") {
            self.pos += 1;
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }
    fn and(&mut self) -> Result<Filter, String> {
        let mut left = self.term()?;
        while self.peek_is("and") {
            self.pos += 1;
            left = Filter::And(Box::new(left), Box::new(self.term()?));
        }
        Ok(left)
    }
    fn term(&mut self) -> Result<Filter, String> {
        let first = self.next().ok_or("filter ends early")?;
        if first == "(" {
            let inner = self.or()?;
            return match self.next().as_deref() {
                Some(")") => Ok(inner),
                _ => Err("missing ')'".into()),
            };
        }
        let op = self.next().ok_or("missing operator")?.to_ascii_lowercase();
        if op == "pr" {
            return Ok(Filter::Present(first));
        }
        if !["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"].contains(&op.as_str()) {
            return Err(format!("unknown operator {op:?}"));
        }
        let raw = self.next().ok_or("missing value")?;
        let value: Value =
            serde_json::from_str(&raw).map_err(|_| format!("invalid value {raw}"))?;
        Ok(Filter::Compare {
            path: first,
            op,
            value,
        })
    }
}

fn parse_filter(text: &str) -> Result<Filter, String> {
    let mut parser = Parser {
        tokens: tokenize(text)?,
        pos: 0,
    };
    let filter = parser.or()?;
    if parser.pos < parser.tokens.len() {
        return Err(format!("unexpected {:?}", parser.tokens[parser.pos]));
    }
    Ok(filter)
}

/// Values at an attribute path (case-insensitive names; multi-valued
/// attributes fan out).
fn values_at<'a>(resource: &'a Value, path: &str) -> Vec<&'a Value> {
    let mut current = vec![resource];
    for part in path.split('.') {
        let mut next = Vec::new();
        for value in current {
            let items: Vec<&Value> = match value {
                Value::Array(items) => items.iter().collect(),
                other => vec![other],
            };
            for item in items {
                if let Some(map) = item.as_object()
                    && let Some((_, v)) = map.iter().find(|(k, _)| k.eq_ignore_ascii_case(part))
                {
                    next.push(v);
                }
            }
        }
        current = next;
    }
    current
        .into_iter()
        .flat_map(|v| match v {
            Value::Array(items) => items.iter().collect(),
            other => vec![other],
        })
        .collect()
}

fn matches(filter: &Filter, resource: &Value) -> bool {
    match filter {
        Filter::And(a, b) => matches(a, resource) && matches(b, resource),
        Filter::Or(a, b) => matches(a, resource) || matches(b, resource),
        Filter::Present(path) => values_at(resource, path).iter().any(|v| !v.is_null()),
        Filter::Compare { path, op, value } => {
            let case_exact = path.eq_ignore_ascii_case("id");
            let norm = |v: &Value| match v {
                Value::String(s) if !case_exact => Value::String(s.to_lowercase()),
                other => other.clone(),
            };
            let wanted = norm(value);
            values_at(resource, path).into_iter().map(norm).any(|have| {
                match (op.as_str(), &have, &wanted) {
                    ("eq", a, b) => a == b,
                    ("ne", a, b) => a != b,
                    ("co", Value::String(a), Value::String(b)) => a.contains(b.as_str()),
                    ("sw", Value::String(a), Value::String(b)) => a.starts_with(b.as_str()),
                    ("ew", Value::String(a), Value::String(b)) => a.ends_with(b.as_str()),
                    ("gt", Value::String(a), Value::String(b)) => a > b,
                    ("ge", Value::String(a), Value::String(b)) => a >= b,
                    ("lt", Value::String(a), Value::String(b)) => a < b,
                    ("le", Value::String(a), Value::String(b)) => a <= b,
                    _ => false,
                }
            })
        }
    }
}

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

    fn list(&self, state: &State, user: bool, req: &SimRequest) -> SimResponse {
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

    fn patch(resource: &mut Value, req: &SimRequest) -> Result<(), Failure> {
        let body: Value = req.json()?;
        if !body["schemas"]
            .as_array()
            .is_some_and(|s| s.iter().any(|v| v == PATCH_OP))
        {
            return Err(scim_error(
                400,
                Some("invalidSyntax"),
                "schemas must contain the PatchOp URN",
            ));
        }
        let Some(ops) = body["Operations"].as_array() else {
            return Err(scim_error(
                400,
                Some("invalidSyntax"),
                "Operations is required",
            ));
        };
        for op in ops {
            let kind = op["op"].as_str().unwrap_or("").to_ascii_lowercase();
            let path = op["path"].as_str();
            let value = op["value"].clone();
            match (kind.as_str(), path) {
                ("replace" | "add", None) => {
                    let Some(map) = value.as_object() else {
                        return Err(scim_error(
                            400,
                            Some("invalidValue"),
                            "a path-less operation needs an object value",
                        ));
                    };
                    for (k, v) in map {
                        resource[k] = v.clone();
                    }
                }
                ("add", Some(p))
                    if p.eq_ignore_ascii_case("members") || p.eq_ignore_ascii_case("emails") =>
                {
                    let key = if p.eq_ignore_ascii_case("members") {
                        "members"
                    } else {
                        "emails"
                    };
                    let mut list = resource[key].as_array().cloned().unwrap_or_default();
                    for item in value.as_array().cloned().unwrap_or_default() {
                        if !list.iter().any(|e| e["value"] == item["value"]) {
                            list.push(item);
                        }
                    }
                    resource[key] = Value::Array(list);
                }
                ("remove", Some(p)) if p.starts_with("members[") => {
                    let inner = p.trim_start_matches("members[").trim_end_matches(']');
                    let filter = parse_filter(inner)
                        .map_err(|why| scim_error(400, Some("invalidPath"), why))?;
                    if let Some(list) = resource["members"].as_array_mut() {
                        list.retain(|m| !matches(&filter, m));
                    }
                }
                ("replace" | "add", Some(p)) => {
                    if p.eq_ignore_ascii_case("id") || p.eq_ignore_ascii_case("meta") {
                        return Err(scim_error(
                            400,
                            Some("mutability"),
                            format!("{p} is read-only"),
                        ));
                    }
                    let mut target = &mut *resource;
                    let parts: Vec<&str> = p.split('.').collect();
                    for part in &parts[..parts.len() - 1] {
                        if !target[*part].is_object() {
                            target[*part] = json!({});
                        }
                        target = &mut target[*part];
                    }
                    target[parts[parts.len() - 1]] = value;
                }
                ("remove", Some(p)) => {
                    if let Some(map) = resource.as_object_mut() {
                        map.remove(p);
                    }
                }
                (other, _) => {
                    return Err(scim_error(
                        400,
                        Some("invalidSyntax"),
                        format!("unknown op {other:?}"),
                    ));
                }
            }
        }
        Ok(())
    }

    fn route(&self, req: &SimRequest, rest: &[&str]) -> SimResponse {
        if req.bearer() != Some(self.token.as_str()) {
            return scim_error(
                401,
                None,
                "Authorization failure: the bearer token is invalid or missing",
            );
        }
        let mut state = self.lock();
        let method = req.method.as_str();
        match (method, rest) {
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
            ("GET", [kind @ ("Users" | "Groups")]) => self.list(&state, *kind == "Users", req),
            ("POST", [kind @ ("Users" | "Groups")]) => {
                let user = *kind == "Users";
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
                    let Some(name) = body["userName"].as_str().filter(|n| !n.trim().is_empty())
                    else {
                        return scim_error(400, Some("invalidValue"), "userName is required");
                    };
                    if Self::user_name_taken(&state, name, None) {
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
                let created = Self::insert(&mut state, user, body);
                SimResponse::json(201, &created)
            }
            (_, [kind @ ("Users" | "Groups"), id]) => {
                let user = *kind == "Users";
                let store = if user {
                    &mut state.users
                } else {
                    &mut state.groups
                };
                let Some(seq) = store.by_id.get(*id).copied() else {
                    return scim_error(404, None, format!("{kind} {id} not found"));
                };
                match method {
                    "GET" => SimResponse::json(200, &store.rows[&seq]),
                    "DELETE" => {
                        store.rows.remove(&seq);
                        store.by_id.remove(*id);
                        if user {
                            for group in state.groups.rows.values_mut() {
                                if let Some(members) = group["members"].as_array_mut() {
                                    members.retain(|m| m["value"] != json!(id));
                                }
                            }
                        }
                        SimResponse::empty(204)
                    }
                    "PATCH" | "PUT" => {
                        let mut updated = store.rows[&seq].clone();
                        if method == "PATCH" {
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
                                return scim_error(
                                    400,
                                    Some("invalidValue"),
                                    "userName is required",
                                );
                            }
                            if Self::user_name_taken(&state, &name, Some(id)) {
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
                    _ => scim_error(405, None, format!("{method} is not supported here")),
                }
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

    fn handle(&self, req: &SimRequest) -> SimResponse {
        match req.after(&["scim", "v2"]) {
            Some(rest) => self.route(req, &rest),
            None => scim_error(404, None, "no route"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse_and_match() {
        let user = json!({"userName": "Jane@Example.com", "emails": [{"value": "jane@example.com"}], "active": true,
            "name": {"givenName": "Jane"}, "meta": {"lastModified": "2024-05-01T00:00:00.000Z"}});
        for (text, expected) in [
            (r#"userName eq "jane@example.com""#, true),
            (r#"emails.value eq "JANE@example.com""#, true),
            (r#"name.givenName sw "ja" and active eq true"#, true),
            (r#"userName eq "x" or emails pr"#, true),
            (r#"(userName eq "x") or (name.givenName co "zz")"#, false),
            (r#"meta.lastModified ge "2024-01-01T00:00:00Z""#, true),
        ] {
            let filter = parse_filter(text).unwrap();
            assert_eq!(matches(&filter, &user), expected, "{text}");
        }
        for bad in [
            "userName eq",
            "userName zz \"a\"",
            "userName eq \"open",
            "(userName eq \"a\"",
        ] {
            assert!(parse_filter(bad).is_err(), "{bad}");
        }
    }
}
