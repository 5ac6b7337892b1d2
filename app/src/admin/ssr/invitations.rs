//! Invitations: an admin invites an address with a role; the one-time link lets its owner choose
//! a password and creates the account. Only the link's SHA-256 is stored.

use super::{
    accounts::{AccountError, insert_account},
    password::{Hasher, NewPassword},
    sessions::{digest, random_token},
};
use crate::{
    admin::{AdminUser, Email, PendingInvitation, Role},
    audit::{
        AuditAction,
        ssr::{Actor, record},
    },
    clock::Timestamp,
    db::{Db, decode_error},
};
use sqlx::Row;

/// How long an invitation link works.
pub const LIFETIME_MS: i64 = 72 * 60 * 60 * 1000;

/// A pending invitation, as its link shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invitation {
    pub email: Email,
    pub role: Role,
    pub expires_at: Timestamp,
}

#[derive(Debug, thiserror::Error)]
pub enum InvitationError {
    #[error("{0} already has an account")]
    HasAccount(Email),
    #[error("this invitation has expired or has been used; ask an admin for a new one")]
    Gone,
    #[error(
        "this is not a valid invitation link; copy the whole link from the invitation, or ask an admin for a new one"
    )]
    Malformed,
    #[error("{0} has no pending invitation; it may have been accepted or revoked already")]
    NotPending(Email),
    #[error(transparent)]
    Account(#[from] AccountError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Invites `email` as `role`, replacing any pending invitation of that address, and returns the
/// token of the link (shown once, never stored).
pub async fn invite(
    db: &Db,
    inviter: &Actor,
    email: &Email,
    role: Role,
) -> Result<String, InvitationError> {
    let token = random_token()?;
    let now = Timestamp::now().as_millis();
    let mut tx = db.begin_write().await?;
    let accounts: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM admin_users WHERE email = $1 AND disabled_at IS NULL",
    )
    .bind(email.as_str())
    .fetch_one(&mut *tx)
    .await?;
    if accounts > 0 {
        return Err(InvitationError::HasAccount(email.clone()));
    }
    sqlx::query("DELETE FROM admin_invitations WHERE email = $1 AND accepted_at IS NULL")
        .bind(email.as_str())
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO admin_invitations (token_sha256, email, role, invited_by, created_at,
                                        expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(digest(&token))
    .bind(email.as_str())
    .bind(role.as_str())
    .bind(inviter.user_id)
    .bind(now)
    .bind(now + LIFETIME_MS)
    .execute(&mut *tx)
    .await?;
    record(
        &mut tx,
        inviter,
        AuditAction::UserInvited,
        email.as_str(),
        role.as_str(),
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// Whether `token` could be one [`invite`] made (43 characters of URL-safe base64), so that
/// anything else is refused before the database or the password hasher are asked.
pub fn well_formed(token: &str) -> bool {
    token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The pending invitation `token` opens: not accepted, not expired.
pub async fn find(
    executor: impl sqlx::Executor<'_, Database = sqlx::Any>,
    token: &str,
) -> Result<Option<Invitation>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT email, role, expires_at FROM admin_invitations
         WHERE token_sha256 = $1 AND accepted_at IS NULL AND expires_at > $2",
    )
    .bind(digest(token))
    .bind(Timestamp::now().as_millis())
    .fetch_optional(executor)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let email: String = row.try_get("email")?;
    let role: String = row.try_get("role")?;
    Ok(Some(Invitation {
        email: email.parse().map_err(|e| decode_error("email", e))?,
        role: role.parse().map_err(|e| decode_error("role", e))?,
        expires_at: Timestamp::from_millis(row.try_get("expires_at")?),
    }))
}

/// Accepts the invitation `token` with `password`: creates the account and uses the link up, in
/// one transaction, so a link creates one account at most.
pub async fn accept(
    db: &Db,
    hasher: &Hasher,
    token: &str,
    password: &NewPassword,
    from: &Actor,
) -> Result<AdminUser, InvitationError> {
    // The link is looked up before the password is hashed: a hash is tens of milliseconds of
    // CPU, which a stranger with a made-up link must not be able to ask for.
    if !well_formed(token) {
        return Err(InvitationError::Malformed);
    }
    if find(db.reader(), token).await?.is_none() {
        return Err(InvitationError::Gone);
    }
    let hash = hasher.hash(password).await.map_err(AccountError::from)?;
    let mut tx = db.begin_write().await?;
    let invitation = find(&mut *tx, token).await?.ok_or(InvitationError::Gone)?;
    let used = sqlx::query(
        "UPDATE admin_invitations SET accepted_at = $1
         WHERE token_sha256 = $2 AND accepted_at IS NULL",
    )
    .bind(Timestamp::now().as_millis())
    .bind(digest(token))
    .execute(&mut *tx)
    .await?;
    if used.rows_affected() != 1 {
        return Err(InvitationError::Gone);
    }
    let user = insert_account(&mut tx, &invitation.email, invitation.role, hash).await?;
    let actor = Actor {
        user_id: Some(user.id),
        name: user.email.to_string(),
        ..from.clone()
    };
    record(
        &mut tx,
        &actor,
        AuditAction::UserCreated,
        user.email.as_str(),
        &format!("{} by invitation", user.role.as_str()),
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}

/// The invitations not accepted yet and not expired, by address, with who made them.
pub async fn pending(db: &Db) -> Result<Vec<PendingInvitation>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT i.email, i.role, i.expires_at, u.email AS invited_by
         FROM admin_invitations i LEFT JOIN admin_users u ON u.id = i.invited_by
         WHERE i.accepted_at IS NULL AND i.expires_at > $1
         ORDER BY i.email",
    )
    .bind(Timestamp::now().as_millis())
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|row| {
            let email: String = row.try_get("email")?;
            let role: String = row.try_get("role")?;
            let invited_by: Option<String> = row.try_get("invited_by")?;
            Ok(PendingInvitation {
                email: email.parse().map_err(|e| decode_error("email", e))?,
                role: role.parse().map_err(|e| decode_error("role", e))?,
                expires_at: Timestamp::from_millis(row.try_get("expires_at")?),
                invited_by: invited_by
                    .map(|email| email.parse().map_err(|e| decode_error("invited_by", e)))
                    .transpose()?,
            })
        })
        .collect()
}

/// Revokes the pending invitation of `email`: its link stops working at once. The invitation
/// row goes (it is no evidence; the audit log keeps that it was made and revoked).
pub async fn revoke(db: &Db, actor: &Actor, email: &Email) -> Result<(), InvitationError> {
    let mut tx = db.begin_write().await?;
    let revoked =
        sqlx::query("DELETE FROM admin_invitations WHERE email = $1 AND accepted_at IS NULL")
            .bind(email.as_str())
            .execute(&mut *tx)
            .await?;
    if revoked.rows_affected() == 0 {
        return Err(InvitationError::NotPending(email.clone()));
    }
    record(
        &mut tx,
        actor,
        AuditAction::InvitationRevoked,
        email.as_str(),
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
