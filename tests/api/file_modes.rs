//! What Charter writes to disk is readable by its own user only: the SQLite database with its
//! WAL and shared-memory files, and the notices written as `.eml` files.

use crate::helpers::{Backend, Options, TestDatabase, both_backends, start};
use reqwest::{StatusCode, header};
use std::{
    os::unix::fs::PermissionsExt,
    path::Path,
    time::{Duration, Instant},
};

both_backends!(notices_written_as_files_are_private);

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

async fn notices_written_as_files_are_private(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let outbox = database.outbox_dir();
    let app = start(
        database,
        Options {
            settings: vec![("notice_worker", "true".to_owned())],
            ..Options::default()
        },
    )
    .await;
    // The confirmation of a subscription is queued, and the worker writes it to the outbox
    // directory, there being no SMTP server.
    let response = app
        .client
        .post(app.url("/subscribe"))
        .form(&[("email", "reader@example.com"), ("scope", "*")])
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(
        response.headers()[header::LOCATION]
            .to_str()
            .expect("ascii")
            .ends_with("notice=sent")
    );
    assert_eq!(mode(&outbox), 0o700, "{}", outbox.display());
    let written = || -> Vec<_> {
        std::fs::read_dir(&outbox)
            .expect("outbox")
            .map(|entry| entry.expect("entry").path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "eml"))
            .collect()
    };
    let deadline = Instant::now() + Duration::from_secs(15);
    while written().is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let messages = written();
    assert_eq!(messages.len(), 1, "{messages:?}");
    for message in messages {
        assert_eq!(mode(&message), 0o600, "{}", message.display());
    }
}

#[test]
fn a_new_sqlite_database_is_private() {
    crate::helpers::run(async {
        let database = TestDatabase::create(Backend::Sqlite).await;
        let file = database
            .url
            .strip_prefix("sqlite:")
            .expect("a SQLite URL")
            .to_owned();
        let app = start(database, Options::default()).await;
        // A write, so the WAL and its index exist.
        let response = app
            .client
            .post(app.url("/subscribe"))
            .form(&[("email", "reader@example.com"), ("scope", "*")])
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        for suffix in ["", "-wal", "-shm"] {
            let path = format!("{file}{suffix}");
            assert_eq!(mode(Path::new(&path)), 0o600, "{path}");
        }
    });
}
