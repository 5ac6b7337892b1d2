//! The admin area's form endpoints: sign-in, sign-out and sign-out everywhere, and the
//! accounts forms (`users`). Each answers 303 to a page with a typed notice, so they work
//! without JavaScript.

mod users;

use super::{
    accounts::{SignInError, check_sign_in},
    guard::AdminSession,
    sessions::{self, clear_cookie, session_token, set_cookie},
};
use crate::{
    admin::pages::SignInNotice,
    audit::{
        AuditAction,
        ssr::{Actor, record_alone},
    },
    http::{HttpError, HttpResult, SIGN_IN, back_with, local_path, with_cookies},
    network::RequestSource,
    state::AppState,
};
use axum::{
    Form, Router,
    extract::{ConnectInfo, DefaultBodyLimit, State},
    http::HeaderMap,
    response::{IntoResponse, Redirect},
    routing::post,
};
use serde::Deserialize;
use std::net::SocketAddr;

/// The largest form body the admin forms read.
pub const MAX_BODY_BYTES: usize = 8 * 1024;

/// Where a signed-in admin lands.
const HOME: &str = "/admin";
/// When a busy sign-in may try again: hashes take tens of milliseconds, so a few seconds
/// clear the queue.
const BUSY_RETRY_SECS: u64 = 5;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/sign-in", post(sign_in))
        .route("/admin/sign-out", post(sign_out))
        .route("/admin/sign-out-everywhere", post(sign_out_everywhere))
        .merge(users::routes())
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

/// A form that only proves it comes from a page of the session.
#[derive(Deserialize)]
pub(crate) struct SignedInForm {
    pub(crate) csrf: String,
}

#[derive(Deserialize)]
struct SignInForm {
    email: String,
    password: String,
    #[serde(default)]
    return_to: Option<String>,
}

async fn sign_in(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> HttpResult {
    let source = RequestSource::of(&headers, peer);
    let return_to = local_path(form.return_to.as_deref())
        .filter(|path| path.starts_with(HOME))
        .unwrap_or_else(|| HOME.to_owned());
    let again =
        |notice: SignInNotice| Ok(back_with(SIGN_IN, &notice, &[("return_to", &return_to)]));
    let user = match check_sign_in(
        &state.db,
        &state.hasher,
        &form.email,
        form.password,
        &source,
    )
    .await
    {
        Ok(user) => user,
        Err(SignInError::Refused) => return again(SignInNotice::Refused),
        Err(SignInError::Throttled { minutes }) => {
            let minutes = minutes.to_string();
            return again(SignInNotice::Throttled { minutes });
        }
        Err(SignInError::AddressTooLong) => return again(SignInNotice::AddressTooLong),
        Err(error @ SignInError::Busy) => {
            return Err(HttpError::Busy {
                message: error.to_string(),
                retry_after_secs: BUSY_RETRY_SECS,
            });
        }
        Err(error) => return Err(HttpError::internal(&error)),
    };
    let who = Actor::of_user(&source, &user);
    let started = sessions::start(&state.db, user, session_token(&headers), &who).await?;
    Ok(with_cookies(
        Redirect::to(&return_to).into_response(),
        [set_cookie(&started.token).as_str()],
    ))
}

async fn sign_out(
    State(state): State<AppState>,
    session: AdminSession,
    Form(form): Form<SignedInForm>,
) -> HttpResult {
    signed_out(&state, session, form, AuditAction::SignOut).await
}

async fn sign_out_everywhere(
    State(state): State<AppState>,
    session: AdminSession,
    Form(form): Form<SignedInForm>,
) -> HttpResult {
    signed_out(&state, session, form, AuditAction::SignOutEverywhere).await
}

/// Ends this browser's session, or with [`AuditAction::SignOutEverywhere`] every session of
/// the account, and says so on the sign-in page.
async fn signed_out(
    state: &AppState,
    session: AdminSession,
    form: SignedInForm,
    action: AuditAction,
) -> HttpResult {
    if !session.csrf_matches(&form.csrf) {
        return Err(HttpError::CsrfRefused);
    }
    if action == AuditAction::SignOutEverywhere {
        sessions::end_all(&state.db, session.user.id).await?;
    } else {
        sessions::end(&state.db, &session.token).await?;
    }
    record_alone(
        &state.db,
        &session.actor,
        action,
        session.user.email.as_str(),
        "",
    )
    .await?;
    Ok(with_cookies(
        back_with(SIGN_IN, &SignInNotice::SignedOut, &[]),
        [clear_cookie().as_str()],
    ))
}
