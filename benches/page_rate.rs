//! Page-rate benchmark: how many public pages per second the optimised `charter` binary serves,
//! against `GET /healthz` in the same run.
//!
//! The server runs on core 0 and wrk on core 1 (`taskset`), over loopback with keep-alive
//! connections, on SQLite with the demo content and an 8,000-word Privacy Policy published on
//! top of it. Each page is measured twice: as visitors ask for it (from the page cache) and
//! with a new query string on every request, which no page reads but which makes each request
//! a page the cache has not seen, so every one is rendered (and compressed). Both with and
//! without `Accept-Encoding: br, gzip`.
//!
//! ```sh
//! sudo apt-get install wrk   # once
//! cargo bench --bench page_rate -- [--seconds 5] [--connections 64]
//! ```

use app::{
    clock::Timestamp,
    db::{DatabaseUrl, Db},
    i18n::Locale,
    markdown::ImageHosts,
    revisions::{
        RevisionClass,
        ssr::{NewRevision, publish},
    },
};
mod support;

use std::{
    path::Path,
    process::{Command, ExitCode},
    time::Duration,
};
use support::{Server, charter_command};

struct Settings {
    seconds: u64,
    connections: u64,
}

impl Settings {
    fn from_args() -> Result<Self, String> {
        let mut settings = Settings {
            seconds: 5,
            connections: 64,
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
                "--seconds" => settings.seconds = number("--seconds")?,
                "--connections" => settings.connections = number("--connections")?,
                other => return Err(format!("unknown argument {other}")),
            }
        }
        Ok(settings)
    }
}

/// A Privacy Policy of about `words` words, in sections of paragraphs and lists.
fn long_policy(words: usize) -> String {
    const VOCABULARY: &[&str] = &[
        "we",
        "process",
        "personal",
        "data",
        "about",
        "your",
        "account",
        "and",
        "the",
        "service",
        "for",
        "security",
        "billing",
        "support",
        "purposes",
        "under",
        "article",
        "six",
        "of",
        "regulation",
        "retain",
        "logs",
        "thirty",
        "days",
        "after",
        "which",
        "they",
        "are",
        "deleted",
        "processors",
        "act",
        "on",
        "our",
        "instructions",
        "you",
        "may",
        "request",
        "access",
        "correction",
        "erasure",
        "or",
        "portability",
        "by",
        "writing",
        "to",
        "us",
        "transfers",
        "outside",
        "area",
        "rely",
        "standard",
        "contractual",
        "clauses",
        "with",
    ];
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |bound: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % bound as u64) as usize
    };
    let mut sentence = |length: usize| {
        let mut words: Vec<&str> = (0..length)
            .map(|_| VOCABULARY[next(VOCABULARY.len())])
            .collect();
        let first = words[0].to_owned();
        let mut text = first[..1].to_uppercase() + &first[1..];
        for word in words.drain(1..) {
            text.push(' ');
            text.push_str(word);
        }
        text + "."
    };
    let mut text = String::from("# Privacy Policy\n\n");
    let mut count = 0;
    let mut section = 0;
    while count < words {
        section += 1;
        text.push_str(&format!(
            "## {section}. {}\n\n",
            sentence(4).trim_end_matches('.')
        ));
        for paragraph in 0..5 {
            if paragraph == 3 {
                for _ in 0..4 {
                    text.push_str(&format!("- {}\n", sentence(10)));
                }
                count += 40;
            } else {
                let body: Vec<String> = (0..4).map(|_| sentence(15)).collect();
                text.push_str(&body.join(" "));
                count += 60;
            }
            text.push_str("\n\n");
        }
    }
    text
}

/// Starts the server on core 0 with the demo content, on the SQLite file at `database_url`.
fn start(database_url: &str, dir: &Path) -> Server {
    let mut command = charter_command(
        "taskset",
        ["-c", "0", env!("CARGO_BIN_EXE_charter"), "serve"],
    );
    command
        .current_dir(dir)
        .env("DATABASE_URL", database_url)
        .env("CHARTER_DEMO", "1")
        .env("CHARTER_ORGANISATION", "Quillstone AI Ltd")
        .env("CHARTER_LOG", "warn,charter=info");
    Server::start(command)
}

/// What one wrk run measured.
struct Measured {
    rate: f64,
    p50_ms: f64,
    p99_ms: f64,
}

/// A latency as wrk prints it (`812.00us`, `1.23ms`, `2.01s`), in milliseconds.
fn millis(text: &str) -> Option<f64> {
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    Some(match unit {
        "us" => number / 1000.0,
        "ms" => number,
        "s" => number * 1000.0,
        "m" => number * 60_000.0,
        _ => return None,
    })
}

/// Lets the server finish what the previous run left, then asks for `url` once, so a run
/// measures the page as it is kept rather than 64 connections rendering it at once.
fn settle(url: &str, headers: &[&str]) -> Result<(), String> {
    std::thread::sleep(Duration::from_secs(1));
    let mut command = Command::new("curl");
    command.args(["-s", "-o", "/dev/null", "--fail"]);
    for header in headers {
        command.args(["-H", header]);
    }
    let status = command
        .arg(url)
        .status()
        .map_err(|error| format!("curl did not start: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{url} did not answer 200"))
    }
}

/// A wrk script that sends every request to its own address, `?uncached=N`.
const UNCACHED: &str = r#"counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, wrk.path .. "?uncached=" .. counter)
end
"#;

fn wrk(
    settings: &Settings,
    url: &str,
    headers: &[&str],
    script: Option<&Path>,
) -> Result<Measured, String> {
    let mut command = Command::new("taskset");
    command.args(["-c", "1", "wrk", "-t1", "--latency"]);
    if let Some(script) = script {
        command.arg("-s").arg(script);
    }
    command
        .arg(format!("-c{}", settings.connections))
        .arg(format!("-d{}s", settings.seconds));
    for header in headers {
        command.args(["-H", header]);
    }
    let output = command
        .arg(url)
        .output()
        .map_err(|error| format!("wrk did not start ({error}); install it: apt-get install wrk"))?;
    let report = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() || report.contains("Non-2xx") {
        return Err(format!("wrk on {url} failed or saw errors:\n{report}"));
    }
    let field = |prefix: &str| {
        report
            .lines()
            .find_map(|line| line.trim().strip_prefix(prefix))
            .map(str::trim)
    };
    Ok(Measured {
        rate: field("Requests/sec:")
            .and_then(|rate| rate.parse().ok())
            .ok_or_else(|| format!("no rate in wrk's report:\n{report}"))?,
        p50_ms: field("50%").and_then(millis).unwrap_or(f64::NAN),
        p99_ms: field("99%").and_then(millis).unwrap_or(f64::NAN),
    })
}

async fn prepare(database_url: &str) -> Result<(), String> {
    let url: DatabaseUrl = database_url.parse().map_err(|error| format!("{error}"))?;
    let db = Db::connect(&url)
        .await
        .map_err(|error| format!("{error}"))?;
    let now = Timestamp::now();
    let source = long_policy(8_000);
    publish(
        &db,
        &NewRevision {
            slug: &"privacy".parse().map_err(|error| format!("{error:?}"))?,
            locale: Locale::En,
            source: &source,
            class: RevisionClass::Editorial,
            summary: "The benchmark's 8,000-word policy.",
            author: "page_rate",
            published_at: now,
            effective_at: now,
            notice_days: 30,
            images: ImageHosts::site_only(),
        },
    )
    .await
    .map_err(|error| format!("publish: {error}"))?;
    db.close().await;
    Ok(())
}

fn main() -> ExitCode {
    let settings = match Settings::from_args() {
        Ok(settings) => settings,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    let dir = tempfile::tempdir().expect("temporary directory");
    let database_url = format!("sqlite:{}", dir.path().join("charter.db").display());
    let server = start(&database_url, dir.path());
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let uncached = dir.path().join("uncached.lua");
    let result = runtime.block_on(prepare(&database_url)).and_then(|()| {
        std::fs::write(&uncached, UNCACHED).map_err(|error| error.to_string())?;
        // Longer than the page cache keeps a page: what is measured is served as it
        // stands now, not left from before the publication.
        std::thread::sleep(Duration::from_secs(5));
        measure(&settings, &server.base, &uncached)
    });
    server.stop();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn measure(settings: &Settings, base: &str, uncached: &Path) -> Result<(), String> {
    let pages = [
        "/",
        "/policies/privacy",
        "/policies/privacy/history",
        "/policies/privacy/v/4",
        "/policies/privacy/diff/3..4",
        "/policies/cookies",
        "/subscribe",
    ];
    for (encoding, headers) in [
        ("no Accept-Encoding", vec![]),
        (
            "Accept-Encoding: br, gzip",
            vec!["Accept-Encoding: br, gzip"],
        ),
    ] {
        let health = wrk(settings, &format!("{base}/healthz"), &headers, None)?;
        println!(
            "\n{encoding}: /healthz {:.0} req/s (p50 {:.2} ms, p99 {:.2} ms)",
            health.rate, health.p50_ms, health.p99_ms
        );
        println!(
            "{:<30} {:>10} {:>8} {:>8} {:>8}   {:>10} {:>8} {:>8}",
            "page", "cached/s", "% health", "p50 ms", "p99 ms", "rendered/s", "% health", "p99 ms"
        );
        // Every page from the cache first, then every page rendered: a rendered run leaves
        // renders of its last requests running, and the cache full of its addresses.
        let mut cached = Vec::new();
        for page in pages {
            let url = format!("{base}{page}");
            settle(&url, &headers)?;
            cached.push(wrk(settings, &url, &headers, None)?);
        }
        for (page, cached) in pages.iter().zip(cached) {
            let rendered = wrk(settings, &format!("{base}{page}"), &headers, Some(uncached))?;
            println!(
                "{:<30} {:>10.0} {:>7.1}% {:>8.2} {:>8.2}   {:>10.0} {:>7.1}% {:>8.2}",
                page,
                cached.rate,
                100.0 * cached.rate / health.rate,
                cached.p50_ms,
                cached.p99_ms,
                rendered.rate,
                100.0 * rendered.rate / health.rate,
                rendered.p99_ms,
            );
        }
    }
    Ok(())
}
