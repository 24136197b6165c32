//! Reading an app's accounts for a plan: every user, with the policy's
//! managed groups, the roles and the access level by name, after checking
//! that every name the policy uses exists in the app.

use std::collections::{HashMap, HashSet};

use futures::TryStreamExt;

use super::LiveAccount;
use crate::directory::Directory;
use crate::error::{Error, ErrorKind, Result};
use crate::model::{UserId, UserQuery};
use crate::policy::AppPolicy;

/// The accounts of the app `app` describes, read through `dir`.
///
/// First every group, role and access level the policy names is looked up:
/// an unknown one is a [`ErrorKind::Config`] error naming it and the
/// connection, before any listing. Then the users are listed, and the
/// members of each managed group (the only memberships a plan touches).
pub async fn read_app<D: Directory + ?Sized>(dir: &D, app: &AppPolicy) -> Result<Vec<LiveAccount>> {
    let unknown = |what: &str, name: &str| {
        Error::config(format!(
            "policy for {}: unknown {what} {name:?}",
            app.connection
        ))
    };
    let mut groups = Vec::new();
    for name in app.managed_groups() {
        let group = dir.resolve_group(&name).await.map_err(|e| match e.kind() {
            ErrorKind::NotFound => unknown("group", &name),
            _ => e,
        })?;
        groups.push(group);
    }
    for name in app.managed_roles() {
        dir.resolve_role(&name).await.map_err(|e| match e.kind() {
            ErrorKind::NotFound | ErrorKind::Unsupported => unknown("role", &name),
            _ => e,
        })?;
    }
    let mut levels = app.access_level.iter().cloned().collect::<Vec<_>>();
    levels.extend(app.rules.iter().filter_map(|r| r.access_level.clone()));
    for name in &levels {
        dir.resolve_access_level(name)
            .await
            .map_err(|e| match e.kind() {
                ErrorKind::NotFound | ErrorKind::Unsupported => unknown("access level", name),
                _ => e,
            })?;
    }
    let role_names = names_or_none(dir.list_roles().await)?
        .into_iter()
        .map(|r| (r.id.to_string(), r.name))
        .collect::<HashMap<_, _>>();
    let level_names = names_or_none(dir.list_access_levels().await)?
        .into_iter()
        .map(|l| (l.id.to_string(), l.name))
        .collect::<HashMap<_, _>>();
    let mut members: HashMap<UserId, Vec<String>> = HashMap::new();
    for group in &groups {
        let ids: HashSet<UserId> = dir.list_members(&group.id).try_collect().await?;
        for id in ids {
            members.entry(id).or_default().push(group.name.clone());
        }
    }
    dir.list_users(&UserQuery::default())
        .map_ok(|user| {
            let mut account =
                LiveAccount::new(user.id.to_string(), user.email.clone(), user.active);
            account.first_name = user.first_name.clone();
            account.last_name = user.last_name.clone();
            account.groups = members.get(&user.id).cloned().unwrap_or_default();
            account.roles = user
                .roles
                .iter()
                .filter_map(|r| role_names.get(r.as_str()).cloned())
                .collect();
            account.access_level = user
                .access_level
                .as_ref()
                .and_then(|l| level_names.get(l.as_str()).cloned());
            account
        })
        .try_collect()
        .await
}

/// A listing, or nothing where the directory has no such thing.
fn names_or_none<T>(listed: Result<Vec<T>>) -> Result<Vec<T>> {
    match listed {
        Err(e) if e.kind() == ErrorKind::Unsupported => Ok(Vec::new()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::InMemoryDirectory;
    use crate::plan::{Action, Plan};
    use crate::policy::Policy;
    use crate::roster::Roster;
    use crate::{AccessDirectory, GroupDirectory, NewUser, UserDirectory};

    const POLICY: &str = r#"
[apps.mem]
groups = ["All Staff"]
roles = ["Auditor"]
access_level = "Light"
"#;

    async fn directory() -> InMemoryDirectory {
        let dir = InMemoryDirectory::new()
            .with_roles(&["Auditor", "Admin"])
            .with_access_levels(&["Light", "Standard"]);
        dir.create_group("All Staff").await.unwrap();
        dir.create_group("Board").await.unwrap();
        dir
    }

    #[tokio::test]
    async fn live_state_feeds_the_plan_and_an_applied_plan_is_empty_next_time() {
        let dir = directory().await;
        let ann = NewUser::builder("ann@acme.com")
            .first_name("Ann")
            .last_name("Lee")
            .build()
            .unwrap();
        let ann = dir.create_user(&ann).await.unwrap();
        let board = dir.resolve_group("Board").await.unwrap();
        dir.add_member(&board.id, &ann.id).await.unwrap();
        let roster = Roster::from_csv(
            "email,first_name,last_name,status\nann@acme.com,Ann,Lee,active\n",
            "hr.csv",
        )
        .unwrap();
        let policy = Policy::from_toml(POLICY, "p.toml").unwrap();
        let app = policy.app("mem").unwrap();
        let live = read_app(&dir, app).await.unwrap();
        assert_eq!(live.len(), 1);
        assert!(
            live[0].groups.is_empty(),
            "Board is not managed, so not read"
        );
        let plan = Plan::compute(&roster, &policy, &[("mem", live)]);
        let actions: Vec<_> = plan.changes.iter().map(|c| c.action).collect();
        assert_eq!(
            actions,
            [Action::AddGroup, Action::AddRole, Action::SetAccessLevel]
        );

        // Carry the plan out by hand, then plan again: nothing left.
        let staff = dir.resolve_group("All Staff").await.unwrap();
        dir.add_member(&staff.id, &ann.id).await.unwrap();
        let auditor = dir.resolve_role("Auditor").await.unwrap();
        dir.assign_roles(&ann.id, &[auditor.id]).await.unwrap();
        let light = dir.resolve_access_level("Light").await.unwrap();
        dir.set_access_level(&ann.id, &light.id).await.unwrap();
        let live = read_app(&dir, app).await.unwrap();
        assert_eq!(live[0].groups, ["All Staff"]);
        assert_eq!(live[0].roles, ["Auditor"]);
        assert_eq!(live[0].access_level.as_deref(), Some("Light"));
        let again = Plan::compute(&roster, &policy, &[("mem", live)]);
        assert!(again.changes.is_empty(), "{:?}", again.changes);
    }

    #[tokio::test]
    async fn an_unknown_name_in_the_policy_fails_before_any_listing() {
        let dir = directory().await;
        for (text, named) in [
            (
                "[apps.mem]\ngroups = [\"Nope\"]\n",
                "unknown group \"Nope\"",
            ),
            (
                "[apps.mem]\nroles = [\"Pilot\"]\n",
                "unknown role \"Pilot\"",
            ),
            (
                "[apps.mem]\naccess_level = \"Galactic\"\n",
                "unknown access level \"Galactic\"",
            ),
        ] {
            let policy = Policy::from_toml(text, "p.toml").unwrap();
            let err = read_app(&dir, policy.app("mem").unwrap())
                .await
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Config);
            assert!(err.to_string().contains(named), "{err}");
            assert!(err.to_string().contains("policy for mem"), "{err}");
        }
    }
}
