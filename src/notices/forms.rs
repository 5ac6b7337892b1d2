//! The form behind the notice status page: `/admin/notices/retry` queues a campaign's failed
//! messages again and answers 303 back to the campaign with how many, so it works without
//! JavaScript.

use crate::admin::{authorised, failed};
use app::{admin::Role, notices::campaigns::ssr::retry_failed, state::AppState};
use axum::{
    Form,
    extract::{ConnectInfo, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use std::net::SocketAddr;

#[derive(Deserialize)]
pub struct RetryForm {
    csrf: String,
    campaign: i64,
}

pub async fn retry(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<RetryForm>,
) -> Response {
    let (_, actor) = match authorised(&state, &headers, peer, &form.csrf, Role::Publisher).await {
        Ok(signed_in) => signed_in,
        Err(answer) => return answer,
    };
    match retry_failed(&state.db, form.campaign, &actor).await {
        Ok(Some(retried)) => Redirect::to(&format!(
            "/admin/notices/{}?retried={retried}",
            form.campaign
        ))
        .into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, "There is no such notice campaign.").into_response(),
        Err(error) => failed(&error),
    }
}
