//! The reconcile plan (for `reconcile plan`): the changes that bring each
//! app in line with the roster under its policy, computed from a snapshot
//! of the app's accounts, in a stable order, with the brake counted.
//!
//! [`read_app`] reads an app's accounts through the directory traits (after
//! checking every name the policy uses); [`Plan::compute`] is the pure
//! diff, so it is exact and testable on its own.
//!
//! ```
//! use identity_core::plan::{Action, LiveAccount, Plan};
//! use identity_core::policy::Policy;
//! use identity_core::roster::Roster;
//!
//! let roster = Roster::from_csv(
//!     "email,first_name,last_name,status\nann@acme.com,Ann,Lee,active\nbob@acme.com,Bob,Ray,terminated\n",
//!     "hr.csv",
//! ).unwrap();
//! let policy = Policy::from_toml("[apps.workiva]\ngroups = [\"All Staff\"]\n", "p.toml").unwrap();
//! let bob = LiveAccount::new("u2", "bob@acme.com", true);
//! let plan = Plan::compute(&roster, &policy, &[("workiva", vec![bob])]);
//! let actions: Vec<_> = plan.changes.iter().map(|c| (c.email.as_str(), c.action)).collect();
//! assert_eq!(actions, [
//!     ("ann@acme.com", Action::Create),
//!     ("ann@acme.com", Action::AddGroup),
//!     ("bob@acme.com", Action::Deactivate),
//! ]);
//! ```

mod live;

use std::collections::{BTreeMap, HashSet};

use rand::Rng;
use serde::Serialize;

use crate::model::normalize_email;
use crate::policy::{AppPolicy, Desired, Policy, StrayAction};
use crate::roster::{Roster, RosterEntry, Status};
use crate::time::{self, Timestamp};

pub use live::read_app;

/// What a change does (the plan's `action`; also the summary's keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Create the account (with the access level, where the app has one).
    Create,
    /// Reactivate an inactive account.
    Activate,
    /// Deactivate an active account.
    Deactivate,
    /// Set the roster's first and last name.
    UpdateName,
    /// Add a managed group.
    AddGroup,
    /// Remove a managed group.
    RemoveGroup,
    /// Add a managed role.
    AddRole,
    /// Remove a managed role.
    RemoveRole,
    /// Set the access level.
    SetAccessLevel,
}

impl Action {
    /// Every action, in summary order.
    pub const ALL: [Action; 9] = [
        Action::Create,
        Action::Activate,
        Action::Deactivate,
        Action::UpdateName,
        Action::AddGroup,
        Action::RemoveGroup,
        Action::AddRole,
        Action::RemoveRole,
        Action::SetAccessLevel,
    ];

    /// The name in the plan document.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Activate => "activate",
            Action::Deactivate => "deactivate",
            Action::UpdateName => "update_name",
            Action::AddGroup => "add_group",
            Action::RemoveGroup => "remove_group",
            Action::AddRole => "add_role",
            Action::RemoveRole => "remove_role",
            Action::SetAccessLevel => "set_access_level",
        }
    }
}

/// One account as the app holds it, by names (groups, roles and access
/// level resolved from ids by the caller).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LiveAccount {
    /// The app's user id.
    pub user_id: String,
    /// The email.
    pub email: String,
    /// Whether it is active.
    pub active: bool,
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Group names.
    pub groups: Vec<String>,
    /// Role names.
    pub roles: Vec<String>,
    /// Access level name.
    pub access_level: Option<String>,
}

impl LiveAccount {
    /// An account with no names, groups or roles yet.
    pub fn new(user_id: impl Into<String>, email: impl Into<String>, active: bool) -> Self {
        Self {
            user_id: user_id.into(),
            email: email.into(),
            active,
            ..Self::default()
        }
    }
}

/// One change of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Change {
    /// `c1`, `c2`, ... in plan order.
    pub id: String,
    /// The connection.
    pub app: String,
    /// The person.
    pub email: String,
    /// What to do.
    pub action: Action,
    /// The group, role or access level name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The account (absent for one not yet created).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// New first name (`create`, `update_name`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// New last name (`create`, `update_name`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// The access level a `create` carries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_level: Option<String>,
    /// Why.
    pub reason: String,
}

/// The brake's count for one app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct AppBrake {
    /// Active accounts the app holds now.
    pub active_accounts: usize,
    /// Deactivations the plan makes there.
    pub deactivations: usize,
    /// The policy's limit for that many active accounts.
    pub max_deactivations: usize,
    /// Whether the plan goes past it (apply refuses unless allowed).
    pub brake_exceeded: bool,
}

/// A plan: versioned, in a stable order, serialized as DESIGN.md shows.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Plan {
    /// Always `planned`.
    pub outcome: &'static str,
    /// The document version.
    pub version: u32,
    /// A random id of this plan.
    pub plan_id: String,
    /// When it was made (RFC 3339).
    pub created_at: String,
    /// The brake, per app.
    pub apps: BTreeMap<String, AppBrake>,
    /// How many changes of each action (every action present).
    pub summary: BTreeMap<&'static str, usize>,
    /// The changes, by app (policy order), then email, then action.
    pub changes: Vec<Change>,
}

impl Plan {
    /// The changes for every app of the policy, from each app's accounts
    /// (`live`: connection name and its accounts; an app of the policy
    /// missing there counts as holding none).
    pub fn compute(roster: &Roster, policy: &Policy, live: &[(&str, Vec<LiveAccount>)]) -> Plan {
        let mut apps = BTreeMap::new();
        let mut changes = Vec::new();
        for app in policy.apps() {
            let accounts = live
                .iter()
                .find(|(name, _)| *name == app.connection)
                .map_or(&[][..], |(_, accounts)| accounts.as_slice());
            let (app_changes, brake) = diff_app(app, roster, accounts);
            apps.insert(app.connection.clone(), brake);
            changes.extend(app_changes);
        }
        for (i, change) in changes.iter_mut().enumerate() {
            change.id = format!("c{}", i + 1);
        }
        let mut summary: BTreeMap<&'static str, usize> =
            Action::ALL.iter().map(|a| (a.as_str(), 0)).collect();
        for change in &changes {
            *summary.entry(change.action.as_str()).or_default() += 1;
        }
        Plan {
            outcome: "planned",
            version: 1,
            plan_id: format!("{:032x}", rand::rng().random::<u128>()),
            created_at: time::format(Timestamp::now()),
            apps,
            summary,
            changes,
        }
    }

    /// Whether any app's brake is exceeded.
    pub fn brake_exceeded(&self) -> bool {
        self.apps.values().any(|a| a.brake_exceeded)
    }
}

/// One app's changes and brake.
fn diff_app(app: &AppPolicy, roster: &Roster, live: &[LiveAccount]) -> (Vec<Change>, AppBrake) {
    let differ = Differ {
        app,
        managed_groups: app.managed_groups(),
        managed_roles: app.managed_roles(),
    };
    let mut changes = Vec::new();
    let mut seen = HashSet::new();
    for account in live {
        seen.insert(normalize_email(&account.email));
        if !app.is_protected(&account.email) {
            changes.extend(differ.account(roster, account));
        }
    }
    for person in roster.iter() {
        let known = seen.contains(&normalize_email(&person.email));
        if !known && !app.is_protected(&person.email) {
            changes.extend(differ.joiner(person));
        }
    }
    // A stable order: by email, a person's changes in the order apply runs
    // them (the sort is stable, so memberships keep the policy's order).
    changes.sort_by_key(|c| normalize_email(&c.email));
    let active_accounts = live.iter().filter(|a| a.active).count();
    let deactivations = changes
        .iter()
        .filter(|c| c.action == Action::Deactivate)
        .count();
    let max_deactivations = app.max_deactivations.limit(active_accounts);
    let brake = AppBrake {
        active_accounts,
        deactivations,
        max_deactivations,
        brake_exceeded: deactivations > max_deactivations,
    };
    (changes, brake)
}

/// The diff of one app, with what its policy manages.
struct Differ<'a> {
    app: &'a AppPolicy,
    managed_groups: Vec<String>,
    managed_roles: Vec<String>,
}

impl Differ<'_> {
    fn change(&self, email: &str, action: Action, reason: &str) -> Change {
        Change {
            id: String::new(),
            app: self.app.connection.clone(),
            email: email.to_owned(),
            action,
            target: None,
            user_id: None,
            first_name: None,
            last_name: None,
            access_level: None,
            reason: reason.to_owned(),
        }
    }

    /// The changes of an existing (unprotected) account.
    fn account(&self, roster: &Roster, account: &LiveAccount) -> Vec<Change> {
        let person = roster.get(&account.email);
        let desired = person.and_then(|p| self.app.desired_for(p));
        let mut changes = Vec::new();
        match (person, desired) {
            (Some(person), Some(desired)) => {
                if !account.active {
                    changes.push(self.change(
                        &account.email,
                        Action::Activate,
                        "active in the roster",
                    ));
                }
                let names_differ = account.first_name.as_deref()
                    != Some(person.first_name.as_str())
                    || account.last_name.as_deref() != Some(person.last_name.as_str());
                if names_differ {
                    let mut c =
                        self.change(&account.email, Action::UpdateName, "name in the roster");
                    c.first_name = Some(person.first_name.clone());
                    c.last_name = Some(person.last_name.clone());
                    changes.push(c);
                }
                changes.extend(self.memberships(account, &desired));
            }
            _ if !account.active => {}
            (Some(person), None) if person.status == Status::Terminated => {
                changes.push(self.change(
                    &account.email,
                    Action::Deactivate,
                    "terminated in the roster",
                ));
            }
            _ if self.app.strays == StrayAction::Deactivate => {
                changes.push(self.change(
                    &account.email,
                    Action::Deactivate,
                    "stray: nobody in scope",
                ));
            }
            _ => {}
        }
        for c in &mut changes {
            c.user_id = Some(account.user_id.clone());
        }
        changes
    }

    /// Managed groups and roles to add or remove, and the access level.
    fn memberships(&self, account: &LiveAccount, desired: &Desired) -> Vec<Change> {
        let groups =
            memberships(&desired.groups, &account.groups, &self.managed_groups).map(|(add, t)| {
                (
                    if add {
                        Action::AddGroup
                    } else {
                        Action::RemoveGroup
                    },
                    t,
                )
            });
        let roles =
            memberships(&desired.roles, &account.roles, &self.managed_roles).map(|(add, t)| {
                (
                    if add {
                        Action::AddRole
                    } else {
                        Action::RemoveRole
                    },
                    t,
                )
            });
        let mut changes: Vec<Change> = groups
            .chain(roles)
            .map(|(action, target)| {
                let mut c = self.change(&account.email, action, "policy");
                c.target = Some(target);
                c
            })
            .collect();
        if let Some(level) = &desired.access_level
            && !account
                .access_level
                .as_deref()
                .is_some_and(|have| have.eq_ignore_ascii_case(level))
        {
            let mut c = self.change(&account.email, Action::SetAccessLevel, "policy");
            c.target = Some(level.clone());
            changes.push(c);
        }
        changes
    }

    /// A person in scope without an account: one create (carrying the
    /// access level), then each group and role.
    fn joiner(&self, person: &RosterEntry) -> Vec<Change> {
        let Some(desired) = self.app.desired_for(person) else {
            return Vec::new();
        };
        let mut create = self.change(&person.email, Action::Create, "in scope, no account");
        create.first_name = Some(person.first_name.clone());
        create.last_name = Some(person.last_name.clone());
        create.access_level = desired.access_level.clone();
        let mut changes = vec![create];
        for (action, names) in [
            (Action::AddGroup, &desired.groups),
            (Action::AddRole, &desired.roles),
        ] {
            for name in names {
                let mut c = self.change(&person.email, action, "policy");
                c.target = Some(name.clone());
                changes.push(c);
            }
        }
        changes
    }
}

/// Managed memberships to add (`true`) or remove (`false`), by name,
/// ignoring case: desired ones not held, then held managed ones not desired.
fn memberships<'a>(
    desired: &'a [String],
    held: &'a [String],
    managed: &'a [String],
) -> impl Iterator<Item = (bool, String)> + 'a {
    let has = |list: &[String], name: &str| list.iter().any(|n| n.eq_ignore_ascii_case(name));
    let add = desired
        .iter()
        .filter(move |d| !has(held, d))
        .map(|d| (true, d.clone()));
    let remove = held
        .iter()
        .filter(move |h| has(managed, h) && !has(desired, h))
        .map(|h| (false, h.clone()));
    add.chain(remove)
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = r#"
[apps.workiva]
scope = { department = ["Finance", "Legal"] }
groups = ["All Staff"]
strays = "deactivate"
protected = ["svc@acme.com"]
max_deactivations = "1"
[[apps.workiva.rule]]
when = { department = "Finance" }
groups = ["Finance"]
"#;

    fn roster() -> Roster {
        Roster::from_csv(
            "email,first_name,last_name,status,department\n\
             ann@acme.com,Ann,Lee,active,Finance\n\
             bob@acme.com,Bob,Ray,active,Legal\n\
             cy@acme.com,Cy,Kay,terminated,Finance\n\
             dee@acme.com,Dee,Fox,active,Sales\n",
            "hr.csv",
        )
        .unwrap()
    }

    fn account(id: &str, email: &str, active: bool, first: &str, groups: &[&str]) -> LiveAccount {
        let mut a = LiveAccount::new(id, email, active);
        a.first_name = Some(first.to_owned());
        a.last_name = Some(
            match first {
                "Ann" => "Lee",
                "Bob" => "Ray",
                _ => "Kay",
            }
            .to_owned(),
        );
        a.groups = groups.iter().map(|g| (*g).to_owned()).collect();
        a
    }

    #[test]
    fn joiners_movers_leavers_strays_and_protected() {
        let policy = Policy::from_toml(POLICY, "p.toml").unwrap();
        let live = vec![
            // Ann: in scope, has All Staff and an unmanaged group, lacks Finance.
            account("u1", "ANN@acme.com", true, "Ann", &["All Staff", "Board"]),
            // Cy: terminated, still active.
            account("u3", "cy@acme.com", true, "Cy", &["Finance"]),
            // Dee: out of scope (Sales), active: a stray.
            account("u4", "dee@acme.com", true, "Dee", &[]),
            // svc: protected, nobody in the roster.
            account("u5", "svc@acme.com", true, "Svc", &[]),
            // Eve: not in the roster, inactive: nothing.
            account("u6", "eve@acme.com", false, "Eve", &[]),
        ];
        let plan = Plan::compute(&roster(), &policy, &[("workiva", live)]);
        let got: Vec<(String, &str, Option<&str>)> = plan
            .changes
            .iter()
            .map(|c| {
                (
                    c.email.to_lowercase(),
                    c.action.as_str(),
                    c.target.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("ann@acme.com".into(), "add_group", Some("Finance")),
                ("bob@acme.com".into(), "create", None),
                ("bob@acme.com".into(), "add_group", Some("All Staff")),
                ("cy@acme.com".into(), "deactivate", None),
                ("dee@acme.com".into(), "deactivate", None),
            ]
        );
        assert_eq!(plan.changes[0].id, "c1");
        assert_eq!(plan.changes[0].user_id.as_deref(), Some("u1"));
        assert!(plan.changes[1].user_id.is_none(), "not created yet");
        assert_eq!(plan.summary["deactivate"], 2);
        assert_eq!(plan.summary["remove_role"], 0, "every key is present");
        let brake = plan.apps["workiva"];
        assert_eq!((brake.active_accounts, brake.deactivations), (4, 2));
        assert!(
            brake.brake_exceeded && plan.brake_exceeded(),
            "limit 1, two deactivations"
        );
    }

    #[test]
    fn a_second_plan_after_everything_is_in_place_is_empty() {
        let policy = Policy::from_toml(POLICY, "p.toml").unwrap();
        let mut bob = account("u2", "bob@acme.com", true, "Bob", &["All Staff"]);
        bob.last_name = Some("Ray".into());
        let live = vec![
            account("u1", "ann@acme.com", true, "Ann", &["All Staff", "Finance"]),
            bob,
            account("u3", "cy@acme.com", false, "Cy", &["Finance"]),
        ];
        let plan = Plan::compute(&roster(), &policy, &[("workiva", live)]);
        assert!(plan.changes.is_empty(), "{:?}", plan.changes);
        assert!(!plan.brake_exceeded());
    }

    #[test]
    fn managed_groups_only_are_removed_and_names_are_corrected() {
        let policy = Policy::from_toml(POLICY, "p.toml").unwrap();
        // Bob (Legal) holds Finance (managed, not his) and Board (unmanaged).
        let mut bob = account(
            "u2",
            "bob@acme.com",
            true,
            "Robert",
            &["All Staff", "Finance", "Board"],
        );
        bob.last_name = Some("Ray".into());
        let plan = Plan::compute(&roster(), &policy, &[("workiva", vec![bob])]);
        let actions: Vec<_> = plan
            .changes
            .iter()
            .filter(|c| c.email == "bob@acme.com")
            .map(|c| (c.action, c.target.clone()))
            .collect();
        assert_eq!(
            actions,
            [
                (Action::UpdateName, None),
                (Action::RemoveGroup, Some("Finance".to_owned())),
            ]
        );
        let json = serde_json::to_value(&plan).unwrap();
        assert_eq!(json["outcome"], "planned");
        assert_eq!(json["version"], 1);
        assert!(
            json["changes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["action"] == "update_name" && c["first_name"] == "Bob")
        );
    }
}
