//! The history page's "compare any two versions" form: a plain GET form cannot build a path, so
//! it submits to `/policies/{slug}/compare?from=a&to=b`, which redirects to the comparison's
//! permanent address `/policies/{slug}/diff/{a}..{b}`.

use crate::{
    documents::Slug,
    http::{HttpError, HttpResult},
    state::AppState,
};
use axum::{
    Router,
    extract::{Path, Query},
    response::{IntoResponse, Redirect},
    routing::get,
};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/policies/{slug}/compare", get(compare_form))
}

#[derive(Deserialize)]
struct CompareForm {
    from: Option<String>,
    to: Option<String>,
}

async fn compare_form(Path(slug): Path<String>, Query(form): Query<CompareForm>) -> HttpResult {
    let slug = slug
        .parse::<Slug>()
        .map_err(|_| HttpError::NotFound("no such document".into()))?;
    let number = |value: &Option<String>| {
        value
            .as_deref()
            .and_then(|v| v.trim().parse::<i64>().ok())
            .filter(|n| *n >= 1)
    };
    let (Some(from), Some(to)) = (number(&form.from), number(&form.to)) else {
        return Err(HttpError::BadRequest(
            "choose two versions to compare: `from` and `to` must both be version numbers".into(),
        ));
    };
    Ok(Redirect::to(&format!("/policies/{slug}/diff/{from}..{to}")).into_response())
}
