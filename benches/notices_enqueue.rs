//! Enqueue benchmark for change notices on SQLite: imports N recipients (100,000 by default)
//! into a fresh database, then publishes a material revision, whose transaction queues one
//! outbox row per recipient. Reports the time of each, and fails unless every recipient got
//! exactly one queued notice.
//!
//! ```sh
//! cargo bench --bench notices_enqueue -- [--recipients 100000]
//! ```

use app::{
    audit::ssr::Actor,
    clock::Timestamp,
    db::{DatabaseUrl, Db},
    documents::{
        DocumentKind, Slug,
        ssr::{NewDocument, create},
    },
    i18n::Locale,
    notices::{NewRecipient, ssr::import_recipients},
    revisions::{
        RevisionClass,
        ssr::{NewRevision, publish},
    },
};
use std::{process::ExitCode, time::Instant};

fn recipients_wanted() -> Result<usize, String> {
    let mut recipients = 100_000;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            // `cargo bench` adds it.
            "--bench" => {}
            "--recipients" => {
                recipients = args
                    .next()
                    .and_then(|value| value.parse().ok())
                    .filter(|&value| value > 0)
                    .ok_or("--recipients needs a positive whole number")?;
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(recipients)
}

fn revision<'a>(slug: &'a Slug, class: RevisionClass, source: &'a str) -> NewRevision<'a> {
    let now = Timestamp::now();
    NewRevision {
        slug,
        locale: Locale::En,
        source,
        class,
        summary: "What changes, in plain words.",
        author: "Benchmark",
        published_at: now,
        effective_at: now.plus_days(30),
        notice_days: 30,
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let count = match recipients_wanted() {
        Ok(count) => count,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    let dir = tempfile::tempdir().expect("temporary directory");
    let url: DatabaseUrl = format!("sqlite:{}", dir.path().join("charter.db").display())
        .parse()
        .expect("a SQLite URL");
    let db = Db::connect(&url).await.expect("database");
    db.migrate().await.expect("migrations");
    let slug: Slug = "privacy".parse().expect("slug");
    create(
        &db,
        &NewDocument {
            slug: slug.clone(),
            kind: DocumentKind::Privacy,
            titles: &[(Locale::En, "Privacy Policy")],
        },
        Timestamp::now().as_millis(),
    )
    .await
    .expect("document");
    publish(
        &db,
        &revision(&slug, RevisionClass::Editorial, "# Privacy\n\nFirst.\n"),
    )
    .await
    .expect("first revision");

    let recipients: Vec<NewRecipient> = (0..count)
        .map(|n| NewRecipient {
            email: format!("holder-{n}@example.com").parse().expect("email"),
            name: format!("Account holder {n}"),
            locale: if n % 3 == 0 { Locale::De } else { Locale::En },
        })
        .collect();
    let started = Instant::now();
    import_recipients(
        &db,
        &recipients,
        &Actor::local("benchmark", "notices_enqueue"),
    )
    .await
    .expect("import");
    let import = started.elapsed();

    let started = Instant::now();
    publish(
        &db,
        &revision(&slug, RevisionClass::Material, "# Privacy\n\nChanged.\n"),
    )
    .await
    .expect("material revision");
    let enqueue = started.elapsed();

    let (rows, distinct): (i64, i64) =
        sqlx::query_as("SELECT COUNT(*), COUNT(DISTINCT recipient_id) FROM notice_outbox")
            .fetch_one(db.reader())
            .await
            .expect("count");
    println!("SQLite, {count} recipients");
    println!(
        "  import (charter recipients import):      {:>8.2} s",
        import.as_secs_f64()
    );
    println!(
        "  publish a material revision and queue:  {:>8.2} s (target under 10 s)",
        enqueue.as_secs_f64()
    );
    println!("  queued: {rows} messages for {distinct} recipients");
    db.close().await;
    if rows == count as i64 && distinct == rows {
        ExitCode::SUCCESS
    } else {
        eprintln!("every recipient must get exactly one notice");
        ExitCode::FAILURE
    }
}
