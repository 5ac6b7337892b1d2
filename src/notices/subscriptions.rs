//! The public subscription forms: `/subscribe` records the request and queues the confirmation
//! in the notice outbox, which the worker sends (so the answer is the same, and as quick,
//! whatever the address's state), within per-network and overall hourly limits;
//! `/subscribe/confirm` confirms; `/unsubscribe/:token` ends a subscription, both from the
//! page's button and from a mail program's one-click POST (RFC 8058).

use crate::forms::redirect_with_query;
use app::{
    admin::Email,
    clock::Timestamp,
    i18n::Locale,
    network::ip_prefix,
    notices::subscriptions::ssr::{Change, Scope, SubscribeError, confirm, request, unsubscribe},
    state::AppState,
};
use axum::{
    Form,
    body::Bytes,
    extract::{ConnectInfo, Path, State},
    http::{StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use std::net::SocketAddr;

/// The largest form body: an address, a slug and a language.
pub const MAX_BODY_BYTES: usize = 4 * 1024;

const FORM: &str = "/subscribe";

#[derive(Deserialize)]
pub struct SubscribeForm {
    email: String,
    scope: String,
    #[serde(default)]
    locale: String,
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    token: String,
}

fn failed(error: &dyn std::fmt::Display) -> Response {
    tracing::error!(%error, "a subscription could not be stored");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "Your request could not be stored. Please try again in a moment.",
    )
        .into_response()
}

/// Tokens are 32 hex digits; anything else opens nothing, and never reaches a redirect.
fn well_formed(token: &str) -> bool {
    token.len() == 32 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

fn unknown() -> Response {
    (
        StatusCode::NOT_FOUND,
        "This link opens no subscription. Check that it was copied whole.",
    )
        .into_response()
}

/// Over the hourly limits: 429 with `Retry-After`, and nothing mailed.
fn limited(retry_after_secs: i64) -> Response {
    (
        StatusCode::TOO_MANY_REQUESTS,
        [(header::RETRY_AFTER, retry_after_secs.to_string())],
        format!(
            "Too many subscription requests have come from your network this hour, so none was \
             sent. Please try again in {} minutes.",
            (retry_after_secs + 59) / 60
        ),
    )
        .into_response()
}

pub async fn subscribe(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Form(form): Form<SubscribeForm>,
) -> Response {
    let Ok(email) = form.email.parse::<Email>() else {
        return redirect_with_query(FORM, &[("error", "email")]);
    };
    let Ok(scope) = Scope::parse(&form.scope) else {
        return redirect_with_query(FORM, &[("error", "scope")]);
    };
    let locale: Locale = form.locale.parse().unwrap_or_default();
    let network = ip_prefix(peer.ip());
    // Queued, not mailed, or nothing to mail (already subscribed, or mailed a moment ago):
    // all look the same to the visitor, so the form does not tell strangers who subscribes.
    match request(
        &state.db,
        &email,
        &scope,
        locale,
        &network,
        Timestamp::now(),
    )
    .await
    {
        Ok(()) => redirect_with_query(FORM, &[("sent", "1")]),
        Err(SubscribeError::UnknownDocument(_)) => redirect_with_query(FORM, &[("error", "scope")]),
        Err(SubscribeError::Limited { retry_after_secs }) => {
            tracing::warn!(%network, "subscription requests over the hourly limit");
            limited(retry_after_secs)
        }
        Err(SubscribeError::Database(error)) => failed(&error),
    }
}

pub async fn confirm_subscription(
    State(state): State<AppState>,
    Form(form): Form<ConfirmForm>,
) -> Response {
    if !well_formed(&form.token) {
        return unknown();
    }
    match confirm(&state.db, &form.token, Timestamp::now()).await {
        Ok(Change::Unknown) => unknown(),
        Ok(_) => Redirect::to(&format!("/subscribe/confirm/{}", form.token)).into_response(),
        Err(error) => failed(&error),
    }
}

/// A mail program's one-click POST (its body names `List-Unsubscribe=One-Click`) is answered
/// 200 with a line of text, as RFC 8058 wants; the page's own button is sent back to the page.
pub async fn unsubscribe_by_token(
    State(state): State<AppState>,
    Path(token): Path<String>,
    body: Bytes,
) -> Response {
    if !well_formed(&token) {
        return unknown();
    }
    let one_click = body
        .windows(b"One-Click".len())
        .any(|window| window == b"One-Click");
    match unsubscribe(&state.db, &token, Timestamp::now()).await {
        Ok(Change::Unknown) => unknown(),
        Ok(_) if one_click => (StatusCode::OK, "Unsubscribed.").into_response(),
        Ok(_) => Redirect::to(&format!("/unsubscribe/{token}")).into_response(),
        Err(error) => failed(&error),
    }
}

#[cfg(test)]
mod tests {
    use super::well_formed;

    #[test]
    fn only_32_hex_digits_are_tokens() {
        assert!(well_formed("0123456789abcdef0123456789abcdef"));
        assert!(!well_formed("0123456789abcdef"));
        assert!(!well_formed("0123456789abcdef0123456789abcdeg"));
        assert!(!well_formed("../../../../../../../etc/passwd.."));
    }
}
