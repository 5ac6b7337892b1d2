//! The evidence log at scale: a log of 1,000,000 leaves, each the size of a consent event's,
//! appended a thousand per transaction, then the time of an inclusion proof and of a
//! consistency proof (1,000 of each, at random indexes and sizes, from the stored hashes as
//! `/log/proof/*` computes them), of signing a checkpoint, and of `charter log verify` over
//! the whole tree.
//!
//! ```sh
//! cargo bench --bench evidence -- [--leaves 1000000] [--postgres]
//! ```
//!
//! SQLite in a temporary directory by default; `--postgres` uses a database of its own on
//! `TEST_DATABASE_URL` (or 127.0.0.1:5432).

use app::{
    db::{DatabaseUrl, Db},
    evidence::ssr::{
        Leaf, LeafKind, LogKey, checkpoints,
        tree::{self, consistency_proof, inclusion_proof},
        verify::{LogReport, verify},
    },
};
use sqlx::Connection;
use std::{
    process::ExitCode,
    time::{Duration, Instant},
};

const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const PER_TRANSACTION: u64 = 1000;
const PROOFS: usize = 1000;

/// A leaf the size of a consent event's (about 900 bytes of JSON).
fn leaf(n: u64) -> Leaf {
    let bytes = format!(
        r#"{{"v":1,"type":"audit","id":{n},"at":{},"actor":"bench@example.com","action":"revision_published","object":"privacy/en","detail":"{}"}}"#,
        1_764_000_000_000u64 + n,
        "x".repeat(750)
    );
    Leaf {
        kind: LeafKind::Audit,
        source_id: n as i64,
        bytes,
    }
}

fn percentile(sorted: &[Duration], share: f64) -> f64 {
    let at = ((sorted.len() as f64 * share).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[at].as_secs_f64() * 1000.0
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "MISSED" }
}

#[tokio::main]
async fn main() -> ExitCode {
    let mut leaves: u64 = 1_000_000;
    let mut postgres = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--bench" => {}
            "--leaves" => match args.next().and_then(|n| n.parse().ok()) {
                Some(n) if n > 0 => leaves = n,
                _ => {
                    eprintln!("error: --leaves needs a positive number");
                    return ExitCode::from(2);
                }
            },
            "--postgres" => postgres = true,
            other => {
                eprintln!("error: unknown argument {other}");
                return ExitCode::from(2);
            }
        }
    }

    let directory = tempfile::tempdir().expect("temporary directory");
    let (url, admin) = if postgres {
        let admin =
            std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_POSTGRES.to_owned());
        let name = format!("charter_bench_{}", uuid::Uuid::new_v4().simple());
        let mut connection = sqlx::PgConnection::connect(&admin)
            .await
            .expect("PostgreSQL");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut connection)
            .await
            .expect("create database");
        let mut url = url::Url::parse(&admin).expect("URL");
        url.set_path(&name);
        (url.to_string(), Some((admin, name)))
    } else {
        (
            format!("sqlite:{}", directory.path().join("bench.db").display()),
            None,
        )
    };
    let db = Db::connect(&url.parse::<DatabaseUrl>().expect("database URL"))
        .await
        .expect("connect");
    db.migrate().await.expect("migrate");
    let key = LogKey::parse(&LogKey::generate("bench.example/log").expect("key")).expect("key");
    println!(
        "evidence log: {leaves} leaves on {}",
        if postgres { "PostgreSQL" } else { "SQLite" }
    );

    let started = Instant::now();
    let mut n = 0;
    while n < leaves {
        let batch: Vec<Leaf> = (n..(n + PER_TRANSACTION).min(leaves)).map(leaf).collect();
        let mut tx = db.begin_write().await.expect("transaction");
        tree::append(&mut tx, &batch).await.expect("append");
        tx.commit().await.expect("commit");
        n += batch.len() as u64;
    }
    let filled = started.elapsed();
    println!(
        "appended {leaves} leaves in {:.1} s ({:.0} leaves/s, {PER_TRANSACTION} per transaction)",
        filled.as_secs_f64(),
        leaves as f64 / filled.as_secs_f64()
    );

    let started = Instant::now();
    checkpoints::checkpoint_now(&db, &key)
        .await
        .expect("checkpoint");
    let signing = started.elapsed();
    println!(
        "signed a checkpoint of {leaves} leaves in {:.2} ms (off the request path)",
        signing.as_secs_f64() * 1000.0
    );

    let mut conn = db.reader().acquire().await.expect("connection");
    let mut inclusion = Vec::with_capacity(PROOFS);
    let mut consistency = Vec::with_capacity(PROOFS);
    for _ in 0..PROOFS {
        let size = fastrand::u64(1..=leaves);
        let index = fastrand::u64(0..size);
        let started = Instant::now();
        inclusion_proof(&mut conn, index, size)
            .await
            .expect("inclusion proof");
        inclusion.push(started.elapsed());
        let from = fastrand::u64(1..=size);
        let started = Instant::now();
        consistency_proof(&mut conn, from, size)
            .await
            .expect("consistency proof");
        consistency.push(started.elapsed());
    }
    drop(conn);
    inclusion.sort();
    consistency.sort();
    let (inclusion_p50, inclusion_p99) =
        (percentile(&inclusion, 0.5), percentile(&inclusion, 0.99));
    let (consistency_p50, consistency_p99) = (
        percentile(&consistency, 0.5),
        percentile(&consistency, 0.99),
    );
    println!(
        "inclusion proof: p50 {inclusion_p50:.2} ms, p99 {inclusion_p99:.2} ms ({PROOFS} at random)"
    );
    println!(
        "consistency proof: p50 {consistency_p50:.2} ms, p99 {consistency_p99:.2} ms ({PROOFS} at random)"
    );

    let started = Instant::now();
    let report = verify(&db, &key, None).await.expect("verify");
    let verified = started.elapsed();
    println!(
        "charter log verify: {:.1} s for {leaves} leaves: {report:?}",
        verified.as_secs_f64()
    );
    db.close().await;
    if let Some((admin, name)) = admin {
        let mut connection = sqlx::PgConnection::connect(&admin)
            .await
            .expect("PostgreSQL");
        let _ = sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .execute(&mut connection)
            .await;
    }

    let intact = matches!(report, LogReport::Intact { size, .. } if size == leaves);
    println!("\ntargets (at {leaves} leaves):");
    println!(
        "  inclusion proof under 5 ms (p99): {}",
        verdict(inclusion_p99 < 5.0)
    );
    println!(
        "  consistency proof under 5 ms (p99): {}",
        verdict(consistency_p99 < 5.0)
    );
    println!(
        "  charter log verify under 60 s: {}",
        verdict(verified < Duration::from_secs(60))
    );
    println!("  the log verifies: {}", verdict(intact));
    if intact {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
