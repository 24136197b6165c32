//! `ensure_user` under random fault sequences never makes two users.
#![allow(clippy::unwrap_used)]

use identity_core::faults::{Fault, FaultyDirectory, Operation};
use identity_core::memory::InMemoryDirectory;
use identity_core::{Ensured, ErrorKind, NewUser, UserDirectory, ensure_user};
use proptest::prelude::*;

fn fault() -> impl Strategy<Value = Fault> {
    prop_oneof![
        Just(Fault::Unavailable),
        Just(Fault::RateLimited),
        Just(Fault::CommitThenDrop),
        Just(Fault::TimeoutBeforeCommit),
        Just(Fault::SpuriousConflict),
    ]
}

fn jane(email: &str) -> NewUser {
    NewUser::builder(email)
        .first_name("Jane")
        .last_name("Doe")
        .build()
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn never_two_users_for_one_email(
        create_faults in proptest::collection::vec(fault(), 0..5),
        find_faults in proptest::collection::vec(prop_oneof![Just(None), fault().prop_map(Some)], 0..4),
        preexisting in any::<bool>(),
        shout in any::<bool>(),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap();
        rt.block_on(async {
            let dir = FaultyDirectory::new(InMemoryDirectory::new());
            if preexisting {
                dir.inner().create_user(&jane("jane@example.com")).await.unwrap();
            }
            for f in &create_faults {
                dir.inject(Operation::Create, *f);
            }
            // `None` entries leave a gap: later finds succeed.
            for f in find_faults.iter().flatten() {
                dir.inject(Operation::FindByEmail, *f);
            }
            let email = if shout { "JANE@Example.com" } else { "jane@example.com" };
            let outcome = ensure_user(&dir, &jane(email)).await;
            let users: Vec<_> = dir.inner().users().into_iter().filter(|u| u.has_email(email)).collect();
            prop_assert!(users.len() <= 1, "two users for one email: {users:?}");
            match outcome {
                Ok(Ensured::Created(user)) => {
                    prop_assert!(!preexisting);
                    prop_assert_eq!(&users[0].id, &user.id);
                }
                Ok(Ensured::Existing(user)) => prop_assert_eq!(&users[0].id, &user.id),
                Err(err) => {
                    // A failure is one of the injected kinds, never a decode or panic.
                    prop_assert!(matches!(
                        err.kind(),
                        ErrorKind::Server | ErrorKind::RateLimited | ErrorKind::Transport | ErrorKind::Conflict
                    ), "{err}");
                }
            }
            Ok(())
        })?;
    }
}

#[tokio::test(start_paused = true)]
async fn commit_then_drop_returns_the_committed_user() {
    let dir = FaultyDirectory::new(InMemoryDirectory::new());
    dir.inject(Operation::Create, Fault::CommitThenDrop);
    let outcome = ensure_user(&dir, &jane("jane@example.com")).await.unwrap();
    assert!(outcome.was_created());
    assert_eq!(
        dir.committed(Operation::Create),
        1,
        "no second create after the drop"
    );
}

#[tokio::test(start_paused = true)]
async fn timeout_before_commit_retries_the_create_after_looking() {
    let dir = FaultyDirectory::new(InMemoryDirectory::new());
    dir.inject(Operation::Create, Fault::TimeoutBeforeCommit);
    let outcome = ensure_user(&dir, &jane("jane@example.com")).await.unwrap();
    assert!(outcome.was_created());
    assert_eq!(dir.inner().users().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn unexplained_conflict_is_returned() {
    let dir = FaultyDirectory::new(InMemoryDirectory::new());
    dir.inject(Operation::Create, Fault::SpuriousConflict);
    let err = ensure_user(&dir, &jane("jane@example.com"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert!(dir.inner().users().is_empty());
}

#[tokio::test(start_paused = true)]
async fn ambiguous_503_is_looked_up_then_created_once() {
    let dir = FaultyDirectory::new(InMemoryDirectory::new());
    dir.inject(Operation::Create, Fault::Unavailable);
    let outcome = ensure_user(&dir, &jane("jane@example.com")).await.unwrap();
    assert!(outcome.was_created());
    assert_eq!(dir.committed(Operation::Create), 1);
}

#[tokio::test(start_paused = true)]
async fn failing_lookup_is_an_error_and_creates_nothing() {
    let dir = FaultyDirectory::new(InMemoryDirectory::new());
    dir.inject(Operation::FindByEmail, Fault::Unavailable);
    let err = ensure_user(&dir, &jane("jane@example.com"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server);
    assert!(dir.inner().users().is_empty());
}
