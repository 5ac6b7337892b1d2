//! The settings form's endpoint (`POST /admin/settings`), answered 303 back to the page.

use super::set_notice_days;
use crate::{
    admin::{Role, ssr::guard::AdminSession},
    http::{HttpResult, back_with},
    settings::{NoticeDays, SettingsNotice},
    state::AppState,
};
use axum::{
    Form, Router,
    extract::{DefaultBodyLimit, State},
    routing::post,
};
use serde::Deserialize;

const SETTINGS: &str = "/admin/settings";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(SETTINGS, post(save))
        .layer(DefaultBodyLimit::max(
            crate::admin::ssr::http::MAX_BODY_BYTES,
        ))
}

#[derive(Deserialize)]
struct SettingsForm {
    csrf: String,
    notice_days: String,
}

async fn save(
    State(state): State<AppState>,
    session: AdminSession,
    Form(form): Form<SettingsForm>,
) -> HttpResult {
    session.allow_change(Role::Admin, &form.csrf)?;
    let Ok(days) = form.notice_days.parse::<NoticeDays>() else {
        // Echoed back on the page, so bounded: a number of days is never longer.
        let value = form.notice_days.chars().take(16).collect();
        return Ok(back_with(
            SETTINGS,
            &SettingsNotice::BadNoticeDays { value },
            &[],
        ));
    };
    set_notice_days(&state.db, &session.actor, days).await?;
    Ok(back_with(SETTINGS, &SettingsNotice::Saved, &[]))
}
