//! The one application state, shared by the axum handlers and (as context) by the server
//! functions.

use crate::{
    admin::ssr::password::Hasher, caching::ssr::PageCache, consent::ssr::ConsentService, db::Db,
    diff::DiffCache, errors::AppError, evidence::ssr::LogKey, markdown::ImageHosts,
    network::Network, site::SiteInfo, sites::ssr::SiteRegistry,
};
use axum::extract::FromRef;
use leptos::prelude::*;
use std::{ops::Deref, sync::Arc};

/// Every request and every middleware that extracts the state clones it, so it is one
/// reference count rather than the dozens of allocations and counters of its parts: cloning
/// those took about a quarter of the server's CPU time while it answered `/healthz` under load.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Shared>);

#[derive(Debug)]
pub struct Shared {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub site: SiteInfo,
    pub diffs: DiffCache,
    /// Rendered public pages, served again while nothing they show has changed.
    pub pages: PageCache,
    pub consent: ConsentService,
    pub network: Network,
    /// Where published and previewed revisions may show images from (`CHARTER_IMAGE_HOSTS`).
    pub images: ImageHosts,
    pub hasher: Hasher,
    /// The company's other sites, which may use the consent API from their pages.
    pub sites: SiteRegistry,
    /// The evidence log's signing key.
    pub log_key: LogKey,
}

impl AppState {
    pub fn new(shared: Shared) -> Self {
        AppState(Arc::new(shared))
    }
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What `leptos_axum` extracts to render pages and serve files.
impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The state, as provided to every route and server function by `leptos_routes_with_context`.
pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the Leptos context");
        AppError::Internal
    })
}
