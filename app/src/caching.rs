//! What a browser or a cache may keep of a page. Pages are rendered for their visitor (the
//! consent banner follows the visitor's cookie), so the router lets browsers keep them only to
//! revalidate; a page that carries something valid for one answer only says so here.

#[cfg(feature = "ssr")]
pub mod ssr {
    use axum::http::{HeaderValue, header};
    use leptos::prelude::use_context;
    use leptos_axum::ResponseOptions;

    /// The page carries the banner's idempotency key: a stored copy sent again would replay
    /// the same key with a different choice.
    pub fn no_store() {
        if let Some(response) = use_context::<ResponseOptions>() {
            response.insert_header(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
    }
}
