//! The one check every admin request passes, form post and server function alike: a live
//! session ([`AdminSession`], an axum extractor), whose role allows the request and which, for
//! a request that changes anything, carries the session's CSRF token.

use super::sessions::{find, session_token};
use crate::{
    admin::{AdminUser, Role},
    audit::ssr::Actor,
    errors::AppError,
    http::HttpError,
    network::RequestSource,
    state::{AppState, app_state},
};
use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::request::Parts,
};
use std::net::SocketAddr;

/// A request's live session: the account, the token its forms must echo, the cookie's token,
/// and the account as the audit log names it acting from this request.
///
/// As an extractor it reads only the request's head, so an upload is refused before its body
/// is read. Without a live session it rejects with [`HttpError::SignInRequired`].
#[derive(Clone, Debug)]
pub struct AdminSession {
    pub user: AdminUser,
    pub csrf_token: String,
    pub token: String,
    pub actor: Actor,
}

impl AdminSession {
    /// Whether `csrf` is this session's token, compared in constant time so the answer's
    /// timing tells nothing about how much of a guess was right.
    pub fn csrf_matches(&self, csrf: &str) -> bool {
        subtle::ConstantTimeEq::ct_eq(self.csrf_token.as_bytes(), csrf.as_bytes()).into()
    }

    /// Refuses a session whose role does not allow what `needed` may do.
    pub fn allow(&self, needed: Role) -> Result<&Self, HttpError> {
        if self.user.role.allows(needed) {
            Ok(self)
        } else {
            Err(HttpError::RoleRefused(self.user.role))
        }
    }

    /// [`Self::allow`] for a request that changes something: it must carry this session's
    /// CSRF token too.
    pub fn allow_change(&self, needed: Role, csrf: &str) -> Result<&Self, HttpError> {
        if !self.csrf_matches(csrf) {
            return Err(HttpError::CsrfRefused);
        }
        self.allow(needed)
    }
}

impl FromRequestParts<AppState> for AdminSession {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, HttpError> {
        let signed_out = || HttpError::SignInRequired { return_to: None };
        let token = session_token(&parts.headers).ok_or_else(signed_out)?;
        let session = find(&state.db, token).await?.ok_or_else(signed_out)?;
        let ConnectInfo(peer) = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .copied()
            .ok_or_else(|| HttpError::internal(&"the request has no peer address"))?;
        let actor = Actor::of_user(&RequestSource::of(&parts.headers, peer), &session.user);
        Ok(AdminSession {
            user: session.user,
            csrf_token: session.csrf_token,
            token: token.to_owned(),
            actor,
        })
    }
}

/// What a server function called without a live session gets.
pub enum SignedOut {
    /// A page: its error page sends the browser to sign in, and back afterwards.
    SignIn,
    /// A call from a page already open (autosave, preview): 401, which the page reports.
    Refuse,
}

/// The server function's session, if it is live and its role allows what `needed` may do.
pub async fn require(needed: Role, signed_out: SignedOut) -> Result<AdminSession, AppError> {
    let state = app_state()?;
    let extracted = leptos_axum::extract_with_state::<Result<AdminSession, HttpError>, _>(&state)
        .await
        .map_err(|error| {
            tracing::error!(%error, "no request to read the session from");
            AppError::Internal
        })?;
    let session = match extracted {
        Ok(session) => session,
        Err(HttpError::SignInRequired { .. }) => {
            return Err(match signed_out {
                SignedOut::SignIn => {
                    // For a call over HTTP; a page's error page sets the address to come back to.
                    leptos_axum::redirect(crate::http::SIGN_IN);
                    AppError::SignInRequired.answered()
                }
                SignedOut::Refuse => AppError::SessionEnded.answered(),
            });
        }
        Err(error) => {
            error.log();
            return Err(AppError::Internal.answered());
        }
    };
    if session.allow(needed).is_err() {
        return Err(AppError::Forbidden.answered());
    }
    Ok(session)
}

/// [`require`] for a call that changes something: it must also carry its session's CSRF token.
pub async fn require_to_change(needed: Role, csrf: &str) -> Result<AdminSession, AppError> {
    let session = require(needed, SignedOut::Refuse).await?;
    if !session.csrf_matches(csrf) {
        return Err(AppError::CsrfRefused.answered());
    }
    Ok(session)
}
