use crate::helpers::{
    Backend, Options, both_backends, readable_text, spawn_app, spawn_demo_app, start,
};
use reqwest::{StatusCode, header};

both_backends!(
    home_without_documents_shows_the_empty_state,
    home_lists_demo_documents_in_english,
    accept_language_picks_german,
    language_cookie_overrides_accept_language,
    a_lang_parameter_overrides_cookie_and_header,
    unknown_language_falls_back_to_english,
    unknown_paths_answer_a_localised_404,
    language_switch_sets_the_cookie_and_redirects_back,
    language_switch_refuses_unknown_languages,
    demo_content_loads_only_into_an_empty_database,
    pages_carry_security_headers,
);

async fn home_without_documents_shows_the_empty_state(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app.get("/").await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = readable_text(response).await;
    assert!(html.contains("<html lang=\"en\""), "{html}");
    assert!(html.contains("Policies of Test Organisation"), "{html}");
    assert!(
        html.contains("No policies have been published yet."),
        "{html}"
    );
    assert!(
        !html.contains("Upcoming changes"),
        "nothing is upcoming: {html}"
    );
}

async fn home_lists_demo_documents_in_english(backend: Backend) {
    let app = spawn_demo_app(backend).await;
    let (_, html) = app.page("/").await;
    assert!(html.contains("Policies of Quillstone AI Ltd"), "{html}");
    for (title, href) in [
        ("Privacy Policy", "/policies/privacy"),
        ("Cookie Policy", "/policies/cookies"),
        ("Terms of Service", "/policies/terms"),
        ("Sub-processors", "/policies/subprocessors"),
    ] {
        assert!(html.contains(title), "{title} missing: {html}");
        assert!(html.contains(&format!("href=\"{href}\"")), "{href} missing");
    }
    assert!(!html.contains("No policies have been published yet."));
    assert!(
        html.contains("Upcoming changes")
            && html.contains("href=\"/policies/privacy/diff/2..3\"")
            && html.contains("href=\"/policies/privacy/v/3\""),
        "the upcoming privacy change is listed: {html}"
    );
}

async fn get_with(app: &crate::helpers::TestApp, headers: &[(header::HeaderName, &str)]) -> String {
    let (status, html) = app.page_with("/", headers).await;
    assert_eq!(status, StatusCode::OK);
    html
}

async fn accept_language_picks_german(backend: Backend) {
    let app = spawn_demo_app(backend).await;
    let html = get_with(
        &app,
        &[(header::ACCEPT_LANGUAGE, "de-DE,de;q=0.9,en;q=0.5")],
    )
    .await;
    assert!(html.contains("<html lang=\"de\""), "{html}");
    assert!(html.contains("Richtlinien von Quillstone AI Ltd"), "{html}");
    assert!(html.contains("Datenschutzerklärung"), "{html}");
    assert!(html.contains("Zum Inhalt springen"), "{html}");
}

async fn language_cookie_overrides_accept_language(backend: Backend) {
    let app = spawn_demo_app(backend).await;
    let html = get_with(
        &app,
        &[
            (header::ACCEPT_LANGUAGE, "de-DE,de;q=0.9"),
            (header::COOKIE, "charter-lang=en"),
        ],
    )
    .await;
    assert!(html.contains("<html lang=\"en\""), "{html}");
    assert!(html.contains("Privacy Policy"), "{html}");

    let html = get_with(&app, &[(header::COOKIE, "charter-lang=de")]).await;
    assert!(html.contains("<html lang=\"de\""), "{html}");
}

/// Notice emails link to `?lang=` pages, so a recipient reads the text they were told about.
async fn a_lang_parameter_overrides_cookie_and_header(backend: Backend) {
    let app = spawn_demo_app(backend).await;
    let english_reader = [
        (header::ACCEPT_LANGUAGE, "en-GB,en;q=0.9"),
        (header::COOKIE, "charter-lang=en"),
    ];
    let (status, html) = app
        .page_with("/policies/privacy?lang=de", &english_reader)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<html lang=\"de\""), "{html}");
    assert!(html.contains("Datenschutzerklärung"), "{html}");
    let (_, html) = app
        .page_with("/policies/privacy?lang=xx", &english_reader)
        .await;
    assert!(
        html.contains("<html lang=\"en\""),
        "an unknown language is ignored: {html}"
    );
}

async fn unknown_language_falls_back_to_english(backend: Backend) {
    let app = spawn_demo_app(backend).await;
    let html = get_with(
        &app,
        &[
            (header::ACCEPT_LANGUAGE, "fr-FR,fr;q=0.9"),
            (header::COOKIE, "charter-lang=xx"),
        ],
    )
    .await;
    assert!(html.contains("<html lang=\"en\""), "{html}");
    assert!(html.contains("Privacy Policy"), "{html}");
}

async fn unknown_paths_answer_a_localised_404(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app.get("/no/such/page").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let html = response.text().await.unwrap();
    assert!(html.contains("Page not found"), "{html}");

    let response = app
        .client
        .get(app.url("/no/such/page"))
        .header(header::ACCEPT_LANGUAGE, "de")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Seite nicht gefunden")
    );
}

async fn language_switch_sets_the_cookie_and_redirects_back(backend: Backend) {
    let app = spawn_app(backend).await;
    // What a browser without JavaScript sends when the "Deutsch" button is pressed.
    let response = app
        .client
        .post(app.url("/api/language"))
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .header(header::REFERER, app.url("/"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body("lang=de")
        .send()
        .await
        .unwrap();
    assert!(response.status().is_redirection(), "{}", response.status());
    // The server-function layer may leave an empty query (`/?`) when it strips error details.
    let location = response.headers()[header::LOCATION].to_str().unwrap();
    assert_eq!(location.trim_end_matches('?'), app.url("/"));
    let cookie = response.headers()[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.starts_with("charter-lang=de;"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
}

async fn language_switch_refuses_unknown_languages(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app
        .client
        .post(app.url("/api/language"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body("lang=xx")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.headers().get(header::SET_COOKIE).is_none());
    let body = response.text().await.unwrap();
    assert!(body.contains("unsupported language"), "{body}");
}

async fn demo_content_loads_only_into_an_empty_database(backend: Backend) {
    let app = spawn_demo_app(backend).await;
    assert_eq!(app::documents::ssr::count(&app.db).await.unwrap(), 4);
    let database = app.stop().await;
    // A restart with CHARTER_DEMO still set must not duplicate or touch anything.
    let app = start(
        database,
        Options {
            demo: true,
            organisation: "Quillstone AI Ltd",
            ..Options::default()
        },
    )
    .await;
    assert_eq!(app::documents::ssr::count(&app.db).await.unwrap(), 4);
}

async fn pages_carry_security_headers(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app.get("/").await;
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert_eq!(response.headers()["x-frame-options"], "DENY");
    assert_eq!(
        response.headers()["referrer-policy"],
        "strict-origin-when-cross-origin"
    );
    assert!(
        response
            .headers()
            .get("strict-transport-security")
            .is_none(),
        "no HSTS over plain HTTP"
    );
    // The policy allows inline scripts by hash alone (see `page_cache` for every page's
    // scripts): a page shared by every visitor names no nonce, and one rendered for a single
    // visitor a fresh one per response.
    let policy = |response: &reqwest::Response| {
        response.headers()["content-security-policy"]
            .to_str()
            .expect("ascii")
            .to_owned()
    };
    let shared = policy(&response);
    assert!(shared.contains("frame-ancestors 'none'"), "{shared}");
    assert!(shared.contains("script-src 'self' 'sha256-"), "{shared}");
    assert!(!shared.contains("unsafe-inline' 'wasm"), "{shared}");
    assert!(!shared.contains("'nonce-"), "{shared}");
    let settings = policy(&app.get("/cookies/settings").await);
    assert!(settings.contains("'nonce-"), "{settings}");
    assert_ne!(
        settings,
        policy(&app.get("/cookies/settings").await),
        "a fresh nonce per response"
    );
    let api = app.get("/.well-known/gpc.json").await;
    assert_eq!(
        api.headers()["content-security-policy"],
        app::csp::NON_PAGE_POLICY
    );
}
