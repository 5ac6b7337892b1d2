//! Change notices on SQLite, end to end: imports N recipients (100,000 by default) into a fresh
//! database, publishes a material revision, whose transaction queues one outbox row per
//! recipient, then lets the delivery worker send every notice to an SMTP server on loopback
//! (the integration tests' server, which parses each session and keeps each message) over its
//! pooled connections at the highest rate setting. Reports the time of each step and the
//! delivery rate, and fails unless every recipient got exactly one notice.
//!
//! ```sh
//! cargo bench --bench notices -- [--recipients 100000]
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
use charter::{
    config::SmtpUrl,
    notices::{
        Letterhead, Mailer, NoticeWorker, Outgoing,
        worker::{CONNECTIONS, Delivery},
    },
};
use std::{
    collections::HashSet,
    process::ExitCode,
    time::{Duration, Instant},
};

#[allow(dead_code)]
#[path = "../tests/api/smtp.rs"]
mod smtp;

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
        images: app::markdown::ImageHosts::site_only(),
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
    import_recipients(&db, &recipients, &Actor::local("benchmark", "notices"))
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
    if rows != count as i64 || distinct != rows {
        eprintln!("every recipient must get exactly one notice");
        return ExitCode::FAILURE;
    }

    let sink = smtp::SmtpServer::start();
    let delivery = Delivery {
        rate: 10_000.0,
        lease: Duration::from_secs(300),
        first_retry: Duration::from_secs(60),
    };
    let url = SmtpUrl::try_from(sink.url()).expect("the sink's URL");
    let outgoing = Outgoing {
        mailer: Mailer::new(Some(&url), dir.path(), CONNECTIONS, delivery.send_timeout())
            .expect("SMTP transport"),
        letterhead: Letterhead {
            organisation: "Benchmark Ltd".to_owned(),
            base_url: "https://legal.example.com".to_owned(),
            from: "Benchmark Ltd <legal@example.com>"
                .parse()
                .expect("mailbox"),
        },
    };
    let started = Instant::now();
    let worker = NoticeWorker::new(db.clone(), outgoing, delivery).spawn();
    let sent = loop {
        let sent: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM notice_outbox WHERE state = 'sent'")
                .fetch_one(db.reader())
                .await
                .expect("count");
        if sent == rows || started.elapsed() > Duration::from_secs(900) {
            break sent;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let delivering = started.elapsed();
    worker.stop().await;
    let received = sink.received();
    let recipients: HashSet<&String> = received.iter().flat_map(|m| m.to.iter()).collect();
    println!(
        "  deliver to the SMTP sink ({CONNECTIONS} connections): {:>8.2} s, {:.0} messages/s",
        delivering.as_secs_f64(),
        sent as f64 / delivering.as_secs_f64()
    );
    println!(
        "  received: {} messages for {} recipients",
        received.len(),
        recipients.len()
    );
    db.close().await;
    if sent == rows && received.len() == count && recipients.len() == count {
        ExitCode::SUCCESS
    } else {
        eprintln!("every recipient must receive exactly one notice");
        ExitCode::FAILURE
    }
}
