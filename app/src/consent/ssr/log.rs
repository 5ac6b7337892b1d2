//! The consent log: every event appended by one group-committing writer, each chained to the
//! one before by its hash.

use crate::{
    clock::Timestamp,
    consent::{Action, Choices, ConsentLifetime, IdempotencyKey, Method, SubjectId},
    db::{Backend, Db, decode_error, placeholders},
    evidence::ssr::{
        Leaf,
        leaf::{self, ConsentEventFields, LinkedRevision},
        tree,
    },
    i18n::Locale,
    revisions::ssr::in_force,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{Row, any::AnyRow};
use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};
use tokio::sync::{mpsc, oneshot};

/// The hash a chain starts from.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// How many queued events one transaction commits at most: 1 to 1024, 256 by default. Lower
/// bounds how long one instance holds the chain's lock; 1 commits every event on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(try_from = "usize")]
pub struct BatchLimit(usize);

impl BatchLimit {
    pub fn get(self) -> usize {
        self.0
    }
}

impl Default for BatchLimit {
    fn default() -> Self {
        BatchLimit(256)
    }
}

impl TryFrom<usize> for BatchLimit {
    type Error = String;

    fn try_from(events: usize) -> Result<Self, Self::Error> {
        if (1..=1024).contains(&events) {
            Ok(BatchLimit(events))
        } else {
            Err(format!(
                "{events} is out of range; a transaction may commit 1 to 1024 events"
            ))
        }
    }
}

/// An event to record. The log stamps the time, adds the policy revisions in force then, and
/// chains it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEvent {
    pub subject: SubjectId,
    pub action: Action,
    pub choices: Choices,
    pub method: Method,
    pub configuration_version: String,
    /// The exact banner shown; stored once by its SHA-256.
    pub banner: Arc<Banner>,
    pub locale: Locale,
    pub user_agent: String,
    pub ip_prefix: String,
    pub idempotency_key: IdempotencyKey,
    /// The subject was drawn for this event: the request carried none (no valid choice).
    pub subject_is_new: bool,
    pub place: Place,
    /// The request carried `Sec-GPC: 1`.
    pub gpc: bool,
    /// How long the choice holds before the visitor is asked again.
    pub lifetime: ConsentLifetime,
}

/// Where a choice was made: the origin of the page (Charter's own, or one of the company's
/// registered sites) and the page's path, without its query.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Place {
    pub site: String,
    pub page: String,
}

impl Place {
    /// The longest path kept: longer ones are cut, at a character boundary.
    pub const MAX_PAGE_CHARS: usize = 512;

    /// A page of Charter's own, whose public URL is `base_url`.
    pub fn own(base_url: &str, page: &str) -> Self {
        let site = url::Url::parse(base_url)
            .map(|url| url.origin().ascii_serialization())
            .unwrap_or_default();
        Place::new(site, page)
    }

    pub fn new(site: String, page: &str) -> Self {
        let path = page.split(['?', '#']).next().unwrap_or_default();
        Place {
            site,
            page: path.chars().take(Self::MAX_PAGE_CHARS).collect(),
        }
    }
}

impl NewEvent {
    /// Whether `self` asks for exactly what `first`, sent earlier with the same idempotency
    /// key, asked for, by the same visitor: only such a retry gets the first answer.
    fn repeats(&self, first: &NewEvent) -> bool {
        self.asks_for(
            first.method.as_str(),
            &first.choices,
            &first.configuration_version,
            first.locale.as_str(),
        ) && if self.subject_is_new {
            first.subject_is_new
        } else {
            self.subject == first.subject
        }
    }

    fn asks_for(
        &self,
        method: &str,
        choices: &Choices,
        configuration_version: &str,
        locale: &str,
    ) -> bool {
        self.method.as_str() == method
            && self.choices == *choices
            && self.configuration_version == configuration_version
            && self.locale.as_str() == locale
    }
}

/// A banner's exact text and its SHA-256, computed once for every event that shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Banner {
    pub text: String,
    pub sha256: String,
}

impl Banner {
    pub fn new(text: String) -> Self {
        let sha256 = hex::encode(Sha256::digest(text.as_bytes()));
        Banner { text, sha256 }
    }
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
    /// The origin of the page the choice was made on; empty for events recorded before sites
    /// were.
    pub site: String,
    /// The path of that page; empty as `site`.
    pub page: String,
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
    /// The event is about a configuration no longer in force.
    #[error("configuration {current} is in force")]
    Outdated { current: String },
    /// The idempotency key was recorded for another choice or another visitor.
    #[error("the idempotency key was used for a different request")]
    KeyReused,
    #[error("the consent event could not be stored: {0}")]
    Database(String),
}

/// The columns hashed into the chain, in order.
pub const EVENT_COLUMNS: &str = "id, subject_id, action, choices, method, configuration_version, \
                             banner_sha256, revisions, locale, recorded_at, user_agent, \
                             ip_prefix, idempotency_key, site, page, prev_hash, hash";

/// SHA-256 over the previous hash and the event's fields, as a JSON array (unambiguous
/// whatever the fields contain), streamed into the hasher: the writer hashes every event while
/// its batch waits. The site and page follow the other fields; events recorded before there
/// were any have none, and their array ends without them, as it did when they were hashed.
fn chain_hash(event: &Event) -> String {
    let mut hasher = Sha256::new();
    // Writing into a hasher cannot fail, and every field serialises.
    let _ = if event.site.is_empty() && event.page.is_empty() {
        serde_json::to_writer(&mut hasher, &chained_fields(event))
    } else {
        let (a, b, c, d, e, f, g, h, i, j, k, l, m) = chained_fields(event);
        serde_json::to_writer(
            &mut hasher,
            &(
                a,
                b,
                c,
                d,
                e,
                f,
                g,
                h,
                i,
                j,
                k,
                l,
                m,
                &event.site,
                &event.page,
            ),
        )
    };
    hex::encode(hasher.finalize())
}

type ChainedFields<'a> = (
    &'a str,
    &'a str,
    &'a str,
    &'a serde_json::Value,
    &'a str,
    &'a str,
    &'a str,
    &'a serde_json::Value,
    &'a str,
    i64,
    &'a str,
    &'a str,
    &'a str,
);

fn chained_fields(event: &Event) -> ChainedFields<'_> {
    (
        &event.prev_hash,
        &event.subject,
        &event.action,
        &event.choices,
        &event.method,
        &event.configuration_version,
        &event.banner_sha256,
        &event.revisions,
        &event.locale,
        event.recorded_at.as_millis(),
        &event.user_agent,
        &event.ip_prefix,
        &event.idempotency_key,
    )
}

/// What an event's leaf records beyond its row: facts of the request that the consent table
/// does not keep. `None` for an event recorded before the log existed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestFacts {
    pub gpc: bool,
    pub lifetime: ConsentLifetime,
}

/// The event's leaf in the evidence log. `salt` (hex, from `leaf::new_salt`) hides the IP
/// prefix and user agent behind commitments.
pub fn event_leaf(
    event: &Event,
    revisions: &[LinkedRevision],
    salt: &str,
    facts: Option<RequestFacts>,
) -> Leaf {
    leaf::consent_event(&ConsentEventFields {
        id: event.id,
        subject: &event.subject,
        action: &event.action,
        choices: &event.choices,
        method: &event.method,
        configuration: &event.configuration_version,
        banner_sha256: &event.banner_sha256,
        revisions,
        locale: &event.locale,
        recorded_at: event.recorded_at.as_millis(),
        site: &event.site,
        page: &event.page,
        ip_prefix_commitment: leaf::commitment(salt, "ip_prefix", &event.ip_prefix),
        user_agent_commitment: leaf::commitment(salt, "user_agent", &event.user_agent),
        gpc: facts.map(|facts| facts.gpc),
        lifetime_days: facts.map(|facts| facts.lifetime.days()),
        valid_until: facts.map(|facts| {
            event
                .recorded_at
                .plus_days(facts.lifetime.days())
                .as_millis()
        }),
        charter: facts.map(|_| env!("CARGO_PKG_VERSION")),
        chain_hash: &event.hash,
    })
}

pub fn event_from_row(row: &AnyRow) -> Result<Event, sqlx::Error> {
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
        site: row.try_get("site")?,
        page: row.try_get("page")?,
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
    pub fn start(db: Db, limit: BatchLimit) -> Self {
        let (queue, requests) = mpsc::channel(4 * limit.get());
        tokio::spawn(write_batches(db, requests, limit.get()));
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

async fn write_batches(db: Db, mut requests: mpsc::Receiver<(NewEvent, Reply)>, limit: usize) {
    let mut batch = Vec::with_capacity(limit);
    // Banners are immutable and nearly every event repeats one: a banner known to be stored is
    // not written again.
    let mut stored_banners = HashSet::new();
    while requests.recv_many(&mut batch, limit).await > 0 {
        let started = std::time::Instant::now();
        match commit_batch(&db, &batch, &stored_banners).await {
            Ok((results, banners)) => {
                tracing::debug!(
                    events = batch.len(),
                    elapsed = ?started.elapsed(),
                    "consent batch committed"
                );
                stored_banners.extend(banners);
                for ((_, reply), result) in batch.drain(..).zip(results) {
                    let _ = reply.send(result);
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

/// Rows per multi-row `INSERT`: 16 parameters each stays far below either backend's limit
/// (SQLite 32,766, PostgreSQL 65,535).
const ROWS_PER_INSERT: usize = 128;

/// What becomes of one queued event within its batch.
enum Outcome {
    /// Recorded now; its id is known once the batch is inserted.
    New(Event),
    /// The answer recorded earlier for the same idempotency key.
    Replay(Event),
    /// A retry within this batch of the event at this index.
    ReplayOf(usize),
    Refused(RecordError),
}

/// Commits `batch` in one transaction, extending the chain event by event. The statements
/// per batch are few and do not grow with its size (earlier keys are looked up at once, rows
/// inserted many per statement), which is what lets one writer keep up with many requests.
/// Returns each request's outcome and the banners this transaction stored.
async fn commit_batch(
    db: &Db,
    batch: &[(NewEvent, Reply)],
    stored_banners: &HashSet<String>,
) -> Result<(Vec<Result<Recorded, RecordError>>, Vec<String>), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    // Instances sharing the database take turns to extend the one chain, and the evidence log
    // with it.
    tree::lock(&mut tx).await?;
    // The configuration in force is read in the transaction that records, so an event can
    // never name a configuration replaced before it was stored. (One statement: every round
    // trip to the database delays every request waiting in this batch.)
    let (last_hash, in_force_configuration): (Option<String>, Option<String>) = sqlx::query_as(
        "SELECT (SELECT hash FROM consent_events ORDER BY id DESC LIMIT 1),
                (SELECT version FROM consent_configuration_activations ORDER BY id DESC LIMIT 1)",
    )
    .fetch_one(&mut *tx)
    .await?;
    let mut prev_hash = last_hash.unwrap_or_else(|| GENESIS.to_owned());
    let in_force_configuration = in_force_configuration.unwrap_or_default();
    let mut earlier = recorded_with_keys(&mut tx, db.backend(), batch).await?;
    let recorded_at = Timestamp::now();
    let mut in_force_revisions: HashMap<String, Vec<LinkedRevision>> = HashMap::new();
    let mut first_in_batch: HashMap<&str, usize> = HashMap::new();
    let mut new_banners: Vec<(String, &NewEvent)> = Vec::new();
    let mut outcomes = Vec::with_capacity(batch.len());
    for (index, (new, _)) in batch.iter().enumerate() {
        let key = new.idempotency_key.as_str();
        if let Some(&first) = first_in_batch.get(key) {
            outcomes.push(if new.repeats(&batch[first].0) {
                Outcome::ReplayOf(first)
            } else {
                Outcome::Refused(RecordError::KeyReused)
            });
            continue;
        }
        if let Some(event) = earlier.remove(key) {
            outcomes.push(if replays(&mut tx, &event, new).await? {
                Outcome::Replay(event)
            } else {
                Outcome::Refused(RecordError::KeyReused)
            });
            continue;
        }
        if new.configuration_version != in_force_configuration {
            outcomes.push(Outcome::Refused(RecordError::Outdated {
                current: in_force_configuration.clone(),
            }));
            continue;
        }
        let linked = match in_force_revisions.get(new.locale.as_str()) {
            Some(linked) => linked,
            None => {
                let linked = in_force(&mut *tx, new.locale, recorded_at).await?;
                in_force_revisions
                    .entry(new.locale.as_str().to_owned())
                    .or_insert(linked)
            }
        };
        let revisions = serde_json::Value::from(
            linked
                .iter()
                .map(|revision| revision.id)
                .collect::<Vec<_>>(),
        );
        let banner_sha256 = new.banner.sha256.clone();
        if !stored_banners.contains(&banner_sha256)
            && !new_banners.iter().any(|(other, _)| *other == banner_sha256)
        {
            new_banners.push((banner_sha256.clone(), new));
        }
        let mut event = Event {
            id: 0,
            subject: new.subject.to_string(),
            action: new.action.as_str().to_owned(),
            choices: serde_json::to_value(&new.choices).unwrap_or_default(),
            method: new.method.as_str().to_owned(),
            configuration_version: new.configuration_version.clone(),
            banner_sha256,
            revisions,
            locale: new.locale.as_str().to_owned(),
            recorded_at,
            user_agent: new.user_agent.clone(),
            ip_prefix: new.ip_prefix.clone(),
            idempotency_key: key.to_owned(),
            site: new.place.site.clone(),
            page: new.place.page.clone(),
            prev_hash: std::mem::take(&mut prev_hash),
            hash: String::new(),
        };
        event.hash = chain_hash(&event);
        prev_hash.clone_from(&event.hash);
        first_in_batch.insert(key, index);
        outcomes.push(Outcome::New(event));
    }
    for (sha256, new) in &new_banners {
        sqlx::query(
            "INSERT INTO consent_banners (sha256, configuration_version, locale, text)
             VALUES ($1, $2, $3, $4) ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(sha256)
        .bind(&new.configuration_version)
        .bind(new.locale.as_str())
        .bind(&new.banner.text)
        .execute(&mut *tx)
        .await?;
    }
    insert_events(&mut tx, db.backend(), &mut outcomes).await?;
    let mut salts = Vec::new();
    let mut leaves = Vec::new();
    for (outcome, (new, _)) in outcomes.iter().zip(batch) {
        if let Outcome::New(event) = outcome {
            let salt = leaf::new_salt()
                .map_err(|error| sqlx::Error::Protocol(format!("no salt: {error}")))?;
            let linked = in_force_revisions
                .get(&event.locale)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let facts = RequestFacts {
                gpc: new.gpc,
                lifetime: new.lifetime,
            };
            leaves.push(event_leaf(event, linked, &salt, Some(facts)));
            salts.push((event.id, salt));
        }
    }
    insert_salts(&mut tx, db.backend(), &salts).await?;
    tree::append(&mut tx, &leaves).await?;
    tx.commit().await?;

    let results = outcomes
        .iter()
        .map(|outcome| match outcome {
            Outcome::New(event) => Ok(Recorded {
                event: event.clone(),
                replayed: false,
            }),
            Outcome::Replay(event) => Ok(Recorded {
                event: event.clone(),
                replayed: true,
            }),
            // Only a new event is recorded as the first with its key.
            Outcome::ReplayOf(first) => match &outcomes[*first] {
                Outcome::New(event) => Ok(Recorded {
                    event: event.clone(),
                    replayed: true,
                }),
                _ => Err(RecordError::Database(
                    "a retry lost its first event".to_owned(),
                )),
            },
            Outcome::Refused(error) => Err(error.clone()),
        })
        .collect();
    let banners = new_banners.into_iter().map(|(sha256, _)| sha256).collect();
    Ok((results, banners))
}

/// Whether `retry` may be answered with `first`, recorded earlier under the same idempotency
/// key: the same request, from the same subject, or from none when the first came from none
/// (its answer, and so its cookie, was lost). Anything else would hand one visitor's choice,
/// cookie and receipts to whoever learnt the key.
async fn replays(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    first: &Event,
    retry: &NewEvent,
) -> Result<bool, sqlx::Error> {
    let choices: Choices = match serde_json::from_value(first.choices.clone()) {
        Ok(choices) => choices,
        Err(_) => return Ok(false),
    };
    if !retry.asks_for(
        &first.method,
        &choices,
        &first.configuration_version,
        &first.locale,
    ) {
        return Ok(false);
    }
    if !retry.subject_is_new {
        return Ok(first.subject == retry.subject.as_str());
    }
    // The first request came from no subject if its event opened the subject's history.
    let before: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM consent_events WHERE subject_id = $1 AND id < $2")
            .bind(&first.subject)
            .bind(first.id)
            .fetch_one(&mut **tx)
            .await?;
    Ok(before == 0)
}

/// The events already recorded under the batch's idempotency keys, by key.
async fn recorded_with_keys(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    batch: &[(NewEvent, Reply)],
) -> Result<HashMap<String, Event>, sqlx::Error> {
    let placeholders = placeholders(backend, 0, batch.len());
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM consent_events WHERE idempotency_key IN ({placeholders})"
    );
    let mut query = sqlx::query(&sql);
    for (new, _) in batch {
        query = query.bind(new.idempotency_key.as_str());
    }
    let rows = query.fetch_all(&mut **tx).await?;
    rows.iter()
        .map(|row| event_from_row(row).map(|event| (event.idempotency_key.clone(), event)))
        .collect()
}

/// Inserts the new events, many rows per statement, and gives each its id.
async fn insert_events(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    outcomes: &mut [Outcome],
) -> Result<(), sqlx::Error> {
    let mut fresh: Vec<&mut Event> = outcomes
        .iter_mut()
        .filter_map(|outcome| match outcome {
            Outcome::New(event) => Some(event),
            _ => None,
        })
        .collect();
    let mut last_id = 0;
    for chunk in fresh.chunks_mut(ROWS_PER_INSERT) {
        let rows = (0..chunk.len())
            .map(|row| format!("({})", placeholders(backend, row * 16, 16)))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO consent_events (subject_id, action, choices, method,
                 configuration_version, banner_sha256, revisions, locale, recorded_at,
                 user_agent, ip_prefix, idempotency_key, site, page, prev_hash, hash)
             VALUES {rows} RETURNING id, idempotency_key"
        );
        let mut query = sqlx::query(&sql);
        for event in chunk.iter() {
            query = query
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
                .bind(&event.site)
                .bind(&event.page)
                .bind(&event.prev_hash)
                .bind(&event.hash);
        }
        // Neither backend promises RETURNING in VALUES order: match the ids by idempotency
        // key, which is unique in the table and, for new events, within the batch.
        let ids: HashMap<String, i64> = query
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(|row| Ok((row.try_get("idempotency_key")?, row.try_get("id")?)))
            .collect::<Result<_, sqlx::Error>>()?;
        for event in chunk.iter_mut() {
            event.id = *ids
                .get(&event.idempotency_key)
                .ok_or(sqlx::Error::RowNotFound)?;
            // The chain is verified in id order: refuse to commit one that would not verify.
            if event.id <= last_id {
                return Err(sqlx::Error::Protocol(format!(
                    "consent event ids were not assigned in chain order ({} after {last_id})",
                    event.id
                )));
            }
            last_id = event.id;
        }
    }
    Ok(())
}

/// Keeps each new event's commitment salt.
pub async fn insert_salts(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    salts: &[(i64, String)],
) -> Result<(), sqlx::Error> {
    for chunk in salts.chunks(ROWS_PER_INSERT) {
        let rows = (0..chunk.len())
            .map(|row| format!("({})", placeholders(backend, row * 2, 2)))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!("INSERT INTO consent_event_salts (event_id, salt) VALUES {rows}");
        let mut query = sqlx::query(&sql);
        for (event_id, salt) in chunk {
            query = query.bind(*event_id).bind(salt.as_str());
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
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

/// A subject's events, oldest first, each with its index in the evidence log (none until it
/// has a leaf): what the visitor's receipts list.
pub async fn logged_events_of(
    db: &Db,
    subject: &SubjectId,
) -> Result<Vec<(Event, Option<u64>)>, sqlx::Error> {
    let events = events_of(db, subject).await?;
    let ids: Vec<i64> = events.iter().map(|event| event.id).collect();
    let leaves = tree::leaf_indexes(db, crate::evidence::ssr::LeafKind::ConsentEvent, &ids).await?;
    Ok(events
        .into_iter()
        .map(|event| {
            let index = leaves.get(&event.id).copied();
            (event, index)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chain_hash_is_sha256_of_the_fields_as_a_json_array() {
        let event = Event {
            id: 7,
            subject: "0123456789abcdef0123456789abcdef".to_owned(),
            action: "grant".to_owned(),
            choices: serde_json::json!({ "analytics": true, "marketing": false }),
            method: "custom".to_owned(),
            configuration_version: "c".repeat(64),
            banner_sha256: "b".repeat(64),
            revisions: serde_json::json!([1, 4]),
            locale: "de".to_owned(),
            recorded_at: Timestamp::from_millis(1_764_000_000_123),
            user_agent: "Agent \"quoted\" \\ ü \u{1}".to_owned(),
            ip_prefix: "203.0.113.0/24".to_owned(),
            idempotency_key: "key-1".to_owned(),
            site: String::new(),
            page: String::new(),
            prev_hash: GENESIS.to_owned(),
            hash: String::new(),
        };
        // The form every stored hash was computed in; a change here breaks every chain.
        let array = serde_json::json!([
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
        assert_eq!(
            chain_hash(&event),
            hex::encode(Sha256::digest(array.to_string().as_bytes()))
        );

        // An event with a place hashes it too, after the fields above.
        let placed = Event {
            site: "https://www.example.com".to_owned(),
            page: "/pricing".to_owned(),
            ..event
        };
        let mut array = array;
        if let serde_json::Value::Array(fields) = &mut array {
            fields.push(serde_json::json!(placed.site));
            fields.push(serde_json::json!(placed.page));
        }
        assert_eq!(
            chain_hash(&placed),
            hex::encode(Sha256::digest(array.to_string().as_bytes()))
        );
    }

    #[test]
    fn a_place_keeps_the_path_without_query_and_bounded() {
        let place = Place::new("https://a.example".to_owned(), "/docs?email=x@y#top");
        assert_eq!(place.page, "/docs");
        let long = format!("/{}", "é".repeat(2000));
        assert_eq!(
            Place::new(String::new(), &long).page.chars().count(),
            Place::MAX_PAGE_CHARS
        );
    }
}
