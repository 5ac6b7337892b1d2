//! Delivery of change notices through a real SMTP server on loopback (`smtp.rs`): one message per
//! recipient in their language with the right headers and links; a deferred message delivered
//! once after retries; a refused one marked failed with the server's reply; a process killed
//! mid-batch and restarted leaving no recipient with two different messages; two processes on
//! PostgreSQL sharing 2,000 notices with every recipient receiving exactly one.

use crate::{
    admin::audit_actions,
    editor::{location, signed_in},
    helpers::{
        Backend, Options, TestApp, TestDatabase, both_backends, document_with, run, spawn_app_with,
    },
    smtp::{Received, SmtpServer, closed_port},
};
use app::{
    admin::Role,
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
use std::{
    collections::{BTreeMap, BTreeSet},
    process::{Child, Command, Stdio},
    time::Duration,
};

const PATIENCE: Duration = Duration::from_secs(60);

fn recipient(email: &str, name: &str, locale: Locale) -> NewRecipient {
    NewRecipient {
        email: email.parse().expect("email"),
        name: name.to_owned(),
        locale,
    }
}

/// Publishes the next revision of the English document `slug` as a material change.
pub(crate) async fn publish_material(db: &Db, slug: &str, summary: &str) {
    let slug: Slug = slug.parse().expect("slug");
    let now = Timestamp::now();
    publish(
        db,
        &NewRevision {
            slug: &slug,
            locale: Locale::En,
            source: &format!("# Data Notice\n\n{summary}\n"),
            class: RevisionClass::Material,
            summary,
            author: "Publisher",
            published_at: now,
            effective_at: now.plus_days(30),
            notice_days: 30,
            images: app::markdown::ImageHosts::site_only(),
        },
    )
    .await
    .expect("a material revision publishes");
}

/// A document, the account holders `recipients`, and a material revision that queues their
/// notices.
async fn material_change_for(app: &TestApp, recipients: &[NewRecipient]) {
    document_with(app, "notice", &["# Data Notice\n\nVersion one.\n"]).await;
    import_recipients(
        &app.db,
        recipients,
        &Actor::local("test", "recipients import"),
    )
    .await
    .expect("imported");
    publish_material(&app.db, "notice", "Logs are kept for 30 days.").await;
}

pub(crate) async fn delivering_app(
    backend: Backend,
    smtp: &SmtpServer,
    retry_secs: u64,
) -> TestApp {
    spawn_app_with(
        backend,
        Options {
            settings: vec![
                ("notice_worker", "true".to_owned()),
                ("smtp_url", smtp.url()),
                ("smtp_rate", "1000".to_owned()),
                ("smtp_retry", retry_secs.to_string()),
            ],
            ..Options::default()
        },
    )
    .await
}

/// Every change notice in the outbox (not subscription confirmations), by campaign: address,
/// state, attempts and last error.
async fn outbox(db: &Db) -> Vec<(String, String, i64, Option<String>)> {
    sqlx::query_as(
        "SELECT COALESCE(r.email, s.email), o.state, o.attempts, o.last_error
         FROM notice_outbox o
         LEFT JOIN notice_recipients r ON r.id = o.recipient_id
         LEFT JOIN notice_subscriptions s ON s.id = o.subscription_id
         WHERE o.campaign_id IS NOT NULL
         ORDER BY o.campaign_id, COALESCE(r.email, s.email)",
    )
    .fetch_all(db.reader())
    .await
    .expect("outbox")
}

/// Address, state and attempts of each outbox row.
fn states_of(rows: &[(String, String, i64, Option<String>)]) -> Vec<(&str, &str, i64)> {
    rows.iter()
        .map(|(email, state, attempts, _)| (email.as_str(), state.as_str(), *attempts))
        .collect()
}

pub(crate) async fn wait_until_settled(db: &Db) -> Vec<(String, String, i64, Option<String>)> {
    let started = std::time::Instant::now();
    loop {
        let rows = outbox(db).await;
        let settled = rows
            .iter()
            .all(|(_, state, _, _)| state == "sent" || state == "failed");
        if settled || started.elapsed() > PATIENCE {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub(crate) fn addressed_to<'a>(received: &'a [Received], email: &str) -> Vec<&'a Received> {
    received
        .iter()
        .filter(|message| message.to.iter().any(|to| to == email))
        .collect()
}

both_backends!(
    a_material_change_reaches_every_recipient_once_in_their_language,
    a_deferred_notice_is_retried_until_delivered_and_a_refused_one_fails,
    publishers_see_who_was_notified_and_queue_failed_messages_again,
    a_mail_server_that_is_down_delays_notices_without_losing_them,
    a_slow_mail_server_is_waited_for_and_gets_each_notice_once,
);

async fn a_material_change_reaches_every_recipient_once_in_their_language(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = delivering_app(backend, &smtp, 60).await;
    material_change_for(
        &app,
        &[
            recipient("ada@example.com", "Ada", Locale::En),
            recipient("grace@example.com", "Grace", Locale::De),
            recipient("lin@example.com", "", Locale::En),
        ],
    )
    .await;

    let rows = wait_until_settled(&app.db).await;
    let states = states_of(&rows);
    assert_eq!(
        states,
        [
            ("ada@example.com", "sent", 1),
            ("grace@example.com", "sent", 1),
            ("lin@example.com", "sent", 1)
        ]
    );
    let received = smtp.received();
    assert_eq!(received.len(), 3, "one message per recipient");

    let (campaign, ada_id): (i64, i64) = sqlx::query_as(
        "SELECT o.campaign_id, o.recipient_id FROM notice_outbox o
         JOIN notice_recipients r ON r.id = o.recipient_id WHERE r.email = 'ada@example.com'",
    )
    .fetch_one(app.db.reader())
    .await
    .expect("ada's row");
    let ada = addressed_to(&received, "ada@example.com")[0];
    assert_eq!(
        ada.header("Message-ID"),
        Some(format!("<notice.{campaign}.r{ada_id}@127.0.0.1>"))
    );
    assert_eq!(ada.header("To").as_deref(), Some("Ada <ada@example.com>"));
    let from = ada.header("From").expect("a sender");
    assert!(from.contains("Test Organisation"), "{from}");
    let subject = ada.header("Subject").expect("a subject");
    assert!(subject.contains("Data Notice"), "{subject}");
    let plain = ada.part("text/plain").expect("a plain-text part");
    assert!(plain.starts_with("Hello Ada,"), "{plain}");
    assert!(plain.contains("Logs are kept for 30 days."), "{plain}");
    let html = ada.part("text/html").expect("an HTML part");
    assert!(html.contains("<html lang=\"en\">"), "{html}");

    let base = app.url("");
    for link in [
        "/policies/notice/diff/1..2?lang=en",
        "/policies/notice/v/2?lang=en",
    ] {
        assert!(
            plain.contains(&format!("{base}{link}")),
            "{link} in {plain}"
        );
        assert!(
            html.contains(&format!("href=\"{base}{link}\"")),
            "{link} in {html}"
        );
        let (status, _) = app.page(link).await;
        assert_eq!(status, reqwest::StatusCode::OK, "{link} works");
    }

    let grace = addressed_to(&received, "grace@example.com")[0];
    let plain = grace.part("text/plain").expect("a plain-text part");
    assert!(plain.starts_with("Hallo Grace,"), "{plain}");
    assert!(plain.contains("noch nicht auf Deutsch"), "{plain}");
    assert!(plain.contains("/policies/notice/v/2?lang=en"), "{plain}");
    let lin = addressed_to(&received, "lin@example.com")[0];
    assert_eq!(lin.header("To").as_deref(), Some("lin@example.com"));
    assert!(lin.part("text/plain").expect("text").starts_with("Hello,"));
}

async fn a_deferred_notice_is_retried_until_delivered_and_a_refused_one_fails(backend: Backend) {
    let smtp = SmtpServer::with_policy(|recipient, earlier| match recipient {
        "ada@example.com" if earlier < 2 => {
            Some((451, "4.3.0 mailbox busy, try again later".to_owned()))
        }
        "grace@example.com" => Some((550, "5.1.1 no such user here".to_owned())),
        _ => None,
    });
    let app = delivering_app(backend, &smtp, 1).await;
    material_change_for(
        &app,
        &[
            recipient("ada@example.com", "Ada", Locale::En),
            recipient("grace@example.com", "Grace", Locale::En),
        ],
    )
    .await;

    let rows = wait_until_settled(&app.db).await;
    let (_, state, attempts, error) = &rows[0];
    assert_eq!(
        (state.as_str(), *attempts, error),
        ("sent", 3, &None),
        "delivered on the third attempt"
    );
    let (_, state, attempts, error) = &rows[1];
    assert_eq!((state.as_str(), *attempts), ("failed", 1));
    let error = error.as_deref().unwrap_or_default();
    assert!(error.contains("550"), "{error}");
    assert!(error.contains("no such user here"), "{error}");
    let received = smtp.received();
    assert_eq!(addressed_to(&received, "ada@example.com").len(), 1);
    assert!(addressed_to(&received, "grace@example.com").is_empty());
}

async fn publishers_see_who_was_notified_and_queue_failed_messages_again(backend: Backend) {
    // Grace's mailbox is refused until the mail server's operator fixes it (the first try).
    let smtp = SmtpServer::with_policy(|recipient, earlier| {
        (recipient == "grace@example.com" && earlier == 0)
            .then(|| (550, "5.2.1 mailbox disabled".to_owned()))
    });
    let app = delivering_app(backend, &smtp, 60).await;
    material_change_for(
        &app,
        &[
            recipient("ada@example.com", "Ada", Locale::En),
            recipient("grace@example.com", "Grace", Locale::En),
        ],
    )
    .await;
    wait_until_settled(&app.db).await;
    let campaign: i64 = sqlx::query_scalar("SELECT id FROM notice_campaigns")
        .fetch_one(app.db.reader())
        .await
        .expect("the campaign");

    let editor = signed_in(&app, "eve@example.com", Role::Editor).await;
    let (status, _) = editor.get(&app, "/admin/notices").await;
    assert_eq!(status, reqwest::StatusCode::FORBIDDEN);
    let publisher = signed_in(&app, "pat@example.com", Role::Publisher).await;
    let (status, list) = publisher.get(&app, "/admin/notices").await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert!(list.contains("Data Notice (en, 2)"), "{list}");
    assert!(
        list.contains(&format!("href=\"/admin/notices/{campaign}\"")),
        "{list}"
    );

    let page = format!("/admin/notices/{campaign}");
    let (status, detail) = publisher.get(&app, &page).await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert!(detail.contains("ada@example.com"), "{detail}");
    assert!(detail.contains("5.2.1 mailbox disabled"), "{detail}");
    assert!(
        detail.contains("Queue the 1 failed messages again"),
        "{detail}"
    );
    let (status, failed_only) = publisher.get(&app, &format!("{page}?state=failed")).await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert!(failed_only.contains("grace@example.com"), "{failed_only}");
    assert!(!failed_only.contains("ada@example.com"), "{failed_only}");
    let (status, refused) = publisher.get(&app, &format!("{page}?state=lost")).await;
    assert_eq!(status, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.contains("unknown delivery state `lost`"),
        "{refused}"
    );
    let (status, _) = publisher.get(&app, "/admin/notices/999999").await;
    assert_eq!(status, reqwest::StatusCode::NOT_FOUND);

    let response = publisher
        .post(
            &app,
            "/admin/notices/retry",
            &[("campaign", &campaign.to_string())],
        )
        .await;
    assert_eq!(response.status(), reqwest::StatusCode::SEE_OTHER);
    assert_eq!(
        location(&response),
        format!("{page}?notice=retried&count=1")
    );
    let rows = wait_until_settled(&app.db).await;
    let states = states_of(&rows);
    assert_eq!(
        states,
        [
            ("ada@example.com", "sent", 1),
            ("grace@example.com", "sent", 2)
        ]
    );
    assert_eq!(addressed_to(&smtp.received(), "grace@example.com").len(), 1);
    assert!(
        audit_actions(&app)
            .await
            .contains(&"notices_retried".to_owned())
    );
    let (_, after) = publisher
        .get(&app, &format!("{page}?notice=retried&count=1"))
        .await;
    assert!(
        after.contains("1 failed messages are queued again."),
        "{after}"
    );
    assert!(
        !after.contains("Queue the"),
        "nothing left to retry: {after}"
    );

    let response = publisher
        .post(&app, "/admin/notices/retry", &[("campaign", "999999")])
        .await;
    assert_eq!(response.status(), reqwest::StatusCode::NOT_FOUND);
}

async fn a_mail_server_that_is_down_delays_notices_without_losing_them(backend: Backend) {
    let port = closed_port();
    let app = spawn_app_with(
        backend,
        Options {
            settings: vec![
                ("notice_worker", "true".to_owned()),
                ("smtp_url", format!("smtp://127.0.0.1:{port}")),
                ("smtp_rate", "1000".to_owned()),
                ("smtp_retry", "1".to_owned()),
            ],
            ..Options::default()
        },
    )
    .await;
    material_change_for(&app, &[recipient("ada@example.com", "Ada", Locale::En)]).await;

    // Nothing listens: the notice is deferred, with the reason, and stays queued.
    let started = std::time::Instant::now();
    let deferred = loop {
        let rows = outbox(&app.db).await;
        if rows[0].3.is_some() || started.elapsed() > PATIENCE {
            break rows;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let (_, state, attempts, error) = &deferred[0];
    assert_eq!(state, "queued");
    assert!(*attempts >= 1);
    let error = error.as_deref().unwrap_or_default();
    assert!(error.to_lowercase().contains("connection"), "{error}");

    // The server comes back: the next retry delivers it, once.
    let smtp = SmtpServer::start_on(port);
    let rows = wait_until_settled(&app.db).await;
    assert_eq!(rows[0].1, "sent", "{rows:?}");
    assert_eq!(rows[0].3, None, "the old error is cleared once sent");
    assert_eq!(addressed_to(&smtp.received(), "ada@example.com").len(), 1);
}

async fn a_slow_mail_server_is_waited_for_and_gets_each_notice_once(backend: Backend) {
    // Two seconds to accept the first message: slow, but within the send timeout (a third
    // of the 9 s lease), so the worker waits rather than giving up and sending it again.
    let smtp = SmtpServer::with_policy(|_, earlier| {
        if earlier == 0 {
            std::thread::sleep(Duration::from_secs(2));
        }
        None
    });
    let app = spawn_app_with(
        backend,
        Options {
            settings: vec![
                ("notice_worker", "true".to_owned()),
                ("smtp_url", smtp.url()),
                ("smtp_rate", "1000".to_owned()),
                ("notice_lease", "9".to_owned()),
            ],
            ..Options::default()
        },
    )
    .await;
    material_change_for(&app, &[recipient("ada@example.com", "Ada", Locale::En)]).await;
    let rows = wait_until_settled(&app.db).await;
    let (_, state, attempts, error) = &rows[0];
    assert_eq!((state.as_str(), *attempts, error), ("sent", 1, &None));
    assert_eq!(addressed_to(&smtp.received(), "ada@example.com").len(), 1);
}

/// A database prepared as a deployment would have it: a document, `count` recipients and a
/// material revision whose notices are queued.
fn prepared_database(backend: Backend, count: usize) -> TestDatabase {
    run(async move {
        let database = TestDatabase::create(backend).await;
        let url: DatabaseUrl = database.url.parse().expect("database URL");
        let db = Db::connect(&url).await.expect("connect");
        db.migrate().await.expect("migrate");
        let slug: Slug = "notice".parse().expect("slug");
        create(
            &db,
            &NewDocument {
                slug: slug.clone(),
                kind: DocumentKind::Privacy,
                titles: &[(Locale::En, "Data Notice")],
            },
            0,
        )
        .await
        .expect("document");
        let now = Timestamp::now();
        publish(
            &db,
            &NewRevision {
                slug: &slug,
                locale: Locale::En,
                source: "# Data Notice\n\nVersion one.\n",
                class: RevisionClass::Editorial,
                summary: "",
                author: "Editor",
                published_at: now,
                effective_at: now,
                notice_days: 30,
                images: app::markdown::ImageHosts::site_only(),
            },
        )
        .await
        .expect("first revision");
        let recipients: Vec<_> = (0..count)
            .map(|n| recipient(&format!("holder{n}@example.com"), "", Locale::En))
            .collect();
        import_recipients(&db, &recipients, &Actor::local("test", "recipients import"))
            .await
            .expect("imported");
        publish_material(&db, "notice", "Logs are kept for 30 days.").await;
        db.close().await;
        database
    })
}

/// The server binary against `database`, delivering to `smtp`.
fn delivering_process(
    database: &TestDatabase,
    smtp: &SmtpServer,
    settings: &[(&str, &str)],
) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_charter"));
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("DATABASE_URL", &database.url)
        .env("CHARTER_ADDR", "127.0.0.1:0")
        .env("CHARTER_SMTP_URL", smtp.url())
        .env("CHARTER_OUTBOX_DIR", database.outbox_dir())
        .env("CHARTER_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (variable, value) in settings {
        command.env(variable, value);
    }
    command.spawn().expect("start charter")
}

/// Message-IDs per recipient.
fn message_ids(received: &[Received]) -> BTreeMap<String, BTreeSet<String>> {
    let mut ids: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for message in received {
        for to in &message.to {
            ids.entry(to.clone())
                .or_default()
                .insert(message.header("Message-ID").unwrap_or_default());
        }
    }
    ids
}

fn states(database: &TestDatabase) -> BTreeMap<String, i64> {
    let url = database.url.clone();
    run(async move {
        let db = Db::connect(&url.parse().expect("url"))
            .await
            .expect("connect");
        let counts: Vec<(String, i64)> =
            sqlx::query_as("SELECT state, COUNT(*) FROM notice_outbox GROUP BY state")
                .fetch_all(db.reader())
                .await
                .expect("states");
        db.close().await;
        counts.into_iter().collect()
    })
}

fn killed_mid_batch_and_restarted_delivers_everything_once(backend: Backend) {
    const RECIPIENTS: usize = 100;
    let database = prepared_database(backend, RECIPIENTS);
    let smtp = SmtpServer::start();
    // 40 a second: the kill lands while a batch is being sent.
    let settings = [("CHARTER_SMTP_RATE", "40"), ("CHARTER_NOTICE_LEASE", "3")];
    let mut first = delivering_process(&database, &smtp, &settings);
    let before_kill = smtp.wait_for(20, PATIENCE).len();
    first.kill().expect("SIGKILL");
    first.wait().expect("reaped");
    assert!(
        (20..RECIPIENTS).contains(&before_kill),
        "killed mid-way: {before_kill} delivered"
    );

    let mut second = delivering_process(&database, &smtp, &settings);
    let started = std::time::Instant::now();
    let ids = loop {
        let ids = message_ids(&smtp.received());
        if ids.len() == RECIPIENTS || started.elapsed() > PATIENCE {
            break ids;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let settled = loop {
        let states = states(&database);
        if states.get("sent") == Some(&(RECIPIENTS as i64)) || started.elapsed() > PATIENCE {
            break states;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    second.kill().expect("stop");
    second.wait().expect("reaped");
    assert_eq!(ids.len(), RECIPIENTS, "every recipient got the notice");
    for (recipient, ids) in &ids {
        assert_eq!(
            ids.len(),
            1,
            "{recipient} received different messages: {ids:?}"
        );
    }
    assert_eq!(
        settled,
        BTreeMap::from([("sent".to_owned(), RECIPIENTS as i64)])
    );
}

#[test]
fn a_process_killed_mid_batch_is_taken_over_after_its_lease_sqlite() {
    killed_mid_batch_and_restarted_delivers_everything_once(Backend::Sqlite);
}

#[test]
fn a_process_killed_mid_batch_is_taken_over_after_its_lease_postgres() {
    if let Some(backend) = Backend::postgres() {
        killed_mid_batch_and_restarted_delivers_everything_once(backend);
    }
}

#[test]
fn two_processes_on_postgres_deliver_2000_notices_exactly_once() {
    const RECIPIENTS: usize = 2_000;
    let Some(backend) = Backend::postgres() else {
        return;
    };
    let database = prepared_database(backend, RECIPIENTS);
    let smtp = SmtpServer::start();
    // Each process signs as itself, so the messages show that both took part.
    let mut workers: Vec<Child> = ["One <one@example.com>", "Two <two@example.com>"]
        .into_iter()
        .map(|from| {
            delivering_process(
                &database,
                &smtp,
                &[("CHARTER_SMTP_RATE", "2000"), ("CHARTER_SMTP_FROM", from)],
            )
        })
        .collect();
    let received = smtp.wait_for(RECIPIENTS, PATIENCE * 2);
    let started = std::time::Instant::now();
    let settled = loop {
        let states = states(&database);
        if states.get("sent") == Some(&(RECIPIENTS as i64)) || started.elapsed() > PATIENCE {
            break states;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    for worker in &mut workers {
        worker.kill().expect("stop");
        worker.wait().expect("reaped");
    }
    let received_late = smtp.received();
    assert_eq!(received_late.len(), RECIPIENTS, "no message twice");
    let per_recipient = message_ids(&received);
    assert_eq!(per_recipient.len(), RECIPIENTS);
    let senders: BTreeSet<String> = received
        .iter()
        .map(|message| message.from.clone())
        .collect();
    assert_eq!(
        senders,
        BTreeSet::from(["one@example.com".to_owned(), "two@example.com".to_owned()]),
        "both processes delivered"
    );
    assert_eq!(
        settled,
        BTreeMap::from([("sent".to_owned(), RECIPIENTS as i64)])
    );
}
