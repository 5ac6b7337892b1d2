//! The editor, the publishing workflow and the settings page, on both backends: drafts and their
//! preview, publishing editorial and material revisions against the notice period, the role of
//! every admin endpoint, and CSRF on the forms and server functions.

use crate::{
    admin::{PASSWORD, account, audit_actions, csrf_of, sign_in},
    helpers::{Backend, TestApp, both_backends, document_with, readable_text, spawn_app},
};
use app::{admin::Role, clock::Timestamp, inventory::ssr::DEFAULT_INVENTORY};
use reqwest::{StatusCode, header};

both_backends!(
    an_editor_saves_a_draft_and_sees_its_preview,
    an_editorial_revision_takes_effect_at_once_and_ends_the_draft,
    a_material_revision_needs_a_summary_notice_and_every_language,
    the_notice_period_is_an_admin_setting_of_14_days_or_more,
    autosave_and_preview_need_a_session_and_its_csrf_token,
    every_admin_endpoint_answers_each_role_as_it_may,
    cross_site_posts_change_nothing,
);

/// SQLite only: PostgreSQL has row locks, not one write lock per file.
#[test]
fn a_publish_waits_while_another_process_writes_on_sqlite() {
    crate::helpers::run(a_publish_waits_while_another_process_writes());
}

const SLUG: &str = "notice";
const EDITOR: &str = "/admin/documents/notice/en";

/// A signed-in browser: its session cookie and its CSRF token.
pub(crate) struct Browser {
    pub(crate) cookie: String,
    pub(crate) csrf: String,
}

pub(crate) async fn signed_in(app: &TestApp, email: &str, role: Role) -> Browser {
    account(app, email, role).await;
    let (_, token) = sign_in(app, email, PASSWORD, None).await;
    let token = token.expect("a session");
    Browser {
        csrf: csrf_of(app, &token).await,
        cookie: format!("__Host-charter_session={token}"),
    }
}

async fn app_with_document(backend: Backend) -> TestApp {
    let app = spawn_app(backend).await;
    document_with(
        &app,
        SLUG,
        &["# Data Notice\n\nWe keep logs for 30 days.\n"],
    )
    .await;
    app
}

impl Browser {
    pub(crate) async fn get(&self, app: &TestApp, path: &str) -> (StatusCode, String) {
        let response = app
            .client
            .get(app.url(path))
            .header(header::COOKIE, &self.cookie)
            .send()
            .await
            .expect("request");
        (response.status(), readable_text(response).await)
    }

    pub(crate) async fn post(
        &self,
        app: &TestApp,
        path: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut form = vec![("csrf", self.csrf.as_str())];
        form.extend_from_slice(fields);
        app.client
            .post(app.url(path))
            .header(header::COOKIE, &self.cookie)
            .form(&form)
            .send()
            .await
            .expect("request")
    }

    async fn save(&self, app: &TestApp, source: &str) -> reqwest::Response {
        self.post(
            app,
            "/admin/drafts/save",
            &[("slug", SLUG), ("locale", "en"), ("source", source)],
        )
        .await
    }

    async fn publish(&self, app: &TestApp, source: &str, fields: &[(&str, &str)]) -> String {
        let mut form = vec![("slug", SLUG), ("locale", "en"), ("source", source)];
        form.extend_from_slice(fields);
        let response = self.post(app, "/admin/drafts/publish", &form).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        location(&response)
    }
}

pub(crate) fn location(response: &reqwest::Response) -> String {
    response.headers()[header::LOCATION]
        .to_str()
        .expect("ascii")
        .to_owned()
}

/// The document's revisions in English: number, class and effective time.
async fn revisions(app: &TestApp) -> Vec<(i64, String, i64)> {
    sqlx::query_as(
        "SELECT r.number, r.class, r.effective_at FROM revisions r
         JOIN documents d ON d.id = r.document_id
         WHERE d.slug = $1 AND r.locale = 'en' ORDER BY r.number",
    )
    .bind(SLUG)
    .fetch_all(app.db.reader())
    .await
    .expect("revisions")
}

async fn drafts(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM drafts")
        .fetch_one(app.db.reader())
        .await
        .expect("drafts")
}

fn day_in(days: i64) -> String {
    Timestamp::now()
        .plus_days(days)
        .rfc3339()
        .get(..10)
        .expect("a date")
        .to_owned()
}

async fn an_editor_saves_a_draft_and_sees_its_preview(backend: Backend) {
    let app = app_with_document(backend).await;
    let editor = signed_in(&app, "eve@example.com", Role::Editor).await;

    let (status, page) = editor.get(&app, EDITOR).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("We keep logs for 30 days."), "{page}");
    assert!(page.contains("Not changed yet"), "{page}");
    assert!(
        !page.contains("Publish this draft"),
        "an editor cannot publish"
    );

    let response = editor
        .save(&app, "# Data Notice\n\nWe keep logs for **14 days**.\n")
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), format!("{EDITOR}?notice=saved"));
    let (_, page) = editor.get(&app, &format!("{EDITOR}?notice=saved")).await;
    assert!(page.contains("The draft is saved"), "{page}");
    assert!(
        page.contains("<strong>14 days</strong>"),
        "the preview renders the draft: {page}"
    );
    assert!(page.contains("eve@example.com"), "{page}");

    let (status, list) = editor.get(&app, "/admin/documents").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        list.contains("Data Notice") && list.contains("Draft saved"),
        "{list}"
    );
    let (status, compare) = editor.get(&app, &format!("{EDITOR}/compare")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        compare.contains("30") && compare.contains("14"),
        "the comparison shows both: {compare}"
    );
    assert!(
        audit_actions(&app)
            .await
            .contains(&"draft_saved".to_owned())
    );
    assert_eq!(revisions(&app).await.len(), 1, "saving publishes nothing");

    let too_large = "x".repeat(app::markdown::MAX_SOURCE_BYTES + 1);
    let response = editor.save(&app, &too_large).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(location(&response).contains("notice=too-large"));
    let (_, page) = editor.get(&app, EDITOR).await;
    assert!(
        page.contains("<strong>14 days</strong>"),
        "a refused save keeps the saved draft"
    );
}

async fn an_editorial_revision_takes_effect_at_once_and_ends_the_draft(backend: Backend) {
    let app = app_with_document(backend).await;
    let publisher = signed_in(&app, "pat@example.com", Role::Publisher).await;
    let before = Timestamp::now().as_millis();
    let location = publisher
        .publish(
            &app,
            "# Data Notice\n\nWe keep our logs for 30 days.\n",
            &[
                ("class", "editorial"),
                ("summary", ""),
                ("effective_on", ""),
            ],
        )
        .await;
    assert_eq!(
        location,
        "/admin/documents?notice=published&revision=notice%2Fen+v2"
    );
    let revisions = revisions(&app).await;
    let (number, class, effective_at) = revisions.last().expect("published").clone();
    assert_eq!((number, class.as_str()), (2, "editorial"));
    assert!(effective_at >= before, "in effect from publication");
    assert_eq!(drafts(&app).await, 0, "the draft became the revision");
    let (_, public) = app.page("/policies/notice").await;
    assert!(public.contains("We keep our logs for 30 days."), "{public}");
    let audit = audit_actions(&app).await;
    assert!(audit.ends_with(&["draft_saved".to_owned(), "revision_published".to_owned()]));
}

async fn a_material_revision_needs_a_summary_notice_and_every_language(backend: Backend) {
    let app = app_with_document(backend).await;
    let publisher = signed_in(&app, "pat@example.com", Role::Publisher).await;
    let text = "# Data Notice\n\nWe keep logs for 90 days.\n";
    let effective = day_in(31);

    let refused = publisher
        .publish(
            &app,
            text,
            &[
                ("class", "material"),
                ("summary", " "),
                ("effective_on", &effective),
            ],
        )
        .await;
    assert!(refused.contains("notice=missing-summary"), "{refused}");

    let too_soon = day_in(29);
    let refused = publisher
        .publish(
            &app,
            text,
            &[
                ("class", "material"),
                ("summary", "Logs are kept longer."),
                ("effective_on", &too_soon),
            ],
        )
        .await;
    assert!(refused.contains("notice=notice-too-short"), "{refused}");
    let (_, page) = publisher.get(&app, &refused).await;
    assert!(
        page.contains("may take effect on") && page.contains("Logs are kept longer."),
        "the refusal explains, and keeps the summary typed: {page}"
    );

    let refused = publisher
        .publish(
            &app,
            text,
            &[
                ("class", "material"),
                ("summary", "Logs are kept longer."),
                ("effective_on", "next week"),
            ],
        )
        .await;
    assert!(refused.contains("notice=bad-date"), "{refused}");

    let refused = publisher
        .publish(
            &app,
            text,
            &[
                ("class", "material"),
                ("summary", "Logs are kept longer."),
                ("effective_on", &effective),
            ],
        )
        .await;
    assert!(refused.contains("notice=missing-locales"), "{refused}");
    let (_, page) = publisher.get(&app, &refused).await;
    assert!(page.contains("no draft in de"), "{page}");
    assert!(page.contains("confirm_missing_locales"), "{page}");
    assert_eq!(
        revisions(&app).await.len(),
        1,
        "nothing refused was published"
    );

    let published = publisher
        .publish(
            &app,
            text,
            &[
                ("class", "material"),
                ("summary", "Logs are kept longer."),
                ("effective_on", &effective),
                ("confirm_missing_locales", "true"),
            ],
        )
        .await;
    assert!(
        published.starts_with("/admin/documents?notice=published&revision="),
        "{published}"
    );
    let revisions = revisions(&app).await;
    let (number, class, effective_at) = revisions.last().expect("published").clone();
    assert_eq!((number, class.as_str()), (2, "material"));
    assert_eq!(
        Timestamp::from_millis(effective_at).rfc3339(),
        format!("{effective}T00:00:00Z")
    );
    let summary: String = sqlx::query_scalar("SELECT summary FROM revisions WHERE number = 2")
        .fetch_one(app.db.reader())
        .await
        .expect("summary");
    assert_eq!(summary, "Logs are kept longer.");
}

async fn the_notice_period_is_an_admin_setting_of_14_days_or_more(backend: Backend) {
    let app = app_with_document(backend).await;
    let admin = signed_in(&app, "ada@example.com", Role::Admin).await;
    let (status, page) = admin.get(&app, "/admin/settings").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(r#"value="30""#), "30 days by default: {page}");

    let refused = admin
        .post(&app, "/admin/settings", &[("notice_days", "13")])
        .await;
    assert!(location(&refused).contains("notice=bad-notice-days"));
    let (_, page) = admin.get(&app, &location(&refused)).await;
    assert!(page.contains("“13” is not a notice period"), "{page}");

    let saved = admin
        .post(&app, "/admin/settings", &[("notice_days", "14")])
        .await;
    assert_eq!(location(&saved), "/admin/settings?notice=saved");
    assert!(
        audit_actions(&app)
            .await
            .contains(&"settings_changed".to_owned())
    );

    // With 14 days, a date 15 days out is allowed where 30 days would refuse it.
    let published = admin
        .publish(
            &app,
            "# Data Notice\n\nWe keep logs for 60 days.\n",
            &[
                ("class", "material"),
                ("summary", "Logs are kept longer."),
                ("effective_on", &day_in(15)),
                ("confirm_missing_locales", "true"),
            ],
        )
        .await;
    assert!(
        published.starts_with("/admin/documents?notice=published&revision="),
        "{published}"
    );
}

/// Calls a server function as the hydrated page does (URL-encoded arguments).
async fn call(
    app: &TestApp,
    function: &str,
    cookie: Option<&str>,
    origin: Option<&str>,
    arguments: &[(&str, &str)],
) -> (StatusCode, String) {
    let mut request = app
        .client
        .post(app.url(&format!("/api/admin/{function}")))
        .form(arguments);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    if let Some(origin) = origin {
        request = request.header(header::ORIGIN, origin);
    }
    let response = request.send().await.expect("request");
    (response.status(), response.text().await.expect("body"))
}

async fn autosave_and_preview_need_a_session_and_its_csrf_token(backend: Backend) {
    let app = app_with_document(backend).await;
    let editor = signed_in(&app, "eve@example.com", Role::Editor).await;
    fn draft(csrf: &str) -> [(&str, &str); 4] {
        [
            ("csrf", csrf),
            ("slug", SLUG),
            ("locale", "en"),
            ("source", "# Data Notice\n\nAutosaved.\n"),
        ]
    }
    let csrf = editor.csrf.as_str();

    let (status, body) = call(&app, "save-draft", None, None, &draft(csrf)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (status, body) = call(
        &app,
        "save-draft",
        Some(&editor.cookie),
        None,
        &draft("not-the-token"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(drafts(&app).await, 0);

    let (status, body) = call(&app, "save-draft", Some(&editor.cookie), None, &draft(csrf)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("eve@example.com"), "{body}");
    assert_eq!(drafts(&app).await, 1);

    let preview = [("locale", "en"), ("source", "Some *emphasis*")];
    let (status, _) = call(&app, "preview", None, None, &preview).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = call(&app, "preview", Some(&editor.cookie), None, &preview).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("<em>emphasis</em>"), "{body}");
    let (status, body) = call(
        &app,
        "preview",
        Some(&editor.cookie),
        None,
        &[("locale", "en"), ("source", "  ")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("the text is empty"), "{body}");
}

/// Who asks: nobody, or a signed-in account of a role.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Anonymous,
    As(Role),
}

/// What an endpoint must answer.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Answer {
    /// Served (a page 200, a form 303 elsewhere than sign-in, a server function 200).
    Served,
    /// Sent to sign in (a page 302, a form 303 to the sign-in page).
    SignIn,
    /// 401: the session is missing (server functions called by an open page).
    Unauthorised,
    Forbidden,
}

/// Publishes a material revision of the document and returns its notice campaign's id.
async fn material_campaign(app: &TestApp) -> i64 {
    crate::notices::publish_material(&app.db, SLUG, "Logs are kept longer.").await;
    sqlx::query_scalar("SELECT MAX(id) FROM notice_campaigns")
        .fetch_one(app.db.reader())
        .await
        .expect("its campaign")
}

async fn every_admin_endpoint_answers_each_role_as_it_may(backend: Backend) {
    use Answer::*;
    let app = app_with_document(backend).await;
    let mut browsers = Vec::new();
    for (email, role) in [
        ("eve@example.com", Role::Editor),
        ("pat@example.com", Role::Publisher),
        ("ada@example.com", Role::Admin),
    ] {
        browsers.push((Who::As(role), Some(signed_in(&app, email, role).await)));
    }
    browsers.insert(0, (Who::Anonymous, None));
    // The account the users endpoints act on.
    account(&app, "target@example.com", Role::Editor).await;
    let target: i64 = sqlx::query_scalar("SELECT id FROM admin_users WHERE email = $1")
        .bind("target@example.com")
        .fetch_one(app.db.reader())
        .await
        .expect("account");
    // The comparison page needs a draft.
    if let Some((_, Some(editor))) = browsers.get(1) {
        editor.save(&app, "# Data Notice\n\nDraft.\n").await;
    }
    // The notice pages need a campaign: a material revision's.
    let campaign = material_campaign(&app).await.to_string();
    // What an editor, a publisher and an admin get.
    let everyone = [Served, Served, Served];
    let publishers = [Forbidden, Served, Served];
    let admins = [Forbidden, Forbidden, Served];

    enum Endpoint {
        Page(&'static str),
        Form(&'static str, Vec<(&'static str, String)>),
        /// A server function called from an open page: refuses a stranger with 401.
        Function(&'static str, Vec<(&'static str, String)>),
        /// A server function that loads a page's data: sends a stranger to sign in.
        Loader(&'static str, Vec<(&'static str, String)>),
    }
    let source = "# Data Notice\n\nEditorial fix.\n".to_owned();
    let draft_fields = vec![
        ("slug", SLUG.to_owned()),
        ("locale", "en".to_owned()),
        ("source", source.clone()),
    ];
    let mut publish_fields = draft_fields.clone();
    publish_fields.push(("class", "editorial".to_owned()));
    let table: Vec<(Endpoint, [Answer; 3])> = vec![
        (Endpoint::Page("/admin"), everyone),
        (Endpoint::Page("/admin/documents"), everyone),
        (Endpoint::Page(EDITOR), everyone),
        (
            Endpoint::Page("/admin/documents/notice/en/compare"),
            everyone,
        ),
        // Before the publish form below, which ends the draft it compares.
        (
            Endpoint::Loader(
                "compare-draft",
                vec![("slug", SLUG.to_owned()), ("locale", "en".to_owned())],
            ),
            everyone,
        ),
        (Endpoint::Page("/admin/settings"), admins),
        (Endpoint::Page("/admin/sites"), admins),
        (
            Endpoint::Form(
                "/admin/sites",
                vec![
                    ("origin", "https://www.example.com".to_owned()),
                    ("model", "opt-in".to_owned()),
                ],
            ),
            admins,
        ),
        (
            Endpoint::Form("/admin/drafts/save", draft_fields.clone()),
            everyone,
        ),
        (
            Endpoint::Form("/admin/drafts/publish", publish_fields),
            publishers,
        ),
        (
            Endpoint::Form("/admin/settings", vec![("notice_days", "30".to_owned())]),
            admins,
        ),
        (Endpoint::Page("/admin/users"), admins),
        (
            Endpoint::Form(
                "/admin/users/invite",
                vec![
                    ("email", "new@example.com".to_owned()),
                    ("role", "editor".to_owned()),
                ],
            ),
            admins,
        ),
        (
            Endpoint::Form(
                "/admin/users/role",
                vec![
                    ("user_id", target.to_string()),
                    ("role", "editor".to_owned()),
                ],
            ),
            admins,
        ),
        (
            Endpoint::Form("/admin/users/remove", vec![("user_id", target.to_string())]),
            admins,
        ),
        (Endpoint::Page("/admin/audit"), admins),
        (Endpoint::Page("/admin/consent"), admins),
        (Endpoint::Page("/admin/consent/export?format=csv"), admins),
        (Endpoint::Page("/admin/inventory"), admins),
        (
            Endpoint::Form(
                "/admin/inventory/draft",
                vec![("source", DEFAULT_INVENTORY.to_owned())],
            ),
            admins,
        ),
        (
            Endpoint::Form(
                "/admin/inventory/activate",
                vec![("version", "0".repeat(64)), ("confirm", "yes".to_owned())],
            ),
            admins,
        ),
        (Endpoint::Form("/admin/inventory/discard", vec![]), admins),
        (
            Endpoint::Loader("audit", vec![("query[action]", "sign_in".to_owned())]),
            admins,
        ),
        (
            Endpoint::Loader(
                "consent-records",
                vec![("query[method]", "accept_all".to_owned())],
            ),
            admins,
        ),
        (Endpoint::Loader("inventory", vec![]), admins),
        (Endpoint::Loader("home", vec![]), everyone),
        (Endpoint::Loader("documents", vec![]), everyone),
        (
            Endpoint::Loader(
                "editor",
                vec![("slug", SLUG.to_owned()), ("locale", "en".to_owned())],
            ),
            everyone,
        ),
        (Endpoint::Loader("users", vec![]), admins),
        (Endpoint::Loader("settings", vec![]), admins),
        (Endpoint::Page("/admin/recipients"), admins),
        (Endpoint::Loader("recipients", vec![]), admins),
        (Endpoint::Page("/admin/notices"), publishers),
        (Endpoint::Loader("notices", vec![]), publishers),
        (
            Endpoint::Loader(
                "notice-campaign",
                vec![
                    ("id", campaign.clone()),
                    ("state", String::new()),
                    ("after", String::new()),
                ],
            ),
            publishers,
        ),
        (
            Endpoint::Form("/admin/notices/retry", vec![("campaign", campaign.clone())]),
            publishers,
        ),
        (Endpoint::Function("save-draft", draft_fields), everyone),
        (
            Endpoint::Function(
                "preview",
                vec![("locale", "en".to_owned()), ("source", source.clone())],
            ),
            everyone,
        ),
    ];

    let mut wrong = Vec::new();
    for (endpoint, expected) in &table {
        for (who, browser) in &browsers {
            let cookie = browser.as_ref().map(|b| b.cookie.as_str());
            let csrf = browser.as_ref().map_or("", |b| b.csrf.as_str());
            let (name, answer) = match endpoint {
                Endpoint::Page(path) => {
                    let mut request = app.client.get(app.url(path));
                    if let Some(cookie) = cookie {
                        request = request.header(header::COOKIE, cookie);
                    }
                    let response = request.send().await.expect("request");
                    let answer = match response.status() {
                        StatusCode::OK => Some(Served),
                        StatusCode::FOUND | StatusCode::SEE_OTHER
                            if location(&response).starts_with("/admin/sign-in") =>
                        {
                            Some(SignIn)
                        }
                        StatusCode::FORBIDDEN => Some(Forbidden),
                        _ => None,
                    };
                    (format!("GET {path}"), (answer, response.status()))
                }
                Endpoint::Form(path, fields)
                | Endpoint::Function(path, fields)
                | Endpoint::Loader(path, fields) => {
                    let is_form = matches!(endpoint, Endpoint::Form(..));
                    let url = if is_form {
                        app.url(path)
                    } else {
                        app.url(&format!("/api/admin/{path}"))
                    };
                    let mut form: Vec<(&str, &str)> = vec![("csrf", csrf)];
                    form.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
                    let mut request = app.client.post(url).form(&form);
                    if let Some(cookie) = cookie {
                        request = request.header(header::COOKIE, cookie);
                    }
                    let response = request.send().await.expect("request");
                    let status = response.status();
                    let answer = match status {
                        // The invitation form answers with the page that shows its link, so
                        // the link never travels in a redirect.
                        StatusCode::OK if !is_form || *path == "/admin/users/invite" => {
                            Some(Served)
                        }
                        StatusCode::SEE_OTHER | StatusCode::FOUND
                            if location(&response).starts_with("/admin/sign-in") =>
                        {
                            Some(SignIn)
                        }
                        StatusCode::SEE_OTHER => Some(Served),
                        StatusCode::UNAUTHORIZED => Some(Unauthorised),
                        StatusCode::FORBIDDEN => Some(Forbidden),
                        _ => None,
                    };
                    (format!("POST {path}"), (answer, status))
                }
            };
            let want = match (who, endpoint) {
                (Who::As(role), _) => expected[*role as usize],
                (Who::Anonymous, Endpoint::Function(..)) => Unauthorised,
                (Who::Anonymous, _) => SignIn,
            };
            if answer.0 != Some(want) {
                wrong.push(format!(
                    "{name} as {who:?}: wanted {want:?}, got {}",
                    answer.1
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

async fn cross_site_posts_change_nothing(backend: Backend) {
    let app = app_with_document(backend).await;
    let admin = signed_in(&app, "ada@example.com", Role::Admin).await;
    let evil = Some("https://evil.example");
    let (status, body) = call(
        &app,
        "save-draft",
        Some(&admin.cookie),
        evil,
        &[
            ("csrf", admin.csrf.as_str()),
            ("slug", SLUG),
            ("locale", "en"),
            ("source", "# Planted\n"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let response = app
        .client
        .post(app.url("/admin/settings"))
        .header(header::COOKIE, &admin.cookie)
        .header(header::ORIGIN, "https://evil.example")
        .form(&[("csrf", admin.csrf.as_str()), ("notice_days", "14")])
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(drafts(&app).await, 0);
    let settings: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM settings")
        .fetch_one(app.db.reader())
        .await
        .expect("settings");
    assert_eq!(settings, 0);
}

/// The `charter` CLI writing while a publish runs (as e2e's account creation does) once made the
/// publish answer 500 "database is locked": its transaction read first, and a read lock cannot
/// wait to become a write lock.
async fn a_publish_waits_while_another_process_writes() {
    use sqlx::{Connection, Executor, SqliteConnection};
    let app = app_with_document(Backend::Sqlite).await;
    let publisher = signed_in(&app, "pat@example.com", Role::Publisher).await;
    let mut other = SqliteConnection::connect(app.database_url())
        .await
        .expect("a second connection");
    other
        .execute("BEGIN IMMEDIATE")
        .await
        .expect("the other process takes the write lock");
    let other_process = async {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        other
            .execute("CREATE TABLE another_process_was_here (id INTEGER); COMMIT")
            .await
            .expect("the other process commits");
    };
    let ((), location) = tokio::join!(
        other_process,
        publisher.publish(
            &app,
            "# Data Notice\n\nWe keep our logs for 30 days.\n",
            &[
                ("class", "editorial"),
                ("summary", ""),
                ("effective_on", ""),
            ],
        )
    );
    assert_eq!(
        location,
        "/admin/documents?notice=published&revision=notice%2Fen+v2"
    );
    assert_eq!(revisions(&app).await.len(), 2);
}
