//! The company's other sites, on both backends: the registry admins keep on `/admin/sites`,
//! the consent API's CORS answers (registered origins only), the embedded banner's endpoints,
//! the site and page every event records, the choice shared across the company's domain, and
//! the GPC signal that overrides an earlier accept.

use crate::{
    admin::audit_actions,
    editor::{Browser, location, signed_in},
    helpers::{Backend, Options, TestApp, both_backends, spawn_app, spawn_app_with},
};
use app::admin::Role;
use reqwest::{StatusCode, header, header::HeaderMap};
use serde_json::{Value, json};

both_backends!(
    admins_register_and_remove_sites,
    the_consent_api_answers_registered_origins_only,
    an_event_records_the_site_and_page_it_came_from,
    a_site_on_another_domain_keeps_its_choice_in_a_token,
    the_banner_endpoint_speaks_the_pages_language_and_knows_the_visitor,
    a_gpc_signal_overrides_an_earlier_accept_once,
    the_choice_holds_across_the_companys_domain,
    the_demo_company_site_embeds_the_banner,
);

#[test]
fn the_embed_script_is_served_pinned_and_open_to_every_page() {
    crate::helpers::run(async {
        let app = spawn_app(Backend::Sqlite).await;
        let latest = app.get("/embed/v1.js").await;
        assert_eq!(latest.status(), StatusCode::OK);
        assert_eq!(
            latest.headers()[header::CONTENT_TYPE],
            "text/javascript; charset=utf-8"
        );
        assert_eq!(latest.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
        assert_eq!(
            latest.headers()[header::CACHE_CONTROL],
            "public, max-age=300"
        );
        let script = latest.bytes().await.expect("body");
        let snippet = app::embed::ssr::snippet(&app.address);
        let path = snippet
            .split('"')
            .nth(1)
            .and_then(|src| src.strip_prefix(&app.address))
            .expect("the pinned script's path")
            .to_owned();
        let pinned = app.get(&path).await;
        assert_eq!(pinned.status(), StatusCode::OK);
        assert!(
            pinned.headers()[header::CACHE_CONTROL]
                .to_str()
                .expect("text")
                .contains("immutable")
        );
        assert_eq!(pinned.bytes().await.expect("body"), script);
        // The integrity value is the script's SHA-384, as a browser checks it.
        use base64::Engine;
        use sha2::Digest;
        let integrity = format!(
            "sha384-{}",
            base64::engine::general_purpose::STANDARD.encode(sha2::Sha384::digest(&script))
        );
        assert!(snippet.contains(&integrity), "{snippet}");
        let stale = app.get("/embed/v1.0000000000000000.js").await;
        assert_eq!(stale.status(), StatusCode::NOT_FOUND);
        app.stop().await;
    });
}

const SITE: &str = "https://www.example.com";

async fn register(app: &TestApp, admin: &Browser, origin: &str, model: &str) -> String {
    let response = admin
        .post(app, "/admin/sites", &[("origin", origin), ("model", model)])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    location(&response)
}

/// An app with `SITE` registered (opt-in), and its admin.
async fn app_with_site(backend: Backend) -> (TestApp, Browser) {
    let app = spawn_app(backend).await;
    let admin = signed_in(&app, "admin@example.com", Role::Admin).await;
    register(&app, &admin, SITE, "opt-in").await;
    (app, admin)
}

fn set_cookies(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok().map(str::to_owned))
        .collect()
}

async fn choose(app: &TestApp, origin: &str, body: Value) -> reqwest::Response {
    choose_as(app, origin, None, body).await
}

/// `POST /api/consent` from a page of `origin`, with the signed choice the embed keeps there
/// (`token`), as a site on another registrable domain sends it.
async fn choose_as(
    app: &TestApp,
    origin: &str,
    token: Option<&str>,
    body: Value,
) -> reqwest::Response {
    let request = app
        .client
        .post(app.url("/api/consent"))
        .header(header::ORIGIN, origin)
        .header("sec-fetch-site", "cross-site");
    match token {
        Some(token) => request.header("charter-consent", token),
        None => request,
    }
    .json(&body)
    .send()
    .await
    .expect("request")
}

async fn event_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM consent_events")
        .fetch_one(app.db.reader())
        .await
        .expect("count")
}

async fn admins_register_and_remove_sites(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = signed_in(&app, "admin@example.com", Role::Admin).await;
    let back = register(&app, &admin, "HTTPS://WWW.Example.com/", "opt-in").await;
    let (status, page) = admin.get(&app, &back).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("https://www.example.com is registered."),
        "{page}"
    );
    register(&app, &admin, "https://*.example.org", "opt-out").await;
    let (_, page) = admin.get(&app, "/admin/sites").await;
    assert!(page.contains("https://*.example.org"), "{page}");
    assert!(page.contains("Opt-out: optional cookies on"), "{page}");
    assert!(
        page.contains("/embed/v1.") && page.contains("integrity=\"sha384-"),
        "the page shows the tag with the pinned script: {page}"
    );

    let again = register(&app, &admin, "https://www.example.com", "opt-out").await;
    let (_, page) = admin.get(&app, &again).await;
    assert!(page.contains("is registered already"), "{page}");
    for bad in [
        "www.example.com",
        "https://example.com/path",
        "https://*.co.uk",
    ] {
        let back = register(&app, &admin, bad, "opt-in").await;
        let (_, page) = admin.get(&app, &back).await;
        assert!(page.contains("is not an origin"), "{bad}: {page}");
    }
    let response = admin
        .post(
            &app,
            "/admin/sites",
            &[("origin", "https://a.example"), ("model", "maybe")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let sites: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT id, origin, model FROM consent_sites ORDER BY origin")
            .fetch_all(app.db.reader())
            .await
            .expect("sites");
    assert_eq!(
        sites
            .iter()
            .map(|(_, origin, model)| (origin.as_str(), model.as_str()))
            .collect::<Vec<_>>(),
        [
            ("https://*.example.org", "opt-out"),
            ("https://www.example.com", "opt-in")
        ]
    );

    // Editors may not change the registry; nobody may without the session's CSRF token.
    let editor = signed_in(&app, "editor@example.com", Role::Editor).await;
    let refused = editor
        .post(
            &app,
            "/admin/sites",
            &[("origin", "https://evil.example"), ("model", "opt-in")],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let forged = app
        .client
        .post(app.url("/admin/sites"))
        .header(header::COOKIE, &admin.cookie)
        .form(&[
            ("csrf", "forged"),
            ("origin", "https://evil.example"),
            ("model", "opt-in"),
        ])
        .send()
        .await
        .expect("request");
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    let (id, _, _) = &sites[1];
    let removed = admin
        .post(&app, &format!("/admin/sites/{id}/remove"), &[])
        .await;
    assert_eq!(removed.status(), StatusCode::SEE_OTHER);
    let (_, page) = admin.get(&app, &location(&removed)).await;
    assert!(
        page.contains("https://www.example.com was removed"),
        "{page}"
    );
    let missing = admin
        .post(&app, &format!("/admin/sites/{id}/remove"), &[])
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let actions = audit_actions(&app).await;
    assert_eq!(
        actions
            .iter()
            .filter(|action| action.starts_with("site_"))
            .collect::<Vec<_>>(),
        ["site_added", "site_added", "site_removed"]
    );
}

async fn the_consent_api_answers_registered_origins_only(backend: Backend) {
    let (app, admin) = app_with_site(backend).await;
    let version = app.configuration_version().await;

    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/api/consent"))
        .header(header::ORIGIN, SITE)
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .header(
            header::ACCESS_CONTROL_REQUEST_HEADERS,
            "content-type, charter-consent",
        )
        .send()
        .await
        .expect("preflight");
    assert_eq!(preflight.status(), StatusCode::NO_CONTENT);
    let headers = preflight.headers();
    assert_eq!(headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], SITE);
    assert_eq!(headers[header::ACCESS_CONTROL_ALLOW_CREDENTIALS], "true");
    assert!(
        headers[header::ACCESS_CONTROL_ALLOW_HEADERS]
            .to_str()
            .unwrap()
            .contains("charter-consent")
    );

    let accepted = choose(
        &app,
        SITE,
        json!({
            "method": "accept_all",
            "configuration_version": version,
            "idempotency_key": "site-accept-0001",
        }),
    )
    .await;
    assert_eq!(accepted.status(), StatusCode::CREATED);
    assert_eq!(
        accepted.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        SITE
    );
    assert_eq!(accepted.headers()[header::VARY], "Origin");

    // Another origin, a look-alike, a wildcard's own apex, `null`: refused with a message,
    // preflight or not, and nothing is recorded.
    for origin in [
        "https://evil.example",
        "https://www.example.com.evil.example",
        "http://www.example.com",
        "null",
    ] {
        let refused = choose(
            &app,
            origin,
            json!({
                "method": "accept_all",
                "configuration_version": version,
                "idempotency_key": format!("evil-{}", origin.len()),
            }),
        )
        .await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{origin}");
        assert!(
            !refused
                .headers()
                .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN)
        );
        let body: Value = refused.json().await.expect("JSON");
        let message = body["error"].as_str().expect("a message");
        assert!(message.contains("/admin/sites"), "{message}");
        let preflight = app
            .client
            .request(reqwest::Method::OPTIONS, app.url("/api/consent"))
            .header(header::ORIGIN, origin)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .send()
            .await
            .expect("preflight");
        assert_eq!(preflight.status(), StatusCode::FORBIDDEN, "{origin}");
        let banner = app
            .client
            .get(app.url("/api/consent/banner"))
            .header(header::ORIGIN, origin)
            .send()
            .await
            .expect("banner");
        assert_eq!(banner.status(), StatusCode::FORBIDDEN, "{origin}");
    }
    assert_eq!(event_count(&app).await, 1);

    // Charter's own pages need no registration.
    let own = app
        .client
        .get(app.url("/api/consent/banner"))
        .header(header::ORIGIN, &app.address)
        .send()
        .await
        .expect("banner");
    assert_eq!(own.status(), StatusCode::OK);

    // A site removed is refused within the registry's few seconds of freshness (at once here,
    // where it was removed).
    let id: i64 = sqlx::query_scalar("SELECT id FROM consent_sites")
        .fetch_one(app.db.reader())
        .await
        .expect("the site");
    admin
        .post(&app, &format!("/admin/sites/{id}/remove"), &[])
        .await;
    let after = choose(
        &app,
        SITE,
        json!({
            "method": "reject_all",
            "configuration_version": version,
            "idempotency_key": "site-reject-0001",
        }),
    )
    .await;
    assert_eq!(after.status(), StatusCode::FORBIDDEN);
}

async fn an_event_records_the_site_and_page_it_came_from(backend: Backend) {
    let (app, _) = app_with_site(backend).await;
    let version = app.configuration_version().await;
    let response = choose(
        &app,
        SITE,
        json!({
            "method": "reject_all",
            "configuration_version": version,
            "idempotency_key": "site-page-0001",
            "page": "/pricing?email=ada@example.com#plans",
        }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    // Charter's own banner, posted as a form.
    let form = app
        .client
        .post(app.url("/cookies/consent"))
        .header(header::ORIGIN, &app.address)
        .form(&[
            ("method", "accept_all"),
            ("configuration_version", version.as_str()),
            ("return_to", "/policies/privacy?lang=de"),
        ])
        .send()
        .await
        .expect("form");
    assert_eq!(form.status(), StatusCode::SEE_OTHER);
    let places: Vec<(String, String)> =
        sqlx::query_as("SELECT site, page FROM consent_events ORDER BY id")
            .fetch_all(app.db.reader())
            .await
            .expect("events");
    assert_eq!(
        places,
        [
            (SITE.to_owned(), "/pricing".to_owned()),
            (app.address.clone(), "/policies/privacy".to_owned())
        ]
    );
    assert_eq!(
        app::consent::ssr::verify_chain(&app.db)
            .await
            .expect("verify"),
        app::consent::ssr::ChainReport::Intact { events: 2 }
    );
}

async fn a_site_on_another_domain_keeps_its_choice_in_a_token(backend: Backend) {
    let (app, _) = app_with_site(backend).await;
    let version = app.configuration_version().await;
    let first = choose(
        &app,
        SITE,
        json!({
            "method": "accept_all",
            "configuration_version": version,
            "idempotency_key": "token-first-01",
        }),
    )
    .await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.expect("JSON");
    let token = first["token"].as_str().expect("a token").to_owned();
    let mirror = first["mirror"].as_str().expect("a mirror");
    assert_eq!(
        mirror,
        format!(
            "_v={}&analytics=1&marketing=1&preferences=1",
            &version[..16]
        )
    );

    // No cookie travels to another site's fetch; the token does, and names the same visitor.
    let banner: Value = app
        .client
        .get(app.url("/api/consent/banner"))
        .header(header::ORIGIN, SITE)
        .header("charter-consent", &token)
        .send()
        .await
        .expect("banner")
        .json()
        .await
        .expect("JSON");
    assert_eq!(banner["state"]["decided"], true);
    assert_eq!(banner["state"]["choices"]["analytics"], true);
    let second = choose_as(
        &app,
        SITE,
        Some(&token),
        json!({
            "method": "reject_all",
            "configuration_version": version,
            "idempotency_key": "token-second-01",
        }),
    )
    .await;
    let second: Value = second.json().await.expect("JSON");
    assert_eq!(second["subject_id"], first["subject_id"]);
    assert_eq!(second["action"], "withdraw");

    // Charter's own pages never read the signed choice: their cookie is HttpOnly.
    let own: Value = app
        .client
        .post(app.url("/api/consent"))
        .json(&json!({
            "method": "reject_all",
            "configuration_version": version,
            "idempotency_key": "token-own-0001",
        }))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("JSON");
    assert_eq!(own["action"], "deny");
    assert!(own.get("token").is_none(), "{own}");
    assert!(own["mirror"].is_string());

    // A forged token is ignored: a new visitor.
    let forged = choose_as(
        &app,
        SITE,
        Some(&format!("{token}x")),
        json!({
            "method": "reject_all",
            "configuration_version": version,
            "idempotency_key": "token-forged-01",
        }),
    )
    .await;
    let forged: Value = forged.json().await.expect("JSON");
    assert_ne!(forged["subject_id"], first["subject_id"]);
    assert_eq!(forged["action"], "deny");
}

async fn the_banner_endpoint_speaks_the_pages_language_and_knows_the_visitor(backend: Backend) {
    let (app, admin) = app_with_site(backend).await;
    register(&app, &admin, "https://*.example.org", "opt-out").await;
    let banner = |origin: &'static str, locale: &'static str| {
        let app = &app;
        async move {
            let response = app
                .client
                .get(app.url(&format!("/api/consent/banner?locale={locale}")))
                .header(header::ORIGIN, origin)
                .header(header::ACCEPT_LANGUAGE, "en")
                .send()
                .await
                .expect("banner");
            assert_eq!(response.status(), StatusCode::OK);
            assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
            response.json::<Value>().await.expect("JSON")
        }
    };
    let german = banner(SITE, "fr-FR,de-DE,en").await;
    assert_eq!(german["locale"], "de");
    assert_eq!(german["model"], "opt-in");
    assert_eq!(german["texts"]["reject_all"], "Alle ablehnen");
    assert_eq!(german["state"], Value::Null);
    assert_eq!(german["gpc_pending"], true);
    assert_eq!(
        german["texts"]["blocked"]
            .as_str()
            .expect("text")
            .matches("{category}")
            .count(),
        1
    );
    let categories = german["categories"].as_array().expect("categories");
    assert_eq!(categories[0]["key"], "necessary");
    assert_eq!(categories[0]["necessary"], true);
    let marketing = categories
        .iter()
        .find(|c| c["key"] == "marketing")
        .expect("marketing");
    assert_eq!(marketing["sale_or_sharing"], true);
    assert_eq!(
        marketing["consent_mode"],
        json!(["ad_storage", "ad_user_data", "ad_personalization"])
    );
    assert!(
        german["links"]["cookie_policy"]
            .as_str()
            .expect("link")
            .starts_with(&app.address)
    );

    let english = banner("https://docs.example.org", "xx").await;
    assert_eq!(english["locale"], "en");
    assert_eq!(english["model"], "opt-out");
}

async fn a_gpc_signal_overrides_an_earlier_accept_once(backend: Backend) {
    let (app, _) = app_with_site(backend).await;
    let version = app.configuration_version().await;
    let accepted: Value = choose(
        &app,
        SITE,
        json!({
            "method": "accept_all",
            "configuration_version": version,
            "idempotency_key": "gpc-accept-001",
        }),
    )
    .await
    .json()
    .await
    .expect("JSON");
    let token = accepted["token"].as_str().expect("token").to_owned();
    let signal = |token: String| {
        let app = &app;
        let version = version.clone();
        async move {
            app.client
                .post(app.url("/api/consent/gpc"))
                .header(header::ORIGIN, SITE)
                .header("charter-consent", token)
                .json(&json!({ "configuration_version": version, "page": "/" }))
                .send()
                .await
                .expect("request")
        }
    };
    let honoured = signal(token).await;
    assert_eq!(honoured.status(), StatusCode::CREATED);
    let honoured: Value = honoured.json().await.expect("JSON");
    assert_eq!(honoured["action"], "gpc_opt_out");
    assert_eq!(honoured["subject_id"], accepted["subject_id"]);
    assert_eq!(
        honoured["choices"],
        json!({ "analytics": true, "marketing": false, "preferences": true })
    );
    let again = signal(honoured["token"].as_str().expect("token").to_owned()).await;
    assert_eq!(again.status(), StatusCode::NO_CONTENT);
    let methods: Vec<String> = sqlx::query_scalar("SELECT method FROM consent_events ORDER BY id")
        .fetch_all(app.db.reader())
        .await
        .expect("events");
    assert_eq!(methods, ["accept_all", "gpc"]);

    // Accepting all again with the signal on keeps sale and sharing refused.
    let later: Value = choose_as(
        &app,
        SITE,
        honoured["token"].as_str(),
        json!({
            "method": "accept_all",
            "configuration_version": version,
            "idempotency_key": "gpc-accept-002",
            "gpc": true,
        }),
    )
    .await
    .json()
    .await
    .expect("JSON");
    assert_eq!(later["choices"]["marketing"], false);
    assert_eq!(later["choices"]["analytics"], true);

    // A malformed body is refused with a message.
    let bad = app
        .client
        .post(app.url("/api/consent/gpc"))
        .header(header::ORIGIN, SITE)
        .json(&json!({ "configuration_version": version, "surprise": 1 }))
        .send()
        .await
        .expect("request");
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let stale = app
        .client
        .post(app.url("/api/consent/gpc"))
        .header(header::ORIGIN, SITE)
        .json(&json!({ "configuration_version": "0".repeat(64) }))
        .send()
        .await
        .expect("request");
    assert_eq!(stale.status(), StatusCode::CONFLICT);
}

async fn the_choice_holds_across_the_companys_domain(backend: Backend) {
    // Charter at legal.example.com (the address is only what its links and cookies name).
    let app = spawn_app_with(
        backend,
        Options {
            demo: true,
            settings: vec![("base_url", "\"http://legal.example.com\"".to_owned())],
            ..Options::default()
        },
    )
    .await;
    let admin = signed_in(&app, "admin@example.com", Role::Admin).await;
    register(&app, &admin, "http://*.example.com", "opt-in").await;
    let version = app.configuration_version().await;
    let response = choose(
        &app,
        "http://docs.example.com",
        json!({
            "method": "custom",
            "choices": { "analytics": true, "marketing": false, "preferences": false },
            "configuration_version": version,
            "idempotency_key": "domain-wide-01",
        }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let cookies = set_cookies(response.headers());
    let consent = cookies
        .iter()
        .find(|c| c.starts_with("charter_consent=") && !c.contains("Max-Age=0"))
        .expect("the consent cookie");
    assert!(consent.contains("Domain=example.com"), "{consent}");
    assert!(consent.contains("HttpOnly"), "{consent}");
    let mirror = cookies
        .iter()
        .find(|c| c.starts_with("charter_choices="))
        .expect("the mirror");
    assert!(mirror.contains("Domain=example.com"), "{mirror}");
    assert!(!mirror.contains("HttpOnly"), "{mirror}");
    assert!(
        mirror.contains(&format!(
            "charter_choices=_v={}&analytics=1&marketing=0&preferences=0;",
            &version[..16]
        )),
        "{mirror}"
    );
    // The refused categories' cookies are expired on the host and on the domain (`_ga`-style).
    assert!(
        cookies
            .iter()
            .any(|c| c.contains("Max-Age=0") && c.contains("Domain=example.com")),
        "{cookies:?}"
    );
}

async fn the_demo_company_site_embeds_the_banner(backend: Backend) {
    let app = spawn_app_with(
        backend,
        Options {
            demo: true,
            settings: vec![("demo_site_addr", "\"127.0.0.1:0\"".to_owned())],
            ..Options::default()
        },
    )
    .await;
    let site = app.demo_site.clone().expect("the demo site listens");
    let page = app.client.get(&site).send().await.expect("the demo page");
    assert_eq!(page.status(), StatusCode::OK);
    let policy = page.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .expect("text")
        .to_owned();
    assert!(
        policy.contains(&format!("script-src 'self' {}", app.address)),
        "{policy}"
    );
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    let html = page.text().await.expect("body");
    assert!(
        html.contains(&format!("src=\"{}/embed/v1.js\"", app.address)),
        "{html}"
    );
    assert!(
        html.contains("data-charter-category=\"analytics\""),
        "{html}"
    );
    assert!(html.contains("data-src=\"/video\""), "{html}");
    let analytics = app
        .client
        .get(format!("{site}/analytics.js"))
        .send()
        .await
        .expect("script");
    assert_eq!(analytics.status(), StatusCode::OK);
    // The site is registered, so its page may use the consent API.
    let banner = app
        .client
        .get(app.url("/api/consent/banner"))
        .header(header::ORIGIN, &site)
        .send()
        .await
        .expect("banner");
    assert_eq!(banner.status(), StatusCode::OK);
    assert_eq!(
        banner.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        site.as_str()
    );
}
