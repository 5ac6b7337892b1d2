//! Clients too slow to finish a request do not hold a connection: one that has not sent its
//! headers within `header_timeout` is disconnected, and a request still unfinished after
//! `request_timeout` is answered 408, with the security headers of every other answer.

use crate::helpers::{Backend, Options, TestApp, both_backends, spawn_app_with};
use reqwest::StatusCode;
use std::time::Duration;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    time::timeout,
};

both_backends!(
    a_client_slow_to_send_its_headers_is_disconnected,
    a_request_that_times_out_carries_the_security_headers
);

/// Far longer than the one-second timeouts these tests configure.
const PATIENCE: Duration = Duration::from_secs(15);

async fn app_with(backend: Backend, setting: &'static str) -> TestApp {
    spawn_app_with(
        backend,
        Options {
            settings: vec![(setting, "1".to_owned())],
            ..Options::default()
        },
    )
    .await
}

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.address.trim_start_matches("http://"))
        .await
        .expect("connect")
}

/// Everything the server sends until it closes the connection (a reset counts as closing).
async fn until_closed(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let read = timeout(PATIENCE, stream.read_to_end(&mut received)).await;
    assert!(read.is_ok(), "the server kept the connection open");
    String::from_utf8_lossy(&received).into_owned()
}

async fn a_client_slow_to_send_its_headers_is_disconnected(backend: Backend) {
    let app = app_with(backend, "header_timeout").await;
    let mut silent = connect(&app).await;
    let mut slow = connect(&app).await;
    slow.write_all(b"GET /healthz HT").await.expect("write");
    for (case, stream) in [("half a request line", &mut slow), ("nothing", &mut silent)] {
        let answer = until_closed(stream).await;
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
            "{case}: {answer}"
        );
    }
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
}

async fn a_request_that_times_out_carries_the_security_headers(backend: Backend) {
    let app = app_with(backend, "request_timeout").await;
    let mut stream = connect(&app).await;
    // The headers promise a body that never comes.
    stream
        .write_all(
            b"POST /api/consent HTTP/1.1\r\nHost: charter.test\r\n\
              Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
        )
        .await
        .expect("write");
    let mut received = Vec::new();
    let head = timeout(PATIENCE, async {
        let mut buffer = [0; 4096];
        while !received.windows(4).any(|window| window == b"\r\n\r\n") {
            match stream.read(&mut buffer).await.expect("read") {
                0 => break,
                n => received.extend_from_slice(&buffer[..n]),
            }
        }
        String::from_utf8_lossy(&received).to_ascii_lowercase()
    })
    .await
    .expect("an answer before the test's patience ends");
    assert!(head.starts_with("http/1.1 408"), "{head}");
    for header in [
        "x-content-type-options: nosniff",
        "x-frame-options: deny",
        "referrer-policy: strict-origin-when-cross-origin",
        "content-security-policy: default-src 'none'",
    ] {
        assert!(head.contains(header), "{header} missing from:\n{head}");
    }
}
