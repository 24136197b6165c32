//! Decode throughput of each vendor's list page, in users per second on one
//! core.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::json;
use workfront_client::wire::{Envelope, WorkfrontUser};
use workiva_client::scim::wire::{ListResponse, ScimUser};
use workiva_client::wire::{ListEnvelope, WorkivaUser};

fn workiva_page(n: usize) -> Vec<u8> {
    let data: Vec<_> = (0..n)
        .map(|i| {
            json!({
        "id": format!("usr_{i:06}"), "email": format!("user{i}@example.com"), "firstName": "User",
        "lastName": format!("{i:06}"), "displayName": format!("User {i:06}"), "active": true,
        "roles": ["role_ws_member"], "createdAt": "2024-01-15T10:00:00.000Z",
        "updatedAt": "2024-01-15T10:00:00.000Z", "workspaceId": "wks_1"})
        })
        .collect();
    serde_json::to_vec(&json!({"data": data, "nextPageToken": "pt_1_2"})).unwrap()
}

fn workfront_page(n: usize) -> Vec<u8> {
    let data: Vec<_> = (0..n)
        .map(|i| {
            json!({
        "ID": format!("{i:032x}"), "name": format!("User {i:06}"), "objCode": "USER",
        "username": format!("user{i}@example.com"), "emailAddr": format!("user{i}@example.com"),
        "firstName": "User", "lastName": format!("{i:06}"), "title": null, "isActive": true,
        "accessLevelID": "0ac1000000000000000000000000002", "homeGroupID": null, "roleID": null,
        "ssoUsername": null, "lastUpdateDate": "2024-01-15T10:00:00.000Z"})
        })
        .collect();
    serde_json::to_vec(&json!({"data": data})).unwrap()
}

fn scim_page(n: usize) -> Vec<u8> {
    let resources: Vec<_> = (0..n).map(|i| json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": format!("{i:032x}"),
        "userName": format!("user{i}@example.com"), "name": {"givenName": "User", "familyName": format!("{i:06}")},
        "emails": [{"value": format!("user{i}@example.com"), "type": "work", "primary": true}], "active": true,
        "meta": {"resourceType": "User", "lastModified": "2024-01-15T10:00:00.000Z"}})).collect();
    serde_json::to_vec(
        &json!({"totalResults": n, "startIndex": 1, "itemsPerPage": n, "Resources": resources}),
    )
    .unwrap()
}

fn decode(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode list page");
    let workiva = workiva_page(100);
    group.throughput(Throughput::Elements(100));
    group.bench_function("workiva page of 100 users", |b| {
        b.iter(|| serde_json::from_slice::<ListEnvelope<WorkivaUser>>(&workiva).unwrap())
    });
    let workfront = workfront_page(2000);
    group.throughput(Throughput::Elements(2000));
    group.bench_function("workfront page of 2000 users", |b| {
        b.iter(|| serde_json::from_slice::<Envelope<Vec<WorkfrontUser>>>(&workfront).unwrap())
    });
    let scim = scim_page(100);
    group.throughput(Throughput::Elements(100));
    group.bench_function("scim page of 100 users", |b| {
        b.iter(|| serde_json::from_slice::<ListResponse<ScimUser>>(&scim).unwrap())
    });
    group.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
