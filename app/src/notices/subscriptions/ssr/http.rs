//! The public subscription forms: `/subscribe` records the request and queues the confirmation
//! in the notice outbox, which the worker sends (so the answer is the same, and as quick,
//! whatever the address's state), within per-network and overall hourly limits;
//! `/subscribe/confirm` confirms; `/unsubscribe/:token` ends a subscription, both from the
//! page's button and from a mail program's one-click POST (RFC 8058).

use super::{Change, Scope, SubscribeError, confirm, request, unsubscribe};
use crate::{
    admin::Email,
    clock::Timestamp,
    http::{HttpError, HttpResult, back_with},
    i18n::Locale,
    network::ip_prefix,
    notices::subscriptions::SubscribeNotice,
    state::AppState,
};
use axum::{
    Form, Router,
    body::Bytes,
    extract::{ConnectInfo, DefaultBodyLimit, Path, State},
    response::{IntoResponse, Redirect},
    routing::post,
};
use serde::Deserialize;
use std::net::SocketAddr;

/// The largest form body: an address, a slug and a language.
pub const MAX_BODY_BYTES: usize = 4 * 1024;

const FORM: &str = "/subscribe";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(FORM, post(subscribe))
        .route("/subscribe/confirm", post(confirm_subscription))
        .route("/unsubscribe/{token}", post(unsubscribe_by_token))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

#[derive(Deserialize)]
struct SubscribeForm {
    email: String,
    scope: String,
    #[serde(default)]
    locale: String,
}

#[derive(Deserialize)]
struct ConfirmForm {
    token: String,
}

/// Tokens are 32 hex digits; anything else opens nothing, and never reaches a redirect.
fn well_formed(token: &str) -> bool {
    token.len() == 32 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

fn unknown() -> HttpError {
    HttpError::NotFound("This link opens no subscription. Check that it was copied whole.".into())
}

fn back(notice: SubscribeNotice) -> HttpResult {
    Ok(back_with(FORM, &notice, &[]))
}

async fn subscribe(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Form(form): Form<SubscribeForm>,
) -> HttpResult {
    let Ok(email) = form.email.parse::<Email>() else {
        return back(SubscribeNotice::BadEmail);
    };
    let Ok(scope) = Scope::parse(&form.scope) else {
        return back(SubscribeNotice::BadScope);
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
        Ok(()) => back(SubscribeNotice::Sent),
        Err(SubscribeError::UnknownDocument(_)) => back(SubscribeNotice::BadScope),
        // Over the hourly limits: nothing is mailed.
        Err(SubscribeError::Limited { retry_after_secs }) => {
            tracing::warn!(%network, "subscription requests over the hourly limit");
            let retry_after_secs = u64::try_from(retry_after_secs).unwrap_or(0);
            Err(HttpError::Limited {
                message: format!(
                    "Too many subscription requests have come from your network this hour, so \
                     none was sent. Please try again in {} minutes.",
                    retry_after_secs.div_ceil(60)
                ),
                retry_after_secs,
            })
        }
        Err(SubscribeError::Database(error)) => Err(error.into()),
    }
}

async fn confirm_subscription(
    State(state): State<AppState>,
    Form(form): Form<ConfirmForm>,
) -> HttpResult {
    if !well_formed(&form.token) {
        return Err(unknown());
    }
    match confirm(&state.db, &form.token, Timestamp::now()).await? {
        Change::Unknown => Err(unknown()),
        _ => Ok(Redirect::to(&format!("/subscribe/confirm/{}", form.token)).into_response()),
    }
}

/// A mail program's one-click POST (its body names `List-Unsubscribe=One-Click`) is answered
/// 200 with a line of text, as RFC 8058 wants; the page's own button is sent back to the page.
async fn unsubscribe_by_token(
    State(state): State<AppState>,
    Path(token): Path<String>,
    body: Bytes,
) -> HttpResult {
    if !well_formed(&token) {
        return Err(unknown());
    }
    let one_click = body
        .windows(b"One-Click".len())
        .any(|window| window == b"One-Click");
    match unsubscribe(&state.db, &token, Timestamp::now()).await? {
        Change::Unknown => Err(unknown()),
        _ if one_click => Ok("Unsubscribed.".into_response()),
        _ => Ok(Redirect::to(&format!("/unsubscribe/{token}")).into_response()),
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
