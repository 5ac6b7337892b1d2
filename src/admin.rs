//! The admin area's form endpoints: sign-in, sign-out and sign-out everywhere. Each answers
//! 303 to a page, like the consent banner's form, so they work without JavaScript.

use crate::forms::{local_path, redirect_with_query, with_cookies};
use app::{
    admin::{
        Role,
        ssr::{
            accounts::{SignInError, check_sign_in},
            sessions::{self, clear_cookie, session_token, set_cookie},
        },
    },
    audit::{
        AuditAction,
        ssr::{Actor, record},
    },
    network::RequestSource,
    state::AppState,
};
use axum::{
    Form,
    extract::{ConnectInfo, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use std::net::SocketAddr;

/// The largest form body these endpoints read.
pub const MAX_BODY_BYTES: usize = 8 * 1024;

/// Where a signed-in admin lands.
const HOME: &str = "/admin";
const SIGN_IN: &str = "/admin/sign-in";
/// When a busy sign-in may try again: hashes take tens of milliseconds, so a few seconds
/// clear the queue.
const BUSY_RETRY_SECS: &str = "5";

#[derive(Deserialize)]
pub struct SignInForm {
    email: String,
    password: String,
    #[serde(default)]
    return_to: Option<String>,
}

#[derive(Deserialize)]
pub struct SignedInForm {
    csrf: String,
}

/// `response` setting the one cookie `cookie`.
fn with_cookie(response: Response, cookie: &str) -> Response {
    with_cookies(response, [cookie])
}

pub(crate) fn failed(error: &dyn std::fmt::Display) -> Response {
    tracing::error!(%error, "admin request failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "something went wrong on our side and nothing was changed; please try again",
    )
        .into_response()
}

pub async fn sign_in(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    let source = RequestSource::of(&headers, peer);
    let return_to = local_path(form.return_to.as_deref())
        .filter(|path| path.starts_with(HOME))
        .unwrap_or_else(|| HOME.to_owned());
    let again = |error: &str, minutes: Option<u64>| {
        let minutes = minutes.map(|minutes| minutes.to_string());
        let mut query = vec![("error", error)];
        query.extend(minutes.as_deref().map(|minutes| ("minutes", minutes)));
        query.push(("return_to", &return_to));
        redirect_with_query(SIGN_IN, &query)
    };
    match check_sign_in(
        &state.db,
        &state.hasher,
        &form.email,
        form.password,
        &source,
    )
    .await
    {
        Ok(user) => {
            let who = Actor::of_user(&source, &user);
            match sessions::start(&state.db, user, session_token(&headers), &who).await {
                Ok(started) => with_cookie(
                    Redirect::to(&return_to).into_response(),
                    &set_cookie(&started.token),
                ),
                Err(error) => failed(&error),
            }
        }
        Err(SignInError::Refused) => again("refused", None),
        Err(SignInError::Throttled { minutes }) => again("throttled", Some(minutes)),
        Err(SignInError::AddressTooLong) => again("address-too-long", None),
        Err(error @ SignInError::Busy) => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, BUSY_RETRY_SECS)],
            error.to_string(),
        )
            .into_response(),
        Err(error) => failed(&error),
    }
}

/// The session a signed-in form post comes from and its token. A post without a live session
/// is sent to sign in; one whose CSRF token does not match its session's is refused.
pub(crate) async fn session_of(
    state: &AppState,
    headers: &HeaderMap,
    csrf: &str,
) -> Result<(String, sessions::Session), Response> {
    let signed_out = || with_cookie(Redirect::to(SIGN_IN).into_response(), &clear_cookie());
    let Some(token) = session_token(headers) else {
        return Err(signed_out());
    };
    match sessions::find(&state.db, token).await {
        Ok(Some(session)) if session.csrf_matches(csrf) => Ok((token.to_owned(), session)),
        Ok(Some(_)) => Err(csrf_refused()),
        Ok(None) => Err(signed_out()),
        Err(error) => Err(failed(&error)),
    }
}

/// The answer to a form post whose CSRF token is not its session's.
pub(crate) fn csrf_refused() -> Response {
    (
        StatusCode::FORBIDDEN,
        "this form does not belong to your current session; reload the page and try again",
    )
        .into_response()
}

/// The session of a form post whose body is read only once the sender is known (an upload): a
/// live session whose role allows `needed`, with its audit actor, from the cookie alone. The
/// caller checks the CSRF token, read from the body, before acting.
pub(crate) async fn signed_in_before_reading(
    state: &AppState,
    headers: &HeaderMap,
    peer: SocketAddr,
    needed: Role,
) -> Result<(sessions::Session, Actor), Response> {
    cookie_session(state, headers, peer, needed)
        .await?
        .ok_or_else(|| with_cookie(Redirect::to(SIGN_IN).into_response(), &clear_cookie()))
}

async fn sign_out_with(
    state: AppState,
    peer: SocketAddr,
    headers: HeaderMap,
    form: SignedInForm,
    everywhere: bool,
) -> Response {
    let (token, session) = match session_of(&state, &headers, &form.csrf).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let ended = if everywhere {
        sessions::end_all(&state.db, session.user.id)
            .await
            .map(drop)
    } else {
        sessions::end(&state.db, &token).await
    };
    if let Err(error) = ended {
        return failed(&error);
    }
    let action = if everywhere {
        AuditAction::SignOutEverywhere
    } else {
        AuditAction::SignOut
    };
    let who = Actor::of_user(&RequestSource::of(&headers, peer), &session.user);
    if let Err(error) = record(
        state.db.writer(),
        &who,
        action,
        session.user.email.as_str(),
        "",
    )
    .await
    {
        return failed(&error);
    }
    with_cookie(
        Redirect::to(&format!("{SIGN_IN}?signed_out=1")).into_response(),
        &clear_cookie(),
    )
}

pub async fn sign_out(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<SignedInForm>,
) -> Response {
    sign_out_with(state, peer, headers, form, false).await
}

pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<SignedInForm>,
) -> Response {
    sign_out_with(state, peer, headers, form, true).await
}

/// The signed-in session of a form post whose role allows `needed`, with the audit actor of its
/// account acting from `peer`; or the answer to give.
pub(crate) async fn authorised(
    state: &AppState,
    headers: &HeaderMap,
    peer: SocketAddr,
    csrf: &str,
    needed: Role,
) -> Result<(sessions::Session, Actor), Response> {
    let (_, session) = session_of(state, headers, csrf).await?;
    match role_refused(&session, needed) {
        Some(refusal) => Err(refusal),
        None => Ok(with_actor(session, headers, peer)),
    }
}

/// The session of a request that only reads (a download) whose role allows `needed`, with its
/// audit actor as [`authorised`] gives it. Without a live session the browser is sent to sign
/// in and brought back to `return_to`.
pub(crate) async fn signed_in_to_read(
    state: &AppState,
    headers: &HeaderMap,
    peer: SocketAddr,
    needed: Role,
    return_to: &str,
) -> Result<(sessions::Session, Actor), Response> {
    cookie_session(state, headers, peer, needed)
        .await?
        .ok_or_else(|| redirect_with_query(SIGN_IN, &[("return_to", return_to)]))
}

/// The live session the request's cookie names, if its role allows `needed`, with its audit
/// actor; `None` without one, for the caller to answer as its request needs.
async fn cookie_session(
    state: &AppState,
    headers: &HeaderMap,
    peer: SocketAddr,
    needed: Role,
) -> Result<Option<(sessions::Session, Actor)>, Response> {
    let session = match session_token(headers) {
        Some(token) => sessions::find(&state.db, token)
            .await
            .map_err(|error| failed(&error))?,
        None => None,
    };
    let Some(session) = session else {
        return Ok(None);
    };
    match role_refused(&session, needed) {
        Some(refusal) => Err(refusal),
        None => Ok(Some(with_actor(session, headers, peer))),
    }
}

/// `session` with the audit actor of its account, acting from the request being answered.
fn with_actor(
    session: sessions::Session,
    headers: &HeaderMap,
    peer: SocketAddr,
) -> (sessions::Session, Actor) {
    let actor = Actor::of_user(&RequestSource::of(headers, peer), &session.user);
    (session, actor)
}

/// The answer to `session` when its role does not allow what `needed` may do.
fn role_refused(session: &sessions::Session, needed: Role) -> Option<Response> {
    (!session.user.role.allows(needed)).then(|| {
        (
            StatusCode::FORBIDDEN,
            format!(
                "your role ({}) does not allow this; ask an admin",
                session.user.role.as_str()
            ),
        )
            .into_response()
    })
}
