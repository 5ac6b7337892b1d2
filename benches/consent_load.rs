//! Load benchmark for consent writes: the optimised `charter` binary on loopback, driven by
//! keep-alive connections that each send one request after another.
//!
//! For each backend (SQLite in a temporary directory; PostgreSQL in a database of its own when
//! `TEST_DATABASE_URL` is set or a server answers on 127.0.0.1:5432) it starts a fresh server and
//! measures, in one run, `GET /healthz`, `POST /api/consent` with group commit (the default
//! batch limit) from Charter's own pages, and the same from a registered site's page on another
//! origin (as the embedded banner sends it: `Origin`, CORS), in alternating rounds; then, on another fresh server and database,
//! `POST /api/consent` with one commit per event (`CHARTER_CONSENT_BATCH_LIMIT=1`), the design
//! group commit replaces. Consent
//! requests carry no cookie, so every one records an event for a new subject. After each consent
//! run the stored events must equal the 2xx answers and the chain must verify: an acknowledged
//! event that is missing fails the benchmark.
//!
//! ```sh
//! cargo bench --bench consent_load -- [--seconds 10] [--rounds 5] [--connections 64]
//!                                      [--only sqlite|postgres] [--pin]
//! ```
//!
//! `--pin` runs the server on the first core and the load generator on the second (`taskset`),
//! so neither flatters the other's share of the machine: the ratio to `/healthz` is then the
//! server's own. After each consent run every stored event must also be a leaf of the
//! evidence log.

use app::{
    consent::ssr::{ChainReport, verify_chain},
    db::{DatabaseUrl, Db},
    inventory::ssr::active,
};
use sqlx::Connection;
mod support;

use std::{
    path::Path,
    process::ExitCode,
    sync::Arc,
    time::{Duration, Instant},
};
use support::{Server, charter_command};
use tokio::task::JoinSet;

const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/postgres";

struct Settings {
    duration: Duration,
    /// `/healthz` and group-committed consent alternate this many times, each for an equal
    /// share of `duration`.
    rounds: u32,
    connections: usize,
    sqlite: bool,
    postgres: bool,
    /// Server on core 0, this process on core 1.
    pin: bool,
}

impl Settings {
    /// `cargo bench` adds `--bench`; anything else unknown is a mistake worth naming.
    fn from_args() -> Result<Self, String> {
        let mut settings = Settings {
            duration: Duration::from_secs(10),
            rounds: 5,
            connections: 64,
            sqlite: true,
            postgres: true,
            pin: false,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let mut number = |name: &str| -> Result<u64, String> {
                args.next()
                    .and_then(|value| value.parse().ok())
                    .filter(|&value| value > 0)
                    .ok_or_else(|| format!("{name} needs a positive whole number"))
            };
            match arg.as_str() {
                "--bench" => {}
                "--seconds" => settings.duration = Duration::from_secs(number("--seconds")?),
                "--rounds" => settings.rounds = number("--rounds")? as u32,
                "--connections" => settings.connections = number("--connections")? as usize,
                "--pin" => settings.pin = true,
                "--only" => match args.next().as_deref() {
                    Some("sqlite") => settings.postgres = false,
                    Some("postgres") => settings.sqlite = false,
                    _ => return Err("--only needs sqlite or postgres".to_owned()),
                },
                other => return Err(format!("unknown argument {other}")),
            }
        }
        Ok(settings)
    }
}

/// A database the benchmark owns for one server's lifetime.
enum Database {
    Sqlite {
        dir: tempfile::TempDir,
    },
    Postgres {
        admin_url: String,
        name: String,
        url: String,
    },
}

impl Database {
    fn sqlite() -> Self {
        Database::Sqlite {
            dir: tempfile::tempdir().expect("temporary directory"),
        }
    }

    async fn postgres(admin_url: &str) -> Self {
        let name = format!(
            "charter_load_{}",
            uuid::Uuid::new_v4()
                .simple()
                .to_string()
                .get(..12)
                .unwrap_or("x")
        );
        let mut admin = sqlx::PgConnection::connect(admin_url)
            .await
            .expect("connect to PostgreSQL");
        sqlx::Executor::execute(&mut admin, format!(r#"CREATE DATABASE "{name}""#).as_str())
            .await
            .expect("create the benchmark database");
        let mut url = url::Url::parse(admin_url).expect("PostgreSQL URL");
        url.set_path(&name);
        Database::Postgres {
            admin_url: admin_url.to_owned(),
            name,
            url: url.to_string(),
        }
    }

    fn url(&self) -> String {
        match self {
            Database::Sqlite { dir } => {
                format!("sqlite:{}", dir.path().join("charter.db").display())
            }
            Database::Postgres { url, .. } => url.clone(),
        }
    }

    fn working_dir(&self) -> &Path {
        match self {
            Database::Sqlite { dir } => dir.path(),
            Database::Postgres { .. } => Path::new("."),
        }
    }

    async fn drop(self) {
        if let Database::Postgres {
            admin_url, name, ..
        } = self
        {
            let dropped = async {
                let mut admin = sqlx::PgConnection::connect(&admin_url).await?;
                sqlx::Executor::execute(
                    &mut admin,
                    format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#).as_str(),
                )
                .await
            }
            .await;
            if let Err(error) = dropped {
                eprintln!("could not drop the benchmark database {name}: {error}");
            }
        }
    }
}

/// Starts the server on a fresh `database`, committing at most `batch_limit` events at once.
fn start(database: &Database, batch_limit: Option<usize>, pin: bool) -> Server {
    let charter = env!("CARGO_BIN_EXE_charter");
    let mut command = if pin {
        // taskset executes charter in its place: the pid stays the server's.
        charter_command("taskset", ["-c", "0", charter, "serve"])
    } else {
        charter_command(charter, ["serve"])
    };
    command
        .current_dir(database.working_dir())
        .env("DATABASE_URL", database.url())
        // 64 connections from loopback are one network: measure the writer, not the limit.
        .env("CHARTER_PUBLIC_WRITES_PER_MINUTE", "1000000")
        // CHARTER_LOG=info,app::consent=debug shows every batch the writer commits.
        .env(
            "CHARTER_LOG",
            std::env::var("CHARTER_LOG").unwrap_or_else(|_| "info,sqlx=warn".to_owned()),
        );
    if let Some(limit) = batch_limit {
        command.env("CHARTER_CONSENT_BATCH_LIMIT", limit.to_string());
    }
    Server::start(command)
}

/// The largest resident set the process has had (`VmHWM`), in MiB.
fn peak_rss_mib(server: &Server) -> f64 {
    let status =
        std::fs::read_to_string(format!("/proc/{}/status", server.child.id())).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

/// What one run of requests got back.
#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    successes: u64,
    failures: Vec<String>,
    elapsed: Duration,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        self.elapsed += other.elapsed;
        self.latencies.extend(other.latencies);
        self.successes += other.successes;
        self.failures.extend(other.failures);
    }

    fn rate(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile_ms(&mut self, fraction: f64) -> f64 {
        self.latencies.sort_unstable();
        let index = ((self.latencies.len() as f64 * fraction) as usize)
            .min(self.latencies.len().saturating_sub(1));
        self.latencies
            .get(index)
            .map_or(f64::NAN, |latency| latency.as_secs_f64() * 1000.0)
    }
}

/// Which request a run sends.
#[derive(Clone)]
enum Load {
    Health,
    Consent {
        configuration_version: String,
        optional_categories: Vec<String>,
        run: String,
        /// The registered site's page the request comes from, as the embed sends it; `None`
        /// for Charter's own.
        site: Option<&'static str>,
    },
}

/// The site the cross-origin load comes from, registered before it runs.
const SITE: &str = "https://www.example.com";

impl Load {
    fn request(
        &self,
        client: &reqwest::Client,
        base: &str,
        round: u32,
        worker: usize,
        n: u64,
    ) -> reqwest::RequestBuilder {
        match self {
            Load::Health => client.get(format!("{base}/healthz")),
            Load::Consent {
                configuration_version,
                optional_categories,
                run,
                site,
            } => {
                let mut body = serde_json::json!({
                    "configuration_version": configuration_version,
                    "idempotency_key": format!("{run}-{round}-{worker}-{n}"),
                });
                // Every third visitor customises, ticking every other category.
                match n % 3 {
                    0 => body["method"] = "accept_all".into(),
                    1 => body["method"] = "reject_all".into(),
                    _ => {
                        body["method"] = "custom".into();
                        body["choices"] = optional_categories
                            .iter()
                            .enumerate()
                            .map(|(i, key)| (key.clone(), serde_json::Value::from(i % 2 == 0)))
                            .collect::<serde_json::Map<_, _>>()
                            .into();
                    }
                }
                let request = client
                    .post(format!("{base}/api/consent"))
                    .header("user-agent", "charter-consent-load/1");
                match site {
                    Some(site) => {
                        body["page"] = "/pricing".into();
                        request
                            .header("origin", *site)
                            .header("sec-fetch-site", "cross-site")
                    }
                    None => request,
                }
                .json(&body)
            }
        }
    }

    /// `connections` workers, each sending one request after another until `duration` is up.
    /// A request in flight at the deadline is awaited and counted, so every answer is known.
    /// `round` keeps the idempotency keys of every round apart.
    async fn drive(&self, base: &str, round: u32, connections: usize, duration: Duration) -> Tally {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(connections)
            .build()
            .expect("HTTP client");
        let started = Instant::now();
        let deadline = started + duration;
        let mut workers = JoinSet::new();
        for worker in 0..connections {
            let (load, client, base) = (self.clone(), client.clone(), Arc::<str>::from(base));
            workers.spawn(async move {
                let mut tally = Tally::default();
                let mut n = 0;
                while Instant::now() < deadline {
                    let sent = Instant::now();
                    let answer = load.request(&client, &base, round, worker, n).send().await;
                    n += 1;
                    match answer {
                        Ok(response) => {
                            let status = response.status();
                            let body = response.text().await.unwrap_or_default();
                            tally.latencies.push(sent.elapsed());
                            if status.is_success() {
                                tally.successes += 1;
                            } else {
                                tally.failures.push(format!("{status}: {body}"));
                            }
                        }
                        Err(error) => tally.failures.push(error.to_string()),
                    }
                }
                tally
            });
        }
        let mut total = Tally::default();
        while let Some(tally) = workers.join_next().await {
            total.merge(tally.expect("worker"));
        }
        total.elapsed = started.elapsed();
        total
    }
}

/// One line of the report.
struct Row {
    label: String,
    rate: f64,
    p50: f64,
    p99: f64,
    successes: u64,
    stored: Option<i64>,
    rss: f64,
}

fn print_rows(backend: &str, rows: &[Row]) {
    println!(
        "\n{backend:<10} {:<34} {:>9} {:>8} {:>8} {:>8} {:>8} {:>9}",
        "run", "req/s", "p50 ms", "p99 ms", "2xx", "stored", "peak RSS"
    );
    for row in rows {
        let stored = row.stored.map_or("-".to_owned(), |n| n.to_string());
        println!(
            "{:<10} {:<34} {:>9.0} {:>8.2} {:>8.2} {:>8} {:>8} {:>6.1} MiB",
            "", row.label, row.rate, row.p50, row.p99, row.successes, stored, row.rss
        );
    }
}

/// Drives `loads` in turn, `settings.rounds` times each for an equal share of the duration, so
/// drift of the machine during a run (this 2-core machine's `/healthz` rate moved by a third
/// within minutes) weighs on every load alike. Returns one tally per load.
async fn drive_interleaved<const N: usize>(
    loads: [&Load; N],
    server: &Server,
    settings: &Settings,
) -> [Tally; N] {
    let slice = settings.duration / settings.rounds;
    let mut tallies: [Tally; N] = std::array::from_fn(|_| Tally::default());
    for round in 0..settings.rounds {
        for (load, tally) in loads.iter().zip(&mut tallies) {
            tally.merge(
                load.drive(&server.base, round, settings.connections, slice)
                    .await,
            );
        }
    }
    tallies
}

/// The report of what `load` got and, for consent, checks the log against what was
/// acknowledged (`acknowledged`: the 2xx answers of every consent load on this database).
async fn report(
    label: &str,
    load: &Load,
    acknowledged: u64,
    mut tally: Tally,
    server: &Server,
    db: &Db,
    problems: &mut Vec<String>,
) -> Row {
    if let Some(first) = tally.failures.first() {
        problems.push(format!(
            "{label}: {} requests failed, the first with {first}",
            tally.failures.len()
        ));
    }
    let stored = match load {
        Load::Health => None,
        Load::Consent { .. } => {
            let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM consent_events")
                .fetch_one(db.reader())
                .await
                .expect("count the stored events");
            if u64::try_from(stored).ok() != Some(acknowledged) {
                problems.push(format!(
                    "{label}: {acknowledged} answers were 2xx but {stored} events are stored"
                ));
            }
            match verify_chain(db).await.expect("verify the chain") {
                ChainReport::Intact { .. } => {}
                broken => problems.push(format!("{label}: the chain is broken: {broken:?}")),
            }
            let logged: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM log_leaves WHERE kind = 'consent-event'")
                    .fetch_one(db.reader())
                    .await
                    .expect("count the leaves");
            if logged != stored {
                problems.push(format!(
                    "{label}: {stored} events are stored but {logged} are in the evidence log"
                ));
            }
            Some(stored)
        }
    };
    Row {
        label: label.to_owned(),
        rate: tally.rate(),
        p50: tally.percentile_ms(0.50),
        p99: tally.percentile_ms(0.99),
        successes: tally.successes,
        stored,
        rss: peak_rss_mib(server),
    }
}

async fn consent_load(db: &Db, run: &str, site: Option<&'static str>) -> Load {
    let configuration = active(db)
        .await
        .expect("read the inventory")
        .expect("an inventory in force");
    Load::Consent {
        configuration_version: configuration.version,
        optional_categories: configuration
            .inventory
            .optional()
            .map(|category| category.key.to_string())
            .collect(),
        run: run.to_owned(),
        site,
    }
}

async fn open(database: &Database) -> Db {
    let url: DatabaseUrl = database.url().parse().expect("database URL");
    Db::connect(&url).await.expect("open the database")
}

/// Healthz, group-committed consent and the same from a registered site on one server; one
/// commit per event on another. Returns the `/healthz`, group-commit, cross-origin and
/// commit-per-event rows.
async fn bench_backend(
    make_database: impl AsyncFn() -> Database,
    settings: &Settings,
    problems: &mut Vec<String>,
) -> [Row; 4] {
    let database = make_database().await;
    let server = start(&database, None, settings.pin);
    let db = open(&database).await;
    sqlx::query(
        "INSERT INTO consent_sites (origin, model, created_at, created_by)
         VALUES ($1, 'opt-in', 0, 'benchmark')",
    )
    .bind(SITE)
    .execute(db.writer())
    .await
    .expect("register the site");
    let consent = consent_load(&db, "group", None).await;
    let embedded = consent_load(&db, "embed", Some(SITE)).await;
    let [health_tally, consent_tally, embedded_tally] =
        drive_interleaved([&Load::Health, &consent, &embedded], &server, settings).await;
    let acknowledged = consent_tally.successes + embedded_tally.successes;
    let health = report(
        "GET /healthz",
        &Load::Health,
        0,
        health_tally,
        &server,
        &db,
        problems,
    )
    .await;
    let grouped = report(
        "POST /api/consent (group commit)",
        &consent,
        acknowledged,
        consent_tally,
        &server,
        &db,
        problems,
    )
    .await;
    let cross_origin = report(
        "  the same from a registered site",
        &embedded,
        acknowledged,
        embedded_tally,
        &server,
        &db,
        problems,
    )
    .await;
    db.close().await;
    server.stop();
    database.drop().await;

    let database = make_database().await;
    let server = start(&database, Some(1), settings.pin);
    let db = open(&database).await;
    let consent = consent_load(&db, "single", None).await;
    let tally = consent
        .drive(&server.base, 0, settings.connections, settings.duration)
        .await;
    let single = report(
        "POST /api/consent (commit per event)",
        &consent,
        tally.successes,
        tally,
        &server,
        &db,
        problems,
    )
    .await;
    db.close().await;
    server.stop();
    database.drop().await;
    [health, grouped, cross_origin, single]
}

/// The embedded banner's target: its consent rate at least 90% of the same-origin one.
fn cross_origin_target(backend: &str, grouped: &Row, cross_origin: &Row) -> String {
    let share = cross_origin.rate / grouped.rate;
    format!(
        "{backend}: consent from a registered site at {:.1}% of the same-origin rate (target at least 90%): {}",
        share * 100.0,
        verdict(share >= 0.9)
    )
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "MISSED" }
}

async fn postgres_admin_url() -> Option<String> {
    let url = std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_POSTGRES.to_owned());
    match sqlx::PgConnection::connect(&url).await {
        Ok(connection) => {
            let _ = connection.close().await;
            Some(url)
        }
        Err(error) => {
            eprintln!("PostgreSQL skipped: cannot connect to {url}: {error}");
            None
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let settings = match Settings::from_args() {
        Ok(settings) => settings,
        Err(problem) => {
            eprintln!("error: {problem}");
            return ExitCode::from(2);
        }
    };
    println!(
        "consent load: {} connections, {} s per load in {} alternating rounds, binary {}",
        settings.connections,
        settings.duration.as_secs(),
        settings.rounds,
        env!("CARGO_BIN_EXE_charter")
    );
    if settings.pin {
        // Every thread of this process, the runtime's workers included, to the second core.
        let pinned = std::process::Command::new("taskset")
            .args(["-a", "-p", "-c", "1", &std::process::id().to_string()])
            .stdout(std::process::Stdio::null())
            .status();
        if !pinned.is_ok_and(|status| status.success()) {
            eprintln!("error: --pin needs taskset and two cores");
            return ExitCode::from(2);
        }
        println!("pinned: the server to core 0, the load generator to core 1");
    }
    let mut problems = Vec::new();
    let mut targets = Vec::new();

    if settings.sqlite {
        let sqlite = bench_backend(async || Database::sqlite(), &settings, &mut problems).await;
        print_rows("SQLite", &sqlite);
        let [health, grouped, cross_origin, single] = &sqlite;
        targets.push(cross_origin_target("SQLite", grouped, cross_origin));
        let share = grouped.rate / health.rate;
        targets.push(format!(
            "SQLite: consent at {:.1}% of the /healthz rate (target at least 18% with --pin): {}",
            share * 100.0,
            verdict(share >= 0.18)
        ));
        targets.push(format!(
            "SQLite: consent p99 {:.2} ms (target under 25 ms): {}",
            grouped.p99,
            verdict(grouped.p99 < 25.0)
        ));
        targets.push(format!(
            "SQLite: group commit {:.1}x the commit-per-event rate",
            grouped.rate / single.rate
        ));
    }

    let postgres = if settings.postgres {
        postgres_admin_url().await
    } else {
        None
    };
    if let Some(admin_url) = postgres {
        let postgres = bench_backend(
            async || Database::postgres(&admin_url).await,
            &settings,
            &mut problems,
        )
        .await;
        print_rows("PostgreSQL", &postgres);
        let [health, grouped, cross_origin, single] = &postgres;
        targets.push(cross_origin_target("PostgreSQL", grouped, cross_origin));
        let speedup = grouped.rate / single.rate;
        targets.push(format!(
            "PostgreSQL: consent at {:.1}% of the /healthz rate, p99 {:.2} ms",
            grouped.rate / health.rate * 100.0,
            grouped.p99
        ));
        targets.push(format!(
            "PostgreSQL: group commit {speedup:.1}x the commit-per-event rate (target at least 2x): {}",
            verdict(speedup >= 2.0)
        ));
    }

    println!();
    for target in &targets {
        println!("{target}");
    }
    if problems.is_empty() {
        println!("evidence: every acknowledged event is stored and every chain verifies");
        ExitCode::SUCCESS
    } else {
        for problem in &problems {
            eprintln!("error: {problem}");
        }
        ExitCode::FAILURE
    }
}
