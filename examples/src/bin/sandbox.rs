//! `sandbox`: serve the Workiva (Platform API + SCIM) and Workfront
//! simulators on one loopback port until interrupted.
#![forbid(unsafe_code)]

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use identity_core::sandbox::FaultConfig;
use identity_examples::{AllSandboxes, EXIT_FAILURE, init_logging, note, parse_rate, say};

/// Serve the Workiva Platform API, SCIM 2.0 and Workfront simulators on
/// 127.0.0.1, print the base URL and the credentials to export, and run until
/// Ctrl-C. Unauthenticated calls get 401, as from the real APIs.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Port on 127.0.0.1 (default: a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Generated users to seed in each simulator (user0@example.com, ...).
    #[arg(long, default_value_t = 100)]
    users: usize,
    /// Latency added to every answer, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Share of requests that fail (2/3 as 503, 1/3 as 429 with Retry-After: 1), 0 to 1.
    #[arg(long, default_value = "0", value_parser = parse_rate)]
    fault_rate: f64,
}

#[tokio::main]
async fn main() -> ExitCode {
    init_logging();
    let args = Args::parse();
    let faults = FaultConfig {
        latency: Duration::from_millis(args.latency_ms),
        unavailable_rate: args.fault_rate * 2.0 / 3.0,
        rate_limited_rate: args.fault_rate / 3.0,
        retry_after_secs: Some(1),
        ..FaultConfig::default()
    };
    let sandboxes = match AllSandboxes::start(args.port, args.users, faults).await {
        Ok(s) => s,
        Err(e) => {
            note(&format!(
                "error: cannot listen on 127.0.0.1:{}: {e}",
                args.port
            ));
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let base = sandboxes.server.base_url();
    say(&format!("sandbox listening on {base}"));
    say(&format!(
        "  Workiva Platform API  {base}/platform/v1   (token: {base}/iam/v1/oauth2/token)"
    ));
    say(&format!("  Workiva SCIM 2.0      {base}/scim/v2"));
    say(&format!(
        "  Workfront             {base}/attask/api/v18.0   (IMS token: {base}/ims/token/v3)"
    ));
    say("credentials (sandbox only):");
    for line in sandboxes.exports() {
        say(&line);
    }
    note("press Ctrl-C to stop");
    if let Err(e) = tokio::signal::ctrl_c().await {
        note(&format!("error: waiting for Ctrl-C: {e}"));
        return ExitCode::from(EXIT_FAILURE);
    }
    sandboxes.server.shutdown();
    note("sandbox stopped");
    ExitCode::SUCCESS
}
