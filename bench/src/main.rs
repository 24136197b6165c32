//! Benchmarks of the SDK against its simulators, each as a median of several
//! runs and as a ratio to its floor (what the latency alone would cost).
//!
//! `bench` runs them all and prints a Markdown table; `bench serve` and
//! `bench rss` are the child processes some benchmarks need, so that the
//! simulator's own memory and CPU are not counted against the client.
#![forbid(unsafe_code)]
// A benchmark harness reports on stdout and aborts on a broken set-up.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::expect_used,
    clippy::unwrap_used
)]

use std::io::{BufRead, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand, ValueEnum};
use futures::{StreamExt, TryStreamExt};
use identity_core::sandbox::{FaultConfig, SimOptions, SimServer, SimService};
use identity_core::{NewUser, UserDirectory, UserQuery, ensure_user};
use serde::Deserialize;
use workfront_client::sandbox::WorkfrontSandbox;
use workfront_client::search::Search;
use workiva_client::sandbox::WorkivaSandbox;

#[derive(Parser)]
#[command(
    version,
    about = "Benchmarks of the identity SDK against its simulators"
)]
struct Args {
    #[command(subcommand)]
    command: Option<Cmd>,
    /// Per-request latency of the simulators, in milliseconds.
    #[arg(long, default_value_t = 50, global = true)]
    latency_ms: u64,
    /// Runs per measurement (the median is reported).
    #[arg(long, default_value_t = 3, global = true)]
    runs: usize,
    /// Smaller sizes, for a quick check.
    #[arg(long, global = true)]
    quick: bool,
    /// Run only the groups whose name contains this (workfront-list,
    /// workiva-prefetch, bulk, ensure, memory, overhead, capacity).
    #[arg(long, global = true)]
    only: Option<String>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Serve one vendor's simulator and print its base URL (child process).
    Serve {
        #[arg(long, value_enum)]
        vendor: SimVendor,
        #[arg(long)]
        users: usize,
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
    /// Stream N users from a child simulator and print this process's peak RSS.
    Rss {
        #[arg(long)]
        users: usize,
    },
    /// List every user of a Workfront simulator at BASE; print: users ms.
    ListWorkfront {
        #[arg(long)]
        base: String,
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SimVendor {
    Workiva,
    Workfront,
}

/// One line of the results table.
struct Row {
    name: String,
    measured: String,
    floor: String,
    ratio: String,
    target: String,
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn ratio(measured: Duration, floor: Duration) -> String {
    format!("{:.3}", measured.as_secs_f64() / floor.as_secs_f64())
}

fn latency(ms: u64) -> FaultConfig {
    FaultConfig::latency(Duration::from_millis(ms))
}

fn spin(work: Duration) {
    let until = Instant::now() + work;
    while Instant::now() < until {
        std::hint::spin_loop();
    }
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(str::to_owned)
        })
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

/// A child process serving one simulator; killed on drop.
struct ChildSim {
    child: Child,
    base: String,
}

impl Drop for ChildSim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_sim(vendor: SimVendor, users: usize) -> ChildSim {
    let exe = std::env::current_exe().expect("own path");
    let name = match vendor {
        SimVendor::Workiva => "workiva",
        SimVendor::Workfront => "workfront",
    };
    let mut child = Command::new(exe)
        .args([
            "serve",
            "--vendor",
            name,
            "--users",
            &users.to_string(),
            "--latency-ms",
            "0",
        ])
        .stdout(Stdio::piped())
        .stdin(Stdio::piped())
        .spawn()
        .expect("spawn simulator");
    let mut line = String::new();
    let stdout = child.stdout.take().expect("child stdout");
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read base URL");
    ChildSim {
        child,
        base: line.trim().to_owned(),
    }
}

async fn serve(vendor: SimVendor, users: usize, port: u16, latency_ms: u64) {
    let services: Vec<Arc<dyn SimService>> = match vendor {
        SimVendor::Workiva => vec![WorkivaSandbox::builder().seed_users(users).build_service()],
        SimVendor::Workfront => vec![
            WorkfrontSandbox::builder()
                .seed_users(users)
                .build_service(),
        ],
    };
    let options = SimOptions {
        port,
        log_requests: false,
        faults: latency(latency_ms),
        ..SimOptions::default()
    };
    let server = SimServer::start(services, options)
        .await
        .expect("start simulator");
    println!("{}", server.base_url());
    let _ = std::io::stdout().flush();
    // Serve until the parent closes our stdin (or kills us).
    let _ = tokio::task::spawn_blocking(|| {
        let mut sink = String::new();
        let _ = std::io::stdin().read_line(&mut sink);
    })
    .await;
}

fn workiva_client(base: &str) -> workiva_client::WorkivaClient {
    workiva_client::WorkivaClient::builder()
        .base_url(base)
        .client_id(workiva_client::sandbox::SANDBOX_CLIENT_ID)
        .client_secret(
            workiva_client::sandbox::SANDBOX_CLIENT_SECRET
                .to_string()
                .into(),
        )
        .build()
        .expect("client")
}

fn workfront_client(base: &str, concurrency: usize) -> workfront_client::WorkfrontClient {
    workfront_client::WorkfrontClient::builder()
        .base_url(base)
        .session_login(
            workfront_client::sandbox::SANDBOX_USERNAME,
            workfront_client::sandbox::SANDBOX_PASSWORD
                .to_string()
                .into(),
        )
        .default_access_level(workfront_client::sandbox::SANDBOX_DEFAULT_ACCESS_LEVEL)
        .concurrency(concurrency)
        .build()
        .expect("client")
}

/// Authenticates before timing: the floors count listing requests only.
async fn warm_workfront(client: &workfront_client::WorkfrontClient) {
    client
        .count(&Search::new("accesslevel"))
        .await
        .expect("warm-up");
}

async fn count_users(dir: &dyn UserDirectory) -> usize {
    let mut n = 0;
    let mut users = dir.list_users(&UserQuery::default());
    while let Some(user) = users.next().await {
        user.expect("listing");
        n += 1;
    }
    n
}

async fn rss(users: usize) {
    let sim = spawn_sim(SimVendor::Workiva, users);
    let client = workiva_client(&sim.base);
    let start = Instant::now();
    let n = count_users(&client).await;
    assert_eq!(n, users, "streamed every user");
    println!("{} {}", peak_rss_kib(), start.elapsed().as_millis());
}

async fn workfront_listing(rows: &mut Vec<Row>, args: &Args) {
    let users = if args.quick { 20_000 } else { 100_000 };
    let sandbox = WorkfrontSandbox::builder()
        .seed_users(users)
        .sim_options(|o| o.with_faults(latency(args.latency_ms)))
        .sim_options(|o| o.with_request_log(false))
        .start()
        .await
        .expect("sandbox");
    let pages = users.div_ceil(2000) as u32;
    for concurrency in [1usize, 4, 8, 16] {
        let client = workfront_client(&sandbox.base_url(), concurrency);
        warm_workfront(&client).await;
        let mut samples = Vec::new();
        for _ in 0..args.runs {
            let start = Instant::now();
            assert_eq!(count_users(&client).await, users);
            samples.push(start.elapsed());
        }
        let measured = median(samples);
        let floor = Duration::from_millis(args.latency_ms) * pages.div_ceil(concurrency as u32);
        rows.push(Row {
            name: format!("Workfront list {users} users, $$LIMIT 2000, concurrency {concurrency}"),
            measured: ms(measured),
            floor: ms(floor),
            ratio: ratio(measured, floor),
            target: if concurrency == 8 {
                "≤ 1.15".into()
            } else {
                String::new()
            },
        });
    }
}

async fn workiva_prefetch(rows: &mut Vec<Row>, args: &Args) {
    let users = 10_000;
    let sandbox = WorkivaSandbox::builder()
        .seed_users(users)
        .sim_options(|o| o.with_faults(latency(args.latency_ms)))
        .sim_options(|o| o.with_request_log(false))
        .start()
        .await
        .expect("sandbox");
    let client = sandbox.client().expect("client");
    client.roles().await.expect("warm-up");
    let work = Duration::from_millis(5);
    let mut samples = Vec::new();
    for _ in 0..args.runs {
        let start = Instant::now();
        let mut pages = client.list_user_pages(&UserQuery::default());
        let mut n = 0;
        while let Some(page) = pages.try_next().await.expect("page") {
            n += page.items.len();
            spin(work);
        }
        assert_eq!(n, users);
        samples.push(start.elapsed());
    }
    let measured = median(samples);
    let l = Duration::from_millis(args.latency_ms);
    let floor = (l * 100).max(work * 100 + l);
    rows.push(Row {
        name: "Workiva list 10000 users (100 pages), 5 ms consumer work per page".into(),
        measured: ms(measured),
        floor: ms(floor),
        ratio: ratio(measured, floor),
        target: "≤ 1.05".into(),
    });
}

async fn workfront_bulk(rows: &mut Vec<Row>, args: &Args) {
    let users = 10_000;
    let concurrency = 16;
    let mut samples = Vec::new();
    let mut requests = 0;
    for _ in 0..args.runs {
        let sandbox = WorkfrontSandbox::builder()
            .seed_users(users)
            .sim_options(|o| o.with_faults(latency(args.latency_ms)))
            .start()
            .await
            .expect("sandbox");
        let client = workfront_client(&sandbox.base_url(), concurrency);
        warm_workfront(&client).await;
        sandbox.server().clear_requests();
        let emails: Vec<String> = (0..users).map(|n| format!("user{n}@example.com")).collect();
        let start = Instant::now();
        let request =
            identity_core::lifecycle::BulkDeactivateRequest::new(emails).concurrency(concurrency);
        let report = identity_core::lifecycle::bulk_deactivate(&client, &request, &|_| {}).await;
        samples.push(start.elapsed());
        assert_eq!(report.summary.failed, 0);
        assert_eq!(
            report.summary.deactivated + report.summary.already_inactive,
            users
        );
        requests = sandbox.server().requests().len();
    }
    let measured = median(samples);
    let lookups = users.div_ceil(100) as u32;
    let batches = (users * 9 / 10).div_ceil(50) as u32;
    let l = Duration::from_millis(args.latency_ms);
    let floor = l * (lookups.div_ceil(concurrency as u32) + batches.div_ceil(concurrency as u32));
    rows.push(Row {
        name: format!("Workfront bulk-deactivate {users} users, concurrency {concurrency}: {requests} requests ({lookups} look-ups, {batches} batches)"),
        measured: ms(measured),
        floor: ms(floor),
        ratio: ratio(measured, floor),
        target: "≤ 200 batches + look-ups".into(),
    });
}

async fn ensure_many(rows: &mut Vec<Row>, args: &Args) {
    let n = if args.quick { 200 } else { 1000 };
    let concurrency = 16;
    let l = Duration::from_millis(args.latency_ms);
    // find + create per user, sequential within a user.
    let floor = l * 2 * (n as u32).div_ceil(concurrency as u32);
    let people = |prefix: &str| -> Vec<NewUser> {
        (0..n)
            .map(|i| {
                NewUser::builder(format!("{prefix}{i}@example.com"))
                    .first_name("N")
                    .last_name("U")
                    .build()
                    .expect("user")
            })
            .collect()
    };
    let workiva = WorkivaSandbox::builder()
        .sim_options(|o| o.with_faults(latency(args.latency_ms)))
        .start()
        .await
        .expect("sandbox");
    let workfront = WorkfrontSandbox::builder()
        .sim_options(|o| o.with_faults(latency(args.latency_ms)))
        .start()
        .await
        .expect("sandbox");
    let wk = workiva.client().expect("client");
    let scim = workiva.scim_client().expect("client");
    let wf = workfront_client(&workfront.base_url(), 4);
    wk.roles().await.expect("warm");
    scim.service_provider_config().await.expect("warm");
    warm_workfront(&wf).await;
    wf.lookup("accesslevel", "Standard").await.expect("warm");
    let dirs: [(&str, &dyn UserDirectory, &SimServer); 3] = [
        ("workiva", &wk, workiva.server()),
        ("workiva-scim", &scim, workiva.server()),
        ("workfront", &wf, workfront.server()),
    ];
    for (name, dir, server) in dirs {
        server.clear_requests();
        let users = people(&format!("ensure-{name}-"));
        let start = Instant::now();
        let created = futures::stream::iter(users.iter())
            .map(|u| ensure_user(dir, u))
            .buffer_unordered(concurrency)
            .try_fold(0usize, |acc, e| async move {
                Ok(acc + usize::from(e.was_created()))
            })
            .await
            .expect("ensure");
        let took = start.elapsed();
        assert_eq!(created, n);
        let requests = server.requests().len();
        rows.push(Row {
            name: format!(
                "ensure_user {n} new users on {name}, concurrency {concurrency}: {:.0} users/s, {:.2} requests/user",
                n as f64 / took.as_secs_f64(),
                requests as f64 / n as f64
            ),
            measured: ms(took),
            floor: ms(floor),
            ratio: ratio(took, floor),
            target: String::new(),
        });
    }
}

fn memory(rows: &mut Vec<Row>, args: &Args) {
    let sizes: &[usize] = if args.quick {
        &[100_000]
    } else {
        &[100_000, 1_000_000]
    };
    let exe = std::env::current_exe().expect("own path");
    for &users in sizes {
        let out = Command::new(&exe)
            .args(["rss", "--users", &users.to_string()])
            .output()
            .expect("rss run");
        let text = String::from_utf8_lossy(&out.stdout);
        let mut parts = text.split_whitespace();
        let kib: u64 = parts.next().and_then(|v| v.parse().ok()).unwrap_or(0);
        let took: u64 = parts.next().and_then(|v| v.parse().ok()).unwrap_or(0);
        rows.push(Row {
            name: format!(
                "Stream {users} Workiva users: client peak RSS (VmHWM), L = 0 ({took} ms)"
            ),
            measured: format!("{:.1} MiB", kib as f64 / 1024.0),
            floor: String::new(),
            ratio: String::new(),
            target: "< 64 MiB, flat".into(),
        });
    }
}

/// The raw-HTTP floor: a hand-written reqwest + serde_json loop over the
/// same pages, decoding the same fields.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct RawUser {
    id: String,
    email: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    display_name: Option<String>,
    active: Option<bool>,
    roles: Option<Vec<String>>,
    created_at: Option<String>,
    updated_at: Option<String>,
    workspace_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPage {
    data: Vec<RawUser>,
    next_page_token: Option<String>,
}

/// A Workiva sandbox bearer header, fetched by hand (the raw-HTTP floor uses
/// no SDK code).
async fn raw_bearer(http: &reqwest::Client, base: &str) -> String {
    let token: serde_json::Value = http
        .post(format!("{base}/iam/v1/oauth2/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", workiva_client::sandbox::SANDBOX_CLIENT_ID),
            (
                "client_secret",
                workiva_client::sandbox::SANDBOX_CLIENT_SECRET,
            ),
        ])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("token json");
    format!("Bearer {}", token["access_token"].as_str().unwrap_or(""))
}

async fn raw_loop(base: &str) -> usize {
    let http = reqwest::Client::new();
    let bearer = raw_bearer(&http, base).await;
    let mut n = 0;
    let mut page_token: Option<String> = None;
    loop {
        let mut request = http
            .get(format!("{base}/platform/v1/users"))
            .header("authorization", &bearer)
            .query(&[("pageSize", "100")]);
        if let Some(t) = &page_token {
            request = request.query(&[("pageToken", t)]);
        }
        let body = request
            .send()
            .await
            .expect("page")
            .bytes()
            .await
            .expect("body");
        let page: RawPage = serde_json::from_slice(&body).expect("decode");
        n += page.data.len();
        match page.next_page_token.filter(|t| !t.is_empty()) {
            Some(t) => page_token = Some(t),
            None => return n,
        }
    }
}

async fn overhead(rows: &mut Vec<Row>, args: &Args) {
    let users = if args.quick { 20_000 } else { 50_000 };
    let sim = spawn_sim(SimVendor::Workiva, users);
    let client = workiva_client(&sim.base);
    client.roles().await.expect("warm");
    // Interleave the two, so drift hits both alike.
    let (mut sdk, mut raw) = (Vec::new(), Vec::new());
    for _ in 0..args.runs.max(5) {
        let start = Instant::now();
        assert_eq!(count_users(&client).await, users);
        sdk.push(start.elapsed());
        let start = Instant::now();
        assert_eq!(raw_loop(&sim.base).await, users);
        raw.push(start.elapsed());
    }
    let (sdk, raw) = (median(sdk), median(raw));
    rows.push(Row {
        name: format!("SDK overhead: list {users} Workiva users at L = 0, SDK vs hand-written reqwest + serde_json loop"),
        measured: ms(sdk),
        floor: ms(raw),
        ratio: ratio(sdk, raw),
        target: "≤ 1.10".into(),
    });
}

async fn capacity(rows: &mut Vec<Row>, args: &Args) {
    for vendor in [SimVendor::Workiva, SimVendor::Workfront] {
        let sim = spawn_sim(vendor, 10_000);
        let base = sim.base.clone();
        let http = reqwest::Client::new();
        let (url, auth_header, auth_value, per_page) = match vendor {
            SimVendor::Workiva => {
                let bearer = raw_bearer(&http, &base).await;
                (
                    format!("{base}/platform/v1/users?pageSize=100"),
                    "authorization",
                    bearer,
                    100,
                )
            }
            SimVendor::Workfront => (
                format!(
                    "{base}/attask/api/v18.0/user/search?$$LIMIT=2000&fields={}",
                    workfront_client::USER_FIELDS
                ),
                "apikey",
                workfront_client::sandbox::SANDBOX_API_KEY.to_owned(),
                2000,
            ),
        };
        let done = Arc::new(AtomicU64::new(0));
        let window = if args.quick {
            Duration::from_secs(1)
        } else {
            Duration::from_secs(3)
        };
        let start = Instant::now();
        let workers: Vec<_> = (0..32)
            .map(|_| {
                let (http, url, done, auth_value) =
                    (http.clone(), url.clone(), done.clone(), auth_value.clone());
                tokio::spawn(async move {
                    while start.elapsed() < window {
                        let ok = http
                            .get(&url)
                            .header(auth_header, &auth_value)
                            .send()
                            .await
                            .map(|r| r.status().is_success())
                            .unwrap_or(false);
                        if ok {
                            done.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                })
            })
            .collect();
        for w in workers {
            let _ = w.await;
        }
        let per_sec = done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64();
        let name = match vendor {
            SimVendor::Workiva => "Workiva",
            SimVendor::Workfront => "Workfront",
        };
        rows.push(Row {
            name: format!("Simulator capacity, {name} pages of {per_page}, L = 0, 32 clients"),
            measured: format!(
                "{per_sec:.0} pages/s ({:.0} users/s)",
                per_sec * per_page as f64
            ),
            floor: String::new(),
            ratio: String::new(),
            target: "well above the benchmarks' needs".into(),
        });
    }
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    match &args.command {
        Some(Cmd::Serve {
            vendor,
            users,
            port,
        }) => return serve(*vendor, *users, *port, args.latency_ms).await,
        Some(Cmd::Rss { users }) => return rss(*users).await,
        Some(Cmd::ListWorkfront { base, concurrency }) => {
            let client = workfront_client(base, *concurrency);
            warm_workfront(&client).await;
            let start = Instant::now();
            let n = count_users(&client).await;
            println!("{n} {}", start.elapsed().as_millis());
            return;
        }
        None => {}
    }
    let mut rows = Vec::new();
    let wanted = |group: &str| args.only.as_deref().is_none_or(|o| group.contains(o));
    if wanted("workfront-list") {
        eprintln!("workfront listing…");
        workfront_listing(&mut rows, &args).await;
    }
    if wanted("workiva-prefetch") {
        eprintln!("workiva prefetch…");
        workiva_prefetch(&mut rows, &args).await;
    }
    if wanted("bulk") {
        eprintln!("bulk deactivate…");
        workfront_bulk(&mut rows, &args).await;
    }
    if wanted("ensure") {
        eprintln!("ensure_user…");
        ensure_many(&mut rows, &args).await;
    }
    if wanted("memory") {
        eprintln!("memory…");
        memory(&mut rows, &args);
    }
    if wanted("overhead") {
        eprintln!("overhead…");
        overhead(&mut rows, &args).await;
    }
    if wanted("capacity") {
        eprintln!("capacity…");
        capacity(&mut rows, &args).await;
    }
    println!(
        "| benchmark (L = {} ms unless noted) | measured (median of {}) | floor | ratio | target |",
        args.latency_ms, args.runs
    );
    println!("|---|---|---|---|---|");
    for row in rows {
        println!(
            "| {} | {} | {} | {} | {} |",
            row.name, row.measured, row.floor, row.ratio, row.target
        );
    }
}
