use crate::helpers::{
    Backend, TestApp, both_backends, publish_editorial, spawn_app, spawn_demo_app,
};
use app::{
    clock::Timestamp,
    documents::{
        DocumentKind, Slug,
        ssr::{NewDocument, create},
    },
    i18n::Locale,
    revisions::{
        RevisionClass,
        ssr::{NewRevision, PublishError, publish},
    },
};
use reqwest::{StatusCode, header};
use sha2::{Digest, Sha256};

both_backends!(
    published_revisions_cannot_be_changed_or_deleted,
    policy_page_shows_the_current_text_and_the_upcoming_change,
    history_lists_every_revision_and_archives_are_marked,
    unknown_documents_and_revisions_answer_404,
    markdown_and_json_forms_carry_the_exact_source_and_metadata,
    missing_translations_fall_back_to_english_with_a_notice,
    feeds_list_revisions_and_answer_conditional_requests,
    publishing_refuses_bad_revisions_without_writing_anything,
    raw_html_in_a_revision_is_sanitised,
    feeds_and_json_name_the_organisation_not_the_publisher_account,
    an_archived_cookie_policy_lists_the_cookies_of_its_time,
);

async fn revision_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM revisions")
        .fetch_one(app.db.reader())
        .await
        .unwrap()
}

async fn published_revisions_cannot_be_changed_or_deleted(backend: Backend) {
    let app = spawn_demo_app(backend).await;
    let before: String =
        sqlx::query_scalar("SELECT source FROM revisions WHERE number = 1 ORDER BY id LIMIT 1")
            .fetch_one(app.db.reader())
            .await
            .unwrap();
    for statement in [
        "UPDATE revisions SET source = 'rewritten' WHERE number = 1",
        "UPDATE revisions SET effective_at = 0",
        "DELETE FROM revisions WHERE number = 1",
        "DELETE FROM revisions",
    ] {
        let result = sqlx::query(statement).execute(app.db.writer()).await;
        let error = result.expect_err(statement).to_string();
        assert!(
            error.contains("immutable") || error.contains("cannot be deleted"),
            "{statement}: {error}"
        );
    }
    if matches!(backend, Backend::Postgres) {
        assert!(
            sqlx::query("TRUNCATE revisions")
                .execute(app.db.writer())
                .await
                .is_err()
        );
    }
    let after: String =
        sqlx::query_scalar("SELECT source FROM revisions WHERE number = 1 ORDER BY id LIMIT 1")
            .fetch_one(app.db.reader())
            .await
            .unwrap();
    assert_eq!(before, after);
    assert_eq!(revision_count(&app).await, 24);
}

async fn policy_page_shows_the_current_text_and_the_upcoming_change(backend: Backend) {
    let app = spawn_demo_app(backend).await;
    let (status, html) = app.page("/policies/privacy").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("<h1 class=\"policy-title\">Privacy Policy</h1>"),
        "{html}"
    );
    assert!(
        html.contains("Last updated") && html.contains("Effective"),
        "{html}"
    );
    // The current text is version 2, which keeps API content for 30 days.
    assert!(
        html.contains("API content is deleted after 30 days."),
        "{html}"
    );
    assert!(
        !html.contains("API content is deleted after 14 days."),
        "upcoming text shown as current"
    );
    assert!(
        html.contains("<h2 id=\"8-data-retention\">8. Data retention</h2>"),
        "{html}"
    );
    assert!(
        html.contains("href=\"#8-data-retention\""),
        "table of contents"
    );
    // The upcoming change: date, countdown, summary and links.
    assert!(html.contains("A change to this policy is coming"), "{html}");
    assert!(
        html.contains("in 30 days") || html.contains("in 31 days"),
        "{html}"
    );
    assert!(
        html.contains("API content will be deleted after 14 days instead of 30"),
        "{html}"
    );
    assert!(html.contains("href=\"/policies/privacy/v/3\""), "{html}");
    assert!(
        html.contains("href=\"/policies/privacy/diff/2..3\""),
        "{html}"
    );
    // Discovery.
    assert!(html.contains("rel=\"privacy-policy\"") && html.contains("href=\"/policies/privacy\""));
    assert!(html.contains("rel=\"terms-of-service\""), "{html}");
    assert!(html.contains("type=\"application/atom+xml\""), "{html}");
    assert!(html.contains("\"@type\":\"DigitalDocument\""), "{html}");
    assert!(
        html.contains("\"version\":\"2\"") && html.contains("\"inLanguage\":\"en\""),
        "{html}"
    );
    assert!(html.contains("\"dateModified\":"), "{html}");
    // External links are marked, in the text's language.
    assert!(
        html.contains("class=\"external\" href=\"https://ico.org.uk/\""),
        "{html}"
    );
    assert!(html.contains("(external link)"), "{html}");
}

async fn history_lists_every_revision_and_archives_are_marked(backend: Backend) {
    let app = spawn_demo_app(backend).await;
    let (status, html) = app.page("/policies/terms/history").await;
    assert_eq!(status, StatusCode::OK);
    for number in 1..=3 {
        assert!(
            html.contains(&format!("href=\"/policies/terms/v/{number}\"")),
            "{html}"
        );
    }
    assert!(
        html.contains("Our liability cap rises to at least GBP 1,000."),
        "{html}"
    );
    assert!(
        html.contains("editorial change") && html.contains("material change"),
        "{html}"
    );
    assert!(
        html.contains("upcoming") && html.contains("in effect"),
        "{html}"
    );

    let (status, html) = app.page("/policies/terms/v/1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("This version has been replaced and is no longer in effect."),
        "{html}"
    );
    assert!(
        html.contains("You must keep your API keys secret."),
        "{html}"
    );
    assert!(html.contains("href=\"/policies/terms\""), "{html}");

    let (_, html) = app.page("/policies/terms/v/3").await;
    assert!(
        html.contains("This version is not in effect yet."),
        "{html}"
    );
    assert!(html.contains("GBP 1,000"), "{html}");

    let (_, html) = app.page("/policies/terms/v/2").await;
    assert!(
        html.contains("This is the version in effect now."),
        "{html}"
    );
}

async fn unknown_documents_and_revisions_answer_404(backend: Backend) {
    let app = spawn_demo_app(backend).await;
    for path in [
        "/policies/nope",
        "/policies/nope/history",
        "/policies/privacy/v/9",
        "/policies/privacy/v/0",
        "/policies/privacy/v/abc",
        "/policies/Bad_Slug",
        "/policies/privacy/v/9.md",
        "/policies/privacy/v/9.json",
        "/policies/nope/feed.atom",
    ] {
        let (status, _) = app.page(path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (_, html) = app.page("/policies/nope").await;
    assert!(html.contains("Page not found"), "{html}");
}

async fn markdown_and_json_forms_carry_the_exact_source_and_metadata(backend: Backend) {
    let app = spawn_demo_app(backend).await;
    let response = app.get("/policies/privacy/v/3.md?lang=de").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "text/markdown; charset=utf-8"
    );
    let source = response.text().await.unwrap();
    assert!(source.starts_with("# Datenschutzerklärung"), "{source}");
    assert!(source.contains("nach 14 Tagen gelöscht"), "{source}");
    let sha256 = hex::encode(Sha256::digest(source.as_bytes()));

    let response = app.get("/policies/privacy/v/3.json?lang=de").await;
    assert_eq!(response.status(), StatusCode::OK);
    let json: serde_json::Value = response.json().await.unwrap();
    assert_eq!(json["source_sha256"], sha256.as_str());
    assert_eq!(json["document"], "privacy");
    assert_eq!(json["locale"], "de");
    assert_eq!(json["number"], 3);
    assert_eq!(json["status"], "upcoming");
    assert_eq!(json["class"], "material");
    assert!(
        json["summary"]
            .as_str()
            .unwrap()
            .contains("14 statt 30 Tagen")
    );
    assert!(json["effective_at"].as_str().unwrap().ends_with('Z'));
    assert!(
        json["url"]
            .as_str()
            .unwrap()
            .ends_with("/policies/privacy/v/3?lang=de")
    );
}

async fn missing_translations_fall_back_to_english_with_a_notice(backend: Backend) {
    let app = spawn_app(backend).await;
    let slug: Slug = "ai-principles".parse().unwrap();
    create(
        &app.db,
        &NewDocument {
            slug: slug.clone(),
            kind: DocumentKind::Custom,
            titles: &[(Locale::En, "AI Principles")],
        },
        0,
    )
    .await
    .unwrap();
    publish_editorial(
        &app,
        &slug,
        "# AI Principles\n\nWe explain how our models work.",
    )
    .await;
    let response = app
        .client
        .get(app.url("/policies/ai-principles"))
        .header(header::ACCEPT_LANGUAGE, "de")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains("<html lang=\"de\""), "{html}");
    assert!(
        html.contains("Diese Richtlinie gibt es noch nicht in Ihrer Sprache."),
        "{html}"
    );
    assert!(html.contains("We explain how our models work."), "{html}");
    assert!(html.contains("<article lang=\"en\""), "{html}");
}

async fn feeds_list_revisions_and_answer_conditional_requests(backend: Backend) {
    let app = spawn_demo_app(backend).await;
    let response = app.get("/feed.atom").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "application/atom+xml; charset=utf-8"
    );
    let etag = response.headers()[header::ETAG]
        .to_str()
        .unwrap()
        .to_owned();
    let last_modified = response.headers()[header::LAST_MODIFIED]
        .to_str()
        .unwrap()
        .to_owned();
    let xml = response.text().await.unwrap();
    assert!(
        xml.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\""),
        "{xml}"
    );
    assert_eq!(
        xml.matches("<entry>").count(),
        12,
        "4 documents x 3 English revisions"
    );
    assert!(xml.contains("<id>tag:127.0.0.1,"), "{xml}");
    assert!(xml.contains(":policies/privacy/en/3</id>"), "{xml}");
    assert!(xml.contains("/policies/privacy/v/3?lang=en"), "{xml}");

    let not_modified = app
        .client
        .get(app.url("/feed.atom"))
        .header(header::IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(not_modified.status(), StatusCode::NOT_MODIFIED);
    let not_modified = app
        .client
        .get(app.url("/feed.atom"))
        .header(header::IF_MODIFIED_SINCE, &last_modified)
        .send()
        .await
        .unwrap();
    assert_eq!(not_modified.status(), StatusCode::NOT_MODIFIED);
    let changed = app
        .client
        .get(app.url("/feed.atom"))
        .header(header::IF_NONE_MATCH, "\"something-else\"")
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);

    let (status, xml) = app.page("/policies/cookies/feed.atom?lang=de").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(xml.matches("<entry>").count(), 3, "{xml}");
    assert!(xml.contains("Cookie-Richtlinie"), "{xml}");
    assert!(xml.contains("xml:lang=\"de\""), "{xml}");
}

async fn publishing_refuses_bad_revisions_without_writing_anything(backend: Backend) {
    let app = spawn_demo_app(backend).await;
    let before = revision_count(&app).await;
    let slug: Slug = "privacy".parse().unwrap();
    let now = Timestamp::now();
    let revision =
        |source: &'static str, class, summary: &'static str, effective_days| NewRevision {
            slug: &slug,
            locale: Locale::En,
            source,
            class,
            summary,
            author: "Editor",
            published_at: now,
            effective_at: now.plus_days(effective_days),
            notice_days: 30,
            images: app::markdown::ImageHosts::site_only(),
        };
    let error = publish(
        &app.db,
        &revision("# New", RevisionClass::Material, "  ", 40),
    )
    .await
    .unwrap_err();
    assert!(matches!(error, PublishError::MissingSummary), "{error}");
    let error = publish(
        &app.db,
        &revision("# New", RevisionClass::Material, "Changes", 29),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            error,
            PublishError::NoticeTooShort {
                notice_days: 30,
                ..
            }
        ),
        "{error}"
    );
    assert!(error.to_string().contains("30 days"), "{error}");
    let big: &'static str = Box::leak("a".repeat(1024 * 1024 + 1).into_boxed_str());
    let error = publish(&app.db, &revision(big, RevisionClass::Editorial, "", 0))
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("at most 1048576 bytes"),
        "{error}"
    );
    let unknown: Slug = "unknown".parse().unwrap();
    let error = publish(
        &app.db,
        &NewRevision {
            slug: &unknown,
            ..revision("# New", RevisionClass::Editorial, "", 0)
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(error, PublishError::UnknownDocument(_)), "{error}");
    assert_eq!(revision_count(&app).await, before);

    // A valid editorial revision takes effect at once and becomes current.
    let meta = publish(
        &app.db,
        &revision(
            "# Privacy Policy\n\nShorter.",
            RevisionClass::Editorial,
            "",
            99,
        ),
    )
    .await
    .unwrap();
    assert_eq!(meta.number, 4);
    assert_eq!(meta.effective_at, now);
    let (_, html) = app.page("/policies/privacy").await;
    assert!(html.contains("Shorter."), "{html}");
}

async fn raw_html_in_a_revision_is_sanitised(backend: Backend) {
    let app = spawn_demo_app(backend).await;
    let slug: Slug = "cookies".parse().unwrap();
    publish_editorial(
        &app,
        &slug,
        "# Cookies\n\n<script>alert('x')</script>\n\n<img src=x onerror=\"alert(1)\">\n\n[click](javascript:alert(2))\n\nStill here.",
    )
    .await;
    let (_, html) = app.page("/policies/cookies").await;
    let text = &html[html.find("class=\"policy-text\"").unwrap()..];
    let text = &text[..text.find("</div>").unwrap()];
    assert!(text.contains("Still here."), "{text}");
    for forbidden in ["<script", "onerror", "javascript:"] {
        assert!(!text.contains(forbidden), "{forbidden} survived: {text}");
    }
}

async fn feeds_and_json_name_the_organisation_not_the_publisher_account(backend: Backend) {
    let app = spawn_app(backend).await;
    let slug: Slug = "data-notice".parse().unwrap();
    create(
        &app.db,
        &NewDocument {
            slug: slug.clone(),
            kind: DocumentKind::Custom,
            titles: &[(Locale::En, "Data Notice")],
        },
        0,
    )
    .await
    .unwrap();
    let now = Timestamp::now();
    publish(
        &app.db,
        &NewRevision {
            slug: &slug,
            locale: Locale::En,
            source: "# Data Notice\n\nWe keep logs for 30 days.\n",
            class: RevisionClass::Editorial,
            summary: "",
            // What the editor records: the publishing account.
            author: "publisher@example.com",
            published_at: now,
            effective_at: now,
            notice_days: 30,
            images: app::markdown::ImageHosts::site_only(),
        },
    )
    .await
    .expect("published");
    for path in [
        "/feed.atom",
        "/policies/data-notice/feed.atom",
        "/policies/data-notice/v/1.json",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let body = response.text().await.unwrap();
        assert!(!body.contains("publisher@example.com"), "{path}: {body}");
        assert!(body.contains("Test Organisation"), "{path}: {body}");
    }
}

/// The table of a Cookie Policy revision that is no longer current lists the inventory in
/// force when it took effect; the current revision's lists today's.
async fn an_archived_cookie_policy_lists_the_cookies_of_its_time(backend: Backend) {
    use app::inventory::ssr::{DEFAULT_INVENTORY, activate, parse};
    let app = spawn_demo_app(backend).await;
    let slug: Slug = "cookies".parse().unwrap();
    let archived: i64 = sqlx::query_scalar(
        "SELECT MAX(r.number) FROM revisions r JOIN documents d ON d.id = r.document_id
         WHERE d.slug = 'cookies' AND r.locale = 'en' AND r.effective_at <= $1",
    )
    .bind(Timestamp::now().as_millis())
    .fetch_one(app.db.reader())
    .await
    .unwrap();
    let renamed = parse(&DEFAULT_INVENTORY.replacen("Analytics", "Audience statistics", 1))
        .expect("a valid inventory");
    activate(
        &app.db,
        &renamed,
        &app::audit::ssr::Actor::local("test", "cookie table"),
    )
    .await
    .expect("in force");
    publish_editorial(&app, &slug, "# Cookie Policy\n\nToday's text.").await;

    let table = |html: &str| {
        let start = html.find("class=\"cookie-table\"").expect("a cookie table");
        html[start..].to_owned()
    };
    let (status, current) = app.page("/policies/cookies").await;
    assert_eq!(status, StatusCode::OK);
    let current = table(&current);
    assert!(current.contains("Audience statistics"), "{current}");
    assert!(current.contains("always current"), "{current}");

    let (status, old) = app.page(&format!("/policies/cookies/v/{archived}")).await;
    assert_eq!(status, StatusCode::OK);
    let old = table(&old);
    assert!(!old.contains("Audience statistics"), "{old}");
    assert!(old.contains("<h3>Analytics</h3>"), "{old}");
    assert!(old.contains("in force on"), "{old}");
}
