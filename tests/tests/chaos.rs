//! Chaos: mixed joiner / mover / leaver operations against each simulator
//! under random 503s, 429s (with and without `Retry-After`), creates that
//! commit and then drop the connection, latency jitter and credentials that
//! expire every few seconds. Invariants are checked on the simulator's final
//! state (read through `SimInspect`, the same for every backend) and request
//! log. One generic run, [`chaos`], per backend.
//!
//! Size: `CHAOS_OPS` operations per vendor (default 300); seed: `CHAOS_SEED`
//! (default random, printed so a failure can be replayed).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use futures::StreamExt;
use identity_core::sandbox::{
    Disposition, FaultConfig, LoggedRequest, SimAccount, SimInspect, SimServer,
};
use identity_core::{
    AccessDirectory, Directory, GroupDirectory, GroupId, NewUser, RetryPolicy, RoleId,
    ensure_user_with,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use workfront_client::sandbox::WorkfrontSandbox;
use workiva_client::sandbox::WorkivaSandbox;

const MAX_ATTEMPTS: u32 = 8;

fn ops_per_vendor() -> usize {
    std::env::var("CHAOS_OPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

fn seed() -> u64 {
    let seed = std::env::var("CHAOS_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(rand::random);
    println!("chaos seed: {seed} (replay with CHAOS_SEED={seed})");
    seed
}

fn faults() -> FaultConfig {
    FaultConfig {
        jitter: Duration::from_millis(3),
        unavailable_rate: 0.10,
        rate_limited_rate: 0.06,
        retry_after_secs: Some(1),
        retry_after_omitted_rate: 0.5,
        commit_then_drop_rate: 0.08,
        ..FaultConfig::default()
    }
}

fn policy() -> RetryPolicy {
    RetryPolicy::default()
        .with_backoff(Duration::from_millis(2), Duration::from_millis(50))
        .with_max_attempts(MAX_ATTEMPTS)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Ensure,
    AddToGroup,
    RemoveFromGroup,
    Deactivate,
    AssignRole,
}

/// What the operations intend for one email, in order.
#[derive(Debug, Default, Clone)]
struct Intent {
    deactivated: bool,
    in_group: bool,
    has_role: bool,
}

fn plan(rng: &mut StdRng, ops: usize, roles: bool) -> BTreeMap<String, Vec<Op>> {
    let mut plans: BTreeMap<String, Vec<Op>> = BTreeMap::new();
    let mut n = 0;
    let mut i = 0;
    while n < ops {
        let email = format!("chaos{i}@example.com");
        i += 1;
        let mut sequence = vec![Op::Ensure];
        for _ in 0..rng.random_range(0..5) {
            let op = match rng.random_range(0..6) {
                0 => Op::Ensure,
                1 | 2 => Op::AddToGroup,
                3 => Op::RemoveFromGroup,
                4 => Op::Deactivate,
                _ if roles => Op::AssignRole,
                _ => Op::AddToGroup,
            };
            sequence.push(op);
        }
        n += sequence.len();
        plans.insert(email, sequence);
    }
    plans
}

fn intents(plans: &BTreeMap<String, Vec<Op>>) -> BTreeMap<String, Intent> {
    plans
        .iter()
        .map(|(email, ops)| {
            let mut intent = Intent::default();
            for op in ops {
                match op {
                    Op::Ensure => {}
                    Op::AddToGroup => intent.in_group = true,
                    Op::RemoveFromGroup => intent.in_group = false,
                    Op::Deactivate => intent.deactivated = true,
                    Op::AssignRole => intent.has_role = true,
                }
            }
            (email.clone(), intent)
        })
        .collect()
}

/// Runs each email's operations in order; emails run 8 at a time.
async fn run(
    dir: &dyn Directory,
    plans: &BTreeMap<String, Vec<Op>>,
    group: &GroupId,
    role: Option<&RoleId>,
) {
    futures::stream::iter(plans.iter())
        .for_each_concurrent(8, |(email, ops)| async move {
            let new_user = NewUser::builder(email.as_str())
                .first_name("Chaos")
                .last_name("Monkey")
                .build()
                .unwrap();
            let mut id = None;
            for op in ops {
                let outcome = match op {
                    Op::Ensure => ensure_user_with(dir, &new_user, &policy())
                        .await
                        .map(|e| id = Some(e.into_user().id)),
                    Op::AddToGroup => dir.add_member(group, id.as_ref().unwrap()).await.map(drop),
                    Op::RemoveFromGroup => dir
                        .remove_member(group, id.as_ref().unwrap())
                        .await
                        .map(drop),
                    Op::Deactivate => dir.set_active(id.as_ref().unwrap(), false).await.map(drop),
                    Op::AssignRole => dir
                        .assign_roles(id.as_ref().unwrap(), std::slice::from_ref(role.unwrap()))
                        .await
                        .map(drop),
                };
                if let Err(err) = outcome {
                    panic!("{op:?} for {email} failed despite retries: {err}");
                }
            }
        })
        .await;
}

/// The request-log invariants every vendor must keep.
fn check_log(vendor: &str, log: &[LoggedRequest], user_paths: &[&str]) -> (usize, usize) {
    let deletes: Vec<_> = log
        .iter()
        .filter(|r| r.method == "DELETE" && user_paths.iter().any(|p| r.path.contains(p)))
        .collect();
    assert!(
        deletes.is_empty(),
        "{vendor}: users were deleted: {deletes:?}"
    );

    let mut by_request: HashMap<&str, Vec<&LoggedRequest>> = HashMap::new();
    for entry in log {
        if let Some(id) = &entry.request_id {
            by_request.entry(id).or_default().push(entry);
        }
    }
    let mut faults = 0;
    for (id, attempts) in &by_request {
        // Attempts plus one forced refresh after a 401.
        assert!(
            attempts.len() <= MAX_ATTEMPTS as usize + 1,
            "{vendor}: request {id} was sent {} times, beyond the policy",
            attempts.len()
        );
        for pair in attempts.windows(2) {
            let (before, after) = (pair[0], pair[1]);
            if let Some(secs) = before.retry_after_secs {
                let waited = after.at.saturating_sub(before.at);
                assert!(
                    waited >= Duration::from_secs(secs),
                    "{vendor}: request {id} retried after {waited:?}, sooner than Retry-After {secs}s"
                );
            }
            assert!(
                !(before.status == 401 && after.status == 401),
                "{vendor}: request {id} was answered 401 twice in a row"
            );
        }
        faults += attempts
            .iter()
            .filter(|a| a.disposition != Disposition::Served)
            .count();
    }
    (log.len(), faults)
}

/// One backend under test: its client, the simulator it talks to, and where
/// its users live.
struct Target<'a> {
    name: &'static str,
    client: &'a dyn Directory,
    server: &'a SimServer,
    state: &'a dyn SimInspect,
    group: GroupId,
    role: Option<RoleId>,
    /// Request paths that address a user, to spot deletes.
    user_paths: &'a [&'a str],
}

/// The chaos run, the same for every backend: plan, run under faults, then
/// check the simulator's state against the intents and the request log
/// against the retry policy.
async fn chaos(target: Target<'_>, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let plans = plan(&mut rng, ops_per_vendor(), target.role.is_some());
    target.server.set_faults(faults());
    run(target.client, &plans, &target.group, target.role.as_ref()).await;
    target.server.set_faults(FaultConfig::default());

    let accounts = target.state.accounts();
    for (email, intent) in intents(&plans) {
        let found: Vec<&SimAccount> = accounts
            .iter()
            .filter(|a| a.email.eq_ignore_ascii_case(&email))
            .collect();
        assert_eq!(
            found.len(),
            1,
            "{}: seed {seed}: {email} has {} users",
            target.name,
            found.len()
        );
        let account = found[0];
        assert_eq!(
            account.active, !intent.deactivated,
            "{}: seed {seed}: {email} active",
            target.name
        );
        assert_eq!(
            account.groups.iter().any(|g| g == target.group.as_str()),
            intent.in_group,
            "{}: seed {seed}: {email} membership",
            target.name
        );
        if let Some(role) = &target.role {
            assert_eq!(
                account.roles.iter().any(|r| r == role.as_str()),
                intent.has_role,
                "{}: seed {seed}: {email} role",
                target.name
            );
        }
    }
    let (requests, faults) = check_log(target.name, &target.server.requests(), target.user_paths);
    println!(
        "{}: {} operations, {requests} requests, {faults} faults injected, duplicates 0, lost 0, deletes 0",
        target.name,
        plans.values().map(Vec::len).sum::<usize>()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workiva_platform_keeps_its_invariants_under_chaos() {
    let seed = seed();
    let sandbox = WorkivaSandbox::builder()
        .token_ttl(Duration::from_secs(2))
        .sim_options(|o| o.with_seed(seed))
        .start()
        .await
        .unwrap();
    let client = sandbox
        .client_builder()
        .configure(|s| s.with_retry(policy()))
        .token_refresh_skew(Duration::ZERO)
        .build()
        .unwrap();
    let group = client.resolve_group("Finance").await.unwrap();
    let role = client.resolve_role("Auditor").await.unwrap();
    let target = Target {
        name: "workiva",
        client: &client,
        server: sandbox.server(),
        state: sandbox.platform(),
        group: group.id,
        role: Some(role.id),
        user_paths: &["/users/"],
    };
    chaos(target, seed).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workfront_keeps_its_invariants_under_chaos() {
    let seed = seed();
    let sandbox = WorkfrontSandbox::builder()
        .session_ttl(Duration::from_secs(2))
        .sim_options(|o| o.with_seed(seed))
        .start()
        .await
        .unwrap();
    let client = sandbox
        .client_builder()
        .configure(|s| s.with_retry(policy()))
        .build()
        .unwrap();
    let group = client.resolve_group("Finance").await.unwrap();
    let role = client.resolve_role("Developer").await.unwrap();
    let target = Target {
        name: "workfront",
        client: &client,
        server: sandbox.server(),
        state: sandbox.sim(),
        group: group.id,
        role: Some(role.id),
        user_paths: &["/user/"],
    };
    chaos(target, seed).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scim_keeps_its_invariants_under_chaos() {
    let seed = seed();
    let sandbox = WorkivaSandbox::builder()
        .sim_options(|o| o.with_seed(seed))
        .start()
        .await
        .unwrap();
    let client = sandbox
        .scim_client_builder()
        .configure(|s| s.with_retry(policy()))
        .build()
        .unwrap();
    // The SCIM store starts empty; roles are not part of its chaos plan.
    let group = client.create_group("Finance").await.unwrap();
    let target = Target {
        name: "workiva-scim",
        client: &client,
        server: sandbox.server(),
        state: sandbox.scim(),
        group: group.id,
        role: None,
        user_paths: &["/Users/"],
    };
    chaos(target, seed).await;
}
