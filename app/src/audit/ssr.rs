//! The log itself: appending an entry and reading entries back. Every slice that changes
//! something records here; the audit page and the admin home read it back.

use super::{AuditAction, AuditEntry, AuditFilter};
use crate::{
    admin::AdminUser,
    clock::Timestamp,
    db::{Conditions, Db, FilterValue, contains_pattern, decode_error},
    evidence::ssr::{leaf, tree},
    network::RequestSource,
};
use sqlx::{Row, any::AnyRow};

/// Who acts, and from where.
#[derive(Clone, Debug)]
pub struct Actor {
    /// The account, when one is known (not for a failed sign-in to an unknown address).
    pub user_id: Option<i64>,
    /// The account's email, or the address tried.
    pub name: String,
    /// Already truncated to its network, as consent records keep it.
    pub ip: String,
    pub user_agent: String,
}

impl Actor {
    /// `user_id` and `name` acting from where `source` says.
    pub fn from_source(source: &RequestSource, user_id: Option<i64>, name: &str) -> Actor {
        Actor {
            user_id,
            name: name.to_owned(),
            ip: source.ip_prefix.clone(),
            user_agent: source.user_agent.clone(),
        }
    }

    pub fn of_user(source: &RequestSource, user: &AdminUser) -> Actor {
        Actor::from_source(source, Some(user.id), user.email.as_str())
    }

    /// Someone at this machine, or Charter itself, acting without the web: `name` says
    /// who, and `what` (the command) stands in for a user agent.
    pub fn local(name: &str, what: &str) -> Actor {
        Actor {
            user_id: None,
            name: name.to_owned(),
            ip: "local".to_owned(),
            user_agent: what.to_owned(),
        }
    }
}

/// Appends one entry, and its leaf to the evidence log, in the transaction of the action
/// itself (from `Db::begin_write`), so the action and its record commit together.
pub async fn record(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    actor: &Actor,
    action: AuditAction,
    object: &str,
    detail: &str,
) -> Result<(), sqlx::Error> {
    let at = Timestamp::now().as_millis();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO audit_log (at, actor_id, actor, action, object, detail, ip, user_agent)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(at)
    .bind(actor.user_id)
    .bind(&actor.name)
    .bind(action.as_str())
    .bind(object)
    .bind(detail)
    .bind(&actor.ip)
    .bind(&actor.user_agent)
    .fetch_one(&mut **tx)
    .await?;
    let leaf = leaf::audit(&leaf::AuditFields {
        id,
        at,
        actor: &actor.name,
        action: action.as_str(),
        object,
        detail,
    });
    tree::append(tx, &[leaf]).await?;
    Ok(())
}

/// [`record`] for an action that wrote nothing else, in a transaction of its own.
pub async fn record_alone(
    db: &Db,
    actor: &Actor,
    action: AuditAction,
    object: &str,
    detail: &str,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    record(&mut tx, actor, action, object, detail).await?;
    tx.commit().await
}

/// The newest entries first, at most `limit`.
pub async fn recent(db: &Db, limit: i64) -> Result<Vec<AuditEntry>, sqlx::Error> {
    search(db, &AuditFilter::default(), limit).await
}

/// The entries `filter` selects, newest first, at most `limit`.
pub async fn search(
    db: &Db,
    filter: &AuditFilter,
    limit: i64,
) -> Result<Vec<AuditEntry>, sqlx::Error> {
    let mut conditions = Conditions::default();
    if let Some(action) = filter.action {
        conditions.push("action = $?", FilterValue::Text(action.as_str().to_owned()));
    }
    if let Some(actor) = &filter.actor {
        conditions.push(
            "lower(actor) LIKE $? ESCAPE '\\'",
            FilterValue::Text(contains_pattern(actor)),
        );
    }
    if let Some(from) = filter.days.from {
        conditions.push("at >= $?", FilterValue::Int(from.as_millis()));
    }
    if let Some(until) = filter.days.until {
        conditions.push("at < $?", FilterValue::Int(until.as_millis()));
    }
    if let Some(before) = filter.before {
        conditions.push("id < $?", FilterValue::Int(before));
    }
    let rows = conditions
        .newest(
            db.reader(),
            "id, at, actor, action, object, detail, ip, user_agent FROM audit_log",
            limit,
        )
        .await?;
    rows.iter().map(entry_from_row).collect()
}

fn entry_from_row(row: &AnyRow) -> Result<AuditEntry, sqlx::Error> {
    let action: String = row.try_get("action")?;
    Ok(AuditEntry {
        id: row.try_get("id")?,
        at: Timestamp::from_millis(row.try_get("at")?),
        actor: row.try_get("actor")?,
        action: action
            .parse()
            .map_err(|e: String| decode_error("action", std::io::Error::other(e)))?,
        object: row.try_get("object")?,
        detail: row.try_get("detail")?,
        ip: row.try_get("ip")?,
        user_agent: row.try_get("user_agent")?,
    })
}
