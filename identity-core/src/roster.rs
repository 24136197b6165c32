//! The roster: the HR / IdP export that says who should have access, read
//! and checked whole before anything else.
//!
//! A CSV file with a header row (or a JSON array of objects for `.json`, JSON
//! lines for `.jsonl`) with the columns `email`, `first_name`, `last_name`
//! and `status` (`active` or `terminated`, any case). Any other column is an
//! attribute a policy can match. A malformed email, a missing column or
//! value, an unknown status, or one email twice (ignoring case) is a
//! [`ErrorKind::Config`](crate::ErrorKind::Config) error naming the file and
//! every bad line, so a truncated or mangled export changes nothing.
//!
//! ```
//! use identity_core::roster::{Roster, Status};
//!
//! let csv = "email,first_name,last_name,status,department\n\
//!            ann@acme.com,Ann,Lee,active,Finance\n\
//!            bob@acme.com,Bob,Ray,Terminated,Legal\n";
//! let roster = Roster::from_csv(csv, "hr.csv").unwrap();
//! let bob = roster.get("BOB@acme.com").unwrap();
//! assert_eq!(bob.status, Status::Terminated);
//! assert_eq!(roster.get("ann@acme.com").unwrap().attribute("Department"), Some("Finance"));
//!
//! let broken = "email,first_name,last_name,status\nann@acme,Ann,Lee,active\n";
//! let err = Roster::from_csv(broken, "hr.csv").unwrap_err();
//! assert!(err.to_string().contains("hr.csv: line 2: email"));
//! ```

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::model::{normalize_email, validate_email};

/// The columns every roster has.
pub const REQUIRED_COLUMNS: [&str; 4] = ["email", "first_name", "last_name", "status"];

/// At most this many problems are listed in one error.
const MAX_PROBLEMS: usize = 20;

/// Whether the person works here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Should have access.
    Active,
    /// Left: should have none.
    Terminated,
}

/// One person of the roster.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RosterEntry {
    /// Where the person is in the file: the line (CSV, JSON lines) or the
    /// position in the array (JSON), from 1.
    pub line: usize,
    /// The email as written (trimmed).
    pub email: String,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Active or terminated.
    pub status: Status,
    /// Every other column, by lower-cased name.
    pub attributes: BTreeMap<String, String>,
}

impl RosterEntry {
    /// An attribute by column name, ignoring case.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

/// A validated roster, in file order, one entry per email.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roster {
    entries: Vec<RosterEntry>,
    by_email: HashMap<String, usize>,
}

impl Roster {
    /// Reads a roster file: `.json` as an array, `.jsonl` as JSON lines,
    /// anything else as CSV.
    pub fn from_path(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::config(format!("cannot read roster {}: {e}", path.display())))?;
        let name = path.display().to_string();
        match path.extension().and_then(|e| e.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("json") => Self::from_json(&text, &name),
            Some(ext) if ext.eq_ignore_ascii_case("jsonl") => Self::from_json_lines(&text, &name),
            _ => Self::from_csv(&text, &name),
        }
    }

    /// Parses CSV text with a header row; `name` names it in errors.
    pub fn from_csv(text: &str, name: &str) -> Result<Self> {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .flexible(true)
            .from_reader(text.as_bytes());
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| Error::config(format!("{name}: line 1: {e}")))?
            .iter()
            .map(str::to_ascii_lowercase)
            .collect();
        let missing: Vec<&str> = REQUIRED_COLUMNS
            .into_iter()
            .filter(|c| !headers.iter().any(|h| h == c))
            .collect();
        if !missing.is_empty() {
            return Err(Error::config(format!(
                "{name}: line 1: missing column(s) {}",
                missing.join(", ")
            )));
        }
        let mut rows = Vec::new();
        let mut problems = Vec::new();
        for record in reader.records() {
            match record {
                Ok(record) => {
                    let line = record.position().map_or(0, |p| p.line() as usize);
                    if record.iter().all(str::is_empty) {
                        continue;
                    }
                    if record.len() != headers.len() {
                        problems.push(format!(
                            "line {line}: {} fields where the header has {}",
                            record.len(),
                            headers.len()
                        ));
                        continue;
                    }
                    let fields = headers
                        .iter()
                        .cloned()
                        .zip(record.iter().map(str::to_owned))
                        .collect();
                    rows.push((line, fields));
                }
                Err(e) => problems.push(e.to_string()),
            }
        }
        Self::validate(rows, problems, name)
    }

    /// Parses a JSON array of objects; positions count from 1.
    pub fn from_json(text: &str, name: &str) -> Result<Self> {
        let items: Vec<Value> = serde_json::from_str(text)
            .map_err(|e| Error::config(format!("{name}: not a JSON array of objects: {e}")))?;
        let mut rows = Vec::new();
        let mut problems = Vec::new();
        for (i, item) in items.into_iter().enumerate() {
            match object_fields(item) {
                Some(fields) => rows.push((i + 1, fields)),
                None => problems.push(format!("entry {}: not a JSON object", i + 1)),
            }
        }
        Self::validate(rows, problems, name)
    }

    /// Parses JSON lines, one object per line (blank lines skipped).
    pub fn from_json_lines(text: &str, name: &str) -> Result<Self> {
        let mut rows = Vec::new();
        let mut problems = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Value>(line)
                .ok()
                .and_then(object_fields)
            {
                Some(fields) => rows.push((i + 1, fields)),
                None => problems.push(format!("line {}: not a JSON object", i + 1)),
            }
        }
        Self::validate(rows, problems, name)
    }

    /// Checks every row, then either the whole roster or every problem.
    fn validate(
        rows: Vec<(usize, BTreeMap<String, String>)>,
        mut problems: Vec<String>,
        name: &str,
    ) -> Result<Self> {
        let mut roster = Roster::default();
        for (line, fields) in rows {
            match entry(line, fields) {
                Ok(entry) => {
                    let key = normalize_email(&entry.email);
                    if let Some(first) = roster.by_email.get(&key) {
                        let first = roster.entries[*first].line;
                        problems.push(format!(
                            "line {line}: email {} is also on line {first}",
                            entry.email
                        ));
                        continue;
                    }
                    roster.by_email.insert(key, roster.entries.len());
                    roster.entries.push(entry);
                }
                Err(problem) => problems.push(format!("line {line}: {problem}")),
            }
        }
        if problems.is_empty() {
            return Ok(roster);
        }
        let more = problems.len().saturating_sub(MAX_PROBLEMS);
        let mut listed: Vec<String> = problems
            .into_iter()
            .take(MAX_PROBLEMS)
            .map(|p| format!("{name}: {p}"))
            .collect();
        if more > 0 {
            listed.push(format!("{name}: and {more} more"));
        }
        Err(Error::config(listed.join("\n")))
    }

    /// The entry of this email, ignoring case.
    pub fn get(&self, email: &str) -> Option<&RosterEntry> {
        self.by_email
            .get(&normalize_email(email))
            .map(|i| &self.entries[*i])
    }

    /// Every entry, in file order.
    pub fn iter(&self) -> impl Iterator<Item = &RosterEntry> {
        self.entries.iter()
    }

    /// How many people.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the roster is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// A JSON object's fields as text, keys lower-cased.
fn object_fields(value: Value) -> Option<BTreeMap<String, String>> {
    let Value::Object(map) = value else {
        return None;
    };
    Some(
        map.into_iter()
            .map(|(k, v)| {
                let text = match v {
                    Value::String(s) => s,
                    Value::Null => String::new(),
                    other => other.to_string(),
                };
                (k.to_ascii_lowercase(), text.trim().to_owned())
            })
            .collect(),
    )
}

/// One row as an entry, or what is wrong with it.
fn entry(
    line: usize,
    mut fields: BTreeMap<String, String>,
) -> std::result::Result<RosterEntry, String> {
    let mut take = |column: &str| -> std::result::Result<String, String> {
        fields
            .remove(column)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| format!("{column} is missing"))
    };
    let email = take("email")?;
    validate_email(&email).map_err(|e| format!("email: {e}"))?;
    let first_name = take("first_name")?;
    let last_name = take("last_name")?;
    let status_text = take("status")?;
    let status = match status_text.to_ascii_lowercase().as_str() {
        "active" => Status::Active,
        "terminated" => Status::Terminated,
        _ => {
            return Err(format!(
                "status {status_text:?} is neither active nor terminated"
            ));
        }
    };
    Ok(RosterEntry {
        line,
        email,
        first_name,
        last_name,
        status,
        attributes: fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "email,first_name,last_name,status,department\n";

    #[test]
    fn every_format_reads_the_same_people() {
        let csv = format!(
            "{HEADER}ann@acme.com,Ann,Lee,ACTIVE,Finance\n\nbob@acme.com,Bob,Ray,terminated,\n"
        );
        let json = r#"[{"email": "ann@acme.com", "first_name": "Ann", "last_name": "Lee", "status": "active", "Department": "Finance"},
                      {"email": "bob@acme.com", "first_name": "Bob", "last_name": "Ray", "status": "Terminated"}]"#;
        let jsonl = "{\"email\": \"ann@acme.com\", \"first_name\": \"Ann\", \"last_name\": \"Lee\", \"status\": \"active\", \"department\": \"Finance\"}\n\n{\"email\": \"bob@acme.com\", \"first_name\": \"Bob\", \"last_name\": \"Ray\", \"status\": \"terminated\"}\n";
        for roster in [
            Roster::from_csv(&csv, "r.csv").unwrap(),
            Roster::from_json(json, "r.json").unwrap(),
            Roster::from_json_lines(jsonl, "r.jsonl").unwrap(),
        ] {
            assert_eq!(roster.len(), 2);
            let ann = roster.get("Ann@Acme.com").unwrap();
            assert_eq!(ann.status, Status::Active);
            assert_eq!(ann.attribute("department"), Some("Finance"));
            assert_eq!(
                roster.get("bob@acme.com").unwrap().status,
                Status::Terminated
            );
        }
    }

    #[test]
    fn every_bad_line_is_named_and_nothing_is_returned() {
        let csv = format!(
            "{HEADER}ann@acme.com,Ann,Lee,active,Finance\n\
             not-an-email,X,Y,active,\n\
             cy@acme.com,,Kay,active,\n\
             dee@acme.com,Dee,Fox,on leave,\n\
             ANN@acme.com,Ann,Lee,active,\n\
             eve@acme.com,Eve\n"
        );
        let err = Roster::from_csv(&csv, "hr.csv").unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Config);
        let text = err.to_string();
        for expected in [
            "hr.csv: line 3: email",
            "hr.csv: line 4: first_name is missing",
            "hr.csv: line 5: status \"on leave\"",
            "hr.csv: line 6: email ANN@acme.com is also on line 2",
            "hr.csv: line 7: 2 fields where the header has 5",
        ] {
            assert!(text.contains(expected), "{expected:?} in {text}");
        }
    }

    #[test]
    fn a_missing_column_is_named() {
        let err = Roster::from_csv("email,first_name,status\n", "hr.csv").unwrap_err();
        assert!(
            err.to_string()
                .contains("hr.csv: line 1: missing column(s) last_name")
        );
        let err = Roster::from_json("{\"email\": 1}", "r.json").unwrap_err();
        assert!(err.to_string().contains("r.json: not a JSON array"));
        let err = Roster::from_json_lines("[1]\n", "r.jsonl").unwrap_err();
        assert!(
            err.to_string()
                .contains("r.jsonl: line 1: not a JSON object")
        );
    }

    #[test]
    fn the_extension_picks_the_format() {
        let dir = std::env::temp_dir().join(format!("identity-roster-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let jsonl = dir.join("people.JSONL");
        std::fs::write(
            &jsonl,
            "{\"email\": \"a@acme.com\", \"first_name\": \"A\", \"last_name\": \"B\", \"status\": \"active\"}\n",
        )
        .unwrap();
        assert_eq!(Roster::from_path(&jsonl).unwrap().len(), 1);
        let err = Roster::from_path(&dir.join("absent.csv")).unwrap_err();
        assert!(err.to_string().contains("absent.csv"), "{err}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
