//! Get, create, update and delete of one object, with the guide's
//! validation rules for users.

use identity_core::sandbox::{SimRequest, now_rfc3339};
use serde_json::{Map, Value, json};

use super::store::{Journal, OBJ_CODES, State};
use super::{Failure, Outcome, Payload, WorkfrontSim, failure};

impl WorkfrontSim {
    /// Checks a user body against the guide's rules. `existing` is the id
    /// being updated, if any.
    pub(super) fn validate_user(
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
            ("scheduleID", "schedule"),
            ("companyID", "company"),
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
    pub(super) fn operate(
        &self,
        state: &mut State,
        journal: &mut Journal,
        method: &str,
        path: &[&str],
        query: &SimRequest,
        body: &[u8],
    ) -> Outcome {
        if method != "GET" {
            state.render_cache.clear();
        }
        let fields = query.query_get("fields");
        match (method, path) {
            ("PATCH", _) => Err(failure(405, "PATCH is not supported: use PUT")),
            ("GET", [code, "search"]) => self.search(state, table_of(code)?, query, false),
            ("GET", [code, "count"]) => self.search(state, table_of(code)?, query, true),
            ("GET", [code, id]) => {
                let table = table_of(code)?;
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
                let id = Self::create(state, journal, table_of(code)?, body_map(body)?)?;
                Self::rendered(state, table_of(code)?, &id, fields)
            }
            ("PUT", [code, id]) => {
                Self::update(state, journal, table_of(code)?, id, body_map(body)?)?;
                Self::rendered(state, table_of(code)?, id, fields)
            }
            ("DELETE", [code, id]) => {
                Self::delete(state, journal, table_of(code)?, id)?;
                Ok(Payload::Json(json!({"success": true})))
            }
            _ => Err(failure(
                404,
                format!("no route for {method} {}", path.join("/")),
            )),
        }
    }

    /// One row as the API answers it.
    fn rendered(state: &State, table: &'static str, id: &str, fields: Option<&str>) -> Outcome {
        let row = Self::row(state, table, id)
            .ok_or_else(|| failure(404, format!("{table} {id} not found")))?;
        Ok(Payload::Json(Self::render(
            &state.tables,
            table,
            row,
            fields,
        )))
    }

    /// `POST /{code}`: validates and inserts a row, returning its new id.
    fn create(
        state: &mut State,
        journal: &mut Journal,
        table: &'static str,
        mut row: Map<String, Value>,
    ) -> Result<String, Failure> {
        match table {
            "user" => {
                Self::validate_user(state, &row, None)?;
                row.entry("isActive").or_insert(json!(true));
                row.insert("entryDate".into(), json!(now_rfc3339()));
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
            "usrgps" => Self::validate_link(state, &row, "groupID", "group")?,
            "usrrol" => Self::validate_link(state, &row, "roleID", "role")?,
            _ => return Err(failure(405, format!("{table} cannot be created here"))),
        }
        row.insert("lastUpdateDate".into(), json!(now_rfc3339()));
        let id = Self::insert(state, table, row);
        let seq = state
            .tables
            .get(table)
            .and_then(|t| t.by_id.get(&id))
            .copied()
            .unwrap_or(0);
        journal.prior.push((table, seq, None));
        Ok(id)
    }

    /// A user's other group or other role: both ends exist, and the link is
    /// new.
    fn validate_link(
        state: &State,
        row: &Map<String, Value>,
        field: &str,
        target: &str,
    ) -> Result<(), Failure> {
        let id_of = |key: &str| row.get(key).and_then(Value::as_str);
        let (Some(user), Some(other)) = (id_of("userID"), id_of(field)) else {
            return Err(failure(422, format!("userID and {field} are required")));
        };
        if Self::row(state, "user", user).is_none() {
            return Err(failure(
                422,
                format!("invalid userID: {user} does not exist"),
            ));
        }
        if Self::row(state, target, other).is_none() {
            return Err(failure(
                422,
                format!("invalid {field}: {other} does not exist"),
            ));
        }
        let table = if target == "group" {
            "usrgps"
        } else {
            "usrrol"
        };
        let taken = state.tables.get(table).is_some_and(|t| {
            t.rows.values().any(|r| {
                r.get("userID").and_then(Value::as_str) == Some(user)
                    && r.get(field).and_then(Value::as_str) == Some(other)
            })
        });
        if taken {
            return Err(failure(
                422,
                format!("user {user} already has {target} {other}"),
            ));
        }
        Ok(())
    }

    /// `PUT /{code}/{id}`: merges the changes (a `null` removes a field).
    fn update(
        state: &mut State,
        journal: &mut Journal,
        table: &'static str,
        id: &str,
        changes: Map<String, Value>,
    ) -> Result<(), Failure> {
        let not_found = || failure(404, format!("{table} {id} not found"));
        if Self::row(state, table, id).is_none() {
            return Err(not_found());
        }
        if table == "user" {
            Self::validate_user(state, &changes, Some(id))?;
        }
        let t = state.tables.get_mut(table).ok_or_else(not_found)?;
        let seq = *t.by_id.get(id).ok_or_else(not_found)?;
        let row = t.rows.get_mut(&seq).ok_or_else(not_found)?;
        journal.prior.push((table, seq, Some(row.clone())));
        for (k, v) in changes {
            if v.is_null() {
                row.remove(&k);
            } else {
                row.insert(k, v);
            }
        }
        row.insert("lastUpdateDate".into(), json!(now_rfc3339()));
        Ok(())
    }

    /// `DELETE /{code}/{id}`.
    fn delete(
        state: &mut State,
        journal: &mut Journal,
        table: &'static str,
        id: &str,
    ) -> Result<(), Failure> {
        let not_found = || failure(404, format!("{table} {id} not found"));
        let t = state.tables.get_mut(table).ok_or_else(not_found)?;
        let seq = t.by_id.remove(id).ok_or_else(not_found)?;
        let prior = t.rows.remove(&seq);
        t.order_stale = true;
        journal.prior.push((table, seq, prior));
        Ok(())
    }
}

/// The table behind an object code (`user`, `USER`, ...).
fn table_of(code: &str) -> Result<&'static str, Failure> {
    OBJ_CODES
        .iter()
        .find(|(t, _, _)| t.eq_ignore_ascii_case(code))
        .map(|(t, _, _)| *t)
        .ok_or_else(|| failure(404, format!("unknown object code {code}")))
}

/// A request body as a JSON object (empty when blank).
fn body_map(body: &[u8]) -> Result<Map<String, Value>, Failure> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(failure(422, "the body must be a JSON object")),
        Err(e) => Err(failure(400, format!("malformed JSON body: {e}"))),
    }
}
