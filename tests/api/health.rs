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
