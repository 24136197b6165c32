//! `/groups` with their members, and `/roles`.

use identity_core::sandbox::{SimRequest, SimResponse};
use serde_json::{Map, Value, json};

use super::{PlatformSim, State, err};
use crate::wire::{GroupChange, WorkivaGroup};

impl PlatformSim {
    /// Routes `/roles...` (`rest` is what follows `roles`).
    pub(super) fn roles_route(state: &State, req: &SimRequest, rest: &[&str]) -> SimResponse {
        match (req.method.as_str(), rest) {
            ("GET", []) => Self::page(req, &state.roles, &[]),
            ("GET", [id]) => match state.roles.iter().find(|r| r.id == *id) {
                Some(role) => SimResponse::json(200, role),
                None => err(404, "not_found", format!("role {id} not found")),
            },
            _ => Self::not_allowed(req),
        }
    }

    /// Routes `/groups...` (`rest` is what follows `groups`).
    pub(super) fn groups_route(state: &mut State, req: &SimRequest, rest: &[&str]) -> SimResponse {
        match (req.method.as_str(), rest) {
            ("GET", []) => {
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
            ("POST", []) => Self::create_group(state, req),
            ("GET", [id]) => match Self::group(state, id) {
                Some(group) => SimResponse::json(200, group),
                None => err(404, "not_found", format!("group {id} not found")),
            },
            ("PATCH", [id]) => Self::patch_group(state, id, req),
            ("GET", [id, "members"]) => {
                if Self::group(state, id).is_none() {
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
            ("POST", [id, "members"]) => Self::add_member(state, id, req),
            ("DELETE", [id, "members", user]) => {
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
            _ => Self::not_allowed(req),
        }
    }

    fn create_group(state: &mut State, req: &SimRequest) -> SimResponse {
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
        let group = Self::insert_group(state, &name, body.description);
        SimResponse::json(201, &group)
    }

    fn patch_group(state: &mut State, id: &str, req: &SimRequest) -> SimResponse {
        let body: GroupChange = match req.json() {
            Ok(body) => body,
            Err(bad) => return bad,
        };
        let Some(seq) = state.group_seq_by_id.get(id).copied() else {
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

    fn add_member(state: &mut State, id: &str, req: &SimRequest) -> SimResponse {
        let body: Value = match req.json() {
            Ok(body) => body,
            Err(bad) => return bad,
        };
        let Some(user) = body.get("userId").and_then(Value::as_str) else {
            return err(400, "validation_error", "userId is required");
        };
        if Self::group(state, id).is_none() {
            return err(404, "not_found", format!("group {id} not found"));
        }
        if !state.seq_by_id.contains_key(user) {
            return err(404, "not_found", format!("user {user} not found"));
        }
        if !state
            .members
            .entry(id.to_owned())
            .or_default()
            .insert(user.to_owned())
        {
            return err(409, "conflict", format!("user {user} is already a member"));
        }
        SimResponse::json(201, &json!({"groupId": id, "userId": user}))
    }

    pub(super) fn insert_group(
        state: &mut State,
        name: &str,
        description: Option<String>,
    ) -> WorkivaGroup {
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

    fn group<'a>(state: &'a State, id: &str) -> Option<&'a WorkivaGroup> {
        state
            .group_seq_by_id
            .get(id)
            .and_then(|s| state.groups.get(s))
    }
}
