//! The editor's and the settings page's form endpoints. Each answers 303 back to its page, with
//! `?error=` naming what to correct, so they work without JavaScript; the checks are the ones the
//! server functions use (`app::editor::ssr`).

use crate::{
    admin::{authorised, failed},
    forms::redirect_with_query,
};
use app::{
    admin::Role,
    documents::Slug,
    editor::{
        PublishFields,
        ssr::{self as editor, EditorError},
    },
    i18n::Locale,
    markdown::RenderError,
    revisions::{RevisionClass, ssr::PublishError},
    settings::{NoticeDays, ssr::set_notice_days},
    state::AppState,
};
use axum::{
    Form,
    extract::{ConnectInfo, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use std::net::SocketAddr;

/// The largest editor form body: a 1 MiB text, percent-encoded (up to three bytes per byte),
/// with the publish fields.
pub const MAX_BODY_BYTES: usize = 3 * app::markdown::MAX_SOURCE_BYTES + 64 * 1024;

#[derive(Deserialize)]
pub struct DraftForm {
    csrf: String,
    slug: String,
    locale: String,
    source: String,
    // The publish fields: absent when an editor saves.
    #[serde(default)]
    class: Option<String>,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    effective_on: String,
    #[serde(default)]
    confirm_missing_locales: Option<String>,
}

#[derive(Deserialize)]
pub struct SettingsForm {
    csrf: String,
    notice_days: String,
}

/// Back to the editor with a notice: `saved`, or an error code and its detail.
fn back_to_editor(slug: &str, locale: Locale, notice: &[(&str, &str)]) -> Response {
    redirect_with_query(&format!("/admin/documents/{slug}/{locale}"), notice)
}

/// The answer to a refused save or publish: back to the editor with the code and detail of what
/// to correct, or an error for what no form input causes.
fn refused(slug: &Slug, locale: Locale, error: EditorError) -> Response {
    let (code, detail) = match error {
        EditorError::TooLarge { size } => ("too-large", size.to_string()),
        EditorError::NoDraft => ("no-draft", String::new()),
        EditorError::BadDate(date) => ("bad-date", date),
        EditorError::MissingLocales(locales) => (
            "missing-locales",
            locales
                .iter()
                .map(|locale| locale.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        EditorError::Publish(PublishError::MissingSummary) => ("missing-summary", String::new()),
        EditorError::Publish(PublishError::NoticeTooShort { earliest, .. }) => (
            "notice-too-short",
            earliest.get(..10).unwrap_or(&earliest).to_owned(),
        ),
        EditorError::Publish(PublishError::Render(RenderError::Empty)) => ("empty", String::new()),
        EditorError::Publish(PublishError::Render(RenderError::TooLarge { size })) => {
            ("too-large", size.to_string())
        }
        EditorError::UnknownDocument(_)
        | EditorError::Publish(PublishError::UnknownDocument(_)) => {
            return (StatusCode::NOT_FOUND, "there is no such document").into_response();
        }
        other => return failed(&other),
    };
    back_to_editor(
        slug.as_str(),
        locale,
        &[("error", code), ("detail", &detail)],
    )
}

/// Saves the draft; with `publish`, then publishes it.
async fn draft_form(
    state: AppState,
    peer: SocketAddr,
    headers: HeaderMap,
    form: DraftForm,
    publish: bool,
) -> Response {
    let needed = if publish {
        Role::Publisher
    } else {
        Role::Editor
    };
    let (session, actor) = match authorised(&state, &headers, peer, &form.csrf, needed).await {
        Ok(signed_in) => signed_in,
        Err(answer) => return answer,
    };
    let (Ok(slug), Ok(locale)) = (form.slug.parse::<Slug>(), form.locale.parse::<Locale>()) else {
        return (
            StatusCode::NOT_FOUND,
            "there is no such document in that language",
        )
            .into_response();
    };
    if let Err(error) = editor::save(
        &state.db,
        &session.user,
        &actor,
        &slug,
        locale,
        &form.source,
    )
    .await
    {
        return refused(&slug, locale, error);
    }
    if !publish {
        return back_to_editor(slug.as_str(), locale, &[("saved", "1")]);
    }
    let class = match form.class.as_deref().map(str::parse::<RevisionClass>) {
        Some(Ok(class)) => class,
        _ => {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                "choose whether the revision is editorial or material",
            )
                .into_response();
        }
    };
    let fields = PublishFields {
        class,
        summary: form.summary,
        effective_on: form.effective_on,
    };
    let confirmed = form.confirm_missing_locales.as_deref() == Some("true");
    match editor::publish(
        &state,
        &session.user,
        &actor,
        &slug,
        locale,
        &fields,
        confirmed,
    )
    .await
    {
        Ok(meta) => {
            let what = format!("{slug}/{locale} v{}", meta.number);
            redirect_with_query("/admin/documents", &[("published", &what)])
        }
        Err(error) => refused(&slug, locale, error),
    }
}

pub async fn save(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<DraftForm>,
) -> Response {
    draft_form(state, peer, headers, form, false).await
}

pub async fn publish(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<DraftForm>,
) -> Response {
    draft_form(state, peer, headers, form, true).await
}

pub async fn settings(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<SettingsForm>,
) -> Response {
    let (_, actor) = match authorised(&state, &headers, peer, &form.csrf, Role::Admin).await {
        Ok(signed_in) => signed_in,
        Err(answer) => return answer,
    };
    let Ok(days) = form.notice_days.parse::<NoticeDays>() else {
        return redirect_with_query(
            "/admin/settings",
            &[("error", "notice-days"), ("value", &form.notice_days)],
        );
    };
    match set_notice_days(&state.db, &actor, days).await {
        Ok(()) => Redirect::to("/admin/settings?saved=1").into_response(),
        Err(error) => failed(&error),
    }
}
