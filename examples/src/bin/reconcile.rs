//! `reconcile`: bring every app in line with the HR / IdP roster. This
//! release has the `plan` step: what would change, with the brake counted;
//! nothing is changed.
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use identity_core::plan::{Plan, read_app};
use identity_core::policy::Policy;
use identity_core::roster::Roster;
use identity_examples::{
    AppArgs, Failure, Purpose, finish, init_logging, open_apps, print_json, say,
};

/// Keep every app in line with the roster under a policy (see DESIGN.md,
/// "reconcile: plan, then apply").
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Read every app of the policy and print the changes that would bring
    /// it in line with the roster. Changes nothing.
    Plan(PlanArgs),
}

#[derive(clap::Args, Debug)]
struct PlanArgs {
    /// The roster: CSV with a header, `.json` (an array) or `.jsonl`.
    #[arg(long, value_name = "FILE")]
    roster: PathBuf,
    /// The policy (TOML): what each connection should look like.
    #[arg(long, value_name = "FILE")]
    policy: PathBuf,
    /// Also write the plan document here (the input of a later apply).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Where connections come from.
    #[command(flatten)]
    source: AppArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// A table of changes and the brake per app.
    Table,
    /// The plan document.
    Json,
}

#[tokio::main]
async fn main() -> ExitCode {
    init_logging();
    let args = Args::parse();
    let Command::Plan(plan) = args.command;
    let json = plan.format == Format::Json;
    finish(run_plan(plan).await, json)
}

async fn run_plan(args: PlanArgs) -> Result<(), Failure> {
    // Both files are checked whole before anything is read from an app.
    let roster = Roster::from_path(&args.roster)?;
    let policy = Policy::from_path(&args.policy)?;
    let names: Vec<String> = policy.apps().map(|a| a.connection.clone()).collect();
    let connections = open_apps(&args.source, &names, Purpose::Read).await?;
    let reads = connections.iter().map(|connection| async {
        let app = policy
            .app(&connection.name)
            .ok_or_else(|| Failure::usage(format!("no policy for {}", connection.name)))?;
        let accounts = read_app(connection.directory.as_ref(), app).await?;
        Ok::<_, Failure>((connection.name.as_str(), accounts))
    });
    let live = futures::future::join_all(reads).await;
    let sandbox = connections.iter().any(|c| c.sandbox);
    let live: Result<Vec<_>, Failure> = live.into_iter().collect();
    let plan = live.map(|live| Plan::compute(&roster, &policy, &live));
    for connection in connections {
        connection.close().await;
    }
    let plan = plan?;
    let mut doc = serde_json::to_value(&plan).unwrap_or_default();
    if sandbox {
        doc["sandbox"] = serde_json::json!(true);
    }
    if let Some(out) = &args.out {
        let text = serde_json::to_string_pretty(&doc).unwrap_or_default();
        std::fs::write(out, text + "\n").map_err(|e| {
            Failure::usage(format!("cannot write the plan to {}: {e}", out.display()))
        })?;
    }
    match args.format {
        Format::Json => print_json(&doc),
        Format::Table => print_table(&plan),
    }
    Ok(())
}

fn print_table(plan: &Plan) {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header(["id", "app", "email", "action", "target", "reason"]);
    for change in &plan.changes {
        table.add_row([
            change.id.as_str(),
            change.app.as_str(),
            change.email.as_str(),
            change.action.as_str(),
            change.target.as_deref().unwrap_or(""),
            change.reason.as_str(),
        ]);
    }
    if !plan.changes.is_empty() {
        say(&table.to_string());
    }
    say(&format!("{} changes", plan.changes.len()));
    for (app, brake) in &plan.apps {
        say(&format!(
            "  {app}: {} deactivations of {} active accounts (limit {}){}",
            brake.deactivations,
            brake.active_accounts,
            brake.max_deactivations,
            if brake.brake_exceeded {
                ": BRAKE EXCEEDED, apply would refuse"
            } else {
                ""
            }
        ));
    }
}
