//! The editor's form endpoints: saving a draft and publishing it. Each answers 303 back to the
//! editor with a typed notice of what to correct, so the editor works without JavaScript; the
//! checks are the ones the server functions use.

use super::EditorError;
use crate::{
    admin::{Role, ssr::guard::AdminSession},
    documents::Slug,
    editor::{DocumentsNotice, EditorNotice, PublishFields},
    http::{HttpError, HttpResult, back_with},
    i18n::Locale,
    markdown::RenderError,
    revisions::{RevisionClass, ssr::PublishError},
    state::AppState,
};
use axum::{
    Form, Router,
    extract::{DefaultBodyLimit, State},
    response::{IntoResponse, Response},
    routing::post,
};
use serde::Deserialize;

/// The largest editor form body: a 1 MiB text, percent-encoded (up to three bytes per byte),
/// with the publish fields.
pub const MAX_BODY_BYTES: usize = 3 * crate::markdown::MAX_SOURCE_BYTES + 64 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/drafts/save", post(save))
        .route("/admin/drafts/publish", post(publish))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

#[derive(Deserialize)]
struct DraftForm {
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

/// The editor of `slug` in `locale`, showing `notice`.
fn back_to_editor(slug: &Slug, locale: Locale, notice: &EditorNotice) -> HttpResult {
    Ok(back_with(
        &format!("/admin/documents/{slug}/{locale}"),
        notice,
        &[],
    ))
}

/// The answer to a refused save or publish: back to the editor saying what to correct, or an
/// error for what no form input causes.
fn refused(slug: &Slug, locale: Locale, error: EditorError) -> HttpResult {
    let notice = match error {
        EditorError::TooLarge { size }
        | EditorError::Publish(PublishError::Render(RenderError::TooLarge { size })) => {
            EditorNotice::TooLarge {
                size: size.to_string(),
            }
        }
        EditorError::NoDraft => EditorNotice::NoDraft,
        EditorError::BadDate(date) => EditorNotice::BadDate { date },
        EditorError::MissingLocales(locales) => EditorNotice::MissingLocales {
            locales: locales
                .iter()
                .map(|locale| locale.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        },
        EditorError::Publish(PublishError::MissingSummary) => EditorNotice::MissingSummary,
        EditorError::Publish(PublishError::NoticeTooShort { earliest, .. }) => {
            EditorNotice::NoticeTooShort {
                earliest: earliest.get(..10).unwrap_or(&earliest).to_owned(),
            }
        }
        EditorError::Publish(PublishError::Render(RenderError::Empty)) => EditorNotice::Empty,
        EditorError::UnknownDocument(_)
        | EditorError::Publish(PublishError::UnknownDocument(_)) => {
            return Err(HttpError::NotFound("there is no such document".into()));
        }
        other => return Err(HttpError::internal(&other)),
    };
    back_to_editor(slug, locale, &notice)
}

/// The document the form names, once the draft is saved from it; else the answer to give.
async fn saved(
    state: &AppState,
    session: &AdminSession,
    form: &DraftForm,
) -> Result<(Slug, Locale), Response> {
    let (Ok(slug), Ok(locale)) = (form.slug.parse::<Slug>(), form.locale.parse::<Locale>()) else {
        let unknown = "there is no such document in that language";
        return Err(HttpError::NotFound(unknown.into()).into_response());
    };
    let saved = super::save(
        &state.db,
        &session.user,
        &session.actor,
        &slug,
        locale,
        &form.source,
    )
    .await;
    match saved {
        Ok(_) => Ok((slug, locale)),
        Err(error) => Err(refused(&slug, locale, error).into_response()),
    }
}

async fn save(
    State(state): State<AppState>,
    session: AdminSession,
    Form(form): Form<DraftForm>,
) -> HttpResult {
    session.allow_change(Role::Editor, &form.csrf)?;
    match saved(&state, &session, &form).await {
        Ok((slug, locale)) => back_to_editor(&slug, locale, &EditorNotice::Saved),
        Err(answer) => Ok(answer),
    }
}

/// Saves the draft, then publishes it.
async fn publish(
    State(state): State<AppState>,
    session: AdminSession,
    Form(form): Form<DraftForm>,
) -> HttpResult {
    session.allow_change(Role::Publisher, &form.csrf)?;
    let (slug, locale) = match saved(&state, &session, &form).await {
        Ok(document) => document,
        Err(answer) => return Ok(answer),
    };
    let Some(Ok(class)) = form.class.as_deref().map(str::parse::<RevisionClass>) else {
        return Err(HttpError::Unprocessable(
            "choose whether the revision is editorial or material".into(),
        ));
    };
    let fields = PublishFields {
        class,
        summary: form.summary,
        effective_on: form.effective_on,
    };
    let confirmed = form.confirm_missing_locales.as_deref() == Some("true");
    match super::publish(
        &state,
        &session.user,
        &session.actor,
        &slug,
        locale,
        &fields,
        confirmed,
    )
    .await
    {
        Ok(meta) => {
            let revision = format!("{slug}/{locale} v{}", meta.number);
            Ok(back_with(
                "/admin/documents",
                &DocumentsNotice::Published { revision },
                &[],
            ))
        }
        Err(error) => refused(&slug, locale, error),
    }
}
