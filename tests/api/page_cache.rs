//! The page cache: a public page is rendered once for everyone who asks for it the same way,
//! is not served any more once what it shows has changed, and is never shared when it is a
//! visitor's own. And the policy that lets a shared page be the same for everyone: every inline
//! script of every page is allowed by hash, or by the nonce of a page rendered for one visitor.

use crate::{
    editor::signed_in,
    helpers::{
        Backend, TestApp, both_backends, chosen_cookie, document_with, publish_editorial,
        readable_text, spawn_app,
    },
};
use app::{
    admin::Role,
    audit::ssr::Actor,
    clock::Timestamp,
    csp::ssr::script_hash,
    db::Db,
    documents::Slug,
    i18n::Locale,
    inventory::ssr::{DEFAULT_INVENTORY, activate, parse},
    revisions::{
        RevisionClass,
        ssr::{NewRevision, publish},
    },
};
use reqwest::{
    StatusCode,
    header::{self, HeaderName},
};

both_backends!(
    a_public_page_is_rendered_once_and_served_again,
    a_publication_is_shown_at_once,
    visitors_holding_a_choice_share_the_page_and_their_own_pages_are_never_kept,
    a_change_made_by_another_process_is_shown_within_a_moment,
    every_inline_script_is_allowed_by_the_pages_policy,
);

const PAGE: &str = "/policies/notice";

async fn app_with_notice(backend: Backend) -> TestApp {
    let app = spawn_app(backend).await;
    document_with(&app, "notice", &["# Notice\n\nFirst text."]).await;
    app
}

async fn a_public_page_is_rendered_once_and_served_again(backend: Backend) {
    let app = app_with_notice(backend).await;
    let brotli = [(header::ACCEPT_ENCODING, "br")];
    let first = app.get_with(PAGE, &brotli).await;
    assert_eq!(first.status(), StatusCode::OK);
    let hits = app.state.pages.hits();
    let second = app.get_with(PAGE, &brotli).await;
    assert_eq!(
        app.state.pages.hits(),
        hits + 1,
        "the second answer is the kept one"
    );
    for name in [
        header::CONTENT_ENCODING,
        header::CONTENT_SECURITY_POLICY,
        header::CACHE_CONTROL,
        header::CONTENT_TYPE,
    ] {
        assert_eq!(first.headers()[&name], second.headers()[&name], "{name}");
    }
    let first = first.bytes().await.expect("body");
    assert_eq!(first, second.bytes().await.expect("body"));

    // Another encoding or language is a page of its own, kept beside the first.
    let plain = app.get_with(PAGE, &[]).await;
    assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
    assert!(readable_text(plain).await.contains("First text."));
    assert_eq!(app.state.pages.hits(), hits + 1);
    let german = [(header::ACCEPT_LANGUAGE, "de")];
    app.get_with(PAGE, &german).await;
    app.get_with(PAGE, &german).await;
    assert_eq!(app.state.pages.hits(), hits + 2);
}

async fn a_publication_is_shown_at_once(backend: Backend) {
    let app = app_with_notice(backend).await;
    app.get(PAGE).await;
    let (_, before) = app.page(PAGE).await;
    assert!(before.contains("First text."), "{before}");
    let slug: Slug = "notice".parse().expect("slug");
    publish_editorial(&app, &slug, "# Notice\n\nSecond text.").await;
    let hits = app.state.pages.hits();
    let (status, after) = app.page(PAGE).await;
    assert_eq!(status, StatusCode::OK);
    assert!(after.contains("Second text."), "{after}");
    assert_eq!(app.state.pages.hits(), hits, "rendered anew");
    let (_, history) = app.page("/policies/notice/history").await;
    assert!(history.contains("v2") || history.contains('2'), "{history}");
}

async fn visitors_holding_a_choice_share_the_page_and_their_own_pages_are_never_kept(
    backend: Backend,
) {
    let app = app_with_notice(backend).await;
    let accepted = chosen_cookie(&app, "accept_all", "shared-page-01").await;
    let rejected = chosen_cookie(&app, "reject_all", "shared-page-02").await;
    let first = app.get_with(PAGE, &[(header::COOKIE, &accepted)]).await;
    let hits = app.state.pages.hits();
    let second = app.get_with(PAGE, &[(header::COOKIE, &rejected)]).await;
    assert_eq!(
        app.state.pages.hits(),
        hits + 1,
        "one page for both choices"
    );
    let second = second.text().await.expect("body");
    assert_eq!(first.text().await.expect("body"), second);
    assert!(
        !second.contains("class=\"consent-banner\""),
        "the banner is gone"
    );

    let cookie = rejected;
    let gpc_events = || async {
        let (count,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM consent_events WHERE method = 'gpc'")
                .fetch_one(app.db.reader())
                .await
                .expect("count");
        count
    };
    let hits = app.state.pages.hits();
    for _ in 0..2 {
        let settings = app
            .get_with("/cookies/settings", &[(header::COOKIE, &cookie)])
            .await;
        assert_eq!(settings.status(), StatusCode::OK);
        let signal = app
            .get_with(PAGE, &[(HeaderName::from_static("sec-gpc"), "1")])
            .await;
        assert_eq!(signal.status(), StatusCode::OK);
        assert!(
            signal.headers().contains_key(header::SET_COOKIE),
            "each signal without a cookie is recorded and answered with one"
        );
        app.get("/cookies/settings").await;
    }
    assert_eq!(app.state.pages.hits(), hits);
    assert_eq!(gpc_events().await, 2);
}

/// Another process (the CLI, a second instance) publishes or puts a new inventory in force:
/// the server finds it within a moment and serves no page kept from before.
async fn a_change_made_by_another_process_is_shown_within_a_moment(backend: Backend) {
    let app = app_with_notice(backend).await;
    app.get(PAGE).await;
    let other_process = Db::connect(&app.database_url().parse().expect("url"))
        .await
        .expect("a second handle");
    let edited = parse(&DEFAULT_INVENTORY.replace("Analytics", "Statistics")).expect("valid");
    activate(
        &other_process,
        &edited,
        &Actor::local("test", "another process"),
    )
    .await
    .expect("activate");
    shown_soon(&app, "Statistics").await;

    let slug: Slug = "notice".parse().expect("slug");
    publish(
        &other_process,
        &NewRevision {
            slug: &slug,
            locale: Locale::En,
            source: "# Notice\n\nPublished elsewhere.",
            class: RevisionClass::Editorial,
            summary: "",
            author: "Editor",
            published_at: Timestamp::now(),
            effective_at: Timestamp::now(),
            notice_days: 30,
            images: app::markdown::ImageHosts::site_only(),
        },
    )
    .await
    .expect("publish");
    shown_soon(&app, "Published elsewhere.").await;
    other_process.close().await;
}

/// Waits, at most a second, for the page to show `text`.
async fn shown_soon(app: &TestApp, text: &str) {
    for _ in 0..20 {
        if app.page(PAGE).await.1.contains(text) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{PAGE} does not show {text:?} a second after another process changed it");
}

/// The nonce a policy names, if any.
fn nonce_of(policy: &str) -> Option<&str> {
    let start = policy.find("'nonce-")? + "'nonce-".len();
    policy[start..].split('\'').next()
}

/// Each inline script of `page` that a browser would run: its attributes and its text.
fn inline_scripts(page: &str) -> Vec<(&str, &str)> {
    let mut scripts = Vec::new();
    let mut rest = page;
    while let Some(at) = rest.find("<script") {
        rest = &rest[at + "<script".len()..];
        let Some(end_of_tag) = rest.find('>') else {
            break;
        };
        let attributes = &rest[..end_of_tag];
        let body = &rest[end_of_tag + 1..];
        let Some(close) = body.find("</script>") else {
            break;
        };
        if !attributes.contains("src=") && !attributes.contains("application/ld+json") {
            scripts.push((attributes, &body[..close]));
        }
        rest = &body[close..];
    }
    scripts
}

async fn every_inline_script_is_allowed_by_the_pages_policy(backend: Backend) {
    let app = app_with_notice(backend).await;
    let slug: Slug = "notice".parse().expect("slug");
    publish_editorial(&app, &slug, "# Notice\n\nSecond text.").await;
    let admin = signed_in(&app, "owner@example.com", Role::Admin).await;
    let public = [
        "/",
        "/policies",
        PAGE,
        "/policies/notice/history",
        "/policies/notice/v/1",
        "/policies/notice/diff/1..2",
        "/subscribe",
        "/cookies/settings",
        "/cookies/receipts",
        "/admin/sign-in",
        "/no-such-page",
    ];
    let own = ["/admin", "/admin/documents", "/admin/documents/notice/en"];
    let requests = public
        .iter()
        .map(|path| (*path, None))
        .chain(own.iter().map(|path| (*path, Some(admin.cookie.as_str()))));
    for (path, cookie) in requests {
        let mut request = app.client.get(app.url(path));
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        let response = request.send().await.expect("request");
        let policy = response.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .expect("ascii")
            .to_owned();
        let page = response.text().await.expect("body");
        let scripts = inline_scripts(&page);
        assert!(!scripts.is_empty(), "{path}: the loader at least");
        let nonce = nonce_of(&policy);
        if ["/", PAGE, "/policies/notice/history"].contains(&path) {
            assert_eq!(nonce, None, "{path}: a shared page names no nonce");
        }
        for (attributes, text) in scripts {
            let by_nonce =
                nonce.is_some_and(|nonce| attributes.contains(&format!("nonce=\"{nonce}\"")));
            assert!(
                by_nonce || policy.contains(&script_hash(text)),
                "{path}: the policy {policy} allows no inline script {text}"
            );
        }
    }
}
