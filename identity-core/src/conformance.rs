//! The behaviour suite every directory must pass.
//!
//! Each function takes a directory and panics (like an assertion) when the
//! directory misbehaves. A vendor crate's tests call [`run_all`] with its own
//! client; a new backend is correct when it passes. The suite only touches
//! users and groups it creates itself (random `conformance-…` emails and
//! names), so it can run against a shared server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;

use futures::TryStreamExt;
use rand::Rng;

use crate::directory::{AccessDirectory, GroupDirectory, UserDirectory};
use crate::ensure::{Ensured, ensure_user};
use crate::error::ErrorKind;
use crate::model::{
    DeleteConfirmation, MembershipChange, NewUser, User, UserId, UserPatch, UserQuery,
};

/// A fresh, unique, lower-case email for one test.
pub fn unique_email(label: &str) -> String {
    let n: u64 = rand::rng().random();
    format!("conformance-{label}-{n:016x}@example.com")
}

fn new_user(email: &str) -> NewUser {
    NewUser::builder(email)
        .first_name("Conformance")
        .last_name("Tester")
        .build()
        .expect("valid user")
}

async fn create(dir: &(impl UserDirectory + ?Sized), label: &str) -> User {
    let email = unique_email(label);
    let user = dir
        .create_user(&new_user(&email))
        .await
        .expect("create user");
    assert!(
        user.has_email(&email),
        "create returns the user with its email: {user:?}"
    );
    assert!(user.active, "a new user is active by default");
    user
}

/// Runs every check of the suite.
pub async fn run_all<D>(dir: &D)
where
    D: UserDirectory + GroupDirectory + ?Sized,
{
    user_lifecycle(dir).await;
    find_by_email_ignores_case(dir).await;
    duplicate_email_is_conflict(dir).await;
    missing_user_is_not_found(dir).await;
    ensure_user_is_idempotent(dir).await;
    listing_is_complete(dir).await;
    invalid_patch_changes_nothing(dir).await;
    delete_requires_matching_confirmation(dir).await;
    group_membership(dir).await;
}

/// Create, read, update, deactivate, reactivate.
pub async fn user_lifecycle<D: UserDirectory + ?Sized>(dir: &D) {
    let user = create(dir, "lifecycle").await;
    let read = dir.get_user(&user.id).await.expect("get user");
    assert_eq!(read.id, user.id);
    assert!(read.has_email(&user.email));
    assert_eq!(read.first_name.as_deref(), Some("Conformance"));

    let patch = UserPatch {
        first_name: Some("Renamed".into()),
        ..UserPatch::default()
    };
    let updated = dir.update_user(&user.id, &patch).await.expect("update");
    assert_eq!(updated.first_name.as_deref(), Some("Renamed"));
    let read = dir.get_user(&user.id).await.unwrap();
    assert_eq!(read.first_name.as_deref(), Some("Renamed"));
    assert_eq!(
        read.last_name.as_deref(),
        Some("Tester"),
        "a partial update keeps other fields"
    );

    let deactivated = dir.set_active(&user.id, false).await.expect("deactivate");
    assert!(!deactivated.active);
    assert!(
        !dir.get_user(&user.id).await.unwrap().active,
        "deactivation is stored"
    );
    let found = dir.find_user_by_email(&user.email).await.unwrap();
    assert!(
        found.is_some_and(|u| !u.active),
        "a deactivated user can still be found"
    );
    assert!(dir.set_active(&user.id, true).await.unwrap().active);
}

/// Email look-ups ignore case.
pub async fn find_by_email_ignores_case<D: UserDirectory + ?Sized>(dir: &D) {
    let user = create(dir, "case").await;
    let upper = user.email.to_uppercase();
    let found = dir.find_user_by_email(&upper).await.expect("find");
    assert_eq!(found.map(|u| u.id), Some(user.id));
    let missing = dir
        .find_user_by_email(&unique_email("absent"))
        .await
        .unwrap();
    assert!(missing.is_none());
}

/// A second user with the same email (in any case) is a conflict.
pub async fn duplicate_email_is_conflict<D: UserDirectory + ?Sized>(dir: &D) {
    let user = create(dir, "dup").await;
    let again = new_user(&user.email.to_uppercase());
    let err = dir
        .create_user(&again)
        .await
        .expect_err("duplicate refused");
    assert_eq!(err.kind(), ErrorKind::Conflict, "{err}");
}

/// Reading an id that does not exist is `NotFound`, not some other error.
pub async fn missing_user_is_not_found<D: UserDirectory + ?Sized>(dir: &D) {
    let err = dir
        .get_user(&UserId::new("does-not-exist-0000"))
        .await
        .expect_err("no such user");
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
}

/// `ensure_user` twice gives one user: `Created`, then `Existing`.
pub async fn ensure_user_is_idempotent<D: UserDirectory + ?Sized>(dir: &D) {
    let email = unique_email("ensure");
    let first = ensure_user(dir, &new_user(&email)).await.expect("ensure");
    assert!(matches!(first, Ensured::Created(_)), "{first:?}");
    let second = ensure_user(dir, &new_user(&email.to_uppercase()))
        .await
        .expect("ensure again");
    assert!(matches!(second, Ensured::Existing(_)), "{second:?}");
    assert_eq!(first.user().id, second.user().id);
}

/// A listing contains every user exactly once.
pub async fn listing_is_complete<D: UserDirectory + ?Sized>(dir: &D) {
    let mut ours = HashSet::new();
    for _ in 0..3 {
        ours.insert(create(dir, "list").await.id);
    }
    let listed: Vec<User> = dir
        .list_users(&UserQuery::default())
        .try_collect()
        .await
        .expect("list users");
    let mut seen = HashSet::new();
    for user in &listed {
        assert!(
            seen.insert(user.id.clone()),
            "user {} listed twice",
            user.id
        );
    }
    for id in &ours {
        assert!(seen.contains(id), "user {id} missing from the listing");
    }
    let paged: usize = dir
        .list_user_pages(&UserQuery::default())
        .map_ok(|page| page.items.len())
        .try_fold(0, |acc, n| async move { Ok(acc + n) })
        .await
        .unwrap();
    assert_eq!(paged, listed.len(), "pages and items agree");
}

/// A bad update is refused and changes nothing.
pub async fn invalid_patch_changes_nothing<D: UserDirectory + ?Sized>(dir: &D) {
    let user = create(dir, "invalid").await;
    let patch = UserPatch {
        email: Some("not-an-email".into()),
        first_name: Some("Changed".into()),
        ..UserPatch::default()
    };
    let err = dir
        .update_user(&user.id, &patch)
        .await
        .expect_err("refused");
    assert_eq!(err.kind(), ErrorKind::Validation, "{err}");
    let read = dir.get_user(&user.id).await.unwrap();
    assert!(read.has_email(&user.email));
    assert_eq!(read.first_name.as_deref(), Some("Conformance"));
}

/// Delete needs a confirmation made for the same user.
pub async fn delete_requires_matching_confirmation<D: UserDirectory + ?Sized>(dir: &D) {
    let keep = create(dir, "keep").await;
    let doomed = create(dir, "doomed").await;
    let wrong = DeleteConfirmation::permanently_delete(&doomed.id);
    let err = dir
        .delete_user(&keep.id, &wrong)
        .await
        .expect_err("refused");
    assert_eq!(err.kind(), ErrorKind::RefusedByPolicy, "{err}");
    assert!(
        dir.get_user(&keep.id).await.is_ok(),
        "refused delete changed nothing"
    );

    dir.delete_user(
        &doomed.id,
        &DeleteConfirmation::permanently_delete(&doomed.id),
    )
    .await
    .expect("confirmed delete");
    let err = dir.get_user(&doomed.id).await.expect_err("deleted");
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

/// Membership add / list / remove; repeating either is success.
pub async fn group_membership<D>(dir: &D)
where
    D: UserDirectory + GroupDirectory + ?Sized,
{
    let n: u32 = rand::rng().random();
    let name = format!("conformance-group-{n:08x}");
    let group = dir.create_group(&name).await.expect("create group");
    assert_eq!(group.name, name);
    let found = dir
        .find_group_by_name(&name)
        .await
        .unwrap()
        .expect("find group");
    assert_eq!(found.id, group.id);
    assert_eq!(dir.get_group(&group.id).await.unwrap().name, name);
    let listed: Vec<_> = dir.list_groups().try_collect().await.expect("list groups");
    assert!(
        listed.iter().any(|g| g.id == group.id),
        "new group is listed"
    );

    let renamed = format!("{name}-renamed");
    match dir.rename_group(&group.id, &renamed).await {
        Ok(group) => {
            assert_eq!(group.name, renamed);
            let found = dir.find_group_by_name(&renamed).await.unwrap();
            assert_eq!(found.map(|g| g.id), Some(group.id.clone()));
        }
        Err(err) => assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}"),
    }

    let user = create(dir, "member").await;
    let first = dir
        .add_member(&group.id, &user.id)
        .await
        .expect("add member");
    assert_eq!(first, MembershipChange::Added);
    let again = dir
        .add_member(&group.id, &user.id)
        .await
        .expect("add again");
    assert_eq!(again, MembershipChange::AlreadyMember);
    let members: Vec<UserId> = dir.list_members(&group.id).try_collect().await.unwrap();
    assert_eq!(members, vec![user.id.clone()]);
    let held = dir.groups_of(&user.id).await.expect("groups of the user");
    assert!(
        held.contains(&group.id),
        "groups_of names the group: {held:?}"
    );

    let removed = dir
        .remove_member(&group.id, &user.id)
        .await
        .expect("remove");
    assert_eq!(removed, MembershipChange::Removed);
    let again = dir
        .remove_member(&group.id, &user.id)
        .await
        .expect("remove again");
    assert_eq!(again, MembershipChange::NotMember);
    let members: Vec<UserId> = dir.list_members(&group.id).try_collect().await.unwrap();
    assert!(members.is_empty());
    let held = dir.groups_of(&user.id).await.expect("groups of the user");
    assert!(
        !held.contains(&group.id),
        "groups_of forgets the group: {held:?}"
    );
    assert!(
        dir.get_user(&user.id).await.unwrap().active,
        "leaving a group keeps the user"
    );
}

/// Roles are added and taken away one at a time, the others kept; removing
/// a role not held changes nothing. For directories with roles; `first` and
/// `second` are two role names the directory defines.
pub async fn roles_are_added_and_removed<D>(dir: &D, first: &str, second: &str)
where
    D: UserDirectory + AccessDirectory + ?Sized,
{
    let user = create(dir, "roles").await;
    let a = dir.resolve_role(first).await.expect("first role");
    let b = dir.resolve_role(second).await.expect("second role");
    dir.assign_roles(&user.id, &[a.id.clone(), b.id.clone()])
        .await
        .expect("assign two roles");
    let held = |u: &User| u.roles.iter().cloned().collect::<HashSet<_>>();
    let both = dir.get_user(&user.id).await.expect("read back");
    assert_eq!(
        held(&both),
        [a.id.clone(), b.id.clone()].into_iter().collect(),
        "both roles held"
    );
    dir.remove_role(&user.id, &a.id)
        .await
        .expect("remove one role");
    let left = dir.get_user(&user.id).await.expect("read back");
    assert_eq!(
        held(&left),
        [b.id.clone()].into_iter().collect(),
        "the other kept"
    );
    dir.remove_role(&user.id, &a.id)
        .await
        .expect("removing a role not held is not an error");
    dir.remove_role(&user.id, &b.id)
        .await
        .expect("remove the last");
    let none = dir.get_user(&user.id).await.expect("read back");
    assert!(none.roles.is_empty(), "no role left: {:?}", none.roles);
}
