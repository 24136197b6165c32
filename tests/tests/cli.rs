//! End-to-end: the example binaries run as a user would, against simulators
//! on loopback whose state and request logs the tests inspect.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use identity_core::sandbox::{FaultConfig, LoggedRequest};
use serde_json::Value;
use workfront_client::sandbox::WorkfrontSandbox;
use workiva_client::sandbox::WorkivaSandbox;

/// The path of an example binary, building the package once if needed.
fn binary(name: &str) -> PathBuf {
    static BUILT: OnceLock<()> = OnceLock::new();
    let path = assert_cmd::cargo::cargo_bin(name);
    if !path.exists() {
        BUILT.get_or_init(|| {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let status = Command::new(cargo)
                .args(["build", "-p", "identity-examples", "--bins"])
                .status()
                .expect("run cargo build");
            assert!(status.success(), "building the example binaries failed");
        });
    }
    path
}

const VENDOR_VARS: [&str; 17] = [
    "WORKIVA_BASE_URL",
    "WORKIVA_CLIENT_ID",
    "WORKIVA_CLIENT_SECRET",
    "WORKIVA_SCIM_URL",
    "WORKIVA_SCIM_TOKEN",
    "WORKFRONT_BASE_URL",
    "WORKFRONT_API_VERSION",
    "WORKFRONT_USERNAME",
    "WORKFRONT_PASSWORD",
    "WORKFRONT_IMS_CLIENT_ID",
    "WORKFRONT_IMS_CLIENT_SECRET",
    "WORKFRONT_IMS_URL",
    "WORKFRONT_API_KEY",
    "WORKFRONT_WEBHOOK_TOKEN",
    "WORKIVA_REFRESH_TOKEN",
    "IDENTITY_CONFIG",
    "IDENTITY_CA_FILE",
];

/// Runs a binary with exactly `env` as vendor configuration, off the async
/// runtime so the in-process simulators keep serving.
async fn run(name: &str, args: &[&str], env: &[(&str, String)]) -> Output {
    let mut command = Command::new(binary(name));
    command.args(args).stdin(Stdio::null());
    for var in VENDOR_VARS
        .iter()
        .chain(&["WORKFRONT_DEFAULT_ACCESS_LEVEL", "RUST_LOG"])
    {
        command.env_remove(var);
    }
    for (key, value) in env {
        command.env(key, value);
    }
    tokio::task::spawn_blocking(move || command.output().expect("run binary"))
        .await
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {}", stdout(output)))
}

fn workiva_env(sandbox: &WorkivaSandbox) -> Vec<(&'static str, String)> {
    vec![
        ("WORKIVA_BASE_URL", sandbox.base_url()),
        ("WORKIVA_CLIENT_ID", "sandbox-client".into()),
        ("WORKIVA_CLIENT_SECRET", "sandbox-secret".into()),
        ("WORKIVA_SCIM_URL", sandbox.scim_base_url()),
        ("WORKIVA_SCIM_TOKEN", "sandbox-scim-token".into()),
    ]
}

fn workfront_env(sandbox: &WorkfrontSandbox) -> Vec<(&'static str, String)> {
    vec![
        ("WORKFRONT_BASE_URL", sandbox.base_url()),
        ("WORKFRONT_USERNAME", "sandbox-admin".into()),
        ("WORKFRONT_PASSWORD", "sandbox-password".into()),
        ("WORKFRONT_DEFAULT_ACCESS_LEVEL", "Standard".into()),
    ]
}

/// Requests that change state (token, login and logout requests excluded).
fn mutations(log: &[LoggedRequest]) -> Vec<String> {
    log.iter()
        .filter(|r| r.method != "GET")
        .filter(|r| {
            !r.path.ends_with("/oauth2/token")
                && !r.path.ends_with("/login")
                && !r.path.ends_with("/logout")
                && !r.path.ends_with("/ims/token/v3")
        })
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn provision_creates_then_finds_with_groups_and_roles() {
    let sandbox = WorkivaSandbox::builder().start().await.unwrap();
    let env = workiva_env(&sandbox);
    let args = [
        "--vendor",
        "workiva",
        "--email",
        "Jane@Example.com",
        "--first-name",
        "Jane",
        "--last-name",
        "Doe",
        "--group",
        "Finance",
        "--role",
        "Auditor",
        "--json",
    ];
    let first = run("provision", &args, &env).await;
    assert!(first.status.success(), "{}", stderr(&first));
    let doc = json(&first);
    assert_eq!(doc["outcome"], "created");
    assert_eq!(doc["user"]["email"], "Jane@Example.com");
    let second = run("provision", &args, &env).await;
    assert_eq!(json(&second)["outcome"], "existing");
    assert_eq!(json(&second)["changes"], serde_json::json!([]));
    let users = sandbox.users();
    assert_eq!(users.len(), 1);
    assert_eq!(
        users[0].roles.as_deref(),
        Some(&["role_auditor".to_string()][..])
    );
    let finance = sandbox.members("grp_000001");
    assert_eq!(finance, vec![users[0].id.clone()]);
}

#[tokio::test(flavor = "multi_thread")]
async fn provision_unknown_name_fails_before_any_change() {
    let sandbox = WorkfrontSandbox::builder().start().await.unwrap();
    let env = workfront_env(&sandbox);
    for extra in [
        ["--group", "Narnia"],
        ["--access-level", "Galactic"],
        ["--role", "Astronaut"],
    ] {
        let mut args = vec![
            "--vendor",
            "workfront",
            "--email",
            "x@example.com",
            "--first-name",
            "X",
            "--last-name",
            "Y",
        ];
        args.extend(extra);
        let out = run("provision", &args, &env).await;
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(
            stderr(&out).contains(extra[1]),
            "names the unknown {}: {}",
            extra[0],
            stderr(&out)
        );
    }
    assert!(sandbox.users().is_empty());
    assert_eq!(
        mutations(&sandbox.server().requests()),
        Vec::<String>::new()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn provision_dry_run_sends_no_mutation() {
    let sandbox = WorkfrontSandbox::builder()
        .seed_users(3)
        .start()
        .await
        .unwrap();
    let out = run(
        "provision",
        &[
            "--vendor",
            "workfront",
            "--email",
            "new@example.com",
            "--first-name",
            "N",
            "--last-name",
            "U",
            "--group",
            "Finance",
            "--access-level",
            "Light",
            "--dry-run",
            "--json",
        ],
        &workfront_env(&sandbox),
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["dry_run"], true);
    assert_eq!(doc["changes"].as_array().unwrap().len(), 3);
    assert_eq!(
        mutations(&sandbox.server().requests()),
        Vec::<String>::new()
    );
    assert_eq!(sandbox.users().len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn deprovision_contract() {
    let sandbox = WorkivaSandbox::builder()
        .seed_users(3)
        .start()
        .await
        .unwrap();
    let env = workiva_env(&sandbox);
    let out = run(
        "deprovision",
        &[
            "--vendor",
            "workiva",
            "--email",
            "USER1@example.com",
            "--json",
        ],
        &env,
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(json(&out)["outcome"], "deactivated");
    let out = run(
        "deprovision",
        &[
            "--vendor",
            "workiva",
            "--email",
            "user1@example.com",
            "--json",
        ],
        &env,
    )
    .await;
    assert_eq!(json(&out)["outcome"], "already_inactive");

    let out = run(
        "deprovision",
        &["--vendor", "workiva", "--email", "ghost@example.com"],
        &env,
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("ghost@example.com"),
        "{}",
        stderr(&out)
    );

    sandbox.server().clear_requests();
    let out = run(
        "deprovision",
        &[
            "--vendor",
            "workiva",
            "--email",
            "user2@example.com",
            "--delete",
        ],
        &env,
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--yes"), "{}", stderr(&out));
    assert!(
        sandbox.server().requests().is_empty(),
        "refused before any request"
    );

    let out = run(
        "deprovision",
        &[
            "--vendor",
            "workiva",
            "--email",
            "user2@example.com",
            "--delete",
            "--yes",
            "--dry-run",
            "--json",
        ],
        &env,
    )
    .await;
    assert_eq!(json(&out)["outcome"], "deleted");
    assert_eq!(sandbox.users().len(), 3, "dry run deleted nothing");
    assert!(
        sandbox
            .server()
            .requests()
            .iter()
            .all(|r| r.method != "DELETE")
    );

    let out = run(
        "deprovision",
        &[
            "--vendor",
            "workiva",
            "--email",
            "user2@example.com",
            "--delete",
            "--yes",
            "--json",
        ],
        &env,
    )
    .await;
    assert_eq!(json(&out)["outcome"], "deleted");
    assert_eq!(sandbox.users().len(), 2);
}

fn emails_file(lines: &[String]) -> tempfile_path::TempFile {
    tempfile_path::TempFile::with_contents(&lines.join("\n"))
}

/// A minimal temporary file (removed on drop), to avoid another dependency.
mod tempfile_path {
    pub(crate) struct TempFile(pub(crate) std::path::PathBuf);
    impl TempFile {
        pub(crate) fn with_contents(text: &str) -> Self {
            let n: u64 = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64;
            let path = std::env::temp_dir().join(format!("emails-{}-{n}.txt", std::process::id()));
            std::fs::write(&path, text).unwrap();
            Self(path)
        }
        pub(crate) fn path(&self) -> &str {
            self.0.to_str().unwrap()
        }
    }
    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bulk_deactivate_rejects_a_malformed_file_whole() {
    let sandbox = WorkfrontSandbox::builder()
        .seed_users(5)
        .start()
        .await
        .unwrap();
    let file = emails_file(&[
        "user1@example.com".into(),
        "user2@example.com".into(),
        "not-an-email".into(),
    ]);
    let out = run(
        "bulk-deactivate",
        &["--vendor", "workfront", "--emails-file", file.path()],
        &workfront_env(&sandbox),
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("line 3") && stderr(&out).contains("not-an-email"),
        "{}",
        stderr(&out)
    );
    assert!(sandbox.server().requests().is_empty(), "no request at all");
}

#[tokio::test(flavor = "multi_thread")]
async fn bulk_deactivate_workfront_uses_batches_and_counts_outcomes() {
    let sandbox = WorkfrontSandbox::builder()
        .seed_users(130)
        .start()
        .await
        .unwrap();
    let mut lines: Vec<String> = (0..120).map(|n| format!("user{n}@example.com")).collect();
    lines.push("nobody@example.com".into());
    let file = emails_file(&lines);
    let env = workfront_env(&sandbox);
    let dry = run(
        "bulk-deactivate",
        &[
            "--vendor",
            "workfront",
            "--emails-file",
            file.path(),
            "--dry-run",
            "--json",
        ],
        &env,
    )
    .await;
    assert!(dry.status.success(), "{}", stderr(&dry));
    assert_eq!(json(&dry)["summary"]["would_deactivate"], 108);
    assert_eq!(
        mutations(&sandbox.server().requests()),
        Vec::<String>::new()
    );

    let out = run(
        "bulk-deactivate",
        &[
            "--vendor",
            "workfront",
            "--emails-file",
            file.path(),
            "--json",
            "--concurrency",
            "4",
        ],
        &env,
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let summary = &json(&out)["summary"];
    assert_eq!(
        (
            summary["deactivated"].as_u64(),
            summary["already_inactive"].as_u64(),
            summary["not_found"].as_u64(),
            summary["failed"].as_u64()
        ),
        (Some(108), Some(12), Some(1), Some(0))
    );
    let log = sandbox.server().requests();
    let batches: Vec<_> = log.iter().filter(|r| r.path.ends_with("/batch")).collect();
    assert_eq!(batches.len(), 3, "108 users in chunks of at most 50");
    for batch in batches {
        let body: Value = serde_json::from_slice(&batch.body).unwrap();
        assert!(body["updates"].as_array().unwrap().len() <= 50);
    }
    assert!(
        log.iter()
            .all(|r| r.method != "PUT" && r.method != "DELETE"),
        "no per-user PUT, no DELETE"
    );
    let lookups = log
        .iter()
        .filter(|r| r.path.ends_with("/user/search"))
        .count();
    assert_eq!(
        lookups, 4,
        "121 emails looked up in two searches of 100, in the dry run and the real run"
    );
    let active: Vec<_> = sandbox
        .users()
        .into_iter()
        .filter(|u| u["isActive"] == true)
        .collect();
    assert_eq!(
        active.len(),
        9,
        "only user120..128 stay active (user129 was seeded inactive)"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bulk_deactivate_survives_503_and_429_faults() {
    let sandbox = WorkivaSandbox::builder()
        .seed_users(60)
        .sim_options(|o| {
            o.with_faults(FaultConfig {
                unavailable_rate: 0.2,
                rate_limited_rate: 0.1,
                retry_after_secs: Some(0),
                ..FaultConfig::default()
            })
        })
        .start()
        .await
        .unwrap();
    let lines: Vec<String> = (0..60).map(|n| format!("user{n}@example.com")).collect();
    let file = emails_file(&lines);
    let out = run(
        "bulk-deactivate",
        &[
            "--vendor",
            "workiva",
            "--emails-file",
            file.path(),
            "--json",
        ],
        &workiva_env(&sandbox),
    )
    .await;
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    let summary = &json(&out)["summary"];
    assert_eq!(summary["failed"], 0);
    assert_eq!(
        summary["deactivated"].as_u64().unwrap() + summary["already_inactive"].as_u64().unwrap(),
        60
    );
    assert!(
        sandbox.users().iter().all(|u| u.active == Some(false)),
        "every user inactive"
    );
    assert!(
        sandbox.server().requests().iter().any(|r| r.status == 503),
        "faults were injected"
    );
    assert!(
        sandbox
            .server()
            .requests()
            .iter()
            .all(|r| r.method != "DELETE")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn access_report_formats() {
    let workiva = WorkivaSandbox::builder()
        .seed_users(5)
        .seed_scim_users(5)
        .start()
        .await
        .unwrap();
    let workfront = WorkfrontSandbox::builder()
        .seed_users(6)
        .start()
        .await
        .unwrap();
    let mut env = workiva_env(&workiva);
    env.extend(workfront_env(&workfront));
    let out = run("access-report", &["--format", "json"], &env).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["outcome"], "ok");
    assert_eq!(
        doc["apps"],
        serde_json::json!(["workiva", "workiva-scim", "workfront"])
    );
    assert_eq!(doc["people"].as_array().unwrap().len(), 6);
    let findings = doc["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f["finding"] == "in_one_app_only" && f["email"] == "user5@example.com"),
        "{findings:?}"
    );
    assert!(
        stderr(&out).is_empty() || !stderr(&out).contains("sandbox"),
        "configured vendors are not sandboxed"
    );

    let csv = run(
        "access-report",
        &["--format", "csv", "--vendor", "workfront"],
        &env,
    )
    .await;
    let text = stdout(&csv);
    assert!(
        text.starts_with("email,app,present,active,groups,roles,access_level"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 7);
    let table = run("access-report", &["--vendor", "workiva"], &env).await;
    assert!(stdout(&table).contains("user0@example.com"));
}

#[tokio::test(flavor = "multi_thread")]
async fn no_credentials_means_the_embedded_sandbox_and_says_so() {
    let out = run(
        "access-report",
        &["--format", "json", "--vendor", "workfront"],
        &[],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("sandbox") && err.contains("workfront"),
        "{err}"
    );
    assert!(json(&out)["people"].as_array().unwrap().len() > 20);
}

#[tokio::test(flavor = "multi_thread")]
async fn plain_http_to_a_remote_host_is_refused_before_any_request() {
    for (var, vendor) in [
        ("WORKIVA_BASE_URL", "workiva"),
        ("WORKFRONT_BASE_URL", "workfront"),
        ("WORKIVA_SCIM_URL", "workiva-scim"),
    ] {
        let env = vec![
            (var, "http://api.example.com".to_string()),
            ("WORKIVA_CLIENT_ID", "x".into()),
            ("WORKIVA_CLIENT_SECRET", "y".into()),
            ("WORKFRONT_USERNAME", "u".into()),
            ("WORKFRONT_PASSWORD", "p".into()),
            ("WORKIVA_SCIM_TOKEN", "t".into()),
        ];
        let out = run(
            "deprovision",
            &["--vendor", vendor, "--email", "a@example.com"],
            &env,
        )
        .await;
        assert_eq!(out.status.code(), Some(2), "{var}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("loopback") && stderr(&out).contains(var),
            "{}",
            stderr(&out)
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn usage_errors_exit_2() {
    for args in [
        vec!["--vendor", "nope", "--email", "a@example.com"],
        vec!["--email", "a@example.com"],
        vec!["--vendor", "workiva", "--email", "not-an-email"],
        vec!["--bogus"],
    ] {
        let out = run("deprovision", &args, &[]).await;
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
    let out = run(
        "bulk-deactivate",
        &[
            "--vendor",
            "workiva",
            "--emails-file",
            "/nonexistent/emails.txt",
        ],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    for bin in [
        "provision",
        "deprovision",
        "bulk-deactivate",
        "access-report",
        "sandbox",
    ] {
        let help = run(bin, &["--help"], &[]).await;
        assert!(
            help.status.success() && stdout(&help).contains("Usage"),
            "{bin}"
        );
        let version = run(bin, &["--version"], &[]).await;
        assert!(
            stdout(&version).contains(env!("CARGO_PKG_VERSION")),
            "{bin}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn secrets_never_reach_output_even_at_trace() {
    let workiva = WorkivaSandbox::builder()
        .seed_users(2)
        .seed_scim_users(2)
        .start()
        .await
        .unwrap();
    let workfront = WorkfrontSandbox::builder()
        .seed_users(2)
        .start()
        .await
        .unwrap();
    let mut env = workiva_env(&workiva);
    env.extend(workfront_env(&workfront));
    env.push(("RUST_LOG", "trace".into()));
    let out = run("access-report", &["--format", "json"], &env).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let everything = format!("{}{}", stdout(&out), stderr(&out));
    assert!(everything.contains("http"), "trace logging is on");
    for secret in [
        "sandbox-secret",
        "sandbox-password",
        "sandbox-scim-token",
        "wk_at_",
        "wf_sess_",
        "Bearer ",
        "sessionid:",
    ] {
        assert!(!everything.contains(secret), "{secret} leaked");
    }

    // A full run with Adobe IMS: neither the secret nor the access token.
    let ims = vec![
        ("WORKFRONT_BASE_URL", workfront.base_url()),
        ("WORKFRONT_IMS_URL", workfront.base_url()),
        ("WORKFRONT_IMS_CLIENT_ID", "sandbox-ims-client".into()),
        ("WORKFRONT_IMS_CLIENT_SECRET", "sandbox-ims-secret".into()),
        ("RUST_LOG", "trace".into()),
    ];
    let out = run(
        "access-report",
        &["--format", "json", "--vendor", "workfront"],
        &ims,
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let everything = format!("{}{}", stdout(&out), stderr(&out));
    for secret in ["sandbox-ims-secret", "ims_at_", "Bearer "] {
        assert!(!everything.contains(secret), "{secret} leaked");
    }

    // A failing login with canary secrets.
    let canaries = vec![
        ("WORKIVA_BASE_URL", workiva.base_url()),
        ("WORKIVA_CLIENT_ID", "sandbox-client".into()),
        ("WORKIVA_CLIENT_SECRET", "canary-client-secret-6f1d".into()),
        ("WORKFRONT_BASE_URL", workfront.base_url()),
        ("WORKFRONT_USERNAME", "sandbox-admin".into()),
        ("WORKFRONT_PASSWORD", "canary-password-a7c3".into()),
        ("RUST_LOG", "trace".into()),
    ];
    let mut runs: Vec<(&str, Vec<(&str, String)>)> = vec![
        ("workiva", canaries.clone()),
        ("workfront", canaries.clone()),
    ];
    runs.push((
        "workiva-scim",
        vec![
            ("WORKIVA_SCIM_URL", workiva.scim_base_url()),
            ("WORKIVA_SCIM_TOKEN", "canary-scim-token-91b2".into()),
            ("RUST_LOG", "trace".into()),
        ],
    ));
    runs.push((
        "workfront",
        vec![
            ("WORKFRONT_BASE_URL", workfront.base_url()),
            ("WORKFRONT_IMS_URL", workfront.base_url()),
            ("WORKFRONT_IMS_CLIENT_ID", "sandbox-ims-client".into()),
            (
                "WORKFRONT_IMS_CLIENT_SECRET",
                "canary-ims-secret-44d0".into(),
            ),
            ("RUST_LOG", "trace".into()),
        ],
    ));
    for (vendor, canaries) in runs {
        let out = run(
            "deprovision",
            &["--vendor", vendor, "--email", "user0@example.com"],
            &canaries,
        )
        .await;
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let everything = format!("{}{}", stdout(&out), stderr(&out));
        assert!(everything.contains("unauthorized"), "{everything}");
        assert!(
            !everything.contains("canary-"),
            "a canary secret leaked:\n{everything}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sandbox_binary_serves_until_interrupted() {
    let mut child = Command::new(binary("sandbox"))
        .args(["--users", "3"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let lines = tokio::task::spawn_blocking(move || {
        use std::io::BufRead;
        std::io::BufReader::new(stdout)
            .lines()
            .take(5)
            .map(Result::unwrap)
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    let base = lines[0]
        .trim_start_matches("sandbox listening on ")
        .to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{lines:?}");
    let unauthenticated = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(base.trim_start_matches("http://")).unwrap();
        use std::io::{Read, Write};
        stream
            .write_all(b"GET /platform/v1/users HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    })
    .await
    .unwrap();
    assert!(
        unauthenticated.starts_with("HTTP/1.1 401"),
        "{unauthenticated}"
    );
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let waited = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert!(waited.success(), "Ctrl-C ends it cleanly: {waited:?}");
    tokio::time::sleep(Duration::from_millis(1)).await;
}

/// A config file in the temp directory, removed when dropped.
struct ConfigFile(PathBuf);

impl ConfigFile {
    fn new(tag: &str, text: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "identity-cli-{tag}-{}-{:?}.toml",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::write(&path, text).unwrap();
        Self(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for ConfigFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn two_workiva_workspaces_from_one_config_file_are_two_columns_joined_by_email() {
    let start = || async {
        WorkivaSandbox::builder()
            .seed_users(3)
            .start()
            .await
            .unwrap()
    };
    let (emea, us) = (start().await, start().await);
    let jane = identity_core::NewUser::builder("jane@example.com")
        .first_name("Jane")
        .last_name("Doe")
        .build()
        .unwrap();
    use identity_core::UserDirectory;
    emea.client().unwrap().create_user(&jane).await.unwrap();
    let in_us = us.client().unwrap().create_user(&jane).await.unwrap();
    us.client()
        .unwrap()
        .set_active(&in_us.id, false)
        .await
        .unwrap();
    let us_secret = ConfigFile::new("us-secret", "sandbox-secret\n");
    let config = ConfigFile::new(
        "two-workspaces",
        &format!(
            "[connections.workiva-emea]\nkind = \"workiva\"\nbase_url = \"{}\"\nclient_id = \"sandbox-client\"\nclient_secret_env = \"EMEA_SECRET\"\n\n\
             [connections.workiva-us]\nkind = \"workiva\"\nbase_url = \"{}\"\nclient_id = \"sandbox-client\"\nclient_secret_file = \"{}\"\n",
            emea.base_url(),
            us.base_url(),
            us_secret.path()
        ),
    );
    let env = [("EMEA_SECRET", "sandbox-secret".to_string())];
    let out = run(
        "access-report",
        &["--config", config.path(), "--format", "json"],
        &env,
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(
        doc["apps"],
        serde_json::json!(["workiva-emea", "workiva-us"])
    );
    assert_eq!(doc["sandbox"], false);
    let people = doc["people"].as_array().unwrap();
    let jane = people
        .iter()
        .find(|p| p["email"] == "jane@example.com")
        .expect("jane is in the report");
    assert_eq!(jane["accounts"]["workiva-emea"]["active"], true);
    assert_eq!(jane["accounts"]["workiva-us"]["active"], false);
    assert!(
        doc["findings"].as_array().unwrap().iter().any(|f| {
            f["finding"] == "active_and_deactivated" && f["email"] == "jane@example.com"
        }),
        "the cross-workspace join finds the half-done leaver: {}",
        doc["findings"]
    );
    // Both workspaces were read, with their own tokens.
    for sandbox in [&emea, &us] {
        assert!(
            sandbox
                .server()
                .requests()
                .iter()
                .any(|r| r.path == "/platform/v1/users"),
            "each workspace was listed"
        );
    }
    // --app picks one of them.
    let only_us = run(
        "access-report",
        &[
            "--config",
            config.path(),
            "--app",
            "workiva-us",
            "--format",
            "json",
        ],
        &env,
    )
    .await;
    assert_eq!(json(&only_us)["apps"], serde_json::json!(["workiva-us"]));
}

#[tokio::test(flavor = "multi_thread")]
async fn changes_never_run_on_a_sandbox_the_tool_picked_itself() {
    let leavers = emails_file(&["alice@example.com".to_string()]);
    for (bin, args) in [
        (
            "bulk-deactivate",
            vec!["--vendor", "workfront", "--emails-file", leavers.path()],
        ),
        (
            "deprovision",
            vec!["--vendor", "workiva", "--email", "alice@example.com"],
        ),
        (
            "provision",
            vec![
                "--vendor",
                "workfront",
                "--email",
                "new@example.com",
                "--first-name",
                "N",
                "--last-name",
                "E",
            ],
        ),
    ] {
        let out = run(bin, &args, &[]).await;
        assert_eq!(out.status.code(), Some(2), "{bin}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains("no connection is configured")
                && err.contains("--sandbox")
                && err.contains("WORKFRONT_BASE_URL"),
            "{bin}: {err}"
        );
        assert!(stdout(&out).is_empty(), "{bin} printed a result");
    }
    // Asked for, the sandbox runs it and the document says so.
    let out = run(
        "deprovision",
        &[
            "--vendor",
            "workiva",
            "--email",
            "alice@example.com",
            "--sandbox",
            "--json",
        ],
        &[],
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["outcome"], "deactivated");
    assert_eq!(doc["sandbox"], true);
    assert_eq!(doc["app"], "workiva");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_connections_exit_2_naming_what_is_wrong() {
    // Partly configured: never a fallback.
    let out = run(
        "access-report",
        &["--format", "json"],
        &[("WORKIVA_CLIENT_ID", "id".to_string())],
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("WORKIVA_CLIENT_SECRET"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("sandbox at"), "{}", stderr(&out));

    // An inline secret is refused before any request, and not echoed.
    let workiva = WorkivaSandbox::builder().start().await.unwrap();
    let config = ConfigFile::new(
        "inline",
        &format!(
            "[connections.ws]\nkind = \"workiva\"\nbase_url = \"{}\"\nclient_id = \"sandbox-client\"\nclient_secret = \"inline-canary-secret\"\n",
            workiva.base_url()
        ),
    );
    let out = run("access-report", &["--config", config.path()], &[]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(config.path()) && err.contains("connection ws: client_secret"),
        "{err}"
    );
    assert!(
        !err.contains("inline-canary-secret") && !stdout(&out).contains("inline-canary-secret")
    );
    assert!(workiva.server().requests().is_empty(), "nothing was sent");

    // A referenced variable that is not set names the variable.
    let config = ConfigFile::new(
        "missing-env",
        &format!(
            "[connections.ws]\nkind = \"workiva\"\nbase_url = \"{}\"\nclient_id = \"sandbox-client\"\nclient_secret_env = \"WS_SECRET_NOT_SET\"\n",
            workiva.base_url()
        ),
    );
    let out = run("access-report", &["--config", config.path()], &[]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("WS_SECRET_NOT_SET"),
        "{}",
        stderr(&out)
    );

    // An unknown --app names what is configured.
    let out = run(
        "access-report",
        &["--app", "nope"],
        &[
            ("WORKIVA_CLIENT_ID", "id".to_string()),
            ("WORKIVA_CLIENT_SECRET", "s".to_string()),
            ("WORKIVA_BASE_URL", workiva.base_url()),
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("configured: workiva"),
        "{}",
        stderr(&out)
    );
    assert!(workiva.server().requests().is_empty(), "nothing was sent");
}

#[tokio::test(flavor = "multi_thread")]
async fn workfront_provision_creates_the_user_with_its_access_level_in_one_request() {
    let sandbox = WorkfrontSandbox::builder().start().await.unwrap();
    let env = workfront_env(&sandbox); // default access level: Standard
    let args = [
        "--vendor",
        "workfront",
        "--email",
        "lee@example.com",
        "--first-name",
        "Lee",
        "--last-name",
        "Park",
        "--access-level",
        "Light",
        "--json",
    ];
    let out = run("provision", &args, &env).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let light = sandbox
        .sim()
        .rows("accesslevel")
        .into_iter()
        .find(|r| r["name"] == "Light")
        .and_then(|r| r["ID"].as_str().map(str::to_owned))
        .unwrap();
    let user = sandbox
        .users()
        .into_iter()
        .find(|r| r["emailAddr"] == "lee@example.com")
        .unwrap();
    assert_eq!(
        user["accessLevelID"],
        light.as_str(),
        "the simulator holds Light"
    );
    let log = sandbox.server().requests();
    let creates: Vec<_> = log
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/user"))
        .collect();
    assert_eq!(creates.len(), 1);
    let body: Value = serde_json::from_slice(&creates[0].body).unwrap();
    assert_eq!(
        body["accessLevelID"],
        light.as_str(),
        "the level is in the create"
    );
    assert!(
        log.iter().all(|r| r.method != "PUT"),
        "no create-then-change: {:?}",
        mutations(&log)
    );
    let doc = json(&out);
    assert!(
        doc["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["change"] == "set_access_level" && c["access_level"] == "Light"),
        "{doc}"
    );
    let again = run("provision", &args, &env).await;
    assert_eq!(json(&again)["outcome"], "existing");
    assert_eq!(json(&again)["changes"], serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn workfront_provision_with_two_groups_ends_in_both_and_a_rerun_changes_nothing() {
    use identity_core::sandbox::SimInspect;
    let sandbox = WorkfrontSandbox::builder().start().await.unwrap();
    let env = workfront_env(&sandbox);
    let args = [
        "--vendor",
        "workfront",
        "--email",
        "kim@example.com",
        "--first-name",
        "Kim",
        "--last-name",
        "Lee",
        "--group",
        "Finance",
        "--group",
        "Engineering",
        "--json",
    ];
    let first = run("provision", &args, &env).await;
    assert!(first.status.success(), "{}", stderr(&first));
    let added: Vec<_> = json(&first)["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["change"] == "add_to_group")
        .map(|c| c["group"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(added, ["Finance", "Engineering"]);
    let group_id = |name: &str| {
        sandbox
            .sim()
            .rows("group")
            .into_iter()
            .find(|r| r["name"] == name)
            .and_then(|r| r["ID"].as_str().map(str::to_owned))
            .unwrap()
    };
    let kim = sandbox
        .sim()
        .accounts()
        .into_iter()
        .find(|a| a.email == "kim@example.com")
        .unwrap();
    assert_eq!(
        kim.groups,
        [group_id("Finance"), group_id("Engineering")],
        "home group Finance, other group Engineering, on the simulator"
    );
    let again = run("provision", &args, &env).await;
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(json(&again)["outcome"], "existing");
    assert_eq!(
        json(&again)["changes"],
        serde_json::json!([]),
        "both already there"
    );
    let still = sandbox
        .sim()
        .accounts()
        .into_iter()
        .find(|a| a.email == "kim@example.com")
        .unwrap();
    assert_eq!(still.groups, kim.groups, "the re-run flipped nothing");
}

#[tokio::test(flavor = "multi_thread")]
async fn workfront_sessions_are_logged_out_when_a_binary_ends_even_on_failure() {
    let sandbox = WorkfrontSandbox::builder()
        .seed_users(3)
        .start()
        .await
        .unwrap();
    let env = workfront_env(&sandbox);
    let ok = run(
        "deprovision",
        &["--vendor", "workfront", "--email", "user0@example.com"],
        &env,
    )
    .await;
    assert!(ok.status.success(), "{}", stderr(&ok));
    let failed = run(
        "provision",
        &[
            "--vendor",
            "workfront",
            "--email",
            "x@example.com",
            "--first-name",
            "X",
            "--last-name",
            "Y",
            "--group",
            "No Such Group",
        ],
        &env,
    )
    .await;
    assert_eq!(failed.status.code(), Some(1), "{}", stderr(&failed));
    let report = run("access-report", &["--format", "json"], &env).await;
    assert!(report.status.success(), "{}", stderr(&report));
    let log = sandbox.server().requests();
    let logins = log.iter().filter(|r| r.path.ends_with("/login")).count();
    let logouts = log.iter().filter(|r| r.path.ends_with("/logout")).count();
    assert_eq!(logins, 3, "one session per run");
    assert_eq!(logouts, 3, "every session it opened was logged out");
    assert_eq!(sandbox.sim().open_sessions(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn reconcile_plan_lists_joiners_movers_and_leavers_and_changes_nothing() {
    let sandbox = WorkfrontSandbox::builder()
        .seed_users(4)
        .start()
        .await
        .unwrap();
    let env = workfront_env(&sandbox);
    let roster = ConfigFile::new(
        "roster",
        "email,first_name,last_name,status,department\n\
         user0@example.com,User,000000,active,Finance\n\
         user1@example.com,User,000001,terminated,Sales\n\
         new@example.com,New,Person,active,Finance\n",
    );
    // A CSV roster needs its extension.
    let roster_csv = roster.path().replace(".toml", ".csv");
    std::fs::copy(roster.path(), &roster_csv).unwrap();
    let policy = ConfigFile::new(
        "policy",
        "[apps.workfront]\naccess_level = \"Standard\"\n[[apps.workfront.rule]]\nwhen = { department = \"Finance\" }\ngroups = [\"Engineering\"]\n",
    );
    let out_path = policy.path().replace(".toml", ".plan.json");
    let out = run(
        "reconcile",
        &[
            "plan",
            "--roster",
            &roster_csv,
            "--policy",
            policy.path(),
            "--format",
            "json",
            "--out",
            &out_path,
        ],
        &env,
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["outcome"], "planned");
    assert_eq!(doc["version"], 1);
    let changes: Vec<(String, String)> = doc["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["email"].as_str().unwrap().to_owned(),
                c["action"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let has = |email: &str, action: &str| changes.iter().any(|(e, a)| e == email && a == action);
    assert!(has("user0@example.com", "add_group"), "{changes:?}");
    assert!(has("user1@example.com", "deactivate"), "{changes:?}");
    assert!(has("new@example.com", "create"), "{changes:?}");
    assert_eq!(doc["summary"]["deactivate"], 1);
    // 5 % of 4 active accounts rounds down to 0: one deactivation is over.
    assert_eq!(doc["apps"]["workfront"]["max_deactivations"], 0);
    assert_eq!(doc["apps"]["workfront"]["brake_exceeded"], true);
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(&out_path).unwrap()).unwrap();
    assert_eq!(
        written["plan_id"], doc["plan_id"],
        "--out holds the same document"
    );
    assert!(
        mutations(&sandbox.server().requests()).is_empty(),
        "a plan changes nothing"
    );
    std::fs::remove_file(&out_path).unwrap();
    std::fs::remove_file(&roster_csv).unwrap();

    // A bad roster line: exit 2, naming the line, before any app is read.
    let bad = roster_csv.replace(".csv", "-bad.csv");
    std::fs::write(
        &bad,
        "email,first_name,last_name,status\nann@acme.com,Ann,Lee,retired\n",
    )
    .unwrap();
    sandbox.server().clear_requests();
    let out = run(
        "reconcile",
        &["plan", "--roster", &bad, "--policy", policy.path()],
        &env,
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("line 2: status \"retired\""),
        "{}",
        stderr(&out)
    );
    assert!(sandbox.server().requests().is_empty(), "nothing was read");
    std::fs::remove_file(&bad).unwrap();
}
