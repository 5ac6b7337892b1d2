//! Change notices: the people Charter emails when a material revision is published (for now the
//! company's account holders, imported from a CSV file; their notices are transactional), and
//! the campaign and outbox rows that publishing such a revision queues for them.

use crate::{admin::Email, i18n::Locale};
use serde::{Deserialize, Serialize};

/// The longest name kept for a recipient.
pub const MAX_NAME_CHARS: usize = 200;

/// A recipient as an import names it: one address, a name (may be empty) and the language of
/// its notices.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRecipient {
    pub email: Email,
    pub name: String,
    pub locale: Locale,
}

/// What an import did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecipientsImported {
    pub added: u64,
    pub updated: u64,
    /// Already there with the same name and language.
    pub unchanged: u64,
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::{NewRecipient, RecipientsImported};
    use crate::{
        audit::{
            AuditAction,
            ssr::{Actor, record},
        },
        clock::Timestamp,
        db::{Db, placeholders},
        i18n::Locale,
    };
    use std::collections::{HashMap, HashSet};

    /// Recipients looked up and inserted per statement: 4 values a row stays far below
    /// either backend's parameter limit.
    const ROWS_PER_STATEMENT: usize = 500;

    /// Adds the recipients that are new and updates the name and language of those already
    /// there, in one transaction recorded in the audit log: an import is all or nothing. An
    /// address given twice counts once, as it is first given.
    pub async fn import_recipients(
        db: &Db,
        recipients: &[NewRecipient],
        actor: &Actor,
    ) -> Result<RecipientsImported, sqlx::Error> {
        let now = Timestamp::now().as_millis();
        let backend = db.backend();
        let mut seen = HashSet::new();
        let distinct: Vec<&NewRecipient> = recipients
            .iter()
            .filter(|recipient| seen.insert(recipient.email.as_str()))
            .collect();
        let mut tx = db.writer().begin().await?;
        let mut outcome = RecipientsImported::default();
        for chunk in distinct.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "SELECT email, name, locale FROM notice_recipients WHERE email IN ({})",
                placeholders(backend, 0, chunk.len())
            );
            let mut lookup = sqlx::query_as::<_, (String, String, String)>(&sql);
            for recipient in chunk {
                lookup = lookup.bind(recipient.email.as_str());
            }
            let stored: HashMap<String, (String, String)> = lookup
                .fetch_all(&mut *tx)
                .await?
                .into_iter()
                .map(|(email, name, locale)| (email, (name, locale)))
                .collect();
            let mut new = Vec::new();
            for recipient in chunk {
                let wanted = (recipient.name.clone(), recipient.locale.as_str().to_owned());
                match stored.get(recipient.email.as_str()) {
                    Some(stored) if *stored == wanted => outcome.unchanged += 1,
                    Some(_) => {
                        sqlx::query(
                            "UPDATE notice_recipients SET name = $1, locale = $2, updated_at = $3
                             WHERE email = $4",
                        )
                        .bind(&recipient.name)
                        .bind(recipient.locale.as_str())
                        .bind(now)
                        .bind(recipient.email.as_str())
                        .execute(&mut *tx)
                        .await?;
                        outcome.updated += 1;
                    }
                    None => new.push(*recipient),
                }
            }
            if new.is_empty() {
                continue;
            }
            let rows = (0..new.len())
                .map(|row| format!("({})", placeholders(backend, row * 5, 5)))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "INSERT INTO notice_recipients (email, name, locale, created_at, updated_at)
                 VALUES {rows}"
            );
            let mut insert = sqlx::query(&sql);
            for recipient in &new {
                insert = insert
                    .bind(recipient.email.as_str())
                    .bind(&recipient.name)
                    .bind(recipient.locale.as_str())
                    .bind(now)
                    .bind(now);
            }
            insert.execute(&mut *tx).await?;
            outcome.added += new.len() as u64;
        }
        let detail = format!(
            "{} added, {} updated, {} unchanged",
            outcome.added, outcome.updated, outcome.unchanged
        );
        record(
            &mut *tx,
            actor,
            AuditAction::RecipientsImported,
            "notice recipients",
            &detail,
        )
        .await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// Queues the notices of a material revision, in the transaction that publishes it: a
    /// campaign, and a message for every recipient whose language the revision is in. A
    /// revision in the default language also goes to the recipients whose language the
    /// document has no text in, so nobody is left out for want of a translation. Returns how
    /// many messages were queued.
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
        let untranslated = if in_default_language {
            " OR NOT EXISTS (SELECT 1 FROM revisions v
                             WHERE v.document_id = $4 AND v.locale = r.locale)"
        } else {
            ""
        };
        let sql = format!(
            "INSERT INTO notice_outbox (campaign_id, recipient_id, next_attempt_at)
             SELECT $1, r.id, $2 FROM notice_recipients r
             WHERE r.locale = $3{untranslated}
             ON CONFLICT (campaign_id, recipient_id) DO NOTHING"
        );
        let mut query = sqlx::query(&sql)
            .bind(campaign_id)
            .bind(now.as_millis())
            .bind(locale.as_str());
        if in_default_language {
            query = query.bind(document_id);
        }
        let queued = query.execute(&mut **tx).await?.rows_affected();
        tracing::info!(revision_id, campaign_id, queued, "change notices queued");
        Ok(queued)
    }
}
