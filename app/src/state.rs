//! The one application state, shared by the axum handlers and (as context) by the server
//! functions.

use crate::{
    comparisons::ssr::DiffCache, consent::ssr::ConsentService, db::Db, errors::AppError,
    site::SiteInfo,
};
use axum::extract::FromRef;
use leptos::prelude::*;

#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub site: SiteInfo,
    pub diffs: DiffCache,
    pub consent: ConsentService,
}

/// The state, as provided to every route and server function by `leptos_routes_with_context`.
pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the Leptos context");
        AppError::Internal
    })
}
