//! How answers travel: compressed when the browser accepts it, and with a caching policy that
//! fits what they carry.

use crate::helpers::{Backend, both_backends, chosen_cookie, document_with, spawn_app};
use reqwest::{
    StatusCode,
    header::{self, HeaderMap},
};
use std::io::Read;

both_backends!(
    pages_feeds_and_markdown_are_compressed_for_browsers_that_accept_it,
    each_answer_says_what_a_browser_may_keep,
    a_page_ships_scripts_only_where_it_holds_an_island
);

fn gunzip(bytes: &[u8]) -> String {
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut text)
        .expect("valid gzip");
    text
}

fn unbrotli(bytes: &[u8]) -> String {
    let mut text = String::new();
    brotli_decompressor::Decompressor::new(bytes, 4096)
        .read_to_string(&mut text)
        .expect("valid brotli");
    text
}

async fn pages_feeds_and_markdown_are_compressed_for_browsers_that_accept_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let source = format!("# Notice\n\n{}", "We keep your data safe. ".repeat(50));
    document_with(&app, "notice", &[source.as_str()]).await;
    for path in ["/policies/notice", "/feed.atom", "/policies/notice/v/1.md"] {
        let plain = app.get_with(path, &[]).await;
        assert_eq!(plain.status(), StatusCode::OK, "{path}");
        assert!(
            plain.headers().get(header::CONTENT_ENCODING).is_none(),
            "{path}"
        );
        let plain = plain.text().await.expect("body");

        let gzip = app
            .get_with(path, &[(header::ACCEPT_ENCODING, "gzip")])
            .await;
        assert_eq!(gzip.headers()[header::CONTENT_ENCODING], "gzip", "{path}");
        let vary: Vec<String> = gzip
            .headers()
            .get_all(header::VARY)
            .iter()
            .map(|value| value.to_str().expect("ascii").to_lowercase())
            .collect();
        assert!(
            vary.iter().any(|value| value.contains("accept-encoding")),
            "{path}: {vary:?}"
        );
        if path == "/feed.atom" {
            // Compressed, the feed's validator is weak, and still answers a revalidation.
            let etag = gzip.headers()[header::ETAG]
                .to_str()
                .expect("ascii")
                .to_owned();
            assert!(etag.starts_with("W/\""), "{etag}");
            let again = app
                .get_with(
                    path,
                    &[
                        (header::ACCEPT_ENCODING, "gzip"),
                        (header::IF_NONE_MATCH, &etag),
                    ],
                )
                .await;
            assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        }
        let gzip = gzip.bytes().await.expect("body");
        assert!(
            gzip.len() < plain.len() / 2,
            "{path}: {} of {}",
            gzip.len(),
            plain.len()
        );

        let brotli = app
            .get_with(path, &[(header::ACCEPT_ENCODING, "gzip, deflate, br")])
            .await;
        assert_eq!(brotli.headers()[header::CONTENT_ENCODING], "br", "{path}");
        let brotli = brotli.bytes().await.expect("body");
        // Nothing in an answer is its own (a page names its scripts by hash): each encoding
        // carries the same text.
        for text in [gunzip(&gzip), unbrotli(&brotli)] {
            assert_eq!(text, plain, "{path}");
        }
    }
}

fn cache_control(headers: &HeaderMap) -> &str {
    headers
        .get(header::CACHE_CONTROL)
        .map(|value| value.to_str().expect("ascii"))
        .unwrap_or("(none)")
}

async fn each_answer_says_what_a_browser_may_keep(backend: Backend) {
    let app = spawn_app(backend).await;
    document_with(&app, "notice", &["# Notice\n\nText."]).await;
    // A first visit shows the banner, whose form carries nothing of this answer; the
    // settings form carries a key for this answer only.
    let first = app.get_with("/policies/notice", &[]).await;
    assert_eq!(cache_control(first.headers()), "private, no-cache");
    assert!(
        first
            .text()
            .await
            .expect("body")
            .contains(r#"name="idempotency_key" value="""#)
    );
    let settings = app.get_with("/cookies/settings", &[]).await;
    assert_eq!(cache_control(settings.headers()), "no-store");
    let admin = app.get_with("/admin/sign-in", &[]).await;
    assert_eq!(cache_control(admin.headers()), "no-store");

    // Once the visitor has chosen, the page has nothing of one answer: revalidated, never
    // kept by a shared cache.
    let cookie = chosen_cookie(&app, "reject_all", "delivery-0001").await;
    let page = app
        .get_with("/policies/notice", &[(header::COOKIE, &cookie)])
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(cache_control(page.headers()), "private, no-cache");
    assert!(
        !page
            .text()
            .await
            .expect("body")
            .contains(r#"name="idempotency_key""#)
    );
}

/// The islands a page holds, by the name of their component.
fn islands(page: &str) -> Vec<&str> {
    page.match_indices("<leptos-island")
        .filter_map(|(at, _)| {
            let tag = &page[at..at + page[at..].find('>')?];
            let name = tag.split("data-component=\"").nth(1)?;
            name.split('"').next()
        })
        .collect()
}

async fn a_page_ships_scripts_only_where_it_holds_an_island(backend: Backend) {
    let app = spawn_app(backend).await;
    document_with(
        &app,
        "notice",
        &["# Notice\n\nWe keep data.", "# Notice\n\nWe delete data."],
    )
    .await;

    // A first visit: the banner asks, and its region is the page's one island.
    let (status, first) = app.page("/policies/notice").await;
    assert_eq!(status, StatusCode::OK);
    let found = islands(&first);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("BannerRegion_"), "{found:?}");
    // The loader is inline and fetches the scripts itself: nothing is preloaded.
    assert!(!first.contains("modulepreload") && !first.contains(r#"rel="preload""#));
    assert!(!first.contains("<script src"));
    assert!(first.contains(r#"<script type="module">((js, wasm) =>"#));

    let cookie = chosen_cookie(&app, "accept_all", "islands-0001").await;
    let cookie = [(header::COOKIE, cookie.as_str())];

    // Chosen: reading, the history and the settings hold no island at all.
    for path in [
        "/policies/notice",
        "/policies/notice/history",
        "/cookies/settings",
        "/",
    ] {
        let (status, page) = app.page_with(path, &cookie).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(islands(&page), Vec::<&str>::new(), "{path}");
        assert!(!page.contains("modulepreload"), "{path}");
    }
    // A comparison's keyboard navigation is one.
    let (status, comparison) = app.page_with("/policies/notice/diff/1..2", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    let found = islands(&comparison);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("ChangeNavigation_"), "{found:?}");
}
