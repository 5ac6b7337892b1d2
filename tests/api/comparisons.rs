use crate::helpers::{Backend, both_backends, document_with, spawn_app, spawn_demo_app};
use reqwest::{StatusCode, header};

both_backends!(
    comparison_page_summarises_and_marks_the_changes,
    each_layout_has_its_own_page,
    either_order_shows_the_older_revision_as_before,
    a_revision_compared_with_itself_is_identical,
    unknown_revisions_and_malformed_ranges_answer_404_with_a_message,
    the_markdown_sources_download_as_a_unified_diff,
    history_links_every_revision_to_its_comparison,
    the_compare_form_redirects_to_the_comparison,
    classification_follows_what_was_published,
    comparisons_are_localised,
);

async fn comparison_page_summarises_and_marks_the_changes(backend: Backend) {
    let app = spawn_demo_app(backend).await;
    let (status, html) = app.page("/policies/privacy/diff/2..3").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Changes to Privacy Policy"), "{html}");
    assert!(html.contains("Before: version 2"), "{html}");
    assert!(html.contains("After: version 3"), "{html}");
    // The publisher's summary of the newer revision.
    assert!(
        html.contains("API content will be deleted after 14 days instead of 30"),
        "{html}"
    );
    // Marked as text, not only colour: <del>/<ins> and a visible label per changed block.
    assert!(html.contains("<del>"), "{html}");
    assert!(html.contains("<ins>"), "{html}");
    assert!(html.contains(r#"class="diff-label""#), "{html}");
    assert!(html.contains(r#"id="change-1""#), "{html}");
    assert!(html.contains("words added"), "{html}");
    assert!(html.contains("Sections changed"), "{html}");
    // Download and layout links are on the page.
    assert!(
        html.contains(r#"href="/policies/privacy/diff/2..3.diff?lang=en""#),
        "no download link: {html}"
    );
    assert!(
        html.contains(r#"href="/policies/privacy/diff/2..3?view=side-by-side""#),
        "no side-by-side link: {html}"
    );
}

async fn each_layout_has_its_own_page(backend: Backend) {
    let app = spawn_demo_app(backend).await;
    let (status, inline) = app.page("/policies/privacy/diff/1..3").await;
    assert_eq!(status, StatusCode::OK);
    assert!(inline.contains(r#"class="diff-inline""#), "{inline}");
    assert!(inline.contains(r#"aria-current="page">Inline"#), "{inline}");

    let (status, side) = app
        .page("/policies/privacy/diff/1..3?view=side-by-side")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(side.contains(r#"class="diff-side-by-side""#), "{side}");
    assert!(side.contains(r#"class="diff-before""#), "{side}");
    assert!(
        side.contains(r#"aria-current="page">Side by side"#),
        "{side}"
    );

    let (status, changes) = app.page("/policies/privacy/diff/1..3?view=changes").await;
    assert_eq!(status, StatusCode::OK);
    assert!(changes.contains("diff-changes-only"), "{changes}");
    // Unchanged sections collapse behind a link into the inline view.
    assert!(changes.contains(r#"class="diff-collapsed""#), "{changes}");
    assert!(
        changes.contains(r#"href="/policies/privacy/diff/1..3#section-"#),
        "{changes}"
    );
    assert!(
        changes.contains("unchanged blocks: show") || changes.contains("unchanged block: show"),
        "{changes}"
    );
    assert!(
        changes.len() < inline.len(),
        "the changes-only view ({} bytes) is not shorter than the inline one ({} bytes)",
        changes.len(),
        inline.len()
    );
}

async fn either_order_shows_the_older_revision_as_before(backend: Backend) {
    let app = spawn_demo_app(backend).await;
    let (status, forward) = app.page("/policies/terms/diff/2..3").await;
    assert_eq!(status, StatusCode::OK);
    let (status, backward) = app.page("/policies/terms/diff/3..2").await;
    assert_eq!(status, StatusCode::OK);
    assert!(backward.contains("Before: version 2"), "{backward}");
    assert!(backward.contains("After: version 3"));
    let body = |html: &str| {
        let start = html.find(r#"class="diff">"#).expect("diff body");
        let end = html.find("</main>").expect("end of main");
        html[start..end].to_owned()
    };
    assert_eq!(body(&forward), body(&backward));
}

async fn a_revision_compared_with_itself_is_identical(backend: Backend) {
    let app = spawn_demo_app(backend).await;
    let (status, html) = app.page("/policies/cookies/diff/2..2").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("diff-class-identical"), "{html}");
    assert!(html.contains("the two versions are identical"), "{html}");
    assert!(!html.contains("<del>"));
}

async fn unknown_revisions_and_malformed_ranges_answer_404_with_a_message(backend: Backend) {
    let app = spawn_demo_app(backend).await;
    let (status, html) = app.page("/policies/privacy/diff/2..9").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        html.contains("This document has no version 9 in this language. Its latest version is 3."),
        "{html}"
    );
    for range in ["two..three", "2", "0..1", "2..3..4"] {
        let (status, html) = app.page(&format!("/policies/privacy/diff/{range}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{range}");
        assert!(
            html.contains("A comparison address names two version numbers"),
            "{range}: {html}"
        );
    }
    let (status, _) = app.page("/policies/no-such-policy/diff/1..2").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, text) = app.page("/policies/privacy/diff/1..7.diff").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(text.contains("no version 7"), "{text}");
    let (status, text) = app.page("/policies/privacy/diff/a..b.diff").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(text.contains("two version numbers"), "{text}");
}

async fn the_markdown_sources_download_as_a_unified_diff(backend: Backend) {
    let app = spawn_demo_app(backend).await;
    let response = app.get("/policies/privacy/diff/3..2.diff").await;
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert_eq!(headers[header::CONTENT_TYPE], "text/x-diff; charset=utf-8");
    assert_eq!(
        headers[header::CONTENT_DISPOSITION],
        r#"attachment; filename="privacy-v2-v3.en.diff""#
    );
    let diff = response.text().await.expect("a body");
    assert!(
        diff.starts_with("--- a/privacy.v2.en.md\n+++ b/privacy.v3.en.md\n@@ "),
        "{diff}"
    );
    let old = app
        .get("/policies/privacy/v/2.md")
        .await
        .text()
        .await
        .expect("source");
    let new = app
        .get("/policies/privacy/v/3.md")
        .await
        .text()
        .await
        .expect("source");
    let removed: Vec<&str> = diff
        .lines()
        .filter(|l| l.starts_with('-') && !l.starts_with("---"))
        .collect();
    let added: Vec<&str> = diff
        .lines()
        .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
        .collect();
    assert!(!removed.is_empty() && !added.is_empty(), "{diff}");
    for line in removed {
        assert!(old.lines().any(|l| l == &line[1..]), "{line}");
    }
    for line in added {
        assert!(new.lines().any(|l| l == &line[1..]), "{line}");
    }
}

async fn history_links_every_revision_to_its_comparison(backend: Backend) {
    let app = spawn_demo_app(backend).await;
    let (status, html) = app.page("/policies/privacy/history").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(r#"href="/policies/privacy/diff/2..3""#),
        "{html}"
    );
    assert!(
        html.contains(r#"href="/policies/privacy/diff/1..2""#),
        "{html}"
    );
    assert!(!html.contains("/diff/0..1"));
    assert!(
        html.contains(r#"action="/policies/privacy/compare""#),
        "{html}"
    );
    assert!(html.contains(r#"<select name="from">"#));
    // The upcoming-change banner compares the current text with the upcoming one.
    let (_, policy) = app.page("/policies/privacy").await;
    assert!(
        policy.contains(r#"href="/policies/privacy/diff/2..3""#),
        "{policy}"
    );
}

async fn the_compare_form_redirects_to_the_comparison(backend: Backend) {
    let app = spawn_demo_app(backend).await;
    let response = app.get("/policies/privacy/compare?from=1&to=3").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()[header::LOCATION],
        "/policies/privacy/diff/1..3"
    );
    let response = app.get("/policies/privacy/compare?from=3&to=2").await;
    assert_eq!(
        response.headers()[header::LOCATION],
        "/policies/privacy/diff/3..2"
    );
    for query in ["", "?from=1", "?from=x&to=2", "?from=0&to=2"] {
        let response = app.get(&format!("/policies/privacy/compare{query}")).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
        let text = response.text().await.expect("a body");
        assert!(text.contains("choose two versions to compare"), "{text}");
    }
}

async fn classification_follows_what_was_published(backend: Backend) {
    let app = spawn_app(backend).await;
    let base = "# Data Notice\n\nWe keep logs for 30 days. See the [processors](/policies/subprocessors).\n";
    document_with(
        &app,
        "notice",
        &[
            base,
            "# Data Notice\n\nWe keep logs for   30 days.\nSee the [processors](/policies/subprocessors).\n",
            "# Data Notice\n\nWe keep logs for 30 days. See the [processors](/legal/processors).\n",
            "# Data Notice\n\nWe keep logs for 14 days. See the [processors](/legal/processors).\n",
            "# Data Notice\n\nWe keep logs for 14 days. See the [processors](/legal/processors).\n\n\
             ## Training\n\nWe never use your prompts or files to train models, ours or anyone \
             else's, unless you opt in to the research programme in your account settings.\n",
        ],
    )
    .await;
    let class = |html: &str| {
        let start = html.find("diff-class diff-class-").expect("a class") + 22;
        html[start..]
            .split('"')
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    let (_, whitespace) = app.page("/policies/notice/diff/1..2").await;
    assert_eq!(class(&whitespace), "whitespace-only");
    let (_, links) = app.page("/policies/notice/diff/2..3").await;
    assert_eq!(class(&links), "links-only");
    assert!(
        links.contains("<code>/policies/subprocessors</code>"),
        "{links}"
    );
    assert!(links.contains("<code>/legal/processors</code>"), "{links}");
    let (_, editorial) = app.page("/policies/notice/diff/3..4").await;
    assert_eq!(class(&editorial), "editorial");
    assert!(
        editorial.contains("<del>30</del><ins>14</ins>"),
        "{editorial}"
    );
    let (_, substantive) = app.page("/policies/notice/diff/4..5").await;
    assert_eq!(class(&substantive), "substantive");
    assert!(
        substantive.contains(r##"<a href="#section-2">Training</a>"##),
        "{substantive}"
    );
}

async fn comparisons_are_localised(backend: Backend) {
    let app = spawn_demo_app(backend).await;
    let (status, html) = app
        .page_with(
            "/policies/privacy/diff/2..3",
            &[(header::COOKIE, "charter-lang=de")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"<html lang="de""#), "{html}");
    assert!(
        html.contains("Änderungen an: Datenschutzerklärung"),
        "{html}"
    );
    assert!(html.contains("Vorher: Version 2"));
    assert!(html.contains("API-Inhalte werden künftig nach 14 statt 30 Tagen gelöscht"));
    assert!(html.contains(r#"<div lang="de" class="diff">"#), "{html}");
    assert!(html.contains(r#"href="/policies/privacy/diff/2..3.diff?lang=de""#));
}
