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
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::VariantArray,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case", parse_err_ty = String, parse_err_fn = unknown_action)]
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
    SiteAdded,
    SiteRemoved,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

fn unknown_action(text: &str) -> String {
    format!("unknown audit action {text:?}")
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
    use strum::VariantArray;

    #[test]
    fn actions_read_back_by_name() {
        for &action in AuditAction::VARIANTS {
            assert_eq!(action.as_str().parse::<AuditAction>(), Ok(action));
        }
        assert_eq!(
            crate::stored_names::stored_names::<AuditAction>(),
            [
                "sign_in",
                "sign_in_failed",
                "sign_out",
                "sign_out_everywhere",
                "user_created",
                "user_invited",
                "invitation_revoked",
                "user_removed",
                "role_changed",
                "draft_saved",
                "draft_discarded",
                "revision_published",
                "settings_changed",
                "inventory_changed",
                "export_made",
                "recipients_imported",
                "notices_retried",
                "site_added",
                "site_removed"
            ],
            "stored names never change"
        );
        crate::stored_names::assert_serde_uses_stored_names::<AuditAction>();
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
