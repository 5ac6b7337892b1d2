//! Accounts managed in the browser, on both backends: invitations (one-time, 72 hours), role
//! changes that apply at once, removal that signs out everywhere, and the last admin kept.

use crate::{
    admin::{PASSWORD, account, audit_actions, csrf_of, sign_in},
    helpers::{Backend, TestApp, both_backends, readable_text, spawn_app},
};
use app::{
    admin::{
        Role,
        ssr::accounts::{self, ChangeError},
    },
    audit::ssr::Actor,
};
use reqwest::{StatusCode, header};

both_backends!(
    an_invitation_creates_one_account_once,
    an_expired_invitation_or_a_weak_password_creates_nothing,
    a_role_change_applies_to_the_next_request,
    a_removed_account_is_signed_out_and_cannot_sign_in,
    the_last_admin_cannot_be_demoted_or_removed,
    two_admins_demoted_at_once_leave_one_admin,
    a_removed_admins_pending_invitations_stop_working,
    an_admin_revokes_a_pending_invitation,
    a_malformed_or_unknown_invitation_token_is_refused_before_any_hashing,
);

struct Admin {
    cookie: String,
    csrf: String,
}

async fn admin(app: &TestApp) -> Admin {
    account(app, "ada@example.com", Role::Admin).await;
    let (_, token) = sign_in(app, "ada@example.com", PASSWORD, None).await;
    let token = token.expect("a session");
    Admin {
        csrf: csrf_of(app, &token).await,
        cookie: format!("__Host-charter_session={token}"),
    }
}

impl Admin {
    async fn post(&self, app: &TestApp, path: &str, fields: &[(&str, &str)]) -> String {
        let mut form = vec![("csrf", self.csrf.as_str())];
        form.extend_from_slice(fields);
        let response = app
            .client
            .post(app.url(path))
            .header(header::COOKIE, &self.cookie)
            .form(&form)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        location(&response)
    }

    /// Invites `email` and returns the path of the invitation link, shown on the answer.
    async fn invite(&self, app: &TestApp, email: &str, role: &str) -> String {
        let response = self
            .send(
                app,
                "/admin/users/invite",
                &[("email", email), ("role", role)],
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "the answer is the page");
        assert!(response.headers().get(header::LOCATION).is_none());
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
        let page = readable_text(response).await;
        let start = page
            .find(r#"<code class="users-link">"#)
            .expect("the link is shown to the admin")
            + 25;
        let link = page[start..].split('<').next().expect("the link");
        url::Url::parse(link)
            .expect("an absolute link")
            .path()
            .to_owned()
    }

    async fn send(&self, app: &TestApp, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
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
}

fn location(response: &reqwest::Response) -> String {
    response.headers()[header::LOCATION]
        .to_str()
        .expect("ascii")
        .to_owned()
}

/// Accepts the invitation at `link` with `password`: where it sends the browser, and the
/// session cookie it sets, if any.
async fn accept(app: &TestApp, link: &str, password: &str) -> (String, Option<String>) {
    let token = link.rsplit('/').next().expect("token");
    let response = app
        .client
        .post(app.url("/admin/invitations/accept"))
        .form(&[
            ("token", token),
            ("password", password),
            ("password_again", password),
        ])
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let session = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|cookie| cookie.strip_prefix("__Host-charter_session="))
        .map(|cookie| cookie.split(';').next().unwrap_or_default().to_owned());
    (location(&response), session)
}

async fn user_id(app: &TestApp, email: &str) -> String {
    let id: i64 = sqlx::query_scalar("SELECT id FROM admin_users WHERE email = $1")
        .bind(email)
        .fetch_one(app.db.reader())
        .await
        .expect("account");
    id.to_string()
}

async fn an_invitation_creates_one_account_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = admin(&app).await;
    let link = admin.invite(&app, "Grace@Example.com", "publisher").await;
    assert!(link.starts_with("/admin/invitations/"), "{link}");

    let (status, page) = app.page(&link).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("You are invited as grace@example.com") && page.contains("Publisher"),
        "{page}"
    );
    let (landed, session) = accept(&app, &link, "another long passphrase").await;
    assert_eq!(landed, "/admin");
    let session = session.expect("signed in at once");
    let home = app
        .client
        .get(app.url("/admin"))
        .header(header::COOKIE, format!("__Host-charter_session={session}"))
        .send()
        .await
        .expect("request");
    assert_eq!(home.status(), StatusCode::OK);
    assert!(
        readable_text(home)
            .await
            .contains("grace@example.com (publisher)")
    );

    // The link is used up: it shows why, and creates nothing more.
    let (status, page) = app.page(&link).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("has expired or has been used"), "{page}");
    let (again, session) = accept(&app, &link, "a third long passphrase").await;
    assert_eq!((again.as_str(), session), (link.as_str(), None));
    let (_, token) = sign_in(&app, "grace@example.com", "another long passphrase", None).await;
    assert!(token.is_some(), "the first password stands");

    let refused = admin
        .post(
            &app,
            "/admin/users/invite",
            &[("email", "grace@example.com"), ("role", "editor")],
        )
        .await;
    assert!(refused.ends_with("notice=has-account"), "{refused}");
    assert!(!refused.contains("link"), "{refused}");
    let audit = audit_actions(&app).await;
    assert!(
        audit.contains(&"user_invited".to_owned()) && audit.contains(&"user_created".to_owned()),
        "{audit:?}"
    );
}

async fn an_expired_invitation_or_a_weak_password_creates_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = admin(&app).await;
    let link = admin.invite(&app, "grace@example.com", "editor").await;
    let (back, session) = accept(&app, &link, "password1234").await;
    assert_eq!(back, format!("{link}?notice=common"));
    assert!(session.is_none());
    let (back, _) = accept(&app, &link, "short").await;
    assert_eq!(back, format!("{link}?notice=too-short"));

    sqlx::query("UPDATE admin_invitations SET expires_at = created_at - 1")
        .execute(app.db.writer())
        .await
        .expect("expire the invitation");
    let (status, page) = app.page(&link).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("has expired or has been used"), "{page}");
    let (_, session) = accept(&app, &link, "another long passphrase").await;
    assert!(session.is_none());
    let accounts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM admin_users")
        .fetch_one(app.db.reader())
        .await
        .expect("count");
    assert_eq!(accounts, 1, "only the admin");
}

async fn a_role_change_applies_to_the_next_request(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = admin(&app).await;
    account(&app, "eve@example.com", Role::Editor).await;
    let (_, eve) = sign_in(&app, "eve@example.com", PASSWORD, None).await;
    let eve = format!("__Host-charter_session={}", eve.expect("session"));
    let settings = |cookie: String| {
        let app = &app;
        async move {
            app.client
                .get(app.url("/admin/settings"))
                .header(header::COOKIE, cookie)
                .send()
                .await
                .expect("request")
                .status()
        }
    };
    assert_eq!(settings(eve.clone()).await, StatusCode::FORBIDDEN);
    let id = user_id(&app, "eve@example.com").await;
    let changed = admin
        .post(
            &app,
            "/admin/users/role",
            &[("user_id", &id), ("role", "admin")],
        )
        .await;
    assert_eq!(
        changed,
        "/admin/users?notice=changed&email=eve%40example.com"
    );
    assert_eq!(settings(eve).await, StatusCode::OK);
    let detail: String =
        sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'role_changed'")
            .fetch_one(app.db.reader())
            .await
            .expect("audited");
    assert_eq!(detail, "editor → admin");
}

async fn a_removed_account_is_signed_out_and_cannot_sign_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = admin(&app).await;
    account(&app, "eve@example.com", Role::Editor).await;
    let (_, eve) = sign_in(&app, "eve@example.com", PASSWORD, None).await;
    let eve = eve.expect("session");
    let id = user_id(&app, "eve@example.com").await;
    let removed = admin
        .post(&app, "/admin/users/remove", &[("user_id", &id)])
        .await;
    assert_eq!(
        removed,
        "/admin/users?notice=removed&email=eve%40example.com"
    );
    let home = app
        .client
        .get(app.url("/admin"))
        .header(header::COOKIE, format!("__Host-charter_session={eve}"))
        .send()
        .await
        .expect("request");
    assert_eq!(home.status(), StatusCode::FOUND, "signed out everywhere");
    let (refused, token) = sign_in(&app, "eve@example.com", PASSWORD, None).await;
    assert!(
        token.is_none() && refused.contains("notice=refused"),
        "{refused}"
    );
    let (_, page) = app
        .page_with("/admin/users", &[(header::COOKIE, &admin.cookie)])
        .await;
    assert!(
        page.contains("Removed on"),
        "the account stays listed: {page}"
    );

    // Invited again, the same address gets its account back with the new role and password.
    let link = admin.invite(&app, "eve@example.com", "publisher").await;
    let (_, session) = accept(&app, &link, "a brand new passphrase").await;
    assert!(session.is_some());
    assert_eq!(
        user_id(&app, "eve@example.com").await,
        id,
        "the same account"
    );
}

async fn the_last_admin_cannot_be_demoted_or_removed(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = admin(&app).await;
    let id = user_id(&app, "ada@example.com").await;
    let refused = admin
        .post(
            &app,
            "/admin/users/role",
            &[("user_id", &id), ("role", "editor")],
        )
        .await;
    assert!(refused.ends_with("notice=last-admin"), "{refused}");
    let refused = admin
        .post(&app, "/admin/users/remove", &[("user_id", &id)])
        .await;
    assert!(refused.ends_with("notice=last-admin"), "{refused}");
    let (_, page) = app
        .page_with(&refused, &[(header::COOKIE, &admin.cookie)])
        .await;
    assert!(page.contains("That would leave no admin"), "{page}");

    account(&app, "alan@example.com", Role::Admin).await;
    let demoted = admin
        .post(
            &app,
            "/admin/users/role",
            &[("user_id", &id), ("role", "editor")],
        )
        .await;
    assert!(
        demoted.contains("notice=changed"),
        "with another admin it may: {demoted}"
    );
}

async fn two_admins_demoted_at_once_leave_one_admin(backend: Backend) {
    let app = spawn_app(backend).await;
    account(&app, "ada@example.com", Role::Admin).await;
    account(&app, "alan@example.com", Role::Admin).await;
    let ada: i64 = user_id(&app, "ada@example.com").await.parse().expect("id");
    let alan: i64 = user_id(&app, "alan@example.com").await.parse().expect("id");
    let actor = Actor::local("test", "test");
    // A race shows only now and then; each round starts again from two admins.
    for round in 0..20 {
        let (first, second) = if round % 2 == 0 {
            (
                accounts::change_role(&app.db, &actor, ada, Role::Editor),
                accounts::change_role(&app.db, &actor, alan, Role::Editor),
            )
        } else {
            (
                accounts::change_role(&app.db, &actor, ada, Role::Editor),
                accounts::change_role(&app.db, &actor, alan, Role::Publisher),
            )
        };
        let (first, second) = tokio::join!(first, second);
        let refused = [&first, &second]
            .iter()
            .filter(|result| matches!(result, Err(ChangeError::LastAdmin)))
            .count();
        assert!(
            first.is_ok() != second.is_ok() && refused == 1,
            "round {round}: exactly one demotion succeeds: {first:?} {second:?}"
        );
        let admins: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM admin_users WHERE role = 'admin' AND disabled_at IS NULL",
        )
        .fetch_one(app.db.reader())
        .await
        .expect("count");
        assert_eq!(admins, 1, "round {round}: one admin remains");
        let demoted = if first.is_ok() { ada } else { alan };
        accounts::change_role(&app.db, &actor, demoted, Role::Admin)
            .await
            .expect("promoted again");
    }
    // The same race between a demotion and a removal.
    let (demote, remove) = tokio::join!(
        accounts::change_role(&app.db, &actor, ada, Role::Editor),
        accounts::remove(&app.db, &actor, alan),
    );
    assert!(
        demote.is_ok() != remove.is_ok(),
        "a demotion and a removal at once: {demote:?} {remove:?}"
    );
}

async fn a_removed_admins_pending_invitations_stop_working(backend: Backend) {
    let app = spawn_app(backend).await;
    let ada = admin(&app).await;
    account(&app, "alan@example.com", Role::Admin).await;
    let (_, token) = sign_in(&app, "alan@example.com", PASSWORD, None).await;
    let token = token.expect("a session");
    let alan = Admin {
        csrf: csrf_of(&app, &token).await,
        cookie: format!("__Host-charter_session={token}"),
    };
    let link = alan.invite(&app, "grace@example.com", "admin").await;
    let kept = ada.invite(&app, "eve@example.com", "editor").await;
    let id = user_id(&app, "alan@example.com").await;
    ada.post(&app, "/admin/users/remove", &[("user_id", &id)])
        .await;
    let (status, page) = app.page(&link).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    let (_, session) = accept(&app, &link, "another long passphrase").await;
    assert!(
        session.is_none(),
        "the removed admin's invitation creates nothing"
    );
    let (_, session) = accept(&app, &kept, "another long passphrase").await;
    assert!(session.is_some(), "another admin's invitation still works");
}

async fn an_admin_revokes_a_pending_invitation(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = admin(&app).await;
    let link = admin.invite(&app, "grace@example.com", "publisher").await;
    let (_, page) = app
        .page_with("/admin/users", &[(header::COOKIE, &admin.cookie)])
        .await;
    assert!(
        page.contains("Pending invitations") && page.contains("grace@example.com"),
        "{page}"
    );

    let forged = app
        .client
        .post(app.url("/admin/users/revoke"))
        .header(header::COOKIE, &admin.cookie)
        .form(&[("csrf", "not-the-token"), ("email", "grace@example.com")])
        .send()
        .await
        .expect("request");
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    account(&app, "eve@example.com", Role::Publisher).await;
    let (_, eve) = sign_in(&app, "eve@example.com", PASSWORD, None).await;
    let eve = eve.expect("a session");
    let eve = Admin {
        csrf: csrf_of(&app, &eve).await,
        cookie: format!("__Host-charter_session={eve}"),
    };
    let refused = eve
        .send(
            &app,
            "/admin/users/revoke",
            &[("email", "grace@example.com")],
        )
        .await;
    assert_eq!(
        refused.status(),
        StatusCode::FORBIDDEN,
        "only admins revoke"
    );
    let (status, _) = app.page(&link).await;
    assert_eq!(status, StatusCode::OK, "still pending");

    let revoked = admin
        .post(
            &app,
            "/admin/users/revoke",
            &[("email", "grace@example.com")],
        )
        .await;
    assert_eq!(
        revoked,
        "/admin/users?notice=revoked&email=grace%40example.com"
    );
    let (_, page) = app
        .page_with(&revoked, &[(header::COOKIE, &admin.cookie)])
        .await;
    assert!(
        page.contains("The invitation of grace@example.com is revoked"),
        "{page}"
    );
    let (status, _) = app.page(&link).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, session) = accept(&app, &link, "another long passphrase").await;
    assert!(session.is_none());
    let again = admin
        .send(
            &app,
            "/admin/users/revoke",
            &[("email", "grace@example.com")],
        )
        .await;
    assert_eq!(
        again.status(),
        StatusCode::NOT_FOUND,
        "nothing left to revoke"
    );
    let detail: String =
        sqlx::query_scalar("SELECT object FROM audit_log WHERE action = 'invitation_revoked'")
            .fetch_one(app.db.reader())
            .await
            .expect("audited once");
    assert_eq!(detail, "grace@example.com");
}

async fn a_malformed_or_unknown_invitation_token_is_refused_before_any_hashing(backend: Backend) {
    let app = spawn_app(backend).await;
    let post = |token: &'static str| {
        let app = &app;
        async move {
            app.client
                .post(app.url("/admin/invitations/accept"))
                .form(&[
                    ("token", token),
                    ("password", "another long passphrase"),
                    ("password_again", "another long passphrase"),
                ])
                .send()
                .await
                .expect("request")
        }
    };
    let hashes = app.state.hasher.computed();
    let malformed = post("../../not a token").await;
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    assert!(
        readable_text(malformed)
            .await
            .contains("not a valid invitation link"),
        "a message a person can act on"
    );
    // Well-formed but unknown: the link's page explains it is used up or expired.
    let unknown = post("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").await;
    assert_eq!(unknown.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.state.hasher.computed(),
        hashes,
        "no password was hashed for a token that opens nothing"
    );
}
