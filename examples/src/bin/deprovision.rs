//! `deprovision`: deactivate a user (or, explicitly, delete it).
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;
use identity_core::lifecycle::{DeprovisionOutcome, DeprovisionRequest, deprovision};
use identity_examples::{Failure, OneApp, finish, init_logging, print_json, say};

/// Deactivate the user with this email (reversible). Permanent deletion
/// needs both --delete and --yes. Apps come from the environment and --config; with
/// none configured it refuses unless --sandbox is given.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// The app to change.
    #[command(flatten)]
    app: OneApp,
    /// The user's email (matched ignoring case).
    #[arg(long)]
    email: String,
    /// Delete permanently instead of deactivating (requires --yes).
    #[arg(long)]
    delete: bool,
    /// Confirm a permanent --delete.
    #[arg(long)]
    yes: bool,
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
    if args.delete && !args.yes {
        return Err(Failure::usage(
            "--delete is permanent and needs --yes to confirm; nothing was changed \
             (deactivation, the default, is reversible)",
        ));
    }
    if args.yes && !args.delete {
        return Err(Failure::usage("--yes only confirms --delete"));
    }
    identity_core::validate_email(&args.email).map_err(|e| Failure::usage(e.to_string()))?;
    let connection = args.app.open().await?;
    let outcome = async {
        let request = if args.delete {
            DeprovisionRequest::delete(&args.email)
        } else {
            DeprovisionRequest::deactivate(&args.email)
        };
        let report = deprovision(
            connection.directory.as_ref(),
            &request.dry_run(args.dry_run),
        )
        .await?;
        if args.json {
            let mut doc = serde_json::to_value(&report).unwrap_or_default();
            connection.label(&mut doc);
            print_json(&doc);
        } else {
            let what = match (report.outcome, report.dry_run) {
                (DeprovisionOutcome::Deactivated, false) => "deactivated",
                (DeprovisionOutcome::Deactivated, true) => "would be deactivated",
                (DeprovisionOutcome::AlreadyInactive, _) => "was already inactive",
                (DeprovisionOutcome::Deleted, false) => "deleted permanently",
                (DeprovisionOutcome::Deleted, true) => "would be deleted permanently",
            };
            say(&format!("{}: {} {what}", connection.name, args.email));
        }
        Ok(())
    }
    .await;
    connection.close().await;
    outcome
}
