//! Demo content for an imaginary AI API platform, loaded into an empty database when
//! `CHARTER_DEMO` is set, so a fresh install shows a realistic site.

use app::{
    db::{Db, now_ms},
    documents::{
        DocumentKind,
        ssr::{NewDocument, count, create},
    },
    i18n::Locale,
};

struct DemoDocument {
    slug: &'static str,
    kind: DocumentKind,
    english: &'static str,
    german: &'static str,
}

const DOCUMENTS: [DemoDocument; 4] = [
    DemoDocument {
        slug: "privacy",
        kind: DocumentKind::Privacy,
        english: "Privacy Policy",
        german: "Datenschutzerklärung",
    },
    DemoDocument {
        slug: "cookies",
        kind: DocumentKind::Cookies,
        english: "Cookie Policy",
        german: "Cookie-Richtlinie",
    },
    DemoDocument {
        slug: "terms",
        kind: DocumentKind::Terms,
        english: "Terms of Service",
        german: "Nutzungsbedingungen",
    },
    DemoDocument {
        slug: "subprocessors",
        kind: DocumentKind::Subprocessors,
        english: "Sub-processors",
        german: "Unterauftragsverarbeiter",
    },
];

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("database error while loading demo content: {0}")]
    Database(#[from] sqlx::Error),
    #[error("demo document `{slug}` is invalid: {reason}")]
    Invalid { slug: &'static str, reason: String },
}

/// Loads the demo documents unless the database already holds documents: existing content is
/// never touched.
pub async fn load_if_empty(db: &Db) -> Result<(), DemoError> {
    if count(db).await? > 0 {
        tracing::info!("database already has documents; demo content not loaded");
        return Ok(());
    }
    for document in &DOCUMENTS {
        let slug = document
            .slug
            .parse()
            .map_err(|e: app::documents::SlugError| DemoError::Invalid {
                slug: document.slug,
                reason: e.to_string(),
            })?;
        let titles = [
            (Locale::En, document.english),
            (Locale::De, document.german),
        ];
        create(
            db,
            &NewDocument {
                slug,
                kind: document.kind,
                titles: &titles,
            },
            now_ms(),
        )
        .await?;
    }
    tracing::info!(documents = DOCUMENTS.len(), "demo content loaded");
    Ok(())
}
