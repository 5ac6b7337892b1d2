use crate::helpers::{
    Backend, TestApp, TestDatabase, both_backends, consent_cookie, readable_text, spawn_app,
    spawn_demo_app,
};
use app::{
    audit::ssr::Actor,
    clock::{DayRange, Timestamp},
    consent::{
        Action, IdempotencyKey, Method, SubjectId,
        records::EventFilter,
        ssr::{
            Banner, BatchLimit, ChainReport, ConsentLog, EventQuery, NewEvent, Place, RecordError,
            events_of, verify_chain,
        },
    },
    db::{Backend as DbBackend, Db},
    i18n::Locale,
    inventory::ssr::{DEFAULT_INVENTORY, activate, active, canonical, parse},
};
use futures_util::TryStreamExt;
use reqwest::{StatusCode, header, header::HeaderMap};
use serde_json::json;
use tokio::task::JoinSet;

both_backends!(
    the_default_inventory_is_in_force_on_first_start,
    a_new_inventory_version_is_kept_beside_the_old_ones,
    concurrent_events_form_one_intact_chain,
    a_retry_with_the_same_key_records_nothing_new,
    the_log_refuses_an_event_about_a_replaced_configuration,
    consent_evidence_cannot_be_changed_or_deleted,
    verify_reports_the_first_tampered_event,
    events_recorded_before_the_hash_index_was_dropped_are_kept,
);

fn operator() -> Actor {
    Actor::local("test", "an inventory import")
}

fn event(version: &str, key: &str, analytics: bool) -> NewEvent {
    NewEvent {
        subject: SubjectId::random().expect("random"),
        action: if analytics {
            Action::Grant
        } else {
            Action::Deny
        },
        choices: [
            ("analytics".parse().expect("key"), analytics),
            ("marketing".parse().expect("key"), false),
            ("preferences".parse().expect("key"), false),
        ]
        .into(),
        method: Method::Custom,
        configuration_version: version.to_owned(),
        banner: Banner::new("We use cookies. Accept all / Reject all / Customise".to_owned())
            .into(),
        locale: Locale::En,
        user_agent: "integration test".to_owned(),
        ip_prefix: "127.0.0.0/24".to_owned(),
        idempotency_key: key.parse::<IdempotencyKey>().expect("key"),
        subject_is_new: true,
        place: Place::new("https://www.example.com".to_owned(), "/pricing"),
        gpc: false,
        lifetime: Default::default(),
    }
}

async fn event_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM consent_events")
        .fetch_one(app.db.reader())
        .await
        .expect("count")
}

async fn the_default_inventory_is_in_force_on_first_start(backend: Backend) {
    let app = spawn_app(backend).await;
    let configuration = active(&app.db).await.expect("query").expect("in force");
    assert_eq!(configuration.version.len(), 64);
    let keys: Vec<&str> = configuration
        .inventory
        .categories()
        .iter()
        .map(|c| c.key.as_str())
        .collect();
    assert_eq!(keys, ["necessary", "preferences", "analytics", "marketing"]);
    assert!(
        configuration
            .inventory
            .category("marketing")
            .expect("marketing")
            .sale_or_sharing
    );
}

async fn a_new_inventory_version_is_kept_beside_the_old_ones(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app.configuration_version().await;
    let default = parse(DEFAULT_INVENTORY).expect("valid");
    let again = activate(&app.db, &default, &operator())
        .await
        .expect("activate");
    assert!(!again.changed, "the same inventory is the same version");
    assert_eq!(again.version, first);

    let edited = parse(&DEFAULT_INVENTORY.replace("Analytics", "Statistics")).expect("valid");
    let second = activate(&app.db, &edited, &operator())
        .await
        .expect("activate");
    assert!(second.changed);
    assert_ne!(second.version, first);
    assert_eq!(app.configuration_version().await, second.version);
    let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM consent_configurations")
        .fetch_one(app.db.reader())
        .await
        .expect("count");
    assert_eq!(kept, 2);
}

async fn concurrent_events_form_one_intact_chain(backend: Backend) {
    let app = spawn_app(backend).await;
    let version = app.configuration_version().await;
    // One event per transaction, batches split mid-burst, and the default limit.
    let limits = [1, 7, BatchLimit::default().get()];
    let mut ids = Vec::new();
    for limit in limits {
        let log = ConsentLog::start(app.db.clone(), limit.try_into().expect("limit"));
        let mut tasks = JoinSet::new();
        for i in 0..200 {
            let log = log.clone();
            let event = event(&version, &format!("concurrent-{limit}-{i:04}"), i % 2 == 0);
            tasks.spawn(async move { log.record(event).await });
        }
        while let Some(result) = tasks.join_next().await {
            let recorded = result.expect("task").expect("recorded");
            assert!(!recorded.replayed);
            assert_eq!(recorded.event.hash.len(), 64);
            ids.push(recorded.event.id);
        }
    }
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 600);
    assert_eq!(event_count(&app).await, 600);
    assert_eq!(
        verify_chain(&app.db).await.expect("verify"),
        ChainReport::Intact { events: 600 }
    );
}

async fn a_retry_with_the_same_key_records_nothing_new(backend: Backend) {
    let app = spawn_app(backend).await;
    let version = app.configuration_version().await;
    let log = ConsentLog::start(app.db.clone(), BatchLimit::default());
    let first = log
        .record(event(&version, "retry-key-0001", true))
        .await
        .expect("recorded");
    assert!(!first.replayed);
    let retry = log
        .record(event(&version, "retry-key-0001", true))
        .await
        .expect("answered");
    assert!(retry.replayed);
    assert_eq!(retry.event, first.event);
    // The same key asking for something else is not a retry.
    let other = log.record(event(&version, "retry-key-0001", false)).await;
    assert!(matches!(other, Err(RecordError::KeyReused)), "{other:?}");
    // Retries racing each other in one batch are answered alike.
    let (a, b) = tokio::join!(
        log.record(event(&version, "retry-key-0002", true)),
        log.record(event(&version, "retry-key-0002", true)),
    );
    let (a, b) = (a.expect("a"), b.expect("b"));
    assert_eq!(a.event, b.event);
    assert!(a.replayed != b.replayed);
    // In one batch too, a different request under a key already taken is refused.
    let (a, b) = tokio::join!(
        log.record(event(&version, "retry-key-0003", true)),
        log.record(event(&version, "retry-key-0003", false)),
    );
    assert!(a.is_ok() != b.is_ok(), "{a:?} {b:?}");
    assert!(
        matches!(
            a.as_ref().err().or(b.as_ref().err()),
            Some(RecordError::KeyReused)
        ),
        "{a:?} {b:?}"
    );
    assert_eq!(event_count(&app).await, 3);
}

async fn the_log_refuses_an_event_about_a_replaced_configuration(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app.configuration_version().await;
    let log = ConsentLog::start(app.db.clone(), BatchLimit::default());
    let recorded = log
        .record(event(&first, "before-change-1", true))
        .await
        .expect("recorded");
    let edited = parse(&DEFAULT_INVENTORY.replace("Analytics", "Statistics")).expect("valid");
    let second = activate(&app.db, &edited, &operator())
        .await
        .expect("activate")
        .version;

    let refused = log.record(event(&first, "after-change-1", true)).await;
    assert!(
        matches!(&refused, Err(RecordError::Outdated { current }) if *current == second),
        "{refused:?}"
    );
    let retry = log
        .record(event(&first, "before-change-1", true))
        .await
        .expect("a retry is answered");
    assert!(retry.replayed);
    assert_eq!(retry.event, recorded.event);
    log.record(event(&second, "after-change-2", true))
        .await
        .expect("recorded");
    assert_eq!(event_count(&app).await, 2);
}

async fn consent_evidence_cannot_be_changed_or_deleted(backend: Backend) {
    let app = spawn_app(backend).await;
    let version = app.configuration_version().await;
    let log = ConsentLog::start(app.db.clone(), BatchLimit::default());
    log.record(event(&version, "evidence-0001", true))
        .await
        .expect("recorded");
    for statement in [
        "UPDATE consent_events SET choices = '{}'",
        "DELETE FROM consent_events",
        "UPDATE consent_configurations SET inventory = '{}'",
        "DELETE FROM consent_configurations",
        "UPDATE consent_banners SET text = 'something else'",
        "DELETE FROM consent_banners",
        "DELETE FROM consent_configuration_activations",
    ] {
        let refused = sqlx::query(statement).execute(app.db.writer()).await;
        assert!(refused.is_err(), "{statement} was allowed");
    }
    assert_eq!(event_count(&app).await, 1);
    assert_eq!(
        verify_chain(&app.db).await.expect("verify"),
        ChainReport::Intact { events: 1 }
    );
}

async fn verify_reports_the_first_tampered_event(backend: Backend) {
    let app = spawn_app(backend).await;
    let version = app.configuration_version().await;
    let log = ConsentLog::start(app.db.clone(), BatchLimit::default());
    let mut ids = Vec::new();
    for i in 0..5 {
        let recorded = log
            .record(event(&version, &format!("tamper-{i:04}"), false))
            .await
            .expect("recorded");
        ids.push(recorded.event.id);
    }
    // Someone with direct database access switches the protection off and rewrites history.
    let disable = match app.db.backend() {
        DbBackend::Sqlite => "DROP TRIGGER consent_events_are_immutable",
        DbBackend::Postgres => "ALTER TABLE consent_events DISABLE TRIGGER USER",
    };
    sqlx::query(disable)
        .execute(app.db.writer())
        .await
        .expect("disable");
    sqlx::query("UPDATE consent_events SET choices = $1 WHERE id = $2")
        .bind(r#"{"analytics":true,"marketing":false,"preferences":false}"#)
        .bind(ids[2])
        .execute(app.db.writer())
        .await
        .expect("tamper");
    match verify_chain(&app.db).await.expect("verify") {
        ChainReport::Broken { id, reason } => {
            assert_eq!(id, ids[2]);
            assert!(reason.contains("content"), "{reason}");
        }
        intact => panic!("tampering went unnoticed: {intact:?}"),
    }
}

/// Migration 0010 drops the unique index on `consent_events.hash`; on SQLite that rebuilds the
/// table. Migration 0013 adds each event's site and page. Events stored under the earlier
/// schema must come through both exactly as they were, still chained and still protected.
/// They are recorded by today's log in a database of today's schema (as the log then wrote
/// them: no site, no page), and copied row by row into one migrated only to 0009.
async fn events_recorded_before_the_hash_index_was_dropped_are_kept(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let db = Db::connect(&database.url.parse().expect("database URL"))
        .await
        .expect("connect");
    let earlier = tempfile::tempdir().expect("temporary directory");
    let directory = match db.backend() {
        DbBackend::Sqlite => "sqlite",
        DbBackend::Postgres => "postgres",
    };
    let migrations = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(directory);
    for entry in std::fs::read_dir(&migrations).expect("migrations") {
        let path = entry.expect("migration").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name.as_bytes().first().is_some_and(u8::is_ascii_digit) && name < "0010" {
            std::fs::copy(&path, earlier.path().join(name)).expect("copy migration");
        }
    }
    sqlx::migrate::Migrator::new(earlier.path())
        .await
        .expect("earlier migrations")
        .run(db.writer())
        .await
        .expect("migrate to 0009");
    let default = parse(DEFAULT_INVENTORY).expect("valid");
    // Put in force as the code of that time did: today's writes a leaf of a later table.
    let (inventory_json, version) = canonical(&default);
    sqlx::query(
        "INSERT INTO consent_configurations (version, inventory, created_at) VALUES ($1, $2, 0)",
    )
    .bind(&version)
    .bind(&inventory_json)
    .execute(db.writer())
    .await
    .expect("an inventory");
    sqlx::query(
        "INSERT INTO consent_configuration_activations (version, activated_at) VALUES ($1, 0)",
    )
    .bind(&version)
    .execute(db.writer())
    .await
    .expect("in force");

    let source_database = TestDatabase::create(backend).await;
    let source = Db::connect(&source_database.url.parse().expect("database URL"))
        .await
        .expect("connect");
    source.migrate().await.expect("migrate");
    activate(&source, &default, &operator())
        .await
        .expect("activate");
    let log = ConsentLog::start(source.clone(), BatchLimit::default());
    let mut before = Vec::new();
    for i in 0..40 {
        let unplaced = NewEvent {
            place: Place::default(),
            ..event(&version, &format!("before-0010-{i:04}"), i % 3 == 0)
        };
        before.push(log.record(unplaced).await.expect("recorded").event);
    }
    let (sha256, locale, text): (String, String, String) =
        sqlx::query_as("SELECT sha256, locale, text FROM consent_banners")
            .fetch_one(source.reader())
            .await
            .expect("the banner");
    sqlx::query(
        "INSERT INTO consent_banners (sha256, configuration_version, locale, text)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(sha256)
    .bind(&version)
    .bind(locale)
    .bind(text)
    .execute(db.writer())
    .await
    .expect("copy the banner");
    for event in &before {
        sqlx::query(
            "INSERT INTO consent_events (subject_id, action, choices, method,
                 configuration_version, banner_sha256, revisions, locale, recorded_at,
                 user_agent, ip_prefix, idempotency_key, prev_hash, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(&event.subject)
        .bind(&event.action)
        .bind(event.choices.to_string())
        .bind(&event.method)
        .bind(&event.configuration_version)
        .bind(&event.banner_sha256)
        .bind(event.revisions.to_string())
        .bind(&event.locale)
        .bind(event.recorded_at.as_millis())
        .bind(&event.user_agent)
        .bind(&event.ip_prefix)
        .bind(&event.idempotency_key)
        .bind(&event.prev_hash)
        .bind(&event.hash)
        .execute(db.writer())
        .await
        .expect("copy an event");
    }
    source.close().await;
    drop(source_database);

    db.migrate().await.expect("migrate to the latest schema");

    for event in &before {
        let subject = event.subject.parse().expect("subject id");
        assert_eq!(
            events_of(&db, &subject).await.expect("events"),
            std::slice::from_ref(event)
        );
    }
    for statement in [
        "UPDATE consent_events SET choices = '{}'",
        "DELETE FROM consent_events",
    ] {
        let refused = sqlx::query(statement).execute(db.writer()).await;
        assert!(refused.is_err(), "{statement} was allowed after 0010");
    }
    let next = ConsentLog::start(db.clone(), BatchLimit::default())
        .record(event(&version, "after-0010-0001", true))
        .await
        .expect("recorded after 0010");
    assert_eq!(next.event.prev_hash, before[39].hash);
    assert_eq!(
        verify_chain(&db).await.expect("verify"),
        ChainReport::Intact { events: 41 }
    );
    // The migration gave the events and the activation from before it their leaves, and the
    // event after it has its own.
    let kinds: Vec<(String, i64)> =
        sqlx::query_as("SELECT kind, COUNT(*) FROM log_leaves GROUP BY kind ORDER BY kind")
            .fetch_all(db.reader())
            .await
            .expect("leaves");
    assert_eq!(
        kinds,
        vec![
            ("consent-event".to_owned(), 41),
            ("inventory-activation".to_owned(), 1)
        ]
    );
    let key = app::evidence::ssr::LogKey::load_or_create(&db, "charter.test/log")
        .await
        .expect("key");
    assert!(matches!(
        app::evidence::ssr::verify::verify(&db, &key, None)
            .await
            .expect("verify"),
        app::evidence::ssr::verify::LogReport::Intact { size: 42, .. }
    ));
    db.close().await;
}

both_backends!(
    the_api_records_a_choice_and_sets_a_signed_cookie,
    the_api_refuses_bad_requests_with_a_message_and_stores_nothing,
    a_retried_request_returns_the_first_answer,
    a_key_is_replayed_only_for_the_same_request_from_the_same_visitor,
    a_withdrawal_expires_the_refused_categories_cookies,
    a_tampered_consent_cookie_is_ignored,
    the_banner_form_records_and_returns_to_the_page,
    a_banner_posted_without_javascript_gets_its_key_from_the_server,
);

async fn post_json(
    app: &TestApp,
    body: &serde_json::Value,
    cookie: Option<&str>,
) -> (StatusCode, HeaderMap, serde_json::Value) {
    let mut request = app.client.post(app.url("/api/consent")).json(body);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, format!("charter_consent={cookie}"));
    }
    let response = request.send().await.expect("request");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.json().await.unwrap_or(serde_json::Value::Null);
    (status, headers, body)
}

fn set_cookies(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect()
}

async fn the_api_records_a_choice_and_sets_a_signed_cookie(backend: Backend) {
    let app = spawn_app(backend).await;
    let version = app.configuration_version().await;
    let (status, headers, body) = post_json(
        &app,
        &json!({
            "method": "custom",
            "choices": { "analytics": true, "marketing": false, "preferences": false },
            "configuration_version": version,
            "idempotency_key": "api-first-0001",
            "locale": "de",
        }),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["action"], "grant");
    assert_eq!(body["replayed"], false);
    assert_eq!(
        body["choices"],
        json!({ "analytics": true, "marketing": false, "preferences": false })
    );
    let cookie = set_cookies(&headers)
        .into_iter()
        .find(|c| c.starts_with("charter_consent="))
        .expect("consent cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Max-Age=31449600"), "{cookie}");
    let stored: (String, String, String, String) =
        sqlx::query_as("SELECT method, locale, ip_prefix, revisions FROM consent_events")
            .fetch_one(app.db.reader())
            .await
            .expect("one event");
    assert_eq!(stored.0, "custom");
    assert_eq!(stored.1, "de");
    assert_eq!(stored.2, "127.0.0.0/24");
    assert_eq!(stored.3, "[]", "no policies published in this database");
    let banner: String = sqlx::query_scalar("SELECT text FROM consent_banners")
        .fetch_one(app.db.reader())
        .await
        .expect("the banner text shown is stored");
    assert!(banner.starts_with("Cookies auf dieser Website"), "{banner}");
}

async fn the_api_refuses_bad_requests_with_a_message_and_stores_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let version = app.configuration_version().await;
    let valid = json!({
        "method": "reject_all",
        "configuration_version": version,
        "idempotency_key": "api-bad-00001",
    });
    let with = |field: &str, value: serde_json::Value| {
        let mut body = valid.clone();
        body[field] = value;
        body
    };
    let without = |field: &str| {
        let mut body = valid.clone();
        body.as_object_mut().expect("object").remove(field);
        body
    };
    let custom = |choices: serde_json::Value| {
        let mut body = with("method", json!("custom"));
        body["choices"] = choices;
        body
    };
    let cases: Vec<(&str, serde_json::Value, StatusCode, &str)> = vec![
        (
            "unknown field",
            with("extra", json!(1)),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown field `extra`",
        ),
        (
            "missing field",
            without("method"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "missing field `method`",
        ),
        (
            "unknown method",
            with("method", json!("maybe")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown method `maybe`",
        ),
        (
            "gpc from a client",
            with("method", json!("gpc")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "recorded by the server",
        ),
        (
            "unknown category",
            custom(
                json!({"analytics": true, "marketing": false, "preferences": false, "ads": true}),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "there is no cookie category `ads`",
        ),
        (
            "missing category",
            custom(json!({"analytics": true})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "`preferences` is missing",
        ),
        (
            "necessary chosen",
            custom(
                json!({"necessary": false, "analytics": true, "marketing": false, "preferences": false}),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "always on",
        ),
        (
            "choice of the wrong type",
            custom(json!({"analytics": "yes"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid type",
        ),
        (
            "bad idempotency key",
            with("idempotency_key", json!("short")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency key",
        ),
        (
            "unsupported locale",
            with("locale", json!("fr")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unsupported language",
        ),
        (
            "outdated configuration",
            with("configuration_version", json!("0".repeat(64))),
            StatusCode::CONFLICT,
            "ask again with configuration",
        ),
        (
            "oversize body",
            with("idempotency_key", json!("k".repeat(9000))),
            StatusCode::PAYLOAD_TOO_LARGE,
            "at most 8192 bytes",
        ),
    ];
    for (case, body, expected, message) in cases {
        let (status, _, answer) = post_json(&app, &body, None).await;
        assert_eq!(status, expected, "{case}: {answer}");
        let error = answer["error"].as_str().unwrap_or_default();
        assert!(error.contains(message), "{case}: {error}");
    }
    let raw = |content_type: &'static str, body: &'static str| {
        app.client
            .post(app.url("/api/consent"))
            .header(header::CONTENT_TYPE, content_type)
            .body(body)
            .send()
    };
    let response = raw("text/plain", "{}").await.expect("request");
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(
        response
            .text()
            .await
            .expect("body")
            .contains("Content-Type: application/json")
    );
    let response = raw("application/json", "{\"method\":")
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(
        response
            .text()
            .await
            .expect("body")
            .contains("not valid JSON")
    );
    let response = app
        .client
        .post(app.url("/api/consent"))
        .header(header::ORIGIN, "https://evil.example")
        .json(&valid)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(event_count(&app).await, 0);
}

async fn a_retried_request_returns_the_first_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    let version = app.configuration_version().await;
    let body = json!({
        "method": "accept_all",
        "configuration_version": version,
        "idempotency_key": "api-retry-0001",
    });
    let (first_status, _, first) = post_json(&app, &body, None).await;
    assert_eq!(first_status, StatusCode::CREATED);
    let (again_status, _, again) = post_json(&app, &body, None).await;
    assert_eq!(again_status, StatusCode::OK);
    assert_eq!(again["replayed"], true);
    assert_eq!(again["event_id"], first["event_id"]);
    assert_eq!(again["subject_id"], first["subject_id"]);
    assert_eq!(event_count(&app).await, 1);
}

async fn a_key_is_replayed_only_for_the_same_request_from_the_same_visitor(backend: Backend) {
    let app = spawn_app(backend).await;
    let version = app.configuration_version().await;
    let request = |method: &str, key: &str| json!({ "method": method, "configuration_version": version, "idempotency_key": key });
    // Visitor B has chosen before and holds a cookie of their own.
    let (_, b_headers, _) = post_json(&app, &request("reject_all", "visitor-b-0001"), None).await;
    let b_cookie = consent_cookie(&b_headers);
    // Visitor A accepts everything, from no earlier choice.
    let a_request = request("accept_all", "visitor-a-0001");
    let (status, a_headers, a_first) = post_json(&app, &a_request, None).await;
    assert_eq!(status, StatusCode::CREATED);
    let a_cookie = consent_cookie(&a_headers);

    // B learns A's key: neither another choice nor the same one from B's subject replays
    // A's event, cookie or receipts.
    for (body, cookie) in [
        (
            request("reject_all", "visitor-a-0001"),
            Some(b_cookie.as_str()),
        ),
        (a_request.clone(), Some(b_cookie.as_str())),
        (request("reject_all", "visitor-a-0001"), None),
    ] {
        let (status, headers, answer) = post_json(&app, &body, cookie).await;
        assert_eq!(status, StatusCode::CONFLICT, "{answer}");
        assert!(
            answer["error"]
                .as_str()
                .is_some_and(|e| e.contains("new key")),
            "{answer}"
        );
        assert!(set_cookies(&headers).is_empty(), "{headers:?}");
        assert!(answer.get("subject_id").is_none());
    }
    assert_eq!(event_count(&app).await, 2);

    // A's own retries are answered with the first event: with the cookie it set, and without
    // it (the first answer was lost), since the first request came from no subject.
    for cookie in [Some(a_cookie.as_str()), None] {
        let (status, _, again) = post_json(&app, &a_request, cookie).await;
        assert_eq!(status, StatusCode::OK, "{again}");
        assert_eq!(again["replayed"], true);
        assert_eq!(again["event_id"], a_first["event_id"]);
    }
    // A choice made from a subject is not replayed to a request from none.
    let b_change = request("accept_all", "visitor-b-0002");
    let (status, _, _) = post_json(&app, &b_change, Some(&b_cookie)).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _, answer) = post_json(&app, &b_change, None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert_eq!(event_count(&app).await, 3);

    // The plain form refuses the same way.
    let response = app
        .client
        .post(app.url("/cookies/consent"))
        .header(header::COOKIE, format!("charter_consent={b_cookie}"))
        .form(&[
            ("method", "reject_all"),
            ("configuration_version", version.as_str()),
            ("idempotency_key", "visitor-a-0001"),
            ("return_to", "/"),
        ])
        .send()
        .await
        .expect("form post");
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert!(response.headers().get(header::SET_COOKIE).is_none());
    assert_eq!(event_count(&app).await, 3);
}

async fn a_withdrawal_expires_the_refused_categories_cookies(backend: Backend) {
    let app = spawn_demo_app(backend).await;
    let version = app.configuration_version().await;
    let (_, headers, granted) = post_json(
        &app,
        &json!({"method": "accept_all", "configuration_version": version, "idempotency_key": "grant-00000001"}),
        None,
    )
    .await;
    assert_eq!(granted["action"], "grant");
    assert!(
        !set_cookies(&headers)
            .iter()
            .any(|c| c.contains("Max-Age=0")),
        "nothing is expired on accepting"
    );
    let revisions = granted["event_id"].as_i64().expect("id");
    let in_force: String = sqlx::query_scalar("SELECT revisions FROM consent_events WHERE id = $1")
        .bind(revisions)
        .fetch_one(app.db.reader())
        .await
        .expect("event");
    assert_ne!(in_force, "[]", "the demo's policies in force are named");

    let cookie = consent_cookie(&headers);
    let (status, headers, withdrawn) = post_json(
        &app,
        &json!({"method": "reject_all", "configuration_version": version, "idempotency_key": "withdraw-000001"}),
        Some(&cookie),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{withdrawn}");
    assert_eq!(withdrawn["action"], "withdraw");
    assert_eq!(withdrawn["subject_id"], granted["subject_id"]);
    let cookies = set_cookies(&headers);
    for name in ["qs_layout", "qs_stats", "bl_click"] {
        assert!(
            cookies
                .iter()
                .any(|c| c.starts_with(&format!("{name}=;")) && c.contains("Max-Age=0")),
            "{name} not expired: {cookies:?}"
        );
    }
    assert!(!cookies.iter().any(|c| c.starts_with("charter-lang=")));
}

async fn a_tampered_consent_cookie_is_ignored(backend: Backend) {
    let app = spawn_app(backend).await;
    let version = app.configuration_version().await;
    let (_, headers, granted) = post_json(
        &app,
        &json!({"method": "accept_all", "configuration_version": version, "idempotency_key": "tamper-api-0001"}),
        None,
    )
    .await;
    let cookie = consent_cookie(&headers);
    let (payload, signature) = cookie.split_once('.').expect("signed");
    let forged = format!("{payload}x.{signature}");
    let (_, _, second) = post_json(
        &app,
        &json!({"method": "reject_all", "configuration_version": version, "idempotency_key": "tamper-api-0002"}),
        Some(&forged),
    )
    .await;
    // Treated as a first visit: a refusal by a new subject, not a withdrawal.
    assert_eq!(second["action"], "deny");
    assert_ne!(second["subject_id"], granted["subject_id"]);
}

async fn the_banner_form_records_and_returns_to_the_page(backend: Backend) {
    let app = spawn_app(backend).await;
    let version = app.configuration_version().await;
    let post = |fields: Vec<(&'static str, String)>| {
        app.client
            .post(app.url("/cookies/consent"))
            .form(&fields)
            .send()
    };
    let response = post(vec![
        ("method", "custom".into()),
        ("category", "analytics".into()),
        ("configuration_version", version.clone()),
        ("idempotency_key", "form-custom-0001".into()),
        ("locale", "en".into()),
        ("return_to", "/policies/privacy?x=1".into()),
    ])
    .await
    .expect("request");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()[header::LOCATION],
        "/policies/privacy?x=1"
    );
    assert!(
        set_cookies(response.headers())
            .iter()
            .any(|c| c.starts_with("charter_consent="))
    );
    let choices: String = sqlx::query_scalar("SELECT choices FROM consent_events")
        .fetch_one(app.db.reader())
        .await
        .expect("event");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&choices).expect("json"),
        json!({"analytics": true, "marketing": false, "preferences": false})
    );

    let response = post(vec![
        ("method", "reject_all".into()),
        ("configuration_version", version.clone()),
        ("idempotency_key", "form-reject-0001".into()),
        ("return_to", "https://evil.example/".into()),
    ])
    .await
    .expect("request");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[header::LOCATION], "/");

    let response = post(vec![
        ("method", "custom".into()),
        ("category", "ads".into()),
        ("configuration_version", version.clone()),
        ("idempotency_key", "form-bad-000001".into()),
    ])
    .await
    .expect("request");
    // As the JSON API answers the same choice: both channels record through one path.
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        response
            .text()
            .await
            .expect("body")
            .contains("there is no cookie category `ads`")
    );
    assert_eq!(event_count(&app).await, 2);
}

/// The banner's page is shared by every visitor, so its form carries an empty key: the server
/// makes one for each post. Each post is a choice received and recorded; the JSON API, which
/// the hydrated banner uses, still replays a retried key.
async fn a_banner_posted_without_javascript_gets_its_key_from_the_server(backend: Backend) {
    let app = spawn_app(backend).await;
    let version = app.configuration_version().await;
    for _ in 0..2 {
        let response = app
            .client
            .post(app.url("/cookies/consent"))
            .form(&[
                ("method", "reject_all"),
                ("configuration_version", version.as_str()),
                ("idempotency_key", ""),
                ("locale", "en"),
                ("return_to", "/"),
            ])
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
    }
    let keys: Vec<String> =
        sqlx::query_scalar("SELECT idempotency_key FROM consent_events ORDER BY id")
            .fetch_all(app.db.reader())
            .await
            .expect("events");
    assert_eq!(keys.len(), 2);
    assert_ne!(keys[0], keys[1]);
    assert!(
        keys.iter()
            .all(|key| key.len() == 32 && key.bytes().all(|b| b.is_ascii_hexdigit())),
        "{keys:?}"
    );
}

both_backends!(the_banner_asks_until_a_valid_choice_and_again_when_the_inventory_changes,);

async fn the_banner_asks_until_a_valid_choice_and_again_when_the_inventory_changes(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let (status, first_visit) = app.page("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        first_visit.contains(r#"class="consent-banner""#),
        "{first_visit}"
    );
    for button in ["accept_all", "reject_all"] {
        assert!(
            first_visit.contains(&format!(r#"value="{button}""#)),
            "{button}"
        );
    }
    assert!(first_visit.contains(r#"action="/cookies/consent""#));
    // No box is ticked in advance; `necessary` is shown as always on.
    assert!(!first_visit.contains(r#"name="category" value="analytics" checked"#));
    assert!(first_visit.contains("Strictly necessary"));

    let version = app.configuration_version().await;
    let (_, headers, _) = post_json(
        &app,
        &json!({"method": "reject_all", "configuration_version": version, "idempotency_key": "banner-reject-01"}),
        None,
    )
    .await;
    let cookie = format!("charter_consent={}", consent_cookie(&headers));
    let (_, chosen) = app
        .page_with("/", &[(header::COOKIE, cookie.as_str())])
        .await;
    assert!(!chosen.contains(r#"class="consent-banner""#), "{chosen}");

    let edited = parse(&DEFAULT_INVENTORY.replace("1 year", "2 years")).expect("valid");
    activate(&app.db, &edited, &operator())
        .await
        .expect("activate");
    let (_, changed) = app
        .page_with("/", &[(header::COOKIE, cookie.as_str())])
        .await;
    assert!(changed.contains(r#"class="consent-banner""#), "{changed}");
    assert!(changed.contains("The cookies we use have changed since you last chose"));

    let (_, forged) = app
        .page_with("/", &[(header::COOKIE, "charter_consent=forged.value")])
        .await;
    assert!(forged.contains(r#"class="consent-banner""#));
}

both_backends!(settings_change_and_withdraw_the_choice_and_receipts_list_it,);

async fn settings_change_and_withdraw_the_choice_and_receipts_list_it(backend: Backend) {
    let app = spawn_demo_app(backend).await;
    let (status, before) = app.page("/cookies/settings").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        before.contains("You have not made a choice yet"),
        "{before}"
    );
    assert!(
        before.contains(r#"href="/cookies/settings""#),
        "footer link"
    );
    let (status, _) = app.page("/cookies/receipts.json").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let version = app.configuration_version().await;
    let (_, headers, _) = post_json(
        &app,
        &json!({"method": "accept_all", "configuration_version": version, "idempotency_key": "settings-accept1"}),
        None,
    )
    .await;
    let cookie = format!("charter_consent={}", consent_cookie(&headers));
    let with_cookie = [(header::COOKIE, cookie.as_str())];
    let (_, chosen) = app.page_with("/cookies/settings", &with_cookie).await;
    assert!(chosen.contains("You made your choice on"), "{chosen}");
    assert!(chosen.contains("Withdraw all consent"));
    assert!(!chosen.contains(r#"class="consent-banner""#));

    // The withdrawal form: the method and the page's hidden fields, no category ticked.
    let response = app
        .client
        .post(app.url("/cookies/consent"))
        .header(header::COOKIE, cookie.as_str())
        .form(&[
            ("method", "settings_page"),
            ("configuration_version", version.as_str()),
            ("idempotency_key", "settings-withdraw1"),
            ("locale", "en"),
            ("return_to", "/cookies/settings"),
        ])
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[header::LOCATION], "/cookies/settings");
    let cookies = set_cookies(response.headers());
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("qs_stats=;") && c.contains("Max-Age=0"))
    );
    let withdrawn = format!("charter_consent={}", consent_cookie(response.headers()));

    let (_, receipts) = app
        .page_with("/cookies/receipts", &[(header::COOKIE, withdrawn.as_str())])
        .await;
    assert!(receipts.contains("<td>grant</td>"), "{receipts}");
    assert!(receipts.contains("<td>withdraw</td>"), "{receipts}");
    assert!(receipts.contains("<td>settings_page</td>"));
    let response = app
        .client
        .get(app.url("/cookies/receipts.json"))
        .header(header::COOKIE, withdrawn.as_str())
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()[header::CONTENT_DISPOSITION]
            .to_str()
            .expect("ascii")
            .starts_with("attachment")
    );
    let events: serde_json::Value = response.json().await.expect("json");
    let actions: Vec<&str> = events
        .as_array()
        .expect("array")
        .iter()
        .map(|e| e["action"].as_str().expect("action"))
        .collect();
    assert_eq!(actions, ["grant", "withdraw"]);
    assert_eq!(events[1]["prev_hash"], events[0]["hash"]);
    // Each names its entry in the evidence log, later events later.
    let first = events[0]["leaf_index"].as_u64().expect("a leaf index");
    assert!(events[1]["leaf_index"].as_u64().expect("a leaf index") > first);
}

both_backends!(the_cookie_policy_lists_the_inventory_in_force,);

async fn the_cookie_policy_lists_the_inventory_in_force(backend: Backend) {
    let app = spawn_demo_app(backend).await;
    let (status, cookies) = app.page("/policies/cookies").await;
    assert_eq!(status, StatusCode::OK);
    assert!(cookies.contains("The cookies we use"), "{cookies}");
    assert!(
        cookies.contains("<th scope=\"row\">Campaign measurement</th>"),
        "{cookies}"
    );
    assert!(cookies.contains("<code>bl_click</code>"));
    assert!(cookies.contains("a third party"));
    assert!(cookies.contains("<code>charter_consent</code>"));
    let (_, privacy) = app.page("/policies/privacy").await;
    assert!(!privacy.contains("The cookies we use"));

    // The table follows the inventory: a new service shows at once.
    let edited =
        parse(&DEFAULT_INVENTORY.replace("name = \"Language\"", "name = \"Language choice\""))
            .expect("valid");
    activate(&app.db, &edited, &operator())
        .await
        .expect("activate");
    let (_, cookies) = app.page("/policies/cookies").await;
    assert!(cookies.contains("Language choice"), "{cookies}");
    assert!(!cookies.contains("Campaign measurement"));
}

both_backends!(a_gpc_signal_is_recorded_once_and_honoured,);

async fn a_gpc_signal_is_recorded_once_and_honoured(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app.get("/.well-known/gpc.json").await;
    assert_eq!(response.status(), StatusCode::OK);
    let gpc: serde_json::Value = response.json().await.expect("json");
    assert_eq!(gpc["gpc"], true);
    assert_eq!(gpc["lastUpdate"].as_str().map(str::len), Some(10));

    let gpc_header = header::HeaderName::from_static("sec-gpc");
    let response = app
        .client
        .get(app.url("/"))
        .header(&gpc_header, "1")
        .send()
        .await
        .expect("request");
    let cookie = format!("charter_consent={}", consent_cookie(response.headers()));
    let html = readable_text(response).await;
    assert!(html.contains("Global Privacy Control signal"), "{html}");
    assert!(
        html.contains(r#"class="consent-banner""#),
        "the other categories are still asked"
    );
    let (action, method, choices): (String, String, String) =
        sqlx::query_as("SELECT action, method, choices FROM consent_events")
            .fetch_one(app.db.reader())
            .await
            .expect("one event");
    assert_eq!((action.as_str(), method.as_str()), ("gpc_opt_out", "gpc"));
    assert_eq!(choices, r#"{"marketing":false}"#);

    // The same browser again: nothing new is recorded.
    let (_, again) = app
        .page_with(
            "/",
            &[(header::COOKIE, cookie.as_str()), (gpc_header.clone(), "1")],
        )
        .await;
    assert!(again.contains(r#"class="consent-banner""#));
    assert_eq!(event_count(&app).await, 1);

    // Accepting everything with the signal on still refuses marketing, for the same subject.
    let version = app.configuration_version().await;
    let response = app
        .client
        .post(app.url("/api/consent"))
        .header(header::COOKIE, cookie.as_str())
        .header(&gpc_header, "1")
        .json(&json!({"method": "accept_all", "configuration_version": version, "idempotency_key": "gpc-accept-0001"}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::CREATED);
    let answer_headers = response.headers().clone();
    let answer: serde_json::Value = response.json().await.expect("json");
    assert_eq!(
        answer["choices"],
        json!({"analytics": true, "marketing": false, "preferences": true})
    );
    let subjects: i64 = sqlx::query_scalar("SELECT COUNT(DISTINCT subject_id) FROM consent_events")
        .fetch_one(app.db.reader())
        .await
        .expect("count");
    assert_eq!(subjects, 1);

    // The visitor who chose sees on the settings page that the signal is honoured.
    let chosen = format!("charter_consent={}", consent_cookie(&answer_headers));
    let (_, settings) = app
        .page_with(
            "/cookies/settings",
            &[(header::COOKIE, chosen.as_str()), (gpc_header.clone(), "1")],
        )
        .await;
    assert!(
        settings.contains("Opt-out preference signal honored"),
        "{settings}"
    );

    // A page that also shows the settings (and so reads the consent state twice) records the
    // signal of a new browser once.
    let recorded = event_count(&app).await;
    let (status, _) = app
        .page_with("/cookies/settings", &[(gpc_header.clone(), "1")])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(event_count(&app).await, recorded + 1);
}

both_backends!(the_export_streams_the_events_of_a_time_range,);

async fn the_export_streams_the_events_of_a_time_range(backend: Backend) {
    let app = spawn_app(backend).await;
    let version = app.configuration_version().await;
    let log = ConsentLog::start(app.db.clone(), BatchLimit::default());
    let before = Timestamp::now();
    for i in 0..3 {
        log.record(event(&version, &format!("export-{i:06}"), i == 1))
            .await
            .expect("recorded");
    }
    let after = Timestamp::now().plus_days(1);
    let between = |from, until| EventFilter {
        days: DayRange {
            from: Some(from),
            until: Some(until),
        },
        ..EventFilter::default()
    };
    let query = EventQuery::new(&between(before, after));
    let seen: Vec<_> = query
        .events(&app.db)
        .map_ok(|event| (event.idempotency_key, event.action))
        .try_collect()
        .await
        .expect("export");
    assert_eq!(
        seen,
        [
            ("export-000000".to_owned(), "deny".to_owned()),
            ("export-000001".to_owned(), "grant".to_owned()),
            ("export-000002".to_owned(), "deny".to_owned()),
        ]
    );
    let granted = EventQuery::new(&EventFilter {
        action: Some(Action::Grant),
        ..between(before, after)
    });
    let granted: Vec<_> = granted.events(&app.db).try_collect().await.expect("export");
    assert_eq!(granted.len(), 1);
    let query = EventQuery::new(&between(Timestamp::from_millis(0), before));
    let none: Vec<_> = query.events(&app.db).try_collect().await.expect("export");
    assert!(none.is_empty());
}
