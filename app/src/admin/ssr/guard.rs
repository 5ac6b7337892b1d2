//! The check every admin server function starts with: a live session whose role allows the
//! call, and, for a call that changes anything, the session's CSRF token.

use super::sessions::{Session, find, session_token};
use crate::{
    admin::Role, audit::ssr::Actor, errors::AppError, network::RequestSource, state::app_state,
};
use axum::{extract::ConnectInfo, http::HeaderMap};
use std::net::SocketAddr;

/// What a call without a live session gets.
pub enum SignedOut<'a> {
    /// A page: redirected to sign in, and brought back to `return_to` afterwards.
    SignIn { return_to: &'a str },
    /// A call from a page already open (autosave, preview): 401, which the page reports.
    Refuse,
}

/// The caller's session, if it is live and its role allows what `needed` may do.
pub async fn require(needed: Role, signed_out: SignedOut<'_>) -> Result<Session, AppError> {
    let state = app_state()?;
    let headers: HeaderMap = leptos_axum::extract()
        .await
        .map_err(|_| AppError::Internal)?;
    let session = match session_token(&headers) {
        Some(token) => find(&state.db, token).await?,
        None => None,
    };
    let Some(session) = session else {
        return Err(match signed_out {
            SignedOut::SignIn { return_to } => {
                let query = form_urlencoded::Serializer::new(String::new())
                    .append_pair("return_to", return_to)
                    .finish();
                leptos_axum::redirect(&format!("/admin/sign-in?{query}"));
                AppError::SignInRequired.answered()
            }
            SignedOut::Refuse => AppError::SessionEnded.answered(),
        });
    };
    if !session.user.role.allows(needed) {
        return Err(AppError::Forbidden.answered());
    }
    Ok(session)
}

/// [`require`] for a call that changes something: it must also carry its session's CSRF token.
pub async fn require_to_change(needed: Role, csrf: &str) -> Result<Session, AppError> {
    let session = require(needed, SignedOut::Refuse).await?;
    if !session.csrf_matches(csrf) {
        return Err(AppError::CsrfRefused.answered());
    }
    Ok(session)
}

/// The audit actor for `session`'s account, acting from the request being served.
pub async fn actor(session: &Session) -> Result<Actor, AppError> {
    let (headers, ConnectInfo(peer)): (HeaderMap, ConnectInfo<SocketAddr>) = leptos_axum::extract()
        .await
        .map_err(|_| AppError::Internal)?;
    Ok(Actor::of_user(
        &RequestSource::of(&headers, peer),
        &session.user,
    ))
}
