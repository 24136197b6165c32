//! PATCH operations (RFC 7644 §3.5.2) applied to one resource.

use identity_core::sandbox::SimRequest;
use serde_json::{Value, json};

use super::filter::{matches, parse_filter};
use super::{Failure, ScimSim, scim_error};
use crate::scim::wire::PATCH_OP;

impl ScimSim {
    pub(super) fn patch(resource: &mut Value, req: &SimRequest) -> Result<(), Failure> {
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
            Self::apply_op(resource, op)?;
        }
        Ok(())
    }

    /// Applies one operation of a PATCH request.
    fn apply_op(resource: &mut Value, op: &Value) -> Result<(), Failure> {
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
                let filter =
                    parse_filter(inner).map_err(|why| scim_error(400, Some("invalidPath"), why))?;
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
        Ok(())
    }
}
