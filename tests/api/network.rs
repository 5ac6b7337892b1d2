//! Where requests come from and how much a network may write: the client address behind a
//! trusted proxy, and the rate limit of public writes.

use crate::helpers::{Backend, Options, TestApp, both_backends, spawn_app_with};
use reqwest::{StatusCode, header};
use serde_json::json;

both_backends!(
    public_writes_past_a_networks_budget_get_429_and_store_nothing,
    gpc_page_views_past_the_budget_record_nothing,
    behind_a_trusted_proxy_the_client_is_the_forwarded_address,
    forwarding_headers_from_untrusted_peers_are_ignored,
);

async fn app_with(backend: Backend, settings: &[(&'static str, &str)]) -> TestApp {
    spawn_app_with(
        backend,
        Options {
            settings: settings
                .iter()
                .map(|(key, value)| (*key, (*value).to_owned()))
                .collect(),
            ..Options::default()
        },
    )
    .await
}

async fn events(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM consent_events")
        .fetch_one(app.db.reader())
        .await
        .expect("count")
}

async fn ip_prefixes(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT ip_prefix FROM consent_events ORDER BY id")
        .fetch_all(app.db.reader())
        .await
        .expect("prefixes")
}

/// Posts a fresh `reject_all` to the consent API, with `forwarded_for` as `X-Forwarded-For`.
async fn choose(
    app: &TestApp,
    version: &str,
    key: &str,
    forwarded_for: Option<&str>,
) -> reqwest::Response {
    let mut request = app.client.post(app.url("/api/consent")).json(&json!({
        "method": "reject_all",
        "configuration_version": version,
        "idempotency_key": key,
    }));
    if let Some(client) = forwarded_for {
        request = request.header("x-forwarded-for", client);
    }
    request.send().await.expect("request")
}

async fn public_writes_past_a_networks_budget_get_429_and_store_nothing(backend: Backend) {
    let app = app_with(backend, &[("public_writes_per_minute", "3")]).await;
    let version = app.configuration_version().await;
    for i in 0..3 {
        let response = choose(&app, &version, &format!("budget-key-{i:04}"), None).await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    let refused = choose(&app, &version, "budget-key-0003", None).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = refused.headers()[header::RETRY_AFTER]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert!(
        refused
            .headers()
            .get(header::X_CONTENT_TYPE_OPTIONS)
            .is_some()
    );
    let body: serde_json::Value = refused.json().await.expect("json");
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.contains("try again in")),
        "{body}"
    );
    // The plain form and sign-in share the network's budget; reading pages does not.
    let form = app
        .client
        .post(app.url("/cookies/consent"))
        .form(&[
            ("method", "accept_all"),
            ("configuration_version", version.as_str()),
            ("idempotency_key", "budget-form-0001"),
        ])
        .send()
        .await
        .expect("form");
    assert_eq!(form.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(form.headers().contains_key(header::RETRY_AFTER));
    let sign_in = app
        .client
        .post(app.url("/admin/sign-in"))
        .form(&[("email", "who@example.com"), ("password", "guess")])
        .send()
        .await
        .expect("sign-in");
    assert_eq!(sign_in.status(), StatusCode::TOO_MANY_REQUESTS);
    let failures: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sign_in_failures")
        .fetch_one(app.db.reader())
        .await
        .expect("count");
    assert_eq!(failures, 0, "a refused sign-in is not even checked");
    assert_eq!(app.page("/").await.0, StatusCode::OK);
    assert_eq!(events(&app).await, 3);
}

async fn gpc_page_views_past_the_budget_record_nothing(backend: Backend) {
    let app = app_with(backend, &[("public_writes_per_minute", "2")]).await;
    for _ in 0..5 {
        // No cookie kept: each view is a new visitor sending the signal.
        let response = app
            .client
            .get(app.url("/"))
            .header("sec-gpc", "1")
            .send()
            .await
            .expect("page");
        assert_eq!(response.status(), StatusCode::OK);
    }
    assert_eq!(events(&app).await, 2);
    // A visitor who sends no signal spends nothing: pages cost no write.
    for _ in 0..3 {
        assert_eq!(app.page("/").await.0, StatusCode::OK);
    }
    assert_eq!(events(&app).await, 2);
}

async fn behind_a_trusted_proxy_the_client_is_the_forwarded_address(backend: Backend) {
    let app = app_with(
        backend,
        &[
            ("trusted_proxies", "127.0.0.1, 10.0.0.0/8"),
            ("public_writes_per_minute", "2"),
        ],
    )
    .await;
    let version = app.configuration_version().await;
    // A forged first entry is ignored: the balancers' own entries are read from the right.
    let response = choose(
        &app,
        &version,
        "proxied-key-0001",
        Some("6.6.6.6, 198.51.100.23, 10.1.2.3"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let response = choose(&app, &version, "proxied-key-0002", Some("203.0.113.9")).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(
        ip_prefixes(&app).await,
        ["198.51.100.0/24", "203.0.113.0/24"]
    );
    // Each network behind the balancer has its own budget: one exhausting it does not lock
    // out another.
    assert_eq!(
        choose(&app, &version, "proxied-key-0003", Some("203.0.113.10"))
            .await
            .status(),
        StatusCode::CREATED
    );
    assert_eq!(
        choose(&app, &version, "proxied-key-0004", Some("203.0.113.11"))
            .await
            .status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        choose(&app, &version, "proxied-key-0005", Some("192.0.2.1"))
            .await
            .status(),
        StatusCode::CREATED
    );
    assert_eq!(events(&app).await, 4);
}

async fn forwarding_headers_from_untrusted_peers_are_ignored(backend: Backend) {
    let app = app_with(backend, &[]).await;
    let version = app.configuration_version().await;
    let response = choose(&app, &version, "direct-key-0001", Some("198.51.100.23")).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let response = app
        .client
        .post(app.url("/api/consent"))
        .header("forwarded", "for=198.51.100.23")
        .json(&json!({
            "method": "accept_all",
            "configuration_version": version,
            "idempotency_key": "direct-key-0002",
        }))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(ip_prefixes(&app).await, ["127.0.0.0/24", "127.0.0.0/24"]);
}
