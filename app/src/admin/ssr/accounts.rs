//! Accounts: creating them, and checking a sign-in against them.

use super::{
    password::{self, HashError, NewPassword},
    throttle,
};
use crate::{
    admin::{AdminUser, Email, Role},
    clock::Timestamp,
    db::{Db, decode_error},
};
use sqlx::{Row, any::AnyRow};

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("an account for {0} already exists")]
    Exists(Email),
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

fn user_from_row(row: &AnyRow) -> Result<AdminUser, sqlx::Error> {
    let email: String = row.try_get("email")?;
    let role: String = row.try_get("role")?;
    Ok(AdminUser {
        id: row.try_get("id")?,
        email: email.parse().map_err(|e| decode_error("email", e))?,
        role: role.parse().map_err(|e| decode_error("role", e))?,
    })
}

/// Creates an account. The address must not have one yet.
pub async fn create(
    db: &Db,
    email: &Email,
    role: Role,
    password: &NewPassword,
) -> Result<AdminUser, AccountError> {
    let hash = password::hash(password).await?;
    let inserted = sqlx::query(
        "INSERT INTO admin_users (email, role, password_hash, created_at)
         VALUES ($1, $2, $3, $4) ON CONFLICT (email) DO NOTHING RETURNING id, email, role",
    )
    .bind(email.as_str())
    .bind(role.as_str())
    .bind(hash)
    .bind(Timestamp::now().as_millis())
    .fetch_optional(db.writer())
    .await?;
    match inserted {
        Some(row) => Ok(user_from_row(&row)?),
        None => Err(AccountError::Exists(email.clone())),
    }
}

/// Why a sign-in was refused. Deliberately the same for an unknown address, a wrong password
/// and a disabled account.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("the email address or the password is wrong")]
    Refused,
    #[error("too many failed sign-ins; try again in {minutes} minutes")]
    Throttled { minutes: u64 },
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Checks `password` for the account `email` (as typed), from the client network `ip_prefix`.
/// Failures are counted; once an address or a network has failed too often it is refused
/// without checking, until the oldest counted failure leaves the window.
pub async fn check_sign_in(
    db: &Db,
    email: &str,
    password: String,
    ip_prefix: &str,
) -> Result<AdminUser, SignInError> {
    let typed = email.trim().to_lowercase();
    if let Some(wait) = throttle::wait(db, &typed, ip_prefix).await? {
        return Err(SignInError::Throttled {
            minutes: wait.as_secs().div_ceil(60).max(1),
        });
    }
    let row = match typed.parse::<Email>() {
        Ok(email) => {
            sqlx::query(
                "SELECT id, email, role, password_hash FROM admin_users
                 WHERE email = $1 AND disabled_at IS NULL",
            )
            .bind(email.as_str())
            .fetch_optional(db.reader())
            .await?
        }
        Err(_) => None,
    };
    let stored: Option<String> = row
        .as_ref()
        .map(|row| row.try_get("password_hash"))
        .transpose()?;
    let matches = password::verify(password, stored).await?;
    match row {
        Some(row) if matches => {
            throttle::forget(db, &typed).await?;
            Ok(user_from_row(&row)?)
        }
        _ => {
            throttle::record_failure(db, &typed, ip_prefix).await?;
            Err(SignInError::Refused)
        }
    }
}
