//! Revisions: the published, immutable texts of a document in one locale, and which of them is
//! current, upcoming or superseded at a given moment.

use crate::{
    clock::Timestamp, documents::DocumentSummary, errors::AppError, i18n::Locale,
    markdown::TocEntry,
};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::VariantArray,
    strum::Display,
    strum::EnumString,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase", parse_err_ty = AppError, parse_err_fn = unknown_class)]
pub enum RevisionClass {
    /// Wording, typos, formatting: takes effect at once, no notice owed.
    Editorial,
    /// Changes what the policy means: needs a summary and a notice period before it applies.
    Material,
}

impl RevisionClass {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

fn unknown_class(class: &str) -> AppError {
    AppError::Request(format!(
        "unknown revision class `{class}`; expected editorial or material"
    ))
}

/// Where a revision stands at a given moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Current,
    Upcoming,
    Superseded,
}

/// Everything about a revision except its text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevisionMeta {
    pub number: i64,
    pub locale: Locale,
    pub published_at: Timestamp,
    pub effective_at: Timestamp,
    pub class: RevisionClass,
    pub summary: String,
    pub author: String,
    pub source_sha256: String,
}

impl RevisionMeta {
    /// Where this revision stands, given the current revision's number and the time.
    pub fn status(&self, current: Option<i64>, now: Timestamp) -> Status {
        if Some(self.number) == current {
            Status::Current
        } else if self.effective_at > now {
            Status::Upcoming
        } else {
            Status::Superseded
        }
    }
}

/// A revision with its rendered text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revision {
    pub meta: RevisionMeta,
    pub html: String,
    pub toc: Vec<TocEntry>,
}

/// A document as a visitor reads it: in their locale if it has been published in it, otherwise
/// in the default locale (`fallback` says so).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentInLocale {
    pub document: DocumentSummary,
    pub locale: Locale,
    pub fallback: bool,
    pub now: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyView {
    pub context: DocumentInLocale,
    pub current: Option<Revision>,
    pub upcoming: Option<RevisionMeta>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryView {
    pub context: DocumentInLocale,
    /// Newest first.
    pub revisions: Vec<RevisionMeta>,
    pub current: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevisionView {
    pub context: DocumentInLocale,
    pub revision: Revision,
    pub status: Status,
    pub current: Option<i64>,
}

/// The current text of a document and, if one is scheduled, the next upcoming revision.
#[server]
pub async fn get_policy(slug: String, locale: Locale) -> Result<PolicyView, AppError> {
    let db = crate::state::app_state()?.db.clone();
    let context = ssr::document_in_locale(&db, &ssr::parse_slug(&slug)?, locale, Timestamp::now())
        .await?
        .ok_or_else(|| AppError::NotFound.answered())?;
    let current = ssr::current(&db, &context).await?;
    let upcoming = ssr::upcoming(&db, &context).await?;
    Ok(PolicyView {
        context,
        current,
        upcoming,
    })
}

#[server]
pub async fn get_history(slug: String, locale: Locale) -> Result<HistoryView, AppError> {
    let db = crate::state::app_state()?.db.clone();
    let context = ssr::document_in_locale(&db, &ssr::parse_slug(&slug)?, locale, Timestamp::now())
        .await?
        .ok_or_else(|| AppError::NotFound.answered())?;
    let revisions = ssr::history(&db, &context).await?;
    let current = ssr::current_number(&db, &context).await?;
    Ok(HistoryView {
        context,
        revisions,
        current,
    })
}

#[server]
pub async fn get_revision(
    slug: String,
    number: i64,
    locale: Locale,
) -> Result<RevisionView, AppError> {
    let db = crate::state::app_state()?.db.clone();
    let context = ssr::document_in_locale(&db, &ssr::parse_slug(&slug)?, locale, Timestamp::now())
        .await?
        .ok_or_else(|| AppError::NotFound.answered())?;
    let revision = ssr::revision(&db, &context, number)
        .await?
        .ok_or_else(|| AppError::NotFound.answered())?;
    let current = ssr::current_number(&db, &context).await?;
    let status = revision.meta.status(current, context.now);
    Ok(RevisionView {
        context,
        revision,
        status,
        current,
    })
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::{DocumentInLocale, Revision, RevisionClass, RevisionMeta, TocEntry};
    use crate::{
        clock::Timestamp,
        db::{Db, decode_error},
        documents::{DocumentSummary, Slug},
        errors::AppError,
        evidence::ssr::{
            leaf::{self, LinkedRevision},
            tree,
        },
        i18n::Locale,
        markdown::{self, ImageHosts, RenderError},
    };
    use sha2::{Digest, Sha256};
    use sqlx::{Row, any::AnyRow};

    /// A slug from a URL; one that cannot exist is simply not found.
    pub fn parse_slug(slug: &str) -> Result<Slug, AppError> {
        slug.parse().map_err(|_| AppError::NotFound)
    }

    /// A notice period may be configured, but never below this many days.
    pub const MIN_NOTICE_DAYS: i64 = 14;

    const META_COLUMNS: &str = "r.number, r.locale, r.published_at, r.effective_at, r.class, \
                                r.summary, r.author, r.source_sha256";

    /// A revision to publish.
    pub struct NewRevision<'a> {
        pub slug: &'a Slug,
        pub locale: Locale,
        pub source: &'a str,
        pub class: RevisionClass,
        pub summary: &'a str,
        pub author: &'a str,
        pub published_at: Timestamp,
        /// Ignored for editorial revisions, which take effect when published.
        pub effective_at: Timestamp,
        pub notice_days: i64,
        /// Where the revision may show images from, besides the site itself.
        pub images: &'a ImageHosts,
    }

    #[derive(Debug, thiserror::Error)]
    pub enum PublishError {
        #[error("there is no document `{0}`")]
        UnknownDocument(String),
        #[error(transparent)]
        Render(#[from] RenderError),
        #[error("a material revision needs a plain-language summary of what changes")]
        MissingSummary,
        #[error(
            "a material revision may take effect {notice_days} days after publication at the \
             earliest ({earliest}); {requested} is too soon"
        )]
        NoticeTooShort {
            notice_days: i64,
            earliest: String,
            requested: String,
        },
        #[error("the author must be named")]
        MissingAuthor,
        #[error(transparent)]
        Database(#[from] sqlx::Error),
    }

    /// Publishes a revision as the next number of its document and locale. The revision can
    /// never change afterwards: a mistake is corrected by publishing another revision.
    #[tracing::instrument(skip(db, new), fields(slug = %new.slug, locale = %new.locale))]
    pub async fn publish(db: &Db, new: &NewRevision<'_>) -> Result<RevisionMeta, PublishError> {
        let mut tx = db.begin_write().await?;
        let meta = publish_in(&mut tx, new).await?;
        tx.commit().await?;
        db.content_changed();
        Ok(meta)
    }

    /// [`publish`] inside the caller's transaction, so what goes with publishing (the draft
    /// removed, the audit entry) commits or fails with the revision. A material revision's
    /// change notices are queued here, so no way of publishing can skip them.
    pub async fn publish_in(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        new: &NewRevision<'_>,
    ) -> Result<RevisionMeta, PublishError> {
        let summary = new.summary.trim();
        let author = new.author.trim();
        if author.is_empty() {
            return Err(PublishError::MissingAuthor);
        }
        let effective_at = match new.class {
            RevisionClass::Editorial => new.published_at,
            RevisionClass::Material => {
                if summary.is_empty() {
                    return Err(PublishError::MissingSummary);
                }
                let notice_days = new.notice_days.max(MIN_NOTICE_DAYS);
                let earliest = new.published_at.plus_days(notice_days);
                if new.effective_at < earliest {
                    return Err(PublishError::NoticeTooShort {
                        notice_days,
                        earliest: earliest.rfc3339(),
                        requested: new.effective_at.rfc3339(),
                    });
                }
                new.effective_at
            }
        };
        let rendered = markdown::render(new.source, external_link_label(new.locale), new.images)?;
        let toc = serde_json::to_string(&rendered.toc).unwrap_or_else(|_| "[]".to_owned());
        let sha256 = hex::encode(Sha256::digest(new.source.as_bytes()));

        let document_id: i64 = sqlx::query_scalar("SELECT id FROM documents WHERE slug = $1")
            .bind(new.slug.as_str())
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| PublishError::UnknownDocument(new.slug.to_string()))?;
        let number: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(number), 0) + 1 FROM revisions WHERE document_id = $1 AND locale = $2",
        )
        .bind(document_id)
        .bind(new.locale.as_str())
        .fetch_one(&mut **tx)
        .await?;
        let revision_id: i64 = sqlx::query_scalar(
            "INSERT INTO revisions (document_id, locale, number, source, source_sha256, html, toc,
                                    published_at, effective_at, class, summary, author)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        )
        .bind(document_id)
        .bind(new.locale.as_str())
        .bind(number)
        .bind(new.source)
        .bind(&sha256)
        .bind(&rendered.html)
        .bind(&toc)
        .bind(new.published_at.as_millis())
        .bind(effective_at.as_millis())
        .bind(new.class.as_str())
        .bind(summary)
        .bind(author)
        .fetch_one(&mut **tx)
        .await?;
        let leaf = leaf::revision(&leaf::RevisionFields {
            id: revision_id,
            document: new.slug.as_str(),
            locale: new.locale.as_str(),
            number,
            source_sha256: &sha256,
            published_at: new.published_at.as_millis(),
            effective_at: effective_at.as_millis(),
            class: new.class.as_str(),
            summary,
            author,
        });
        tree::append(tx, &[leaf]).await?;
        if new.class == RevisionClass::Material {
            crate::notices::outbox::queue_campaign(
                tx,
                revision_id,
                document_id,
                new.locale,
                new.published_at,
            )
            .await?;
        }
        Ok(RevisionMeta {
            number,
            locale: new.locale,
            published_at: new.published_at,
            effective_at,
            class: new.class,
            summary: summary.to_owned(),
            author: author.to_owned(),
            source_sha256: sha256,
        })
    }

    /// The label added, visually hidden, to links that leave the site; it is part of the stored
    /// HTML, so it is in the revision's own language.
    pub fn external_link_label(locale: Locale) -> &'static str {
        match locale {
            Locale::En => "(external link)",
            Locale::De => "(externer Link)",
        }
    }

    /// Finds the document and the locale its text is shown in: `locale` if the document has
    /// been published in it, else the default locale.
    pub async fn document_in_locale(
        db: &Db,
        slug: &Slug,
        locale: Locale,
        now: Timestamp,
    ) -> Result<Option<DocumentInLocale>, sqlx::Error> {
        let Some(document) = crate::documents::ssr::find(db, slug, locale).await? else {
            return Ok(None);
        };
        let published_in_locale: Option<i64> =
            sqlx::query_scalar(&format!("SELECT 1 {IN_CONTEXT} LIMIT 1"))
                .bind(slug.as_str())
                .bind(locale.as_str())
                .fetch_optional(db.reader())
                .await?;
        let (text_locale, fallback) = match published_in_locale {
            Some(_) => (locale, false),
            None => (Locale::default(), locale != Locale::default()),
        };
        Ok(Some(DocumentInLocale {
            document,
            locale: text_locale,
            fallback,
            now,
        }))
    }

    /// The revisions of the context's document and locale; queries append their own conditions.
    const IN_CONTEXT: &str = "FROM revisions r JOIN documents d ON d.id = r.document_id
                              WHERE d.slug = $1 AND r.locale = $2";
    /// The current revision: the newest to have taken effect by `$3`.
    const CURRENT: &str =
        "AND r.effective_at <= $3 ORDER BY r.effective_at DESC, r.number DESC LIMIT 1";
    /// The next revision to take effect after `$3`.
    const UPCOMING: &str =
        "AND r.effective_at > $3 ORDER BY r.effective_at ASC, r.number ASC LIMIT 1";

    /// `SELECT {columns} {IN_CONTEXT} {rest}` with the context's slug and locale bound as `$1`
    /// and `$2`.
    fn in_context<'q>(
        sql: &'q str,
        context: &'q DocumentInLocale,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        sqlx::query(sql)
            .bind(context.document.slug.as_str())
            .bind(context.locale.as_str())
    }

    pub async fn current(
        db: &Db,
        context: &DocumentInLocale,
    ) -> Result<Option<Revision>, sqlx::Error> {
        let sql = format!("SELECT {META_COLUMNS}, r.html, r.toc {IN_CONTEXT} {CURRENT}");
        let row = in_context(&sql, context)
            .bind(context.now.as_millis())
            .fetch_optional(db.reader())
            .await?;
        row.map(|row| revision_from_row(&row)).transpose()
    }

    /// The current revision's number, without loading its text.
    pub async fn current_number(
        db: &Db,
        context: &DocumentInLocale,
    ) -> Result<Option<i64>, sqlx::Error> {
        let sql = format!("SELECT r.number {IN_CONTEXT} {CURRENT}");
        let row = in_context(&sql, context)
            .bind(context.now.as_millis())
            .fetch_optional(db.reader())
            .await?;
        row.map(|row| row.try_get("number")).transpose()
    }

    /// The next revision to take effect, if any is scheduled.
    pub async fn upcoming(
        db: &Db,
        context: &DocumentInLocale,
    ) -> Result<Option<RevisionMeta>, sqlx::Error> {
        let sql = format!("SELECT {META_COLUMNS} {IN_CONTEXT} {UPCOMING}");
        let row = in_context(&sql, context)
            .bind(context.now.as_millis())
            .fetch_optional(db.reader())
            .await?;
        row.map(|row| meta_from_row(&row)).transpose()
    }

    /// Every revision of the document in the context's locale, newest first.
    pub async fn history(
        db: &Db,
        context: &DocumentInLocale,
    ) -> Result<Vec<RevisionMeta>, sqlx::Error> {
        let sql = format!("SELECT {META_COLUMNS} {IN_CONTEXT} ORDER BY r.number DESC");
        let rows = in_context(&sql, context).fetch_all(db.reader()).await?;
        rows.iter().map(meta_from_row).collect()
    }

    pub async fn revision(
        db: &Db,
        context: &DocumentInLocale,
        number: i64,
    ) -> Result<Option<Revision>, sqlx::Error> {
        let sql = format!("SELECT {META_COLUMNS}, r.html, r.toc {IN_CONTEXT} AND r.number = $3");
        let row = in_context(&sql, context)
            .bind(number)
            .fetch_optional(db.reader())
            .await?;
        row.map(|row| revision_from_row(&row)).transpose()
    }

    /// The highest revision number of the document in the context's locale.
    pub async fn latest_number(
        db: &Db,
        context: &DocumentInLocale,
    ) -> Result<Option<i64>, sqlx::Error> {
        let sql = format!("SELECT MAX(r.number) AS number {IN_CONTEXT}");
        let row = in_context(&sql, context).fetch_one(db.reader()).await?;
        row.try_get("number")
    }

    /// The Markdown source of a revision, exactly as published (its SHA-256 is stored with it).
    pub async fn source(
        db: &Db,
        context: &DocumentInLocale,
        number: i64,
    ) -> Result<Option<(RevisionMeta, String)>, sqlx::Error> {
        let sql = format!("SELECT {META_COLUMNS}, r.source {IN_CONTEXT} AND r.number = $3");
        let row = in_context(&sql, context)
            .bind(number)
            .fetch_optional(db.reader())
            .await?;
        row.map(|row| Ok((meta_from_row(&row)?, row.try_get("source")?)))
            .transpose()
    }

    /// Every document's current revision in `locale`, by id and the SHA-256 of its Markdown:
    /// the policies in force when a consent choice is made.
    pub async fn in_force(
        executor: impl sqlx::Executor<'_, Database = sqlx::Any>,
        locale: Locale,
        now: Timestamp,
    ) -> Result<Vec<LinkedRevision>, sqlx::Error> {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT r.id, r.source_sha256 FROM revisions r
             WHERE r.locale = $1 AND r.effective_at <= $2
               AND NOT EXISTS (
                   SELECT 1 FROM revisions n
                   WHERE n.document_id = r.document_id AND n.locale = r.locale
                     AND n.effective_at <= $2
                     AND (n.effective_at > r.effective_at
                          OR (n.effective_at = r.effective_at AND n.number > r.number)))
             ORDER BY r.id",
        )
        .bind(locale.as_str())
        .bind(now.as_millis())
        .fetch_all(executor)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, sha256)| LinkedRevision { id, sha256 })
            .collect())
    }

    /// A feed entry: a revision with the document it belongs to.
    pub struct FeedItem {
        pub document: DocumentSummary,
        pub meta: RevisionMeta,
    }

    /// The newest revisions in `locale`, of one document or of all, newest publication first.
    pub async fn recent(
        db: &Db,
        slug: Option<&Slug>,
        locale: Locale,
        limit: i64,
    ) -> Result<Vec<FeedItem>, sqlx::Error> {
        let rows = sqlx::query(&format!(
            "SELECT {META_COLUMNS}, d.slug, d.kind,
                    COALESCE(t.title, f.title, d.slug) AS title
             FROM revisions r
             JOIN documents d ON d.id = r.document_id
             LEFT JOIN document_titles t ON t.document_id = d.id AND t.locale = $1
             LEFT JOIN document_titles f ON f.document_id = d.id AND f.locale = $2
             WHERE r.locale = $1 AND ($3 = '' OR d.slug = $3)
             ORDER BY r.published_at DESC, r.id DESC LIMIT $4"
        ))
        .bind(locale.as_str())
        .bind(Locale::default().as_str())
        .bind(slug.map_or("", Slug::as_str))
        .bind(limit)
        .fetch_all(db.reader())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(FeedItem {
                    document: crate::documents::ssr::summary_from_row(row)?,
                    meta: meta_from_row(row)?,
                })
            })
            .collect()
    }

    fn meta_from_row(row: &AnyRow) -> Result<RevisionMeta, sqlx::Error> {
        let locale: String = row.try_get("locale")?;
        let class: String = row.try_get("class")?;
        Ok(RevisionMeta {
            number: row.try_get("number")?,
            locale: locale.parse().map_err(|e| decode_error("locale", e))?,
            published_at: Timestamp::from_millis(row.try_get("published_at")?),
            effective_at: Timestamp::from_millis(row.try_get("effective_at")?),
            class: class.parse().map_err(|e| decode_error("class", e))?,
            summary: row.try_get("summary")?,
            author: row.try_get("author")?,
            source_sha256: row.try_get("source_sha256")?,
        })
    }

    fn revision_from_row(row: &AnyRow) -> Result<Revision, sqlx::Error> {
        let toc: String = row.try_get("toc")?;
        let toc: Vec<TocEntry> = serde_json::from_str(&toc).map_err(|e| decode_error("toc", e))?;
        Ok(Revision {
            meta: meta_from_row(row)?,
            html: row.try_get("html")?,
            toc,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::VariantArray;

    #[test]
    fn classes_keep_their_stored_names_and_unknown_ones_are_named() {
        assert_eq!(
            crate::stored_names::stored_names::<RevisionClass>(),
            ["editorial", "material"]
        );
        for &class in RevisionClass::VARIANTS {
            assert_eq!(class.as_str().parse::<RevisionClass>(), Ok(class));
        }
        crate::stored_names::assert_serde_uses_stored_names::<RevisionClass>();
        let error = "major".parse::<RevisionClass>().unwrap_err().to_string();
        assert!(error.contains("expected editorial or material"), "{error}");
    }

    fn meta(number: i64, effective_at: i64) -> RevisionMeta {
        RevisionMeta {
            number,
            locale: Locale::En,
            published_at: Timestamp::from_millis(0),
            effective_at: Timestamp::from_millis(effective_at),
            class: RevisionClass::Material,
            summary: "s".into(),
            author: "a".into(),
            source_sha256: "0".repeat(64),
        }
    }

    #[test]
    fn status_follows_the_clock() {
        let now = Timestamp::from_millis(100);
        assert_eq!(meta(2, 50).status(Some(2), now), Status::Current);
        assert_eq!(meta(1, 10).status(Some(2), now), Status::Superseded);
        assert_eq!(meta(3, 200).status(Some(2), now), Status::Upcoming);
    }

    #[test]
    fn classes_parse() {
        assert_eq!(
            "material".parse::<RevisionClass>(),
            Ok(RevisionClass::Material)
        );
        assert_eq!(
            "editorial".parse::<RevisionClass>(),
            Ok(RevisionClass::Editorial)
        );
        assert!("major".parse::<RevisionClass>().is_err());
    }
}
