//! The admin area's sign-in, sessions, sign-out, throttling and audit log, on both backends.

use crate::helpers::{Backend, TestApp, both_backends, readable_text, spawn_app};
use app::{
    admin::{
        Role,
        ssr::{accounts, password::NewPassword},
    },
    audit::ssr::Actor,
    clock::Timestamp,
};
use reqwest::{StatusCode, header};

both_backends!(
    the_admin_home_sends_a_stranger_to_sign_in,
    signing_in_opens_the_home_and_signing_out_closes_it,
    a_wrong_password_and_an_unknown_address_are_refused_alike_then_throttled,
    signing_in_again_replaces_the_session,
    sign_out_needs_the_session_csrf_token_and_this_site,
    an_idle_or_old_session_ends,
    sign_out_everywhere_ends_every_session,
    audit_entries_cannot_be_changed_or_deleted,
    thirty_wrong_passwords_at_once_are_checked_at_most_five_times,
    the_right_password_from_another_network_signs_in_after_an_address_was_hammered,
    fifty_throttled_attempts_are_audited_once,
    a_long_typed_address_is_refused_and_never_stored,
    failures_older_than_the_window_are_pruned,
    a_sign_in_with_hashing_at_capacity_answers_503_and_counts_nothing,
);

pub(crate) const PASSWORD: &str = "a long and unusual passphrase";

pub(crate) async fn account(app: &TestApp, email: &str, role: Role) {
    let password: NewPassword = PASSWORD.parse().expect("strong");
    let operator = Actor::local("test", "test");
    accounts::create(
        &app.db,
        &app.state.hasher,
        &email.parse().expect("email"),
        role,
        &password,
        &operator,
    )
    .await
    .expect("account created");
}

/// Posts the sign-in form; the answer's `Location` and the session token it sets, if any.
pub(crate) async fn sign_in(
    app: &TestApp,
    email: &str,
    password: &str,
    cookie: Option<&str>,
) -> (String, Option<String>) {
    let mut request = app.client.post(app.url("/admin/sign-in")).form(&[
        ("email", email),
        ("password", password),
        ("return_to", "/admin"),
    ]);
    if let Some(token) = cookie {
        request = request.header(header::COOKIE, format!("__Host-charter_session={token}"));
    }
    let response = request.send().await.expect("request");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()[header::LOCATION]
        .to_str()
        .expect("ascii")
        .to_owned();
    let token = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|cookie| {
            let value = cookie.strip_prefix("__Host-charter_session=")?;
            assert!(cookie.contains("HttpOnly"), "{cookie}");
            assert!(cookie.contains("Secure"), "{cookie}");
            assert!(cookie.contains("SameSite=Strict"), "{cookie}");
            assert!(cookie.contains("Path=/"), "{cookie}");
            Some(value.split(';').next().unwrap_or_default().to_owned())
        });
    (location, token)
}

/// The admin home as the browser holding `token` gets it.
async fn home(app: &TestApp, token: &str) -> (StatusCode, String) {
    let response = app
        .client
        .get(app.url("/admin"))
        .header(header::COOKIE, format!("__Host-charter_session={token}"))
        .send()
        .await
        .expect("request");
    (response.status(), readable_text(response).await)
}

/// The CSRF token in the home page's forms.
pub(crate) async fn csrf_of(app: &TestApp, token: &str) -> String {
    let html = app
        .client
        .get(app.url("/admin"))
        .header(header::COOKIE, format!("__Host-charter_session={token}"))
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("body");
    let start = html.find(r#"name="csrf" value=""#).expect("a csrf field") + 19;
    html[start..].split('"').next().expect("value").to_owned()
}

async fn post_signed_in(
    app: &TestApp,
    path: &str,
    token: &str,
    csrf: &str,
    origin: Option<&str>,
) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url(path))
        .header(header::COOKIE, format!("__Host-charter_session={token}"))
        .form(&[("csrf", csrf)]);
    if let Some(origin) = origin {
        request = request.header(header::ORIGIN, origin);
    }
    request.send().await.expect("request")
}

pub(crate) async fn audit_actions(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT action FROM audit_log ORDER BY id")
        .fetch_all(app.db.reader())
        .await
        .expect("audit log")
}

async fn the_admin_home_sends_a_stranger_to_sign_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app.get("/admin").await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(
        response.headers()[header::LOCATION],
        "/admin/sign-in?return_to=%2Fadmin"
    );
    let (status, text) = app.page("/admin/sign-in").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        text.contains("Email address") && text.contains("Password"),
        "{text}"
    );
}

async fn signing_in_opens_the_home_and_signing_out_closes_it(backend: Backend) {
    let app = spawn_app(backend).await;
    account(&app, "ada@example.com", Role::Admin).await;
    let (location, token) = sign_in(&app, " Ada@Example.com ", PASSWORD, None).await;
    assert_eq!(location, "/admin");
    let token = token.expect("a session cookie");
    let (status, text) = home(&app, &token).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        text.contains("Signed in as ada@example.com (admin)"),
        "{text}"
    );
    assert!(
        text.contains("Recent activity") && text.contains("sign_in"),
        "{text}"
    );

    let csrf = csrf_of(&app, &token).await;
    let response = post_signed_in(&app, "/admin/sign-out", &token, &csrf, None).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()[header::LOCATION],
        "/admin/sign-in?notice=signed-out"
    );
    let (status, _) = home(&app, &token).await;
    assert_eq!(status, StatusCode::FOUND, "the old token opens nothing");
    let (_, text) = app.page("/admin/sign-in?notice=signed-out").await;
    assert!(text.contains("You have signed out."), "{text}");
    // The first entry is the default cookie inventory, put in force at the first start.
    assert_eq!(
        audit_actions(&app).await,
        ["inventory_changed", "user_created", "sign_in", "sign_out"]
    );
}

async fn a_wrong_password_and_an_unknown_address_are_refused_alike_then_throttled(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    account(&app, "grace@example.com", Role::Editor).await;
    let (wrong, token) = sign_in(&app, "grace@example.com", "not the password", None).await;
    assert!(token.is_none());
    let (unknown, _) = sign_in(&app, "nobody@example.com", "not the password", None).await;
    assert_eq!(
        wrong, unknown,
        "the same answer whether the account exists or not"
    );
    assert!(
        wrong.starts_with("/admin/sign-in?notice=refused"),
        "{wrong}"
    );
    let (_, text) = app.page(&wrong).await;
    assert!(
        text.contains("The email address or the password is wrong."),
        "{text}"
    );

    for _ in 0..4 {
        sign_in(&app, "grace@example.com", "still not it", None).await;
    }
    // Five failures lock the address, even for the right password, with a clear message.
    let (locked, token) = sign_in(&app, "grace@example.com", PASSWORD, None).await;
    assert!(token.is_none());
    assert!(
        locked.starts_with("/admin/sign-in?notice=throttled&minutes="),
        "{locked}"
    );
    let (_, text) = app.page(&locked).await;
    assert!(
        text.contains("Too many failed sign-ins. Try again in"),
        "{text}"
    );
    // Another address from the same network is not locked by them.
    account(&app, "alan@example.com", Role::Editor).await;
    let (_, token) = sign_in(&app, "alan@example.com", PASSWORD, None).await;
    assert!(token.is_some());
    let failed = audit_actions(&app)
        .await
        .iter()
        .filter(|action| *action == "sign_in_failed")
        .count();
    let throttled: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'sign_in_failed' AND detail = 'throttled'",
    )
    .fetch_one(app.db.reader())
    .await
    .expect("count");
    assert_eq!(
        (failed, throttled),
        (7, 1),
        "six refusals and one throttled attempt"
    );
}

async fn signing_in_again_replaces_the_session(backend: Backend) {
    let app = spawn_app(backend).await;
    account(&app, "ada@example.com", Role::Publisher).await;
    let (_, first) = sign_in(&app, "ada@example.com", PASSWORD, None).await;
    let first = first.expect("session");
    let (_, second) = sign_in(&app, "ada@example.com", PASSWORD, Some(&first)).await;
    let second = second.expect("session");
    assert_ne!(first, second);
    assert_eq!(home(&app, &first).await.0, StatusCode::FOUND);
    assert_eq!(home(&app, &second).await.0, StatusCode::OK);
}

async fn sign_out_needs_the_session_csrf_token_and_this_site(backend: Backend) {
    let app = spawn_app(backend).await;
    account(&app, "ada@example.com", Role::Admin).await;
    let (_, token) = sign_in(&app, "ada@example.com", PASSWORD, None).await;
    let token = token.expect("session");
    let csrf = csrf_of(&app, &token).await;

    let forged = post_signed_in(&app, "/admin/sign-out", &token, "guessed", None).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert!(
        forged
            .text()
            .await
            .expect("body")
            .contains("reload the page")
    );
    let cross_site = post_signed_in(
        &app,
        "/admin/sign-out",
        &token,
        &csrf,
        Some("https://evil.example"),
    )
    .await;
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
    let cross_site_sign_in = app
        .client
        .post(app.url("/admin/sign-in"))
        .header(header::ORIGIN, "https://evil.example")
        .form(&[("email", "ada@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .expect("request");
    assert_eq!(cross_site_sign_in.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        home(&app, &token).await.0,
        StatusCode::OK,
        "still signed in"
    );
}

async fn an_idle_or_old_session_ends(backend: Backend) {
    let app = spawn_app(backend).await;
    account(&app, "ada@example.com", Role::Admin).await;
    let now = Timestamp::now().as_millis();
    for (created, last_seen) in [
        (now - 60_000 * 40, now - 60_000 * 31),
        (now - 60_000 * 60 * 13, now - 60_000),
    ] {
        let (_, token) = sign_in(&app, "ada@example.com", PASSWORD, None).await;
        let token = token.expect("session");
        assert_eq!(home(&app, &token).await.0, StatusCode::OK);
        sqlx::query("UPDATE admin_sessions SET created_at = $1, last_seen_at = $2")
            .bind(created)
            .bind(last_seen)
            .execute(app.db.writer())
            .await
            .expect("age the session");
        assert_eq!(home(&app, &token).await.0, StatusCode::FOUND);
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM admin_sessions")
            .fetch_one(app.db.reader())
            .await
            .expect("count");
        assert_eq!(left, 0, "an expired session is deleted");
    }
}

async fn sign_out_everywhere_ends_every_session(backend: Backend) {
    let app = spawn_app(backend).await;
    account(&app, "ada@example.com", Role::Admin).await;
    account(&app, "alan@example.com", Role::Admin).await;
    let (_, laptop) = sign_in(&app, "ada@example.com", PASSWORD, None).await;
    let (_, phone) = sign_in(&app, "ada@example.com", PASSWORD, None).await;
    let (_, other) = sign_in(&app, "alan@example.com", PASSWORD, None).await;
    let (laptop, phone, other) = (laptop.unwrap(), phone.unwrap(), other.unwrap());
    let csrf = csrf_of(&app, &laptop).await;
    let response = post_signed_in(&app, "/admin/sign-out-everywhere", &laptop, &csrf, None).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(home(&app, &laptop).await.0, StatusCode::FOUND);
    assert_eq!(home(&app, &phone).await.0, StatusCode::FOUND);
    assert_eq!(
        home(&app, &other).await.0,
        StatusCode::OK,
        "others stay signed in"
    );
    assert!(
        audit_actions(&app)
            .await
            .contains(&"sign_out_everywhere".to_owned())
    );
}

async fn audit_entries_cannot_be_changed_or_deleted(backend: Backend) {
    let app = spawn_app(backend).await;
    sign_in(&app, "nobody@example.com", "whatever it is", None).await;
    for statement in [
        "UPDATE audit_log SET actor = 'someone else'",
        "DELETE FROM audit_log",
    ] {
        let refused = sqlx::query(statement).execute(app.db.writer()).await;
        assert!(refused.is_err(), "{statement} was allowed");
    }
    assert_eq!(
        audit_actions(&app).await,
        ["inventory_changed", "sign_in_failed"]
    );
}

/// Posts the sign-in form from `client`: the status and the `Location`, if any.
async fn attempt(
    app: &TestApp,
    client: &reqwest::Client,
    email: &str,
    password: &str,
) -> (StatusCode, String) {
    let response = client
        .post(app.url("/admin/sign-in"))
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .expect("request");
    let location = response
        .headers()
        .get(header::LOCATION)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (response.status(), location)
}

/// A client whose requests come from `source`, another network than the tests' 127.0.0.1.
fn client_from(source: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(std::net::IpAddr::from(source))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client")
}

/// How many attempts had their password checked and fail (throttled ones are not checked).
async fn checked_failures(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'sign_in_failed' AND detail = ''",
    )
    .fetch_one(app.db.reader())
    .await
    .expect("count")
}

async fn thirty_wrong_passwords_at_once_are_checked_at_most_five_times(backend: Backend) {
    let app = spawn_app(backend).await;
    account(&app, "grace@example.com", Role::Editor).await;
    let attempts = (0..30).map(|n| {
        let app = &app;
        async move {
            attempt(
                app,
                &app.client,
                "grace@example.com",
                &format!("guess number {n}"),
            )
            .await
        }
    });
    let answers = futures_util::future::join_all(attempts).await;
    let checked = checked_failures(&app).await;
    assert!(checked <= 5, "{checked} guesses were checked: {answers:?}");
    let throttled = answers
        .iter()
        .filter(|(status, location)| {
            *status == StatusCode::SEE_OTHER && location.contains("notice=throttled")
        })
        .count();
    let busy = answers
        .iter()
        .filter(|(status, _)| *status == StatusCode::SERVICE_UNAVAILABLE)
        .count();
    assert_eq!(
        throttled + busy + usize::try_from(checked).expect("a count"),
        30,
        "the others are refused unchecked: {answers:?}"
    );
}

async fn the_right_password_from_another_network_signs_in_after_an_address_was_hammered(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    account(&app, "grace@example.com", Role::Editor).await;
    for n in 0..8 {
        attempt(
            &app,
            &app.client,
            "grace@example.com",
            &format!("guess {n}"),
        )
        .await;
    }
    let (_, locked) = attempt(&app, &app.client, "grace@example.com", PASSWORD).await;
    assert!(locked.contains("notice=throttled"), "{locked}");
    // Grace, at home on another network, is not locked out by the guesser.
    let home = client_from([127, 0, 1, 1]);
    let (_, landed) = attempt(&app, &home, "grace@example.com", PASSWORD).await;
    assert_eq!(landed, "/admin", "the owner signs in");
    // A guesser moving to a fresh network gets one try there, not five.
    let elsewhere = client_from([127, 0, 2, 1]);
    let (_, first) = attempt(&app, &elsewhere, "grace@example.com", "from elsewhere").await;
    assert!(first.contains("notice=refused"), "{first}");
    let (_, second) = attempt(&app, &elsewhere, "grace@example.com", "again elsewhere").await;
    assert!(second.contains("notice=throttled"), "{second}");
    assert_eq!(
        checked_failures(&app).await,
        6,
        "five, then one from the fresh network"
    );
}

async fn fifty_throttled_attempts_are_audited_once(backend: Backend) {
    let app = spawn_app(backend).await;
    for n in 0..5 {
        attempt(&app, &app.client, "ada@example.com", &format!("guess {n}")).await;
    }
    for n in 0..50 {
        let (_, location) =
            attempt(&app, &app.client, "ada@example.com", &format!("more {n}")).await;
        assert!(location.contains("notice=throttled"), "{location}");
    }
    let throttled: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'sign_in_failed' AND detail = 'throttled'",
    )
    .fetch_one(app.db.reader())
    .await
    .expect("count");
    assert_eq!(throttled, 1, "one entry per window, address and network");
}

async fn a_long_typed_address_is_refused_and_never_stored(backend: Backend) {
    let app = spawn_app(backend).await;
    let long = format!("{}@example.com", "a".repeat(8000));
    let (status, location) = attempt(&app, &app.client, &long, "whatever it is").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.contains("notice=address-too-long"), "{location}");
    let (_, text) = app.page(&location).await;
    assert!(text.contains("at most 254 characters"), "{text}");
    let longest: Option<i64> = sqlx::query_scalar(
        "SELECT MAX(CASE WHEN length(actor) > length(object) THEN length(actor)
                         ELSE length(object) END) FROM audit_log",
    )
    .fetch_one(app.db.reader())
    .await
    .expect("longest");
    assert!(longest.unwrap_or(0) <= 254, "{longest:?}");
    let longest: Option<i64> =
        sqlx::query_scalar("SELECT MAX(length(email)) FROM sign_in_failures")
            .fetch_one(app.db.reader())
            .await
            .expect("longest");
    assert!(longest.unwrap_or(0) <= 254, "{longest:?}");
}

async fn failures_older_than_the_window_are_pruned(backend: Backend) {
    let app = spawn_app(backend).await;
    let long_ago = Timestamp::now().as_millis() - 16 * 60 * 1000;
    for n in 0..3 {
        sqlx::query("INSERT INTO sign_in_failures (email, ip_prefix, at) VALUES ($1, $2, $3)")
            .bind(format!("old{n}@example.com"))
            .bind("192.0.2.0/24")
            .bind(long_ago)
            .execute(app.db.writer())
            .await
            .expect("an old failure");
    }
    attempt(&app, &app.client, "ada@example.com", "a wrong password").await;
    let emails: Vec<String> = sqlx::query_scalar("SELECT email FROM sign_in_failures")
        .fetch_all(app.db.reader())
        .await
        .expect("failures");
    assert_eq!(emails, ["ada@example.com"], "the old ones are gone");
}

async fn a_sign_in_with_hashing_at_capacity_answers_503_and_counts_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    account(&app, "ada@example.com", Role::Admin).await;
    // The server runs in this process: holding every permit here fills its hashing capacity.
    let mut held = Vec::new();
    while let Some(permit) = app.state.hasher.try_permit() {
        held.push(permit);
    }
    let response = app
        .client
        .post(app.url("/admin/sign-in"))
        .form(&[("email", "ada@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()[header::RETRY_AFTER], "5");
    let text = response.text().await.expect("body");
    assert!(text.contains("try again in a few seconds"), "{text}");
    drop(held);
    let failures: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sign_in_failures")
        .fetch_one(app.db.reader())
        .await
        .expect("count");
    assert_eq!(failures, 0, "an attempt not checked is not counted");
    let (landed, _) = sign_in(&app, "ada@example.com", PASSWORD, None).await;
    assert_eq!(landed, "/admin");
}
