//! Leaves for the records written before the log existed (a database migrated to 0014), or by
//! an instance that did not write them yet: appended at start-up, a batch per transaction.

use super::{
    Leaf,
    leaf::{self, LinkedRevision},
    tree,
};
use crate::{
    consent::ssr::log::{EVENT_COLUMNS, event_from_row, event_leaf, insert_salts},
    db::Db,
};
use sqlx::Row;
use std::collections::HashMap;

/// Records appended per transaction.
const BATCH: i64 = 500;

/// Appends a leaf for every record that has none, kind by kind, each oldest first. Returns how
/// many were appended.
pub async fn backfill(db: &Db) -> Result<u64, sqlx::Error> {
    // The revisions an old event names by id, with their hashes; they are few.
    let hashes: HashMap<i64, String> = sqlx::query_as("SELECT id, source_sha256 FROM revisions")
        .fetch_all(db.reader())
        .await?
        .into_iter()
        .collect();
    let mut appended = 0;
    appended += drain(db, revisions).await?;
    appended += drain(db, activations).await?;
    appended += drain(db, async |tx: &mut Tx| consent_events(tx, &hashes).await).await?;
    appended += drain(db, audit_entries).await?;
    if appended > 0 {
        tracing::info!(
            leaves = appended,
            "records from before the evidence log were logged"
        );
    }
    Ok(appended)
}

type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// The next records of one kind without a leaf: their leaves, and the salts of their
/// commitments (consent events only).
#[derive(Default)]
struct Batch {
    leaves: Vec<Leaf>,
    salts: Vec<(i64, String)>,
}

/// Rows of `table` without a leaf of `kind`, oldest first: the condition for a query over it.
fn without_leaf(kind: leaf::LeafKind) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM log_leaves l WHERE l.kind = '{}' AND l.source_id = t.id)
         ORDER BY t.id LIMIT {BATCH}",
        kind.as_str()
    )
}

/// Appends the batches `next` finds until it finds none, each in a write transaction that
/// holds the tree's lock, so the records it finds without a leaf cannot be given one meanwhile
/// by another instance starting up.
async fn drain(
    db: &Db,
    mut next: impl AsyncFnMut(&mut Tx) -> Result<Batch, sqlx::Error>,
) -> Result<u64, sqlx::Error> {
    let mut appended = 0;
    loop {
        let mut tx = db.begin_write().await?;
        tree::lock(&mut tx).await?;
        let batch = next(&mut tx).await?;
        if batch.leaves.is_empty() {
            return Ok(appended);
        }
        insert_salts(&mut tx, db.backend(), &batch.salts).await?;
        tree::append(&mut tx, &batch.leaves).await?;
        tx.commit().await?;
        appended += batch.leaves.len() as u64;
    }
}

async fn revisions(tx: &mut Tx) -> Result<Batch, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT t.id, d.slug, t.locale, t.number, t.source_sha256, t.published_at,
                t.effective_at, t.class, t.summary, t.author
         FROM revisions t JOIN documents d ON d.id = t.document_id
         WHERE {}",
        without_leaf(leaf::LeafKind::Revision)
    ))
    .fetch_all(&mut **tx)
    .await?;
    let mut leaves = Vec::with_capacity(rows.len());
    for row in &rows {
        let (slug, locale, sha256, class, summary, author): (
            String,
            String,
            String,
            String,
            String,
            String,
        ) = (
            row.try_get("slug")?,
            row.try_get("locale")?,
            row.try_get("source_sha256")?,
            row.try_get("class")?,
            row.try_get("summary")?,
            row.try_get("author")?,
        );
        leaves.push(leaf::revision(&leaf::RevisionFields {
            id: row.try_get("id")?,
            document: &slug,
            locale: &locale,
            number: row.try_get("number")?,
            source_sha256: &sha256,
            published_at: row.try_get("published_at")?,
            effective_at: row.try_get("effective_at")?,
            class: &class,
            summary: &summary,
            author: &author,
        }));
    }
    Ok(Batch {
        leaves,
        ..Batch::default()
    })
}

async fn activations(tx: &mut Tx) -> Result<Batch, sqlx::Error> {
    let rows: Vec<(i64, String, i64)> = sqlx::query_as(&format!(
        "SELECT t.id, t.version, t.activated_at FROM consent_configuration_activations t
         WHERE {}",
        without_leaf(leaf::LeafKind::InventoryActivation)
    ))
    .fetch_all(&mut **tx)
    .await?;
    let leaves = rows
        .iter()
        .map(|(id, version, activated_at)| {
            leaf::inventory_activation(&leaf::InventoryActivationFields {
                id: *id,
                version,
                activated_at: *activated_at,
            })
        })
        .collect();
    Ok(Batch {
        leaves,
        ..Batch::default()
    })
}

async fn consent_events(tx: &mut Tx, hashes: &HashMap<i64, String>) -> Result<Batch, sqlx::Error> {
    let columns = EVENT_COLUMNS
        .split(", ")
        .map(|column| format!("t.{}", column.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    let rows = sqlx::query(&format!(
        "SELECT {columns} FROM consent_events t WHERE {}",
        without_leaf(leaf::LeafKind::ConsentEvent)
    ))
    .fetch_all(&mut **tx)
    .await?;
    let mut batch = Batch::default();
    for row in &rows {
        let event = event_from_row(row)?;
        let linked: Vec<LinkedRevision> = event
            .revisions
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(serde_json::Value::as_i64)
            .map(|id| LinkedRevision {
                id,
                sha256: hashes.get(&id).cloned().unwrap_or_default(),
            })
            .collect();
        let salt =
            leaf::new_salt().map_err(|error| sqlx::Error::Protocol(format!("no salt: {error}")))?;
        // Whether it carried GPC and the lifetime then in force were not kept.
        batch.leaves.push(event_leaf(&event, &linked, &salt, None));
        batch.salts.push((event.id, salt));
    }
    Ok(batch)
}

async fn audit_entries(tx: &mut Tx) -> Result<Batch, sqlx::Error> {
    let rows: Vec<(i64, i64, String, String, String, String)> = sqlx::query_as(&format!(
        "SELECT t.id, t.at, t.actor, t.action, t.object, t.detail FROM audit_log t WHERE {}",
        without_leaf(leaf::LeafKind::Audit)
    ))
    .fetch_all(&mut **tx)
    .await?;
    let leaves = rows
        .iter()
        .map(|(id, at, actor, action, object, detail)| {
            leaf::audit(&leaf::AuditFields {
                id: *id,
                at: *at,
                actor,
                action,
                object,
                detail,
            })
        })
        .collect();
    Ok(Batch {
        leaves,
        ..Batch::default()
    })
}
