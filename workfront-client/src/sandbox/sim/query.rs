//! Search and count: the filters, modifiers, sorting and paging of the guide.

use std::collections::HashSet;

use identity_core::sandbox::SimRequest;
use serde_json::{Map, Value, json};

use super::store::State;
use super::{Failure, Outcome, Payload, WorkfrontSim, failure};
use crate::search::Modifier;

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
    set: HashSet<String>,
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

/// `$$FIRST` and `$$LIMIT` (at most 2000, 100 when absent).
fn paging(req: &SimRequest) -> Result<(usize, usize), Failure> {
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
    Ok((first, limit))
}

/// `{field}_{n}_Sort=asc|desc` parameters, as (field, ascending).
fn sort_keys(req: &SimRequest) -> Vec<(String, bool)> {
    req.query
        .iter()
        .filter_map(|(k, v)| {
            k.strip_suffix("_Sort").map(|f| {
                (
                    f.split('_').next().unwrap_or(f).to_owned(),
                    !v.eq_ignore_ascii_case("desc"),
                )
            })
        })
        .collect()
}

/// Compares two rows by the sort keys, in order.
fn order_by(
    sort: &[(String, bool)],
    a: &Map<String, Value>,
    b: &Map<String, Value>,
) -> std::cmp::Ordering {
    for (field, asc) in sort {
        let x = a.get(field).and_then(text).unwrap_or_default();
        let y = b.get(field).and_then(text).unwrap_or_default();
        let order = compare(&x, &y);
        if order.is_ne() {
            return if *asc { order } else { order.reverse() };
        }
    }
    std::cmp::Ordering::Equal
}

impl WorkfrontSim {
    pub(super) fn search(
        &self,
        state: &mut State,
        table: &'static str,
        req: &SimRequest,
        count_only: bool,
    ) -> Outcome {
        let clauses = parse_clauses(req)?;
        let (first, limit) = paging(req)?;
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
        let sort = sort_keys(req);
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
            all.sort_by(|(_, a), (_, b)| order_by(&sort, a, b));
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
}
