//! Drafts and publishing, shared by the editor's server functions and its plain form endpoints,
//! so a browser with or without JavaScript goes through the same checks.

use super::{DocumentDrafts, DraftStamp, LocaleState, PublishFields};
use crate::{
    admin::AdminUser,
    audit::{
        AuditAction,
        ssr::{Actor, record},
    },
    clock::Timestamp,
    db::{Db, decode_error},
    documents::{DocumentSummary, Slug},
    i18n::Locale,
    markdown::MAX_SOURCE_BYTES,
    revisions::{
        RevisionClass, RevisionMeta,
        ssr::{NewRevision, PublishError, publish_in},
    },
    settings::ssr::notice_days,
    state::AppState,
};
use strum::VariantArray;
pub mod http;

use sqlx::Row;

/// A saved draft.
#[derive(Clone, Debug)]
pub struct Draft {
    pub source: String,
    /// The revision number the draft was started from (0: none).
    pub base_number: i64,
    pub publish: PublishFields,
    pub stamp: DraftStamp,
}

#[derive(Debug, thiserror::Error)]
pub enum EditorError {
    #[error("there is no document `{0}`")]
    UnknownDocument(String),
    #[error(
        "the text has {size} bytes; a revision may have at most {max} bytes (1 MiB)",
        max = MAX_SOURCE_BYTES
    )]
    TooLarge { size: usize },
    #[error("there is no saved draft of this document in this language to publish")]
    NoDraft,
    #[error("`{0}` is not a date; give the day the revision takes effect, like 2027-01-31")]
    BadDate(String),
    /// A material change published in one language while others have no draft of it.
    #[error(
        "{} has no draft of this change; confirm that it is published in this language only",
        .0.iter().map(|locale| locale.as_str()).collect::<Vec<_>>().join(", ")
    )]
    MissingLocales(Vec<Locale>),
    #[error(transparent)]
    Publish(#[from] PublishError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<EditorError> for crate::errors::AppError {
    fn from(error: EditorError) -> Self {
        match error {
            EditorError::UnknownDocument(_) => crate::errors::AppError::NotFound,
            EditorError::Database(error) => error.into(),
            EditorError::Publish(PublishError::Database(error)) => error.into(),
            EditorError::Publish(PublishError::UnknownDocument(_)) => {
                crate::errors::AppError::NotFound
            }
            invalid => crate::errors::AppError::Invalid(invalid.to_string()),
        }
    }
}

async fn document_id(
    executor: impl sqlx::Executor<'_, Database = sqlx::Any>,
    slug: &Slug,
) -> Result<i64, EditorError> {
    sqlx::query_scalar("SELECT id FROM documents WHERE slug = $1")
        .bind(slug.as_str())
        .fetch_optional(executor)
        .await?
        .ok_or_else(|| EditorError::UnknownDocument(slug.to_string()))
}

/// Every document with, per locale, its latest revision number and its draft, if any.
pub async fn overview(db: &Db, locale: Locale) -> Result<Vec<DocumentDrafts>, sqlx::Error> {
    let documents = crate::documents::ssr::all(db, locale).await?;
    let latest = sqlx::query(
        "SELECT d.slug, r.locale, MAX(r.number) AS number
         FROM revisions r JOIN documents d ON d.id = r.document_id
         GROUP BY d.slug, r.locale",
    )
    .fetch_all(db.reader())
    .await?;
    let drafts = sqlx::query(
        "SELECT d.slug, x.locale, x.updated_at, u.email
         FROM drafts x
         JOIN documents d ON d.id = x.document_id
         JOIN admin_users u ON u.id = x.updated_by",
    )
    .fetch_all(db.reader())
    .await?;
    documents
        .into_iter()
        .map(|document: DocumentSummary| {
            let slug = document.slug.as_str();
            let locales = Locale::VARIANTS
                .iter()
                .copied()
                .map(|locale| {
                    let matches = |row: &&sqlx::any::AnyRow| {
                        row.try_get::<String, _>("slug").is_ok_and(|s| s == slug)
                            && row
                                .try_get::<String, _>("locale")
                                .is_ok_and(|l| l == locale.as_str())
                    };
                    let latest = match latest.iter().find(matches) {
                        Some(row) => row.try_get("number")?,
                        None => 0,
                    };
                    let draft = match drafts.iter().find(matches) {
                        Some(row) => Some(stamp_from_row(row)?),
                        None => None,
                    };
                    Ok(LocaleState {
                        locale,
                        latest,
                        draft,
                    })
                })
                .collect::<Result<_, sqlx::Error>>()?;
            Ok(DocumentDrafts { document, locales })
        })
        .collect()
}

fn stamp_from_row(row: &sqlx::any::AnyRow) -> Result<DraftStamp, sqlx::Error> {
    Ok(DraftStamp {
        saved_at: Timestamp::from_millis(row.try_get("updated_at")?),
        saved_by: row.try_get("email")?,
    })
}

/// The draft of `slug` in `locale`, if one is saved.
pub async fn draft(
    executor: impl sqlx::Executor<'_, Database = sqlx::Any>,
    slug: &Slug,
    locale: Locale,
) -> Result<Option<Draft>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT x.source, x.base_number, x.class, x.summary, x.effective_on, x.updated_at, u.email
         FROM drafts x
         JOIN documents d ON d.id = x.document_id
         JOIN admin_users u ON u.id = x.updated_by
         WHERE d.slug = $1 AND x.locale = $2",
    )
    .bind(slug.as_str())
    .bind(locale.as_str())
    .fetch_optional(executor)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let class: String = row.try_get("class")?;
    Ok(Some(Draft {
        source: row.try_get("source")?,
        base_number: row.try_get("base_number")?,
        publish: PublishFields {
            class: class
                .parse()
                .map_err(|e: crate::errors::AppError| decode_error("class", e))?,
            summary: row.try_get("summary")?,
            effective_on: row.try_get("effective_on")?,
        },
        stamp: stamp_from_row(&row)?,
    }))
}

/// Saves `source` as the draft of `slug` in `locale` (creating it from the latest revision's
/// number), and records that `actor` saved it.
pub async fn save(
    db: &Db,
    user: &AdminUser,
    actor: &Actor,
    slug: &Slug,
    locale: Locale,
    source: &str,
) -> Result<DraftStamp, EditorError> {
    if source.len() > MAX_SOURCE_BYTES {
        return Err(EditorError::TooLarge { size: source.len() });
    }
    let now = Timestamp::now();
    let mut tx = db.begin_write().await?;
    let document_id = document_id(&mut *tx, slug).await?;
    sqlx::query(
        "INSERT INTO drafts (document_id, locale, source, base_number, updated_at, updated_by)
         VALUES ($1, $2, $3,
                 (SELECT COALESCE(MAX(number), 0) FROM revisions
                  WHERE document_id = $1 AND locale = $2),
                 $4, $5)
         ON CONFLICT (document_id, locale) DO UPDATE
         SET source = excluded.source, updated_at = excluded.updated_at,
             updated_by = excluded.updated_by",
    )
    .bind(document_id)
    .bind(locale.as_str())
    .bind(source)
    .bind(now.as_millis())
    .bind(user.id)
    .execute(&mut *tx)
    .await?;
    let object = format!("{slug}/{locale}");
    let detail = format!("{} bytes", source.len());
    record(&mut tx, actor, AuditAction::DraftSaved, &object, &detail).await?;
    tx.commit().await?;
    Ok(DraftStamp {
        saved_at: now,
        saved_by: user.email.to_string(),
    })
}

/// The first instant of `day` (`2027-01-31`), in UTC.
fn start_of_day(day: &str) -> Result<Timestamp, EditorError> {
    let day = day.trim();
    let valid = day.len() == 10 && day.bytes().filter(|b| *b == b'-').count() == 2;
    valid
        .then(|| Timestamp::parse(day).ok())
        .flatten()
        .ok_or_else(|| EditorError::BadDate(day.to_owned()))
}

/// Publishes the draft of `slug` in `locale` as its next revision, with `fields`, and removes
/// the draft, all in one transaction with the audit entry. The fields are kept with the draft
/// first, so a refused attempt loses nothing typed. The revision may show images from the hosts
/// the state allows.
pub async fn publish(
    state: &AppState,
    user: &AdminUser,
    actor: &Actor,
    slug: &Slug,
    locale: Locale,
    fields: &PublishFields,
    confirm_missing_locales: bool,
) -> Result<RevisionMeta, EditorError> {
    let db = &state.db;
    let document_id = document_id(db.reader(), slug).await?;
    let kept = sqlx::query(
        "UPDATE drafts SET class = $1, summary = $2, effective_on = $3
         WHERE document_id = $4 AND locale = $5",
    )
    .bind(fields.class.as_str())
    .bind(&fields.summary)
    .bind(&fields.effective_on)
    .bind(document_id)
    .bind(locale.as_str())
    .execute(db.writer())
    .await?;
    if kept.rows_affected() == 0 {
        return Err(EditorError::NoDraft);
    }

    let now = Timestamp::now();
    let mut tx = db.begin_write().await?;
    let draft = draft(&mut *tx, slug, locale)
        .await?
        .ok_or(EditorError::NoDraft)?;
    let effective_at = match fields.class {
        RevisionClass::Editorial => now,
        RevisionClass::Material => start_of_day(&fields.effective_on)?,
    };
    let notice_days = notice_days(&mut *tx).await?;
    let meta = publish_in(
        &mut tx,
        &NewRevision {
            slug,
            locale,
            source: &draft.source,
            class: fields.class,
            summary: &fields.summary,
            author: user.email.as_str(),
            published_at: now,
            effective_at,
            notice_days: notice_days.get(),
            images: &state.images,
        },
    )
    .await?;
    // Asked only once the revision is otherwise valid, so the confirmation is the last step;
    // returning drops the transaction, and with it the revision.
    if fields.class == RevisionClass::Material && !confirm_missing_locales {
        let missing = locales_without_draft(&mut tx, document_id, locale).await?;
        if !missing.is_empty() {
            return Err(EditorError::MissingLocales(missing));
        }
    }
    sqlx::query("DELETE FROM drafts WHERE document_id = $1 AND locale = $2")
        .bind(document_id)
        .bind(locale.as_str())
        .execute(&mut *tx)
        .await?;
    let object = format!("{slug}/{locale} v{}", meta.number);
    let detail = format!(
        "{}, effective {}",
        meta.class.as_str(),
        meta.effective_at.rfc3339()
    );
    record(
        &mut tx,
        actor,
        AuditAction::RevisionPublished,
        &object,
        &detail,
    )
    .await?;
    tx.commit().await?;
    db.content_changed();
    Ok(meta)
}

/// The other locales in which the document has no draft.
async fn locales_without_draft(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    document_id: i64,
    publishing: Locale,
) -> Result<Vec<Locale>, sqlx::Error> {
    let drafted: Vec<String> =
        sqlx::query_scalar("SELECT locale FROM drafts WHERE document_id = $1")
            .bind(document_id)
            .fetch_all(&mut **tx)
            .await?;
    Ok(Locale::VARIANTS
        .iter()
        .copied()
        .filter(|locale| *locale != publishing && !drafted.iter().any(|d| d == locale.as_str()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn effective_days_are_whole_iso_dates() {
        assert_eq!(
            start_of_day("2027-01-31").map(Timestamp::rfc3339).ok(),
            Some("2027-01-31T00:00:00Z".to_owned())
        );
        for bad in [
            "",
            "31.01.2027",
            "2027-02-30",
            "2027-01-31T10:00:00Z",
            "soon",
        ] {
            assert!(start_of_day(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
