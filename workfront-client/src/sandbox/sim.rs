//! The Workfront API and Adobe IMS simulator.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use identity_core::sandbox::{
    HeaderName, SimRequest, SimResponse, SimService, check_client_credentials, oauth_error, rfc3339,
};
use rand::Rng;
use serde_json::{Map, Value, json};
use tokio::time::Instant;

use crate::search::Modifier;

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

/// The object types the simulator stores.
const OBJ_CODES: [(&str, &str, u16); 4] = [
    ("user", "USER", 0x05e7),
    ("group", "GROUP", 0x0960),
    ("accesslevel", "ACSLVL", 0x0ac1),
    ("role", "ROLE", 0x0701),
];

/// `accessLevel:name` style references: field prefix → (id field, table).
const REFERENCES: [(&str, &str, &str); 3] = [
    ("accessLevel", "accessLevelID", "accesslevel"),
    ("homeGroup", "homeGroupID", "group"),
    ("role", "roleID", "role"),
];

#[derive(Default, Clone)]
struct Table {
    rows: BTreeMap<u64, Map<String, Value>>,
    by_id: HashMap<String, u64>,
    /// Row keys in order, so an unfiltered page is a slice, not a walk of
    /// `$$FIRST` rows; rebuilt after deletes and rollbacks.
    order: Vec<u64>,
    order_stale: bool,
}

/// Rendered rows by `(table, fields)`, then by row sequence: listing a page
/// is then a copy of bytes. Cleared by every write.
type RenderCache = HashMap<(&'static str, String), HashMap<u64, Vec<u8>>>;

#[derive(Default)]
struct State {
    tables: HashMap<&'static str, Table>,
    render_cache: RenderCache,
    sessions: HashMap<String, Instant>,
    tokens: HashMap<String, Instant>,
    subscriptions: BTreeMap<String, Value>,
    next_seq: u64,
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

/// One row as it was before a batch touched it (`None`: it did not exist).
type PriorRow = (&'static str, u64, Option<Map<String, Value>>);

/// Undo information for an atomic batch: prior rows to put back.
#[derive(Default)]
struct Journal {
    prior: Vec<PriorRow>,
}

/// The simulator; see [`WorkfrontSandbox`](super::WorkfrontSandbox).
pub struct WorkfrontSim {
    config: SimConfig,
    state: Mutex<State>,
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        other => Some(other.to_string()),
    }
}

fn compare(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal),
        _ => a.cmp(b),
    }
}

/// A parsed filter of a search query.
struct Clause {
    field: String,
    modifier: Modifier,
    values: Vec<String>,
    /// The values as a set, for `in` / `notin` over many values.
    set: std::collections::HashSet<String>,
    range: Option<String>,
}

impl Clause {
    fn matches(&self, row: &Map<String, Value>) -> bool {
        let value = row.get(&self.field).and_then(text);
        let first = self.values.first().map(String::as_str).unwrap_or("");
        let lower = |s: &str| s.to_lowercase();
        match (self.modifier, value.as_deref()) {
            (Modifier::Isnull, v) => v.is_none_or(str::is_empty),
            (Modifier::Notnull, v) => v.is_some_and(|v| !v.is_empty()),
            (Modifier::Ne, None)
            | (Modifier::Cine, None)
            | (Modifier::Notin, None)
            | (Modifier::Notcontains, None) => true,
            (_, None) => false,
            (Modifier::Eq, Some(v)) => self.values.iter().any(|x| x == v),
            (Modifier::Ne, Some(v)) => v != first,
            (Modifier::Cieq, Some(v)) => self.values.iter().any(|x| lower(x) == lower(v)),
            (Modifier::Cine, Some(v)) => lower(v) != lower(first),
            (Modifier::Contains, Some(v)) => v.contains(first),
            (Modifier::Cicontains, Some(v)) => lower(v).contains(&lower(first)),
            (Modifier::Notcontains, Some(v)) => !v.contains(first),
            (Modifier::Like, Some(v)) => like(v, first),
            (Modifier::Cilike, Some(v)) => like(&lower(v), &lower(first)),
            (Modifier::In, Some(v)) => self.set.contains(v),
            (Modifier::Notin, Some(v)) => !self.set.contains(v),
            (Modifier::Gt, Some(v)) => compare(v, first).is_gt(),
            (Modifier::Gte, Some(v)) => compare(v, first).is_ge(),
            (Modifier::Lt, Some(v)) => compare(v, first).is_lt(),
            (Modifier::Lte, Some(v)) => compare(v, first).is_le(),
            (Modifier::Between, Some(v)) => {
                compare(v, first).is_ge()
                    && self
                        .range
                        .as_deref()
                        .is_some_and(|hi| compare(v, hi).is_le())
            }
        }
    }
}

/// `%` wildcard matching.
fn like(value: &str, pattern: &str) -> bool {
    let parts: Vec<&str> = pattern.split('%').collect();
    if parts.len() == 1 {
        return value == pattern;
    }
    let mut rest = value;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else if let Some(pos) = rest.find(part) {
            rest = &rest[pos + part.len()..];
        } else {
            return false;
        }
    }
    true
}

const RESERVED: [&str; 5] = ["fields", "$$FIRST", "$$LIMIT", "method", "sessionID"];

fn parse_clauses(req: &SimRequest) -> Result<Vec<Clause>, Failure> {
    let mut clauses: Vec<Clause> = Vec::new();
    for (key, _) in &req.query {
        if RESERVED.contains(&key.as_str())
            || key == "apiKey"
            || key.ends_with("_Mod")
            || key.ends_with("_Range")
            || key.ends_with("_Sort")
            || clauses.iter().any(|c| &c.field == key)
        {
            continue;
        }
        let values: Vec<String> = req.query_all(key).map(str::to_owned).collect();
        let modifier = match req.query_get(&format!("{key}_Mod")) {
            Some(m) => Modifier::parse(m)
                .ok_or_else(|| failure(422, format!("unknown modifier {m:?} for {key}")))?,
            None if values.len() > 1 => Modifier::In,
            None => Modifier::Eq,
        };
        clauses.push(Clause {
            field: key.clone(),
            modifier,
            set: values.iter().cloned().collect(),
            values,
            range: req.query_get(&format!("{key}_Range")).map(str::to_owned),
        });
    }
    // Modifiers without a value (isnull / notnull).
    for (key, value) in &req.query {
        if let Some(field) = key.strip_suffix("_Mod")
            && !clauses.iter().any(|c| c.field == field)
        {
            let modifier = Modifier::parse(value)
                .ok_or_else(|| failure(422, format!("unknown modifier {value:?}")))?;
            clauses.push(Clause {
                field: field.to_owned(),
                modifier,
                values: Vec::new(),
                set: Default::default(),
                range: None,
            });
        }
    }
    Ok(clauses)
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
        }
        sim
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn id_of(state: &State, table: &str, name: &str) -> Option<String> {
        state
            .tables
            .get(table)?
            .rows
            .values()
            .find(|r| r.get("name").and_then(Value::as_str) == Some(name))
            .and_then(|r| r.get("ID"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    }

    /// Adds `count` users `user{n}@example.com` (every tenth inactive, every
    /// third in Finance, all on the Standard access level).
    pub(crate) fn seed_users(&self, count: usize) {
        let mut state = self.lock();
        let standard = Self::id_of(&state, "accesslevel", "Standard");
        let finance = Self::id_of(&state, "group", "Finance");
        let start = state.tables.get("user").map_or(0, |t| t.rows.len());
        let stamp = rfc3339(SystemTime::now());
        for n in start..start + count {
            let email = format!("user{n}@example.com");
            let mut row = json_map(json!({
                "username": email,
                "emailAddr": email,
                "firstName": "User",
                "lastName": format!("{n:06}"),
                "isActive": n % 10 != 9,
                "accessLevelID": standard,
                "homeGroupID": if n % 3 == 0 { finance.clone() } else { None },
                "lastUpdateDate": stamp,
            }));
            row.retain(|_, v| !v.is_null());
            Self::insert(&mut state, "user", row);
        }
    }

    /// Every row of a table, for assertions.
    pub(crate) fn rows(&self, table: &str) -> Vec<Map<String, Value>> {
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

    fn insert(state: &mut State, table: &'static str, mut row: Map<String, Value>) -> String {
        state.next_seq += 1;
        let seq = state.next_seq;
        let tag = OBJ_CODES
            .iter()
            .find(|(t, _, _)| *t == table)
            .map_or(0, |(_, _, tag)| *tag);
        let id = format!("{tag:04x}{seq:028x}");
        let obj_code = OBJ_CODES
            .iter()
            .find(|(t, _, _)| *t == table)
            .map_or("", |(_, c, _)| *c);
        row.insert("ID".into(), json!(id));
        row.insert("objCode".into(), json!(obj_code));
        let t = state.tables.entry(table).or_default();
        t.by_id.insert(id.clone(), seq);
        t.rows.insert(seq, row);
        t.order.push(seq);
        id
    }

    fn row<'a>(state: &'a State, table: &str, id: &str) -> Option<&'a Map<String, Value>> {
        Self::table_row(&state.tables, table, id)
    }

    fn table_row<'a>(
        tables: &'a HashMap<&'static str, Table>,
        table: &str,
        id: &str,
    ) -> Option<&'a Map<String, Value>> {
        let t = tables.get(table)?;
        t.by_id.get(id).and_then(|seq| t.rows.get(seq))
    }

    /// Renders a row with the requested `fields` (`*`, references).
    fn render(
        tables: &HashMap<&'static str, Table>,
        table: &str,
        row: &Map<String, Value>,
        fields: Option<&str>,
    ) -> Value {
        let mut out = Map::new();
        for key in ["ID", "objCode"] {
            if let Some(v) = row.get(key) {
                out.insert(key.into(), v.clone());
            }
        }
        let name = if table == "user" {
            let part = |k: &str| row.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
            json!(format!("{} {}", part("firstName"), part("lastName")).trim())
        } else {
            row.get("name").cloned().unwrap_or(Value::Null)
        };
        out.insert("name".into(), name);
        for field in fields
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|f| !f.is_empty())
        {
            if field == "*" {
                for (k, v) in row {
                    if k != "password" {
                        out.insert(k.clone(), v.clone());
                    }
                }
            } else if let Some((reference, _)) = field.split_once(':') {
                let target = REFERENCES.iter().find(|(r, _, _)| *r == reference);
                let value = target
                    .and_then(|(_, id_field, table)| {
                        let id = row.get(*id_field)?.as_str()?;
                        let target = Self::table_row(tables, table, id)?;
                        Some(Self::render(tables, table, target, Some("")))
                    })
                    .unwrap_or(Value::Null);
                out.insert(reference.into(), value);
            } else if field != "password" {
                out.insert(field.into(), row.get(field).cloned().unwrap_or(Value::Null));
            }
        }
        Value::Object(out)
    }

    fn authorized(&self, state: &mut State, req: &SimRequest) -> bool {
        let now = Instant::now();
        let session = req
            .header("sessionid")
            .or_else(|| req.query_get("sessionID"));
        if let Some(session) = session {
            return state.sessions.get(session).is_some_and(|exp| *exp > now);
        }
        if let Some(token) = req.bearer() {
            return state.tokens.get(token).is_some_and(|exp| *exp > now);
        }
        req.query_get("apiKey").or_else(|| req.header("apikey"))
            == Some(self.config.api_key.as_str())
    }

    fn login(&self, req: &SimRequest) -> SimResponse {
        let mut fields = req.form();
        fields.extend(req.query.iter().cloned());
        let get = |k: &str| {
            fields
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
        };
        if get("username").as_deref() != Some(self.config.username.as_str())
            || get("password").as_deref() != Some(self.config.password.as_str())
        {
            return render_failure(failure(401, "Invalid username or password"));
        }
        let session = format!("wf_sess_{:032x}", rand::rng().random::<u128>());
        let mut state = self.lock();
        let now = Instant::now();
        state.sessions.retain(|_, exp| *exp > now);
        state
            .sessions
            .insert(session.clone(), now + self.config.session_ttl);
        SimResponse::json(
            200,
            &json!({"data": {"sessionID": session, "userID": "sandbox-admin"}}),
        )
    }

    fn ims_token(&self, req: &SimRequest) -> SimResponse {
        let request = match check_client_credentials(
            req,
            &self.config.ims_client_id,
            &self.config.ims_client_secret,
        ) {
            Ok(request) => request,
            Err(refused) => return refused,
        };
        let scopes: Vec<&str> = request
            .field("scope")
            .unwrap_or("")
            .split([',', ' '])
            .collect();
        if !scopes.contains(&"workfront.full_access") || !scopes.contains(&"openid") {
            return oauth_error(
                400,
                "invalid_scope",
                "scopes openid and workfront.full_access are required",
            );
        }
        let token = format!("ims_at_{:032x}", rand::rng().random::<u128>());
        let mut state = self.lock();
        let now = Instant::now();
        state.tokens.retain(|_, exp| *exp > now);
        state
            .tokens
            .insert(token.clone(), now + self.config.token_ttl);
        SimResponse::json(
            200,
            &json!({"access_token": token, "token_type": "bearer", "expires_in": self.config.token_ttl.as_secs()}),
        )
    }

    fn search(
        &self,
        state: &mut State,
        table: &'static str,
        req: &SimRequest,
        count_only: bool,
    ) -> Outcome {
        let clauses = parse_clauses(req)?;
        let first: usize = req
            .query_get("$$FIRST")
            .map_or(Ok(0), str::parse)
            .map_err(|_| failure(422, "$$FIRST must be a number"))?;
        let limit: usize = req
            .query_get("$$LIMIT")
            .map_or(Ok(100), str::parse)
            .map_err(|_| failure(422, "$$LIMIT must be a number"))?;
        if limit > 2000 {
            return Err(failure(
                422,
                format!("$$LIMIT may not exceed 2000 (got {limit})"),
            ));
        }
        if let Some(t) = state.tables.get_mut(table)
            && t.order_stale
        {
            t.order = t.rows.keys().copied().collect();
            t.order_stale = false;
        }
        let State {
            tables,
            render_cache,
            ..
        } = state;
        let Some(rows) = tables.get(table) else {
            return Ok(Payload::Json(if count_only {
                json!({"count": 0})
            } else {
                json!([])
            }));
        };
        let matching = rows
            .rows
            .iter()
            .filter(|(_, row)| clauses.iter().all(|c| c.matches(row)));
        if count_only {
            return Ok(Payload::Json(json!({"count": matching.count()})));
        }
        let sort: Vec<(String, bool)> = req
            .query
            .iter()
            .filter_map(|(k, v)| {
                k.strip_suffix("_Sort").map(|f| {
                    (
                        f.split('_').next().unwrap_or(f).to_owned(),
                        !v.eq_ignore_ascii_case("desc"),
                    )
                })
            })
            .collect();
        // Rows are kept in ID order, so an ID sort (or none) needs no work.
        let natural = sort.iter().all(|(f, asc)| f == "ID" && *asc);
        let page: Vec<(&u64, &Map<String, Value>)> = if natural && clauses.is_empty() {
            let keys = rows.order.get(first..).unwrap_or(&[]);
            keys.iter()
                .take(limit)
                .filter_map(|seq| rows.rows.get_key_value(seq))
                .collect()
        } else if natural {
            matching.skip(first).take(limit).collect()
        } else {
            let mut all: Vec<_> = matching.collect();
            all.sort_by(|(_, a), (_, b)| {
                for (field, asc) in &sort {
                    let x = a.get(field).and_then(text).unwrap_or_default();
                    let y = b.get(field).and_then(text).unwrap_or_default();
                    let order = compare(&x, &y);
                    if order.is_ne() {
                        return if *asc { order } else { order.reverse() };
                    }
                }
                std::cmp::Ordering::Equal
            });
            all.into_iter().skip(first).take(limit).collect()
        };
        let fields = req.query_get("fields");
        let cache = render_cache
            .entry((table, fields.unwrap_or("").to_owned()))
            .or_default();
        let mut body = Vec::with_capacity(page.len() * 256 + 2);
        body.push(b'[');
        for (i, (seq, row)) in page.into_iter().enumerate() {
            if i > 0 {
                body.push(b',');
            }
            let rendered = cache.entry(*seq).or_insert_with(|| {
                serde_json::to_vec(&Self::render(tables, table, row, fields)).unwrap_or_default()
            });
            body.extend_from_slice(rendered);
        }
        body.push(b']');
        Ok(Payload::Raw(body))
    }

    /// Checks a user body against the guide's rules. `existing` is the id
    /// being updated, if any.
    fn validate_user(
        state: &State,
        body: &Map<String, Value>,
        existing: Option<&str>,
    ) -> Result<(), Failure> {
        if existing.is_none() {
            for field in [
                "username",
                "emailAddr",
                "firstName",
                "lastName",
                "accessLevelID",
            ] {
                if body
                    .get(field)
                    .and_then(Value::as_str)
                    .is_none_or(|v| v.trim().is_empty())
                {
                    return Err(failure(422, format!("{field} is required")));
                }
            }
        }
        for (field, value) in body {
            match (field.as_str(), value) {
                ("ID" | "objCode", _) => return Err(failure(422, format!("{field} is read-only"))),
                ("isActive", v) if !v.is_boolean() => {
                    return Err(failure(422, "isActive must be a boolean"));
                }
                ("emailAddr", v) if !v.as_str().is_some_and(|e| e.contains('@')) => {
                    return Err(failure(
                        422,
                        format!("emailAddr {v} is not a valid email address"),
                    ));
                }
                ("firstName" | "lastName" | "username", v)
                    if v.as_str().is_none_or(|s| s.trim().is_empty()) =>
                {
                    return Err(failure(422, format!("{field} may not be empty")));
                }
                _ => {}
            }
        }
        for (field, table) in [
            ("accessLevelID", "accesslevel"),
            ("homeGroupID", "group"),
            ("roleID", "role"),
        ] {
            if let Some(id) = body.get(field).and_then(Value::as_str)
                && Self::row(state, table, id).is_none()
            {
                return Err(failure(
                    422,
                    format!("invalid {field}: {id} does not exist"),
                ));
            }
        }
        if let Some(username) = body.get("username").and_then(Value::as_str) {
            let taken = state.tables.get("user").is_some_and(|t| {
                t.rows.values().any(|r| {
                    r.get("username")
                        .and_then(Value::as_str)
                        .is_some_and(|u| u.eq_ignore_ascii_case(username))
                        && r.get("ID").and_then(Value::as_str) != existing
                })
            });
            if taken {
                return Err(failure(
                    422,
                    format!("username {username} must be unique: it is already in use"),
                ));
            }
        }
        Ok(())
    }

    /// Runs one operation (a request, or an operation of a batch).
    fn operate(
        &self,
        state: &mut State,
        journal: &mut Journal,
        method: &str,
        path: &[&str],
        query: &SimRequest,
        body: &[u8],
    ) -> Outcome {
        let body_map = || -> Result<Map<String, Value>, Failure> {
            if body.iter().all(u8::is_ascii_whitespace) {
                return Ok(Map::new());
            }
            match serde_json::from_slice::<Value>(body) {
                Ok(Value::Object(map)) => Ok(map),
                Ok(_) => Err(failure(422, "the body must be a JSON object")),
                Err(e) => Err(failure(400, format!("malformed JSON body: {e}"))),
            }
        };
        if method != "GET" {
            state.render_cache.clear();
        }
        let fields = query.query_get("fields");
        let table_of = |code: &str| {
            OBJ_CODES
                .iter()
                .find(|(t, _, _)| t.eq_ignore_ascii_case(code))
                .map(|(t, _, _)| *t)
        };
        match (method, path) {
            ("PATCH", _) => Err(failure(405, "PATCH is not supported: use PUT")),
            ("GET", [code, "search"]) => {
                let table = table_of(code)
                    .ok_or_else(|| failure(404, format!("unknown object code {code}")))?;
                self.search(state, table, query, false)
            }
            ("GET", [code, "count"]) => {
                let table = table_of(code)
                    .ok_or_else(|| failure(404, format!("unknown object code {code}")))?;
                self.search(state, table, query, true)
            }
            ("GET", [code, id]) => {
                let table = table_of(code)
                    .ok_or_else(|| failure(404, format!("unknown object code {code}")))?;
                let row = Self::row(state, table, id)
                    .ok_or_else(|| failure(404, format!("{code} {id} not found")))?;
                Ok(Payload::Json(Self::render(
                    &state.tables,
                    table,
                    row,
                    fields,
                )))
            }
            ("POST", [code]) => {
                let table = table_of(code)
                    .ok_or_else(|| failure(404, format!("unknown object code {code}")))?;
                let mut row = body_map()?;
                match table {
                    "user" => {
                        Self::validate_user(state, &row, None)?;
                        row.entry("isActive").or_insert(json!(true));
                    }
                    "group" => {
                        if row
                            .get("name")
                            .and_then(Value::as_str)
                            .is_none_or(|n| n.trim().is_empty())
                        {
                            return Err(failure(422, "name is required"));
                        }
                    }
                    _ => return Err(failure(405, format!("{code} cannot be created here"))),
                }
                row.insert("lastUpdateDate".into(), json!(rfc3339(SystemTime::now())));
                let id = Self::insert(state, table, row);
                let seq = state
                    .tables
                    .get(table)
                    .and_then(|t| t.by_id.get(&id))
                    .copied()
                    .unwrap_or(0);
                journal.prior.push((table, seq, None));
                let row =
                    Self::row(state, table, &id).ok_or_else(|| failure(500, "lost the new row"))?;
                Ok(Payload::Json(Self::render(
                    &state.tables,
                    table,
                    row,
                    fields,
                )))
            }
            ("PUT", [code, id]) => {
                let table = table_of(code)
                    .ok_or_else(|| failure(404, format!("unknown object code {code}")))?;
                let changes = body_map()?;
                if Self::row(state, table, id).is_none() {
                    return Err(failure(404, format!("{code} {id} not found")));
                }
                if table == "user" {
                    Self::validate_user(state, &changes, Some(id))?;
                }
                let t = state
                    .tables
                    .get_mut(table)
                    .ok_or_else(|| failure(404, "no table"))?;
                let seq = *t
                    .by_id
                    .get(*id)
                    .ok_or_else(|| failure(404, format!("{code} {id} not found")))?;
                let row = t
                    .rows
                    .get_mut(&seq)
                    .ok_or_else(|| failure(404, format!("{code} {id} not found")))?;
                journal.prior.push((table, seq, Some(row.clone())));
                for (k, v) in changes {
                    if v.is_null() {
                        row.remove(&k);
                    } else {
                        row.insert(k, v);
                    }
                }
                row.insert("lastUpdateDate".into(), json!(rfc3339(SystemTime::now())));
                let row =
                    Self::row(state, table, id).ok_or_else(|| failure(500, "lost the row"))?;
                Ok(Payload::Json(Self::render(
                    &state.tables,
                    table,
                    row,
                    fields,
                )))
            }
            ("DELETE", [code, id]) => {
                let table = table_of(code)
                    .ok_or_else(|| failure(404, format!("unknown object code {code}")))?;
                let t = state
                    .tables
                    .get_mut(table)
                    .ok_or_else(|| failure(404, "no table"))?;
                let seq = t
                    .by_id
                    .remove(*id)
                    .ok_or_else(|| failure(404, format!("{code} {id} not found")))?;
                let prior = t.rows.remove(&seq);
                t.order_stale = true;
                journal.prior.push((table, seq, prior));
                Ok(Payload::Json(json!({"success": true})))
            }
            _ => Err(failure(
                404,
                format!("no route for {method} {}", path.join("/")),
            )),
        }
    }

    fn undo(state: &mut State, journal: Journal) {
        state.render_cache.clear();
        for (table, seq, prior) in journal.prior.into_iter().rev() {
            let Some(t) = state.tables.get_mut(table) else {
                continue;
            };
            t.order_stale = true;
            match prior {
                Some(row) => {
                    if let Some(id) = row.get("ID").and_then(Value::as_str) {
                        t.by_id.insert(id.to_owned(), seq);
                    }
                    t.rows.insert(seq, row);
                }
                None => {
                    if let Some(row) = t.rows.remove(&seq)
                        && let Some(id) = row.get("ID").and_then(Value::as_str)
                    {
                        t.by_id.remove(id);
                    }
                }
            }
        }
    }

    fn batch(&self, state: &mut State, req: &SimRequest) -> Outcome {
        #[derive(serde::Deserialize)]
        struct Op {
            method: String,
            uri: String,
            #[serde(default)]
            body: Option<Value>,
        }
        #[derive(serde::Deserialize)]
        struct Batch {
            updates: Vec<Op>,
        }
        let batch: Batch = serde_json::from_slice(&req.body)
            .map_err(|e| failure(400, format!("malformed batch: {e}")))?;
        if batch.updates.len() > self.config.max_batch {
            return Err(failure(
                422,
                format!(
                    "a batch may hold at most {} operations, got {}",
                    self.config.max_batch,
                    batch.updates.len()
                ),
            ));
        }
        let mut journal = Journal::default();
        let mut results = Vec::with_capacity(batch.updates.len());
        for (i, op) in batch.updates.iter().enumerate() {
            let (path, query) = op.uri.split_once('?').unwrap_or((&op.uri, ""));
            let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
            let op_req = SimRequest {
                method: req.method.clone(),
                segments: Vec::new(),
                path: path.to_owned(),
                query: url::form_urlencoded::parse(query.as_bytes())
                    .into_owned()
                    .collect(),
                headers: Default::default(),
                body: Default::default(),
            };
            let body = op
                .body
                .as_ref()
                .map(|b| serde_json::to_vec(b).unwrap_or_default())
                .unwrap_or_default();
            match self.operate(
                state,
                &mut journal,
                &op.method.to_ascii_uppercase(),
                &segments,
                &op_req,
                &body,
            ) {
                Ok(value) => results.push(value.into_value()),
                Err(Failure(status, message)) if self.config.atomic_batch => {
                    Self::undo(state, journal);
                    return Err(failure(
                        status,
                        format!(
                            "batch operation {i} ({} {}) failed: {message}",
                            op.method, op.uri
                        ),
                    ));
                }
                Err(Failure(_, message)) => results.push(json!({"error": {"message": message}})),
            }
        }
        Ok(Payload::Json(Value::Array(results)))
    }

    fn subscriptions(&self, state: &mut State, req: &SimRequest, rest: &[&str]) -> SimResponse {
        match (req.method.as_str(), rest) {
            ("POST", []) => {
                let body: Value = match req.json() {
                    Ok(body) => body,
                    Err(bad) => return bad,
                };
                let field = |k: &str| body.get(k).and_then(Value::as_str).unwrap_or("");
                if !field("url").starts_with("https://") {
                    return render_failure(failure(400, "url must be https"));
                }
                if !["CREATE", "UPDATE", "DELETE"].contains(&field("eventType")) {
                    return render_failure(failure(
                        400,
                        "eventType must be CREATE, UPDATE or DELETE",
                    ));
                }
                if field("objCode").is_empty() || field("authToken").is_empty() {
                    return render_failure(failure(400, "objCode and authToken are required"));
                }
                let id = format!("{:032x}", rand::rng().random::<u128>());
                let mut stored = body.clone();
                if let Some(map) = stored.as_object_mut() {
                    map.insert("id".into(), json!(id));
                    map.remove("authToken");
                }
                state.subscriptions.insert(id.clone(), stored);
                SimResponse::empty(201).with_header(
                    HeaderName::from_static("location"),
                    &format!("/attask/eventsubscription/api/v1/subscriptions/{id}"),
                )
            }
            ("GET", []) => SimResponse::json(
                200,
                &json!({"subscriptions": state.subscriptions.values().collect::<Vec<_>>()}),
            ),
            ("GET", [id]) => match state.subscriptions.get(*id) {
                Some(sub) => SimResponse::json(200, sub),
                None => render_failure(failure(404, format!("subscription {id} not found"))),
            },
            ("DELETE", [id]) => match state.subscriptions.remove(*id) {
                Some(_) => SimResponse::empty(200),
                None => render_failure(failure(404, format!("subscription {id} not found"))),
            },
            _ => render_failure(failure(405, "method not allowed")),
        }
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
    fn like_patterns() {
        assert!(like("jane@example.com", "%@example.com"));
        assert!(like("jane@example.com", "jane%"));
        assert!(like("jane@example.com", "j%@%.com"));
        assert!(!like("jane@example.com", "%@other.com"));
        assert!(like("abc", "abc"));
    }

    #[test]
    fn versions() {
        assert!(is_version("v18.0") && is_version("v9.12"));
        assert!(!is_version("18.0") && !is_version("v18") && !is_version("vx.y"));
    }
}
