//! The cookie inventory editor's form endpoints (`/admin/inventory/...`). Each answers 303 back
//! to `/admin/inventory` with a typed notice, so the editor works without JavaScript.

use super::{InventoryEditError, discard_draft, put_in_force, save_draft};
use crate::{
    admin::{Role, ssr::guard::AdminSession},
    http::{HttpError, HttpResult, back_with, notice_address},
    inventory::editor::{InventoryNotice, MAX_INVENTORY_BYTES},
    state::AppState,
};
use axum::{
    Form, Router,
    extract::{DefaultBodyLimit, State},
    response::{IntoResponse, Redirect},
    routing::post,
};
use serde::Deserialize;

/// The largest form body: the largest inventory, percent-encoded (up to three bytes per byte).
pub const MAX_BODY_BYTES: usize = 3 * MAX_INVENTORY_BYTES + 4 * 1024;

const EDITOR: &str = "/admin/inventory";

pub fn routes() -> Router<AppState> {
    let small = DefaultBodyLimit::max(crate::admin::ssr::http::MAX_BODY_BYTES);
    Router::new()
        .route(
            "/admin/inventory/draft",
            post(save).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
        )
        .route("/admin/inventory/activate", post(activate).layer(small))
        .route("/admin/inventory/discard", post(discard).layer(small))
}

#[derive(Deserialize)]
struct DraftForm {
    csrf: String,
    source: String,
}

#[derive(Deserialize)]
struct ActivateForm {
    csrf: String,
    version: String,
    #[serde(default)]
    confirm: Option<String>,
}

#[derive(Deserialize)]
struct DiscardForm {
    csrf: String,
}

fn back(notice: InventoryNotice) -> HttpResult {
    Ok(back_with(EDITOR, &notice, &[]))
}

fn refused(error: InventoryEditError) -> HttpResult {
    back(match error {
        InventoryEditError::TooLarge { size } => InventoryNotice::TooLarge {
            size: size.to_string(),
        },
        InventoryEditError::NoDraft => InventoryNotice::NoDraft,
        InventoryEditError::Invalid(_) => InventoryNotice::Invalid,
        InventoryEditError::DraftChanged => InventoryNotice::DraftChanged,
        InventoryEditError::NotConfirmed => InventoryNotice::NotConfirmed,
        InventoryEditError::Database(error) => return Err(HttpError::from(error)),
    })
}

async fn save(
    State(state): State<AppState>,
    session: AdminSession,
    Form(form): Form<DraftForm>,
) -> HttpResult {
    session.allow_change(Role::Admin, &form.csrf)?;
    match save_draft(&state.db, &session.actor, session.user.id, &form.source).await {
        // To the review, which says whether the draft is valid and what it changes.
        Ok(()) => {
            let review = notice_address(EDITOR, &InventoryNotice::Saved, &[])?;
            Ok(Redirect::to(&format!("{review}#inventory-review-title")).into_response())
        }
        Err(error) => refused(error),
    }
}

async fn activate(
    State(state): State<AppState>,
    session: AdminSession,
    Form(form): Form<ActivateForm>,
) -> HttpResult {
    session.allow_change(Role::Admin, &form.csrf)?;
    let confirmed = form.confirm.as_deref() == Some("yes");
    match put_in_force(&state.db, &session.actor, &form.version, confirmed).await {
        Ok(imported) if imported.changed => {
            state.consent.configuration.forget();
            let version = imported.version.chars().take(12).collect();
            back(InventoryNotice::Activated { version })
        }
        Ok(_) => back(InventoryNotice::Unchanged),
        Err(error) => refused(error),
    }
}

async fn discard(
    State(state): State<AppState>,
    session: AdminSession,
    Form(form): Form<DiscardForm>,
) -> HttpResult {
    session.allow_change(Role::Admin, &form.csrf)?;
    discard_draft(&state.db, &session.actor).await?;
    back(InventoryNotice::Discarded)
}
