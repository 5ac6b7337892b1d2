//! The accounts forms: inviting, revoking invitations, changing roles and removing (admins),
//! and accepting an invitation (the invited person). Each answers 303 to a page with a typed
//! notice, except an invitation, answered with the page showing its link, which is a credential
//! and so never travels in an address (history, logs, `Referer`).

use crate::{
    admin::{
        Email, Role,
        ssr::{
            accounts::{self, ChangeError},
            guard::AdminSession,
            invitations::{self, InvitationError},
            password::{NewPassword, WeakPassword},
            sessions::{self, session_token, set_cookie},
        },
        users::{InvitationNotice, UsersNotice},
    },
    audit::ssr::Actor,
    http::{HttpError, HttpResult, back_with, with_cookies},
    i18n::{
        Locale,
        ssr::{negotiate, text, text_with},
    },
    network::RequestSource,
    state::AppState,
};
use axum::{
    Form, Router,
    extract::{ConnectInfo, State},
    http::{HeaderMap, header},
    response::{Html, IntoResponse, Redirect, Response},
    routing::post,
};
use html_escape::encode_text;
use serde::Deserialize;
use std::net::SocketAddr;

const USERS: &str = "/admin/users";

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/users/invite", post(invite))
        .route("/admin/users/role", post(change_role))
        .route("/admin/users/revoke", post(revoke))
        .route("/admin/users/remove", post(remove))
        .route("/admin/invitations/accept", post(accept))
}

#[derive(Deserialize)]
struct InviteForm {
    csrf: String,
    email: String,
    role: String,
}

#[derive(Deserialize)]
struct RevokeForm {
    csrf: String,
    email: String,
}

#[derive(Deserialize)]
struct AccountForm {
    csrf: String,
    user_id: i64,
    #[serde(default)]
    role: Option<String>,
}

#[derive(Deserialize)]
struct AcceptForm {
    token: String,
    password: String,
    password_again: String,
}

fn role_of(text: Option<&str>) -> Result<Role, HttpError> {
    text.and_then(|text| text.parse().ok()).ok_or_else(|| {
        HttpError::Unprocessable("unknown role; use editor, publisher or admin".into())
    })
}

fn back(notice: UsersNotice) -> HttpResult {
    Ok(back_with(USERS, &notice, &[]))
}

async fn invite(
    State(state): State<AppState>,
    session: AdminSession,
    headers: HeaderMap,
    Form(form): Form<InviteForm>,
) -> HttpResult {
    session.allow_change(Role::Admin, &form.csrf)?;
    let role = role_of(Some(&form.role))?;
    let Ok(email) = form.email.parse::<Email>() else {
        return back(UsersNotice::BadEmail);
    };
    match invitations::invite(&state.db, &session.actor, &email, role).await {
        Ok(token) => {
            let link = format!("{}/admin/invitations/{token}", state.site.base_url);
            Ok(invited_page(negotiate(None, &headers), &email, &link))
        }
        Err(InvitationError::HasAccount(_)) => back(UsersNotice::HasAccount),
        Err(error) => Err(HttpError::internal(&error)),
    }
}

/// The answer to an invitation: the page showing its link, once. Not stored by the browser or
/// any cache, so the link is gone when the page is.
fn invited_page(locale: Locale, email: &Email, link: &str) -> Response {
    let body = format!(
        "<!doctype html>\n<html lang=\"{lang}\">\n<head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><link rel=\"stylesheet\" href=\"/pkg/charter.css\"></head>\n\
         <body><main>\n<h1>{title}</h1>\n<div class=\"admin-notice\" role=\"status\">\
         <p>{invited}</p>\n<p>{label} <code class=\"users-link\">{link}</code></p></div>\n\
         <p><a href=\"{USERS}\">{back}</a></p>\n</main></body>\n</html>\n",
        lang = locale.as_str(),
        title = encode_text(&text(locale, "users-invite-title")),
        invited = encode_text(&text_with(
            locale,
            "users-invited",
            &[("email", email.to_string())]
        )),
        label = encode_text(&text(locale, "users-invitation-link")),
        link = encode_text(link),
        back = encode_text(&text(locale, "users-back")),
    );
    (
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        Html(body),
    )
        .into_response()
}

async fn revoke(
    State(state): State<AppState>,
    session: AdminSession,
    Form(form): Form<RevokeForm>,
) -> HttpResult {
    session.allow_change(Role::Admin, &form.csrf)?;
    let Ok(email) = form.email.parse::<Email>() else {
        return back(UsersNotice::BadEmail);
    };
    match invitations::revoke(&state.db, &session.actor, &email).await {
        Ok(()) => back(UsersNotice::Revoked {
            email: email.to_string(),
        }),
        Err(error @ InvitationError::NotPending(_)) => {
            Err(HttpError::NotFound(error.to_string().into()))
        }
        Err(error) => Err(HttpError::internal(&error)),
    }
}

async fn change_role(
    State(state): State<AppState>,
    session: AdminSession,
    Form(form): Form<AccountForm>,
) -> HttpResult {
    session.allow_change(Role::Admin, &form.csrf)?;
    let role = role_of(form.role.as_deref())?;
    let changed = accounts::change_role(&state.db, &session.actor, form.user_id, role).await;
    changed_account(changed, |email| UsersNotice::Changed { email })
}

async fn remove(
    State(state): State<AppState>,
    session: AdminSession,
    Form(form): Form<AccountForm>,
) -> HttpResult {
    session.allow_change(Role::Admin, &form.csrf)?;
    let removed = accounts::remove(&state.db, &session.actor, form.user_id).await;
    changed_account(removed, |email| UsersNotice::Removed { email })
}

/// The answer to a role change or removal: `done` with the account's address, or why not.
fn changed_account(
    changed: Result<crate::admin::AdminUser, ChangeError>,
    done: impl FnOnce(String) -> UsersNotice,
) -> HttpResult {
    match changed {
        Ok(user) => back(done(user.email.to_string())),
        Err(ChangeError::LastAdmin) => back(UsersNotice::LastAdmin),
        Err(ChangeError::NoSuchAccount) => Err(HttpError::NotFound(
            "there is no active account with that id".into(),
        )),
        Err(error) => Err(HttpError::internal(&error)),
    }
}

/// Creates the invited account and signs its owner in.
async fn accept(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<AcceptForm>,
) -> HttpResult {
    // Checked first: the token goes into the address sent back, and a made-up one must cost
    // no database work or hashing.
    if !invitations::well_formed(&form.token) {
        return Err(HttpError::BadRequest(
            InvitationError::Malformed.to_string().into(),
        ));
    }
    let page = format!("/admin/invitations/{}", form.token);
    let again = |notice: InvitationNotice| Ok(back_with(&page, &notice, &[]));
    if form.password != form.password_again {
        return again(InvitationNotice::Mismatch);
    }
    let password: NewPassword = match form.password.parse() {
        Ok(password) => password,
        Err(WeakPassword::TooShort) => return again(InvitationNotice::TooShort),
        Err(WeakPassword::TooLong) => return again(InvitationNotice::TooLong),
        Err(WeakPassword::Common) => return again(InvitationNotice::Common),
    };
    let source = RequestSource::of(&headers, peer);
    let from = Actor::from_source(&source, None, "");
    let user =
        match invitations::accept(&state.db, &state.hasher, &form.token, &password, &from).await {
            Ok(user) => user,
            // The page explains that the link is used up or expired.
            Err(InvitationError::Gone) => return Ok(Redirect::to(&page).into_response()),
            Err(error @ InvitationError::Malformed) => {
                return Err(HttpError::BadRequest(error.to_string().into()));
            }
            Err(error) => return Err(HttpError::internal(&error)),
        };
    let who = Actor::of_user(&source, &user);
    let started = sessions::start(&state.db, user, session_token(&headers), &who).await?;
    Ok(with_cookies(
        Redirect::to("/admin").into_response(),
        [set_cookie(&started.token).as_str()],
    ))
}
