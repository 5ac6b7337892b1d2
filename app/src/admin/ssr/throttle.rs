//! Sign-in throttling, over a sliding window. Every attempt is counted *before* its password
//! is checked: its row is inserted and committed first, and only then are the rows in the
//! window counted. Of any number of concurrent attempts, at most the limit see a count within
//! it, because the last of them to count sees all the others' rows. A checked attempt's row
//! stays as a failure unless the password was right; an attempt refused unchecked removes its
//! row, so refusals do not prolong a lock.
//!
//! The limits:
//! - per client network (/24, /48): [`PER_NETWORK`] attempts, whatever the address;
//! - per address: [`PER_ADDRESS`], for the networks that have failed for it in the window. A
//!   network with no failure for the address still gets one try, so a guesser elsewhere
//!   cannot lock the owner out; once that try fails, the network is held to the limit too;
//! - per address from all networks together: [`PER_ADDRESS_ALL_NETWORKS`], so a guesser with
//!   many networks is still bounded (five guesses, then one per fresh network, and never
//!   more than that in a window); locking an owner out this way takes that many networks.
//!
//! The answer is the same whether the address has an account or not.

use crate::{clock::Timestamp, db::Db};
use std::time::Duration;

/// Attempts are counted back this far.
pub const WINDOW_MS: i64 = 15 * 60 * 1000;
/// Failures per address within the window before networks that failed for it are refused.
pub const PER_ADDRESS: i64 = 5;
/// Failures per address within the window before every network is refused.
pub const PER_ADDRESS_ALL_NETWORKS: i64 = 100;
/// Attempts per client network within the window before it is refused.
pub const PER_NETWORK: i64 = 20;
/// The longest address considered, RFC 5321's limit; a longer one is refused unrecorded.
pub const MAX_ADDRESS_CHARS: usize = 254;
/// Expired rows removed per attempt: more than an attempt adds, so the tables stay bounded
/// by what one window holds, and no attempt pays for a long backlog at once.
const PRUNED_PER_ATTEMPT: i64 = 100;

/// An attempt that was counted and may now be checked.
#[derive(Debug)]
pub struct Counted {
    id: i64,
}

/// Whether an attempt may be checked.
#[derive(Debug)]
pub enum Admission {
    Check(Counted),
    /// Refused unchecked; the door opens again after `wait`.
    Refused {
        wait: Duration,
    },
}

/// Counts an attempt for `email` (as typed, at most [`MAX_ADDRESS_CHARS`]) from
/// `ip_prefix`, then says whether it may be checked.
pub async fn admit(db: &Db, email: &str, ip_prefix: &str) -> Result<Admission, sqlx::Error> {
    let now = Timestamp::now().as_millis();
    let since = now - WINDOW_MS;
    prune(db, since).await?;
    // Committed on its own, before counting: see the module's comment.
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO sign_in_failures (email, ip_prefix, at) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(email)
    .bind(ip_prefix)
    .bind(now)
    .fetch_one(db.writer())
    .await?;
    let (network, address, here): (i64, i64, i64) = sqlx::query_as(
        "SELECT
             (SELECT COUNT(*) FROM sign_in_failures WHERE ip_prefix = $2 AND at > $3),
             (SELECT COUNT(*) FROM sign_in_failures WHERE email = $1 AND at > $3),
             (SELECT COUNT(*) FROM sign_in_failures
              WHERE email = $1 AND ip_prefix = $2 AND at > $3)",
    )
    .bind(email)
    .bind(ip_prefix)
    .bind(since)
    .fetch_one(db.writer())
    .await?;
    let network_full = network > PER_NETWORK;
    let address_full = address > PER_ADDRESS_ALL_NETWORKS;
    // `here` counts this attempt: more than one means this network has failed for it.
    let address_held = address > PER_ADDRESS && here > 1;
    if !(network_full || address_full || address_held) {
        return Ok(Admission::Check(Counted { id }));
    }
    withdraw(db, Counted { id }).await?;
    let mut opens = None::<i64>;
    let mut later = |at: Option<i64>| opens = opens.max(at);
    if network_full {
        later(reopens(db, "ip_prefix = $1", &[ip_prefix], since, PER_NETWORK).await?);
    }
    if address_full {
        later(reopens(db, "email = $1", &[email], since, PER_ADDRESS_ALL_NETWORKS).await?);
    } else if address_held {
        // Held until fewer failures remain, or until this network's last one leaves.
        let fewer = reopens(db, "email = $1", &[email], since, PER_ADDRESS).await?;
        let own = reopens(
            db,
            "email = $1 AND ip_prefix = $2",
            &[email, ip_prefix],
            since,
            1,
        )
        .await?;
        later(fewer.min(own).or(fewer).or(own));
    }
    let wait = opens.map_or(0, |opens| u64::try_from(opens - now).unwrap_or(0));
    Ok(Admission::Refused {
        wait: Duration::from_millis(wait),
    })
}

/// When the rows matching `condition` (over `values`, bound as `$1`…) drop below `limit` in
/// the window: when the `limit`-th newest leaves it. `None` when they are below it already.
async fn reopens(
    db: &Db,
    condition: &str,
    values: &[&str],
    since: i64,
    limit: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let n = values.len();
    let sql = format!(
        "SELECT at FROM sign_in_failures WHERE {condition} AND at > ${} \
         ORDER BY at DESC LIMIT 1 OFFSET ${}",
        n + 1,
        n + 2
    );
    let mut query = sqlx::query_scalar::<_, i64>(&sql);
    for value in values {
        query = query.bind(*value);
    }
    let at = query
        .bind(since)
        .bind(limit - 1)
        .fetch_optional(db.reader())
        .await?;
    Ok(at.map(|at| at + WINDOW_MS))
}

/// Takes back an attempt that was not checked after all (no hashing capacity).
pub async fn withdraw(db: &Db, attempt: Counted) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sign_in_failures WHERE id = $1")
        .bind(attempt.id)
        .execute(db.writer())
        .await
        .map(drop)
}

/// A right password: the attempt and this network's failures for the address are forgotten,
/// so the owner is not held back by their own typos. Other networks' failures stay, so a
/// sign-in does not reopen the door for a guesser elsewhere.
pub async fn succeeded(
    db: &Db,
    attempt: Counted,
    email: &str,
    ip_prefix: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sign_in_failures WHERE id = $1 OR (email = $2 AND ip_prefix = $3)")
        .bind(attempt.id)
        .bind(email)
        .bind(ip_prefix)
        .execute(db.writer())
        .await
        .map(drop)
}

/// Whether this is the first refusal of `email` from `ip_prefix` in the window, so that
/// only it is audited: the audit log is permanent and must not grow with every refused
/// request. One statement, so concurrent refusals cannot all be first.
pub async fn first_refusal(db: &Db, email: &str, ip_prefix: &str) -> Result<bool, sqlx::Error> {
    let now = Timestamp::now().as_millis();
    let noted = sqlx::query(
        "INSERT INTO sign_in_refusals_audited (email, ip_prefix, at) VALUES ($1, $2, $3)
         ON CONFLICT (email, ip_prefix) DO UPDATE SET at = excluded.at
         WHERE sign_in_refusals_audited.at <= $4",
    )
    .bind(email)
    .bind(ip_prefix)
    .bind(now)
    .bind(now - WINDOW_MS)
    .execute(db.writer())
    .await?;
    Ok(noted.rows_affected() == 1)
}

/// Removes a bounded number of rows that have left the window.
async fn prune(db: &Db, since: i64) -> Result<(), sqlx::Error> {
    for table in ["sign_in_failures", "sign_in_refusals_audited"] {
        sqlx::query(&format!(
            "DELETE FROM {table} WHERE id IN
             (SELECT id FROM {table} WHERE at <= $1 ORDER BY at LIMIT $2)"
        ))
        .bind(since)
        .bind(PRUNED_PER_ATTEMPT)
        .execute(db.writer())
        .await?;
    }
    Ok(())
}
