//! The notice outbox as the delivery worker sees it. A worker claims due messages under a lease
//! (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so workers in several processes never claim the same
//! row; on SQLite the single writer serialises claims), sends them, and records each outcome
//! only while its lease still holds, so a worker that outlived its lease cannot overwrite what
//! the worker that took the row over recorded.

use crate::{
    clock::Timestamp,
    db::{Backend, Db, placeholders},
    i18n::Locale,
};
use std::time::Duration;

/// A queued change notice with everything its message says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueNotice {
    pub outbox_id: i64,
    pub campaign_id: i64,
    pub recipient_id: i64,
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

/// Messages claimed together; `lease` identifies the claim when its outcomes are recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    pub lease: Timestamp,
    pub notices: Vec<DueNotice>,
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
    let lease_until =
        Timestamp::from_millis(now.as_millis() + i64::try_from(lease.as_millis()).unwrap_or(0));
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
    let notices = if ids.is_empty() {
        Vec::new()
    } else {
        details(db, &ids).await?
    };
    Ok(Claim {
        lease: lease_until,
        notices,
    })
}

type DetailRow = (
    i64,
    i64,
    i64,
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    String,
);

async fn details(db: &Db, ids: &[i64]) -> Result<Vec<DueNotice>, sqlx::Error> {
    let sql = format!(
        "SELECT o.id, o.campaign_id, o.recipient_id, o.attempts, r.email, r.name, r.locale,
                d.slug,
                COALESCE(
                    (SELECT t.title FROM document_titles t
                     WHERE t.document_id = d.id AND t.locale = r.locale),
                    (SELECT t.title FROM document_titles t
                     WHERE t.document_id = d.id AND t.locale = v.locale),
                    d.slug),
                v.locale, v.number, v.effective_at, v.summary
         FROM notice_outbox o
         JOIN notice_recipients r ON r.id = o.recipient_id
         JOIN notice_campaigns c ON c.id = o.campaign_id
         JOIN revisions v ON v.id = c.revision_id
         JOIN documents d ON d.id = v.document_id
         WHERE o.id IN ({})
         ORDER BY o.id",
        placeholders(db.backend(), 0, ids.len())
    );
    let mut query = sqlx::query_as::<_, DetailRow>(&sql);
    for id in ids {
        query = query.bind(id);
    }
    let rows = query.fetch_all(db.writer()).await?;
    Ok(rows
        .into_iter()
        .map(
            |(
                outbox_id,
                campaign_id,
                recipient_id,
                attempts,
                email,
                name,
                locale,
                document_slug,
                document_title,
                revision_locale,
                number,
                effective_at,
                summary,
            )| DueNotice {
                outbox_id,
                campaign_id,
                recipient_id,
                attempts,
                email,
                name,
                locale: locale.parse().unwrap_or_default(),
                document_slug,
                document_title,
                revision_locale: revision_locale.parse().unwrap_or_default(),
                number,
                effective_at: Timestamp::from_millis(effective_at),
                summary,
            },
        )
        .collect())
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
