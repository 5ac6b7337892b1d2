//! The consent log: every event appended by one group-committing writer, each chained to the
//! one before by its hash.

use crate::{
    clock::Timestamp,
    consent::{Action, Choices, IdempotencyKey, Method, SubjectId},
    db::{Backend, Db, decode_error},
    i18n::Locale,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{Row, any::AnyRow};
use std::collections::HashMap;
use tokio::sync::{mpsc, oneshot};

/// The hash a chain starts from.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// How many queued events one transaction commits at most.
const MAX_BATCH: usize = 256;

/// An event to record. The server stamps the time and chains it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEvent {
    pub subject: SubjectId,
    pub action: Action,
    pub choices: Choices,
    pub method: Method,
    pub configuration_version: String,
    /// The exact banner text shown; stored once by its SHA-256.
    pub banner_text: String,
    pub revisions: Vec<i64>,
    pub locale: Locale,
    pub user_agent: String,
    pub ip_prefix: String,
    pub idempotency_key: IdempotencyKey,
}

/// A recorded event, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Event {
    pub id: i64,
    pub subject: String,
    pub action: String,
    pub choices: serde_json::Value,
    pub method: String,
    pub configuration_version: String,
    pub banner_sha256: String,
    pub revisions: serde_json::Value,
    pub locale: String,
    pub recorded_at: Timestamp,
    pub user_agent: String,
    pub ip_prefix: String,
    pub idempotency_key: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The outcome of [`ConsentLog::record`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    pub event: Event,
    /// The idempotency key had been used: this is the first event recorded with it, and
    /// nothing new was written.
    pub replayed: bool,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum RecordError {
    #[error("the consent log is not running")]
    Stopped,
    #[error("the consent event could not be stored: {0}")]
    Database(String),
}

/// The columns hashed into the chain, in order.
const EVENT_COLUMNS: &str = "id, subject_id, action, choices, method, configuration_version, \
                             banner_sha256, revisions, locale, recorded_at, user_agent, \
                             ip_prefix, idempotency_key, prev_hash, hash";

/// SHA-256 over the previous hash and the event's fields, as a JSON array (unambiguous
/// whatever the fields contain).
fn chain_hash(event: &Event) -> String {
    let fields = serde_json::json!([
        event.prev_hash,
        event.subject,
        event.action,
        event.choices,
        event.method,
        event.configuration_version,
        event.banner_sha256,
        event.revisions,
        event.locale,
        event.recorded_at.as_millis(),
        event.user_agent,
        event.ip_prefix,
        event.idempotency_key,
    ]);
    hex::encode(Sha256::digest(fields.to_string().as_bytes()))
}

fn event_from_row(row: &AnyRow) -> Result<Event, sqlx::Error> {
    let json = |column: &str| -> Result<serde_json::Value, sqlx::Error> {
        let text: String = row.try_get(column)?;
        serde_json::from_str(&text).map_err(|e| decode_error(column, e))
    };
    Ok(Event {
        id: row.try_get("id")?,
        subject: row.try_get("subject_id")?,
        action: row.try_get("action")?,
        choices: json("choices")?,
        method: row.try_get("method")?,
        configuration_version: row.try_get("configuration_version")?,
        banner_sha256: row.try_get("banner_sha256")?,
        revisions: json("revisions")?,
        locale: row.try_get("locale")?,
        recorded_at: Timestamp::from_millis(row.try_get("recorded_at")?),
        user_agent: row.try_get("user_agent")?,
        ip_prefix: row.try_get("ip_prefix")?,
        idempotency_key: row.try_get("idempotency_key")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

type Reply = oneshot::Sender<Result<Recorded, RecordError>>;

/// The one writer of consent events. Requests queue their events; the writer commits
/// whatever has queued in one transaction (group commit) and answers each request only
/// after its transaction committed, so an acknowledged event is durable without paying a
/// commit per request.
#[derive(Clone, Debug)]
pub struct ConsentLog {
    queue: mpsc::Sender<(NewEvent, Reply)>,
}

impl ConsentLog {
    pub fn start(db: Db) -> Self {
        let (queue, requests) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(write_batches(db, requests));
        ConsentLog { queue }
    }

    pub async fn record(&self, event: NewEvent) -> Result<Recorded, RecordError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send((event, reply))
            .await
            .map_err(|_| RecordError::Stopped)?;
        answer.await.map_err(|_| RecordError::Stopped)?
    }
}

async fn write_batches(db: Db, mut requests: mpsc::Receiver<(NewEvent, Reply)>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while requests.recv_many(&mut batch, MAX_BATCH).await > 0 {
        match commit_batch(&db, &batch).await {
            Ok(results) => {
                for ((_, reply), result) in batch.drain(..).zip(results) {
                    let _ = reply.send(Ok(result));
                }
            }
            Err(error) => {
                tracing::error!(%error, events = batch.len(), "consent events not stored");
                for (_, reply) in batch.drain(..) {
                    let _ = reply.send(Err(RecordError::Database(error.to_string())));
                }
            }
        }
    }
}

async fn commit_batch(db: &Db, batch: &[(NewEvent, Reply)]) -> Result<Vec<Recorded>, sqlx::Error> {
    let mut tx = db.writer().begin().await?;
    if db.backend() == Backend::Postgres {
        // Instances sharing the database take turns to extend the one chain.
        sqlx::query("SELECT pg_advisory_xact_lock(7269736)")
            .execute(&mut *tx)
            .await?;
    }
    let mut prev_hash: String =
        sqlx::query_scalar("SELECT hash FROM consent_events ORDER BY id DESC LIMIT 1")
            .fetch_optional(&mut *tx)
            .await?
            .unwrap_or_else(|| GENESIS.to_owned());
    let mut in_batch: HashMap<&str, Event> = HashMap::new();
    let mut results = Vec::with_capacity(batch.len());
    for (new, _) in batch {
        let key = new.idempotency_key.as_str();
        if let Some(first) = in_batch.get(key) {
            results.push(Recorded {
                event: first.clone(),
                replayed: true,
            });
            continue;
        }
        let existing = sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS} FROM consent_events WHERE idempotency_key = $1"
        ))
        .bind(key)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = existing {
            results.push(Recorded {
                event: event_from_row(&row)?,
                replayed: true,
            });
            continue;
        }
        let banner_sha256 = hex::encode(Sha256::digest(new.banner_text.as_bytes()));
        sqlx::query(
            "INSERT INTO consent_banners (sha256, configuration_version, locale, text)
             VALUES ($1, $2, $3, $4) ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(&banner_sha256)
        .bind(&new.configuration_version)
        .bind(new.locale.as_str())
        .bind(&new.banner_text)
        .execute(&mut *tx)
        .await?;
        let mut event = Event {
            id: 0,
            subject: new.subject.to_string(),
            action: new.action.as_str().to_owned(),
            choices: serde_json::to_value(&new.choices).unwrap_or_default(),
            method: new.method.as_str().to_owned(),
            configuration_version: new.configuration_version.clone(),
            banner_sha256,
            revisions: serde_json::to_value(&new.revisions).unwrap_or_default(),
            locale: new.locale.as_str().to_owned(),
            recorded_at: Timestamp::now(),
            user_agent: new.user_agent.clone(),
            ip_prefix: new.ip_prefix.clone(),
            idempotency_key: key.to_owned(),
            prev_hash: prev_hash.clone(),
            hash: String::new(),
        };
        event.hash = chain_hash(&event);
        event.id = sqlx::query_scalar(
            "INSERT INTO consent_events (subject_id, action, choices, method,
                 configuration_version, banner_sha256, revisions, locale, recorded_at,
                 user_agent, ip_prefix, idempotency_key, prev_hash, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
             RETURNING id",
        )
        .bind(&event.subject)
        .bind(&event.action)
        .bind(event.choices.to_string())
        .bind(&event.method)
        .bind(&event.configuration_version)
        .bind(&event.banner_sha256)
        .bind(event.revisions.to_string())
        .bind(&event.locale)
        .bind(event.recorded_at.as_millis())
        .bind(&event.user_agent)
        .bind(&event.ip_prefix)
        .bind(&event.idempotency_key)
        .bind(&event.prev_hash)
        .bind(&event.hash)
        .fetch_one(&mut *tx)
        .await?;
        prev_hash = event.hash.clone();
        in_batch.insert(key, event.clone());
        results.push(Recorded {
            event,
            replayed: false,
        });
    }
    tx.commit().await?;
    Ok(results)
}

/// What re-walking the chain found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainReport {
    Intact {
        events: u64,
    },
    /// The first event whose stored hashes do not follow from its content and its
    /// predecessor: rewritten, inserted, or following a removed event.
    Broken {
        id: i64,
        reason: String,
    },
}

/// Re-walks the whole log in order, a page at a time, recomputing every hash.
pub async fn verify_chain(db: &Db) -> Result<ChainReport, sqlx::Error> {
    const PAGE: i64 = 1000;
    let mut expected_prev = GENESIS.to_owned();
    let mut last_id = 0i64;
    let mut events = 0u64;
    loop {
        let rows = sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS} FROM consent_events WHERE id > $1 ORDER BY id LIMIT $2"
        ))
        .bind(last_id)
        .bind(PAGE)
        .fetch_all(db.reader())
        .await?;
        if rows.is_empty() {
            return Ok(ChainReport::Intact { events });
        }
        for row in &rows {
            let event = event_from_row(row)?;
            if event.prev_hash != expected_prev {
                return Ok(ChainReport::Broken {
                    id: event.id,
                    reason: "its previous hash is not the hash of the event before it".to_owned(),
                });
            }
            if chain_hash(&event) != event.hash {
                return Ok(ChainReport::Broken {
                    id: event.id,
                    reason: "its content does not match its hash".to_owned(),
                });
            }
            expected_prev = event.hash;
            last_id = event.id;
            events += 1;
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("cannot write the export: {0}")]
    Write(#[from] std::io::Error),
}

/// Hands every event recorded in `[from, to)` to `each`, oldest first, as the database returns
/// them: an export of millions of events never holds more than one in memory. Returns how many
/// there were.
pub async fn for_each_event_between(
    db: &Db,
    from: Timestamp,
    to: Timestamp,
    mut each: impl FnMut(Event) -> std::io::Result<()>,
) -> Result<u64, ExportError> {
    use futures_util::TryStreamExt;
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM consent_events
         WHERE recorded_at >= $1 AND recorded_at < $2 ORDER BY id"
    );
    let mut rows = sqlx::query(&sql)
        .bind(from.as_millis())
        .bind(to.as_millis())
        .fetch(db.reader());
    let mut count = 0;
    while let Some(row) = rows.try_next().await? {
        each(event_from_row(&row)?)?;
        count += 1;
    }
    Ok(count)
}

/// A subject's events, oldest first.
pub async fn events_of(db: &Db, subject: &SubjectId) -> Result<Vec<Event>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {EVENT_COLUMNS} FROM consent_events WHERE subject_id = $1 ORDER BY id"
    ))
    .bind(subject.as_str())
    .fetch_all(db.reader())
    .await?;
    rows.iter().map(event_from_row).collect()
}
