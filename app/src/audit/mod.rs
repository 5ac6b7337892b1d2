//! The audit log: every admin action, appended with who did it, to what, when and from where.
//! The database refuses to change or delete an entry. Admins read and filter it at
//! `/admin/audit`.

use crate::clock::{DayRange, Timestamp};
use serde::{Deserialize, Serialize};

mod page;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use page::{AUDIT_PAGE_SIZE, AuditLogPage, AuditPage, AuditTable, get_audit_log};

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
    InvitationRevoked,
    UserRemoved,
    RoleChanged,
    DraftSaved,
    DraftDiscarded,
    RevisionPublished,
    SettingsChanged,
    InventoryChanged,
    ExportMade,
    RecipientsImported,
    NoticesRetried,
}

impl AuditAction {
    pub const ALL: [AuditAction; 17] = [
        AuditAction::SignIn,
        AuditAction::SignInFailed,
        AuditAction::SignOut,
        AuditAction::SignOutEverywhere,
        AuditAction::UserCreated,
        AuditAction::UserInvited,
        AuditAction::InvitationRevoked,
        AuditAction::UserRemoved,
        AuditAction::RoleChanged,
        AuditAction::DraftSaved,
        AuditAction::DraftDiscarded,
        AuditAction::RevisionPublished,
        AuditAction::SettingsChanged,
        AuditAction::InventoryChanged,
        AuditAction::ExportMade,
        AuditAction::RecipientsImported,
        AuditAction::NoticesRetried,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::SignIn => "sign_in",
            AuditAction::SignInFailed => "sign_in_failed",
            AuditAction::SignOut => "sign_out",
            AuditAction::SignOutEverywhere => "sign_out_everywhere",
            AuditAction::UserCreated => "user_created",
            AuditAction::UserInvited => "user_invited",
            AuditAction::InvitationRevoked => "invitation_revoked",
            AuditAction::UserRemoved => "user_removed",
            AuditAction::RoleChanged => "role_changed",
            AuditAction::DraftSaved => "draft_saved",
            AuditAction::DraftDiscarded => "draft_discarded",
            AuditAction::RevisionPublished => "revision_published",
            AuditAction::SettingsChanged => "settings_changed",
            AuditAction::InventoryChanged => "inventory_changed",
            AuditAction::ExportMade => "export_made",
            AuditAction::RecipientsImported => "recipients_imported",
            AuditAction::NoticesRetried => "notices_retried",
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

/// The audit page's filter fields as the address carries them; [`AuditFilter::parse`] checks
/// them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditQuery {
    pub action: String,
    pub actor: String,
    pub from: String,
    pub to: String,
    /// Paging: only entries older than this id.
    pub before: String,
}

/// Which entries to show.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub action: Option<AuditAction>,
    /// Part of the actor's email (or of the address a failed sign-in tried), any case.
    pub actor: Option<String>,
    pub days: DayRange,
    pub before: Option<i64>,
}

impl AuditFilter {
    pub fn parse(query: &AuditQuery) -> Result<Self, String> {
        let action = match query.action.trim() {
            "" => None,
            action => Some(action.parse()?),
        };
        let actor = query.actor.trim();
        if actor.chars().count() > 254 {
            return Err("the actor filter is longer than any email address".to_owned());
        }
        let before = match query.before.trim() {
            "" => None,
            before => Some(
                before
                    .parse::<i64>()
                    .map_err(|_| format!("`{before}` is not an entry number"))?,
            ),
        };
        Ok(AuditFilter {
            action,
            actor: (!actor.is_empty()).then(|| actor.to_lowercase()),
            days: DayRange::parse(&query.from, &query.to)?,
            before,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_read_back_by_name() {
        for action in AuditAction::ALL {
            assert_eq!(action.as_str().parse::<AuditAction>(), Ok(action));
        }
        assert!("deleted_everything".parse::<AuditAction>().is_err());
    }

    #[test]
    fn filters_are_checked() {
        let query = |action: &str, before: &str| AuditQuery {
            action: action.to_owned(),
            actor: " Ada@Example.com ".to_owned(),
            before: before.to_owned(),
            ..AuditQuery::default()
        };
        let filter = AuditFilter::parse(&query("sign_in", "40")).unwrap();
        assert_eq!(filter.action, Some(AuditAction::SignIn));
        assert_eq!(filter.actor.as_deref(), Some("ada@example.com"));
        assert_eq!(filter.before, Some(40));
        assert!(AuditFilter::parse(&query("sudo", "")).is_err());
        assert!(AuditFilter::parse(&query("", "forty")).is_err());
    }
}
