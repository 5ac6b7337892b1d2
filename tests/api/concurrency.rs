//! Several servers in one process, as the tests run them: each keeps answering its pages while
//! another is under load and others start. Starting a server once walked the app's routes, and
//! that walk made any page another server was rendering at that moment wait forever.

use crate::helpers::{Backend, TestApp, document_with, spawn_app};
use futures_util::future::join_all;
use reqwest::StatusCode;
use std::time::Duration;

/// Long enough for any page on a loaded machine, far shorter than a stall.
const PAGE_DEADLINE: Duration = Duration::from_secs(10);

#[test]
fn two_servers_answer_concurrent_requests_while_more_start() {
    crate::helpers::run(async {
        let first = spawn_app(Backend::Sqlite).await;
        let second = spawn_app(Backend::Sqlite).await;
        for app in [&first, &second] {
            document_with(app, "notice", &["# Notice\n\nThe first text."]).await;
        }
        let load = |app: &TestApp| {
            let requests = (0..40).map(|round| {
                let path = ["/", "/policies/notice", "/policies/notice/history"][round % 3];
                let request = app.client.get(app.url(path)).timeout(PAGE_DEADLINE).send();
                async move {
                    let response = request
                        .await
                        .unwrap_or_else(|error| panic!("{path}: {error}"));
                    assert_eq!(response.status(), StatusCode::OK, "{path}");
                    response.text().await.expect("the whole page");
                }
            });
            join_all(requests)
        };
        let starting = async {
            let mut started = Vec::new();
            for _ in 0..3 {
                started.push(spawn_app(Backend::Sqlite).await);
            }
            started
        };
        let ((), (), more) = tokio::join!(
            async {
                load(&first).await;
            },
            async {
                load(&second).await;
            },
            starting
        );
        for app in &more {
            assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
        }
    });
}
