//! Shared plumbing of the example binaries: vendor selection and
//! configuration from the environment (with the embedded sandbox when no
//! credentials are set), exit codes, logging and output.
//!
//! The binaries are thin: the work itself is in
//! [`identity_core::lifecycle`] and [`identity_core::graph`].
#![forbid(unsafe_code)]

pub mod emails_file;

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use clap::ValueEnum;
use identity_core::backend::url::parse_base_url;
use identity_core::sandbox::{FaultConfig, SimOptions, SimServer, SimService};
use std::time::Duration;

use identity_core::{Directory, Error, ErrorKind, NewUser, RetryPolicy};
use workfront_client::WorkfrontClient;
use workfront_client::sandbox::WorkfrontSandbox;
use workiva_client::WorkivaClient;
use workiva_client::sandbox::WorkivaSandbox;
use workiva_client::scim::ScimClient;

/// Exit status 1: the operation failed.
pub const EXIT_FAILURE: u8 = 1;
/// Exit status 2: usage error or a refused unsafe request.
pub const EXIT_USAGE: u8 = 2;

/// The retry policy of the tools: batch jobs run unattended, so they ride
/// out longer outages than the library default (10 attempts, 100 ms to 10 s
/// apart, within 5 minutes).
pub fn retry_policy() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(10)
        .with_backoff(Duration::from_millis(100), Duration::from_secs(10))
        .with_deadline(Some(Duration::from_secs(300)))
}

/// Users seeded into an embedded sandbox.
pub const SANDBOX_SEED_USERS: usize = 25;

/// The directories the tools can talk to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Vendor {
    /// Workiva Platform API (OAuth 2.0).
    Workiva,
    /// SCIM 2.0 (Workiva Enterprise, or any SCIM 2.0 server).
    WorkivaScim,
    /// Adobe Workfront REST API.
    Workfront,
}

impl Vendor {
    /// Every vendor, in report order.
    pub const ALL: [Vendor; 3] = [Vendor::Workiva, Vendor::WorkivaScim, Vendor::Workfront];

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Vendor::Workiva => "workiva",
            Vendor::WorkivaScim => "workiva-scim",
            Vendor::Workfront => "workfront",
        }
    }
}

/// A failure with the exit status it maps to.
#[derive(Debug)]
pub struct Failure {
    /// What to tell the user.
    pub message: String,
    /// 1 or 2.
    pub code: u8,
}

impl Failure {
    /// A usage error or refused unsafe request (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: EXIT_USAGE,
        }
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        let code = match error.kind() {
            ErrorKind::RefusedByPolicy | ErrorKind::Config => EXIT_USAGE,
            _ => EXIT_FAILURE,
        };
        Self {
            message: error.to_string(),
            code,
        }
    }
}

/// Logs to stderr, filtered by `RUST_LOG` (default: warnings).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Writes a diagnostic line to stderr.
pub fn note(message: &str) {
    let _ = writeln!(std::io::stderr(), "{message}");
}

/// Writes a result line to stdout.
pub fn say(message: &str) {
    let _ = writeln!(std::io::stdout(), "{message}");
}

/// Prints one JSON document on stdout.
pub fn print_json(value: &serde_json::Value) {
    let text = serde_json::to_string_pretty(value).unwrap_or_else(|_| "{}".into());
    say(&text);
}

/// Ends the program: prints the failure (as JSON on stdout too, when asked)
/// and returns its exit code.
pub fn finish(result: Result<(), Failure>, json: bool) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            note(&format!("error: {}", failure.message));
            if json {
                print_json(&serde_json::json!({"outcome": "error", "error": failure.message}));
            }
            ExitCode::from(failure.code)
        }
    }
}

/// A connected directory, with the embedded sandbox it runs against (if
/// any) kept alive beside it.
pub struct Connection {
    /// Which vendor.
    pub vendor: Vendor,
    /// The directory.
    pub directory: Box<dyn Directory>,
    /// Whether this is the embedded sandbox.
    pub sandbox: bool,
    _workiva: Option<WorkivaSandbox>,
    _workfront: Option<WorkfrontSandbox>,
}

use identity_core::backend::env::non_empty_var as var;

/// Checks every base URL the environment sets against the transport policy
/// (`https`, or `http` to loopback), before any request.
pub fn check_environment_urls() -> Result<(), Failure> {
    for name in [
        "WORKIVA_BASE_URL",
        "WORKIVA_SCIM_URL",
        "WORKFRONT_BASE_URL",
        "WORKFRONT_IMS_URL",
    ] {
        if let Some(url) = var(name) {
            parse_base_url(&url).map_err(|e| Failure::from(e).with_prefix(name))?;
        }
    }
    Ok(())
}

impl Failure {
    fn with_prefix(mut self, name: &str) -> Self {
        self.message = format!("{name}: {}", self.message);
        self
    }
}

/// Connects to `vendor` from the environment, or to an embedded sandbox
/// when its credentials are not set (saying so on stderr).
pub async fn connect(vendor: Vendor) -> Result<Connection, Failure> {
    check_environment_urls()?;
    let credentials = match vendor {
        Vendor::Workiva => {
            var("WORKIVA_CLIENT_ID").is_some() || var("WORKIVA_CLIENT_SECRET").is_some()
        }
        Vendor::WorkivaScim => var("WORKIVA_SCIM_TOKEN").is_some(),
        Vendor::Workfront => [
            "WORKFRONT_USERNAME",
            "WORKFRONT_PASSWORD",
            "WORKFRONT_IMS_CLIENT_ID",
            "WORKFRONT_IMS_CLIENT_SECRET",
        ]
        .iter()
        .any(|v| var(v).is_some()),
    };
    if credentials {
        let directory: Box<dyn Directory> = match vendor {
            Vendor::Workiva => Box::new(
                WorkivaClient::builder()
                    .from_env()?
                    .configure(|s| s.with_retry(retry_policy()))
                    .build()?,
            ),
            Vendor::WorkivaScim => Box::new(
                ScimClient::builder()
                    .from_env()?
                    .configure(|s| s.with_retry(retry_policy()))
                    .build()?,
            ),
            Vendor::Workfront => Box::new(
                WorkfrontClient::builder()
                    .from_env()?
                    .configure(|s| s.with_retry(retry_policy()))
                    .build()?,
            ),
        };
        return Ok(Connection {
            vendor,
            directory,
            sandbox: false,
            _workiva: None,
            _workfront: None,
        });
    }
    connect_sandbox(vendor).await
}

async fn connect_sandbox(vendor: Vendor) -> Result<Connection, Failure> {
    let name = vendor.name();
    match vendor {
        Vendor::Workiva | Vendor::WorkivaScim => {
            let sandbox = WorkivaSandbox::builder()
                .seed_users(SANDBOX_SEED_USERS)
                .seed_scim_users(SANDBOX_SEED_USERS)
                .start()
                .await?;
            let directory: Box<dyn Directory> = if vendor == Vendor::Workiva {
                Box::new(
                    sandbox
                        .client_builder()
                        .configure(|s| s.with_retry(retry_policy()))
                        .build()?,
                )
            } else {
                Box::new(
                    sandbox
                        .scim_client_builder()
                        .configure(|s| s.with_retry(retry_policy()))
                        .build()?,
                )
            };
            seed_demo_people(vendor, directory.as_ref()).await?;
            note(&format!(
                "{name}: no credentials set; using the embedded {name} sandbox at {}",
                sandbox.base_url()
            ));
            Ok(Connection {
                vendor,
                directory,
                sandbox: true,
                _workiva: Some(sandbox),
                _workfront: None,
            })
        }
        Vendor::Workfront => {
            let sandbox = WorkfrontSandbox::builder()
                .seed_users(SANDBOX_SEED_USERS)
                .start()
                .await?;
            let directory: Box<dyn Directory> = Box::new(
                sandbox
                    .client_builder()
                    .configure(|s| s.with_retry(retry_policy()))
                    .build()?,
            );
            seed_demo_people(vendor, directory.as_ref()).await?;
            note(&format!(
                "{name}: no credentials set; using the embedded {name} sandbox at {}",
                sandbox.base_url()
            ));
            Ok(Connection {
                vendor,
                directory,
                sandbox: true,
                _workiva: None,
                _workfront: Some(sandbox),
            })
        }
    }
}

/// A few people whose state differs between the sandboxes, so the access
/// report has something to find: Alice left Workfront but not Workiva, Bob is
/// only in Workfront, Carol is deactivated everywhere but still in Finance.
async fn seed_demo_people(vendor: Vendor, dir: &dyn Directory) -> Result<(), Error> {
    let person = |email: &str, first: &str| {
        NewUser::builder(email)
            .first_name(first)
            .last_name("Example")
            .build()
    };
    let alice = dir
        .create_user(&person("alice@example.com", "Alice")?)
        .await?;
    if vendor == Vendor::Workfront {
        dir.set_active(&alice.id, false).await?;
        dir.create_user(&person("bob@example.com", "Bob")?).await?;
    }
    let carol = dir
        .create_user(&person("carol@example.com", "Carol")?)
        .await?;
    let finance = match dir.find_group_by_name("Finance").await? {
        Some(group) => group,
        None => dir.create_group("Finance").await?,
    };
    dir.add_member(&finance.id, &carol.id).await?;
    dir.set_active(&carol.id, false).await?;
    Ok(())
}

/// Parses `--fault-rate` style probabilities.
pub fn parse_rate(text: &str) -> Result<f64, String> {
    let rate: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))?;
    if (0.0..=1.0).contains(&rate) {
        Ok(rate)
    } else {
        Err(format!("{rate} is not between 0 and 1"))
    }
}

/// The simulators of every vendor on one loopback port.
pub struct AllSandboxes {
    /// The host.
    pub server: SimServer,
}

impl AllSandboxes {
    /// Starts the Workiva (Platform + SCIM) and Workfront simulators on
    /// `port` (0: any free one), each seeded with `users`.
    pub async fn start(port: u16, users: usize, faults: FaultConfig) -> std::io::Result<Self> {
        let workiva = WorkivaSandbox::builder()
            .seed_users(users)
            .seed_scim_users(users);
        let workfront = WorkfrontSandbox::builder().seed_users(users);
        let services: Vec<Arc<dyn SimService>> = vec![
            workiva.build_service(),
            workiva.build_scim_service(),
            workfront.build_service(),
        ];
        let options = SimOptions {
            port,
            faults,
            log_requests: false,
            ..SimOptions::default()
        };
        Ok(Self {
            server: SimServer::start(services, options).await?,
        })
    }

    /// The `export` lines that point the tools at this server.
    pub fn exports(&self) -> Vec<String> {
        let base = self.server.base_url();
        vec![
            format!("export WORKIVA_BASE_URL={base}"),
            format!(
                "export WORKIVA_CLIENT_ID={}",
                workiva_client::sandbox::SANDBOX_CLIENT_ID
            ),
            format!(
                "export WORKIVA_CLIENT_SECRET={}",
                workiva_client::sandbox::SANDBOX_CLIENT_SECRET
            ),
            format!("export WORKIVA_SCIM_URL={base}/scim/v2"),
            format!(
                "export WORKIVA_SCIM_TOKEN={}",
                workiva_client::sandbox::SANDBOX_SCIM_TOKEN
            ),
            format!("export WORKFRONT_BASE_URL={base}"),
            format!(
                "export WORKFRONT_USERNAME={}",
                workfront_client::sandbox::SANDBOX_USERNAME
            ),
            format!(
                "export WORKFRONT_PASSWORD={}",
                workfront_client::sandbox::SANDBOX_PASSWORD
            ),
            format!(
                "export WORKFRONT_DEFAULT_ACCESS_LEVEL={}",
                workfront_client::sandbox::SANDBOX_DEFAULT_ACCESS_LEVEL
            ),
        ]
    }
}
