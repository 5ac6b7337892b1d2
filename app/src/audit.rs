//! The audit log: every admin action, appended with who did it, to what, when and from where.
//! The database refuses to change or delete an entry.

use crate::clock::Timestamp;
use serde::{Deserialize, Serialize};

/// What was done.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    SignIn,
    SignInFailed,
    SignOut,
    SignOutEverywhere,
    UserCreated,
    UserInvited,
    UserRemoved,
    RoleChanged,
    DraftSaved,
    RevisionPublished,
    SettingsChanged,
}

impl AuditAction {
    pub const ALL: [AuditAction; 11] = [
        AuditAction::SignIn,
        AuditAction::SignInFailed,
        AuditAction::SignOut,
        AuditAction::SignOutEverywhere,
        AuditAction::UserCreated,
        AuditAction::UserInvited,
        AuditAction::UserRemoved,
        AuditAction::RoleChanged,
        AuditAction::DraftSaved,
        AuditAction::RevisionPublished,
        AuditAction::SettingsChanged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::SignIn => "sign_in",
            AuditAction::SignInFailed => "sign_in_failed",
            AuditAction::SignOut => "sign_out",
            AuditAction::SignOutEverywhere => "sign_out_everywhere",
            AuditAction::UserCreated => "user_created",
            AuditAction::UserInvited => "user_invited",
            AuditAction::UserRemoved => "user_removed",
            AuditAction::RoleChanged => "role_changed",
            AuditAction::DraftSaved => "draft_saved",
            AuditAction::RevisionPublished => "revision_published",
            AuditAction::SettingsChanged => "settings_changed",
        }
    }
}

impl std::str::FromStr for AuditAction {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        AuditAction::ALL
            .into_iter()
            .find(|action| action.as_str() == text)
            .ok_or_else(|| format!("unknown audit action {text:?}"))
    }
}

/// One entry, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: Timestamp,
    pub actor: String,
    pub action: AuditAction,
    pub object: String,
    pub detail: String,
    pub ip: String,
    pub user_agent: String,
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::{AuditAction, AuditEntry};
    use crate::{
        admin::AdminUser,
        clock::Timestamp,
        db::{Db, decode_error},
    };
    use sqlx::Row;

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
        /// `user_id` and `name` acting from where `origin` says.
        pub fn from_origin(
            origin: &crate::consent::ssr::Origin,
            user_id: Option<i64>,
            name: &str,
        ) -> Actor {
            Actor {
                user_id,
                name: name.to_owned(),
                ip: origin.ip_prefix.clone(),
                user_agent: origin.user_agent.clone(),
            }
        }

        pub fn of_user(origin: &crate::consent::ssr::Origin, user: &AdminUser) -> Actor {
            Actor::from_origin(origin, Some(user.id), user.email.as_str())
        }
    }

    /// Appends one entry. Pass the transaction of the action itself where there is one, so
    /// the action and its record commit together.
    pub async fn record(
        executor: impl sqlx::Executor<'_, Database = sqlx::Any>,
        actor: &Actor,
        action: AuditAction,
        object: &str,
        detail: &str,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO audit_log (at, actor_id, actor, action, object, detail, ip, user_agent)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(Timestamp::now().as_millis())
        .bind(actor.user_id)
        .bind(&actor.name)
        .bind(action.as_str())
        .bind(object)
        .bind(detail)
        .bind(&actor.ip)
        .bind(&actor.user_agent)
        .execute(executor)
        .await
        .map(drop)
    }

    /// The newest entries first, at most `limit`.
    pub async fn recent(db: &Db, limit: i64) -> Result<Vec<AuditEntry>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT id, at, actor, action, object, detail, ip, user_agent FROM audit_log
             ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(db.reader())
        .await?;
        rows.iter()
            .map(|row| {
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
            })
            .collect()
    }
}
