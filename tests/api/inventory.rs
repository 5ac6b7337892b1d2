//! The cookie inventory editor, on both backends: a draft is kept whatever it holds, reviewed
//! against the inventory in force, and put in force only when valid, still the one reviewed,
//! and (when it asks every visitor again) confirmed.

use crate::{
    admin::audit_actions,
    editor::{Browser, location, signed_in},
    helpers::{Backend, TestApp, both_backends, spawn_app},
};
use app::{
    admin::Role,
    inventory::{
        editor::MAX_INVENTORY_BYTES,
        ssr::{DEFAULT_INVENTORY, active, canonical, parse, to_toml},
    },
};
use reqwest::StatusCode;

both_backends!(
    a_material_change_is_put_in_force_only_once_confirmed,
    an_invalid_draft_is_kept_but_never_put_in_force,
    a_draft_that_changes_nothing_is_put_in_force_without_asking_anyone_again,
);

const EDITOR: &str = "/admin/inventory";

async fn activations(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM consent_configuration_activations")
        .fetch_one(app.db.reader())
        .await
        .expect("activations")
}

async fn save(app: &TestApp, admin: &Browser, source: &str) -> String {
    let response = admin
        .post(app, "/admin/inventory/draft", &[("source", source)])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    location(&response)
}

async fn activate(app: &TestApp, admin: &Browser, version: &str, confirm: bool) -> String {
    let mut fields = vec![("version", version)];
    if confirm {
        fields.push(("confirm", "yes"));
    }
    let response = admin.post(app, "/admin/inventory/activate", &fields).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    location(&response)
}

async fn a_material_change_is_put_in_force_only_once_confirmed(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = signed_in(&app, "ada@example.com", Role::Admin).await;
    let before = app.configuration_version().await;

    let (status, page) = admin.get(&app, EDITOR).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("[[categories]]"),
        "the inventory as a file: {page}"
    );
    assert!(page.contains(&before[..12]), "the version in force: {page}");

    let edited = DEFAULT_INVENTORY.replace("1 year", "2 years");
    let new_version = canonical(&parse(&edited).expect("valid")).1;
    assert_eq!(
        save(&app, &admin, &edited).await,
        "/admin/inventory?notice=saved#inventory-review-title"
    );
    let (_, page) = admin.get(&app, "/admin/inventory?notice=saved").await;
    assert!(page.contains("Draft saved."), "{page}");
    assert!(
        page.contains("every visitor will be asked for consent again"),
        "{page}"
    );
    assert!(page.contains(&new_version[..12]), "{page}");
    assert!(page.contains("duration changed"), "what changed: {page}");
    assert!(page.contains("2 years"), "the draft is shown: {page}");
    assert_eq!(
        app.configuration_version().await,
        before,
        "a draft changes nothing"
    );

    let refused = activate(&app, &admin, &new_version, false).await;
    assert!(refused.contains("notice=not-confirmed"), "{refused}");
    let (_, page) = admin.get(&app, &refused).await;
    assert!(page.contains("Confirm that every visitor"), "{page}");
    let refused = activate(&app, &admin, &before, true).await;
    assert!(refused.contains("notice=draft-changed"), "{refused}");
    assert_eq!(app.configuration_version().await, before);

    let done = activate(&app, &admin, &new_version, true).await;
    assert_eq!(
        done,
        format!(
            "/admin/inventory?notice=activated&version={}",
            &new_version[..12]
        )
    );
    assert_eq!(app.configuration_version().await, new_version);
    let (_, page) = admin.get(&app, &done).await;
    assert!(page.contains("The new inventory is in force"), "{page}");
    assert!(
        !page.contains("Review of the draft"),
        "the draft is gone: {page}"
    );

    let changed: (String, String) = sqlx::query_as(
        "SELECT actor, detail FROM audit_log WHERE action = 'inventory_changed'
         ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(app.db.reader())
    .await
    .expect("audit");
    assert_eq!(changed.0, "ada@example.com");
    assert_eq!(changed.1, format!("{before} → {new_version}"));
    assert!(
        audit_actions(&app)
            .await
            .contains(&"draft_saved".to_owned())
    );
}

async fn an_invalid_draft_is_kept_but_never_put_in_force(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = signed_in(&app, "ada@example.com", Role::Admin).await;
    let before = app.configuration_version().await;
    let broken = DEFAULT_INVENTORY.replacen("key = \"necessary\"", "key = \"Necessary!\"", 1);
    assert_ne!(broken, DEFAULT_INVENTORY);
    save(&app, &admin, &broken).await;
    let (_, page) = admin.get(&app, EDITOR).await;
    assert!(page.contains("cannot be put in force"), "{page}");
    assert!(page.contains("is not a category key"), "the reason: {page}");
    assert!(page.contains("Necessary!"), "the typing is kept: {page}");

    let refused = activate(&app, &admin, &"0".repeat(64), true).await;
    assert!(refused.contains("notice=invalid"), "{refused}");
    assert_eq!(app.configuration_version().await, before);

    let too_large = "#".repeat(MAX_INVENTORY_BYTES + 1);
    let refused = save(&app, &admin, &too_large).await;
    assert!(refused.contains("notice=too-large"), "{refused}");
    let (_, page) = admin.get(&app, &refused).await;
    assert!(page.contains("at most 262144 bytes"), "{page}");
    assert!(
        page.contains("Necessary!"),
        "the earlier draft is kept: {page}"
    );

    let response = admin.post(&app, "/admin/inventory/discard", &[]).await;
    assert_eq!(location(&response), "/admin/inventory?notice=discarded");
    let (_, page) = admin.get(&app, EDITOR).await;
    assert!(!page.contains("Necessary!"), "{page}");
    let refused = activate(&app, &admin, &before, true).await;
    assert!(refused.contains("notice=no-draft"), "{refused}");
    assert!(
        audit_actions(&app)
            .await
            .contains(&"draft_discarded".to_owned())
    );
    assert_eq!(app.configuration_version().await, before);
}

async fn a_draft_that_changes_nothing_is_put_in_force_without_asking_anyone_again(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let admin = signed_in(&app, "ada@example.com", Role::Admin).await;
    let in_force = active(&app.db).await.expect("read").expect("active");
    let rewritten = to_toml(&in_force.inventory).expect("a file");
    save(&app, &admin, &rewritten).await;
    let (_, page) = admin.get(&app, EDITOR).await;
    assert!(page.contains("changes nothing"), "{page}");
    let count = activations(&app).await;
    let done = activate(&app, &admin, &in_force.version, false).await;
    assert_eq!(done, "/admin/inventory?notice=unchanged");
    assert_eq!(activations(&app).await, count, "no new activation");
    let drafts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM inventory_draft")
        .fetch_one(app.db.reader())
        .await
        .expect("drafts");
    assert_eq!(drafts, 0);
}
