//! `provision`: create a user (or find the existing one), then give it the
//! named groups, roles and access level. Idempotent.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;
use identity_core::NewUser;
use identity_core::lifecycle::{ProvisionRequest, provision};
use identity_examples::{Failure, OneApp, finish, init_logging, print_json, say};

/// Create a user or find the existing one (matched by email, ignoring
/// case), then add the named groups, roles and access level. Unknown names
/// fail before any change. Apps come from the environment and --config; with
/// none configured it refuses unless --sandbox is given.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// The app to change.
    #[command(flatten)]
    app: OneApp,
    /// The user's email (the identity across apps).
    #[arg(long)]
    email: String,
    /// Given name.
    #[arg(long)]
    first_name: String,
    /// Family name.
    #[arg(long)]
    last_name: String,
    /// A group to add the user to, by name (repeatable).
    #[arg(long = "group", value_name = "NAME")]
    groups: Vec<String>,
    /// A role to give the user, by name (repeatable).
    #[arg(long = "role", value_name = "NAME")]
    roles: Vec<String>,
    /// Access level by name (Workfront; default WORKFRONT_DEFAULT_ACCESS_LEVEL).
    #[arg(long, value_name = "NAME")]
    access_level: Option<String>,
    /// Print what would change; send no mutating request.
    #[arg(long)]
    dry_run: bool,
    /// Print one JSON document on stdout instead of text.
    #[arg(long)]
    json: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    init_logging();
    let args = Args::parse();
    let json = args.json;
    finish(run(args).await, json)
}

async fn run(args: Args) -> Result<(), Failure> {
    let user = NewUser::builder(&args.email)
        .first_name(&args.first_name)
        .last_name(&args.last_name)
        .build()
        .map_err(|e| Failure::usage(e.to_string()))?;
    let connection = args.app.open().await?;
    let outcome = async {
        let request = ProvisionRequest::new(user)
            .groups(args.groups)
            .roles(args.roles)
            .access_level(args.access_level)
            .dry_run(args.dry_run);
        let report = provision(connection.directory.as_ref(), &request).await?;
        if args.json {
            let mut doc = serde_json::to_value(&report).unwrap_or_default();
            connection.label(&mut doc);
            print_json(&doc);
        } else {
            let verb = match (report.dry_run, report.outcome) {
                (true, identity_core::lifecycle::ProvisionOutcome::Created) => "would be created",
                (_, identity_core::lifecycle::ProvisionOutcome::Created) => "created",
                (_, identity_core::lifecycle::ProvisionOutcome::Existing) => "already exists",
            };
            say(&format!("{}: {} {verb}", connection.name, args.email));
            for change in &report.changes {
                let line = serde_json::to_value(change).unwrap_or_default();
                let prefix = if report.dry_run { "would" } else { "done" };
                say(&format!("  {prefix}: {}", describe(&line)));
            }
        }
        Ok(())
    }
    .await;
    connection.close().await;
    outcome
}

fn describe(change: &serde_json::Value) -> String {
    let field = |k: &str| change.get(k).and_then(|v| v.as_str()).unwrap_or("");
    match field("change") {
        "create_user" => format!("create user {}", field("email")),
        "add_to_group" => format!("add to group {}", field("group")),
        "assign_role" => format!("assign role {}", field("role")),
        "set_access_level" => format!("set access level {}", field("access_level")),
        other => other.to_owned(),
    }
}
