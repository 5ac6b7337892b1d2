//! Charter's user interface: the pages, components and server functions, compiled for the server
//! (`ssr`), and the islands among them for the browser (`hydrate`). Each domain slice is one
//! module holding its types, its server functions and its components, with server-only code in
//! a nested `ssr` module.

// Nested `view!` types of the policy pages exceed the default depth.
#![recursion_limit = "256"]

pub mod admin;
pub mod app;
pub mod audit;
pub mod caching;
pub mod clock;
pub mod comparisons;
pub mod consent;
pub mod csp;
pub mod diff;
pub mod documents;
pub mod editor;
pub mod embed;
pub mod errors;
pub mod evidence;
pub mod home;
pub mod i18n;
pub mod inventory;
pub mod islands;
pub mod layout;
pub mod markdown;
mod newtypes;
pub mod notices;
pub mod policies;
pub mod revisions;
pub mod settings;
pub mod site;
pub mod sites;
#[cfg(test)]
mod stored_names;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod cookies;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod http;
#[cfg(feature = "ssr")]
pub mod network;
#[cfg(feature = "ssr")]
pub mod state;

/// Called by the page's loader (`islands::IslandScripts`) before it hydrates each island.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    leptos::mount::hydrate_islands();
}
