//! What every page shows about the site itself: the organisation that runs it.

use crate::errors::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteInfo {
    /// The organisation whose policies these are, as configured (`CHARTER_ORGANISATION`).
    pub organisation: String,
    /// The public URL of the site (`CHARTER_BASE_URL`), without a trailing slash.
    pub base_url: String,
}

#[server]
pub async fn get_site_info() -> Result<SiteInfo, AppError> {
    Ok(crate::state::app_state()?.site.clone())
}

/// Site information, loaded once per page.
#[derive(Clone, Copy)]
pub struct Site(pub Resource<Result<SiteInfo, AppError>>);

pub fn provide_site() {
    provide_context(Site(Resource::new(|| (), |()| get_site_info())));
}

/// The organisation's name, or nothing while it loads.
pub fn organisation() -> impl Fn() -> Option<String> + Copy {
    let site = expect_context::<Site>().0;
    move || {
        site.get()
            .and_then(Result::ok)
            .map(|info| info.organisation)
    }
}
