//! Discovery (RFC 7644 §4): `/ResourceTypes` and `/Schemas`, describing
//! the User and Group resources this simulator serves.

use identity_core::sandbox::SimResponse;
use serde_json::{Value, json};

use crate::scim::wire::{GROUP_SCHEMA, LIST_RESPONSE, USER_SCHEMA};

const RESOURCE_TYPE: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
const SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

fn list(resources: &[Value]) -> SimResponse {
    SimResponse::json(
        200,
        &json!({
            "schemas": [LIST_RESPONSE], "totalResults": resources.len(),
            "startIndex": 1, "itemsPerPage": resources.len(), "Resources": resources,
        }),
    )
}

/// `GET /ResourceTypes` (`id: None`) or `/ResourceTypes/{id}`.
pub(super) fn resource_types(id: Option<&str>) -> SimResponse {
    one_or_all(resource_type_list(), id)
}

/// `GET /Schemas` (`id: None`) or `/Schemas/{id}`.
pub(super) fn schemas(id: Option<&str>) -> SimResponse {
    one_or_all(schema_list(), id)
}

fn one_or_all(items: Vec<Value>, id: Option<&str>) -> SimResponse {
    match id {
        None => list(&items),
        Some(id) => match items.into_iter().find(|item| item["id"] == id) {
            Some(item) => SimResponse::json(200, &item),
            None => super::scim_error(404, None, format!("{id} not found")),
        },
    }
}

fn resource_type_list() -> Vec<Value> {
    let resource = |id: &str, endpoint: &str, schema: &str| {
        json!({
            "schemas": [RESOURCE_TYPE], "id": id, "name": id, "endpoint": endpoint,
            "schema": schema,
            "meta": {"resourceType": "ResourceType", "location": format!("/scim/v2/ResourceTypes/{id}")},
        })
    };
    vec![
        resource("User", "/Users", USER_SCHEMA),
        resource("Group", "/Groups", GROUP_SCHEMA),
    ]
}

/// One attribute of a schema.
fn attribute(name: &str, kind: &str, required: bool, multi: bool) -> Value {
    json!({
        "name": name, "type": kind, "multiValued": multi, "required": required,
        "caseExact": false, "mutability": "readWrite", "returned": "default",
        "uniqueness": if name == "userName" { "server" } else { "none" },
    })
}

fn schema_list() -> Vec<Value> {
    let mut name = attribute("name", "complex", false, false);
    name["subAttributes"] = json!([
        attribute("givenName", "string", false, false),
        attribute("familyName", "string", false, false),
    ]);
    let mut emails = attribute("emails", "complex", false, true);
    emails["subAttributes"] = json!([
        attribute("value", "string", false, false),
        attribute("type", "string", false, false),
        attribute("primary", "boolean", false, false),
    ]);
    let mut members = attribute("members", "complex", false, true);
    members["subAttributes"] = json!([attribute("value", "string", false, false)]);
    let schema = |id: &str, name: &str, attributes: Vec<Value>| {
        json!({
            "schemas": [SCHEMA], "id": id, "name": name, "attributes": attributes,
            "meta": {"resourceType": "Schema", "location": format!("/scim/v2/Schemas/{id}")},
        })
    };
    vec![
        schema(
            USER_SCHEMA,
            "User",
            vec![
                attribute("userName", "string", true, false),
                name,
                attribute("displayName", "string", false, false),
                emails,
                attribute("active", "boolean", false, false),
            ],
        ),
        schema(
            GROUP_SCHEMA,
            "Group",
            vec![attribute("displayName", "string", true, false), members],
        ),
    ]
}
