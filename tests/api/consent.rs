use crate::helpers::{Backend, TestApp, both_backends, spawn_app};
use app::{
    consent::{
        Action, IdempotencyKey, Method, SubjectId,
        ssr::{ChainReport, ConsentLog, NewEvent, verify_chain},
    },
    db::Backend as DbBackend,
    i18n::Locale,
    inventory::ssr::{DEFAULT_INVENTORY, activate, active, parse},
};
use tokio::task::JoinSet;

both_backends!(
    the_default_inventory_is_in_force_on_first_start,
    a_new_inventory_version_is_kept_beside_the_old_ones,
    concurrent_events_form_one_intact_chain,
    a_retry_with_the_same_key_records_nothing_new,
    consent_evidence_cannot_be_changed_or_deleted,
    verify_reports_the_first_tampered_event,
);

async fn version(app: &TestApp) -> String {
    active(&app.db)
        .await
        .expect("query")
        .expect("an inventory in force")
        .version
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
        banner_text: "We use cookies. Accept all / Reject all / Customise".to_owned(),
        revisions: vec![1, 2],
        locale: Locale::En,
        user_agent: "integration test".to_owned(),
        ip_prefix: "127.0.0.0/24".to_owned(),
        idempotency_key: key.parse::<IdempotencyKey>().expect("key"),
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
    let first = version(&app).await;
    let default = parse(DEFAULT_INVENTORY).expect("valid");
    let again = activate(&app.db, &default).await.expect("activate");
    assert!(!again.changed, "the same inventory is the same version");
    assert_eq!(again.version, first);

    let edited = parse(&DEFAULT_INVENTORY.replace("Analytics", "Statistics")).expect("valid");
    let second = activate(&app.db, &edited).await.expect("activate");
    assert!(second.changed);
    assert_ne!(second.version, first);
    assert_eq!(version(&app).await, second.version);
    let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM consent_configurations")
        .fetch_one(app.db.reader())
        .await
        .expect("count");
    assert_eq!(kept, 2);
}

async fn concurrent_events_form_one_intact_chain(backend: Backend) {
    let app = spawn_app(backend).await;
    let version = version(&app).await;
    let log = ConsentLog::start(app.db.clone());
    let mut tasks = JoinSet::new();
    for i in 0..200 {
        let log = log.clone();
        let event = event(&version, &format!("concurrent-{i:04}"), i % 2 == 0);
        tasks.spawn(async move { log.record(event).await });
    }
    let mut ids = Vec::new();
    while let Some(result) = tasks.join_next().await {
        let recorded = result.expect("task").expect("recorded");
        assert!(!recorded.replayed);
        assert_eq!(recorded.event.hash.len(), 64);
        ids.push(recorded.event.id);
    }
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 200);
    assert_eq!(event_count(&app).await, 200);
    assert_eq!(
        verify_chain(&app.db).await.expect("verify"),
        ChainReport::Intact { events: 200 }
    );
}

async fn a_retry_with_the_same_key_records_nothing_new(backend: Backend) {
    let app = spawn_app(backend).await;
    let version = version(&app).await;
    let log = ConsentLog::start(app.db.clone());
    let first = log
        .record(event(&version, "retry-key-0001", true))
        .await
        .expect("recorded");
    assert!(!first.replayed);
    let retry = log
        .record(event(&version, "retry-key-0001", false))
        .await
        .expect("answered");
    assert!(retry.replayed);
    assert_eq!(retry.event, first.event);
    // Retries racing each other in one batch are answered alike.
    let (a, b) = tokio::join!(
        log.record(event(&version, "retry-key-0002", true)),
        log.record(event(&version, "retry-key-0002", true)),
    );
    let (a, b) = (a.expect("a"), b.expect("b"));
    assert_eq!(a.event, b.event);
    assert!(a.replayed != b.replayed);
    assert_eq!(event_count(&app).await, 2);
}

async fn consent_evidence_cannot_be_changed_or_deleted(backend: Backend) {
    let app = spawn_app(backend).await;
    let version = version(&app).await;
    let log = ConsentLog::start(app.db.clone());
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
    let version = version(&app).await;
    let log = ConsentLog::start(app.db.clone());
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
