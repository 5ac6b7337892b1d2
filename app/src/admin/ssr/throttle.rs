//! Sign-in throttling: failed attempts are counted per address tried and per client network
//! over a sliding window. The answer is the same whether the address has an account or not.

use crate::{clock::Timestamp, db::Db};
use std::time::Duration;

/// Failed sign-ins are counted back this far.
pub const WINDOW_MS: i64 = 15 * 60 * 1000;
/// Failures per address within the window before it is refused.
pub const PER_ADDRESS: i64 = 5;
/// Failures per client network (/24, /48) within the window before it is refused.
pub const PER_NETWORK: i64 = 20;

/// How long until `email` from `ip_prefix` may try again; `None` when it may now.
pub async fn wait(db: &Db, email: &str, ip_prefix: &str) -> Result<Option<Duration>, sqlx::Error> {
    let now = Timestamp::now().as_millis();
    let mut opens = None::<i64>;
    for (sql, value, limit) in [
        (
            "SELECT at FROM sign_in_failures WHERE email = $1 AND at > $2
             ORDER BY at DESC LIMIT 1 OFFSET $3",
            email,
            PER_ADDRESS,
        ),
        (
            "SELECT at FROM sign_in_failures WHERE ip_prefix = $1 AND at > $2
             ORDER BY at DESC LIMIT 1 OFFSET $3",
            ip_prefix,
            PER_NETWORK,
        ),
    ] {
        // With `limit` failures in the window, the oldest of them leaving it reopens the door.
        let oldest_counted: Option<i64> = sqlx::query_scalar(sql)
            .bind(value)
            .bind(now - WINDOW_MS)
            .bind(limit - 1)
            .fetch_optional(db.reader())
            .await?;
        if let Some(at) = oldest_counted {
            opens = Some(opens.unwrap_or(0).max(at + WINDOW_MS));
        }
    }
    Ok(opens.map(|opens| Duration::from_millis(u64::try_from(opens - now).unwrap_or(0))))
}

pub async fn record_failure(
    executor: impl sqlx::Executor<'_, Database = sqlx::Any>,
    email: &str,
    ip_prefix: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO sign_in_failures (email, ip_prefix, at) VALUES ($1, $2, $3)")
        .bind(email)
        .bind(ip_prefix)
        .bind(Timestamp::now().as_millis())
        .execute(executor)
        .await
        .map(drop)
}

/// A successful sign-in clears the address's failures, so its owner is not locked out by
/// their own earlier typos.
pub async fn forget(db: &Db, email: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sign_in_failures WHERE email = $1")
        .bind(email)
        .execute(db.writer())
        .await
        .map(drop)
}
