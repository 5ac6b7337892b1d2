//! Change notices: the people Charter emails when a material revision is published (the
//! company's account holders, imported from a CSV file, whose notices are transactional; and
//! visitors who subscribed and confirmed their address), and the campaign and outbox rows that
//! publishing such a revision queues for them.

pub mod campaigns;
#[cfg(feature = "ssr")]
pub mod outbox;
pub mod subscriptions;

use crate::{
    admin::Email,
    clock::Timestamp,
    errors::{AppError, Loaded},
    i18n::Locale,
    ui::Instant,
};
use leptos::prelude::*;
use leptos_fluent::{move_tr, tr};
use leptos_meta::Title;
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

/// A recipient as the recipients page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    pub email: String,
    pub name: String,
    pub locale: String,
    pub updated_at: Timestamp,
}

/// The recipients page's data: how many there are and the latest changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecipientsView {
    pub csrf_token: String,
    pub total: i64,
    pub latest: Vec<Recipient>,
}

/// How many recipients the page lists.
pub const RECIPIENTS_SHOWN: i64 = 50;

#[server(endpoint = "admin/recipients")]
pub async fn get_recipients() -> Result<RecipientsView, AppError> {
    use crate::admin::{
        Role,
        ssr::guard::{SignedOut, require},
    };
    let session = require(Role::Admin, SignedOut::SignIn).await?;
    let state = crate::state::app_state()?;
    let (total, latest) = ssr::latest(&state.db, RECIPIENTS_SHOWN).await?;
    Ok(RecipientsView {
        csrf_token: session.csrf_token,
        total,
        latest,
    })
}

/// `/admin/recipients`, for admins: upload a CSV file of account holders (the file
/// `charter recipients import` reads); the form posts to `/admin/recipients/import`
/// (`ssr::http`), answered 303 back here with what the import did.
#[component]
pub fn RecipientsPage() -> impl IntoView {
    let recipients = Resource::new(|| (), |()| get_recipients());
    view! {
        <Title text=tr!("recipients-title") />
        <nav class="breadcrumbs"><a href="/admin">{move_tr!("admin-home-title")}</a></nav>
        <h1>{move_tr!("recipients-title")}</h1>
        <Loaded resource=recipients render=recipients_view />
    }
}

/// What an upload of recipients sent `/admin/recipients` back with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "notice", rename_all = "kebab-case")]
pub enum RecipientsNotice {
    /// Counts of the valid rows' outcomes and of the refused rows, with the first refused rows
    /// (one per line) named by their line in the file.
    Imported {
        added: String,
        updated: String,
        unchanged: String,
        invalid: String,
        rows: String,
    },
    NoFile,
    Unreadable {
        reason: String,
    },
}

/// What the last upload did, from the address it sent the browser back to.
fn import_report() -> Option<impl IntoView> {
    let notice = crate::ui::notice_of::<RecipientsNotice>()?;
    let (added, updated, unchanged, invalid, rows) = match notice {
        RecipientsNotice::NoFile => {
            let text = tr!("recipients-error-no-file");
            return Some(view! { <p class="admin-notice" role="alert">{text}</p> }.into_any());
        }
        RecipientsNotice::Unreadable { reason } => {
            let text = tr!("recipients-error-unreadable", { "reason" => reason });
            return Some(view! { <p class="admin-notice" role="alert">{text}</p> }.into_any());
        }
        RecipientsNotice::Imported {
            added,
            updated,
            unchanged,
            invalid,
            rows,
        } => (added, updated, unchanged, invalid, rows),
    };
    let summary = tr!(
        "recipients-imported",
        { "added" => added, "updated" => updated, "unchanged" => unchanged }
    );
    let problems = (invalid != "0").then(|| {
        view! {
            <p>{tr!("recipients-invalid", { "count" => invalid.clone() })}</p>
            <ul class="recipients-errors">
                {rows.lines().map(|row| view! { <li>{row.to_owned()}</li> }).collect_view()}
            </ul>
        }
    });
    Some(
        view! {
            <div class="admin-notice" role="status">
                <p>{summary}</p>
                {problems}
            </div>
        }
        .into_any(),
    )
}

fn recipients_view(page: RecipientsView) -> impl IntoView {
    let total = page.total;
    view! {
        {import_report()}
        <form
            method="post"
            action="/admin/recipients/import"
            enctype="multipart/form-data"
            class="admin-form"
        >
            <input type="hidden" name="csrf" value=page.csrf_token />
            <label for="recipients-file">{move_tr!("recipients-file")}</label>
            <p class="editor-hint" id="recipients-hint">{move_tr!("recipients-hint")}</p>
            <input
                id="recipients-file"
                name="file"
                type="file"
                accept=".csv,text/csv"
                aria-describedby="recipients-hint"
                required
            />
            <button type="submit">{move_tr!("recipients-import")}</button>
        </form>
        <h2>{move_tr!("recipients-latest")}</h2>
        <p>{move || tr!("recipients-total", { "count" => total })}</p>
        <table class="admin-audit-table">
            <thead>
                <tr>
                    <th scope="col">{move_tr!("admin-email")}</th>
                    <th scope="col">{move_tr!("recipients-name")}</th>
                    <th scope="col">{move_tr!("consent-records-locale")}</th>
                    <th scope="col">{move_tr!("recipients-updated")}</th>
                </tr>
            </thead>
            <tbody>
                {page
                    .latest
                    .into_iter()
                    .map(|recipient| {
                        view! {
                            <tr>
                                <td>{recipient.email}</td>
                                <td>{recipient.name}</td>
                                <td>{recipient.locale}</td>
                                <td><Instant at=recipient.updated_at /></td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    pub mod http;
    pub mod recipients_file;

    use super::{NewRecipient, Recipient, RecipientsImported};
    use crate::{
        audit::{
            AuditAction,
            ssr::{Actor, record},
        },
        clock::Timestamp,
        db::{Db, placeholders},
    };
    use std::collections::{HashMap, HashSet};

    /// How many recipients there are, and the `limit` changed last.
    pub async fn latest(db: &Db, limit: i64) -> Result<(i64, Vec<Recipient>), sqlx::Error> {
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notice_recipients")
            .fetch_one(db.reader())
            .await?;
        let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
            "SELECT email, name, locale, updated_at FROM notice_recipients
             ORDER BY updated_at DESC, email LIMIT $1",
        )
        .bind(limit)
        .fetch_all(db.reader())
        .await?;
        let latest = rows
            .into_iter()
            .map(|(email, name, locale, updated_at)| Recipient {
                email,
                name,
                locale,
                updated_at: Timestamp::from_millis(updated_at),
            })
            .collect();
        Ok((total, latest))
    }

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
        let mut tx = db.begin_write().await?;
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
            &mut tx,
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
