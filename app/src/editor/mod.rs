//! The editor in the admin area: drafts per document and locale, a preview by the public
//! renderer, a comparison with the current text, and the publishing workflow.

use crate::{
    clock::Timestamp, diff::Comparison, documents::DocumentSummary, errors::AppError, i18n::Locale,
    revisions::RevisionClass,
};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;

/// What the editor's form endpoints sent the editor page back with: the draft saved, or what
/// to correct before it can be saved or published.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "notice", rename_all = "kebab-case")]
pub enum EditorNotice {
    Saved,
    /// The text has `size` bytes, more than a revision may.
    TooLarge {
        size: String,
    },
    Empty,
    NoDraft,
    BadDate {
        date: String,
    },
    MissingSummary,
    /// The notice period allows `earliest` (a date) at the soonest.
    NoticeTooShort {
        earliest: String,
    },
    /// The languages (comma-separated) without a draft of a material change.
    MissingLocales {
        locales: String,
    },
}

/// What publishing sent the documents list back with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "notice", rename_all = "kebab-case")]
pub enum DocumentsNotice {
    /// `revision` names it as `slug/locale vN`.
    Published { revision: String },
}

/// When a draft was last saved, and by whom.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftStamp {
    pub saved_at: Timestamp,
    pub saved_by: String,
}

/// A document's state in one locale, for the documents list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocaleState {
    pub locale: Locale,
    /// The highest revision number (0: none published).
    pub latest: i64,
    pub draft: Option<DraftStamp>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentDrafts {
    pub document: DocumentSummary,
    pub locales: Vec<LocaleState>,
}

/// What the publish form asks for, kept with the draft between attempts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishFields {
    pub class: RevisionClass,
    pub summary: String,
    /// The day a material revision takes effect, `2027-01-31`.
    pub effective_on: String,
}

/// Everything the editor page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditorView {
    pub document: DocumentSummary,
    pub locale: Locale,
    /// The draft's text, or the latest revision's when there is no draft yet.
    pub source: String,
    pub saved: Option<DraftStamp>,
    /// The revision the draft started from, and the latest one now (they differ when someone
    /// published meanwhile).
    pub base_number: i64,
    pub latest: i64,
    /// The preview of `source` by the renderer of the public pages, or why it cannot render.
    pub preview: Result<String, String>,
    pub publish: PublishFields,
    pub notice_days: i64,
    /// The first day a material revision published now may take effect.
    pub earliest_effective_on: String,
    pub can_publish: bool,
    pub csrf_token: String,
}

/// The editor's data for `slug` in `locale`.
#[server(endpoint = "admin/editor")]
pub async fn get_editor(slug: String, locale: Locale) -> Result<EditorView, AppError> {
    use crate::admin::Role;
    let Editable {
        session,
        state,
        slug,
        document,
    } = editable(&slug, locale).await?;
    let latest = latest_source(&state.db, &slug, locale).await?;
    let latest_number = latest.as_ref().map_or(0, |(meta, _)| meta.number);
    let draft = ssr::draft(state.db.reader(), &slug, locale).await?;
    let notice_days = crate::settings::ssr::notice_days(state.db.reader()).await?;
    let now = Timestamp::now();
    let earliest_effective_on = first_whole_day_after(now.plus_days(notice_days.get()));
    let (source, saved, base_number, publish) = match draft {
        Some(draft) => (
            draft.source,
            Some(draft.stamp),
            draft.base_number,
            draft.publish,
        ),
        None => (
            latest.map(|(_, source)| source).unwrap_or_default(),
            None,
            latest_number,
            PublishFields {
                class: RevisionClass::Editorial,
                summary: String::new(),
                effective_on: earliest_effective_on.clone(),
            },
        ),
    };
    Ok(EditorView {
        preview: preview_html(&source, locale, &state.images),
        document,
        locale,
        source,
        saved,
        base_number,
        latest: latest_number,
        publish,
        notice_days: notice_days.get(),
        earliest_effective_on,
        can_publish: session.user.role.allows(Role::Publisher),
        csrf_token: session.csrf_token,
    })
}

/// What an editor page starts with.
#[cfg(feature = "ssr")]
struct Editable {
    session: crate::admin::ssr::guard::AdminSession,
    state: crate::state::AppState,
    slug: crate::documents::Slug,
    /// Titled in the page's locale.
    document: DocumentSummary,
}

/// The editor's session (else a redirect to sign in and back) and the document
/// `slug`, titled in `locale`.
#[cfg(feature = "ssr")]
async fn editable(slug: &str, locale: Locale) -> Result<Editable, AppError> {
    use crate::admin::{
        Role,
        ssr::guard::{SignedOut, require},
    };
    let session = require(Role::Editor, SignedOut::SignIn).await?;
    let state = crate::state::app_state()?;
    let slug = crate::revisions::ssr::parse_slug(slug)?;
    let document = crate::documents::ssr::find(&state.db, &slug, locale)
        .await?
        .ok_or_else(|| AppError::NotFound.answered())?;
    Ok(Editable {
        session,
        state,
        slug,
        document,
    })
}

/// The latest revision of `slug` in `locale` and its source, if any.
#[cfg(feature = "ssr")]
async fn latest_source(
    db: &crate::db::Db,
    slug: &crate::documents::Slug,
    locale: Locale,
) -> Result<Option<(crate::revisions::RevisionMeta, String)>, AppError> {
    use crate::revisions::ssr::{document_in_locale, latest_number, source};
    let Some(context) = document_in_locale(db, slug, locale, Timestamp::now()).await? else {
        return Ok(None);
    };
    // `document_in_locale` falls back to the default locale; a draft is of this locale only.
    if context.locale != locale {
        return Ok(None);
    }
    let Some(number) = latest_number(db, &context).await? else {
        return Ok(None);
    };
    Ok(source(db, &context, number).await?)
}

/// `at`'s day if it starts the day, else the next day, as `2027-01-31`: the earliest date
/// whose first instant is not before `at`.
#[cfg(feature = "ssr")]
fn first_whole_day_after(at: Timestamp) -> String {
    let datetime = at.datetime();
    let day = if datetime.time() == time::Time::MIDNIGHT {
        datetime.date()
    } else {
        datetime.date().next_day().unwrap_or(datetime.date())
    };
    day.to_string()
}

/// The preview of `source` by the renderer of the public pages.
#[cfg(feature = "ssr")]
fn preview_html(
    source: &str,
    locale: Locale,
    images: &crate::markdown::ImageHosts,
) -> Result<String, String> {
    crate::markdown::render(
        source,
        crate::revisions::ssr::external_link_label(locale),
        images,
    )
    .map(|rendered| rendered.html)
    .map_err(|error| error.to_string())
}

/// Renders `source` as the public page would, for the editor's live preview. Changes nothing,
/// so it needs a session but no CSRF token.
#[server(endpoint = "admin/preview")]
pub async fn preview_draft(locale: Locale, source: String) -> Result<String, AppError> {
    use crate::admin::{
        Role,
        ssr::guard::{SignedOut, require},
    };
    require(Role::Editor, SignedOut::Refuse).await?;
    let state = crate::state::app_state()?;
    preview_html(&source, locale, &state.images)
        .map_err(|message| AppError::Invalid(message).answered())
}

/// Saves the draft (the editor's autosave).
#[server(endpoint = "admin/save-draft")]
pub async fn save_draft(
    csrf: String,
    slug: String,
    locale: Locale,
    source: String,
) -> Result<DraftStamp, AppError> {
    use crate::{
        admin::{Role, ssr::guard::require_to_change},
        revisions::ssr::parse_slug,
    };
    let session = require_to_change(Role::Editor, &csrf).await?;
    let state = crate::state::app_state()?;
    let slug = parse_slug(&slug)?;
    ssr::save(
        &state.db,
        &session.user,
        &session.actor,
        &slug,
        locale,
        &source,
    )
    .await
    .map_err(|error| AppError::from(error).answered())
}

/// The documents and, per locale, their latest revision and draft.
#[server(endpoint = "admin/documents")]
pub async fn get_documents() -> Result<Vec<DocumentDrafts>, AppError> {
    use crate::admin::{
        Role,
        ssr::guard::{SignedOut, require},
    };
    require(Role::Editor, SignedOut::SignIn).await?;
    let state = crate::state::app_state()?;
    Ok(ssr::overview(&state.db, Locale::default()).await?)
}

/// The draft compared with the latest revision, by the diff engine of the public comparisons.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DraftComparison {
    pub document: DocumentSummary,
    pub locale: Locale,
    /// The revision compared against (0: none, the draft is the first text).
    pub latest: i64,
    pub comparison: Comparison,
}

#[server(endpoint = "admin/compare-draft")]
pub async fn get_draft_comparison(
    slug: String,
    locale: Locale,
) -> Result<DraftComparison, AppError> {
    let Editable {
        state,
        slug,
        document,
        ..
    } = editable(&slug, locale).await?;
    let draft = ssr::draft(state.db.reader(), &slug, locale)
        .await?
        .ok_or_else(|| AppError::NotFound.answered())?;
    let latest = latest_source(&state.db, &slug, locale).await?;
    let (latest, before) = latest
        .map(|(meta, source)| (meta.number, source))
        .unwrap_or_default();
    Ok(DraftComparison {
        comparison: crate::diff::compare(&before, &draft.source),
        document,
        locale,
        latest,
    })
}
