//! `bulk-deactivate`: deactivate every user listed in a file.
#![forbid(unsafe_code)]

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use identity_core::lifecycle::{BulkDeactivateRequest, BulkOutcome, bulk_deactivate};
use identity_examples::emails_file::parse_email_list;
use identity_examples::{EXIT_FAILURE, Failure, OneApp, finish, init_logging, print_json, say};
use indicatif::{ProgressBar, ProgressStyle};

/// Deactivate the users whose emails are listed in a file, one a line
/// (blank lines and # comments skipped). The whole file is checked first: a
/// malformed line aborts before any change. Unknown emails are reported as
/// not_found, not as failures. Workfront goes through POST /batch in chunks
/// of at most 50.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// The app to change.
    #[command(flatten)]
    app: OneApp,
    /// File with one email a line.
    #[arg(long, value_name = "FILE")]
    emails_file: PathBuf,
    /// Requests in flight at once (look-ups, and batches or updates).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    concurrency: u16,
    /// Report what would change; send no mutating request.
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
    let text = std::fs::read_to_string(&args.emails_file)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", args.emails_file.display())))?;
    let emails = parse_email_list(&text).map_err(|e| {
        Failure::usage(format!(
            "{}: {e}; nothing was changed",
            args.emails_file.display()
        ))
    })?;
    let connection = args.app.open().await?;
    let outcome = async {
        let bar = if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new(emails.len() as u64);
            if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} {elapsed}") {
                bar.set_style(style);
            }
            bar
        } else {
            ProgressBar::hidden()
        };
        let request = BulkDeactivateRequest::new(emails)
            .concurrency(usize::from(args.concurrency))
            .dry_run(args.dry_run);
        let report = bulk_deactivate(connection.directory.as_ref(), &request, &|n| {
            bar.inc(n as u64)
        })
        .await;
        bar.finish_and_clear();
        let failed = report.summary.failed;
        if args.json {
            let mut doc = serde_json::to_value(&report).unwrap_or_default();
            doc["outcome"] = serde_json::json!(if failed == 0 { "completed" } else { "failed" });
            connection.label(&mut doc);
            print_json(&doc);
        } else {
            for result in &report.results {
                let outcome = serde_json::to_value(result.outcome).unwrap_or_default();
                let outcome = outcome.as_str().unwrap_or("");
                match (&result.error, result.outcome) {
                    (Some(error), BulkOutcome::Failed) => {
                        say(&format!("{}\t{outcome}\t{error}", result.email))
                    }
                    _ => say(&format!("{}\t{outcome}", result.email)),
                }
            }
            let s = report.summary;
            let mut line = format!(
                "deactivated={} already_inactive={} not_found={} failed={}",
                s.deactivated, s.already_inactive, s.not_found, s.failed
            );
            if args.dry_run {
                line.push_str(&format!(
                    " would_deactivate={} (dry run)",
                    s.would_deactivate
                ));
            }
            say(&line);
        }
        if failed > 0 {
            return Err(Failure {
                message: format!(
                    "{failed} of {} users could not be deactivated",
                    report.results.len()
                ),
                code: EXIT_FAILURE,
            });
        }
        Ok(())
    }
    .await;
    connection.close().await;
    outcome
}
