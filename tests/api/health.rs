use crate::helpers::{Backend, both_backends, spawn_app};
use reqwest::StatusCode;

both_backends!(healthz_answers_while_running, readyz_follows_the_database);

async fn healthz_answers_while_running(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "ok");
}

async fn readyz_follows_the_database(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), StatusCode::OK);

    app.db.close().await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.text().await.unwrap(), "database unavailable");
    // Liveness does not depend on the database.
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
}

/// A new SQLite database is set up for durable, fast commits: WAL, a full sync at every commit,
/// and 1 KiB pages.
#[test]
fn a_new_sqlite_database_commits_durably_in_small_pages() {
    crate::helpers::run(async {
        let app = spawn_app(Backend::Sqlite).await;
        let writer = app.db.writer();
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(writer)
            .await
            .expect("journal mode");
        let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(writer)
            .await
            .expect("synchronous");
        let page_size: i64 = sqlx::query_scalar("PRAGMA page_size")
            .fetch_one(writer)
            .await
            .expect("page size");
        assert_eq!((mode.as_str(), synchronous, page_size), ("wal", 2, 1024));
    });
}
