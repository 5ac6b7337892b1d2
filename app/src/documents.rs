//! Documents: the policies Charter publishes, each with a stable slug, a kind and a title per
//! locale.

use crate::{errors::AppError, i18n::Locale, newtypes::string_newtype};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

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
    strum::EnumString,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase", parse_err_ty = UnknownKind, parse_err_fn = UnknownKind::of)]
pub enum DocumentKind {
    Privacy,
    Cookies,
    Terms,
    Subprocessors,
    Custom,
}

impl DocumentKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown document kind `{0}`; expected privacy, cookies, terms, subprocessors or custom")]
pub struct UnknownKind(String);

impl UnknownKind {
    fn of(kind: &str) -> Self {
        UnknownKind(kind.to_owned())
    }
}

/// A document's URL name: 1 to 64 lowercase ASCII letters, digits and single hyphens, neither
/// starting nor ending with a hyphen (`privacy`, `data-processing`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlugError {
    #[error("a slug must have 1 to 64 characters")]
    Length,
    #[error(
        "a slug may contain only lowercase letters a-z, digits and single hyphens between them"
    )]
    Characters,
}

impl Slug {
    pub const MAX_LEN: usize = 64;
}

string_newtype!(Slug);

impl FromStr for Slug {
    type Err = SlugError;

    fn from_str(slug: &str) -> Result<Self, Self::Err> {
        if slug.is_empty() || slug.len() > Self::MAX_LEN {
            return Err(SlugError::Length);
        }
        let allowed = slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !allowed || slug.starts_with('-') || slug.ends_with('-') || slug.contains("--") {
            return Err(SlugError::Characters);
        }
        Ok(Self(slug.to_owned()))
    }
}

/// A document as listed on the home page and in the footer, titled in the requested locale.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentSummary {
    pub slug: Slug,
    pub kind: DocumentKind,
    pub title: String,
}

impl DocumentSummary {
    pub fn href(&self) -> String {
        format!("/policies/{}", self.slug)
    }

    /// The page of revision `number`.
    pub fn revision_href(&self, number: i64) -> String {
        format!("/policies/{}/v/{number}", self.slug)
    }

    /// The comparison of revision `older` with revision `newer`.
    pub fn diff_href(&self, older: i64, newer: i64) -> String {
        format!("/policies/{}/diff/{older}..{newer}", self.slug)
    }
}

/// The published documents, titled in `locale` (falling back to English).
#[server]
pub async fn list_documents(locale: Locale) -> Result<Vec<DocumentSummary>, AppError> {
    let state = crate::state::app_state()?;
    Ok(ssr::list(&state.db, locale).await?)
}

/// The documents of the current locale, loaded once per page and shared by every component.
#[derive(Clone, Copy)]
pub struct Documents(pub Resource<Result<Vec<DocumentSummary>, AppError>>);

pub fn provide_documents() {
    let documents = Resource::new(Locale::current, list_documents);
    provide_context(Documents(documents));
}

pub fn use_documents() -> Resource<Result<Vec<DocumentSummary>, AppError>> {
    expect_context::<Documents>().0
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::{DocumentKind, DocumentSummary, Slug};
    use crate::{
        db::{Db, decode_error},
        i18n::Locale,
    };
    use sqlx::{Row, any::AnyRow};

    /// A document to create, with its title in at least the default locale.
    pub struct NewDocument<'a> {
        pub slug: Slug,
        pub kind: DocumentKind,
        pub titles: &'a [(Locale, &'a str)],
    }

    const SUMMARY_SELECT: &str =
        "SELECT d.slug, d.kind, COALESCE(t.title, f.title, d.slug) AS title
         FROM documents d
         LEFT JOIN document_titles t ON t.document_id = d.id AND t.locale = $1
         LEFT JOIN document_titles f ON f.document_id = d.id AND f.locale = $2";

    /// The documents that have at least one published revision, in creation order.
    #[tracing::instrument(skip(db))]
    pub async fn list(db: &Db, locale: Locale) -> Result<Vec<DocumentSummary>, sqlx::Error> {
        let rows = sqlx::query(&format!(
            "{SUMMARY_SELECT}
             WHERE EXISTS (SELECT 1 FROM revisions r WHERE r.document_id = d.id)
             ORDER BY d.id"
        ))
        .bind(locale.as_str())
        .bind(Locale::default().as_str())
        .fetch_all(db.reader())
        .await?;
        rows.iter().map(summary_from_row).collect()
    }

    /// Every document, published or not, in creation order: what the admin area edits.
    pub async fn all(db: &Db, locale: Locale) -> Result<Vec<DocumentSummary>, sqlx::Error> {
        let rows = sqlx::query(&format!("{SUMMARY_SELECT} ORDER BY d.id"))
            .bind(locale.as_str())
            .bind(Locale::default().as_str())
            .fetch_all(db.reader())
            .await?;
        rows.iter().map(summary_from_row).collect()
    }

    /// The document with this slug, titled in `locale` (falling back to English).
    pub async fn find(
        db: &Db,
        slug: &Slug,
        locale: Locale,
    ) -> Result<Option<DocumentSummary>, sqlx::Error> {
        let row = sqlx::query(&format!("{SUMMARY_SELECT} WHERE d.slug = $3"))
            .bind(locale.as_str())
            .bind(Locale::default().as_str())
            .bind(slug.as_str())
            .fetch_optional(db.reader())
            .await?;
        row.as_ref().map(summary_from_row).transpose()
    }

    /// Reads the `slug`, `kind` and `title` columns of a row.
    pub fn summary_from_row(row: &AnyRow) -> Result<DocumentSummary, sqlx::Error> {
        let slug: String = row.try_get("slug")?;
        let kind: String = row.try_get("kind")?;
        Ok(DocumentSummary {
            slug: slug.parse().map_err(|e| decode_error("slug", e))?,
            kind: kind.parse().map_err(|e| decode_error("kind", e))?,
            title: row.try_get("title")?,
        })
    }

    pub async fn count(db: &Db) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar("SELECT COUNT(*) FROM documents")
            .fetch_one(db.reader())
            .await
    }

    /// Creates a document and its titles in one transaction: all of it or nothing.
    pub async fn create(db: &Db, new: &NewDocument<'_>, now_ms: i64) -> Result<i64, sqlx::Error> {
        let mut tx = db.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO documents (slug, kind, created_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(new.slug.as_str())
        .bind(new.kind.as_str())
        .bind(now_ms)
        .fetch_one(&mut *tx)
        .await?;
        for (locale, title) in new.titles {
            sqlx::query(
                "INSERT INTO document_titles (document_id, locale, title) VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(locale.as_str())
            .bind(*title)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        db.content_changed();
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::VariantArray;

    #[test]
    fn slugs_parse_only_when_valid() {
        for good in ["privacy", "data-processing", "a", "v2-terms"] {
            assert!(good.parse::<Slug>().is_ok(), "{good}");
        }
        assert_eq!("".parse::<Slug>(), Err(SlugError::Length));
        assert_eq!("a".repeat(65).parse::<Slug>(), Err(SlugError::Length));
        for bad in ["Privacy", "-a", "a-", "a--b", "a b", "ä", "a/b", "a_b"] {
            assert_eq!(bad.parse::<Slug>(), Err(SlugError::Characters), "{bad}");
        }
    }

    #[test]
    fn kinds_round_trip() {
        for &kind in DocumentKind::VARIANTS {
            assert_eq!(kind.as_str().parse(), Ok(kind));
        }
        assert!("policy".parse::<DocumentKind>().is_err());
        assert_eq!(
            crate::stored_names::stored_names::<DocumentKind>(),
            ["privacy", "cookies", "terms", "subprocessors", "custom"],
            "stored names never change"
        );
        crate::stored_names::assert_serde_uses_stored_names::<DocumentKind>();
    }
}
