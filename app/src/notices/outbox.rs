//! The notice outbox: publishing a material revision fills it ([`queue_campaign`]), and the
//! delivery worker empties it. A worker claims due messages under a lease
//! (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so workers in several processes never claim the same
//! row; on SQLite the single writer serialises claims), sends them, and records each outcome
//! only while its lease still holds, so a worker that outlived its lease cannot overwrite what
//! the worker that took the row over recorded.
//!
//! Besides change notices, the outbox holds subscription confirmations (rows without a
//! campaign), so `/subscribe` only queues and the worker sends. A link token is made for each
//! claimed message to a subscriber (an unsubscribe token for a notice, a confirmation token
//! for a confirmation) and only its hash is stored: the token itself exists only in the
//! message.

use super::subscriptions::{
    ALL_DOCUMENTS, LinkPurpose,
    ssr::{Confirmation, Scope, mint_token, title},
};
use crate::{
    clock::Timestamp,
    db::{Backend, Db, decode_error, placeholders},
    i18n::Locale,
};
use sqlx::{Row, any::AnyRow};
use std::time::Duration;

/// Queues the notices of a material revision, in the transaction that publishes it: a
/// campaign, and a message for every recipient and confirmed subscriber whose language the
/// revision is in. A revision in the default language also goes to those whose language
/// the document has no text in, so nobody is left out for want of a translation. Returns
/// how many messages were queued.
pub async fn queue_campaign(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    revision_id: i64,
    document_id: i64,
    locale: Locale,
    now: Timestamp,
) -> Result<u64, sqlx::Error> {
    let campaign_id: i64 = sqlx::query_scalar(
        "INSERT INTO notice_campaigns (revision_id, created_at) VALUES ($1, $2) RETURNING id",
    )
    .bind(revision_id)
    .bind(now.as_millis())
    .fetch_one(&mut **tx)
    .await?;
    let in_default_language = locale == Locale::default();
    // The language rule for the row aliased `alias`: its language, or, for a revision in
    // the default language, any language the document (`$4`) has no text in.
    let untranslated = |alias: &str| {
        if in_default_language {
            format!(
                " OR NOT EXISTS (SELECT 1 FROM revisions v
                                 WHERE v.document_id = $4 AND v.locale = {alias}.locale)"
            )
        } else {
            String::new()
        }
    };
    let sql = format!(
        "INSERT INTO notice_outbox (campaign_id, recipient_id, next_attempt_at)
         SELECT $1, r.id, $2 FROM notice_recipients r
         WHERE r.locale = $3{}
         ON CONFLICT (campaign_id, recipient_id) DO NOTHING",
        untranslated("r")
    );
    let mut query = sqlx::query(&sql)
        .bind(campaign_id)
        .bind(now.as_millis())
        .bind(locale.as_str());
    if in_default_language {
        query = query.bind(document_id);
    }
    let holders = query.execute(&mut **tx).await?.rows_affected();
    // Confirmed subscribers to this document or to all, by the same language rule; an
    // address subscribed twice (to both) or also an account holder gets one message.
    let sql = format!(
        "INSERT INTO notice_outbox (campaign_id, subscription_id, next_attempt_at)
         SELECT $1, MIN(s.id), $2 FROM notice_subscriptions s
         WHERE s.confirmed_at IS NOT NULL AND s.unsubscribed_at IS NULL
           AND s.scope IN ('{ALL_DOCUMENTS}', (SELECT slug FROM documents WHERE id = $4))
           AND (s.locale = $3{})
           AND NOT EXISTS (SELECT 1 FROM notice_outbox o
                           JOIN notice_recipients r ON r.id = o.recipient_id
                           WHERE o.campaign_id = $1 AND r.email = s.email)
         GROUP BY s.email
         ON CONFLICT (campaign_id, subscription_id) DO NOTHING",
        untranslated("s")
    );
    let subscribers = sqlx::query(&sql)
        .bind(campaign_id)
        .bind(now.as_millis())
        .bind(locale.as_str())
        .bind(document_id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    let queued = holders + subscribers;
    tracing::info!(
        revision_id,
        campaign_id,
        holders,
        subscribers,
        "change notices queued"
    );
    Ok(queued)
}

/// Whom a notice goes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Addressee {
    /// An account holder: the notice is transactional and cannot be unsubscribed from.
    AccountHolder { recipient_id: i64 },
    /// A visitor who subscribed; `token` opens the unsubscribe link of this message only.
    Subscriber {
        subscription_id: i64,
        token: String,
        /// Subscribed to every document rather than to this one.
        every_document: bool,
        /// Unsubscribed after the notice was queued: it must not be sent.
        ended: bool,
    },
}

impl Addressee {
    /// `r42` or `s7`: unique within a campaign, stable across attempts.
    pub fn key(&self) -> String {
        match self {
            Addressee::AccountHolder { recipient_id } => format!("r{recipient_id}"),
            Addressee::Subscriber {
                subscription_id, ..
            } => format!("s{subscription_id}"),
        }
    }
}

/// A queued change notice with everything its message says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueNotice {
    pub outbox_id: i64,
    pub campaign_id: i64,
    pub addressee: Addressee,
    /// Deliveries tried so far, this one included.
    pub attempts: i64,
    pub email: String,
    pub name: String,
    /// The language the message is written in: the recipient's.
    pub locale: Locale,
    pub document_slug: String,
    /// The document's title in the recipient's language, else in the revision's.
    pub document_title: String,
    /// The language of the revision's text, which differs from `locale` when the document has
    /// no text in the recipient's language.
    pub revision_locale: Locale,
    pub number: i64,
    pub effective_at: Timestamp,
    pub summary: String,
}

/// A queued subscription confirmation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueConfirmation {
    pub outbox_id: i64,
    pub attempts: i64,
    pub subscription_id: i64,
    pub confirmation: Confirmation,
    /// Confirmed or ended after it was queued: it must not be sent.
    pub moot: bool,
}

/// A claimed message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DueMessage {
    Notice(DueNotice),
    Confirmation(DueConfirmation),
}

impl DueMessage {
    pub fn outbox_id(&self) -> i64 {
        match self {
            DueMessage::Notice(notice) => notice.outbox_id,
            DueMessage::Confirmation(confirmation) => confirmation.outbox_id,
        }
    }

    /// Deliveries tried so far, this one included.
    pub fn attempts(&self) -> i64 {
        match self {
            DueMessage::Notice(notice) => notice.attempts,
            DueMessage::Confirmation(confirmation) => confirmation.attempts,
        }
    }
}

/// Messages claimed together; `lease` identifies the claim when its outcomes are recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    pub lease: Timestamp,
    pub messages: Vec<DueMessage>,
}

/// How a delivery went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    /// A transient failure: try again at `retry_at`.
    Deferred {
        retry_at: Timestamp,
        error: String,
    },
    /// A permanent failure (the server refused with 5xx): only an admin's retry sends it again.
    Failed {
        error: String,
    },
    /// Not tried (the worker is stopping, or the lease would run out first): back to the queue
    /// as it was, without counting an attempt.
    Released,
}

/// The longest server reply kept with a failed or deferred message.
const MAX_ERROR_CHARS: usize = 500;

/// Claims up to `limit` messages that are due at `now`: queued ones whose time has come, and
/// ones left `sending` by a worker whose lease has run out (it crashed or stalled). Each claim
/// counts as an attempt.
pub async fn claim(
    db: &Db,
    now: Timestamp,
    lease: Duration,
    limit: i64,
) -> Result<Claim, sqlx::Error> {
    let lease_until = now.plus(lease);
    let lock = match db.backend() {
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "UPDATE notice_outbox SET state = 'sending', lease_until = $1, attempts = attempts + 1
         WHERE id IN (
             SELECT id FROM notice_outbox
             WHERE (state = 'queued' AND next_attempt_at <= $2)
                OR (state = 'sending' AND lease_until <= $2)
             ORDER BY next_attempt_at, id
             LIMIT $3 {lock})
         RETURNING id"
    );
    let ids: Vec<i64> = sqlx::query_scalar(&sql)
        .bind(lease_until.as_millis())
        .bind(now.as_millis())
        .bind(limit)
        .fetch_all(db.writer())
        .await?;
    let mut messages = Vec::with_capacity(ids.len());
    if !ids.is_empty() {
        for notice in details(db, &ids).await? {
            messages.push(DueMessage::Notice(notice));
        }
        for confirmation in confirmations(db, &ids).await? {
            messages.push(DueMessage::Confirmation(confirmation));
        }
        mint_tokens(db, &mut messages, now).await?;
    }
    Ok(Claim {
        lease: lease_until,
        messages,
    })
}

/// Gives each claimed message to a subscriber its own link token, storing only the hashes, in
/// one transaction per claim. A message tried again gets a new token; the earlier one, never
/// delivered or delivered in a message that then counted as failed, still works.
async fn mint_tokens(
    db: &Db,
    messages: &mut [DueMessage],
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    let mut wanted: Vec<(i64, LinkPurpose, &mut String)> = messages
        .iter_mut()
        .filter_map(|message| match message {
            DueMessage::Notice(DueNotice {
                addressee:
                    Addressee::Subscriber {
                        subscription_id,
                        token,
                        ended: false,
                        ..
                    },
                ..
            }) => Some((*subscription_id, LinkPurpose::Unsubscribe, token)),
            DueMessage::Confirmation(DueConfirmation {
                subscription_id,
                confirmation,
                moot: false,
                ..
            }) => Some((
                *subscription_id,
                LinkPurpose::Confirm,
                &mut confirmation.token,
            )),
            _ => None,
        })
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let mut tx = db.begin_write().await?;
    for (subscription_id, purpose, token) in &mut wanted {
        **token = mint_token(&mut *tx, *subscription_id, *purpose, now).await?;
    }
    tx.commit().await
}

/// The confirmations among the claimed rows `ids`, their documents titled in the visitor's
/// language.
async fn confirmations(db: &Db, ids: &[i64]) -> Result<Vec<DueConfirmation>, sqlx::Error> {
    let sql = format!(
        "SELECT o.id, o.attempts, s.id, s.email, s.locale, s.scope, s.confirmed_at,
                s.unsubscribed_at
         FROM notice_outbox o
         JOIN notice_subscriptions s ON s.id = o.subscription_id
         WHERE o.campaign_id IS NULL AND o.id IN ({})
         ORDER BY o.id",
        placeholders(db.backend(), 0, ids.len())
    );
    let mut query = sqlx::query(&sql);
    for id in ids {
        query = query.bind(id);
    }
    let rows = query.fetch_all(db.writer()).await?;
    let mut due = Vec::with_capacity(rows.len());
    for row in rows {
        let locale: String = row.try_get(4)?;
        let locale: Locale = locale.parse().unwrap_or_default();
        let scope: String = row.try_get(5)?;
        let document = match Scope::parse(&scope) {
            Ok(Scope::Document(slug)) => title(db, &slug, locale).await?,
            _ => None,
        };
        due.push(DueConfirmation {
            outbox_id: row.try_get(0)?,
            attempts: row.try_get(1)?,
            subscription_id: row.try_get(2)?,
            confirmation: Confirmation {
                email: row.try_get(3)?,
                locale,
                document,
                token: String::new(),
            },
            moot: row.try_get::<Option<i64>, _>(6)?.is_some()
                || row.try_get::<Option<i64>, _>(7)?.is_some(),
        });
    }
    Ok(due)
}

async fn details(db: &Db, ids: &[i64]) -> Result<Vec<DueNotice>, sqlx::Error> {
    let sql = format!(
        "SELECT o.id, o.campaign_id, o.recipient_id, o.subscription_id, o.attempts,
                COALESCE(r.email, s.email), COALESCE(r.name, ''), COALESCE(r.locale, s.locale),
                s.scope, s.unsubscribed_at,
                d.slug,
                COALESCE(
                    (SELECT t.title FROM document_titles t
                     WHERE t.document_id = d.id AND t.locale = COALESCE(r.locale, s.locale)),
                    (SELECT t.title FROM document_titles t
                     WHERE t.document_id = d.id AND t.locale = v.locale),
                    d.slug),
                v.locale, v.number, v.effective_at, v.summary
         FROM notice_outbox o
         LEFT JOIN notice_recipients r ON r.id = o.recipient_id
         LEFT JOIN notice_subscriptions s ON s.id = o.subscription_id
         JOIN notice_campaigns c ON c.id = o.campaign_id
         JOIN revisions v ON v.id = c.revision_id
         JOIN documents d ON d.id = v.document_id
         WHERE o.id IN ({})
         ORDER BY o.id",
        placeholders(db.backend(), 0, ids.len())
    );
    let mut query = sqlx::query(&sql);
    for id in ids {
        query = query.bind(id);
    }
    let rows = query.fetch_all(db.writer()).await?;
    rows.iter().map(due_notice).collect()
}

fn due_notice(row: &AnyRow) -> Result<DueNotice, sqlx::Error> {
    let addressee = match (row.try_get::<Option<i64>, _>(2)?, row.try_get(3)?) {
        (Some(recipient_id), _) => Addressee::AccountHolder { recipient_id },
        (None, Some(subscription_id)) => Addressee::Subscriber {
            subscription_id,
            // Made for this message once it is claimed (see `mint_tokens`).
            token: String::new(),
            every_document: row.try_get::<Option<String>, _>(8)?.as_deref() == Some(ALL_DOCUMENTS),
            ended: row.try_get::<Option<i64>, _>(9)?.is_some(),
        },
        (None, None) => {
            return Err(decode_error(
                "recipient_id",
                std::io::Error::other("an outbox row without an addressee"),
            ));
        }
    };
    let locale: String = row.try_get(7)?;
    let revision_locale: String = row.try_get(12)?;
    Ok(DueNotice {
        outbox_id: row.try_get(0)?,
        campaign_id: row.try_get(1)?,
        addressee,
        attempts: row.try_get(4)?,
        email: row.try_get(5)?,
        name: row.try_get(6)?,
        locale: locale.parse().unwrap_or_default(),
        document_slug: row.try_get(10)?,
        document_title: row.try_get(11)?,
        revision_locale: revision_locale.parse().unwrap_or_default(),
        number: row.try_get(13)?,
        effective_at: Timestamp::from_millis(row.try_get(14)?),
        summary: row.try_get(15)?,
    })
}

/// Records how the delivery of a claimed message went. Returns `false` when the claim had
/// lapsed and another worker owns the message now, so nothing was recorded.
pub async fn record(
    db: &Db,
    outbox_id: i64,
    lease: Timestamp,
    now: Timestamp,
    outcome: &Outcome,
) -> Result<bool, sqlx::Error> {
    let set = match outcome {
        Outcome::Sent => "state = 'sent', sent_at = $3, lease_until = NULL, last_error = NULL",
        Outcome::Deferred { .. } => {
            "state = 'queued', next_attempt_at = $3, lease_until = NULL, last_error = $4"
        }
        Outcome::Failed { .. } => "state = 'failed', lease_until = NULL, last_error = $3",
        Outcome::Released => "state = 'queued', lease_until = NULL, attempts = attempts - 1",
    };
    let sql = format!(
        "UPDATE notice_outbox SET {set} WHERE id = $1 AND state = 'sending' AND lease_until = $2"
    );
    let query = sqlx::query(&sql).bind(outbox_id).bind(lease.as_millis());
    let query = match outcome {
        Outcome::Sent => query.bind(now.as_millis()),
        Outcome::Deferred { retry_at, error } => {
            query.bind(retry_at.as_millis()).bind(truncated(error))
        }
        Outcome::Failed { error } => query.bind(truncated(error)),
        Outcome::Released => query,
    };
    Ok(query.execute(db.writer()).await?.rows_affected() == 1)
}

fn truncated(error: &str) -> String {
    error.chars().take(MAX_ERROR_CHARS).collect()
}

/// When the next message falls due: the earliest retry of a queued message or lease expiry
/// of one being sent. `None` when nothing is waiting.
pub async fn next_due(db: &Db) -> Result<Option<Timestamp>, sqlx::Error> {
    let next: Option<i64> = sqlx::query_scalar(
        "SELECT MIN(CASE WHEN state = 'queued' THEN next_attempt_at ELSE lease_until END)
         FROM notice_outbox WHERE state IN ('queued', 'sending')",
    )
    .fetch_one(db.reader())
    .await?;
    Ok(next.map(Timestamp::from_millis))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_server_replies_are_cut() {
        assert_eq!(
            truncated(&"x".repeat(2_000)).chars().count(),
            MAX_ERROR_CHARS
        );
        assert_eq!(truncated("451 try later"), "451 try later");
    }
}
