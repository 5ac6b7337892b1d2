//! Change notices: the people Charter emails when a material revision is published. For now
//! the company's account holders, imported from a CSV file; their notices are transactional.

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
        db::Db,
    };

    /// Adds the recipients that are new and updates the name and language of those already
    /// there, in one transaction recorded in the audit log: an import is all or nothing.
    pub async fn import_recipients(
        db: &Db,
        recipients: &[NewRecipient],
        actor: &Actor,
    ) -> Result<RecipientsImported, sqlx::Error> {
        let now = Timestamp::now().as_millis();
        let mut tx = db.writer().begin().await?;
        let mut outcome = RecipientsImported::default();
        for recipient in recipients {
            let stored: Option<(String, String)> =
                sqlx::query_as("SELECT name, locale FROM notice_recipients WHERE email = $1")
                    .bind(recipient.email.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
            let wanted = (recipient.name.clone(), recipient.locale.as_str().to_owned());
            match stored {
                Some(stored) if stored == wanted => outcome.unchanged += 1,
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
                None => {
                    sqlx::query(
                        "INSERT INTO notice_recipients (email, name, locale, created_at, updated_at)
                         VALUES ($1, $2, $3, $4, $4)",
                    )
                    .bind(recipient.email.as_str())
                    .bind(&recipient.name)
                    .bind(recipient.locale.as_str())
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    outcome.added += 1;
                }
            }
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
}
