//! Public subscriptions with double opt-in, against the SMTP server on loopback: the
//! confirmation goes through the notice outbox and is the only message an unconfirmed address
//! gets; a confirmed subscriber's notices carry RFC 8058's one-click unsubscribe, which works;
//! every link's token is good for its one purpose and is not in the database; an address
//! already subscribed gets the answer a new one gets; a network that asks too often is refused
//! with 429; bad input, expired and unknown links change nothing; a mail server that is down
//! delays the confirmation without losing it; links mailed before tokens were hashed still work.

use crate::{
    helpers::{
        Backend, Options, TestApp, TestDatabase, both_backends, document_with, spawn_app_with,
        start,
    },
    notices::{addressed_to, delivering_app, publish_material, wait_until_settled},
    smtp::{Received, SmtpServer, closed_port},
};
use app::{
    db::{Backend as DbBackend, Db},
    notices::subscriptions::ssr::REQUESTS_PER_NETWORK_PER_HOUR,
};
use reqwest::{StatusCode, header};
use std::time::Duration;

const PATIENCE: Duration = Duration::from_secs(30);

both_backends!(
    a_visitor_subscribes_confirms_is_notified_and_unsubscribes_in_one_click,
    each_link_does_one_thing_and_no_token_is_stored,
    an_address_already_subscribed_gets_the_answer_a_new_one_gets,
    a_network_asking_too_often_is_refused_and_nothing_is_mailed,
    bad_requests_expired_and_unknown_links_change_nothing,
    a_mail_server_that_is_down_delays_the_confirmation_without_losing_it,
    links_mailed_before_tokens_were_hashed_still_work,
);

async fn subscribe_answer(
    app: &TestApp,
    email: &str,
    scope: &str,
    locale: &str,
) -> reqwest::Response {
    app.client
        .post(app.url("/subscribe"))
        .form(&[("email", email), ("scope", scope), ("locale", locale)])
        .send()
        .await
        .expect("request")
}

async fn subscribe(app: &TestApp, email: &str, scope: &str, locale: &str) -> String {
    let response = subscribe_answer(app, email, scope, locale).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    response.headers()[header::LOCATION]
        .to_str()
        .expect("ascii")
        .to_owned()
}

/// The token after `marker` in the plain text of `message`.
fn token_after(message: &Received, marker: &str) -> String {
    let plain = message.part("text/plain").expect("a plain-text part");
    let (_, rest) = plain.split_once(marker).expect("a link");
    rest.chars().take(32).collect()
}

/// The token in the confirmation link of `message`.
fn confirmation_token(message: &Received) -> String {
    token_after(message, "/subscribe/confirm/")
}

async fn post_form(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .form(fields)
        .send()
        .await
        .expect("request")
}

/// Confirmation messages queued in the outbox, whatever their state.
async fn confirmations_queued(db: &Db) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM notice_outbox WHERE campaign_id IS NULL")
        .fetch_one(db.reader())
        .await
        .expect("count")
}

/// State and attempts of every confirmation in the outbox, once none is waiting or being sent.
async fn settled_confirmations(db: &Db) -> Vec<(String, i64)> {
    let started = std::time::Instant::now();
    loop {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT state, attempts FROM notice_outbox WHERE campaign_id IS NULL ORDER BY id",
        )
        .fetch_all(db.reader())
        .await
        .expect("outbox");
        let settled = rows
            .iter()
            .all(|(state, _)| state == "sent" || state == "failed");
        if settled || started.elapsed() > PATIENCE {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every text value of every subscription, token and outbox row, as one string.
async fn stored_text(db: &Db) -> String {
    let mut text = String::new();
    for sql in [
        "SELECT email || ' ' || scope || ' ' || locale FROM notice_subscriptions",
        "SELECT hash || ' ' || purpose FROM notice_subscription_tokens",
        "SELECT state || ' ' || COALESCE(last_error, '') FROM notice_outbox",
    ] {
        let rows: Vec<String> = sqlx::query_scalar(sql)
            .fetch_all(db.reader())
            .await
            .expect("read");
        text.push_str(&rows.join("\n"));
        text.push('\n');
    }
    text
}

/// A confirmed subscriber to every document, and the confirmation message that made them one.
async fn confirmed(app: &TestApp, smtp: &SmtpServer, email: &str) -> Received {
    let before = smtp.received().len();
    assert_eq!(
        subscribe(app, email, "*", "en").await,
        "/subscribe?notice=sent"
    );
    let received = smtp.wait_for(before + 1, PATIENCE);
    let confirmation = received.last().expect("a confirmation").clone();
    let token = confirmation_token(&confirmation);
    let response = post_form(app, "/subscribe/confirm", &[("token", &token)]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    confirmation
}

async fn a_visitor_subscribes_confirms_is_notified_and_unsubscribes_in_one_click(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = delivering_app(backend, &smtp, 60).await;
    document_with(&app, "notice", &["# Data Notice\n\nVersion one.\n"]).await;

    let back = subscribe(&app, " Sub@Example.com ", "*", "de").await;
    assert_eq!(back, "/subscribe?notice=sent");
    let (_, page) = app.page(&back).await;
    assert!(page.contains("we sent a link to confirm"), "{page}");
    let received = smtp.wait_for(1, PATIENCE);
    assert_eq!(received.len(), 1, "one confirmation");
    let confirmation = &received[0];
    assert_eq!(confirmation.to, ["sub@example.com"]);
    let plain = confirmation.part("text/plain").expect("text");
    assert!(
        plain.contains("alle unsere Richtlinien"),
        "German, as asked: {plain}"
    );
    let sent = settled_confirmations(&app.db).await;
    assert_eq!(
        sent,
        [("sent".to_owned(), 1)],
        "the worker sent it from the outbox"
    );
    let token = confirmation_token(confirmation);

    // Unconfirmed, the address gets nothing else.
    publish_material(&app.db, "notice", "Logs are kept for 30 days.").await;
    assert!(wait_until_settled(&app.db).await.is_empty());

    let page_path = format!("/subscribe/confirm/{token}");
    let (status, page) = app.page(&page_path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Confirm that sub@example.com"), "{page}");
    let response = post_form(&app, "/subscribe/confirm", &[("token", &token)]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[header::LOCATION], page_path.as_str());
    let (_, page) = app.page(&page_path).await;
    assert!(page.contains("Subscribed: sub@example.com"), "{page}");

    publish_material(&app.db, "notice", "Logs are kept for 60 days.").await;
    let rows = wait_until_settled(&app.db).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].1, "sent");
    let received = smtp.received();
    let notices = addressed_to(&received, "sub@example.com");
    assert_eq!(notices.len(), 2, "the confirmation and one notice");
    let notice = notices[1];
    let unsubscribe_token = token_after(notice, "/unsubscribe/");
    assert_ne!(unsubscribe_token, token, "a link of its own");
    let unsubscribe = app.url(&format!("/unsubscribe/{unsubscribe_token}"));
    assert_eq!(
        notice.header("List-Unsubscribe"),
        Some(format!("<{unsubscribe}>"))
    );
    assert_eq!(
        notice.header("List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    let plain = notice.part("text/plain").expect("text");
    assert!(plain.starts_with("Hallo,"), "{plain}");
    assert!(plain.contains(&unsubscribe), "{plain}");

    // The mail program's one-click POST, as RFC 8058 describes it (from a webmail page on
    // another site, say).
    let response = app
        .client
        .post(&unsubscribe)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ORIGIN, "https://webmail.example")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    let (_, page) = app.page(&format!("/unsubscribe/{unsubscribe_token}")).await;
    assert!(
        page.contains("sub@example.com will no longer be told about changes"),
        "{page}"
    );
    publish_material(&app.db, "notice", "Logs are kept for 90 days.").await;
    wait_until_settled(&app.db).await;
    assert_eq!(
        addressed_to(&smtp.received(), "sub@example.com").len(),
        2,
        "nothing after unsubscribing"
    );
}

async fn each_link_does_one_thing_and_no_token_is_stored(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = delivering_app(backend, &smtp, 60).await;
    document_with(&app, "notice", &["# Data Notice\n\nVersion one.\n"]).await;
    let confirmation = confirmed(&app, &smtp, "one@example.com").await;
    let confirm_token = confirmation_token(&confirmation);
    publish_material(&app.db, "notice", "Logs are kept for 60 days.").await;
    wait_until_settled(&app.db).await;
    let received = smtp.received();
    let notice = addressed_to(&received, "one@example.com")[1].clone();
    let unsubscribe_token = token_after(&notice, "/unsubscribe/");

    let message_id = confirmation.header("Message-ID").expect("a Message-ID");
    assert!(
        !message_id.contains(&confirm_token),
        "the Message-ID carries no token: {message_id}"
    );
    let stored = stored_text(&app.db).await;
    for token in [&confirm_token, &unsubscribe_token] {
        assert!(
            !stored.contains(token.as_str()),
            "{token} is not stored: {stored}"
        );
    }

    // The confirmation link cannot unsubscribe.
    let response = post_form(
        &app,
        &format!("/unsubscribe/{confirm_token}"),
        &[("List-Unsubscribe", "One-Click")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let (status, _) = app.page(&format!("/unsubscribe/{confirm_token}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let ended: Option<i64> = sqlx::query_scalar(
        "SELECT unsubscribed_at FROM notice_subscriptions WHERE email = 'one@example.com'",
    )
    .fetch_one(app.db.reader())
    .await
    .expect("the subscription");
    assert_eq!(ended, None, "still subscribed");

    // An unsubscribe link cannot confirm: a fresh request, then its unsubscribe token.
    let response = post_form(&app, &format!("/unsubscribe/{unsubscribe_token}"), &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    subscribe(&app, "one@example.com", "*", "en").await;
    smtp.wait_for(3, PATIENCE);
    let response = post_form(
        &app,
        "/subscribe/confirm",
        &[("token", unsubscribe_token.as_str())],
    )
    .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let (status, _) = app
        .page(&format!("/subscribe/confirm/{unsubscribe_token}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let confirmed_at: Option<i64> = sqlx::query_scalar(
        "SELECT confirmed_at FROM notice_subscriptions WHERE email = 'one@example.com'",
    )
    .fetch_one(app.db.reader())
    .await
    .expect("the subscription");
    assert_eq!(confirmed_at, None, "pending again, not confirmed");
}

async fn an_address_already_subscribed_gets_the_answer_a_new_one_gets(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = delivering_app(backend, &smtp, 60).await;
    confirmed(&app, &smtp, "known@example.com").await;
    let queued = confirmations_queued(&app.db).await;

    let known = subscribe_answer(&app, "known@example.com", "*", "en").await;
    let new = subscribe_answer(&app, "new@example.com", "*", "en").await;
    assert_eq!(known.status(), new.status());
    assert_eq!(
        known.headers()[header::LOCATION],
        new.headers()[header::LOCATION]
    );
    assert_eq!(
        known.text().await.expect("body"),
        new.text().await.expect("body")
    );
    assert_eq!(
        confirmations_queued(&app.db).await,
        queued + 1,
        "only the new address is mailed"
    );
    let received = smtp.wait_for(2, PATIENCE);
    assert_eq!(addressed_to(&received, "known@example.com").len(), 1);
    assert_eq!(addressed_to(&received, "new@example.com").len(), 1);
}

async fn a_network_asking_too_often_is_refused_and_nothing_is_mailed(backend: Backend) {
    let app = spawn_app_with(backend, Options::default()).await;
    let limit = usize::try_from(REQUESTS_PER_NETWORK_PER_HOUR).expect("small");
    for n in 0..limit {
        assert_eq!(
            subscribe(&app, &format!("person{n}@example.com"), "*", "en").await,
            "/subscribe?notice=sent"
        );
    }
    assert_eq!(confirmations_queued(&app.db).await, limit as i64);

    let response = subscribe_answer(&app, "one-too-many@example.com", "*", "en").await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: i64 = response.headers()[header::RETRY_AFTER]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=3600).contains(&retry_after), "{retry_after}");
    let text = response.text().await.expect("body");
    assert!(text.contains("Too many subscription requests"), "{text}");
    assert_eq!(
        confirmations_queued(&app.db).await,
        limit as i64,
        "nothing queued"
    );
    let unknown: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM notice_subscriptions WHERE email = 'one-too-many@example.com'",
    )
    .fetch_one(app.db.reader())
    .await
    .expect("count");
    assert_eq!(unknown, 0, "nothing recorded");
    // An address that asked before is refused alike: the limit counts requests, not addresses.
    let response = subscribe_answer(&app, "person0@example.com", "*", "en").await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
}

async fn bad_requests_expired_and_unknown_links_change_nothing(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = delivering_app(backend, &smtp, 60).await;
    document_with(&app, "notice", &["# Data Notice\n\nVersion one.\n"]).await;

    assert_eq!(
        subscribe(&app, "not-an-address", "*", "en").await,
        "/subscribe?notice=bad-email"
    );
    assert_eq!(
        subscribe(&app, "a@example.com", "Not A Slug", "en").await,
        "/subscribe?notice=bad-scope"
    );
    assert_eq!(
        subscribe(&app, "a@example.com", "no-such-document", "en").await,
        "/subscribe?notice=bad-scope"
    );
    let (_, page) = app.page("/subscribe?notice=bad-email").await;
    assert!(page.contains("That is not an email address"), "{page}");
    let response = app
        .client
        .post(app.url("/subscribe"))
        .header(header::ORIGIN, "https://elsewhere.example")
        .form(&[("email", "victim@example.com"), ("scope", "*")])
        .send()
        .await
        .expect("request");
    assert_eq!(
        response.status(),
        StatusCode::FORBIDDEN,
        "another site's page cannot subscribe a visitor's address"
    );

    // Asking twice at once mails one confirmation; the address is only mailed what it asked.
    subscribe(&app, "b@example.com", "notice", "en").await;
    subscribe(&app, "b@example.com", "notice", "en").await;
    let received = smtp.wait_for(1, PATIENCE);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(received.len(), 1, "{received:?}");
    assert_eq!(smtp.received().len(), 1);
    let plain = received[0].part("text/plain").expect("text");
    assert!(plain.contains("“Data Notice”"), "{plain}");
    let token = confirmation_token(&received[0]);

    // Once the link has run out it confirms nothing.
    for table in ["notice_subscriptions", "notice_subscription_tokens"] {
        let column = if table == "notice_subscriptions" {
            "requested_at"
        } else {
            "created_at"
        };
        sqlx::query(&format!("UPDATE {table} SET {column} = {column} - $1"))
            .bind(49 * 3_600_000_i64)
            .execute(app.db.writer())
            .await
            .expect("age the request");
    }
    let (_, page) = app.page(&format!("/subscribe/confirm/{token}")).await;
    assert!(
        page.contains("This confirmation link has expired"),
        "{page}"
    );
    post_form(&app, "/subscribe/confirm", &[("token", &token)]).await;
    let confirmed: Option<i64> = sqlx::query_scalar(
        "SELECT confirmed_at FROM notice_subscriptions WHERE email = 'b@example.com'",
    )
    .fetch_one(app.db.reader())
    .await
    .expect("the subscription");
    assert_eq!(confirmed, None);

    let unknown = "0123456789abcdef0123456789abcdef";
    let (status, _) = app.page(&format!("/subscribe/confirm/{unknown}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for (path, fields) in [
        ("/subscribe/confirm", vec![("token", unknown)]),
        ("/subscribe/confirm", vec![("token", "../../etc/passwd")]),
        (
            "/unsubscribe/0123456789abcdef0123456789abcdef",
            vec![("List-Unsubscribe", "One-Click")],
        ),
        ("/unsubscribe/not-a-token", vec![]),
    ] {
        let response = post_form(&app, path, &fields).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        let text = response.text().await.expect("body");
        assert!(text.contains("opens no subscription"), "{path}: {text}");
    }
}

async fn a_mail_server_that_is_down_delays_the_confirmation_without_losing_it(backend: Backend) {
    let closed = closed_port();
    let app = spawn_app_with(
        backend,
        Options {
            settings: vec![
                ("notice_worker", "true".to_owned()),
                ("smtp_url", format!("smtp://127.0.0.1:{closed}")),
                ("smtp_rate", "1000".to_owned()),
                ("smtp_retry", "1".to_owned()),
            ],
            ..Options::default()
        },
    )
    .await;
    assert_eq!(
        subscribe(&app, "c@example.com", "*", "en").await,
        "/subscribe?notice=sent",
        "the visitor does not wait for the mail server"
    );
    let started = std::time::Instant::now();
    loop {
        let deferred: Option<String> = sqlx::query_scalar(
            "SELECT last_error FROM notice_outbox WHERE campaign_id IS NULL AND state = 'queued'",
        )
        .fetch_optional(app.db.reader())
        .await
        .expect("outbox")
        .flatten();
        if deferred.is_some() || started.elapsed() > PATIENCE {
            assert!(deferred.is_some(), "the failed attempt is kept for a retry");
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let smtp = SmtpServer::start_on(closed);
    let received = smtp.wait_for(1, PATIENCE);
    assert_eq!(received.len(), 1, "delivered once the server is back");
    assert_eq!(received[0].to, ["c@example.com"]);
    let token = confirmation_token(&received[0]);
    let (status, page) = app.page(&format!("/subscribe/confirm/{token}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Confirm that c@example.com"), "{page}");
}

/// A database migrated as it was before tokens were hashed, with an active and a pending
/// subscription whose plain tokens were mailed; then the application starts on it.
async fn links_mailed_before_tokens_were_hashed_still_work(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let db = Db::connect(&database.url.parse().expect("a database URL"))
        .await
        .expect("connect");
    let directory = match db.backend() {
        DbBackend::Sqlite => "migrations/sqlite",
        DbBackend::Postgres => "migrations/postgres",
    };
    let mut before = sqlx::migrate::Migrator::new(std::path::Path::new(directory))
        .await
        .expect("migrations");
    before.migrations = before
        .migrations
        .iter()
        .filter(|migration| migration.version < 12)
        .cloned()
        .collect::<Vec<_>>()
        .into();
    before.run(db.writer()).await.expect("migrated to 0011");
    let now = app::clock::Timestamp::now().as_millis();
    let (active, pending) = (
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
    );
    for (email, token, confirmed_at) in [
        ("old@example.com", active, Some(now)),
        ("waiting@example.com", pending, None),
    ] {
        sqlx::query(
            "INSERT INTO notice_subscriptions
                 (email, scope, locale, token, requested_at, confirmation_sent_at, confirmed_at)
             VALUES ($1, '*', 'en', $2, $3, $3, $4)",
        )
        .bind(email)
        .bind(token)
        .bind(now)
        .bind(confirmed_at)
        .execute(db.writer())
        .await
        .expect("an old subscription");
    }
    db.writer().close().await;
    db.reader().close().await;

    let app = start(database, Options::default()).await;
    let stored = stored_text(&app.db).await;
    let legacy: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notice_subscription_legacy_tokens")
        .fetch_one(app.db.reader())
        .await
        .expect("count");
    assert_eq!(legacy, 0, "no plain token is left");
    assert!(
        !stored.contains(active) && !stored.contains(pending),
        "{stored}"
    );

    let (status, page) = app.page(&format!("/subscribe/confirm/{pending}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Confirm that waiting@example.com"), "{page}");
    let (status, _) = app.page(&format!("/unsubscribe/{pending}")).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a confirmation link only confirms"
    );
    let response = post_form(
        &app,
        &format!("/unsubscribe/{active}"),
        &[("List-Unsubscribe", "One-Click")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let ended: Option<i64> = sqlx::query_scalar(
        "SELECT unsubscribed_at FROM notice_subscriptions WHERE email = 'old@example.com'",
    )
    .fetch_one(app.db.reader())
    .await
    .expect("the subscription");
    assert!(ended.is_some(), "the old unsubscribe link worked");
}
