//! The reconcile policy: what each connection should look like for the
//! people of a [`Roster`](crate::roster::Roster), read from TOML.
//!
//! ```
//! use identity_core::policy::{Brake, Policy};
//! use identity_core::roster::Roster;
//!
//! let policy = Policy::from_toml(r#"
//! [apps.workiva]
//! scope = { department = ["Finance", "Legal"] }
//! groups = ["All Staff"]
//! max_deactivations = "5%"
//!
//! [[apps.workiva.rule]]
//! when = { department = "Finance" }
//! groups = ["Finance"]
//! "#, "policy.toml").unwrap();
//! let roster = Roster::from_csv(
//!     "email,first_name,last_name,status,department\nann@acme.com,Ann,Lee,active,finance\n",
//!     "hr.csv",
//! ).unwrap();
//! let app = policy.app("workiva").unwrap();
//! let ann = roster.get("ann@acme.com").unwrap();
//! let desired = app.desired_for(ann).expect("in scope");
//! assert_eq!(desired.groups, ["All Staff", "Finance"]);
//! assert_eq!(app.max_deactivations, Brake::Percent(5.0));
//! assert_eq!(app.max_deactivations.limit(250), 12);
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::model::normalize_email;
use crate::roster::{RosterEntry, Status};

/// Who a rule or scope applies to: every key must match the person's
/// attribute of that name (ignoring case); a list means any of its values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Matcher(BTreeMap<String, Vec<String>>);

impl Matcher {
    /// Whether `entry` matches (an empty matcher matches everyone).
    pub fn matches(&self, entry: &RosterEntry) -> bool {
        self.0.iter().all(|(key, wanted)| {
            entry
                .attribute(key)
                .is_some_and(|have| wanted.iter().any(|w| w.eq_ignore_ascii_case(have)))
        })
    }
}

/// What to do with an active account that belongs to nobody in scope.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StrayAction {
    /// Leave it (the default).
    #[default]
    Preserve,
    /// Deactivate it.
    Deactivate,
}

/// The most deactivations one apply may make in an app.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Brake {
    /// At most this many.
    Count(usize),
    /// At most this share of the app's active accounts, in percent.
    Percent(f64),
}

impl Default for Brake {
    fn default() -> Self {
        Brake::Percent(5.0)
    }
}

impl Brake {
    /// The limit for an app with `active` active accounts (a percentage
    /// rounds down).
    pub fn limit(&self, active: usize) -> usize {
        match *self {
            Brake::Count(n) => n,
            Brake::Percent(p) => (active as f64 * p / 100.0).floor() as usize,
        }
    }

    fn parse(text: &str) -> std::result::Result<Self, String> {
        let text = text.trim();
        let bad = || format!("{text:?} is neither a count (\"10\") nor a percent (\"5%\")");
        match text.strip_suffix('%') {
            Some(percent) => match percent.trim().parse::<f64>() {
                Ok(p) if (0.0..=100.0).contains(&p) => Ok(Brake::Percent(p)),
                _ => Err(bad()),
            },
            None => text.parse().map(Brake::Count).map_err(|_| bad()),
        }
    }
}

/// Extra groups, roles and an access level for the people a rule matches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rule {
    /// Who it applies to.
    pub when: Matcher,
    /// Groups added for them.
    pub groups: Vec<String>,
    /// Roles added for them.
    pub roles: Vec<String>,
    /// Their access level (the last matching rule's wins).
    pub access_level: Option<String>,
}

/// What one connection should look like.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct AppPolicy {
    /// The connection's name.
    pub connection: String,
    /// Who needs an account (default: everyone active).
    pub scope: Matcher,
    /// Groups everyone in scope is in.
    pub groups: Vec<String>,
    /// Roles everyone in scope holds.
    pub roles: Vec<String>,
    /// The access level of everyone in scope (Workfront).
    pub access_level: Option<String>,
    /// What happens to active accounts of nobody in scope.
    pub strays: StrayAction,
    /// Emails never changed in any way.
    pub protected: Vec<String>,
    /// The brake on deactivations.
    pub max_deactivations: Brake,
    /// Rules, in file order.
    pub rules: Vec<Rule>,
}

/// What one person should have in one app.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Desired {
    /// Groups, app-wide first, then each matching rule's, without repeats.
    pub groups: Vec<String>,
    /// Roles, in the same order.
    pub roles: Vec<String>,
    /// The access level, if the policy names one.
    pub access_level: Option<String>,
}

impl AppPolicy {
    /// What `entry` should have here: `None` when out of scope (terminated,
    /// or not matching `scope`).
    pub fn desired_for(&self, entry: &RosterEntry) -> Option<Desired> {
        if entry.status != Status::Active || !self.scope.matches(entry) {
            return None;
        }
        let mut desired = Desired {
            groups: self.groups.clone(),
            roles: self.roles.clone(),
            access_level: self.access_level.clone(),
        };
        for rule in self.rules.iter().filter(|r| r.when.matches(entry)) {
            extend_unique(&mut desired.groups, &rule.groups);
            extend_unique(&mut desired.roles, &rule.roles);
            if rule.access_level.is_some() {
                desired.access_level.clone_from(&rule.access_level);
            }
        }
        Some(desired)
    }

    /// Whether the email is protected (ignoring case).
    pub fn is_protected(&self, email: &str) -> bool {
        let email = normalize_email(email);
        self.protected.iter().any(|p| normalize_email(p) == email)
    }

    /// Every group the policy names: only these are ever added or removed.
    pub fn managed_groups(&self) -> Vec<String> {
        let mut all = self.groups.clone();
        for rule in &self.rules {
            extend_unique(&mut all, &rule.groups);
        }
        all
    }

    /// Every role the policy names.
    pub fn managed_roles(&self) -> Vec<String> {
        let mut all = self.roles.clone();
        for rule in &self.rules {
            extend_unique(&mut all, &rule.roles);
        }
        all
    }
}

fn extend_unique(list: &mut Vec<String>, more: &[String]) {
    for item in more {
        if !list.iter().any(|have| have.eq_ignore_ascii_case(item)) {
            list.push(item.clone());
        }
    }
}

/// A whole policy: one [`AppPolicy`] per connection, in file order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Policy {
    apps: Vec<AppPolicy>,
}

impl Policy {
    /// Reads a policy file.
    pub fn from_path(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::config(format!("cannot read policy {}: {e}", path.display())))?;
        Self::from_toml(&text, &path.display().to_string())
    }

    /// Parses policy text; `name` names it in errors.
    pub fn from_toml(text: &str, name: &str) -> Result<Self> {
        let file: PolicyFile =
            toml::from_str(text).map_err(|e| Error::config(format!("{name}: {e}")))?;
        let apps = file
            .apps
            .into_iter()
            .map(|(connection, app)| app.into_policy(connection, name))
            .collect::<Result<Vec<_>>>()?;
        if apps.is_empty() {
            return Err(Error::config(format!(
                "{name}: no [apps.NAME] table: the policy names no connection"
            )));
        }
        Ok(Policy { apps })
    }

    /// The policy of one connection.
    pub fn app(&self, connection: &str) -> Option<&AppPolicy> {
        self.apps.iter().find(|a| a.connection == connection)
    }

    /// Every app's policy, in file order.
    pub fn apps(&self) -> impl Iterator<Item = &AppPolicy> {
        self.apps.iter()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    #[serde(default)]
    // In file order, as written.
    apps: indexmap::IndexMap<String, AppFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AppFile {
    #[serde(default)]
    scope: BTreeMap<String, OneOrMany>,
    #[serde(default)]
    groups: Vec<String>,
    #[serde(default)]
    roles: Vec<String>,
    access_level: Option<String>,
    #[serde(default)]
    strays: StrayAction,
    #[serde(default)]
    protected: Vec<String>,
    max_deactivations: Option<String>,
    #[serde(default)]
    rule: Vec<RuleFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    when: BTreeMap<String, OneOrMany>,
    #[serde(default)]
    groups: Vec<String>,
    #[serde(default)]
    roles: Vec<String>,
    access_level: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

fn matcher(map: BTreeMap<String, OneOrMany>) -> Matcher {
    Matcher(
        map.into_iter()
            .map(|(k, v)| {
                let values = match v {
                    OneOrMany::One(one) => vec![one],
                    OneOrMany::Many(many) => many,
                };
                (k.to_ascii_lowercase(), values)
            })
            .collect(),
    )
}

impl AppFile {
    fn into_policy(self, connection: String, name: &str) -> Result<AppPolicy> {
        let max_deactivations = match &self.max_deactivations {
            Some(text) => Brake::parse(text).map_err(|why| {
                Error::config(format!(
                    "{name}: apps.{connection}.max_deactivations: {why}"
                ))
            })?,
            None => Brake::default(),
        };
        if let Some(rule) = self.rule.iter().position(|r| r.when.is_empty()) {
            return Err(Error::config(format!(
                "{name}: apps.{connection}.rule[{}]: `when` matches everyone; put app-wide \
                 groups and roles on the app",
                rule + 1
            )));
        }
        Ok(AppPolicy {
            connection,
            scope: matcher(self.scope),
            groups: self.groups,
            roles: self.roles,
            access_level: self.access_level,
            strays: self.strays,
            protected: self.protected,
            max_deactivations,
            rules: self
                .rule
                .into_iter()
                .map(|r| Rule {
                    when: matcher(r.when),
                    groups: r.groups,
                    roles: r.roles,
                    access_level: r.access_level,
                })
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roster::Roster;

    const DESIGN: &str = r#"
[apps.workiva]
scope = { department = ["Finance", "Legal"] }
groups = ["All Staff"]
roles = ["Workspace Member"]
strays = "preserve"
protected = ["svc-audit@acme.com"]
max_deactivations = "5%"

[[apps.workiva.rule]]
when = { department = "Finance" }
groups = ["Finance"]
roles = ["Finance Reviewer"]

[apps.workfront]
access_level = "Standard"
[[apps.workfront.rule]]
when = { title = ["Manager", "Director"] }
access_level = "Plan"
groups = ["Managers"]
"#;

    fn roster() -> Roster {
        Roster::from_csv(
            "email,first_name,last_name,status,department,title\n\
             ann@acme.com,Ann,Lee,active,Finance,Director\n\
             bob@acme.com,Bob,Ray,active,Sales,Clerk\n\
             cy@acme.com,Cy,Kay,terminated,Finance,Manager\n",
            "hr.csv",
        )
        .unwrap()
    }

    #[test]
    fn the_design_example_gives_each_person_their_desired_state() {
        let policy = Policy::from_toml(DESIGN, "policy.toml").unwrap();
        let names: Vec<_> = policy.apps().map(|a| a.connection.as_str()).collect();
        assert_eq!(names, ["workiva", "workfront"]);
        let roster = roster();
        let person = |e: &str| roster.get(e).unwrap();
        let workiva = policy.app("workiva").unwrap();
        let ann = workiva.desired_for(person("ann@acme.com")).unwrap();
        assert_eq!(ann.groups, ["All Staff", "Finance"]);
        assert_eq!(ann.roles, ["Workspace Member", "Finance Reviewer"]);
        assert!(
            workiva.desired_for(person("bob@acme.com")).is_none(),
            "Sales is out of scope"
        );
        assert!(
            workiva.desired_for(person("cy@acme.com")).is_none(),
            "terminated"
        );
        assert!(workiva.is_protected("SVC-Audit@acme.com"));
        assert_eq!(workiva.managed_groups(), ["All Staff", "Finance"]);

        let workfront = policy.app("workfront").unwrap();
        let ann = workfront.desired_for(person("ann@acme.com")).unwrap();
        assert_eq!(
            ann.access_level.as_deref(),
            Some("Plan"),
            "the rule's level wins"
        );
        assert_eq!(ann.groups, ["Managers"]);
        let bob = workfront.desired_for(person("bob@acme.com")).unwrap();
        assert_eq!(bob.access_level.as_deref(), Some("Standard"));
        assert_eq!(workfront.strays, StrayAction::Preserve);
        assert_eq!(workfront.max_deactivations, Brake::Percent(5.0));
    }

    #[test]
    fn brakes_are_counts_or_percents() {
        assert_eq!(Brake::parse("10"), Ok(Brake::Count(10)));
        assert_eq!(Brake::parse("2.5%"), Ok(Brake::Percent(2.5)));
        assert_eq!(Brake::Count(3).limit(1000), 3);
        assert_eq!(Brake::Percent(5.0).limit(250), 12);
        assert!(Brake::parse("lots").is_err() && Brake::parse("150%").is_err());
    }

    #[test]
    fn mistakes_are_named() {
        let err = |text: &str| {
            Policy::from_toml(text, "policy.toml")
                .unwrap_err()
                .to_string()
        };
        assert!(err("[apps.x]\ngroupz = [\"A\"]\n").contains("groupz"));
        assert!(
            err("[apps.x]\nmax_deactivations = \"lots\"\n")
                .contains("policy.toml: apps.x.max_deactivations: \"lots\"")
        );
        assert!(err("[apps.x]\nstrays = \"delete\"\n").contains("delete"));
        assert!(
            err("[apps.x]\n[[apps.x.rule]]\nwhen = {}\ngroups = [\"A\"]\n")
                .contains("apps.x.rule[1]: `when` matches everyone")
        );
        assert!(err("").contains("names no connection"));
    }
}
