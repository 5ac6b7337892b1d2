//! Accounts: creating them, and checking a sign-in against them.

use super::{
    password::{HashError, Hasher, NewPassword},
    throttle::{self, Admission},
};
use crate::{
    admin::{Account, AdminUser, Email, Role},
    audit::{
        AuditAction,
        ssr::{Actor, record, record_alone},
    },
    clock::Timestamp,
    db::{Backend, Db, decode_error},
    network::RequestSource,
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

/// Creates an account, recorded as created by `actor`. The address must not have one yet.
pub async fn create(
    db: &Db,
    hasher: &Hasher,
    email: &Email,
    role: Role,
    password: &NewPassword,
    actor: &Actor,
) -> Result<AdminUser, AccountError> {
    let hash = hasher.hash(password).await?;
    let mut tx = db.begin_write().await?;
    let user = insert_account(&mut tx, email, role, hash).await?;
    record(
        &mut tx,
        actor,
        AuditAction::UserCreated,
        user.email.as_str(),
        role.as_str(),
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}

/// Inserts an account with an argon2id `password_hash`. A removed account of the same address
/// comes back with the new role and password (accounts are disabled, never deleted); an active
/// one makes this fail.
pub(super) async fn insert_account(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    email: &Email,
    role: Role,
    password_hash: String,
) -> Result<AdminUser, AccountError> {
    let inserted = sqlx::query(
        "INSERT INTO admin_users (email, role, password_hash, created_at)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (email) DO UPDATE
         SET role = excluded.role, password_hash = excluded.password_hash, disabled_at = NULL
         WHERE admin_users.disabled_at IS NOT NULL
         RETURNING id, email, role",
    )
    .bind(email.as_str())
    .bind(role.as_str())
    .bind(password_hash)
    .bind(Timestamp::now().as_millis())
    .fetch_optional(&mut **tx)
    .await?;
    match inserted {
        Some(row) => Ok(user_from_row(&row)?),
        None => Err(AccountError::Exists(email.clone())),
    }
}

/// An account as the users page lists it.
pub async fn list(db: &Db) -> Result<Vec<Account>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, email, role, created_at, disabled_at FROM admin_users ORDER BY email",
    )
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|row| {
            let disabled_at: Option<i64> = row.try_get("disabled_at")?;
            Ok(Account {
                user: user_from_row(row)?,
                created_at: Timestamp::from_millis(row.try_get("created_at")?),
                removed_at: disabled_at.map(Timestamp::from_millis),
            })
        })
        .collect()
}

#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error("there is no active account with that id")]
    NoSuchAccount,
    #[error("this would leave no admin; make someone else an admin first")]
    LastAdmin,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Locks every active admin's row until `tx` ends, so two concurrent changes cannot each see
/// the other as the admin who remains. PostgreSQL under READ COMMITTED would let both count
/// the other; `FOR UPDATE` makes the second wait, then re-read the rows as the first left
/// them. SQLite has one writer connection, so its write transactions never interleave.
async fn lock_admins(
    db: &Db,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
) -> Result<(), sqlx::Error> {
    if db.backend() == Backend::Postgres {
        sqlx::query(
            "SELECT id FROM admin_users WHERE role = 'admin' AND disabled_at IS NULL
             ORDER BY id FOR UPDATE",
        )
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The active account `user_id`, read inside `tx`.
async fn active_account(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user_id: i64,
) -> Result<AdminUser, ChangeError> {
    let row = sqlx::query(
        "SELECT id, email, role FROM admin_users WHERE id = $1 AND disabled_at IS NULL",
    )
    .bind(user_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(ChangeError::NoSuchAccount)?;
    Ok(user_from_row(&row)?)
}

/// Whether another active admin than `user_id` remains.
async fn another_admin(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user_id: i64,
) -> Result<bool, sqlx::Error> {
    let others: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM admin_users
         WHERE role = 'admin' AND disabled_at IS NULL AND id <> $1",
    )
    .bind(user_id)
    .fetch_one(&mut **tx)
    .await?;
    Ok(others > 0)
}

/// Gives `user_id` the role `role`; it applies to their next request. The last admin keeps
/// theirs.
pub async fn change_role(
    db: &Db,
    actor: &Actor,
    user_id: i64,
    role: Role,
) -> Result<AdminUser, ChangeError> {
    let mut tx = db.begin_write().await?;
    lock_admins(db, &mut tx).await?;
    let before = active_account(&mut tx, user_id).await?;
    if before.role == Role::Admin && role != Role::Admin && !another_admin(&mut tx, user_id).await?
    {
        return Err(ChangeError::LastAdmin);
    }
    sqlx::query("UPDATE admin_users SET role = $1 WHERE id = $2")
        .bind(role.as_str())
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    let detail = format!("{} → {}", before.role.as_str(), role.as_str());
    record(
        &mut tx,
        actor,
        AuditAction::RoleChanged,
        before.email.as_str(),
        &detail,
    )
    .await?;
    tx.commit().await?;
    Ok(AdminUser { role, ..before })
}

/// Removes `user_id`: the account is disabled (the audit log keeps pointing at it) and signed
/// out everywhere. The last admin cannot be removed.
pub async fn remove(db: &Db, actor: &Actor, user_id: i64) -> Result<AdminUser, ChangeError> {
    let mut tx = db.begin_write().await?;
    lock_admins(db, &mut tx).await?;
    let user = active_account(&mut tx, user_id).await?;
    if user.role == Role::Admin && !another_admin(&mut tx, user_id).await? {
        return Err(ChangeError::LastAdmin);
    }
    sqlx::query("UPDATE admin_users SET disabled_at = $1 WHERE id = $2")
        .bind(Timestamp::now().as_millis())
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM admin_sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    // Their pending invitations go with them: a link must not outlive the admin who vouched
    // for it.
    sqlx::query("DELETE FROM admin_invitations WHERE invited_by = $1 AND accepted_at IS NULL")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    record(
        &mut tx,
        actor,
        AuditAction::UserRemoved,
        user.email.as_str(),
        user.role.as_str(),
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}

/// Why a sign-in was refused. Deliberately the same for an unknown address, a wrong password
/// and a disabled account.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("the email address or the password is wrong")]
    Refused,
    #[error("too many failed sign-ins; try again in {minutes} minutes")]
    Throttled { minutes: u64 },
    #[error("the email address is too long: an address has at most 254 characters")]
    AddressTooLong,
    /// Every password-hashing permit is taken; nothing was checked or counted.
    #[error("the server is checking many sign-ins right now; try again in a few seconds")]
    Busy,
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Checks `password` for the account `email` (as typed), from where `source` says. The
/// attempt is counted before the password is checked (see `throttle`); one the limits refuse
/// is not checked, and is audited as throttled once per window for its address and network.
/// Failures are audited.
pub async fn check_sign_in(
    db: &Db,
    hasher: &Hasher,
    email: &str,
    password: String,
    source: &RequestSource,
) -> Result<AdminUser, SignInError> {
    let typed = email.trim().to_lowercase();
    // Refused before anything is stored: the audit log is permanent.
    if typed.chars().count() > throttle::MAX_ADDRESS_CHARS {
        return Err(SignInError::AddressTooLong);
    }
    let ip_prefix = source.ip_prefix.as_str();
    let attempt = Actor::from_source(source, None, &typed);
    let counted = match throttle::admit(db, &typed, ip_prefix).await? {
        Admission::Check(counted) => counted,
        Admission::Refused { wait } => {
            if throttle::first_refusal(db, &typed, ip_prefix).await? {
                record_alone(db, &attempt, AuditAction::SignInFailed, &typed, "throttled").await?;
            }
            return Err(SignInError::Throttled {
                minutes: wait.as_secs().div_ceil(60).max(1),
            });
        }
    };
    let Some(permit) = hasher.try_permit() else {
        throttle::withdraw(db, counted).await?;
        return Err(SignInError::Busy);
    };
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
    let matches = hasher.verify(password, stored, permit).await?;
    match row {
        Some(row) if matches => {
            throttle::succeeded(db, counted, &typed, ip_prefix).await?;
            Ok(user_from_row(&row)?)
        }
        // The counted attempt stays as the failure.
        _ => {
            record_alone(db, &attempt, AuditAction::SignInFailed, &typed, "").await?;
            Err(SignInError::Refused)
        }
    }
}
