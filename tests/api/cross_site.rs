//! State-changing requests from another site's page are refused: the page's origin (from
//! `Origin`, else `Referer`) must be exactly the site's own, scheme and port included, and
//! `Sec-Fetch-Site: cross-site` is refused whatever else the request says.

use crate::helpers::{Backend, TestApp, both_backends, spawn_app};
use reqwest::{StatusCode, header};

both_backends!(only_pages_of_this_origin_may_post);

/// Asks to subscribe `email` with the given headers; the status says whether it was let in.
async fn subscribe_with(app: &TestApp, email: &str, headers: &[(&str, String)]) -> StatusCode {
    let mut request = app.client.post(app.url("/subscribe")).form(&[
        ("email", email),
        ("scope", "*"),
        ("locale", "en"),
    ]);
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    request.send().await.expect("request").status()
}

async fn only_pages_of_this_origin_may_post(backend: Backend) {
    let app = spawn_app(backend).await;
    let own = app.address.clone();
    let other_scheme = own.replacen("http://", "https://", 1);
    let refused = [
        (
            "scheme",
            vec![(header::ORIGIN.as_str(), other_scheme.clone())],
        ),
        (
            "referer of another site",
            vec![("referer", "https://evil.example/page".to_owned())],
        ),
        (
            "referer over another scheme",
            vec![("referer", format!("{other_scheme}/subscribe"))],
        ),
        (
            "fetch metadata",
            vec![("sec-fetch-site", "cross-site".to_owned())],
        ),
        (
            "fetch metadata with our origin",
            vec![
                ("sec-fetch-site", "cross-site".to_owned()),
                ("origin", own.clone()),
            ],
        ),
        (
            "sibling subdomain",
            vec![("sec-fetch-site", "same-site".to_owned())],
        ),
    ];
    for (number, (case, headers)) in refused.iter().enumerate() {
        let email = format!("refused{number}@example.com");
        assert_eq!(
            subscribe_with(&app, &email, headers).await,
            StatusCode::FORBIDDEN,
            "{case}"
        );
    }
    let allowed = [
        ("same origin", vec![("origin", own.clone())]),
        (
            "same origin, fetch metadata",
            vec![
                ("sec-fetch-site", "same-origin".to_owned()),
                ("origin", own.clone()),
            ],
        ),
        (
            "referer of ours",
            vec![("referer", format!("{own}/subscribe"))],
        ),
        ("no browser", vec![]),
    ];
    for (number, (case, headers)) in allowed.iter().enumerate() {
        let email = format!("allowed{number}@example.com");
        assert_eq!(
            subscribe_with(&app, &email, headers).await,
            StatusCode::SEE_OTHER,
            "{case}"
        );
    }
    let asked: Vec<String> =
        sqlx::query_scalar("SELECT email FROM notice_subscriptions ORDER BY email")
            .fetch_all(app.db.reader())
            .await
            .expect("subscriptions");
    assert!(
        asked.iter().all(|email| email.starts_with("allowed")),
        "{asked:?}"
    );
}
