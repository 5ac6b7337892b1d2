//! Server-side sessions. The browser holds a random token in `__Host-charter_session`; the
//! database holds its SHA-256 with the account, the CSRF token and when it was last used, so
//! any instance serves any session and a copy of the database opens none.

use crate::{
    admin::AdminUser,
    audit::{
        AuditAction,
        ssr::{Actor, record},
    },
    clock::Timestamp,
    db::{Db, decode_error},
};
use axum::http::HeaderMap;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};
use sqlx::Row;

/// The session cookie. The `__Host-` prefix makes browsers refuse it unless it is `Secure`,
/// host-only and for the whole site, so no subdomain or plain-HTTP page can plant one.
/// (Browsers treat `http://localhost` and `http://127.0.0.1` as secure, so it works there too.)
pub const SESSION_COOKIE: &str = "__Host-charter_session";
/// A session unused this long ends.
pub const IDLE_TIMEOUT_MS: i64 = 30 * 60 * 1000;
/// A session ends this long after sign-in, however busy.
pub const ABSOLUTE_TIMEOUT_MS: i64 = 12 * 60 * 60 * 1000;
/// `last_seen_at` is written at most this often, so reading pages does not write every time.
const TOUCH_INTERVAL_MS: i64 = 60 * 1000;

/// A signed-in browser: who, and the token its forms must echo.
#[derive(Clone, Debug)]
pub struct Session {
    pub user: AdminUser,
    pub csrf_token: String,
}

/// A new session and the cookie value that opens it (never stored).
pub struct Started {
    pub token: String,
    pub session: Session,
}

pub(super) fn random_token() -> Result<String, sqlx::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| decode_error("random token", e))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

pub(super) fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The session token among a request's cookies.
pub fn session_token(headers: &HeaderMap) -> Option<&str> {
    crate::cookies::cookie(headers, SESSION_COOKIE)
}

/// The session cookie as the browser must keep it: every page may send it, no script may read
/// it, and no other site's request carries it.
fn session_cookie(value: String) -> cookie::CookieBuilder<'static> {
    crate::cookies::site_cookie(
        SESSION_COOKIE,
        value,
        None,
        crate::cookies::SameSite::Strict,
    )
    .http_only(true)
    .secure(true)
}

/// The `Set-Cookie` value that hands `token` to the browser.
pub fn set_cookie(token: &str) -> String {
    session_cookie(token.to_owned()).build().to_string()
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie() -> String {
    session_cookie(String::new())
        .max_age(cookie::time::Duration::ZERO)
        .build()
        .to_string()
}

/// Starts a session for `user`, audited as `actor`'s sign-in, and ends `previous` (the browser's session before sign-in, if
/// any), so a session token planted or seen before sign-in is worthless after it.
pub async fn start(
    db: &Db,
    user: AdminUser,
    previous: Option<&str>,
    actor: &Actor,
) -> Result<Started, sqlx::Error> {
    let token = random_token()?;
    let csrf_token = random_token()?;
    let now = Timestamp::now().as_millis();
    let mut tx = db.begin_write().await?;
    if let Some(previous) = previous {
        sqlx::query("DELETE FROM admin_sessions WHERE token_sha256 = $1")
            .bind(digest(previous))
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query(
        "INSERT INTO admin_sessions (token_sha256, user_id, csrf_token, created_at, last_seen_at)
         VALUES ($1, $2, $3, $4, $4)",
    )
    .bind(digest(&token))
    .bind(user.id)
    .bind(&csrf_token)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    record(&mut tx, actor, AuditAction::SignIn, user.email.as_str(), "").await?;
    tx.commit().await?;
    Ok(Started {
        token,
        session: Session { user, csrf_token },
    })
}

/// The live session `token` opens, if any. Unknown, idle, too old, or of a disabled account:
/// `None` (and an expired one is deleted).
pub async fn find(db: &Db, token: &str) -> Result<Option<Session>, sqlx::Error> {
    let token_sha256 = digest(token);
    let row = sqlx::query(
        "SELECT s.user_id, s.csrf_token, s.created_at, s.last_seen_at, u.email, u.role,
                u.disabled_at
         FROM admin_sessions s JOIN admin_users u ON u.id = s.user_id
         WHERE s.token_sha256 = $1",
    )
    .bind(&token_sha256)
    .fetch_optional(db.reader())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let now = Timestamp::now().as_millis();
    let created_at: i64 = row.try_get("created_at")?;
    let last_seen_at: i64 = row.try_get("last_seen_at")?;
    let disabled_at: Option<i64> = row.try_get("disabled_at")?;
    if now - last_seen_at > IDLE_TIMEOUT_MS
        || now - created_at > ABSOLUTE_TIMEOUT_MS
        || disabled_at.is_some()
    {
        end(db, token).await?;
        return Ok(None);
    }
    if now - last_seen_at > TOUCH_INTERVAL_MS {
        sqlx::query("UPDATE admin_sessions SET last_seen_at = $1 WHERE token_sha256 = $2")
            .bind(now)
            .bind(&token_sha256)
            .execute(db.writer())
            .await?;
    }
    let email: String = row.try_get("email")?;
    let role: String = row.try_get("role")?;
    Ok(Some(Session {
        user: AdminUser {
            id: row.try_get("user_id")?,
            email: email.parse().map_err(|e| decode_error("email", e))?,
            role: role.parse().map_err(|e| decode_error("role", e))?,
        },
        csrf_token: row.try_get("csrf_token")?,
    }))
}

/// Signs this browser out.
pub async fn end(db: &Db, token: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM admin_sessions WHERE token_sha256 = $1")
        .bind(digest(token))
        .execute(db.writer())
        .await
        .map(drop)
}

/// Signs `user_id` out on every browser.
pub async fn end_all(db: &Db, user_id: i64) -> Result<u64, sqlx::Error> {
    sqlx::query("DELETE FROM admin_sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(db.writer())
        .await
        .map(|done| done.rows_affected())
}
