//! Joiner / leaver operations built on the directory traits: provision,
//! deprovision, and bulk deactivation.
//!
//! Names (groups, roles, access levels) are resolved before any change, so an
//! unknown name changes nothing. Every operation has a dry run that sends no
//! mutating request.

mod bulk;
mod deprovision;
mod provision;

pub use bulk::{
    BulkDeactivateRequest, BulkOutcome, BulkReport, BulkResult, BulkSummary, bulk_deactivate,
};
pub use deprovision::{
    DeprovisionMode, DeprovisionOutcome, DeprovisionReport, DeprovisionRequest, deprovision,
};
pub use provision::{Change, ProvisionOutcome, ProvisionReport, ProvisionRequest, provision};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::InMemoryDirectory;
    use crate::{ErrorKind, GroupDirectory, NewUser, UserDirectory};

    fn person(email: &str) -> NewUser {
        NewUser::builder(email)
            .first_name("P")
            .last_name("Q")
            .build()
            .unwrap()
    }

    fn directory() -> InMemoryDirectory {
        InMemoryDirectory::new()
            .with_roles(&["Auditor", "Admin"])
            .with_access_levels(&["Light", "Standard"])
    }

    #[tokio::test]
    async fn provision_is_idempotent_and_reports_changes() {
        let dir = directory();
        dir.create_group("Finance").await.unwrap();
        let request = ProvisionRequest::new(person("jane@example.com"))
            .group("Finance")
            .role("auditor")
            .access_level(Some("Light".into()));
        let first = provision(&dir, &request).await.unwrap();
        assert_eq!(first.outcome, ProvisionOutcome::Created);
        assert_eq!(first.changes.len(), 4, "{:?}", first.changes);
        let second = provision(&dir, &request).await.unwrap();
        assert_eq!(second.outcome, ProvisionOutcome::Existing);
        assert!(second.changes.is_empty(), "{:?}", second.changes);
    }

    #[tokio::test]
    async fn unknown_names_fail_before_any_change() {
        let dir = directory();
        dir.create_group("Finance").await.unwrap();
        for (groups, roles, level, missing) in [
            (vec!["Nope"], vec![], None, "group \"Nope\""),
            (vec!["Finance"], vec!["Pilot"], None, "role \"Pilot\""),
            (
                vec![],
                vec![],
                Some("Galactic"),
                "access level \"Galactic\"",
            ),
        ] {
            let request = ProvisionRequest::new(person("new@example.com"))
                .groups(groups)
                .roles(roles)
                .access_level(level.map(String::from));
            let err = provision(&dir, &request).await.unwrap_err();
            assert!(err.to_string().contains(missing), "{err}");
            assert!(dir.users().is_empty());
        }
    }

    #[tokio::test]
    async fn dry_run_changes_nothing() {
        let dir = directory();
        dir.create_group("Finance").await.unwrap();
        let request = ProvisionRequest::new(person("jane@example.com"))
            .group("Finance")
            .dry_run(true);
        let report = provision(&dir, &request).await.unwrap();
        assert_eq!(report.outcome, ProvisionOutcome::Created);
        assert_eq!(report.changes.len(), 2);
        assert!(dir.users().is_empty());
        let user = dir.create_user(&person("x@example.com")).await.unwrap();
        let gone = deprovision(
            &dir,
            &DeprovisionRequest::delete("x@example.com").dry_run(true),
        )
        .await
        .unwrap();
        assert_eq!(gone.outcome, DeprovisionOutcome::Deleted);
        assert!(
            dir.get_user(&user.id).await.is_ok(),
            "dry-run delete kept the user"
        );
    }

    #[tokio::test]
    async fn deprovision_outcomes() {
        let dir = directory();
        dir.create_user(&person("a@example.com")).await.unwrap();
        let first = deprovision(&dir, &DeprovisionRequest::deactivate("A@example.com"))
            .await
            .unwrap();
        assert_eq!(first.outcome, DeprovisionOutcome::Deactivated);
        assert!(!first.user.active);
        let again = deprovision(&dir, &DeprovisionRequest::deactivate("a@example.com"))
            .await
            .unwrap();
        assert_eq!(again.outcome, DeprovisionOutcome::AlreadyInactive);
        let err = deprovision(&dir, &DeprovisionRequest::deactivate("ghost@example.com"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert!(err.to_string().contains("ghost@example.com"));
        assert_eq!(dir.deletes(), 0);
        deprovision(&dir, &DeprovisionRequest::delete("a@example.com"))
            .await
            .unwrap();
        assert_eq!(dir.deletes(), 1);
    }

    #[tokio::test]
    async fn bulk_counts_every_outcome() {
        let dir = directory();
        dir.create_user(&person("a@example.com")).await.unwrap();
        let b = dir.create_user(&person("b@example.com")).await.unwrap();
        dir.set_active(&b.id, false).await.unwrap();
        let emails: Vec<String> = ["a@example.com", "b@example.com", "c@example.com"]
            .map(String::from)
            .to_vec();
        let dry = bulk_deactivate(
            &dir,
            &BulkDeactivateRequest::new(emails.clone())
                .concurrency(2)
                .dry_run(true),
            &|_| {},
        )
        .await;
        assert_eq!(
            dry.summary,
            BulkSummary {
                would_deactivate: 1,
                already_inactive: 1,
                not_found: 1,
                ..Default::default()
            }
        );
        assert!(
            dir.users().iter().any(|u| u.active),
            "dry run changed nothing"
        );
        let done = std::sync::atomic::AtomicUsize::new(0);
        let report = bulk_deactivate(
            &dir,
            &BulkDeactivateRequest::new(emails).concurrency(2),
            &|n| {
                done.fetch_add(n, std::sync::atomic::Ordering::SeqCst);
            },
        )
        .await;
        assert_eq!(
            report.summary,
            BulkSummary {
                deactivated: 1,
                already_inactive: 1,
                not_found: 1,
                ..Default::default()
            }
        );
        assert_eq!(done.load(std::sync::atomic::Ordering::SeqCst), 3);
        assert!(dir.users().iter().all(|u| !u.active));
    }
}
