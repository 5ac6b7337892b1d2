//! The cookie inventory editor's form endpoints (`/admin/inventory/...`). Each answers 303 back
//! to `/admin/inventory` with what to show, so the editor works without JavaScript; the checks
//! are the editor's own (`app::inventory::editor::ssr`).

use crate::{
    admin::{authorised, failed},
    forms::redirect_with_query,
};
use app::{
    admin::Role,
    inventory::editor::{
        MAX_INVENTORY_BYTES,
        ssr::{InventoryEditError, discard_draft, put_in_force, save_draft},
    },
    state::AppState,
};
use axum::{
    Form,
    extract::{ConnectInfo, State},
    http::HeaderMap,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use std::net::SocketAddr;

/// The largest form body: the largest inventory, percent-encoded (up to three bytes per byte).
pub const MAX_BODY_BYTES: usize = 3 * MAX_INVENTORY_BYTES + 4 * 1024;

const EDITOR: &str = "/admin/inventory";

#[derive(Deserialize)]
pub struct DraftForm {
    csrf: String,
    source: String,
}

#[derive(Deserialize)]
pub struct ActivateForm {
    csrf: String,
    version: String,
    #[serde(default)]
    confirm: Option<String>,
}

#[derive(Deserialize)]
pub struct DiscardForm {
    csrf: String,
}

fn refused(error: InventoryEditError) -> Response {
    let (code, detail) = match error {
        InventoryEditError::TooLarge { size } => ("too-large", size.to_string()),
        InventoryEditError::NoDraft => ("no-draft", String::new()),
        InventoryEditError::Invalid(message) => ("invalid", message),
        InventoryEditError::DraftChanged => ("draft-changed", String::new()),
        InventoryEditError::NotConfirmed => ("not-confirmed", String::new()),
        InventoryEditError::Database(error) => return failed(&error),
    };
    redirect_with_query(EDITOR, &[("error", code), ("detail", &detail)])
}

pub async fn save(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<DraftForm>,
) -> Response {
    let (session, actor) = match authorised(&state, &headers, peer, &form.csrf, Role::Admin).await {
        Ok(signed_in) => signed_in,
        Err(answer) => return answer,
    };
    match save_draft(&state.db, &actor, session.user.id, &form.source).await {
        Ok(()) => Redirect::to("/admin/inventory?saved=1#inventory-review-title").into_response(),
        Err(error) => refused(error),
    }
}

pub async fn activate(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<ActivateForm>,
) -> Response {
    let (_, actor) = match authorised(&state, &headers, peer, &form.csrf, Role::Admin).await {
        Ok(signed_in) => signed_in,
        Err(answer) => return answer,
    };
    let confirmed = form.confirm.as_deref() == Some("yes");
    match put_in_force(&state.db, &actor, &form.version, confirmed).await {
        Ok(imported) if imported.changed => {
            state.consent.configuration.forget();
            let version: String = imported.version.chars().take(12).collect();
            redirect_with_query(EDITOR, &[("activated", &version)])
        }
        Ok(_) => redirect_with_query(EDITOR, &[("unchanged", "1")]),
        Err(error) => refused(error),
    }
}

pub async fn discard(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<DiscardForm>,
) -> Response {
    let (_, actor) = match authorised(&state, &headers, peer, &form.csrf, Role::Admin).await {
        Ok(signed_in) => signed_in,
        Err(answer) => return answer,
    };
    match discard_draft(&state.db, &actor).await {
        Ok(()) => redirect_with_query(EDITOR, &[("discarded", "1")]),
        Err(error) => failed(&error),
    }
}
