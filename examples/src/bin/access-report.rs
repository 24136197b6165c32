//! `access-report`: who has access where, across every configured app.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use comfy_table::{Cell, Table, presets::UTF8_FULL_CONDENSED};
use identity_core::Directory;
use identity_core::graph::{AccessGraph, build_graph};
use identity_examples::{
    AppArgs, Failure, Purpose, Vendor, finish, init_logging, open_apps, picked_names, print_json,
    say,
};

/// Every person across the configured apps, joined by email (ignoring
/// case): per app present / active / groups / roles / access level, and the
/// findings a reviewer acts on (active in one app but deactivated in
/// another, in one app only, inactive everywhere but still in groups).
/// Apps come from the environment and --config; with none configured at
/// all, the embedded sandboxes stand in (and stderr says so).
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// A connection to include, by name (repeatable; default: every
    /// configured one).
    #[arg(long = "app", value_name = "NAME")]
    apps: Vec<String>,
    /// A default connection to include: workiva, workiva-scim or workfront
    /// (repeatable; the same as --app with that name).
    #[arg(long = "vendor", value_enum)]
    vendors: Vec<Vendor>,
    /// Where connections come from.
    #[command(flatten)]
    source: AppArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// A table on stdout.
    Table,
    /// One JSON document.
    Json,
    /// CSV: one row per person and app.
    Csv,
}

#[tokio::main]
async fn main() -> ExitCode {
    init_logging();
    let args = Args::parse();
    let json = args.format == Format::Json;
    finish(run(args).await, json)
}

async fn run(args: Args) -> Result<(), Failure> {
    let names = picked_names(&args.apps, &args.vendors);
    let connections = open_apps(&args.source, &names, Purpose::Read).await?;
    let sandbox = connections.iter().any(|c| c.sandbox);
    let dirs: Vec<(&str, &dyn Directory)> = connections
        .iter()
        .map(|c| (c.name.as_str(), c.directory.as_ref()))
        .collect();
    let graph = build_graph(&dirs).await;
    drop(dirs);
    for connection in connections {
        connection.close().await;
    }
    let graph = graph?;
    match args.format {
        Format::Json => print_json(&serde_json::json!({
            "outcome": "ok",
            "sandbox": sandbox,
            "apps": graph.apps,
            "people": graph.people.values().collect::<Vec<_>>(),
            "findings": graph.findings(),
        })),
        Format::Table => print_table(&graph),
        Format::Csv => print_csv(&graph)?,
    }
    Ok(())
}

fn cell_text(graph: &AccessGraph, email: &str, app: &str) -> String {
    match graph.people.get(email).and_then(|p| p.accounts.get(app)) {
        None => "—".into(),
        Some(a) => {
            let mut parts = vec![if a.active { "active" } else { "inactive" }.to_owned()];
            if !a.groups.is_empty() {
                parts.push(format!("groups: {}", a.groups.join(", ")));
            }
            if !a.roles.is_empty() {
                parts.push(format!("roles: {}", a.roles.join(", ")));
            }
            if let Some(level) = &a.access_level {
                parts.push(format!("level: {level}"));
            }
            parts.join("\n")
        }
    }
}

fn print_table(graph: &AccessGraph) {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    let mut header = vec![Cell::new("email")];
    header.extend(graph.apps.iter().map(Cell::new));
    table.set_header(header);
    for email in graph.people.keys() {
        let mut row = vec![Cell::new(email)];
        row.extend(
            graph
                .apps
                .iter()
                .map(|app| Cell::new(cell_text(graph, email, app))),
        );
        table.add_row(row);
    }
    say(&table.to_string());
    let findings = graph.findings();
    say(&format!(
        "\n{} people across {}; {} findings",
        graph.people.len(),
        graph.apps.join(", "),
        findings.len()
    ));
    for finding in findings {
        say(&format!("  {}: {}", finding.email(), finding.describe()));
    }
}

fn print_csv(graph: &AccessGraph) -> Result<(), Failure> {
    let mut out = csv::Writer::from_writer(std::io::stdout());
    let fail = |e: csv::Error| Failure {
        message: format!("writing CSV: {e}"),
        code: identity_examples::EXIT_FAILURE,
    };
    out.write_record([
        "email",
        "app",
        "present",
        "active",
        "groups",
        "roles",
        "access_level",
    ])
    .map_err(fail)?;
    for person in graph.people.values() {
        for app in &graph.apps {
            let record = match person.accounts.get(app) {
                Some(a) => [
                    person.email.clone(),
                    app.clone(),
                    "true".into(),
                    a.active.to_string(),
                    a.groups.join(";"),
                    a.roles.join(";"),
                    a.access_level.clone().unwrap_or_default(),
                ],
                None => [
                    person.email.clone(),
                    app.clone(),
                    "false".into(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                ],
            };
            out.write_record(&record).map_err(fail)?;
        }
    }
    out.flush().map_err(|e| Failure {
        message: format!("writing CSV: {e}"),
        code: identity_examples::EXIT_FAILURE,
    })?;
    Ok(())
}
