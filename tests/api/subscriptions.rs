//! Public subscriptions with double opt-in, against the SMTP server on loopback: the
//! confirmation is the only message an unconfirmed address gets; a confirmed subscriber's
//! notices carry RFC 8058's one-click unsubscribe, which works; bad input, expired and unknown
//! links and a mail server that is down are answered clearly and change nothing.

use crate::{
    helpers::{Backend, Options, TestApp, both_backends, document_with, spawn_app_with},
    notices::{addressed_to, delivering_app, publish_material, wait_until_settled},
    smtp::{Received, SmtpServer, closed_port},
};
use reqwest::{StatusCode, header};
use std::time::Duration;

const PATIENCE: Duration = Duration::from_secs(30);

both_backends!(
    a_visitor_subscribes_confirms_is_notified_and_unsubscribes_in_one_click,
    bad_requests_expired_and_unknown_links_change_nothing,
    a_mail_server_that_is_down_is_reported_and_does_not_block_a_retry,
);

async fn subscribe(app: &TestApp, email: &str, scope: &str, locale: &str) -> String {
    let response = app
        .client
        .post(app.url("/subscribe"))
        .form(&[("email", email), ("scope", scope), ("locale", locale)])
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    response.headers()[header::LOCATION]
        .to_str()
        .expect("ascii")
        .to_owned()
}

/// The token in the confirmation link of `message`.
fn confirmation_token(message: &Received) -> String {
    let plain = message.part("text/plain").expect("a plain-text part");
    let (_, rest) = plain
        .split_once("/subscribe/confirm/")
        .expect("a confirmation link");
    rest.chars().take(32).collect()
}

async fn post_form(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .form(fields)
        .send()
        .await
        .expect("request")
}

async fn a_visitor_subscribes_confirms_is_notified_and_unsubscribes_in_one_click(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = delivering_app(backend, &smtp, 60).await;
    document_with(&app, "notice", &["# Data Notice\n\nVersion one.\n"]).await;

    let back = subscribe(&app, " Sub@Example.com ", "*", "de").await;
    assert_eq!(back, "/subscribe?sent=1");
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
    let unsubscribe = app.url(&format!("/unsubscribe/{token}"));
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
    let (_, page) = app.page(&format!("/unsubscribe/{token}")).await;
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

async fn bad_requests_expired_and_unknown_links_change_nothing(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = delivering_app(backend, &smtp, 60).await;
    document_with(&app, "notice", &["# Data Notice\n\nVersion one.\n"]).await;

    assert_eq!(
        subscribe(&app, "not-an-address", "*", "en").await,
        "/subscribe?error=email"
    );
    assert_eq!(
        subscribe(&app, "a@example.com", "Not A Slug", "en").await,
        "/subscribe?error=scope"
    );
    assert_eq!(
        subscribe(&app, "a@example.com", "no-such-document", "en").await,
        "/subscribe?error=scope"
    );
    let (_, page) = app.page("/subscribe?error=email").await;
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
    tokio::time::sleep(Duration::from_millis(300)).await;
    let received = smtp.received();
    assert_eq!(received.len(), 1, "{received:?}");
    let plain = received[0].part("text/plain").expect("text");
    assert!(plain.contains("“Data Notice”"), "{plain}");
    let token = confirmation_token(&received[0]);

    // Once the link has run out it confirms nothing.
    sqlx::query("UPDATE notice_subscriptions SET requested_at = requested_at - $1")
        .bind(49 * 3_600_000_i64)
        .execute(app.db.writer())
        .await
        .expect("age the request");
    let (_, page) = app.page(&format!("/subscribe/confirm/{token}")).await;
    assert!(
        page.contains("This confirmation link has expired"),
        "{page}"
    );
    post_form(&app, "/subscribe/confirm", &[("token", &token)]).await;
    let confirmed: Option<i64> =
        sqlx::query_scalar("SELECT confirmed_at FROM notice_subscriptions WHERE token = $1")
            .bind(&token)
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

async fn a_mail_server_that_is_down_is_reported_and_does_not_block_a_retry(backend: Backend) {
    let closed = closed_port();
    let app = spawn_app_with(
        backend,
        Options {
            settings: vec![("smtp_url", format!("smtp://127.0.0.1:{closed}"))],
            ..Options::default()
        },
    )
    .await;
    document_with(&app, "notice", &["# Data Notice\n\nVersion one.\n"]).await;
    for _ in 0..2 {
        assert_eq!(
            subscribe(&app, "c@example.com", "*", "en").await,
            "/subscribe?error=mail",
            "reported each time, never refused as too soon"
        );
    }
    let (_, page) = app.page("/subscribe?error=mail").await;
    assert!(page.contains("could not send the confirmation"), "{page}");
}
