//! The tables: rows by sequence, ids, rendering with `fields`, and the undo
//! journal of an atomic batch.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value, json};
use tokio::time::Instant;

use super::WorkfrontSim;

/// The object types the simulator stores.
pub(super) const OBJ_CODES: [(&str, &str, u16); 8] = [
    ("user", "USER", 0x05e7),
    ("group", "GROUP", 0x0960),
    ("accesslevel", "ACSLVL", 0x0ac1),
    ("role", "ROLE", 0x0701),
    ("usrgps", "USRGPS", 0x05e6),
    ("usrrol", "USRROL", 0x05e5),
    ("schedule", "SCHED", 0x0c4e),
    ("company", "CMPY", 0x0c0a),
];

/// A user's collections (`userGroups:groupID`): field → (table, owner field).
const COLLECTIONS: [(&str, &str, &str); 2] = [
    ("userGroups", "usrgps", "userID"),
    ("userRoles", "usrrol", "userID"),
];

/// `accessLevel:name` style references: field prefix → (id field, table).
const REFERENCES: [(&str, &str, &str); 3] = [
    ("accessLevel", "accessLevelID", "accesslevel"),
    ("homeGroup", "homeGroupID", "group"),
    ("role", "roleID", "role"),
];

#[derive(Default, Clone)]
pub(super) struct Table {
    pub(super) rows: BTreeMap<u64, Map<String, Value>>,
    pub(super) by_id: HashMap<String, u64>,
    /// Row keys in order, so an unfiltered page is a slice, not a walk of
    /// `$$FIRST` rows; rebuilt after deletes and rollbacks.
    pub(super) order: Vec<u64>,
    pub(super) order_stale: bool,
}

/// Rendered rows by `(table, fields)`, then by row sequence: listing a page
/// is then a copy of bytes. Cleared by every write.
type RenderCache = HashMap<(&'static str, String), HashMap<u64, Vec<u8>>>;

#[derive(Default)]
pub(super) struct State {
    pub(super) tables: HashMap<&'static str, Table>,
    pub(super) render_cache: RenderCache,
    pub(super) sessions: HashMap<String, Instant>,
    pub(super) tokens: HashMap<String, Instant>,
    pub(super) subscriptions: BTreeMap<String, Value>,
    pub(super) next_seq: u64,
}

/// One row as it was before a batch touched it (`None`: it did not exist).
type PriorRow = (&'static str, u64, Option<Map<String, Value>>);

/// Undo information for an atomic batch: prior rows to put back.
#[derive(Default)]
pub(super) struct Journal {
    pub(super) prior: Vec<PriorRow>,
}

impl WorkfrontSim {
    pub(super) fn id_of(state: &State, table: &str, name: &str) -> Option<String> {
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

    pub(super) fn insert(
        state: &mut State,
        table: &'static str,
        mut row: Map<String, Value>,
    ) -> String {
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

    pub(super) fn row<'a>(
        state: &'a State,
        table: &str,
        id: &str,
    ) -> Option<&'a Map<String, Value>> {
        Self::table_row(&state.tables, table, id)
    }

    pub(super) fn table_row<'a>(
        tables: &'a HashMap<&'static str, Table>,
        table: &str,
        id: &str,
    ) -> Option<&'a Map<String, Value>> {
        let t = tables.get(table)?;
        t.by_id.get(id).and_then(|seq| t.rows.get(seq))
    }

    /// Renders a row with the requested `fields` (`*`, references).
    pub(super) fn render(
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
            } else if let Some((collection, sub)) = field.split_once(':')
                && let Some((_, table, owner)) =
                    COLLECTIONS.iter().find(|(c, _, _)| *c == collection)
            {
                let id = row.get("ID").and_then(Value::as_str);
                let items: Vec<Value> = tables.get(table).map_or_else(Vec::new, |t| {
                    t.rows
                        .values()
                        .filter(|r| r.get(*owner).and_then(Value::as_str) == id)
                        .map(|r| Self::render(tables, table, r, Some(sub)))
                        .collect()
                });
                out.insert(collection.into(), Value::Array(items));
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
    pub(super) fn undo(state: &mut State, journal: Journal) {
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
}
