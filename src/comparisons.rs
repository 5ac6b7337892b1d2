//! The history page's "compare any two versions" form: a plain GET form cannot build a path, so
//! it submits to `/policies/{slug}/compare?from=a&to=b`, which redirects to the comparison's
//! permanent address `/policies/{slug}/diff/{a}..{b}`.

use app::documents::Slug;
use axum::{
    extract::{Path, Query},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct CompareForm {
    from: Option<String>,
    to: Option<String>,
}

pub async fn compare_form(Path(slug): Path<String>, Query(form): Query<CompareForm>) -> Response {
    let Ok(slug) = slug.parse::<Slug>() else {
        return (StatusCode::NOT_FOUND, "no such document").into_response();
    };
    let number = |value: &Option<String>| {
        value
            .as_deref()
            .and_then(|v| v.trim().parse::<i64>().ok())
            .filter(|n| *n >= 1)
    };
    let (Some(from), Some(to)) = (number(&form.from), number(&form.to)) else {
        return (
            StatusCode::BAD_REQUEST,
            "choose two versions to compare: `from` and `to` must both be version numbers",
        )
            .into_response();
    };
    Redirect::to(&format!("/policies/{slug}/diff/{from}..{to}")).into_response()
}
