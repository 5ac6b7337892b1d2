//! The form endpoints of accounts: inviting, revoking invitations, changing roles and removing
//! (admins), and accepting an invitation (the invited person). They work without JavaScript:
//! each answers 303 to a page, with refusals as `?error=` codes the pages explain, except an
//! invitation, answered with the page showing its link, which is a credential and so never
//! travels in an address (history, logs, `Referer`).

use crate::{
    admin::{authorised, failed},
    forms::{redirect_with_query, with_cookies},
    locale::negotiate,
};
use app::{
    admin::{
        Email, Role,
        ssr::{
            accounts::{self, ChangeError},
            invitations::{self, InvitationError},
            password::{NewPassword, WeakPassword},
            sessions::{self, session_token, set_cookie},
        },
    },
    audit::ssr::Actor,
    i18n::{
        Locale,
        ssr::{text, text_with},
    },
    network::RequestSource,
    state::AppState,
};
use axum::{
    Form,
    extract::{ConnectInfo, State},
    http::{HeaderMap, StatusCode, header},
    response::{Html, IntoResponse, Redirect, Response},
};
use html_escape::encode_text;
use serde::Deserialize;
use std::net::SocketAddr;

const USERS: &str = "/admin/users";

#[derive(Deserialize)]
pub struct InviteForm {
    csrf: String,
    email: String,
    role: String,
}

#[derive(Deserialize)]
pub struct RevokeForm {
    csrf: String,
    email: String,
}

#[derive(Deserialize)]
pub struct AccountForm {
    csrf: String,
    user_id: i64,
    #[serde(default)]
    role: Option<String>,
}

#[derive(Deserialize)]
pub struct AcceptForm {
    token: String,
    password: String,
    password_again: String,
}

fn bad_role() -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown role; use editor, publisher or admin",
    )
        .into_response()
}

pub async fn invite(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<InviteForm>,
) -> Response {
    let (_, actor) = match authorised(&state, &headers, peer, &form.csrf, Role::Admin).await {
        Ok(signed_in) => signed_in,
        Err(answer) => return answer,
    };
    let Ok(role) = form.role.parse::<Role>() else {
        return bad_role();
    };
    let Ok(email) = form.email.parse::<Email>() else {
        return redirect_with_query(USERS, &[("error", "bad-email")]);
    };
    match invitations::invite(&state.db, &actor, &email, role).await {
        Ok(token) => {
            let link = format!("{}/admin/invitations/{token}", state.site.base_url);
            invited_page(negotiate(None, &headers), &email, &link)
        }
        Err(InvitationError::HasAccount(_)) => {
            redirect_with_query(USERS, &[("error", "has-account")])
        }
        Err(error) => failed(&error),
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

pub async fn revoke(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<RevokeForm>,
) -> Response {
    let (_, actor) = match authorised(&state, &headers, peer, &form.csrf, Role::Admin).await {
        Ok(signed_in) => signed_in,
        Err(answer) => return answer,
    };
    let Ok(email) = form.email.parse::<Email>() else {
        return redirect_with_query(USERS, &[("error", "bad-email")]);
    };
    match invitations::revoke(&state.db, &actor, &email).await {
        Ok(()) => redirect_with_query(USERS, &[("revoked", email.as_str())]),
        Err(error @ InvitationError::NotPending(_)) => {
            (StatusCode::NOT_FOUND, error.to_string()).into_response()
        }
        Err(error) => failed(&error),
    }
}

/// Changes a role, or with `remove`, removes the account.
async fn change(
    state: AppState,
    peer: SocketAddr,
    headers: HeaderMap,
    form: AccountForm,
    remove: bool,
) -> Response {
    let (_, actor) = match authorised(&state, &headers, peer, &form.csrf, Role::Admin).await {
        Ok(signed_in) => signed_in,
        Err(answer) => return answer,
    };
    let changed = if remove {
        accounts::remove(&state.db, &actor, form.user_id).await
    } else {
        let Some(Ok(role)) = form.role.as_deref().map(str::parse::<Role>) else {
            return bad_role();
        };
        accounts::change_role(&state.db, &actor, form.user_id, role).await
    };
    match changed {
        Ok(user) if remove => redirect_with_query(USERS, &[("removed", user.email.as_str())]),
        Ok(user) => redirect_with_query(USERS, &[("changed", user.email.as_str())]),
        Err(ChangeError::LastAdmin) => redirect_with_query(USERS, &[("error", "last-admin")]),
        Err(ChangeError::NoSuchAccount) => (
            StatusCode::NOT_FOUND,
            "there is no active account with that id",
        )
            .into_response(),
        Err(error) => failed(&error),
    }
}

pub async fn change_role(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<AccountForm>,
) -> Response {
    change(state, peer, headers, form, false).await
}

pub async fn remove(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<AccountForm>,
) -> Response {
    change(state, peer, headers, form, true).await
}

/// Creates the invited account and signs its owner in.
pub async fn accept(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<AcceptForm>,
) -> Response {
    // Checked first: the token goes into the address sent back, and a made-up one must cost
    // no database work or hashing.
    if !invitations::well_formed(&form.token) {
        let error = InvitationError::Malformed;
        return (StatusCode::BAD_REQUEST, error.to_string()).into_response();
    }
    let back = format!("/admin/invitations/{}", form.token);
    if form.password != form.password_again {
        return redirect_with_query(&back, &[("error", "mismatch")]);
    }
    let password: NewPassword = match form.password.parse() {
        Ok(password) => password,
        Err(weak) => {
            let code = match weak {
                WeakPassword::TooShort => "too-short",
                WeakPassword::TooLong => "too-long",
                WeakPassword::Common => "common",
            };
            return redirect_with_query(&back, &[("error", code)]);
        }
    };
    let source = RequestSource::of(&headers, peer);
    let from = Actor::from_source(&source, None, "");
    let user =
        match invitations::accept(&state.db, &state.hasher, &form.token, &password, &from).await {
            Ok(user) => user,
            // The page explains that the link is used up or expired.
            Err(InvitationError::Gone) => return Redirect::to(&back).into_response(),
            Err(error @ InvitationError::Malformed) => {
                return (StatusCode::BAD_REQUEST, error.to_string()).into_response();
            }
            Err(error) => return failed(&error),
        };
    let who = Actor::of_user(&source, &user);
    match sessions::start(&state.db, user, session_token(&headers), &who).await {
        Ok(started) => with_cookies(
            Redirect::to("/admin").into_response(),
            [set_cookie(&started.token).as_str()],
        ),
        Err(error) => failed(&error),
    }
}
