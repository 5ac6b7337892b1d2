//! Evidence bundles: one consent event with everything it refers to (the banner's text, the
//! cookie inventory, the linked revisions' Markdown), its inclusion proof and a signed
//! checkpoint, in one JSON file that `scripts/verify-evidence-bundle.py` (or any verifier
//! written from `docs/evidence.md`) checks without Charter.

use super::{EvidenceError, LogKey, checkpoints, leaf::LinkedRevision, tree};
use crate::db::Db;
use base64::{Engine, engine::general_purpose::STANDARD};
use serde::Serialize;
use sqlx::Row;

/// The bundle format's name and version, its first member.
pub const FORMAT: &str = "charter-evidence-bundle/1";

#[derive(Clone, Debug, Serialize)]
pub struct Bundle {
    pub format: &'static str,
    pub log: LogIdentity,
    pub leaf: BundledLeaf,
    /// A signed checkpoint of a tree that contains the leaf.
    pub checkpoint: String,
    /// Base64 hashes of the leaf's audit path in that tree, from the leaf up.
    pub inclusion_proof: Vec<String>,
    pub banner: BundledBanner,
    pub inventory: BundledInventory,
    pub revisions: Vec<BundledRevision>,
    /// The IP prefix and user agent with their salt, while retention keeps them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<Context>,
}

#[derive(Clone, Debug, Serialize)]
pub struct LogIdentity {
    pub origin: String,
    /// The signed-note verifier key; check it against one obtained elsewhere.
    pub public_key: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct BundledLeaf {
    pub index: u64,
    /// The leaf's bytes exactly as hashed.
    pub bytes: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct BundledBanner {
    pub sha256: String,
    pub text: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct BundledInventory {
    /// The SHA-256 of `json`, the event's `configuration`.
    pub version: String,
    /// The inventory's canonical JSON exactly as hashed.
    pub json: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct BundledRevision {
    pub id: i64,
    pub document: String,
    pub locale: String,
    pub number: i64,
    pub sha256: String,
    pub markdown: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Context {
    pub salt: String,
    pub ip_prefix: String,
    pub user_agent: String,
}

/// Why no bundle was made.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("there is no consent event {0}")]
    UnknownEvent(i64),
    #[error("consent event {0} is not in the evidence log yet")]
    NotLogged(i64),
    #[error(transparent)]
    Evidence(#[from] EvidenceError),
}

impl From<sqlx::Error> for BundleError {
    fn from(error: sqlx::Error) -> Self {
        BundleError::Evidence(error.into())
    }
}

/// The bundle of consent event `event_id`, with the newest checkpoint (signed now if none
/// covers the event yet).
pub async fn consent_event(db: &Db, key: &LogKey, event_id: i64) -> Result<Bundle, BundleError> {
    let event = sqlx::query(
        "SELECT e.banner_sha256, e.configuration_version, e.ip_prefix, e.user_agent, s.salt
         FROM consent_events e LEFT JOIN consent_event_salts s ON s.event_id = e.id
         WHERE e.id = $1",
    )
    .bind(event_id)
    .fetch_optional(db.reader())
    .await?
    .ok_or(BundleError::UnknownEvent(event_id))?;
    let (index, bytes): (i64, String) = sqlx::query_as(
        "SELECT leaf_index, bytes FROM log_leaves WHERE kind = 'consent-event' AND source_id = $1",
    )
    .bind(event_id)
    .fetch_optional(db.reader())
    .await?
    .ok_or(BundleError::NotLogged(event_id))?;
    let index = tree::to_u64(index)?;
    let linked: Vec<LinkedRevision> = serde_json::from_str::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|leaf| serde_json::from_value(leaf.get("revisions")?.clone()).ok())
        .unwrap_or_default();

    let covering = match checkpoints::latest(db).await? {
        Some(latest) if latest.size > index => latest,
        _ => {
            checkpoints::checkpoint_now(db, key).await?;
            checkpoints::latest(db)
                .await?
                .filter(|latest| latest.size > index)
                .ok_or_else(|| EvidenceError::Tree("no checkpoint covers the event".to_owned()))?
        }
    };
    let mut conn = db.reader().acquire().await?;
    let proof = tree::inclusion_proof(&mut conn, index, covering.size).await?;
    drop(conn);

    let banner_sha256: String = event.try_get("banner_sha256")?;
    let banner_text: String =
        sqlx::query_scalar("SELECT text FROM consent_banners WHERE sha256 = $1")
            .bind(&banner_sha256)
            .fetch_one(db.reader())
            .await?;
    let version: String = event.try_get("configuration_version")?;
    let inventory: String =
        sqlx::query_scalar("SELECT inventory FROM consent_configurations WHERE version = $1")
            .bind(&version)
            .fetch_one(db.reader())
            .await?;
    let mut revisions = Vec::with_capacity(linked.len());
    for revision in &linked {
        let row = sqlx::query(
            "SELECT r.id, d.slug, r.locale, r.number, r.source_sha256, r.source
             FROM revisions r JOIN documents d ON d.id = r.document_id WHERE r.id = $1",
        )
        .bind(revision.id)
        .fetch_one(db.reader())
        .await?;
        revisions.push(BundledRevision {
            id: row.try_get("id")?,
            document: row.try_get("slug")?,
            locale: row.try_get("locale")?,
            number: row.try_get("number")?,
            sha256: row.try_get("source_sha256")?,
            markdown: row.try_get("source")?,
        });
    }
    let context = match event.try_get::<Option<String>, _>("salt")? {
        Some(salt) => Some(Context {
            salt,
            ip_prefix: event.try_get("ip_prefix")?,
            user_agent: event.try_get("user_agent")?,
        }),
        None => None,
    };
    Ok(Bundle {
        format: FORMAT,
        log: LogIdentity {
            origin: key.origin().to_owned(),
            public_key: key.public_key().to_owned(),
        },
        leaf: BundledLeaf { index, bytes },
        checkpoint: covering.note,
        inclusion_proof: proof.iter().map(|hash| STANDARD.encode(hash.0)).collect(),
        banner: BundledBanner {
            sha256: banner_sha256,
            text: banner_text,
        },
        inventory: BundledInventory {
            version,
            json: inventory,
        },
        revisions,
        context,
    })
}
