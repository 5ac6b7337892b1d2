//! Demo content for an imaginary AI API platform, Quillstone AI Ltd, loaded into an empty
//! database when `CHARTER_DEMO` is set, so a fresh install shows a realistic site: four policies
//! in English and German, each with a first (material) version, an editorial revision in force
//! and a material revision that takes effect in 30 days.
//!
//! The texts in `demo/` are the versions in force; the first and the upcoming versions are
//! derived from them by the edits below. `demo/inventory.toml` is the demo cookie inventory.

pub mod site;

use app::{
    audit::ssr::Actor,
    clock::Timestamp,
    db::Db,
    documents::{
        DocumentKind, Slug, SlugError,
        ssr::{NewDocument, count, create},
    },
    i18n::Locale,
    inventory::ssr::{ImportError, activate, parse},
    revisions::{
        RevisionClass,
        ssr::{NewRevision, PublishError, publish},
    },
};

/// The notice period the demo's material revisions respect.
const NOTICE_DAYS: i64 = 30;
const AUTHOR: &str = "Quillstone legal team";

struct DemoDocument {
    slug: &'static str,
    kind: DocumentKind,
    texts: [DemoText; 2],
}

struct DemoText {
    locale: Locale,
    title: &'static str,
    /// The text of the editorial revision now in force.
    current: &'static str,
    /// Wording of the first version that the editorial revision changed: (now, then).
    first_version: (&'static str, &'static str),
    /// The material change of the upcoming revision: (now, upcoming).
    upcoming: (&'static str, &'static str),
    upcoming_summary: &'static str,
}

const DOCUMENTS: [DemoDocument; 4] = [
    DemoDocument {
        slug: "privacy",
        kind: DocumentKind::Privacy,
        texts: [
            DemoText {
                locale: Locale::En,
                title: "Privacy Policy",
                current: include_str!("demo/privacy.en.md"),
                first_version: (
                    "We keep account data while your account exists and for 90 days after.",
                    "We keep account data for as long as your account exists, and for 90 days afterwards.",
                ),
                upcoming: (
                    "API content is deleted after 30 days.",
                    "API content is deleted after 14 days. You can switch on zero retention, in which case it is never stored.",
                ),
                upcoming_summary: "API content will be deleted after 14 days instead of 30, and zero retention becomes available.",
            },
            DemoText {
                locale: Locale::De,
                title: "Datenschutzerklärung",
                current: include_str!("demo/privacy.de.md"),
                first_version: (
                    "Kontodaten speichern wir, solange Ihr Konto besteht, und 90 Tage darüber hinaus.",
                    "Kontodaten bewahren wir auf, solange Ihr Konto besteht, und danach noch 90 Tage.",
                ),
                upcoming: (
                    "API-Inhalte werden nach 30 Tagen gelöscht.",
                    "API-Inhalte werden nach 14 Tagen gelöscht. Sie können die Null-Speicherung einschalten; dann werden sie gar nicht gespeichert.",
                ),
                upcoming_summary: "API-Inhalte werden künftig nach 14 statt 30 Tagen gelöscht, und die Null-Speicherung wird verfügbar.",
            },
        ],
    },
    DemoDocument {
        slug: "cookies",
        kind: DocumentKind::Cookies,
        texts: [
            DemoText {
                locale: Locale::En,
                title: "Cookie Policy",
                current: include_str!("demo/cookies.en.md"),
                first_version: (
                    "Rejecting is as easy as accepting.",
                    "Rejecting is just as easy as accepting.",
                ),
                upcoming: (
                    "| Analytics | Counting visits and measuring which pages help | Yes |",
                    "| Analytics | Counting visits and measuring which pages help | Yes |\n| Marketing | Measuring which of our adverts on other sites bring visitors | Yes |",
                ),
                upcoming_summary: "A new Marketing category measures which of our adverts bring visitors; it stays off unless you switch it on.",
            },
            DemoText {
                locale: Locale::De,
                title: "Cookie-Richtlinie",
                current: include_str!("demo/cookies.de.md"),
                first_version: (
                    "Ablehnen ist so einfach wie Zustimmen.",
                    "Ablehnen ist genauso einfach wie Zustimmen.",
                ),
                upcoming: (
                    "| Statistik | Zählen von Besuchen und Messen, welche Seiten helfen | Ja |",
                    "| Statistik | Zählen von Besuchen und Messen, welche Seiten helfen | Ja |\n| Marketing | Messen, welche unserer Anzeigen auf anderen Websites Besucher bringen | Ja |",
                ),
                upcoming_summary: "Eine neue Kategorie „Marketing“ misst, welche unserer Anzeigen Besucher bringen; sie bleibt aus, bis Sie sie einschalten.",
            },
        ],
    },
    DemoDocument {
        slug: "terms",
        kind: DocumentKind::Terms,
        texts: [
            DemoText {
                locale: Locale::En,
                title: "Terms of Service",
                current: include_str!("demo/terms.en.md"),
                first_version: (
                    "Keep your API keys secret.",
                    "You must keep your API keys secret.",
                ),
                upcoming: (
                    "limited to the fees you paid in that period.",
                    "limited to the greater of the fees you paid in that period and GBP 1,000.",
                ),
                upcoming_summary: "Our liability cap rises to at least GBP 1,000.",
            },
            DemoText {
                locale: Locale::De,
                title: "Nutzungsbedingungen",
                current: include_str!("demo/terms.de.md"),
                first_version: (
                    "Halten Sie Ihre API-Schlüssel geheim.",
                    "Sie müssen Ihre API-Schlüssel geheim halten.",
                ),
                upcoming: (
                    "auf die in diesem Zeitraum gezahlten Entgelte begrenzt.",
                    "auf den höheren Betrag aus den in diesem Zeitraum gezahlten Entgelten und 1.000 GBP begrenzt.",
                ),
                upcoming_summary: "Unsere Haftungsgrenze steigt auf mindestens 1.000 GBP.",
            },
        ],
    },
    DemoDocument {
        slug: "subprocessors",
        kind: DocumentKind::Subprocessors,
        texts: [
            DemoText {
                locale: Locale::En,
                title: "Sub-processors",
                current: include_str!("demo/subprocessors.en.md"),
                first_version: (
                    "Each is bound by a data processing agreement",
                    "Each of them is bound by a data processing agreement",
                ),
                upcoming: (
                    "| Postbox Mail Inc. | Transactional email | Email address, name | United States |",
                    "| Postbox Mail Inc. | Transactional email | Email address, name | United States |\n| Sentinel Trust Ltd | Abuse and fraud detection | Request metadata, truncated IP address | United Kingdom |",
                ),
                upcoming_summary: "Sentinel Trust Ltd is added as a sub-processor for abuse and fraud detection.",
            },
            DemoText {
                locale: Locale::De,
                title: "Unterauftragsverarbeiter",
                current: include_str!("demo/subprocessors.de.md"),
                first_version: (
                    "Jeder ist durch einen Auftragsverarbeitungsvertrag",
                    "Jeder von ihnen ist durch einen Auftragsverarbeitungsvertrag",
                ),
                upcoming: (
                    "| Postbox Mail Inc. | Transaktions-E-Mails | E-Mail-Adresse, Name | Vereinigte Staaten |",
                    "| Postbox Mail Inc. | Transaktions-E-Mails | E-Mail-Adresse, Name | Vereinigte Staaten |\n| Sentinel Trust Ltd | Erkennung von Missbrauch und Betrug | Anfrage-Metadaten, gekürzte IP-Adresse | Vereinigtes Königreich |",
                ),
                upcoming_summary: "Die Sentinel Trust Ltd kommt als Unterauftragsverarbeiter für die Erkennung von Missbrauch und Betrug hinzu.",
            },
        ],
    },
];

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("database error while loading demo content: {0}")]
    Database(#[from] sqlx::Error),
    #[error("demo document `{slug}` is invalid: {reason}")]
    Invalid { slug: &'static str, reason: String },
    #[error("cannot publish a demo revision: {0}")]
    Publish(#[from] PublishError),
    #[error("cannot activate the demo cookie inventory: {0}")]
    Inventory(#[from] ImportError),
}

/// The demo site's cookie inventory: one service in each optional category.
const INVENTORY: &str = include_str!("demo/inventory.toml");

/// The three versions of a demo text: first, in force, upcoming.
fn versions(slug: &'static str, text: &DemoText) -> Result<[String; 3], DemoError> {
    let edit = |(from, to): (&str, &str)| {
        if text.current.contains(from) {
            Ok(text.current.replacen(from, to, 1))
        } else {
            Err(DemoError::Invalid {
                slug,
                reason: format!("`{from}` is not in the {} text", text.locale),
            })
        }
    };
    Ok([
        edit(text.first_version)?,
        text.current.to_owned(),
        edit(text.upcoming)?,
    ])
}

/// Loads the demo documents unless the database already holds documents: existing content is
/// never touched.
pub async fn load_if_empty(db: &Db) -> Result<(), DemoError> {
    if count(db).await? > 0 {
        tracing::info!("database already has documents; demo content not loaded");
        return Ok(());
    }
    activate(
        db,
        &parse(INVENTORY)?,
        &Actor::local("charter", "demo content"),
    )
    .await
    .map_err(ImportError::from)?;
    let now = Timestamp::now();
    for document in &DOCUMENTS {
        let slug: Slug = document
            .slug
            .parse()
            .map_err(|e: SlugError| DemoError::Invalid {
                slug: document.slug,
                reason: e.to_string(),
            })?;
        let titles = document
            .texts
            .each_ref()
            .map(|text| (text.locale, text.title));
        create(
            db,
            &NewDocument {
                slug: slug.clone(),
                kind: document.kind,
                titles: &titles,
            },
            now.as_millis(),
        )
        .await?;
        for text in &document.texts {
            let [first, current, upcoming] = versions(document.slug, text)?;
            let (first_summary, editorial_summary) = match text.locale {
                Locale::En => (
                    "First publication.",
                    "Wording clarified; nothing changes in substance.",
                ),
                Locale::De => (
                    "Erstveröffentlichung.",
                    "Formulierung präzisiert; inhaltlich ändert sich nichts.",
                ),
            };
            let schedule = [
                (first, RevisionClass::Material, first_summary, -200, -170),
                (
                    current,
                    RevisionClass::Editorial,
                    editorial_summary,
                    -60,
                    -60,
                ),
                (
                    upcoming,
                    RevisionClass::Material,
                    text.upcoming_summary,
                    -1,
                    NOTICE_DAYS,
                ),
            ];
            for (source, class, summary, published, effective) in schedule {
                publish(
                    db,
                    &NewRevision {
                        slug: &slug,
                        locale: text.locale,
                        source: &source,
                        class,
                        summary,
                        author: AUTHOR,
                        published_at: now.plus_days(published),
                        effective_at: now.plus_days(effective),
                        notice_days: NOTICE_DAYS,
                        images: app::markdown::ImageHosts::site_only(),
                    },
                )
                .await?;
            }
        }
    }
    tracing::info!(documents = DOCUMENTS.len(), "demo content loaded");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_demo_edit_applies_and_changes_the_text() {
        for document in &DOCUMENTS {
            for text in &document.texts {
                let [first, current, upcoming] =
                    versions(document.slug, text).expect("edits apply");
                assert_ne!(first, current, "{} {}", document.slug, text.locale);
                assert_ne!(upcoming, current, "{} {}", document.slug, text.locale);
            }
        }
    }
}
