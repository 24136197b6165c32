//! The cross-app identity graph: every person across several directories,
//! joined by email (ignoring case), and the findings a reviewer acts on.

use std::collections::{BTreeMap, HashMap};

use futures::TryStreamExt;
use serde::Serialize;

use crate::directory::Directory;
use crate::error::{ErrorKind, Result};
use crate::model::{UserId, UserQuery, normalize_email};

/// One account of a person in one directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Account {
    /// The directory's user id.
    pub user_id: UserId,
    /// Whether the account is active.
    pub active: bool,
    /// Group names.
    pub groups: Vec<String>,
    /// Role names (ids when a name is unknown).
    pub roles: Vec<String>,
    /// Access level name, where the directory has them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_level: Option<String>,
}

/// A person: one email, accounts per directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Person {
    /// The email (lower-cased).
    pub email: String,
    /// Accounts by directory name.
    pub accounts: BTreeMap<String, Account>,
}

/// Something a reviewer should look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "finding", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Finding {
    /// Active in some apps, deactivated in others: a leaver half done, or a
    /// mover to check.
    ActiveAndDeactivated {
        /// The person.
        email: String,
        /// Where the account is active.
        active_in: Vec<String>,
        /// Where it is deactivated.
        deactivated_in: Vec<String>,
    },
    /// Present in one app only (of several reviewed).
    InOneAppOnly {
        /// The person.
        email: String,
        /// The app.
        app: String,
    },
    /// Deactivated everywhere but still holding groups: access that comes
    /// back on reactivation.
    InactiveWithGroups {
        /// The person.
        email: String,
        /// `app: group` pairs still held.
        groups: Vec<String>,
    },
}

impl Finding {
    /// The person the finding is about.
    pub fn email(&self) -> &str {
        match self {
            Finding::ActiveAndDeactivated { email, .. }
            | Finding::InOneAppOnly { email, .. }
            | Finding::InactiveWithGroups { email, .. } => email,
        }
    }

    /// A one-line description.
    pub fn describe(&self) -> String {
        match self {
            Finding::ActiveAndDeactivated {
                active_in,
                deactivated_in,
                ..
            } => format!(
                "active in {} but deactivated in {}",
                active_in.join(", "),
                deactivated_in.join(", ")
            ),
            Finding::InOneAppOnly { app, .. } => format!("only in {app}"),
            Finding::InactiveWithGroups { groups, .. } => {
                format!("inactive everywhere but still in {}", groups.join(", "))
            }
        }
    }
}

/// Every person across the directories reviewed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AccessGraph {
    /// The directories reviewed, in order.
    pub apps: Vec<String>,
    /// People by lower-cased email.
    pub people: BTreeMap<String, Person>,
}

impl AccessGraph {
    /// Adds a directory's accounts (as `(email, account)` pairs).
    pub fn add_app(&mut self, app: &str, accounts: impl IntoIterator<Item = (String, Account)>) {
        self.apps.push(app.to_owned());
        for (email, account) in accounts {
            let key = normalize_email(&email);
            self.people
                .entry(key.clone())
                .or_insert_with(|| Person {
                    email: key,
                    accounts: BTreeMap::new(),
                })
                .accounts
                .insert(app.to_owned(), account);
        }
    }

    /// The findings, person by person.
    pub fn findings(&self) -> Vec<Finding> {
        let mut findings = Vec::new();
        for person in self.people.values() {
            let (active, inactive): (Vec<_>, Vec<_>) =
                person.accounts.iter().partition(|(_, a)| a.active);
            if !active.is_empty() && !inactive.is_empty() {
                findings.push(Finding::ActiveAndDeactivated {
                    email: person.email.clone(),
                    active_in: active.iter().map(|(app, _)| (*app).clone()).collect(),
                    deactivated_in: inactive.iter().map(|(app, _)| (*app).clone()).collect(),
                });
            }
            if self.apps.len() > 1
                && let [(app, _)] = person.accounts.iter().collect::<Vec<_>>().as_slice()
            {
                findings.push(Finding::InOneAppOnly {
                    email: person.email.clone(),
                    app: (*app).clone(),
                });
            }
            if active.is_empty() {
                let groups: Vec<String> = inactive
                    .iter()
                    .flat_map(|(app, a)| a.groups.iter().map(move |g| format!("{app}: {g}")))
                    .collect();
                if !groups.is_empty() {
                    findings.push(Finding::InactiveWithGroups {
                        email: person.email.clone(),
                        groups,
                    });
                }
            }
        }
        findings
    }
}

/// Reads one directory's accounts: groups and their members, role and access
/// level names, then the users as a stream (one page in memory at a time).
pub async fn collect_accounts<D: Directory + ?Sized>(dir: &D) -> Result<Vec<(String, Account)>> {
    let groups: Vec<_> = dir.list_groups().try_collect().await?;
    let group_names: HashMap<String, String> = groups
        .iter()
        .map(|g| (g.id.to_string(), g.name.clone()))
        .collect();
    let mut member_of: HashMap<String, Vec<String>> = HashMap::new();
    for group in &groups {
        let mut members = dir.list_members(&group.id);
        while let Some(member) = members.try_next().await? {
            member_of
                .entry(member.to_string())
                .or_default()
                .push(group.name.clone());
        }
    }
    let role_names: HashMap<String, String> = optional(dir.list_roles().await)?
        .into_iter()
        .map(|r| (r.id.to_string(), r.name))
        .collect();
    let level_names: HashMap<String, String> = optional(dir.list_access_levels().await)?
        .into_iter()
        .map(|l| (l.id.to_string(), l.name))
        .collect();

    let mut accounts = Vec::new();
    let mut users = dir.list_users(&UserQuery::default());
    while let Some(user) = users.try_next().await? {
        let mut groups = member_of.remove(user.id.as_str()).unwrap_or_default();
        for id in &user.groups {
            let name = group_names
                .get(id.as_str())
                .cloned()
                .unwrap_or_else(|| id.to_string());
            if !groups.contains(&name) {
                groups.push(name);
            }
        }
        groups.sort();
        let account = Account {
            user_id: user.id.clone(),
            active: user.active,
            groups,
            roles: user
                .roles
                .iter()
                .map(|r| {
                    role_names
                        .get(r.as_str())
                        .cloned()
                        .unwrap_or_else(|| r.to_string())
                })
                .collect(),
            access_level: user.access_level.as_ref().map(|l| {
                level_names
                    .get(l.as_str())
                    .cloned()
                    .unwrap_or_else(|| l.to_string())
            }),
        };
        accounts.push((user.email, account));
    }
    Ok(accounts)
}

/// An `Unsupported` answer is an empty list; other errors stay errors.
fn optional<T>(result: Result<Vec<T>>) -> Result<Vec<T>> {
    match result {
        Err(err) if err.kind() == ErrorKind::Unsupported => Ok(Vec::new()),
        other => other,
    }
}

/// Builds the graph of several directories, read concurrently.
pub async fn build_graph(dirs: &[(&str, &dyn Directory)]) -> Result<AccessGraph> {
    let collected =
        futures::future::join_all(dirs.iter().map(|(_, dir)| collect_accounts(*dir))).await;
    let mut graph = AccessGraph::default();
    for ((app, _), accounts) in dirs.iter().zip(collected) {
        graph.add_app(app, accounts?);
    }
    Ok(graph)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::InMemoryDirectory;
    use crate::{GroupDirectory, NewUser, UserDirectory};

    fn account(active: bool, groups: &[&str]) -> Account {
        Account {
            user_id: UserId::new("x"),
            active,
            groups: groups.iter().map(|g| (*g).to_owned()).collect(),
            roles: vec![],
            access_level: None,
        }
    }

    #[test]
    fn joins_by_email_ignoring_case_and_finds_problems() {
        let mut graph = AccessGraph::default();
        graph.add_app(
            "a",
            [
                ("Alice@Example.com".into(), account(true, &[])),
                ("carol@example.com".into(), account(false, &["Finance"])),
                ("dave@example.com".into(), account(true, &[])),
            ],
        );
        graph.add_app(
            "b",
            [
                ("alice@example.com".into(), account(false, &[])),
                ("bob@example.com".into(), account(true, &[])),
                ("carol@example.com".into(), account(false, &[])),
                ("DAVE@example.com".into(), account(true, &[])),
            ],
        );
        assert_eq!(graph.people.len(), 4);
        assert_eq!(graph.people["alice@example.com"].accounts.len(), 2);
        let findings = graph.findings();
        assert_eq!(
            findings,
            vec![
                Finding::ActiveAndDeactivated {
                    email: "alice@example.com".into(),
                    active_in: vec!["a".into()],
                    deactivated_in: vec!["b".into()]
                },
                Finding::InOneAppOnly {
                    email: "bob@example.com".into(),
                    app: "b".into()
                },
                Finding::InactiveWithGroups {
                    email: "carol@example.com".into(),
                    groups: vec!["a: Finance".into()]
                },
            ]
        );
        assert!(
            findings[0]
                .describe()
                .contains("active in a but deactivated in b")
        );
    }

    #[test]
    fn one_app_reviewed_has_no_in_one_app_only_finding() {
        let mut graph = AccessGraph::default();
        graph.add_app("a", [("x@example.com".into(), account(true, &[]))]);
        assert!(graph.findings().is_empty());
    }

    #[tokio::test]
    async fn collects_groups_roles_and_levels_by_name() {
        let dir = InMemoryDirectory::new()
            .with_roles(&["Auditor"])
            .with_access_levels(&["Light"]);
        let finance = dir.create_group("Finance").await.unwrap();
        let jane = NewUser::builder("jane@example.com")
            .first_name("J")
            .last_name("D")
            .build()
            .unwrap();
        let user = dir.create_user(&jane).await.unwrap();
        dir.add_member(&finance.id, &user.id).await.unwrap();
        crate::AccessDirectory::assign_roles(&dir, &user.id, &["r1".into()])
            .await
            .unwrap();
        crate::AccessDirectory::set_access_level(&dir, &user.id, &"al1".into())
            .await
            .unwrap();
        let graph = build_graph(&[("memory", &dir)]).await.unwrap();
        let account = &graph.people["jane@example.com"].accounts["memory"];
        assert_eq!(account.groups, ["Finance"]);
        assert_eq!(account.roles, ["Auditor"]);
        assert_eq!(account.access_level.as_deref(), Some("Light"));
    }
}
