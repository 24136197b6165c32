//! Shared plumbing of the example binaries: picking apps (named connections
//! from the environment and `--config`, or the embedded sandboxes: for
//! reading when nothing is configured, for changes only with `--sandbox`),
//! exit codes, logging and output.
//!
//! The binaries are thin: the work itself is in
//! [`identity_core::lifecycle`] and [`identity_core::graph`].
#![forbid(unsafe_code)]

pub mod emails_file;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::ValueEnum;
use identity_core::backend::url::parse_base_url;
use identity_core::sandbox::{FaultConfig, SimOptions, SimServer, SimService};
use std::time::Duration;

use identity_core::connections::{Connection as ConnectionConfig, Connections, Kind};
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
    /// The connection's name (reports label accounts with it).
    pub name: String,
    /// The directory.
    pub directory: Box<dyn Directory>,
    /// Whether this is an embedded sandbox.
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

/// Where the apps come from, shared by every binary.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct AppArgs {
    /// A TOML file of named connections (see DESIGN.md); the environment's
    /// default connections are read too.
    #[arg(long, value_name = "FILE", env = "IDENTITY_CONFIG")]
    pub config: Option<PathBuf>,
    /// Run on the embedded simulators, whatever is configured.
    #[arg(long)]
    pub sandbox: bool,
}

/// The one app a changing binary works on: `--vendor` (a default name) or
/// `--app NAME`.
#[derive(clap::Args, Debug, Clone)]
pub struct OneApp {
    /// Which directory, by its default name: workiva (Platform API),
    /// workiva-scim (SCIM 2.0) or workfront.
    #[arg(
        long,
        value_enum,
        required_unless_present = "app",
        conflicts_with = "app"
    )]
    pub vendor: Option<Vendor>,
    /// Which connection, by name (from the environment or --config).
    #[arg(long, value_name = "NAME")]
    pub app: Option<String>,
    /// Where connections come from.
    #[command(flatten)]
    pub source: AppArgs,
}

impl OneApp {
    /// Opens the app to change: never a sandbox unless `--sandbox` asked.
    pub async fn open(&self) -> Result<Connection, Failure> {
        let names = picked_names(self.app.as_slice(), self.vendor.as_slice());
        open_apps(&self.source, &names, Purpose::Change)
            .await?
            .pop()
            .ok_or_else(|| Failure::usage("name an app with --vendor or --app"))
    }
}

impl Connection {
    /// Ends what the client holds open (a Workfront session), best effort:
    /// a failure is a note on stderr, not the command's failure.
    pub async fn close(self) {
        if let Err(err) = self.directory.close().await {
            note(&format!(
                "{}: could not close the session: {err}",
                self.name
            ));
        }
    }

    /// Labels a JSON document with the app (`vendor`, the name used since
    /// the first release, and `app`) and, on a sandbox, `"sandbox": true`.
    pub fn label(&self, doc: &mut serde_json::Value) {
        doc["vendor"] = serde_json::json!(self.name);
        doc["app"] = serde_json::json!(self.name);
        if self.sandbox {
            doc["sandbox"] = serde_json::json!(true);
        }
    }
}

/// What the binary will do with the apps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Only read: with nothing configured, the embedded sandboxes stand in
    /// (and stderr says so).
    Read,
    /// Change something: never on a sandbox the tool picked by itself.
    Change,
}

/// The names picked by `--app` and `--vendor`, in order, without repeats.
pub fn picked_names(apps: &[String], vendors: &[Vendor]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let all = apps
        .iter()
        .cloned()
        .chain(vendors.iter().map(|v| v.name().to_owned()));
    for name in all {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// The variables that configure the default connections, for messages.
const CONFIGURE_HINT: &str = "configure a connection (WORKIVA_CLIENT_ID + WORKIVA_CLIENT_SECRET, \
     WORKIVA_SCIM_TOKEN, WORKFRONT_BASE_URL with a login, or --config FILE / IDENTITY_CONFIG), \
     or pass --sandbox to run on the embedded simulators";

/// Opens the apps called `names` (none: every configured one) from the
/// environment and the config file. With nothing configured, reading runs
/// on the embedded sandboxes and says so; changing refuses unless
/// `--sandbox` was given.
pub async fn open_apps(
    args: &AppArgs,
    names: &[String],
    purpose: Purpose,
) -> Result<Vec<Connection>, Failure> {
    check_environment_urls()?;
    let configured = Connections::load(args.config.as_deref())?;
    if args.sandbox || configured.is_empty() {
        if !args.sandbox && purpose == Purpose::Change {
            return Err(Failure::usage(format!(
                "no connection is configured: {CONFIGURE_HINT}"
            )));
        }
        return open_sandboxes(names).await;
    }
    let picked: Vec<&ConnectionConfig> = if names.is_empty() {
        configured.iter().collect()
    } else {
        names
            .iter()
            .map(|name| {
                configured.get(name).ok_or_else(|| {
                    Failure::usage(format!(
                        "no connection named {name:?}; configured: {}",
                        configured.names().join(", ")
                    ))
                })
            })
            .collect::<Result<_, _>>()?
    };
    picked.into_iter().map(open_connection).collect()
}

/// A client for one configured connection.
fn open_connection(config: &ConnectionConfig) -> Result<Connection, Failure> {
    let directory: Box<dyn Directory> = match config.kind() {
        Kind::Workiva => Box::new(
            WorkivaClient::builder()
                .connection(config)?
                .configure(|s| s.with_retry(retry_policy()))
                .build()?,
        ),
        Kind::WorkivaScim => Box::new(
            ScimClient::builder()
                .connection(config)?
                .configure(|s| s.with_retry(retry_policy()))
                .build()?,
        ),
        Kind::Workfront => Box::new(
            WorkfrontClient::builder()
                .connection(config)?
                .configure(|s| s.with_retry(retry_policy()))
                .build()?,
        ),
        other => {
            return Err(Failure::usage(format!(
                "connection {}: kind {other} is not supported by these tools",
                config.name
            )));
        }
    };
    Ok(Connection {
        name: config.name.clone(),
        directory,
        sandbox: false,
        _workiva: None,
        _workfront: None,
    })
}

/// The embedded sandboxes of the default names picked (none: all three).
async fn open_sandboxes(names: &[String]) -> Result<Vec<Connection>, Failure> {
    let vendors: Vec<Vendor> = if names.is_empty() {
        Vendor::ALL.to_vec()
    } else {
        names
            .iter()
            .map(|name| {
                Vendor::ALL
                    .into_iter()
                    .find(|v| v.name() == name)
                    .ok_or_else(|| {
                        Failure::usage(format!(
                            "no connection named {name:?}: the embedded sandboxes are workiva, \
                             workiva-scim and workfront"
                        ))
                    })
            })
            .collect::<Result<_, _>>()?
    };
    futures::future::try_join_all(vendors.into_iter().map(connect_sandbox)).await
}

async fn connect_sandbox(vendor: Vendor) -> Result<Connection, Failure> {
    let name = vendor.name();
    let configure = |s: identity_core::ClientSettings| s.with_retry(retry_policy());
    let (directory, base_url, workiva, workfront): (Box<dyn Directory>, _, _, _) = match vendor {
        Vendor::Workiva | Vendor::WorkivaScim => {
            let sandbox = WorkivaSandbox::builder()
                .seed_users(SANDBOX_SEED_USERS)
                .seed_scim_users(SANDBOX_SEED_USERS)
                .start()
                .await?;
            let directory: Box<dyn Directory> = if vendor == Vendor::Workiva {
                let builder = sandbox.client_builder().connection_name(name);
                Box::new(builder.configure(configure).build()?)
            } else {
                let builder = sandbox.scim_client_builder().connection_name(name);
                Box::new(builder.configure(configure).build()?)
            };
            (directory, sandbox.base_url(), Some(sandbox), None)
        }
        Vendor::Workfront => {
            let sandbox = WorkfrontSandbox::builder()
                .seed_users(SANDBOX_SEED_USERS)
                .start()
                .await?;
            let builder = sandbox.client_builder().connection_name(name);
            let directory = Box::new(builder.configure(configure).build()?);
            (directory, sandbox.base_url(), None, Some(sandbox))
        }
    };
    seed_demo_people(vendor, directory.as_ref()).await?;
    note(&format!(
        "{name}: using the embedded {name} sandbox at {base_url} (simulated data)"
    ));
    Ok(Connection {
        name: name.to_owned(),
        directory,
        sandbox: true,
        _workiva: workiva,
        _workfront: workfront,
    })
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
