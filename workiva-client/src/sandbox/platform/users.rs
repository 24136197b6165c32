//! `/users`: list (with `email` and `updatedAt` filters), create, read,
//! patch and delete.

use identity_core::sandbox::{SimRequest, SimResponse};
use serde_json::{Map, Value, json};

use super::{ListBody, PlatformSim, State, decode_token, encode_token, err, fingerprint, now};
use crate::wire::{CreateUser, UpdateUser, WorkivaUser};

impl PlatformSim {
    /// Routes `/users...` (`rest` is what follows `users`).
    pub(super) fn users_route(
        &self,
        state: &mut State,
        req: &SimRequest,
        rest: &[&str],
    ) -> SimResponse {
        match (req.method.as_str(), rest) {
            ("GET", []) => self.list_users(state, req),
            ("POST", []) => self.create_user(state, req),
            ("GET", [id]) => match state.seq_by_id.get(*id).and_then(|s| state.users.get(s)) {
                Some(user) => SimResponse::json(200, user),
                None => err(404, "not_found", format!("user {id} not found")),
            },
            ("PATCH", [id]) => self.patch_user(state, id, req),
            ("DELETE", [id]) => Self::delete_user(state, id),
            _ => Self::not_allowed(req),
        }
    }

    /// The 400 for a role id the workspace does not define, if any.
    fn unknown_role(state: &State, roles: Option<&[String]>) -> Option<SimResponse> {
        let bad = roles?
            .iter()
            .find(|r| !state.roles.iter().any(|k| &k.id == *r))?;
        Some(err(400, "validation_error", format!("unknown role {bad}")))
    }

    fn delete_user(state: &mut State, id: &str) -> SimResponse {
        let Some(seq) = state.seq_by_id.remove(id) else {
            return err(404, "not_found", format!("user {id} not found"));
        };
        if let Some(user) = state.users.remove(&seq) {
            let email = user.email.unwrap_or_default().to_lowercase();
            state.id_by_email.remove(&email);
        }
        for members in state.members.values_mut() {
            members.remove(id);
        }
        SimResponse::empty(204)
    }

    pub(super) fn insert_user(state: &mut State, workspace: &str, body: CreateUser) -> String {
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
        if let Some(refused) = Self::unknown_role(state, body.roles.as_deref()) {
            return refused;
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
        if let Some(refused) = Self::unknown_role(state, body.roles.as_deref()) {
            return refused;
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

fn looks_like_email(email: &str) -> bool {
    identity_core::validate_email(email).is_ok()
}
