//! The sites forms' endpoints (`POST /admin/sites`, `POST /admin/sites/{id}/remove`), answered
//! 303 back to the page.

use super::{SiteError, add, remove};
use crate::{
    admin::{Role, ssr::guard::AdminSession},
    http::{HttpError, HttpResult, back_with},
    sites::{ConsentModel, SitesNotice, ssr::SiteOrigin},
    state::AppState,
};
use axum::{
    Form, Router,
    extract::{DefaultBodyLimit, Path, State},
    routing::post,
};
use serde::Deserialize;

const SITES: &str = "/admin/sites";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(SITES, post(add_site))
        .route("/admin/sites/{id}/remove", post(remove_site))
        .layer(DefaultBodyLimit::max(
            crate::admin::ssr::http::MAX_BODY_BYTES,
        ))
}

#[derive(Deserialize)]
struct SiteForm {
    csrf: String,
    origin: String,
    model: String,
}

async fn add_site(
    State(state): State<AppState>,
    session: AdminSession,
    Form(form): Form<SiteForm>,
) -> HttpResult {
    session.allow_change(Role::Admin, &form.csrf)?;
    let Ok(origin) = form.origin.parse::<SiteOrigin>() else {
        // Echoed back on the page, so bounded.
        let value = form.origin.chars().take(100).collect();
        return Ok(back_with(SITES, &SitesNotice::BadOrigin { value }, &[]));
    };
    let model: ConsentModel = form
        .model
        .parse()
        .map_err(|_| HttpError::Unprocessable("the consent model is opt-in or opt-out".into()))?;
    match add(&state.db, &session.actor, &origin, model).await {
        Ok(()) => {}
        Err(SiteError::AlreadyRegistered(origin)) => {
            let origin = origin.to_string();
            return Ok(back_with(
                SITES,
                &SitesNotice::AlreadyRegistered { origin },
                &[],
            ));
        }
        Err(SiteError::TooMany) => {
            return Err(HttpError::Conflict(SiteError::TooMany.to_string().into()));
        }
        Err(error) => return Err(HttpError::internal(&error)),
    }
    state.sites.forget();
    let origin = origin.to_string();
    Ok(back_with(SITES, &SitesNotice::Added { origin }, &[]))
}

#[derive(Deserialize)]
struct RemoveForm {
    csrf: String,
}

async fn remove_site(
    State(state): State<AppState>,
    session: AdminSession,
    Path(id): Path<i64>,
    Form(form): Form<RemoveForm>,
) -> HttpResult {
    session.allow_change(Role::Admin, &form.csrf)?;
    let origin = match remove(&state.db, &session.actor, id).await {
        Ok(origin) => origin,
        Err(error @ SiteError::NotFound(_)) => {
            return Err(HttpError::NotFound(error.to_string().into()));
        }
        Err(error) => return Err(HttpError::internal(&error)),
    };
    state.sites.forget();
    let origin = origin.to_string();
    Ok(back_with(SITES, &SitesNotice::Removed { origin }, &[]))
}
